// SPDX-License-Identifier: GPL-2.0
/*
 * model_fallback_spb.c - migratetype fallback under the superpageblock policy:
 * claim_whole_block(), try_to_claim_block(), __rmqueue_sb_find_fallback(), __rmqueue_claim(),
 * __rmqueue_steal() and spb_tainted_can_serve_smaller().
 *
 * Claim converts a whole pageblock to the requested type (searching category by category, and
 * within a category from the largest order down); steal takes a single buddy without
 * relabelling (from the smallest order up, never from empty SPBs, never UNMOVABLE <->
 * RECLAIMABLE). The category order is tainted-first for non-movable requests and clean-first
 * for movable ones. Expected workload: only when __rmqueue_smallest found nothing.
 */
#include "model_internal.h"

/* fallbacks[]: the lists a type falls back to, in order. */
const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

static const enum sb_category cat_order[2][2] = {
	[0] = { SB_TAINTED, SB_CLEAN },
	[1] = { SB_CLEAN, SB_TAINTED },
};

#define SB_SEARCH_PREFERRED 1
#define SB_SEARCH_EMPTY	    2
#define SB_SEARCH_FALLBACK  4
#define SB_SKIP_CROSS_TYPE  8

/* noncompatible_cross_type(): UNMOVABLE and RECLAIMABLE never share a pageblock. */
static inline bool noncompatible_cross_type(int start_type, int fallback_type)
{
	return (start_type == MIGRATE_UNMOVABLE && fallback_type == MIGRATE_RECLAIMABLE) ||
	       (start_type == MIGRATE_RECLAIMABLE && fallback_type == MIGRATE_UNMOVABLE);
}

/* should_try_claim_block() (upstream logic; mobility grouping is always on here). */
bool should_try_claim_block(unsigned order, int start_mt)
{
	if (order >= PAGEBLOCK_ORDER)
		return true;
	if (order >= PAGEBLOCK_ORDER / 2)
		return true;
	return start_mt == MIGRATE_RECLAIMABLE || start_mt == MIGRATE_UNMOVABLE;
}

/* prep_move_freepages_block()'s counts, kept per pageblock instead of walked. */
void prep_move_freepages_block(struct model *m, uint64_t pb_pfn, unsigned *free_pages,
			       unsigned *movable_pages)
{
	struct pageblock *pb = pfn_pageblock(m, pb_pfn);
	*free_pages = pb->nr_free_pages;
	*movable_pages = pb->nr_movable_pages;
}

/*
 * try_to_claim_block()'s compatible pages: for a movable request the movable ones; for a
 * non-movable request falling back to a MOVABLE block every page that is neither free nor
 * movable; between UNMOVABLE and RECLAIMABLE none, since their pages cannot be told apart.
 */
unsigned alike_pages(int start_type, int block_type, unsigned free_pages, unsigned movable_pages)
{
	if (start_type == MIGRATE_MOVABLE)
		return movable_pages;
	if (block_type == MIGRATE_MOVABLE)
		return PAGEBLOCK_NR_PAGES - (free_pages + movable_pages);
	return 0;
}

/* claim_whole_block(): a free block of at least a pageblock becomes new_type's. */
uint64_t claim_whole_block(struct model *m, struct zone *z, uint64_t pfn, unsigned current_order,
			   unsigned order, int new_type, int old_type)
{
	(void)old_type;
	spb_mark_range_used(m, pfn, current_order, new_type);
	del_page_from_free_list(m, z, pfn);
	change_pageblock_range(m, pfn, current_order, new_type);
	expand(m, z, pfn, order, current_order, new_type);
	spb_update_list(m, z, pfn_to_superpageblock(z, pfn));
	return pfn;
}

/*
 * try_to_claim_block() of the series: refuses isolated and CMA pageblocks, relabels an
 * UNMOVABLE <-> RECLAIMABLE pageblock only when wholly free, and applies the 50% rule unless
 * from_tainted_spb. On success the request is served by __rmqueue_smallest().
 */
uint64_t try_to_claim_block(struct model *m, struct zone *z, uint64_t pfn, unsigned current_order,
			    unsigned order, int start_type, int block_type, bool from_tainted_spb)
{
	uint64_t start_pfn = pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
	int pb_mt = get_pageblock_migratetype(m, pfn);
	unsigned free_pages, movable_pages, alike;
	enum spb_alloc_outcome ignored;

	count_vm_event(m, MODEL_EV_TRY_TO_CLAIM_BLOCK); /* calls, as v1 25/45 counts them */
	if (pb_mt == MIGRATE_ISOLATE) {
		count_vm_event(m, MODEL_EV_CLAIM_REFUSED_ISOLATE);
		return MODEL_NO_PFN;
	}
	if (pb_mt == MIGRATE_CMA) {
		count_vm_event(m, MODEL_EV_CLAIM_REFUSED_CMA);
		return MODEL_NO_PFN;
	}
	if (current_order >= PAGEBLOCK_ORDER)
		return claim_whole_block(m, z, pfn, current_order, order, start_type, block_type);

	prep_move_freepages_block(m, start_pfn, &free_pages, &movable_pages);
	alike = alike_pages(start_type, block_type, free_pages, movable_pages);
	if (noncompatible_cross_type(start_type, block_type)) {
		if (free_pages != PAGEBLOCK_NR_PAGES) {
			count_vm_event(m, MODEL_EV_CLAIM_REFUSED_CROSS_TYPE_NOT_FREE);
			return MODEL_NO_PFN;
		}
	} else if (!from_tainted_spb && free_pages + alike < (1u << (PAGEBLOCK_ORDER - 1))) {
		count_vm_event(m, MODEL_EV_CLAIM_REFUSED_INSUFFICIENT_COMPAT);
		return MODEL_NO_PFN;
	}

	move_freepages_block(m, z, start_pfn, block_type, start_type);
	set_pageblock_migratetype(m, start_pfn, start_type);
	__spb_set_has_type(m, start_pfn, start_type);
	if (block_type != start_type) {
		if (noncompatible_cross_type(start_type, block_type))
			__spb_clear_has_type(m, start_pfn, block_type);
		else
			__spb_set_has_type(m, start_pfn, block_type);
	}
	spb_update_list(m, z, pfn_to_superpageblock(z, start_pfn));
	return spb_rmqueue_smallest(m, z, order, start_type, NULL, &ignored);
}

/* One SPB: the first page of a fallback type at this order. */
static uint64_t sb_find_fallback_in(const struct zone *z, struct superpageblock *sb, unsigned order,
				    int start_mt, int *fallback_mt, unsigned search_cats)
{
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int fmt = fallbacks[start_mt][i];
		if ((search_cats & SB_SKIP_CROSS_TYPE) && noncompatible_cross_type(start_mt, fmt))
			continue;
		uint64_t pfn = get_page_from_free_area(z, sb, order, fmt);
		if (pfn != MODEL_NO_PFN) {
			*fallback_mt = fmt;
			return pfn;
		}
	}
	return MODEL_NO_PFN;
}

/*
 * What one category's lists offer a claim or steal, summarised in one walk (the model's own
 * shortcut; the kernel walks the lists for every order): the orders at which some SPB the walk
 * would consider holds a free block of a fallback type, and how many SPBs the walk visits.
 * An order outside `orders` makes sb_find_fallback_cat() visit every SPB and find nothing, so
 * it adds `visits` to SPB_WALK_VISITS and returns at once. Valid while no page or list
 * changes: spb_rmqueue_claim() drops it after each try_to_claim_block().
 */
struct sb_fallback_summary {
	bool valid[NR_SB_CATEGORIES];
	uint16_t orders[NR_SB_CATEGORIES];
	uint32_t visits[NR_SB_CATEGORIES];
};

/*
 * The free-list types sb_find_fallback_in() could take from, as a mask of free_mask words to
 * OR: keep[i] is all ones when fallbacks[start_mt][i] is searched, zero when skipped.
 */
static inline void sb_fallback_types(int start_mt, unsigned search_cats, int fmt[2],
				     uint16_t keep[2])
{
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		fmt[i] = fallbacks[start_mt][i];
		keep[i] = (!(search_cats & SB_SKIP_CROSS_TYPE) ||
			   !noncompatible_cross_type(start_mt, fmt[i]))
				  ? 0xffff
				  : 0;
	}
}

/*
 * The walk of one category, as in __rmqueue_sb_find_fallback() but only reading each SPB's
 * free_mask of the (at most two) fallback types, decided once before the walk.
 */
static void sb_fallback_walk(struct model *m, struct zone *z, enum sb_category cat,
			     bool skip_reserved, const int fmt[2], const uint16_t keep[2],
			     unsigned *orders, uint32_t *visits)
{
	struct superpageblock *sb;

	*orders = 0;
	*visits = 0;
	for (int full = SB_FULL; full < NR_SB_FULLNESS; full++) {
		for_each_spb_on_list(z, spb_cat_list(cat, full), sb)
		{
			(*visits)++;
			if (skip_reserved && sb->nr_free <= spb_tainted_reserve(m, sb))
				continue;
			*orders |= (sb->free_mask[fmt[0]] & keep[0]) |
				   (sb->free_mask[fmt[1]] & keep[1]);
		}
	}
}

/*
 * Not a kernel function: the same walk's outcome when it skips no SPB: it visits each SPB on the category's lists (the
 * list counts) and finds the orders the zone's per-category masks hold (spb_cat_free_changed).
 */
static void sb_fallback_from_masks(const struct zone *z, enum sb_category cat, const int fmt[2],
				   const uint16_t keep[2], unsigned *orders, uint32_t *visits)
{
	*visits = 0;
	for (int full = SB_FULL; full < NR_SB_FULLNESS; full++)
		*visits += z->spb_lists[spb_cat_list(cat, full)].count;
	*orders = (z->cat_free_mask[cat][fmt[0]] & keep[0]) |
		  (z->cat_free_mask[cat][fmt[1]] & keep[1]);
}

/*
 * Only a movable request's walk of the tainted lists skips SPBs (those at or below their
 * reserve): that one is walked, every other is read from the masks. Debug and test builds
 * (no NDEBUG) walk those too and warn (MODEL_WARN_ON) when the masks disagree.
 */
static void sb_fallback_summarise(struct model *m, struct zone *z, enum sb_category cat,
				  int start_mt, unsigned search_cats,
				  struct sb_fallback_summary *sum)
{
	bool skip_reserved = start_mt == MIGRATE_MOVABLE && cat == SB_TAINTED;
	unsigned orders;
	uint32_t visits;
	int fmt[MIGRATE_PCPTYPES - 1];
	uint16_t keep[MIGRATE_PCPTYPES - 1];

	_Static_assert(MIGRATE_PCPTYPES - 1 == 2, "two fallback types");
	sb_fallback_types(start_mt, search_cats, fmt, keep);
	if (skip_reserved) {
		sb_fallback_walk(m, z, cat, true, fmt, keep, &orders, &visits);
	} else {
		sb_fallback_from_masks(z, cat, fmt, keep, &orders, &visits);
#ifndef NDEBUG
		unsigned walked_orders;
		uint32_t walked_visits;
		sb_fallback_walk(m, z, cat, false, fmt, keep, &walked_orders, &walked_visits);
		MODEL_WARN_ON(m, walked_orders != orders || walked_visits != visits);
#endif
	}
	sum->valid[cat] = true;
	sum->orders[cat] = (uint16_t)orders;
	sum->visits[cat] = visits;
}

/* One category's lists, fullest first; movable skips tainted SPBs at or below the reserve. */
static uint64_t sb_find_fallback_cat(struct model *m, struct zone *z, enum sb_category cat,
				     unsigned order, int start_mt, int *fallback_mt,
				     unsigned search_cats, struct sb_fallback_summary *sum)
{
	bool movable = start_mt == MIGRATE_MOVABLE;
	struct superpageblock *sb;

	if (!sum->valid[cat] && !m->p.exact_walks)
		sb_fallback_summarise(m, z, cat, start_mt, search_cats, sum);
	if (sum->valid[cat] &&
	    !(sum->orders[cat] & (1u << order))) { /* the walk would find nothing */
		m->events[MODEL_EV_SPB_WALK_VISITS] += sum->visits[cat];
		return MODEL_NO_PFN;
	}
	for (int full = SB_FULL; full < NR_SB_FULLNESS; full++) {
		enum spb_list_id id = (enum spb_list_id)(SPB_LIST_CAT0 + cat * NR_SB_FULLNESS +
							 (unsigned int)full);
		for_each_spb_on_list(z, id, sb)
		{
			m->events[MODEL_EV_SPB_WALK_VISITS]++;
			if (movable && cat == SB_TAINTED &&
			    sb->nr_free <= spb_tainted_reserve(m, sb))
				continue;
			if (!(sb->order_mask & (1u << order)))
				continue;
			uint64_t pfn = sb_find_fallback_in(z, sb, order, start_mt, fallback_mt,
							   search_cats);
			if (pfn != MODEL_NO_PFN)
				return pfn;
		}
	}
	return MODEL_NO_PFN;
}

/* __rmqueue_sb_find_fallback(): preferred category, then empty SPBs, then the other one. */
static uint64_t rmqueue_sb_find_fallback(struct model *m, struct zone *z, unsigned order,
					 int start_mt, int *fallback_mt, unsigned search_cats,
					 struct sb_fallback_summary *sum)
{
	bool movable = start_mt == MIGRATE_MOVABLE;
	struct superpageblock *sb;
	uint64_t pfn;

	if (search_cats & SB_SEARCH_PREFERRED) {
		pfn = sb_find_fallback_cat(m, z, cat_order[movable][0], order, start_mt,
					   fallback_mt, search_cats, sum);
		if (pfn != MODEL_NO_PFN)
			return pfn;
	}
	if (search_cats & SB_SEARCH_EMPTY) {
		for_each_spb_on_list(z, SPB_LIST_EMPTY, sb)
		{
			m->events[MODEL_EV_SPB_WALK_VISITS]++;
			pfn = sb_find_fallback_in(z, sb, order, start_mt, fallback_mt, search_cats);
			if (pfn != MODEL_NO_PFN)
				return pfn;
		}
	}
	if (search_cats & SB_SEARCH_FALLBACK)
		return sb_find_fallback_cat(m, z, cat_order[movable][1], order, start_mt,
					    fallback_mt, search_cats, sum);
	return MODEL_NO_PFN;
}

/* The category __rmqueue_claim()'s step c searches: the preferred one, then the other. */
static enum sb_category claim_category(unsigned c, int start_mt)
{
	return cat_order[start_mt == MIGRATE_MOVABLE][c == 0 ? 0 : 1];
}

/*
 * The lowest order __rmqueue_claim()'s descending loop reaches from min_order: it stops at the
 * first order should_try_claim_block() refuses (below PAGEBLOCK_ORDER / 2 for movable).
 */
static int claim_lowest_order(int min_order, int start_mt)
{
	int lo = min_order;

	while (lo < PAGEBLOCK_ORDER / 2 && !should_try_claim_block((unsigned)lo, start_mt))
		lo++;
	return lo;
}

/*
 * Not a kernel function: the orders from co down that one category's search would find nothing
 * at, stepped over at once. Each is sb_find_fallback_cat()'s early return (the category's
 * summary, made here if it is not valid, lacks the order): its visits counted per order, as the
 * walks would. Returns the next order to search (below lo when none is left). Off with
 * params.exact_walks, like the summary (test_model_shortcuts).
 */
static int claim_skip_empty_orders(struct model *m, struct zone *z, enum sb_category cat, int co,
				   int lo, int start_mt, unsigned search_cats,
				   struct sb_fallback_summary *sum)
{
	if (m->p.exact_walks)
		return co;
	if (!sum->valid[cat])
		sb_fallback_summarise(m, z, cat, start_mt, search_cats, sum);
	unsigned found = sum->orders[cat] & ((2u << co) - 1);
	int next = found ? 31 - __builtin_clz(found) : -1;
	if (next < lo - 1)
		next = lo - 1;
	m->events[MODEL_EV_SPB_WALK_VISITS] += (uint64_t)(co - next) * sum->visits[cat];
	return next;
}

/*
 * __rmqueue_claim() of the series: category-major, order-descending. Under ALLOC_NOFRAGMENT
 * only the preferred category is searched; above SPB_AGGRESSIVE_THRESHOLD SPBs the preferred
 * category is searched down to the request's order. A non-movable claim from an empty or
 * clean SPB fires the demand triggers first.
 */
uint64_t spb_rmqueue_claim(struct model *m, struct zone *z, unsigned order, int start_mt,
			   unsigned alloc_flags)
{
	static const unsigned cat_search[] = { SB_SEARCH_PREFERRED, SB_SEARCH_EMPTY,
					       SB_SEARCH_FALLBACK };
	int nofrag_min_order = (int)order;
	int fallback_mt;

	if (order < PAGEBLOCK_ORDER && (alloc_flags & ALLOC_NOFRAGMENT))
		nofrag_min_order = PAGEBLOCK_ORDER;
	for (unsigned c = 0; c < 3; c++) {
		if ((alloc_flags & ALLOC_NOFRAGMENT) && cat_search[c] != SB_SEARCH_PREFERRED)
			continue;
		int min_order = (cat_search[c] == SB_SEARCH_PREFERRED &&
				 z->nr_superpageblocks > m->p.spb_aggressive_threshold)
					? (int)order
					: nofrag_min_order;
		int lo = claim_lowest_order(min_order, start_mt);
		struct sb_fallback_summary sum = { { false } };
		for (int co = MAX_PAGE_ORDER; co >= lo; co--) {
			if (cat_search[c] != SB_SEARCH_EMPTY) {
				co = claim_skip_empty_orders(m, z, claim_category(c, start_mt), co,
							     lo, start_mt, cat_search[c], &sum);
				if (co < lo)
					break;
			}
			uint64_t pfn = rmqueue_sb_find_fallback(m, z, (unsigned)co, start_mt,
								&fallback_mt, cat_search[c], &sum);
			if (pfn == MODEL_NO_PFN)
				continue;
			if (cat_search[c] != SB_SEARCH_PREFERRED && start_mt != MIGRATE_MOVABLE) {
				queue_spb_evacuate(m, z, order, start_mt);
				share_knob_decides(m, MODEL_KNOB_TRIGGER_DEMAND);
				if (m->p.trigger_demand) {
					count_vm_event(m, MODEL_EV_TRIGGER_DEMAND_CLAIM);
					queue_spb_slab_shrink(m, z);
				}
			}
			pfn = try_to_claim_block(m, z, pfn, (unsigned)co, order, start_mt,
						 fallback_mt, false);
			/* it may have moved pages */
			sum = (struct sb_fallback_summary){ { false } };
			if (pfn != MODEL_NO_PFN) {
				count_vm_event(m, MODEL_EV_EXTFRAG_FALLBACK);
				return pfn;
			}
		}
	}
	return MODEL_NO_PFN;
}

/* __rmqueue_steal() of the series: one buddy, smallest order first, no relabelling. */
uint64_t spb_rmqueue_steal(struct model *m, struct zone *z, unsigned order, int start_mt,
			   unsigned alloc_flags)
{
	unsigned search_cats = (alloc_flags & ALLOC_NOFRAG_TAINTED_OK)
				       ? SB_SEARCH_PREFERRED
				       : SB_SEARCH_PREFERRED | SB_SEARCH_FALLBACK;
	int fallback_mt;

	struct sb_fallback_summary sum = { { false } };

	search_cats |= SB_SKIP_CROSS_TYPE;
	for (unsigned co = order; co <= MAX_PAGE_ORDER; co++) {
		uint64_t pfn = rmqueue_sb_find_fallback(m, z, co, start_mt, &fallback_mt,
							search_cats, &sum);
		if (pfn == MODEL_NO_PFN)
			continue;
		page_del_and_expand(m, z, pfn, order, co, fallback_mt);
		if (fallback_mt != start_mt) {
			__spb_set_has_type(m, pfn, start_mt);
			spb_update_list(m, z, pfn_to_superpageblock(z, pfn));
		}
		count_vm_event(m, MODEL_EV_EXTFRAG_FALLBACK);
		return pfn;
	}
	return MODEL_NO_PFN;
}

/*
 * spb_tainted_can_serve_smaller(): could a smaller request of this type be served from the
 * tainted pool, now (a free buddy below order on its own or the opposite non-movable list) or
 * after evacuation (any tainted SPB holding movable pageblocks)?
 */
bool spb_tainted_can_serve_smaller(struct model *m, struct zone *z, unsigned order, int mt)
{
	int opposite_mt = mt == MIGRATE_UNMOVABLE     ? MIGRATE_RECLAIMABLE
			  : mt == MIGRATE_RECLAIMABLE ? MIGRATE_UNMOVABLE
						      : -1;
	unsigned below = (1u << order) - 1;
	struct superpageblock *sb;

	(void)m;
	if (order == 0)
		return false;
	for (int full = SB_FULL; full < NR_SB_FULLNESS; full++) {
		enum spb_list_id id =
			(enum spb_list_id)(SPB_LIST_CAT0 + SB_TAINTED * NR_SB_FULLNESS + full);
		for_each_spb_on_list(z, id, sb)
		{
			if (sb->nr_movable > 0)
				return true;
			if (!sb->nr_free_pages)
				continue;
			if (sb->free_mask[mt] & below)
				return true;
			if (opposite_mt >= 0 && (sb->free_mask[opposite_mt] & below))
				return true;
		}
	}
	return false;
}
