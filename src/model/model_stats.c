// SPDX-License-Identifier: GPL-2.0
/*
 * model_stats.c - what replay samples: free pages and blocks, pageblocks per migratetype, SPB
 * list counts, the common tainted yardstick, contiguous-allocation capacity, and the kernel's
 * fragmentation indices (mm/vmstat.c: fill_contig_page_info, unusable_free_index,
 * __fragmentation_index).
 *
 * The yardstick is content-based so that every policy is measured alike: a 1 GiB-aligned
 * region is tainted when any of its pageblocks holds an allocated page of a non-movable
 * migratetype; empty when every present page is free; clean otherwise. A region or pageblock
 * "could be allocated contiguously" when every allocated page in it can be migrated; under the
 * SPB policy only the series' candidates count (sb_collect_contig_candidates: empty and clean
 * SPBs, whole ones for 1 GiB; tainted SPBs never). The indices are computed for the largest
 * zone. Cost: one pass over the pageblocks of each region changed since the last sample (the
 * per-pageblock counts and the region classes together, kept in the region's memo: counted
 * once, then updated for the pageblocks whose one-byte signature changed, found by testing the
 * change marks eight pageblocks at a time; the SPB pass reuses the regions' contiguity, up to
 * 4096 regions). Called per sample (a few hundred times a trace), never per event.
 */
#include "model_internal.h"

#include <string.h>

static void fragmentation_indices(const struct zone *z, struct model_stats *st)
{
	uint64_t free_pages = z->nr_free_pages, blocks_total = 0;

	for (unsigned o = 0; o <= MAX_PAGE_ORDER; o++)
		blocks_total += z->nr_free_blocks[o];
	for (unsigned order = 0; order <= MAX_PAGE_ORDER; order++) {
		uint64_t suitable = 0;
		for (unsigned o = order; o <= MAX_PAGE_ORDER; o++)
			suitable += z->nr_free_blocks[o] << (o - order);
		/* unusable_free_index() */
		st->unusable_index[order] =
			free_pages
				? (double)((free_pages - (suitable << order)) * 1000 / free_pages) /
					  1000.0
				: 1.0;
		/* __fragmentation_index() */
		if (!blocks_total)
			st->extfrag_index[order] = 0;
		else if (suitable)
			st->extfrag_index[order] = -1.0;
		else
			st->extfrag_index[order] =
				(double)(1000 -
					 (int64_t)((1000 + free_pages * 1000 / (1ull << order)) /
						   blocks_total)) /
				1000.0;
	}
}

/* Class of one 1 GiB region from its pageblocks; returns false when nothing in it is present. */
static bool region_class(const struct model *m, uint64_t region_pfn, uint8_t *cls,
			 uint8_t *fullness, uint64_t *free_pbs, bool *contig)
{
	unsigned present = 0, wholly_free = 0, used = 0;
	bool tainted = false, movable_only = true;
	const struct pageblock *pb = &m->pb[(region_pfn - m->base_pfn) >> PAGEBLOCK_ORDER];

	for (unsigned i = 0; i < SUPERPAGEBLOCK_NR_PAGEBLOCKS; i++) {
		if (pb[i].reserved || pb[i].zone == 0xff) {
			movable_only = false;
			continue;
		}
		present++;
		if (pb[i].zone != pb[0].zone)
			movable_only = false;
		if (pb[i].nr_nonmovable_pages)
			tainted = true;
		if (pb[i].nr_free_pages == PAGEBLOCK_NR_PAGES)
			wholly_free++;
		else
			used++;
		if (pb[i].nr_free_pages + pb[i].nr_movable_pages != PAGEBLOCK_NR_PAGES)
			movable_only = false;
	}
	if (!present)
		return false;
	*cls = tainted ? REGION_TAINTED : wholly_free == present ? REGION_EMPTY : REGION_CLEAN;
	*fullness = (uint8_t)(used * 4 / SUPERPAGEBLOCK_NR_PAGEBLOCKS);
	*free_pbs = wholly_free;
	*contig = movable_only;
	return true;
}

size_t model_region_classes(const struct model *m, uint8_t *classes, uint8_t *fullness, size_t max)
{
	size_t n = 0;
	for (uint64_t r = m->base_pfn; r < m->end_pfn && n < max; r += SUPERPAGEBLOCK_NR_PAGES) {
		uint8_t cls, full;
		uint64_t free_pbs;
		bool contig;
		if (!region_class(m, r, &cls, &full, &free_pbs, &contig))
			continue;
		if (classes)
			classes[n] = cls;
		if (fullness)
			fullness[n] = full;
		n++;
	}
	return n;
}

/*
 * Whether a pageblock of zone zi in the region at region_pfn counts for contig_2m_possible: under
 * the SPB policy only outside isolated and tainted SPBs (the region is 1 GiB aligned, like the
 * zone's SPBs, so one SPB of the zone covers it).
 */
static bool region_spb_allows_2m(const struct model *m, unsigned zi, uint64_t region_pfn)
{
	const struct zone *z = &m->zones[zi];
	uint64_t idx;

	if (m->policy != MODEL_POLICY_SPB)
		return true;
	if (region_pfn < z->superpageblock_base_pfn)
		return false;
	idx = (region_pfn - z->superpageblock_base_pfn) >> SUPERPAGEBLOCK_ORDER;
	if (idx >= z->nr_superpageblocks)
		return false;
	const struct superpageblock *sb = &z->superpageblocks[idx];
	return !sb->contig_allocated && spb_get_category(sb) != SB_TAINTED;
}

/*
 * One region's pageblock counts in one pass over its pageblocks, into its memo. The model's span
 * is whole regions (base_pfn and end_pfn are 1 GiB aligned), so every pageblock the
 * per-pageblock counts cover lies in exactly one region. Reads only: model_check compares a
 * region's memo with what this gives.
 */
void region_memo_fill(const struct model *m, uint64_t region_pfn, struct region_scan_memo *memo)
{
	const struct pageblock *pb = &m->pb[(region_pfn - m->base_pfn) >> PAGEBLOCK_ORDER];
	unsigned present = 0, wholly_free = 0, nonmovable = 0, not_movable_only = 0;
	unsigned zone0 = pb[0].zone;

	*memo = (struct region_scan_memo){ .filled = true };
	for (unsigned i = 0; i < SUPERPAGEBLOCK_NR_PAGEBLOCKS; i++) {
		const struct pageblock *p = &pb[i];
		if (p->reserved || p->zone == 0xff) {
			not_movable_only++;
			continue;
		}
		unsigned free = p->nr_free_pages;
		bool movable_only = free + p->nr_movable_pages == PAGEBLOCK_NR_PAGES;
		present++;
		wholly_free += free == PAGEBLOCK_NR_PAGES;
		nonmovable += p->nr_nonmovable_pages != 0;
		not_movable_only += (p->zone != zone0) | !movable_only;
		memo->by_mt[p->flags & PB_MIGRATE_MASK]++;
		memo->movable_only_in_zone[p->zone] += movable_only;
	}
	memo->present = (uint16_t)present;
	memo->wholly_free = (uint16_t)wholly_free;
	memo->not_movable_only = (uint16_t)not_movable_only;
	memo->nonmovable = (uint16_t)nonmovable;
}

/*
 * What a present pageblock adds to its region's memo, in one byte (struct pageblock's
 * stats_sig, beside PB_STATS_CHANGED): its migratetype, wholly free, movable only, holding a
 * non-movable page. Presence and zone do not change once the model is built, so they are not
 * in it.
 */
#define SIG_WHOLLY_FREE	 0x08
#define SIG_MOVABLE_ONLY 0x10
#define SIG_NONMOVABLE	 0x20

static inline uint8_t pageblock_stats_sig(const struct pageblock *p)
{
	unsigned free = p->nr_free_pages;

	return (uint8_t)((p->flags & PB_MIGRATE_MASK) |
			 (free == PAGEBLOCK_NR_PAGES ? SIG_WHOLLY_FREE : 0) |
			 (free + p->nr_movable_pages == PAGEBLOCK_NR_PAGES ? SIG_MOVABLE_ONLY : 0) |
			 (p->nr_nonmovable_pages ? SIG_NONMOVABLE : 0));
}

/* A 0/1 flag of a signature, as a count's step. */
static inline int sig_bit(uint8_t sig, uint8_t flag)
{
	return (sig & flag) != 0;
}

/* One pageblock marked PB_STATS_CHANGED: its share of the memo moved from the old signature's
 * to the new one's (region_memo_sync). */
static void pageblock_memo_update(struct region_scan_memo *memo, struct pageblock *p,
				  unsigned zone0)
{
	uint8_t sig = pageblock_stats_sig(p), old = (uint8_t)(p->stats_sig & ~PB_STATS_CHANGED);

	p->stats_sig = sig;
	if (sig == old || p->reserved || p->zone == 0xff)
		return;
	int movable_only = sig_bit(sig, SIG_MOVABLE_ONLY) - sig_bit(old, SIG_MOVABLE_ONLY);
	memo->by_mt[old & PB_MIGRATE_MASK]--;
	memo->by_mt[sig & PB_MIGRATE_MASK]++;
	memo->wholly_free = (uint16_t)(memo->wholly_free + sig_bit(sig, SIG_WHOLLY_FREE) -
				       sig_bit(old, SIG_WHOLLY_FREE));
	memo->nonmovable = (uint16_t)(memo->nonmovable + sig_bit(sig, SIG_NONMOVABLE) -
				      sig_bit(old, SIG_NONMOVABLE));
	memo->movable_only_in_zone[p->zone] =
		(uint16_t)(memo->movable_only_in_zone[p->zone] + movable_only);
	/* another zone's pageblock counts as not movable-only anyway */
	if (p->zone == zone0)
		memo->not_movable_only = (uint16_t)(memo->not_movable_only - movable_only);
}

/* Pageblocks whose signatures region_memo_sync() tests together: a stale region has few changed
 * pageblocks, so one test of the OR of eight signatures passes over most of them. */
#define SIG_GROUP 8
_Static_assert(SUPERPAGEBLOCK_NR_PAGEBLOCKS % SIG_GROUP == 0, "whole groups in a region");

/*
 * Not a kernel function: a stale region's memo brought up to date. The first time
 * region_memo_fill() counts it and each present pageblock keeps its signature; after that only
 * the pageblocks marked PB_STATS_CHANGED move the counts, from the old signature's share to the
 * new one's: the counts region_memo_fill() would give (model_check compares them), at a bit
 * test per pageblock (per SIG_GROUP of them) instead of the whole count.
 */
static void region_memo_sync(const struct model *m, uint64_t region_pfn,
			     struct region_scan_memo *memo)
{
	struct pageblock *pb = &m->pb[(region_pfn - m->base_pfn) >> PAGEBLOCK_ORDER];
	unsigned zone0 = pb[0].zone;

	if (!memo->filled) {
		region_memo_fill(m, region_pfn, memo);
		for (unsigned i = 0; i < SUPERPAGEBLOCK_NR_PAGEBLOCKS; i++)
			pb[i].stats_sig = pageblock_stats_sig(&pb[i]);
		return;
	}
	memo->stale = false;
	for (unsigned i = 0; i < SUPERPAGEBLOCK_NR_PAGEBLOCKS; i += SIG_GROUP) {
		unsigned any = 0;
		for (unsigned j = i; j < i + SIG_GROUP; j++)
			any |= pb[j].stats_sig;
		if (!(any & PB_STATS_CHANGED))
			continue;
		for (unsigned j = i; j < i + SIG_GROUP; j++)
			if (pb[j].stats_sig & PB_STATS_CHANGED)
				pageblock_memo_update(memo, &pb[j], zone0);
	}
}

/*
 * One region: region_class()'s result and the per-pageblock counts (pageblocks_by_mt,
 * contig_2m_free, contig_2m_possible) added to st, from the region's memo, filled again only
 * when a pageblock count in the region changed since (pageblock_counts_changed). Returns false
 * when nothing in the region is present, like region_class().
 */
static bool region_scan(const struct model *m, uint64_t region_pfn, struct model_stats *st,
			uint8_t *cls, uint64_t *free_pbs, bool *contig)
{
	struct region_scan_memo *memo =
		&m->region_memo[(region_pfn - m->base_pfn) >> SUPERPAGEBLOCK_ORDER];

	if (memo->stale)
		region_memo_sync(m, region_pfn, memo); /* clears stale */
	if (!memo->present)
		return false;
	for (unsigned mt = 0; mt < MIGRATE_TYPES; mt++)
		st->pageblocks_by_mt[mt] += memo->by_mt[mt];
	st->contig_2m_free += memo->wholly_free;
	for (unsigned zi = 0; zi < m->nr_zones; zi++)
		if (memo->movable_only_in_zone[zi] && region_spb_allows_2m(m, zi, region_pfn))
			st->contig_2m_possible += memo->movable_only_in_zone[zi];
	*cls = memo->nonmovable			    ? REGION_TAINTED
	       : memo->wholly_free == memo->present ? REGION_EMPTY
						    : REGION_CLEAN;
	*free_pbs = memo->wholly_free;
	*contig = !memo->not_movable_only;
	return true;
}

void model_stats(const struct model *m, struct model_stats *st)
{
	const struct zone *largest = &m->zones[0];
	/* regions that could be allocated contiguously, for the SPB pass below */
	uint64_t contig_regions[64] = { 0 };
	uint64_t nr_regions = (m->end_pfn - m->base_pfn) / SUPERPAGEBLOCK_NR_PAGES;

	memset(st, 0, sizeof(*st));
	st->warnings = m->warnings;
	for (unsigned i = 0; i < m->nr_zones; i++) {
		const struct zone *z = &m->zones[i];
		st->present_pages += z->present_pages;
		st->free_pages += z->nr_free_pages;
		for (unsigned o = 0; o <= MAX_PAGE_ORDER; o++)
			st->free_blocks[o] += z->nr_free_blocks[o];
		if (z->present_pages > largest->present_pages)
			largest = z;
		if (m->policy != MODEL_POLICY_SPB)
			continue;
		st->nr_spbs += z->nr_superpageblocks;
		st->spb_empty += z->spb_lists[SPB_LIST_EMPTY].count;
		st->spb_isolated += z->spb_lists[SPB_LIST_ISOLATED].count;
		for (int c = 0; c < NR_SB_CATEGORIES; c++)
			for (int f = 0; f < NR_SB_FULLNESS; f++)
				st->spb_by_list[c][f] +=
					z->spb_lists[SPB_LIST_CAT0 + c * NR_SB_FULLNESS + f].count;
	}
	for (uint64_t ri = 0; ri < nr_regions; ri++) {
		uint64_t r = m->base_pfn + ri * SUPERPAGEBLOCK_NR_PAGES;
		uint8_t cls;
		uint64_t free_pbs;
		bool contig;
		if (!region_scan(m, r, st, &cls, &free_pbs, &contig))
			continue;
		if (cls == REGION_TAINTED) {
			st->tainted_regions++;
			st->free_pageblocks_in_tainted += free_pbs;
		} else if (cls == REGION_EMPTY) {
			st->empty_regions++;
		} else {
			st->clean_regions++;
		}
		if (contig && cls != REGION_TAINTED && m->policy == MODEL_POLICY_MAINLINE)
			st->contig_1g_possible++;
		if (contig && ri < 64 * 64)
			contig_regions[ri / 64] |= 1ull << (ri % 64);
	}
	for (unsigned i = 0; i < m->nr_zones && m->policy == MODEL_POLICY_SPB; i++) {
		const struct zone *z = &m->zones[i];
		for (uint32_t s = 0; s < z->nr_superpageblocks; s++) {
			const struct superpageblock *sb = &z->superpageblocks[s];
			uint8_t cls, full;
			uint64_t free_pbs,
				ri = (sb->start_pfn - m->base_pfn) / SUPERPAGEBLOCK_NR_PAGES;
			bool contig;
			if (sb->total_pageblocks != SUPERPAGEBLOCK_NR_PAGEBLOCKS ||
			    sb->contig_allocated || spb_get_category(sb) == SB_TAINTED)
				continue;
			if (ri < 64 * 64)
				contig = contig_regions[ri / 64] >> (ri % 64) & 1;
			else if (!region_class(m, sb->start_pfn, &cls, &full, &free_pbs, &contig))
				contig = false;
			st->contig_1g_possible += contig;
		}
	}
	fragmentation_indices(largest, st);
	memcpy(st->events, m->events, sizeof(st->events));
}

unsigned model_nr_zones(const struct model *m)
{
	return m->nr_zones;
}

int model_zone_nid(const struct model *m, unsigned zone)
{
	return zone < m->nr_zones ? m->zones[zone].nid : -1;
}

/* zone_page_state(zone, NR_FREE_PAGES) */
uint64_t model_zone_nr_free_pages(const struct model *m, unsigned zone)
{
	return zone < m->nr_zones ? m->zones[zone].nr_free_pages : 0;
}

unsigned model_zone_nr_spbs(const struct model *m, unsigned zone)
{
	return zone < m->nr_zones ? m->zones[zone].nr_superpageblocks : 0;
}

int model_spb_info(const struct model *m, unsigned zone, unsigned spb, struct model_spb_info *info)
{
	if (zone >= m->nr_zones || spb >= m->zones[zone].nr_superpageblocks)
		return MODEL_EINVAL;
	const struct zone *z = &m->zones[zone];
	const struct superpageblock *sb = &z->superpageblocks[spb];
	*info = (struct model_spb_info){
		.start_pfn = sb->start_pfn,
		.nr_free = sb->nr_free,
		.nr_unmovable = sb->nr_unmovable,
		.nr_reclaimable = sb->nr_reclaimable,
		.nr_movable = sb->nr_movable,
		.nr_reserved = sb->nr_reserved,
		.total_pageblocks = sb->total_pageblocks,
		.nr_free_pages = sb->nr_free_pages,
		.list_id = sb->list_id,
		.list_pos = -1,
		.category = spb_get_category(sb),
	};
	int pos = 0;
	for (uint32_t i = z->spb_lists[sb->list_id].head; i != SPB_NIL;
	     i = z->superpageblocks[i].next, pos++)
		if (i == spb) {
			info->list_pos = pos;
			break;
		}
	return MODEL_OK;
}

/* model_region_classes() with each region's first pfn and free pages. */
size_t model_regions(const struct model *m, struct model_region *out, size_t max)
{
	size_t n = 0;
	for (uint64_t r = m->base_pfn; r < m->end_pfn && n < max; r += SUPERPAGEBLOCK_NR_PAGES) {
		uint8_t cls, full;
		uint64_t free_pbs, free_pages = 0;
		bool contig;
		if (!region_class(m, r, &cls, &full, &free_pbs, &contig))
			continue;
		const struct pageblock *pb = &m->pb[(r - m->base_pfn) >> PAGEBLOCK_ORDER];
		for (unsigned i = 0; i < SUPERPAGEBLOCK_NR_PAGEBLOCKS; i++)
			if (!pb[i].reserved && pb[i].zone != 0xff)
				free_pages += pb[i].nr_free_pages;
		out[n++] = (struct model_region){ .start_pfn = r,
						  .class = cls,
						  .fullness = full,
						  .free_pageblocks = (uint32_t)free_pbs,
						  .free_pages = free_pages };
	}
	return n;
}
