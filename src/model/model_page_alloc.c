// SPDX-License-Identifier: GPL-2.0
/*
 * model_page_alloc.c - the allocation entry points: __alloc_pages() with its fast path and
 * slowpath, get_page_from_freelist() with the series' atomic relax ladder, rmqueue_buddy() and
 * __rmqueue() with the ALLOC_HIGHORDER_OPTIONAL refusal gate, and the free path's entry.
 *
 * alloc_flags are derived from gfp flags the way the kernel derives them:
 * alloc_flags_nofragment() (unchanged upstream: NOFRAGMENT for ZONE_NORMAL when the node has
 * DMA32, or under defrag_mode) and gfp_to_alloc_flags() (plus the series'
 * ALLOC_HIGHORDER_OPTIONAL). The slowpath follows the series' __alloc_pages_slowpath():
 * NOFRAGMENT kept through direct reclaim (model_reclaim.c, from the caller's own page cache and
 * shrink_slab) and compaction (the series' synchronous evacuation), the NORETRY and costly
 * exits, should_reclaim_retry(), and only then evacuation and dropping NOFRAGMENT. PCP lists
 * belong to replay: a model_alloc is one buddy allocation (what mm_page_alloc_zone_locked
 * records). A buddy request this CPU's warm hint serves goes straight there
 * (alloc_pages_cpu_hint, a shortcut of the same steps); a run of them, at once where the hint
 * serves them from one block (model_alloc_run). A per-CPU-list request whose list has a page
 * takes it through the caller's pop hook after the same zonelist and watermark steps
 * (alloc_pages_pcp_listed, model_alloc_pcp's short path); anything else walks in full.
 */
#include "model_internal.h"

/* gfp_zone() on x86-64 (no highmem). */
static enum model_zone_type gfp_zone(uint32_t gfp)
{
	if (gfp & MODEL_GFP_DMA)
		return ZONE_DMA;
	if (gfp & MODEL_GFP_DMA32)
		return ZONE_DMA32;
	if ((gfp & (MODEL_GFP_HIGHMEM | MODEL_GFP_MOVABLE)) ==
	    (MODEL_GFP_HIGHMEM | MODEL_GFP_MOVABLE))
		return ZONE_MOVABLE;
	return ZONE_NORMAL;
}

/* alloc_flags_nofragment(): unchanged upstream. */
static unsigned alloc_flags_nofragment(struct model *m, const struct zone *preferred)
{
	if (m->p.defrag_mode)
		return ALLOC_NOFRAGMENT;
	if (!preferred || preferred->type != ZONE_NORMAL || !m->node_has_dma32[preferred->nid])
		return 0;
	return ALLOC_NOFRAGMENT;
}

/* gfp_to_alloc_flags() with the series' ALLOC_HIGHORDER_OPTIONAL. */
static unsigned gfp_to_alloc_flags(uint32_t gfp, unsigned order)
{
	unsigned alloc_flags = ALLOC_WMARK_MIN;

	if (gfp & MODEL_GFP_HIGH)
		alloc_flags |= ALLOC_MIN_RESERVE;
	if (!(gfp & MODEL_GFP_DIRECT_RECLAIM) && !(gfp & MODEL_GFP_NOMEMALLOC)) {
		alloc_flags |= ALLOC_NON_BLOCK;
		if (order > 0 && (alloc_flags & ALLOC_MIN_RESERVE))
			alloc_flags |= ALLOC_HIGHATOMIC;
	}
	if ((gfp & MODEL_GFP_NORETRY) && !(gfp & MODEL_GFP_RETRY_MAYFAIL))
		alloc_flags |= ALLOC_HIGHORDER_OPTIONAL;
	else if (!(gfp & (MODEL_GFP_DIRECT_RECLAIM | MODEL_GFP_NOMEMALLOC | MODEL_GFP_NOFAIL)))
		alloc_flags |= ALLOC_HIGHORDER_OPTIONAL;
	return alloc_flags;
}

/* The test of __zone_watermark_ok() against a given mark: free pages above it, a big block. */
bool zone_free_above_mark(const struct zone *z, unsigned order, uint64_t mark, uint64_t free_pages)
{
	if (free_pages < mark + (1ull << order))
		return false;
	/* order 0: the kernel's "if (!order) return true", no list read. Where free_pages is
	 * the zone's own count this is what the list test gave (a free page is a free block);
	 * should_reclaim_retry() passes reclaimable + free pages, and there a zone with no free
	 * block now passes, as it does in the kernel (it failed before session 15). */
	if (!order)
		return true;
	for (unsigned o = order; o <= MAX_PAGE_ORDER; o++)
		if (z->nr_free_blocks[o])
			return true;
	return false;
}

/*
 * __zone_watermark_unusable_free(): the free HIGHATOMIC pages, for a request without rights to
 * the reserves (ALLOC_RESERVES: any of NON_BLOCK, MIN_RESERVE, HIGHATOMIC, OOM). The kernel's
 * (1 << order) - 1 is zone_free_above_mark()'s order term; its free CMA term has no
 * counterpart (the model hands out no CMA pageblocks).
 */
static uint64_t __zone_watermark_unusable_free(const struct zone *z, unsigned alloc_flags)
{
	return (alloc_flags & ALLOC_RESERVES) ? 0 : z->nr_free_highatomic;
}

/* The zone's free pages a request without reserve rights may count (ALLOC_WMARK_* only). */
uint64_t zone_usable_free_pages(const struct zone *z)
{
	uint64_t unusable = __zone_watermark_unusable_free(z, 0);

	return z->nr_free_pages > unusable ? z->nr_free_pages - unusable : 0;
}

/*
 * __zone_watermark_ok(): free pages less the unusable ones above the mark plus the zone's
 * lowmem_reserve for the request's highest zone (a Normal request keeps out of most of
 * DMA32), and a big enough block. The reserves lower the mark: __GFP_HIGH
 * (ALLOC_MIN_RESERVE) by half, and non-blocking __GFP_HIGH (GFP_ATOMIC, ALLOC_NON_BLOCK too)
 * by a quarter of what is left; an OOM victim (ALLOC_OOM, never set here) by half again.
 * ALLOC_NON_BLOCK or ALLOC_HIGHATOMIC alone keep the mark but count the free HIGHATOMIC pages.
 */
static bool zone_watermark_mark_ok(const struct zone *z, unsigned order, uint64_t min,
				   unsigned alloc_flags, enum model_zone_type highest_zoneidx,
				   uint64_t free_pages)
{
	uint64_t unusable = __zone_watermark_unusable_free(z, alloc_flags);

	if (alloc_flags & ALLOC_MIN_RESERVE) {
		min -= min / 2;
		if (alloc_flags & ALLOC_NON_BLOCK)
			min -= min / 4;
	}
	if (alloc_flags & ALLOC_OOM)
		min -= min / 2;
	/* the kernel's free_pages may go negative: then no mark is met */
	if (free_pages < unusable)
		return false;
	return zone_free_above_mark(z, order, min + z->lowmem_reserve[highest_zoneidx],
				    free_pages - unusable);
}

/* __zone_watermark_ok() at wmark_pages(): the flags' mark, boost included. */
bool __zone_watermark_ok(const struct zone *z, unsigned order, unsigned alloc_flags,
			 enum model_zone_type highest_zoneidx, uint64_t free_pages)
{
	uint64_t mark = (alloc_flags & ALLOC_WMARK_LOW) ? low_wmark_pages(z) : min_wmark_pages(z);

	return zone_watermark_mark_ok(z, order, mark, alloc_flags, highest_zoneidx, free_pages);
}

/*
 * zone_watermark_fast(): the boosted mark; an order-0 __GFP_HIGH request at the min mark
 * ignores the boost. A zone that fails only because of the boost is counted.
 */
static bool zone_watermark_ok(struct model *m, const struct zone *z, unsigned order,
			      unsigned alloc_flags, enum model_zone_type highest_zoneidx)
{
	uint64_t free = z->nr_free_pages;
	uint64_t mark = (alloc_flags & ALLOC_WMARK_LOW) ? z->wmark_low : z->wmark_min;

	if (__zone_watermark_ok(z, order, alloc_flags, highest_zoneidx, free))
		return true;
	if (!z->watermark_boost)
		return false;
	if (!order && (alloc_flags & ALLOC_MIN_RESERVE) && !(alloc_flags & ALLOC_WMARK_LOW))
		return zone_watermark_mark_ok(z, order, mark, alloc_flags, highest_zoneidx, free);
	if (zone_watermark_mark_ok(z, order, mark, alloc_flags, highest_zoneidx, free))
		count_vm_event(m, MODEL_EV_WATERMARK_BOOST_REFUSED);
	return false;
}

static void count_outcome(struct model *m, enum spb_alloc_outcome outcome)
{
	static const enum model_vm_event ev[] = {
		[OUTCOME_PASS_1] = MODEL_EV_PASS_1,
		[OUTCOME_PASS_2] = MODEL_EV_PASS_2,
		[OUTCOME_PASS_2B] = MODEL_EV_PASS_2B,
		[OUTCOME_PASS_2C] = MODEL_EV_PASS_2C,
		[OUTCOME_PASS_2D] = MODEL_EV_PASS_2D,
		[OUTCOME_PASS_3] = MODEL_EV_PASS_3,
		[OUTCOME_PASS_4] = MODEL_EV_PASS_4,
		[OUTCOME_ZONE_FALLBACK] = MODEL_EV_ZONE_FALLBACK,
	};
	if (outcome != OUTCOME_NO_PAGE)
		count_vm_event(m, ev[outcome]);
}

/* __rmqueue() of the SPB series: smallest, the refusal gate, claim, steal; *mode as the kernel's. */
uint64_t spb_rmqueue(struct model *m, struct zone *z, unsigned order, int mt, unsigned alloc_flags,
		     enum rmqueue_mode *mode)
{
	struct spb_tainted_walk walk = { 0 };
	struct spb_tainted_walk *walkp = NULL;
	enum spb_alloc_outcome outcome;
	uint64_t pfn;

	if (mt != MIGRATE_MOVABLE && mt != MIGRATE_CMA &&
	    (alloc_flags & ALLOC_HIGHORDER_OPTIONAL)) {
		walkp = &walk;
		*mode = RMQUEUE_NORMAL;
	}
	if (*mode == RMQUEUE_NORMAL) {
		pfn = spb_rmqueue_smallest(m, z, order, mt, walkp, &outcome);
		count_outcome(m, outcome);
		if (pfn != MODEL_NO_PFN)
			return pfn;
		if (walkp && m->p.highorder_optional_gate &&
		    (walk.saw_free_pages || walk.saw_free_pb)) {
			count_vm_event(m, MODEL_EV_SPB_HIGHORDER_REFUSED);
			return MODEL_NO_PFN;
		}
	}
	if (*mode <= RMQUEUE_CLAIM) {
		pfn = spb_rmqueue_claim(m, z, order, mt, alloc_flags);
		if (pfn != MODEL_NO_PFN) {
			count_vm_event(m, MODEL_EV_RMQUEUE_CLAIM);
			*mode = RMQUEUE_NORMAL;
			return pfn;
		}
	}
	if (!(alloc_flags & ALLOC_NOFRAGMENT) || (alloc_flags & ALLOC_NOFRAG_TAINTED_OK)) {
		pfn = spb_rmqueue_steal(m, z, order, mt, alloc_flags);
		if (pfn != MODEL_NO_PFN) {
			count_vm_event(m, MODEL_EV_RMQUEUE_STEAL);
			*mode = RMQUEUE_STEAL;
			return pfn;
		}
	}
	return MODEL_NO_PFN;
}

/* __rmqueue() upstream. */
uint64_t mainline_rmqueue(struct model *m, struct zone *z, unsigned order, int mt,
			  unsigned alloc_flags, enum rmqueue_mode *mode)
{
	uint64_t pfn;

	if (*mode == RMQUEUE_NORMAL) {
		pfn = mainline_rmqueue_smallest(m, z, order, mt);
		if (pfn != MODEL_NO_PFN) {
			count_vm_event(m, MODEL_EV_PASS_1);
			return pfn;
		}
	}
	if (*mode <= RMQUEUE_CLAIM) {
		pfn = mainline_rmqueue_claim(m, z, order, mt, alloc_flags);
		if (pfn != MODEL_NO_PFN) {
			count_vm_event(m, MODEL_EV_RMQUEUE_CLAIM);
			*mode = RMQUEUE_NORMAL;
			return pfn;
		}
	}
	if (!(alloc_flags & ALLOC_NOFRAGMENT)) {
		pfn = mainline_rmqueue_steal(m, z, order, mt);
		if (pfn != MODEL_NO_PFN) {
			count_vm_event(m, MODEL_EV_RMQUEUE_STEAL);
			*mode = RMQUEUE_STEAL;
			return pfn;
		}
	}
	return MODEL_NO_PFN;
}

/* __rmqueue_smallest(MIGRATE_HIGHATOMIC): in the series, Passes 1 to 2d with that type. */
static uint64_t rmqueue_smallest_highatomic(struct model *m, struct zone *z, unsigned order)
{
	enum spb_alloc_outcome outcome;
	uint64_t pfn;

	if (m->policy != MODEL_POLICY_SPB)
		return mainline_rmqueue_smallest(m, z, order, MIGRATE_HIGHATOMIC);
	pfn = spb_rmqueue_smallest(m, z, order, MIGRATE_HIGHATOMIC, NULL, &outcome);
	count_outcome(m, outcome);
	return pfn;
}

/*
 * rmqueue_buddy(): ALLOC_HIGHATOMIC requests try the HIGHATOMIC lists first and may reserve
 * the pageblock after; ALLOC_NON_BLOCK ones fall back to them when __rmqueue fails.
 */
uint64_t rmqueue_buddy(struct model *m, struct zone *z, unsigned order, int mt,
		       unsigned alloc_flags, enum rmqueue_mode *mode)
{
	bool highatomic = m->p.highatomic && (alloc_flags & ALLOC_HIGHATOMIC);
	uint64_t pfn = MODEL_NO_PFN;

	if (highatomic)
		pfn = rmqueue_smallest_highatomic(m, z, order);
	if (pfn == MODEL_NO_PFN) {
		if (m->policy == MODEL_POLICY_SPB)
			pfn = spb_rmqueue(m, z, order, mt, alloc_flags, mode);
		else
			pfn = mainline_rmqueue(m, z, order, mt, alloc_flags, mode);
		if (pfn == MODEL_NO_PFN && m->p.highatomic && (alloc_flags & ALLOC_NON_BLOCK))
			pfn = rmqueue_smallest_highatomic(m, z, order);
		if (pfn == MODEL_NO_PFN)
			return pfn;
	}
	if (highatomic)
		reserve_highatomic_pageblock(m, z, pfn, order);
	return pfn;
}

/*
 * The series' relax ladder at the end of get_page_from_freelist(), for NOFRAGMENT callers
 * that cannot reclaim directly. Returns true to retry with *alloc_flags relaxed.
 */
static bool spb_relax_nofragment(struct model *m, const struct alloc_context *ac,
				 unsigned *alloc_flags)
{
	uint32_t gfp = ac->req->gfp;

	if (gfp & MODEL_GFP_NORETRY) {
		count_vm_event(m, MODEL_EV_RELAX_NORETRY_SKIP);
		return false;
	}
	if (m->p.nowarn_lower_order && ac->req->order > 0 && (gfp & MODEL_GFP_NOWARN) &&
	    !(gfp & MODEL_GFP_NOFAIL) &&
	    spb_tainted_can_serve_smaller(m, ac->preferred, ac->req->order, ac->req->migratetype)) {
		count_vm_event(m, MODEL_EV_RELAX_NOWARN_LOWER_ORDER);
		return false;
	}
	if (!(*alloc_flags & ALLOC_NOFRAG_TAINTED_OK)) {
		*alloc_flags |= ALLOC_NOFRAG_TAINTED_OK;
		count_vm_event(m, MODEL_EV_RELAX_ADD_TAINTED_OK);
		return true;
	}
	*alloc_flags &= ~(unsigned)(ALLOC_NOFRAGMENT | ALLOC_NOFRAG_TAINTED_OK);
	count_vm_event(m, MODEL_EV_RELAX_DROP_NOFRAGMENT);
	return true;
}

/* get_page_from_freelist(): the zonelist scan, then the NOFRAGMENT relaxation. */
uint64_t get_page_from_freelist(struct model *m, const struct alloc_context *ac,
				unsigned alloc_flags)
{
	const struct model_alloc_req *req = ac->req;
	unsigned n = m->zonelist_len[ac->nid][ac->highest];

	for (;;) {
		bool no_fallback = alloc_flags & ALLOC_NOFRAGMENT;
		for (unsigned i = 0; i < n; i++) {
			struct zone *z = &m->zones[m->zonelist[ac->nid][ac->highest][i]];
			if ((req->gfp & MODEL_GFP_THISNODE) && z->nid != ac->nid)
				continue;
			if (!(alloc_flags & ALLOC_NO_WATERMARKS) &&
			    !zone_watermark_ok(m, z, req->order, alloc_flags, ac->highest))
				continue;
			enum rmqueue_mode mode = RMQUEUE_NORMAL;
			uint64_t pfn;
			if (ac->pcp)
				pfn = m->pcp_fn(m->pcp_ctx, m->zonelist[ac->nid][ac->highest][i],
						req, alloc_flags);
			else if (ac->bulk)
				pfn = rmqueue_bulk(m, z, req->order, req->migratetype, alloc_flags,
						   ac->bulk);
			else
				pfn = rmqueue_buddy(m, z, req->order, req->migratetype, alloc_flags,
						    &mode);
			if (pfn != MODEL_NO_PFN)
				return pfn;
		}
		if (!no_fallback || m->p.defrag_mode)
			return MODEL_NO_PFN;
		if (m->policy == MODEL_POLICY_MAINLINE) {
			alloc_flags &= ~(unsigned)ALLOC_NOFRAGMENT;
			continue;
		}
		if (req->gfp & MODEL_GFP_DIRECT_RECLAIM)
			return MODEL_NO_PFN;
		if (!spb_relax_nofragment(m, ac, &alloc_flags))
			return MODEL_NO_PFN;
	}
}

/*
 * The slowpath's state across its retries: __alloc_pages_slowpath()'s locals that outlive one
 * pass of its retry loop.
 */
struct slowpath {
	unsigned alloc_flags;
	bool can_retry_reserves; /* the one immediate retry with reserve flags */
	unsigned no_progress_loops;
	uint64_t did_some_progress;
	bool compact_first;
	int compact_priority;		    /* DEF_COMPACT_PRIORITY, async for NORETRY (SPB) */
	enum compact_result compact_result; /* the last direct compaction's */
};

/*
 * spb_evacuate_for_order() over the zonelist, then get_page_from_freelist() after each zone
 * that evacuated something: the series' step in __alloc_pages_direct_compact() and its last
 * step before dropping ALLOC_NOFRAGMENT. Runs under PF_MEMALLOC, as compaction does, so the
 * migration targets it allocates never reclaim the pages being moved.
 */
static uint64_t spb_evacuate_zonelist(struct model *m, const struct alloc_context *ac,
				      unsigned alloc_flags)
{
	bool saved = m->pf_memalloc;
	struct zone *z;

	count_vm_event(m, MODEL_EV_SLOWPATH_EVACUATE);
	for_each_zone_zonelist(m, ac, i, z)
	{
		m->pf_memalloc = true;
		bool evacuated = spb_evacuate_for_order(m, z, ac->req->order, ac->req->migratetype);
		m->pf_memalloc = saved;
		if (evacuated) {
			uint64_t pfn = get_page_from_freelist(m, ac, alloc_flags);
			if (pfn != MODEL_NO_PFN)
				return pfn;
		}
	}
	return MODEL_NO_PFN;
}

static bool spb_nonmovable(const struct model *m, const struct alloc_context *ac)
{
	int mt = ac->req->migratetype;
	return m->policy == MODEL_POLICY_SPB &&
	       (mt == MIGRATE_UNMOVABLE || mt == MIGRATE_RECLAIMABLE);
}

/*
 * try_to_compact_pages() under PF_MEMALLOC (memalloc_noreclaim_save), then the page it
 * captured or, failing that, get_page_from_freelist(); the outcome resets or keeps the
 * zone's deferral and counts COMPACTSUCCESS or COMPACTFAIL (model_direct_compact.c).
 */
static uint64_t direct_compact(struct model *m, const struct alloc_context *ac,
			       unsigned alloc_flags, int prio, enum compact_result *result)
{
	bool saved = m->pf_memalloc;
	uint64_t pfn;

	m->pf_memalloc = true;
	*result = try_to_compact_pages(m, ac, alloc_flags, prio, &pfn);
	m->pf_memalloc = saved;
	if (*result == COMPACT_SKIPPED)
		return MODEL_NO_PFN;
	count_vm_event(m, MODEL_EV_COMPACTSTALL);
	if (pfn == MODEL_NO_PFN)
		pfn = get_page_from_freelist(m, ac, alloc_flags);
	if (pfn == MODEL_NO_PFN) {
		count_vm_event(m, MODEL_EV_COMPACTFAIL);
		return MODEL_NO_PFN;
	}
	struct zone *z = page_zone(m, pfn);
	if (z->compact_blockskip_flush) {
		z->compact_blockskip_flush = false;
		m->gen++;
	}
	compaction_defer_reset(m, z, ac->req->order, true);
	count_vm_event(m, MODEL_EV_COMPACTSUCCESS);
	return pfn;
}

/*
 * __alloc_pages_direct_compact(): nothing for order 0; the series' targeted evacuation for
 * UNMOVABLE and RECLAIMABLE requests, then try_to_compact_pages() unless direct_compaction
 * is off. The series' spb_try_alloc_contig() for movable requests of a pageblock and more,
 * tried first, is not modelled: its __alloc_contig_verify_gfp_mask() refuses __GFP_NORETRY
 * (docs/model.md). *result stays COMPACT_CONTINUE when no compaction ran, so mainline's
 * exits on SKIPPED and DEFERRED do not fire.
 */
static uint64_t __alloc_pages_direct_compact(struct model *m, const struct alloc_context *ac,
					     unsigned alloc_flags, int prio,
					     enum compact_result *result)
{
	uint64_t pfn;

	*result = COMPACT_CONTINUE;
	if (!ac->req->order)
		return MODEL_NO_PFN;
	if (spb_nonmovable(m, ac)) {
		pfn = spb_evacuate_zonelist(m, ac, alloc_flags);
		if (pfn != MODEL_NO_PFN)
			return pfn;
	}
	if (!m->p.direct_compaction)
		return MODEL_NO_PFN;
	return direct_compact(m, ac, alloc_flags, prio, result);
}

/*
 * The slowpath's exits to nopage before its retries: __GFP_NORETRY after one round of
 * reclaim and compaction, and costly orders unless __GFP_RETRY_MAYFAIL and compaction is
 * allowed (gfp_compaction_allowed(): __GFP_IO).
 */
static bool slowpath_gives_up(struct model *m, const struct alloc_context *ac)
{
	uint32_t gfp = ac->req->gfp;

	if (gfp & MODEL_GFP_NORETRY) {
		count_vm_event(m, MODEL_EV_SLOWPATH_NORETRY_NOPAGE);
		return true;
	}
	if (ac->req->order > PAGE_ALLOC_COSTLY_ORDER &&
	    (!(gfp & MODEL_GFP_IO) || !(gfp & MODEL_GFP_RETRY_MAYFAIL))) {
		count_vm_event(m, MODEL_EV_SLOWPATH_COSTLY_NOPAGE);
		return true;
	}
	return false;
}

/*
 * The tail of __alloc_pages_slowpath() once reclaim has no retries left: the series'
 * spb_evacuate_for_order() for UNMOVABLE and RECLAIMABLE requests still under NOFRAGMENT,
 * then, still failing, drop ALLOC_NOFRAGMENT and go round again (*pfn MODEL_NO_PFN, true).
 * False: nothing is left but the OOM killer, which the model does not have.
 */
static bool slowpath_last_resort(struct model *m, const struct alloc_context *ac,
				 struct slowpath *sp, uint64_t *pfn)
{
	*pfn = MODEL_NO_PFN;
	if (!(sp->alloc_flags & ALLOC_NOFRAGMENT))
		return false;
	if (spb_nonmovable(m, ac)) {
		*pfn = spb_evacuate_zonelist(m, ac, sp->alloc_flags);
		if (*pfn != MODEL_NO_PFN)
			return true;
	}
	count_vm_event(m, MODEL_EV_SLOWPATH_DROP_NOFRAGMENT);
	sp->alloc_flags &= ~(unsigned)(ALLOC_NOFRAGMENT | ALLOC_NOFRAG_TAINTED_OK);
	return true;
}

/*
 * A retry that changed nothing (no reclaim progress, model->gen unchanged) repeats exactly
 * until should_reclaim_retry() runs out: add its counters once per remaining retry and jump
 * there. Results are those of running them.
 */
static void skip_identical_retries(struct model *m, struct slowpath *sp, const uint64_t *before)
{
	unsigned left = m->p.max_reclaim_retries - sp->no_progress_loops;

	for (unsigned ev = 0; ev < MODEL_NR_VM_EVENTS; ev++)
		m->events[ev] += (m->events[ev] - before[ev]) * left;
	sp->no_progress_loops = m->p.max_reclaim_retries;
}

/*
 * After the compact-first attempt, __GFP_NORETRY | __GFP_THISNODE requests go to nopage; the
 * rest go round the retry loop once more, this time with direct reclaim. The series' tree
 * ([S-F] __alloc_pages_slowpath) has no other exit here: a __GFP_NORETRY request keeps async
 * compaction (INIT_COMPACT_PRIORITY), any other goes back to DEF_COMPACT_PRIORITY. Mainline
 * keeps the traced kernel's (6.18) exit instead: a costly __GFP_NORETRY request whose
 * compaction was skipped or deferred goes to nopage without reclaiming. Returns as
 * slowpath_pass() does.
 */
static int compact_first_done(struct model *m, const struct alloc_context *ac, struct slowpath *sp)
{
	uint32_t gfp = ac->req->gfp;

	if ((gfp & MODEL_GFP_NORETRY) && (gfp & MODEL_GFP_THISNODE))
		return 0;
	if (m->policy == MODEL_POLICY_SPB) {
		sp->compact_priority =
			(gfp & MODEL_GFP_NORETRY) ? INIT_COMPACT_PRIORITY : DEF_COMPACT_PRIORITY;
	} else if (ac->req->order > PAGE_ALLOC_COSTLY_ORDER && (gfp & MODEL_GFP_NORETRY)) {
		if (sp->compact_result == COMPACT_SKIPPED ||
		    sp->compact_result == COMPACT_DEFERRED) {
			count_vm_event(m, MODEL_EV_SLOWPATH_NORETRY_NOPAGE);
			return 0;
		}
		sp->compact_priority = INIT_COMPACT_PRIORITY;
	}
	sp->compact_first = false;
	return 1;
}

/*
 * __gfp_pfmemalloc_flags(): who may ignore the watermarks. Not __GFP_NOMEMALLOC; a
 * __GFP_MEMALLOC request; a task in reclaim or compaction (PF_MEMALLOC, model->pf_memalloc:
 * the model's own reclaim, compaction and evacuation). The model has no interrupt context and
 * no OOM victims (ALLOC_OOM).
 */
static unsigned __gfp_pfmemalloc_flags(const struct model *m, uint32_t gfp)
{
	if (gfp & MODEL_GFP_NOMEMALLOC)
		return 0;
	if ((gfp & MODEL_GFP_MEMALLOC) || m->pf_memalloc)
		return ALLOC_NO_WATERMARKS;
	return 0;
}

/*
 * One pass of __alloc_pages_slowpath()'s retry loop up to should_reclaim_retry(): the freelist
 * with the slowpath's flags, direct reclaim (not on a compact-first pass), direct compaction,
 * the compact-first turn, the NORETRY and costly exits. Returns 1 to go round again, 0 when
 * *pfn is the answer, -1 to fall through to should_reclaim_retry(), -2 (no reclaim here)
 * straight to the last resort.
 */
static int slowpath_pass(struct model *m, const struct alloc_context *ac, struct slowpath *sp,
			 uint64_t *pfn)
{
	uint32_t gfp = ac->req->gfp;

	*pfn = get_page_from_freelist(m, ac, sp->alloc_flags);
	if (*pfn != MODEL_NO_PFN)
		return 0;
	/*
	 * The reserves replace the slowpath's flags, NOFRAGMENT included (the model has neither
	 * ALLOC_CMA nor ALLOC_KSWAPD to keep). The first time the flags are adjusted the pass is
	 * retried at once: for reserves, and for a request without ALLOC_CPUSET, which
	 * gfp_to_alloc_flags() drops for a __GFP_HIGH request that cannot reclaim (GFP_ATOMIC).
	 */
	unsigned reserve_flags = __gfp_pfmemalloc_flags(m, gfp);
	bool no_cpuset = !(gfp & MODEL_GFP_DIRECT_RECLAIM) && (gfp & MODEL_GFP_HIGH);
	if (reserve_flags)
		sp->alloc_flags = reserve_flags;
	if ((reserve_flags || no_cpuset) && sp->can_retry_reserves) {
		sp->can_retry_reserves = false;
		count_vm_event(m, MODEL_EV_SLOWPATH_RESERVES);
		return 1;
	}
	/* no direct reclaim, or PF_MEMALLOC (no recursion of reclaim): nopage */
	if (!(gfp & MODEL_GFP_DIRECT_RECLAIM) || m->pf_memalloc)
		return 0;
	/* deferred work does not reclaim (docs/model.md), nor anyone with direct_reclaim off */
	if (m->running_work || !m->p.direct_reclaim)
		return -2;
	if (!sp->compact_first) {
		*pfn = __alloc_pages_direct_reclaim(m, ac, sp->alloc_flags, &sp->did_some_progress);
		if (*pfn != MODEL_NO_PFN)
			return 0;
	}
	*pfn = __alloc_pages_direct_compact(m, ac, sp->alloc_flags,
					    sp->compact_first ? INIT_COMPACT_PRIORITY
							      : sp->compact_priority,
					    &sp->compact_result);
	if (*pfn != MODEL_NO_PFN)
		return 0;
	if (sp->compact_first)
		return compact_first_done(m, ac, sp);
	if (slowpath_gives_up(m, ac))
		return 0;
	return -1;
}

/*
 * __alloc_pages_slowpath() (mm/page_alloc.c of the series): the slowpath keeps
 * ALLOC_NOFRAGMENT (alloc_flags_nofragment() re-added) through direct reclaim and compaction,
 * exits to nopage for __GFP_NORETRY and costly orders, retries while should_reclaim_retry()
 * allows, and only then evacuates (spb_evacuate_for_order) and drops NOFRAGMENT. No OOM
 * killer: what is still failing then fails.
 */
static uint64_t alloc_pages_slowpath(struct model *m, const struct alloc_context *ac)
{
	unsigned order = ac->req->order;
	struct slowpath sp = { .alloc_flags = gfp_to_alloc_flags(ac->req->gfp, order),
			       .can_retry_reserves = true,
			       .compact_priority = DEF_COMPACT_PRIORITY };
	uint64_t before[MODEL_NR_VM_EVENTS], pfn;

	count_vm_event(m, MODEL_EV_SLOWPATH);
	/* compact first for costly orders and non-movable high orders (can_compact) */
	sp.compact_first = (ac->req->gfp & MODEL_GFP_IO) &&
			   (order > PAGE_ALLOC_COSTLY_ORDER ||
			    (order > 0 && ac->req->migratetype != MIGRATE_MOVABLE));
	if (m->policy == MODEL_POLICY_SPB || m->p.defrag_mode)
		sp.alloc_flags |= alloc_flags_nofragment(m, ac->preferred);
	for (;;) {
		uint64_t gen = m->gen, kept = m->share_kept;
		memcpy(before, m->events, sizeof(before));
		int next = slowpath_pass(m, ac, &sp, &pfn);
		if (next == 0)
			return pfn;
		if (next == 1)
			continue;
		if (next == -1 &&
		    should_reclaim_retry(m, ac, sp.alloc_flags, sp.did_some_progress > 0,
					 &sp.no_progress_loops)) {
			/* a pass that kept a member's absorbed count apart is run again,
			 * not multiplied: the members' counts are not in before */
			if (!sp.did_some_progress && m->gen == gen && m->share_kept == kept)
				skip_identical_retries(m, &sp, before);
			continue;
		}
		if (!slowpath_last_resort(m, ac, &sp, &pfn))
			return MODEL_NO_PFN;
		if (pfn != MODEL_NO_PFN)
			return pfn;
	}
}

/*
 * The failed-request memo. Under exhaustion the same request fails again and again, each time
 * walking every list and running the slowpath's evacuation over pageblocks whose migrations
 * cannot find a target. A failure changes nothing but counters (anything else bumps
 * model->gen), so the same request in the same state (gen, CPU, rng, and the clock when a
 * throttle or cooldown read it) fails the same way: its counters are added again and the
 * work is skipped. Results are those of doing the work. Requests are recorded only after a
 * recent failure (calm counts served requests since), and only those of the kind (order,
 * type, gfp, list path: memo_sig) of a failure since: the others, nearly all requests under
 * pressure, skip the copy of the counters a record needs and the memo's look-up. A kind's
 * first failure is not recorded; its next identical request runs the work and is. The memo
 * only decides what is recomputed, never a result.
 */
#define MEMO_CALM_LIMIT 4096

/* The request's bit in model->memo_sigs: a hash of what a memo key compares but the state. */
static uint64_t memo_sig(const struct model_alloc_req *req, uint32_t bulk)
{
	uint32_t h = (req->gfp ^ bulk) * 0x9e3779b1u;

	h ^= (uint32_t)req->order * 0x85ebca6bu ^ (uint32_t)req->migratetype << 29;
	return 1ull << (h >> 26);
}

static bool memo_key_matches(const struct model *m, const struct alloc_memo *e,
			     const struct model_alloc_req *req, uint32_t bulk)
{
	return e->valid && e->gen == m->gen && e->order == req->order &&
	       e->mt == (uint8_t)req->migratetype && e->gfp == req->gfp && e->nid == req->nid &&
	       e->cpu == req->cpu && e->movable == req->movable && e->bulk == bulk &&
	       e->rng == m->rng && (!e->timed || e->now_ns == m->now_ns) &&
	       e->pf_memalloc == m->pf_memalloc && e->running_work == m->running_work;
}

static bool memo_replay(struct model *m, const struct model_alloc_req *req, uint32_t bulk)
{
	for (unsigned i = 0; i < ALLOC_MEMO_SLOTS; i++) {
		const struct alloc_memo *e = &m->memo[i];
		if (!memo_key_matches(m, e, req, bulk))
			continue;
		for (unsigned ev = 0; ev < MODEL_NR_VM_EVENTS; ev++)
			m->events[ev] += e->delta[ev];
		m->current_cpu = e->cpu_after;
		m->time_used |= e->timed;
		return true;
	}
	return false;
}

static void memo_record(struct model *m, const struct model_alloc_req *req, uint32_t bulk,
			uint64_t gen, uint64_t rng, const uint64_t *before)
{
	struct alloc_memo *e = &m->memo[m->memo_next++ % ALLOC_MEMO_SLOTS];

	*e = (struct alloc_memo){ .valid = true,
				  .timed = m->time_used,
				  .order = (uint8_t)req->order,
				  .mt = (uint8_t)req->migratetype,
				  .movable = req->movable,
				  .pf_memalloc = m->pf_memalloc,
				  .running_work = m->running_work,
				  .nid = (int16_t)req->nid,
				  .cpu = (int16_t)req->cpu,
				  .cpu_after = (int16_t)m->current_cpu,
				  .gfp = req->gfp,
				  .bulk = bulk,
				  .gen = gen,
				  .now_ns = m->now_ns,
				  .rng = rng };
	for (unsigned ev = 0; ev < MODEL_NR_VM_EVENTS; ev++)
		e->delta[ev] = m->events[ev] - before[ev];
}

/*
 * prepare_alloc_pages(): the request's node, highest zone and zonelist (the preferred zone its
 * first), and the CPU it runs on. MODEL_EINVAL for an order or type the model refuses,
 * MODEL_ENOMEM when the node has no zone the request may use; then nothing is set.
 */
static inline int prepare_alloc_pages(struct model *m, const struct model_alloc_req *req,
				      struct alloc_context *ac)
{
	if (req->order > MAX_PAGE_ORDER || req->migratetype < 0 ||
	    req->migratetype >= MIGRATE_PCPTYPES)
		return MODEL_EINVAL;
	ac->nid = req->nid >= 0 && req->nid < m->nr_nodes ? req->nid : 0;
	ac->highest = gfp_zone(req->gfp);
	while (!m->zonelist_len[ac->nid][ac->highest] && ac->highest > ZONE_DMA)
		ac->highest--;
	if (!m->zonelist_len[ac->nid][ac->highest])
		return MODEL_ENOMEM;
	ac->preferred = &m->zones[m->zonelist[ac->nid][ac->highest][0]];
	m->current_cpu = req->cpu >= 0 && (unsigned)req->cpu < m->nr_cpus ? req->cpu : 0;
	return MODEL_OK;
}

/* __alloc_pages(): the fast path with ALLOC_WMARK_LOW, then the slowpath. */
static int __alloc_pages(struct model *m, const struct model_alloc_req *req,
			 struct model_bulk *bulk, bool pcp, uint64_t *pfn_out)
{
	struct alloc_context ac = { .req = req, .bulk = bulk, .pcp = pcp && m->pcp_fn };
	uint64_t pfn;

	MODEL_WARN_ON(m, req->order > MAX_PAGE_ORDER);
	int rc = prepare_alloc_pages(m, req, &ac);
	if (rc)
		return rc;
	pfn = get_page_from_freelist(m, &ac,
				     ALLOC_WMARK_LOW | alloc_flags_nofragment(m, ac.preferred));
	if (pfn == MODEL_NO_PFN)
		pfn = alloc_pages_slowpath(m, &ac);
	if (pfn == MODEL_NO_PFN) {
		count_vm_event(m, MODEL_EV_ALLOC_FAIL);
		return MODEL_ENOMEM;
	}
	*pfn_out = pfn;
	return MODEL_OK;
}

/* Not a kernel function: the memo's bookkeeping after a request: calm counted, a failure's kind noted. */
static void memo_note_outcome(struct model *m, const struct model_alloc_req *req, uint32_t bulk,
			      int rc)
{
	if (rc != MODEL_ENOMEM) {
		if (m->calm < MEMO_CALM_LIMIT && ++m->calm == MEMO_CALM_LIMIT)
			m->memo_sigs = 0;
	} else {
		m->calm = 0;
		m->memo_sigs |= memo_sig(req, bulk);
	}
}

/* Not a kernel function: __alloc_pages() of a request the memo may answer, recorded when it fails. */
static int __attribute__((noinline))
alloc_pages_memo(struct model *m, const struct model_alloc_req *req, struct model_bulk *bulk,
		 bool pcp, uint32_t nbulk, uint64_t *pfn_out)
{
	uint64_t before[MODEL_NR_VM_EVENTS], gen = m->gen, rng = m->rng;
	bool outer_time_used = m->time_used;
	uint64_t kept = m->share_kept;
	int rc;

	if (memo_replay(m, req, nbulk))
		return MODEL_ENOMEM;
	memcpy(before, m->events, sizeof(before));
	m->time_used = false; /* this request's own reads of the clock (it may be nested) */
	rc = __alloc_pages(m, req, bulk, pcp, pfn_out);
	/* a shared model's member counters kept apart (model_share.c) are not in the memo: such
	 * a request runs again */
	if (rc == MODEL_ENOMEM && m->gen == gen && m->share_kept == kept)
		memo_record(m, req, nbulk, gen, rng, before);
	memo_note_outcome(m, req, nbulk, rc);
	m->time_used |= outer_time_used;
	return rc;
}

/* __alloc_pages() through the failed-request memo. */
static int alloc_pages(struct model *m, const struct model_alloc_req *req, struct model_bulk *bulk,
		       bool pcp, uint64_t *pfn_out)
{
	uint32_t nbulk = bulk ? bulk->count << 16 | (bulk->max & 0xffff) : pcp ? UINT32_MAX : 0;
	bool outer_time_used = m->time_used;
	int rc;

	if (m->calm < MEMO_CALM_LIMIT && (m->memo_sigs & memo_sig(req, nbulk)))
		return alloc_pages_memo(m, req, bulk, pcp, nbulk, pfn_out);
	m->time_used = false; /* this request's own reads of the clock (it may be nested) */
	rc = __alloc_pages(m, req, bulk, pcp, pfn_out);
	memo_note_outcome(m, req, nbulk, rc);
	m->time_used |= outer_time_used;
	return rc;
}

/*
 * Not a kernel function: alloc_pages() of a buddy request that this CPU's warm hint serves, by
 * the steps the whole call takes then and no others: no memo for the request's kind
 * (alloc_pages), prepare_alloc_pages(), get_page_from_freelist()'s zonelist with the fast
 * path's flags up to the first zone whose watermark passes, and there rmqueue_buddy() ->
 * spb_rmqueue() -> spb_rmqueue_smallest(), whose first step is that hint (the flags carry
 * neither ALLOC_HIGHATOMIC nor ALLOC_HIGHORDER_OPTIONAL, so nothing comes before it): the
 * same pfn and counters. False, with nothing changed that the whole call would not set the
 * same way first (current_cpu), when the hint cannot serve: the caller makes the whole call.
 * params.exact_walks turns it off (test_model_shortcuts' reference). The caller's fallback
 * (replay_fallback.c: a THP's fault, one order-0 folio a call) asks it hundreds of times in
 * a row; a 4 KiB buddy request otherwise goes through the per-CPU lists.
 */
static bool alloc_pages_cpu_hint(struct model *m, const struct model_alloc_req *req,
				 uint64_t *pfn_out)
{
	struct alloc_context ac = { .req = req };
	unsigned alloc_flags = ALLOC_WMARK_LOW;
	struct zone *z, *first_ok = NULL;

	if (m->policy != MODEL_POLICY_SPB || !m->p.warm_hints || m->p.exact_walks)
		return false;
	if (m->calm < MEMO_CALM_LIMIT && (m->memo_sigs & memo_sig(req, 0)))
		return false;
	if (prepare_alloc_pages(m, req, &ac))
		return false;
	alloc_flags |= alloc_flags_nofragment(m, ac.preferred);
	for_each_zone_zonelist(m, &ac, i, z)
	{
		if ((req->gfp & MODEL_GFP_THISNODE) && z->nid != ac.nid)
			continue;
		if (zone_watermark_ok(m, z, req->order, alloc_flags, ac.highest)) {
			first_ok = z;
			break;
		}
	}
	if (!first_ok)
		return false;
	z = first_ok;
	bool outer_time_used = m->time_used;
	m->time_used = false; /* as alloc_pages() */
	uint64_t pfn = spb_rmqueue_cpu_hint(m, z, req->order, req->migratetype);
	if (pfn == MODEL_NO_PFN) {
		m->time_used = outer_time_used;
		return false;
	}
	count_outcome(m, OUTCOME_PASS_1);
	memo_note_outcome(m, req, 0, MODEL_OK);
	m->time_used |= outer_time_used;
	*pfn_out = pfn;
	return true;
}

int model_alloc(struct model *m, const struct model_alloc_req *req, uint64_t *pfn_out)
{
	uint64_t pfn;
	int rc = MODEL_OK;

	if (!alloc_pages_cpu_hint(m, req, &pfn))
		rc = alloc_pages(m, req, NULL, false, &pfn);
	if (rc)
		return rc;
	mark_allocated(m, pfn, req->order, req->migratetype, req->movable);
	m->events[MODEL_EV_PGALLOC] += 1u << req->order;
	*pfn_out = pfn;
	return MODEL_OK;
}

/* Not a kernel function: the first zone get_page_from_freelist()'s walk tests for the request. */
static struct zone *first_zone_tested(struct model *m, const struct alloc_context *ac)
{
	struct zone *z;

	for_each_zone_zonelist(m, ac, i, z)
	{
		if (!(ac->req->gfp & MODEL_GFP_THISNODE) || z->nid == ac->nid)
			return z;
	}
	return NULL;
}

/*
 * Not a kernel function: model_alloc() of n identical order-0 requests in a row, each served by
 * alloc_pages_cpu_hint(), made at once where that is what each call would do: no memo for the
 * request's kind (a success only counts calm, which can only clear memo_sigs), the zonelist
 * walk's first zone passing its watermark at every call (its free pages fall by one a call and
 * the order-0 test only rises with them, so the last call's test is enough), and there
 * spb_rmqueue_cpu_hint_run() (which counts the calls' PASS_1). Then each call's bookkeeping in
 * order: memo_note_outcome(), mark_allocated() and PGALLOC. The calls' pages are alike, so
 * marking them after the pass instead of between its calls changes nothing the pass reads.
 * test_model_shortcuts (fallback_runs) checks it against single calls with exact walks.
 */
unsigned model_alloc_run(struct model *m, const struct model_alloc_req *req, unsigned max,
			 uint64_t *pfns)
{
	struct alloc_context ac = { .req = req };
	unsigned alloc_flags = ALLOC_WMARK_LOW, n = max;
	struct zone *z;
	uint64_t first;

	if (m->policy != MODEL_POLICY_SPB || !m->p.warm_hints || m->p.exact_walks || req->order ||
	    !max)
		return 0;
	if (m->calm < MEMO_CALM_LIMIT && (m->memo_sigs & memo_sig(req, 0)))
		return 0;
	if (prepare_alloc_pages(m, req, &ac))
		return 0;
	alloc_flags |= alloc_flags_nofragment(m, ac.preferred);
	z = first_zone_tested(m, &ac);
	if (!z)
		return 0;
	if (n > z->nr_free_pages)
		n = (unsigned)z->nr_free_pages;
	/* not even one call passes (the usual state when fallbacks happen): no countdown */
	if (!n || !__zone_watermark_ok(z, 0, alloc_flags, ac.highest, z->nr_free_pages))
		return 0;
	while (n && !__zone_watermark_ok(z, 0, alloc_flags, ac.highest, z->nr_free_pages - (n - 1)))
		n--;
	if (!n)
		return 0;
	bool outer_time_used = m->time_used;
	m->time_used = false; /* as alloc_pages() */
	n = spb_rmqueue_cpu_hint_run(m, z, 0, req->migratetype, n, &first);
	m->time_used |= outer_time_used;
	for (unsigned i = 0; i < n; i++) {
		memo_note_outcome(m, req, 0, MODEL_OK);
		pfns[i] = first + i;
		mark_allocated(m, pfns[i], 0, req->migratetype, req->movable);
	}
	m->events[MODEL_EV_PGALLOC] += n;
	return n;
}

/*
 * A PCP refill: rmqueue_bulk() for count blocks of req->order, reached the way the kernel
 * reaches it (rmqueue_pcplist inside get_page_from_freelist, so zone choice, the relax ladder
 * and the slowpath apply when nothing at all can be had). Each block is allocated in the model
 * with the request's type; replay hands out its pages and frees them as the trace drains them.
 */
int model_alloc_bulk(struct model *m, const struct model_alloc_req *req, unsigned count,
		     struct model_block *blocks, unsigned max_blocks, unsigned *nr_blocks)
{
	struct model_bulk bulk = { .count = count, .blocks = blocks, .max = max_blocks };
	uint64_t first;
	int rc;

	*nr_blocks = 0;
	if (!count || !max_blocks)
		return MODEL_EINVAL;
	rc = alloc_pages(m, req, &bulk, false, &first);
	if (rc)
		return rc;
	mark_allocated_bulk(m, blocks, bulk.n, req->migratetype, req->movable);
	*nr_blocks = bulk.n;
	return MODEL_OK;
}

/*
 * alloc_pages_pcp_listed()'s last step: the list head of zone (its index, from the zonelist),
 * counted as a success.
 */
static inline bool alloc_pages_pcp_pop(struct model *m, const struct model_alloc_req *req,
				       unsigned zone, uint64_t *pfn_out)
{
	uint64_t pfn = m->pcp_pop_fn(m->pcp_ctx, zone, req);

	if (pfn == MODEL_NO_PFN)
		return false;
	memo_note_outcome(m, req, UINT32_MAX, MODEL_OK);
	*pfn_out = pfn;
	return true;
}

/*
 * alloc_pages_pcp_listed() when the zonelist's first zone is passed by (__GFP_THISNODE) or
 * below its low mark without a boost: get_page_from_freelist()'s walk on from the second zone,
 * out of line, past zones below the low mark without a boost (their zone_watermark_ok() fails
 * counting nothing) to the first whose mark is met. A boosted zone below it may count an
 * event: the whole call's.
 */
static bool __attribute__((noinline))
alloc_pages_pcp_listed_walk(struct model *m, const struct model_alloc_req *req,
			    const struct alloc_context *ac, unsigned alloc_flags, uint64_t *pfn_out)
{
	unsigned n = m->zonelist_len[ac->nid][ac->highest];

	for (unsigned i = 1; i < n; i++) {
		unsigned zone = m->zonelist[ac->nid][ac->highest][i];
		struct zone *z = &m->zones[zone];
		if ((req->gfp & MODEL_GFP_THISNODE) && z->nid != ac->nid)
			continue;
		if (zone_watermark_mark_ok(z, req->order, low_wmark_pages(z), alloc_flags,
					   ac->highest, z->nr_free_pages))
			return alloc_pages_pcp_pop(m, req, zone, pfn_out);
		if (z->watermark_boost)
			return false;
	}
	return false;
}

/*
 * Not a kernel function: alloc_pages() of a per-CPU-list order whose list has a page in the
 * zone the walk would take it from, by the steps the whole call takes then and no others: no
 * memo for the request's kind (alloc_pages), prepare_alloc_pages(), get_page_from_freelist()'s
 * zonelist with the fast path's flags to the first zone whose __zone_watermark_ok() passes
 * (alloc_pages_pcp_listed_walk past the first), and there rmqueue_pcplist() finding the list's
 * head (the pop hook). No clock is read, no event counted; the memo's calm count moves as for
 * any success. False, with nothing changed that the whole call would not set the same way
 * first (current_cpu), when any step differs: the caller makes the whole call.
 * params.exact_walks turns it off (test_model_refill's reference).
 */
static bool alloc_pages_pcp_listed(struct model *m, const struct model_alloc_req *req,
				   uint64_t *pfn_out)
{
	struct alloc_context ac = { .req = req, .pcp = true };
	unsigned alloc_flags = ALLOC_WMARK_LOW;
	struct zone *z;

	if (!m->pcp_pop_fn || m->p.exact_walks)
		return false;
	if (m->calm < MEMO_CALM_LIMIT && (m->memo_sigs & memo_sig(req, UINT32_MAX)))
		return false;
	if (prepare_alloc_pages(m, req, &ac))
		return false;
	alloc_flags |= alloc_flags_nofragment(m, ac.preferred);
	/* the common case: the zonelist's first zone, __zone_watermark_ok() at the low mark */
	z = ac.preferred;
	if (!((req->gfp & MODEL_GFP_THISNODE) && z->nid != ac.nid)) {
		if (zone_watermark_mark_ok(z, req->order, low_wmark_pages(z), alloc_flags,
					   ac.highest, z->nr_free_pages))
			return alloc_pages_pcp_pop(m, req, m->zonelist[ac.nid][ac.highest][0],
						   pfn_out);
		if (z->watermark_boost)
			return false;
	}
	return alloc_pages_pcp_listed_walk(m, req, &ac, alloc_flags, pfn_out);
}

/*
 * __alloc_pages() of a per-CPU-list order: get_page_from_freelist() reaches each zone's lists
 * through the caller's hook after that zone's watermark check (rmqueue() -> rmqueue_pcplist()),
 * so a list's pages serve only requests that may use their zone. The hook's page is allocated.
 * A request whose first zone's list has a page takes the short path of the same steps
 * (alloc_pages_pcp_listed).
 */
static int __attribute__((noinline))
alloc_pages_pcp_walk(struct model *m, const struct model_alloc_req *req, uint64_t *pfn_out)
{
	int rc = alloc_pages(m, req, NULL, true, pfn_out);
	/* a block direct compaction captured came off the buddy lists, not through the hook:
	 * prep_new_page() it here (__alloc_pages_direct_compact) */
	if (rc == MODEL_OK && pw_kind(pw_get(m, *pfn_out)) != PK_ALLOC) {
		mark_allocated(m, *pfn_out, req->order, req->migratetype, req->movable);
		m->events[MODEL_EV_PGALLOC] += 1u << req->order;
	}
	return rc;
}

/* model_alloc_pcp(): the short path inline, the whole call out of line (alloc_pages_pcp_walk). */
int model_alloc_pcp(struct model *m, const struct model_alloc_req *req, uint64_t *pfn_out)
{
	if (!m->pcp_fn)
		return MODEL_EINVAL;
	if (alloc_pages_pcp_listed(m, req, pfn_out))
		return MODEL_OK;
	return alloc_pages_pcp_walk(m, req, pfn_out);
}

/* rmqueue_bulk() into one zone's per-CPU list: the hook's refill, from that zone alone. */
int model_pcp_refill(struct model *m, unsigned zone, const struct model_alloc_req *req,
		     unsigned alloc_flags, unsigned count, struct model_block *blocks,
		     unsigned max_blocks, unsigned *nr_blocks)
{
	struct model_bulk bulk = { .count = count, .blocks = blocks, .max = max_blocks };

	*nr_blocks = 0;
	if (zone >= m->nr_zones || !count || !max_blocks)
		return MODEL_EINVAL;
	if (rmqueue_bulk(m, &m->zones[zone], req->order, req->migratetype, alloc_flags, &bulk) ==
	    MODEL_NO_PFN)
		return MODEL_ENOMEM;
	mark_allocated_bulk(m, blocks, bulk.n, req->migratetype, req->movable);
	*nr_blocks = bulk.n;
	return MODEL_OK;
}

unsigned model_pfn_zone(struct model *m, uint64_t pfn)
{
	return (unsigned)(page_zone(m, pfn) - m->zones);
}

/*
 * get_page_from_freelist()'s ZONE_BELOW_HIGH test of one zone, with the fast path's flags (no
 * reserve rights: the free HIGHATOMIC pages do not count): below its high mark (boost
 * included) plus its lowmem_reserve for the request's highest zone, or without a big enough
 * block. A zone above the request's highest is not one it may use: never below.
 */
static inline bool zone_below_high_wmark(const struct zone *z, enum model_zone_type highest,
					 unsigned order)
{
	if (z->type > highest)
		return false;
	uint64_t mark = high_wmark_pages(z) + z->lowmem_reserve[highest];

	return !zone_free_above_mark(z, order, mark, zone_usable_free_pages(z));
}

bool model_zone_high_wmark_ok(const struct model *m, unsigned zone, unsigned order, uint32_t gfp)
{
	if (zone >= m->nr_zones)
		return true;
	return !zone_below_high_wmark(&m->zones[zone], gfp_zone(gfp), order);
}

/*
 * zone_below_high_wmark() on the first nr zones: below_high[zone] set for each that fails it,
 * latched (a zone set already is not tested again).
 */
static inline void zones_below_high_wmark(const struct model *m, unsigned order,
					  enum model_zone_type highest, bool *below_high,
					  unsigned nr)
{
	for (unsigned zone = 0; zone < nr; zone++)
		if (!below_high[zone] && zone_below_high_wmark(&m->zones[zone], highest, order))
			below_high[zone] = true;
}

/*
 * model_zones_below_high_wmark() of an order above 0, out of line: its scan of the higher
 * orders' counts needs registers the order-0 loop, a leaf, then saves on no call.
 */
static void __attribute__((noinline))
zones_below_high_wmark_high_order(const struct model *m, unsigned order,
				  enum model_zone_type highest, bool *below_high, unsigned nr)
{
	zones_below_high_wmark(m, order, highest, below_high, nr);
}

/*
 * zone_below_high_wmark() on every zone up to the request's highest, gfp_zone() worked out
 * once; replay's per-CPU lists call it on every allocation, nearly all of order 0.
 */
void model_zones_below_high_wmark(const struct model *m, unsigned order, uint32_t gfp,
				  bool *below_high, unsigned nr)
{
	enum model_zone_type highest = gfp_zone(gfp);

	if (nr > m->nr_zones)
		nr = m->nr_zones;
	if (order) {
		zones_below_high_wmark_high_order(m, order, highest, below_high, nr);
		return;
	}
	zones_below_high_wmark(m, 0, highest, below_high, nr);
}

/* Checks that pfn heads an allocated block of this order; its word in *word. */
static int check_allocated_word(struct model *m, uint64_t pfn, unsigned order, uint32_t *word)
{
	MODEL_WARN_ON(m, order > MAX_PAGE_ORDER);
	if (order > MAX_PAGE_ORDER || !pfn_in_model(m, pfn) || (pfn & ((1ull << order) - 1)))
		return MODEL_EINVAL;
	uint32_t w = pw_get(m, pfn);
	if (!pw_heads(w, PK_ALLOC, order))
		return MODEL_ESTATE;
	*word = w;
	return MODEL_OK;
}

/* Checks that pfn heads an allocated block of this order. */
static int check_allocated(struct model *m, uint64_t pfn, unsigned order)
{
	uint32_t w;
	return check_allocated_word(m, pfn, order, &w);
}

/*
 * __free_pages(): back to the buddy lists. Flattened: with LTO __free_pages_ok()'s common free
 * runs in this frame (its rare paths stay out of line, noinline).
 */
__attribute__((flatten)) int model_free(struct model *m, uint64_t pfn, unsigned order)
{
	uint32_t w;
	int rc = check_allocated_word(m, pfn, order, &w);

	if (rc)
		return rc;
	__free_pages_ok(m, pfn, w);
	return MODEL_OK;
}

/*
 * Mainline's region MRU (model_mainline.c) as the page-by-page frees of free_contig_range()
 * leave it. Freeing 2^order pages at pfn in ascending order passes through intermediate blocks
 * of every order j below order, all inside the range and all merged away by the last page;
 * their list adds and deletes cancel in the region's own lists, but an add at the head moves
 * the region to the head of the zone's (j, mt) MRU, and the delete does not move it back while
 * the region still holds another free block of (j, mt). The first such block of each order j
 * is the one at pfn; __free_one_page() puts it at the head, as buddy_merge_likely() finds its
 * order-(j + 1) buddy, pfn + 2^(j + 1), still allocated, except for j = order - 1, whose
 * buddy lies outside the range and is read now (nothing outside changes before the last
 * page). The later ones of order j either go to the head too or to the tail (the buddy below
 * them is free), neither moving a region already at the head.
 */
static void free_contig_mru(struct model *m, struct zone *z, uint64_t pfn, unsigned order, int mt)
{
	struct superpageblock *sb = pfn_to_superpageblock(z, pfn);
	const struct superpageblock_cold *cold = spb_cold(z, sb);

	for (unsigned j = 0; j < order; j++) {
		if (cold->free_head[j][mt] == PW_NIL)
			continue; /* linked by the first add, unlinked by the last delete */
		if (j == order - 1 && buddy_merge_likely(m, z, pfn, j))
			continue; /* a tail add leaves the MRU alone */
		mainline_mru_add(z, sb, j, mt, false);
	}
}

/*
 * free_contig_range() of 2^order order-0 allocations at pfn, order-aligned and inside one
 * pageblock: the kernel (and model_free) frees them one __free_pages() at a time in ascending
 * order. One __free_one_page() of the whole block leaves the same lists, counters and
 * pageblock bits (docs/replay.md, "Start pages freed as blocks"): the
 * intermediate blocks merge only with each other, their buddies lying inside the range; the
 * last page's free merges them all and goes on outside the range exactly as the block does,
 * buddy_merge_likely() reading the same outside word for the final list end; at pageblock
 * order mark_pageblock_free() sees the same counts (every intermediate block deleted again);
 * page reporting asks at the final order at the latest, at the same time. Only mainline's
 * region MRU keeps a trace of the intermediate adds (free_contig_mru). PGFREE counts the pages.
 */
int model_free_contig_range(struct model *m, uint64_t pfn, unsigned order)
{
	const uint64_t n = 1ull << order;

	if (order > PAGEBLOCK_ORDER || (pfn & (n - 1)) || !pfn_in_model(m, pfn) ||
	    !pfn_in_model(m, pfn + n - 1))
		return MODEL_EINVAL;
	/* zones start and end on pageblock boundaries (model_init), so one pageblock is in one */
	MODEL_WARN_ON(m, page_zone(m, pfn) != page_zone(m, pfn + n - 1));
	unsigned movable = 0, nonmovable = 0;
	for (uint64_t p = pfn; p < pfn + n; p++) {
		uint32_t w = pw_get(m, p);
		if (pw_kind(w) != PK_ALLOC || pw_order(w))
			return MODEL_ESTATE;
		movable += (w & PW_MOVABLE) != 0;
		nonmovable += !is_migrate_movable(pw_mt(w)); /* as account_allocated() counts */
	}
	/* every page's unmark_allocated(), summed: the block is inside one pageblock */
	struct pageblock *pb = pfn_pageblock(m, pfn);
	pageblock_counts_changed(m, pfn);
	pb->nr_movable_pages = (uint16_t)(pb->nr_movable_pages - movable);
	pb->nr_nonmovable_pages = (uint16_t)(pb->nr_nonmovable_pages - nonmovable);
	for (uint64_t p = pfn + 1; p < pfn + n; p++) /* a tail, as the merges leave it */
		pw_set_meta(m, p, pw_make(PK_TAIL, 0, 0, 0));
	m->events[MODEL_EV_PGFREE] += n;
	struct zone *z = page_zone(m, pfn);
	int mt = get_pageblock_migratetype(m, pfn);
	if (m->policy == MODEL_POLICY_MAINLINE)
		free_contig_mru(m, z, pfn, order, mt);
	free_one_page(m, z, pfn, order, false);
	return MODEL_OK;
}

uint64_t model_nr_free_pages(const struct model *m)
{
	uint64_t free = 0;

	for (unsigned i = 0; i < m->nr_zones; i++)
		free += m->zones[i].nr_free_pages;
	return free;
}

/*
 * get_page_from_freelist()'s ZONE_BELOW_HIGH test: zone_watermark_fast() against
 * high_wmark_pages() (2 * low - min + boost here), on the largest zone.
 */
/* split_page(): every page of the block becomes its own order-0 allocation. */
int model_split(struct model *m, uint64_t pfn, unsigned order)
{
	int rc = check_allocated(m, pfn, order);

	if (rc)
		return rc;
	uint32_t head = pw_get(m, pfn);
	uint32_t meta = (head & ~PW_LINK_MASK & ~((uint32_t)15 << PW_ORDER_SHIFT));
	for (uint64_t p = pfn; p < pfn + (1ull << order); p++)
		pw_set_meta(m, p, meta);
	return MODEL_OK;
}

/*
 * prep_compound_page(): 2^order order-0 allocations at pfn of one type (a folio the warm start
 * took page by page, as the start page map shows it) become one allocated block of @order, the
 * inverse of model_split(). The pages' counts in their pageblocks do not change.
 */
int model_prep_compound(struct model *m, uint64_t pfn, unsigned order)
{
	int rc = check_allocated(m, pfn, 0);

	if (rc)
		return rc;
	if (order > MAX_PAGE_ORDER || (pfn & ((1ull << order) - 1)) ||
	    !pfn_in_model(m, pfn + (1ull << order) - 1))
		return MODEL_EINVAL;
	uint32_t meta = pw_get(m, pfn) & ~PW_LINK_MASK;
	for (uint64_t p = pfn + 1; p < pfn + (1ull << order); p++)
		if ((pw_get(m, p) & ~PW_LINK_MASK) != meta)
			return MODEL_ESTATE;
	for (uint64_t p = pfn + 1; p < pfn + (1ull << order); p++)
		pw_set_meta(m, p, pw_make(PK_TAIL, 0, 0, 0));
	pw_set_meta(m, pfn, meta | (uint32_t)order << PW_ORDER_SHIFT);
	return MODEL_OK;
}

/* pcp_rmqueue_smallest(): the split the kernel does on the PCP lists, as expand() halves. */
int model_pcp_split(struct model *m, uint64_t pfn, unsigned high, unsigned low)
{
	int rc = check_allocated(m, pfn, high);

	if (rc)
		return rc;
	if (low > high)
		return MODEL_EINVAL;
	uint32_t meta = pw_get(m, pfn) & ~PW_LINK_MASK & ~((uint32_t)15 << PW_ORDER_SHIFT);
	pw_set_meta(m, pfn, meta | (uint32_t)low << PW_ORDER_SHIFT);
	for (unsigned o = low; o < high; o++)
		pw_set_meta(m, pfn + (1ull << o), meta | (uint32_t)o << PW_ORDER_SHIFT);
	return MODEL_OK;
}

/*
 * Take a given free range for an allocation (observe mode and warm starts): remove the free
 * block containing it, give the pieces around it back to their pageblocks' lists, and account
 * the allocation as page_del_and_expand() would, with the allocation's own type.
 */
/*
 * The free block at pfn (2^order pages, order-aligned, inside a free block) off the free
 * lists: the rest of the containing block goes back split, the SPB accounting as an
 * allocation of type mt. Not yet marked allocated (the caller's, as after rmqueue).
 */
int take_free_block(struct model *m, uint64_t pfn, unsigned order, int mt)
{
	uint64_t head;
	int rc = find_free_block_containing(m, pfn, &head);

	if (rc)
		return rc;
	unsigned high = pw_order(pw_get(m, head));
	if (high < order || (pfn & ~((1ull << high) - 1)) != head)
		return MODEL_ESTATE;
	struct zone *z = page_zone(m, pfn);
	del_page_from_free_list(m, z, head);
	while (high > order) {
		high--;
		uint64_t lower = head, upper = head + (1ull << high);
		uint64_t keep = pfn >= upper ? upper : lower;
		uint64_t give = keep == upper ? lower : upper;
		add_to_free_list(m, z, give, high, get_pageblock_migratetype(m, give), false);
		head = keep;
	}
	if (m->policy == MODEL_POLICY_SPB) {
		spb_mark_range_used(m, pfn, order, mt);
		spb_update_list(m, z, pfn_to_superpageblock(z, pfn));
	}
	return MODEL_OK;
}

int model_alloc_at(struct model *m, uint64_t pfn, unsigned order, int mt, bool movable)
{
	int rc;

	if (order > MAX_PAGE_ORDER || !pfn_in_model(m, pfn) || (pfn & ((1ull << order) - 1)) ||
	    mt < 0 || mt >= MIGRATE_TYPES)
		return MODEL_EINVAL;
	rc = take_free_block(m, pfn, order, mt);
	if (rc)
		return rc;
	mark_allocated(m, pfn, order, mt, movable);
	m->events[MODEL_EV_PGALLOC] += 1u << order;
	return MODEL_OK;
}

/*
 * The allocation at pfn: 1 with its order in *order when pfn heads an allocated block, 0 when
 * it is free or inside a block, MODEL_EINVAL outside the model. Replay asks this before freeing
 * memory the host allocated before the trace began.
 */
int model_page_allocated(const struct model *m, uint64_t pfn, unsigned *order)
{
	if (!pfn_in_model(m, pfn))
		return MODEL_EINVAL;
	uint32_t w = pw_get(m, pfn);
	if (pw_kind(w) != PK_ALLOC)
		return 0;
	if (order)
		*order = pw_order(w);
	return 1;
}

/*
 * Ask for the cache lines a call about the page at pfn reads first: its page word and its
 * pageblock. For a caller that knows the pfn some operations early (replay's look-ahead).
 */
void model_prefetch_page(const struct model *m, uint64_t pfn)
{
	if (!pfn_in_model(m, pfn))
		return;
	__builtin_prefetch(&m->page[pfn - m->base_pfn]);
	__builtin_prefetch(&m->pb[(pfn - m->base_pfn) >> PAGEBLOCK_ORDER]);
}

/* get_pfnblock_migratetype(): the type of the pageblock holding pfn; -1 outside the model. */
int model_pfnblock_migratetype(struct model *m, uint64_t pfn)
{
	if (!pfn_in_model(m, pfn))
		return -1;
	return get_pageblock_migratetype(m, pfn);
}

/* get_pfnblock_migratetype() and page_zone() from one pageblock read: a per-CPU list free. */
int model_pfnblock_zone_migratetype(struct model *m, uint64_t pfn, unsigned *zone)
{
	if (!pfn_in_model(m, pfn))
		return -1;
	const struct pageblock *pb = pfn_pageblock(m, pfn);

	*zone = pb->zone;
	return pb->flags & PB_MIGRATE_MASK;
}

/*
 * __SetPageMovable / folio_add_lru: the allocation at pfn becomes migratable (or stops being).
 * Replay uses it when a page that sat on a per-CPU list goes to a movable user.
 */
int model_set_movable(struct model *m, uint64_t pfn, bool movable)
{
	if (!pfn_in_model(m, pfn))
		return MODEL_EINVAL;
	uint32_t w = pw_get(m, pfn);
	if (pw_kind(w) != PK_ALLOC)
		return MODEL_ESTATE;
	if (((w & PW_MOVABLE) != 0) != movable)
		mark_movable(m, pfn, w, movable);
	return MODEL_OK;
}

/*
 * set_pageblock_migratetype() with move_freepages_block(), for warm starts: tag the pageblock
 * at pfn and move its free pages to the new type's lists. Refused (MODEL_ESTATE) when the
 * pageblock lies inside a free block larger than a pageblock.
 */
int model_set_pageblock_migratetype(struct model *m, uint64_t pfn, int mt)
{
	uint64_t head, pb_pfn = pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);

	if (!pfn_in_model(m, pfn) || mt < 0 || mt >= MIGRATE_TYPES || mt == MIGRATE_ISOLATE)
		return MODEL_EINVAL;
	if (!find_free_block_containing(m, pb_pfn, &head) &&
	    pw_order(pw_get(m, head)) > PAGEBLOCK_ORDER)
		return MODEL_ESTATE;
	int old = get_pageblock_migratetype(m, pb_pfn);
	if (old == mt)
		return MODEL_OK;
	move_freepages_block(m, page_zone(m, pb_pfn), pb_pfn, old, mt);
	set_pageblock_migratetype(m, pb_pfn, mt);
	return MODEL_OK;
}

/* Whether pfn is free in the buddy allocator (inside a free block); false outside the model. */
bool model_pfn_is_free(struct model *m, uint64_t pfn)
{
	uint64_t head;
	return pfn_in_model(m, pfn) && find_free_block_containing(m, pfn, &head) == 0;
}
