// SPDX-License-Identifier: GPL-2.0
/*
 * model_direct_compact.c - direct compaction as the slowpath runs it: try_to_compact_pages()
 * over the zonelist, compact_zone() in one zone, and their bounds (mm/compaction.c).
 *
 * A run moves movable allocations from the bottom of the zone to free pages at its top until
 * a free block of the requested order exists:
 *
 *  - the migration scanner (isolate_migratepages) goes up pageblock by pageblock from the
 *    zone's cached position (compact_cached_migrate_pfn[async or sync]), passing over
 *    pageblocks whose compaction skip bit is set (isolation_suitable), in async mode those of
 *    another type than the request's (suitable_migration_source), a pageblock headed by an
 *    allocation of pageblock order or more (pageblock_skip_persistent), and, in the SPB
 *    series (v2 38/40), whole tainted superpageblocks holding no movable pageblock. A
 *    pageblock that gives up nothing gets its skip bit (update_pageblock_skip);
 *  - async direct compaction migrates nothing out of a block of the request's order that
 *    holds an allocation it cannot move (isolate_migratepages_block's skip_on_failure):
 *    that block could not come free;
 *  - a movable allocation of the request's order or more, or of pageblock order, is not
 *    isolated (skip_isolation_on_order: no free block could take it);
 *  - each other movable allocation goes to a destination the free scanner takes
 *    (model_compaction.c, compaction_alloc), is reported to the migrate callback (replay
 *    keeps the trace's name for it) and its source is freed; a source whose freeing makes a
 *    free block of the requested order is captured there (compaction_capture): the
 *    allocation is served from it;
 *  - the run ends on capture, when a suitable free block exists (__compact_finished, at
 *    pageblock boundaries), or when the scanners meet (reset_cached_positions; the next
 *    run clears the skip bits, __reset_isolation_suitable standing in for kswapd's sleep).
 *
 * Bounds: compaction_suit_allocation_order() (the watermark already met: nothing to do;
 * compaction_suitable(): order-0 free pages above the mark plus compact_gap, and for costly
 * orders a fragmentation index above sysctl_extfrag_threshold); compaction_deferred() and
 * defer_compaction() after failed sync runs; the priority (COMPACT_PRIO_ASYNC first and for
 * costly __GFP_NORETRY requests, SYNC_LIGHT afterwards) is the caller's.
 *
 * The spb_compact_servable what-if (off: the series as posted) makes the two "enough
 * already" tests (the watermark in compaction_suit_allocation_order, the suitable free page
 * in __compact_finished) count only free blocks the SPB policy would serve the request.
 *
 * Not modelled: the fast free-list searches, the async stride, lock contention and
 * need_resched (an async run here ends only as a sync one does), pinned pages
 * (migrate_fail_ppm is the workers'), MIGRATE_SYNC_FULL and should_compact_retry().
 *
 * Invariants: runs under PF_MEMALLOC; every change it makes to the zone bumps model->gen
 * (the failed-request memo relies on it). Expected workload: nothing while allocations
 * succeed; a high-order request that misses in the slowpath runs it once or twice; a run
 * costs the pageblocks its scanners pass (resumed from the cached positions) plus the
 * pages it moves.
 */
#include "model_internal.h"

/* sysctl_extfrag_threshold's default */
#define EXTFRAG_THRESHOLD 500
/* COMPACT_MAX_DEFER_SHIFT: no more than 64 attempts skipped in a row */
#define COMPACT_MAX_DEFER_SHIFT 6

struct compact_control {
	struct zone *zone;
	unsigned order;
	int migratetype;
	unsigned alloc_flags;
	enum model_zone_type highest_zoneidx; /* the request's (lowmem_reserve) */
	bool async;			      /* MIGRATE_ASYNC, else MIGRATE_SYNC_LIGHT */
	bool whole_zone;		      /* started at the zone's first pageblock */
	bool capture;			      /* capture_control present (not for PCP refills) */
	uint64_t migrate_pfn;		      /* the migration scanner */
	uint64_t page;			      /* the captured block, MODEL_NO_PFN */
	uint64_t nr_migrated;		      /* pages */
	bool changed;			      /* the zone's compaction state moved: model->gen */
};

/* defer_compaction(): skip the next 1 << compact_defer_shift attempts at this order or more. */
static void defer_compaction(struct model *m, struct zone *z, unsigned order)
{
	z->compact_considered = 0;
	if (z->compact_defer_shift < COMPACT_MAX_DEFER_SHIFT)
		z->compact_defer_shift++;
	if (order < z->compact_order_failed)
		z->compact_order_failed = (uint8_t)order;
	m->gen++;
}

/* compaction_deferred(): true while attempts are still being skipped. */
static bool compaction_deferred(struct model *m, struct zone *z, unsigned order)
{
	uint32_t limit = 1u << z->compact_defer_shift;

	if (order < z->compact_order_failed)
		return false;
	if (++z->compact_considered >= limit) {
		if (z->compact_considered != limit)
			m->gen++;
		z->compact_considered = limit;
		return false;
	}
	m->gen++;
	return true;
}

/* compaction_defer_reset(): an allocation at @order succeeded (or is expected to). */
void compaction_defer_reset(struct model *m, struct zone *z, unsigned order, bool alloc_success)
{
	if (alloc_success && (z->compact_considered || z->compact_defer_shift)) {
		z->compact_considered = 0;
		z->compact_defer_shift = 0;
		m->gen++;
	}
	if (order >= z->compact_order_failed) {
		z->compact_order_failed = (uint8_t)(order + 1);
		m->gen++;
	}
}

/* compaction_restarting(): deferred as long as it can be, and that is over. */
static bool compaction_restarting(const struct zone *z, unsigned order)
{
	return order >= z->compact_order_failed &&
	       z->compact_defer_shift == COMPACT_MAX_DEFER_SHIFT &&
	       z->compact_considered >= 1u << z->compact_defer_shift;
}

/*
 * __reset_isolation_suitable(): every skip bit of the zone cleared, the pageblocks of
 * [zone_start_pfn, zone_end_pfn) stepped through by pointer (the pfn loop's pageblocks).
 */
static void __reset_isolation_suitable(struct model *m, struct zone *z)
{
	z->compact_blockskip_flush = false;
	if (z->zone_start_pfn < z->zone_end_pfn) {
		/* p and p + PAGEBLOCK_NR_PAGES are in neighbouring pageblocks, aligned or not */
		struct pageblock *pb = pfn_pageblock(m, z->zone_start_pfn);
		struct pageblock *last =
			pb + (z->zone_end_pfn - 1 - z->zone_start_pfn) / PAGEBLOCK_NR_PAGES;
		for (; pb <= last; pb++)
			pb->flags &= (uint8_t)~PB_COMPACT_SKIP;
	}
	m->gen++;
}

/*
 * fragmentation_index(): -1000 when a free block of @order exists, else towards 0 when the
 * failure is for want of memory and towards 1000 when it is fragmentation (0: nothing free).
 */
static int fragmentation_index(const struct zone *z, unsigned order)
{
	uint64_t free_pages = 0, total = 0, suitable = 0;

	for (unsigned o = 0; o <= MAX_PAGE_ORDER; o++) {
		total += z->nr_free_blocks[o];
		free_pages += z->nr_free_blocks[o] << o;
		if (o >= order)
			suitable += z->nr_free_blocks[o] << (o - order);
	}
	if (!total)
		return 0;
	if (suitable)
		return -1000;
	return 1000 - (int)((1000 + free_pages * 1000 / (1ull << order)) / total);
}

/*
 * compaction_suitable(): order-0 free pages above the mark plus compact_gap() (twice the
 * request), plus low - min for costly orders; a costly order only when the failure is due to
 * fragmentation (fragmentation_index above sysctl_extfrag_threshold).
 */
static bool compaction_suitable(const struct zone *z, unsigned order,
				enum model_zone_type highest_zoneidx, uint64_t mark)
{
	mark += 2ull << order; /* compact_gap() */
	mark += z->lowmem_reserve[highest_zoneidx];
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		mark += low_wmark_pages(z) - min_wmark_pages(z);
	/* __zone_watermark_ok(ALLOC_CMA): no reserve rights, the free HIGHATOMIC pages do not count */
	if (!zone_free_above_mark(z, 0, mark, zone_usable_free_pages(z)))
		return false;
	if (order > PAGE_ALLOC_COSTLY_ORDER) {
		int fragindex = fragmentation_index(z, order);
		if (fragindex >= 0 && fragindex <= EXTFRAG_THRESHOLD)
			return false;
	}
	return true;
}

/*
 * A free block in @sb the policy would serve the request from. The series as posted counts
 * every one (the zone-wide free_area); the spb_compact_servable what-if leaves out, for a
 * movable request, a tainted superpageblock at or below its reserve, which Pass 4 refuses.
 */
static bool spb_servable(const struct model *m, const struct superpageblock *sb, int mt)
{
	if (m->policy != MODEL_POLICY_SPB || !m->p.spb_compact_servable || mt != MIGRATE_MOVABLE ||
	    spb_get_category(sb) != SB_TAINTED)
		return true;
	return sb->nr_free > spb_tainted_reserve(m, sb);
}

/* Some servable superpageblock holds a free block of @order or more. */
static bool servable_block_free(const struct model *m, const struct zone *z, unsigned order, int mt)
{
	uint16_t at_least = (uint16_t) ~((1u << order) - 1);

	for (uint32_t i = 0; i < z->nr_superpageblocks; i++)
		if ((z->superpageblocks[i].order_mask & at_least) &&
		    spb_servable(m, &z->superpageblocks[i], mt))
			return true;
	return false;
}

/* compaction_suit_allocation_order(): SUCCESS (no need), SKIPPED or CONTINUE. */
static enum compact_result compaction_suit_allocation_order(const struct model *m,
							    const struct zone *z,
							    const struct compact_control *cc)
{
	uint64_t mark =
		(cc->alloc_flags & ALLOC_WMARK_LOW) ? low_wmark_pages(z) : min_wmark_pages(z);

	if (__zone_watermark_ok(z, cc->order, cc->alloc_flags, cc->highest_zoneidx,
				z->nr_free_pages) &&
	    servable_block_free(m, z, cc->order, cc->migratetype))
		return COMPACT_SUCCESS;
	return compaction_suitable(z, cc->order, cc->highest_zoneidx, mark) ? COMPACT_CONTINUE
									    : COMPACT_SKIPPED;
}

/* compact_scanners_met(): the free scanner's pageblock at or below the migration scanner's. */
static bool compact_scanners_met(const struct compact_control *cc)
{
	return (cc->zone->compact_cached_free_pfn >> PAGEBLOCK_ORDER) <=
	       (cc->migrate_pfn >> PAGEBLOCK_ORDER);
}

/*
 * A suitable page is free (__compact_finished's direct-compactor test): a free block of the
 * request's order or more on the request's list, or on a list it may claim from
 * (find_suitable_fallback with claimable).
 */
static bool compact_suitable_page_free(const struct model *m, const struct compact_control *cc)
{
	const struct zone *z = cc->zone;
	uint16_t at_least = (uint16_t) ~((1u << cc->order) - 1);

	for (uint32_t i = 0; i < z->nr_superpageblocks; i++) {
		const struct superpageblock *sb = &z->superpageblocks[i];
		if (!(sb->order_mask & at_least) || !spb_servable(m, sb, cc->migratetype))
			continue;
		if (sb->free_mask[cc->migratetype] & at_least)
			return true;
		if (cc->migratetype == MIGRATE_MOVABLE && (sb->free_mask[MIGRATE_CMA] & at_least))
			return true;
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
			uint16_t bits = mt == cc->migratetype ? 0 : sb->free_mask[mt] & at_least;
			for (unsigned o = cc->order; bits >> o; o++)
				if (((bits >> o) & 1) && should_try_claim_block(o, cc->migratetype))
					return true;
		}
	}
	return false;
}

/* __compact_finished(): the scanners met, a page was captured, or a suitable one is free. */
static enum compact_result compact_finished(struct model *m, struct compact_control *cc)
{
	if (compact_scanners_met(cc)) {
		reset_cached_positions(cc->zone);
		cc->zone->compact_blockskip_flush = true;
		cc->changed = true;
		return cc->whole_zone ? COMPACT_COMPLETE : COMPACT_PARTIAL_SKIPPED;
	}
	if (cc->page != MODEL_NO_PFN)
		return COMPACT_SUCCESS;
	if (cc->migrate_pfn & (PAGEBLOCK_NR_PAGES - 1))
		return COMPACT_CONTINUE; /* always finish a pageblock */
	return compact_suitable_page_free(m, cc) ? COMPACT_SUCCESS : COMPACT_CONTINUE;
}

/* suitable_migration_source(): async direct compaction scans the request's own pageblocks. */
static bool suitable_migration_source(struct model *m, const struct compact_control *cc,
				      uint64_t pb_pfn)
{
	int block_mt = get_pageblock_migratetype(m, pb_pfn);

	if (!cc->async)
		return true;
	if (cc->migratetype == MIGRATE_MOVABLE)
		return is_migrate_movable(block_mt);
	return block_mt == cc->migratetype;
}

/* pageblock_skip_persistent(): an allocation of pageblock order or more heads it. */
static bool pageblock_skip_persistent(struct model *m, uint64_t pb_pfn)
{
	uint32_t w = pw_get(m, pb_pfn);
	return pw_kind(w) == PK_ALLOC && pw_order(w) >= PAGEBLOCK_ORDER;
}

/* The SPB series' 38/40: a tainted superpageblock with no movable pageblock is passed over. */
static bool spb_compaction_skip(struct model *m, struct zone *z, uint64_t pfn)
{
	if (m->policy != MODEL_POLICY_SPB)
		return false;
	const struct superpageblock *sb = pfn_to_superpageblock(z, pfn);
	return spb_get_category(sb) == SB_TAINTED && !sb->nr_movable;
}

/*
 * isolate_migratepages(): the next pageblock at or above the migration scanner worth
 * scanning, MODEL_NO_PFN when the scanners meet first. The scanner moves past it
 * (update_cached_migrate).
 */
static uint64_t isolate_migratepages(struct model *m, struct compact_control *cc)
{
	struct zone *z = cc->zone;

	while (!compact_scanners_met(cc) && cc->migrate_pfn < z->zone_end_pfn) {
		uint64_t pb_pfn = cc->migrate_pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
		struct pageblock *pb = pfn_pageblock(m, pb_pfn);
		if (spb_compaction_skip(m, z, pb_pfn)) {
			uint64_t next = (pb_pfn | (SUPERPAGEBLOCK_NR_PAGES - 1)) + 1;
			cc->migrate_pfn = next;
			continue;
		}
		cc->migrate_pfn = pb_pfn + PAGEBLOCK_NR_PAGES;
		if (pb->reserved || pb->zone != z->idx || (pb->flags & PB_COMPACT_SKIP) ||
		    !suitable_migration_source(m, cc, pb_pfn) ||
		    pageblock_skip_persistent(m, pb_pfn))
			continue;
		if (!pb->nr_movable_pages) {
			pb->flags |= PB_COMPACT_SKIP; /* update_pageblock_skip */
			cc->changed = true;
			continue;
		}
		return pb_pfn;
	}
	return MODEL_NO_PFN;
}

/*
 * How far the walks below step from p, at a block of len pages that lies in a stuck block:
 * to the end of the stuck block or of the block at p, whichever is further. Nothing in a stuck
 * block is isolated, and a block is marked once, so the pages in between need no look (blocks
 * are naturally aligned: none starts inside the stuck block and reaches past its end).
 */
static inline uint64_t stuck_block_rest(uint64_t pb_pfn, uint64_t p, uint64_t len, unsigned shift)
{
	uint64_t end = pb_pfn + ((((p - pb_pfn) >> shift) + 1) << shift);
	return p + len > end ? len : end - p;
}

/*
 * skip_on_failure: async direct compaction leaves alone a block of the request's order that
 * holds an allocation it cannot move. Marks such blocks of the pageblock in @stuck (bit per
 * block, up to 512 of them). A pageblock whose pages are all free or movable has none: no
 * walk.
 */
static void mark_stuck_blocks(struct model *m, const struct compact_control *cc, uint64_t pb_pfn,
			      uint64_t *stuck)
{
	unsigned shift = cc->order < PAGEBLOCK_ORDER ? cc->order : PAGEBLOCK_ORDER;
	const struct pageblock *pb = pfn_pageblock(m, pb_pfn);

	memset(stuck, 0, PAGEBLOCK_NR_PAGES / 64 * sizeof(*stuck));
	if (pb->nr_free_pages + pb->nr_movable_pages == PAGEBLOCK_NR_PAGES)
		return;
	for (uint64_t p = pb_pfn; p < pb_pfn + PAGEBLOCK_NR_PAGES;) {
		uint32_t w = pw_get(m, p);
		unsigned k = pw_kind(w);
		uint64_t len = k == PK_TAIL ? 1 : 1ull << pw_order(w);
		if (k == PK_ALLOC && !(w & PW_MOVABLE)) {
			for (uint64_t q = p; q < p + len && q < pb_pfn + PAGEBLOCK_NR_PAGES;
			     q += 1ull << shift) {
				unsigned b = (unsigned)((q - pb_pfn) >> shift);
				stuck[b / 64] |= 1ull << (b % 64);
			}
			if (!m->p.exact_walks)
				len = stuck_block_rest(pb_pfn, p, len, shift);
		}
		p += len;
	}
}

/*
 * compaction_capture(): the source just freed merged into a free block of the requested
 * order: take that block for the request (not a movable pageblock for a non-movable request
 * below pageblock order, nor an isolated or CMA one).
 */
static void compaction_capture(struct model *m, struct compact_control *cc, uint64_t pfn)
{
	uint64_t block = pfn & ~((1ull << cc->order) - 1), head;
	int block_mt = get_pageblock_migratetype(m, block);

	if (!cc->capture || find_free_block_containing(m, block, &head) ||
	    pw_order(pw_get(m, head)) < cc->order)
		return;
	if (block_mt == MIGRATE_CMA || block_mt == MIGRATE_ISOLATE)
		return;
	if (cc->order < PAGEBLOCK_ORDER && block_mt == MIGRATE_MOVABLE &&
	    cc->migratetype != MIGRATE_MOVABLE)
		return;
	if (take_free_block(m, block, cc->order, cc->migratetype) == MODEL_OK) {
		cc->page = block;
		count_vm_event(m, MODEL_EV_DIRECT_COMPACT_CAPTURED);
	}
}

/*
 * migrate_pages() with compaction_alloc() for one allocation: a destination from the free
 * scanner (suitable_migration_target() judging by the request's order, cc->order), the
 * callback, the source freed. False when the free scanner found nothing.
 */
static bool compact_migrate_one(struct model *m, struct compact_control *cc, uint64_t pfn)
{
	unsigned order = pw_order(pw_get(m, pfn));
	uint64_t dst;

	if (compaction_alloc(m, cc->zone, pfn, order, cc->order, &dst) != MODEL_OK)
		return false;
	if (m->migrate_fn)
		m->migrate_fn(m->migrate_ctx, pfn, dst, order);
	model_free(m, pfn, order);
	cc->nr_migrated += 1u << order;
	m->events[MODEL_EV_DIRECT_COMPACT_MIGRATED] += 1u << order;
	compaction_capture(m, cc, pfn);
	return true;
}

/*
 * skip_isolation_on_order(): a folio of the request's order or more is not isolated (were a
 * free block of that order to be had for it, the request would not be compacting), nor one
 * of pageblock order or more (compaction makes nothing larger than a pageblock).
 */
static bool skip_isolation_on_order(const struct compact_control *cc, unsigned order)
{
	return order >= cc->order || order >= PAGEBLOCK_ORDER;
}

/*
 * isolate_migratepages_block() and migrate_pages() over one pageblock: its movable
 * allocations in pfn order (async: not those in a stuck block), until a capture or the free
 * scanner runs dry. A pageblock where nothing was isolated gets its skip bit (a migration
 * that found no destination was isolated: no bit).
 */
static void compact_pageblock(struct model *m, struct compact_control *cc, uint64_t pb_pfn)
{
	uint64_t stuck[PAGEBLOCK_NR_PAGES / 64];
	unsigned shift = cc->order < PAGEBLOCK_ORDER ? cc->order : PAGEBLOCK_ORDER;
	bool isolated = false;

	if (cc->async)
		mark_stuck_blocks(m, cc, pb_pfn, stuck);
	for (uint64_t p = pb_pfn; p < pb_pfn + PAGEBLOCK_NR_PAGES && cc->page == MODEL_NO_PFN;) {
		uint32_t w = pw_get(m, p);
		unsigned k = pw_kind(w), b = (unsigned)((p - pb_pfn) >> shift);
		uint64_t len = k == PK_TAIL ? 1 : 1ull << pw_order(w);
		if (cc->async && (stuck[b / 64] >> (b % 64) & 1)) {
			p += m->p.exact_walks ? len : stuck_block_rest(pb_pfn, p, len, shift);
			continue;
		}
		if (k == PK_ALLOC && (w & PW_MOVABLE) &&
		    !skip_isolation_on_order(cc, pw_order(w))) {
			isolated = true;
			if (!compact_migrate_one(m, cc, p))
				break;
		}
		p += len;
	}
	if (!isolated) {
		pfn_pageblock(m, pb_pfn)->flags |= PB_COMPACT_SKIP;
		cc->changed = true;
	}
}

/* compact_zone(): the scanners from their cached positions until compact_finished() says. */
static enum compact_result compact_zone(struct model *m, struct compact_control *cc)
{
	struct zone *z = cc->zone;
	enum compact_result ret = compaction_suit_allocation_order(m, z, cc);

	if (ret != COMPACT_CONTINUE)
		return ret;
	count_vm_event(m, MODEL_EV_DIRECT_COMPACT_RUNS);
	if (compaction_restarting(z, cc->order) || z->compact_blockskip_flush)
		__reset_isolation_suitable(m, z);
	if (!z->compact_cached_free_pfn || z->compact_cached_free_pfn < z->zone_start_pfn ||
	    z->compact_cached_free_pfn >= z->zone_end_pfn)
		reset_cached_positions(z);
	cc->migrate_pfn = z->compact_cached_migrate_pfn[!cc->async];
	if (cc->migrate_pfn < z->zone_start_pfn || cc->migrate_pfn >= z->zone_end_pfn)
		cc->migrate_pfn = z->compact_cached_migrate_pfn[0] =
			z->compact_cached_migrate_pfn[1] = z->zone_start_pfn;
	cc->whole_zone = cc->migrate_pfn == z->zone_start_pfn;
	while ((ret = compact_finished(m, cc)) == COMPACT_CONTINUE) {
		uint64_t pb_pfn = isolate_migratepages(m, cc);
		if (pb_pfn != MODEL_NO_PFN)
			compact_pageblock(m, cc, pb_pfn);
		else if (!compact_scanners_met(cc))
			cc->zone->compact_cached_free_pfn = cc->migrate_pfn; /* the zone's end */
	}
	if (ret != COMPACT_COMPLETE && ret != COMPACT_PARTIAL_SKIPPED) {
		/* update_cached_migrate(): the next run resumes here */
		uint64_t *cached = z->compact_cached_migrate_pfn;
		if (cc->migrate_pfn > cached[0])
			cached[0] = cc->migrate_pfn;
		if (!cc->async && cc->migrate_pfn > cached[1])
			cached[1] = cc->migrate_pfn;
		cc->changed = true;
	}
	return ret;
}

/* compact_zone_order(): one zone at one priority, with capture. */
static enum compact_result compact_zone_order(struct model *m, struct zone *z,
					      const struct alloc_context *ac, unsigned alloc_flags,
					      int prio, uint64_t *capture)
{
	struct compact_control cc = {
		.zone = z,
		.order = ac->req->order,
		.migratetype = ac->req->migratetype,
		.alloc_flags = alloc_flags,
		.highest_zoneidx = ac->highest,
		.async = prio == COMPACT_PRIO_ASYNC,
		.capture = !ac->bulk,
		.page = MODEL_NO_PFN,
	};
	enum compact_result ret = compact_zone(m, &cc);

	if (cc.changed || cc.nr_migrated)
		m->gen++;
	*capture = cc.page;
	/* a captured page is a success whatever compact_zone() returned (the kernel's
	 * compact_zone_order()): the zone walk stops and the page reaches the caller */
	if (cc.page != MODEL_NO_PFN)
		ret = COMPACT_SUCCESS;
	return ret;
}

/*
 * try_to_compact_pages(): each zone of the zonelist not deferred, until one succeeds; failed
 * sync runs that covered the zone defer the next attempts. *capture: a block taken for the
 * request, MODEL_NO_PFN.
 */
enum compact_result try_to_compact_pages(struct model *m, const struct alloc_context *ac,
					 unsigned alloc_flags, int prio, uint64_t *capture)
{
	enum compact_result rc = COMPACT_SKIPPED;
	unsigned order = ac->req->order;
	struct zone *z;

	*capture = MODEL_NO_PFN;
	if (!(ac->req->gfp & MODEL_GFP_IO)) /* gfp_compaction_allowed() */
		return COMPACT_SKIPPED;
	for_each_zone_zonelist(m, ac, i, z)
	{
		if ((ac->req->gfp & MODEL_GFP_THISNODE) && z->nid != ac->nid)
			continue;
		if (prio > COMPACT_PRIO_SYNC_FULL && compaction_deferred(m, z, order)) {
			count_vm_event(m, MODEL_EV_DIRECT_COMPACT_DEFERRED);
			if (rc < COMPACT_DEFERRED)
				rc = COMPACT_DEFERRED;
			continue;
		}
		enum compact_result status =
			compact_zone_order(m, z, ac, alloc_flags, prio, capture);
		if (status == COMPACT_SKIPPED)
			count_vm_event(m, MODEL_EV_DIRECT_COMPACT_SKIPPED);
		if (status > rc)
			rc = status;
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(m, z, order, false);
			break;
		}
		if (prio != COMPACT_PRIO_ASYNC &&
		    (status == COMPACT_COMPLETE || status == COMPACT_PARTIAL_SKIPPED))
			defer_compaction(m, z, order);
	}
	return rc;
}
