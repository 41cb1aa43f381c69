// SPDX-License-Identifier: GPL-2.0
/*
 * slab_internal.h - the slab model's state (see slab.h for what it models).
 *
 * Slabs live in an array indexed by u32, linked into per-(cache, node) partial lists. A live
 * object is a slot of the live-object map (key -> its slab, and its entry's index + 1 or
 * LIVE_NO_ENTRY); only an object on an LRU (unused, of a shrinkable cache) has an entry in the
 * object array, linked into its cache's LRU, oldest at the head: nothing else reads an object,
 * so an allocation and a free of any other touch one map slot and the slab. A second key map
 * holds the keys a shrinker reclaimed that the trace has not freed yet.
 */
#ifndef FRAGTRACE_SLAB_INTERNAL_H
#define FRAGTRACE_SLAB_INTERNAL_H

#include "model_internal.h"
#include "slab.h"

#define SLAB_NIL	     UINT32_MAX
#define SLAB_MAX_CACHES	     65535
#define SLAB_KMALLOC_CLASSES 13
#define START_SLAB_GONE	     UINT32_MAX
/* the live-object map's value for an object with no entry in the object array (not on an LRU) */
#define LIVE_NO_ENTRY UINT32_MAX

struct key_slot {
	uint64_t key;
	uint32_t value; /* 0: empty */
	uint32_t slab;	/* the live-object map: the object's slab (no other map sets it) */
};

struct key_map {
	struct key_slot *slots;
	size_t cap, used;
	size_t tail; /* slots past the last home slot; 0: KEY_MAP_TAIL (slab.c) */
	size_t last; /* cap + the tail - 1, set with the slots: the slot never filled (slab.c) */
	size_t room; /* cap / 2, set with cap: the keys it holds before it grows (slab.c) */
};

struct slab_obj {
	uint64_t key;
	uint64_t born_ns;
	uint32_t slab; /* SLAB_NIL: a free entry */
	uint32_t lru_prev, lru_next;
	uint32_t lru_chunk; /* on an LRU with its order: the chunk holding it */
};

struct slab {
	uint64_t pfn;
	uint16_t cache;
	uint8_t nid, order;
	uint16_t inuse, capacity; /* capacity 0: a free entry */
	uint16_t cpu;		  /* the CPU whose allocation took its pages */
	uint16_t unnamed;	  /* a start slab's objects from before the trace, not named */
	bool on_partial;
	bool adopted;	     /* a start slab's page: adopted, not taken from the page source */
	uint32_t prev, next; /* partial list */
};

struct slab_list {
	uint32_t head, tail;
	uint64_t count;
};

/*
 * A piece of an LRU's order: up to LRU_CHUNK objects in list order, each with the time it
 * becomes freeable (never: UINT64_MAX), and the least of those times. The chunks are linked
 * in a cycle in list order.
 */
#define LRU_CHUNK 128
struct lru_chunk {
	uint32_t n, prev, next; /* a free chunk: next links the free ones */
	uint64_t min_from;
	uint32_t obj[LRU_CHUNK];
	uint64_t from[LRU_CHUNK];
};

/*
 * A shrinkable cache's LRU on one node: objects linked in a cycle, head the oldest and tail
 * (the head's prev) the newest, so rotating the head to the tail moves no link. Two aids let
 * a shrinker's pass end with the same result as walking it without visiting every object
 * (slab_shrink.c): next_freeable_ns, a lower bound on the time any object on it becomes
 * freeable (exact after a full lap, lowered by every object added, left alone when one
 * goes); and the order, the objects in list order in a cycle of chunks, the head at
 * (cur_chunk, cur_off). An add or a removal changes one chunk (O(LRU_CHUNK)); a rotation by
 * k is a binary search over where the chunks start (written afresh by the first rotation after
 * a chunk changed, a walk over the chunks); a search for the next freeable object skips the
 * chunks whose least time is later. order_valid is false only when memory for a chunk could
 * not be had (the next pass writes the order afresh, or walks the list).
 */
struct slab_lru {
	uint32_t head, tail;
	uint64_t count;
	uint64_t next_freeable_ns;
	struct lru_chunk *chunks;
	uint32_t nchunks, chunks_cap, chunk_free;
	uint32_t cur_chunk, cur_off; /* the head's place in the order */
	bool order_valid;
	/* the chunks in cycle order from one of them, with where each starts: a rotation's
	 * binary search, valid until a chunk changes (rewritten by the next rotation) */
	uint32_t *pos_chunk;
	uint64_t *pos_start;
	uint32_t pos_n, pos_cap, pos_cur; /* pos_cur: the cursor's chunk in it */
	bool pos_valid;
};

/* mm/slub.c: the bounds of a cache's min_partial (empty slabs a node keeps) */
#define SLAB_MIN_PARTIAL 5
#define SLAB_MAX_PARTIAL 10

struct slab_cache {
	char name[40];
	uint32_t object_size, objects_per_slab, min_objects;
	unsigned order, min_order;
	unsigned min_partial; /* empty slabs a node's partial list keeps (set_min_partial) */
	bool reclaimable, shrinkable;
	uint32_t freeable_ppm; /* its shrinker's freeable share (the config's, or the model's) */
	uint64_t nr_slabs, nr_objects;
	struct slab_list partial[MODEL_MAX_NODES];
	struct slab_lru lru[MODEL_MAX_NODES];  /* shrinkable: objects, oldest first */
	uint64_t nr_deferred[MODEL_MAX_NODES]; /* the shrinker's deferred scan count */
};

struct slab_model {
	/* first: slab_prefetch_slot() (slab.h) reads its slots and cap; the live objects, by key */
	struct key_map live;
	struct model *m;
	struct slab_params p;
	struct slab_page_ops page_ops; /* model_alloc/model_free unless the caller set its own */
	struct slab_cache *caches;
	size_t ncaches, caches_cap;
	struct slab *slabs;
	size_t nslabs, slabs_cap;
	uint32_t slab_free;
	struct slab_obj *objs;
	size_t nobjs, objs_cap;
	uint32_t obj_free;
	struct key_map reclaimed;
	/* pfn -> adopted start slab's index + 1; START_SLAB_GONE once the model discarded it,
	 * until the host frees the page too */
	struct key_map start_slabs;
	uint32_t *shrinkers; /* the shrinkable caches' indexes, in order (shrink_slab's walk) */
	size_t nshrinkers, shrinkers_cap;
	int kmalloc[2 * SLAB_KMALLOC_CLASSES];
	struct slab_stats st;
	/* the last key a free found neither live nor reclaimed, and st.allocs then: unknown
	 * still while no allocation came since (slab_obj_known) */
	uint64_t unknown_key, unknown_at_allocs;
};

uint32_t key_map_get(const struct key_map *km, uint64_t key);
int key_map_put(struct key_map *km, uint64_t key, uint32_t value);
void key_map_del(struct key_map *km, uint64_t key);
void key_map_free(struct key_map *km);

void slab_release_object(struct slab_model *sm, uint32_t oi);
void lru_add_tail(struct slab_model *sm, struct slab_cache *c, uint32_t oi);
void lru_del(struct slab_model *sm, struct slab_cache *c, uint32_t oi);
void lru_init(struct slab_lru *l);
void lru_destroy(struct slab_lru *l);
uint64_t slab_shrink_callback(void *ctx, int nid, int priority);
/* shrink_slab() over every shrinker of node nid; returns the objects freed. */
uint64_t shrink_slab(struct slab_model *sm, int nid, int priority);
/* The cache's lists walked; the objects on its LRUs added to *on_lrus. NULL when consistent. */
const char *slab_check_lists(const struct slab_model *sm, const struct slab_cache *c, char *buf,
			     size_t len, uint64_t *on_lrus);
/* Unused (on its cache's LRU when the cache is shrinkable): in the calibrated unused share. */
bool slab_obj_unused(const struct slab_cache *c, uint64_t key);

#endif
