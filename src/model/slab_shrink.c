// SPDX-License-Identifier: GPL-2.0
/*
 * slab_shrink.c - shrinkers over the shrinkable caches: their LRUs, shrink_slab() and
 * do_shrink_slab() (mm/shrinker.c), and the scan that stands in for the caches' own
 * scan_objects (dentry and inode LRU walks).
 *
 * do_shrink_slab: freeable = the LRU's length scaled by vfs_cache_pressure; delta =
 * (freeable >> priority) * 4 / seeks; total_scan = delta plus the deferred work >> priority,
 * at most twice freeable; scans in batches of `batch` while total_scan reaches a batch or all
 * of freeable; what was not scanned is deferred, up to twice freeable.
 *
 * The scan walks the LRU from its oldest object. An object is reclaimed when it is at least
 * freeable_min_age old and falls in its cache's freeable share (slab_params.freeable_ppm, or
 * the cache's own share calibrated by replay; a hash of its key decides, so the
 * choice is deterministic); otherwise it counts as referenced and rotates to the tail, as
 * dentries with DCACHE_REFERENCED do. One shrinker per cache (the kernel's per-superblock
 * shrinker splits a scan between its dentry and inode LRUs; see docs/model.md).
 *
 * The walk's result is kept, its cost is not: each LRU is a cycle, so a rotation only moves
 * its head; a pass before the LRU's next_freeable_ns cannot free and moves the head once by
 * its scan count modulo the length; the order kept as an array (with each object's freeable
 * time) makes that move O(1) and lets a pass that may free find the next freeable object
 * without visiting the objects. Expected workload: under pressure, millions of passes over
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
				.next_freeable_ns = UINT64_MAX };
}

void lru_destroy(struct slab_lru *l)
{
	free(l->order);
	free(l->order_from);
	l->order = NULL;
	l->order_from = NULL;
}

/* In the cache's freeable share: a hash of the key decides, so the choice is deterministic. */
static bool object_in_share(const struct slab_cache *c, const struct slab_obj *o)
{
	uint64_t h = (o->key ^ (o->key >> 29)) * 0xBF58476D1CE4E5B9ull;
	return (h >> 32) % 1000000 < c->freeable_ppm;
}

/* When an object in the share becomes freeable (wrapping as the age test does). */
static uint64_t object_freeable_from(const struct slab_model *sm, const struct slab_obj *o)
{
	return o->born_ns + sm->p.freeable_min_age_ns;
}

/* The time an object on the LRU becomes freeable, never for one outside the share. */
static uint64_t object_lru_from(const struct slab_model *sm, const struct slab_cache *c,
				const struct slab_obj *o)
{
	return object_in_share(c, o) ? object_freeable_from(sm, o) : UINT64_MAX;
}

/*
 * Keeping the order costs up to its length per change, a memmove far cheaper per object than
 * a walk of the list; once it has cost more than a few dozen walks since a pass last used it,
 * it is dropped (the next pass writes it afresh), so a cache changing often between rare
 * passes pays no more than the walks.
 */
static void lru_order_work(struct slab_lru *l, uint64_t objects)
{
	l->order_work += objects;
	if (l->order_work > 32 * l->count + 4096)
		l->order_valid = false;
}

/* Room in the order for count objects; false (the order dropped) when there is none. */
static bool lru_order_room(struct slab_lru *l)
{
	if (l->order_cap >= l->count)
		return true;
	uint64_t cap = l->count + l->count / 2 + 64;
	uint32_t *order = realloc(l->order, cap * sizeof(*order));
	if (order)
		l->order = order;
	uint64_t *from = order ? realloc(l->order_from, cap * sizeof(*from)) : NULL;
	if (from)
		l->order_from = from;
	if (!order || !from) {
		l->order_valid = false;
		return false;
	}
	l->order_cap = cap;
	return true;
}

/*
 * The order keeps up with an object added at the tail: it goes in just before the head (at
 * the end when the head is first, else the objects from the head on move up one).
 */
static void lru_order_insert_tail(struct slab_lru *l, uint32_t oi, uint64_t from)
{
	uint64_t n = l->count - 1, h = l->order_head; /* the objects the order held */

	if (!lru_order_room(l))
		return;
	if (h == 0) {
		l->order[n] = oi;
		l->order_from[n] = from;
		return;
	}
	memmove(l->order + h + 1, l->order + h, (n - h) * sizeof(*l->order));
	memmove(l->order_from + h + 1, l->order_from + h, (n - h) * sizeof(*l->order_from));
	l->order[h] = oi;
	l->order_from[h] = from;
	l->order_head = h + 1;
	lru_order_work(l, n - h);
}

/* The order keeps up with an object taken off: found by a scan of the array, closed up. */
static void lru_order_delete(struct slab_lru *l, uint32_t oi)
{
	uint64_t n = l->count + 1, j = 0; /* the objects the order held */

	while (j < n && l->order[j] != oi)
		j++;
	if (j == n) {
		l->order_valid = false;
		return;
	}
	memmove(l->order + j, l->order + j + 1, (n - j - 1) * sizeof(*l->order));
	memmove(l->order_from + j, l->order_from + j + 1, (n - j - 1) * sizeof(*l->order_from));
	if (j < l->order_head)
		l->order_head--;
	if (l->order_head >= l->count)
		l->order_head = 0;
	lru_order_work(l, n);
}

void lru_add_tail(struct slab_model *sm, struct slab_cache *c, uint32_t oi)
{
	struct slab_obj *o = &sm->objs[oi];
	struct slab_lru *l = &c->lru[sm->slabs[o->slab].nid];
	uint64_t from = object_lru_from(sm, c, o);

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
	if (l->order_valid)
		lru_order_insert_tail(l, oi, from);
	if (from < l->next_freeable_ns)
		l->next_freeable_ns = from;
}

void lru_del(struct slab_model *sm, struct slab_cache *c, uint32_t oi)
{
	struct slab_obj *o = &sm->objs[oi];
	struct slab_lru *l = &c->lru[sm->slabs[o->slab].nid];

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
	if (l->order_valid)
		lru_order_delete(l, oi);
}

/*
 * Move the LRU's head k objects on (0 < k < count): its first k objects go to the tail in
 * their order, as k rotations of the head to the tail would leave them. The list is a cycle,
 * so no link changes: O(1) with the order, a walk of k steps without it.
 */
static void lru_rotate(struct slab_model *sm, struct slab_lru *l, uint64_t k)
{
	if (l->order_valid) {
		uint64_t i = (l->order_head + k) % l->count;
		l->head = l->order[i];
		l->tail = l->order[i ? i - 1 : l->count - 1];
		l->order_head = i;
		return;
	}
	uint32_t tail = l->head; /* no memory for the order: walk */
	for (uint64_t i = 1; i < k; i++)
		tail = sm->objs[tail].lru_next;
	l->tail = tail;
	l->head = sm->objs[tail].lru_next;
}

/* The LRU's order, written afresh from a walk (the first pass after it was dropped). */
static bool lru_write_order(struct slab_model *sm, const struct slab_cache *c, struct slab_lru *l)
{
	if (!lru_order_room(l))
		return false;
	uint64_t k = 0;
	for (uint32_t i = l->head; k < l->count; i = sm->objs[i].lru_next, k++) {
		l->order[k] = i;
		l->order_from[k] = object_lru_from(sm, c, &sm->objs[i]);
	}
	l->order_head = 0;
	l->order_work = 0;
	l->order_valid = true;
	return true;
}

/*
 * The freeability assumption: old enough, and in the cache's freeable share. The kernel's
 * list_lru holds only unused objects (dentries with no reference, inodes with no user); the
 * model's LRU holds every object, so the share stands for the unused part, which replay
 * calibrates per cache from the host's own count_objects (mm_shrink_slab_start's cache items).
 */
static bool object_freeable(const struct slab_model *sm, const struct slab_cache *c,
			    const struct slab_obj *o, uint64_t now)
{
	if (now < object_freeable_from(sm, o))
		return false;
	return object_in_share(c, o);
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
static void lru_pass_rotate(struct slab_model *sm, const struct slab_cache *c, struct slab_lru *l,
			    struct lru_pass *pass)
{
	uint64_t k = l->count ? pass->unseen % l->count : 0;

	pass->unseen = 0;
	if (!k)
		return;
	if (!l->order_valid)
		lru_write_order(sm, c, l);
	l->order_work = 0;
	lru_rotate(sm, l, k);
}

/*
 * Of the next lim objects from the head, the first freeable at now (lim when none), from the
 * order's times; the soonest the ones before it become freeable is kept in *soonest.
 */
static uint64_t lru_find_freeable(const struct slab_lru *l, uint64_t lim, uint64_t now,
				  uint64_t *soonest)
{
	uint64_t h = l->order_head, n = l->count, min = *soonest, i;

	for (i = 0; i < lim; i++) {
		uint64_t f = l->order_from[h + i < n ? h + i : h + i - n];
		if (f <= now && f != UINT64_MAX)
			break;
		if (f < min)
			min = f;
	}
	*soonest = min;
	return i;
}

/* scan_objects without the order (no memory for it): the walk, object by object. */
static uint64_t scan_objects_walk(struct slab_model *sm, struct slab_cache *c, struct slab_lru *l,
				  uint64_t nr_to_scan, uint64_t now, struct lru_pass *pass)
{
	uint64_t freed = 0;

	for (uint64_t i = 0; i < nr_to_scan && l->head != SLAB_NIL; i++) {
		uint32_t oi = l->head;
		struct slab_obj *o = &sm->objs[oi];
		if (object_freeable(sm, c, o, now)) {
			uint64_t key = o->key;
			slab_release_object(sm, oi);
			key_map_put(&sm->reclaimed, key, 1);
			freed++;
		} else {
			if (object_in_share(c, o) &&
			    object_freeable_from(sm, o) < pass->next_freeable_ns)
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
 * A freeable object is freed; any other rotates to the tail. When no object on the LRU can be
 * freeable yet (now before next_freeable_ns), nothing is looked at: the objects are owed to
 * the pass as rotations, with the same result. Otherwise the order's times find the next
 * freeable object, and the ones before it are owed as rotations.
 */
static uint64_t scan_objects(struct slab_model *sm, struct slab_cache *c, int nid,
			     uint64_t nr_to_scan, struct lru_pass *pass)
{
	struct slab_lru *l = &c->lru[nid];
	uint64_t now = model_now(sm->m), freed = 0, left = nr_to_scan;

	if (now < l->next_freeable_ns) {
		pass->unseen += nr_to_scan;
		return 0;
	}
	lru_pass_rotate(sm, c, l, pass);
	if (!l->order_valid && !lru_write_order(sm, c, l))
		return scan_objects_walk(sm, c, l, nr_to_scan, now, pass);
	while (left && l->count) {
		uint64_t lim = left < l->count ? left : l->count;
		uint64_t p = lru_find_freeable(l, lim, now, &pass->next_freeable_ns);
		pass->kept += p;
		if (p == lim) {
			pass->unseen += left;
			break;
		}
		pass->unseen += p;
		lru_pass_rotate(sm, c, l, pass);
		uint32_t oi = l->head;
		uint64_t key = sm->objs[oi].key;
		slab_release_object(sm, oi);
		key_map_put(&sm->reclaimed, key, 1);
		freed++;
		left -= p + 1;
		if (!l->order_valid && l->count && !lru_write_order(sm, c, l))
			return freed + scan_objects_walk(sm, c, l, left, now, pass);
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
	lru_pass_rotate(sm, c, &c->lru[nid], &pass);
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

/* A cache's partial lists and LRUs, walked both ways against their counts. */
const char *slab_check_lists(const struct slab_model *sm, const struct slab_cache *c, char *buf,
			     size_t len)
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
		uint32_t i = l->head;
		prev = l->tail;
		for (k = 0; k < l->count; k++, prev = i, i = sm->objs[i].lru_next) {
			const struct slab_obj *o = i < sm->nobjs ? &sm->objs[i] : NULL;
			if (!o || o->lru_prev != prev || o->slab == SLAB_NIL) {
				snprintf(buf, len, "%s: LRU of node %d corrupt at object %u",
					 c->name, n, i);
				return buf;
			}
			uint64_t at = l->order_valid ? (l->order_head + k) % l->count : 0;
			if (l->order_valid &&
			    (l->order[at] != i || l->order_from[at] != object_lru_from(sm, c, o))) {
				snprintf(buf, len, "%s: LRU of node %d: order stale at object %u",
					 c->name, n, i);
				return buf;
			}
			if (object_in_share(c, o) &&
			    object_freeable_from(sm, o) < l->next_freeable_ns) {
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
	if (c->shrinkable && lru_total != c->nr_objects) {
		snprintf(buf, len, "%s: %llu objects, %llu on LRUs", c->name,
			 (unsigned long long)c->nr_objects, (unsigned long long)lru_total);
		return buf;
	}
	return NULL;
}
