// SPDX-License-Identifier: GPL-2.0
/*
 * test_model_shortcuts.c - the model's walk shortcuts against the walks they stand for. The
 * model answers some walks without making them: the SPB fallback search's per-category summary
 * (sb_find_fallback_cat, and __rmqueue_claim's step over the orders it lacks,
 * claim_skip_empty_orders), __rmqueue_smallest's passes over a category with no block they
 * could take (cat_may_serve), the free scanner's region and pageblock skips (region_has_no_target,
 * skip_short_pageblocks, in isolate_freepages and target_above), and async direct compaction's
 * step over a stuck block (mark_stuck_blocks, compact_pageblock). Each claims the walk's exact
 * outcome, counters included. Here two models run the same random workload in lockstep, one
 * with the shortcuts and one with params.exact_walks (every walk made in full), under both
 * policies: every allocation must get the same pfn, every host migration the same destination
 * or the same reason for none, and every counter must agree; the invariant checker runs on
 * both along the way. The workload fills 2 GiB with movable memory (or mostly non-movable),
 * some of it pinned, frees a twentieth, then churns with high-order movable requests (direct
 * compaction), small requests of the other kind (fallbacks) and replayed host migrations.
 * Mutations of skip_short_pageblocks, the stuck-block step and the summary's visit count
 * fail it; the SPB policy claims so rarely here (1-2 claims a run: its passes serve the
 * non-movable requests) that a summary kept past a claim goes unseen. The warm-hint shortcut of
 * a buddy request (alloc_pages_cpu_hint) is checked the same way, also in runs of identical
 * order-0 requests down to a zone below its watermark (fallback_runs), and those requests made
 * as runs (model_alloc_run, the caller's fallback in replay); a run must stop where the
 * watermark stops the singles (alloc_run_last_watermark). SHORTCUTS_EVENTS=1 prints each run's
 * non-zero counters. Expected run: under a second.
 */
#include "model.h"
#include "model_test.h"

#include <string.h>

#define ZONE_END (NORMAL0 + 2 * GiB_PAGES)
#define MAX_LIVE (1u << 20)

/* One model's live allocations: swap-removed array, indexed by pfn. */
struct side {
	struct model *m;
	uint64_t *pfn;
	uint8_t *order;
	int32_t *at; /* at[pfn] = index + 1 */
	unsigned n;
	uint64_t migrated;
};

static void side_add(struct side *s, uint64_t pfn, unsigned order)
{
	CHECK_FATAL(s->n < MAX_LIVE && pfn < ZONE_END && !s->at[pfn]);
	s->pfn[s->n] = pfn;
	s->order[s->n] = (uint8_t)order;
	s->at[pfn] = (int32_t)++s->n;
}

static void side_del(struct side *s, unsigned i)
{
	s->at[s->pfn[i]] = 0;
	if (i != --s->n) {
		s->pfn[i] = s->pfn[s->n];
		s->order[i] = s->order[s->n];
		s->at[s->pfn[i]] = (int32_t)i + 1;
	}
}

/* compaction or evacuation moved an allocation: follow it */
static void on_migrate(void *ctx, uint64_t old_pfn, uint64_t new_pfn, unsigned order)
{
	struct side *s = ctx;
	int32_t i = s->at[old_pfn];

	CHECK_FATAL(i > 0 && s->order[i - 1] == order);
	s->at[old_pfn] = 0;
	s->pfn[i - 1] = new_pfn;
	CHECK_FATAL(!s->at[new_pfn]);
	s->at[new_pfn] = i;
	s->migrated += 1ull << order;
}

/* wmark_low: Normal's low watermark in pages (its min half of it), 0 for none */
static void side_init(struct side *s, enum model_policy policy, bool exact, uint64_t wmark_low)
{
	struct model_config c;
	int err;

	memset(&c, 0, sizeof(c));
	c.policy = policy;
	model_params_default(&c.params);
	c.params.exact_walks = exact;
	test_host_zones(&c, 2);
	c.zones[1].wmark_low = wmark_low;
	c.zones[1].wmark_min = wmark_low / 2;
	memset(s, 0, sizeof(*s));
	s->m = model_create(&c, &err);
	CHECK_FATAL(s->m != NULL);
	s->pfn = calloc(MAX_LIVE, sizeof(*s->pfn));
	s->order = calloc(MAX_LIVE, sizeof(*s->order));
	s->at = calloc(ZONE_END, sizeof(*s->at));
	CHECK_FATAL(s->pfn && s->order && s->at);
	model_set_migrate_callback(s->m, on_migrate, s);
}

static void side_fini(struct side *s)
{
	model_destroy(s->m);
	free(s->pfn);
	free(s->order);
	free(s->at);
}

static void same_counters(const struct side *a, const struct side *b, const char *where)
{
	for (unsigned e = 0; e < MODEL_NR_VM_EVENTS; e++)
		if (model_event(a->m, (enum model_vm_event)e) !=
		    model_event(b->m, (enum model_vm_event)e)) {
			fprintf(stderr, "%s: %s %llu with the shortcuts, %llu without\n", where,
				model_event_name((enum model_vm_event)e),
				(unsigned long long)model_event(a->m, (enum model_vm_event)e),
				(unsigned long long)model_event(b->m, (enum model_vm_event)e));
			CHECK(false);
			return;
		}
	CHECK_EQ(model_nr_free_pages(a->m), model_nr_free_pages(b->m));
	CHECK_EQ(a->n, b->n);
	CHECK_EQ(a->migrated, b->migrated);
}

/*
 * A random request: 80 in 100 small (orders 0-3), of which @nonmovable percent unmovable or
 * reclaimable and the rest movable; 12 movable of orders 4-8 (direct compaction); 8 THP-like.
 */
static struct model_alloc_req random_req(unsigned nonmovable)
{
	struct model_alloc_req q = { .nid = -1, .migratetype = MIGRATE_MOVABLE };
	unsigned r = (unsigned)(rnd() % 100);

	q.gfp = MODEL_GFP_HIGHUSER_MOVABLE;
	if (r < 80) {
		q.order = (unsigned)(rnd() % 4);
		if (rnd() % 100 < nonmovable) {
			q.migratetype = rnd() % 3 ? MIGRATE_UNMOVABLE : MIGRATE_RECLAIMABLE;
			q.gfp = rnd() % 4 ? MODEL_GFP_KERNEL : MODEL_GFP_ATOMIC;
			if (q.migratetype == MIGRATE_RECLAIMABLE)
				q.gfp |= MODEL_GFP_RECLAIMABLE;
		}
	} else if (r < 92) {
		q.order = 4 + (unsigned)(rnd() % 5);
		q.gfp |= MODEL_GFP_COMP;
	} else {
		q.order = PAGEBLOCK_ORDER;
		q.gfp |= MODEL_GFP_COMP | MODEL_GFP_NORETRY;
	}
	q.movable = q.migratetype == MIGRATE_MOVABLE && rnd() % 16; /* 1 in 16 pinned */
	q.cpu = (int)(rnd() % 2);
	return q;
}

static void alloc_both(struct side *a, struct side *b, const struct model_alloc_req *q,
		       unsigned *served)
{
	uint64_t pa = MODEL_NO_PFN, pb = MODEL_NO_PFN;
	int ra = model_alloc(a->m, q, &pa), rb = model_alloc(b->m, q, &pb);

	CHECK_EQ(ra, rb);
	CHECK_EQ(pa, pb);
	if (ra == MODEL_OK && pa == pb) {
		side_add(a, pa, q->order);
		side_add(b, pb, q->order);
		(*served)++;
	}
}

static void free_both_at(struct side *a, struct side *b, unsigned i)
{
	CHECK_EQ(a->pfn[i], b->pfn[i]);
	CHECK_EQ(model_free(a->m, a->pfn[i], a->order[i]), MODEL_OK);
	CHECK_EQ(model_free(b->m, b->pfn[i], b->order[i]), MODEL_OK);
	side_del(a, i);
	side_del(b, i);
}

static void free_both(struct side *a, struct side *b)
{
	free_both_at(a, b, (unsigned)(rnd() % a->n));
}

/*
 * A replayed host migration of a random small movable allocation, the migration scanner at the
 * source: a destination above it, or the same reason for none. Counts (served, none).
 */
static void host_migrate_both(struct side *a, struct side *b, unsigned *served, unsigned *none)
{
	unsigned i = (unsigned)(rnd() % a->n), order = a->order[i];
	uint64_t src = a->pfn[i], da = MODEL_NO_PFN, db = MODEL_NO_PFN;

	if (order >= PAGEBLOCK_ORDER)
		return;
	int ra = model_compaction_alloc_above(a->m, src, src, order, &da);
	int rb = model_compaction_alloc_above(b->m, src, src, order, &db);
	CHECK_EQ(ra, rb);
	CHECK_EQ(da, db);
	if (ra != MODEL_OK) {
		CHECK_EQ(model_compaction_no_target(a->m, src, src, MODEL_NO_PFN, order),
			 model_compaction_no_target(b->m, src, src, MODEL_NO_PFN, order));
		(*none)++;
		return;
	}
	/* the source is freed and the allocation lives on at the destination */
	CHECK_EQ(model_free(a->m, src, order), MODEL_OK);
	CHECK_EQ(model_free(b->m, src, order), MODEL_OK);
	side_del(a, i);
	side_del(b, i);
	side_add(a, da, order);
	side_add(b, db, order);
	(*served)++;
}

/* Fill until the zones' free memory is under 3%, then free a twentieth of what was served. */
static void fill_both(struct side *a, struct side *b, unsigned nonmovable, unsigned *served,
		      unsigned *failed)
{
	while (model_nr_free_pages(a->m) > (ZONE_END - 4096) / 33) {
		struct model_alloc_req q = random_req(nonmovable);
		unsigned before = *served;
		alloc_both(a, b, &q, served);
		if (*served == before && ++*failed > 200000)
			break;
	}
	for (unsigned n = a->n / 20; n; n--)
		free_both(a, b);
}

static void run(enum model_policy policy, uint64_t seed, unsigned churn, unsigned fill_nonmovable,
		unsigned churn_nonmovable)
{
	struct side a, b;
	unsigned served = 0, failed = 0, moved = 0, none = 0;
	uint64_t now = 0;
	char where[64];

	test_rng_state = seed;
	side_init(&a, policy, false, 0);
	side_init(&b, policy, true, 0);
	/* fill with movable memory until the zone's free memory is under 3%, then free a
	 * quarter of it: the non-movable requests of the churn must fall back into it */
	fill_both(&a, &b, fill_nonmovable, &served, &failed);
	check_model(a.m, "fill, shortcuts");
	check_model(b.m, "fill, exact");
	same_counters(&a, &b, "fill");
	failed = 0;
	for (unsigned op = 0; op < churn; op++) {
		unsigned r = (unsigned)(rnd() % 100), before = served;
		if (r < 44 && a.n) {
			free_both(&a, &b);
		} else if (r < 48 && a.n) {
			host_migrate_both(&a, &b, &moved, &none);
		} else {
			struct model_alloc_req q = random_req(churn_nonmovable);
			alloc_both(&a, &b, &q, &served);
			failed += served == before;
		}
		if (op % 256 == 0) {
			now += 1000000; /* 1 ms: the SPB workers run */
			model_advance(a.m, now);
			model_advance(b.m, now);
		}
		if (op % 4096 == 0) {
			snprintf(where, sizeof(where), "churn op %u", op);
			same_counters(&a, &b, where);
		}
		if (op % 32768 == 0) {
			check_model(a.m, "churn, shortcuts");
			check_model(b.m, "churn, exact");
		}
	}
	same_counters(&a, &b, "end");
	check_model(a.m, "end, shortcuts");
	check_model(b.m, "end, exact");
	/* the paths the shortcuts stand in were taken */
	CHECK(failed > 0);
	CHECK(moved > 0);
	CHECK(none > 0);
	CHECK(model_event(a.m, MODEL_EV_DIRECT_COMPACT_RUNS) > 0);
	CHECK(a.migrated > 0);
	if (policy == MODEL_POLICY_SPB)
		CHECK(model_event(a.m, MODEL_EV_SPB_WALK_VISITS) > 0);
	CHECK(model_event(a.m, MODEL_EV_EXTFRAG_FALLBACK) > 0);
	printf("%s seed %llu: %u served, %u failed, %u host migrations (%u without target), "
	       "%llu pages migrated by the model, %llu direct compaction runs, %llu fallbacks: "
	       "identical with and without the shortcuts\n",
	       policy == MODEL_POLICY_SPB ? "spb" : "mainline", (unsigned long long)seed, served,
	       failed, moved + none, none, (unsigned long long)a.migrated,
	       (unsigned long long)model_event(a.m, MODEL_EV_DIRECT_COMPACT_RUNS),
	       (unsigned long long)model_event(a.m, MODEL_EV_EXTFRAG_FALLBACK));
	if (getenv("SHORTCUTS_EVENTS")) /* what the run exercised */
		for (unsigned e = 0; e < MODEL_NR_VM_EVENTS; e++)
			if (model_event(a.m, (enum model_vm_event)e))
				printf("  %s %llu\n", model_event_name((enum model_vm_event)e),
				       (unsigned long long)model_event(a.m,
								       (enum model_vm_event)e));
	side_fini(&a);
	side_fini(&b);
}

/*
 * A caller's fallback after churn: runs of identical order-0 movable requests (a THP fault's
 * order-0 folios, one a call, as replay_fallback.c asks them) from one CPU at a time until
 * Normal falls below its low watermark (56 MiB, above the free non-movable memory the fill
 * leaves), the requests go on to DMA32 and then fail; at the first served from DMA32 the run's
 * last pages in Normal are freed, so Normal's warm hint could serve but its watermark says
 * no. Their buddy allocations take the warm-hint shortcut (alloc_pages_cpu_hint) while it
 * may: the same pfns and counters as the whole call, also at the zone fallback and past the
 * failures that engage the memo. Dropping the shortcut's watermark check fails it.
 */
/*
 * Side a's next requests of a fallback run through model_alloc_run() (up to max of them), side
 * b's one call each: the same pfns. How many a made that way; 0: make the next call singly.
 */
static unsigned alloc_run_both(struct side *a, struct side *b, const struct model_alloc_req *q,
			       unsigned max, unsigned *served)
{
	uint64_t run[64];
	unsigned n = model_alloc_run(a->m, q, max < 64 ? max : 64, run);

	for (unsigned i = 0; i < n; i++) {
		uint64_t pb = MODEL_NO_PFN;
		CHECK_EQ(model_alloc(b->m, q, &pb), MODEL_OK);
		CHECK_EQ(pb, run[i]);
		side_add(a, run[i], 0);
		side_add(b, pb, 0);
		(*served)++;
	}
	return n;
}

static void fallback_runs(uint64_t seed, bool use_run)
{
	struct model_alloc_req q = { .nid = -1,
				     .migratetype = MIGRATE_MOVABLE,
				     .gfp = MODEL_GFP_HIGHUSER_MOVABLE,
				     .movable = true };
	unsigned served = 0, failed = 0, dma32 = 0, run_pages = 0;
	struct side a, b;

	test_rng_state = seed;
	side_init(&a, MODEL_POLICY_SPB, false, 14336);
	side_init(&b, MODEL_POLICY_SPB, true, 14336);
	fill_both(&a, &b, 30, &served, &failed);
	same_counters(&a, &b, "fallback fill");
	failed = 0;
	for (unsigned run = 0; failed < 2048; run++) {
		q.cpu = (int)(run % 2);
		for (unsigned i = 0; i < 512; i++) {
			unsigned before = served;
			unsigned got = use_run ? alloc_run_both(&a, &b, &q, 512 - i, &served) : 0;
			if (got) {
				run_pages += got;
				i += got - 1;
				continue;
			}
			alloc_both(&a, &b, &q, &served);
			if (served == before) {
				failed++;
			} else if (a.pfn[a.n - 1] < NORMAL0 && !dma32++) {
				/* Normal is below its low watermark: give its hinted SPB back the
				 * run's last pages, not enough to lift the zone over the mark */
				for (unsigned n = 32; n && a.n >= 2; n--)
					free_both_at(&a, &b, a.n - 2);
			}
		}
		if (run % 4 == 3) /* the churn between faults frees a little */
			for (unsigned n = 64; n && a.n; n--)
				free_both(&a, &b);
	}
	same_counters(&a, &b, "fallback runs");
	check_model(a.m, "fallback runs, shortcuts");
	check_model(b.m, "fallback runs, exact");
	CHECK(dma32 > 0, "no request reached DMA32");
	CHECK(!use_run || run_pages > served / 2, "model_alloc_run served few requests");
	printf("spb seed %llu: fallback runs%s, %u served (%u from DMA32, %u in runs), %u failed: "
	       "identical with and without the shortcuts\n",
	       (unsigned long long)seed, use_run ? " (model_alloc_run)" : "", served, dma32,
	       run_pages, failed);
	side_fini(&a);
	side_fini(&b);
}

/*
 * model_alloc_run()'s watermark at the run's last call. CPU 0's first order-0 movable page is
 * Normal's first; the rest of that SPB is held (model_alloc_at) but for the next page and the
 * aligned 64 after that. The next page is CPU 0's second, which makes the SPB its hint and
 * leaves the 64 as the only free block there: a run could take all 64. The other SPB is held
 * down to Normal's low mark + k free pages. Then a run of up to 64 on side a and single calls
 * on side b: k calls pass the watermark, so the run must stop at k with the singles' pfns, and
 * the next call go below Normal on both sides. A run whose watermark test reads its first
 * call's free pages instead of its last's takes all 64.
 */
static void hold_at(struct side *a, struct side *b, uint64_t pfn, unsigned order)
{
	CHECK_EQ(model_alloc_at(a->m, pfn, order, MIGRATE_MOVABLE, true), MODEL_OK);
	CHECK_EQ(model_alloc_at(b->m, pfn, order, MIGRATE_MOVABLE, true), MODEL_OK);
}

static void alloc_run_last_watermark(unsigned k)
{
	const uint64_t low = 100000, spb1 = NORMAL0 + SUPERPAGEBLOCK_NR_PAGES;
	struct model_alloc_req q = { .nid = -1,
				     .migratetype = MIGRATE_MOVABLE,
				     .gfp = MODEL_GFP_HIGHUSER_MOVABLE,
				     .movable = true };
	uint64_t run[64], block, p;
	unsigned served = 0, n;
	struct side a, b;

	side_init(&a, MODEL_POLICY_SPB, false, low);
	side_init(&b, MODEL_POLICY_SPB, true, low);
	alloc_both(&a, &b, &q, &served);
	CHECK_FATAL(served == 1 && a.pfn[0] == NORMAL0);
	block = NORMAL0 + 64;
	for (unsigned o = 1; o < PAGEBLOCK_ORDER; o++)
		if (o != 6)
			hold_at(&a, &b, NORMAL0 + (1u << o), o);
	for (p = NORMAL0 + PAGEBLOCK_NR_PAGES; p < spb1; p += PAGEBLOCK_NR_PAGES)
		hold_at(&a, &b, p, PAGEBLOCK_ORDER);
	/* the next page, from the SPB's smallest block by Pass 1, makes it CPU 0's hint */
	alloc_both(&a, &b, &q, &served);
	CHECK_FATAL(served == 2 && a.pfn[1] == NORMAL0 + 1);
	/* the other SPB down to the low mark + k */
	for (p = spb1; model_zone_nr_free_pages(a.m, 1) >= low + k + PAGEBLOCK_NR_PAGES;
	     p += PAGEBLOCK_NR_PAGES)
		hold_at(&a, &b, p, PAGEBLOCK_ORDER);
	for (; model_zone_nr_free_pages(a.m, 1) > low + k; p++)
		hold_at(&a, &b, p, 0);
	CHECK_EQ(model_zone_nr_free_pages(a.m, 1), low + k);
	CHECK_EQ(model_zone_nr_free_pages(b.m, 1), low + k);
	q.cpu = 0;
	n = model_alloc_run(a.m, &q, 64, run);
	CHECK(n == k, "run at low mark + %u: %u calls", k, n);
	for (unsigned i = 0; i < n; i++) {
		uint64_t pb = MODEL_NO_PFN;
		CHECK_EQ(model_alloc(b.m, &q, &pb), MODEL_OK);
		CHECK_EQ(pb, run[i]);
		CHECK(run[i] >= block && run[i] < block + 64, "run page %u at %#llx", i,
		      (unsigned long long)run[i]);
		side_add(&a, run[i], 0);
		side_add(&b, pb, 0);
	}
	/* the next call: below Normal on both sides */
	served = 0;
	alloc_both(&a, &b, &q, &served);
	CHECK(served == 1 && a.pfn[a.n - 1] < NORMAL0, "call %u after the run at %#llx", k + 1,
	      (unsigned long long)a.pfn[a.n - 1]);
	same_counters(&a, &b, "run at the low mark");
	check_model(a.m, "run at the low mark, shortcuts");
	check_model(b.m, "run at the low mark, exact");
	printf("spb: model_alloc_run at Normal's low mark + %u: %u calls, the next from DMA32\n", k,
	       n);
	side_fini(&a);
	side_fini(&b);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	/* movable memory, then non-movable requests: claims and steals of movable pageblocks */
	run(MODEL_POLICY_MAINLINE, 1, 60000, 0, 90);
	run(MODEL_POLICY_SPB, 2, 60000, 0, 90);
	/* non-movable memory, then movable requests: movable falls back into it */
	run(MODEL_POLICY_MAINLINE, 3, 60000, 90, 10);
	run(MODEL_POLICY_SPB, 4, 60000, 90, 10);
	fallback_runs(5, false);
	fallback_runs(6, true);
	alloc_run_last_watermark(1);
	alloc_run_last_watermark(7);
	alloc_run_last_watermark(63);
	return test_summary("test_model_shortcuts");
}
