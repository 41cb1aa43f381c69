// SPDX-License-Identifier: GPL-2.0
/*
 * replay_pbtypes.c - each pageblock's migratetype at trace start, as the trace itself shows it.
 *
 * The start page map records no migratetypes, only how many pageblocks of each type a zone has
 * (start/pagetypeinfo). Which pageblocks they are matters: on a host short of memory the
 * Reclaimable pageblocks are often nearly empty (slab pages freed by reclaim leave their
 * pageblock tagged), and a warm start that tags the pageblocks holding the most kernel pages
 * instead starts with full Reclaimable pageblocks, so the model claims several times as many new
 * ones as the host did (docs/replay-history.md, "pageblocks_reclaimable").
 *
 * The trace says which they were: the buddy allocator hands out a page of the requested type
 * from that type's free list, which holds only pages of pageblocks of that type, and every page
 * taken from the buddy lists is traced by mm_page_alloc_zone_locked (__rmqueue_smallest). So the
 * first such event in a pageblock gives its type, unless a fallback took the page: then
 * mm_page_alloc_extfrag names the pageblock's own type (fallback_migratetype). A claim that
 * takes the page through __rmqueue_smallest traces the zone-locked event just before the
 * extfrag event on the same CPU, so that extfrag event corrects it. mm_page_alloc is used for
 * orders that do not go through the per-CPU lists only (a per-CPU list can hold a page a
 * fallback took before the trace began); pages of pageblock order and above name every
 * pageblock they span.
 *
 * Invariants: types[i] is PB_TYPE_UNSEEN or a migratetype below MIGRATE_PCPTYPES; it is set at
 * most once, except by the extfrag correction. Expected workload: every page event of the
 * pre-pass, one byte per pageblock (12 KiB for 24 GiB).
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>

int pb_types_init(struct pb_types *t, uint64_t max_pfn, unsigned nr_cpus)
{
	memset(t, 0, sizeof(*t));
	t->n = (max_pfn + PAGEBLOCK_NR_PAGES - 1) / PAGEBLOCK_NR_PAGES;
	t->nr_cpus = nr_cpus ? nr_cpus : 1;
	t->types = malloc(t->n ? t->n : 1);
	t->last_set = malloc(t->nr_cpus * sizeof(*t->last_set));
	if (!t->types || !t->last_set) {
		pb_types_free(t);
		return -1;
	}
	memset(t->types, PB_TYPE_UNSEEN, t->n);
	for (unsigned c = 0; c < t->nr_cpus; c++)
		t->last_set[c] = UINT64_MAX;
	return 0;
}

void pb_types_free(struct pb_types *t)
{
	free(t->types);
	free(t->last_set);
	memset(t, 0, sizeof(*t));
}

/* The first type seen in the pageblocks of [pfn, pfn + 2^order); cpu's last set is the last. */
static void seen_range(struct pb_types *t, unsigned cpu, uint64_t pfn, unsigned order, int mt)
{
	uint64_t first = pfn / PAGEBLOCK_NR_PAGES;
	uint64_t last = (pfn + (1ull << order) - 1) / PAGEBLOCK_NR_PAGES;

	t->last_set[cpu] = UINT64_MAX;
	if (mt < 0 || mt >= MIGRATE_PCPTYPES)
		return;
	for (uint64_t b = first; b <= last && b < t->n; b++) {
		if (t->types[b] != PB_TYPE_UNSEEN)
			continue;
		t->types[b] = (uint8_t)mt;
		t->last_set[cpu] = b;
	}
}

/*
 * __rmqueue_claim() traces the extfrag event after try_to_claim_block() took the page: for a
 * whole-block claim directly, for a claim by the 50% rule through __rmqueue_smallest, which
 * traced the zone-locked event already (with the claiming type).
 */
static void seen_extfrag(struct pb_types *t, unsigned cpu, const struct trace_extfrag *x)
{
	unsigned fo = x->fallback_order >= 0 && x->fallback_order <= MAX_PAGE_ORDER
			      ? (unsigned)x->fallback_order
			      : 0;
	uint64_t base = x->pfn & ~((1ull << fo) - 1);
	uint64_t b = x->pfn / PAGEBLOCK_NR_PAGES;
	int mt = x->fallback_migratetype;

	if (mt < 0 || mt >= MIGRATE_PCPTYPES)
		return;
	if (t->last_set[cpu] == b && b < t->n)
		t->types[b] = (uint8_t)mt;
	seen_range(t, cpu, base, fo, mt);
}

void pb_types_feed(struct pb_types *t, const struct trace_event *ev)
{
	unsigned cpu = ev->cpu < t->nr_cpus ? ev->cpu : t->nr_cpus - 1;

	switch (ev->type) {
	case TRACE_PAGE_ALLOC_ZONE_LOCKED:
		if (ev->page.pfn != UINT64_MAX && ev->page.order <= MAX_PAGE_ORDER)
			seen_range(t, cpu, ev->page.pfn, ev->page.order, ev->page.migratetype);
		break;
	case TRACE_PAGE_ALLOC:
		/* per-CPU list orders may hold a page stolen before the trace */
		if (ev->page.pfn != UINT64_MAX && ev->page.order <= MAX_PAGE_ORDER &&
		    ev->page.order > PAGE_ALLOC_COSTLY_ORDER && ev->page.order != PAGEBLOCK_ORDER)
			seen_range(t, cpu, ev->page.pfn, ev->page.order, ev->page.migratetype);
		break;
	case TRACE_PAGE_ALLOC_EXTFRAG:
		if (ev->extfrag.pfn != UINT64_MAX)
			seen_extfrag(t, cpu, &ev->extfrag);
		break;
	default:
		break;
	}
}

int pb_types_get(const struct pb_types *t, uint64_t pfn)
{
	uint64_t b = pfn / PAGEBLOCK_NR_PAGES;
	return t->types && b < t->n && t->types[b] != PB_TYPE_UNSEEN ? t->types[b] : -1;
}
