// SPDX-License-Identifier: GPL-2.0
/*
 * model_check.c - the invariant checker: recompute every counter and list from the page words
 * and compare with what the model keeps. Tests run it after every operation.
 *
 * Checked: every position a head walk reaches is a head and every other page word is a tail
 * (no stale heads); free blocks are aligned, inside their zone, on the list their word names,
 * and never next to a free buddy they should have merged with; every free block on the list of
 * its pageblock's type; list links are consistent both ways, tails right, free_mask bits
 * right; per-pageblock free/movable/non-movable page counts;
 * zone and SPB free page and block counts; SPB has-bit, free, reserved counters; all_free only
 * on wholly free pageblocks; non-movable content only in pageblocks with a non-movable has-bit;
 * every SPB on the list its counters call for (unless a has-bit changed without a list update,
 * as Passes 2c/2d do) and every list holding exactly its SPBs; the mainline region lists; the
 * deferred work's single-flight gates against its queue; every model_stats memo not marked
 * stale equal to its region's pageblocks. Cost: O(pages). Returns NULL when all is well, else a description in buf.
 */
#include "model_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct check {
	char *buf;
	size_t len;
	bool failed;
};

static __attribute__((format(printf, 2, 3))) bool fail(struct check *c, const char *fmt, ...)
{
	va_list ap;
	if (c->failed)
		return false;
	c->failed = true;
	va_start(ap, fmt);
	vsnprintf(c->buf, c->len, fmt, ap);
	va_end(ap);
	return false;
}

struct pb_tally {
	uint32_t free, movable, nonmovable;
};

/*
 * The workers' gates match their queue: one evacuation request and in-flight bit per queued
 * evacuation, defrag_active exactly on SPBs with a queued or running defrag, a node's shrink
 * pending exactly while a shrink for it waits to start (and at most one more running), and per
 * CPU only the oldest item running.
 */
/* A region's memo that is not stale must say what its pageblocks say now. */
static bool check_region_memos(const struct model *m, struct check *c)
{
	uint64_t nr_regions = (m->end_pfn - m->base_pfn) >> SUPERPAGEBLOCK_ORDER;

	for (uint64_t r = 0; r < nr_regions; r++) {
		struct region_scan_memo fresh;
		uint64_t region_pfn = m->base_pfn + (r << SUPERPAGEBLOCK_ORDER);
		if (m->region_memo[r].stale)
			continue;
		region_memo_fill(m, region_pfn, &fresh);
		if (memcmp(&fresh, &m->region_memo[r], sizeof(fresh)))
			return fail(c,
				    "region %#llx: model_stats' memo is not stale but differs "
				    "from its pageblocks",
				    (unsigned long long)region_pfn);
	}
	return true;
}

static bool check_work(const struct model *m, struct check *c)
{
	unsigned evac = 0, defrag = 0, active = 0, in_flight = 0;

	for (size_t i = 0; i < m->work_count; i++) {
		const struct model_work *w = &m->work[i];
		if (w->kind == WORK_EVACUATE) {
			evac++;
			if (!(m->zones[w->zone].spb_evac_in_flight &
			      (1ull << (w->mt * NR_PAGE_ORDERS + w->order))))
				return fail(c, "work %zu: evacuation without its in-flight bit", i);
		} else if (w->kind == WORK_DEFRAG) {
			defrag++;
			if (!m->zones[w->zone].superpageblocks[w->spb].defrag_active)
				return fail(c, "work %zu: defrag of SPB %u not marked active", i,
					    w->spb);
		}
		for (size_t j = 0; j < i; j++) {
			const struct model_work *o = &m->work[j];
			if (o->cpu == w->cpu && w->started)
				return fail(c, "work %zu runs on CPU %u behind work %zu", i, w->cpu,
					    j);
			if (o->kind == WORK_SLAB_SHRINK && w->kind == WORK_SLAB_SHRINK &&
			    o->nid == w->nid && o->started == w->started)
				return fail(c, "two %s shrinks of node %d",
					    w->started ? "running" : "pending", w->nid);
		}
	}
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct zone *z = &m->zones[zi];
		in_flight += (unsigned)__builtin_popcountll(z->spb_evac_in_flight);
		for (uint32_t i = 0; i < z->nr_superpageblocks; i++)
			active += z->superpageblocks[i].defrag_active;
	}
	if (evac != m->evac_requests_used || evac != in_flight)
		return fail(c, "%u evacuations queued, %u requests used, %u in-flight bits", evac,
			    m->evac_requests_used, in_flight);
	if (defrag != active)
		return fail(c, "%u defrag works queued, %u SPBs marked active", defrag, active);
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		bool pending = false;
		for (size_t i = 0; i < m->work_count; i++)
			pending |= m->work[i].kind == WORK_SLAB_SHRINK && m->work[i].nid == nid &&
				   !m->work[i].started;
		if (pending != m->shrink_pending[nid])
			return fail(c, "node %d: shrink pending %d, queue says %d", nid,
				    m->shrink_pending[nid], pending);
	}
	return true;
}

/*
 * A free block lies on the list of its pageblock's type, every pageblock it covers of that
 * type (free_one_page() takes the pageblock's type, move_freepages_block() moves a relabelled
 * pageblock's free blocks, a merge above pageblock order relabels the buddy). The free
 * scanner's region test (movable_free_orders(), model_compaction.c) relies on it.
 */
static bool check_free_block_type(struct model *m, uint64_t pfn, unsigned order, int list_mt,
				  struct check *c)
{
	unsigned npb = order >= PAGEBLOCK_ORDER ? 1u << (order - PAGEBLOCK_ORDER) : 1;

	for (unsigned i = 0; i < npb; i++) {
		uint64_t p = pfn + (uint64_t)i * PAGEBLOCK_NR_PAGES;
		int mt = get_pageblock_migratetype(m, p);
		if (mt != list_mt)
			return fail(c,
				    "free block %#llx of order %u on list %d, its pageblock %#llx "
				    "is of type %d",
				    (unsigned long long)pfn, order, list_mt, (unsigned long long)p,
				    mt);
	}
	return true;
}

/* Walk one zone's pages by heads, tallying per pageblock and per (order, type). */
static bool check_zone_pages(struct model *m, struct zone *z, struct pb_tally *tally,
			     uint64_t (*list_blocks)[NR_PAGE_ORDERS][MIGRATE_TYPES],
			     struct check *c)
{
	uint64_t zone_free = 0, zone_highatomic = 0, zone_blocks[NR_PAGE_ORDERS] = { 0 };

	for (uint64_t p = z->zone_start_pfn; p < z->zone_end_pfn;) {
		struct pageblock *pb = pfn_pageblock(m, p);
		if (pb->reserved) {
			for (uint64_t q = p; q < p + PAGEBLOCK_NR_PAGES; q++)
				if (pw_get(m, q) & ~PW_LINK_MASK)
					return fail(c, "hole page %#llx has state %#x",
						    (unsigned long long)q, pw_get(m, q));
			p += PAGEBLOCK_NR_PAGES;
			continue;
		}
		uint32_t w = pw_get(m, p);
		unsigned order = pw_order(w), kind = pw_kind(w);
		if (kind == PK_TAIL)
			return fail(c, "pfn %#llx: a head walk reached a tail",
				    (unsigned long long)p);
		if (order > MAX_PAGE_ORDER || (p & ((1ull << order) - 1)) ||
		    p + (1ull << order) > z->zone_end_pfn)
			return fail(c, "pfn %#llx: bad block order %u", (unsigned long long)p,
				    order);
		for (uint64_t q = p + 1; q < p + (1ull << order); q++)
			if (pw_kind(pw_get(m, q)) != PK_TAIL)
				return fail(c, "pfn %#llx: stale head inside the block at %#llx",
					    (unsigned long long)q, (unsigned long long)p);
		uint64_t idx = (p - m->base_pfn) >> PAGEBLOCK_ORDER;
		unsigned npb = order >= PAGEBLOCK_ORDER ? 1u << (order - PAGEBLOCK_ORDER) : 1;
		unsigned per = order >= PAGEBLOCK_ORDER ? PAGEBLOCK_NR_PAGES : 1u << order;
		for (unsigned i = 0; i < npb; i++) {
			if (m->pb[idx + i].reserved)
				return fail(c, "pfn %#llx: block covers a hole",
					    (unsigned long long)p);
			if (kind == PK_FREE) {
				tally[idx + i].free += per;
			} else {
				if (w & PW_MOVABLE)
					tally[idx + i].movable += per;
				if (!is_migrate_movable(pw_mt(w)))
					tally[idx + i].nonmovable += per;
			}
		}
		if (kind == PK_FREE) {
			uint64_t b = p ^ (1ull << order);
			if (order < MAX_PAGE_ORDER && b >= z->zone_start_pfn &&
			    b < z->zone_end_pfn && pw_kind(pw_get(m, b)) == PK_FREE &&
			    pw_order(pw_get(m, b)) == order &&
			    (order < PAGEBLOCK_ORDER ||
			     get_pageblock_migratetype(m, p) == get_pageblock_migratetype(m, b)))
				return fail(c,
					    "free buddies %#llx and %#llx of order %u not merged",
					    (unsigned long long)p, (unsigned long long)b, order);
			if (!check_free_block_type(m, p, order, pw_mt(w), c))
				return false;
			struct superpageblock *sb = pfn_to_superpageblock(z, p);
			list_blocks[sb - z->superpageblocks][order][pw_mt(w)]++;
			zone_free += 1ull << order;
			if (pw_mt(w) == MIGRATE_HIGHATOMIC)
				zone_highatomic += 1ull << order;
			zone_blocks[order]++;
		}
		p += 1ull << order;
	}
	if (zone_free != z->nr_free_pages)
		return fail(c, "zone %u: nr_free_pages %llu, pages say %llu", z->idx,
			    (unsigned long long)z->nr_free_pages, (unsigned long long)zone_free);
	if (zone_highatomic != z->nr_free_highatomic)
		return fail(c, "zone %u: nr_free_highatomic %llu, pages say %llu", z->idx,
			    (unsigned long long)z->nr_free_highatomic,
			    (unsigned long long)zone_highatomic);
	for (unsigned o = 0; o <= MAX_PAGE_ORDER; o++)
		if (zone_blocks[o] != z->nr_free_blocks[o])
			return fail(c, "zone %u: order %u has %llu free blocks, pages say %llu",
				    z->idx, o, (unsigned long long)z->nr_free_blocks[o],
				    (unsigned long long)zone_blocks[o]);
	return true;
}

/* One SPB's free lists against the blocks the walk found. */
static bool check_spb_lists(struct model *m, struct zone *z, struct superpageblock *sb,
			    uint64_t (*expect)[MIGRATE_TYPES], struct check *c)
{
	uint64_t pages = 0;
	uint32_t sbi = spb_index(z, sb);
	struct superpageblock_cold *cold = spb_cold(z, sb);

	for (unsigned o = 0; o <= MAX_PAGE_ORDER; o++) {
		uint64_t blocks = 0;
		for (int t = 0; t < MIGRATE_TYPES; t++) {
			uint64_t n = 0;
			uint32_t prev = PW_NIL, i = cold->free_head[o][t];
			while (i != PW_NIL) {
				uint64_t p = sb->start_pfn + i;
				uint32_t w = pw_get(m, p);
				if (pw_kind(w) != PK_FREE || pw_order(w) != o || pw_mt(w) != t)
					return fail(c,
						    "spb %u: pfn %#llx on list (%u,%d) is not such "
						    "a free block",
						    sbi, (unsigned long long)p, o, t);
				if (pw_link(pw_get(m, p ^ 1)) != prev)
					return fail(c, "spb %u: pfn %#llx has a wrong prev link",
						    sbi, (unsigned long long)p);
				if (++n > expect[o][t])
					break;
				prev = i;
				i = pw_link(w);
			}
			if (n != expect[o][t])
				return fail(
					c, "spb %u: list (%u,%d) holds %llu blocks, pages say %llu",
					sbi, o, t, (unsigned long long)n,
					(unsigned long long)expect[o][t]);
			if (cold->free_tail[o][t] != prev)
				return fail(c, "spb %u: list (%u,%d) has a wrong tail", sbi, o, t);
			if (!!(sb->free_mask[t] & (1u << o)) != (n > 0))
				return fail(c, "spb %u: free_mask bit (%u,%d) wrong", sbi, o, t);
			blocks += n;
			pages += n << o;
		}
		if (blocks != cold->nr_free_blocks[o] ||
		    !!(sb->order_mask & (1u << o)) != (blocks > 0))
			return fail(c, "spb %u: nr_free_blocks[%u] %u, lists say %llu", sbi, o,
				    cold->nr_free_blocks[o], (unsigned long long)blocks);
	}
	if (pages != sb->nr_free_pages)
		return fail(c, "spb %u: nr_free_pages %u, lists say %llu", sbi, sb->nr_free_pages,
			    (unsigned long long)pages);
	return true;
}

/* struct superpageblock's counters against its pageblocks' bits. */
static bool check_spb_counters(struct model *m, struct zone *z, struct superpageblock *sb,
			       struct check *c)
{
	unsigned nfree = 0, unmov = 0, recl = 0, mov = 0, rsv = 0, total = 0;
	uint32_t sbi = spb_index(z, sb);

	for (uint64_t p = sb->start_pfn; p < sb->start_pfn + SUPERPAGEBLOCK_NR_PAGES;
	     p += PAGEBLOCK_NR_PAGES) {
		if (p < z->zone_start_pfn || p >= z->zone_end_pfn)
			continue;
		struct pageblock *pb = pfn_pageblock(m, p);
		total++;
		if (pb->reserved) {
			rsv++;
			continue;
		}
		nfree += !!(pb->flags & PB_ALL_FREE);
		unmov += !!(pb->flags & PB_HAS_UNMOVABLE);
		recl += !!(pb->flags & PB_HAS_RECLAIMABLE);
		mov += !!(pb->flags & PB_HAS_MOVABLE);
		if ((pb->flags & PB_ALL_FREE) && pb->nr_free_pages != PAGEBLOCK_NR_PAGES)
			return fail(c, "pfn %#llx: all_free set on a pageblock with %u free pages",
				    (unsigned long long)p, pb->nr_free_pages);
		if (pb->nr_nonmovable_pages &&
		    !(pb->flags & (PB_HAS_UNMOVABLE | PB_HAS_RECLAIMABLE)))
			return fail(c,
				    "pfn %#llx: non-movable content without a non-movable has-bit",
				    (unsigned long long)p);
	}
	if (total != sb->total_pageblocks || rsv != sb->nr_reserved || nfree != sb->nr_free ||
	    unmov != sb->nr_unmovable || recl != sb->nr_reclaimable || mov != sb->nr_movable)
		return fail(c,
			    "spb %u: counters total/rsv/free/unmov/recl/mov %u/%u/%u/%u/%u/%u, "
			    "pageblocks say %u/%u/%u/%u/%u/%u",
			    sbi, sb->total_pageblocks, sb->nr_reserved, sb->nr_free,
			    sb->nr_unmovable, sb->nr_reclaimable, sb->nr_movable, total, rsv, nfree,
			    unmov, recl, mov);
	/* an SPB of holes only is never updated: it stays where init put it (tainted, full) */
	if (sb->nr_reserved == sb->total_pageblocks) {
		if (sb->list_id != SPB_LIST_CAT0 + SB_TAINTED * NR_SB_FULLNESS + SB_FULL)
			return fail(c, "spb %u: all holes but on list %u", sbi, sb->list_id);
	} else if (!sb->list_stale && sb->list_id != spb_list_for(sb))
		return fail(c, "spb %u: on list %u, counters call for %u", sbi, sb->list_id,
			    spb_list_for(sb));
	return true;
}

static bool check_spb_list_links(struct zone *z, struct check *c)
{
	uint32_t seen = 0;
	for (unsigned l = 1; l < SPB_NR_LISTS; l++) {
		uint32_t n = 0, with_free = 0, prev = SPB_NIL;
		for (uint32_t i = z->spb_lists[l].head; i != SPB_NIL;
		     i = z->superpageblocks[i].next) {
			struct superpageblock *sb = &z->superpageblocks[i];
			if (sb->list_id != l || sb->prev != prev || ++n > z->nr_superpageblocks)
				return fail(c, "zone %u: SPB list %u is corrupt at spb %u", z->idx,
					    l, i);
			with_free += sb->nr_free_pages != 0;
			prev = i;
		}
		if (n != z->spb_lists[l].count || prev != z->spb_lists[l].tail)
			return fail(c, "zone %u: SPB list %u count or tail wrong", z->idx, l);
		if (with_free != z->spb_lists[l].nr_with_free)
			return fail(c,
				    "zone %u: SPB list %u has %u SPBs with free pages, counts %u",
				    z->idx, l, with_free, z->spb_lists[l].nr_with_free);
		seen += n;
	}
	if (seen != z->nr_superpageblocks)
		return fail(c, "zone %u: %u SPBs on lists of %u", z->idx, seen,
			    z->nr_superpageblocks);
	return true;
}

/*
 * The fallback summary's per-category counts (model_fallback_spb.c): for each category, type
 * below MIGRATE_PCPTYPES and order, the SPBs on that category's lists whose free list there is
 * not empty, recounted from the SPBs' free masks (check_spb_lists ties those to the lists).
 */
static bool check_spb_category_summary(struct zone *z, struct check *c)
{
	uint32_t nr[NR_SB_CATEGORIES][MIGRATE_PCPTYPES][NR_PAGE_ORDERS] = { 0 };

	for (uint32_t i = 0; i < z->nr_superpageblocks; i++) {
		const struct superpageblock *sb = &z->superpageblocks[i];
		int cat = spb_list_category(sb->list_id);
		if (cat < 0)
			continue;
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
				nr[cat][mt][o] += (sb->free_mask[mt] >> o) & 1;
	}
	for (int cat = 0; cat < NR_SB_CATEGORIES; cat++)
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
			uint16_t mask = 0;
			for (unsigned o = 0; o < NR_PAGE_ORDERS; o++) {
				if (nr[cat][mt][o] != z->cat_nr_spbs[cat][mt][o])
					return fail(
						c,
						"zone %u: category %d type %d order %u: %u SPBs "
						"with free blocks, counts %u",
						z->idx, cat, mt, o, nr[cat][mt][o],
						z->cat_nr_spbs[cat][mt][o]);
				if (nr[cat][mt][o])
					mask |= (uint16_t)(1u << o);
			}
			if (mask != z->cat_free_mask[cat][mt])
				return fail(c,
					    "zone %u: category %d type %d: free mask %#x, counts "
					    "say %#x",
					    z->idx, cat, mt, z->cat_free_mask[cat][mt], mask);
		}
	return true;
}

static bool check_mainline_mru(struct zone *z, struct check *c)
{
	for (unsigned o = 0; o <= MAX_PAGE_ORDER; o++)
		for (int t = 0; t < MIGRATE_TYPES; t++) {
			uint32_t n = 0, nonempty = 0;
			uint16_t prev = MRU_NIL;
			for (uint16_t r = z->mru_head[o][t]; r != MRU_NIL;
			     r = z->superpageblocks_cold[r].mru_next[o][t]) {
				struct superpageblock_cold *sb = &z->superpageblocks_cold[r];
				if (sb->mru_prev[o][t] != prev || sb->free_head[o][t] == PW_NIL ||
				    ++n > z->nr_superpageblocks)
					return fail(c, "zone %u: region list (%u,%d) corrupt",
						    z->idx, o, t);
				prev = r;
			}
			for (uint32_t i = 0; i < z->nr_superpageblocks; i++)
				nonempty += z->superpageblocks_cold[i].free_head[o][t] != PW_NIL;
			if (n != nonempty || prev != z->mru_tail[o][t])
				return fail(c, "zone %u: region list (%u,%d) misses regions",
					    z->idx, o, t);
		}
	return true;
}

const char *model_check(const struct model *cm, char *buf, size_t len)
{
	struct model *m = (struct model *)cm;
	struct check c = { buf, len, false };
	uint64_t npb = (m->end_pfn - m->base_pfn) >> PAGEBLOCK_ORDER;
	struct pb_tally *tally = calloc(npb, sizeof(*tally));

	if (!tally) {
		snprintf(buf, len, "out of memory");
		return buf;
	}
	for (unsigned zi = 0; zi < m->nr_zones && !c.failed; zi++) {
		struct zone *z = &m->zones[zi];
		uint64_t(*blocks)[NR_PAGE_ORDERS][MIGRATE_TYPES] =
			calloc(z->nr_superpageblocks, sizeof(*blocks));
		if (!blocks) {
			fail(&c, "out of memory");
			break;
		}
		if (check_zone_pages(m, z, tally, blocks, &c))
			for (uint32_t i = 0; i < z->nr_superpageblocks && !c.failed; i++)
				check_spb_lists(m, z, &z->superpageblocks[i], blocks[i], &c);
		free(blocks);
		if (c.failed)
			break;
		for (uint64_t p = z->zone_start_pfn; p < z->zone_end_pfn; p += PAGEBLOCK_NR_PAGES) {
			uint64_t b = (p - m->base_pfn) >> PAGEBLOCK_ORDER;
			struct pageblock *pb = &m->pb[b];
			if (pb->nr_free_pages != tally[b].free ||
			    pb->nr_movable_pages != tally[b].movable ||
			    pb->nr_nonmovable_pages != tally[b].nonmovable) {
				fail(&c,
				     "pfn %#llx: pageblock counts free/movable/nonmovable "
				     "%u/%u/%u, pages say %u/%u/%u",
				     (unsigned long long)p, pb->nr_free_pages, pb->nr_movable_pages,
				     pb->nr_nonmovable_pages, tally[b].free, tally[b].movable,
				     tally[b].nonmovable);
				break;
			}
		}
		if (c.failed)
			break;
		if (m->policy == MODEL_POLICY_SPB) {
			for (uint32_t i = 0; i < z->nr_superpageblocks && !c.failed; i++)
				check_spb_counters(m, z, &z->superpageblocks[i], &c);
			if (!c.failed)
				check_spb_list_links(z, &c);
			if (!c.failed)
				check_spb_category_summary(z, &c);
		} else {
			check_mainline_mru(z, &c);
		}
	}
	free(tally);
	if (!c.failed)
		check_work(m, &c);
	if (!c.failed)
		check_region_memos(m, &c);
	return c.failed ? buf : NULL;
}
