// SPDX-License-Identifier: GPL-2.0
/*
 * model_workers.c - the series' triggers and deferred work: queue_spb_slab_shrink(),
 * queue_spb_evacuate(), spb_maybe_start_defrag(), spb_react_to_tainted_alloc(), and the work
 * they queue on the per-node kevacuate workqueue: spb_evacuate_for_order(), the per-SPB defrag
 * worker (spb_defrag_tainted) and the slab-shrink worker. evacuate_pageblock() migrates
 * movable allocations through the model's own allocator.
 *
 * Time: work queued at model time t may start at t + worker_latency_ns (irq_work, then
 * queue_work onto the queueing CPU's kworker pool). kevacuate is alloc_workqueue(WQ_MEM_RECLAIM,
 * max_active 1): per CPU, items run one at a time in queueing order. A run goes step by step:
 * one isolated batch (COMPACT_CLUSTER_MAX pages) of evacuation or defrag, or one shrink_slab()
 * round per step; a step's effects land at its model time and the kworker is then busy for
 * what the step did (pages migrated or dropped,
 * pageblocks scanned, objects scanned: the per-unit costs of struct model_params), so trace
 * events interleave with the run as allocations interleave with a kworker. The single-flight
 * gates are held for the whole run: evacuation's in-flight bit and request, a defrag's
 * defrag_active until the run ends; the shrink work's pending bit clears when it starts, as
 * queue_work's does, so one more run can be queued behind the running one (on its CPU: a work
 * item never runs twice at once). Triggers a gate turns away are counted as absorbed.
 * worker_time off makes every step free: each run completes when it starts.
 *
 * Single-flight rules are the kernel's: the shrink work is queued at most once per node until
 * it starts; a defrag work at most once per SPB until it finishes; evacuation at most once per
 * (zone, migratetype, order) in flight, at most once per 10 ms per (zone, migratetype), from a
 * pool of 64 requests.
 *
 * Migration (evacuate_pageblock, the series' loop over isolate_migratepages_range and
 * migrate_pages): the pageblock's movable allocations are isolated in batches of at least
 * COMPACT_CLUSTER_MAX pages; a batch is first offered to the clean-page-cache hook
 * (reclaim_clean_pages_from_list: what the caller drops is freed, not migrated), then each
 * allocation is re-allocated through model_alloc (so it lands where the policy puts movable
 * memory), reported to the migrate callback and freed. No target stops at once (-ENOMEM);
 * a pinned page (seeded migrate_fail_ppm) fails alone and stops the loop after its batch.
 * The compaction skip bit is set when a scan from the pageblock's start isolates nothing:
 * before anything moved, or in the closing rescan once everything has.
 */
#include "model_internal.h"

#include <stddef.h>

static uint64_t rng_next(struct model *m)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return m->rng;
}

/* The CPU a trigger runs on: the running work item's, else the allocating CPU. */
static uint32_t trigger_cpu(const struct model *m)
{
	uint32_t cpu = m->running_work ? m->work_cpu : (uint32_t)m->current_cpu;
	return cpu < m->nr_cpus ? cpu : 0;
}

/* queue_work() onto the kworker pool of @cpu, behind what that pool already holds. */
static void queue_work(struct model *m, struct model_work w, uint32_t cpu)
{
	if (m->work_count == m->work_cap)
		return; /* cannot happen: capacity covers every single-flight item */
	w.due_ns = m->now_ns + m->p.worker_latency_ns;
	w.cpu = cpu;
	w.started = false;
	m->gen++;
	m->work[m->work_count++] = w;
	if (w.due_ns < m->work_next_ns)
		m->work_next_ns = w.due_ns;
	model_due_by(m, w.due_ns);
}

/*
 * The pool a shrink work goes to: a work item that is running is queued again on the pool
 * that runs it (workqueue non-reentrancy), so a second run waits for the first.
 */
static uint32_t shrink_work_cpu(const struct model *m, int nid)
{
	for (size_t i = 0; i < m->work_count; i++)
		if (m->work[i].kind == WORK_SLAB_SHRINK && m->work[i].nid == nid &&
		    m->work[i].started)
			return m->work[i].cpu;
	return trigger_cpu(m);
}

/* queue_spb_slab_shrink(): one work per node; counts only new queueings. */
void queue_spb_slab_shrink(struct model *m, struct zone *z)
{
	if (m->shrink_pending[z->nid]) {
		count_vm_event(m, MODEL_EV_SPB_SLAB_SHRINK_ABSORBED);
		return;
	}
	/* v1 before 32/45: the 100 ms throttle, at most 10 shrinks a second per node */
	if (m->p.slab_shrink_throttle_ns && m->shrink_last_valid[z->nid] &&
	    m->now_ns < m->shrink_last_ns[z->nid] + m->p.slab_shrink_throttle_ns) {
		count_vm_event(m, MODEL_EV_SPB_SLAB_SHRINK_THROTTLED);
		return;
	}
	m->shrink_last_ns[z->nid] = m->now_ns;
	m->shrink_last_valid[z->nid] = true;
	m->shrink_pending[z->nid] = true;
	count_vm_event(m, MODEL_EV_SPB_SLAB_SHRINK_QUEUED);
	queue_work(m, (struct model_work){ .kind = WORK_SLAB_SHRINK, .nid = z->nid },
		   shrink_work_cpu(m, z->nid));
}

/* tainted_pool_has_free(): some tainted SPB has a free block of exactly (order, mt). */
static bool tainted_pool_has_free(struct zone *z, unsigned order, int mt)
{
	struct superpageblock *sb;

	for (int full = SB_FULL; full < NR_SB_FULLNESS; full++)
		for_each_spb_on_list(z, spb_cat_list(SB_TAINTED, full),
				     sb) if ((sb->order_mask & (1u << order)) &&
					     (sb->free_mask[mt] & (1u << order))) return true;
	return false;
}

/* queue_spb_evacuate(): throttled, single-flight deferred evacuation. */
void queue_spb_evacuate(struct model *m, struct zone *z, unsigned order, int mt)
{
	uint64_t bit;

	if (!m->p.evacuation || order >= NR_PAGE_ORDERS || mt >= MIGRATE_PCPTYPES)
		return;
	if (z->spb_evac_last_valid[mt] &&
	    model_clock(m) < z->spb_evac_last_ns[mt] + m->p.evac_throttle_ns) {
		count_vm_event(m, MODEL_EV_SPB_EVAC_THROTTLED);
		return;
	}
	bit = 1ull << ((unsigned int)mt * NR_PAGE_ORDERS + order);
	if (z->spb_evac_in_flight & bit) {
		count_vm_event(m, MODEL_EV_SPB_EVAC_IN_FLIGHT);
		return;
	}
	if (tainted_pool_has_free(z, order, mt)) {
		count_vm_event(m, MODEL_EV_SPB_EVAC_POOL_HAS_FREE);
		return;
	}
	if (m->evac_requests_used >= m->p.evac_requests) {
		count_vm_event(m, MODEL_EV_SPB_EVAC_POOL_EMPTY);
		return;
	}
	z->spb_evac_in_flight |= bit;
	z->spb_evac_last_ns[mt] = m->now_ns;
	z->spb_evac_last_valid[mt] = true;
	m->evac_requests_used++;
	count_vm_event(m, MODEL_EV_SPB_EVAC_QUEUED);
	queue_work(m,
		   (struct model_work){ .kind = WORK_EVACUATE,
					.zone = (uint8_t)z->idx,
					.order = (uint8_t)order,
					.mt = (uint8_t)mt },
		   trigger_cpu(m));
}

/* spb_needs_defrag(): tainted, holding movable pageblocks, short of its reserve, no cooldown. */
static bool spb_needs_defrag(struct model *m, const struct zone *z, const struct superpageblock *sb)
{
	if (!sb->nr_movable || sb->nr_free >= spb_tainted_reserve(m, sb) ||
	    spb_get_category(sb) != SB_TAINTED)
		return false;
	/* the cooldown lives in the cold half: looked at only when the rest says yes */
	const struct superpageblock_cold *cold = spb_cold(z, sb);
	return !(cold->defrag_last_no_progress_ns &&
		 model_clock(m) < cold->defrag_last_no_progress_ns + m->p.defrag_cooldown_ns &&
		 sb->nr_free_pages < cold->defrag_last_no_progress_pages + PAGEBLOCK_NR_PAGES);
}

/* spb_maybe_start_defrag(); a request while the SPB's work is queued or running is absorbed */
void spb_maybe_start_defrag(struct model *m, struct zone *z, struct superpageblock *sb)
{
	if (!m->p.defrag || m->booting)
		return;
	if (sb->defrag_active) {
		if (spb_needs_defrag(m, z, sb))
			count_vm_event(m, MODEL_EV_SPB_DEFRAG_ABSORBED);
		return;
	}
	if (!spb_needs_defrag(m, z, sb))
		return;
	sb->defrag_active = true;
	count_vm_event(m, MODEL_EV_SPB_DEFRAG_QUEUED);
	queue_work(m,
		   (struct model_work){
			   .kind = WORK_DEFRAG, .zone = (uint8_t)z->idx, .spb = spb_index(z, sb) },
		   trigger_cpu(m));
}

/*
 * Not a kernel function: the last-chance kick (rmqueue_before_pass3's spb_maybe_start_defrag()
 * over z's tainted lists) in the members of a shared model whose switch differs from the
 * model's (model_share.c). An SPB that needs defrag with no work of its own would be queued:
 * those members act otherwise and leave. Else each one that needs defrag only counts an
 * absorbed request, which is kept apart per member. Reads the clock where spb_needs_defrag()
 * does.
 */
void spb_last_chance_share(struct model *m, struct zone *z)
{
	struct superpageblock *sb;
	uint64_t absorbed = 0;

	if (!m->p.defrag || m->booting)
		return;
	for (int full = SB_FULL; full < NR_SB_FULLNESS; full++)
		for_each_spb_on_list(z, spb_cat_list(SB_TAINTED, full), sb)
		{
			if (!spb_needs_defrag(m, z, sb))
				continue;
			if (!sb->defrag_active) {
				share_knob_decides(m, MODEL_KNOB_LAST_CHANCE_DEFRAG);
				return;
			}
			absorbed++;
		}
	if (absorbed)
		share_knob_absorbed(m, MODEL_KNOB_LAST_CHANCE_DEFRAG, absorbed);
}

/* spb_react_to_tainted_alloc() at high water: out of line, so the test above needs no frame */
static void __attribute__((noinline))
spb_react_high_water(struct model *m, struct zone *z, struct superpageblock *sb)
{
	share_knob_decides(m, MODEL_KNOB_TRIGGER_PROACTIVE);
	if (!m->p.trigger_proactive)
		return;
	count_vm_event(m, MODEL_EV_TRIGGER_PROACTIVE);
	queue_spb_slab_shrink(m, z);
	spb_maybe_start_defrag(m, z, sb);
}

/*
 * spb_react_to_tainted_alloc(): the proactive high-water trigger (the slab-shrink patch's).
 * Called at every allocation from a tainted SPB's lists; nearly all stop at its tests.
 */
void spb_react_to_tainted_alloc(struct model *m, struct zone *z, struct superpageblock *sb)
{
	if (!m->p.trigger_proactive && !share_knob_differs(m, MODEL_KNOB_TRIGGER_PROACTIVE))
		return;
	if (spb_get_category(sb) != SB_TAINTED)
		return;
	if (!(sb->nr_free_pages < (uint64_t)spb_tainted_reserve(m, sb) * PAGEBLOCK_NR_PAGES))
		return;
	spb_react_high_water(m, z, sb);
}

enum migrate_result { MIGRATE_OK, MIGRATE_PINNED, MIGRATE_NO_TARGET };

/* A worker step's cost in model time (nothing with worker_time off). */
static void charge(struct model *m, uint64_t ns)
{
	if (m->p.worker_time)
		m->step_ns += ns;
}

/* Move one movable allocation elsewhere (migrate_pages with alloc_migration_target). */
static enum migrate_result migrate_one(struct model *m, uint64_t pfn)
{
	uint32_t w = pw_get(m, pfn);
	struct model_alloc_req req = {
		.order = pw_order(w),
		.migratetype = pw_mt(w) < MIGRATE_PCPTYPES ? pw_mt(w) : MIGRATE_MOVABLE,
		.gfp = MODEL_GFP_HIGHUSER_MOVABLE,
		.nid = page_zone(m, pfn)->nid,
		.movable = true,
	};
	uint64_t target;

	/* freed while isolated (a worker's batch migrates after its time): nothing to move */
	if (pw_kind(w) != PK_ALLOC || !(w & PW_MOVABLE))
		return MIGRATE_OK;
	if (m->p.migrate_fail_ppm && rng_next(m) % 1000000 < m->p.migrate_fail_ppm) {
		m->events[MODEL_EV_PGMIGRATE_FAIL] += 1u << req.order;
		return MIGRATE_PINNED;
	}
	if (req.migratetype != MIGRATE_MOVABLE)
		req.gfp = MODEL_GFP_KERNEL;
	if (model_alloc(m, &req, &target) != MODEL_OK) {
		m->events[MODEL_EV_PGMIGRATE_FAIL] += 1u << req.order;
		return MIGRATE_NO_TARGET;
	}
	if (m->migrate_fn)
		m->migrate_fn(m->migrate_ctx, pfn, target, req.order);
	model_free(m, pfn, req.order);
	m->events[MODEL_EV_PGMIGRATE_SUCCESS] += 1u << req.order;
	return MIGRATE_OK;
}

/* model_set_reclaim_clean_callback(): who tells clean page cache apart (replay). */
void model_set_reclaim_clean_callback(struct model *m, model_reclaim_clean_fn fn, void *ctx)
{
	m->reclaim_clean_fn = fn;
	m->reclaim_clean_ctx = ctx;
}

/*
 * reclaim_clean_pages_from_list(): the isolated batch's clean page-cache folios are dropped
 * instead of migrated. The caller's hook says which allocation is clean page cache and
 * forgets it; the model frees it. Dropped entries become MODEL_NO_PFN. Without a hook every
 * allocation migrates. Returns the pages dropped.
 */
static unsigned reclaim_clean_pages_from_list(struct model *m, uint64_t *batch, unsigned n)
{
	unsigned reclaimed = 0;

	for (unsigned i = 0; m->reclaim_clean_fn && i < n; i++) {
		unsigned order = pw_order(pw_get(m, batch[i]));
		if (!m->reclaim_clean_fn(m->reclaim_clean_ctx, batch[i], order))
			continue;
		model_free(m, batch[i], order);
		m->events[MODEL_EV_EVACUATE_RECLAIM_CLEAN] += 1u << order;
		reclaimed += 1u << order;
		batch[i] = MODEL_NO_PFN;
	}
	charge(m, reclaimed * m->p.reclaim_clean_page_ns);
	return reclaimed;
}

/*
 * isolate_migratepages_block() over [*p, end): the next batch of movable allocations, until
 * it holds COMPACT_CLUSTER_MAX pages or the pageblock ends. Returns the batch's length.
 */
static unsigned isolate_batch(struct model *m, uint64_t *p, uint64_t end, uint64_t *batch)
{
	unsigned n = 0, pages = 0;

	while (*p < end && pages < COMPACT_CLUSTER_MAX) {
		uint32_t w = pw_get(m, *p);
		if (pw_kind(w) == PK_TAIL) {
			(*p)++;
			continue;
		}
		if (pw_kind(w) == PK_ALLOC && (w & PW_MOVABLE)) {
			batch[n++] = *p;
			pages += 1u << pw_order(w);
		}
		*p += 1ull << pw_order(w);
	}
	return n;
}

/* migrate_pages() over one batch: a missing target ends it, a pinned page only fails. */
static bool migrate_batch(struct model *m, const uint64_t *batch, unsigned n)
{
	bool ok = true;

	for (unsigned i = 0; i < n; i++) {
		if (batch[i] == MODEL_NO_PFN)
			continue;
		enum migrate_result r = migrate_one(m, batch[i]);
		if (r == MIGRATE_NO_TARGET)
			return false;
		ok &= r == MIGRATE_OK;
	}
	return ok;
}

static void set_pageblock_skip(struct model *m, struct pageblock *pb)
{
	if (!(pb->flags & PB_COMPACT_SKIP)) {
		pb->flags |= PB_COMPACT_SKIP;
		m->gen++;
	}
}

/*
 * evacuate_pageblock(): isolate and migrate the pageblock's movable allocations batch by
 * batch, stopping after the first batch that failed, then rescan from its start. A scan from
 * the start that isolates nothing sets the compaction skip bit (isolate_migratepages_block:
 * !nr_isolated at the block's end), so the bit is set when nothing movable was there or
 * everything moved out, never because a migration failed; the rescan clears PB_has_movable
 * when nothing movable is left (superpageblock_clear_has_movable: not while MOVABLE
 * fragments of it are free). Returns whether any page left the pageblock. Split so that a
 * worker runs it step by step: begin (false: skip-marked, nothing to do), then isolate a batch
 * (false: nothing left) and migrate it (false: a failure stops the loop) in turn, then end.
 */
static bool evacuate_pageblock_begin(struct model *m, struct evac_pb *e, uint64_t pb_pfn)
{
	/* isolation_suitable(): the scan from the block's start passes over a skip-marked one */
	if (pfn_pageblock(m, pb_pfn)->flags & PB_COMPACT_SKIP)
		return false;
	charge(m, m->p.evacuate_pageblock_ns);
	e->pfn = e->pos = pb_pfn;
	e->n = 0;
	e->active = true;
	e->progress = false;
	return true;
}

/*
 * The first half of one pass of evacuate_pageblock()'s loop: isolate a batch and drop its clean
 * page cache; the migration of the rest is charged here, as it lands when it is over. Returns
 * false when there is nothing left to isolate.
 */
static bool evacuate_pageblock_isolate(struct model *m, struct evac_pb *e)
{
	/* nothing movable in it: the isolation scan would find nothing */
	if (!pfn_pageblock(m, e->pfn)->nr_movable_pages ||
	    !(e->n = (uint8_t)isolate_batch(m, &e->pos, e->pfn + PAGEBLOCK_NR_PAGES, e->batch)))
		return false;
	if (reclaim_clean_pages_from_list(m, e->batch, e->n))
		e->progress = true;
	for (unsigned i = 0; i < e->n; i++)
		if (e->batch[i] != MODEL_NO_PFN)
			charge(m, (m->p.migrate_page_ns << pw_order(pw_get(m, e->batch[i]))));
	return true;
}

/* The second half: migrate the isolated batch; false when the loop stops (a failure). */
static bool evacuate_pageblock_migrate(struct model *m, struct evac_pb *e)
{
	uint64_t migrated = m->events[MODEL_EV_PGMIGRATE_SUCCESS];
	bool ok = migrate_batch(m, e->batch, e->n);

	e->n = 0;
	if (m->events[MODEL_EV_PGMIGRATE_SUCCESS] != migrated)
		e->progress = true;
	return ok;
}

/* The closing rescan: the skip bit, PB_has_movable. */
static bool evacuate_pageblock_end(struct model *m, struct zone *z, struct evac_pb *e)
{
	struct pageblock *pb = pfn_pageblock(m, e->pfn);

	e->active = false;
	if (!pb->nr_movable_pages)
		set_pageblock_skip(m, pb);
	if (!pb->nr_movable_pages && (pb->flags & PB_HAS_MOVABLE) &&
	    ((pb->flags & PB_MIGRATE_MASK) != MIGRATE_MOVABLE || !pb->nr_free_pages)) {
		__spb_clear_has_type(m, e->pfn, MIGRATE_MOVABLE);
		spb_update_list(m, z, pfn_to_superpageblock(z, e->pfn));
	}
	return e->progress;
}

static bool evacuate_pageblock(struct model *m, struct zone *z, uint64_t pb_pfn)
{
	struct evac_pb e;

	if (!evacuate_pageblock_begin(m, &e, pb_pfn))
		return false;
	while (evacuate_pageblock_isolate(m, &e) && evacuate_pageblock_migrate(m, &e))
		;
	return evacuate_pageblock_end(m, z, &e);
}

static inline bool pageblock_evacuable(const struct pageblock *pb)
{
	int mt = pb->flags & PB_MIGRATE_MASK;
	return !pb->reserved && (pb->flags & PB_HAS_MOVABLE) && mt != MIGRATE_ISOLATE &&
	       mt != MIGRATE_CMA && mt != MIGRATE_HIGHATOMIC;
}

/* The pfns of the SPB inside the zone. */
static uint64_t spb_range_start(const struct zone *z, const struct superpageblock *sb)
{
	return sb->start_pfn > z->zone_start_pfn ? sb->start_pfn : z->zone_start_pfn;
}

static uint64_t spb_range_end(const struct zone *z, const struct superpageblock *sb)
{
	uint64_t end = sb->start_pfn + SUPERPAGEBLOCK_NR_PAGES;
	return end > z->zone_end_pfn ? z->zone_end_pfn : end;
}

/*
 * evacuate_pb_range(): up to max pageblocks with movable content, in pfn order. As in the
 * kernel, max bounds the pageblocks attempted, not those that gave something up: a pageblock
 * whose migration fails still counts, so one call costs at most max pageblock scans.
 */
static unsigned evacuate_pb_range(struct model *m, struct zone *z, struct superpageblock *sb,
				  unsigned max)
{
	uint64_t end = spb_range_end(z, sb);
	unsigned done = 0;

	for (uint64_t p = spb_range_start(z, sb); p < end && done < max; p += PAGEBLOCK_NR_PAGES) {
		struct pageblock *pb = pfn_pageblock(m, p);
		if (!pageblock_evacuable(pb))
			continue;
		evacuate_pageblock(m, z, p);
		done++;
	}
	return done;
}

/* sb_collect_evacuate_candidates(): tainted SPBs holding movable pageblocks, up to max. */
static unsigned sb_collect_evacuate_candidates(struct zone *z, uint32_t *candidates, unsigned max)
{
	struct superpageblock *sb;
	unsigned n = 0;

	for (int full = SB_FULL; full < NR_SB_FULLNESS && n < max; full++)
		for_each_spb_on_list(z, spb_cat_list(SB_TAINTED, full), sb)
		{
			if (n == max)
				break;
			if (sb->nr_movable > 0)
				candidates[n++] = spb_index(z, sb);
		}
	return n;
}

static unsigned evac_max_candidates(const struct model *m)
{
	return m->p.evac_max_candidates < WORK_MAX_CANDIDATES ? m->p.evac_max_candidates
							      : WORK_MAX_CANDIDATES;
}

/* the end of spb_evacuate_for_order(): count the attempts, then the supply trigger */
static void spb_evacuate_done(struct model *m, struct zone *z, unsigned attempted)
{
	m->events[MODEL_EV_SPB_EVAC_PAGEBLOCKS] += attempted;
	share_knob_decides(m, MODEL_KNOB_TRIGGER_SUPPLY);
	if (m->p.trigger_supply) {
		count_vm_event(m, MODEL_EV_TRIGGER_SUPPLY);
		queue_spb_slab_shrink(m, z);
	}
}

/*
 * spb_evacuate_for_order() as the slowpath calls it, in the allocating task: evacuate movable
 * pageblocks from up to 16 tainted SPBs, 8 pageblocks each, then always queue a slab shrink
 * (the supply trigger).
 */
bool spb_evacuate_for_order(struct model *m, struct zone *z, unsigned order, int mt)
{
	uint32_t candidates[WORK_MAX_CANDIDATES];
	unsigned n, evacuated = 0;

	(void)order;
	(void)mt;
	if (m->policy != MODEL_POLICY_SPB || !m->p.evacuation)
		return false;
	count_vm_event(m, MODEL_EV_SPB_EVAC_RAN);
	n = sb_collect_evacuate_candidates(z, candidates, evac_max_candidates(m));
	for (unsigned i = 0; i < n; i++)
		evacuated += evacuate_pb_range(m, z, &z->superpageblocks[candidates[i]],
					       m->p.evac_max_pb_per_sb);
	spb_evacuate_done(m, z, evacuated);
	return evacuated > 0;
}

/*
 * One step of the worker's pageblock in progress: migrate the batch isolated a step ago (its
 * time has passed), or isolate the next one. Returns true while the pageblock has more; when it
 * is over, its closing rescan has run and e->progress says whether it gave something up.
 */
static bool work_pageblock_step(struct model *m, struct zone *z, struct evac_pb *e)
{
	if (e->n ? evacuate_pageblock_migrate(m, e) : evacuate_pageblock_isolate(m, e))
		return true;
	evacuate_pageblock_end(m, z, e);
	return false;
}

/*
 * spb_evac_work_fn(), one step: the first collects the candidates (under zone->lock in the
 * kernel); each step runs one batch of the pageblock in progress, or starts the next pageblock
 * evacuate_pb_range() would take; the last finishes spb_evacuate_for_order() and clears the
 * in-flight bit and the request. Returns whether the run is over.
 */
static bool spb_evac_work_step(struct model *m, struct model_work *w)
{
	struct zone *z = &m->zones[w->zone];
	bool run = m->policy == MODEL_POLICY_SPB && m->p.evacuation;

	if (!w->started && run) {
		count_vm_event(m, MODEL_EV_SPB_EVAC_RAN);
		count_vm_event(m, MODEL_EV_WORK_EVAC_RUNS);
		w->nr_cand = sb_collect_evacuate_candidates(z, w->cand, evac_max_candidates(m));
		w->cand_idx = w->pb_done = w->attempted = 0;
		w->pb.active = false;
		if (w->nr_cand)
			w->cursor = spb_range_start(z, &z->superpageblocks[w->cand[0]]);
	}
	if (w->pb.active) {
		work_pageblock_step(m, z, &w->pb);
		return false;
	}
	while (run && w->cand_idx < w->nr_cand) {
		struct superpageblock *sb = &z->superpageblocks[w->cand[w->cand_idx]];
		if (w->pb_done < m->p.evac_max_pb_per_sb && w->cursor < spb_range_end(z, sb)) {
			uint64_t p = w->cursor;
			struct pageblock *pb = pfn_pageblock(m, p);
			w->cursor += PAGEBLOCK_NR_PAGES;
			if (!pageblock_evacuable(pb))
				continue;
			w->pb_done++;
			w->attempted++;
			if (evacuate_pageblock_begin(m, &w->pb, p))
				work_pageblock_step(m, z, &w->pb);
			return false;
		}
		if (++w->cand_idx < w->nr_cand)
			w->cursor = spb_range_start(z, &z->superpageblocks[w->cand[w->cand_idx]]);
		w->pb_done = 0;
	}
	if (run)
		spb_evacuate_done(m, z, w->attempted);
	z->spb_evac_in_flight &= ~(1ull << (w->mt * NR_PAGE_ORDERS + w->order));
	m->evac_requests_used--;
	return true;
}

static inline bool spb_defrag_done(struct model *m, const struct superpageblock *sb)
{
	return !sb->nr_movable || sb->nr_free >= spb_tainted_reserve(m, sb);
}

static void clear_skip_bits(struct model *m, uint64_t start, uint64_t end)
{
	for (uint64_t p = start; p < end; p += PAGEBLOCK_NR_PAGES)
		pfn_pageblock(m, p)->flags &= (uint8_t)~PB_COMPACT_SKIP;
}

/* One pageblock of the defrag walk: skip what cannot help (false), begin the rest. */
static bool spb_defrag_pageblock(struct model *m, struct zone *z, uint64_t p, struct evac_pb *e)
{
	struct pageblock *pb = pfn_pageblock(m, p);

	if (pb->reserved || pb->zone != z->idx)
		return false;
	if (!(pb->flags & PB_HAS_MOVABLE) || (pb->flags & (PB_ALL_FREE | PB_COMPACT_SKIP)))
		return false;
	return evacuate_pageblock_begin(m, e, p);
}

/* The defrag walk's pageblock in progress, one batch; counts it if it gave something up. */
static void spb_defrag_batch(struct model *m, struct zone *z, struct evac_pb *e)
{
	if (!work_pageblock_step(m, z, e) && e->progress)
		m->events[MODEL_EV_SPB_DEFRAG_PAGEBLOCKS]++;
}

/* spb_defrag_work_fn()'s end: the no-progress cooldown, then defrag_active cleared. */
static void spb_defrag_work_done(struct model *m, struct zone *z, struct superpageblock *sb,
				 const struct model_work *w)
{
	struct superpageblock_cold *cold = spb_cold(z, sb);

	cold->defrag_cursor = w->cursor;
	if (sb->nr_free == w->nr_free_before) {
		cold->defrag_last_no_progress_ns = m->now_ns | 1;
		cold->defrag_last_no_progress_pages = sb->nr_free_pages;
		count_vm_event(m, MODEL_EV_SPB_DEFRAG_NO_PROGRESS);
	} else {
		cold->defrag_last_no_progress_ns = 0;
	}
	sb->defrag_active = false;
}

/*
 * spb_defrag_tainted() through spb_defrag_work_fn(), one step: walk the SPB's pageblocks from
 * the saved cursor, wrapping once, evacuating movable ones until the SPB has its reserve of
 * free pageblocks or nothing movable left. No
 * progress over the run starts the 5 s cooldown. A step runs one batch of the pageblock in
 * progress or begins the next. Returns whether the run is over.
 */
static bool spb_defrag_work_step(struct model *m, struct model_work *w)
{
	struct zone *z = &m->zones[w->zone];
	struct superpageblock *sb = &z->superpageblocks[w->spb];
	uint64_t start = spb_range_start(z, sb), end = spb_range_end(z, sb);

	if (!w->started) {
		uint64_t cursor = spb_cold(z, sb)->defrag_cursor;
		count_vm_event(m, MODEL_EV_SPB_DEFRAG_RAN);
		w->nr_free_before = sb->nr_free;
		if (cursor < start || cursor >= end) {
			cursor = start;
			clear_skip_bits(m, start, end);
		}
		w->cursor = w->wrap_end = cursor;
		w->phase = 0;
		w->pb.active = false;
	}
	if (w->pb.active) {
		spb_defrag_batch(m, z, &w->pb);
		return false;
	}
	for (;;) {
		if (spb_defrag_done(m, sb) || w->cursor >= (w->phase ? w->wrap_end : end)) {
			if (w->phase || spb_defrag_done(m, sb))
				break;
			clear_skip_bits(m, start, end);
			w->cursor = start;
			w->phase = 1;
			continue;
		}
		uint64_t p = w->cursor;
		w->cursor += PAGEBLOCK_NR_PAGES;
		if (spb_defrag_pageblock(m, z, p, &w->pb)) {
			spb_defrag_batch(m, z, &w->pb);
			return false;
		}
	}
	spb_defrag_work_done(m, z, sb, w);
	return true;
}

/*
 * spb_slab_shrink_work_fn(), one round a step: DEF_PRIORITY down to 0 until a round frees
 * nothing or the target is met. The pending bit clears when the run starts.
 */
static bool spb_slab_shrink_work_step(struct model *m, struct model_work *w)
{
	if (!w->started) {
		m->shrink_pending[w->nid] = false;
		count_vm_event(m, MODEL_EV_SPB_SLAB_SHRINK_RAN);
		w->prio = 12;
		w->freed = 0;
		w->shrink_done = false;
	}
	if (!w->shrink_done && w->freed < m->p.slab_shrink_target_objs && w->prio >= 0) {
		uint64_t delta = m->shrink_fn ? m->shrink_fn(m->shrink_ctx, w->nid, w->prio) : 0;
		charge(m, m->p.shrink_round_ns);
		if (!delta)
			w->shrink_done = true;
		w->freed += delta;
		w->prio--;
		return false;
	}
	m->events[MODEL_EV_SPB_SLAB_SHRINK_FREED] += w->freed;
	return true;
}

/* model_shrink_scanned(): the shrink hook's report of the objects it scanned. */
void model_shrink_scanned(struct model *m, uint64_t objects)
{
	charge(m, objects * m->p.shrink_object_ns);
}

static const enum model_vm_event busy_event[] = {
	[WORK_EVACUATE] = MODEL_EV_WORK_EVAC_BUSY_NS,
	[WORK_DEFRAG] = MODEL_EV_WORK_DEFRAG_BUSY_NS,
	[WORK_SLAB_SHRINK] = MODEL_EV_WORK_SHRINK_BUSY_NS,
};

/* process_one_work(), one step of item i at model time t. */
static void run_work_step(struct model *m, size_t i, uint64_t t)
{
	struct model_work *w = &m->work[i];
	bool over = false;
	uint64_t cost;

	m->gen++;
	m->step_ns = 0;
	m->work_cpu = w->cpu;
	switch (w->kind) {
	case WORK_EVACUATE:
		over = spb_evac_work_step(m, w);
		break;
	case WORK_DEFRAG:
		over = spb_defrag_work_step(m, w);
		break;
	case WORK_SLAB_SHRINK:
		over = spb_slab_shrink_work_step(m, w);
		break;
	}
	w->started = true;
	cost = m->step_ns;
	m->events[busy_event[w->kind]] += cost;
	w->next_ns = t + cost;
	if (!over)
		return;
	m->cpu_free_ns[w->cpu] = t + cost;
	memmove(&m->work[i], &m->work[i + 1], (m->work_count - i - 1) * sizeof(*m->work));
	m->work_count--;
}

/*
 * The next step due: per CPU only the oldest item (running, or next to start once the CPU's
 * kworker is free); the earliest of those, the oldest on a tie. Returns false if none.
 */
static bool next_work_step(struct model *m, size_t *idx, uint64_t *t)
{
	bool found = false;

	for (size_t i = 0; i < m->work_count; i++) {
		const struct model_work *w = &m->work[i];
		uint64_t ready;
		if (m->cpu_mark[w->cpu])
			continue;
		m->cpu_mark[w->cpu] = 1;
		ready = w->started			     ? w->next_ns
			: w->due_ns > m->cpu_free_ns[w->cpu] ? w->due_ns
							     : m->cpu_free_ns[w->cpu];
		if (!found || ready < *t) {
			*idx = i;
			*t = ready;
			found = true;
		}
	}
	for (size_t i = 0; i < m->work_count; i++)
		m->cpu_mark[m->work[i].cpu] = 0;
	return found;
}

/*
 * Whether a work step is due by target: *i and *t name the first, and work_next_ns is brought
 * up to date (the first step's time, or UINT64_MAX with no work) when it is not.
 */
static bool work_step_due(struct model *m, uint64_t target, size_t *i, uint64_t *t)
{
	if (target < m->work_next_ns)
		return false;
	if (!next_work_step(m, i, t)) {
		m->work_next_ns = UINT64_MAX;
		return false;
	}
	if (*t > target) {
		m->work_next_ns = *t;
		return false;
	}
	return true;
}

/* The earliest of the three due times, exact once run_due_work() has brought them up to date. */
static uint64_t next_due_time(const struct model *m)
{
	uint64_t due = m->work_next_ns < m->boost_end_ns ? m->work_next_ns : m->boost_end_ns;

	if (m->reporting_due_ns && m->reporting_due_ns < due)
		due = m->reporting_due_ns;
	return due;
}

/*
 * model_advance's slow part: something may be due by target (a work step, reporting's pass, a
 * kswapd run's end). Out of line, so the fast part inlines. A call from inside a step only
 * moves the clock; next_due_ns is made exact on the way out.
 */
static void __attribute__((noinline)) run_due_work(struct model *m, uint64_t target)
{
	size_t i;
	uint64_t t = 0;

	if (m->running_work) {
		m->now_ns = target;
		return;
	}
	m->running_work = true;
	for (;;) {
		bool work = work_step_due(m, target, &i, &t);
		uint64_t report = m->reporting_due_ns, boost_end = m->boost_end_ns;
		if (boost_end <= target && (!work || boost_end <= t) &&
		    (!report || report > target || boost_end <= report)) {
			if (boost_end > m->now_ns)
				m->now_ns = boost_end;
			balance_pgdat_boost_done(m);
			continue;
		}
		if (report && report <= target && (!work || report <= t)) {
			if (report > m->now_ns)
				m->now_ns = report;
			page_reporting_run(m, m->now_ns);
			continue;
		}
		if (!work)
			break;
		if (t > m->now_ns)
			m->now_ns = t;
		run_work_step(m, i, m->now_ns);
	}
	m->now_ns = target;
	m->running_work = false;
	m->next_due_ns = next_due_time(m);
}

_Static_assert(offsetof(struct model, now_ns) == offsetof(struct model_clock, now_ns) &&
		       offsetof(struct model, next_due_ns) ==
			       offsetof(struct model_clock, next_due_ns),
	       "struct model begins with struct model_clock's fields (model.h)");

/*
 * Advance model time, running every work step due on the way at its own time, and free page
 * reporting's delayed pass (page_reporting_process()) in time order with them. Called at nearly
 * every event through model_advance() (model.h), whose inline test is this function's first:
 * the common case (nothing due) is a few instructions. The end of a host kswapd run
 * (model_kswapd_balance()) takes its watermark boost off, in time order with them too.
 */
void model_advance_due(struct model *m, uint64_t now_ns)
{
	uint64_t target = now_ns > m->now_ns ? now_ns : m->now_ns;

	/* Nothing due before next_due_ns (no work step, kswapd end or reporting pass): one test. */
	if (target < m->next_due_ns) {
		m->now_ns = target;
		return;
	}
	run_due_work(m, target);
}
