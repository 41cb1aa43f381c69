// SPDX-License-Identifier: GPL-2.0
/*
 * model_reclaim.c - direct reclaim as the slowpath sees it: __perform_reclaim() through
 * try_to_free_pages() and shrink_node() (mm/vmscan.c), __alloc_pages_direct_reclaim() with its
 * unreserve and drain_all_pages() retry, and should_reclaim_retry()'s bound (mm/page_alloc.c);
 * and of kswapd only balance_pgdat()'s watermark-boost accounting, over the host's runs.
 *
 * What is reclaimed is the caller's: the model keeps no LRU, so struct model_reclaim_ops hands
 * it the clean page cache (least recently allocated first) and the per-CPU lists, and the slab
 * model's shrink_slab() stands behind model->shrink_fn. Every page reclaim frees goes back
 * through model_free, so progress is the rise in free pages across the zones.
 *
 * Invariants: reclaim never recurses (model->pf_memalloc, PF_MEMALLOC in the kernel) and never
 * runs from deferred work (a page being migrated must not be reclaimed under the migration).
 * Expected workload: nothing while allocations succeed; under pressure one call per failed
 * fast-path-and-freelist attempt, each freeing SWAP_CLUSTER_MAX pages or a high order's worth.
 */
#include "model_internal.h"

/*
 * shrink_node() for one node at one priority: shrink_lruvec() takes up to nr_to_reclaim of the
 * LRU's lru_pages >> priority pages (all of them at priority 0); every page the caller's LRU
 * holds is clean and unreferenced, so each one scanned is reclaimed. Then shrink_slab()
 * node-wide at the same priority.
 */
static void shrink_node(struct model *m, int nid, int priority, uint64_t nr_to_reclaim,
			uint64_t *nr_reclaimed)
{
	const struct model_reclaim_ops *ops = &m->reclaim;

	if (ops->shrink_lru && *nr_reclaimed < nr_to_reclaim) {
		uint64_t lru = ops->lru_pages ? ops->lru_pages(ops->ctx, nid) : 0;
		uint64_t scan = priority ? lru >> priority : lru;
		uint64_t want = nr_to_reclaim - *nr_reclaimed;
		if (scan) {
			uint64_t got = ops->shrink_lru(ops->ctx, nid, scan < want ? scan : want);
			m->events[MODEL_EV_PGSTEAL_DIRECT] += got;
			*nr_reclaimed += got;
		}
	}
	if (m->shrink_fn) {
		uint64_t before = model_nr_free_pages(m);
		m->shrink_fn(m->shrink_ctx, nid, priority);
		uint64_t freed = model_nr_free_pages(m) - before;
		m->events[MODEL_EV_DIRECT_RECLAIM_SLAB_PAGES] += freed;
		*nr_reclaimed += freed;
	}
}

/*
 * try_to_free_pages() -> do_try_to_free_pages(): nr_to_reclaim is SWAP_CLUSTER_MAX (or the
 * request's size when larger), priority falls from DEF_PRIORITY until that much is reclaimed.
 * The zonelist's nodes are those of the preferred node (the model's nodes are its zonelists').
 */
static uint64_t try_to_free_pages(struct model *m, const struct alloc_context *ac)
{
	uint64_t nr_to_reclaim = SWAP_CLUSTER_MAX, nr_reclaimed = 0;

	if ((1ull << ac->req->order) > nr_to_reclaim)
		nr_to_reclaim = 1ull << ac->req->order;
	for (int priority = DEF_PRIORITY; priority >= 0 && nr_reclaimed < nr_to_reclaim;
	     priority--) {
		int last_nid = -1;
		struct zone *z;
		for_each_zone_zonelist(m, ac, i, z)
		{
			if (z->nid == last_nid)
				continue;
			last_nid = z->nid;
			shrink_node(m, z->nid, priority, nr_to_reclaim, &nr_reclaimed);
		}
	}
	return nr_reclaimed;
}

/* __perform_reclaim(): synchronous reclaim under PF_MEMALLOC. */
static uint64_t __perform_reclaim(struct model *m, const struct alloc_context *ac)
{
	uint64_t progress;

	count_vm_event(m, MODEL_EV_ALLOCSTALL);
	if (m->shrink_fn)
		(void)model_clock(m); /* what the shrinkers may free depends on objects' ages */
	m->pf_memalloc = true;
	progress = try_to_free_pages(m, ac);
	m->pf_memalloc = false;
	return progress;
}

/* drain_all_pages(): the per-CPU lists give their pages back. */
static void drain_all_pages(struct model *m)
{
	if (!m->reclaim.drain_pages)
		return;
	count_vm_event(m, MODEL_EV_DRAIN_ALL_PAGES);
	m->reclaim.drain_pages(m->reclaim.ctx);
}

/*
 * __alloc_pages_direct_reclaim(): reclaim, then one get_page_from_freelist(); failing that,
 * give one HIGHATOMIC reserved block back (unreserve_highatomic_pageblock, not forced: only
 * from a zone holding more than one reserved pageblock), drain the per-CPU lists (replay's,
 * through its hook) and try once more. No progress: no attempt.
 */
uint64_t __alloc_pages_direct_reclaim(struct model *m, const struct alloc_context *ac,
				      unsigned alloc_flags, uint64_t *did_some_progress)
{
	uint64_t pfn;

	*did_some_progress = __perform_reclaim(m, ac);
	if (!*did_some_progress)
		return MODEL_NO_PFN;
	pfn = get_page_from_freelist(m, ac, alloc_flags);
	if (pfn == MODEL_NO_PFN) {
		unreserve_highatomic_pageblock(m, ac->nid, ac->highest, ac->req->migratetype,
					       false);
		drain_all_pages(m);
		pfn = get_page_from_freelist(m, ac, alloc_flags);
	}
	return pfn;
}

/*
 * should_reclaim_retry(): a costly order, or no progress, counts a no-progress loop; more than
 * max_reclaim_retries of them in a row end the retries. Otherwise retry while some zone would
 * meet its min watermark if every reclaimable page were freed (reclaimable: the node's LRU
 * pages, counted against each of its zones; free: the zone's). Whenever it would give up,
 * either way, it gives one HIGHATOMIC reserved block back instead and retries
 * (unreserve_highatomic_pageblock, forced: "before OOM, exhaust highatomic_reserve").
 */
bool should_reclaim_retry(struct model *m, const struct alloc_context *ac, unsigned alloc_flags,
			  bool did_some_progress, unsigned *no_progress_loops)
{
	unsigned order = ac->req->order;
	struct zone *z;

	if (did_some_progress && order <= PAGE_ALLOC_COSTLY_ORDER)
		*no_progress_loops = 0;
	else
		(*no_progress_loops)++;
	if (*no_progress_loops <= m->p.max_reclaim_retries) {
		for_each_zone_zonelist(m, ac, i, z)
		{
			uint64_t reclaimable =
				m->reclaim.lru_pages ? m->reclaim.lru_pages(m->reclaim.ctx, z->nid)
						     : 0;
			if (__zone_watermark_ok(z, order, alloc_flags & ~(unsigned)ALLOC_WMARK_LOW,
						ac->highest, reclaimable + z->nr_free_pages)) {
				count_vm_event(m, MODEL_EV_RECLAIM_RETRY);
				return true;
			}
		}
	}
	/* before failing, each reserved HIGHATOMIC pageblock back, one per retry */
	if (m->p.highatomic &&
	    unreserve_highatomic_pageblock(m, ac->nid, ac->highest, ac->req->migratetype, true))
		return true;
	if (*no_progress_loops > m->p.max_reclaim_retries)
		count_vm_event(m, MODEL_EV_RECLAIM_RETRY_EXHAUSTED);
	return false;
}

void model_set_reclaim_ops(struct model *m, const struct model_reclaim_ops *ops)
{
	if (ops)
		m->reclaim = *ops;
	else
		memset(&m->reclaim, 0, sizeof(m->reclaim));
}

/*
 * balance_pgdat()'s boost accounting: a run takes each zone's watermark_boost as it stands at
 * its start (zone_boosts[]) and takes that much off when it ends; what was boosted during the
 * run stays for the next. The model's kswapd is the host's (the trace's runs), so a run
 * begins at the host's wake; a wake while a run is still open extends that run.
 */
void balance_pgdat_boost_done(struct model *m)
{
	for (unsigned i = 0; i < m->nr_zones; i++) {
		struct zone *z = &m->zones[i];
		uint64_t done =
			z->kswapd_boost < z->watermark_boost ? z->kswapd_boost : z->watermark_boost;
		z->watermark_boost -= done;
		z->kswapd_boost = 0;
		if (done)
			m->gen++; /* the marks moved: the failed-request memo's state */
	}
	m->boost_end_ns = UINT64_MAX;
}

void model_kswapd_balance(struct model *m, unsigned zone, uint64_t end_ns)
{
	if (!m->p.watermark_boost || zone >= m->nr_zones)
		return;
	struct zone *z = &m->zones[zone];
	/* model_advance() ended the runs before now; an open one is extended */
	if (!z->kswapd_boost)
		z->kswapd_boost = z->watermark_boost;
	if (m->boost_end_ns == UINT64_MAX || m->boost_end_ns < end_ns)
		m->boost_end_ns = end_ns;
	model_due_by(m, m->boost_end_ns);
}
