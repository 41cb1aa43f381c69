// SPDX-License-Identifier: GPL-2.0
/*
 * model_ref.c - a slow, obviously-correct reference of the superpageblock policy.
 *
 * Written from ../shared/reference/spb-allocator.md independently of src/model/, with the
 * plainest data structures: one byte array per page attribute, free lists as arrays whose
 * element 0 is the list head (inserting at the head shifts the array), SPB lists as arrays of
 * SPB numbers, and no cached counter at all: every SPB counter is recounted from the pageblock
 * bits each time it is needed. It is slow (linear in list lengths and SPB sizes) and only for
 * tests, which drive it in lockstep with the fast model and compare every result.
 *
 * Scope: the allocation passes, claim, steal, the refusal gate, the relax ladder, the
 * HIGHATOMIC reserve (rmqueue_buddy's tries, reserving after a high-order atomic allocation,
 * unreserving before the slowpath gives up), the watermark test (__GFP_HIGH and GFP_ATOMIC's
 * lower marks, free HIGHATOMIC pages not counted without reserve rights) and the slowpath
 * without evacuation, reclaim or direct compaction (its NORETRY and costly exits included;
 * lockstep runs turn direct compaction off, test_model_slowpath covers it, and give the model
 * nothing to reclaim, so the unreserve after a direct reclaim that made progress never runs
 * there: test_model_slowpath covers that too); one node. Workers are not part of it
 * (lockstep runs turn them off in the fast model).
 */
#include "model_ref.h"

#include <stdlib.h>
#include <string.h>

enum { NONE, FREE, USED };
#define PB	  9
#define PBN	  512u
#define SPB_PAGES (1ull << 18)

struct vec {
	uint64_t *v;
	size_t n, cap;
};

static void vec_insert(struct vec *a, size_t at, uint64_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		a->v = realloc(a->v, a->cap * sizeof(*a->v));
	}
	memmove(a->v + at + 1, a->v + at, (a->n - at) * sizeof(*a->v));
	a->v[at] = x;
	a->n++;
}

static void vec_remove(struct vec *a, uint64_t x)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i] == x) {
			memmove(a->v + i, a->v + i + 1, (a->n - i - 1) * sizeof(*a->v));
			a->n--;
			return;
		}
	abort(); /* not on the list: the reference itself is broken */
}

struct rspb {
	uint64_t start;
	struct vec list[11][6];
	int list_id;
};

struct rzone {
	uint64_t start, end, base;
	int type;
	int hint[11][3]; /* SPB that last served Pass 1, -1 none */
	unsigned nspb;
	struct rspb *spb;
	struct vec lists[13];
	uint64_t reserved_ha;	       /* nr_reserved_highatomic */
	uint64_t wmin, wlow;	       /* watermarks, in pages */
	uint64_t lowmem[MAX_NR_ZONES]; /* lowmem_reserve by the request's highest zone */
};

struct ref_model {
	struct model_params p;
	uint64_t base, end;
	uint8_t *kind, *order, *mt; /* per page */
	uint8_t *pb_mt, *pb_unmov, *pb_recl, *pb_mov, *pb_allfree, *pb_reserved, *pb_zone;
	unsigned nzones;
	struct rzone zones[MODEL_MAX_ZONES];
	bool has_dma32;
	int cpu, ncpus;
	int (*slot)[4][11][3][2];	 /* per CPU and zone type: {zone, spb}, zone -1 for none */
	struct ref_highatomic_counts ha; /* what the HIGHATOMIC reserve did */
	bool pass1_hit;			 /* Pass 1 found a block on the type's own lists */
};

/* alloc_flags bits of the reference's own */
#define NOFRAG_REF		     1u
#define TAINTED_OK_REF		     2u
#define ALLOC_HIGHORDER_OPTIONAL_REF 4u
#define HIGHATOMIC_REF		     8u
#define NON_BLOCK_REF		     16u
#define WMARK_LOW_REF		     32u /* the fast path's mark; the slowpath's is min */
#define MIN_RESERVE_REF		     64u /* __GFP_HIGH: half the mark (3/8 with NON_BLOCK) */

#define PBI(r, pfn) (((pfn) - (r)->base) >> PB)
#define PGI(r, pfn) ((pfn) - (r)->base)

static struct rzone *zone_of(struct ref_model *r, uint64_t pfn)
{
	return &r->zones[r->pb_zone[PBI(r, pfn)]];
}
static struct rspb *spb_of(struct ref_model *r, uint64_t pfn)
{
	struct rzone *z = zone_of(r, pfn);
	return &z->spb[(pfn - z->base) >> 18];
}

/* ---- counters, always recounted ---- */
static void spb_range(struct rzone *z, struct rspb *s, uint64_t *lo, uint64_t *hi)
{
	*lo = s->start > z->start ? s->start : z->start;
	*hi = s->start + SPB_PAGES < z->end ? s->start + SPB_PAGES : z->end;
}

static unsigned count_pbs(struct ref_model *r, struct rzone *z, struct rspb *s, uint8_t *bits,
			  bool want_reserved)
{
	uint64_t lo, hi;
	unsigned n = 0;
	spb_range(z, s, &lo, &hi);
	for (uint64_t p = lo; p < hi; p += PBN) {
		if (r->pb_reserved[PBI(r, p)] != want_reserved)
			continue;
		n += bits ? bits[PBI(r, p)] : 1;
	}
	return n;
}

static unsigned total_pbs(struct ref_model *r, struct rzone *z, struct rspb *s)
{
	return count_pbs(r, z, s, NULL, false) + count_pbs(r, z, s, NULL, true);
}
static unsigned reserve_of(struct ref_model *r, struct rzone *z, struct rspb *s)
{
	unsigned v = total_pbs(r, z, s) / r->p.spb_tainted_reserve_divisor;
	return v > r->p.spb_tainted_reserve_min ? v : r->p.spb_tainted_reserve_min;
}
static uint64_t free_pages_of(struct rspb *s)
{
	uint64_t n = 0;
	for (int o = 0; o < 11; o++)
		for (int t = 0; t < 6; t++)
			n += s->list[o][t].n << o;
	return n;
}
#define NR_FREE(r, z, s)  count_pbs(r, z, s, (r)->pb_allfree, false)
#define NR_UNMOV(r, z, s) count_pbs(r, z, s, (r)->pb_unmov, false)
#define NR_RECL(r, z, s)  count_pbs(r, z, s, (r)->pb_recl, false)
#define NR_MOV(r, z, s)	  count_pbs(r, z, s, (r)->pb_mov, false)
#define NR_RSV(r, z, s)	  count_pbs(r, z, s, NULL, true)

static bool tainted(struct ref_model *r, struct rzone *z, struct rspb *s)
{
	return NR_UNMOV(r, z, s) || NR_RECL(r, z, s) || NR_RSV(r, z, s);
}

static int list_for(struct ref_model *r, struct rzone *z, struct rspb *s)
{
	unsigned total = total_pbs(r, z, s), used;
	int cat = tainted(r, z, s), full;
	if (NR_FREE(r, z, s) == total)
		return 1;
	used = cat ? NR_UNMOV(r, z, s) + NR_RECL(r, z, s) : total - NR_FREE(r, z, s);
	if (!total || used >= total)
		full = 0;
	else if (used >= 384)
		full = 1;
	else if (used >= 256)
		full = 2;
	else if (used >= 128)
		full = 3;
	else
		full = 4;
	return 3 + cat * 5 + full;
}

static void update_list(struct ref_model *r, struct rzone *z, struct rspb *s)
{
	uint64_t id = (uint64_t)(s - z->spb);
	vec_remove(&z->lists[s->list_id], id);
	s->list_id = list_for(r, z, s);
	vec_insert(&z->lists[s->list_id], z->lists[s->list_id].n, id);
}

static void set_has(struct ref_model *r, uint64_t pfn, int mt)
{
	size_t b = PBI(r, pfn);
	if (mt == MIGRATE_UNMOVABLE || mt == MIGRATE_HIGHATOMIC)
		r->pb_unmov[b] = 1;
	else if (mt == MIGRATE_RECLAIMABLE)
		r->pb_recl[b] = 1;
	else if (mt == MIGRATE_MOVABLE || mt == MIGRATE_CMA)
		r->pb_mov[b] = 1;
}

static void clear_has(struct ref_model *r, uint64_t pfn, int mt)
{
	size_t b = PBI(r, pfn);
	if (mt == MIGRATE_UNMOVABLE || mt == MIGRATE_HIGHATOMIC)
		r->pb_unmov[b] = 0;
	else if (mt == MIGRATE_RECLAIMABLE)
		r->pb_recl[b] = 0;
	else if (mt == MIGRATE_MOVABLE || mt == MIGRATE_CMA)
		r->pb_mov[b] = 0;
}

/* ---- free lists ---- */
static void list_add(struct ref_model *r, uint64_t pfn, int order, int mt, bool tail)
{
	struct vec *l = &spb_of(r, pfn)->list[order][mt];
	vec_insert(l, tail ? l->n : 0, pfn);
	r->kind[PGI(r, pfn)] = FREE;
	r->order[PGI(r, pfn)] = (uint8_t)order;
	r->mt[PGI(r, pfn)] = (uint8_t)mt;
}

static void list_del(struct ref_model *r, uint64_t pfn)
{
	vec_remove(&spb_of(r, pfn)->list[r->order[PGI(r, pfn)]][r->mt[PGI(r, pfn)]], pfn);
	r->kind[PGI(r, pfn)] = NONE;
}

static uint64_t first(struct rspb *s, int order, int mt)
{
	return s->list[order][mt].n ? s->list[order][mt].v[0] : UINT64_MAX;
}

static bool is_free_block(struct ref_model *r, struct rzone *z, uint64_t pfn, int order)
{
	return pfn >= z->start && pfn < z->end && r->kind[PGI(r, pfn)] == FREE &&
	       r->order[PGI(r, pfn)] == order;
}

/* ---- the free path ---- */
static int mark_pb_free(struct ref_model *r, struct rzone *z, uint64_t pfn, int mt)
{
	size_t b = PBI(r, pfn);
	r->pb_unmov[b] = r->pb_recl[b] = r->pb_mov[b] = 0;
	if (!r->pb_allfree[b]) {
		r->pb_allfree[b] = 1;
		update_list(r, z, spb_of(r, pfn));
	}
	if (mt == MIGRATE_UNMOVABLE || mt == MIGRATE_RECLAIMABLE || mt == MIGRATE_HIGHATOMIC) {
		r->pb_mt[b] = MIGRATE_MOVABLE;
		mt = MIGRATE_MOVABLE;
	}
	return mt;
}

static void free_block(struct ref_model *r, uint64_t pfn, int order, bool force_tail)
{
	struct rzone *z = zone_of(r, pfn);
	int mt = r->pb_mt[PBI(r, pfn)];

	if (order >= PB) {
		for (uint64_t p = pfn; p < pfn + (1ull << order); p += PBN)
			mark_pb_free(r, z, p, r->pb_mt[PBI(r, p)]);
		if (mt != MIGRATE_CMA && mt != MIGRATE_ISOLATE)
			mt = MIGRATE_MOVABLE;
	}
	while (order < 10) {
		uint64_t buddy = pfn ^ (1ull << order);
		if (!is_free_block(r, z, buddy, order))
			break;
		int bmt = r->mt[PGI(r, buddy)];
		if (order >= PB) {
			bmt = r->pb_mt[PBI(r, buddy)];
			if (mt != bmt && (mt >= 3 || bmt >= 3))
				break;
		}
		list_del(r, buddy);
		if (bmt != mt)
			for (uint64_t p = buddy; p < buddy + (1ull << order); p += PBN)
				r->pb_mt[PBI(r, p)] = (uint8_t)mt;
		pfn &= buddy;
		order++;
		if (order == PB)
			mt = mark_pb_free(r, z, pfn, mt);
	}
	bool tail = force_tail;
	if (!tail && order < 9)
		tail = is_free_block(r, z, (pfn & ~((2ull << order) - 1)) ^ (2ull << order),
				     order + 1);
	list_add(r, pfn, order, mt, tail);
}

/* ---- taking pages ---- */
static void del_and_expand(struct ref_model *r, uint64_t pfn, int low, int high, int mt)
{
	struct rzone *z = zone_of(r, pfn);
	if (high >= PB) {
		for (uint64_t p = pfn; p < pfn + (1ull << high); p += PBN) {
			r->pb_allfree[PBI(r, p)] = 0;
			set_has(r, p, mt);
		}
	} else {
		set_has(r, pfn, mt);
	}
	update_list(r, z, spb_of(r, pfn));
	list_del(r, pfn);
	while (high > low) {
		high--;
		list_add(r, pfn + (1ull << high), high, mt, false);
	}
}

static void claim_whole(struct ref_model *r, uint64_t pfn, int co, int order, int new_mt)
{
	for (uint64_t p = pfn; p < pfn + (1ull << co); p += PBN) {
		r->pb_allfree[PBI(r, p)] = 0;
		set_has(r, p, new_mt);
	}
	list_del(r, pfn);
	for (uint64_t p = pfn; p < pfn + (1ull << co); p += PBN)
		r->pb_mt[PBI(r, p)] = (uint8_t)new_mt;
	for (int h = co; h > order; h--)
		list_add(r, pfn + (1ull << (h - 1)), h - 1, new_mt, false);
	update_list(r, zone_of(r, pfn), spb_of(r, pfn));
}

struct walk {
	bool free_pages, free_pb, below_reserve, on;
};

static uint64_t smallest(struct ref_model *r, struct rzone *z, int order, int mt, struct walk *w);

static bool cross(int a, int b)
{
	return (a == MIGRATE_UNMOVABLE && b == MIGRATE_RECLAIMABLE) ||
	       (a == MIGRATE_RECLAIMABLE && b == MIGRATE_UNMOVABLE);
}

static uint64_t try_claim(struct ref_model *r, struct rzone *z, uint64_t pfn, int co, int order,
			  int start, int block, bool from_tainted)
{
	uint64_t pb = pfn & ~(uint64_t)(PBN - 1);
	int pbmt = r->pb_mt[PBI(r, pfn)];
	unsigned nfree = 0, nmov = 0;

	if (pbmt == MIGRATE_ISOLATE || pbmt == MIGRATE_CMA)
		return UINT64_MAX;
	if (co >= PB) {
		claim_whole(r, pfn, co, order, start);
		return pfn;
	}
	for (uint64_t p = pb; p < pb + PBN;) {
		uint64_t i = PGI(r, p);
		if (r->kind[i] == FREE) {
			nfree += 1u << r->order[i];
			p += 1ull << r->order[i];
		} else if (r->kind[i] == USED) {
			if (r->mt[i] & 0x80)
				nmov += 1u << (r->order[i] > PB ? PB : r->order[i]);
			p += 1ull << r->order[i];
		} else {
			p++;
		}
	}
	unsigned alike = start == MIGRATE_MOVABLE   ? nmov
			 : block == MIGRATE_MOVABLE ? PBN - nfree - nmov
						    : 0;
	if (cross(start, block)) {
		if (nfree != PBN)
			return UINT64_MAX;
	} else if (!from_tainted && nfree + alike < PBN / 2) {
		return UINT64_MAX;
	}
	for (uint64_t p = pb; p < pb + PBN;) {
		uint64_t i = PGI(r, p);
		if (r->kind[i] == NONE) {
			p++;
			continue;
		}
		int o = r->order[i];
		if (r->kind[i] == FREE && r->mt[i] == block) {
			list_del(r, p);
			list_add(r, p, o, start, true);
		}
		p += 1ull << o;
	}
	r->pb_mt[PBI(r, pb)] = (uint8_t)start;
	set_has(r, pb, start);
	if (block != start) {
		if (cross(start, block))
			clear_has(r, pb, block);
		else
			set_has(r, pb, block);
	}
	update_list(r, z, spb_of(r, pb));
	return smallest(r, z, order, start, NULL);
}

/* The SPBs of one list, copied so the walk is unaffected by re-filing. */
static size_t list_copy(struct rzone *z, int id, uint64_t *out)
{
	if (z->lists[id].n)
		memcpy(out, z->lists[id].v, z->lists[id].n * sizeof(*out));
	return z->lists[id].n;
}

/* Whole pageblocks first, then sub-pageblock orders, in one SPB. */
static uint64_t pass1_try(struct ref_model *r, struct rspb *s, int order, int mt)
{
	int found = -1;
	for (int o = order > PB ? order : PB; o <= 10 && found < 0; o++)
		if (s->list[o][mt].n)
			found = o;
	for (int o = order; o < PB && found < 0; o++)
		if (s->list[o][mt].n)
			found = o;
	if (found < 0)
		return UINT64_MAX;
	uint64_t pfn = first(s, found, mt);
	del_and_expand(r, pfn, order, found, mt);
	r->pass1_hit = true;
	return pfn;
}

static uint64_t smallest(struct ref_model *r, struct rzone *z, int order, int mt, struct walk *w)
{
	bool movable = mt == MIGRATE_MOVABLE;
	int pref = movable ? 0 : 1; /* category: 0 clean, 1 tainted */
	uint64_t ids[4096];
	int lo_whole = order > PB ? order : PB;
	int zi = (int)(z - r->zones);

	if (r->p.warm_hints && mt < 3) {
		int *slot = r->slot[r->cpu][z->type][order][mt];
		int cpu_spb = slot[0] == zi ? slot[1] : -1;
		if (cpu_spb >= 0) {
			uint64_t pfn = pass1_try(r, &z->spb[cpu_spb], order, mt);
			if (pfn != UINT64_MAX)
				return pfn;
		}
		int zone_spb = z->hint[order][mt];
		if (zone_spb >= 0 && zone_spb != cpu_spb) {
			uint64_t pfn = pass1_try(r, &z->spb[zone_spb], order, mt);
			if (pfn != UINT64_MAX) {
				slot[0] = zi;
				slot[1] = zone_spb;
				return pfn;
			}
		}
	}
	for (int full = 0; full < 5; full++) {
		size_t n = list_copy(z, 3 + pref * 5 + full, ids);
		for (size_t k = 0; k < n; k++) {
			struct rspb *s = &z->spb[ids[k]];
			if (w && pref == 1) {
				w->free_pages |= free_pages_of(s) > 0;
				w->free_pb |= NR_FREE(r, z, s) > 0;
				w->below_reserve |= NR_FREE(r, z, s) <= reserve_of(r, z, s);
			}
			if (!free_pages_of(s))
				continue;
			uint64_t pfn = pass1_try(r, s, order, mt);
			if (pfn != UINT64_MAX) {
				if (r->p.warm_hints && mt < 3) {
					z->hint[order][mt] = (int)ids[k];
					r->slot[r->cpu][z->type][order][mt][0] = zi;
					r->slot[r->cpu][z->type][order][mt][1] = (int)ids[k];
				}
				return pfn;
			}
		}
	}
	if (!movable && mt != MIGRATE_CMA) {
		for (int full = 0; full < 5; full++) { /* Pass 2 */
			size_t n = list_copy(z, 3 + 5 + full, ids);
			for (size_t k = 0; k < n; k++) {
				struct rspb *s = &z->spb[ids[k]];
				if (!NR_FREE(r, z, s))
					continue;
				for (int o = lo_whole; o <= 10; o++)
					if (s->list[o][MIGRATE_MOVABLE].n) {
						uint64_t pfn = first(s, o, MIGRATE_MOVABLE);
						claim_whole(r, pfn, o, order, mt);
						return pfn;
					}
			}
		}
		for (int full = 0; full < 5; full++) { /* Pass 2b */
			size_t n = list_copy(z, 3 + 5 + full, ids);
			for (size_t k = 0; k < n; k++) {
				struct rspb *s = &z->spb[ids[k]];
				if (!free_pages_of(s))
					continue;
				for (int o = PB - 1; o >= order; o--) {
					if (!s->list[o][MIGRATE_MOVABLE].n)
						continue;
					uint64_t pfn = try_claim(r, z, first(s, o, MIGRATE_MOVABLE),
								 o, order, mt, MIGRATE_MOVABLE,
								 r->p.from_tainted_spb);
					if (pfn != UINT64_MAX)
						return pfn;
				}
			}
		}
		for (int pass = 0; pass < 2; pass++) { /* Passes 2c and 2d */
			int from = pass == 0 ? (mt == MIGRATE_UNMOVABLE	    ? MIGRATE_RECLAIMABLE
						: mt == MIGRATE_RECLAIMABLE ? MIGRATE_UNMOVABLE
									    : -1)
					     : MIGRATE_MOVABLE;
			if (from < 0 || (pass == 0 && !r->p.pass_2c) ||
			    (pass == 1 && !r->p.pass_2d))
				continue;
			for (int full = 0; full < 5; full++) {
				size_t n = list_copy(z, 3 + 5 + full, ids);
				for (size_t k = 0; k < n; k++) {
					struct rspb *s = &z->spb[ids[k]];
					if (!free_pages_of(s))
						continue;
					for (int o = PB - 1; o >= order; o--)
						if (s->list[o][from].n) {
							uint64_t pfn = first(s, o, from);
							del_and_expand(r, pfn, order, o, from);
							set_has(r, pfn, mt);
							return pfn;
						}
				}
			}
		}
	}
	{ /* Pass 3 */
		size_t n = list_copy(z, 1, ids);
		for (size_t k = 0; k < n; k++) {
			struct rspb *s = &z->spb[ids[k]];
			for (int o = lo_whole; o <= 10; o++)
				if (s->list[o][mt].n) {
					uint64_t pfn = first(s, o, mt);
					del_and_expand(r, pfn, order, o, mt);
					return pfn;
				}
		}
	}
	if (movable) { /* Pass 4 */
		for (int full = 0; full < 5; full++) {
			size_t n = list_copy(z, 3 + 5 + full, ids);
			for (size_t k = 0; k < n; k++) {
				struct rspb *s = &z->spb[ids[k]];
				if (!free_pages_of(s) || NR_FREE(r, z, s) <= reserve_of(r, z, s))
					continue;
				for (int o = order; o <= 10; o++)
					if (s->list[o][mt].n) {
						uint64_t pfn = first(s, o, mt);
						del_and_expand(r, pfn, order, o, mt);
						return pfn;
					}
			}
		}
	}
	return UINT64_MAX;
}

static const int fb[3][2] = { { 2, 1 }, { 2, 0 }, { 0, 1 } };

/* A fallback page at exactly this order; cats: 1 preferred, 2 empty, 4 other, 8 skip cross. */
static uint64_t find_fallback(struct ref_model *r, struct rzone *z, int order, int start, int *fmt,
			      int cats)
{
	bool movable = start == MIGRATE_MOVABLE;
	int order_of_cats[3] = { movable ? 3 : 8, 1, movable ? 8 : 3 }; /* list id bases */
	int bits[3] = { 1, 2, 4 };
	uint64_t ids[4096];

	for (int c = 0; c < 3; c++) {
		if (!(cats & bits[c]))
			continue;
		int nlists = c == 1 ? 1 : 5;
		for (int full = 0; full < nlists; full++) {
			size_t n = list_copy(z, order_of_cats[c] + full, ids);
			for (size_t k = 0; k < n; k++) {
				struct rspb *s = &z->spb[ids[k]];
				if (movable && order_of_cats[c] == 8 &&
				    NR_FREE(r, z, s) <= reserve_of(r, z, s))
					continue;
				for (int i = 0; i < 2; i++) {
					int f = fb[start][i];
					if ((cats & 8) && cross(start, f))
						continue;
					if (s->list[order][f].n) {
						*fmt = f;
						return first(s, order, f);
					}
				}
			}
		}
	}
	return UINT64_MAX;
}

static bool claim_order_ok(int order, int start)
{
	return order >= PB || order >= PB / 2 || start == MIGRATE_UNMOVABLE ||
	       start == MIGRATE_RECLAIMABLE;
}

static uint64_t rmqueue(struct ref_model *r, struct rzone *z, int order, int mt, unsigned flags)
{
	struct walk w = { 0 };
	bool gate = mt != MIGRATE_MOVABLE && (flags & ALLOC_HIGHORDER_OPTIONAL_REF);
	uint64_t pfn = smallest(r, z, order, mt, gate ? &w : NULL);
	int fmt;

	if (pfn != UINT64_MAX)
		return pfn;
	if (gate && r->p.highorder_optional_gate && (w.free_pages || w.free_pb))
		return UINT64_MAX;
	for (int c = 0; c < 3; c++) { /* claim */
		int cats = 1 << c;
		if ((flags & NOFRAG_REF) && c != 0)
			continue;
		int min = order;
		if (!(c == 0 && z->nspb > r->p.spb_aggressive_threshold) && order < PB &&
		    (flags & NOFRAG_REF))
			min = PB;
		for (int co = 10; co >= min; co--) {
			if (!claim_order_ok(co, mt))
				break;
			pfn = find_fallback(r, z, co, mt, &fmt, cats);
			if (pfn == UINT64_MAX)
				continue;
			pfn = try_claim(r, z, pfn, co, order, mt, fmt, false);
			if (pfn != UINT64_MAX)
				return pfn;
		}
	}
	if (!(flags & NOFRAG_REF) || (flags & TAINTED_OK_REF)) { /* steal */
		int cats = ((flags & TAINTED_OK_REF) ? 1 : 5) | 8;
		for (int co = order; co <= 10; co++) {
			pfn = find_fallback(r, z, co, mt, &fmt, cats);
			if (pfn == UINT64_MAX)
				continue;
			del_and_expand(r, pfn, order, co, fmt);
			if (fmt != mt) {
				set_has(r, pfn, mt);
				update_list(r, z, spb_of(r, pfn));
			}
			return pfn;
		}
	}
	return UINT64_MAX;
}

/* ---- the HIGHATOMIC reserve ---- */
/* Every free block inside the pageblock that is on list `from` goes to the tail of `to`. */
static void move_pb_lists(struct ref_model *r, uint64_t pb, int from, int to)
{
	for (uint64_t p = pb; p < pb + PBN; p++)
		if (r->kind[PGI(r, p)] == FREE && r->mt[PGI(r, p)] == from) {
			int o = r->order[PGI(r, p)];
			list_del(r, p);
			list_add(r, p, o, to, true);
		}
}

static void reserve_ha(struct ref_model *r, struct rzone *z, uint64_t pfn, int order)
{
	uint64_t present = 0, max;
	for (uint64_t p = z->start; p < z->end; p += PBN)
		present += r->pb_reserved[PBI(r, p)] ? 0 : PBN;
	if (present / 100 < PBN)
		return;
	max = (present / 100 + PBN - 1) / PBN * PBN;
	int mt = r->pb_mt[PBI(r, pfn)];
	if (z->reserved_ha >= max || mt > MIGRATE_RECLAIMABLE)
		return;
	if (order < PB) {
		uint64_t pb = pfn / PBN * PBN;
		move_pb_lists(r, pb, mt, MIGRATE_HIGHATOMIC);
		r->pb_mt[PBI(r, pb)] = MIGRATE_HIGHATOMIC;
		z->reserved_ha += PBN;
	} else {
		for (uint64_t p = pfn; p < pfn + (1ull << order); p += PBN)
			r->pb_mt[PBI(r, p)] = MIGRATE_HIGHATOMIC;
		z->reserved_ha += 1ull << order;
	}
	r->ha.reserved++;
}

/* One reserved block of the zone back to mt (force: even the last pageblock). */
static bool unreserve_ha(struct ref_model *r, struct rzone *z, int mt)
{
	for (int o = 0; o <= 10; o++)
		for (unsigned i = 0; i < z->nspb; i++) {
			uint64_t pfn = first(&z->spb[i], o, MIGRATE_HIGHATOMIC);
			if (pfn == UINT64_MAX)
				continue;
			uint64_t size = o > PB ? 1ull << o : PBN;
			z->reserved_ha -= size < z->reserved_ha ? size : z->reserved_ha;
			if (o < PB) {
				move_pb_lists(r, pfn / PBN * PBN, MIGRATE_HIGHATOMIC, mt);
				r->pb_mt[PBI(r, pfn)] = (uint8_t)mt;
			} else {
				list_del(r, pfn);
				list_add(r, pfn, o, mt, true);
				for (uint64_t p = pfn; p < pfn + (1ull << o); p += PBN)
					r->pb_mt[PBI(r, p)] = (uint8_t)mt;
			}
			r->ha.unreserved++;
			return true;
		}
	return false;
}

static uint64_t rmqueue_buddy(struct ref_model *r, struct rzone *z, int order, int mt,
			      unsigned flags)
{
	bool ha = r->p.highatomic && (flags & HIGHATOMIC_REF);
	uint64_t pfn = UINT64_MAX;

	r->pass1_hit = false;
	if (ha)
		pfn = smallest(r, z, order, MIGRATE_HIGHATOMIC, NULL);
	r->ha.served_first += r->pass1_hit;
	if (pfn == UINT64_MAX) {
		pfn = rmqueue(r, z, order, mt, flags);
		if (pfn == UINT64_MAX && r->p.highatomic && (flags & NON_BLOCK_REF)) {
			r->pass1_hit = false;
			pfn = smallest(r, z, order, MIGRATE_HIGHATOMIC, NULL);
			r->ha.served_last += r->pass1_hit;
		}
	}
	if (pfn != UINT64_MAX && ha)
		reserve_ha(r, z, pfn, order);
	return pfn;
}

/* ---- the allocator entry ---- */
static bool can_serve_smaller(struct ref_model *r, struct rzone *z, int order, int mt)
{
	int opp = mt == MIGRATE_UNMOVABLE     ? MIGRATE_RECLAIMABLE
		  : mt == MIGRATE_RECLAIMABLE ? MIGRATE_UNMOVABLE
					      : -1;
	if (!order)
		return false;
	for (int full = 0; full < 5; full++)
		for (size_t k = 0; k < z->lists[8 + full].n; k++) {
			struct rspb *s = &z->spb[z->lists[8 + full].v[k]];
			if (NR_MOV(r, z, s))
				return true;
			for (int o = 0; o < order; o++)
				if (s->list[o][mt].n || (opp >= 0 && s->list[o][opp].n))
					return true;
		}
	return false;
}

/*
 * Free pages above the flags' mark and the lowmem reserve for top, and a big enough block. A
 * request without reserve rights (non-blocking, __GFP_HIGH, high-order atomic) does not count
 * the pages on HIGHATOMIC lists. __GFP_HIGH halves the mark; non-blocking __GFP_HIGH takes a
 * quarter off the rest.
 */
static bool watermark_ok(struct rzone *z, int order, int top, unsigned flags)
{
	uint64_t nfree = 0, nha = 0;
	bool big = false;
	for (unsigned s = 0; s < z->nspb; s++) {
		nfree += free_pages_of(&z->spb[s]);
		for (int o = 0; o <= 10; o++)
			nha += (uint64_t)z->spb[s].list[o][MIGRATE_HIGHATOMIC].n << o;
		for (int o = order; o <= 10; o++)
			for (int mt = 0; mt < 6; mt++)
				big |= z->spb[s].list[o][mt].n > 0;
	}
	if (!(flags & (MIN_RESERVE_REF | NON_BLOCK_REF | HIGHATOMIC_REF)))
		nfree = nfree > nha ? nfree - nha : 0;
	uint64_t mark = (flags & WMARK_LOW_REF) ? z->wlow : z->wmin;
	if (flags & MIN_RESERVE_REF) {
		mark -= mark / 2;
		if (flags & NON_BLOCK_REF)
			mark -= mark / 4;
	}
	return nfree >= mark + z->lowmem[top] + (1ull << order) && big;
}

static uint64_t gpff(struct ref_model *r, const struct model_alloc_req *q, int top, unsigned flags)
{
	for (;;) {
		for (int t = top; t >= 0; t--)
			for (unsigned i = 0; i < r->nzones; i++) {
				struct rzone *z = &r->zones[i];
				if (z->type != t || !watermark_ok(z, (int)q->order, top, flags))
					continue;
				uint64_t pfn =
					rmqueue_buddy(r, z, (int)q->order, q->migratetype, flags);
				if (pfn != UINT64_MAX)
					return pfn;
			}
		if (!(flags & NOFRAG_REF) || r->p.defrag_mode ||
		    (q->gfp & MODEL_GFP_DIRECT_RECLAIM))
			return UINT64_MAX;
		if (q->gfp & MODEL_GFP_NORETRY)
			return UINT64_MAX;
		struct rzone *pref = NULL;
		for (unsigned i = 0; i < r->nzones; i++)
			if (r->zones[i].type <= top && (!pref || r->zones[i].type > pref->type))
				pref = &r->zones[i];
		if (r->p.nowarn_lower_order && q->order > 0 && (q->gfp & MODEL_GFP_NOWARN) &&
		    !(q->gfp & MODEL_GFP_NOFAIL) &&
		    can_serve_smaller(r, pref, (int)q->order, q->migratetype))
			return UINT64_MAX;
		if (!(flags & TAINTED_OK_REF))
			flags |= TAINTED_OK_REF;
		else
			flags &= ~(unsigned)(NOFRAG_REF | TAINTED_OK_REF);
	}
}

int ref_alloc(struct ref_model *r, const struct model_alloc_req *q, uint64_t *out)
{
	r->cpu = q->cpu >= 0 && q->cpu < r->ncpus ? q->cpu : 0;
	int top = (q->gfp & MODEL_GFP_DMA)     ? ZONE_DMA
		  : (q->gfp & MODEL_GFP_DMA32) ? ZONE_DMA32
					       : ZONE_NORMAL;
	bool have = false;
	for (unsigned i = 0; i < r->nzones; i++)
		have |= r->zones[i].type <= top;
	if (!have)
		return MODEL_ENOMEM;
	int pref_type = -1;
	for (unsigned i = 0; i < r->nzones; i++)
		if (r->zones[i].type <= top && r->zones[i].type > pref_type)
			pref_type = r->zones[i].type;
	unsigned nofrag =
		r->p.defrag_mode || (pref_type == ZONE_NORMAL && r->has_dma32) ? NOFRAG_REF : 0;
	uint64_t pfn = gpff(r, q, top, nofrag | WMARK_LOW_REF);
	if (pfn == UINT64_MAX) {
		/* slowpath flags */
		unsigned f = nofrag;
		uint32_t g = q->gfp;
		if (((g & MODEL_GFP_NORETRY) && !(g & MODEL_GFP_RETRY_MAYFAIL)) ||
		    !(g & (MODEL_GFP_DIRECT_RECLAIM | MODEL_GFP_NOMEMALLOC | MODEL_GFP_NOFAIL)))
			f |= ALLOC_HIGHORDER_OPTIONAL_REF;
		if (g & MODEL_GFP_HIGH)
			f |= MIN_RESERVE_REF;
		if (!(g & (MODEL_GFP_DIRECT_RECLAIM | MODEL_GFP_NOMEMALLOC)))
			f |= NON_BLOCK_REF |
			     (q->order && (g & MODEL_GFP_HIGH) ? HIGHATOMIC_REF : 0);
		pfn = gpff(r, q, top, f);
		/* nothing to reclaim; __GFP_NORETRY, and costly orders without
		 * __GFP_RETRY_MAYFAIL, give up before NOFRAGMENT is dropped */
		bool gives_up =
			(g & MODEL_GFP_NORETRY) ||
			(q->order > 3 && (!(g & MODEL_GFP_IO) || !(g & MODEL_GFP_RETRY_MAYFAIL)));
		/* No reclaim progress: whenever should_reclaim_retry would give up (its retries
		 * used up, or no zone meeting its min watermark) it gives a reserved block back
		 * instead and retries, one block per call */
		bool retry = (g & MODEL_GFP_DIRECT_RECLAIM) && !gives_up && r->p.highatomic;
		while (pfn == UINT64_MAX && retry) {
			bool back = false;
			for (int t = top; t >= 0 && !back; t--)
				for (unsigned i = 0; i < r->nzones && !back; i++)
					if (r->zones[i].type == t)
						back = unreserve_ha(r, &r->zones[i],
								    q->migratetype);
			if (!back)
				break;
			pfn = gpff(r, q, top, f);
		}
		if (pfn == UINT64_MAX && (g & MODEL_GFP_DIRECT_RECLAIM) && (f & NOFRAG_REF) &&
		    !gives_up)
			pfn = gpff(r, q, top, f & ~(unsigned)(NOFRAG_REF | TAINTED_OK_REF));
	}
	if (pfn == UINT64_MAX)
		return MODEL_ENOMEM;
	r->kind[PGI(r, pfn)] = USED;
	r->order[PGI(r, pfn)] = (uint8_t)q->order;
	r->mt[PGI(r, pfn)] = (uint8_t)(q->migratetype | (q->movable ? 0x80 : 0));
	*out = pfn;
	return MODEL_OK;
}

int ref_free(struct ref_model *r, uint64_t pfn, unsigned order)
{
	if (pfn < r->base || pfn >= r->end || r->kind[PGI(r, pfn)] != USED ||
	    r->order[PGI(r, pfn)] != order)
		return MODEL_ESTATE;
	r->kind[PGI(r, pfn)] = NONE;
	unsigned step = order > PB ? PB : order;
	for (uint64_t p = pfn; p < pfn + (1ull << order); p += 1ull << step)
		free_block(r, p, (int)step, false);
	return MODEL_OK;
}

struct ref_model *ref_create(const struct model_config *c)
{
	struct ref_model *r = calloc(1, sizeof(*r));
	r->p = c->params;
	r->base = UINT64_MAX;
	r->ncpus = c->nr_cpus ? (int)c->nr_cpus : 1;
	r->slot = malloc((size_t)r->ncpus * sizeof(*r->slot));
	memset(r->slot, 0xff, (size_t)r->ncpus * sizeof(*r->slot));
	r->nzones = c->nr_zones;
	for (unsigned i = 0; i < c->nr_zones; i++) {
		struct rzone *z = &r->zones[i];
		z->start = c->zones[i].start_pfn & ~(uint64_t)(PBN - 1);
		z->end = (c->zones[i].start_pfn + c->zones[i].spanned_pages + PBN - 1) &
			 ~(uint64_t)(PBN - 1);
		z->type = (int)c->zones[i].type; /* an int: the walks count down to -1 */
		z->wmin = c->zones[i].wmark_min;
		z->wlow = c->zones[i].wmark_low;
		memcpy(z->lowmem, c->zones[i].lowmem_reserve, sizeof(z->lowmem));
		z->base = z->start & ~(SPB_PAGES - 1);
		z->nspb =
			(unsigned)((((z->end + SPB_PAGES - 1) & ~(SPB_PAGES - 1)) - z->base) >> 18);
		if (z->base < r->base)
			r->base = z->base;
		if (((z->end + SPB_PAGES - 1) & ~(SPB_PAGES - 1)) > r->end)
			r->end = (z->end + SPB_PAGES - 1) & ~(SPB_PAGES - 1);
		r->has_dma32 |= z->type == ZONE_DMA32;
	}
	size_t pages = r->end - r->base, pbs = pages / PBN;
	r->kind = calloc(pages, 1);
	r->order = calloc(pages, 1);
	r->mt = calloc(pages, 1);
	r->pb_mt = calloc(pbs, 1);
	r->pb_unmov = calloc(pbs, 1);
	r->pb_recl = calloc(pbs, 1);
	r->pb_mov = calloc(pbs, 1);
	r->pb_allfree = calloc(pbs, 1);
	r->pb_reserved = calloc(pbs, 1);
	r->pb_zone = calloc(pbs, 1);
	memset(r->pb_reserved, 1, pbs);
	for (unsigned i = 0; i < r->nzones; i++) {
		struct rzone *z = &r->zones[i];
		z->spb = calloc(z->nspb, sizeof(*z->spb));
		memset(z->hint, 0xff, sizeof(z->hint));
		for (uint64_t p = z->start; p < z->end; p += PBN) {
			bool hole = false;
			for (unsigned h = 0; h < c->nr_holes; h++)
				hole |= p < c->holes[h].start_pfn + c->holes[h].nr_pages &&
					c->holes[h].start_pfn < p + PBN;
			r->pb_zone[PBI(r, p)] = (uint8_t)i;
			r->pb_reserved[PBI(r, p)] = hole;
			r->pb_mt[PBI(r, p)] = MIGRATE_MOVABLE;
		}
		for (unsigned s = 0; s < z->nspb; s++) {
			z->spb[s].start = z->base + ((uint64_t)s << 18);
			z->spb[s].list_id = list_for(r, z, &z->spb[s]);
			vec_insert(&z->lists[z->spb[s].list_id], z->lists[z->spb[s].list_id].n, s);
		}
	}
	/* Boot: free present memory in pfn order, largest aligned blocks, to the tail. */
	for (unsigned i = 0; i < r->nzones; i++) {
		struct rzone *z = &r->zones[i];
		for (uint64_t p = z->start; p < z->end;) {
			if (r->pb_reserved[PBI(r, p)]) {
				p += PBN;
				continue;
			}
			int o = 10;
			while (o > PB && ((p & ((1ull << o) - 1)) || p + (1ull << o) > z->end ||
					  r->pb_reserved[PBI(r, p + (1ull << (o - 1)))]))
				o--;
			free_block(r, p, o, true);
			p += 1ull << o;
		}
	}
	return r;
}

void ref_destroy(struct ref_model *r)
{
	for (unsigned i = 0; i < r->nzones; i++) {
		struct rzone *z = &r->zones[i];
		for (unsigned s = 0; s < z->nspb; s++)
			for (int o = 0; o < 11; o++)
				for (int t = 0; t < 6; t++)
					free(z->spb[s].list[o][t].v);
		for (int l = 0; l < 13; l++)
			free(z->lists[l].v);
		free(z->spb);
	}
	free(r->kind);
	free(r->order);
	free(r->mt);
	free(r->pb_mt);
	free(r->pb_unmov);
	free(r->pb_recl);
	free(r->pb_mov);
	free(r->pb_allfree);
	free(r->pb_reserved);
	free(r->pb_zone);
	free(r->slot);
	free(r);
}

unsigned ref_nr_spbs(const struct ref_model *r, unsigned zone)
{
	return r->zones[zone].nspb;
}

void ref_spb_state(const struct ref_model *cr, unsigned zone, unsigned spb,
		   struct ref_spb_state *st)
{
	struct ref_model *r = (struct ref_model *)cr;
	struct rzone *z = &r->zones[zone];
	struct rspb *s = &z->spb[spb];
	st->nr_free = NR_FREE(r, z, s);
	st->nr_unmovable = NR_UNMOV(r, z, s);
	st->nr_reclaimable = NR_RECL(r, z, s);
	st->nr_movable = NR_MOV(r, z, s);
	st->nr_reserved = NR_RSV(r, z, s);
	st->total_pageblocks = total_pbs(r, z, s);
	st->nr_free_pages = free_pages_of(s);
	st->list_id = s->list_id;
	st->list_pos = -1;
	for (size_t k = 0; k < z->lists[s->list_id].n; k++)
		if (z->lists[s->list_id].v[k] == spb)
			st->list_pos = (int)k;
}

int ref_pfnblock_migratetype(const struct ref_model *r, uint64_t pfn)
{
	return r->pb_mt[PBI(r, pfn)];
}

void ref_highatomic(const struct ref_model *r, struct ref_highatomic_counts *out)
{
	*out = r->ha;
}
