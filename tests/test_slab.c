// SPDX-License-Identifier: GPL-2.0
/*
 * test_slab.c - the slab model and the slab-shrink triggers: slabs fill and empty, pages come
 * from the page model with the cache's migratetype, or from the caller's page source and back
 * to it (replay's per-CPU lists), SLUB's order fallback, kmalloc classes,
 * do_shrink_slab's arithmetic against an independent recomputation, the live-object map sized
 * to its count (a capacity not a power of two, probe runs wrapping at its end), the freeability
 * assumption, frees of reclaimed objects, the allocation's fast call and slow call against the
 * whole one, a start slab's free in one call against the whole one, the LRU's order through
 * shrinks against a reference walk; then every trigger group at its site and nowhere else, the
 * high-water gate at its boundary, bursts queueing one run, the worker's two stop conditions
 * and the last-chance walk. Both checkers run after every step.
 */
#include "model_test.h"
#include "slab.h"
#include "slab_internal.h" /* shrink_slab */

#include <string.h>

#define SEC 1000000000ull

static void check_slab(const struct slab_model *sm, const char *where)
{
	char buf[256];
	const char *e = slab_model_check(sm, buf, sizeof(buf));
	if (e) {
		fprintf(stderr, "%s: slab invariant broken: %s\n", where, e);
		exit(1);
	}
}

static struct model *make(const char *variant, unsigned normal_gib)
{
	struct model_config c;
	int err;

	memset(&c, 0, sizeof(c));
	CHECK_EQ(model_preset(variant, &c.policy, &c.params), MODEL_OK);
	test_host_zones(&c, normal_gib);
	struct model *m = model_create(&c, &err);
	CHECK_FATAL(m != NULL);
	return m;
}

static const struct slab_cache_config dentry = { .name = "dentry",
						 .object_size = 192,
						 .objects_per_slab = 21,
						 .order = 0,
						 .reclaimable = true,
						 .shrinkable = true };

/*
 * slab_obj_free_known() against slab_obj_known() then slab_obj_free(): the same answer, the
 * same counts, and a key it does not know left alone. Returns 1 for a live object freed, 2 for
 * a reclaimed one, 0 for an unknown key.
 */
static int check_free_known(struct slab_model *sm, uint64_t key)
{
	struct slab_stats a, b;
	bool known = slab_obj_known(sm, key);

	slab_model_stats(sm, &a);
	CHECK_EQ(slab_obj_free_known(sm, key), known);
	slab_model_stats(sm, &b);
	CHECK_EQ(b.unknown_frees, a.unknown_frees);
	CHECK(!slab_obj_known(sm, key));
	check_slab(sm, "free_known");
	if (!known) {
		CHECK_EQ(b.frees, a.frees);
		CHECK_EQ(b.frees_after_reclaim, a.frees_after_reclaim);
		CHECK_EQ(b.objects, a.objects);
		return 0;
	}
	CHECK_EQ((b.frees - a.frees) + (b.frees_after_reclaim - a.frees_after_reclaim), 1);
	CHECK_EQ(b.objects, a.objects - (b.frees - a.frees));
	return b.frees > a.frees ? 1 : 2;
}

static void test_slabs_fill_and_empty(void)
{
	struct model *m = make("spb+all", 1);
	struct slab_model *sm = slab_model_create(m, NULL);
	struct slab_stats st;
	struct model_stats ms;
	int d = slab_cache_create(sm, &dentry);
	CHECK(d >= 0);
	CHECK_EQ(slab_cache_lookup(sm, "dentry"), d);

	for (uint64_t k = 0; k < 22; k++)
		CHECK_EQ(slab_obj_alloc(sm, d, 0x1000 + k * 8, MODEL_GFP_KERNEL, 0, 0, 0),
			 MODEL_OK);
	CHECK_EQ(slab_obj_alloc(sm, d, 0x1000, MODEL_GFP_KERNEL, 0, 0, 0), MODEL_ESTATE);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.slabs, 2);
	CHECK_EQ(st.slab_pages_reclaimable, 2);
	model_stats(m, &ms);
	CHECK_EQ(ms.tainted_regions, 1);
	check_slab(sm, "filled");
	check_model(m, "filled");
	for (uint64_t k = 0; k < 21; k++)
		CHECK_EQ(slab_obj_free(sm, 0x1000 + k * 8), MODEL_OK);
	/* emptied, but kept: the node's partial list holds fewer than min_partial slabs */
	slab_model_stats(sm, &st);
	CHECK_EQ(st.slabs, 2);
	CHECK_EQ(st.slab_pages_freed, 0);
	CHECK_EQ(slab_obj_free(sm, 0x1000), MODEL_ESTATE);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.unknown_frees, 1);
	CHECK_EQ(check_free_known(sm, 0x1000), 0);	    /* freed already: not counted again */
	CHECK_EQ(check_free_known(sm, 0x1000 + 21 * 8), 1); /* as slab_obj_free: MODEL_OK */
	model_stats(m, &ms);
	CHECK_EQ(ms.free_pages, ms.present_pages - 2);
	check_slab(sm, "emptied");
	check_model(m, "emptied");

	CHECK_EQ(slab_kmalloc_cache(sm, 100, MODEL_GFP_KERNEL),
		 slab_cache_lookup(sm, "kmalloc-128"));
	int rcl = slab_kmalloc_cache(sm, 100, MODEL_GFP_KERNEL | MODEL_GFP_RECLAIMABLE);
	CHECK_EQ(rcl, slab_cache_lookup(sm, "kmalloc-rcl-128"));
	CHECK_EQ(slab_kmalloc_cache(sm, 8192, MODEL_GFP_KERNEL),
		 slab_cache_lookup(sm, "kmalloc-8k"));
	CHECK_EQ(slab_kmalloc_cache(sm, 8193, MODEL_GFP_KERNEL), -1);
	CHECK(slab_shrinkable_by_default("dentry"));
	CHECK(slab_shrinkable_by_default("ext4_inode_cache"));
	CHECK(slab_shrinkable_by_default("btrfs_inode"));
	CHECK(!slab_shrinkable_by_default("kmalloc-64"));
	CHECK(!slab_shrinkable_by_default("inode_cachep_x"));
	slab_model_destroy(sm);
	model_destroy(m);
	printf("slabs: fill, spill into a new slab, stay when empty (min_partial); kmalloc "
	       "classes\n");
}

/* A caller's page source: a pool of pages it holds (as replay's per-CPU lists), else the model. */
struct pool {
	struct model *m;
	uint64_t pfns[8];
	unsigned n, taken, given, last_cpu;
	int last_mt;
};

static int pool_alloc(void *ctx, const struct model_alloc_req *q, uint64_t *pfn)
{
	struct pool *p = ctx;
	if (q->order || !p->n)
		return model_alloc(p->m, q, pfn);
	*pfn = p->pfns[--p->n];
	p->taken++;
	return MODEL_OK;
}

static void pool_free(void *ctx, uint64_t pfn, unsigned order, int mt, int cpu)
{
	struct pool *p = ctx;
	p->last_mt = mt;
	p->last_cpu = (unsigned)cpu;
	if (order || p->n == 8) {
		model_free(p->m, pfn, order);
		return;
	}
	p->pfns[p->n++] = pfn;
	p->given++;
}

/*
 * Slab pages through the caller's page source (replay's per-CPU lists, which the host's own
 * refills fill): a new slab takes the source's page, an empty slab gives its page back to it
 * with the cache's migratetype and the CPU that took it, and the model's buddy allocator is not
 * touched while the source has pages. Without this replay's slab model took every slab page a
 * second time from the buddy allocator, beside the pages the host's refills had put on the lists.
 */
static void test_page_ops(void)
{
	struct model *m = make("mainline", 1);
	struct slab_model *sm = slab_model_create(m, NULL);
	struct pool p = { .m = m, .last_mt = -1 };
	struct model_alloc_req q = {
		.order = 0, .migratetype = MIGRATE_RECLAIMABLE, .gfp = MODEL_GFP_KERNEL, .cpu = 1
	};
	struct model_stats before, after;
	struct slab_stats st;
	int d = slab_cache_create(sm, &dentry);

	for (; p.n < 7; p.n++)
		CHECK_EQ(model_alloc(m, &q, &p.pfns[p.n]), MODEL_OK);
	slab_set_page_ops(sm, &(struct slab_page_ops){ pool_alloc, pool_free, &p });
	model_stats(m, &before);
	for (uint64_t k = 0; k < 7 * 21; k++) /* seven slabs of 21 */
		CHECK_EQ(slab_obj_alloc(sm, d, 0x2000 + k * 8, MODEL_GFP_KERNEL, 0, 1, 0),
			 MODEL_OK);
	model_stats(m, &after);
	CHECK_EQ(p.taken, 7);
	CHECK_EQ(p.n, 0);
	CHECK_EQ(after.free_pages, before.free_pages);
	check_slab(sm, "page ops: filled");
	/* the first five emptied stay (min_partial), the sixth goes back to the source */
	for (uint64_t k = 0; k < 6 * 21; k++)
		CHECK_EQ(slab_obj_free(sm, 0x2000 + k * 8), MODEL_OK);
	CHECK_EQ(p.given, 1);
	CHECK_EQ(p.last_mt, MIGRATE_RECLAIMABLE);
	CHECK_EQ(p.last_cpu, 1);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.slabs, 6);
	CHECK_EQ(st.slab_pages_freed, 1);
	check_slab(sm, "page ops: six emptied");
	/* back to the page model's own allocator */
	slab_set_page_ops(sm, NULL);
	for (uint64_t k = 6 * 21; k < 7 * 21; k++)
		CHECK_EQ(slab_obj_free(sm, 0x2000 + k * 8), MODEL_OK);
	CHECK_EQ(p.given, 1);
	while (p.n)
		CHECK_EQ(model_free(m, p.pfns[--p.n], 0), MODEL_OK);
	model_stats(m, &after);
	CHECK_EQ(after.free_pages, after.present_pages - 5);
	check_model(m, "page ops");
	slab_model_destroy(sm);
	model_destroy(m);
	printf("slab pages: taken from and given back to the caller's page source\n");
}

/*
 * __slab_free(): a slab that empties stays on its node's partial list while that list holds
 * fewer than the cache's min_partial slabs (set_min_partial: ilog2 of the object size over two,
 * within 5..10), and the next allocations fill it without taking a page. Before, every emptied
 * slab went back to the page source at once, so a cache churning objects (buffer_head on
 * pressure-reclaim) took and gave back a page per emptied slab, a third more reclaimable page
 * allocations than the host made, and its per-CPU refills fell back (docs/replay-history.md,
 * "Slab churn and the fallbacks").
 */
static void test_min_partial(void)
{
	struct model *m = make("mainline", 1);
	struct slab_model *sm = slab_model_create(m, NULL);
	static const struct slab_cache_config big = {
		.name = "big", .object_size = 4096, .objects_per_slab = 1, .order = 0
	};
	struct slab_stats st;
	int d = slab_cache_create(sm, &dentry), b = slab_cache_create(sm, &big);

	for (uint64_t k = 0; k < 7 * 21; k++)
		CHECK_EQ(slab_obj_alloc(sm, d, 0x4000 + k * 8, MODEL_GFP_KERNEL, 0, 0, 0),
			 MODEL_OK);
	for (uint64_t k = 0; k < 7 * 21; k++)
		CHECK_EQ(slab_obj_free(sm, 0x4000 + k * 8), MODEL_OK);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.slabs, 5); /* 192-byte objects: min_partial 5 */
	CHECK_EQ(st.slab_pages_freed, 2);
	check_slab(sm, "min_partial: emptied");
	for (uint64_t k = 0; k < 5 * 21; k++)
		CHECK_EQ(slab_obj_alloc(sm, d, 0x8000 + k * 8, MODEL_GFP_KERNEL, 0, 0, 0),
			 MODEL_OK);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.slab_pages_allocated, 7); /* the kept slabs took the objects */
	CHECK_EQ(st.slabs, 5);
	check_slab(sm, "min_partial: refilled");
	/* 4096-byte objects: ilog2 12 over two is 6; single-object slabs empty from full */
	for (uint64_t k = 0; k < 8; k++)
		CHECK_EQ(slab_obj_alloc(sm, b, 0x100000 + k * 4096, MODEL_GFP_KERNEL, 0, 0, 0),
			 MODEL_OK);
	for (uint64_t k = 0; k < 8; k++)
		CHECK_EQ(slab_obj_free(sm, 0x100000 + k * 4096), MODEL_OK);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.slabs, 5 + 6);
	CHECK_EQ(st.slab_pages_freed, 2 + 2);
	check_slab(sm, "min_partial: single-object slabs");
	slab_model_destroy(sm);
	model_destroy(m);
	printf("slab: an emptied slab stays while its partial list is below min_partial\n");
}

/*
 * Slabs allocated before the trace (slab_obj_free_start): the first free of an object in a page
 * the caller holds as a start slab page adopts it, full, and puts it on the partial list as
 * __slab_free() does a full slab's first free; the next allocation takes the freed slot
 * (get_partial_node) and no new page; emptied, it goes by min_partial like any slab, its page
 * back to the page model. Without the caller's word (may_adopt false) the free is unknown.
 */
static void test_start_slab_adopted(void)
{
	struct model *m = make("mainline", 1);
	struct slab_model *sm = slab_model_create(m, NULL);
	static const struct slab_cache_config bh = { .name = "buffer_head",
						     .object_size = 104,
						     .objects_per_slab = 39,
						     .reclaimable = true };
	const uint64_t p0 = NORMAL0 + 100;
	struct slab_stats st;
	bool adopted = true;
	unsigned o;
	int c = slab_cache_create(sm, &bh);

	CHECK(c >= 0);
	for (uint64_t i = 0; i < 6; i++) /* the warm start's pages */
		CHECK_EQ(model_alloc_at(m, p0 + i, 0, MIGRATE_RECLAIMABLE, false), MODEL_OK);
	CHECK_EQ(slab_obj_free_start(sm, (p0 << 12) + 104, c, p0, 0, 0, false, &adopted),
		 MODEL_ESTATE);
	CHECK(!adopted);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.unknown_frees, 1);
	CHECK_EQ(st.start_slabs, 0);
	CHECK_EQ(slab_obj_free_start(sm, (p0 << 12) + 104, c, p0, 0, 1, true, &adopted), MODEL_OK);
	CHECK(adopted);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.start_slabs, 1);
	CHECK_EQ(st.start_slab_frees, 1);
	CHECK_EQ(st.slab_pages, 1);
	CHECK_EQ(st.slab_pages_allocated, 0); /* adopted, not taken from the page source */
	check_slab(sm, "start slab: adopted");
	/* the freed slot takes the next object; the one after needs a page */
	CHECK_EQ(slab_obj_alloc(sm, c, 0x900000, MODEL_GFP_KERNEL, 0, 1, 0), MODEL_OK);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.slab_pages_allocated, 0);
	CHECK_EQ(slab_obj_alloc(sm, c, 0x900100, MODEL_GFP_KERNEL, 0, 1, 0), MODEL_OK);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.slab_pages_allocated, 1);
	CHECK_EQ(slab_obj_free(sm, 0x900000), MODEL_OK);
	CHECK_EQ(slab_obj_free(sm, 0x900100), MODEL_OK);
	check_slab(sm, "start slab: refilled");
	/* empty the six start slabs: with the new one kept empty, min_partial 5 keeps four */
	for (uint64_t i = 0; i < 6; i++) {
		for (uint64_t k = 0; k < 39; k++) {
			if (i == 0 && k == 1)
				continue;
			uint64_t key = ((p0 + i) << 12) + k * 104;
			CHECK_EQ(slab_obj_free_start(sm, key, c, p0 + i, 0, 1, true, &adopted),
				 MODEL_OK);
			CHECK(adopted == (i > 0 && k == 0));
		}
		check_slab(sm, "start slab: emptied");
	}
	/* a second free of a start object: none left unnamed in the slab, unknown */
	CHECK_EQ(slab_obj_free_start(sm, (p0 << 12) + 104, c, p0, 0, 1, true, &adopted),
		 MODEL_ESTATE);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.start_slabs, 6);
	CHECK_EQ(st.start_slab_frees, 6 * 39);
	CHECK_EQ(st.unknown_frees, 2);
	CHECK_EQ(st.slabs, 5);
	/* the two discarded were adopted start slabs: not the model's own pages given back */
	CHECK_EQ(st.slab_pages_freed, 0);
	CHECK_EQ(st.start_slab_pages_discarded, 2);
	CHECK_EQ(st.slab_pages, st.slab_pages_allocated - st.slab_pages_freed + st.start_slabs -
					st.start_slab_pages_discarded);
	CHECK_EQ(model_page_allocated(m, p0, &o), 1);
	CHECK_EQ(model_page_allocated(m, p0 + 4, &o), 0);
	CHECK_EQ(model_page_allocated(m, p0 + 5, &o), 0);
	check_slab(sm, "start slab: discarded");
	/* the host frees the pages: a discarded slab's is forgotten, a kept one stays the model's */
	CHECK(slab_start_page_freed(sm, p0 + 4));
	CHECK(!slab_start_page_freed(sm, p0 + 4));
	CHECK(slab_start_page_freed(sm, p0));
	CHECK(!slab_start_page_freed(sm, p0));
	CHECK(!slab_start_page_freed(sm, p0 + 6));
	slab_model_stats(sm, &st);
	CHECK_EQ(st.start_slab_pages_freed, 2);
	CHECK_EQ(st.start_slab_pages_gone, 1);
	CHECK_EQ(st.start_slab_free_slots, 0);
	CHECK_EQ(model_page_allocated(m, p0, &o), 1);
	/* a start slab not full at the start: the host's free of its page says the objects the
	 * trace did not free were free slots; the slab empties and goes by min_partial */
	CHECK_EQ(model_alloc_at(m, p0 + 6, 0, MIGRATE_RECLAIMABLE, false), MODEL_OK);
	CHECK_EQ(slab_obj_free_start(sm, (p0 + 6) << 12, c, p0 + 6, 0, 1, true, &adopted),
		 MODEL_OK);
	CHECK(adopted);
	CHECK(slab_start_page_freed(sm, p0 + 6));
	slab_model_stats(sm, &st);
	CHECK_EQ(st.start_slab_free_slots, 38);
	CHECK_EQ(st.slab_pages_freed, 0);
	CHECK_EQ(st.start_slab_pages_discarded, 3); /* five slabs on the list: discarded */
	CHECK_EQ(st.slab_pages, st.slab_pages_allocated - st.slab_pages_freed + st.start_slabs -
					st.start_slab_pages_discarded);
	CHECK_EQ(model_page_allocated(m, p0 + 6, &o), 0);
	check_slab(sm, "start slab: host freed its page");
	check_model(m, "start slab");
	slab_model_destroy(sm);
	model_destroy(m);
	printf("slab: a start slab is adopted at its first free and its slots refilled\n");
}

/*
 * slab_obj_free_known(), slab_obj_free_adopted() then, when it says false,
 * slab_obj_free_start() (replay's way) against
 * slab_obj_free_start() alone, in two models fed the same frees of start objects in random
 * order (pages adopted, emptied, discarded, objects freed twice, allocations between): the same
 * answers and counts after every free, and a false with nothing changed.
 */
static void test_free_adopted_against_start(void)
{
	static const struct slab_cache_config bh = { .name = "buffer_head",
						     .object_size = 104,
						     .objects_per_slab = 39,
						     .reclaimable = true };
	struct model *ma = make("mainline", 1), *mb = make("mainline", 1);
	struct slab_model *a = slab_model_create(ma, NULL), *b = slab_model_create(mb, NULL);
	const uint64_t p0 = NORMAL0 + 200;
	int ca = slab_cache_create(a, &bh), cb = slab_cache_create(b, &bh);
	unsigned taken = 0;

	CHECK_FATAL(ca >= 0 && ca == cb);
	for (uint64_t i = 0; i < 8; i++) {
		CHECK_EQ(model_alloc_at(ma, p0 + i, 0, MIGRATE_RECLAIMABLE, false), MODEL_OK);
		CHECK_EQ(model_alloc_at(mb, p0 + i, 0, MIGRATE_RECLAIMABLE, false), MODEL_OK);
	}
	test_rng_state = 2127;
	for (int n = 0; n < 3000; n++) {
		uint64_t pfn = p0 + rnd() % 8, key = (pfn << 12) + (rnd() % 40) * 104;
		bool may_adopt = rnd() % 4 != 0, ad_a, ad_b = false;
		struct slab_stats sa, sb, before;
		int ra, rb = MODEL_OK;
		if (rnd() % 8 == 0) { /* an allocation between: the unknown-key answer resets */
			uint64_t k = 0x900000 + (rnd() % 64) * 8;
			CHECK_EQ(slab_obj_alloc(a, ca, k, MODEL_GFP_KERNEL, 0, 0, 0),
				 slab_obj_alloc(b, cb, k, MODEL_GFP_KERNEL, 0, 0, 0));
		}
		ra = slab_obj_free_start(a, key, ca, pfn, 0, 0, may_adopt, &ad_a);
		slab_model_stats(b, &before);
		/* replay's first question: the key noted unknown, which the next call trusts */
		CHECK(!slab_obj_free_known(b, key), "free %d: a start object known", n);
		if (slab_obj_free_adopted(b, key, cb, pfn)) {
			taken++;
		} else {
			slab_model_stats(b, &sb);
			CHECK(!memcmp(&sb, &before, sizeof(sb)), "free %d: a false answer changed",
			      n);
			rb = slab_obj_free_start(b, key, cb, pfn, 0, 0, may_adopt, &ad_b);
		}
		CHECK_EQ(ra, rb);
		CHECK_EQ(ad_a, ad_b);
		slab_model_stats(a, &sa);
		slab_model_stats(b, &sb);
		CHECK(!memcmp(&sa, &sb, sizeof(sa)), "free %d: the two models' counts differ", n);
		CHECK_EQ(model_nr_free_pages(ma), model_nr_free_pages(mb));
	}
	CHECK(taken > 100, "%u frees taken by slab_obj_free_adopted", taken);
	check_slab(a, "free_adopted a");
	check_slab(b, "free_adopted b");
	slab_model_destroy(a);
	slab_model_destroy(b);
	model_destroy(ma);
	model_destroy(mb);
}

/* With only single free pages left, an order-3 slab falls back to SLUB's minimum order. */
static void test_order_fallback(void)
{
	struct model *m = make("spb+all", 1);
	struct slab_model *sm = slab_model_create(m, NULL);
	struct slab_cache_config big = { .name = "big", .object_size = 1024, .order = 3 };
	int c = slab_cache_create(sm, &big);
	struct slab_stats st;

	for (uint64_t p = 4096; p < 4096 + 8192; p += 2)
		CHECK_EQ(model_alloc_at(m, p, 0, MIGRATE_MOVABLE, true), MODEL_OK);
	for (uint64_t p = NORMAL0; p < NORMAL0 + GiB_PAGES; p += 2)
		CHECK_EQ(model_alloc_at(m, p, 0, MIGRATE_MOVABLE, true), MODEL_OK);
	CHECK_EQ(slab_obj_alloc(sm, c, 1, MODEL_GFP_KERNEL, 0, 0, 0), MODEL_OK);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.fallback_order_slabs, 1);
	CHECK_EQ(st.slab_pages, 1);
	for (uint64_t k = 2; k <= 4; k++)
		CHECK_EQ(slab_obj_alloc(sm, c, k, MODEL_GFP_KERNEL, 0, 0, 0), MODEL_OK);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.slabs, 1); /* four 1 KiB objects fill one page */
	CHECK_EQ(slab_obj_alloc(sm, c, 5, MODEL_GFP_KERNEL, 0, 0, 0), MODEL_OK);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.slabs, 2);
	check_slab(sm, "fallback");
	check_model(m, "fallback");
	slab_model_destroy(sm);
	model_destroy(m);
	printf("slab order: NORETRY at the cache's order, then the minimum order\n");
}

/* The model's unused share: the same hash as slab_obj_unused, written independently. */
static bool ref_in_share(uint64_t key, uint32_t ppm)
{
	uint64_t h = (key ^ (key >> 29)) * 0xBF58476D1CE4E5B9ull;
	return (h >> 32) % 1000000 < ppm;
}

/* do_shrink_slab, recomputed independently: what one call at a priority should free. */
struct expect {
	uint64_t deferred;
};
static uint64_t expected_scan(struct expect *e, uint64_t freeable, int prio, uint64_t *scanned)
{
	uint64_t nr = e->deferred, delta = (freeable >> prio) * 4 / 2, total = (nr >> prio) + delta;
	uint64_t done = 0;
	if (total > 2 * freeable)
		total = 2 * freeable;
	while (total >= 128 || total >= freeable) {
		uint64_t n = total < 128 ? total : 128;
		if (!n)
			break;
		done += n;
		total -= n;
	}
	uint64_t next = nr + delta > done ? nr + delta - done : 0;
	e->deferred = next > 2 * freeable ? 2 * freeable : next;
	*scanned = done;
	return done;
}

static void test_shrink_arithmetic(void)
{
	struct model *m = make("spb+all", 1);
	struct slab_params p;
	slab_params_default(&p);
	p.freeable_min_age_ns = 5 * SEC;
	struct slab_model *sm = slab_model_create(m, &p);
	int d = slab_cache_create(sm, &dentry);
	uint64_t n = 100000, left = n;
	struct expect e = { 0 };
	struct slab_stats st;

	for (uint64_t k = 0; k < n; k++)
		CHECK_EQ(slab_obj_alloc(sm, d, k * 256, MODEL_GFP_KERNEL, 0, 0, 0), MODEL_OK);
	/* Too young: scanned, rotated, none freed. */
	model_advance(m, 1 * SEC);
	CHECK_EQ(shrink_slab(sm, 0, 0), 0);
	slab_model_stats(sm, &st);
	CHECK(st.shrink_scanned > 0);
	CHECK_EQ(st.objects, n);
	e.deferred = 0;
	/* Reset the deferred count the young scan left behind by recreating the model. */
	slab_model_destroy(sm);
	model_destroy(m);
	m = make("spb+all", 1);
	sm = slab_model_create(m, &p);
	d = slab_cache_create(sm, &dentry);
	for (uint64_t k = 0; k < n; k++)
		CHECK_EQ(slab_obj_alloc(sm, d, k * 256, MODEL_GFP_KERNEL, 0, 0, 0), MODEL_OK);
	model_advance(m, 10 * SEC);
	for (int prio = 12; prio >= 6; prio--) {
		uint64_t scanned, want = expected_scan(&e, left, prio, &scanned);
		uint64_t got = shrink_slab(sm, 0, prio);
		CHECK_EQ(got, want);
		left -= got;
		check_slab(sm, "shrink");
	}
	slab_model_stats(sm, &st);
	CHECK(st.shrink_freed > 0);
	CHECK_EQ(st.objects, left);
	/* The trace frees one the shrinker took: counted, ignored. */
	CHECK_EQ(slab_obj_free(sm, 0), MODEL_ESTATE);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.frees_after_reclaim, 1);
	/* slab_obj_free_known over reclaimed, live and (key 0, now) unknown keys */
	unsigned seen[3] = { 0 };
	for (uint64_t k = 0; k < n; k += 997)
		seen[check_free_known(sm, k * 256)]++;
	CHECK(seen[0] >= 1 && seen[1] > 0 && seen[2] > 0);
	slab_model_stats(sm, &st);
	left -= seen[1];
	CHECK_EQ(st.objects, left);
	check_model(m, "shrunk");
	slab_model_destroy(sm);
	model_destroy(m);

	/* freeable_ppm = 0: nothing is ever freeable. */
	m = make("spb+all", 1);
	p.freeable_ppm = 0;
	sm = slab_model_create(m, &p);
	d = slab_cache_create(sm, &dentry);
	for (uint64_t k = 0; k < 5000; k++)
		CHECK_EQ(slab_obj_alloc(sm, d, k * 256, MODEL_GFP_KERNEL, 0, 0, 0), MODEL_OK);
	model_advance(m, 100 * SEC);
	CHECK_EQ(shrink_slab(sm, 0, 0), 0);
	slab_model_destroy(sm);
	model_destroy(m);

	/* A cache calibrated to a 10% freeable share (replay's shrinker calibration): shrinking
	 * to exhaustion frees about a tenth of its objects, where the default frees them all. */
	struct slab_cache_config cal = dentry;
	cal.has_freeable_ppm = true;
	cal.freeable_ppm = 100000;
	p.freeable_ppm = 1000000;
	m = make("spb+all", 1);
	sm = slab_model_create(m, &p);
	d = slab_cache_create(sm, &cal);
	int all = slab_cache_create(sm, &(struct slab_cache_config){ .name = "inode_cache",
								     .object_size = 600,
								     .order = 3,
								     .shrinkable = true });
	CHECK(d >= 0 && all >= 0);
	for (uint64_t k = 0; k < 20000; k++) {
		CHECK_EQ(slab_obj_alloc(sm, d, k * 256, MODEL_GFP_KERNEL, 0, 0, 0), MODEL_OK);
		CHECK_EQ(
			slab_obj_alloc(sm, all, (1ull << 40) + k * 1024, MODEL_GFP_KERNEL, 0, 0, 0),
			MODEL_OK);
	}
	model_advance(m, 100 * SEC);
	for (int round = 0; round < 64; round++)
		shrink_slab(sm, 0, 0);
	slab_model_stats(sm, &st);
	/* all 20000 of the uncalibrated cache, about 2000 of the calibrated one */
	CHECK(st.shrink_freed >= 20000 + 1800 && st.shrink_freed <= 20000 + 2200);
	CHECK(st.objects >= 17800 && st.objects <= 18200);
	check_slab(sm, "calibrated");
	slab_model_destroy(sm);
	model_destroy(m);

	/* Only the unused objects are on the LRU, as on the kernel's list_lru: count_objects is
	 * their number, so one shrink at priority 0 scans about twice them (delta = freeable *
	 * 4 / seeks), not twice the cache, and frees them all. */
	m = make("spb+all", 1);
	sm = slab_model_create(m, &p);
	d = slab_cache_create(sm, &cal);
	uint64_t unused = 0;
	for (uint64_t k = 0; k < 20000; k++) {
		CHECK_EQ(slab_obj_alloc(sm, d, k * 256, MODEL_GFP_KERNEL, 0, 0, 0), MODEL_OK);
		unused += ref_in_share(k * 256, cal.freeable_ppm);
	}
	slab_model_stats(sm, &st);
	CHECK_EQ(st.lru_objects, unused);
	CHECK(unused > 1800 && unused < 2200);
	model_advance(m, 100 * SEC);
	CHECK_EQ(shrink_slab(sm, 0, 0), unused);
	slab_model_stats(sm, &st);
	CHECK(st.shrink_scanned >= unused && st.shrink_scanned <= 2 * unused);
	CHECK_EQ(st.lru_objects, 0);
	CHECK_EQ(st.objects, 20000 - unused);
	check_slab(sm, "only the unused on the LRU");
	slab_model_destroy(sm);
	model_destroy(m);
	printf("shrink_slab: do_shrink_slab's arithmetic, deferral and freeability\n");
}

/*
 * The LRU against an independent reference: an array of the unused keys (those in the hashed
 * share; the used ones are never on the LRU) oldest first, scanned object by object as
 * do_shrink_slab describes (freeable: old enough, else rotated to the tail). A random mix of allocations, frees, time steps and shrinks at every
 * priority, with long stretches where nothing is freeable, so the shrinker's O(1) rotations
 * and its kept order are taken through adds and removals; after every step the model's LRU
 * must hold the reference's keys in the reference's order.
 */
struct ref_lru {
	uint64_t key[4096], born[4096];
	size_t n;
	uint64_t deferred;
};

static void ref_del(struct ref_lru *r, size_t i)
{
	memmove(&r->key[i], &r->key[i + 1], (r->n - i - 1) * sizeof(r->key[0]));
	memmove(&r->born[i], &r->born[i + 1], (r->n - i - 1) * sizeof(r->born[0]));
	r->n--;
}

static uint64_t ref_shrink(struct ref_lru *r, int prio, uint64_t now, uint64_t min_age,
			   uint32_t ppm)
{
	uint64_t freeable = r->n, nr = r->deferred, delta, total, scanned = 0, freed = 0, next;

	if (!freeable)
		return 0;
	r->deferred = 0;
	delta = (freeable >> prio) * 4 / 2;
	total = (nr >> prio) + delta;
	if (total > 2 * freeable)
		total = 2 * freeable;
	while ((total >= 128 || total >= freeable) && r->n) {
		uint64_t batch = total < 128 ? total : 128;
		for (uint64_t i = 0; i < batch && r->n; i++) {
			uint64_t key = r->key[0], born = r->born[0];
			ref_del(r, 0);
			if (now >= born + min_age && ref_in_share(key, ppm)) {
				freed++;
			} else {
				r->key[r->n] = key;
				r->born[r->n++] = born;
			}
		}
		total -= batch;
		scanned += batch;
		if (!batch)
			break;
	}
	next = nr + delta > scanned ? nr + delta - scanned : 0;
	r->deferred = next > 2 * freeable ? 2 * freeable : next;
	return freed;
}

static void test_lru_against_reference(uint32_t ppm)
{
	struct model *m = make("spb+all", 1);
	struct slab_params p;
	slab_params_default(&p);
	p.freeable_min_age_ns = 5 * SEC;
	p.freeable_ppm = ppm;
	struct slab_model *sm = slab_model_create(m, &p);
	int d = slab_cache_create(sm, &dentry);
	static struct ref_lru r;
	static uint64_t live[4096]; /* the live keys, used or not */
	size_t nlive = 0, max_n = 0;
	memset(&r, 0, sizeof(r));
	uint64_t seed = 12345, next_key = 1, freed_model = 0, freed_ref = 0;
	unsigned shrinks = 0;

	for (int step = 0; step < 20000; step++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		unsigned op = (unsigned)(seed >> 33) % 100;
		uint64_t now = model_now(m);
		/* phases of growth and of draining (the order's chunks merge as they empty) */
		bool drain = (step / 2500) % 2;
		unsigned allocs = drain ? 10 : 60, frees = drain ? 70 : 75, steps = frees + 5;
		if (op < allocs && nlive < 4000) {
			uint64_t key = next_key++ * 64;
			CHECK_EQ(slab_obj_alloc(sm, d, key, MODEL_GFP_KERNEL, 0, 0, now), MODEL_OK);
			live[nlive++] = key;
			if (ref_in_share(key, p.freeable_ppm)) { /* unused: on the LRU */
				r.key[r.n] = key;
				r.born[r.n++] = now;
			}
		} else if (op >= allocs && op < frees && nlive) {
			size_t i = (size_t)(seed >> 40) % nlive;
			uint64_t key = live[i];
			live[i] = live[--nlive];
			bool held = !ref_in_share(key, p.freeable_ppm); /* used: never reclaimed */
			for (size_t j = 0; j < r.n && !held; j++) {
				if (r.key[j] == key) {
					ref_del(&r, j);
					held = true;
				}
			}
			/* not held: a shrinker took it (the free is counted and ignored) */
			CHECK_EQ(slab_obj_free(sm, key), held ? MODEL_OK : MODEL_ESTATE);
		} else if (op >= allocs && op < steps) {
			model_advance(m, now + (seed >> 20) % (2 * SEC));
		} else {
			int prio = (int)((seed >> 50) % 13);
			if (!drain && prio < 6)
				prio += 6; /* while growing, light passes: LRUs of thousands */
			uint64_t want =
				ref_shrink(&r, prio, now, p.freeable_min_age_ns, p.freeable_ppm);
			uint64_t got = shrink_slab(sm, 0, prio);
			CHECK_EQ(got, want);
			freed_model += got;
			freed_ref += want;
			shrinks++;
		}
		const struct slab_lru *l = &sm->caches[d].lru[0];
		size_t k = 0;
		bool same = l->count == r.n;
		for (uint32_t i = l->head; same && k < l->count; i = sm->objs[i].lru_next)
			same = sm->objs[i].key == r.key[k++];
		if (!same) {
			fprintf(stderr, "LRU differs from the reference at step %d\n", step);
			CHECK(same);
			break;
		}
		max_n = r.n > max_n ? r.n : max_n;
		if (step % 64 == 0)
			check_slab(sm, "lru reference");
	}
	CHECK(freed_model > 0);
	CHECK_EQ(freed_model, freed_ref);
	check_slab(sm, "lru reference end");
	slab_model_destroy(sm);
	model_destroy(m);
	CHECK(max_n > (ppm == 1000000 ? 4 : 1) * LRU_CHUNK); /* several chunks */
	printf("LRU (%u ppm unused): %u shrinks, %llu freed, up to %zu objects, the same order as "
	       "the reference walk\n",
	       ppm, shrinks, (unsigned long long)freed_model, max_n);
}

/*
 * Region 0 taken by unmovable allocations except `free_pbs` whole pageblocks at its end and one
 * page of the pageblock before them; with `movable_pb`, the pageblock before that one holds a
 * movable order-9 allocation instead.
 */
static void fill_tainted(struct model *m, unsigned free_pbs, bool movable_pb)
{
	unsigned used_pbs = SUPERPAGEBLOCK_NR_PAGEBLOCKS - free_pbs - 1;
	uint64_t p = NORMAL0, end = NORMAL0 + (uint64_t)used_pbs * PAGEBLOCK_NR_PAGES;

	if (movable_pb)
		end -= PAGEBLOCK_NR_PAGES;
	for (; p + (1u << MAX_PAGE_ORDER) <= end; p += 1u << MAX_PAGE_ORDER)
		CHECK_EQ(model_alloc_at(m, p, MAX_PAGE_ORDER, MIGRATE_UNMOVABLE, false), MODEL_OK);
	for (; p < end; p += PAGEBLOCK_NR_PAGES)
		CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_UNMOVABLE, false), MODEL_OK);
	if (movable_pb) {
		CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_MOVABLE, true), MODEL_OK);
		p += PAGEBLOCK_NR_PAGES;
	}
	for (int o = PAGEBLOCK_ORDER - 1; o >= 0; p += 1u << o, o--)
		CHECK_EQ(model_alloc_at(m, p, (unsigned)o, MIGRATE_UNMOVABLE, false), MODEL_OK);
	check_model(m, "fill");
}

static uint64_t ev(struct model *m, enum model_vm_event e)
{
	return model_event(m, e);
}

/* The high-water gate: nr_free_pages < reserve * pageblock_nr_pages, not <=. */
static void test_high_water_boundary(void)
{
	struct model *m = make("spb+proactive", 2);
	struct model_alloc_req q = { .order = 0,
				     .migratetype = MIGRATE_UNMOVABLE,
				     .gfp = MODEL_GFP_KERNEL };
	uint64_t pfn;
	struct model_spb_info info;

	fill_tainted(m, 16, false); /* 16 pageblocks + 1 page free: 8193 */
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK);
	CHECK_EQ(model_spb_info(m, 1, 0, &info), MODEL_OK);
	CHECK_EQ(info.nr_free_pages, 16 * PAGEBLOCK_NR_PAGES); /* exactly at the mark */
	CHECK_EQ(ev(m, MODEL_EV_TRIGGER_PROACTIVE), 0);
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK);
	CHECK_EQ(ev(m, MODEL_EV_TRIGGER_PROACTIVE), 1);
	CHECK_EQ(ev(m, MODEL_EV_SPB_SLAB_SHRINK_QUEUED), 1);
	check_model(m, "boundary");
	model_destroy(m);
	printf("high water: no trigger at 8192 free pages, a trigger at 8191\n");
}

/*
 * One scenario under every variant: a proactive-gate allocation, a refused optional request
 * that falls through Pass 3 (demand, then evacuation and its supply trigger), then a claim
 * that must take an empty SPB (demand again).
 */
static void trigger_scenario(const char *variant, uint64_t counts[4])
{
	struct model *m = make(variant, 2);
	struct slab_model *sm = slab_model_create(m, NULL);
	struct model_alloc_req q = { .order = 0,
				     .migratetype = MIGRATE_UNMOVABLE,
				     .gfp = MODEL_GFP_KERNEL };
	uint64_t pfn;

	fill_tainted(m, 0, true);
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK); /* from the last, partly free pageblock */
	q.order = PAGEBLOCK_ORDER;
	q.gfp = MODEL_GFP_NOWAIT;
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_ENOMEM); /* refused */
	model_advance(m, SEC);				  /* evacuation, then the shrink */
	/* __GFP_RETRY_MAYFAIL: without it a costly order gives up before taking a clean SPB */
	q.gfp = MODEL_GFP_KERNEL | MODEL_GFP_RETRY_MAYFAIL;
	for (int i = 0; i < 3; i++)
		CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK);
	model_advance(m, 2 * SEC);
	check_model(m, variant);
	check_slab(sm, variant);
	counts[0] = ev(m, MODEL_EV_TRIGGER_DEMAND_PRE_PASS3) + ev(m, MODEL_EV_TRIGGER_DEMAND_CLAIM);
	counts[1] = ev(m, MODEL_EV_TRIGGER_SUPPLY);
	counts[2] = ev(m, MODEL_EV_TRIGGER_PROACTIVE);
	counts[3] = ev(m, MODEL_EV_SPB_SLAB_SHRINK_QUEUED);
	CHECK(ev(m, MODEL_EV_SPB_EVAC_RAN) > 0);
	/* every queued shrink ran, but one queued by work in the last advance may still wait */
	CHECK(ev(m, MODEL_EV_SPB_SLAB_SHRINK_RAN) <= counts[3] &&
	      ev(m, MODEL_EV_SPB_SLAB_SHRINK_RAN) + 1 >= counts[3]);
	slab_model_destroy(sm);
	model_destroy(m);
}

static void test_triggers_at_their_sites(void)
{
	static const struct {
		const char *variant;
		bool demand, supply, proactive;
	} v[] = {
		{ "spb", false, false, false },
		{ "spb+demand", true, false, false },
		{ "spb+demand+supply", true, true, false },
		{ "spb+proactive", false, false, true },
		{ "spb+all", true, true, true },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint64_t n[4];
		trigger_scenario(v[i].variant, n);
		printf("  %-18s demand %llu, supply %llu, proactive %llu, shrinks queued %llu\n",
		       v[i].variant, (unsigned long long)n[0], (unsigned long long)n[1],
		       (unsigned long long)n[2], (unsigned long long)n[3]);
		CHECK_EQ(n[0] > 0, v[i].demand);
		CHECK_EQ(n[1] > 0, v[i].supply);
		CHECK_EQ(n[2] > 0, v[i].proactive);
		CHECK_EQ(n[3] > 0, v[i].demand || v[i].supply || v[i].proactive);
	}
	printf("triggers: each group fires at its own sites and nowhere else\n");
}

/* The worker stops when a round frees nothing: young objects, one shrink_slab call. */
static void test_worker_stops_on_no_progress(void)
{
	struct model *m = make("spb+all", 1);
	struct slab_model *sm = slab_model_create(m, NULL);
	int d = slab_cache_create(sm, &dentry);
	struct model_alloc_req q = { .order = 0,
				     .migratetype = MIGRATE_UNMOVABLE,
				     .gfp = MODEL_GFP_KERNEL };
	struct slab_stats st;
	uint64_t pfn;

	fill_tainted(m, 8, false);
	for (uint64_t k = 0; k < 50000; k++)
		CHECK_EQ(slab_obj_alloc(sm, d, k * 256, MODEL_GFP_KERNEL, 0, 0, 0), MODEL_OK);
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK);
	CHECK(ev(m, MODEL_EV_SPB_SLAB_SHRINK_QUEUED) == 1);
	model_advance(m, SEC);
	slab_model_stats(sm, &st);
	CHECK_EQ(ev(m, MODEL_EV_SPB_SLAB_SHRINK_RAN), 1);
	CHECK_EQ(st.shrink_calls, 1);
	CHECK_EQ(st.shrink_freed, 0);
	slab_model_destroy(sm);
	model_destroy(m);
	printf("worker: stops after a round that frees nothing\n");
}

/* The last-chance walk requeues defrag on a tainted SPB whose cooldown has run out. */
static void last_chance(const char *variant, uint64_t *queued_before, uint64_t *queued_after)
{
	struct model *m =
		make(variant, 3); /* the defrag's migrations fill region 1; 2 stays empty */
	/* __GFP_RETRY_MAYFAIL: a costly order reaches the fall-through only with it */
	struct model_alloc_req q = { .order = PAGEBLOCK_ORDER,
				     .migratetype = MIGRATE_UNMOVABLE,
				     .gfp = MODEL_GFP_KERNEL | MODEL_GFP_RETRY_MAYFAIL };
	uint64_t pfn;

	for (uint64_t pb = NORMAL0; pb < NORMAL0 + GiB_PAGES; pb += PAGEBLOCK_NR_PAGES) {
		CHECK_EQ(model_alloc_at(m, pb + 7, 0, MIGRATE_UNMOVABLE, false), MODEL_OK);
		CHECK_EQ(model_alloc_at(m, pb + 99, 0, MIGRATE_MOVABLE, true), MODEL_OK);
	}
	model_advance(m, SEC); /* defrag: moves the movable pages, frees no pageblock: cooldown */
	CHECK_EQ(ev(m, MODEL_EV_SPB_DEFRAG_NO_PROGRESS), 1);
	model_advance(m, 7 * SEC); /* the cooldown runs out; nothing touches the SPB */
	*queued_before = ev(m, MODEL_EV_SPB_DEFRAG_QUEUED);
	/* a pageblock-sized unmovable request misses every tainted pass and falls through */
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK);
	*queued_after = ev(m, MODEL_EV_SPB_DEFRAG_QUEUED);
	check_model(m, variant);
	model_destroy(m);
}

static void test_last_chance_walk(void)
{
	uint64_t before, after;
	last_chance("spb", &before, &after);
	CHECK_EQ(after, before);
	last_chance("spb+all", &before, &after);
	printf("last chance: defrag queued %llu -> %llu\n", (unsigned long long)before,
	       (unsigned long long)after);
	CHECK(after > before);
	printf("last-chance walk: wakes a tainted SPB whose cooldown expired, only when on\n");
}

/* key_slot()'s formula: the Fibonacci hash scaled to the capacity */
static size_t home_slot(uint64_t key, size_t cap)
{
	return (size_t)(((unsigned __int128)(key * 0x9E3779B97F4A7C15ull) * cap) >> 64);
}

/*
 * slab_model_reserve() sizes the live-object map to its count, not to a power of two: a mapped
 * map of 393,216 slots (three huge pages' worth, 64 of them the tail past the last home slot)
 * for 150,000 objects, which then holds 160,000 without growing. Three keys whose home is the
 * last home slot fill it and run on into the tail; freeing the first shifts the others back,
 * and every key stays found.
 */
static void test_reserved_map_any_capacity(void)
{
	struct model *m = make("mainline", 1);
	struct slab_model *sm = slab_model_create(m, NULL);
	int k64 = slab_kmalloc_cache(sm, 64, MODEL_GFP_KERNEL);
	uint64_t wrap[3], nw = 0;

	CHECK(k64 >= 0);
	slab_model_reserve(sm, 150000);
	size_t cap = sm->live.cap;
	CHECK_EQ(cap, 393216 - 64);
	for (uint64_t key = 0x100000; nw < 3; key += 64)
		if (home_slot(key, cap) == cap - 1)
			wrap[nw++] = key;
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(slab_obj_alloc(sm, k64, wrap[i], MODEL_GFP_KERNEL, 0, 0, 0), MODEL_OK);
	CHECK_EQ(sm->live.slots[cap - 1].key, wrap[0]);
	CHECK_EQ(sm->live.slots[cap].key, wrap[1]);
	CHECK_EQ(sm->live.slots[cap + 1].key, wrap[2]);
	for (uint64_t i = 0; i < 160000; i++) {
		uint64_t key = 0x7f0000000000ull + i * 4096 + (i % 7) * 64;
		CHECK_FATAL(slab_obj_alloc(sm, k64, key, MODEL_GFP_KERNEL, 0, 0, 0) == MODEL_OK);
	}
	CHECK_EQ(sm->live.cap, cap); /* not grown */
	check_slab(sm, "reserved, filled");
	CHECK_EQ(slab_obj_free(sm, wrap[0]), MODEL_OK);
	CHECK(!slab_obj_known(sm, wrap[0]));
	CHECK(slab_obj_known(sm, wrap[1]) && slab_obj_known(sm, wrap[2]));
	CHECK_EQ(sm->live.slots[cap - 1].key, wrap[1]); /* shifted back out of the tail */
	CHECK_EQ(sm->live.slots[cap].key, wrap[2]);
	for (uint64_t i = 0; i < 160000; i += 2)
		CHECK_FATAL(slab_obj_free(sm, 0x7f0000000000ull + i * 4096 + (i % 7) * 64) ==
			    MODEL_OK);
	for (uint64_t i = 0; i < 160000; i++)
		CHECK_FATAL(slab_obj_known(sm, 0x7f0000000000ull + i * 4096 + (i % 7) * 64) ==
			    (i % 2 == 1));
	CHECK(slab_obj_known(sm, wrap[1]) && slab_obj_known(sm, wrap[2]));
	check_slab(sm, "reserved, half freed");
	slab_model_destroy(sm);
	model_destroy(m);
}

/*
 * The map's probe runs do not wrap: its last slot stays empty, so a run that would fill it
 * grows the table's tail instead. 65 keys whose home is the last of the first table's 1,024
 * home slots fill it and the 63 tail slots after it; the 65th would take the last slot, so the
 * tail doubles (the home slots stay), and every key is still found, also after frees in the
 * middle of the run.
 */
static void test_map_run_reaches_the_end(void)
{
	struct model *m = make("mainline", 1);
	struct slab_model *sm = slab_model_create(m, NULL);
	int k64 = slab_kmalloc_cache(sm, 64, MODEL_GFP_KERNEL);
	uint64_t keys[65];
	unsigned n = 0;

	CHECK(k64 >= 0);
	size_t cap = sm->live.cap;
	CHECK_EQ(cap, 1024);
	for (uint64_t key = 0x200000; n < 65; key += 64)
		if (home_slot(key, cap) == cap - 1)
			keys[n++] = key;
	for (unsigned i = 0; i < 64; i++)
		CHECK_FATAL(slab_obj_alloc(sm, k64, keys[i], MODEL_GFP_KERNEL, 0, 0, 0) ==
			    MODEL_OK);
	CHECK_EQ(sm->live.cap, cap); /* the run fills slots 1023..1086 */
	CHECK_EQ(sm->live.slots[cap + 62].key, keys[63]);
	CHECK_EQ(sm->live.slots[cap + 63].value, 0);
	CHECK_FATAL(slab_obj_alloc(sm, k64, keys[64], MODEL_GFP_KERNEL, 0, 0, 0) == MODEL_OK);
	CHECK_EQ(sm->live.cap, cap); /* the tail grew rather than fill the last slot */
	CHECK_EQ(sm->live.tail, 128);
	for (unsigned i = 0; i < 65; i++)
		CHECK(slab_obj_known(sm, keys[i]));
	check_slab(sm, "a run to the end, grown");
	for (unsigned i = 0; i < 65; i += 3)
		CHECK_EQ(slab_obj_free(sm, keys[i]), MODEL_OK);
	for (unsigned i = 0; i < 65; i++)
		CHECK_EQ(slab_obj_known(sm, keys[i]), i % 3 != 0);
	check_slab(sm, "a run to the end, a third freed");
	slab_model_destroy(sm);
	model_destroy(m);
}

/*
 * Keys whose Fibonacci hashes are the largest 64-bit values have the last home slot at every
 * capacity (below 2^57): doubling the table would never spread them, so a run reaching the
 * last slot grows the tail. 300 such keys (a trace's addresses are outside input) are all
 * taken, with the home slots as they were (review of session 18: the map doubled to 2^27
 * slots and failed at the 65th key).
 */
static void test_map_keys_with_one_home(void)
{
	struct model *m = make("mainline", 1);
	struct slab_model *sm = slab_model_create(m, NULL);
	int k64 = slab_kmalloc_cache(sm, 64, MODEL_GFP_KERNEL);
	uint64_t fib = 0x9E3779B97F4A7C15ull, inv = fib;

	CHECK(k64 >= 0);
	for (int i = 0; i < 6; i++) /* Newton's iteration: the inverse of fib modulo 2^64 */
		inv *= 2 - fib * inv;
	CHECK_EQ(fib * inv, 1);
	for (unsigned i = 0; i < 300; i++)
		CHECK_FATAL(slab_obj_alloc(sm, k64, inv * (~0ull - i), MODEL_GFP_KERNEL, 0, 0, 0) ==
			    MODEL_OK);
	CHECK(sm->live.cap <= 1024);
	CHECK(sm->live.tail >= 301 && sm->live.tail <= 1024);
	for (unsigned i = 0; i < 300; i++)
		CHECK(slab_obj_known(sm, inv * (~0ull - i)));
	check_slab(sm, "300 keys with one home slot");
	slab_model_destroy(sm);
	model_destroy(m);
}

/*
 * kmalloc_slab()'s class for every size up to past the largest: the smallest of the classes
 * (8, 16, 32, 64, 96, 128, 192, 256 ... 8192 bytes) that holds it, as a walk over them finds
 * it; none above 8192.
 */
static void test_kmalloc_classes(void)
{
	static const uint32_t sizes[] = { 8,   16,  32,	  64,	96,   128, 192,
					  256, 512, 1024, 2048, 4096, 8192 };
	struct model *m = make("mainline", 1);
	struct slab_model *sm = slab_model_create(m, NULL);

	for (uint64_t size = 0; size <= 8300; size++) {
		unsigned k = 0;
		while (k < 13 && sizes[k] < size)
			k++;
		for (int rcl = 0; rcl < 2; rcl++) {
			int c = slab_kmalloc_cache(sm, size, rcl ? MODEL_GFP_RECLAIMABLE : 0);
			if (k == 13) {
				CHECK(c == -1, "size %llu", (unsigned long long)size);
				continue;
			}
			CHECK_FATAL(c >= 0);
			CHECK(sm->caches[c].object_size == sizes[k], "size %llu: class %u",
			      (unsigned long long)size, sm->caches[c].object_size);
			CHECK_EQ(sm->caches[c].reclaimable, rcl);
		}
	}
	slab_model_destroy(sm);
	model_destroy(m);
}

/*
 * slab_obj_known() after a free found the key unknown answers without a lookup until the next
 * allocation: each answer here is checked against what the model holds, through the key's
 * allocation, its free, an allocation of another key, and a shrinker's reclaim.
 */
/*
 * slab_obj_alloc_fast() then slab_obj_alloc_slow() (replay's way) against slab_obj_alloc(), in
 * two models fed the same operations: the same answers, the same counts and pages after every
 * one, and a false from the fast call with nothing changed. Shrinkable caches (whose unused
 * objects the fast call leaves to the slow one), keys allocated twice, slabs filling and new
 * slabs; slab_prefetch_slot() given on the way (it only reads).
 */
static void test_alloc_fast_against_alloc(void)
{
	struct model *ma = make("mainline", 1), *mb = make("mainline", 1);
	struct slab_model *a = slab_model_create(ma, NULL), *b = slab_model_create(mb, NULL);
	const struct slab_cache_config k512 = { .name = "k512", .object_size = 512, .order = 1 };
	int ca[3], cb[3];

	ca[0] = slab_cache_create(a, &dentry);
	cb[0] = slab_cache_create(b, &dentry);
	ca[1] = slab_kmalloc_cache(a, 64, 0);
	cb[1] = slab_kmalloc_cache(b, 64, 0);
	ca[2] = slab_cache_create(a, &k512);
	cb[2] = slab_cache_create(b, &k512);
	CHECK_FATAL(ca[0] >= 0 && ca[1] >= 0 && ca[2] >= 0);
	test_rng_state = 2126;
	unsigned fast = 0, slow = 0;
	for (int i = 0; i < 20000; i++) {
		uint64_t key = 0x100000 + (rnd() % 3000) * 64;
		unsigned c = (unsigned)(rnd() % 3);
		struct slab_stats sa, sb, before;
		int ra, rb;
		slab_prefetch_slot(b, key);
		if (rnd() % 10 < 6) {
			ra = slab_obj_alloc(a, ca[c], key, MODEL_GFP_KERNEL, 0, 0, (uint64_t)i);
			slab_model_stats(b, &before);
			if (slab_obj_alloc_fast(b, cb[c], key, 0)) {
				rb = MODEL_OK;
				fast++;
			} else {
				slab_model_stats(b, &sb);
				CHECK(!memcmp(&sb, &before, sizeof(sb)),
				      "op %d: a false fast call changed", i);
				rb = slab_obj_alloc_slow(b, cb[c], key, MODEL_GFP_KERNEL, 0, 0,
							 (uint64_t)i);
				slow++;
			}
		} else {
			ra = slab_obj_free(a, key);
			rb = slab_obj_free(b, key);
		}
		CHECK_EQ(ra, rb);
		slab_model_stats(a, &sa);
		slab_model_stats(b, &sb);
		CHECK(!memcmp(&sa, &sb, sizeof(sa)), "op %d: the two models' counts differ", i);
		CHECK_EQ(model_nr_free_pages(ma), model_nr_free_pages(mb));
		if (i % 500 == 0) {
			check_slab(a, "alloc_fast a");
			check_slab(b, "alloc_fast b");
		}
	}
	CHECK(fast > 1000 && slow > 1000, "fast %u, slow %u: both paths taken", fast, slow);
	check_slab(b, "alloc_fast end");
	slab_model_destroy(a);
	slab_model_destroy(b);
	model_destroy(ma);
	model_destroy(mb);
}

static void test_unknown_key_answer(void)
{
	struct model *m = make("mainline", 1);
	struct slab_params p;
	slab_params_default(&p);
	p.freeable_min_age_ns = 0;
	struct slab_model *sm = slab_model_create(m, &p);
	int c = slab_cache_create(sm, &dentry), k64 = slab_kmalloc_cache(sm, 64, 0);
	const uint64_t key = 0x5000040, other = 0x5000080;

	CHECK_FATAL(c >= 0 && k64 >= 0);
	CHECK(!slab_obj_free_known(sm, key));
	CHECK(!slab_obj_known(sm, key));
	/* counted unknown as slab_obj_free() counts it, without a lookup */
	struct slab_stats st;
	CHECK_EQ(slab_obj_free_not_known(sm), MODEL_ESTATE);
	CHECK_EQ(slab_obj_free(sm, key), MODEL_ESTATE);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.unknown_frees, 2);
	CHECK_EQ(slab_obj_alloc(sm, k64, key, MODEL_GFP_KERNEL, 0, 0, 0), MODEL_OK);
	CHECK(slab_obj_known(sm, key)); /* allocated since the unknown free */
	CHECK(slab_obj_free_known(sm, key));
	CHECK(!slab_obj_free_known(sm, key));
	CHECK_EQ(slab_obj_alloc(sm, k64, other, MODEL_GFP_KERNEL, 0, 0, 0), MODEL_OK);
	CHECK(!slab_obj_known(sm, key)); /* another key's allocation: looked up, still unknown */
	CHECK(slab_obj_known(sm, other));
	/* a key found unknown, then allocated in a shrinkable cache and reclaimed: known */
	CHECK(!slab_obj_free_known(sm, key));
	CHECK_EQ(slab_obj_alloc(sm, c, key, MODEL_GFP_KERNEL, 0, 0, 0), MODEL_OK);
	uint64_t freed = 0;
	for (int prio = 12; prio >= 0 && !freed; prio--)
		freed += shrink_slab(sm, 0, prio);
	slab_model_stats(sm, &st);
	CHECK_EQ(st.shrink_freed, 1);
	CHECK(slab_obj_known(sm, key));			/* reclaimed */
	CHECK_EQ(slab_obj_free(sm, key), MODEL_ESTATE); /* freed after its reclaim */
	slab_model_stats(sm, &st);
	CHECK_EQ(st.frees_after_reclaim, 1);
	check_slab(sm, "unknown key answers");
	slab_model_destroy(sm);
	model_destroy(m);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_slabs_fill_and_empty();
	test_page_ops();
	test_min_partial();
	test_start_slab_adopted();
	test_free_adopted_against_start();
	test_order_fallback();
	test_shrink_arithmetic();
	test_reserved_map_any_capacity();
	test_map_run_reaches_the_end();
	test_map_keys_with_one_home();
	test_kmalloc_classes();
	test_unknown_key_answer();
	test_alloc_fast_against_alloc();
	/* one object in 5 unused: many passes free nothing; all unused: LRUs of up to 4000
	 * objects, the order's chunks split and merged through the frees */
	test_lru_against_reference(200000);
	test_lru_against_reference(1000000);
	test_high_water_boundary();
	test_triggers_at_their_sites();
	test_worker_stops_on_no_progress();
	test_last_chance_walk();
	printf("slab: all checks pass\n");
	return test_summary("test_slab");
}
