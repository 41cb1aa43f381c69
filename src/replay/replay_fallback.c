// SPDX-License-Identifier: GPL-2.0
/*
 * replay_fallback.c - the kernel's callers of a failed movable folio allocation, replayed.
 *
 * A movable allocation of order > 0 with __GFP_NORETRY is a caller that can do with less:
 * page_cache_ra_order() falls back to order-0 readahead (do_page_cache_ra), __filemap_get_folio()
 * with FGP_CREAT tries order - 1 down to its min order (still __GFP_NORETRY above it), the
 * anonymous fault path (alloc_anon_folio, the THP fault) smaller mTHP orders and then order 0,
 * and alloc_pages_mpol() retries a THP's __GFP_THISNODE|__GFP_NORETRY first attempt without
 * those two flags; when that retry fails too, do_huge_pmd_anonymous_page() returns
 * VM_FAULT_FALLBACK and the fault is served by smaller folios (a THP: order HPAGE_PMD_ORDER,
 * movable, __GFP_COMP | __GFP_NOMEMALLOC, as GFP_TRANSHUGE has them). The host served the folio
 * at its order; a variant that fails it would have served the caller with smaller folios, and
 * holds that memory.
 *
 * Replay does the same (switch caller_fallback, on by default but for mainline, whose callers'
 * fallbacks are the trace's own events): a THP first attempt is retried
 * at its order without __GFP_THISNODE|__GFP_NORETRY; then a write folio (__GFP_WRITE) tries
 * order - 1, order - 2, ... 0 (__GFP_NORETRY dropped at order 0, the min order); a THP (a first
 * attempt or the retry itself, which has no __GFP_NORETRY) falls back to order-0 faults, one a
 * page, without __GFP_NORETRY: alloc_anon_folio() (and shmem's fault) tries only the mTHP
 * orders enabled in /sys/kernel/mm/transparent_hugepage/hugepages-<size>/enabled, which by
 * default is none below the PMD order ("inherit" for hugepages-2048kB only), and the trace's
 * snapshots record no per-size setting (docs/replay.md); any other request (readahead's) order
 * 0 with __GFP_NORETRY as do_page_cache_ra(): the trace range
 * [pfn, pfn + 2^order) is covered by pieces, each an identity-map entry of its own under the
 * trace pfn it starts at. Each piece is a call of its own, as the write loop's next
 * write_begin() (or the next fault) is: it starts at the largest order its offset in the range
 * is aligned to (__filemap_get_folio()'s "if (index & ((1UL << order) - 1)) order =
 * __ffs(index)"; the first piece at order - 1) and goes down by one until one succeeds, so a
 * piece after a small one tries the larger orders again. Should order 0 fail too, the pieces are
 * freed and the allocation counts as failed (host_served_policy_failed).
 *
 * Invariants: a piece is naturally aligned inside the trace range, so a split (order-0 free of
 * a tail) and a migration follow it as any allocation; a bit per trace pfn (fallback) marks
 * where a piece starts, and a free of order > 0 at a marked pfn frees every piece (and every
 * reclaimed page) of its range, so the host's free of the folio, or of part of it at a piece
 * boundary, frees all the memory the variant took for it.
 *
 * Expected workload: rare (a few hundred fallbacks in a pressure trace), up to 2^order model
 * allocations each; the order-0 pieces of a THP or readahead go to model_alloc_run() in runs
 * (at most FALLBACK_RUN_MAX a call), which makes those its CPU's warm hint serves from one
 * block at once, and the rest one model_alloc() each.
 */
#include "replay_internal.h"

#include <stdlib.h>

/* The order-0 pieces asked of model_alloc_run() at once, at most. */
#define FALLBACK_RUN_MAX 128

static bool fallback_test(const struct variant_state *v, uint64_t pfn)
{
	return v->fallback && pfn < v->warm_pfns && (v->fallback[pfn / 64] >> (pfn % 64)) & 1;
}

static void fallback_set(struct variant_state *v, uint64_t pfn)
{
	v->fallback[pfn / 64] |= 1ull << (pfn % 64);
}

/* The trace allocates pfn anew: no piece starts there any more. */
void variant_fallback_forget(struct variant_state *v, uint64_t pfn)
{
	if (fallback_test(v, pfn))
		v->fallback[pfn / 64] &= ~(1ull << (pfn % 64));
}

/* One live allocation of the identity maps, at trace pfn key, given back to the model. */
static void fallback_free_piece(struct variant_state *v, const struct replay_op *op, uint64_t key,
				uint64_t val)
{
	uint64_t at = val & FWD_PFN_MASK;
	unsigned order = FWD_ORDER(val);

	bool kept = (op->flags & OPF_COMPACT_SRC) &&
		    variant_compaction_source(v, key, at, order, FWD_MT(val) == MIGRATE_MOVABLE);
	pfn_map_del(&v->fwd, key);
	variant_rev_del(v, at);
	variant_lru_forget(v, val);
	if (!kept && model_free(v->model, at, order) != MODEL_OK)
		v->res->loss.unknown_page_frees++;
}

/*
 * The trace frees [pfn, pfn + 2^order) where a fallback piece starts: free every piece in the
 * range, and take back every page of it the variant reclaimed. False: not such a free.
 */
bool variant_fallback_free(struct variant_state *v, const struct replay_op *op)
{
	uint64_t end = op->key + (1ull << op->order), val;
	bool reclaimed = false;

	if (!op->order || !fallback_test(v, op->key) || end > v->warm_pfns)
		return false;
	for (uint64_t p = op->key; p < end;) {
		variant_fallback_forget(v, p);
		if (variant_reclaimed_take(v, p, 0)) {
			reclaimed = true;
			p++;
		} else if (pfn_map_get(&v->fwd, p, &val)) {
			fallback_free_piece(v, op, p, val);
			p += 1ull << FWD_ORDER(val);
		} else {
			p++;
		}
	}
	if (reclaimed)
		v->res->loss.page_frees_after_reclaim++;
	return true;
}

/* The piece of order k at trace pfn p, at model pfn at: in the identity maps and the LRU. */
static void fallback_add_piece(struct variant_state *v, struct replay_op *piece, uint64_t p,
			       unsigned k, uint64_t at, bool page_cache)
{
	piece->key = p;
	piece->order = (uint8_t)k;
	/* a page-cache piece's fwd value stored once, stamped (variant_identity_add_lru: the
	 * same as variant_identity_add() then variant_lru_add(), which the LRU ignores the
	 * fallback bits for) */
	if (page_cache)
		variant_identity_add_lru(v, piece, at);
	else
		variant_identity_add(v, piece, at);
	fallback_set(v, p);
}

/* A movable folio: model_alloc() marks it movable (req->movable) as it allocates it. */
static bool fallback_alloc(struct variant_state *v, struct model_alloc_req *req, uint64_t *at)
{
	return model_alloc(v->model, req, at) == MODEL_OK;
}

/* Undo a fallback that order 0 could not finish: the pieces in [key, end) go back. */
static void fallback_undo(struct variant_state *v, const struct replay_op *op, uint64_t end)
{
	uint64_t val;
	for (uint64_t p = op->key; p < end;) {
		variant_fallback_forget(v, p);
		if (pfn_map_get(&v->fwd, p, &val)) {
			pfn_map_del(&v->fwd, p);
			variant_rev_del(v, val & FWD_PFN_MASK);
			variant_lru_forget(v, val);
			model_free(v->model, val & FWD_PFN_MASK, FWD_ORDER(val));
			p += 1ull << FWD_ORDER(val);
		} else {
			p++;
		}
	}
}

/* A THP (GFP_TRANSHUGE or _LIGHT at HPAGE_PMD_ORDER): its fault falls back to smaller folios. */
static bool fallback_is_thp(const struct replay_op *op)
{
	const uint32_t thp = MODEL_GFP_COMP | MODEL_GFP_NOMEMALLOC;
	return op->order == PAGEBLOCK_ORDER && (op->gfp & thp) == thp;
}

/*
 * What kind of caller a failed movable folio's is: a THP's fault (GFP_TRANSHUGE's
 * __GFP_COMP | __GFP_NOMEMALLOC at the PMD order, or its __GFP_THISNODE | __GFP_NORETRY first
 * attempt), a page-cache write (__GFP_WRITE: __filemap_get_folio()), or readahead (the rest).
 */
enum fallback_caller replay_fallback_caller(const struct replay_op *op)
{
	const uint32_t thp_first = MODEL_GFP_THISNODE | MODEL_GFP_NORETRY;

	if ((op->gfp & thp_first) == thp_first || fallback_is_thp(op))
		return FALLBACK_THP;
	return (op->gfp & MODEL_GFP_WRITE) ? FALLBACK_WRITE : FALLBACK_READAHEAD;
}

/*
 * The order the caller first asks for the piece at trace pfn p of op's range: a write's
 * __filemap_get_folio() call, the largest order p's offset is aligned to (op's own order less
 * one for the first piece, which op's failure already tried); readahead's do_page_cache_ra()
 * and a THP's order-0 faults (no smaller mTHP order enabled): order 0.
 */
unsigned replay_fallback_piece_order(const struct replay_op *op, uint64_t p,
				     enum fallback_caller caller)
{
	if (caller != FALLBACK_WRITE || !op->order)
		return 0;
	if (p == op->key)
		return op->order - 1u;
	return (unsigned)__builtin_ctzll(p - op->key);
}

/*
 * The gfp of a fallback's order-0 pieces: readahead's stays NORETRY; the write path's last try
 * drops NORETRY; a THP's fault takes do_anonymous_page()'s order-0 folio
 * (vma_alloc_zeroed_movable_folio(): GFP_HIGHUSER_MOVABLE | __GFP_ZERO, accounted as the THP
 * was) whatever the THP's gfp was: a GFP_TRANSHUGE_LIGHT THP could not reclaim, its fault's
 * page can.
 */
uint32_t replay_fallback_last_gfp(enum fallback_caller caller, uint32_t piece_gfp)
{
	if (caller == FALLBACK_READAHEAD)
		return piece_gfp;
	if (caller == FALLBACK_THP)
		return MODEL_GFP_HIGHUSER_MOVABLE | MODEL_GFP_ZERO |
		       (piece_gfp & MODEL_GFP_ACCOUNT);
	return piece_gfp & ~(uint32_t)MODEL_GFP_NORETRY;
}

/*
 * Order-0 pieces from trace pfn p towards end (readahead's and a THP fault's): the calls the warm
 * hint serves at once (model_alloc_run), up to FALLBACK_RUN_MAX of them, each recorded as a piece.
 * Returns how many; 0 when the next call must be made alone (fallback_alloc).
 */
static unsigned fallback_take_run(struct variant_state *v, const struct model_alloc_req *req,
				  struct replay_op *piece, uint64_t p, uint64_t end,
				  bool page_cache)
{
	uint64_t run[FALLBACK_RUN_MAX];
	unsigned max = end - p < FALLBACK_RUN_MAX ? (unsigned)(end - p) : FALLBACK_RUN_MAX;
	unsigned n = model_alloc_run(v->model, req, max, run);

	for (unsigned i = 0; i < n; i++)
		fallback_add_piece(v, piece, p + i, 0, run[i], page_cache);
	return n;
}

/*
 * The variant failed op, which the host served: serve it as the kernel's caller would.
 * True when served (the identity maps hold it, as one block or as pieces).
 */
bool variant_caller_fallback(struct variant_state *v, const struct replay_op *op)
{
	const uint32_t thp_first = MODEL_GFP_THISNODE | MODEL_GFP_NORETRY;
	uint64_t end = op->key + (1ull << op->order), at;
	struct model_alloc_req req = { .migratetype = MIGRATE_MOVABLE,
				       .gfp = op->gfp,
				       .nid = op->nid,
				       .cpu = op->cpu,
				       .movable = true };
	struct replay_op piece = *op;

	if (!v->res->spec.caller_fallback || !op->order || op->mt != MIGRATE_MOVABLE ||
	    !((op->gfp & MODEL_GFP_NORETRY) || fallback_is_thp(op)) ||
	    op->key & ((1ull << op->order) - 1) || end > v->warm_pfns)
		return false;
	if (!v->fallback) {
		v->fallback = calloc((size_t)(v->warm_pfns / 64 + 1), sizeof(uint64_t));
		if (!v->fallback)
			return false;
	}
	if ((op->gfp & thp_first) == thp_first) {
		/* alloc_pages_mpol(): the THP again, on any node and with retries */
		req.order = op->order;
		req.gfp = op->gfp & ~thp_first;
		if (fallback_alloc(v, &req, &at)) {
			variant_identity_add(v, op, at);
			v->res->loss.caller_fallback_served++;
			v->res->loss.caller_fallback_thp_retry++;
			v->res->loss.caller_fallback_pages += 1ull << op->order;
			return true;
		}
		piece.gfp = req.gfp | MODEL_GFP_NORETRY; /* the smaller orders: no THISNODE */
	} else if (!(op->gfp & MODEL_GFP_NORETRY)) {
		piece.gfp = op->gfp | MODEL_GFP_NORETRY; /* the THP retry failed: as above */
	}
	/* readahead goes straight to order 0, still NORETRY; the write path tries every order,
	 * the last without NORETRY; the THP fault order 0 without NORETRY */
	enum fallback_caller caller = replay_fallback_caller(op);
	uint32_t last_gfp = replay_fallback_last_gfp(caller, piece.gfp);
	unsigned k = replay_fallback_piece_order(op, op->key, caller);
	bool page_cache = replay_is_page_cache(op);
	for (uint64_t p = op->key; p < end;) {
		req.order = k;
		req.gfp = k ? piece.gfp : last_gfp;
		if (caller != FALLBACK_WRITE) {
			unsigned n = fallback_take_run(v, &req, &piece, p, end, page_cache);
			p += n;
			if (n)
				continue;
		}
		if (!fallback_alloc(v, &req, &at)) {
			if (k--)
				continue;
			fallback_undo(v, op, p);
			return false;
		}
		fallback_add_piece(v, &piece, p, k, at, page_cache);
		p += 1ull << k;
		if (p < end)
			k = replay_fallback_piece_order(op, p, caller);
	}
	v->res->loss.caller_fallback_served++;
	v->res->loss.caller_fallback_pages += 1ull << op->order;
	return true;
}
