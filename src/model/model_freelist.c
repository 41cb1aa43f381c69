// SPDX-License-Identifier: GPL-2.0
/*
 * model_freelist.c - buddy free lists, splitting and merging (mm/page_alloc.c's list helpers,
 * expand(), page_del_and_expand(), __free_one_page(), __free_pages_ok(), mark_pageblock_free()).
 *
 * Free lists are per superpageblock, per order and migratetype, exactly as in the SPB series;
 * the mainline policy uses the same per-region lists plus a zone-level list of regions
 * (model_mainline.c) that stands in for the single zone-wide list. Head insertion is the
 * default, tail insertion where the kernel uses it (buddy_merge_likely, move_to_free_list).
 *
 * Invariants: a block on a list has its head word PK_FREE with its order and list type; every
 * page that stops being a head (merged, allocated) is rewritten at once, so no stale head
 * survives. Expected workload: millions of calls per second; every function is O(1) except
 * move_freepages_block, which walks one pageblock's blocks, and mark_allocated_bulk, which
 * marks a refill's blocks (O(blocks)).
 */
#include "model_internal.h"

/*
 * A free list's words, the fast form of pw_get/pw_set for list links: the page words of the
 * SPB holding pfn, indexed by page inside the SPB. SPBs start 1 GiB aligned, like base_pfn
 * (setup_superpageblocks), so the SPB's words start at the region boundary below pfn and
 * a page's index is the low bits of its pfn. One m->gen bump per list operation, or per free
 * or split inside one pageblock, stands for the bumps of its word writes (gen is only ever
 * compared for equality, and nothing reads it in between).
 */
static inline uint32_t *spb_words(const struct model *m, uint64_t pfn)
{
	return m->page + ((pfn - m->base_pfn) & ~(uint64_t)(SUPERPAGEBLOCK_NR_PAGES - 1));
}
static inline uint32_t spb_page_index(uint64_t pfn)
{
	return (uint32_t)(pfn & (SUPERPAGEBLOCK_NR_PAGES - 1));
}
/* The slot of the SPB holding pfn in z->superpageblocks and z->superpageblocks_cold. */
static inline size_t spb_slot(const struct zone *z, uint64_t pfn)
{
	return (size_t)((pfn - z->superpageblock_base_pfn) >> SUPERPAGEBLOCK_ORDER);
}

/*
 * The SPB holding pfn as the list helpers work on it (pfn_to_superpageblock() and the page
 * words): its hot and cold halves, its page words and pfn's index among them.
 */
struct spb_at {
	struct superpageblock *sb;
	struct superpageblock_cold *cold;
	uint32_t *w;
	uint32_t idx;
};
static inline __attribute__((always_inline)) struct spb_at pfn_spb_at(const struct model *m,
								      struct zone *z, uint64_t pfn)
{
	size_t slot = spb_slot(z, pfn);

	return (struct spb_at){ .sb = &z->superpageblocks[slot],
				.cold = &z->superpageblocks_cold[slot],
				.w = spb_words(m, pfn),
				.idx = spb_page_index(pfn) };
}

/* A free head's `next` lives in its own word, its `prev` in the word of its pair partner. */
static inline void set_link(uint32_t *w, uint32_t idx, uint32_t v)
{
	w[idx] = (w[idx] & ~PW_LINK_MASK) | v;
}
static inline void set_next(uint32_t *w, uint32_t idx, uint32_t v)
{
	set_link(w, idx, v);
}
static inline void set_prev(uint32_t *w, uint32_t idx, uint32_t v)
{
	set_link(w, idx ^ 1, v);
}
static inline uint32_t get_prev(const uint32_t *w, uint32_t idx)
{
	return pw_link(w[idx ^ 1]);
}

/*
 * Per-pageblock free-page counts of a block of 2^order pages or more, one pageblock each, each
 * marked for model_stats (the caller's pageblock_counts_changed() marks the first). Out of
 * line: blocks of a pageblock or more are the rare case, and inlined into the list helpers the
 * marking loop changed LTO's inlining around them (+14 M instructions on pressure-reclaim).
 */
static void __attribute__((noinline))
account_pageblocks_free(struct model *m, uint64_t pfn, unsigned order, int sign)
{
	unsigned n = 1u << (order - PAGEBLOCK_ORDER);
	struct pageblock *pb = pfn_pageblock(m, pfn);
	for (unsigned i = 0; i < n; i++) {
		pb[i].nr_free_pages =
			(uint16_t)(pb[i].nr_free_pages + sign * (int)PAGEBLOCK_NR_PAGES);
		pb[i].stats_sig |= PB_STATS_CHANGED; /* the first's pageblock_counts_changed() */
	}
}

/* Per-pageblock free-page counts, the fast form of prep_move_freepages_block's walk. */
static inline void account_pageblock_free(struct model *m, uint64_t pfn, unsigned order, int sign)
{
	pageblock_counts_changed(m, pfn); /* a block never spans two regions */
	if (order >= PAGEBLOCK_ORDER) {
		account_pageblocks_free(m, pfn, order, sign);
	} else {
		struct pageblock *pb = pfn_pageblock(m, pfn);
		pb->nr_free_pages = (uint16_t)(pb->nr_free_pages + sign * (int)(1u << order));
	}
}

/*
 * The free-page counts of a list add (sign 1) or delete (-1) of the block at pfn of this order:
 * its SPB's and zone's (account_freepages(), without the per-type part, which the list helpers
 * keep) and its pageblocks'.
 */
static inline void account_free_block(struct model *m, struct zone *z, struct superpageblock *sb,
				      uint64_t pfn, unsigned order, int sign)
{
	if (sign > 0) {
		if (!sb->nr_free_pages)
			spb_list_free_changed(z, sb, 1);
		sb->nr_free_pages += 1u << order;
		z->nr_free_pages += 1u << order;
	} else {
		MODEL_WARN_ON(m, z->nr_free_pages < 1u << order);
		sb->nr_free_pages -= 1u << order;
		if (!sb->nr_free_pages)
			spb_list_free_changed(z, sb, -1);
		z->nr_free_pages -= 1u << order;
	}
	account_pageblock_free(m, pfn, order, sign);
}

/*
 * account_free_block() of nr_pages (signed) pages inside the pageblock at pfn, not a block: the
 * net count of list operations that add and delete blocks of that pageblock, settled at once
 * (__free_one_page()'s merges, page_del_and_expand()). Nothing reads the counts between them.
 */
static inline void account_free_pages(struct zone *z, struct superpageblock *sb,
				      struct pageblock *pb, int nr_pages)
{
	if (!sb->nr_free_pages)
		spb_list_free_changed(z, sb, 1);
	sb->nr_free_pages += (uint32_t)nr_pages;
	if (!sb->nr_free_pages)
		spb_list_free_changed(z, sb, -1);
	z->nr_free_pages += (uint64_t)(int64_t)nr_pages;
	pb->nr_free_pages = (uint16_t)(pb->nr_free_pages + nr_pages);
}

/* account_free_pages() for the pageblock at pfn, marked for model_stats. */
static inline void account_free_pages_in_pageblock(struct model *m, struct zone *z,
						   struct superpageblock *sb, uint64_t pfn,
						   int nr_pages)
{
	pageblock_counts_changed(m, pfn);
	account_free_pages(z, sb, pfn_pageblock(m, pfn), nr_pages);
}

/*
 * The list part of __add_to_free_list() on the block at idx of the SPB sb, whose cold half is
 * cold and whose page words are w: links the block and keeps the per-order and per-type counts
 * and masks. The caller bumps m->gen.
 */
static inline __attribute__((always_inline)) void link_free_block(struct model *m, struct zone *z,
								  struct superpageblock *sb,
								  struct superpageblock_cold *cold,
								  uint32_t *w, uint32_t idx,
								  unsigned order, int mt, bool tail)
{
	uint32_t head = cold->free_head[order][mt];

	if (!tail || head == PW_NIL) {
		w[idx] = pw_make(PK_FREE, order, mt, head);
		set_prev(w, idx, PW_NIL);
		if (head != PW_NIL)
			set_prev(w, head, idx);
		else
			cold->free_tail[order][mt] = idx;
		cold->free_head[order][mt] = idx;
	} else {
		uint32_t old_tail = cold->free_tail[order][mt];
		w[idx] = pw_make(PK_FREE, order, mt, PW_NIL);
		set_prev(w, idx, old_tail);
		set_next(w, old_tail, idx);
		cold->free_tail[order][mt] = idx;
	}
	if (m->policy == MODEL_POLICY_MAINLINE)
		mainline_mru_add(z, sb, order, mt, tail);
	if (!(sb->free_mask[mt] & (1u << order))) {
		sb->free_mask[mt] |= (uint16_t)(1u << order);
		spb_cat_free_changed(z, sb, order, mt, 1);
	}
	cold->nr_free_blocks[order]++;
	sb->order_mask |= (uint16_t)(1u << order);
	z->nr_free_blocks[order]++;
	if (mt == MIGRATE_HIGHATOMIC) /* account_freepages() */
		z->nr_free_highatomic += 1u << order;
}

/*
 * The list part of __add_to_free_list(): link_free_block() of the block at pfn; the free-page
 * counts are account_free_block()'s. Returns the SPB.
 */
static inline __attribute__((always_inline)) struct superpageblock *
add_to_free_area(struct model *m, struct zone *z, uint64_t pfn, unsigned order, int mt, bool tail)
{
	struct spb_at s = pfn_spb_at(m, z, pfn);

	link_free_block(m, z, s.sb, s.cold, s.w, s.idx, order, mt, tail);
	m->gen++;
	return s.sb;
}

/*
 * __add_to_free_list(). Inlined into this file's hot callers (__free_one_page's list end,
 * expand); add_to_free_list() is the same for the other files.
 */
static inline __attribute__((always_inline)) void
__add_to_free_list(struct model *m, struct zone *z, uint64_t pfn, unsigned order, int mt, bool tail)
{
	struct superpageblock *sb = add_to_free_area(m, z, pfn, order, mt, tail);
	account_free_block(m, z, sb, pfn, order, 1);
}

/*
 * The list part of __del_page_from_free_list() on the free head at idx, whose word is word, of
 * the SPB sb (cold half cold, page words w): unlinks the block, clears its head
 * (__ClearPageBuddy) and keeps the per-order and per-type counts and masks. The list is empty
 * after it exactly when the block had neither prev nor next. The caller bumps m->gen.
 */
static inline __attribute__((always_inline)) void
unlink_free_block(struct model *m, struct zone *z, struct superpageblock *sb,
		  struct superpageblock_cold *cold, uint32_t *w, uint32_t idx, uint32_t word)
{
	unsigned order = pw_order(word);
	int mt = pw_mt(word);
	uint32_t next = pw_link(word);
	uint32_t prev = get_prev(w, idx);

	if (prev != PW_NIL)
		set_next(w, prev, next);
	else
		cold->free_head[order][mt] = next;
	if (next != PW_NIL)
		set_prev(w, next, prev);
	else
		cold->free_tail[order][mt] = prev;
	if (prev == PW_NIL && next == PW_NIL) {
		sb->free_mask[mt] &= (uint16_t) ~(1u << order);
		spb_cat_free_changed(z, sb, order, mt, -1);
		if (m->policy == MODEL_POLICY_MAINLINE)
			mainline_mru_del(z, sb, order, mt);
	}
	/* the unlinking may have moved its link */
	w[idx] = pw_make(PK_TAIL, 0, 0, 0) | pw_link(w[idx]);
	if (!--cold->nr_free_blocks[order])
		sb->order_mask &= (uint16_t) ~(1u << order);
	MODEL_WARN_ON(m, !z->nr_free_blocks[order]);
	z->nr_free_blocks[order]--;
	if (mt == MIGRATE_HIGHATOMIC)
		z->nr_free_highatomic -= 1u << order;
}

/*
 * The list part of __del_page_from_free_list(): unlink_free_block() of the block at pfn; the
 * free-page counts are account_free_block()'s. Returns the SPB and, in *order, the block's
 * order.
 */
static inline __attribute__((always_inline)) struct superpageblock *
del_from_free_area(struct model *m, struct zone *z, uint64_t pfn, unsigned *order_out)
{
	struct spb_at s = pfn_spb_at(m, z, pfn);
	uint32_t word = s.w[s.idx];

	unlink_free_block(m, z, s.sb, s.cold, s.w, s.idx, word);
	m->gen++;
	*order_out = pw_order(word);
	return s.sb;
}

/*
 * __del_page_from_free_list(): also clears the head (__ClearPageBuddy). Inlined into
 * __free_one_page's merges; del_page_from_free_list() is the same for every other caller.
 */
static inline __attribute__((always_inline)) void
__del_page_from_free_list(struct model *m, struct zone *z, uint64_t pfn)
{
	unsigned order;
	struct superpageblock *sb = del_from_free_area(m, z, pfn, &order);
	account_free_block(m, z, sb, pfn, order, -1);
}

void add_to_free_list(struct model *m, struct zone *z, uint64_t pfn, unsigned order, int mt,
		      bool tail)
{
	__add_to_free_list(m, z, pfn, order, mt, tail);
}

void del_page_from_free_list(struct model *m, struct zone *z, uint64_t pfn)
{
	__del_page_from_free_list(m, z, pfn);
}

/* get_page_from_free_area(): the first page of one SPB's list, MODEL_NO_PFN when empty. */
uint64_t get_page_from_free_area(const struct zone *z, const struct superpageblock *sb,
				 unsigned order, int mt)
{
	uint32_t head = spb_cold(z, sb)->free_head[order][mt];
	return head == PW_NIL ? MODEL_NO_PFN : sb->start_pfn + head;
}

/* expand(): split a block of order high down to low, the upper halves go back on the lists. */
void expand(struct model *m, struct zone *z, uint64_t pfn, unsigned low, unsigned high, int mt)
{
	while (high > low) {
		high--;
		__add_to_free_list(m, z, pfn + (1u << high), high, mt, false);
	}
}

/*
 * account_allocated() of a block of a pageblock or more: each of its pageblocks whole, each
 * marked for model_stats. Out of line as account_pageblocks_free() is.
 */
static void __attribute__((noinline))
account_allocated_pageblocks(struct model *m, uint64_t pfn, unsigned order, bool movable,
			     bool nonmovable, int sign)
{
	struct pageblock *pb = pfn_pageblock(m, pfn);
	unsigned n = 1u << (order - PAGEBLOCK_ORDER);
	int pages = sign * (int)PAGEBLOCK_NR_PAGES;

	for (unsigned i = 0; i < n; i++) {
		if (movable)
			pb[i].nr_movable_pages = (uint16_t)(pb[i].nr_movable_pages + pages);
		if (nonmovable)
			pb[i].nr_nonmovable_pages = (uint16_t)(pb[i].nr_nonmovable_pages + pages);
		pb[i].stats_sig |= PB_STATS_CHANGED; /* the first's pageblock_counts_changed() */
	}
}

/* Per-pageblock counts of allocated pages: pages (signed) more inside the pageblock pb. */
static inline void account_allocated_in(struct pageblock *pb, int mt, bool movable, int pages)
{
	if (movable)
		pb->nr_movable_pages = (uint16_t)(pb->nr_movable_pages + pages);
	if (!is_migrate_movable(mt))
		pb->nr_nonmovable_pages = (uint16_t)(pb->nr_nonmovable_pages + pages);
}

/* account_allocated_in() for the pageblock of pfn, marked for model_stats. */
static inline void account_allocated_pages(struct model *m, uint64_t pfn, int mt, bool movable,
					   int pages)
{
	pageblock_counts_changed(m, pfn);
	account_allocated_in(pfn_pageblock(m, pfn), mt, movable, pages);
}

/*
 * Per-pageblock counts of allocated movable and non-movable pages. Inline: its callers pass
 * constants for most arguments, and the common block lies inside one pageblock.
 */
static inline void account_allocated(struct model *m, uint64_t pfn, unsigned order, int mt,
				     bool movable, int sign)
{
	if (order >= PAGEBLOCK_ORDER) {
		pageblock_counts_changed(m, pfn);
		account_allocated_pageblocks(m, pfn, order, movable, !is_migrate_movable(mt), sign);
		return;
	}
	account_allocated_pages(m, pfn, mt, movable, sign * (1 << order));
}

/* The block now heads an allocation. Keeps the link bits: they may hold a free buddy's prev. */
void mark_allocated(struct model *m, uint64_t pfn, unsigned order, int mt, bool movable)
{
	pw_set_meta(m, pfn, pw_make(PK_ALLOC, order, mt, 0) | (movable ? PW_MOVABLE : 0));
	account_allocated(m, pfn, order, mt, movable, 1);
}

/*
 * mark_allocated() of each of a refill's n blocks, all of type mt, and their PGALLOC count.
 * The per-pageblock counts of a run of blocks inside one pageblock are added once (a refill
 * takes its blocks from one or two pageblocks); a block of a pageblock or more is marked alone.
 */
void mark_allocated_bulk(struct model *m, const struct model_block *blocks, unsigned n, int mt,
			 bool movable)
{
	uint32_t meta = pw_make(PK_ALLOC, 0, mt, 0) | (movable ? PW_MOVABLE : 0);

	for (unsigned i = 0; i < n;) {
		uint64_t pfn = blocks[i].pfn, pb_pfn = pfn >> PAGEBLOCK_ORDER;
		unsigned order = blocks[i].order;
		if (order >= PAGEBLOCK_ORDER) {
			mark_allocated(m, pfn, order, mt, movable);
			m->events[MODEL_EV_PGALLOC] += 1u << order;
			i++;
			continue;
		}
		unsigned pages = 0;
		do {
			pfn = blocks[i].pfn;
			order = blocks[i].order;
			pw_set_meta(m, pfn, meta | (uint32_t)order << PW_ORDER_SHIFT);
			pages += 1u << order;
			i++;
		} while (i < n && blocks[i].order < PAGEBLOCK_ORDER &&
			 blocks[i].pfn >> PAGEBLOCK_ORDER == pb_pfn);
		m->events[MODEL_EV_PGALLOC] += pages;
		account_allocated_pages(m, pfn, mt, movable, (int)pages);
	}
}

/*
 * The allocation at pfn, whose word is w, gains or loses its movability (its pageblocks'
 * movable counts follow).
 */
void mark_movable(struct model *m, uint64_t pfn, uint32_t w, bool movable)
{
	pw_set(m, pfn, movable ? w | PW_MOVABLE : w & ~PW_MOVABLE);
	/* counted as a MOVABLE-typed allocation: only the movable count moves, whatever its type */
	account_allocated(m, pfn, pw_order(w), MIGRATE_MOVABLE, true, movable ? 1 : -1);
}

/* The allocation at pfn is about to be freed: undo mark_allocated's counts. */
void unmark_allocated(struct model *m, uint64_t pfn)
{
	uint32_t w = pw_get(m, pfn);
	MODEL_WARN_ON(m, pw_kind(w) != PK_ALLOC); /* a pfn the model did not hand out */
	account_allocated(m, pfn, pw_order(w), pw_mt(w), (w & PW_MOVABLE) != 0, -1);
}

/*
 * page_del_and_expand(): take the block at pfn (order high, on list mt) and split it down to
 * low. SPB accounting first: a block of at least a pageblock turns each of its pageblocks from
 * wholly free to used and sets the has-bit of mt on each; a smaller one sets it on its block.
 */
void page_del_and_expand(struct model *m, struct zone *z, uint64_t pfn, unsigned low, unsigned high,
			 int mt)
{
	if (m->policy == MODEL_POLICY_SPB) {
		spb_mark_range_used(m, pfn, high, mt);
		spb_update_list(m, z, pfn_to_superpageblock(z, pfn));
	}
	if (high > PAGEBLOCK_ORDER) {
		del_page_from_free_list(m, z, pfn);
		expand(m, z, pfn, low, high, mt);
		return;
	}
	/*
	 * inside one pageblock and SPB, found once: the delete and the halves' adds (expand) come
	 * to 2^low pages fewer; one m->gen bump for their word writes
	 */
	struct spb_at s = pfn_spb_at(m, z, pfn);
	uint32_t word = s.w[s.idx];

	MODEL_WARN_ON(m,
		      pw_order(word) != high); /* the count assumes the block was of order high */
	unlink_free_block(m, z, s.sb, s.cold, s.w, s.idx, word);
	while (high > low) {
		high--;
		link_free_block(m, z, s.sb, s.cold, s.w, s.idx + (1u << high), high, mt, false);
	}
	m->gen++;
	account_free_pages_in_pageblock(m, z, s.sb, pfn, -(1 << low));
}

/* change_pageblock_range() */
void change_pageblock_range(struct model *m, uint64_t pfn, unsigned order, int mt)
{
	unsigned n = order >= PAGEBLOCK_ORDER ? 1u << (order - PAGEBLOCK_ORDER) : 1;
	for (unsigned i = 0; i < n; i++)
		set_pageblock_migratetype(m, pfn + (uint64_t)i * PAGEBLOCK_NR_PAGES, mt);
}

/*
 * mark_pageblock_free(): a pageblock became wholly free. Clears its has-bits, sets all_free and
 * relabels an UNMOVABLE, RECLAIMABLE or HIGHATOMIC pageblock MOVABLE. Returns the new type.
 */
static int mark_pageblock_free(struct model *m, uint64_t pfn, int mt)
{
	struct pageblock *pb = pfn_pageblock(m, pfn);

	if (m->policy != MODEL_POLICY_SPB)
		return mt;
	__spb_clear_has_type(m, pfn, MIGRATE_UNMOVABLE);
	__spb_clear_has_type(m, pfn, MIGRATE_RECLAIMABLE);
	__spb_clear_has_type(m, pfn, MIGRATE_MOVABLE);
	pb->flags &= (uint8_t)~PB_COMPACT_SKIP;
	if (!(pb->flags & PB_ALL_FREE)) {
		pb->flags |= PB_ALL_FREE;
		superpageblock_pb_now_free(m, pfn);
	}
	if (mt == MIGRATE_UNMOVABLE || mt == MIGRATE_RECLAIMABLE || mt == MIGRATE_HIGHATOMIC) {
		set_pageblock_migratetype(m, pfn, MIGRATE_MOVABLE);
		mt = MIGRATE_MOVABLE;
	}
	return mt;
}

static inline bool migratetype_is_mergeable(int mt)
{
	return mt < MIGRATE_PCPTYPES;
}

/* PageBuddy() && buddy_order() == order: the word heads a free block of this order. */
static inline bool pw_free_of_order(uint32_t w, unsigned order)
{
	return pw_heads(w, PK_FREE, order);
}

/* find_buddy_page_pfn(): the buddy of the block at pfn if it is a free block of this order. */
static inline bool find_buddy(struct model *m, struct zone *z, uint64_t pfn, unsigned order,
			      uint64_t *buddy_pfn)
{
	uint64_t b = pfn ^ (1ull << order);
	/* zones span whole pageblocks (model_init.c aligns zone_start_pfn and zone_end_pfn): a
	 * buddy below pageblock order lies in pfn's own pageblock, inside the zone */
	if (order >= PAGEBLOCK_ORDER && (b < z->zone_start_pfn || b >= z->zone_end_pfn))
		return false;
	if (!pw_free_of_order(pw_get(m, b), order))
		return false;
	*buddy_pfn = b;
	return true;
}

/* buddy_merge_likely(): free to the tail when the next-higher buddy is already free. */
bool buddy_merge_likely(struct model *m, struct zone *z, uint64_t pfn, unsigned order)
{
	uint64_t unused;
	if (order >= MAX_PAGE_ORDER - 1)
		return false;
	uint64_t higher = pfn & ~((1ull << (order + 1)) - 1);
	return find_buddy(m, z, higher, order + 1, &unused);
}

/*
 * The merges of the block at *idx of order *order in the SPB sb (cold half cold, page words w),
 * whose buddy of that order the caller found free, below pageblock order: each buddy leaves its
 * list (its pages stay in the free counts), a freed head absorbed by the buddy below it
 * becomes a tail. Returns false when the merges reach pageblock order. Out of line: a free
 * merges less than once on average, and the loop's registers cost every free.
 */
static bool __attribute__((noinline))
merge_in_pageblock(struct model *m, struct zone *z, struct superpageblock *sb,
		   struct superpageblock_cold *cold, uint32_t *w, uint32_t *idx_io, unsigned *order)
{
	uint32_t idx = *idx_io;
	unsigned o = *order;

	do {
		uint32_t buddy = idx ^ (1u << o);
		unlink_free_block(m, z, sb, cold, w, buddy, w[buddy]);
		if (buddy < idx) /* the freed head is absorbed: it is a tail now */
			w[idx] = pw_make(PK_TAIL, 0, 0, 0) | pw_link(w[idx]);
		idx &= buddy;
		if (++o == PAGEBLOCK_ORDER)
			break;
	} while (pw_free_of_order(w[idx ^ (1u << o)], o));
	*idx_io = idx;
	*order = o;
	return o < PAGEBLOCK_ORDER;
}

/*
 * __free_one_page()'s merges below pageblock order of the block at *pfn, which lies inside one
 * pageblock: every buddy lies in that pageblock and SPB, so the SPB, its words and the
 * pageblock are found once, a buddy check is one word read at the page index, and m->gen is
 * bumped once for the free's word writes. A buddy leaves its list without its pages leaving
 * the free counts, so the counts move once: by the freed 2^order pages at the list add, or,
 * when the merges reach pageblock order, by the buddies' pages, before mark_pageblock_free()
 * reads the SPB's counts. Returns true when the block went on a list; false at pageblock
 * order, *pfn then the pageblock's first page, its block on no list and uncounted.
 */
static inline __attribute__((always_inline)) bool free_in_pageblock(struct model *m, struct zone *z,
								    struct pageblock *pb,
								    uint64_t *pfn, unsigned order,
								    int mt, bool fpi_to_tail)
{
	struct spb_at s = pfn_spb_at(m, z, *pfn);
	uint32_t idx = s.idx; /* the merged block's, as it grows */
	int pages = 1 << order;
	unsigned o = order;

	m->gen++;
	if (pw_free_of_order(s.w[idx ^ (1u << o)], o) &&
	    !merge_in_pageblock(m, z, s.sb, s.cold, s.w, &idx, &o)) {
		*pfn &= ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
		account_free_pages(z, s.sb, pb, pages - (int)PAGEBLOCK_NR_PAGES);
		return false;
	}
	*pfn = (*pfn & ~(uint64_t)(SUPERPAGEBLOCK_NR_PAGES - 1)) | idx;
	bool tail = fpi_to_tail;
	if (!tail && o + 1 < PAGEBLOCK_ORDER) {
		/* buddy_merge_likely(), its buddy inside the pageblock */
		uint32_t higher = idx & ~((2u << o) - 1);
		tail = pw_free_of_order(s.w[higher ^ (2u << o)], o + 1);
	} else if (!tail) {
		tail = buddy_merge_likely(m, z, *pfn, o);
	}
	link_free_block(m, z, s.sb, s.cold, s.w, idx, o, mt, tail);
	account_free_pages(z, s.sb, pb, pages);
	page_reporting_notify_free(m, o);
	return true;
}

/*
 * __free_one_page()'s merges from pageblock order on, the block's pageblocks marked wholly free
 * (mark_pageblock_free) and mt the type they leave: a buddy's pages leave the free counts with
 * it. Out of line: few frees get here.
 */
static void __attribute__((noinline))
merge_from_pageblock_order(struct model *m, struct zone *z, uint64_t pfn, unsigned order, int mt,
			   bool fpi_to_tail)
{
	uint64_t buddy_pfn;

	while (order < MAX_PAGE_ORDER) {
		if (!find_buddy(m, z, pfn, order, &buddy_pfn))
			break;
		int buddy_mt = get_pageblock_migratetype(m, buddy_pfn);
		if (mt != buddy_mt &&
		    (!migratetype_is_mergeable(mt) || !migratetype_is_mergeable(buddy_mt)))
			break;
		__del_page_from_free_list(m, z, buddy_pfn);
		if (buddy_mt != mt)
			change_pageblock_range(m, buddy_pfn, order, mt);
		if (buddy_pfn < pfn) /* the freed head is absorbed: it is a tail now */
			pw_set_meta(m, pfn, pw_make(PK_TAIL, 0, 0, 0));
		pfn &= buddy_pfn;
		order++;
	}
	__add_to_free_list(m, z, pfn, order, mt,
			   fpi_to_tail || buddy_merge_likely(m, z, pfn, order));
	page_reporting_notify_free(m, order);
}

/*
 * __free_one_page() of a block below pageblock order in the pageblock pb, of type mt, which the
 * caller marked for model_stats (pageblock_counts_changed): free_in_pageblock()'s merges and,
 * when they reach pageblock order, the pageblock marked wholly free (mark_pageblock_free) and
 * merge_from_pageblock_order()'s.
 */
static inline __attribute__((always_inline)) void
free_one_page_in_pageblock(struct model *m, struct zone *z, struct pageblock *pb, uint64_t pfn,
			   unsigned order, int mt, bool fpi_to_tail)
{
	if (!free_in_pageblock(m, z, pb, &pfn, order, mt, fpi_to_tail))
		merge_from_pageblock_order(m, z, pfn, PAGEBLOCK_ORDER,
					   mark_pageblock_free(m, pfn, mt), fpi_to_tail);
}

/*
 * __free_one_page(): merge with free buddies, relabel whole pageblocks, add to a list. Below
 * pageblock order free_one_page_in_pageblock(), from there merge_from_pageblock_order().
 */
static void __free_one_page(struct model *m, struct zone *z, uint64_t pfn, unsigned order, int mt,
			    bool fpi_to_tail)
{
	if (order < PAGEBLOCK_ORDER) {
		pageblock_counts_changed(m, pfn);
		free_one_page_in_pageblock(m, z, pfn_pageblock(m, pfn), pfn, order, mt,
					   fpi_to_tail);
		return;
	}
	for (unsigned i = 0; i < 1u << (order - PAGEBLOCK_ORDER); i++) {
		uint64_t p = pfn + (uint64_t)i * PAGEBLOCK_NR_PAGES;
		mark_pageblock_free(m, p, get_pageblock_migratetype(m, p));
	}
	if (m->policy == MODEL_POLICY_SPB && mt != MIGRATE_CMA && mt != MIGRATE_ISOLATE)
		mt = MIGRATE_MOVABLE;
	merge_from_pageblock_order(m, z, pfn, order, mt, fpi_to_tail);
}

/*
 * free_one_page() -> split_large_buddy(): a block larger than a pageblock is freed one
 * pageblock at a time, each with its own pageblock's type. As in the kernel, the SPB moves
 * between lists only when a pageblock becomes wholly free (superpageblock_pb_now_free).
 */
void free_one_page(struct model *m, struct zone *z, uint64_t pfn, unsigned order, bool to_tail)
{
	unsigned step = order > PAGEBLOCK_ORDER ? PAGEBLOCK_ORDER : order;
	uint64_t end = pfn + (1ull << order);

	for (; pfn < end; pfn += 1ull << step)
		__free_one_page(m, z, pfn, step, get_pageblock_migratetype(m, pfn), to_tail);
}

/* __free_pages_ok() of a block of a pageblock or more. Out of line: the rare case. */
static void __attribute__((noinline))
free_pageblocks_ok(struct model *m, struct zone *z, uint64_t pfn, uint32_t w)
{
	unsigned order = pw_order(w);

	account_allocated(m, pfn, order, pw_mt(w), (w & PW_MOVABLE) != 0, -1);
	free_one_page(m, z, pfn, order, false);
}

/*
 * __free_pages_ok(): the allocation at pfn, whose head word w the caller has checked
 * (PK_ALLOC), back to the buddy lists: unmark_allocated()'s counts (free_pages_prepare), then
 * free_one_page(). A block inside one pageblock (free_one_page's single step, nearly every
 * free) has its pageblock read once for the counts, the zone and the type, and marked for
 * model_stats once for both counts.
 */
void __free_pages_ok(struct model *m, uint64_t pfn, uint32_t w)
{
	unsigned order = pw_order(w);
	struct pageblock *pb = pfn_pageblock(m, pfn);
	struct zone *z = &m->zones[pb->zone];

	m->events[MODEL_EV_PGFREE] += 1u << order;
	if (order >= PAGEBLOCK_ORDER) {
		free_pageblocks_ok(m, z, pfn, w);
		return;
	}
	pageblock_counts_changed(m, pfn);
	account_allocated_in(pb, pw_mt(w), (w & PW_MOVABLE) != 0, -(1 << order));
	free_one_page_in_pageblock(m, z, pb, pfn, order, pb->flags & PB_MIGRATE_MASK, false);
}

/*
 * move_freepages_block() / __move_freepages_block(): move every free block inside one
 * pageblock from old_mt's lists to new_mt's (list_move_tail). Returns the pages moved.
 */
unsigned move_freepages_block(struct model *m, struct zone *z, uint64_t pb_pfn, int old_mt,
			      int new_mt)
{
	unsigned moved = 0;
	for (uint64_t p = pb_pfn; p < pb_pfn + PAGEBLOCK_NR_PAGES;) {
		uint32_t w = pw_get(m, p);
		unsigned order = pw_order(w);
		if (pw_kind(w) == PK_FREE) {
			if (pw_mt(w) == old_mt) {
				del_page_from_free_list(m, z, p);
				add_to_free_list(m, z, p, order, new_mt, true);
				moved += 1u << order;
			}
			p += 1ull << order;
		} else if (pw_kind(w) == PK_ALLOC) {
			p += 1ull << order;
		} else {
			p++;
		}
	}
	return moved;
}

/*
 * The free block containing pfn, if there is one: its head in *head. Returns 0, or
 * MODEL_ESTATE when pfn is allocated.
 */
int find_free_block_containing(struct model *m, uint64_t pfn, uint64_t *head)
{
	for (unsigned o = 0; o <= MAX_PAGE_ORDER; o++) {
		uint64_t h = pfn & ~((1ull << o) - 1);
		if (h < m->base_pfn)
			break;
		uint32_t w = pw_get(m, h);
		if (pw_kind(w) == PK_FREE && pw_order(w) >= o) {
			if (h + (1ull << pw_order(w)) > pfn) {
				*head = h;
				return 0;
			}
		}
		if (pw_kind(w) == PK_ALLOC && h + (1ull << pw_order(w)) > pfn)
			return MODEL_ESTATE;
	}
	return MODEL_ESTATE;
}
