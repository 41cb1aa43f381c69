// SPDX-License-Identifier: GPL-2.0
/*
 * model_workers.c - the series' triggers and deferred work: queue_spb_slab_shrink(),
 * queue_spb_evacuate(), spb_maybe_start_defrag(), spb_react_to_tainted_alloc(), and the work
 * they queue on the per-node kevacuate workqueue: spb_evacuate_for_order(), the per-SPB defrag
 * worker (spb_defrag_tainted) and the slab-shrink worker. evacuate_pageblock() migrates
 * movable allocations through the model's own allocator.
 *
 * Time: work queued at model time t runs at t + worker_latency_ns, when model_advance() gets
 * there, in the order it was queued. Single-flight rules are the kernel's: the shrink work is
 * queued at most once per node until it starts; a defrag work at most once per SPB until it
 * finishes; evacuation at most once per (zone, migratetype, order) in flight, at most once per
 * 10 ms per (zone, migratetype), from a pool of 64 requests.
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

static uint64_t rng_next(struct model *m)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return m->rng;
}

static void queue_work(struct model *m, struct model_work w)
{
	if (m->work_count == m->work_cap)
		return; /* cannot happen: capacity covers every single-flight item */
	w.due_ns = m->now_ns + m->p.worker_latency_ns;
	m->gen++;
	m->work[(m->work_head + m->work_count) % m->work_cap] = w;
	m->work_count++;
}

/* queue_spb_slab_shrink(): one work per node; counts only new queueings. */
void queue_spb_slab_shrink(struct model *m, struct zone *z)
{
	if (m->shrink_pending[z->nid])
		return;
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
	queue_work(m, (struct model_work){ .kind = WORK_SLAB_SHRINK, .nid = z->nid });
}

static inline enum spb_list_id tainted_list(int full)
{
	return (enum spb_list_id)(SPB_LIST_CAT0 + SB_TAINTED * NR_SB_FULLNESS + full);
}

/* tainted_pool_has_free(): some tainted SPB has a free block of exactly (order, mt). */
static bool tainted_pool_has_free(struct zone *z, unsigned order, int mt)
{
	struct superpageblock *sb;

	for (int full = SB_FULL; full < NR_SB_FULLNESS; full++)
		for_each_spb_on_list(z, tainted_list(full),
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
	queue_work(m, (struct model_work){ .kind = WORK_EVACUATE,
					   .zone = (uint8_t)z->idx,
					   .order = (uint8_t)order,
					   .mt = (uint8_t)mt });
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

/* spb_maybe_start_defrag() */
void spb_maybe_start_defrag(struct model *m, struct zone *z, struct superpageblock *sb)
{
	if (sb->defrag_active || !m->p.defrag || m->booting || !spb_needs_defrag(m, z, sb))
		return;
	sb->defrag_active = true;
	count_vm_event(m, MODEL_EV_SPB_DEFRAG_QUEUED);
	queue_work(m, (struct model_work){ .kind = WORK_DEFRAG,
					   .zone = (uint8_t)z->idx,
					   .spb = spb_index(z, sb) });
}

/* spb_react_to_tainted_alloc(): the proactive high-water trigger (the slab-shrink patch's). */
void spb_react_to_tainted_alloc(struct model *m, struct zone *z, struct superpageblock *sb)
{
	if (!m->p.trigger_proactive || spb_get_category(sb) != SB_TAINTED)
		return;
	if (!(sb->nr_free_pages < (uint64_t)spb_tainted_reserve(m, sb) * PAGEBLOCK_NR_PAGES))
		return;
	count_vm_event(m, MODEL_EV_TRIGGER_PROACTIVE);
	queue_spb_slab_shrink(m, z);
	spb_maybe_start_defrag(m, z, sb);
}

enum migrate_result { MIGRATE_OK, MIGRATE_PINNED, MIGRATE_NO_TARGET };

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
	return reclaimed;
}

/*
 * isolate_migratepages_block() over [*p, end): the next batch of movable allocations, until
 * it holds COMPACT_CLUSTER_MAX pages or the pageblock ends. Returns the batch's length.
 */
#define COMPACT_CLUSTER_MAX 32
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
 * fragments of it are free). Returns whether any page left the pageblock.
 */
static bool evacuate_pageblock(struct model *m, struct zone *z, uint64_t pb_pfn)
{
	uint64_t batch[COMPACT_CLUSTER_MAX], p = pb_pfn, end = pb_pfn + PAGEBLOCK_NR_PAGES;
	struct pageblock *pb = pfn_pageblock(m, pb_pfn);
	uint64_t migrated_before = m->events[MODEL_EV_PGMIGRATE_SUCCESS];
	unsigned n, reclaimed = 0;

	/* isolation_suitable(): the scan from the block's start passes over a skip-marked one */
	if (pb->flags & PB_COMPACT_SKIP)
		return false;
	/* nothing movable in it: the isolation scan would find nothing */
	while (pb->nr_movable_pages && (n = isolate_batch(m, &p, end, batch)) > 0) {
		reclaimed += reclaim_clean_pages_from_list(m, batch, n);
		if (!migrate_batch(m, batch, n))
			break;
	}
	if (!pb->nr_movable_pages)
		set_pageblock_skip(m, pb);
	if (!pb->nr_movable_pages && (pb->flags & PB_HAS_MOVABLE) &&
	    ((pb->flags & PB_MIGRATE_MASK) != MIGRATE_MOVABLE || !pb->nr_free_pages)) {
		__spb_clear_has_type(m, pb_pfn, MIGRATE_MOVABLE);
		spb_update_list(m, z, pfn_to_superpageblock(z, pb_pfn));
	}
	return reclaimed || m->events[MODEL_EV_PGMIGRATE_SUCCESS] != migrated_before;
}

static inline bool pageblock_evacuable(const struct pageblock *pb)
{
	int mt = pb->flags & PB_MIGRATE_MASK;
	return (pb->flags & PB_HAS_MOVABLE) && mt != MIGRATE_ISOLATE && mt != MIGRATE_CMA &&
	       mt != MIGRATE_HIGHATOMIC;
}

/*
 * evacuate_pb_range(): up to max pageblocks with movable content, in pfn order. As in the
 * kernel, max bounds the pageblocks attempted, not those that gave something up: a pageblock
 * whose migration fails still counts, so one call costs at most max pageblock scans.
 */
static unsigned evacuate_pb_range(struct model *m, struct zone *z, struct superpageblock *sb,
				  unsigned max)
{
	uint64_t start = sb->start_pfn > z->zone_start_pfn ? sb->start_pfn : z->zone_start_pfn;
	uint64_t end = sb->start_pfn + SUPERPAGEBLOCK_NR_PAGES;
	unsigned done = 0;

	if (end > z->zone_end_pfn)
		end = z->zone_end_pfn;
	for (uint64_t p = start; p < end && done < max; p += PAGEBLOCK_NR_PAGES) {
		struct pageblock *pb = pfn_pageblock(m, p);
		if (pb->reserved || !pageblock_evacuable(pb))
			continue;
		evacuate_pageblock(m, z, p);
		done++;
	}
	return done;
}

/*
 * spb_evacuate_for_order(): evacuate movable pageblocks from up to 16 tainted SPBs, 8
 * pageblocks each, then always queue a slab shrink (the supply trigger).
 */
bool spb_evacuate_for_order(struct model *m, struct zone *z, unsigned order, int mt)
{
	uint32_t candidates[64];
	unsigned n = 0, max = m->p.evac_max_candidates < 64 ? m->p.evac_max_candidates : 64;
	unsigned evacuated = 0;
	struct superpageblock *sb;

	(void)order;
	(void)mt;
	if (m->policy != MODEL_POLICY_SPB || !m->p.evacuation)
		return false;
	count_vm_event(m, MODEL_EV_SPB_EVAC_RAN);
	for (int full = SB_FULL; full < NR_SB_FULLNESS && n < max; full++)
		for_each_spb_on_list(z, tainted_list(full), sb)
		{
			if (n == max)
				break;
			if (sb->nr_movable > 0)
				candidates[n++] = spb_index(z, sb);
		}
	for (unsigned i = 0; i < n; i++)
		evacuated += evacuate_pb_range(m, z, &z->superpageblocks[candidates[i]],
					       m->p.evac_max_pb_per_sb);
	m->events[MODEL_EV_SPB_EVAC_PAGEBLOCKS] += evacuated;
	if (m->p.trigger_supply) {
		count_vm_event(m, MODEL_EV_TRIGGER_SUPPLY);
		queue_spb_slab_shrink(m, z);
	}
	return evacuated > 0;
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

/* One pageblock of the defrag walk: skip what cannot help, evacuate the rest. */
static void spb_defrag_pageblock(struct model *m, struct zone *z, uint64_t p)
{
	struct pageblock *pb = pfn_pageblock(m, p);

	if (pb->reserved || pb->zone != z->idx)
		return;
	if (!(pb->flags & PB_HAS_MOVABLE) || (pb->flags & (PB_ALL_FREE | PB_COMPACT_SKIP)))
		return;
	if (evacuate_pageblock(m, z, p))
		m->events[MODEL_EV_SPB_DEFRAG_PAGEBLOCKS]++;
}

/*
 * spb_defrag_tainted(): walk the SPB's pageblocks from the saved cursor, wrapping once,
 * evacuating movable ones until the SPB has its reserve of free pageblocks or nothing
 * movable left. No progress starts the 5 s cooldown.
 */
static void spb_defrag_tainted(struct model *m, struct zone *z, struct superpageblock *sb)
{
	uint64_t start = sb->start_pfn > z->zone_start_pfn ? sb->start_pfn : z->zone_start_pfn;
	uint64_t end = sb->start_pfn + SUPERPAGEBLOCK_NR_PAGES;
	unsigned nr_free_before = sb->nr_free;
	struct superpageblock_cold *cold = spb_cold(z, sb);
	uint64_t cursor = cold->defrag_cursor, p;

	if (end > z->zone_end_pfn)
		end = z->zone_end_pfn;
	count_vm_event(m, MODEL_EV_SPB_DEFRAG_RAN);
	if (cursor < start || cursor >= end) {
		cursor = start;
		clear_skip_bits(m, start, end);
	}
	for (p = cursor; p < end && !spb_defrag_done(m, sb); p += PAGEBLOCK_NR_PAGES)
		spb_defrag_pageblock(m, z, p);
	if (p >= end && !spb_defrag_done(m, sb)) {
		clear_skip_bits(m, start, end);
		for (p = start; p < cursor && !spb_defrag_done(m, sb); p += PAGEBLOCK_NR_PAGES)
			spb_defrag_pageblock(m, z, p);
	}
	cold->defrag_cursor = p;
	if (sb->nr_free == nr_free_before) {
		cold->defrag_last_no_progress_ns = m->now_ns | 1;
		cold->defrag_last_no_progress_pages = sb->nr_free_pages;
		count_vm_event(m, MODEL_EV_SPB_DEFRAG_NO_PROGRESS);
	} else {
		cold->defrag_last_no_progress_ns = 0;
	}
	sb->defrag_active = false;
}

/* The per-node slab-shrink worker: DEF_PRIORITY down to 0 until a round frees nothing. */
static void spb_slab_shrink_work(struct model *m, int nid)
{
	uint64_t freed = 0;

	m->shrink_pending[nid] = false;
	count_vm_event(m, MODEL_EV_SPB_SLAB_SHRINK_RAN);
	for (int prio = 12; freed < m->p.slab_shrink_target_objs && prio >= 0; prio--) {
		uint64_t delta = m->shrink_fn ? m->shrink_fn(m->shrink_ctx, nid, prio) : 0;
		if (!delta)
			break;
		freed += delta;
	}
	m->events[MODEL_EV_SPB_SLAB_SHRINK_FREED] += freed;
}

static void run_work(struct model *m, const struct model_work *w)
{
	struct zone *z = &m->zones[w->zone];

	m->gen++;
	switch (w->kind) {
	case WORK_EVACUATE:
		spb_evacuate_for_order(m, z, w->order, w->mt);
		z->spb_evac_in_flight &= ~(1ull << (w->mt * NR_PAGE_ORDERS + w->order));
		m->evac_requests_used--;
		break;
	case WORK_DEFRAG:
		spb_defrag_tainted(m, z, &z->superpageblocks[w->spb]);
		break;
	case WORK_SLAB_SHRINK:
		spb_slab_shrink_work(m, w->nid);
		break;
	}
}

/* Advance model time and run every work item that is due. */
void model_advance(struct model *m, uint64_t now_ns)
{
	if (now_ns > m->now_ns)
		m->now_ns = now_ns;
	if (m->running_work)
		return;
	m->running_work = true;
	while (m->work_count && m->work[m->work_head].due_ns <= m->now_ns) {
		struct model_work w = m->work[m->work_head];
		m->work_head = (m->work_head + 1) % m->work_cap;
		m->work_count--;
		run_work(m, &w);
	}
	m->running_work = false;
}
