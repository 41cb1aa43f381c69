// SPDX-License-Identifier: GPL-2.0
/*
 * model_mainline.c - today's upstream buddy allocator without superpageblocks:
 * __rmqueue_smallest(), find_suitable_fallback(), try_to_claim_block(), __rmqueue_claim() and
 * __rmqueue_steal() as in mm/page_alloc.c of v6.15 and later.
 *
 * Upstream keeps one free list per (order, migratetype) for the whole zone. The model keeps its
 * lists per 1 GiB region (the same storage the SPB policy uses) and stands in for the single
 * zone-wide list with a list of regions per (order, migratetype): a region moves to the front
 * whenever a block is added at the head of its list and joins at the back on a tail insertion,
 * and the zone-wide list head is the front region's head. This is exact while consecutive
 * head insertions go to one region and an approximation of zone-wide LIFO otherwise; see
 * docs/model.md. Watermark boosting (boost_watermark() on a claim below pageblock_order) is the
 * switch watermark_boost, on in the mainline preset: the boost rises by a pageblock per claim up to
 * watermark_boost_factor / 10000 of the high mark, and the host's next kswapd run takes it
 * off when it ends (model_kswapd_balance()).
 */
#include "model_internal.h"

static inline uint16_t region_index(const struct zone *z, const struct superpageblock *sb)
{
	return (uint16_t)(sb - z->superpageblocks);
}

static inline bool mru_linked(const struct zone *z, const struct superpageblock *sb, unsigned order,
			      int mt)
{
	return z->mru_head[order][mt] == region_index(z, sb) ||
	       spb_cold(z, sb)->mru_prev[order][mt] != MRU_NIL;
}

static void mru_unlink(struct zone *z, struct superpageblock *sb, unsigned order, int mt)
{
	struct superpageblock_cold *cold = spb_cold(z, sb);
	uint16_t prev = cold->mru_prev[order][mt], next = cold->mru_next[order][mt];
	if (prev != MRU_NIL)
		z->superpageblocks_cold[prev].mru_next[order][mt] = next;
	else
		z->mru_head[order][mt] = next;
	if (next != MRU_NIL)
		z->superpageblocks_cold[next].mru_prev[order][mt] = prev;
	else
		z->mru_tail[order][mt] = prev;
	cold->mru_prev[order][mt] = cold->mru_next[order][mt] = MRU_NIL;
}

/* A block was added to this region's list: head insertions bring the region to the front. */
void mainline_mru_add(struct zone *z, struct superpageblock *sb, unsigned order, int mt, bool tail)
{
	uint16_t idx = region_index(z, sb);
	bool linked = mru_linked(z, sb, order, mt);
	struct superpageblock_cold *cold = spb_cold(z, sb);

	if (linked && (tail || z->mru_head[order][mt] == idx))
		return;
	if (linked)
		mru_unlink(z, sb, order, mt);
	if (tail) {
		cold->mru_prev[order][mt] = z->mru_tail[order][mt];
		cold->mru_next[order][mt] = MRU_NIL;
		if (z->mru_tail[order][mt] != MRU_NIL)
			z->superpageblocks_cold[z->mru_tail[order][mt]].mru_next[order][mt] = idx;
		else
			z->mru_head[order][mt] = idx;
		z->mru_tail[order][mt] = idx;
	} else {
		cold->mru_prev[order][mt] = MRU_NIL;
		cold->mru_next[order][mt] = z->mru_head[order][mt];
		if (z->mru_head[order][mt] != MRU_NIL)
			z->superpageblocks_cold[z->mru_head[order][mt]].mru_prev[order][mt] = idx;
		else
			z->mru_tail[order][mt] = idx;
		z->mru_head[order][mt] = idx;
	}
}

/* This region's list became empty. */
void mainline_mru_del(struct zone *z, struct superpageblock *sb, unsigned order, int mt)
{
	if (mru_linked(z, sb, order, mt))
		mru_unlink(z, sb, order, mt);
}

/* The head of the zone-wide free_list[mt] at this order. */
static uint64_t zone_free_list_first(const struct zone *z, unsigned order, int mt)
{
	uint16_t r = z->mru_head[order][mt];
	if (r == MRU_NIL)
		return MODEL_NO_PFN;
	return get_page_from_free_area(z, &z->superpageblocks[r], order, mt);
}

/* The head of the zone-wide free_list[mt] at this order (page_reporting_cycle's walk). */
uint64_t mainline_free_list_first(const struct zone *z, unsigned order, int mt)
{
	return zone_free_list_first(z, order, mt);
}

/* __rmqueue_smallest() upstream: the smallest order with a page of this type. */
uint64_t mainline_rmqueue_smallest(struct model *m, struct zone *z, unsigned order, int mt)
{
	for (unsigned co = order; co <= MAX_PAGE_ORDER; co++) {
		uint64_t pfn = zone_free_list_first(z, co, mt);
		if (pfn == MODEL_NO_PFN)
			continue;
		page_del_and_expand(m, z, pfn, order, co, mt);
		return pfn;
	}
	return MODEL_NO_PFN;
}

/* find_suitable_fallback(): -1 nothing at this order, -2 stop claiming, else a type. */
static int find_suitable_fallback(struct zone *z, unsigned order, int mt, bool claimable)
{
	if (claimable && !should_try_claim_block(order, mt))
		return -2;
	if (!z->nr_free_blocks[order])
		return -1;
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int fmt = fallbacks[mt][i];
		if (z->mru_head[order][fmt] != MRU_NIL)
			return fmt;
	}
	return -1;
}

/*
 * boost_watermark(): a pageblock more on the zone's boost, at most factor / 10000 of the high
 * mark (and at least a pageblock); not in a zone of fewer than four pageblocks, nor before the
 * high mark is set.
 */
static void boost_watermark(struct model *m, struct zone *z)
{
	uint64_t high = high_wmark_pages(z) - z->watermark_boost; /* zone->_watermark[WMARK_HIGH] */
	uint64_t max_boost = high * m->p.watermark_boost_factor / 10000;

	if (!m->p.watermark_boost || !m->p.watermark_boost_factor ||
	    PAGEBLOCK_NR_PAGES * 4 > z->present_pages || !max_boost)
		return;
	if (max_boost < PAGEBLOCK_NR_PAGES)
		max_boost = PAGEBLOCK_NR_PAGES;
	m->gen++; /* the marks moved: the failed-request memo's state */
	z->watermark_boost += PAGEBLOCK_NR_PAGES;
	if (z->watermark_boost > max_boost)
		z->watermark_boost = max_boost;
	count_vm_event(m, MODEL_EV_WATERMARK_BOOST);
	if (m->events[MODEL_EV_WATERMARK_BOOST_PEAK_PAGES] < z->watermark_boost)
		m->events[MODEL_EV_WATERMARK_BOOST_PEAK_PAGES] = z->watermark_boost;
}

/* try_to_claim_block() upstream: whole blocks always, smaller ones by the 50% rule. */
static uint64_t mainline_try_to_claim_block(struct model *m, struct zone *z, uint64_t pfn,
					    unsigned current_order, unsigned order, int start_type,
					    int block_type)
{
	uint64_t start_pfn = pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
	unsigned free_pages, movable_pages;

	if (block_type == MIGRATE_HIGHATOMIC)
		return MODEL_NO_PFN;
	if (current_order >= PAGEBLOCK_ORDER) {
		del_page_from_free_list(m, z, pfn);
		change_pageblock_range(m, pfn, current_order, start_type);
		expand(m, z, pfn, order, current_order, start_type);
		return pfn;
	}
	/* the kernel sets ZONE_BOOSTED_WATERMARK too, to wake kswapd: here the host's runs */
	boost_watermark(m, z);
	prep_move_freepages_block(m, start_pfn, &free_pages, &movable_pages);
	if (free_pages + alike_pages(start_type, block_type, free_pages, movable_pages) <
	    (1u << (PAGEBLOCK_ORDER - 1))) {
		count_vm_event(m, MODEL_EV_CLAIM_REFUSED_INSUFFICIENT_COMPAT);
		return MODEL_NO_PFN;
	}
	move_freepages_block(m, z, start_pfn, block_type, start_type);
	set_pageblock_migratetype(m, start_pfn, start_type);
	return mainline_rmqueue_smallest(m, z, order, start_type);
}

/* __rmqueue_claim() upstream: the largest fallback block, pageblock orders only under NOFRAGMENT. */
uint64_t mainline_rmqueue_claim(struct model *m, struct zone *z, unsigned order, int start_mt,
				unsigned alloc_flags)
{
	int min_order = (int)order;

	if (order < PAGEBLOCK_ORDER && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = PAGEBLOCK_ORDER;
	for (int co = MAX_PAGE_ORDER; co >= min_order; co--) {
		int fmt = find_suitable_fallback(z, (unsigned)co, start_mt, true);
		if (fmt == -1)
			continue;
		if (fmt == -2)
			break;
		uint64_t pfn = zone_free_list_first(z, (unsigned)co, fmt);
		pfn = mainline_try_to_claim_block(m, z, pfn, (unsigned)co, order, start_mt, fmt);
		if (pfn != MODEL_NO_PFN) {
			count_vm_event(m, MODEL_EV_EXTFRAG_FALLBACK);
			return pfn;
		}
	}
	return MODEL_NO_PFN;
}

/* __rmqueue_steal() upstream: the smallest fallback block, without relabelling. */
uint64_t mainline_rmqueue_steal(struct model *m, struct zone *z, unsigned order, int start_mt)
{
	for (unsigned co = order; co <= MAX_PAGE_ORDER; co++) {
		int fmt = find_suitable_fallback(z, co, start_mt, false);
		if (fmt < 0)
			continue;
		uint64_t pfn = zone_free_list_first(z, co, fmt);
		page_del_and_expand(m, z, pfn, order, co, fmt);
		count_vm_event(m, MODEL_EV_EXTFRAG_FALLBACK);
		return pfn;
	}
	return MODEL_NO_PFN;
}
