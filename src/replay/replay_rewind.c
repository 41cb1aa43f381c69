// SPDX-License-Identifier: GPL-2.0
/*
 * replay_rewind.c - the start page map as of the trace's first event (--start-rewind).
 *
 * The recorder turns tracing on and then reads the start page map range by range
 * (start/pagemap_times), so a range read after some of its pages' events shows them as those
 * events left them. Without this, replay takes such events as already in the map and skips
 * them (replay_decode.c, before_start_map), and the start state is no single moment of the
 * host. Here every page named by a page event older than its range's read is put back in the
 * state it had before the first event that names it, and every event is then replayed:
 *
 * - mm_page_alloc_zone_locked or mm_page_alloc_extfrag first: taken from the buddy lists
 *   (rmqueue_buddy(), rmqueue_bulk(), __rmqueue_claim()): free (PC_FREE);
 * - mm_page_alloc of a pcp_allowed_order() first, with no zone-locked event before it: taken
 *   from a per-CPU list (__rmqueue_pcplist()), where a page has no flags and the page map
 *   shows it allocated, kind unknown (PC_UNKNOWN), as it shows the start lists' pages; an
 *   order the lists do not hold is taken from the buddy lists (free);
 * - mm_page_pcpu_drain first: on a per-CPU list (PC_UNKNOWN);
 * - mm_page_free first: allocated; its kind is what the map shows at the read when that is an
 *   allocated kind (the page was reused for the same), else unknown (its pageblock's type).
 *
 * Every page of an event's 2^order block is named by it. A page the map shows as a compound
 * page's tail after a rewound head keeps its head's original class. Holes, reserved and offline
 * pages are never rewound. Invariant: only pages whose first event precedes their range's read
 * change. Workload: the events up to the last range's read (under a second on every recorded
 * trace), a bit per pfn and a copy of the map (3 MB on a 24 GiB host).
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>

struct rewind {
	struct host_desc *h;
	uint8_t *orig;	/* the map as read */
	uint64_t *seen; /* a bit per pfn: an event has named it */
};

static void set_page_class(uint8_t *map, uint64_t pfn, unsigned k)
{
	unsigned shift = (unsigned)(pfn & 1) * 4;
	map[pfn >> 1] = (uint8_t)((map[pfn >> 1] & ~(15u << shift)) | (k << shift));
}

/* The class of pfn as read, a tail taking its head's (walked back once per block). */
static unsigned orig_class(const struct rewind *rw, uint64_t pfn)
{
	const struct host_desc *h = rw->h;
	unsigned k = page_class(rw->orig, h->start_map_pfns, pfn);
	while (k == PC_TAIL && pfn)
		k = page_class(rw->orig, h->start_map_pfns, --pfn);
	return k;
}

/* The class of pfn as read, given the class (head's for a tail) of pfn - 1 as read. */
static unsigned orig_class_next(const struct rewind *rw, uint64_t pfn, unsigned prev)
{
	unsigned k = page_class(rw->orig, rw->h->start_map_pfns, pfn);
	return k == PC_TAIL ? prev : k;
}

static bool allocated_class(unsigned k)
{
	return k == PC_SLAB || k == PC_ANON || k == PC_PAGECACHE || k == PC_PAGETABLE ||
	       k == PC_UNKNOWN || k == PC_UNEVICTABLE;
}

/* The class the page had before an event of type first named it (see the header). */
static unsigned class_before(const struct trace_event *ev, unsigned orig)
{
	switch (ev->type) {
	case TRACE_PAGE_ALLOC:
		return pcp_allowed_order(ev->page.order) ? PC_UNKNOWN : PC_FREE;
	case TRACE_PAGE_PCPU_DRAIN:
		return PC_UNKNOWN;
	case TRACE_PAGE_FREE:
		return allocated_class(orig) ? orig : PC_UNKNOWN;
	default: /* zone-locked, extfrag (mm_page_free_batched never comes here) */
		return PC_FREE;
	}
}

/* Counted by what the page was put back as: free, on a per-CPU list, allocated. */
static void count_rewound(struct replay_host_figures *fig, const struct trace_event *ev, unsigned k)
{
	if (ev->type == TRACE_PAGE_FREE)
		fig->start_rewind_allocated++;
	else if (k == PC_FREE)
		fig->start_rewind_free++;
	else
		fig->start_rewind_pcp++;
}

/* Pages [pfn, pfn + n) named by ev: each one named for the first time before its read. */
static void rewind_block(struct rewind *rw, const struct trace_event *ev, uint64_t pfn, uint64_t n)
{
	struct host_desc *h = rw->h;

	if (pfn >= h->start_map_pfns)
		return; /* n is at most 2^MAX_PAGE_ORDER: pfn + n cannot wrap below */
	uint64_t end = pfn + n > h->start_map_pfns ? h->start_map_pfns : pfn + n;
	unsigned k = orig_class(rw, pfn);

	for (uint64_t p = pfn; p < end; p++) {
		if (p > pfn)
			k = orig_class_next(rw, p, k);
		if (rw->seen[p / 64] >> (p % 64) & 1)
			continue;
		rw->seen[p / 64] |= 1ull << (p % 64);
		if (!observe_in_start_map(h, p, ev->ts))
			continue;
		if (k == PC_HOLE || k == PC_RESERVED || k == PC_OFFLINE)
			continue;
		unsigned before = class_before(ev, k);
		if (before != page_class(h->start_map, h->start_map_pfns, p) ||
		    page_class_raw(h->start_map, h->start_map_pfns, p) == PC_TAIL)
			h->fig.start_rewind_changed++;
		set_page_class(h->start_map, p, before);
		count_rewound(&h->fig, ev, before);
	}
	/* a compound page's tails after the block keep what their head was (k: that head's) */
	for (uint64_t p = end;
	     p < h->start_map_pfns && page_class_raw(rw->orig, h->start_map_pfns, p) == PC_TAIL &&
	     page_class_raw(h->start_map, h->start_map_pfns, p) == PC_TAIL;
	     p++)
		set_page_class(h->start_map, p, k);
}

static void rewind_event(struct rewind *rw, const struct trace_event *ev)
{
	/*
	 * mm_page_free_batched names a page already freed (its mm_page_free came first), on its
	 * way to a per-CPU list: not a page's first event worth a state, so it marks nothing.
	 */
	if (ev->type == TRACE_PAGE_FREE_BATCHED)
		return;
	if (ev->type >= TRACE_PAGE_ALLOC && ev->type <= TRACE_PAGE_PCPU_DRAIN) {
		if (ev->page.pfn != UINT64_MAX && ev->page.order <= MAX_PAGE_ORDER)
			rewind_block(rw, ev, ev->page.pfn, 1ull << ev->page.order);
	} else if (ev->type == TRACE_PAGE_ALLOC_EXTFRAG) {
		if (ev->extfrag.pfn != UINT64_MAX && ev->extfrag.alloc_order >= 0 &&
		    ev->extfrag.alloc_order <= MAX_PAGE_ORDER)
			rewind_block(rw, ev, ev->extfrag.pfn, 1ull << ev->extfrag.alloc_order);
	}
}

int host_start_rewind(struct trace_reader *r, struct host_desc *h, char *err, size_t errlen)
{
	struct rewind rw = { .h = h };
	const struct trace_event *evs;
	int n, rc = -1;

	if (!h->start_map || !h->nr_start_map_times)
		return 0; /* nothing was read while tracing: the map is the start */
	uint64_t last = h->start_map_times[h->nr_start_map_times - 1];
	rw.orig = malloc((size_t)(h->start_map_pfns + 1) / 2);
	rw.seen = calloc((size_t)(h->start_map_pfns / 64 + 1), sizeof(uint64_t));
	if (!rw.orig || !rw.seen) {
		snprintf(err, errlen, "out of memory rewinding the start page map");
		goto out;
	}
	memcpy(rw.orig, h->start_map, (size_t)(h->start_map_pfns + 1) / 2);
	while ((n = trace_reader_next_batch(r, &evs)) > 0) {
		int i;
		for (i = 0; i < n && evs[i].ts < last; i++)
			rewind_event(&rw, &evs[i]);
		if (i < n)
			break;
	}
	if (n < 0 || trace_reader_seek(r, 0) < 0) {
		snprintf(err, errlen, "%s", trace_reader_error(r));
		goto out;
	}
	h->start_rewound = true;
	h->fig.start_rewound = true;
	rc = 0;
out:
	free(rw.orig);
	free(rw.seen);
	return rc;
}
