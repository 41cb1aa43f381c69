// SPDX-License-Identifier: GPL-2.0
/*
 * slab_shrink.c - shrinkers over the shrinkable caches: their LRUs, shrink_slab() and
 * do_shrink_slab() (mm/shrinker.c), and the scan that stands in for the caches' own
 * scan_objects (dentry and inode LRU walks).
 *
 * The LRU holds only the unused objects (slab_obj_unused: the cache's calibrated share, picked
 * by a hash of the key), as the kernel's list_lru holds only unreferenced dentries and inodes:
 * a used object is never on it, so count_objects is the LRU's length and the scan visits only
 * candidates.
 *
 * do_shrink_slab: freeable = the LRU's length scaled by vfs_cache_pressure; delta =
 * (freeable >> priority) * 4 / seeks; total_scan = delta plus the deferred work >> priority,
 * at most twice freeable; scans in batches of `batch` while total_scan reaches a batch or all
 * of freeable; what was not scanned is deferred, up to twice freeable.
 *
 * The scan walks the LRU from its oldest object. An object is reclaimed when it is at least
 * freeable_min_age old; otherwise it counts as referenced and rotates to the tail, as
 * dentries with DCACHE_REFERENCED do. One shrinker per cache (the kernel's per-superblock
 * shrinker splits a scan between its dentry and inode LRUs; see docs/model.md).
 *
 * The walk's result is kept, its cost is not: each LRU is a cycle, so a rotation only moves
 * its head; a pass before the LRU's next_freeable_ns cannot free and moves the head once by
 * its scan count modulo the length; the order kept in chunks of up to LRU_CHUNK objects (with
 * each object's freeable time and each chunk's least) makes that move a binary search over
 * the chunks' starts (kept until a chunk changes), an add or a removal O(LRU_CHUNK), and lets a pass that may free find the next freeable object
 * skipping the chunks with none. Expected workload: under pressure, millions of passes over
 * LRUs of thousands of objects with nothing freeable (the warm start of the pressure traces).
 */
#include "slab_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lru_init(struct slab_lru *l)
{
	*l = (struct slab_lru){ .head = SLAB_NIL,
				.tail = SLAB_NIL,
				.next_freeable_ns = UINT64_MAX,
				.chunk_free = SLAB_NIL,
				.cur_chunk = SLAB_NIL,
				.order_valid = true };
}

void lru_destroy(struct slab_lru *l)
{
	free(l->chunks);
	free(l->pos_chunk);
	free(l->pos_start);
	l->pos_chunk = NULL;
	l->pos_start = NULL;
	l->pos_cap = 0;
	l->pos_valid = false;
	l->chunks = NULL;
	l->nchunks = l->chunks_cap = 0;
}

/*
 * Unused: in the cache's calibrated unused share (its freeable_ppm), as a dentry with no
 * reference or an inode with no user is; a hash of the key decides, so the choice is
 * deterministic. Only unused objects are on the LRU, as on the kernel's list_lru.
 */
bool slab_obj_unused(const struct slab_cache *c, uint64_t key)
{
	uint64_t h = (key ^ (key >> 29)) * 0xBF58476D1CE4E5B9ull;
	return (h >> 32) % 1000000 < c->freeable_ppm;
}

/* When an object in the share becomes freeable (wrapping as the age test does). */
static uint64_t object_freeable_from(const struct slab_model *sm, const struct slab_obj *o)
{
	return o->born_ns + sm->p.freeable_min_age_ns;
}

/* The order forgotten (no memory for a chunk): the next pass writes it afresh. */
static void lru_order_drop(struct slab_lru *l)
{
	l->pos_valid = false;
	l->nchunks = 0;
	l->chunk_free = SLAB_NIL;
	l->cur_chunk = SLAB_NIL;
	l->cur_off = 0;
	l->order_valid = false;
}

/* An empty chunk, SLAB_NIL when there is no memory for one (chunks may move). */
static uint32_t lru_chunk_new(struct slab_lru *l)
{
	uint32_t ci = l->chunk_free;

	if (ci != SLAB_NIL) {
		l->chunk_free = l->chunks[ci].next;
	} else {
		if (l->nchunks == l->chunks_cap) {
			uint32_t cap = l->chunks_cap ? l->chunks_cap * 2 : 4;
			struct lru_chunk *ch = realloc(l->chunks, (size_t)cap * sizeof(*ch));
			if (!ch)
				return SLAB_NIL;
			l->chunks = ch;
			l->chunks_cap = cap;
		}
		ci = l->nchunks++;
	}
	l->chunks[ci].n = 0;
	l->chunks[ci].min_from = UINT64_MAX;
	return ci;
}

static void lru_chunk_unlink(struct slab_lru *l, uint32_t ci)
{
	struct lru_chunk *ch = &l->chunks[ci];

	l->chunks[ch->prev].next = ch->next;
	l->chunks[ch->next].prev = ch->prev;
	ch->next = l->chunk_free;
	l->chunk_free = ci;
}

static void lru_chunk_link_after(struct slab_lru *l, uint32_t ci, uint32_t at)
{
	struct lru_chunk *ch = &l->chunks[ci];

	ch->prev = at;
	ch->next = l->chunks[at].next;
	l->chunks[ch->next].prev = ci;
	l->chunks[at].next = ci;
}

static void lru_chunk_min(struct lru_chunk *ch)
{
	uint64_t min = UINT64_MAX;

	for (uint32_t j = 0; j < ch->n; j++)
		if (ch->from[j] < min)
			min = ch->from[j];
	ch->min_from = min;
}

/* Put object oi at place `at` of chunk ci (room known). */
static void lru_chunk_put(struct slab_model *sm, struct slab_lru *l, uint32_t ci, uint32_t at,
			  uint32_t oi, uint64_t from)
{
	struct lru_chunk *ch = &l->chunks[ci];

	memmove(&ch->obj[at + 1], &ch->obj[at], (ch->n - at) * sizeof(ch->obj[0]));
	memmove(&ch->from[at + 1], &ch->from[at], (ch->n - at) * sizeof(ch->from[0]));
	ch->obj[at] = oi;
	ch->from[at] = from;
	ch->n++;
	if (from < ch->min_from)
		ch->min_from = from;
	sm->objs[oi].lru_chunk = ci;
}

/*
 * The order keeps up with an object added at the tail: it goes in just before the head, at
 * the end of the chunk before when the head opens its chunk, else into the head's chunk (split
 * at the head when full, the head then opening the new chunk).
 */
static void lru_order_insert_tail(struct slab_model *sm, struct slab_lru *l, uint32_t oi,
				  uint64_t from)
{
	uint32_t hc = l->cur_chunk, ci;

	l->pos_valid = false;
	if (hc == SLAB_NIL) {
		if ((ci = lru_chunk_new(l)) == SLAB_NIL)
			return lru_order_drop(l);
		l->chunks[ci].prev = l->chunks[ci].next = ci;
		lru_chunk_put(sm, l, ci, 0, oi, from);
		l->cur_chunk = ci;
		l->cur_off = 0;
		return;
	}
	if (l->cur_off == 0) {
		uint32_t pc = l->chunks[hc].prev;
		if (l->chunks[pc].n < LRU_CHUNK)
			return lru_chunk_put(sm, l, pc, l->chunks[pc].n, oi, from);
		if ((ci = lru_chunk_new(l)) == SLAB_NIL)
			return lru_order_drop(l);
		lru_chunk_link_after(l, ci, pc);
		return lru_chunk_put(sm, l, ci, 0, oi, from);
	}
	if (l->chunks[hc].n < LRU_CHUNK) {
		lru_chunk_put(sm, l, hc, l->cur_off, oi, from);
		l->cur_off++;
		return;
	}
	if ((ci = lru_chunk_new(l)) == SLAB_NIL)
		return lru_order_drop(l);
	struct lru_chunk *h = &l->chunks[hc], *nc = &l->chunks[ci];
	uint32_t moved = h->n - l->cur_off;
	memcpy(nc->obj, &h->obj[l->cur_off], moved * sizeof(nc->obj[0]));
	memcpy(nc->from, &h->from[l->cur_off], moved * sizeof(nc->from[0]));
	nc->n = moved;
	h->n = l->cur_off;
	for (uint32_t j = 0; j < moved; j++)
		sm->objs[nc->obj[j]].lru_chunk = ci;
	lru_chunk_min(h);
	lru_chunk_min(nc);
	lru_chunk_link_after(l, ci, hc);
	lru_chunk_put(sm, l, hc, h->n, oi, from);
	l->cur_chunk = ci;
	l->cur_off = 0;
}

/* A small chunk takes in the next one when both fit, so chunks stay about a quarter full. */
static void lru_chunk_merge_next(struct slab_model *sm, struct slab_lru *l, uint32_t ci)
{
	struct lru_chunk *ch = &l->chunks[ci];
	uint32_t ni = ch->next;
	struct lru_chunk *nx = &l->chunks[ni];

	if (ni == ci || ch->n >= LRU_CHUNK / 4 || ch->n + nx->n > LRU_CHUNK)
		return;
	memcpy(&ch->obj[ch->n], nx->obj, nx->n * sizeof(ch->obj[0]));
	memcpy(&ch->from[ch->n], nx->from, nx->n * sizeof(ch->from[0]));
	for (uint32_t j = 0; j < nx->n; j++)
		sm->objs[nx->obj[j]].lru_chunk = ci;
	if (l->cur_chunk == ni) {
		l->cur_chunk = ci;
		l->cur_off += ch->n;
	}
	ch->n += nx->n;
	if (nx->min_from < ch->min_from)
		ch->min_from = nx->min_from;
	lru_chunk_unlink(l, ni);
}

/* The order keeps up with an object taken off: out of its chunk, the head kept on its object. */
static void lru_order_delete(struct slab_model *sm, struct slab_lru *l, uint32_t oi)
{
	uint32_t ci = sm->objs[oi].lru_chunk, j = 0;
	struct lru_chunk *ch = &l->chunks[ci];

	l->pos_valid = false;
	while (j < ch->n && ch->obj[j] != oi)
		j++;
	if (j == ch->n)
		return lru_order_drop(l);
	uint64_t from = ch->from[j];
	memmove(&ch->obj[j], &ch->obj[j + 1], (ch->n - j - 1) * sizeof(ch->obj[0]));
	memmove(&ch->from[j], &ch->from[j + 1], (ch->n - j - 1) * sizeof(ch->from[0]));
	ch->n--;
	if (from == ch->min_from)
		lru_chunk_min(ch);
	if (ci == l->cur_chunk && j < l->cur_off)
		l->cur_off--;
	if (!ch->n) {
		if (ch->next == ci) {
			lru_chunk_unlink(l, ci);
			l->cur_chunk = SLAB_NIL;
			l->cur_off = 0;
			return;
		}
		if (l->cur_chunk == ci) {
			l->cur_chunk = ch->next;
			l->cur_off = 0;
		}
		return lru_chunk_unlink(l, ci);
	}
	if (ci == l->cur_chunk && l->cur_off == ch->n) {
		l->cur_chunk = ch->next;
		l->cur_off = 0;
	}
	lru_chunk_merge_next(sm, l, ci);
}

/*
 * list_lru_add: an unused object goes on its node's LRU at the tail. Only an unused object has
 * an entry (slab_obj_alloc_full tests slab_obj_unused before it makes one), so the caller's
 * object is always unused and the test is not made again.
 */
void lru_add_tail(struct slab_model *sm, struct slab_cache *c, uint32_t oi)
{
	struct slab_obj *o = &sm->objs[oi];
	struct slab_lru *l = &c->lru[sm->slabs[o->slab].nid];
	uint64_t from = object_freeable_from(sm, o);

	if (l->head == SLAB_NIL) {
		o->lru_prev = o->lru_next = oi;
		l->head = oi;
	} else {
		o->lru_prev = l->tail;
		o->lru_next = l->head;
		sm->objs[l->tail].lru_next = oi;
		sm->objs[l->head].lru_prev = oi;
	}
	l->tail = oi;
	l->count++;
	sm->st.lru_objects++;
	if (l->order_valid)
		lru_order_insert_tail(sm, l, oi, from);
	if (from < l->next_freeable_ns)
		l->next_freeable_ns = from;
}

/* list_lru_del: an object off its LRU, if on one. */
void lru_del(struct slab_model *sm, struct slab_cache *c, uint32_t oi)
{
	struct slab_obj *o = &sm->objs[oi];
	struct slab_lru *l = &c->lru[sm->slabs[o->slab].nid];

	if (o->lru_next == SLAB_NIL)
		return;

	if (l->count == 1) {
		l->head = l->tail = SLAB_NIL;
	} else {
		sm->objs[o->lru_prev].lru_next = o->lru_next;
		sm->objs[o->lru_next].lru_prev = o->lru_prev;
		if (l->head == oi)
			l->head = o->lru_next;
		if (l->tail == oi)
			l->tail = o->lru_prev;
	}
	o->lru_prev = o->lru_next = SLAB_NIL;
	l->count--;
	sm->st.lru_objects--;
	if (l->order_valid)
		lru_order_delete(sm, l, oi);
}

/* Where each chunk starts, from the cursor's chunk on; false when there is no memory for it. */
static bool lru_write_pos(struct slab_lru *l)
{
	if (l->pos_cap < l->nchunks) {
		uint32_t cap = l->chunks_cap;
		uint32_t *pc = realloc(l->pos_chunk, (size_t)cap * sizeof(*pc));
		if (pc)
			l->pos_chunk = pc;
		uint64_t *ps = pc ? realloc(l->pos_start, (size_t)cap * sizeof(*ps)) : NULL;
		if (!ps)
			return false;
		l->pos_start = ps;
		l->pos_cap = cap;
	}
	uint32_t ci = l->cur_chunk, n = 0;
	uint64_t at = 0;
	do {
		l->pos_chunk[n] = ci;
		l->pos_start[n++] = at;
		at += l->chunks[ci].n;
		ci = l->chunks[ci].next;
	} while (ci != l->cur_chunk);
	l->pos_n = n;
	l->pos_cur = 0;
	l->pos_valid = true;
	return true;
}

/*
 * Move the LRU's head k objects on (0 < k < count): its first k objects go to the tail in
 * their order, as k rotations of the head to the tail would leave them. The list is a cycle,
 * so no link changes: with the order, the cursor's new chunk is found by a binary search over
 * where the chunks start (or, without memory for that, by moving over whole chunks, backwards
 * when shorter); without the order, a walk of k steps.
 */
static void lru_rotate(struct slab_model *sm, struct slab_lru *l, uint64_t k)
{
	if (l->order_valid) {
		uint32_t ci = l->cur_chunk;
		uint64_t off = l->cur_off;
		if (l->pos_valid || lru_write_pos(l)) {
			uint64_t q = (l->pos_start[l->pos_cur] + off + k) % l->count;
			uint32_t lo = 0,
				 hi = l->pos_n - 1; /* the last chunk starting at or before q */
			while (lo < hi) {
				uint32_t mid = lo + (hi - lo + 1) / 2;
				if (l->pos_start[mid] <= q)
					lo = mid;
				else
					hi = mid - 1;
			}
			l->pos_cur = lo;
			ci = l->pos_chunk[lo];
			off = q - l->pos_start[lo];
		} else if (k <= l->count / 2) {
			off += k;
			while (off >= l->chunks[ci].n) {
				off -= l->chunks[ci].n;
				ci = l->chunks[ci].next;
			}
		} else {
			uint64_t back = l->count - k;
			while (back > off) {
				back -= off;
				ci = l->chunks[ci].prev;
				off = l->chunks[ci].n;
			}
			off -= back;
		}
		const struct lru_chunk *ch = &l->chunks[ci];
		l->cur_chunk = ci;
		l->cur_off = (uint32_t)off;
		l->head = ch->obj[off];
		if (off) {
			l->tail = ch->obj[off - 1];
		} else {
			const struct lru_chunk *pc = &l->chunks[ch->prev];
			l->tail = pc->obj[pc->n - 1];
		}
		return;
	}
	uint32_t tail = l->head; /* no memory for the order: walk */
	for (uint64_t i = 1; i < k; i++)
		tail = sm->objs[tail].lru_next;
	l->tail = tail;
	l->head = sm->objs[tail].lru_next;
}

/* The LRU's order, written afresh from a walk (the first pass after it was dropped). */
static bool lru_write_order(struct slab_model *sm, struct slab_lru *l)
{
	uint64_t k = 0;

	lru_order_drop(l);
	l->order_valid = true;
	for (uint32_t i = l->head; k < l->count && l->order_valid; i = sm->objs[i].lru_next, k++)
		lru_order_insert_tail(sm, l, i, object_freeable_from(sm, &sm->objs[i]));
	return l->order_valid;
}

/*
 * What a pass learns of the LRU: the objects it kept, and the soonest any becomes freeable;
 * and the objects it rotated without looking, applied as one rotation before it looks again.
 */
struct lru_pass {
	uint64_t kept;
	uint64_t next_freeable_ns;
	uint64_t unseen;
};

/* The rotations the pass owes: a lap leaves the cycle as it was, so modulo the length. */
static void lru_pass_rotate(struct slab_model *sm, struct slab_lru *l, struct lru_pass *pass)
{
	uint64_t k = l->count ? pass->unseen % l->count : 0;

	pass->unseen = 0;
	if (!k)
		return;
	if (!l->order_valid)
		lru_write_order(sm, l);
	lru_rotate(sm, l, k);
}

/*
 * Of the next lim objects from the head, the first freeable at now (lim when none), from the
 * order's times, skipping the chunks with none; the soonest the ones before it become
 * freeable is kept in *soonest.
 */
static uint64_t lru_find_freeable(const struct slab_lru *l, uint64_t lim, uint64_t now,
				  uint64_t *soonest)
{
	uint64_t i = 0, min = *soonest;
	uint32_t ci = l->cur_chunk, off = l->cur_off;

	while (i < lim) {
		const struct lru_chunk *ch = &l->chunks[ci];
		uint64_t take = ch->n - off;
		if (take > lim - i)
			take = lim - i;
		if (!off && take == ch->n && !(ch->min_from <= now && ch->min_from != UINT64_MAX)) {
			if (ch->min_from < min)
				min = ch->min_from;
			i += take;
		} else {
			for (uint32_t j = off; j < off + take; j++, i++) {
				uint64_t f = ch->from[j];
				if (f <= now && f != UINT64_MAX) {
					*soonest = min;
					return i;
				}
				if (f < min)
					min = f;
			}
		}
		ci = ch->next;
		off = 0;
	}
	*soonest = min;
	return i;
}

/* scan_objects without the order (no memory for it): the walk, object by object. */
static uint64_t scan_objects_walk(struct slab_model *sm, struct slab_lru *l, uint64_t nr_to_scan,
				  uint64_t now, struct lru_pass *pass)
{
	uint64_t freed = 0;

	for (uint64_t i = 0; i < nr_to_scan && l->head != SLAB_NIL; i++) {
		uint32_t oi = l->head;
		struct slab_obj *o = &sm->objs[oi];
		if (now >= object_freeable_from(sm, o)) { /* on the LRU: unused, so old enough */
			uint64_t key = o->key;
			slab_release_object(sm, oi);
			key_map_put(&sm->reclaimed, key, 1);
			freed++;
		} else {
			if (object_freeable_from(sm, o) < pass->next_freeable_ns)
				pass->next_freeable_ns = object_freeable_from(sm, o);
			pass->kept++;
			if (l->count > 1)
				lru_rotate(sm, l, 1);
		}
	}
	return freed;
}

/*
 * scan_objects: look at nr_to_scan objects from the LRU's head; returns how many were freed.
 * A freeable object is freed; any other rotates to the tail. The order's times find the next
 * freeable object, and the ones before it are owed as rotations (do_shrink_slab() owes a
 * whole pass so when no object on the LRU can be freeable yet).
 */
static uint64_t scan_objects(struct slab_model *sm, struct slab_cache *c, int nid,
			     uint64_t nr_to_scan, struct lru_pass *pass)
{
	struct slab_lru *l = &c->lru[nid];
	uint64_t now = model_now(sm->m), freed = 0, left = nr_to_scan;

	lru_pass_rotate(sm, l, pass);
	if (!l->order_valid && !lru_write_order(sm, l))
		return scan_objects_walk(sm, l, nr_to_scan, now, pass);
	while (left && l->count) {
		uint64_t lim = left < l->count ? left : l->count;
		uint64_t p = lru_find_freeable(l, lim, now, &pass->next_freeable_ns);
		pass->kept += p;
		if (p == lim) {
			pass->unseen += left;
			break;
		}
		pass->unseen += p;
		lru_pass_rotate(sm, l, pass);
		uint32_t oi = l->head;
		uint64_t key = sm->objs[oi].key;
		slab_release_object(sm, oi);
		key_map_put(&sm->reclaimed, key, 1);
		freed++;
		left -= p + 1;
		if (!l->order_valid && l->count && !lru_write_order(sm, l))
			return freed + scan_objects_walk(sm, l, left, now, pass);
	}
	return freed;
}

/* do_shrink_slab() for one cache's shrinker on one node. */
static uint64_t do_shrink_slab(struct slab_model *sm, struct slab_cache *c, int nid, int priority)
{
	uint64_t freeable = c->lru[nid].count * sm->p.vfs_cache_pressure / 100;
	uint64_t nr, delta, total_scan, scanned = 0, freed = 0, next_deferred;
	struct lru_pass pass = { 0, UINT64_MAX, 0 };

	if (!freeable)
		return 0;
	nr = c->nr_deferred[nid];
	c->nr_deferred[nid] = 0;
	delta = (freeable >> priority) * 4 / sm->p.seeks;
	total_scan = (nr >> priority) + delta;
	if (total_scan > 2 * freeable)
		total_scan = 2 * freeable;
	if (model_now(sm->m) < c->lru[nid].next_freeable_ns) {
		/* nothing can be freed: the batches below in closed form, one rotation */
		uint64_t full = total_scan / sm->p.batch * sm->p.batch;
		scanned = full + (total_scan - full >= freeable ? total_scan - full : 0);
		sm->st.shrink_scanned += scanned;
		pass.unseen = scanned;
		total_scan = 0;
	}
	while ((total_scan >= sm->p.batch || total_scan >= freeable) && c->lru[nid].count) {
		uint64_t nr_to_scan = total_scan < sm->p.batch ? total_scan : sm->p.batch;
		freed += scan_objects(sm, c, nid, nr_to_scan, &pass);
		sm->st.shrink_scanned += nr_to_scan;
		total_scan -= nr_to_scan;
		scanned += nr_to_scan;
		if (!nr_to_scan)
			break;
	}
	lru_pass_rotate(sm, &c->lru[nid], &pass);
	/* every object left was looked at: the soonest one becomes freeable is known exactly */
	if (pass.kept >= c->lru[nid].count)
		c->lru[nid].next_freeable_ns = pass.next_freeable_ns;
	next_deferred = nr + delta > scanned ? nr + delta - scanned : 0;
	if (next_deferred > 2 * freeable)
		next_deferred = 2 * freeable;
	c->nr_deferred[nid] += next_deferred;
	return freed;
}

/* shrink_slab(): every shrinker of the node, at one priority. */
uint64_t shrink_slab(struct slab_model *sm, int nid, int priority)
{
	uint64_t freed = 0;

	if (nid < 0 || nid >= MODEL_MAX_NODES)
		return 0;
	sm->st.shrink_calls++;
	for (size_t i = 0; i < sm->nshrinkers; i++)
		freed += do_shrink_slab(sm, &sm->caches[sm->shrinkers[i]], nid, priority);
	sm->st.shrink_freed += freed;
	return freed;
}

/*
 * The page model's hook: its slab-shrink worker and direct reclaim call this. The objects
 * scanned are reported back: they are what a worker's shrink run costs in model time.
 */
uint64_t slab_shrink_callback(void *ctx, int nid, int priority)
{
	struct slab_model *sm = ctx;
	uint64_t scanned = sm->st.shrink_scanned, freed = shrink_slab(sm, nid, priority);

	model_shrink_scanned(sm->m, sm->st.shrink_scanned - scanned);
	return freed;
}

/* The order's chunks: a closed cycle holding count objects, each chunk's least time exact. */
static bool lru_check_chunks(const struct slab_lru *l, char *buf, size_t len, const char *name,
			     int nid)
{
	uint64_t total = 0, steps = 0;
	uint32_t ci = l->cur_chunk;

	if (ci == SLAB_NIL) {
		if (!l->count)
			return false;
		snprintf(buf, len, "%s: LRU of node %d: %llu objects, no order", name, nid,
			 (unsigned long long)l->count);
		return true;
	}
	if (l->cur_off >= l->chunks[ci].n) {
		snprintf(buf, len, "%s: LRU of node %d: the head past its chunk", name, nid);
		return true;
	}
	do {
		const struct lru_chunk *ch = &l->chunks[ci];
		uint64_t min = UINT64_MAX;
		for (uint32_t j = 0; j < ch->n; j++)
			min = ch->from[j] < min ? ch->from[j] : min;
		if (!ch->n || ch->n > LRU_CHUNK || min != ch->min_from ||
		    l->chunks[ch->next].prev != ci || ++steps > l->nchunks) {
			snprintf(buf, len, "%s: LRU of node %d: order chunk %u corrupt", name, nid,
				 ci);
			return true;
		}
		total += ch->n;
		ci = ch->next;
	} while (ci != l->cur_chunk);
	if (total != l->count) {
		snprintf(buf, len, "%s: LRU of node %d: order holds %llu of %llu", name, nid,
			 (unsigned long long)total, (unsigned long long)l->count);
		return true;
	}
	return false;
}

/* A cache's partial lists and LRUs, walked both ways against their counts. */
const char *slab_check_lists(const struct slab_model *sm, const struct slab_cache *c, char *buf,
			     size_t len, uint64_t *on_lrus)
{
	uint64_t lru_total = 0;

	for (int n = 0; n < MODEL_MAX_NODES; n++) {
		uint64_t k = 0;
		uint32_t prev = SLAB_NIL;
		for (uint32_t i = c->partial[n].head; i != SLAB_NIL; i = sm->slabs[i].next) {
			const struct slab *s = &sm->slabs[i];
			if (s->prev != prev || !s->on_partial || s->nid != n ||
			    &sm->caches[s->cache] != c || ++k > c->partial[n].count) {
				snprintf(buf, len, "%s: partial list of node %d corrupt at slab %u",
					 c->name, n, i);
				return buf;
			}
			prev = i;
		}
		if (k != c->partial[n].count || prev != c->partial[n].tail) {
			snprintf(buf, len, "%s: partial list of node %d: count %llu, walked %llu",
				 c->name, n, (unsigned long long)c->partial[n].count,
				 (unsigned long long)k);
			return buf;
		}
		k = 0;
		const struct slab_lru *l = &c->lru[n];
		if (l->order_valid && lru_check_chunks(l, buf, len, c->name, n))
			return buf;
		uint32_t i = l->head, oc = l->cur_chunk, ooff = l->cur_off;
		prev = l->tail;
		for (k = 0; k < l->count; k++, prev = i, i = sm->objs[i].lru_next) {
			const struct slab_obj *o = i < sm->nobjs ? &sm->objs[i] : NULL;
			if (!o || o->lru_prev != prev || o->slab == SLAB_NIL) {
				snprintf(buf, len, "%s: LRU of node %d corrupt at object %u",
					 c->name, n, i);
				return buf;
			}
			if (l->order_valid &&
			    (oc == SLAB_NIL || l->chunks[oc].obj[ooff] != i || o->lru_chunk != oc ||
			     l->chunks[oc].from[ooff] != object_freeable_from(sm, o))) {
				snprintf(buf, len, "%s: LRU of node %d: order stale at object %u",
					 c->name, n, i);
				return buf;
			}
			if (l->order_valid && ++ooff == l->chunks[oc].n) {
				oc = l->chunks[oc].next;
				ooff = 0;
			}
			if (!slab_obj_unused(c, o->key)) {
				snprintf(buf, len, "%s: LRU of node %d: object %u in use", c->name,
					 n, i);
				return buf;
			}
			if (object_freeable_from(sm, o) < l->next_freeable_ns) {
				snprintf(buf, len,
					 "%s: LRU of node %d: object %u freeable before the bound",
					 c->name, n, i);
				return buf;
			}
		}
		if (l->count ? i != l->head || prev != l->tail
			     : l->head != SLAB_NIL || l->tail != SLAB_NIL) {
			snprintf(buf, len, "%s: LRU of node %d: the cycle of %llu does not close",
				 c->name, n, (unsigned long long)l->count);
			return buf;
		}
		lru_total += k;
	}
	*on_lrus += lru_total;
	if (c->shrinkable ? lru_total > c->nr_objects : lru_total != 0) {
		snprintf(buf, len, "%s: %llu objects, %llu on LRUs", c->name,
			 (unsigned long long)c->nr_objects, (unsigned long long)lru_total);
		return buf;
	}
	return NULL;
}
