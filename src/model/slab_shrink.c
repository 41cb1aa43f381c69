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
 */
#include "slab_internal.h"

#include <stdio.h>

void lru_add_tail(struct slab_model *sm, struct slab_cache *c, uint32_t oi)
{
	struct slab_obj *o = &sm->objs[oi];
	struct slab_list *l = &c->lru[sm->slabs[o->slab].nid];

	o->lru_prev = l->tail;
	o->lru_next = SLAB_NIL;
	if (l->tail != SLAB_NIL)
		sm->objs[l->tail].lru_next = oi;
	else
		l->head = oi;
	l->tail = oi;
	l->count++;
}

void lru_del(struct slab_model *sm, struct slab_cache *c, uint32_t oi)
{
	struct slab_obj *o = &sm->objs[oi];
	struct slab_list *l = &c->lru[sm->slabs[o->slab].nid];

	if (o->lru_prev != SLAB_NIL)
		sm->objs[o->lru_prev].lru_next = o->lru_next;
	else
		l->head = o->lru_next;
	if (o->lru_next != SLAB_NIL)
		sm->objs[o->lru_next].lru_prev = o->lru_prev;
	else
		l->tail = o->lru_prev;
	o->lru_prev = o->lru_next = SLAB_NIL;
	l->count--;
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
	if (now < o->born_ns + sm->p.freeable_min_age_ns)
		return false;
	uint64_t h = (o->key ^ (o->key >> 29)) * 0xBF58476D1CE4E5B9ull;
	return (h >> 32) % 1000000 < c->freeable_ppm;
}

/* scan_objects: look at nr_to_scan objects from the LRU's head; returns how many were freed. */
static uint64_t scan_objects(struct slab_model *sm, struct slab_cache *c, int nid,
			     uint64_t nr_to_scan)
{
	struct slab_list *l = &c->lru[nid];
	uint64_t now = model_now(sm->m), freed = 0;

	for (uint64_t i = 0; i < nr_to_scan && l->head != SLAB_NIL; i++) {
		uint32_t oi = l->head;
		struct slab_obj *o = &sm->objs[oi];
		if (object_freeable(sm, c, o, now)) {
			uint64_t key = o->key;
			slab_release_object(sm, oi);
			key_map_put(&sm->reclaimed, key, 1);
			freed++;
		} else {
			lru_del(sm, c, oi);
			lru_add_tail(sm, c, oi);
		}
	}
	return freed;
}

/* do_shrink_slab() for one cache's shrinker on one node. */
static uint64_t do_shrink_slab(struct slab_model *sm, struct slab_cache *c, int nid, int priority)
{
	uint64_t freeable = c->lru[nid].count * sm->p.vfs_cache_pressure / 100;
	uint64_t nr, delta, total_scan, scanned = 0, freed = 0, next_deferred;

	if (!freeable)
		return 0;
	nr = c->nr_deferred[nid];
	c->nr_deferred[nid] = 0;
	delta = (freeable >> priority) * 4 / sm->p.seeks;
	total_scan = (nr >> priority) + delta;
	if (total_scan > 2 * freeable)
		total_scan = 2 * freeable;
	while ((total_scan >= sm->p.batch || total_scan >= freeable) && c->lru[nid].count) {
		uint64_t nr_to_scan = total_scan < sm->p.batch ? total_scan : sm->p.batch;
		freed += scan_objects(sm, c, nid, nr_to_scan);
		sm->st.shrink_scanned += nr_to_scan;
		total_scan -= nr_to_scan;
		scanned += nr_to_scan;
		if (!nr_to_scan)
			break;
	}
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
	for (size_t i = 0; i < sm->ncaches; i++)
		if (sm->caches[i].shrinkable)
			freed += do_shrink_slab(sm, &sm->caches[i], nid, priority);
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
		prev = SLAB_NIL;
		for (uint32_t i = c->lru[n].head; i != SLAB_NIL; i = sm->objs[i].lru_next) {
			const struct slab_obj *o = &sm->objs[i];
			if (o->lru_prev != prev || o->slab == SLAB_NIL || ++k > c->lru[n].count) {
				snprintf(buf, len, "%s: LRU of node %d corrupt at object %u",
					 c->name, n, i);
				return buf;
			}
			prev = i;
		}
		if (k != c->lru[n].count || prev != c->lru[n].tail) {
			snprintf(buf, len, "%s: LRU of node %d: count %llu, walked %llu", c->name,
				 n, (unsigned long long)c->lru[n].count, (unsigned long long)k);
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
