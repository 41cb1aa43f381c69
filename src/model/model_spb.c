// SPDX-License-Identifier: GPL-2.0
/*
 * model_spb.c - superpageblock accounting: has-bits, counters, category, fullness, and the
 * zone lists an SPB lives on (the series' __spb_set_has_type, superpageblock_pb_now_used/free,
 * spb_get_category, sb_get_fullness, spb_update_list).
 *
 * Invariants: nr_unmovable/nr_reclaimable/nr_movable count the pageblocks whose has-bit is set,
 * nr_free those with PB_all_free; an SPB sits on exactly one list, chosen by spb_list_for().
 * spb_update_list always re-appends at the tail, so within a list the SPB updated longest ago
 * is walked first. Expected workload: spb_update_list runs on every buddy allocation.
 */
#include "model_internal.h"

/* spb_tainted_reserve(): max(4, total_pageblocks / 32) with the kernel's defaults. */
unsigned spb_tainted_reserve(const struct model *m, const struct superpageblock *sb)
{
	return m->tainted_reserve_by_total[sb->total_pageblocks];
}

/* max(SPB_TAINTED_RESERVE_MIN, total_pageblocks / divisor) for every possible total. */
void spb_tainted_reserve_init(struct model *m)
{
	unsigned div = m->p.spb_tainted_reserve_divisor ? m->p.spb_tainted_reserve_divisor : 1;
	for (unsigned t = 0; t <= SUPERPAGEBLOCK_NR_PAGEBLOCKS; t++) {
		unsigned r = t / div;
		m->tainted_reserve_by_total[t] =
			(uint16_t)(r > m->p.spb_tainted_reserve_min ? r
								    : m->p.spb_tainted_reserve_min);
	}
}

/* spb_get_category() */
enum sb_category spb_get_category(const struct superpageblock *sb)
{
	if (sb->nr_unmovable || sb->nr_reclaimable || sb->nr_reserved)
		return SB_TAINTED;
	return SB_CLEAN;
}

/* sb_get_fullness(): quarters of the full 512, so partial SPBs look fuller. */
enum sb_fullness sb_get_fullness(const struct superpageblock *sb, enum sb_category cat)
{
	unsigned quarter = SUPERPAGEBLOCK_NR_PAGEBLOCKS / 4;
	unsigned total = sb->total_pageblocks, used;

	if (!total)
		return SB_FULL;
	used = cat == SB_TAINTED ? (unsigned)sb->nr_unmovable + sb->nr_reclaimable
				 : total - sb->nr_free;
	if (used >= total)
		return SB_FULL;
	if (used >= 3 * quarter)
		return SB_FULL_75;
	if (used >= 2 * quarter)
		return SB_FULL_50;
	if (used >= quarter)
		return SB_FULL_25;
	return SB_ALMOST_EMPTY;
}

/* Which list spb_update_list() puts the SPB on. */
enum spb_list_id spb_list_for(const struct superpageblock *sb)
{
	if (sb->contig_allocated)
		return SPB_LIST_ISOLATED;
	if (sb->nr_free == sb->total_pageblocks)
		return SPB_LIST_EMPTY;
	enum sb_category cat = spb_get_category(sb);
	return (enum spb_list_id)(SPB_LIST_CAT0 + cat * NR_SB_FULLNESS + sb_get_fullness(sb, cat));
}

/*
 * Not a kernel function: the SPB joins (sign 1) or leaves (-1) the category of list_id: every non-empty free list
 * of a type below MIGRATE_PCPTYPES counts for it in zone->cat_nr_spbs.
 */
static void spb_cat_move(struct zone *z, const struct superpageblock *sb, unsigned list_id,
			 int sign)
{
	int cat = spb_list_category(list_id);

	if (cat < 0)
		return;
	for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
		for (unsigned bits = sb->free_mask[mt]; bits; bits &= bits - 1)
			spb_cat_count_add(z, cat, mt, (unsigned)__builtin_ctz(bits), sign);
}

/* Not a kernel function: unlink the SPB from its list, its category's counts untouched. */
static void spb_list_unlink_only(struct zone *z, struct superpageblock *sb)
{
	struct spb_list *l = &z->spb_lists[sb->list_id];

	if (sb->prev != SPB_NIL)
		z->superpageblocks[sb->prev].next = sb->next;
	else
		l->head = sb->next;
	if (sb->next != SPB_NIL)
		z->superpageblocks[sb->next].prev = sb->prev;
	else
		l->tail = sb->prev;
	l->count--;
	l->nr_with_free -= sb->nr_free_pages != 0;
	sb->prev = sb->next = SPB_NIL;
	sb->list_id = SPB_LIST_NONE;
}

/* Not a kernel function: append the SPB at the tail of list id, its category's counts untouched. */
static void spb_list_link_tail_only(struct zone *z, struct superpageblock *sb, enum spb_list_id id)
{
	struct spb_list *l = &z->spb_lists[id];
	uint32_t idx = spb_index(z, sb);

	sb->prev = l->tail;
	sb->next = SPB_NIL;
	if (l->tail != SPB_NIL)
		z->superpageblocks[l->tail].next = idx;
	else
		l->head = idx;
	l->tail = idx;
	l->count++;
	l->nr_with_free += sb->nr_free_pages != 0;
	sb->list_id = (uint8_t)id;
}

void spb_list_del(struct zone *z, struct superpageblock *sb)
{
	if (sb->list_id == SPB_LIST_NONE)
		return;
	spb_cat_move(z, sb, sb->list_id, -1);
	spb_list_unlink_only(z, sb);
}

void spb_list_add_tail(struct zone *z, struct superpageblock *sb, enum spb_list_id id)
{
	spb_list_link_tail_only(z, sb, id);
	spb_cat_move(z, sb, id, 1);
}

/*
 * spb_update_list()'s move of the SPB to the tail of list id. Out of line: nearly every call
 * finds the SPB at the tail of its list already, and the move's registers cost every call.
 */
static void __attribute__((noinline))
spb_move_to_list_tail(struct zone *z, struct superpageblock *sb, enum spb_list_id id)
{
	if (sb->list_id != SPB_LIST_NONE &&
	    spb_list_category(sb->list_id) == spb_list_category(id)) {
		/* same category: its counts stay */
		spb_list_unlink_only(z, sb);
		spb_list_link_tail_only(z, sb, id);
	} else {
		spb_list_del(z, sb);
		spb_list_add_tail(z, sb, id);
	}
}

/* spb_update_list(): re-file the SPB at the tail of the list its counters call for. */
void spb_update_list(struct model *m, struct zone *z, struct superpageblock *sb)
{
	enum spb_list_id id = spb_list_for(sb);

	/* already the tail of its list: re-appending it would change nothing */
	if (sb->list_id != id || z->spb_lists[id].tail != spb_index(z, sb))
		spb_move_to_list_tail(z, sb, id);
	sb->list_stale = false;
	if (id >= SPB_LIST_CAT0)
		spb_maybe_start_defrag(m, z, sb);
}

/* migratetype_to_has_bit() */
static uint8_t migratetype_to_has_bit(int mt)
{
	switch (mt) {
	case MIGRATE_UNMOVABLE:
	case MIGRATE_HIGHATOMIC:
		return PB_HAS_UNMOVABLE;
	case MIGRATE_RECLAIMABLE:
		return PB_HAS_RECLAIMABLE;
	case MIGRATE_MOVABLE:
	case MIGRATE_CMA:
		return PB_HAS_MOVABLE;
	default:
		return 0;
	}
}

static uint16_t *spb_has_counter(struct superpageblock *sb, uint8_t bit)
{
	if (bit == PB_HAS_UNMOVABLE)
		return &sb->nr_unmovable;
	if (bit == PB_HAS_RECLAIMABLE)
		return &sb->nr_reclaimable;
	return &sb->nr_movable;
}

/* __spb_set_has_type(): counts the 0 -> 1 transition; no list update. */
void __spb_set_has_type(struct model *m, uint64_t pfn, int mt)
{
	struct pageblock *pb = pfn_pageblock(m, pfn);
	uint8_t bit = migratetype_to_has_bit(mt);

	if (!bit || (pb->flags & bit))
		return;
	struct superpageblock *sb = pfn_to_superpageblock(page_zone(m, pfn), pfn);
	pb->flags |= bit;
	m->gen++;
	(*spb_has_counter(sb, bit))++;
	sb->list_stale = true;
}

/* __spb_clear_has_type(): counts the 1 -> 0 transition, saturating; no list update. */
void __spb_clear_has_type(struct model *m, uint64_t pfn, int mt)
{
	struct pageblock *pb = pfn_pageblock(m, pfn);
	uint8_t bit = migratetype_to_has_bit(mt);
	uint16_t *counter;

	if (!bit || !(pb->flags & bit))
		return;
	struct superpageblock *sb = pfn_to_superpageblock(page_zone(m, pfn), pfn);
	pb->flags &= (uint8_t)~bit;
	m->gen++;
	counter = spb_has_counter(sb, bit);
	if (*counter)
		(*counter)--;
	sb->list_stale = true;
}

/* superpageblock_pb_now_used(): a wholly free pageblock started being used. */
void superpageblock_pb_now_used(struct model *m, uint64_t pfn)
{
	struct superpageblock *sb = pfn_to_superpageblock(page_zone(m, pfn), pfn);
	if (sb->nr_free)
		sb->nr_free--;
	sb->list_stale = true;
}

/* superpageblock_pb_now_free(): a pageblock became wholly free; the SPB may change lists. */
void superpageblock_pb_now_free(struct model *m, uint64_t pfn)
{
	struct zone *z = page_zone(m, pfn);
	struct superpageblock *sb = pfn_to_superpageblock(z, pfn);
	sb->nr_free++;
	spb_update_list(m, z, sb);
}

/*
 * The allocation side of page_del_and_expand() and claim_whole_block(): every pageblock of
 * [pfn, pfn + 2^order) stops being wholly free and gets mt's has-bit (a block smaller than a
 * pageblock marks just its own; such a pageblock is wholly free only when model_alloc_at cuts
 * into it). The caller updates the SPB's list once afterwards.
 */
void spb_mark_range_used(struct model *m, uint64_t pfn, unsigned order, int mt)
{
	uint8_t bit = migratetype_to_has_bit(mt);

	/* the common case: a block inside a used pageblock that has the bit (or mt has none) */
	if (order < PAGEBLOCK_ORDER) {
		uint8_t flags = pfn_pageblock(m, pfn)->flags;
		if (!(flags & PB_ALL_FREE) && (!bit || (flags & bit)))
			return;
	}
	uint64_t end = pfn + (order >= PAGEBLOCK_ORDER ? 1ull << order : 1);

	for (uint64_t p = pfn; p < end; p += PAGEBLOCK_NR_PAGES) {
		struct pageblock *pb = pfn_pageblock(m, p);
		if (pb->flags & PB_ALL_FREE) {
			pb->flags &= (uint8_t)~PB_ALL_FREE;
			superpageblock_pb_now_used(m, p);
		}
		/* __spb_set_has_type() returns at once when the bit is set: asked here first */
		if (!(pb->flags & bit))
			__spb_set_has_type(m, p, mt);
	}
}
