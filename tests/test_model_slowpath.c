// SPDX-License-Identifier: GPL-2.0
/*
 * test_model_slowpath.c - the series' __alloc_pages_slowpath() on hand-built states where
 * memory runs short: a request under ALLOC_NOFRAGMENT that direct reclaim can serve from page
 * cache inside the tainted region must not taint a clean one; __GFP_NORETRY and costly orders
 * fail instead of dropping NOFRAGMENT; should_reclaim_retry() bounds the retries; direct
 * compaction (try_to_compact_pages) serves a costly movable request from memory that is free
 * enough in total but fragmented by movable pages, under both policies, and leaves alone the
 * pageblocks it could not clear; after a skipped compact-first compaction the SPB slowpath goes
 * round once more with direct reclaim, as the series' tree does, where mainline (the traced
 * 6.18 kernel) gives up; mainline's watermark boost (a switch) raises the marks after a claim
 * until a kswapd run ends. The page cache is this file's own LRU behind struct
 * model_reclaim_ops. lowmem_reserve keeps Normal requests out of DMA32's protection. The
 * invariant checker runs after every step.
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
 * should_reclaim_retry() for order 0 asks __zone_watermark_ok() with reclaimable + free pages,
 * and the kernel's "if (!order) return true" passes it on the page count alone: with every page
 * of both zones allocated (no free block anywhere) and a page cache on paper that gives nothing
 * back, an order-0 request retries max_reclaim_retries times before it fails. (Before session
 * 15 the model also asked for a free block and retried none.)
 */
static void test_reclaim_retry_order0_no_free_block(void)
{
	static struct test_lru l;
	const unsigned max = 5;
	struct model *m = make(max);
	uint64_t pfn;

	memset(&l, 0, sizeof(l));
	l.fake_pages = GiB_PAGES;
	set_lru(m, &l);
	for (uint64_t p = 4096; p < 4096 + 8192; p += PAGEBLOCK_NR_PAGES)
		CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_MOVABLE, false), MODEL_OK);
	for (uint64_t p = NORMAL0; p < NORMAL0 + 2 * GiB_PAGES; p += PAGEBLOCK_NR_PAGES)
		CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_MOVABLE, false), MODEL_OK);
	struct model_stats st;
	model_stats(m, &st);
	CHECK_EQ(st.free_pages, 0);
	CHECK(try_alloc(m, 0, MIGRATE_MOVABLE, MODEL_GFP_KERNEL, &pfn) != MODEL_OK);
	CHECK_EQ(model_event(m, MODEL_EV_RECLAIM_RETRY), max);
	CHECK(model_event(m, MODEL_EV_RECLAIM_RETRY_EXHAUSTED) >=
	      1); /* again after the last resort */
	check_model(m, "order-0 retries without a free block");
	model_destroy(m);
	printf("slowpath: an order-0 request with no free block anywhere retries %u times on "
	       "reclaimable pages alone, as __zone_watermark_ok() passes order 0\n",
	       max);
}

/* The migrate callback: each move lands on an allocated block above its source. */
struct moves {
	struct model *m;
	uint64_t pages, last_new;
	unsigned last_order;
};

static void on_migrate(void *ctx, uint64_t old_pfn, uint64_t new_pfn, unsigned order)
{
	struct moves *mv = ctx;
	unsigned o = 99;

	CHECK_EQ(model_page_allocated(mv->m, new_pfn, &o), 1);
	CHECK_EQ(o, order);
	CHECK_EQ(model_page_allocated(mv->m, old_pfn, &o), 1); /* freed after the callback */
	CHECK(new_pfn > old_pfn); /* the free scanner works down from the top */
	mv->pages += 1ull << order;
	mv->last_new = new_pfn;
	mv->last_order = order;
}

static struct model *make_compact_zone(enum model_policy policy, bool compaction,
				       unsigned normal_gib, bool servable)
{
	struct model_config c;
	int err;

	memset(&c, 0, sizeof(c));
	c.policy = policy;
	model_params_default(&c.params);
	c.params.evacuation = false;
	c.params.defrag = false;
	c.params.direct_compaction = compaction;
	c.params.spb_compact_servable = servable;
	test_host_zones(&c, normal_gib);
	struct model *m = model_create(&c, &err);
	CHECK(m != NULL);
	return m;
}

static struct model *make_compact(enum model_policy policy, bool compaction)
{
	return make_compact_zone(policy, compaction, 1, false);
}

/* Every page of the region at @start an order-0 movable allocation, then every odd one freed. */
static void fragment_region(struct model *m, uint64_t start, bool pinned)
{
	for (uint64_t p = start; p < start + GiB_PAGES; p++) {
		bool movable = !(pinned && !(p & (PAGEBLOCK_NR_PAGES - 1)));
		CHECK_EQ(model_alloc_at(m, p, 0, MIGRATE_MOVABLE, movable), MODEL_OK);
	}
	for (uint64_t p = start + 1; p < start + GiB_PAGES; p += 2)
		CHECK_EQ(model_free(m, p, 0), MODEL_OK);
}

/*
 * DMA32 wholly unmovable; Normal (1 GiB) every page an order-0 movable allocation, then every
 * odd pfn freed: half of Normal is free, none of it above order 0. With @pinned, the first
 * page of every Normal pageblock cannot move (allocated, not migratable).
 */
static void build_fragmented(struct model *m, bool pinned)
{
	for (uint64_t p = 4096; p < 4096 + 8192; p += PAGEBLOCK_NR_PAGES)
		CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_UNMOVABLE, false), MODEL_OK);
	fragment_region(m, NORMAL0, pinned);
	check_model(m, "fragmented");
}

/* (d) A THP-like request: fails without direct compaction, is captured with it. */
static void test_direct_compaction_serves_costly(void)
{
	const uint32_t thp = MODEL_GFP_TRANSHUGE | MODEL_GFP_NORETRY;
	uint64_t pfn;

	for (int policy = 0; policy < 2; policy++) {
		enum model_policy pol = policy ? MODEL_POLICY_SPB : MODEL_POLICY_MAINLINE;
		struct model *m = make_compact(pol, false);
		build_fragmented(m, false);
		CHECK_EQ(try_alloc(m, PAGEBLOCK_ORDER, MIGRATE_MOVABLE, thp, &pfn), MODEL_ENOMEM);
		CHECK_EQ(model_event(m, MODEL_EV_COMPACTSTALL), 0);
		check_model(m, "compaction off");
		model_destroy(m);

		static struct moves mv;
		m = make_compact(pol, true);
		memset(&mv, 0, sizeof(mv));
		mv.m = m;
		model_set_migrate_callback(m, on_migrate, &mv);
		build_fragmented(m, false);
		unsigned tainted = tainted_regions(m);
		CHECK_EQ(try_alloc(m, PAGEBLOCK_ORDER, MIGRATE_MOVABLE, thp, &pfn), MODEL_OK);
		check_model(m, "compacted");
		/* the migration scanner starts at the bottom: the first pageblock comes free */
		CHECK_EQ(pfn, NORMAL0);
		CHECK_EQ(model_event(m, MODEL_EV_DIRECT_COMPACT_RUNS), 1);
		CHECK_EQ(model_event(m, MODEL_EV_DIRECT_COMPACT_CAPTURED), 1);
		CHECK_EQ(model_event(m, MODEL_EV_COMPACTSUCCESS), 1);
		CHECK_EQ(model_event(m, MODEL_EV_DIRECT_COMPACT_MIGRATED), PAGEBLOCK_NR_PAGES / 2);
		CHECK_EQ(mv.pages, PAGEBLOCK_NR_PAGES / 2);
		CHECK_EQ(model_event(m, MODEL_EV_ALLOC_FAIL), 0);
		CHECK_EQ(tainted_regions(m), tainted);
		/* a migrated allocation is freed under its new pfn */
		CHECK_EQ(model_free(m, mv.last_new, mv.last_order), MODEL_OK);
		CHECK_EQ(model_free(m, pfn, PAGEBLOCK_ORDER), MODEL_OK);
		check_model(m, "freed");
		model_destroy(m);
	}
	printf("slowpath: direct compaction migrates %u pages and captures an order-%u block "
	       "that fails without it (mainline and SPB)\n",
	       PAGEBLOCK_NR_PAGES / 2, PAGEBLOCK_ORDER);
}

/*
 * (e) Async compaction leaves alone pageblocks it could not clear (skip_on_failure): with one
 * pinned page in every pageblock nothing moves, and the NORETRY request fails after two runs.
 */
static void test_direct_compaction_skips_pinned(void)
{
	uint64_t pfn;

	for (int policy = 0; policy < 2; policy++) {
		struct model *m =
			make_compact(policy ? MODEL_POLICY_SPB : MODEL_POLICY_MAINLINE, true);
		build_fragmented(m, true);
		CHECK_EQ(try_alloc(m, PAGEBLOCK_ORDER, MIGRATE_MOVABLE,
				   MODEL_GFP_TRANSHUGE | MODEL_GFP_NORETRY, &pfn),
			 MODEL_ENOMEM);
		check_model(m, "pinned");
		CHECK_EQ(model_event(m, MODEL_EV_DIRECT_COMPACT_RUNS), 2);
		CHECK_EQ(model_event(m, MODEL_EV_DIRECT_COMPACT_MIGRATED), 0);
		CHECK_EQ(model_event(m, MODEL_EV_COMPACTFAIL), 2);
		CHECK_EQ(model_event(m, MODEL_EV_SLOWPATH_NORETRY_NOPAGE), 1);
		/* async failures do not defer */
		CHECK_EQ(model_event(m, MODEL_EV_DIRECT_COMPACT_DEFERRED), 0);
		model_destroy(m);
	}
	printf("slowpath: async direct compaction moves nothing out of pageblocks holding a "
	       "page it cannot move\n");
}

/*
 * (f) SPB: the zone's only free pageblocks are a tainted region's reserve, which Pass 4 keeps
 * from movable requests, and the clean region is fragmented. As posted, compaction finds the
 * watermark met (the zone-wide free lists hold those pageblocks) and does nothing, so the
 * request fails; the spb_compact_servable what-if compacts the clean region instead.
 */
static void test_spb_reserve_hides_from_compaction(void)
{
	const uint32_t thp = MODEL_GFP_TRANSHUGE | MODEL_GFP_NORETRY;
	uint64_t pfn;

	for (int servable = 0; servable < 2; servable++) {
		struct model *m = make_compact_zone(MODEL_POLICY_SPB, true, 2, servable);
		for (uint64_t p = 4096; p < 4096 + 8192; p += PAGEBLOCK_NR_PAGES)
			CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_UNMOVABLE, false),
				 MODEL_OK);
		/* Normal's first region: one unmovable pageblock, 16 free (its reserve), the rest
		 * movable pageblock-sized allocations; its second region fragmented */
		CHECK_EQ(model_alloc_at(m, NORMAL0, PAGEBLOCK_ORDER, MIGRATE_UNMOVABLE, false),
			 MODEL_OK);
		for (uint64_t p = NORMAL0 + PAGEBLOCK_NR_PAGES;
		     p < NORMAL0 + GiB_PAGES - 16 * PAGEBLOCK_NR_PAGES; p += PAGEBLOCK_NR_PAGES)
			CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_MOVABLE, true),
				 MODEL_OK);
		fragment_region(m, NORMAL0 + GiB_PAGES, false);
		check_model(m, "reserve");
		unsigned tainted = tainted_regions(m);
		int rc = try_alloc(m, PAGEBLOCK_ORDER, MIGRATE_MOVABLE, thp, &pfn);
		check_model(m, "after");
		CHECK_EQ(tainted_regions(m), tainted);
		if (!servable) {
			CHECK_EQ(rc, MODEL_ENOMEM);
			CHECK(model_event(m, MODEL_EV_COMPACTSTALL) >= 1);
			CHECK_EQ(model_event(m, MODEL_EV_DIRECT_COMPACT_RUNS), 0);
			CHECK_EQ(model_event(m, MODEL_EV_COMPACTFAIL),
				 model_event(m, MODEL_EV_COMPACTSTALL));
		} else {
			CHECK_EQ(rc, MODEL_OK);
			CHECK_EQ(pfn, NORMAL0 + GiB_PAGES);
			CHECK_EQ(model_event(m, MODEL_EV_DIRECT_COMPACT_CAPTURED), 1);
		}
		model_destroy(m);
	}
	printf("slowpath: SPB as posted, a tainted region's reserve makes compaction think the "
	       "watermark is met and the THP request fails; spb_compact_servable compacts the "
	       "clean region and serves it\n");
}

/*
 * (g) The compact-first turn of a costly __GFP_NORETRY request. The zone's free memory is all
 * in order-8 halves of pageblocks whose other half cannot move, so the failure is for want of
 * memory, not fragmentation (fragmentation_index 484, at most sysctl_extfrag_threshold):
 * compaction is skipped. The series' tree ([S-F] __alloc_pages_slowpath) then goes round once
 * more with direct reclaim, which frees a page-cache pageblock of the clean region and serves
 * the THP; mainline keeps the traced kernel's exit to nopage on a skipped compaction.
 */
static void test_noretry_compact_first_turn(void)
{
	const uint32_t thp = MODEL_GFP_TRANSHUGE | MODEL_GFP_NORETRY;
	const uint64_t clean = NORMAL0 + GiB_PAGES;
	static struct test_lru l;
	uint64_t pfn;

	for (int policy = 0; policy < 2; policy++) {
		enum model_policy pol = policy ? MODEL_POLICY_SPB : MODEL_POLICY_MAINLINE;
		struct model *m = make_compact_zone(pol, true, 2, false);
		memset(&l, 0, sizeof(l));
		set_lru(m, &l);
		for (uint64_t p = 4096; p < 4096 + 8192; p += PAGEBLOCK_NR_PAGES)
			CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_UNMOVABLE, false),
				 MODEL_OK);
		/* Normal's first region tainted and full, nothing in it can move */
		CHECK_EQ(model_alloc_at(m, NORMAL0, PAGEBLOCK_ORDER, MIGRATE_UNMOVABLE, false),
			 MODEL_OK);
		for (uint64_t p = NORMAL0 + PAGEBLOCK_NR_PAGES; p < clean; p += PAGEBLOCK_NR_PAGES)
			CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_MOVABLE, false),
				 MODEL_OK);
		/* the second: 64 pageblocks half pinned, half free; the rest page cache */
		for (uint64_t i = 0; i < SUPERPAGEBLOCK_NR_PAGEBLOCKS; i++) {
			uint64_t p = clean + i * PAGEBLOCK_NR_PAGES;
			if (i < 64) {
				CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER - 1, MIGRATE_MOVABLE,
							false),
					 MODEL_OK);
				continue;
			}
			CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_MOVABLE, false),
				 MODEL_OK);
			l.pfn[l.n] = p;
			l.order[l.n++] = PAGEBLOCK_ORDER;
		}
		check_model(m, "half free");
		unsigned tainted = tainted_regions(m);
		int rc = try_alloc(m, PAGEBLOCK_ORDER, MIGRATE_MOVABLE, thp, &pfn);
		check_model(m, "after");
		CHECK_EQ(tainted_regions(m), tainted);
		CHECK_EQ(model_event(m, MODEL_EV_DIRECT_COMPACT_SKIPPED) >= 1, 1);
		CHECK_EQ(model_event(m, MODEL_EV_DIRECT_COMPACT_RUNS), 0);
		if (pol == MODEL_POLICY_SPB) {
			CHECK_EQ(rc, MODEL_OK);
			CHECK_EQ(pfn, clean + 64 * PAGEBLOCK_NR_PAGES);
			CHECK_EQ(model_event(m, MODEL_EV_ALLOCSTALL), 1);
			CHECK_EQ(model_event(m, MODEL_EV_SLOWPATH_NORETRY_NOPAGE), 0);
		} else {
			CHECK_EQ(rc, MODEL_ENOMEM);
			CHECK_EQ(model_event(m, MODEL_EV_ALLOCSTALL), 0);
			CHECK_EQ(model_event(m, MODEL_EV_SLOWPATH_NORETRY_NOPAGE), 1);
		}
		model_destroy(m);
	}
	printf("slowpath: after a skipped compact-first compaction the series reclaims and serves "
	       "a NORETRY THP; mainline (6.18) gives up\n");
}

/*
 * (h) skip_isolation_on_order(): direct compaction for order 8 does not isolate a folio of
 * order 8 or more (no free block could take it, or the request would not be compacting).
 * Normal's first pageblock: an order-8 movable folio in its lower half, order-0 movable pages
 * with every odd one free in its upper half; the rest of Normal fragmented the same way. The
 * run passes over the folio and captures the upper half; were it to try the folio, the free
 * scanner would find no order-8 block, run down to the migration scanner and end the run.
 */
static void test_direct_compaction_skips_large_folios(void)
{
	const uint32_t gfp = MODEL_GFP_HIGHUSER_MOVABLE | MODEL_GFP_NORETRY | MODEL_GFP_COMP;
	const uint64_t half = NORMAL0 + PAGEBLOCK_NR_PAGES / 2;
	uint64_t pfn;

	for (int policy = 0; policy < 2; policy++) {
		struct model *m =
			make_compact(policy ? MODEL_POLICY_SPB : MODEL_POLICY_MAINLINE, true);
		for (uint64_t p = 4096; p < 4096 + 8192; p += PAGEBLOCK_NR_PAGES)
			CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_UNMOVABLE, false),
				 MODEL_OK);
		CHECK_EQ(model_alloc_at(m, NORMAL0, PAGEBLOCK_ORDER - 1, MIGRATE_MOVABLE, true),
			 MODEL_OK);
		for (uint64_t p = half; p < NORMAL0 + GiB_PAGES; p++)
			CHECK_EQ(model_alloc_at(m, p, 0, MIGRATE_MOVABLE, true), MODEL_OK);
		for (uint64_t p = half + 1; p < NORMAL0 + GiB_PAGES; p += 2)
			CHECK_EQ(model_free(m, p, 0), MODEL_OK);
		check_model(m, "large folio first");
		CHECK_EQ(try_alloc(m, PAGEBLOCK_ORDER - 1, MIGRATE_MOVABLE, gfp, &pfn), MODEL_OK);
		check_model(m, "compacted past the folio");
		CHECK_EQ(pfn, half);
		CHECK_EQ(model_event(m, MODEL_EV_DIRECT_COMPACT_RUNS), 1);
		CHECK_EQ(model_event(m, MODEL_EV_DIRECT_COMPACT_CAPTURED), 1);
		CHECK_EQ(model_event(m, MODEL_EV_PGMIGRATE_FAIL), 0);
		CHECK_EQ(model_event(m, MODEL_EV_DIRECT_COMPACT_MIGRATED), PAGEBLOCK_NR_PAGES / 4);
		/* the folio stayed where it was */
		unsigned order = 0;
		CHECK_EQ(model_page_allocated(m, NORMAL0, &order), 1);
		CHECK_EQ(order, PAGEBLOCK_ORDER - 1);
		model_destroy(m);
	}
	printf("slowpath: direct compaction for order %u passes over a folio of that order and "
	       "captures the block beside it\n",
	       PAGEBLOCK_ORDER - 1);
}

/* Where migrations land: how many in [lo, hi), how many elsewhere; @free_at freed at the first. */
struct landing {
	struct model *m;
	uint64_t lo, hi, in, out, free_at;
	unsigned free_order;
};

static void on_migrate_landing(void *ctx, uint64_t old_pfn, uint64_t new_pfn, unsigned order)
{
	struct landing *l = ctx;

	(void)old_pfn;
	(void)order;
	if (new_pfn >= l->lo && new_pfn < l->hi)
		l->in++;
	else
		l->out++;
	if (l->free_at != MODEL_NO_PFN) { /* another CPU frees it while the run goes on */
		CHECK_EQ(model_free(l->m, l->free_at, l->free_order), MODEL_OK);
		l->free_at = MODEL_NO_PFN;
	}
}

/* Normal fragmented (build_fragmented: every odd page free), then the pages it left allocated
 * in [top, top + n) (every other one from top) freed as well: [top, top + n) wholly free. */
static struct model *fragmented_but_top(uint64_t top, uint64_t n)
{
	struct model *m = make_compact(MODEL_POLICY_MAINLINE, true);
	build_fragmented(m, false);
	for (uint64_t p = top; p < top + n; p += 2)
		CHECK_EQ(model_free(m, p, 0), MODEL_OK);
	return m;
}

/*
 * (i) suitable_migration_target() judges a target pageblock by the compaction's order
 * (cc->order, pageblock order without one). Normal fragmented (every odd page free) but its top
 * pageblock T, wholly free: one order-9 block. A replayed host migration (no order known:
 * pageblock order) refuses T and lands below it; direct compaction for an order-10 request
 * accepts T (its head block is below order 10) and migrates all 512 pages of the first order-10
 * block into it.
 */
static void test_direct_compaction_target_order_above(void)
{
	const uint32_t gfp = MODEL_GFP_HIGHUSER_MOVABLE | MODEL_GFP_NORETRY | MODEL_GFP_COMP;
	const uint64_t top = NORMAL0 + GiB_PAGES - PAGEBLOCK_NR_PAGES;
	static struct landing l;
	uint64_t pfn, dst;

	for (int host = 1; host >= 0; host--) {
		struct model *m = fragmented_but_top(top, PAGEBLOCK_NR_PAGES);
		check_model(m, "top pageblock free");
		if (host) {
			CHECK_EQ(model_compaction_alloc(m, NORMAL0, 0, &dst), MODEL_OK);
			CHECK_EQ(dst, top - PAGEBLOCK_NR_PAGES + 1);
			check_model(m, "host migration");
			model_destroy(m);
			continue;
		}
		memset(&l, 0, sizeof(l));
		l = (struct landing){
			.m = m, .lo = top, .hi = top + PAGEBLOCK_NR_PAGES, .free_at = MODEL_NO_PFN
		};
		model_set_migrate_callback(m, on_migrate_landing, &l);
		CHECK_EQ(try_alloc(m, MAX_PAGE_ORDER, MIGRATE_MOVABLE, gfp, &pfn), MODEL_OK);
		check_model(m, "order-10 compaction");
		CHECK_EQ(pfn, NORMAL0);
		CHECK_EQ(model_event(m, MODEL_EV_DIRECT_COMPACT_CAPTURED), 1);
		CHECK_EQ(l.in, PAGEBLOCK_NR_PAGES);
		CHECK_EQ(l.out, 0);
		model_destroy(m);
	}
	printf("slowpath: direct compaction for order %u takes targets from a pageblock that is "
	       "one free order-%u block; a replayed host migration does not\n",
	       MAX_PAGE_ORDER, PAGEBLOCK_ORDER);
}

/*
 * (j) The other way: direct compaction for order 3 refuses a pageblock whose first page heads
 * a free block of order 3 or more, which pageblock order (a replayed host migration) accepts.
 * Normal fragmented (every odd page free) but T, the top pageblock, whose first 8 pages are one
 * order-3 allocation. The run's first migration lands in T (its first page is allocated); that
 * allocation is then freed (as by another CPU): T's first page heads a free order-3 block, and
 * the run's three other migrations land below T. A host migration with T's first 8 pages free
 * takes them.
 */
static void test_direct_compaction_target_order_below(void)
{
	const uint32_t gfp = MODEL_GFP_HIGHUSER_MOVABLE | MODEL_GFP_COMP;
	const uint64_t top = NORMAL0 + GiB_PAGES - PAGEBLOCK_NR_PAGES;
	static struct landing l;
	uint64_t pfn, dst;

	for (int host = 1; host >= 0; host--) {
		/* T's first 8 pages: one free block */
		struct model *m = fragmented_but_top(top, 8);
		if (host) {
			check_model(m, "order-3 free head");
			CHECK_EQ(model_compaction_alloc(m, NORMAL0, 0, &dst), MODEL_OK);
			CHECK_EQ(dst, top);
			check_model(m, "host migration");
			model_destroy(m);
			continue;
		}
		CHECK_EQ(model_alloc_at(m, top, 3, MIGRATE_MOVABLE, true), MODEL_OK);
		check_model(m, "order-3 head");
		memset(&l, 0, sizeof(l));
		l = (struct landing){ .m = m,
				      .lo = top,
				      .hi = top + PAGEBLOCK_NR_PAGES,
				      .free_at = top,
				      .free_order = 3 };
		model_set_migrate_callback(m, on_migrate_landing, &l);
		CHECK_EQ(try_alloc(m, 3, MIGRATE_MOVABLE, gfp, &pfn), MODEL_OK);
		check_model(m, "order-3 compaction");
		CHECK_EQ(pfn, NORMAL0);
		CHECK_EQ(model_event(m, MODEL_EV_DIRECT_COMPACT_CAPTURED), 1);
		CHECK_EQ(l.in, 1);
		CHECK_EQ(l.out, 3);
		model_destroy(m);
	}
	printf("slowpath: direct compaction for order 3 refuses a pageblock whose first page heads "
	       "a free order-3 block; a replayed host migration takes it\n");
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

/*
 * The watermark test's reserves (__zone_watermark_ok). One Normal GiB under mainline (no
 * NOFRAGMENT), min watermark @wmin, a low watermark above all memory so every request reaches
 * the slowpath, everything allocated but the first @free pages.
 */
static struct model *make_wmark(uint64_t wmin, unsigned free)
{
	struct model_config c;
	int err;

	memset(&c, 0, sizeof(c));
	c.policy = MODEL_POLICY_MAINLINE;
	model_params_default(&c.params);
	c.nr_zones = 1;
	c.zones[0] = (struct model_zone_config){ .type = ZONE_NORMAL,
						 .start_pfn = NORMAL0,
						 .spanned_pages = GiB_PAGES,
						 .wmark_min = wmin,
						 .wmark_low = 1ull << 40 };
	struct model *m = model_create(&c, &err);
	CHECK_FATAL(m != NULL);
	for (uint64_t p = NORMAL0 + PAGEBLOCK_NR_PAGES; p < NORMAL0 + GiB_PAGES;
	     p += PAGEBLOCK_NR_PAGES)
		CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_UNMOVABLE, false), MODEL_OK);
	for (uint64_t p = NORMAL0 + free; p < NORMAL0 + PAGEBLOCK_NR_PAGES; p++)
		CHECK_EQ(model_alloc_at(m, p, 0, MIGRATE_UNMOVABLE, false), MODEL_OK);
	CHECK_EQ(model_nr_free_pages(m), free);
	check_model(m, "watermark setup");
	return m;
}

/* Unmovable order-0 requests of @gfp until one fails or @limit are served: how many were. */
static unsigned serve_order0(struct model *m, uint32_t gfp, unsigned limit)
{
	unsigned served = 0;
	uint64_t pfn;

	while (served < limit && try_alloc(m, 0, MIGRATE_UNMOVABLE, gfp, &pfn) == MODEL_OK)
		served++;
	return served;
}

/*
 * min 1024, 450 free: __GFP_HIGH alone (ALLOC_MIN_RESERVE) needs more than 512, non-blocking
 * alone (GFP_NOWAIT, ALLOC_NON_BLOCK) more than 1024; GFP_ATOMIC (both) takes a quarter off
 * the halved mark, so it allocates down to 384 free pages: 66 pages.
 */
static void test_atomic_watermark(void)
{
	struct model *m = make_wmark(1024, 450);
	uint64_t pfn;
	unsigned served = 0;

	CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_NOWAIT, &pfn), MODEL_ENOMEM);
	CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_HIGH | MODEL_GFP_NOMEMALLOC, &pfn),
		 MODEL_ENOMEM);
	CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL | MODEL_GFP_HIGH, &pfn),
		 MODEL_ENOMEM);
	CHECK_EQ(model_nr_free_pages(m), 450);
	served = serve_order0(m, MODEL_GFP_ATOMIC, 450);
	CHECK_EQ(served, 66);
	CHECK_EQ(model_nr_free_pages(m), 384);
	/* no ALLOC_CPUSET (__GFP_HIGH, no direct reclaim): each failure retried at once, once */
	CHECK_EQ(model_event(m, MODEL_EV_SLOWPATH_RESERVES), 2);
	check_model(m, "atomic watermark");
	model_destroy(m);
	printf("atomic watermark: GFP_ATOMIC goes to 3/8 of min, __GFP_HIGH alone to 1/2, "
	       "GFP_NOWAIT keeps min\n");
}

/*
 * Mainline's watermark boosting (watermark_boost): min 1800, low 1900 (high 2000), 2048 free
 * pages in eight movable order-8 blocks, the rest allocated. An unmovable GFP_NOWAIT request
 * claims a movable block below pageblock_order: boost_watermark() adds a pageblock (512) to
 * every mark, so the next GFP_NOWAIT request (2047 free, min + boost 2312) fails where it is
 * served without the boost. A GFP_ATOMIC reclaimable request still passes (its reserves) and
 * claims again: 1024. A kswapd run that began at 512 takes 512 off when it ends, so 512
 * stays; the next run takes the rest and the request is served.
 */
static void test_watermark_boost(void)
{
	for (int boost = 0; boost <= 1; boost++) {
		struct model_config c;
		int err;
		uint64_t pfn;

		memset(&c, 0, sizeof(c));
		c.policy = MODEL_POLICY_MAINLINE;
		model_params_default(&c.params);
		c.params.watermark_boost = boost;
		c.nr_zones = 1;
		c.zones[0] = (struct model_zone_config){ .type = ZONE_NORMAL,
							 .start_pfn = NORMAL0,
							 .spanned_pages = GiB_PAGES,
							 .wmark_min = 1800,
							 .wmark_low = 1900 };
		struct model *m = model_create(&c, &err);
		CHECK_FATAL(m != NULL);
		for (uint64_t p = NORMAL0; p < NORMAL0 + GiB_PAGES; p += PAGEBLOCK_NR_PAGES) {
			if (p >= NORMAL0 + 8 * PAGEBLOCK_NR_PAGES) {
				CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_MOVABLE,
							false),
					 MODEL_OK);
				continue;
			}
			CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER - 1, MIGRATE_MOVABLE, false),
				 MODEL_OK);
		}
		CHECK_EQ(model_nr_free_pages(m), 2048);
		CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_NOWAIT, &pfn), MODEL_OK);
		CHECK_EQ(model_event(m, MODEL_EV_WATERMARK_BOOST), (uint64_t)boost);
		if (!boost) {
			CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_NOWAIT, &pfn),
				 MODEL_OK);
			check_model(m, "no watermark boost");
			model_destroy(m);
			continue;
		}
		CHECK_EQ(model_event(m, MODEL_EV_WATERMARK_BOOST_PEAK_PAGES), 512);
		CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_NOWAIT, &pfn), MODEL_ENOMEM);
		CHECK(model_event(m, MODEL_EV_WATERMARK_BOOST_REFUSED) >= 1);
		model_kswapd_balance(m, 0, 1000);
		CHECK_EQ(try_alloc(m, 0, MIGRATE_RECLAIMABLE, MODEL_GFP_ATOMIC, &pfn), MODEL_OK);
		CHECK_EQ(model_event(m, MODEL_EV_WATERMARK_BOOST), 2);
		CHECK_EQ(model_event(m, MODEL_EV_WATERMARK_BOOST_PEAK_PAGES), 1024);
		model_advance(m, 1000);
		CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_NOWAIT, &pfn), MODEL_ENOMEM);
		model_kswapd_balance(m, 0, 2000);
		model_advance(m, 2000);
		CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_NOWAIT, &pfn), MODEL_OK);
		check_model(m, "watermark boost");
		model_destroy(m);
	}
	printf("watermark boost: a claim below pageblock_order raises the marks by a pageblock; "
	       "a kswapd run takes off what it found\n");
}

/*
 * __gfp_pfmemalloc_flags(): min 1024, 450 free. __GFP_MEMALLOC ignores the watermarks even
 * without direct reclaim (the slowpath's one immediate retry with ALLOC_NO_WATERMARKS), so it
 * takes every free page without reclaiming; __GFP_NOMEMALLOC overrides it. Before the reserve
 * flags were modelled __GFP_MEMALLOC was ignored and these requests failed at min.
 */
static void test_memalloc_reserves(void)
{
	struct model *m = make_wmark(1024, 450);
	uint64_t pfn;
	unsigned served = 0;

	CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE,
			   MODEL_GFP_NOWAIT | MODEL_GFP_MEMALLOC | MODEL_GFP_NOMEMALLOC, &pfn),
		 MODEL_ENOMEM);
	CHECK_EQ(model_event(m, MODEL_EV_SLOWPATH_RESERVES), 0);
	CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_NOWAIT | MODEL_GFP_MEMALLOC, &pfn),
		 MODEL_OK);
	CHECK_EQ(model_event(m, MODEL_EV_SLOWPATH_RESERVES), 1);
	CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL | MODEL_GFP_MEMALLOC, &pfn),
		 MODEL_OK);
	CHECK_EQ(model_event(m, MODEL_EV_ALLOCSTALL), 0);
	served = 2 + serve_order0(m, MODEL_GFP_KERNEL | MODEL_GFP_MEMALLOC, 449);
	CHECK_EQ(served, 450);
	CHECK_EQ(model_nr_free_pages(m), 0);
	CHECK_EQ(model_event(m, MODEL_EV_SLOWPATH_RESERVES), 451);
	check_model(m, "memalloc reserves");
	model_destroy(m);
	printf("memalloc reserves: __GFP_MEMALLOC takes all 450 pages below min, "
	       "__GFP_NOMEMALLOC keeps the mark\n");
}

/*
 * min 256, 200 free pages and a free HIGHATOMIC pageblock (512): a request without reserve
 * rights (non-blocking under __GFP_NOMEMALLOC) does not count the reserve's free pages and
 * fails; GFP_NOWAIT (ALLOC_NON_BLOCK, a reserve right, mark unchanged) counts them and is
 * served outside the reserve.
 */
static void test_highatomic_free_not_counted(void)
{
	struct model *m = make_wmark(256, 200);
	uint64_t pb1 = NORMAL0 + PAGEBLOCK_NR_PAGES, pfn;

	CHECK_EQ(model_free(m, pb1, PAGEBLOCK_ORDER), MODEL_OK);
	CHECK_EQ(model_set_pageblock_migratetype(m, pb1, MIGRATE_HIGHATOMIC), MODEL_OK);
	check_model(m, "free highatomic pageblock"); /* nr_free_highatomic recounted */
	CHECK_EQ(model_nr_free_pages(m), 712);
	CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KSWAPD_RECLAIM | MODEL_GFP_NOMEMALLOC,
			   &pfn),
		 MODEL_ENOMEM);
	CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_NOWAIT, &pfn), MODEL_OK);
	CHECK(pfn < pb1);
	check_model(m, "highatomic not counted");
	model_destroy(m);
	printf("watermark: free HIGHATOMIC pages count only for requests with reserve rights\n");
}

/*
 * __alloc_pages_direct_reclaim() gives a HIGHATOMIC block back when reclaim made progress but
 * the allocation still failed. Min 500; two pageblocks reserved by GFP_ATOMIC order-9
 * allocations, then freed but one page each (1022 free HIGHATOMIC pages, not counted for
 * GFP_KERNEL); the page cache is 16 blocks of 32 pages. One round of reclaim frees 32 pages,
 * too few; the unreserve (not forced: the zone holds two reserved pageblocks) gives 511 back
 * and the retry is served from them: one stall, one unreserve, one drain. Without it, reclaim
 * would go round 16 times.
 */
static void test_direct_reclaim_unreserves(void)
{
	struct model *m = make_wmark(500, 0);
	uint64_t pb[2] = { NORMAL0 + PAGEBLOCK_NR_PAGES, NORMAL0 + 2 * PAGEBLOCK_NR_PAGES };
	uint64_t cache = NORMAL0 + 3 * PAGEBLOCK_NR_PAGES, pfn;
	struct test_lru l;
	struct model_stats st;

	memset(&l, 0, sizeof(l));
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(model_free(m, NORMAL0 + (i + 1) * PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER),
			 MODEL_OK);
	for (unsigned i = 0; i < 16; i++) {
		CHECK_EQ(model_alloc_at(m, cache + 32 * i, 5, MIGRATE_MOVABLE, true), MODEL_OK);
		l.pfn[l.n] = cache + 32 * i;
		l.order[l.n++] = 5;
	}
	set_lru(m, &l);
	for (unsigned i = 0; i < 2; i++) {
		CHECK_EQ(try_alloc(m, PAGEBLOCK_ORDER, MIGRATE_UNMOVABLE, MODEL_GFP_ATOMIC, &pfn),
			 MODEL_OK);
		CHECK(pfn == pb[0] || pfn == pb[1]);
		CHECK_EQ(model_split(m, pfn, PAGEBLOCK_ORDER), MODEL_OK);
		for (uint64_t p = pfn + 1; p < pfn + PAGEBLOCK_NR_PAGES; p++)
			CHECK_EQ(model_free(m, p, 0), MODEL_OK);
	}
	CHECK_EQ(model_event(m, MODEL_EV_HIGHATOMIC_RESERVE), 2);
	CHECK_EQ(model_nr_free_pages(m), 1022);
	check_model(m, "two reserved pageblocks");
	CHECK_EQ(try_alloc(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL, &pfn), MODEL_OK);
	CHECK((pfn >= pb[0] && pfn < pb[0] + PAGEBLOCK_NR_PAGES) ||
	      (pfn >= pb[1] && pfn < pb[1] + PAGEBLOCK_NR_PAGES));
	CHECK_EQ(model_event(m, MODEL_EV_ALLOCSTALL), 1);
	CHECK_EQ(model_event(m, MODEL_EV_HIGHATOMIC_UNRESERVE), 1);
	CHECK_EQ(l.drains, 1);
	CHECK_EQ(l.head, 1);
	model_stats(m, &st);
	CHECK_EQ(st.pageblocks_by_mt[MIGRATE_HIGHATOMIC], 1);
	check_model(m, "unreserved after reclaim");
	model_destroy(m);
	printf("direct reclaim: progress but no page gives a HIGHATOMIC block back (not forced) "
	       "before the drain and the retry\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_reclaim_keeps_nofragment();
	test_noretry_and_costly_exit();
	test_reclaim_retries_bounded();
	test_reclaim_retry_order0_no_free_block();
	test_lowmem_reserve();
	test_atomic_watermark();
	test_watermark_boost();
	test_memalloc_reserves();
	test_highatomic_free_not_counted();
	test_direct_reclaim_unreserves();
	test_direct_compaction_serves_costly();
	test_direct_compaction_skips_pinned();
	test_spb_reserve_hides_from_compaction();
	test_noretry_compact_first_turn();
	test_direct_compaction_skips_large_folios();
	test_direct_compaction_target_order_above();
	test_direct_compaction_target_order_below();
	return test_summary("test_model_slowpath");
}
