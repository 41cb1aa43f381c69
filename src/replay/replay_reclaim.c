// SPDX-License-Identifier: GPL-2.0
/*
 * replay_reclaim.c - what one variant's direct reclaim may take (struct model_reclaim_ops):
 * its clean page cache, least recently allocated first, and its per-CPU lists.
 *
 * Which allocations are page cache: pages of the start page map's page-cache class that the
 * warm start took (oldest of all; the map has no ages, so they go in pfn order), and
 * allocations during the trace whose gfp flags say page cache (replay_is_page_cache(), measured
 * on the bundled traces: docs/model.md). A live page-cache allocation carries FWD_PAGECACHE and
 * an 8-bit stamp in its fwd value; the LRU is a ring of (trace pfn, sequence) in allocation
 * order, an entry counting only while its allocation still carries its stamp, so frees and
 * splits cost nothing here and stale entries are dropped when the ring is full.
 *
 * Evacuation asks the same question through its clean-page-cache hook
 * (reclaim_clean_pages_from_list drops page cache instead of migrating it).
 *
 * A reclaimed allocation is freed in the model and forgotten by the identity maps; its trace
 * pfns are marked in a bitmap, so the trace's own later free of them (the host reclaimed them
 * later, or never) is counted (page_frees_after_reclaim) and otherwise ignored. Reclaim takes
 * the warm page cache page by page (the start map has no folios), so the host's free of a
 * folio whose first pages the variant reclaimed still frees the pages reclaim had not reached
 * (reclaim_rest_pages), as the kernel frees the whole folio.
 *
 * Invariant: live_entries counts the ring entries that are still valid; lru_pages is the
 * pages they name plus the warm page cache not yet freed. Expected workload: a word or a few of
 * the reclaimed bitmap per page operation, one ring push per page-cache allocation; reclaim is O(pages reclaimed)
 * amortised.
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define FWD_STAMP(v) ((unsigned)((v) >> 56))

/*
 * Page cache by gfp, for movable allocations: anonymous faults carry __GFP_ZERO (or are THP /
 * mTHP without direct reclaim, or with __GFP_NOMEMALLOC); page-cache writes carry __GFP_WRITE,
 * readahead __GFP_NORETRY (readahead_gfp_mask), block-device buffers no __GFP_HIGHMEM. A plain
 * GFP_HIGHUSER_MOVABLE (a read fault without readahead, or an anonymous COW copy) counts as
 * anonymous.
 */
bool replay_is_page_cache(const struct replay_op *op)
{
	uint32_t g = op->gfp;

	if (op->mt != MIGRATE_MOVABLE || (g & MODEL_GFP_ZERO) || !(g & MODEL_GFP_DIRECT_RECLAIM) ||
	    (g & MODEL_GFP_NOMEMALLOC))
		return false;
	return (g & (MODEL_GFP_WRITE | MODEL_GFP_NORETRY)) || !(g & MODEL_GFP_HIGHMEM);
}

/* Set or clear the reclaimed marks of [pfn, pfn + 2^order) below warm_pfns, a word at a time. */
static void reclaimed_mark(struct variant_state *v, uint64_t pfn, unsigned order, bool set)
{
	uint64_t end = pfn + (1ull << order);

	if (end > v->warm_pfns)
		end = v->warm_pfns;
	while (pfn < end) {
		unsigned bit = (unsigned)(pfn % 64);
		uint64_t n = end - pfn < 64 - bit ? end - pfn : 64 - bit;
		uint64_t mask = (n == 64 ? ~0ull : (1ull << n) - 1) << bit;
		if (set)
			v->lru.reclaimed[pfn / 64] |= mask;
		else
			v->lru.reclaimed[pfn / 64] &= ~mask;
		pfn += n;
	}
}

/*
 * The marks of a reclaimed block set. Most of what reclaim takes is a single page: one bit
 * (reclaimed_mark()'s loop, once); larger blocks through reclaimed_mark().
 */
static inline __attribute__((always_inline)) void reclaimed_set(struct variant_state *v,
								uint64_t pfn, unsigned order)
{
	if (!order && pfn < v->warm_pfns)
		v->lru.reclaimed[pfn / 64] |= 1ull << (pfn % 64);
	else
		reclaimed_mark(v, pfn, order, true);
}

/*
 * variant_reclaimed_take() (replay_internal.h) past its common case: clear the block's marks.
 * A block inside one word (nearly all) is cleared with one mask: the word's bits at or past
 * warm_pfns are never set (reclaimed_mark() and reclaimed_set() stop there), so clearing
 * them too changes nothing.
 */
bool variant_reclaimed_clear(struct variant_state *v, uint64_t pfn, unsigned order)
{
	uint64_t *word = &v->lru.reclaimed[pfn / 64], mask;
	bool head = (*word >> (pfn % 64)) & 1;

	if (reclaimed_word_mask(pfn, order, &mask))
		*word &= ~mask;
	else
		reclaimed_mark(v, pfn, order, false);
	return head;
}

/* A fwd value is leaving the maps (freed, split, replaced): its page cache is no more. */
void variant_lru_forget(struct variant_state *v, uint64_t val)
{
	if (!(val & FWD_PAGECACHE))
		return;
	v->lru.live -= 1ull << FWD_ORDER(val);
	v->lru.live_entries--;
}

static bool entry_valid(const struct variant_state *v, const struct lru_entry *e, uint64_t *val)
{
	return pfn_map_get(&v->fwd, e->key, val) && (*val & FWD_PAGECACHE) &&
	       FWD_STAMP(*val) == e->stamp;
}

/* The ring's entry at index i (taken modulo its capacity), from its two arrays. */
static struct lru_entry lru_ring_get(const struct page_cache_lru *l, size_t i)
{
	i &= l->cap - 1;
	return (struct lru_entry){ l->ring_key[i], l->ring_stamp[i] };
}

static void lru_ring_set(struct page_cache_lru *l, size_t i, struct lru_entry e)
{
	i &= l->cap - 1;
	l->ring_key[i] = e.key;
	l->ring_stamp[i] = e.stamp;
}

/*
 * One of the ring's arrays resized: a mapping of its own, resized with mremap(), which moves
 * the pages and copies nothing, so a ring that doubles during the replay touches its final
 * size once. (A malloc'ed ring of 16-byte entries was copied into fresh memory at every
 * doubling: on pressure-reclaim 16 MB of first touches, about 4,000 page faults in the replay,
 * for a ring of 524,288 entries that now takes 4.5 MB.) NULL when the memory cannot be had
 * (the old mapping then stays).
 */
static void *lru_ring_resize(void *p, size_t old_bytes, size_t bytes)
{
	if (p)
		p = mremap(p, old_bytes, bytes, MREMAP_MAYMOVE);
	else
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Both arrays at cap entries: 0, or -1 with both as they were. */
static int lru_ring_grow(struct page_cache_lru *l, size_t cap)
{
	uint64_t *key = lru_ring_resize(l->ring_key, l->cap * sizeof(*key), cap * sizeof(*key));
	if (!key)
		return -1;
	l->ring_key = key;
	uint8_t *stamp = lru_ring_resize(l->ring_stamp, l->cap, cap);
	if (!stamp) {
		/* the keys back to their old size: shrunk in place, or unmapped */
		if (!l->cap) {
			munmap(key, cap * sizeof(*key));
			l->ring_key = NULL;
		} else {
			void *k = mremap(key, cap * sizeof(*key), l->cap * sizeof(*key), 0);
			if (k != MAP_FAILED)
				l->ring_key = k;
		}
		return -1;
	}
	l->ring_stamp = stamp;
	return 0;
}

/*
 * The ring is full: drop its stale entries, or grow it when most are live. Growing keeps the
 * head where it is: the entries that had wrapped round to [0, head + count - old cap) follow
 * the others at the old capacity, so the ring holds the same entries in the same order from
 * its head as a ring copied out from index 0 would. Out of line: variant_lru_stamp() saves no
 * registers for it.
 */
static int __attribute__((noinline)) lru_make_room(struct variant_state *v)
{
	struct page_cache_lru *l = &v->lru;
	uint64_t val;

	if (l->cap && l->live_entries < l->count / 2) {
		size_t n = 0;
		for (size_t i = 0; i < l->count; i++) {
			struct lru_entry e = lru_ring_get(l, l->head + i);
			if (entry_valid(v, &e, &val))
				lru_ring_set(l, l->head + n++, e);
		}
		l->count = n;
		return 0;
	}
	size_t cap = l->cap ? l->cap * 2 : 4096;
	if (lru_ring_grow(l, cap))
		return -1;
	size_t wrapped = l->head + l->count > l->cap ? l->head + l->count - l->cap : 0;
	memcpy(&l->ring_key[l->cap], l->ring_key, wrapped * sizeof(*l->ring_key));
	memcpy(&l->ring_stamp[l->cap], l->ring_stamp, wrapped);
	l->cap = cap;
	return 0;
}

/*
 * The LRU's tail takes trace pfn key, whose fwd value val is not page cache yet: val as it
 * must be stored now (stamped; unchanged when the ring has no room). No entry of the ring may
 * be valid for key (variant_lru_add; variant_identity_add_lru, which stores the value once).
 */
uint64_t variant_lru_stamp(struct variant_state *v, uint64_t key, uint64_t val)
{
	struct page_cache_lru *l = &v->lru;

	if (l->count == l->cap && lru_make_room(v))
		return val;
	uint64_t seq = l->seq++;
	val = (val & ~(0xffull << 56)) | FWD_PAGECACHE | (seq & 0xff) << 56;
	lru_ring_set(l, l->head + l->count++, (struct lru_entry){ key, (uint8_t)seq });
	l->live += 1ull << FWD_ORDER(val);
	l->live_entries++;
	return val;
}

/* A page-cache allocation joins the LRU's tail (its fwd entry exists). */
void variant_lru_add(struct variant_state *v, uint64_t key)
{
	uint64_t val;

	if (!pfn_map_get(&v->fwd, key, &val) || (val & FWD_PAGECACHE))
		return;
	pfn_map_put(&v->fwd, key, variant_lru_stamp(v, key, val));
}

/* Is trace pfn p warm page cache of the start, not yet freed? */
static inline bool warm_pagecache(const struct variant_state *v, uint64_t p)
{
	return (v->warm[p / 64] & v->lru.start_pagecache[p / 64]) >> (p % 64) & 1;
}

struct warm_run {
	const struct variant_state *v;
	uint64_t p, at;
};

/* aligned_run_order()'s test: trace pfn p + i is warm page cache placed at model pfn at + i. */
static inline bool warm_in_run(void *ctx, uint64_t i)
{
	const struct warm_run *r = ctx;
	return warm_pagecache(r->v, r->p + i) && start_model_pfn(r->v, r->p + i) == r->at + i;
}

/*
 * shrink_warm()'s frees of a run: warm page cache at trace pfn p, an order-0 page at model pfn
 * at, and the trace pfns after it too, at the model pfns after at, to the end of an aligned
 * block of at most limit pages (and no more than the warm page cache left): the block goes in
 * one model_free_contig_range(), which leaves the model as the page-by-page frees in a row do
 * (model.h), and each page is forgotten as shrink_warm() forgets one. Returns the pages
 * reclaimed, the cursor past them; 0 (nothing done) when there is no such block.
 */
static uint64_t __attribute__((noinline))
shrink_warm_run(struct variant_state *v, uint64_t p, uint64_t at, uint64_t limit)
{
	struct page_cache_lru *l = &v->lru;
	struct warm_run r = { v, p, at };

	if (limit > l->warm_left)
		limit = l->warm_left;
	if (limit > v->warm_pfns - p)
		limit = v->warm_pfns - p;
	unsigned order = aligned_run_order(at, limit, warm_in_run, &r);
	uint64_t n = 1ull << order;
	if (!order || model_free_contig_range(v->model, at, order) != MODEL_OK)
		return 0;
	for (uint64_t i = 0; i < n; i++) {
		if (v->start_name)
			v->start_name[at + i] = START_NONE;
		warm_clear(v, p + i);
		reclaimed_set(v, p + i, 0);
	}
	l->warm_cursor = p + n;
	l->warm_left -= n;
	return n;
}

/*
 * Warm-start page cache, in pfn order from the cursor: reclaim up to nr pages. An order-0 page
 * that starts an aligned run of the next pages goes with them as a block (shrink_warm_run).
 */
static uint64_t shrink_warm(struct variant_state *v, uint64_t nr)
{
	struct page_cache_lru *l = &v->lru;
	uint64_t got = 0;

	while (got < nr && l->warm_left && l->warm_cursor < v->warm_pfns) {
		uint64_t p = l->warm_cursor;
		uint64_t bits = (v->warm[p / 64] & l->start_pagecache[p / 64]) >> (p % 64);
		if (!bits) {
			l->warm_cursor = (p | 63) + 1;
			continue;
		}
		/* the pages between are not warm page cache: skipped */
		p += (uint64_t)__builtin_ctzll(bits);
		if (p >= v->warm_pfns) {
			l->warm_cursor = v->warm_pfns;
			continue;
		}
		l->warm_cursor = p + 1;
		unsigned o;
		uint64_t at = start_model_pfn(v, p), run; /* the placed start put it elsewhere */
		if (model_page_allocated(v->model, at, &o) != 1)
			continue;
		if (!o && !(at & 1) && (run = shrink_warm_run(v, p, at, nr - got))) {
			got += run;
			continue;
		}
		if (model_free(v->model, at, o))
			continue;
		if (v->start_name)
			v->start_name[at] = START_NONE;
		for (uint64_t q = p; q < p + (1ull << o); q++)
			warm_clear(v, q);
		reclaimed_set(v, p, o);
		got += 1ull << o;
		l->warm_left -= l->warm_left < (1ull << o) ? l->warm_left : 1ull << o;
	}
	return got;
}

/* An LRU entry's page reclaimed (freed in the model): forgotten by every map, marked reclaimed. */
static inline __attribute__((always_inline)) void
lru_reclaimed(struct variant_state *v, uint64_t key, uint64_t at, uint64_t val, unsigned order)
{
	pfn_map_del(&v->fwd, key);
	variant_rev_del(v, at);
	variant_lru_forget(v, val);
	reclaimed_set(v, key, order);
}

struct lru_run {
	const struct variant_state *v;
	uint64_t at, *vals;
};

/* aligned_run_order()'s test: the ring's entry i - 1 past the head is the page at + i. */
static inline bool lru_in_run(void *ctx, uint64_t i)
{
	const struct lru_run *r = ctx;
	const struct page_cache_lru *l = &r->v->lru;
	struct lru_entry e = lru_ring_get(l, l->head + i - 1);
	return entry_valid(r->v, &e, &r->vals[i]) && !FWD_ORDER(r->vals[i]) &&
	       (r->vals[i] & FWD_PFN_MASK) == r->at + i;
}

/*
 * The order of the aligned block at model pfn at whose pages the allocations of the ring's
 * next entries are, one order-0 page each in pfn order, at most limit pages: entry 0 is the
 * one just taken from the head (value vals[0]), entry i the head's i - 1. Their values in
 * vals. 0 when the entries after it hold no such run.
 */
static unsigned lru_run_order(const struct variant_state *v, uint64_t at, uint64_t limit,
			      uint64_t *vals)
{
	struct lru_run r = { v, at, vals };

	if (limit > v->lru.count + 1)
		limit = v->lru.count + 1;
	return aligned_run_order(at, limit, lru_in_run, &r);
}

/*
 * shrink_lru's frees of a run: the entry just taken from the head (key, value val) is an
 * order-0 page at model pfn at, and the ring's next entries hold the pages after it in an
 * aligned block of at most limit pages: the block goes in one model_free_contig_range(),
 * which leaves the model as the page-by-page frees in a row do (model.h), and each page is
 * forgotten as lru_shrink() forgets one. Returns the pages reclaimed, their entries taken
 * from the ring; 0 (nothing done) when there is no such block.
 */
static uint64_t __attribute__((noinline))
lru_shrink_run(struct variant_state *v, uint64_t key, uint64_t val, uint64_t at, uint64_t limit)
{
	struct page_cache_lru *l = &v->lru;
	uint64_t vals[1u << PAGEBLOCK_ORDER];
	unsigned order = lru_run_order(v, at, limit, vals);

	if (!order || model_free_contig_range(v->model, at, order) != MODEL_OK)
		return 0;
	vals[0] = val;
	for (uint64_t i = 0; i < 1ull << order; i++) {
		if (i)
			key = lru_ring_get(l, l->head + i - 1).key;
		lru_reclaimed(v, key, at + i, vals[i], 0);
	}
	l->head = (l->head + (1u << order) - 1) & (l->cap - 1);
	l->count -= (1u << order) - 1;
	return 1ull << order;
}

/*
 * shrink_lru hook: the warm page cache first, then the trace's, oldest first. An order-0
 * page that starts an aligned run of the next entries' pages goes with them as a block
 * (lru_shrink_run).
 */
static uint64_t lru_shrink(void *ctx, int nid, uint64_t nr)
{
	struct variant_state *v = ctx;
	struct page_cache_lru *l = &v->lru;
	uint64_t got = shrink_warm(v, nr), val;

	(void)nid;
	while (got < nr && l->count) {
		struct lru_entry e = lru_ring_get(l, l->head);
		l->head = (l->head + 1) & (l->cap - 1);
		l->count--;
		if (!entry_valid(v, &e, &val))
			continue;
		uint64_t at = val & FWD_PFN_MASK, run;
		unsigned order = FWD_ORDER(val);
		if (!order && !(at & 1) && (run = lru_shrink_run(v, e.key, val, at, nr - got))) {
			got += run;
			continue;
		}
		/* model_free() refuses, changing nothing, unless the model holds the
		 * allocation at that order */
		if (model_free(v->model, at, order) != MODEL_OK)
			continue;
		lru_reclaimed(v, e.key, at, val, order);
		got += 1ull << order;
	}
	return got;
}

static uint64_t lru_pages(void *ctx, int nid)
{
	struct variant_state *v = ctx;
	(void)nid;
	return v->lru.live + v->lru.warm_left;
}

/* drain_all_pages hook: every per-CPU list of every CPU back to the buddy lists. */
static void lru_drain_pcp(void *ctx)
{
	variant_pcp_drain_all(ctx);
}

/*
 * Evacuation's clean-page-cache hook (reclaim_clean_pages_from_list): an allocation this
 * variant knows as page cache is forgotten and reported dropped, and the model frees it
 * instead of migrating it. Page cache of the trace is known by its fwd entry, page cache of
 * the start state by the start map's class (under its trace name, the placed start's too).
 */
static bool lru_reclaim_clean(void *ctx, uint64_t pfn, unsigned order)
{
	struct variant_state *v = ctx;
	const struct host_desc *h = v->host;
	uint64_t key, val, name = pfn;

	if (variant_rev_get(v, pfn, &key)) {
		if (!pfn_map_get(&v->fwd, key, &val) || !(val & FWD_PAGECACHE) ||
		    FWD_ORDER(val) != order || (val & FWD_PFN_MASK) != pfn)
			return false;
		pfn_map_del(&v->fwd, key);
		variant_rev_del(v, pfn);
		variant_lru_forget(v, val);
		reclaimed_set(v, key, order);
		return true;
	}
	if (v->start_name)
		name = pfn < v->warm_pfns ? v->start_name[pfn] : START_NONE;
	if (name == START_NONE || !warm_test(v, name))
		return false;
	for (uint64_t q = name; q < name + (1ull << order); q++)
		if (page_class(h->start_map, h->start_map_pfns, q) != PC_PAGECACHE)
			return false;
	variant_lru_warm_gone(v, name, order);
	for (uint64_t q = name; q < name + (1ull << order); q++)
		warm_clear(v, q);
	if (v->start_name)
		v->start_name[pfn] = START_NONE;
	reclaimed_set(v, name, order);
	return true;
}

/* After the start state: count the warm page cache and hand the model the hooks. */
int variant_lru_init(struct variant_state *v)
{
	const struct host_desc *h = v->host;
	struct model_reclaim_ops ops = { .shrink_lru = lru_shrink,
					 .lru_pages = lru_pages,
					 .drain_pages = lru_drain_pcp,
					 .ctx = v };

	v->lru.reclaimed = calloc((size_t)(v->warm_pfns / 64 + 1), sizeof(uint64_t));
	v->lru.start_pagecache = calloc((size_t)(v->warm_pfns / 64 + 1), sizeof(uint64_t));
	if (!v->lru.reclaimed || !v->lru.start_pagecache)
		return MODEL_ENOMEM;
	for (uint64_t p = 0; h->start_map && p < v->warm_pfns; p++) {
		if (page_class(h->start_map, h->start_map_pfns, p) != PC_PAGECACHE)
			continue;
		v->lru.start_pagecache[p / 64] |= 1ull << (p % 64);
		if (warm_test(v, p))
			v->lru.warm_left++;
	}
	model_set_reclaim_ops(v->model, &ops);
	model_set_reclaim_clean_callback(v->model, lru_reclaim_clean, v);
	return MODEL_OK;
}

/* A warm page leaves the warm start's care (freed by the trace, or migrated). */
void variant_lru_warm_gone(struct variant_state *v, uint64_t pfn, unsigned order)
{
	const struct host_desc *h = v->host;

	for (uint64_t p = pfn; p < pfn + (1ull << order) && v->lru.warm_left; p++)
		if (page_class(h->start_map, h->start_map_pfns, p) == PC_PAGECACHE)
			v->lru.warm_left--;
}

void variant_lru_destroy(struct variant_state *v)
{
	if (v->lru.ring_key)
		munmap(v->lru.ring_key, v->lru.cap * sizeof(*v->lru.ring_key));
	if (v->lru.ring_stamp)
		munmap(v->lru.ring_stamp, v->lru.cap);
	v->lru.ring_key = NULL;
	v->lru.ring_stamp = NULL;
	free(v->lru.reclaimed);
	free(v->lru.start_pagecache);
}
