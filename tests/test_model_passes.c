// SPDX-License-Identifier: GPL-2.0
/*
 * test_model_passes.c - unit tests per pass on hand-built states, including the series' own
 * scenarios (v1 25/45: Pass 2b claims fail without from_tainted_spb while a tainted SPB holds
 * a hundred thousand free movable pages; v1 31/45: a RECLAIMABLE request finds space on a
 * tainted SPB's UNMOVABLE lists through Pass 2c instead of tainting a clean SPB), the refusal
 * gate, the free path's relabelling, the mainline yardstick and the workers. The invariant
 * checker runs after every step.
 */
#include "model.h"
#include "model_test.h"

#include <string.h>

/*
 * A small DMA32 zone (so Normal requests carry ALLOC_NOFRAGMENT) and n GiB of Normal; tweak
 * changes the parameters, zone_tweak the zones.
 */
static struct model *make_zones(enum model_policy policy, unsigned normal_gib,
				void (*tweak)(struct model_params *),
				void (*zone_tweak)(struct model_config *))
{
	struct model_config c;
	int err;

	memset(&c, 0, sizeof(c));
	c.policy = policy;
	model_params_default(&c.params);
	c.params.evacuation = false;
	c.params.defrag = false;
	if (tweak)
		tweak(&c.params);
	test_host_zones(&c, normal_gib);
	if (zone_tweak)
		zone_tweak(&c);
	struct model *m = model_create(&c, &err);
	CHECK_FATAL(m != NULL);
	check_model(m, "create");
	return m;
}

static struct model *make(enum model_policy policy, unsigned normal_gib,
			  void (*tweak)(struct model_params *))
{
	return make_zones(policy, normal_gib, tweak, NULL);
}

static uint64_t alloc_ok(struct model *m, unsigned order, int mt, uint32_t gfp)
{
	struct model_alloc_req q = {
		.order = order, .migratetype = mt, .gfp = gfp, .movable = mt == MIGRATE_MOVABLE
	};
	uint64_t pfn;
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK);
	return pfn;
}

static struct model_spb_info normal_spb(struct model *m, unsigned i)
{
	struct model_spb_info info;
	CHECK_EQ(model_spb_info(m, 1, i, &info), MODEL_OK);
	return info;
}

static unsigned tainted_regions(struct model *m)
{
	struct model_stats st;
	model_stats(m, &st);
	return st.tainted_regions;
}

/*
 * Region 0 of Normal: one unmovable page taints it; every pageblock holds 368 pages of
 * movable allocations and 144 free pages on the MOVABLE lists (128 single pages and one
 * order-4 block), so no pageblock passes the 50% rule: 73,728 free movable pages in all.
 */
static void build_tainted_movable_sieve(struct model *m)
{
	CHECK_EQ(model_alloc_at(m, NORMAL0, 0, MIGRATE_UNMOVABLE, false), MODEL_OK);
	for (uint64_t pb = NORMAL0; pb < NORMAL0 + GiB_PAGES; pb += PAGEBLOCK_NR_PAGES) {
		CHECK_EQ(model_alloc_at(m, pb + 256, 7, MIGRATE_MOVABLE, true), MODEL_OK);
		CHECK_EQ(model_alloc_at(m, pb + 384, 6, MIGRATE_MOVABLE, true), MODEL_OK);
		CHECK_EQ(model_alloc_at(m, pb + 448, 5, MIGRATE_MOVABLE, true), MODEL_OK);
		CHECK_EQ(model_alloc_at(m, pb + 480, 4, MIGRATE_MOVABLE, true), MODEL_OK);
		for (uint64_t q = pb + (pb == NORMAL0 ? 2 : 0); q < pb + 256; q += 2)
			CHECK_EQ(model_alloc_at(m, q, 0, MIGRATE_MOVABLE, true), MODEL_OK);
	}
	check_model(m, "sieve");
	struct model_spb_info x = normal_spb(m, 0);
	CHECK_EQ(x.category, SB_TAINTED);
	CHECK_EQ(x.nr_free, 0);
	CHECK_EQ(x.nr_free_pages, 144 * SUPERPAGEBLOCK_NR_PAGEBLOCKS);
}

static void no_from_tainted(struct model_params *p)
{
	p->from_tainted_spb = false;
	p->pass_2c = false;
	p->pass_2d = false;
}
static void v1_with_from_tainted(struct model_params *p)
{
	p->pass_2c = false;
	p->pass_2d = false;
}

static void test_pass_2b_from_tainted_spb(void)
{
	/* Without from_tainted_spb: every Pass 2b claim is refused by the 50% rule. */
	struct model *m = make(MODEL_POLICY_SPB, 1, no_from_tainted);
	build_tainted_movable_sieve(m);
	uint64_t pfn = alloc_ok(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL);
	check_model(m, "2b off");
	CHECK_EQ(model_event(m, MODEL_EV_PASS_2B), 0);
	CHECK(model_event(m, MODEL_EV_CLAIM_REFUSED_INSUFFICIENT_COMPAT) > 0);
	CHECK(pfn >= NORMAL0 && pfn < NORMAL0 + GiB_PAGES);
	model_destroy(m);

	/* With it: the first tainted fragment's pageblock is claimed in Pass 2b. */
	m = make(MODEL_POLICY_SPB, 1, v1_with_from_tainted);
	build_tainted_movable_sieve(m);
	pfn = alloc_ok(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL);
	check_model(m, "2b on");
	CHECK_EQ(model_event(m, MODEL_EV_PASS_2B), 1);
	CHECK_EQ(model_event(m, MODEL_EV_CLAIM_REFUSED_INSUFFICIENT_COMPAT), 0);
	CHECK(pfn >= NORMAL0 && pfn < NORMAL0 + GiB_PAGES);
	model_destroy(m);
	printf("pass 2b: refused by the 50%% rule without from_tainted_spb (73,728 free movable "
	       "pages in the tainted SPB), claimed with it\n");
}

/*
 * Region 0 filled with UNMOVABLE pageblocks through the allocator, every other page then
 * freed: a tainted SPB with no free pageblock and 65536 free pages, all on UNMOVABLE lists.
 * Region 1 stays empty.
 */
static void build_unmovable_sieve(struct model *m)
{
	static uint64_t blocks[SUPERPAGEBLOCK_NR_PAGEBLOCKS];
	/* __GFP_RETRY_MAYFAIL: a costly order without it gives up before tainting a clean SPB */
	for (unsigned i = 0; i < SUPERPAGEBLOCK_NR_PAGEBLOCKS; i++) {
		blocks[i] = alloc_ok(m, PAGEBLOCK_ORDER, MIGRATE_UNMOVABLE,
				     MODEL_GFP_KERNEL | MODEL_GFP_RETRY_MAYFAIL);
		CHECK(blocks[i] >= NORMAL0 && blocks[i] < NORMAL0 + GiB_PAGES);
	}
	for (unsigned i = 0; i < SUPERPAGEBLOCK_NR_PAGEBLOCKS; i++) {
		CHECK_EQ(model_split(m, blocks[i], PAGEBLOCK_ORDER), MODEL_OK);
		for (uint64_t p = blocks[i] + 1; p < blocks[i] + PAGEBLOCK_NR_PAGES; p += 2)
			CHECK_EQ(model_free(m, p, 0), MODEL_OK);
	}
	check_model(m, "unmovable sieve");
	CHECK_EQ(normal_spb(m, 0).nr_free, 0);
	CHECK_EQ(normal_spb(m, 0).nr_free_pages, GiB_PAGES / 2);
	CHECK_EQ(normal_spb(m, 1).list_id, 1); /* empty */
	CHECK_EQ(tainted_regions(m), 1);
}

static void no_2c(struct model_params *p)
{
	p->pass_2c = false;
}

static void test_pass_2c(void)
{
	struct model *m = make(MODEL_POLICY_SPB, 2, NULL);
	build_unmovable_sieve(m);
	uint64_t pfn =
		alloc_ok(m, 0, MIGRATE_RECLAIMABLE, MODEL_GFP_KERNEL | MODEL_GFP_RECLAIMABLE);
	check_model(m, "2c");
	CHECK_EQ(model_event(m, MODEL_EV_PASS_2C), 1);
	CHECK(pfn < NORMAL0 + GiB_PAGES);
	CHECK_EQ(tainted_regions(m), 1);
	CHECK_EQ(normal_spb(m, 0).nr_reclaimable, 1);
	model_destroy(m);

	m = make(MODEL_POLICY_SPB, 2, no_2c);
	build_unmovable_sieve(m);
	pfn = alloc_ok(m, 0, MIGRATE_RECLAIMABLE, MODEL_GFP_KERNEL | MODEL_GFP_RECLAIMABLE);
	check_model(m, "no 2c");
	CHECK(pfn >= NORMAL0 + GiB_PAGES);
	CHECK_EQ(tainted_regions(m), 2);
	CHECK(model_event(m, MODEL_EV_CLAIM_REFUSED_CROSS_TYPE_NOT_FREE) > 0);
	model_destroy(m);
	printf("pass 2c: RECLAIMABLE borrows the tainted SPB's UNMOVABLE space; without it a clean "
	       "SPB is tainted\n");
}

static void test_highorder_refusal(void)
{
	struct model *m = make(MODEL_POLICY_SPB, 2, NULL);
	struct model_alloc_req q = { .order = 3,
				     .migratetype = MIGRATE_UNMOVABLE,
				     .gfp = MODEL_GFP_NOWAIT };
	uint64_t pfn;

	build_unmovable_sieve(m);
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_ENOMEM);
	check_model(m, "refusal");
	CHECK(model_event(m, MODEL_EV_SPB_HIGHORDER_REFUSED) > 0);
	CHECK_EQ(model_event(m, MODEL_EV_RELAX_NOWARN_LOWER_ORDER), 2); /* fast path and slowpath */
	CHECK_EQ(tainted_regions(m), 1);

	/* Without the NOWARN step, the ladder adds TAINTED_OK, then drops NOFRAGMENT. */
	q.gfp = MODEL_GFP_ATOMIC;
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK);
	check_model(m, "ladder");
	CHECK_EQ(model_event(m, MODEL_EV_RELAX_ADD_TAINTED_OK), 1);
	CHECK_EQ(model_event(m, MODEL_EV_RELAX_DROP_NOFRAGMENT), 1);
	CHECK_EQ(tainted_regions(m), 2);
	model_destroy(m);
	printf("refusal gate: an optional order-3 NOWAIT request is refused, an ATOMIC one relaxes "
	       "and taints\n");
}

static void test_free_relabels_pageblock(void)
{
	struct model *m = make(MODEL_POLICY_SPB, 1, NULL);
	struct model_stats st;

	/* costly unmovable orders need __GFP_RETRY_MAYFAIL to taint a clean SPB (slowpath) */
	uint64_t pfn = alloc_ok(m, MAX_PAGE_ORDER, MIGRATE_UNMOVABLE,
				MODEL_GFP_KERNEL | MODEL_GFP_RETRY_MAYFAIL);
	check_model(m, "alloc");
	CHECK_EQ(normal_spb(m, 0).category, SB_TAINTED);
	CHECK_EQ(normal_spb(m, 0).nr_unmovable, 2);
	model_stats(m, &st);
	CHECK_EQ(st.pageblocks_by_mt[MIGRATE_UNMOVABLE], 2);
	CHECK_EQ(model_free(m, pfn, MAX_PAGE_ORDER), MODEL_OK);
	check_model(m, "free");
	model_stats(m, &st);
	CHECK_EQ(st.pageblocks_by_mt[MIGRATE_UNMOVABLE], 0);
	CHECK_EQ(normal_spb(m, 0).list_id, 1); /* back on the empty list */
	CHECK_EQ(normal_spb(m, 0).nr_unmovable, 0);
	CHECK_EQ(model_free(m, pfn, MAX_PAGE_ORDER), MODEL_ESTATE); /* double free */

	/*
	 * The series' sticky bit: an order-9 request claims an order-10 block, and
	 * claim_whole_block sets PB_has_unmovable on both pageblocks though the second goes back
	 * to the free lists. Freeing the allocation merges the two at order 10 without passing
	 * through mark_pageblock_free for the second one, so the SPB stays tainted with no
	 * non-movable page in it (the content-based yardstick says clean).
	 */
	pfn = alloc_ok(m, PAGEBLOCK_ORDER, MIGRATE_UNMOVABLE,
		       MODEL_GFP_KERNEL | MODEL_GFP_RETRY_MAYFAIL);
	CHECK_EQ(normal_spb(m, 0).nr_unmovable, 2);
	CHECK_EQ(model_free(m, pfn, PAGEBLOCK_ORDER), MODEL_OK);
	check_model(m, "sticky");
	CHECK_EQ(normal_spb(m, 0).nr_unmovable, 1);
	CHECK_EQ(normal_spb(m, 0).category, SB_TAINTED);
	CHECK_EQ(tainted_regions(m), 0);
	model_destroy(m);
	printf("free path: wholly free pageblocks are relabelled MOVABLE; a claimed order-10 "
	       "remainder keeps its has-bit (series quirk)\n");
}

static void test_mainline_yardstick(void)
{
	struct model *m = make(MODEL_POLICY_MAINLINE, 2, NULL);
	uint64_t movable = alloc_ok(m, 0, MIGRATE_MOVABLE, MODEL_GFP_HIGHUSER_MOVABLE);
	check_model(m, "movable");
	CHECK_EQ(tainted_regions(m), 0);
	uint64_t pfn = alloc_ok(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL);
	check_model(m, "unmovable");
	CHECK_EQ(tainted_regions(m), 1);
	CHECK_EQ(model_free(m, pfn, 0), MODEL_OK);
	CHECK_EQ(model_free(m, movable, 0), MODEL_OK);
	check_model(m, "freed");
	CHECK_EQ(tainted_regions(m), 0);
	model_destroy(m);
	printf("mainline: tainted regions follow non-movable content\n");
}

/* Workers: a shrinker that frees 300 objects per call, counted. */
static unsigned shrink_calls;
static uint64_t fake_shrink(void *ctx, int nid, int priority)
{
	(void)ctx;
	(void)nid;
	(void)priority;
	shrink_calls++;
	return 300;
}

static uint64_t moved_from, moved_to;
static unsigned moves;
static void on_migrate(void *ctx, uint64_t old_pfn, uint64_t new_pfn, unsigned order)
{
	(void)ctx;
	(void)order;
	moved_from = old_pfn;
	moved_to = new_pfn;
	moves++;
}

static void workers_on(struct model_params *p)
{
	p->evacuation = true;
	p->defrag = true;
}

static void test_workers(void)
{
	struct model *m = make(MODEL_POLICY_SPB, 2, workers_on);
	model_set_shrink_callback(m, fake_shrink, NULL);
	model_set_migrate_callback(m, on_migrate, NULL);

	/* A tainted SPB whose every pageblock holds a movable page: no free pageblock left. */
	CHECK_EQ(model_alloc_at(m, NORMAL0, 0, MIGRATE_UNMOVABLE, false), MODEL_OK);
	for (uint64_t pb = NORMAL0; pb < NORMAL0 + GiB_PAGES; pb += PAGEBLOCK_NR_PAGES)
		CHECK_EQ(model_alloc_at(m, pb + 64, 0, MIGRATE_MOVABLE, true), MODEL_OK);
	check_model(m, "setup");
	CHECK_EQ(normal_spb(m, 0).nr_free, 0);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_DEFRAG_QUEUED), 1); /* needs_defrag from update_list */

	/* Proactive trigger: an unmovable page from the tainted SPB below its high-water mark. */
	for (int i = 0; i < 3; i++)
		alloc_ok(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL);
	check_model(m, "allocs");
	CHECK(model_event(m, MODEL_EV_TRIGGER_PROACTIVE) == 0); /* 262000 free pages: above */
	model_advance(m, 1000000);
	check_model(m, "defrag ran");
	CHECK_EQ(model_event(m, MODEL_EV_SPB_DEFRAG_RAN), 1);
	/* still running at 1 ms (27 us a pageblock): its own list updates are absorbed */
	CHECK(model_event(m, MODEL_EV_SPB_DEFRAG_ABSORBED) > 0);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_DEFRAG_QUEUED), 1);
	CHECK(model_event(m, MODEL_EV_WORK_DEFRAG_BUSY_NS) > 0);
	CHECK(moves >= 16);
	CHECK(moved_to >= NORMAL0 + GiB_PAGES); /* moved into the clean SPB */
	CHECK(moved_from < NORMAL0 + GiB_PAGES);
	CHECK(normal_spb(m, 0).nr_free >= 16); /* spb_tainted_reserve: 512 / 32 */

	model_destroy(m);
	printf("workers: defrag evacuated %u movable pages into the clean SPB\n", moves);
}

static void evacuation_only(struct model_params *p)
{
	p->evacuation = true;
}

/*
 * Region 0 nearly full: 510 unmovable pageblocks, one pageblock holding a movable order-9
 * allocation, one with 416 unmovable pages and 96 free ones. Region 1 empty.
 */
static void build_nearly_full_tainted(struct model *m)
{
	test_build_nearly_full_tainted(m);
	check_model(m, "nearly full");
	CHECK_EQ(normal_spb(m, 0).nr_free_pages, 96);
	CHECK_EQ(normal_spb(m, 0).nr_free, 0);
}

static void test_slab_shrink_single_flight(void)
{
	struct model *m = make(MODEL_POLICY_SPB, 2, NULL);
	model_set_shrink_callback(m, fake_shrink, NULL);
	build_nearly_full_tainted(m);
	shrink_calls = 0;

	alloc_ok(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL); /* Pass 2b claims pb 511 */
	CHECK_EQ(model_event(m, MODEL_EV_PASS_2B), 1);
	/* twice: the nested __rmqueue_smallest's Pass 1 reacts too, as in the kernel */
	CHECK_EQ(model_event(m, MODEL_EV_TRIGGER_PROACTIVE), 2);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_SLAB_SHRINK_QUEUED), 1);
	alloc_ok(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL); /* Pass 1, below high water again */
	CHECK_EQ(model_event(m, MODEL_EV_TRIGGER_PROACTIVE), 3);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_SLAB_SHRINK_QUEUED), 1); /* already queued */
	CHECK_EQ(model_event(m, MODEL_EV_SPB_SLAB_SHRINK_RAN), 0);
	model_advance(m, 50000); /* before the worker latency */
	CHECK_EQ(model_event(m, MODEL_EV_SPB_SLAB_SHRINK_RAN), 0);
	model_advance(m, 100000);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_SLAB_SHRINK_RAN), 1);
	CHECK_EQ(shrink_calls, 1); /* a round a step, 12.6 us each */
	model_advance(m, 1000000);
	CHECK_EQ(shrink_calls, 7); /* 300 objects a round until 4 * 512 */
	CHECK_EQ(model_event(m, MODEL_EV_SPB_SLAB_SHRINK_FREED), 2100);
	alloc_ok(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_SLAB_SHRINK_QUEUED), 2); /* runs again later */
	check_model(m, "shrink");
	model_destroy(m);
	printf("slab shrink: proactive trigger, single flight, DEF_PRIORITY rounds up to 2048 "
	       "objects\n");
}

static void test_demand_evacuation(void)
{
	struct model *m = make(MODEL_POLICY_SPB, 2, evacuation_only);
	struct model_alloc_req q = { .order = PAGEBLOCK_ORDER,
				     .migratetype = MIGRATE_UNMOVABLE,
				     .gfp = MODEL_GFP_NOWAIT };
	uint64_t pfn;

	model_set_migrate_callback(m, on_migrate, NULL);
	build_nearly_full_tainted(m);
	moves = 0;
	CHECK_EQ(model_alloc(m, &q, &pfn),
		 MODEL_ENOMEM); /* refused: the tainted SPB has free pages */
	CHECK(model_event(m, MODEL_EV_SPB_HIGHORDER_REFUSED) > 0);
	CHECK(model_event(m, MODEL_EV_TRIGGER_DEMAND_PRE_PASS3) > 0);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_EVAC_QUEUED), 1);
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_ENOMEM); /* again, within 10 ms */
	CHECK_EQ(model_event(m, MODEL_EV_SPB_EVAC_QUEUED), 1);
	CHECK(model_event(m, MODEL_EV_SPB_EVAC_THROTTLED) > 0);
	model_advance(m, 200000);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_EVAC_RAN), 1);
	CHECK_EQ(moves, 0); /* isolated, migrating: 512 pages take 6.7 ms */
	model_advance(m, 10000000);
	check_model(m, "evacuated");
	CHECK_EQ(model_event(m, MODEL_EV_SPB_EVAC_RAN), 1);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_EVAC_PAGEBLOCKS), 1);
	CHECK_EQ(moves, 1);
	CHECK(moved_to >= NORMAL0 + GiB_PAGES);
	CHECK_EQ(normal_spb(m, 0).nr_free, 1);
	CHECK_EQ(normal_spb(m, 0).nr_movable, 0);
	CHECK_EQ(model_event(m, MODEL_EV_TRIGGER_SUPPLY), 1);
	/* Now the same request finds the evacuated pageblock in Pass 2. */
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK);
	CHECK_EQ(pfn, NORMAL0 + 510 * PAGEBLOCK_NR_PAGES);
	CHECK_EQ(tainted_regions(m), 1);
	check_model(m, "after");
	model_destroy(m);
	printf("evacuation: a refused request queues evacuation; the freed pageblock serves it "
	       "next\n");
}

/*
 * Memory exhausted: DMA32 and the Normal SPB full, its first half unmovable, its second half
 * movable order-9 allocations that no free block could receive. A failing GFP_KERNEL order-0
 * request runs spb_evacuate_for_order once per zone (direct compaction does nothing for order 0),
 * which attempts 8 pageblocks of the SPB (SPB_EVACUATE_MAX_PB_PER_SB counts attempts, not
 * successes). Their migrations find no target, which does not skip-mark them (the kernel sets
 * the bit only when a scan isolates nothing), so nothing changed: the next identical failure
 * attempts the same pageblocks again and adds exactly the counters the first did (the
 * failed-request memo answers it).
 */
static void slow_migration(struct model_params *p)
{
	p->evacuation = true;
	p->migrate_page_ns = 100000; /* 51 ms a pageblock */
}

static void slow_migration_instant(struct model_params *p)
{
	slow_migration(p);
	p->worker_time = false;
}

/*
 * Region 0: pageblocks 0-499 and 510 unmovable, 500-509 each one movable order-9
 * allocation, 511 with 96 free pages. An order-9 unmovable NOWAIT request is refused and
 * queues evacuation.
 */
static void build_tainted_ten_movable(struct model *m)
{
	for (unsigned i = 0; i < SUPERPAGEBLOCK_NR_PAGEBLOCKS - 1; i++) {
		bool mov = i >= 500 && i < 510;
		CHECK_EQ(model_alloc_at(m, NORMAL0 + (uint64_t)i * PAGEBLOCK_NR_PAGES,
					PAGEBLOCK_ORDER, mov ? MIGRATE_MOVABLE : MIGRATE_UNMOVABLE,
					mov),
			 MODEL_OK);
	}
	uint64_t pb511 = NORMAL0 + 511 * PAGEBLOCK_NR_PAGES;
	CHECK_EQ(model_alloc_at(m, pb511, 8, MIGRATE_UNMOVABLE, false), MODEL_OK);
	CHECK_EQ(model_alloc_at(m, pb511 + 256, 7, MIGRATE_UNMOVABLE, false), MODEL_OK);
	CHECK_EQ(model_alloc_at(m, pb511 + 384, 5, MIGRATE_UNMOVABLE, false), MODEL_OK);
	check_model(m, "ten movable");
}

/*
 * Workers take time (issue 14 item 3). An evacuation of 8 pageblocks at 100 us a page runs
 * for 410 ms: a pageblock's pages are free only once its migration is over, a second refused
 * request 11 ms later (past the 10 ms throttle) finds the run in flight and is absorbed, and
 * the kworker's busy time is the run's cost. With worker_time off (the model before) the run
 * is over when it starts and the second request is served from the evacuated pageblocks.
 */
static void test_worker_time_evacuation(void)
{
	struct model_alloc_req q = { .order = PAGEBLOCK_ORDER,
				     .migratetype = MIGRATE_UNMOVABLE,
				     .gfp = MODEL_GFP_NOWAIT };
	const uint64_t pb_ns = 14000 + 512 * 100000ull;
	uint64_t pfn;

	for (int timed = 1; timed >= 0; timed--) {
		struct model *m =
			make(MODEL_POLICY_SPB, 2, timed ? slow_migration : slow_migration_instant);
		model_set_migrate_callback(m, on_migrate, NULL);
		build_tainted_ten_movable(m);
		moves = 0;
		CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_ENOMEM);
		CHECK_EQ(model_event(m, MODEL_EV_SPB_EVAC_QUEUED), 1);
		model_advance(m, 1000000);
		check_model(m, "1 ms");
		CHECK_EQ(model_event(m, MODEL_EV_WORK_EVAC_RUNS), 1);
		CHECK_EQ(moves, timed ? 0 : 8);
		CHECK_EQ(normal_spb(m, 0).nr_free, timed ? 0 : 8);
		model_advance(m, 11000000);
		if (timed) {
			CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_ENOMEM);
			CHECK_EQ(model_event(m, MODEL_EV_SPB_EVAC_QUEUED), 1);
			CHECK_EQ(model_event(m, MODEL_EV_SPB_EVAC_IN_FLIGHT), 1); /* absorbed */
			model_advance(m, 100000 + pb_ns - 1000);
			CHECK_EQ(moves, 0);
			model_advance(m, 100000 + pb_ns);
			CHECK_EQ(moves, 1); /* the first pageblock's migration is over */
			CHECK_EQ(normal_spb(m, 0).nr_free, 1);
			CHECK_EQ(model_event(m, MODEL_EV_SPB_EVAC_PAGEBLOCKS), 0);
			model_advance(m, 100000 + 8 * pb_ns);
			check_model(m, "evacuated");
			CHECK_EQ(moves, 8);
			CHECK_EQ(model_event(m, MODEL_EV_SPB_EVAC_PAGEBLOCKS), 8);
			CHECK_EQ(model_event(m, MODEL_EV_WORK_EVAC_BUSY_NS), 8 * pb_ns);
		} else {
			CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK);
			CHECK_EQ(model_event(m, MODEL_EV_SPB_EVAC_IN_FLIGHT), 0);
			CHECK_EQ(model_event(m, MODEL_EV_WORK_EVAC_BUSY_NS), 0);
		}
		CHECK_EQ(model_event(m, MODEL_EV_WORK_EVAC_RUNS), 1);
		model_destroy(m);
	}
	printf("worker time: an 8-pageblock evacuation frees each pageblock when its migration is "
	       "over (51 ms each) and absorbs a second trigger; instant, it served it\n");
}

static void slow_shrink(struct model_params *p)
{
	p->shrink_round_ns = 1000000; /* 1 ms a round: 7 ms a run */
}

/*
 * The shrink work's pending bit clears when the run starts (queue_work): a trigger during the
 * run queues one more run behind it, the triggers after that are absorbed, and the second run
 * starts when the first is over.
 */
static void test_worker_time_shrink(void)
{
	struct model *m = make(MODEL_POLICY_SPB, 2, slow_shrink);
	model_set_shrink_callback(m, fake_shrink, NULL);
	build_nearly_full_tainted(m);
	shrink_calls = 0;

	alloc_ok(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL); /* proactive: queued */
	CHECK_EQ(model_event(m, MODEL_EV_SPB_SLAB_SHRINK_QUEUED), 1);
	model_advance(m, 200000);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_SLAB_SHRINK_RAN), 1);
	CHECK_EQ(shrink_calls, 1);
	alloc_ok(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL); /* during the run: queued again */
	CHECK_EQ(model_event(m, MODEL_EV_SPB_SLAB_SHRINK_QUEUED), 2);
	uint64_t absorbed = model_event(m, MODEL_EV_SPB_SLAB_SHRINK_ABSORBED);
	alloc_ok(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL); /* pending: absorbed */
	CHECK_EQ(model_event(m, MODEL_EV_SPB_SLAB_SHRINK_QUEUED), 2);
	CHECK(model_event(m, MODEL_EV_SPB_SLAB_SHRINK_ABSORBED) > absorbed);
	model_advance(m, 7000000);
	CHECK_EQ(shrink_calls, 7);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_SLAB_SHRINK_RAN), 1); /* the second waits */
	model_advance(m, 7200000);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_SLAB_SHRINK_RAN), 2);
	model_advance(m, 20000000);
	CHECK_EQ(shrink_calls, 14);
	CHECK_EQ(model_event(m, MODEL_EV_WORK_SHRINK_BUSY_NS), 14 * 1000000ull);
	check_model(m, "shrink");
	model_destroy(m);
	printf("worker time: a shrink trigger during a run queues one more behind it, later ones "
	       "are absorbed\n");
}

static void slow_defrag(struct model_params *p)
{
	workers_on(p);
	p->migrate_page_ns = 100000; /* 114 us a pageblock holding one movable page */
}

static void two_cpus(struct model_config *c)
{
	c->nr_cpus = 2;
}

/* Region r of Normal tainted, one movable page in every pageblock: its defrag is queued. */
static void build_defrag_candidate(struct model *m, unsigned r)
{
	uint64_t base = NORMAL0 + (uint64_t)r * GiB_PAGES;
	CHECK_EQ(model_alloc_at(m, base, 0, MIGRATE_UNMOVABLE, false), MODEL_OK);
	for (uint64_t pb = base; pb < base + GiB_PAGES; pb += PAGEBLOCK_NR_PAGES)
		CHECK_EQ(model_alloc_at(m, pb + 64, 0, MIGRATE_MOVABLE, true), MODEL_OK);
}

/*
 * kevacuate is a per-CPU workqueue with max_active 1: two SPBs' defrag works queued from one
 * CPU run one after the other, from two CPUs side by side. Each run frees 16 pageblocks at
 * 114 us each (1.9 ms).
 */
static void test_worker_time_pools(void)
{
	for (unsigned cpu1 = 0; cpu1 < 2; cpu1++) {
		struct model *m = make_zones(MODEL_POLICY_SPB, 3, slow_defrag, two_cpus);
		struct model_alloc_req q = { .order = 0,
					     .migratetype = MIGRATE_MOVABLE,
					     .gfp = MODEL_GFP_HIGHUSER_MOVABLE,
					     .cpu = (int)cpu1,
					     .movable = true };
		uint64_t pfn;
		build_defrag_candidate(m, 0);
		CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK); /* the next trigger's CPU */
		CHECK(pfn < NORMAL0 + 2 * GiB_PAGES);	      /* in the clean region 1 */
		build_defrag_candidate(m, 2);
		CHECK_EQ(model_event(m, MODEL_EV_SPB_DEFRAG_QUEUED), 2);
		model_advance(m, 1000000);
		check_model(m, "pools, 1 ms");
		CHECK_EQ(model_event(m, MODEL_EV_SPB_DEFRAG_RAN), cpu1 ? 2 : 1);
		model_advance(m, 3000000);
		CHECK_EQ(model_event(m, MODEL_EV_SPB_DEFRAG_RAN), 2);
		model_advance(m, 10000000);
		check_model(m, "pools, 10 ms");
		CHECK(normal_spb(m, 0).nr_free >= 16);
		CHECK(normal_spb(m, 2).nr_free >= 16);
		model_destroy(m);
	}
	printf("worker time: defrag works queued from one CPU run in turn, from two side by "
	       "side\n");
}

static void test_exhausted_evacuation_bounded(void)
{
	struct model *m = make(MODEL_POLICY_SPB, 1, evacuation_only);
	struct model_alloc_req q = { .order = 0,
				     .migratetype = MIGRATE_UNMOVABLE,
				     .gfp = MODEL_GFP_KERNEL };
	struct model_stats s1, s2, s3;
	uint64_t pfn;

	for (uint64_t p = 4096; p < 4096 + 8192; p += PAGEBLOCK_NR_PAGES)
		CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_UNMOVABLE, false), MODEL_OK);
	for (unsigned i = 0; i < SUPERPAGEBLOCK_NR_PAGEBLOCKS; i++)
		CHECK_EQ(model_alloc_at(m, NORMAL0 + (uint64_t)i * PAGEBLOCK_NR_PAGES,
					PAGEBLOCK_ORDER,
					i < 256 ? MIGRATE_UNMOVABLE : MIGRATE_MOVABLE, i >= 256),
			 MODEL_OK);
	check_model(m, "exhausted");
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_ENOMEM);
	model_stats(m, &s1);
	CHECK_EQ(s1.events[MODEL_EV_SPB_EVAC_RAN], 2); /* one per zone of the zonelist */
	CHECK_EQ(s1.events[MODEL_EV_SPB_EVAC_PAGEBLOCKS], 8);
	CHECK_EQ(s1.events[MODEL_EV_PGMIGRATE_FAIL], 8 * PAGEBLOCK_NR_PAGES);
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_ENOMEM);
	model_stats(m, &s2);
	CHECK_EQ(s2.events[MODEL_EV_SPB_EVAC_RAN], 4);
	CHECK_EQ(s2.events[MODEL_EV_SPB_EVAC_PAGEBLOCKS], 16);
	/* was 8 * 512 while a failed migration set the skip bit: the same 8 are retried */
	CHECK_EQ(s2.events[MODEL_EV_PGMIGRATE_FAIL], 16 * PAGEBLOCK_NR_PAGES);
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_ENOMEM);
	model_stats(m, &s3);
	for (unsigned ev = 0; ev < MODEL_NR_VM_EVENTS; ev++)
		CHECK_EQ(s3.events[ev] - s2.events[ev], s2.events[ev] - s1.events[ev]);
	check_model(m, "failed three times");
	CHECK_EQ(model_free(m, NORMAL0, PAGEBLOCK_ORDER), MODEL_OK);
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK);
	check_model(m, "served");
	model_destroy(m);
	printf("exhaustion: evacuation attempts 8 pageblocks per SPB, a failed migration does not "
	       "skip-mark them, and a repeated failure costs what the first did\n");
}

/*
 * The compaction skip bit (isolate_migratepages_block): set when a scan from a pageblock's
 * start isolates nothing. Pageblock 511 of the nearly full tainted SPB gets a movable order-5
 * allocation beside its unmovable pages; the first evacuation moves it out and the closing
 * rescan isolates nothing, so 511 is skip-marked. A new movable allocation there is not
 * touched by the next evacuation (it attempts the pageblock and passes over it), until the
 * defrag worker's walk clears the SPB's skip bits.
 */
static void test_evacuation_skip_bit(void)
{
	struct model *m = make(MODEL_POLICY_SPB, 2, evacuation_only);
	struct model_alloc_req q = { .order = PAGEBLOCK_ORDER,
				     .migratetype = MIGRATE_UNMOVABLE,
				     .gfp = MODEL_GFP_NOWAIT };
	uint64_t pb511 = NORMAL0 + 511 * PAGEBLOCK_NR_PAGES, pfn;

	model_set_migrate_callback(m, on_migrate, NULL);
	build_nearly_full_tainted(m);
	CHECK_EQ(model_alloc_at(m, pb511 + 416, 5, MIGRATE_MOVABLE, true), MODEL_OK);
	moves = 0;
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_ENOMEM); /* refused, queues evacuation */
	CHECK_EQ(model_event(m, MODEL_EV_SPB_EVAC_QUEUED), 1);
	model_advance(m, 10000000);
	check_model(m, "first evacuation");
	CHECK_EQ(model_event(m, MODEL_EV_SPB_EVAC_PAGEBLOCKS), 2); /* 510 and 511 */
	CHECK_EQ(moves, 2);
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK); /* Pass 2 takes the freed 510 */
	CHECK_EQ(pfn, NORMAL0 + 510 * PAGEBLOCK_NR_PAGES);

	/* movable content arrives again in the skip-marked pageblock 511 */
	CHECK_EQ(model_alloc_at(m, pb511 + 416, 5, MIGRATE_MOVABLE, true), MODEL_OK);
	model_advance(m, 20000000); /* past the 10 ms throttle */
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_ENOMEM);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_EVAC_QUEUED), 2);
	model_advance(m, 20200000);
	check_model(m, "second evacuation");
	CHECK_EQ(model_event(m, MODEL_EV_SPB_EVAC_RAN), 2);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_EVAC_PAGEBLOCKS), 3); /* attempted, counted */
	CHECK_EQ(moves, 2);					   /* but passed over */
	CHECK_EQ(normal_spb(m, 0).nr_movable, 1);
	model_destroy(m);
	printf("skip bit: set when a scan isolates nothing (after a full evacuation), honoured by "
	       "the next one\n");
}

static void test_stats(void)
{
	struct model *m = make(MODEL_POLICY_SPB, 2, NULL);
	struct model_stats st;

	model_stats(m, &st);
	CHECK_EQ(st.contig_1g_possible, 2);
	CHECK_EQ(st.empty_regions, 3); /* DMA32's region and the two Normal ones */
	CHECK_EQ(st.spb_empty, 3);
	CHECK(st.unusable_index[MAX_PAGE_ORDER] == 0.0);
	CHECK(st.extfrag_index[MAX_PAGE_ORDER] == -1.0);
	build_unmovable_sieve(m);
	model_stats(m, &st);
	CHECK_EQ(st.contig_1g_possible, 1);
	CHECK_EQ(st.tainted_regions, 1);
	CHECK_EQ(st.spb_by_list[SB_TAINTED][SB_FULL], 1);
	CHECK_EQ(st.contig_2m_free, 512 + 16); /* region 1 and DMA32 */
	/* Normal's free memory is half single pages: half of it is unusable at order 1. */
	CHECK(st.unusable_index[1] > 0.3 && st.unusable_index[1] < 0.4);
	uint8_t cls[8];
	CHECK_EQ(model_region_classes(m, cls, NULL, 8), 3);
	CHECK_EQ(cls[0], REGION_EMPTY);
	CHECK_EQ(cls[1], REGION_TAINTED);
	CHECK_EQ(cls[2], REGION_EMPTY);
	model_destroy(m);
	printf("stats: contiguous capacity, region classes and the kernel's fragmentation "
	       "indices\n");
}

/* Two nodes: preferred-node placement, __GFP_THISNODE, per-node shrink work. */
static void test_two_nodes(void)
{
	struct model_config c;
	int err;

	memset(&c, 0, sizeof(c));
	c.policy = MODEL_POLICY_SPB;
	model_params_default(&c.params);
	c.nr_zones = 3;
	c.zones[0] = (struct model_zone_config){
		.nid = 0, .type = ZONE_DMA32, .start_pfn = 4096, .spanned_pages = 8192
	};
	c.zones[1] = (struct model_zone_config){
		.nid = 0, .type = ZONE_NORMAL, .start_pfn = NORMAL0, .spanned_pages = GiB_PAGES
	};
	c.zones[2] = (struct model_zone_config){ .nid = 1,
						 .type = ZONE_NORMAL,
						 .start_pfn = 2 * GiB_PAGES,
						 .spanned_pages = GiB_PAGES };
	struct model *m = model_create(&c, &err);
	CHECK_FATAL(m != NULL);
	struct model_alloc_req q = { .order = 0,
				     .migratetype = MIGRATE_MOVABLE,
				     .gfp = MODEL_GFP_HIGHUSER_MOVABLE,
				     .nid = 1,
				     .movable = true };
	uint64_t pfn;
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK);
	CHECK(pfn >= 2 * GiB_PAGES);
	q.nid = 0;
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK);
	CHECK(pfn >= NORMAL0 && pfn < 2 * GiB_PAGES);
	/* Node 1 full: a THISNODE request fails, a plain one falls back to node 0. */
	struct model_alloc_req big = { .order = MAX_PAGE_ORDER,
				       .migratetype = MIGRATE_MOVABLE,
				       .gfp = MODEL_GFP_HIGHUSER_MOVABLE,
				       .nid = 1,
				       .movable = true };
	while (model_alloc(m, &big, &pfn) == MODEL_OK && pfn >= 2 * GiB_PAGES)
		;
	CHECK(pfn < 2 * GiB_PAGES); /* the last one came from node 0 */
	big.gfp |= MODEL_GFP_THISNODE;
	big.order = 0;
	unsigned left = 0;
	while (model_alloc(m, &big, &pfn) == MODEL_OK) {
		CHECK(pfn >= 2 * GiB_PAGES);
		left++;
	}
	CHECK_EQ(left, 1023); /* what the first order-0 allocation split off */
	check_model(m, "two nodes");
	model_destroy(m);
	printf("two nodes: the preferred node first, THISNODE stays there\n");
}

/* A defrag pass that frees nothing starts the 5 s cooldown. */
static void test_defrag_cooldown(void)
{
	struct model *m = make(MODEL_POLICY_SPB, 2, workers_on);
	model_set_migrate_callback(m, on_migrate, NULL);
	CHECK_EQ(model_alloc_at(m, NORMAL0, 0, MIGRATE_UNMOVABLE, false), MODEL_OK);
	for (uint64_t pb = NORMAL0; pb < NORMAL0 + GiB_PAGES; pb += PAGEBLOCK_NR_PAGES) {
		CHECK_EQ(model_alloc_at(m, pb + 64, 0, MIGRATE_MOVABLE, true), MODEL_OK);
		CHECK_EQ(model_alloc_at(m, pb + 128, 0, MIGRATE_UNMOVABLE, false), MODEL_OK);
	}
	/* Every pageblock keeps an unmovable page: evacuating the movable one frees none. */
	CHECK_EQ(model_event(m, MODEL_EV_SPB_DEFRAG_QUEUED), 1);
	model_advance(m, 100000000); /* 512 pageblocks, 27 us each */
	CHECK_EQ(model_event(m, MODEL_EV_SPB_DEFRAG_RAN), 1);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_DEFRAG_NO_PROGRESS), 1);
	CHECK_EQ(normal_spb(m, 0).nr_free, 0);
	/* The movable pages have gone; new ones come back and the SPB is re-filed... */
	for (uint64_t pb = NORMAL0; pb < NORMAL0 + 8 * PAGEBLOCK_NR_PAGES; pb += PAGEBLOCK_NR_PAGES)
		CHECK_EQ(model_alloc_at(m, pb + 200, 0, MIGRATE_MOVABLE, true), MODEL_OK);
	model_advance(m, 2000000000ull); /* 2 s: still cooling down */
	CHECK_EQ(model_event(m, MODEL_EV_SPB_DEFRAG_QUEUED), 1);
	model_advance(m, 7000000000ull); /* past 5 s: the next update queues it again */
	CHECK_EQ(model_alloc_at(m, NORMAL0 + 300, 0, MIGRATE_MOVABLE, true), MODEL_OK);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_DEFRAG_QUEUED), 2);
	check_model(m, "cooldown");
	model_destroy(m);
	printf("defrag: no progress starts a 5 s cooldown\n");
}

/*
 * The HIGHATOMIC reserve (rmqueue_buddy, reserve_highatomic_pageblock,
 * unreserve_highatomic_pageblock). DMA32 and the Normal SPB are full but for pageblock 511's
 * 96 free pages; a low watermark above all memory sends every request to the slowpath, whose
 * minimum is 0. Tagged UNMOVABLE, 511 offers nothing __rmqueue_smallest(HIGHATOMIC) can claim,
 * so a GFP_ATOMIC order-1 request is served by __rmqueue and 511 is reserved: relabelled
 * HIGHATOMIC with its free pages. A GFP_ATOMIC order-0 request (ALLOC_NON_BLOCK) finds nothing
 * elsewhere and falls back to the reserve; a GFP_KERNEL one fails everywhere, and the reserve is
 * given back to it. Tagged MOVABLE (its free pages MOVABLE fragments of a tainted SPB), 511 is
 * claimed by the HIGHATOMIC try itself (Pass 2b relabels it), which reserves nothing: the
 * series' tainted-pageblock claim.
 */
static void wmark_low_everything(struct model_config *c)
{
	for (unsigned z = 0; z < c->nr_zones; z++)
		c->zones[z].wmark_low = 1ull << 40;
}

static void no_highatomic(struct model_params *p)
{
	p->highatomic = false;
}

static struct model *make_highatomic(bool highatomic, int pb511_mt)
{
	struct model *m = make_zones(MODEL_POLICY_SPB, 1, highatomic ? NULL : no_highatomic,
				     wmark_low_everything);

	for (uint64_t p = 4096; p < 4096 + 8192; p += PAGEBLOCK_NR_PAGES)
		CHECK_EQ(model_alloc_at(m, p, PAGEBLOCK_ORDER, MIGRATE_UNMOVABLE, false), MODEL_OK);
	build_nearly_full_tainted(m);
	CHECK_EQ(model_set_pageblock_migratetype(m, NORMAL0 + 511 * PAGEBLOCK_NR_PAGES, pb511_mt),
		 MODEL_OK);
	check_model(m, "highatomic setup");
	return m;
}

static uint64_t highatomic_pageblocks(struct model *m)
{
	struct model_stats st;
	model_stats(m, &st);
	return st.pageblocks_by_mt[MIGRATE_HIGHATOMIC];
}

static void test_highatomic(void)
{
	uint64_t pb511 = NORMAL0 + 511 * PAGEBLOCK_NR_PAGES, pfn;
	struct model *m = make_highatomic(true, MIGRATE_UNMOVABLE);

	pfn = alloc_ok(m, 1, MIGRATE_UNMOVABLE, MODEL_GFP_ATOMIC);
	CHECK(pfn >= pb511 && pfn < pb511 + PAGEBLOCK_NR_PAGES);
	CHECK_EQ(model_event(m, MODEL_EV_HIGHATOMIC_RESERVE), 1);
	CHECK_EQ(highatomic_pageblocks(m), 1);
	check_model(m, "reserved");
	pfn = alloc_ok(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_ATOMIC); /* from the reserve */
	CHECK(pfn >= pb511 && pfn < pb511 + PAGEBLOCK_NR_PAGES);
	CHECK_EQ(model_event(m, MODEL_EV_HIGHATOMIC_UNRESERVE), 0);
	check_model(m, "non-block fallback");
	pfn = alloc_ok(m, 0, MIGRATE_UNMOVABLE, MODEL_GFP_KERNEL); /* once it is given back */
	CHECK(pfn >= pb511 && pfn < pb511 + PAGEBLOCK_NR_PAGES);
	CHECK_EQ(model_event(m, MODEL_EV_HIGHATOMIC_UNRESERVE), 1);
	CHECK_EQ(highatomic_pageblocks(m), 0);
	check_model(m, "unreserved");
	model_destroy(m);

	m = make_highatomic(true, MIGRATE_MOVABLE);
	pfn = alloc_ok(m, 1, MIGRATE_UNMOVABLE, MODEL_GFP_ATOMIC);
	CHECK(pfn >= pb511 && pfn < pb511 + PAGEBLOCK_NR_PAGES);
	CHECK_EQ(model_event(m, MODEL_EV_PASS_2B), 1);
	CHECK_EQ(highatomic_pageblocks(m), 1);
	CHECK_EQ(model_event(m, MODEL_EV_HIGHATOMIC_RESERVE), 0);
	check_model(m, "claimed");
	model_destroy(m);

	/* highatomic=0, the model before: __rmqueue only, nothing relabelled */
	m = make_highatomic(false, MIGRATE_MOVABLE);
	alloc_ok(m, 1, MIGRATE_UNMOVABLE, MODEL_GFP_ATOMIC);
	CHECK_EQ(highatomic_pageblocks(m), 0);
	model_destroy(m);
	printf("highatomic: reserved after a high-order atomic allocation, used by a non-blocking "
	       "one, given back to a failing GFP_KERNEL one; the HIGHATOMIC try claims tainted "
	       "pageblocks\n");
}

static void test_pcp_refill(void)
{
	struct model *m = make(MODEL_POLICY_SPB, 2, NULL);
	struct model_alloc_req q = { .order = 0,
				     .migratetype = MIGRATE_MOVABLE,
				     .gfp = MODEL_GFP_HIGHUSER_MOVABLE,
				     .movable = true };
	struct model_block blocks[2048];
	unsigned n;
	uint64_t pages = 0;
	struct model_stats st;

	/* Phase 1 takes two whole pageblocks, Phase 3 the rest one page at a time. */
	CHECK_EQ(model_alloc_bulk(m, &q, 1100, blocks, 2048, &n), MODEL_OK);
	check_model(m, "movable refill");
	CHECK_EQ(n, 2 + 76);
	CHECK_EQ(blocks[0].order, PAGEBLOCK_ORDER);
	CHECK_EQ(blocks[1].order, PAGEBLOCK_ORDER);
	for (unsigned i = 0; i < n; i++)
		pages += 1u << blocks[i].order;
	CHECK_EQ(pages, 1100);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(model_free(m, blocks[i].pfn, blocks[i].order), MODEL_OK);
	check_model(m, "drained");
	model_stats(m, &st);
	CHECK_EQ(st.free_pages, st.present_pages);
	model_destroy(m);

	/* Non-movable, on the unmovable sieve: Phase 2 adopts one fragment from the tainted SPB. */
	m = make(MODEL_POLICY_SPB, 2, NULL);
	build_unmovable_sieve(m);
	q = (struct model_alloc_req){ .order = 0,
				      .migratetype = MIGRATE_UNMOVABLE,
				      .gfp = MODEL_GFP_KERNEL };
	CHECK_EQ(model_alloc_bulk(m, &q, 64, blocks, 2048, &n), MODEL_OK);
	check_model(m, "unmovable refill");
	CHECK_EQ(n, 64);
	for (unsigned i = 0; i < n; i++)
		CHECK(blocks[i].pfn < NORMAL0 + GiB_PAGES);
	CHECK_EQ(tainted_regions(m), 1);
	model_destroy(m);
	printf("pcp refill: whole pageblocks first for movable, a tainted fragment for "
	       "unmovable\n");
}

/* model_set_movable (__SetPageMovable / folio_add_lru): one bit and the pageblock's count. */
static void test_set_movable(void)
{
	struct model *m = make(MODEL_POLICY_SPB, 2, NULL);
	uint64_t pfn = NORMAL0 + 8;

	CHECK_EQ(model_alloc_at(m, pfn, 2, MIGRATE_MOVABLE, false), MODEL_OK);
	check_model(m, "allocated unmovable-flagged");
	CHECK_EQ(model_set_movable(m, pfn, true), MODEL_OK);
	check_model(m, "set movable"); /* the checker recounts each pageblock's movable pages */
	CHECK_EQ(model_set_movable(m, pfn, true), MODEL_OK);
	check_model(m, "set movable twice");
	CHECK_EQ(model_set_movable(m, pfn, false), MODEL_OK);
	check_model(m, "cleared");
	CHECK_EQ(model_set_movable(m, pfn + 4, true), MODEL_ESTATE); /* a free page */
	CHECK_EQ(model_set_movable(m, 1ull << 40, true), MODEL_EINVAL);
	unsigned order = 0;
	CHECK_EQ(model_page_allocated(m, pfn, &order), 1);
	CHECK_EQ(order, 2);
	CHECK_EQ(model_free(m, pfn, 2), MODEL_OK);
	check_model(m, "freed");
	model_destroy(m);
	printf("set_movable: flips the flag and the movable count, refuses free pages\n");
}

/*
 * The free scanner (model_compaction_alloc) from the top of a 3 GiB zone: past a region with no
 * free page (taken in one step), past a pageblock that is the upper half of a free order-10
 * block (all free, no head: nothing to take) and its lower half (one free block of more than
 * pageblock order: not a target), to the one free page of its region; then down into the
 * lowest region, to the lowest free block of the pageblock a split left there.
 */
static void fill_blocks(struct model *m, uint64_t from, uint64_t to, uint64_t keep1, uint64_t keep2)
{
	for (uint64_t p = from; p < to; p += 1u << MAX_PAGE_ORDER)
		if (p != keep1 && p != keep2)
			CHECK_EQ(model_alloc_at(m, p, MAX_PAGE_ORDER, MIGRATE_MOVABLE, true),
				 MODEL_OK);
}

static void test_free_scanner_regions(void)
{
	struct model *m = make(MODEL_POLICY_SPB, 3, NULL);
	uint64_t r2 = NORMAL0 + GiB_PAGES, r3 = r2 + GiB_PAGES, dst;
	uint64_t y = r2 + 100 * PAGEBLOCK_NR_PAGES, z = r2 + 200 * PAGEBLOCK_NR_PAGES;
	uint64_t split = NORMAL0 + 5 * PAGEBLOCK_NR_PAGES;

	printf("free scanner across regions\n");
	fill_blocks(m, r3, r3 + GiB_PAGES, MODEL_NO_PFN, MODEL_NO_PFN);
	/* region 2: all taken but the order-10 block at z and the last page of pageblock y */
	fill_blocks(m, r2, r3, z, y);
	CHECK_EQ(model_alloc_at(m, y + PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER, MIGRATE_MOVABLE, true),
		 MODEL_OK);
	for (unsigned o = PAGEBLOCK_ORDER - 1, off = 0; off < PAGEBLOCK_NR_PAGES - 1;
	     off += 1u << o, o = o ? o - 1 : 0)
		CHECK_EQ(model_alloc_at(m, y + off, o, MIGRATE_MOVABLE, true), MODEL_OK);
	CHECK_EQ(model_alloc_at(m, split, 0, MIGRATE_MOVABLE, true), MODEL_OK);
	check_model(m, "free scanner set-up");

	CHECK_EQ(model_compaction_alloc(m, NORMAL0, 0, &dst), MODEL_OK);
	CHECK_EQ(dst, y + PAGEBLOCK_NR_PAGES - 1);
	CHECK_EQ(model_compaction_alloc(m, NORMAL0, 0, &dst), MODEL_OK);
	CHECK_EQ(dst, split + 1);
	CHECK_EQ(model_compaction_alloc(m, NORMAL0, 1, &dst), MODEL_OK);
	CHECK_EQ(dst, split + 2);
	check_model(m, "free scanner");
	model_destroy(m);
}

/*
 * A replayed migration whose model page lies above the host's (model_compaction_no_target,
 * model_compaction_alloc_above): the 1 GiB zone is all allocated but one page of a low
 * pageblock. Above the model's source nothing is free (none_above); above the host's source,
 * lower, that page is (source_high), and the scanner bounded by the host's source takes it.
 */
static void test_free_scanner_host_bound(void)
{
	struct model *m = make(MODEL_POLICY_MAINLINE, 1, NULL);
	uint64_t low = NORMAL0 + 20 * PAGEBLOCK_NR_PAGES, keep = NORMAL0 + 20 * PAGEBLOCK_NR_PAGES;
	uint64_t src = NORMAL0 + 100 * PAGEBLOCK_NR_PAGES, host = NORMAL0 + 2 * PAGEBLOCK_NR_PAGES;
	uint64_t dst;

	printf("free scanner bounded by the host's source\n");
	keep &= ~((1ull << MAX_PAGE_ORDER) - 1);
	fill_blocks(m, NORMAL0, NORMAL0 + GiB_PAGES, keep, MODEL_NO_PFN);
	CHECK_EQ(model_alloc_at(m, keep + PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER, MIGRATE_MOVABLE,
				true),
		 MODEL_OK);
	for (unsigned o = PAGEBLOCK_ORDER - 1, off = 0; off < PAGEBLOCK_NR_PAGES - 1;
	     off += 1u << o, o = o ? o - 1 : 0)
		CHECK_EQ(model_alloc_at(m, low + off, o, MIGRATE_MOVABLE, true), MODEL_OK);
	check_model(m, "host bound set-up");

	CHECK_EQ(model_compaction_alloc(m, src, 0, &dst), MODEL_ENOMEM);
	CHECK_EQ(model_compaction_no_target(m, src, src, MODEL_NO_PFN, 0), MODEL_NT_NONE_ABOVE);
	CHECK_EQ(model_compaction_no_target(m, src, src, host, 0), MODEL_NT_SOURCE_HIGH);
	/* order 9 is not served at all; a scanner at a pfn outside the model is at the source */
	CHECK_EQ(model_compaction_no_target(m, src, src, host, PAGEBLOCK_ORDER), MODEL_NT_ORDER);
	CHECK_EQ(model_compaction_no_target(m, src, UINT64_MAX, host, 0), MODEL_NT_SOURCE_HIGH);
	/* the scanner at the host's source (compaction_host_scanner): what lies above it, the
	 * free page of the low pageblock (no block of order 1 there: small; none of order 0 above
	 * the model's source, which this scan does not look at) */
	CHECK_EQ(model_compaction_no_target(m, src, host, host, 1), MODEL_NT_SMALL);
	CHECK_EQ(model_compaction_alloc_above(m, src, host, 0, &dst), MODEL_OK);
	CHECK_EQ(dst, low + PAGEBLOCK_NR_PAGES - 1);
	CHECK_EQ(model_compaction_alloc_above(m, src, host, 0, &dst), MODEL_ENOMEM);
	check_model(m, "host bound");
	model_destroy(m);
}

/*
 * model_prep_compound (prep_compound_page): a THP the warm start took as 512 order-0 pages is one
 * order-9 allocation again, freed whole; refused when a page of the range is free or of another
 * type.
 */
static void test_prep_compound(void)
{
	for (int policy = 0; policy < 2; policy++) {
		struct model *m = make(policy ? MODEL_POLICY_SPB : MODEL_POLICY_MAINLINE, 1, NULL);
		uint64_t pfn = NORMAL0 + PAGEBLOCK_NR_PAGES, free_before = model_nr_free_pages(m);
		unsigned order = 99;

		CHECK_EQ(model_alloc_at(m, pfn, PAGEBLOCK_ORDER, MIGRATE_MOVABLE, true), MODEL_OK);
		CHECK_EQ(model_split(m, pfn, PAGEBLOCK_ORDER), MODEL_OK);
		CHECK_EQ(model_prep_compound(m, pfn + 1, PAGEBLOCK_ORDER), MODEL_EINVAL);
		CHECK_EQ(model_set_movable(m, pfn + 7, false), MODEL_OK); /* another kind of page */
		CHECK_EQ(model_prep_compound(m, pfn, PAGEBLOCK_ORDER), MODEL_ESTATE);
		CHECK_EQ(model_set_movable(m, pfn + 7, true), MODEL_OK);
		CHECK_EQ(model_prep_compound(m, pfn, PAGEBLOCK_ORDER), MODEL_OK);
		check_model(m, "prep_compound");
		CHECK_EQ(model_page_allocated(m, pfn, &order), 1);
		CHECK_EQ(order, PAGEBLOCK_ORDER);
		CHECK_EQ(model_free(m, pfn, PAGEBLOCK_ORDER), MODEL_OK);
		check_model(m, "prep_compound freed");
		CHECK_EQ(model_nr_free_pages(m), free_before);
		/* a free page inside the range */
		CHECK_EQ(model_alloc_at(m, pfn, PAGEBLOCK_ORDER, MIGRATE_MOVABLE, true), MODEL_OK);
		CHECK_EQ(model_split(m, pfn, PAGEBLOCK_ORDER), MODEL_OK);
		CHECK_EQ(model_free(m, pfn + 300, 0), MODEL_OK);
		CHECK_EQ(model_prep_compound(m, pfn, PAGEBLOCK_ORDER), MODEL_ESTATE);
		check_model(m, "prep_compound refused");
		model_destroy(m);
	}
	printf("prep_compound: 512 order-0 pages of one kind become one order-9 block, freed "
	       "whole\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_pass_2b_from_tainted_spb();
	test_pass_2c();
	test_highorder_refusal();
	test_free_relabels_pageblock();
	test_mainline_yardstick();
	test_workers();
	test_slab_shrink_single_flight();
	test_demand_evacuation();
	test_worker_time_evacuation();
	test_worker_time_shrink();
	test_worker_time_pools();
	test_exhausted_evacuation_bounded();
	test_evacuation_skip_bit();
	test_highatomic();
	test_pcp_refill();
	test_stats();
	test_two_nodes();
	test_defrag_cooldown();
	test_set_movable();
	test_prep_compound();
	test_free_scanner_regions();
	test_free_scanner_host_bound();
	printf("model passes: all scenarios behave as the series describes\n");
	return test_summary("test_model_passes");
}
