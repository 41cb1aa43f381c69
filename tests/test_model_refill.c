// SPDX-License-Identifier: GPL-2.0
/*
 * test_model_refill.c - the one-pass refill of rmqueue_bulk() (model_rmqueue_bulk.c) against
 * the per-block path it shortcuts. Two models built alike run the same random workload: one
 * takes the shortcut, the other runs with params.exact_walks, one __rmqueue()
 * per block. Per-CPU-list refills reach the model as replay's do (model_alloc_pcp() calls a
 * hook that takes its list's head or refills with model_pcp_refill() and the model's
 * alloc_flags, the other blocks kept on its lists, pinned). Every refill must
 * hand out the same blocks in the same order; after every operation every event counter,
 * every SPB's counters and place on its list, and the free page count must agree; every few
 * hundred operations every page's state, every pageblock's type and the invariant checker.
 * Allocations take list heads, so a free list left in another order shows as a different pfn.
 *
 * Configurations: the spb+all preset (warm hints, the proactive trigger and defrag, which the
 * shortcut repeats per block) and mainline, each over phases of 20% to 97% memory use so that
 * claims, steals (a carried-over rmqueue mode) and the HIGHATOMIC reserve run between refills.
 * Each must take the shortcut, in runs of more than one block.
 *
 * Two more runs keep each refill's other blocks on per-CPU lists (pinned, as replay's are):
 * there a request whose list has a block takes model_alloc_pcp()'s short path
 * (alloc_pages_pcp_listed, the pop hook) in the first model and never in the second, and
 * both must serve the same blocks. Without the lists every request refills. Last, the short
 * path with its list full and Normal at its low mark (pcp_listed_below_low): the requests must
 * go to DMA32 as the whole call's do; and, under mainline, with Normal boosted between its low
 * and boosted marks and DMA32's list holding blocks: there the short path must leave the
 * requests to the whole call, which counts WATERMARK_BOOST_REFUSED.
 *
 * Usage: test_model_refill [operations]
 */
#include "model.h"
#include "model_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REFILL_MAX  512
#define LOG_MAX	    4096
#define POOL_ORDERS 4
#define POOL_MAX    256

/* This run's hooks keep a refill's other blocks on lists (else the test holds them all). */
static bool lists;

struct live {
	uint64_t pfn;
	unsigned order;
};

/*
 * One of the two models, and what its hook handed out during the current operation. A
 * refill's blocks (Phase 2 may adopt fragments larger than the order) all go to live.
 */
struct side {
	struct model *m;
	bool per_page;
	unsigned count; /* the next refill's batch */
	struct model_block log[LOG_MAX];
	unsigned nlog, refills;
	struct live *live; /* every allocation the test holds, freed later */
	size_t nlive;
	uint32_t *where; /* by pfn: 1 + the index in live, 0 when none (migrations move it) */
	/* the per-CPU lists: a refill's other blocks, pinned, by zone, type and order (a stack) */
	uint64_t pool[MODEL_MAX_ZONES][MIGRATE_PCPTYPES][POOL_ORDERS][POOL_MAX];
	unsigned pool_n[MODEL_MAX_ZONES][MIGRATE_PCPTYPES][POOL_ORDERS];
	uint64_t handed; /* the block a hook handed out in this operation */
	uint64_t popped; /* requests the pop hook served */
};

#define PFN_END (NORMAL0 + GiB_PAGES)

static void live_add(struct side *s, uint64_t pfn, unsigned order)
{
	s->where[pfn] = (uint32_t)(s->nlive + 1);
	s->live[s->nlive++] = (struct live){ pfn, order };
}

static void live_del(struct side *s, size_t k)
{
	s->where[s->live[k].pfn] = 0;
	s->live[k] = s->live[--s->nlive];
	if (k < s->nlive)
		s->where[s->live[k].pfn] = (uint32_t)(k + 1);
}

/* Defrag and evacuation move movable allocations (the workers run as time advances). */
static void migrated(void *ctx, uint64_t old_pfn, uint64_t new_pfn, unsigned order)
{
	struct side *s = ctx;
	uint32_t k = s->where[old_pfn];

	(void)order;
	if (!k)
		return;
	s->where[old_pfn] = 0;
	s->where[new_pfn] = k;
	s->live[k - 1].pfn = new_pfn;
}

/*
 * The lists' head (model_set_pcp_pop_callback, with lists): the model's short path of a request whose list
 * has a block. The block goes to live (made movable after the call, as replay's page_alloc).
 */
static uint64_t pop_hook(void *ctx, unsigned zone, const struct model_alloc_req *req)
{
	struct side *s = ctx;
	unsigned *n;

	if (zone >= MODEL_MAX_ZONES || req->order >= POOL_ORDERS)
		return MODEL_NO_PFN;
	n = &s->pool_n[zone][req->migratetype][req->order];
	if (!*n)
		return MODEL_NO_PFN;
	s->handed = s->pool[zone][req->migratetype][req->order][--*n];
	live_add(s, s->handed, req->order);
	s->popped++;
	return s->handed;
}

/*
 * rmqueue_pcplist() of one zone: the list's head (pop_hook), else a refill of s->count blocks,
 * pinned (as replay's are), the first handed out and the rest kept on the lists (the test
 * holds a block of an order the lists do not keep, or one that finds its list full).
 */
static uint64_t refill_hook(void *ctx, unsigned zone, const struct model_alloc_req *req,
			    unsigned alloc_flags)
{
	struct side *s = ctx;
	struct model_alloc_req q = *req;
	struct model_block blocks[REFILL_MAX];
	unsigned n = 0;

	if (pop_hook(ctx, zone, req) != MODEL_NO_PFN) {
		s->popped--; /* the whole hook's */
		return s->handed;
	}
	s->refills++;
	q.movable = q.movable && !lists; /* on a list, the pages are pinned */
	if (model_pcp_refill(s->m, zone, &q, alloc_flags, s->count, blocks, REFILL_MAX, &n) !=
	    MODEL_OK)
		return MODEL_NO_PFN;
	for (unsigned i = 0; i < n && s->nlog < LOG_MAX; i++)
		s->log[s->nlog++] = blocks[i];
	for (unsigned i = n; i-- > 1;) {
		unsigned o = blocks[i].order;
		unsigned *np = lists && o < POOL_ORDERS && zone < MODEL_MAX_ZONES
				       ? &s->pool_n[zone][req->migratetype][o]
				       : NULL;
		if (np && *np < POOL_MAX)
			s->pool[zone][req->migratetype][o][(*np)++] = blocks[i].pfn;
		else
			live_add(s, blocks[i].pfn, o);
	}
	s->handed = blocks[0].pfn;
	live_add(s, s->handed, blocks[0].order);
	return s->handed;
}

static void compare_state(struct side *a, struct side *b, const char *name, long op, bool pages)
{
	for (int ev = 0; ev < MODEL_NR_VM_EVENTS; ev++) {
		uint64_t x = model_event(a->m, (enum model_vm_event)ev),
			 y = model_event(b->m, (enum model_vm_event)ev);
		CHECK(x == y, "%s op %ld: event %s: one pass %llu, per block %llu", name, op,
		      model_event_name((enum model_vm_event)ev), (unsigned long long)x,
		      (unsigned long long)y);
	}
	CHECK_EQ(model_nr_free_pages(a->m), model_nr_free_pages(b->m));
	for (unsigned z = 0; z < model_nr_zones(a->m); z++)
		for (unsigned s = 0; s < model_zone_nr_spbs(a->m, z); s++) {
			struct model_spb_info x, y;
			CHECK_EQ(model_spb_info(a->m, z, s, &x), MODEL_OK);
			CHECK_EQ(model_spb_info(b->m, z, s, &y), MODEL_OK);
			CHECK(x.nr_free == y.nr_free && x.nr_unmovable == y.nr_unmovable &&
				      x.nr_reclaimable == y.nr_reclaimable &&
				      x.nr_movable == y.nr_movable &&
				      x.nr_reserved == y.nr_reserved &&
				      x.nr_free_pages == y.nr_free_pages &&
				      x.list_id == y.list_id && x.list_pos == y.list_pos,
			      "%s op %ld: zone %u spb %u differs (free pages %llu/%llu, list "
			      "%d/%d, pos %d/%d)",
			      name, op, z, s, (unsigned long long)x.nr_free_pages,
			      (unsigned long long)y.nr_free_pages, x.list_id, y.list_id, x.list_pos,
			      y.list_pos);
		}
	if (!pages)
		return;
	check_model(a->m, "one pass");
	check_model(b->m, "per block");
	for (uint64_t pfn = NORMAL0 - GiB_PAGES; pfn < NORMAL0 + GiB_PAGES; pfn++) {
		unsigned ox = 0, oy = 0;
		int x = model_page_allocated(a->m, pfn, &ox),
		    y = model_page_allocated(b->m, pfn, &oy);
		CHECK(x == y && ox == oy &&
			      model_pfn_is_free(a->m, pfn) == model_pfn_is_free(b->m, pfn),
		      "%s op %ld: pfn %#llx differs", name, op, (unsigned long long)pfn);
		if (!(pfn & (PAGEBLOCK_NR_PAGES - 1)))
			CHECK_EQ(model_pfnblock_migratetype(a->m, pfn),
				 model_pfnblock_migratetype(b->m, pfn));
	}
}

/* The op's request: mostly per-CPU-list orders, some larger, every type and a GFP mix. */
static void random_request(struct model_alloc_req *q, unsigned movable_share)
{
	unsigned r = (unsigned)(rnd() % 100);

	memset(q, 0, sizeof(*q));
	q->order = r < 70 ? 0 : r < 85 ? (unsigned)(1 + rnd() % 3) : (unsigned)(rnd() % 11);
	r = (unsigned)(rnd() % 100);
	q->migratetype = r < movable_share				 ? MIGRATE_MOVABLE
			 : r < movable_share + (100 - movable_share) / 2 ? MIGRATE_UNMOVABLE
									 : MIGRATE_RECLAIMABLE;
	q->movable = q->migratetype == MIGRATE_MOVABLE;
	r = (unsigned)(rnd() % 100);
	if (q->movable)
		q->gfp = MODEL_GFP_HIGHUSER_MOVABLE;
	else if (r < 60)
		q->gfp = MODEL_GFP_KERNEL;
	else if (r < 75)
		q->gfp = MODEL_GFP_ATOMIC;
	else if (r < 90)
		q->gfp = MODEL_GFP_NOWAIT;
	else
		q->gfp = MODEL_GFP_KERNEL | MODEL_GFP_NORETRY | MODEL_GFP_NOWARN;
	if (q->migratetype == MIGRATE_RECLAIMABLE)
		q->gfp |= MODEL_GFP_RECLAIMABLE;
	q->cpu = (int)(rnd() % 3);
}

static struct model *make(const char *preset, bool per_page)
{
	struct model_config c;
	int err;

	memset(&c, 0, sizeof(c));
	model_params_default(&c.params);
	CHECK_FATAL(model_preset(preset, &c.policy, &c.params) == 0);
	c.params.highatomic = true;
	c.params.exact_walks = per_page;
	c.nr_cpus = 3;
	test_host_zones(&c, 1);
	struct model *m = model_create(&c, &err);
	CHECK_FATAL(m != NULL);
	return m;
}

static void run(const char *preset, long ops, uint64_t seed)
{
	static struct side a, b;
	size_t cap = 1 << 20;
	uint64_t runs0, blocks0, runs1, blocks1, refills = 0, present, used = 0, now = 0;
	unsigned movable_share = 50;
	double target = 0.5;
	int failures = test_failures;

	a = (struct side){ .m = make(preset, false), .per_page = false };
	b = (struct side){ .m = make(preset, true), .per_page = true };
	a.live = malloc(cap * sizeof(*a.live));
	b.live = malloc(cap * sizeof(*b.live));
	a.where = calloc(PFN_END, sizeof(*a.where));
	b.where = calloc(PFN_END, sizeof(*b.where));
	CHECK_FATAL(a.live && b.live && a.where && b.where);
	model_set_migrate_callback(a.m, migrated, &a);
	model_set_migrate_callback(b.m, migrated, &b);
	model_set_pcp_callback(a.m, refill_hook, &a);
	model_set_pcp_callback(b.m, refill_hook, &b);
	model_set_pcp_pop_callback(a.m, pop_hook);
	model_set_pcp_pop_callback(b.m, pop_hook); /* params.exact_walks: never called */
	present = model_nr_free_pages(a.m);
	test_rng_state = seed;

	for (long op = 0; op < ops; op++) {
		if (op % 3000 == 0) {
			target = (double)(20 + rnd() % (lists ? 100 : 78)) / 100.0;
			movable_share = (unsigned)(rnd() % 101);
		}
		if (op % 64 == 0) {
			now += 3000000; /* 3 ms: the workers run */
			model_advance(a.m, now);
			model_advance(b.m, now);
		}
		bool alloc =
			!a.nlive || ((double)used / (double)present < target ? rnd() % 100 < 70
									     : rnd() % 100 < 25);
		if (alloc && a.nlive + REFILL_MAX + 1 < cap) {
			struct model_alloc_req q;
			uint64_t x = 0, y = 0;
			random_request(&q, movable_share);
			bool pcp = q.order <= 3 && rnd() % 4;
			unsigned na = (unsigned)a.nlive, refills_before = a.refills;
			a.count = b.count = 1 + (unsigned)(rnd() % (rnd() % 4 ? 64 : REFILL_MAX));
			a.nlog = b.nlog = 0;
			a.handed = b.handed = MODEL_NO_PFN;
			int ra = pcp ? model_alloc_pcp(a.m, &q, &x) : model_alloc(a.m, &q, &x);
			int rb = pcp ? model_alloc_pcp(b.m, &q, &y) : model_alloc(b.m, &q, &y);
			CHECK(ra == rb && (ra != MODEL_OK || x == y),
			      "%s op %ld: order %u mt %d: one pass %d %#llx, per block %d %#llx",
			      preset, op, q.order, q.migratetype, ra, (unsigned long long)x, rb,
			      (unsigned long long)y);
			CHECK_EQ(a.nlog, b.nlog);
			for (unsigned i = 0; i < a.nlog && i < b.nlog; i++)
				CHECK(a.log[i].pfn == b.log[i].pfn &&
					      a.log[i].order == b.log[i].order,
				      "%s op %ld: refill block %u: one pass %#llx/%u, per block "
				      "%#llx/%u",
				      preset, op, i, (unsigned long long)a.log[i].pfn,
				      a.log[i].order, (unsigned long long)b.log[i].pfn,
				      b.log[i].order);
			refills += a.refills - refills_before;
			for (size_t i = na; i < a.nlive; i++)
				used += 1ull << a.live[i].order;
			CHECK_EQ(a.nlive, b.nlive);
			CHECK_EQ(a.handed, b.handed);
			if (lists && pcp && ra == MODEL_OK && q.movable) {
				CHECK_EQ(model_set_movable(a.m, x, true), MODEL_OK);
				CHECK_EQ(model_set_movable(b.m, y, true), MODEL_OK);
			}
			/* else direct compaction captured it */
			if (ra == MODEL_OK && a.handed != x) {
				live_add(&a, x, q.order);
				live_add(&b, y, q.order);
				used += 1ull << q.order;
			}
		} else if (a.nlive) {
			size_t k = rnd() % a.nlive;
			CHECK(a.live[k].pfn == b.live[k].pfn && a.live[k].order == b.live[k].order,
			      "%s op %ld: held allocation %zu differs", preset, op, k);
			CHECK_EQ(model_free(a.m, a.live[k].pfn, a.live[k].order), MODEL_OK);
			CHECK_EQ(model_free(b.m, b.live[k].pfn, b.live[k].order), MODEL_OK);
			used -= 1ull << a.live[k].order;
			live_del(&a, k);
			live_del(&b, k);
		}
		compare_state(&a, &b, preset, op, op % 1000 == 999);
		if (test_failures > failures)
			break;
	}
	compare_state(&a, &b, preset, ops, true);
	runs0 = blocks0 = 0;
	model_refill_one_pass_count(a.m, &runs1, &blocks1);
	printf("%s: %ld ops, %llu refills, one pass: %llu runs, %llu blocks; pass-1 %llu, "
	       "claims %llu, steals %llu, highatomic reserved %llu, proactive %llu, defrag queued "
	       "%llu absorbed %llu\n",
	       preset, ops, (unsigned long long)refills, (unsigned long long)(runs1 - runs0),
	       (unsigned long long)(blocks1 - blocks0),
	       (unsigned long long)model_event(a.m, MODEL_EV_PASS_1),
	       (unsigned long long)model_event(a.m, MODEL_EV_RMQUEUE_CLAIM),
	       (unsigned long long)model_event(a.m, MODEL_EV_RMQUEUE_STEAL),
	       (unsigned long long)model_event(a.m, MODEL_EV_HIGHATOMIC_RESERVE),
	       (unsigned long long)model_event(a.m, MODEL_EV_TRIGGER_PROACTIVE),
	       (unsigned long long)model_event(a.m, MODEL_EV_SPB_DEFRAG_QUEUED),
	       (unsigned long long)model_event(a.m, MODEL_EV_SPB_DEFRAG_ABSORBED));
	CHECK(refills > 0);
	CHECK_EQ(b.popped, 0);
	if (lists) {
		printf("%s with lists: the lists' short path served %llu requests\n", preset,
		       (unsigned long long)a.popped);
		CHECK(a.popped > 0, "%s: the lists' short path never ran", preset);
		goto out;
	}
	CHECK(runs1 > runs0, "%s: the one-pass refill never ran", preset);
	CHECK(blocks1 - blocks0 > 2 * (runs1 - runs0), "%s: runs of one block only", preset);
	CHECK(model_event(a.m, MODEL_EV_RMQUEUE_STEAL) > 0, "%s: no steal", preset);
out:
	model_destroy(a.m);
	model_destroy(b.m);
	free(a.live);
	free(b.live);
	free(a.where);
	free(b.where);
}

/*
 * pcp_listed_below_low()'s boost: with DMA32 full (held movable blocks, its list aside), an
 * unmovable request finds nothing under ALLOC_NOFRAGMENT and, relaxed, claims a fragment of a
 * movable pageblock in Normal, where no free pageblock is left: boost_watermark(). Then
 * DMA32's blocks are given back.
 */
static void boost_normal(struct side *a, struct side *b, size_t cap)
{
	struct model_alloc_req q = { .order = PAGEBLOCK_ORDER,
				     .migratetype = MIGRATE_MOVABLE,
				     .gfp = MODEL_GFP_HIGHUSER_MOVABLE | MODEL_GFP_DMA32,
				     .movable = true,
				     .nid = -1,
				     .cpu = 1 };
	struct model_alloc_req unmovable = {
		.migratetype = MIGRATE_UNMOVABLE, .gfp = MODEL_GFP_KERNEL, .nid = -1, .cpu = 1
	};
	uint64_t x, y;

	for (;;) {
		int ra = model_alloc(a->m, &q, &x), rb = model_alloc(b->m, &q, &y);
		CHECK_FATAL(ra == rb);
		if (ra != MODEL_OK && !q.order)
			break;
		if (ra != MODEL_OK) {
			q.order--;
			continue;
		}
		CHECK_FATAL(x == y && x < NORMAL0 && a->nlive < cap);
		live_add(a, x, q.order);
		live_add(b, y, q.order);
	}
	CHECK_EQ(model_alloc(a->m, &unmovable, &x), MODEL_OK);
	CHECK_EQ(model_alloc(b->m, &unmovable, &y), MODEL_OK);
	CHECK_FATAL(x == y && x >= NORMAL0 && a->nlive < cap);
	live_add(a, x, 0);
	live_add(b, y, 0);
	CHECK(model_event(a->m, MODEL_EV_WATERMARK_BOOST) > 0, "Normal not boosted");
	for (size_t k = a->nlive; k-- > 0;)
		if (a->live[k].pfn < NORMAL0) {
			CHECK_EQ(model_free(a->m, a->live[k].pfn, a->live[k].order), MODEL_OK);
			CHECK_EQ(model_free(b->m, b->live[k].pfn, b->live[k].order), MODEL_OK);
			live_del(a, k);
			live_del(b, k);
		}
}

/*
 * The short path's watermark test (alloc_pages_pcp_listed): the request's own per-CPU list in
 * Normal holds blocks (one refill), then Normal is brought to its low mark by held buddy
 * allocations (the list's pops do not change free pages). Each request must then go past
 * Normal to DMA32, as get_page_from_freelist() does with params.exact_walks: the same pfns,
 * all in DMA32, and the same counters. Taking Normal's list head without the watermark test
 * fails it. With boosted (mainline), Normal's low mark is 64 pages, DMA32's list holds blocks
 * too (a DMA32 request's refill first), and an unmovable request on the way down claims a
 * fragment of a movable pageblock, which boosts Normal's marks by a pageblock: the requests
 * then find Normal above its low mark but below the boosted one, where the whole call counts
 * WATERMARK_BOOST_REFUSED before DMA32's list serves it. The short path must leave a boosted
 * first zone to the whole call: going on to DMA32's list itself fails it.
 */
static void pcp_listed_below_low(const char *preset, bool boosted)
{
	static struct side a, b;
	const uint64_t low = boosted ? 64 : 4096;
	struct model_alloc_req q = { .order = 0,
				     .migratetype = MIGRATE_MOVABLE,
				     .gfp = MODEL_GFP_HIGHUSER_MOVABLE,
				     .nid = -1 };
	struct model_alloc_req kernel = { .order = PAGEBLOCK_ORDER,
					  .migratetype = MIGRATE_UNMOVABLE,
					  .gfp = MODEL_GFP_KERNEL,
					  .nid = -1,
					  .cpu = 1 };
	struct model_alloc_req fill = { .order = PAGEBLOCK_ORDER,
					.migratetype = MIGRATE_MOVABLE,
					.gfp = MODEL_GFP_HIGHUSER_MOVABLE,
					.movable = true,
					.nid = -1,
					.cpu = 1 };
	struct side *s[2] = { &a, &b };
	size_t cap = 1 << 16;
	uint64_t x = 0, y = 0;

	lists = true;
	for (int i = 0; i < 2; i++) {
		struct model_config c;
		int err;
		memset(&c, 0, sizeof(c));
		model_params_default(&c.params);
		CHECK_FATAL(model_preset(preset, &c.policy, &c.params) == 0);
		c.params.exact_walks = i == 1;
		c.nr_cpus = 3;
		test_host_zones(&c, 1);
		c.zones[1].wmark_low = low;
		c.zones[1].wmark_min = low / 2;
		*s[i] = (struct side){ .per_page = i == 1, .count = 32 };
		s[i]->m = model_create(&c, &err);
		s[i]->live = malloc(cap * sizeof(*s[i]->live));
		s[i]->where = calloc(PFN_END, sizeof(*s[i]->where));
		CHECK_FATAL(s[i]->m && s[i]->live && s[i]->where);
		model_set_migrate_callback(s[i]->m, migrated, s[i]);
		model_set_pcp_callback(s[i]->m, refill_hook, s[i]);
		model_set_pcp_pop_callback(s[i]->m, pop_hook);
	}
	/* one refill of 32: the request's list in Normal holds the other 31 */
	CHECK_EQ(model_alloc_pcp(a.m, &q, &x), MODEL_OK);
	CHECK_EQ(model_alloc_pcp(b.m, &q, &y), MODEL_OK);
	CHECK_EQ(x, y);
	CHECK(x >= NORMAL0, "the refill was not from Normal");
	CHECK(a.pool_n[1][MIGRATE_MOVABLE][0] > 4, "the list holds %u blocks",
	      a.pool_n[1][MIGRATE_MOVABLE][0]);
	if (boosted) { /* one refill of DMA32's list */
		struct model_alloc_req q32 = q;
		q32.gfp |= MODEL_GFP_DMA32;
		CHECK_EQ(model_alloc_pcp(a.m, &q32, &x), MODEL_OK);
		CHECK_EQ(model_alloc_pcp(b.m, &q32, &y), MODEL_OK);
		CHECK(x == y && x < NORMAL0, "DMA32 refill %#llx %#llx", (unsigned long long)x,
		      (unsigned long long)y);
		CHECK(a.pool_n[0][MIGRATE_MOVABLE][0] > 4, "DMA32's list holds %u blocks",
		      a.pool_n[0][MIGRATE_MOVABLE][0]);
	}
	/* Normal to its low mark with held movable blocks, pageblocks down to single pages (one
	 * served from DMA32 is given back and lowers the order), then unmovable ones when
	 * movable single pages go to DMA32 (SPB: Normal's rest is not theirs) */
	while (model_zone_nr_free_pages(a.m, 1) > low) {
		while (fill.order && model_zone_nr_free_pages(a.m, 1) < low + (1u << fill.order))
			fill.order--;
		CHECK_FATAL(model_alloc(a.m, &fill, &x) == MODEL_OK);
		CHECK_FATAL(model_alloc(b.m, &fill, &y) == MODEL_OK);
		CHECK_FATAL(x == y && a.nlive < cap);
		if (x < NORMAL0) { /* DMA32 is kept free for the requests below */
			CHECK_EQ(model_free(a.m, x, fill.order), MODEL_OK);
			CHECK_EQ(model_free(b.m, y, fill.order), MODEL_OK);
		} else {
			live_add(&a, x, fill.order);
			live_add(&b, y, fill.order);
		}
		/* below PAGEBLOCK_ORDER - 1 Normal has no free pageblock left (free < low + 256) */
		if (boosted && fill.movable && fill.order < PAGEBLOCK_ORDER - 1 &&
		    !model_event(a.m, MODEL_EV_WATERMARK_BOOST))
			boost_normal(&a, &b, cap);
		if (x < NORMAL0 && !fill.order && fill.movable) {
			fill = kernel;
		} else if (x < NORMAL0 && !fill.order) {
			break; /* Normal's mark counts what it cannot use */
		} else if (x < NORMAL0) {
			fill.order--;
		}
	}
	CHECK_EQ(model_zone_nr_free_pages(a.m, 1), model_zone_nr_free_pages(b.m, 1));
	if (boosted) { /* above the low mark, below the boosted one */
		uint64_t boost = model_event(a.m, MODEL_EV_WATERMARK_BOOST_PEAK_PAGES);
		CHECK_FATAL(boost >= PAGEBLOCK_NR_PAGES);
		while (model_zone_nr_free_pages(a.m, 1) <= low + 2) {
			CHECK_FATAL(a.nlive > 0 && a.live[a.nlive - 1].pfn >= NORMAL0);
			CHECK_EQ(
				model_free(a.m, a.live[a.nlive - 1].pfn, a.live[a.nlive - 1].order),
				MODEL_OK);
			CHECK_EQ(
				model_free(b.m, b.live[b.nlive - 1].pfn, b.live[b.nlive - 1].order),
				MODEL_OK);
			live_del(&a, a.nlive - 1);
			live_del(&b, b.nlive - 1);
		}
		CHECK(model_zone_nr_free_pages(a.m, 1) < low + boost, "Normal %llu free pages",
		      (unsigned long long)model_zone_nr_free_pages(a.m, 1));
	} else {
		CHECK(model_zone_nr_free_pages(a.m, 1) <= low + 64, "Normal %llu free pages",
		      (unsigned long long)model_zone_nr_free_pages(a.m, 1));
	}
	compare_state(&a, &b, "below low", 0, true);
	for (int i = 0; i < 4; i++) {
		unsigned left = a.pool_n[1][MIGRATE_MOVABLE][0];
		int ra = model_alloc_pcp(a.m, &q, &x), rb = model_alloc_pcp(b.m, &q, &y);
		CHECK(ra == MODEL_OK && rb == MODEL_OK && x == y,
		      "%s below low, request %d: short path %d %#llx, whole call %d %#llx", preset,
		      i, ra, (unsigned long long)x, rb, (unsigned long long)y);
		CHECK(x < NORMAL0, "%s below low, request %d: %#llx not from DMA32", preset, i,
		      (unsigned long long)x);
		CHECK_EQ(a.pool_n[1][MIGRATE_MOVABLE][0], left);
		compare_state(&a, &b, "below low", i + 1, false);
	}
	/* boosted: the whole call's, each counting the refusal */
	CHECK(boosted ? !a.popped : a.popped > 0, "%s below low: the short path ran %llu times",
	      preset, (unsigned long long)a.popped);
	CHECK_EQ(b.popped, 0);
	if (boosted)
		CHECK(model_event(a.m, MODEL_EV_WATERMARK_BOOST_REFUSED) >= 4,
		      "%s: the boost refused Normal %llu times", preset,
		      (unsigned long long)model_event(a.m, MODEL_EV_WATERMARK_BOOST_REFUSED));
	printf("%s at Normal's low mark (%llu free, mark %llu): 4 requests from DMA32, %llu by "
	       "the short path\n",
	       preset, (unsigned long long)model_zone_nr_free_pages(a.m, 1),
	       (unsigned long long)low, (unsigned long long)a.popped);
	for (int i = 0; i < 2; i++) {
		model_destroy(s[i]->m);
		free(s[i]->live);
		free(s[i]->where);
	}
}

int main(int argc, char **argv)
{
	long ops = argc > 1 ? atol(argv[1]) : 20000;

	run("spb+all", ops, 0x5eed0001);
	run("mainline", ops, 0x5eed0002);
	lists = true;
	run("spb+all", 4 * ops, 0x5eed0003);
	run("mainline", 4 * ops, 0x5eed0004);
	pcp_listed_below_low("spb+all", false);
	pcp_listed_below_low("mainline", false);
	pcp_listed_below_low("mainline", true);
	return test_summary("model_refill");
}
