// SPDX-License-Identifier: GPL-2.0
/*
 * test_model_lockstep.c - the fast SPB model against the slow reference (model_ref.c), in
 * lockstep on long random operation sequences: every allocation must get the same pfn (or the
 * same failure), and after every operation every SPB must have the same counters, free pages,
 * list and place on that list. The invariant checker runs every few operations too.
 *
 * Workloads grow and shrink memory use between 20% and 97% so that passes, claims, steals,
 * the refusal gate and the relax ladder all run; the test prints how often each did. The
 * HIGHATOMIC reserve's reserve and unreserve counts must agree after every operation, and
 * every pageblock's migratetype at each invariant check. The "highatomic" configurations
 * (run_highatomic) make the reserve work under both policies and check that it did.
 *
 * Usage: test_model_lockstep [operations [name]]: name runs only the configurations whose
 * name contains it, e.g. "highatomic".
 */
#include "model.h"
#include "model_ref.h"
#include "model_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct live {
	uint64_t pfn;
	unsigned order;
};

/* The phase's mix: how much is movable, how big allocations are. */
static unsigned phase_movable = 55, phase_big = 15, phase_unmovable = 66;
/*
 * The run's: the share of high-order GFP_ATOMIC requests (ALLOC_HIGHATOMIC in the slowpath)
 * on top of the mix, and the range of memory use the phases aim at, in percent.
 */
static unsigned atomic_share, target_lo = 20, target_span = 78, phase_ops = 4000, alloc_below = 75;

static void random_request(struct model_alloc_req *q)
{
	unsigned r = (unsigned)(rnd() % 100);
	memset(q, 0, sizeof(*q));
	if (atomic_share && (unsigned)(rnd() % 100) < atomic_share) {
		q->order = (unsigned)(1 + rnd() % 3);
		q->migratetype = rnd() % 4 ? MIGRATE_UNMOVABLE : MIGRATE_RECLAIMABLE;
		q->gfp = MODEL_GFP_ATOMIC;
		if (q->migratetype == MIGRATE_RECLAIMABLE)
			q->gfp |= MODEL_GFP_RECLAIMABLE;
		q->cpu = (int)(rnd() % 3);
		return;
	}
	q->order = r >= phase_big ? (rnd() % 4 ? 0 : (unsigned)(1 + rnd() % 3))
				  : (rnd() % 3 ? 9 : (unsigned)(rnd() % 11));
	r = (unsigned)(rnd() % 100);
	q->migratetype = r < phase_movable ? MIGRATE_MOVABLE
			 : r < phase_movable + (100 - phase_movable) * phase_unmovable / 100
				 ? MIGRATE_UNMOVABLE
				 : MIGRATE_RECLAIMABLE;
	q->movable = q->migratetype == MIGRATE_MOVABLE;
	r = (unsigned)(rnd() % 100);
	if (q->movable)
		q->gfp = q->order == 9 && r < 50 ? MODEL_GFP_TRANSHUGE_LIGHT
						 : MODEL_GFP_HIGHUSER_MOVABLE;
	else if (r < 55)
		q->gfp = MODEL_GFP_KERNEL;
	else if (r < 70)
		q->gfp = MODEL_GFP_ATOMIC;
	else if (r < 80)
		q->gfp = MODEL_GFP_NOWAIT;
	else if (r < 92)
		q->gfp = MODEL_GFP_KERNEL | MODEL_GFP_NORETRY | MODEL_GFP_NOWARN;
	else
		q->gfp = MODEL_GFP_KERNEL | MODEL_GFP_DMA32;
	if (q->migratetype == MIGRATE_RECLAIMABLE)
		q->gfp |= MODEL_GFP_RECLAIMABLE;
	q->cpu = (int)(rnd() % 3);
}

static void compare_spbs(struct model *m, struct ref_model *r, long op)
{
	for (unsigned z = 0; z < model_nr_zones(m); z++)
		for (unsigned s = 0; s < model_zone_nr_spbs(m, z); s++) {
			struct model_spb_info a;
			struct ref_spb_state b;
			model_spb_info(m, z, s, &a);
			ref_spb_state(r, z, s, &b);
			if (a.nr_free != b.nr_free || a.nr_unmovable != b.nr_unmovable ||
			    a.nr_reclaimable != b.nr_reclaimable || a.nr_movable != b.nr_movable ||
			    a.nr_reserved != b.nr_reserved ||
			    a.total_pageblocks != b.total_pageblocks ||
			    a.nr_free_pages != b.nr_free_pages || a.list_id != b.list_id ||
			    a.list_pos != b.list_pos) {
				fprintf(stderr,
					"op %ld zone %u spb %u: fast "
					"free/unmov/recl/mov/rsv/total/pages/list/pos "
					"%u/%u/%u/%u/%u/%u/%llu/%d/%d, reference "
					"%u/%u/%u/%u/%u/%u/%llu/%d/%d\n",
					op, z, s, a.nr_free, a.nr_unmovable, a.nr_reclaimable,
					a.nr_movable, a.nr_reserved, a.total_pageblocks,
					(unsigned long long)a.nr_free_pages, a.list_id, a.list_pos,
					b.nr_free, b.nr_unmovable, b.nr_reclaimable, b.nr_movable,
					b.nr_reserved, b.total_pageblocks,
					(unsigned long long)b.nr_free_pages, b.list_id, b.list_pos);
				exit(1);
			}
		}
}

/* Every pageblock's migratetype: HIGHATOMIC relabelling shows here first. */
static void compare_pageblocks(struct model *m, struct ref_model *r, const struct model_config *c,
			       long op)
{
	for (unsigned z = 0; z < c->nr_zones; z++) {
		uint64_t end = c->zones[z].start_pfn + c->zones[z].spanned_pages;
		for (uint64_t pfn = c->zones[z].start_pfn & ~511ull; pfn < end; pfn += 512) {
			bool hole = false; /* no pages: the type is nobody's */
			for (unsigned h = 0; h < c->nr_holes; h++)
				hole |= pfn < c->holes[h].start_pfn + c->holes[h].nr_pages &&
					c->holes[h].start_pfn < pfn + 512;
			if (hole)
				continue;
			int a = model_pfnblock_migratetype(m, pfn),
			    b = ref_pfnblock_migratetype(r, pfn);
			if (a != b) {
				fprintf(stderr,
					"op %ld: pageblock %#llx: fast type %d, reference %d\n", op,
					(unsigned long long)pfn, a, b);
				exit(1);
			}
		}
	}
}

/* The HIGHATOMIC reserve's work, as the reference counted it and as the model did. */
static void compare_highatomic(struct model *m, struct ref_model *r, long op)
{
	struct ref_highatomic_counts h;
	ref_highatomic(r, &h);
	if (model_event(m, MODEL_EV_HIGHATOMIC_RESERVE) != h.reserved ||
	    model_event(m, MODEL_EV_HIGHATOMIC_UNRESERVE) != h.unreserved) {
		fprintf(stderr,
			"op %ld: highatomic reserved/unreserved: fast %llu/%llu, reference "
			"%llu/%llu\n",
			op, (unsigned long long)model_event(m, MODEL_EV_HIGHATOMIC_RESERVE),
			(unsigned long long)model_event(m, MODEL_EV_HIGHATOMIC_UNRESERVE),
			(unsigned long long)h.reserved, (unsigned long long)h.unreserved);
		exit(1);
	}
}

/* Every run's event counts, summed: the runs together must reach every pass they are built for. */
static uint64_t events_seen[MODEL_NR_VM_EVENTS];

/*
 * What a run saw of the HIGHATOMIC reserve: the model's reserve and unreserve events, and the
 * allocations served from a free HIGHATOMIC block (the reference's count of rmqueue_buddy's
 * tries that found one; for mainline, which has no reference, the model's own: a page in a
 * HIGHATOMIC pageblock that no reserve relabelled, as only the tries take those lists there).
 */
struct highatomic_seen {
	uint64_t reserved, unreserved, served_first, served_last, served;
};

/* Zones the one-call ZONE_BELOW_HIGH test found below high (it must sometimes). */
static uint64_t below_high_seen;

/* compare_zone_queries()'s own random numbers: the workload's sequence (rnd()) stays as it was. */
static unsigned query_rnd(void)
{
	static uint64_t state = 1;

	state = state * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)(state >> 33);
}

/*
 * replay's one-call queries against the per-zone ones they stand for:
 * model_zones_below_high_wmark() against model_zone_high_wmark_ok() on each zone (some zones
 * set beforehand, which it must leave set and not test), and model_pfnblock_zone_migratetype()
 * against model_pfnblock_migratetype() and model_pfn_zone() at pfn.
 */
static void compare_zone_queries(struct model *m, uint64_t pfn, long op)
{
	static const uint32_t gfps[] = { 0, MODEL_GFP_DMA32,
					 MODEL_GFP_HIGHMEM | MODEL_GFP_MOVABLE };
	unsigned nr = model_nr_zones(m), zone = ~0u;

	for (unsigned g = 0; g < sizeof(gfps) / sizeof(gfps[0]); g++) {
		unsigned order = query_rnd() % 2 ? 0 : (unsigned)(query_rnd() % 11);
		bool below[MODEL_MAX_ZONES], set[MODEL_MAX_ZONES];

		for (unsigned z = 0; z < MODEL_MAX_ZONES; z++)
			below[z] = set[z] = z < nr && query_rnd() % 4 == 0;
		model_zones_below_high_wmark(m, order, gfps[g], below, MODEL_MAX_ZONES);
		for (unsigned z = 0; z < MODEL_MAX_ZONES; z++) {
			bool want = set[z] ||
				    (z < nr && !model_zone_high_wmark_ok(m, z, order, gfps[g]));
			if (below[z] != want) {
				fprintf(stderr,
					"op %ld: zone %u order %u gfp %#x: below %d, want %d\n", op,
					z, order, gfps[g], below[z], want);
				exit(1);
			}
			below_high_seen += below[z] && !set[z];
		}
	}
	int mt = model_pfnblock_zone_migratetype(m, pfn, &zone);
	CHECK_EQ(mt, model_pfnblock_migratetype(m, pfn));
	if (mt >= 0 && zone < MODEL_MAX_ZONES) /* a hole between zones has no zone to compare */
		CHECK_EQ(zone, model_pfn_zone(m, pfn));
}

/*
 * One configuration in lockstep with the reference (mainline, which the reference does not
 * model: the model alone, with the same workload and checks).
 */
static void run(const char *name, struct model_config *c, long ops, uint64_t seed, int check_every,
		struct highatomic_seen *seen)
{
	char buf[512];
	int err;
	struct model *m;
	struct ref_model *r = NULL;
	struct live *live;
	size_t nlive = 0, cap = 1 << 20;
	uint64_t present, used = 0, served = 0;
	long fails = 0;

	c->params.evacuation = false;
	c->params.defrag = false;
	c->params.direct_compaction = false; /* the reference has no compaction (model_ref.c) */
	c->nr_cpus = 3;
	m = model_create(c, &err);
	CHECK_FATAL(m != NULL);
	if (c->policy == MODEL_POLICY_SPB)
		r = ref_create(c);
	live = malloc(cap * sizeof(*live));
	test_rng_state = seed;
	struct model_stats st;
	model_stats(m, &st);
	present = st.present_pages;
	if (r) {
		compare_spbs(m, r, -1);
		compare_pageblocks(m, r, c, -1);
	}

	double target = 0.5;
	for (long op = 0; op < ops; op++) {
		if (op % phase_ops == 0) {
			target = (double)(target_lo + rnd() % target_span) / 100.0;
			phase_movable = rnd() % 3 ? (unsigned)(10 + rnd() % 85) : 0;
			phase_unmovable = (unsigned)(rnd() % 101);
			phase_big = (unsigned)(rnd() % 30);
		}
		bool do_alloc = nlive == 0 ||
				((double)used / (double)present < target ? rnd() % 100 < alloc_below
									 : rnd() % 100 < 25);
		if (do_alloc && nlive < cap) {
			struct model_alloc_req q;
			uint64_t a = 0, b = 0,
				 reserved = model_event(m, MODEL_EV_HIGHATOMIC_RESERVE);
			random_request(&q);
			int ra = model_alloc(m, &q, &a), rb = r ? ref_alloc(r, &q, &b) : ra;
			if (!r)
				b = a;
			if (ra != rb || (ra == MODEL_OK && a != b)) {
				fprintf(stderr,
					"%s op %ld: alloc order %u mt %d gfp %#x: fast %d %#llx, "
					"reference %d %#llx\n",
					name, op, q.order, q.migratetype, q.gfp, ra,
					(unsigned long long)a, rb, (unsigned long long)b);
				exit(1);
			}
			if (ra == MODEL_OK) {
				live[nlive++] = (struct live){ a, q.order };
				used += 1ull << q.order;
				served += model_pfnblock_migratetype(m, a) == MIGRATE_HIGHATOMIC &&
					  model_event(m, MODEL_EV_HIGHATOMIC_RESERVE) == reserved;
			} else {
				fails++;
			}
		} else if (nlive) {
			size_t k = rnd() % nlive;
			CHECK_EQ(model_free(m, live[k].pfn, live[k].order), MODEL_OK);
			if (r)
				CHECK_EQ(ref_free(r, live[k].pfn, live[k].order), MODEL_OK);
			used -= 1ull << live[k].order;
			live[k] = live[--nlive];
		}
		if (r) {
			compare_spbs(m, r, op);
			compare_highatomic(m, r, op);
		}
		if (check_every && op % check_every == 0) {
			/* a sample first: model_check then compares every region's memo, updated
			 * only for the pageblocks changed since the last sample, with a recount */
			model_stats(m, &st);
			const char *e = model_check(m, buf, sizeof(buf));
			if (e) {
				fprintf(stderr, "%s op %ld: %s\n", name, op, e);
				exit(1);
			}
			if (r)
				compare_pageblocks(m, r, c, op);
			compare_zone_queries(m, nlive ? live[query_rnd() % nlive].pfn : 0, op);
		}
	}
	model_stats(m, &st);
	printf("%s: %ld ops %s; %llu pass-1, %llu pass-2, %llu 2b, %llu 2c, %llu 2d, %llu "
	       "pass-3, "
	       "%llu pass-4, %llu claims, %llu steals, %llu refused, %llu relaxed, %llu highatomic "
	       "reserved, %llu unreserved, %ld failed\n",
	       name, ops, r ? "agree" : "checked (no reference)",
	       (unsigned long long)st.events[MODEL_EV_PASS_1],
	       (unsigned long long)st.events[MODEL_EV_PASS_2],
	       (unsigned long long)st.events[MODEL_EV_PASS_2B],
	       (unsigned long long)st.events[MODEL_EV_PASS_2C],
	       (unsigned long long)st.events[MODEL_EV_PASS_2D],
	       (unsigned long long)st.events[MODEL_EV_PASS_3],
	       (unsigned long long)st.events[MODEL_EV_PASS_4],
	       (unsigned long long)st.events[MODEL_EV_RMQUEUE_CLAIM],
	       (unsigned long long)st.events[MODEL_EV_RMQUEUE_STEAL],
	       (unsigned long long)st.events[MODEL_EV_SPB_HIGHORDER_REFUSED],
	       (unsigned long long)(st.events[MODEL_EV_RELAX_ADD_TAINTED_OK] +
				    st.events[MODEL_EV_RELAX_DROP_NOFRAGMENT]),
	       (unsigned long long)st.events[MODEL_EV_HIGHATOMIC_RESERVE],
	       (unsigned long long)st.events[MODEL_EV_HIGHATOMIC_UNRESERVE], fails);
	if (seen) {
		*seen = (struct highatomic_seen){ .reserved =
							  st.events[MODEL_EV_HIGHATOMIC_RESERVE],
						  .unreserved =
							  st.events[MODEL_EV_HIGHATOMIC_UNRESERVE],
						  .served = served };
		if (r) {
			struct ref_highatomic_counts h;
			ref_highatomic(r, &h);
			seen->served_first = h.served_first;
			seen->served_last = h.served_last;
		}
		printf("%s: served from a HIGHATOMIC block: %llu (first try %llu, last try %llu)\n",
		       name, (unsigned long long)served, (unsigned long long)seen->served_first,
		       (unsigned long long)seen->served_last);
	}
	CHECK(st.events[MODEL_EV_PASS_1] > 0 || c->policy != MODEL_POLICY_SPB);
	CHECK(st.events[MODEL_EV_PASS_2] > 0 || c->policy != MODEL_POLICY_SPB);
	for (int i = 0; i < MODEL_NR_VM_EVENTS; i++)
		events_seen[i] += st.events[i];
	free(live);
	if (r)
		ref_destroy(r);
	model_destroy(m);
}

/* DMA32 and a Normal zone over three 1 GiB regions, partial at both ends. */
static void small_geometry(struct model_config *c, bool with_hole)
{
	static const struct model_hole hole = { (1ull << 18) + 4096, 512 };
	memset(c, 0, sizeof(*c));
	c->policy = MODEL_POLICY_SPB;
	model_params_default(&c->params);
	c->nr_zones = 2;
	c->zones[0] = (struct model_zone_config){ .type = ZONE_DMA32,
						  .start_pfn = 4096,
						  .spanned_pages = 12288 };
	c->zones[1] =
		(struct model_zone_config){ .type = ZONE_NORMAL,
					    .start_pfn = (1ull << 18) - 24 * 512,
					    .spanned_pages = 24 * 512 + (1ull << 18) + 16 * 512 };
	if (with_hole) {
		c->nr_holes = 1;
		c->holes = &hole;
	}
}

/* High watermarks (40% and 50%) and a DMA32 lowmem_reserve of a quarter. */
static void watermarks(struct model_config *c)
{
	for (unsigned z = 0; z < c->nr_zones; z++) {
		c->zones[z].wmark_min = c->zones[z].spanned_pages * 2 / 5;
		c->zones[z].wmark_low = c->zones[z].spanned_pages / 2;
	}
	c->zones[0].lowmem_reserve[ZONE_NORMAL] = c->zones[0].spanned_pages / 4;
	c->zones[0].lowmem_reserve[ZONE_MOVABLE] = c->zones[0].spanned_pages / 4;
}

/*
 * The HIGHATOMIC reserve under both policies: the watermark geometry (the slowpath runs with
 * pages free), a quarter of the requests high-order GFP_ATOMIC ones, and memory use between
 * 60% and 99%. ALLOC_HIGHATOMIC requests that __rmqueue serves reserve their pageblock,
 * later ones (and GFP_NOWAIT ones, last) are served from it, and GFP_KERNEL requests failing
 * the min watermark give every reserved block back before they fail. The invariant checker
 * runs after every operation, and the coverage is asserted, so it cannot silently vanish.
 */
static void run_highatomic(enum model_policy policy, long ops)
{
	struct model_config c;
	struct highatomic_seen seen;
	bool spb = policy == MODEL_POLICY_SPB;

	/* DMA32 as small_geometry's; Normal 128 pageblocks over two SPBs: 1% is two pageblocks */
	small_geometry(&c, false);
	c.policy = policy;
	c.zones[1].start_pfn = (1ull << 18) - 8 * 512;
	c.zones[1].spanned_pages = 128 * 512;
	for (unsigned z = 0; z < c.nr_zones; z++)
		c.zones[z].wmark_low = c.zones[z].spanned_pages / 10;
	atomic_share = 25;
	target_lo = 90;
	target_span = 20;
	phase_ops = 3000;
	alloc_below = 90;
	run(spb ? "highatomic" : "highatomic, mainline (no reference)", &c, ops, 7, 1, &seen);
	atomic_share = 0;
	target_lo = 20;
	target_span = 78;
	phase_ops = 4000;
	alloc_below = 75;
	CHECK(seen.reserved > 0);
	CHECK(seen.unreserved > 0);
	CHECK(seen.served > 0);
	if (spb) {
		CHECK(seen.served_first > 0);
		CHECK(seen.served_last > 0);
	}
}

/*
 * argv[1]: operations per configuration (60000); argv[2]: run only the configurations whose
 * name contains it (e.g. "highatomic"), skipping the checks over all of them.
 */
int main(int argc, char **argv)
{
	long ops = argc > 1 ? atol(argv[1]) : 60000;
	const char *only = argc > 2 ? argv[2] : NULL;
	struct model_config c;

#define WANT(name) (!only || strstr(name, only))
	if (WANT("three regions")) {
		small_geometry(&c, false);
		run("three regions", &c, ops, 1, 50, NULL);
	}
	if (WANT("with a hole")) {
		small_geometry(&c, true);
		run("with a hole", &c, ops, 2, 50, NULL);
	}
	if (WANT("[S-A]: no warm hints")) {
		small_geometry(&c, false);
		c.params.warm_hints = false;
		run("[S-A]: no warm hints", &c, ops, 5, 50, NULL);
	}
	if (WANT("v1 passes only")) {
		small_geometry(&c, false);
		c.params.warm_hints = false;
		c.params.from_tainted_spb = false;
		c.params.pass_2c = false;
		c.params.pass_2d = false;
		c.params.highorder_optional_gate = false;
		run("v1 passes only", &c, ops, 3, 50, NULL);
	}
	/* High watermarks: requests reach the slowpath while pages are free, and atomic ones try
	 * the HIGHATOMIC lists there (test_model_passes: "highatomic"). DMA32 keeps a further
	 * quarter from requests that may use Normal (lowmem_reserve). */
	if (WANT("watermarks")) {
		small_geometry(&c, false);
		watermarks(&c);
		below_high_seen = 0;
		run("watermarks", &c, ops, 6, 50, NULL);
		CHECK(below_high_seen > 0);
	}
	/* Ten SPBs: above SPB_AGGRESSIVE_THRESHOLD, and a wide enough field for the walks. */
	if (WANT("nine GiB")) {
		model_config_simple(&c, MODEL_POLICY_SPB, 9ull << 30);
		run("nine GiB", &c, ops, 4, 0, NULL);
	}
	/* checked after every operation: a third of the operations, but at least the 20000 the
	 * coverage checks were measured with */
	if (WANT("highatomic"))
		run_highatomic(MODEL_POLICY_SPB, ops / 3 > 20000 ? ops / 3 : 20000);
	if (WANT("highatomic, mainline"))
		run_highatomic(MODEL_POLICY_MAINLINE, ops / 3 > 20000 ? ops / 3 : 20000);
#undef WANT
	if (!only) {
		CHECK(events_seen[MODEL_EV_PASS_2C] > 0);
		CHECK(events_seen[MODEL_EV_PASS_3] > 0);
		CHECK(events_seen[MODEL_EV_PASS_4] > 0);
		CHECK(events_seen[MODEL_EV_RMQUEUE_CLAIM] > 0);
		CHECK(events_seen[MODEL_EV_SPB_HIGHORDER_REFUSED] > 0);
	}
	if (!test_failures)
		printf("lockstep: all variants agree\n");
	return test_summary("test_model_lockstep");
}
