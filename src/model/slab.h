// SPDX-License-Identifier: GPL-2.0
/*
 * slab.h - the slab model: caches, slabs, objects and shrinkers on top of the page model.
 *
 * What matters for fragmentation is where slab pages come from and when they go back: each
 * cache keeps a per-node partial list of slabs; an object goes into the slab at its head or
 * into a new slab taken from the page model with the cache's migratetype (RECLAIMABLE for
 * reclaim_account caches, UNMOVABLE otherwise, SLUB's high order first with NORETRY|NOWARN,
 * then its minimum order), and a slab goes back to the page model when its last object is
 * freed. kmalloc has its size classes, with the reclaimable kmalloc-rcl caches for
 * __GFP_RECLAIMABLE. Objects are named by the caller's key (the trace's object address).
 *
 * Shrinkers: every shrinkable cache (dentry and inode caches by default) has a shrinker with an
 * LRU of its unused objects, oldest first, as the kernel's list_lru. shrink_slab(nid, priority)
 * runs the kernel's do_shrink_slab arithmetic on each: count_objects (the LRU's length) >>
 * priority, times 4 / seeks, deferred work carried over, scans in batches of 128. A trace
 * cannot say which objects are in use, so that is an assumption, counted and documented: the
 * share freeable_ppm of a cache's objects (picked by a hash of the key) is unused and on the
 * LRU for its whole life, the rest in use and never on it; an unused object can be reclaimed
 * once it is min_age old (a younger one counts as referenced and rotates). A cache can carry
 * its own share (replay calibrates it from the host's shrinker runs).
 * A free in the trace of an object the model already reclaimed is counted and ignored.
 *
 * No I/O. Memory: a 16-byte map slot per live object (the map at most half full), 32 bytes
 * more for an object on an LRU, and 32 per slab.
 */
#ifndef FRAGTRACE_SLAB_H
#define FRAGTRACE_SLAB_H

#include "model.h"

/* The API stays visible; the library's other symbols become local (cmake/private_library.cmake) */
#pragma GCC visibility push(default)

struct slab_model;

struct slab_params {
	uint64_t freeable_min_age_ns; /* objects younger than this are never reclaimed */
	uint32_t freeable_ppm;	      /* share of objects unused (on the LRU) */
	unsigned seeks;		      /* DEFAULT_SEEKS, 2 */
	unsigned batch;		      /* SHRINK_BATCH, 128 */
	uint32_t vfs_cache_pressure;  /* /proc/sys/vm/vfs_cache_pressure, 100 */
};

struct slab_cache_config {
	const char *name;
	uint32_t object_size;	   /* bytes per object, including metadata (slabinfo objsize) */
	uint32_t objects_per_slab; /* at the preferred order (slabinfo objperslab) */
	unsigned order;		   /* preferred slab order (slabinfo pagesperslab, log2) */
	bool reclaimable;	   /* SLAB_RECLAIM_ACCOUNT: pages are MIGRATE_RECLAIMABLE */
	bool shrinkable;	   /* has a shrinker over its objects */
	/* the share of its objects unused (on its shrinker's LRU), when calibrated from the
	 * host's own shrinker runs (replay); otherwise slab_params.freeable_ppm */
	bool has_freeable_ppm;
	uint32_t freeable_ppm;
};

struct slab_stats {
	uint64_t caches, slabs, slab_pages, objects;
	uint64_t slab_pages_reclaimable, slab_pages_unmovable;
	uint64_t allocs, frees, alloc_failed; /* the trace's operations applied */
	uint64_t unknown_frees;		      /* frees of objects the model never saw */
	uint64_t frees_after_reclaim;	      /* trace frees of objects a shrinker took */
	uint64_t shrink_calls, shrink_scanned, shrink_freed; /* shrink_slab totals */
	uint64_t lru_objects; /* on the shrinkers' LRUs now: the unused objects */
	/* pages of the model's own slabs taken from and given back to the page source; an adopted
	 * start slab's page is in neither (start_slabs, start_slab_pages_discarded), so
	 * slab_pages = slab_pages_allocated - slab_pages_freed + start_slabs -
	 * start_slab_pages_discarded (slab_model_check) */
	uint64_t slab_pages_allocated, slab_pages_freed;
	uint64_t fallback_order_slabs; /* slabs that fell back to the minimum order */
	/* slabs allocated before the trace, adopted at the first free of one of their objects
	 * (slab_obj_free_start), and the frees of their unnamed objects so taken */
	uint64_t start_slabs, start_slab_frees;
	/* adopted start slabs' pages (one each) the model gave back to the page source when it
	 * discarded the emptied slab (discard_slab) */
	uint64_t start_slab_pages_discarded;
	/* the host's frees of adopted start slabs' pages, and the objects from before the trace
	 * those slabs still counted, which were free slots at the start (slab_start_page_freed) */
	uint64_t start_slab_pages_freed, start_slab_free_slots;
	uint64_t start_slab_pages_gone; /* of those frees, slabs the model had discarded first */
};

/*
 * Where slab pages come from and go to. By default the page model itself (model_alloc,
 * model_free); a caller that keeps per-CPU page lists (replay) passes its own, so slab pages
 * are taken from and freed to those lists as the kernel's are (rmqueue_pcplist,
 * free_unref_page). alloc returns MODEL_OK with *pfn set, or a MODEL_E* code.
 */
struct slab_page_ops {
	int (*alloc)(void *ctx, const struct model_alloc_req *q, uint64_t *pfn);
	void (*free)(void *ctx, uint64_t pfn, unsigned order, int migratetype, int cpu);
	void *ctx;
};

void slab_params_default(struct slab_params *p);
/* The slab model allocates its pages from m and registers itself as m's shrinker. */
struct slab_model *slab_model_create(struct model *m, const struct slab_params *p);
void slab_model_destroy(struct slab_model *sm);
/* Take slab pages through ops (NULL: the page model's own allocator again). */
void slab_set_page_ops(struct slab_model *sm, const struct slab_page_ops *ops);
/* Size the map of live objects and the object array for n objects (a hint: both still grow
 * past n when needed). */
void slab_model_reserve(struct slab_model *sm, uint64_t n);

/* Returns the cache id, or a negative MODEL_E* code. */
int slab_cache_create(struct slab_model *sm, const struct slab_cache_config *c);
int slab_cache_lookup(const struct slab_model *sm, const char *name);
/* The default shrinker list: the dentry cache and every inode cache (name ending in "inode" or
 * "inode_cache"). Replay takes another list when told. */
bool slab_shrinkable_by_default(const char *name);
/* The kmalloc cache for a size and gfp (kmalloc_slab()); -1 above the largest class. */
int slab_kmalloc_cache(struct slab_model *sm, uint64_t size, uint32_t gfp);

/*
 * kmem_cache_alloc: one object of cache for key, on node nid at time now_ns. Returns MODEL_OK,
 * MODEL_ENOMEM when no slab page could be had, MODEL_ESTATE when key is already live.
 */
int slab_obj_alloc(struct slab_model *sm, int cache, uint64_t key, uint32_t gfp, int nid, int cpu,
		   uint64_t now_ns);
/*
 * slab_obj_alloc()'s common case alone (kmem_cache_alloc from the partial slab at the list's
 * head, which the object does not fill, for an object on no LRU): true when the object went in,
 * as slab_obj_alloc() would have put it (MODEL_OK); false, nothing changed, when
 * slab_obj_alloc() must be called (which tries the same first). Cheaper to call: it saves no
 * registers.
 */
bool slab_obj_alloc_fast(struct slab_model *sm, int cache, uint64_t key, int nid);
/* slab_obj_alloc() after slab_obj_alloc_fast() said false: the same result, without trying
 * the common case again. */
int slab_obj_alloc_slow(struct slab_model *sm, int cache, uint64_t key, uint32_t gfp, int nid,
			int cpu, uint64_t now_ns);
/* kmem_cache_free / kfree: MODEL_ESTATE (counted) when the model does not hold key. */
int slab_obj_free(struct slab_model *sm, uint64_t key);
/*
 * kmem_cache_free of key, an object of cache in page pfn, which may be a slab allocated before
 * the trace: as slab_obj_free for an object the model holds; otherwise, when pfn is a start
 * slab already adopted, or may_adopt says the caller holds pfn as an order-0 slab page from
 * before the trace, the free is that slab's (MODEL_OK, *adopted set when the page was adopted
 * now: it is the slab model's from then on, freed through the page ops when the slab goes).
 */
int slab_obj_free_start(struct slab_model *sm, uint64_t key, int cache, uint64_t pfn, int nid,
			int cpu, bool may_adopt, bool *adopted);
/*
 * slab_obj_free_start() of a free in a start slab adopted already (most of them): true when
 * the free was that slab's, done as slab_obj_free_start() does it; false, nothing changed,
 * otherwise (slab_obj_free_start() then decides, with what adopting needs).
 */
bool slab_obj_free_adopted(struct slab_model *sm, uint64_t key, int cache, uint64_t pfn);
/* Whether key is an object the model holds or a shrinker took: its free is slab_obj_free's. */
bool slab_obj_known(const struct slab_model *sm, uint64_t key);
/*
 * slab_obj_known() and, when true, slab_obj_free() (with its counts), in one lookup of the
 * live map: false, and nothing changed, for a key the model neither holds nor reclaimed.
 */
bool slab_obj_free_known(struct slab_model *sm, uint64_t key);
/*
 * slab_obj_free() of the key slab_obj_free_known() just said false for: counted as unknown
 * (MODEL_ESTATE), without looking it up again.
 */
int slab_obj_free_not_known(struct slab_model *sm);
/*
 * The trace freed page pfn (the caller's name for it) and it is an adopted start slab's: the
 * slab's objects from before the trace not freed yet were free slots at the start, and go.
 * The page stays the slab model's (freed when its slab is discarded), an ordinary slab from
 * then on; a slab discarded already is forgotten. False: not one (or not any more).
 */
bool slab_start_page_freed(struct slab_model *sm, uint64_t pfn);

/*
 * The live-object map's table as slab_prefetch_slot() reads it: the first two members of every
 * slab model (slab_internal.h; slab.c asserts it), part of this API so that the hint, which
 * replay gives for nearly every slab operation, makes no call. may_alias: it reads the slab
 * model's own fields.
 */
struct __attribute__((may_alias)) slab_slots_view {
	const void *slots; /* SLAB_SLOT_BYTES each */
	size_t cap;	   /* home slots */
};
#define SLAB_SLOT_BYTES 16

/* A key's home slot among cap: its Fibonacci hash times cap, the top 64 bits of 128. */
static inline size_t slab_key_home(uint64_t key, size_t cap)
{
	return (size_t)(((unsigned __int128)(key * 0x9E3779B97F4A7C15ull) * cap) >> 64);
}

/*
 * A hint that key will be allocated or freed soon: its hash slot (a few operations ahead). It
 * only reads. (A second hint, for the object's slab nearer the operation, went in session 19:
 * no gain in wall time shown, bench/RESULTS.md.)
 */
static inline void slab_prefetch_slot(const struct slab_model *sm, uint64_t key)
{
	const struct slab_slots_view *t = (const struct slab_slots_view *)sm;

	__builtin_prefetch((const char *)t->slots + slab_key_home(key, t->cap) * SLAB_SLOT_BYTES);
}

void slab_model_stats(const struct slab_model *sm, struct slab_stats *st);
/* Tests: recount slabs and objects and compare. NULL when consistent. */
const char *slab_model_check(const struct slab_model *sm, char *buf, size_t len);

#pragma GCC visibility pop

#endif
