// SPDX-License-Identifier: GPL-2.0
/*
 * model_rmqueue_bulk.c - rmqueue_bulk(): filling a CPU's PCP lists from the buddy allocator.
 *
 * Mainline takes count blocks of the order with __rmqueue(). The SPB series (on Johannes
 * Weiner's PCPBuddy) works in phases: Phase 1 takes whole pageblocks (movable from the
 * fullest clean SPB through __rmqueue_from_sb, non-movable under a forced ALLOC_NOFRAGMENT),
 * Phase 2 adopts one sub-pageblock fragment of the request's type per tainted SPB that has at
 * least a quarter pageblock free, and Phase 3 falls back to __rmqueue() at the request's
 * order. The __rmqueue mode carries over between calls as in the kernel.
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
		uint64_t pfn = rmqueue_buddy(m, z, order, mt, alloc_flags, &mode);
		if (pfn == MODEL_NO_PFN)
			break;
		bulk_add(bulk, pfn, order);
		refilled += 1ull << order;
	}
	return bulk->n ? bulk->blocks[0].pfn : MODEL_NO_PFN;
}
