// SPDX-License-Identifier: GPL-2.0
/*
 * test_model_slowpath.c - the series' __alloc_pages_slowpath() on hand-built states where
 * memory runs short: a request under ALLOC_NOFRAGMENT that direct reclaim can serve from page
 * cache inside the tainted region must not taint a clean one; __GFP_NORETRY and costly orders
 * fail instead of dropping NOFRAGMENT; should_reclaim_retry() bounds the retries. The page
 * cache is this file's own LRU behind struct model_reclaim_ops. The invariant checker runs
 * after every step.
 */
#include "model.h"
#include "model_test.h"

#include <string.h>

/* The test's page cache: blocks in allocation order, reclaimed from the head. */
struct test_lru {
	struct model *m;
	uint64_t pfn[SUPERPAGEBLOCK_NR_PAGEBLOCKS];
	unsigned order[SUPERPAGEBLOCK_NR_PAGEBLOCKS];
	unsigned head, n;
	uint64_t fake_pages; /* lru_pages answers this when the LRU gives nothing back */
	unsigned shrink_calls, drains;
};

static uint64_t lru_shrink(void *ctx, int nid, uint64_t nr)
{
	struct test_lru *l = ctx;
	uint64_t got = 0;

	(void)nid;
	l->shrink_calls++;
	while (got < nr && l->head < l->n) {
		CHECK_EQ(model_free(l->m, l->pfn[l->head], l->order[l->head]), MODEL_OK);
		got += 1ull << l->order[l->head++];
	}
	return got;
}

static uint64_t lru_pages(void *ctx, int nid)
{
	struct test_lru *l = ctx;
	uint64_t pages = l->fake_pages;

	(void)nid;
	for (unsigned i = l->head; i < l->n; i++)
		pages += 1ull << l->order[i];
	return pages;
}

static void lru_drain(void *ctx)
{
	((struct test_lru *)ctx)->drains++;
}

static void set_lru(struct model *m, struct test_lru *l)
{
	struct model_reclaim_ops ops = {
		.shrink_lru = lru_shrink, .lru_pages = lru_pages, .drain_pages = lru_drain, .ctx = l
	};
	l->m = m;
	model_set_reclaim_ops(m, &ops);
}

static struct model *make(unsigned max_retries)
{
	struct model_config c;
	int err;

	memset(&c, 0, sizeof(c));
	c.policy = MODEL_POLICY_SPB;
	model_params_default(&c.params);
	c.params.evacuation = false;
	c.params.defrag = false;
	c.params.max_reclaim_retries = max_retries;
	test_host_zones(&c, 2);
	struct model *m = model_create(&c, &err);
	CHECK(m != NULL);
	return m;
}

static unsigned tainted_regions(struct model *m)
{
	struct model_stats st;
	model_stats(m, &st);
	return st.tainted_regions;
}

/*
 * DMA32 wholly unmovable; Normal's first region tainted by one unmovable pageblock and full of
 * movable pageblocks (page cache in l when given, migratable when @migratable); Normal's
 * second region empty, so clean.
 */
static void build_full_tainted(struct model *m, struct test_lru *l, bool migratable)
{
	for (uint64_t p = 4096; p < 4096 + 8192; p += PAGEBLOCK_NR_PAGES)
		CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_UNMOVABLE, false), MODEL_OK);
	CHECK_EQ(model_alloc_at(m, NORMAL0, PAGEBLOCK_ORDER, MIGRATE_UNMOVABLE, false), MODEL_OK);
	for (uint64_t p = NORMAL0 + PAGEBLOCK_NR_PAGES; p < NORMAL0 + GiB_PAGES;
	     p += PAGEBLOCK_NR_PAGES) {
		CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_MOVABLE, migratable),
			 MODEL_OK);
		if (l) {
			l->pfn[l->n] = p;
			l->order[l->n++] = PAGEBLOCK_ORDER;
		}
	}
	check_model(m, "full tainted");
	CHECK_EQ(tainted_regions(m), 2); /* DMA32's and Normal's first */
}

static int try_alloc(struct model *m, unsigned order, int mt, uint32_t gfp, uint64_t *pfn)
{
	struct model_alloc_req q = {
		.order = order, .migratetype = mt, .gfp = gfp, .movable = mt == MIGRATE_MOVABLE
	};
	return model_alloc(m, &q, pfn);
}

/* (a) Reclaim serves an unmovable request inside the tainted region; NOFRAGMENT holds. */
static void test_reclaim_keeps_nofragment(void)
{
	static struct test_lru l;
	struct model *m = make(16);
	uint64_t pfn;

	memset(&l, 0, sizeof(l));
	set_lru(m, &l);
	build_full_tainted(m, &l, true);
	CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL, &pfn), MODEL_OK);
	check_model(m, "after reclaim");
	CHECK(pfn >= NORMAL0 && pfn < NORMAL0 + GiB_PAGES);
	CHECK_EQ(tainted_regions(m), 2);
	CHECK_EQ(model_event(m, MODEL_EV_SLOWPATH_DROP_NOFRAGMENT), 0);
	CHECK_EQ(model_event(m, MODEL_EV_ALLOCSTALL), 1);
	CHECK_EQ(model_event(m, MODEL_EV_PGSTEAL_DIRECT), PAGEBLOCK_NR_PAGES);
	CHECK_EQ(l.head, 1); /* the oldest page-cache block went, nothing more */

	/* a movable request the same way: the clean region serves it, nothing is reclaimed */
	CHECK_EQ(try_alloc(m, 0, MIGRATE_MOVABLE, MODEL_GFP_HIGHUSER_MOVABLE, &pfn), MODEL_OK);
	CHECK_EQ(model_event(m, MODEL_EV_ALLOCSTALL), 1);
	CHECK_EQ(tainted_regions(m), 2);
	check_model(m, "movable");
	model_destroy(m);
	printf("slowpath: an unmovable request under NOFRAGMENT is served by reclaiming %u pages "
	       "of page cache in the tainted region; the clean region stays clean\n",
	       PAGEBLOCK_NR_PAGES);
}

/* (b) __GFP_NORETRY and a costly order give up where NOFRAGMENT used to be dropped. */
static void test_noretry_and_costly_exit(void)
{
	struct model *m = make(16);
	uint64_t pfn;

	build_full_tainted(m, NULL, false); /* nothing to reclaim, nothing can migrate */
	CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE,
			   MODEL_GFP_KERNEL | MODEL_GFP_NORETRY | MODEL_GFP_NOWARN, &pfn),
		 MODEL_ENOMEM);
	CHECK_EQ(model_event(m, MODEL_EV_SLOWPATH_NORETRY_NOPAGE), 1);
	CHECK_EQ(tainted_regions(m), 2);
	CHECK_EQ(try_alloc(m, 4, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL, &pfn), MODEL_ENOMEM);
	CHECK_EQ(model_event(m, MODEL_EV_SLOWPATH_COSTLY_NOPAGE), 1);
	CHECK_EQ(model_event(m, MODEL_EV_SLOWPATH_DROP_NOFRAGMENT), 0);
	CHECK_EQ(tainted_regions(m), 2);
	check_model(m, "exits");

	/* __GFP_RETRY_MAYFAIL keeps a costly request going to the last resort */
	CHECK_EQ(try_alloc(m, 4, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL | MODEL_GFP_RETRY_MAYFAIL,
			   &pfn),
		 MODEL_OK);
	CHECK_EQ(model_event(m, MODEL_EV_SLOWPATH_DROP_NOFRAGMENT), 1);
	CHECK_EQ(tainted_regions(m), 3);
	check_model(m, "retry_mayfail");
	model_destroy(m);
	printf("slowpath: __GFP_NORETRY and costly orders fail without tainting; RETRY_MAYFAIL "
	       "drops NOFRAGMENT as the last resort\n");
}

/* (c) should_reclaim_retry(): no progress ends the retries after max_reclaim_retries. */
static void test_reclaim_retries_bounded(void)
{
	static struct test_lru l;
	uint64_t pfn;

	for (unsigned max = 3; max <= 16; max += 13) {
		struct model *m = make(max);
		memset(&l, 0, sizeof(l));
		l.fake_pages = GiB_PAGES; /* reclaimable on paper, nothing comes back */
		set_lru(m, &l);
		build_full_tainted(m, NULL, false);
		CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL, &pfn), MODEL_OK);
		CHECK_EQ(model_event(m, MODEL_EV_RECLAIM_RETRY), max);
		CHECK_EQ(model_event(m, MODEL_EV_RECLAIM_RETRY_EXHAUSTED), 1);
		/* every retry reclaimed, and so did the pass that ran out of them */
		CHECK_EQ(model_event(m, MODEL_EV_ALLOCSTALL), max + 1);
		CHECK_EQ(model_event(m, MODEL_EV_SLOWPATH_DROP_NOFRAGMENT), 1);
		CHECK(l.shrink_calls >= 1);
		CHECK_EQ(tainted_regions(m), 3);
		check_model(m, "retries");
		model_destroy(m);
	}
	printf("slowpath: with no reclaim progress should_reclaim_retry() allows exactly "
	       "max_reclaim_retries retries (3, 16) before the last resort\n");
}

/*
 * lowmem_reserve: a request that may use Normal keeps out of DMA32's last lowmem_reserve[Normal]
 * pages (zoneinfo's "protection"), which a GFP_DMA32 request may still take.
 */
static void test_lowmem_reserve(void)
{
	struct model_config c;
	int err;

	memset(&c, 0, sizeof(c));
	c.policy = MODEL_POLICY_MAINLINE;
	model_params_default(&c.params);
	c.nr_zones = 2;
	c.zones[0] = (struct model_zone_config){ .type = ZONE_DMA32,
						 .start_pfn = 4096,
						 .spanned_pages = 8192,
						 .lowmem_reserve = { 0, 0, 3000, 3000 } };
	c.zones[1] = (struct model_zone_config){ .type = ZONE_NORMAL,
						 .start_pfn = NORMAL0,
						 .spanned_pages = GiB_PAGES };
	struct model *m = model_create(&c, &err);
	CHECK_FATAL(m != NULL);
	struct model_alloc_req q = { .order = MAX_PAGE_ORDER,
				     .migratetype = MIGRATE_MOVABLE,
				     .gfp = MODEL_GFP_HIGHUSER_MOVABLE,
				     .movable = true };
	uint64_t pfn, in_dma32 = 0;
	while (model_alloc(m, &q, &pfn) == MODEL_OK)
		in_dma32 += pfn < NORMAL0;
	q.order = 0;
	while (model_alloc(m, &q, &pfn) == MODEL_OK)
		in_dma32 += pfn < NORMAL0;
	/* DMA32's 8192 pages: above the reserve, free pages > 3000 + 2^order */
	CHECK_EQ(model_nr_free_pages(m), 3000);
	CHECK(in_dma32 > 0);
	q.gfp = MODEL_GFP_KERNEL | MODEL_GFP_DMA32;
	q.migratetype = MIGRATE_UNMOVABLE;
	q.movable = false;
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK);
	CHECK(pfn < NORMAL0);
	check_model(m, "lowmem_reserve");
	model_destroy(m);
	printf("lowmem_reserve: Normal requests leave DMA32's protection (3000 pages) to DMA32 "
	       "requests\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_reclaim_keeps_nofragment();
	test_noretry_and_costly_exit();
	test_reclaim_retries_bounded();
	test_lowmem_reserve();
	printf("model slowpath: all scenarios behave as the series' slowpath\n");
	return 0;
}
