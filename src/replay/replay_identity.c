// SPDX-License-Identifier: GPL-2.0
/*
 * replay_identity.c - which model allocation a trace pfn names, in one variant.
 *
 * fwd maps a live allocation's trace pfn to its model pfn, order and type; rev maps the model
 * pfn back, so a migration the model reports (evacuation, defrag) can be followed. Both are
 * flat arrays over the layout's pfns (pfn_map: one load per lookup). Pages the start state
 * allocated have no entry: a bit per trace pfn marks them until they are freed or moved; the
 * warm start took them at their own pfn, the placed start where the policy chose (start_at and
 * start_name translate). A page-cache entry also carries FWD_PAGECACHE and its LRU stamp
 * (replay_reclaim.c); pages reclaimed have no entry, only a bit. Invariant: a model pfn is in
 * rev exactly when some fwd entry points at it.
 */
#include "replay_internal.h"

/* The model moved an allocation (evacuation, defrag): follow it in the identity maps. */
void variant_on_migrate(void *ctx, uint64_t old_pfn, uint64_t new_pfn, unsigned order)
{
	struct variant_state *v = ctx;
	uint64_t key, val;

	if (variant_rev_get(v, old_pfn, &key)) {
		variant_rev_del(v, old_pfn);
		if (pfn_map_get(&v->fwd, key, &val))
			pfn_map_put(&v->fwd, key, (val & ~FWD_PFN_MASK) | new_pfn);
		variant_rev_put(v, new_pfn, key);
	} else if (!variant_compaction_moved(v, old_pfn, new_pfn)) {
		/* a start page: its trace name is its own pfn, or the placed start's name for it
		 * (page cache stays page cache, now as the LRU's newest) */
		uint64_t name = old_pfn;
		if (v->start_name)
			name = old_pfn < v->warm_pfns ? v->start_name[old_pfn] : START_NONE;
		if (name == START_NONE || !warm_test(v, name))
			return;
		warm_clear(v, name);
		if (v->start_name)
			v->start_name[old_pfn] = START_NONE;
		pfn_map_put(&v->fwd, name, FWD_VAL(new_pfn, order, MIGRATE_MOVABLE));
		variant_rev_put(v, new_pfn, name);
		if (v->lru.reclaimed &&
		    page_class(v->host->start_map, v->host->start_map_pfns, name) == PC_PAGECACHE) {
			variant_lru_warm_gone(v, name, order);
			variant_lru_add(v, name);
		}
	}
}

/*
 * The order of the block of start pages at trace pfn p, before end, that can go in one
 * model_free_contig_range(): each page warm (or warm_only unset), held as an order-0 allocation
 * at the next model pfn, the first model pfn aligned to the block. 0 for a single page (or
 * none): the page-by-page path then does what it always did.
 */
static unsigned warm_block_order(struct variant_state *v, uint64_t p, uint64_t end, bool warm_only)
{
	uint64_t at = start_model_pfn(v, p), n = 0, max;
	unsigned o;

	if (at == UINT64_MAX || (at & 1) || end - p < 2)
		return 0;
	max = 1ull << (at ? __builtin_ctzll(at) : 63);
	if (max > PAGEBLOCK_NR_PAGES)
		max = PAGEBLOCK_NR_PAGES;
	while (max > end - p)
		max >>= 1;
	while (n < max && (!warm_only || warm_test(v, p + n)) &&
	       start_model_pfn(v, p + n) == at + n &&
	       model_page_allocated(v->model, at + n, &o) == 1 && o == 0)
		n++;
	return n < 2 ? 0 : 63 - (unsigned)__builtin_clzll(n);
}

/* The start block of 2^order pages at trace pfn p (model pfn at), freed: the start's no more. */
static void warm_forget(struct variant_state *v, uint64_t p, uint64_t at, unsigned order)
{
	if (v->lru.reclaimed && warm_test(v, p))
		variant_lru_warm_gone(v, p, order);
	warm_clear(v, p);
	if (v->start_name)
		v->start_name[at] = START_NONE;
}

/*
 * warm_forget() of each page of a block warm_block_order() found, every page warm when
 * warm_only: the LRU's count of warm page cache moved once for the block (the same as page by
 * page: variant_lru_warm_gone walks the pages in order), the warm bits cleared a word at a time.
 */
static void warm_forget_block(struct variant_state *v, uint64_t p, uint64_t at, unsigned o,
			      bool warm_only)
{
	const uint64_t n = 1ull << o;

	if (!warm_only) {
		for (uint64_t i = 0; i < n; i++)
			warm_forget(v, p + i, at + i, 0);
		return;
	}
	if (v->lru.reclaimed)
		variant_lru_warm_gone(v, p, o);
	/* every page warm, so below warm_pfns */
	for (uint64_t q = p, end = p + n; q < end;) {
		uint64_t bits = end - q < 64 - q % 64 ? end - q : 64 - q % 64;
		uint64_t mask = bits == 64 ? ~0ull : ((1ull << bits) - 1) << (q % 64);
		v->warm[q / 64] &= ~mask;
		q += bits;
	}
	if (v->start_name)
		for (uint64_t i = 0; i < n; i++)
			v->start_name[at + i] = START_NONE;
}

/*
 * Free the start pages of [pfn, pfn + 2^order) the model still holds, in ascending order: a
 * run of order-0 pages in one model call per aligned block (model_free_contig_range, which
 * leaves the model as the page-by-page frees would), anything else page by page. With
 * warm_only, the pages without a warm bit are skipped a bitmap word at a time (warm_next): on
 * the pressure traces most pages of the ranges freed here (the rest of a reclaimed folio) have
 * none.
 */
uint64_t variant_free_warm_range(struct variant_state *v, uint64_t pfn, unsigned order,
				 bool warm_only)
{
	const uint64_t end = pfn + (1ull << order);
	uint64_t freed = 0;

	for (uint64_t p = pfn; p < end;) {
		if (warm_only && !warm_test(v, p)) {
			p = warm_next(v, p, end);
			if (p >= end)
				break;
		}
		unsigned o = warm_block_order(v, p, end, warm_only);
		uint64_t at = start_model_pfn(v, p);
		/* warm_block_order() checked every page, so the block free cannot refuse */
		if (o && model_free_contig_range(v->model, at, o) == MODEL_OK) {
			warm_forget_block(v, p, at, o, warm_only);
			freed += 1ull << o;
			p += 1ull << o;
			continue;
		}
		if ((!warm_only || warm_test(v, p)) &&
		    model_page_allocated(v->model, at, &o) == 1 &&
		    model_free(v->model, at, o) == MODEL_OK) {
			warm_forget(v, p, at, o);
			freed += 1ull << o;
			p += 1ull << o;
		} else {
			p++;
		}
	}
	return freed;
}

/* variant_identity_add() through the maps' general calls: the trace pfn may be mapped already,
 * a key may be out of a flat array's range, the maps may hold spilled keys. */
static __attribute__((noinline)) void
identity_add_slow(struct variant_state *v, const struct replay_op *op, uint64_t at, uint64_t val)
{
	uint64_t old;
	if (pfn_map_get(&v->fwd, op->key, &old)) {
		/* the trace reuses a pfn whose free we never saw: the old allocation stays */
		v->res->loss.orphaned_allocations++;
		variant_rev_del(v, old & FWD_PFN_MASK);
		variant_lru_forget(v, old);
	}
	pfn_map_put(&v->fwd, op->key, val);
	variant_rev_put(v, at, op->key);
}

/*
 * Remember that trace pfn key now lives at model pfn at. Nearly always the key is unmapped and
 * both puts take their flat arrays' fast paths (pfn_map_put_flat, pfn_map32_put_flat): then
 * pfn_map_get() finds nothing and both puts store into the flat arrays, which is all this does
 * (two stores, with no registers saved for the general path, identity_add_slow).
 */
void variant_identity_add(struct variant_state *v, const struct replay_op *op, uint64_t at)
{
	const uint64_t key = op->key, val = FWD_VAL(at, op->order, (unsigned)op->mt & 7);

	if (pfn_map_put_flat(&v->fwd, key, val) && !v->fwd.flat[key] &&
	    pfn_map32_put_flat(&v->rev, at, key)) {
		v->fwd.flat[key] = val + 1;
		v->rev.flat[at] = (uint32_t)(key + 1);
		return;
	}
	identity_add_slow(v, op, at, val);
}

/*
 * variant_identity_add() then variant_lru_add() of a page-cache allocation, the fwd value
 * stored once, stamped. On the fast path the key had no entry, so no ring entry is valid for
 * it (the ring is compacted by validity) whether the stamp comes before the store or after;
 * otherwise the two calls in their order.
 */
void variant_identity_add_lru(struct variant_state *v, const struct replay_op *op, uint64_t at)
{
	const uint64_t key = op->key, val = FWD_VAL(at, op->order, (unsigned)op->mt & 7);

	if (pfn_map_put_flat(&v->fwd, key, val) && !v->fwd.flat[key] &&
	    pfn_map32_put_flat(&v->rev, at, key)) {
		v->fwd.flat[key] = variant_lru_stamp(v, key, val) + 1;
		v->rev.flat[at] = (uint32_t)(key + 1);
		return;
	}
	identity_add_slow(v, op, at, val);
	variant_lru_add(v, key);
}

/* A free of an order-0 page inside a larger live allocation: split_page() it first. */
bool variant_split_containing(struct variant_state *v, uint64_t pfn)
{
	for (unsigned k = 1; k <= MAX_PAGE_ORDER; k++) {
		uint64_t base = pfn & ~((1ull << k) - 1), val;
		if (!pfn_map_get(&v->fwd, base, &val) || FWD_ORDER(val) < k)
			continue;
		unsigned order = FWD_ORDER(val);
		uint64_t at = val & FWD_PFN_MASK;
		if (model_split(v->model, at, order) != MODEL_OK)
			return false;
		variant_rev_del(v, at);
		variant_lru_forget(v, val); /* the pieces are not on the LRU */
		for (uint64_t i = 0; i < (1ull << order); i++) {
			pfn_map_put(&v->fwd, base + i, FWD_VAL(at + i, 0, FWD_MT(val)));
			variant_rev_put(v, at + i, base + i);
		}
		return true;
	}
	return false;
}
