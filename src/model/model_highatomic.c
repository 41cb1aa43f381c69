// SPDX-License-Identifier: GPL-2.0
/*
 * model_highatomic.c - the HIGHATOMIC reserve: reserve_highatomic_pageblock() after a
 * high-order atomic allocation, and unreserve_highatomic_pageblock() when an allocation is
 * about to fail. rmqueue_buddy() (model_page_alloc.c) tries __rmqueue_smallest(HIGHATOMIC)
 * first for ALLOC_HIGHATOMIC requests and last for ALLOC_NON_BLOCK ones.
 *
 * Invariant: zone->nr_reserved_highatomic counts what reserve added less what unreserve took,
 * as in the kernel. The series' mark_pageblock_free() relabels a wholly free HIGHATOMIC
 * pageblock MOVABLE without touching the count, and Pass 2 of __rmqueue_smallest(HIGHATOMIC)
 * relabels tainted pageblocks HIGHATOMIC without adding to it; both are kept on purpose.
 * Expected workload: only the slowpath of high-order GFP_ATOMIC requests, and failing ones.
 */
#include "model_internal.h"

/* reserve_highatomic_pageblock(): at most ~1% of the zone, normal pageblocks only. */
void reserve_highatomic_pageblock(struct model *m, struct zone *z, uint64_t pfn, unsigned order)
{
	uint64_t max_managed = z->present_pages / 100;
	int mt;

	if (!m->p.highatomic || max_managed < PAGEBLOCK_NR_PAGES)
		return;
	max_managed = (max_managed + PAGEBLOCK_NR_PAGES - 1) & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
	if (z->nr_reserved_highatomic >= max_managed)
		return;
	mt = get_pageblock_migratetype(m, pfn);
	if (mt >= MIGRATE_PCPTYPES) /* !migratetype_is_mergeable() */
		return;
	if (order < PAGEBLOCK_ORDER) {
		uint64_t pb_pfn = pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
		move_freepages_block(m, z, pb_pfn, mt, MIGRATE_HIGHATOMIC);
		set_pageblock_migratetype(m, pb_pfn, MIGRATE_HIGHATOMIC);
		z->nr_reserved_highatomic += PAGEBLOCK_NR_PAGES;
	} else {
		change_pageblock_range(m, pfn, order, MIGRATE_HIGHATOMIC);
		z->nr_reserved_highatomic += 1ull << order;
	}
	count_vm_event(m, MODEL_EV_HIGHATOMIC_RESERVE);
}

/*
 * The warm start's HIGHATOMIC pageblock at pfn (replay's start_highatomic): what
 * reserve_highatomic_pageblock() left on the host before the trace, its tag, its free pages
 * moved to the HIGHATOMIC lists (move_freepages_block) and the zone's nr_reserved_highatomic,
 * with no vm event (the reserve happened before the trace). MODEL_ESTATE inside a free block
 * above pageblock order, MODEL_EINVAL with the reserve off, outside the model or on a pageblock
 * whose type is not mergeable.
 */
int model_reserve_highatomic_at(struct model *m, uint64_t pfn)
{
	uint64_t pb_pfn = pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
	int rc;

	if (!m->p.highatomic || !pfn_in_model(m, pfn) ||
	    get_pageblock_migratetype(m, pb_pfn) >= MIGRATE_PCPTYPES)
		return MODEL_EINVAL;
	rc = model_set_pageblock_migratetype(m, pb_pfn, MIGRATE_HIGHATOMIC);
	if (rc)
		return rc;
	page_zone(m, pb_pfn)->nr_reserved_highatomic += PAGEBLOCK_NR_PAGES;
	return MODEL_OK;
}

/*
 * The first free HIGHATOMIC block of this order: the zone list's head under mainline; the
 * series walks its SPBs in index order.
 */
static uint64_t first_highatomic(const struct model *m, const struct zone *z, unsigned order)
{
	if (m->policy == MODEL_POLICY_MAINLINE) {
		uint16_t r = z->mru_head[order][MIGRATE_HIGHATOMIC];
		return r == MRU_NIL ? MODEL_NO_PFN
				    : get_page_from_free_area(z, &z->superpageblocks[r], order,
							      MIGRATE_HIGHATOMIC);
	}
	for (uint32_t i = 0; i < z->nr_superpageblocks; i++) {
		const struct superpageblock *sb = &z->superpageblocks[i];
		if (sb->free_mask[MIGRATE_HIGHATOMIC] & (1u << order))
			return get_page_from_free_area(z, sb, order, MIGRATE_HIGHATOMIC);
	}
	return MODEL_NO_PFN;
}

/* One zone: give the first reserved block found back to mt. */
static bool unreserve_zone(struct model *m, struct zone *z, int mt, bool force)
{
	if (!force && z->nr_reserved_highatomic <= PAGEBLOCK_NR_PAGES)
		return false;
	for (unsigned order = 0; order < NR_PAGE_ORDERS; order++) {
		uint64_t pfn = first_highatomic(m, z, order), size;
		if (pfn == MODEL_NO_PFN)
			continue;
		size = order > PAGEBLOCK_ORDER ? 1ull << order : PAGEBLOCK_NR_PAGES;
		z->nr_reserved_highatomic -=
			size < z->nr_reserved_highatomic ? size : z->nr_reserved_highatomic;
		if (order < PAGEBLOCK_ORDER) {
			uint64_t pb_pfn = pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
			move_freepages_block(m, z, pb_pfn, MIGRATE_HIGHATOMIC, mt);
			set_pageblock_migratetype(m, pb_pfn, mt);
		} else {
			del_page_from_free_list(m, z, pfn);
			add_to_free_list(m, z, pfn, order, mt, true);
			change_pageblock_range(m, pfn, order, mt);
		}
		count_vm_event(m, MODEL_EV_HIGHATOMIC_UNRESERVE);
		return true;
	}
	return false;
}

/*
 * unreserve_highatomic_pageblock(): over the request's zonelist, the first zone holding more
 * than one reserved pageblock (any, with force) gives one reserved block back to the
 * request's type. Returns whether one was given back.
 */
bool unreserve_highatomic_pageblock(struct model *m, int nid, enum model_zone_type highest, int mt,
				    bool force)
{
	unsigned n = m->zonelist_len[nid][highest];

	if (!m->p.highatomic)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (unreserve_zone(m, &m->zones[m->zonelist[nid][highest][i]], mt, force))
			return true;
	return false;
}
