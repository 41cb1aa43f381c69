// SPDX-License-Identifier: GPL-2.0
/*
 * model_rmqueue_bulk.c - rmqueue_bulk(): filling a CPU's PCP lists from the buddy allocator.
 *
 * Mainline takes count blocks of the order with __rmqueue(). The SPB series (on Johannes
 * Weiner's PCPBuddy) works in phases: Phase 1 takes whole pageblocks (movable from the
 * fullest clean SPB through __rmqueue_from_sb, non-movable under a forced ALLOC_NOFRAGMENT),
 * Phase 2 adopts one sub-pageblock fragment of the request's type per tainted SPB that has at
 * least a quarter pageblock free, and Phase 3 falls back to __rmqueue() at the request's
 * order. The __rmqueue mode carries over between calls as in the kernel. Phase 3's one-pass
 * shortcut also serves runs of this CPU's warm hint (spb_rmqueue_cpu_hint_run: the caller's
 * fallback, model_alloc_run). Expected workload: every PCP refill, and each run of the caller's
 * fallback's order-0 pieces (up to 128 pieces a run, each a hinted block's; thousands a pressure
 * trace).
 *
 * Not modelled: Phase 0 (recovering fragments of blocks this CPU owns) and PCPBuddy ownership,
 * because the model has no PCP lists; replay holds the refilled pages. See docs/model.md.
 */
#include "model_internal.h"

static void bulk_add(struct model_bulk *bulk, uint64_t pfn, unsigned order)
{
	bulk->blocks[bulk->n++] = (struct model_block){ pfn, order };
}

/* sb_preferred_for_movable(): the fullest clean SPB (not SB_FULL) with a free pageblock. */
static struct superpageblock *sb_preferred_for_movable(struct zone *z)
{
	struct superpageblock *sb;

	for (int full = SB_FULL_75; full < NR_SB_FULLNESS; full++)
		for_each_spb_on_list(z, SPB_LIST_CAT0 + SB_CLEAN * NR_SB_FULLNESS + full,
				     sb) if (sb->nr_free) return sb;
	return NULL;
}

/* __rmqueue_from_sb(): the smallest block of at least order on one SPB's mt lists. */
static uint64_t rmqueue_from_sb(struct model *m, struct zone *z, unsigned order, int mt,
				struct superpageblock *sb)
{
	for (unsigned co = order; co <= MAX_PAGE_ORDER; co++) {
		uint64_t pfn = get_page_from_free_area(z, sb, co, mt);
		if (pfn == MODEL_NO_PFN)
			continue;
		page_del_and_expand(m, z, pfn, order, co, mt);
		return pfn;
	}
	return MODEL_NO_PFN;
}

/* Phase 1: whole pageblocks while they fit the refill. */
static uint64_t bulk_phase1(struct model *m, struct zone *z, int mt, unsigned alloc_flags,
			    uint64_t needed, uint64_t *refilled, enum rmqueue_mode *mode,
			    struct model_bulk *bulk)
{
	while (*refilled + PAGEBLOCK_NR_PAGES <= needed && bulk->n < bulk->max) {
		unsigned p1_flags = alloc_flags;
		uint64_t pfn = MODEL_NO_PFN;

		if (mt == MIGRATE_MOVABLE) {
			struct superpageblock *sb = sb_preferred_for_movable(z);
			if (sb)
				pfn = rmqueue_from_sb(m, z, PAGEBLOCK_ORDER, mt, sb);
		} else if (mt != MIGRATE_CMA) {
			p1_flags =
				(p1_flags | ALLOC_NOFRAGMENT) & ~(unsigned)ALLOC_NOFRAG_TAINTED_OK;
		}
		if (pfn == MODEL_NO_PFN)
			pfn = spb_rmqueue(m, z, PAGEBLOCK_ORDER, mt, p1_flags, mode);
		if (pfn == MODEL_NO_PFN)
			break;
		bulk_add(bulk, pfn, PAGEBLOCK_ORDER);
		*refilled += PAGEBLOCK_NR_PAGES;
	}
	return *refilled;
}

/* Phase 2: one fragment of the request's type, largest first, per tainted SPB. */
static void bulk_phase2(struct model *m, struct zone *z, unsigned order, int mt, uint64_t needed,
			uint64_t *refilled, struct model_bulk *bulk)
{
	struct superpageblock *sb;

	for (int full = SB_FULL; full < NR_SB_FULLNESS; full++) {
		for_each_spb_on_list(z, SPB_LIST_CAT0 + SB_TAINTED * NR_SB_FULLNESS + full, sb)
		{
			if (bulk->n == bulk->max)
				return;
			if (sb->nr_free_pages < PAGEBLOCK_NR_PAGES / 4)
				continue;
			unsigned mask = sb->free_mask[mt] & ((1u << PAGEBLOCK_ORDER) - 1) &
					~((1u << order) - 1);
			if (!mask)
				continue;
			unsigned o = 31 - (unsigned)__builtin_clz(mask);
			uint64_t pfn = get_page_from_free_area(z, sb, o, mt);
			del_page_from_free_list(m, z, pfn);
			__spb_set_has_type(m, pfn, mt);
			bulk_add(bulk, pfn, o);
			*refilled += 1ull << o;
			if (*refilled >= needed)
				return;
		}
	}
}

/* For tests: the one-pass refills (bulk_one_pass) this model made, and their blocks. */
void model_refill_one_pass_count(const struct model *m, uint64_t *runs, uint64_t *blocks)
{
	*runs = m->one_pass_runs;
	*blocks = m->one_pass_blocks;
}

/*
 * The SPB the next spb_rmqueue() takes its block from when its first try serves it: the CPU's
 * warm hint (rmqueue_warm_hints), whose try_alloc_from_sb_pass1() takes a sub-pageblock
 * block when the SPB has no free whole pageblock of mt. NULL when another route would run.
 */
static struct superpageblock *spb_next_block(struct model *m, struct zone *z, unsigned order,
					     int mt, unsigned alloc_flags, enum rmqueue_mode *mode,
					     unsigned *high)
{
	const struct spb_warm_hint_slot *slot;
	struct superpageblock *sb;
	unsigned mask;

	if (!m->p.warm_hints || mt >= MIGRATE_PCPTYPES || order >= PAGEBLOCK_ORDER)
		return NULL;
	/* spb_rmqueue() starts in the normal mode, or resets to it for the refusal gate */
	if (*mode != RMQUEUE_NORMAL &&
	    !(mt != MIGRATE_MOVABLE && (alloc_flags & ALLOC_HIGHORDER_OPTIONAL)))
		return NULL;
	slot = &m->warm_hints[m->current_cpu][z->type][order][mt];
	if (slot->zone != z->idx)
		return NULL;
	sb = &z->superpageblocks[slot->spb];
	mask = sb->free_mask[mt] & ((2u << MAX_PAGE_ORDER) - 1);
	if (mask >> PAGEBLOCK_ORDER) /* whole pageblocks first */
		return NULL;
	mask &= ~((1u << order) - 1);
	if (!mask)
		return NULL;
	*mode = RMQUEUE_NORMAL;
	*high = (unsigned)__builtin_ctz(mask);
	return sb;
}

/* The order of mainline_rmqueue_smallest()'s block, or -1 when it would find none. */
static int mainline_next_block(struct zone *z, unsigned order, int mt, enum rmqueue_mode mode)
{
	if (mode != RMQUEUE_NORMAL)
		return -1;
	for (unsigned co = order; co <= MAX_PAGE_ORDER; co++)
		if (mainline_free_list_first(z, co, mt) != MODEL_NO_PFN)
			return (int)co;
	return -1;
}

/*
 * One-pass refills (not a kernel function: a shortcut for Phase 3's loop, one __rmqueue() per
 * block). The next __rmqueue() is predicted from the state; when it would take the head of
 * the lowest non-empty list of order c >= order and every list between order and c is empty,
 * the calls after it keep taking that block's pieces in ascending order (each split leaves one
 * piece on each lower list, the lowest piece first in memory), so up to 2^(c - order) blocks
 * come from it in one pass: one delete and one add per piece left, instead of a delete and
 * adds per block. Every per-call side effect is repeated per block in the same order: the
 * counters, spb_update_list() and spb_react_to_tainted_alloc() with the SPB's nr_free_pages
 * each call would see (for a clean SPB, where the defrag kick and the trigger do nothing,
 * only the counters). Words of pages handed out keep stale link bits where the per-block
 * path rewrote them; only a free head's link and the one in its pair partner's word are ever
 * read, and the pieces left are written by add_to_free_list() as that path writes them.
 * params.exact_walks turns the shortcut off (the differential test's reference).
 *
 * one_pass_take(): n blocks of order from the block of order high at pfn (on sb's mt list when
 * sb is not NULL), with the calls' counters; the blocks are pfn + i * 2^order.
 */
static void one_pass_take(struct model *m, struct zone *z, struct superpageblock *sb, uint64_t pfn,
			  unsigned order, unsigned high, int mt, unsigned n)
{
	unsigned step = 1u << order;

	if (sb) {
		/*
		 * Each call's side effects, its spb_update_list() before its delete. The first
		 * call's marking covers the others' (one pageblock); after its list update
		 * nothing moves the SPB or changes what spb_list_for() reads, so the later
		 * calls' updates find it at the tail of the same list and only kick defrag.
		 * nr_free_pages is off (and may reach 0) only inside this loop, which is why
		 * the list's nr_with_free, kept as the SPB enters and leaves lists, stays right;
		 * anything added here that moves the SPB between lists must restore it first.
		 * A clean SPB stays clean through the loop (no has-bit changes), and both the
		 * defrag kick (spb_needs_defrag) and the proactive trigger act on tainted SPBs
		 * only: for it the calls are the visits alone.
		 */
		spb_mark_range_used(m, pfn, high, mt);
		spb_update_list(m, z, sb);
		if (spb_get_category(sb) != SB_TAINTED) {
			m->events[MODEL_EV_SPB_WALK_VISITS] += n;
		} else {
			for (unsigned i = 0; i < n; i++) {
				m->events[MODEL_EV_SPB_WALK_VISITS]++;
				if (i && sb->list_id >= SPB_LIST_CAT0)
					spb_maybe_start_defrag(m, z, sb);
				sb->nr_free_pages -= step;
				spb_react_to_tainted_alloc(m, z, sb);
			}
			sb->nr_free_pages += n * step; /* the delete below takes them off */
		}
	}
	m->events[MODEL_EV_PASS_1] += n;
	del_page_from_free_list(m, z, pfn);
	for (uint64_t off = (uint64_t)n << order; off < 1ull << high;) {
		unsigned o = (unsigned)__builtin_ctzll(off);
		add_to_free_list(m, z, pfn + off, o, mt, false);
		off += 1ull << o;
	}
}

/*
 * bulk_one_pass(): up to left blocks of order from the next __rmqueue()'s block; false
 * (nothing done) when that call would not take the lowest-order head the shortcut predicts.
 */
static bool bulk_one_pass(struct model *m, struct zone *z, unsigned order, int mt,
			  unsigned alloc_flags, enum rmqueue_mode *mode, uint64_t left,
			  struct model_bulk *bulk)
{
	struct superpageblock *sb = NULL;
	unsigned high, n;
	uint64_t pfn;

	if (m->p.exact_walks || (m->p.highatomic && (alloc_flags & ALLOC_HIGHATOMIC)))
		return false;
	if (m->policy == MODEL_POLICY_SPB) {
		sb = spb_next_block(m, z, order, mt, alloc_flags, mode, &high);
		if (!sb)
			return false;
		pfn = get_page_from_free_area(z, sb, high, mt);
	} else {
		int co = mainline_next_block(z, order, mt, *mode);
		if (co < 0)
			return false;
		high = (unsigned)co;
		pfn = mainline_free_list_first(z, high, mt);
	}
	n = 1u << (high - order);
	if (n > left)
		n = (unsigned)left;
	if (n > bulk->max - bulk->n)
		n = bulk->max - bulk->n;
	one_pass_take(m, z, sb, pfn, order, high, mt, n);
	for (unsigned i = 0; i < n; i++)
		bulk_add(bulk, pfn + ((uint64_t)i << order), order);
	m->one_pass_runs++;
	m->one_pass_blocks += n;
	return true;
}

/*
 * Not a kernel function: up to max spb_rmqueue_cpu_hint() calls in a row (a caller's fallback:
 * a THP fault's or readahead's order-0 folios, one a call) made in one pass, with the counters
 * of that many calls and their PASS_1 outcomes. Only where the pass is the calls' exact
 * outcome: a movable request whose hinted SPB is clean (its calls change nothing but the
 * SPB's free lists and counters; the has-bit and the list update are the first call's) and
 * has no free whole pageblock of the type, so each call takes the head of the lowest
 * non-empty list at or above order (sb_pass1_order), the pieces of one block in ascending
 * order. Returns how many calls it made: blocks *first + i * 2^order; 0, nothing changed,
 * when the calls would not go that way.
 */
unsigned spb_rmqueue_cpu_hint_run(struct model *m, struct zone *z, unsigned order, int mt,
				  unsigned max, uint64_t *first)
{
	enum rmqueue_mode mode = RMQUEUE_NORMAL;
	struct superpageblock *sb;
	unsigned high, n;

	if (m->p.exact_walks || mt != MIGRATE_MOVABLE || !max)
		return 0;
	sb = spb_next_block(m, z, order, mt, 0, &mode, &high);
	if (!sb || spb_get_category(sb) == SB_TAINTED)
		return 0;
	*first = get_page_from_free_area(z, sb, high, mt);
	n = 1u << (high - order);
	if (n > max)
		n = max;
	one_pass_take(m, z, sb, *first, order, high, mt, n);
	return n;
}

/* rmqueue_bulk(): returns the first block's pfn, MODEL_NO_PFN when nothing was taken. */
uint64_t rmqueue_bulk(struct model *m, struct zone *z, unsigned order, int mt, unsigned alloc_flags,
		      struct model_bulk *bulk)
{
	uint64_t needed = (uint64_t)bulk->count << order, refilled = 0;
	enum rmqueue_mode mode = RMQUEUE_NORMAL;

	bulk->n = 0;
	if (m->policy == MODEL_POLICY_SPB && bulk->count > 1) {
		if (bulk_phase1(m, z, mt, alloc_flags, needed, &refilled, &mode, bulk) < needed &&
		    mt != MIGRATE_MOVABLE && mt != MIGRATE_CMA)
			bulk_phase2(m, z, order, mt, needed, &refilled, bulk);
	}
	while (refilled < needed && bulk->n < bulk->max) {
		unsigned before = bulk->n;
		if (bulk_one_pass(m, z, order, mt, alloc_flags, &mode, (needed - refilled) >> order,
				  bulk)) {
			refilled += (uint64_t)(bulk->n - before) << order;
			continue;
		}
		uint64_t pfn = rmqueue_buddy(m, z, order, mt, alloc_flags, &mode);
		if (pfn == MODEL_NO_PFN)
			break;
		bulk_add(bulk, pfn, order);
		refilled += 1ull << order;
	}
	return bulk->n ? bulk->blocks[0].pfn : MODEL_NO_PFN;
}
