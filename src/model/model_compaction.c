// SPDX-License-Identifier: GPL-2.0
/*
 * model_compaction.c - compaction's free scanner: where a page the host migrated lands.
 *
 * Replay sees the host's compaction only from its edges: the migration source freed
 * (mm_page_free) and, much later, the destination freed under a pfn no kmem event allocated.
 * So that a variant keeps the migrated memory allocated meanwhile, it takes a destination the
 * way mm/compaction.c's free scanner does and holds it (replay_compaction.c binds it to the
 * host's later free):
 *
 *  - isolate_freepages(): pageblock by pageblock downward from the zone's cached free-scanner
 *    position (compact_cached_free_pfn, the top of the zone at first), never into or below the
 *    pageblock of the page being migrated (the migration scanner's block, low_pfn);
 *  - suitable_migration_target(): a MOVABLE (or CMA) pageblock whose first page does not head
 *    a free block of the compaction's order or more (cc->order; pageblock order when it has
 *    none): compaction does not break up what it is making. The model's own direct compaction
 *    passes its request's order; the host's runs replayed here (model_compaction_alloc*,
 *    model_compaction_no_target) pass none, as replay cannot tell their order;
 *  - isolate_freepages_block(): the next free block of the needed order or more in the block,
 *    upward from where the last take left off, split, the first 2^order pages taken (compaction_alloc() takes the head of the smallest
 *    isolated block; the rest of the block stays on the free lists here instead of on
 *    cc->freepages, which release_free_list() gives back at the end of the run anyway).
 *
 * The cached position moves down past every pageblock scanned without success
 * (update_pageblock_skip) and returns to the top when the scanners meet
 * (reset_cached_positions). Skip bits, the fast free-list search and the async stride are not
 * modelled: the scan sees every pageblock (a 1 GiB region with no free block a target could
 * give on its movable free lists is passed in one step, region_has_no_target: the same outcome
 * without the per-pageblock visits, which under pressure were 92% of the pageblocks scanned;
 * model_compaction_no_target() reads a region it covers whole from the same lists). The SPB
 * policy uses the same scanner (no SPB-aware mm/compaction.c is known, spb-allocator.md
 * 3.12); model_alloc_at keeps its counters.
 * The model's own direct compaction (model_direct_compact.c) takes its destinations here
 * too, through compaction_alloc(), which does not restart from the top within a run.
 *
 * Expected workload: one call per migrated page, tens of thousands per pressure trace, most
 * of them without a target under pressure; a call costs a few words per 1 GiB region of the
 * zone, plus the pageblocks scanned since the last success in regions whose movable lists hold
 * a block of the order, plus one pageblock's page words.
 */
#include "model_internal.h"

/*
 * reset_cached_positions(): the free scanner restarts at the zone's last pageblock, the
 * migration scanner (model_direct_compact.c) at its first.
 */
void reset_cached_positions(struct zone *z)
{
	z->compact_cached_free_pfn = (z->zone_end_pfn - 1) & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
	z->compact_cached_migrate_pfn[0] = z->compact_cached_migrate_pfn[1] = z->zone_start_pfn;
}

/*
 * The order of a free block heading a pageblock from which suitable_migration_target()
 * refuses it: the compaction's order, pageblock order for none (0; the kernel's full
 * compaction passes -1).
 */
static inline unsigned target_refuse_order(unsigned cc_order)
{
	return cc_order > 0 ? cc_order : PAGEBLOCK_ORDER;
}

/*
 * suitable_migration_target(): @cc_order is the compaction's order (cc->order), 0 for a run
 * without one (the host's runs, whose order replay cannot tell), which stands for pageblock
 * order as in the kernel: a pageblock whose first page heads a free block of that order or
 * more is not broken up. An order below pageblock order refuses more pageblocks than
 * pageblock order does (the shortcuts below stay exact: they rule out only pageblocks every
 * order refuses or that hold no free block of the needed order); one above it (an order-10
 * request) accepts a pageblock that is one free order-9 block, which region_has_no_target
 * allows for.
 */
static bool suitable_migration_target(struct model *m, uint64_t pb_pfn, unsigned cc_order)
{
	unsigned large = target_refuse_order(cc_order);
	struct pageblock *pb = pfn_pageblock(m, pb_pfn);
	uint32_t w;

	if (pb->reserved || pb->zone == 0xff || !pb->nr_free_pages)
		return false;
	w = pw_get(m, pb_pfn);
	if (pw_kind(w) == PK_FREE && pw_order(w) >= large)
		return false;
	return is_migrate_movable(get_pageblock_migratetype(m, pb_pfn));
}

/*
 * isolate_freepages_block(): the first free block of at least @order in [pfn, block end). No
 * walk where the pageblock's counts rule one out: fewer free pages than the block needs, or
 * every page free with no free block heading the pageblock (it lies inside a free block of
 * more than pageblock order that starts below it: the walk would see only its tails).
 */
static uint64_t isolate_freepages_block(struct model *m, uint64_t pfn, unsigned order)
{
	uint64_t end = (pfn | (PAGEBLOCK_NR_PAGES - 1)) + 1;
	uint64_t pb_pfn = pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
	unsigned nr_free = pfn_pageblock(m, pfn)->nr_free_pages;

	if (nr_free < 1u << order)
		return MODEL_NO_PFN;
	if (nr_free == PAGEBLOCK_NR_PAGES && pw_kind(pw_get(m, pb_pfn)) != PK_FREE)
		return MODEL_NO_PFN;
	for (uint64_t p = pfn; p < end;) {
		uint32_t w = pw_get(m, p);
		unsigned k = pw_kind(w);
		if (k == PK_FREE && pw_order(w) >= order)
			return p;
		p += k == PK_TAIL ? 1 : 1ull << pw_order(w);
	}
	return MODEL_NO_PFN;
}

/*
 * The orders of @sb's free blocks in pageblocks suitable_migration_target() could accept:
 * those on its MOVABLE and CMA free lists. A free block lies on the list of its pageblock's
 * type (free_one_page() takes the pageblock's type, a relabel moves the pageblock's free
 * blocks with move_freepages_block(), and a merge above pageblock order relabels the buddy),
 * so a free block in a movable pageblock is on one of these two lists.
 */
static inline uint16_t movable_free_orders(const struct superpageblock *sb)
{
	return sb->free_mask[MIGRATE_MOVABLE] | sb->free_mask[MIGRATE_CMA];
}

/*
 * Not a kernel function, a shortcut with the scan's outcome: no pageblock of the 1 GiB region
 * at @pfn can give a target of @order, as no zone's superpageblock there holds a free block of
 * order @order up to the refused order - 1 on a movable list (movable_free_orders();
 * isolate_freepages_block() needs one of at least @order inside a pageblock
 * suitable_migration_target() accepts, so of a movable type; a larger one heads its pageblock
 * or lies past its start, and suitable_migration_target() refuses the first,
 * isolate_freepages_block() sees only tails of the second). The refused order is taken no
 * lower than pageblock order: under a smaller cc->order a free block between the two need
 * not head its pageblock, which may then be accepted and give it.
 */
static bool region_has_no_target(struct model *m, uint64_t pfn, unsigned order, unsigned cc_order)
{
	uint64_t region = pfn & ~(uint64_t)(SUPERPAGEBLOCK_NR_PAGES - 1);
	unsigned refused = target_refuse_order(cc_order);
	uint16_t orders;

	if (m->p.exact_walks)
		return false;
	if (refused < PAGEBLOCK_ORDER)
		refused = PAGEBLOCK_ORDER;
	orders = (uint16_t)(((1u << refused) - 1) & ~((1u << order) - 1));

	for (unsigned i = 0; i < m->nr_zones; i++) {
		struct zone *z = &m->zones[i];
		if (z->zone_end_pfn <= region ||
		    z->zone_start_pfn >= region + SUPERPAGEBLOCK_NR_PAGES)
			continue;
		uint64_t at = region > z->zone_start_pfn ? region : z->zone_start_pfn;
		if (movable_free_orders(pfn_to_superpageblock(z, at)) & orders)
			return false;
	}
	return true;
}

/*
 * The lowest pageblock of the region at @pb that the scan above @low_pfn would visit: where a
 * scan that finds nothing in the region leaves off.
 */
static uint64_t region_scan_floor(const struct zone *z, uint64_t pb, uint64_t low_pfn)
{
	uint64_t floor = pb & ~(uint64_t)(SUPERPAGEBLOCK_NR_PAGES - 1);
	uint64_t zone_first =
		(z->zone_start_pfn + PAGEBLOCK_NR_PAGES - 1) & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);

	if (floor < low_pfn)
		floor = low_pfn;
	if (floor < zone_first)
		floor = zone_first;
	return floor;
}

/*
 * Not a kernel function, a shortcut with the scan's outcome: from @pb down, the first
 * pageblock of its region (and above @low_pfn, inside the zone) that its pageblock bits do not
 * rule out, or the lowest one the scan would visit there. Ruled out: fewer than @need free
 * pages (isolate_freepages_block() needs a free block of @need pages), a hole, outside every
 * zone or not of a movable type (suitable_migration_target() refuses those); the scan would
 * only pass such a pageblock.
 */
static uint64_t skip_short_pageblocks(struct model *m, const struct zone *z, uint64_t pb,
				      uint64_t low_pfn, unsigned need)
{
	uint64_t lo = pb & ~(uint64_t)(SUPERPAGEBLOCK_NR_PAGES - 1);
	const struct pageblock *p = pfn_pageblock(m, pb);

	if (lo < low_pfn)
		lo = low_pfn;
	if (lo < z->zone_start_pfn)
		lo = z->zone_start_pfn;
	lo = (lo + PAGEBLOCK_NR_PAGES - 1) & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
	if (m->p.exact_walks || pb <= lo)
		return pb;
	/* pb is pageblock aligned above lo: the pageblocks down to lo's, by pointer */
	const struct pageblock *stop = p - ((pb - lo) >> PAGEBLOCK_ORDER);
	while (p > stop && (p->nr_free_pages < need || p->reserved || p->zone == 0xff ||
			    !is_migrate_movable(p->flags & PB_MIGRATE_MASK)))
		p--;
	return pb - (uint64_t)(pfn_pageblock(m, pb) - p) * PAGEBLOCK_NR_PAGES;
}

/*
 * isolate_freepages(): the scan downward from the cached position (inside its pageblock from
 * where the last take left off, as isolate_start_pfn does), above low_pfn. A region with no
 * free block a target could give is passed in one step (region_has_no_target), leaving the
 * cached position where the pageblock-by-pageblock scan would; inside a region, pageblocks
 * whose own bits rule them out are passed in a tight loop (skip_short_pageblocks).
 */
static uint64_t isolate_freepages(struct model *m, struct zone *z, uint64_t low_pfn, unsigned order,
				  unsigned cc_order)
{
	uint64_t start = z->compact_cached_free_pfn;
	uint64_t pb = start & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
	uint64_t region_with_target = MODEL_NO_PFN; /* the region last found to have some */

	for (; pb >= low_pfn && pb >= z->zone_start_pfn; pb -= PAGEBLOCK_NR_PAGES, start = pb) {
		uint64_t region = pb & ~(uint64_t)(SUPERPAGEBLOCK_NR_PAGES - 1);
		if (region != region_with_target) {
			if (region_has_no_target(m, pb, order, cc_order))
				pb = region_scan_floor(z, pb, low_pfn);
			else
				region_with_target = region;
		}
		if (region == region_with_target) {
			uint64_t next = skip_short_pageblocks(m, z, pb, low_pfn, 1u << order);
			if (next != pb)
				start = pb = next;
		}
		if (region == region_with_target && suitable_migration_target(m, pb, cc_order)) {
			uint64_t pfn = isolate_freepages_block(m, start, order);
			if (pfn != MODEL_NO_PFN) {
				z->compact_cached_free_pfn = pfn;
				return pfn;
			}
		}
		z->compact_cached_free_pfn = pb - PAGEBLOCK_NR_PAGES; /* update_pageblock_skip */
		if (pb < PAGEBLOCK_NR_PAGES)
			break;
	}
	return MODEL_NO_PFN;
}

/* The destination at pfn taken (allocated, movable) and counted as a page migrated. */
static int take_target(struct model *m, uint64_t pfn, unsigned order, uint64_t *dst)
{
	if (pfn == MODEL_NO_PFN || model_alloc_at(m, pfn, order, MIGRATE_MOVABLE, true) != MODEL_OK)
		return MODEL_ENOMEM;
	m->events[MODEL_EV_PGMIGRATE_SUCCESS] += 1u << order;
	*dst = pfn;
	return MODEL_OK;
}

/*
 * compaction_alloc() inside one direct compaction run (model_direct_compact.c): the free
 * scanner from its cached position down to the pageblock above src_pfn, no restart from the
 * top (the scanners met: the run is over), targets judged by the run's order @cc_order
 * (cc->order). MODEL_ENOMEM when nothing was found.
 */
int compaction_alloc(struct model *m, struct zone *z, uint64_t src_pfn, unsigned order,
		     unsigned cc_order, uint64_t *dst)
{
	uint64_t low_pfn = (src_pfn | (PAGEBLOCK_NR_PAGES - 1)) + 1; /* pageblock_end_pfn */

	if (order >= PAGEBLOCK_ORDER)
		return MODEL_EINVAL;
	if (take_target(m, isolate_freepages(m, z, low_pfn, order, cc_order), order, dst) ==
	    MODEL_OK)
		return MODEL_OK;
	m->events[MODEL_EV_PGMIGRATE_FAIL] += 1u << order;
	return MODEL_ENOMEM;
}

/*
 * The zone of a migration the host made from @src_pfn, or NULL for a pfn outside the model or
 * an order compaction_alloc() does not serve; *@migrate_pfn (the migration scanner) becomes
 * @src_pfn unless it is in that zone.
 */
static struct zone *host_migration_zone(struct model *m, uint64_t src_pfn, unsigned order,
					uint64_t *migrate_pfn)
{
	if (!pfn_in_model(m, src_pfn) || order >= PAGEBLOCK_ORDER)
		return NULL;
	struct zone *z = page_zone(m, src_pfn);
	if (!pfn_in_model(m, *migrate_pfn) || page_zone(m, *migrate_pfn) != z)
		*migrate_pfn = src_pfn;
	return z;
}

/*
 * The free scanner of a migration the host made: downward from the cached position, then once
 * from the top, above @low_pfn; the destination taken into *dst. MODEL_ENOMEM when the scanners
 * met without a suitable free block (nothing counted: the callers count the failure).
 */
static int host_migration_scan(struct model *m, struct zone *z, uint64_t low_pfn, unsigned order,
			       uint64_t *dst)
{
	if (!z->compact_cached_free_pfn || z->compact_cached_free_pfn >= z->zone_end_pfn)
		reset_cached_positions(z);
	for (int pass = 0; pass < 2; pass++) {
		uint64_t from = z->compact_cached_free_pfn;
		if (take_target(m, isolate_freepages(m, z, low_pfn, order, 0), order, dst) ==
		    MODEL_OK)
			return MODEL_OK;
		reset_cached_positions(z); /* the scanners met */
		if (from >= z->compact_cached_free_pfn)
			break; /* that scan started at the top: a second would see the same */
	}
	return MODEL_ENOMEM;
}

/*
 * Not a kernel function: the highest block of @order in a pageblock of @z below the one at
 * @pb that suitable_migration_target() accepts (not a wholly free pageblock: the next
 * high-order request's), taken into *dst; regions with no target passed in one step.
 */
static int take_highest_below(struct model *m, struct zone *z, uint64_t pb, unsigned order,
			      uint64_t *dst)
{
	while (pb >= z->zone_start_pfn + PAGEBLOCK_NR_PAGES) {
		pb -= PAGEBLOCK_NR_PAGES;
		if (pb >= z->zone_end_pfn)
			continue;
		if ((pb & (SUPERPAGEBLOCK_NR_PAGES - 1)) ==
			    SUPERPAGEBLOCK_NR_PAGES - PAGEBLOCK_NR_PAGES &&
		    region_has_no_target(m, pb, order, 0)) {
			pb &= ~(uint64_t)(SUPERPAGEBLOCK_NR_PAGES - 1); /* the region passed */
			continue;
		}
		if (!suitable_migration_target(m, pb, 0))
			continue;
		uint64_t pfn = isolate_freepages_block(m, pb, order);
		if (pfn != MODEL_NO_PFN && take_target(m, pfn, order, dst) == MODEL_OK)
			return MODEL_OK;
	}
	return MODEL_ENOMEM;
}

/*
 * compaction_alloc() for a migration the host made: a destination for the movable
 * allocation of 2^order pages at src_pfn, taken off the free lists (allocated, movable) into
 * *dst. The migration scanner is at migrate_pfn (the host's source, in src_pfn's zone; else
 * src_pfn): the free scanner stays above its pageblock. With @below (not NULL: replay's
 * compaction_below reconciliation, not the kernel's), where the free scanner finds nothing,
 * the highest suitable block below migrate_pfn's pageblock, *below set: the host's migration
 * did succeed, so the model holds the memory somewhere. MODEL_ENOMEM (PGMIGRATE_FAIL counted)
 * when nothing was found; MODEL_EINVAL for a pfn outside the model or a bad order. Replay
 * cannot tell the host run's order: targets are judged as for pageblock order (cc_order 0).
 */
static int host_migration_alloc(struct model *m, uint64_t src_pfn, uint64_t migrate_pfn,
				unsigned order, uint64_t *dst, bool *below)
{
	struct zone *z = host_migration_zone(m, src_pfn, order, &migrate_pfn);
	uint64_t pb = migrate_pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);

	if (below)
		*below = false;
	if (!z)
		return MODEL_EINVAL;
	if (host_migration_scan(m, z, pb + PAGEBLOCK_NR_PAGES, order, dst) == MODEL_OK)
		return MODEL_OK;
	if (below && take_highest_below(m, z, pb, order, dst) == MODEL_OK) {
		*below = true;
		return MODEL_OK;
	}
	m->events[MODEL_EV_PGMIGRATE_FAIL] += 1u << order;
	return MODEL_ENOMEM;
}

int model_compaction_alloc_above(struct model *m, uint64_t src_pfn, uint64_t migrate_pfn,
				 unsigned order, uint64_t *dst)
{
	return host_migration_alloc(m, src_pfn, migrate_pfn, order, dst, NULL);
}

int model_compaction_alloc_or_below(struct model *m, uint64_t src_pfn, uint64_t migrate_pfn,
				    unsigned order, uint64_t *dst, bool *below)
{
	return host_migration_alloc(m, src_pfn, migrate_pfn, order, dst, below);
}

/* compaction_alloc() for a migration the host made, the migration scanner at the source. */
int model_compaction_alloc(struct model *m, uint64_t src_pfn, unsigned order, uint64_t *dst)
{
	return model_compaction_alloc_above(m, src_pfn, src_pfn, order, dst);
}

/*
 * A pageblock above @low_pfn (pageblock aligned) in @z from which suitable_migration_target()
 * (pageblock order) and isolate_freepages_block() would give a block of @order: the free
 * scanner's outcome from the top, without its cached position. Regions with no target are
 * passed in one step (region_has_no_target), pageblocks their bits rule out in a tight loop
 * (skip_short_pageblocks), as isolate_freepages() does.
 */
static bool target_above(struct model *m, struct zone *z, uint64_t low_pfn, unsigned order)
{
	uint64_t top = (z->zone_end_pfn - 1) & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
	uint64_t lo = (low_pfn > z->zone_start_pfn ? low_pfn : z->zone_start_pfn) +
		      PAGEBLOCK_NR_PAGES - 1;

	lo &= ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1); /* the lowest pageblock the scan visits */
	for (uint64_t pb = top; pb >= lo && pb < z->zone_end_pfn;) {
		uint64_t floor = region_scan_floor(z, pb, low_pfn);
		if (!region_has_no_target(m, pb, order, 0))
			for (;;) {
				pb = skip_short_pageblocks(m, z, pb, low_pfn, 1u << order);
				if (suitable_migration_target(m, pb, 0) &&
				    isolate_freepages_block(m, pb, order) != MODEL_NO_PFN)
					return true;
				if (pb <= floor)
					break;
				pb -= PAGEBLOCK_NR_PAGES;
			}
		if (floor <= lo)
			break;
		pb = floor - PAGEBLOCK_NR_PAGES;
	}
	return false;
}

/*
 * What free_above_kind()'s walk would find in all of @sb's pageblocks, read from its free
 * lists: a block below pageblock order on a movable list (movable_free_orders()) lies in a
 * movable pageblock that is not wholly free (a wholly free pageblock is one free block of
 * pageblock order or more, as free buddies below it merge): true at once, MODEL_NT_SMALL.
 * Else a larger one there makes a movable pageblock wholly free (*whole), and a block on any
 * other list is a free page in a pageblock of another type (*other).
 */
static bool spb_free_kind(const struct superpageblock *sb, bool *whole, bool *other)
{
	uint16_t movable = movable_free_orders(sb);

	if (movable & ((1u << PAGEBLOCK_ORDER) - 1))
		return true;
	if (movable)
		*whole = true;
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		if (!is_migrate_movable(mt) && sb->free_mask[mt])
			*other = true;
	return false;
}

/*
 * Whether a walk over some of @sb's pageblocks could find what free_above_kind() has not
 * found yet (@whole, @other): what all of them hold (spb_free_kind()) is an upper bound.
 */
static bool part_walk_may_add(const struct superpageblock *sb, bool whole, bool other)
{
	bool sb_whole = false, sb_other = false;

	if (spb_free_kind(sb, &sb_whole, &sb_other))
		return true;
	return (sb_whole && !whole) || (sb_other && !other);
}

/*
 * What the pageblocks of @z from @top down to @low_pfn hold free (the reasons of enum
 * model_no_target): free pages in a movable pageblock that is not wholly free gives
 * MODEL_NT_SMALL at once; else whether some movable pageblock is wholly free and some
 * non-movable one has free pages. A region whose superpageblock in @z has no free page is
 * passed in one step, one the walk would cover whole is read from its free lists
 * (spb_free_kind()), and the part of one above @low_pfn is walked only if those lists say the
 * walk could change the answer (part_walk_may_add(); neither with params.exact_walks).
 */
static enum model_no_target free_above_kind(struct model *m, struct zone *z, uint64_t top,
					    uint64_t low_pfn)
{
	bool whole = false, other = false;

	for (uint64_t pb = top; pb >= low_pfn && pb >= z->zone_start_pfn;) {
		uint64_t region = pb & ~(uint64_t)(SUPERPAGEBLOCK_NR_PAGES - 1);
		uint64_t at = region > z->zone_start_pfn ? region : z->zone_start_pfn;
		/* the pageblocks from pb down to the lowest at or above low_pfn and at */
		uint64_t lo = (at + PAGEBLOCK_NR_PAGES - 1) & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
		if (lo < low_pfn)
			lo = low_pfn;
		const struct superpageblock *sb = pfn_to_superpageblock(z, at);
		bool walk = sb->nr_free_pages && pb >= lo && !m->p.exact_walks;
		if (walk && lo == at) {
			/* pb is the zone's last pageblock in the region: the walk covers it all */
			if (spb_free_kind(sb, &whole, &other))
				return MODEL_NT_SMALL;
			walk = false;
		} else if (walk) {
			walk = part_walk_may_add(sb, whole, other);
		} else {
			walk = sb->nr_free_pages && pb >= lo; /* params.exact_walks: every walk */
		}
		if (walk) {
			const struct pageblock *first = pfn_pageblock(m, lo);
			for (const struct pageblock *b = pfn_pageblock(m, pb);; b--) {
				/* most pageblocks under pressure have no free page: tested first */
				if (b->nr_free_pages && !b->reserved && b->zone == z->idx) {
					uint64_t p =
						lo + (uint64_t)(b - first) * PAGEBLOCK_NR_PAGES;
					uint32_t w = pw_get(m, p);
					if (!is_migrate_movable(b->flags & PB_MIGRATE_MASK))
						other = true;
					else if (b->nr_free_pages == PAGEBLOCK_NR_PAGES ||
						 (pw_kind(w) == PK_FREE &&
						  pw_order(w) >= PAGEBLOCK_ORDER))
						whole = true;
					else
						return MODEL_NT_SMALL;
				}
				if (b == first)
					break;
			}
		}
		if (region < PAGEBLOCK_NR_PAGES)
			break;
		pb = region - PAGEBLOCK_NR_PAGES;
	}
	if (whole)
		return MODEL_NT_WHOLE_FREE;
	return other ? MODEL_NT_NOT_MOVABLE : MODEL_NT_NONE_ABOVE;
}

/* Not a kernel function: model_compaction_alloc()'s failure explained (enum model_no_target). */
enum model_no_target model_compaction_no_target(struct model *m, uint64_t src_pfn,
						uint64_t migrate_pfn, uint64_t host_pfn,
						unsigned order)
{
	struct zone *z = host_migration_zone(m, src_pfn, order, &migrate_pfn);
	if (!z)
		return MODEL_NT_ORDER;
	uint64_t low_pfn = (migrate_pfn | (PAGEBLOCK_NR_PAGES - 1)) + 1;
	uint64_t top = (z->zone_end_pfn - 1) & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);

	/* with the scanner at the host's source (compaction_host_scanner) this cannot be */
	if (host_pfn != MODEL_NO_PFN && pfn_in_model(m, host_pfn) && page_zone(m, host_pfn) == z &&
	    host_pfn < (low_pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1)) &&
	    target_above(m, z, (host_pfn | (PAGEBLOCK_NR_PAGES - 1)) + 1, order))
		return MODEL_NT_SOURCE_HIGH;
	return free_above_kind(m, z, top, low_pfn);
}
