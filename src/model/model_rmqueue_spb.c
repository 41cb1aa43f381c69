// SPDX-License-Identifier: GPL-2.0
/*
 * model_rmqueue_spb.c - __rmqueue_smallest() of the superpageblock series, one function per pass.
 *
 * The RFC's __rmqueue_smallest is a single 600-line function; here each pass is its own short
 * function named after the pass, and spb_rmqueue_smallest() only strings them together:
 *
 *   Pass 1   the preferred category's SPBs (tainted for non-movable, clean for movable),
 *            fullest first: whole pageblocks first, then sub-pageblock orders
 *   Pass 2   non-movable: claim a wholly free pageblock from a tainted SPB
 *   Pass 2b  non-movable: claim a sub-pageblock MOVABLE fragment's pageblock in a tainted SPB
 *   Pass 2c  UNMOVABLE <-> RECLAIMABLE borrow inside tainted SPBs
 *   Pass 2d  non-movable borrow from a tainted SPB's MOVABLE list
 *   pre-3    demand triggers (evacuation, slab shrink) and the last-chance defrag kick
 *   Pass 3   whole pageblocks from empty SPBs
 *   Pass 4   movable: tainted SPBs above their reserve
 *
 * Before Pass 1, [S-F]'s warm hints: the SPB that last served this CPU (then this zone) for the
 * same order and type is tried first, whatever its category now (a stale hint is accepted).
 * Invariant: every pass that succeeds returns with the page allocated to the caller's order and
 * the SPB's counters updated; a pass that fails changes nothing. A pass over a category whose
 * SPBs hold no block it could take (the zone's per-category masks, cat_may_serve) only counts
 * its visits. Expected workload: every buddy allocation of the SPB policy; Pass 1 usually
 * succeeds on the first SPB it visits; under pressure most searches fail (pressure-reclaim:
 * 158,000 of 184,000 calls, most of them PCP refills' at the pageblock order or under
 * ALLOC_NOFRAGMENT).
 */
#include "model_internal.h"

/* cat_order[movable]: the category searched first and second. */
static const enum sb_category cat_order[2][2] = {
	[0] = { SB_TAINTED, SB_CLEAN }, /* unmovable, reclaimable, highatomic */
	[1] = { SB_CLEAN, SB_TAINTED }, /* movable */
};

/* The lowest order in [lo, hi] whose free_list[mt] is not empty, or -1. */
static inline int lowest_order_with_free(const struct superpageblock *sb, int mt, unsigned lo,
					 unsigned hi)
{
	unsigned mask = sb->free_mask[mt] & ((2u << hi) - 1) & ~((1u << lo) - 1);
	return mask ? __builtin_ctz(mask) : -1;
}

/* The highest order in [lo, hi] whose free_list[mt] is not empty, or -1. */
static inline int highest_order_with_free(const struct superpageblock *sb, int mt, unsigned lo,
					  unsigned hi)
{
	unsigned mask = sb->free_mask[mt] & ((2u << hi) - 1) & ~((1u << lo) - 1);
	return mask ? 31 - __builtin_clz(mask) : -1;
}

/*
 * Not a kernel function: whether any SPB on category cat's lists holds a free block on its mt
 * list at an order in [lo, hi], from the zone's per-category masks (spb_cat_free_changed; mt
 * below MIGRATE_PCPTYPES). When none does, a pass over those lists that only takes from mt's
 * lists at those orders finds nothing and only visits them (cat_visits_only). Always true
 * under params.exact_walks, which makes every walk (test_model_shortcuts).
 */
static bool cat_may_serve(const struct model *m, const struct zone *z, enum sb_category cat, int mt,
			  unsigned lo, unsigned hi)
{
	if (m->p.exact_walks || mt >= MIGRATE_PCPTYPES)
		return true;
	return z->cat_free_mask[cat][mt] & ((2u << hi) - 1) & ~((1u << lo) - 1);
}

/* The visits of a pass over category cat's lists that finds nothing: one per SPB on them. */
static void cat_visits_only(struct model *m, const struct zone *z, enum sb_category cat)
{
	for (int full = SB_FULL; full < NR_SB_FULLNESS; full++)
		m->events[MODEL_EV_SPB_WALK_VISITS] += z->spb_lists[spb_cat_list(cat, full)].count;
}

static uint64_t take_block(struct model *m, struct zone *z, struct superpageblock *sb,
			   unsigned order, unsigned current_order, int list_mt)
{
	uint64_t pfn = get_page_from_free_area(z, sb, current_order, list_mt);
	page_del_and_expand(m, z, pfn, order, current_order, list_mt);
	return pfn;
}

/* The order try_alloc_from_sb_pass1() takes a block of, or -1 when sb cannot serve. */
static int sb_pass1_order(const struct superpageblock *sb, unsigned order, int mt)
{
	unsigned whole = order > PAGEBLOCK_ORDER ? order : PAGEBLOCK_ORDER;
	int co = lowest_order_with_free(sb, mt, whole, MAX_PAGE_ORDER);

	if (co < 0 && order < PAGEBLOCK_ORDER)
		co = lowest_order_with_free(sb, mt, order, PAGEBLOCK_ORDER - 1);
	return co;
}

/* try_alloc_from_sb_pass1(): whole pageblocks (or larger) first, then sub-pageblock orders. */
static uint64_t try_alloc_from_sb_pass1(struct model *m, struct zone *z, struct superpageblock *sb,
					unsigned order, int mt)
{
	int co = sb_pass1_order(sb, order, mt);

	if (co < 0)
		return MODEL_NO_PFN;
	return take_block(m, z, sb, order, (unsigned)co, mt);
}

static inline struct spb_warm_hint_slot *cpu_hint_slot(struct model *m, struct zone *z,
						       unsigned order, int mt)
{
	return &m->warm_hints[m->current_cpu][z->type][order][mt];
}

/* Pass 1's success remembers the SPB in the zone hint and this CPU's slot. */
static void set_warm_hints(struct model *m, struct zone *z, struct superpageblock *sb,
			   unsigned order, int mt)
{
	if (!m->p.warm_hints || mt >= MIGRATE_PCPTYPES)
		return;
	z->sb_hint[order][mt] = spb_index(z, sb);
	*cpu_hint_slot(m, z, order, mt) =
		(struct spb_warm_hint_slot){ .zone = (uint8_t)z->idx, .spb = spb_index(z, sb) };
}

/* The warm hints before Pass 1: this CPU's SPB, then the zone's if it is another one. */
static uint64_t rmqueue_warm_hints(struct model *m, struct zone *z, unsigned order, int mt)
{
	struct spb_warm_hint_slot *slot;
	uint32_t cpu_spb = SPB_NIL, zone_spb;
	uint64_t pfn;

	if (!m->p.warm_hints || mt >= MIGRATE_PCPTYPES)
		return MODEL_NO_PFN;
	slot = cpu_hint_slot(m, z, order, mt);
	if (slot->zone == z->idx) {
		cpu_spb = slot->spb;
		struct superpageblock *sb = &z->superpageblocks[cpu_spb];
		m->events[MODEL_EV_SPB_WALK_VISITS]++;
		pfn = try_alloc_from_sb_pass1(m, z, sb, order, mt);
		if (pfn != MODEL_NO_PFN) {
			spb_react_to_tainted_alloc(m, z, sb);
			return pfn;
		}
	}
	zone_spb = z->sb_hint[order][mt];
	if (zone_spb != SPB_NIL && zone_spb != cpu_spb) {
		struct superpageblock *sb = &z->superpageblocks[zone_spb];
		m->events[MODEL_EV_SPB_WALK_VISITS]++;
		pfn = try_alloc_from_sb_pass1(m, z, sb, order, mt);
		if (pfn != MODEL_NO_PFN) {
			spb_react_to_tainted_alloc(m, z, sb);
			*slot = (struct spb_warm_hint_slot){ .zone = (uint8_t)z->idx,
							     .spb = zone_spb };
			return pfn;
		}
	}
	return MODEL_NO_PFN;
}

/*
 * Not a kernel function: rmqueue_warm_hints() when this CPU's hint serves, alone
 * (alloc_pages_cpu_hint, model_page_alloc.c). MODEL_NO_PFN, with nothing changed, when the
 * hint names another zone or its SPB cannot serve: rmqueue_warm_hints() goes on from there.
 */
uint64_t spb_rmqueue_cpu_hint(struct model *m, struct zone *z, unsigned order, int mt)
{
	const struct spb_warm_hint_slot *slot;

	if (!m->p.warm_hints || mt >= MIGRATE_PCPTYPES)
		return MODEL_NO_PFN;
	slot = cpu_hint_slot(m, z, order, mt);
	if (slot->zone != z->idx)
		return MODEL_NO_PFN;
	struct superpageblock *sb = &z->superpageblocks[slot->spb];
	int co = sb_pass1_order(sb, order, mt);
	if (co < 0)
		return MODEL_NO_PFN;
	m->events[MODEL_EV_SPB_WALK_VISITS]++;
	uint64_t pfn = take_block(m, z, sb, order, (unsigned)co, mt);
	spb_react_to_tainted_alloc(m, z, sb);
	return pfn;
}

/*
 * Not a kernel function: the rest of a Pass 1 list once every SPB on it with free pages has
 * been visited (nr_with_free
 * of them): SPBs without a free page, which the walk would visit only to count them and, for
 * the tainted walk, to note that they sit below their reserve (no free page, so no free
 * pageblock: nr_free is 0, model_check's all_free and nr_free checks). Debug and test builds
 * (no NDEBUG) visit them and warn (MODEL_WARN_ON) on one holding free pages; params.exact_walks
 * visits them all in the walk itself (test_model_shortcuts).
 */
static void pass1_list_rest(struct model *m, struct zone *z, enum spb_list_id id, uint32_t seen,
			    struct spb_tainted_walk *walk)
{
	uint32_t rest = z->spb_lists[id].count - seen;

	if (!rest)
		return;
	m->events[MODEL_EV_SPB_WALK_VISITS] += rest;
	if (walk)
		walk->saw_below_reserve = true;
#ifndef NDEBUG
	struct superpageblock *sb;
	uint32_t i = 0;
	for_each_spb_on_list(z, id, sb) MODEL_WARN_ON(m, i++ >= seen && sb->nr_free_pages);
#endif
}

/* Pass 1: the preferred category, fullest SPBs first. Feeds the tainted walk. */
static uint64_t rmqueue_pass1(struct model *m, struct zone *z, unsigned order, int mt,
			      struct spb_tainted_walk *walk)
{
	enum sb_category cat = cat_order[mt == MIGRATE_MOVABLE][0];
	struct superpageblock *sb;

	if (cat != SB_TAINTED)
		walk = NULL;
	/* try_alloc_from_sb_pass1() takes mt's blocks of order or more; the tainted walk's notes
	 * need the SPBs themselves */
	if (!walk && !cat_may_serve(m, z, cat, mt, order, MAX_PAGE_ORDER)) {
		cat_visits_only(m, z, cat);
		return MODEL_NO_PFN;
	}
	for (int full = SB_FULL; full < NR_SB_FULLNESS; full++) {
		enum spb_list_id id = spb_cat_list(cat, full);
		uint32_t left = z->spb_lists[id].nr_with_free, seen = 0;
		for_each_spb_on_list(z, id, sb)
		{
			if (!left && !m->p.exact_walks)
				break; /* pass1_list_rest */
			seen++;
			m->events[MODEL_EV_SPB_WALK_VISITS]++;
			if (walk) {
				walk->saw_free_pages |= sb->nr_free_pages > 0;
				walk->saw_free_pb |= sb->nr_free > 0;
				walk->saw_below_reserve |=
					sb->nr_free <= spb_tainted_reserve(m, sb);
			}
			if (!sb->nr_free_pages)
				continue;
			left--;
			uint64_t pfn = try_alloc_from_sb_pass1(m, z, sb, order, mt);
			if (pfn != MODEL_NO_PFN) {
				if (cat == SB_TAINTED)
					spb_react_to_tainted_alloc(m, z, sb);
				set_warm_hints(m, z, sb, order, mt);
				return pfn;
			}
		}
		pass1_list_rest(m, z, id, seen, walk);
	}
	return MODEL_NO_PFN;
}

/* Isolated and CMA pageblocks are skipped by Passes 2 to 2d. */
static inline bool pageblock_claimable(struct model *m, uint64_t pfn)
{
	int pb_mt = get_pageblock_migratetype(m, pfn);
	return pb_mt != MIGRATE_ISOLATE && pb_mt != MIGRATE_CMA;
}

/* Pass 2: claim a wholly free pageblock (on the MOVABLE list) from a tainted SPB. */
static uint64_t rmqueue_pass2(struct model *m, struct zone *z, unsigned order, int mt)
{
	unsigned whole = order > PAGEBLOCK_ORDER ? order : PAGEBLOCK_ORDER;
	struct superpageblock *sb;

	if (!cat_may_serve(m, z, SB_TAINTED, MIGRATE_MOVABLE, whole, MAX_PAGE_ORDER)) {
		cat_visits_only(m, z, SB_TAINTED);
		return MODEL_NO_PFN;
	}
	for (int full = SB_FULL; full < NR_SB_FULLNESS; full++) {
		for_each_spb_on_list(z, spb_cat_list(SB_TAINTED, full), sb)
		{
			m->events[MODEL_EV_SPB_WALK_VISITS]++;
			if (!sb->nr_free)
				continue;
			for (unsigned co = whole; co <= MAX_PAGE_ORDER; co++) {
				uint64_t pfn = get_page_from_free_area(z, sb, co, MIGRATE_MOVABLE);
				if (pfn == MODEL_NO_PFN || !pageblock_claimable(m, pfn))
					continue;
				pfn = claim_whole_block(m, z, pfn, co, order, mt, MIGRATE_MOVABLE);
				spb_react_to_tainted_alloc(m, z, sb);
				return pfn;
			}
		}
	}
	return MODEL_NO_PFN;
}

/* Pass 2b: claim the pageblock of a sub-pageblock MOVABLE fragment in a tainted SPB. */
static uint64_t rmqueue_pass2b(struct model *m, struct zone *z, unsigned order, int mt)
{
	struct superpageblock *sb;

	if (order >= PAGEBLOCK_ORDER)
		return MODEL_NO_PFN;
	if (!cat_may_serve(m, z, SB_TAINTED, MIGRATE_MOVABLE, order, PAGEBLOCK_ORDER - 1)) {
		cat_visits_only(m, z, SB_TAINTED);
		return MODEL_NO_PFN;
	}
	for (int full = SB_FULL; full < NR_SB_FULLNESS; full++) {
		for_each_spb_on_list(z, spb_cat_list(SB_TAINTED, full), sb)
		{
			m->events[MODEL_EV_SPB_WALK_VISITS]++;
			if (!sb->nr_free_pages)
				continue;
			for (int co = PAGEBLOCK_ORDER - 1; co >= (int)order; co--) {
				uint64_t pfn = get_page_from_free_area(z, sb, (unsigned)co,
								       MIGRATE_MOVABLE);
				if (pfn == MODEL_NO_PFN || !pageblock_claimable(m, pfn))
					continue;
				pfn = try_to_claim_block(m, z, pfn, (unsigned)co, order, mt,
							 MIGRATE_MOVABLE, m->p.from_tainted_spb);
				if (pfn == MODEL_NO_PFN)
					continue;
				spb_react_to_tainted_alloc(m, z, sb);
				return pfn;
			}
		}
	}
	return MODEL_NO_PFN;
}

/*
 * Passes 2c and 2d: borrow a sub-pageblock buddy from a tainted SPB's list_mt list without
 * relabelling its pageblock; the remainders stay on list_mt and the page returns there when
 * freed. Only the has-bit of the requested type is added (no list update, as in the kernel).
 */
static uint64_t rmqueue_borrow(struct model *m, struct zone *z, unsigned order, int mt, int list_mt)
{
	struct superpageblock *sb;

	if (order >= PAGEBLOCK_ORDER)
		return MODEL_NO_PFN;
	if (!cat_may_serve(m, z, SB_TAINTED, list_mt, order, PAGEBLOCK_ORDER - 1)) {
		cat_visits_only(m, z, SB_TAINTED);
		return MODEL_NO_PFN;
	}
	for (int full = SB_FULL; full < NR_SB_FULLNESS; full++) {
		for_each_spb_on_list(z, spb_cat_list(SB_TAINTED, full), sb)
		{
			m->events[MODEL_EV_SPB_WALK_VISITS]++;
			if (!sb->nr_free_pages)
				continue;
			int co = highest_order_with_free(sb, list_mt, order, PAGEBLOCK_ORDER - 1);
			for (; co >= (int)order; co--) {
				uint64_t pfn =
					get_page_from_free_area(z, sb, (unsigned)co, list_mt);
				if (pfn == MODEL_NO_PFN || !pageblock_claimable(m, pfn))
					continue;
				page_del_and_expand(m, z, pfn, order, (unsigned)co, list_mt);
				__spb_set_has_type(m, pfn, mt);
				spb_react_to_tainted_alloc(m, z, sb);
				return pfn;
			}
		}
	}
	return MODEL_NO_PFN;
}

/* Pass 2c: UNMOVABLE takes from RECLAIMABLE lists and the reverse. */
static uint64_t rmqueue_pass2c(struct model *m, struct zone *z, unsigned order, int mt)
{
	int opposite_mt;

	if (mt == MIGRATE_UNMOVABLE)
		opposite_mt = MIGRATE_RECLAIMABLE;
	else if (mt == MIGRATE_RECLAIMABLE)
		opposite_mt = MIGRATE_UNMOVABLE;
	else
		return MODEL_NO_PFN;
	return rmqueue_borrow(m, z, order, mt, opposite_mt);
}

/* Pass 2d: any non-movable type takes from tainted SPBs' MOVABLE lists. */
static uint64_t rmqueue_pass2d(struct model *m, struct zone *z, unsigned order, int mt)
{
	return rmqueue_borrow(m, z, order, mt, MIGRATE_MOVABLE);
}

/*
 * Before Pass 3: deferred evacuation, the demand trigger's slab shrink beside it, then the
 * last-chance defrag kick over every tainted SPB (the last two are the slab-shrink patch's).
 */
static void rmqueue_before_pass3(struct model *m, struct zone *z, unsigned order, int mt,
				 const struct spb_tainted_walk *walk)
{
	struct superpageblock *sb;

	if (walk && walk->saw_below_reserve) {
		queue_spb_evacuate(m, z, order, mt);
		share_knob_decides(m, MODEL_KNOB_TRIGGER_DEMAND);
		if (m->p.trigger_demand) {
			count_vm_event(m, MODEL_EV_TRIGGER_DEMAND_PRE_PASS3);
			queue_spb_slab_shrink(m, z);
		}
	}
	/* what the kick does in the members that have it otherwise than the model */
	if (share_knob_differs(m, MODEL_KNOB_LAST_CHANCE_DEFRAG))
		spb_last_chance_share(m, z);
	if (m->p.last_chance_defrag)
		for (int full = SB_FULL; full < NR_SB_FULLNESS; full++)
			for_each_spb_on_list(z, spb_cat_list(SB_TAINTED, full), sb)
				spb_maybe_start_defrag(m, z, sb);
	count_vm_event(m, MODEL_EV_SPB_ALLOC_FALL_THROUGH);
}

/* Pass 3: whole pageblocks from empty SPBs; what taints a fresh SPB. */
static uint64_t rmqueue_pass3(struct model *m, struct zone *z, unsigned order, int mt)
{
	unsigned whole = order > PAGEBLOCK_ORDER ? order : PAGEBLOCK_ORDER;
	struct superpageblock *sb;

	for_each_spb_on_list(z, SPB_LIST_EMPTY, sb)
	{
		m->events[MODEL_EV_SPB_WALK_VISITS]++;
		if (!sb->nr_free_pages)
			continue;
		int co = lowest_order_with_free(sb, mt, whole, MAX_PAGE_ORDER);
		if (co >= 0)
			return take_block(m, z, sb, order, (unsigned)co, mt);
	}
	return MODEL_NO_PFN;
}

/* Pass 4: movable falls back to tainted SPBs that are above their reserve. */
static uint64_t rmqueue_pass4(struct model *m, struct zone *z, unsigned order, int mt)
{
	struct superpageblock *sb;

	if (!cat_may_serve(m, z, cat_order[1][1], mt, order, MAX_PAGE_ORDER)) {
		cat_visits_only(m, z, cat_order[1][1]);
		return MODEL_NO_PFN;
	}
	for (int full = SB_FULL; full < NR_SB_FULLNESS; full++) {
		for_each_spb_on_list(z, spb_cat_list(cat_order[1][1], full), sb)
		{
			m->events[MODEL_EV_SPB_WALK_VISITS]++;
			if (!sb->nr_free_pages || sb->nr_free <= spb_tainted_reserve(m, sb))
				continue;
			int co = lowest_order_with_free(sb, mt, order, MAX_PAGE_ORDER);
			if (co >= 0)
				return take_block(m, z, sb, order, (unsigned)co, mt);
		}
	}
	return MODEL_NO_PFN;
}

/* __rmqueue_smallest() of the SPB series. */
uint64_t spb_rmqueue_smallest(struct model *m, struct zone *z, unsigned order, int mt,
			      struct spb_tainted_walk *walk, enum spb_alloc_outcome *outcome)
{
	bool movable = mt == MIGRATE_MOVABLE;
	uint64_t pfn;

#define PASS(call, result)                                                                         \
	do {                                                                                       \
		pfn = (call);                                                                      \
		if (pfn != MODEL_NO_PFN) {                                                         \
			*outcome = (result);                                                       \
			return pfn;                                                                \
		}                                                                                  \
	} while (0)

	PASS(rmqueue_warm_hints(m, z, order, mt), OUTCOME_PASS_1);
	PASS(rmqueue_pass1(m, z, order, mt, walk), OUTCOME_PASS_1);
	if (!movable && mt != MIGRATE_CMA) {
		PASS(rmqueue_pass2(m, z, order, mt), OUTCOME_PASS_2);
		PASS(rmqueue_pass2b(m, z, order, mt), OUTCOME_PASS_2B);
		if (m->p.pass_2c)
			PASS(rmqueue_pass2c(m, z, order, mt), OUTCOME_PASS_2C);
		if (m->p.pass_2d)
			PASS(rmqueue_pass2d(m, z, order, mt), OUTCOME_PASS_2D);
	}
	rmqueue_before_pass3(m, z, order, mt, walk);
	PASS(rmqueue_pass3(m, z, order, mt), OUTCOME_PASS_3);
	if (movable)
		PASS(rmqueue_pass4(m, z, order, mt), OUTCOME_PASS_4);
#undef PASS
	*outcome = OUTCOME_NO_PAGE;
	return MODEL_NO_PFN;
}
