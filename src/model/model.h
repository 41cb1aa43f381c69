// SPDX-License-Identifier: GPL-2.0
/*
 * model.h - the page-allocator model: public interface.
 *
 * An in-process, deterministic re-implementation of the Linux buddy allocator in two policies:
 * MODEL_POLICY_SPB, Rik van Riel's superpageblock allocator (RFC v2, the [S-F] tree described in
 * ../shared/reference/spb-allocator.md), and MODEL_POLICY_MAINLINE, today's upstream fallback and
 * claim rules with no superpageblocks. The model is driven by replay: an allocation names its
 * order, migratetype and gfp flags and the model decides where it lives; a free names the pfn the
 * model chose. Migration (evacuation, defrag) moves movable allocations and reports each move
 * through the migrate callback so the caller can follow its allocations.
 *
 * Vocabulary is the kernel's: migratetypes, pageblocks, superpageblocks (SPBs), passes. gfp flags
 * are the model's own bit values (MODEL_GFP_*), because the kernel's __GFP bit numbers change
 * between releases; replay translates a trace's flags through the event format's flag table.
 *
 * The model does no I/O. The page model allocates its memory in model_create() (model_check()
 * takes temporary tallies); the slab model (slab.h) grows its tables as objects arrive. Time is
 * whatever the caller says it is (model_advance): deferred work starts at that time plus a latency
 * and its steps take model time by the work they do.
 */
#ifndef FRAGTRACE_MODEL_H
#define FRAGTRACE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The API stays visible; the library's other symbols become local (cmake/private_library.cmake) */
#pragma GCC visibility push(default)

/* Geometry, fixed at x86-64 values: 4 KiB pages, 2 MiB pageblocks, 1 GiB superpageblocks. */
#define PAGE_SHIFT_4K		     12
#define PAGEBLOCK_ORDER		     9
#define PAGEBLOCK_NR_PAGES	     (1u << PAGEBLOCK_ORDER)
#define MAX_PAGE_ORDER		     10
#define NR_PAGE_ORDERS		     (MAX_PAGE_ORDER + 1)
#define SUPERPAGEBLOCK_ORDER	     18
#define SUPERPAGEBLOCK_NR_PAGES	     (1u << SUPERPAGEBLOCK_ORDER)
#define SUPERPAGEBLOCK_NR_PAGEBLOCKS (1u << (SUPERPAGEBLOCK_ORDER - PAGEBLOCK_ORDER))
#define PAGE_ALLOC_COSTLY_ORDER	     3
#define PAGE_REPORTING_CAPACITY	     32 /* blocks free page reporting holds off the free lists at once */

/* include/linux/mmzone.h order. */
enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_HIGHATOMIC, /* == MIGRATE_PCPTYPES */
	MIGRATE_CMA,
	MIGRATE_ISOLATE,
	MIGRATE_TYPES
};
#define MIGRATE_PCPTYPES MIGRATE_HIGHATOMIC

enum model_zone_type { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, MAX_NR_ZONES };

/* The model's gfp bits (see the header comment). Composites below follow include/linux/gfp_types.h. */
enum {
	MODEL_GFP_DMA = 1u << 0,
	MODEL_GFP_HIGHMEM = 1u << 1,
	MODEL_GFP_DMA32 = 1u << 2,
	MODEL_GFP_MOVABLE = 1u << 3,
	MODEL_GFP_RECLAIMABLE = 1u << 4,
	MODEL_GFP_HIGH = 1u << 5,
	MODEL_GFP_IO = 1u << 6,
	MODEL_GFP_FS = 1u << 7,
	MODEL_GFP_DIRECT_RECLAIM = 1u << 8,
	MODEL_GFP_KSWAPD_RECLAIM = 1u << 9,
	MODEL_GFP_NOWARN = 1u << 10,
	MODEL_GFP_RETRY_MAYFAIL = 1u << 11,
	MODEL_GFP_NOFAIL = 1u << 12,
	MODEL_GFP_NORETRY = 1u << 13,
	MODEL_GFP_MEMALLOC = 1u << 14,
	MODEL_GFP_COMP = 1u << 15,
	MODEL_GFP_NOMEMALLOC = 1u << 16,
	MODEL_GFP_HARDWALL = 1u << 17,
	MODEL_GFP_THISNODE = 1u << 18,
	MODEL_GFP_ACCOUNT = 1u << 19,
	MODEL_GFP_ZERO = 1u << 20,  /* replay's page-cache classification only */
	MODEL_GFP_WRITE = 1u << 21, /* replay's page-cache classification only */
};
#define MODEL_GFP_RECLAIM (MODEL_GFP_DIRECT_RECLAIM | MODEL_GFP_KSWAPD_RECLAIM)
#define MODEL_GFP_KERNEL  (MODEL_GFP_RECLAIM | MODEL_GFP_IO | MODEL_GFP_FS)
#define MODEL_GFP_ATOMIC  (MODEL_GFP_HIGH | MODEL_GFP_KSWAPD_RECLAIM)
#define MODEL_GFP_NOWAIT  (MODEL_GFP_KSWAPD_RECLAIM | MODEL_GFP_NOWARN)
#define MODEL_GFP_HIGHUSER_MOVABLE                                                                 \
	(MODEL_GFP_KERNEL | MODEL_GFP_HARDWALL | MODEL_GFP_HIGHMEM | MODEL_GFP_MOVABLE)
#define MODEL_GFP_TRANSHUGE_LIGHT                                                                  \
	((MODEL_GFP_HIGHUSER_MOVABLE | MODEL_GFP_COMP | MODEL_GFP_NOMEMALLOC | MODEL_GFP_NOWARN) & \
	 ~MODEL_GFP_RECLAIM)
#define MODEL_GFP_TRANSHUGE (MODEL_GFP_TRANSHUGE_LIGHT | MODEL_GFP_DIRECT_RECLAIM)

enum model_policy { MODEL_POLICY_MAINLINE, MODEL_POLICY_SPB };

#define MODEL_MAX_ZONES 32
#define MODEL_NO_PFN	UINT64_MAX

/* Return codes. */
enum {
	MODEL_OK = 0,
	MODEL_ENOMEM = -1,  /* no free page could serve the request */
	MODEL_EINVAL = -2,  /* bad argument: pfn outside the model, wrong order, ... */
	MODEL_ESTATE = -3,  /* the pfn is not in the state the call needs (double free, ...) */
	MODEL_ENOSPACE = -4 /* model_create: the host's geometry cannot be allocated */
};

struct model_zone_config {
	int nid;
	enum model_zone_type type;
	uint64_t start_pfn;	       /* zone_start_pfn; rounded down to a pageblock */
	uint64_t spanned_pages;	       /* rounded up to a pageblock */
	uint64_t wmark_min, wmark_low; /* in pages; 0 turns the check into "any free page" */
	/* lowmem_reserve[i], zoneinfo's "protection": pages the watermark check keeps back from
	 * an allocation whose highest usable zone is i (0 for this zone and those below it) */
	uint64_t lowmem_reserve[MAX_NR_ZONES];
};

/* A range of absent pfns inside a zone (firmware, holes): its pageblocks count as reserved. */
struct model_hole {
	uint64_t start_pfn, nr_pages;
};

/*
 * Every constant and switch of the policies. model_params_default() fills in the kernel's
 * values; the variant switches let replay compare the series' passes one by one.
 */
struct model_params {
	unsigned spb_tainted_reserve_min;     /* SPB_TAINTED_RESERVE_MIN, 4 */
	unsigned spb_tainted_reserve_divisor; /* total_pageblocks / 32 */
	unsigned spb_aggressive_threshold;    /* SPB_AGGRESSIVE_THRESHOLD, 8 */
	bool warm_hints;		      /* [S-F]: per-CPU and per-zone Pass 1 hints */
	bool from_tainted_spb;		      /* v1 25/45: skip the 50% rule in Pass 2b */
	bool pass_2c, pass_2d;		      /* v1 31/45 and 42/45 borrows */
	bool highorder_optional_gate;	      /* ALLOC_HIGHORDER_OPTIONAL refusal in __rmqueue */
	bool nowarn_lower_order;	      /* v2 35/40 relax-ladder step */
	bool defrag_mode;		      /* /proc/sys/vm/defrag_mode */
	bool highatomic;     /* the HIGHATOMIC reserve: rmqueue_buddy's tries, (un)reserving */
	bool page_reporting; /* free page reporting (virtio-balloon), mainline only */
	unsigned page_reporting_order; /* page_reporting_order, pageblock_order (9) */
	/* watermark boosting, mainline only (removed in [S-A]): boost_watermark() on a claim
	 * below pageblock_order, cleared at the end of the host's next kswapd run; factor:
	 * /proc/sys/vm/watermark_boost_factor (replay: the trace's start snapshot, else 15000) */
	bool watermark_boost;
	unsigned watermark_boost_factor;
	/* The SPB slab-shrink patch, trigger group by trigger group. */
	bool trigger_demand;	 /* shrink beside evacuation: pre-Pass-3 walk, clean-SPB claim */
	bool trigger_supply;	 /* shrink at the end of every spb_evacuate_for_order */
	bool trigger_proactive;	 /* spb_react_to_tainted_alloc: shrink + defrag at high water */
	bool last_chance_defrag; /* the defrag kick over all tainted SPBs before Pass 3 */
	/* v1 before 32/45: queue_spb_slab_shrink at most once per this many ns per node (100 ms
	 * there); 0, the posted patch: no time throttle, single-flight only */
	uint64_t slab_shrink_throttle_ns;
	/* Workers (deferred evacuation, per-SPB defrag). */
	bool evacuation, defrag;
	unsigned evac_requests;		  /* NR_SPB_EVAC_REQUESTS, 64 */
	uint64_t evac_throttle_ns;	  /* HZ/100: 10 ms per (zone, migratetype) */
	unsigned evac_max_candidates;	  /* SPB_EVACUATE_MAX_CANDIDATES, 16 */
	unsigned evac_max_pb_per_sb;	  /* SPB_EVACUATE_MAX_PB_PER_SB, 8 */
	uint64_t defrag_cooldown_ns;	  /* SPB_DEFRAG_NOOP_COOLDOWN_SECS, 5 s */
	uint64_t slab_shrink_target_objs; /* SPB_SLAB_SHRINK_TARGET_OBJS, pageblock_nr_pages * 4 */
	uint64_t worker_latency_ns;	  /* irq_work -> workqueue delay, default 100 us */
	/* How long a worker run takes (model_workers.c, docs/model.md "Workers take time"):
	 * worker_time off runs every work item in no time, as the model did before */
	bool worker_time;
	uint64_t migrate_page_ns;	/* migrate_pages(), per page tried: 13 us */
	uint64_t reclaim_clean_page_ns; /* reclaim_clean_pages_from_list(), per page: 1.4 us */
	uint64_t evacuate_pageblock_ns; /* isolation scan and rescan of one pageblock: 14 us */
	uint64_t shrink_object_ns;	/* a shrinker's scan_objects, per object scanned: 2.6 us */
	uint64_t shrink_round_ns;	/* one shrink_slab() round over every shrinker: 12.6 us */
	uint32_t migrate_fail_ppm;	/* chance a movable allocation is pinned, per million */
	/* The slowpath (model_reclaim.c): direct reclaim through the reclaim hooks, and
	 * should_reclaim_retry()'s bound, MAX_RECLAIM_RETRIES (16) */
	bool direct_reclaim;
	unsigned max_reclaim_retries;
	/* __alloc_pages_direct_compact()'s try_to_compact_pages() (model_direct_compact.c) */
	bool direct_compaction;
	/* what-if, not the series: compaction's "a suitable block is free already" tests leave
	 * out, for movable requests, tainted SPBs at or below their reserve (Pass 4's refusal) */
	bool spb_compact_servable;
	uint64_t seed; /* for migrate_fail_ppm */
	/* tests only: the walks the model's shortcuts answer (the SPB fallback summary, Pass 1's
	 * rest of a list without free pages, the free
	 * scanner's region and pageblock skips, the async walks' stuck-block step, rmqueue_bulk's
	 * one-pass refill) are made in full; results are the same either way
	 * (tests/test_model_shortcuts.c, tests/test_model_refill.c) */
	bool exact_walks;
};

struct model_config {
	enum model_policy policy;
	unsigned nr_cpus; /* for the per-CPU warm hints; 0 means 1 */
	unsigned nr_zones;
	struct model_zone_config zones[MODEL_MAX_ZONES];
	unsigned nr_holes;
	const struct model_hole *holes;
	struct model_params params;
};

/* One allocation request (what a trace event says about it). */
struct model_alloc_req {
	unsigned order;
	int migratetype; /* the request's type (gfp_migratetype) */
	uint32_t gfp;	 /* MODEL_GFP_* */
	int nid;	 /* preferred node, -1 for the first */
	int cpu;	 /* the allocating CPU: whose warm hints Pass 1 tries */
	bool movable;	 /* the allocation can be migrated (LRU or movable_ops) */
};

/* Counters under the kernel's names where it has one (vm_event_item.h), model-specific otherwise. */
#define MODEL_VM_EVENTS(X)                                                                         \
	X(PGALLOC)                                                                                 \
	X(PGFREE)                                                                                  \
	X(ALLOC_FAIL)                                                                              \
	X(PASS_1)                                                                                  \
	X(PASS_2)                                                                                  \
	X(PASS_2B)                                                                                 \
	X(PASS_2C)                                                                                 \
	X(PASS_2D)                                                                                 \
	X(PASS_3)                                                                                  \
	X(PASS_4)                                                                                  \
	X(ZONE_FALLBACK)                                                                           \
	X(SPB_ALLOC_FALL_THROUGH)                                                                  \
	X(SPB_WALK_VISITS)                                                                         \
	X(RMQUEUE_CLAIM)                                                                           \
	X(RMQUEUE_STEAL)                                                                           \
	X(EXTFRAG_FALLBACK)                                                                        \
	X(TRY_TO_CLAIM_BLOCK)                                                                      \
	X(CLAIM_REFUSED_ISOLATE)                                                                   \
	X(CLAIM_REFUSED_CMA)                                                                       \
	X(CLAIM_REFUSED_ZONE_BOUNDARY)                                                             \
	X(CLAIM_REFUSED_CROSS_TYPE_NOT_FREE)                                                       \
	X(CLAIM_REFUSED_INSUFFICIENT_COMPAT)                                                       \
	X(SPB_HIGHORDER_REFUSED)                                                                   \
	X(RELAX_NORETRY_SKIP)                                                                      \
	X(RELAX_NOWARN_LOWER_ORDER)                                                                \
	X(RELAX_ADD_TAINTED_OK)                                                                    \
	X(RELAX_DROP_NOFRAGMENT)                                                                   \
	X(SLOWPATH)                                                                                \
	X(SLOWPATH_DROP_NOFRAGMENT)                                                                \
	X(SLOWPATH_NORETRY_NOPAGE)                                                                 \
	X(SLOWPATH_COSTLY_NOPAGE)                                                                  \
	X(SLOWPATH_EVACUATE)                                                                       \
	X(SLOWPATH_RESERVES)                                                                       \
	X(ALLOCSTALL)                                                                              \
	X(PGSTEAL_DIRECT)                                                                          \
	X(DIRECT_RECLAIM_SLAB_PAGES)                                                               \
	X(DRAIN_ALL_PAGES)                                                                         \
	X(RECLAIM_RETRY)                                                                           \
	X(RECLAIM_RETRY_EXHAUSTED)                                                                 \
	X(COMPACTSTALL)                                                                            \
	X(COMPACTSUCCESS)                                                                          \
	X(COMPACTFAIL)                                                                             \
	X(DIRECT_COMPACT_RUNS)                                                                     \
	X(DIRECT_COMPACT_SKIPPED)                                                                  \
	X(DIRECT_COMPACT_DEFERRED)                                                                 \
	X(DIRECT_COMPACT_MIGRATED)                                                                 \
	X(DIRECT_COMPACT_CAPTURED)                                                                 \
	X(EVACUATE_RECLAIM_CLEAN)                                                                  \
	X(TRIGGER_DEMAND_PRE_PASS3)                                                                \
	X(TRIGGER_DEMAND_CLAIM)                                                                    \
	X(TRIGGER_SUPPLY)                                                                          \
	X(TRIGGER_PROACTIVE)                                                                       \
	X(SPB_SLAB_SHRINK_QUEUED)                                                                  \
	X(SPB_SLAB_SHRINK_THROTTLED)                                                               \
	X(SPB_SLAB_SHRINK_RAN)                                                                     \
	X(SPB_SLAB_SHRINK_FREED)                                                                   \
	X(SPB_EVAC_QUEUED)                                                                         \
	X(SPB_EVAC_THROTTLED)                                                                      \
	X(SPB_EVAC_IN_FLIGHT)                                                                      \
	X(SPB_EVAC_POOL_HAS_FREE)                                                                  \
	X(SPB_EVAC_POOL_EMPTY)                                                                     \
	X(SPB_EVAC_RAN)                                                                            \
	X(SPB_EVAC_PAGEBLOCKS)                                                                     \
	X(SPB_DEFRAG_QUEUED)                                                                       \
	X(SPB_DEFRAG_RAN)                                                                          \
	X(SPB_DEFRAG_NO_PROGRESS)                                                                  \
	X(SPB_DEFRAG_PAGEBLOCKS)                                                                   \
	X(SPB_DEFRAG_ABSORBED)                                                                     \
	X(SPB_SLAB_SHRINK_ABSORBED)                                                                \
	X(WORK_EVAC_RUNS)                                                                          \
	X(WORK_EVAC_BUSY_NS)                                                                       \
	X(WORK_DEFRAG_BUSY_NS)                                                                     \
	X(WORK_SHRINK_BUSY_NS)                                                                     \
	X(PGMIGRATE_SUCCESS)                                                                       \
	X(PGMIGRATE_FAIL)                                                                          \
	X(HIGHATOMIC_RESERVE)                                                                      \
	X(HIGHATOMIC_UNRESERVE)                                                                    \
	X(PAGE_REPORTING_PASS)                                                                     \
	X(PAGE_REPORTING_RELABEL)                                                                  \
	X(WATERMARK_BOOST)                                                                         \
	X(WATERMARK_BOOST_REFUSED)                                                                 \
	X(WATERMARK_BOOST_PEAK_PAGES)

enum model_vm_event {
#define X(name) MODEL_EV_##name,
	MODEL_VM_EVENTS(X)
#undef X
		MODEL_NR_VM_EVENTS
};

enum sb_category { SB_CLEAN, SB_TAINTED, NR_SB_CATEGORIES };
enum sb_fullness { SB_FULL, SB_FULL_75, SB_FULL_50, SB_FULL_25, SB_ALMOST_EMPTY, NR_SB_FULLNESS };

/* A snapshot of everything replay samples. */
struct model_stats {
	uint64_t present_pages, free_pages;
	uint64_t free_blocks[NR_PAGE_ORDERS]; /* free blocks per order, all zones */
	uint64_t pageblocks_by_mt[MIGRATE_TYPES];
	/* SPB lists (SPB policy; zeros for mainline) */
	uint32_t nr_spbs, spb_empty, spb_isolated;
	uint32_t spb_by_list[NR_SB_CATEGORIES][NR_SB_FULLNESS];
	/* The common yardstick: 1 GiB-aligned regions holding any non-movable pageblock. */
	uint32_t tainted_regions, clean_regions, empty_regions;
	uint64_t free_pageblocks_in_tainted; /* wholly free pageblocks inside tainted regions */
	uint64_t contig_1g_possible;	     /* regions a 1 GiB allocation could take now */
	uint64_t contig_2m_possible;	     /* pageblocks a 2 MiB allocation could take now */
	uint64_t contig_2m_free;	     /* pageblocks wholly free now */
	double unusable_index[NR_PAGE_ORDERS];
	double extfrag_index[NR_PAGE_ORDERS]; /* -1000 where the kernel prints -1.000 */
	uint64_t events[MODEL_NR_VM_EVENTS];
	uint64_t warnings; /* MODEL_WARN_ON trust checks that fired (debug builds; 0 in release) */
};

/* Region classes for model_region_classes(). */
enum model_region_class { REGION_EMPTY, REGION_CLEAN, REGION_TAINTED, REGION_ISOLATED };

struct model;

/* Called for every migrated allocation, before the old pfn is freed. */
typedef void (*model_migrate_fn)(void *ctx, uint64_t old_pfn, uint64_t new_pfn, unsigned order);
/*
 * The clean-page-cache hook (reclaim_clean_pages_from_list during evacuation): returns true
 * when the allocation at pfn is clean page cache the caller has dropped and forgotten; the
 * model then frees it instead of migrating it.
 */
typedef bool (*model_reclaim_clean_fn)(void *ctx, uint64_t pfn, unsigned order);
/* The slab-shrink hook: shrink_slab(nid, priority) for one node; returns objects freed. */
typedef uint64_t (*model_shrink_fn)(void *ctx, int nid, int priority);
/*
 * Direct reclaim's view of the caller's reclaimable memory (model_reclaim.c). The model keeps
 * no LRU of its own: the caller knows which allocations are clean page cache.
 *  shrink_lru:  free up to nr clean page-cache pages of node nid, least recently allocated
 *               first (model_free), and return how many pages went;
 *  lru_pages:   how many such pages node nid still holds (zone_reclaimable_pages());
 *  drain_pages: give every per-CPU list's pages back to the buddy lists (drain_all_pages()).
 * Any hook may be NULL.
 */
struct model_reclaim_ops {
	uint64_t (*shrink_lru)(void *ctx, int nid, uint64_t nr);
	uint64_t (*lru_pages)(void *ctx, int nid);
	void (*drain_pages)(void *ctx);
	void *ctx;
};

void model_params_default(struct model_params *params);
/*
 * Named variants (docs/variants.md): "mainline", "spb" (the series without the slab-shrink
 * patch), "spb+demand", "spb+demand+supply", "spb+proactive", "spb+all" (the patch).
 * Fills policy and params with defaults plus the variant's switches; returns MODEL_EINVAL for
 * an unknown name.
 */
int model_preset(const char *name, enum model_policy *policy, struct model_params *params);
extern const char *const model_preset_names[];
/* A single-node host: DMA (16 MiB), DMA32 (to 4 GiB) and Normal for the rest. */
void model_config_simple(struct model_config *config, enum model_policy policy, uint64_t mem_bytes);
struct model *model_create(const struct model_config *config, int *error);
void model_destroy(struct model *m);
const char *model_strerror(int error);

void model_set_migrate_callback(struct model *m, model_migrate_fn fn, void *ctx);
void model_set_shrink_callback(struct model *m, model_shrink_fn fn, void *ctx);
/* The shrink hook reports the objects its shrinkers scanned: what a worker's shrink run costs. */
void model_shrink_scanned(struct model *m, uint64_t objects);
void model_set_reclaim_clean_callback(struct model *m, model_reclaim_clean_fn fn, void *ctx);
void model_set_reclaim_ops(struct model *m, const struct model_reclaim_ops *ops);

/* The allocator entry point (__alloc_pages): fast path, relax ladder, slowpath. */
int model_alloc(struct model *m, const struct model_alloc_req *req, uint64_t *pfn);
/*
 * Up to max model_alloc(req) calls in a row, nothing else between them, made at once where this
 * CPU's warm hint serves them all from one block: the pfns and counters of those calls. Returns
 * how many were made (pfns[0..n)); 0 when the next call would go another way: make it with
 * model_alloc(). Order-0 movable requests of the SPB policy; the caller's fallback.
 */
unsigned model_alloc_run(struct model *m, const struct model_alloc_req *req, unsigned max,
			 uint64_t *pfns);
/* A PCP refill (rmqueue_bulk): up to count blocks of req->order worth of pages. */
struct model_block {
	uint64_t pfn;
	unsigned order;
};
int model_alloc_bulk(struct model *m, const struct model_alloc_req *req, unsigned count,
		     struct model_block *blocks, unsigned max_blocks, unsigned *nr_blocks);
/*
 * The caller's per-CPU lists, one set per zone and CPU (zone->per_cpu_pageset): with a hook
 * set, model_alloc_pcp() walks the zonelist as get_page_from_freelist() does and, in each zone
 * that passes the watermark check, calls the hook (rmqueue_pcplist() of that zone) instead of
 * taking a page from the buddy lists. The hook returns a block allocated in the model (its
 * list's head, refilled from that zone alone with model_pcp_refill() when empty) or
 * MODEL_NO_PFN, and the walk goes on to the next zone as the kernel's does.
 */
typedef uint64_t (*model_pcp_fn)(void *ctx, unsigned zone, const struct model_alloc_req *req,
				 unsigned alloc_flags);
void model_set_pcp_callback(struct model *m, model_pcp_fn fn, void *ctx);
/*
 * The same lists' head alone (__rmqueue_pcplist() finding its list non-empty), for
 * model_alloc_pcp()'s short path. It must return exactly the block the hook above would return
 * for that zone and request, already allocated in the model, having made the same changes to
 * the caller's lists as the hook would; or MODEL_NO_PFN having changed nothing (when the hook
 * would refill). Called with the hook's ctx; optional (without it every request walks the
 * zonelist in full). model_set_pcp_callback() clears it: set it after the hook.
 */
typedef uint64_t (*model_pcp_pop_fn)(void *ctx, unsigned zone, const struct model_alloc_req *req);
void model_set_pcp_pop_callback(struct model *m, model_pcp_pop_fn fn);
/* __alloc_pages() of a per-CPU-list order through the hook; the page is allocated already. */
int model_alloc_pcp(struct model *m, const struct model_alloc_req *req, uint64_t *pfn_out);
/* For tests: the one-pass refill's runs and the blocks they took in this model so far. */
void model_refill_one_pass_count(const struct model *m, uint64_t *runs, uint64_t *blocks);
/* rmqueue_bulk() in one zone (the hook's refill): count blocks, each allocated in the model. */
int model_pcp_refill(struct model *m, unsigned zone, const struct model_alloc_req *req,
		     unsigned alloc_flags, unsigned count, struct model_block *blocks,
		     unsigned max_blocks, unsigned *nr_blocks);
/* The index (into the model's zones) of the zone holding pfn. */
unsigned model_pfn_zone(struct model *m, uint64_t pfn);
/*
 * That zone's free pages above its high watermark plus its lowmem_reserve for the highest zone
 * @gfp may use (zone_watermark_fast(zone, order, high_wmark_pages(zone), highest_zoneidx), for
 * ZONE_BELOW_HIGH); true for a zone above that highest zone, which the walk never visits.
 */
bool model_zone_high_wmark_ok(const struct model *m, unsigned zone, unsigned order, uint32_t gfp);
/*
 * model_zone_high_wmark_ok() over zones 0..nr-1 in one call, the request's highest zone worked
 * out once: below_high[z] is set for each zone not yet set that fails the test (the latched
 * ZONE_BELOW_HIGH); a zone already set is not tested.
 */
void model_zones_below_high_wmark(const struct model *m, unsigned order, uint32_t gfp,
				  bool *below_high, unsigned nr);
/* __free_pages / free_one_page of a block the model handed out. */
int model_free(struct model *m, uint64_t pfn, unsigned order);
/*
 * free_contig_range(): 2^order order-0 allocations at pfn (order-aligned, order at most
 * pageblock_order) freed in ascending order, as 2^order model_free() calls would, in one pass.
 * The same for those calls in any other order (replay's drain of every per-CPU list takes a
 * refill's run from a list's tail highest page first): the state they leave does not depend on
 * their order, since the range's pages merge only with each other until its last free.
 * MODEL_EINVAL or MODEL_ESTATE (nothing freed) unless every page is such an allocation.
 */
int model_free_contig_range(struct model *m, uint64_t pfn, unsigned order);
/* split_page(): an allocated block of @order becomes 2^order order-0 allocations. */
int model_split(struct model *m, uint64_t pfn, unsigned order);
/* prep_compound_page(): 2^order order-0 allocations of one type at pfn become one block of
 * @order (model_split()'s inverse: a start folio the warm start took page by page). */
int model_prep_compound(struct model *m, uint64_t pfn, unsigned order);
/* pcp_rmqueue_smallest()'s split of a block a per-CPU list holds (allocated in the model): the
 * block of order high at pfn becomes one of order low at pfn and its buddies of orders low to
 * high - 1 at pfn + 2^low, pfn + 2^(low+1), ..., each allocated with the block's type. */
int model_pcp_split(struct model *m, uint64_t pfn, unsigned high, unsigned low);
/* Take a specific free block (observe mode, warm start): like __isolate_free_page + split. */
int model_alloc_at(struct model *m, uint64_t pfn, unsigned order, int migratetype, bool movable);
/*
 * compaction_alloc() (model_compaction.c): a destination for a movable block of 2^order pages
 * at src_pfn, chosen as compaction's free scanner chooses (downward from the top of the zone,
 * MOVABLE pageblocks above the source's), taken off the free lists into *dst.
 */
int model_compaction_alloc(struct model *m, uint64_t src_pfn, unsigned order, uint64_t *dst);
/* ... with the migration scanner at migrate_pfn (in src_pfn's zone; else src_pfn): the free
 * scanner stays above migrate_pfn's pageblock, not the source's */
int model_compaction_alloc_above(struct model *m, uint64_t src_pfn, uint64_t migrate_pfn,
				 unsigned order, uint64_t *dst);
/* Not the kernel's: that, and when it finds nothing, the highest block of @order below
 * migrate_pfn's pageblock that suitable_migration_target() accepts, *below set (replay's
 * reconciliation: the host's migration succeeded); PGMIGRATE_FAIL counted once, when neither */
int model_compaction_alloc_or_below(struct model *m, uint64_t src_pfn, uint64_t migrate_pfn,
				    unsigned order, uint64_t *dst, bool *below);
/*
 * Why model_compaction_alloc_above() found no destination for a source at src_pfn with the
 * migration scanner at migrate_pfn (a host migration replayed, host_pfn the host's source pfn
 * or MODEL_NO_PFN): what the free scanner's range above the migration scanner held. Counted
 * by replay, never acted on.
 */
enum model_no_target {
	MODEL_NT_SOURCE_HIGH, /* a target above the host's source, none above the model's */
	MODEL_NT_SMALL,	      /* free pages in MOVABLE pageblocks above, no block of the order */
	MODEL_NT_WHOLE_FREE,  /* above: free MOVABLE pages only in wholly free pageblocks */
	MODEL_NT_NOT_MOVABLE, /* above: free pages only in pageblocks not MOVABLE */
	MODEL_NT_NONE_ABOVE,  /* no free page above the source's pageblock in its zone */
	MODEL_NT_ORDER,	      /* pageblock order or more, or a pfn outside: not served at all */
	MODEL_NR_NO_TARGET
};
enum model_no_target model_compaction_no_target(struct model *m, uint64_t src_pfn,
						uint64_t migrate_pfn, uint64_t host_pfn,
						unsigned order);
/* Replay's queries and adjustments (model_page_alloc.c). */
int model_page_allocated(const struct model *m, uint64_t pfn, unsigned *order);
/* Ask for the cache lines a call about the page at pfn reads first (a look-ahead's hint). */
void model_prefetch_page(const struct model *m, uint64_t pfn);
/* get_pfnblock_migratetype(): the type of the pageblock holding pfn, -1 outside the model. */
int model_pfnblock_migratetype(struct model *m, uint64_t pfn);
/* The same and model_pfn_zone() in one read of the pageblock; *zone is set only inside. */
int model_pfnblock_zone_migratetype(struct model *m, uint64_t pfn, unsigned *zone);
bool model_pfn_is_free(struct model *m, uint64_t pfn);
int model_set_movable(struct model *m, uint64_t pfn, bool movable);
int model_set_pageblock_migratetype(struct model *m, uint64_t pfn, int mt);
/* The warm start's HIGHATOMIC pageblock (reserve_highatomic_pageblock() before the trace). */
int model_reserve_highatomic_at(struct model *m, uint64_t pfn);
/*
 * The model's clock as model_advance() reads it: the first two members of every struct model
 * (model_internal.h; model_workers.c asserts it), part of this API so that the per-operation
 * test is inline in the caller (replay makes it at nearly every event). now_ns: the model's
 * time; next_due_ns: no deferred work (a work step, free page reporting's pass, the end of a
 * host kswapd run) is due before it, a lower bound that model_advance_due() makes exact.
 * may_alias: it reads the model's own fields.
 */
struct __attribute__((may_alias)) model_clock {
	uint64_t now_ns, next_due_ns;
};
/* model_advance() in full: run the deferred work due at or before @now_ns, set the clock. */
void model_advance_due(struct model *m, uint64_t now_ns);
/*
 * Run deferred work due at or before @now_ns and set the model's clock (never back). Nothing
 * due (nearly every call): the clock moves, one test; else model_advance_due().
 */
static inline void model_advance(struct model *m, uint64_t now_ns)
{
	struct model_clock *c = (struct model_clock *)m;
	uint64_t target = now_ns > c->now_ns ? now_ns : c->now_ns;

	if (target < c->next_due_ns)
		c->now_ns = target;
	else
		model_advance_due(m, target);
}
/*
 * The host's kswapd ran balance_pgdat() on @zone until @end_ns: the run takes the zone's
 * watermark boost as it stands now (zone_boosts[]) and takes it off when it ends (mainline's
 * watermark boosting, model_params.watermark_boost; nothing when off).
 */
void model_kswapd_balance(struct model *m, unsigned zone, uint64_t end_ns);

void model_stats(const struct model *m, struct model_stats *stats);
uint64_t model_event(const struct model *m, enum model_vm_event event);
const char *model_event_name(enum model_vm_event event);
/* One class per 1 GiB region, in pfn order; returns the number of regions (<= max). */
size_t model_region_classes(const struct model *m, uint8_t *classes, uint8_t *fullness, size_t max);
struct model_region {
	uint64_t start_pfn, free_pages;
	uint8_t class, fullness; /* enum model_region_class; used pageblocks * 4 / 512 */
	uint32_t free_pageblocks;
};
size_t model_regions(const struct model *m, struct model_region *out, size_t max);
/* One SPB's struct superpageblock counters and list place (SPB policy). */
struct model_spb_info {
	uint64_t start_pfn;
	unsigned nr_free, nr_unmovable, nr_reclaimable, nr_movable, nr_reserved, total_pageblocks;
	uint64_t nr_free_pages;
	int list_id;  /* 1 empty, 2 isolated, 3 + category * 5 + fullness */
	int list_pos; /* position on that list from its head */
	enum sb_category category;
};
unsigned model_nr_zones(const struct model *m);
/* The node of zone (an index into the model's zones); -1 when there is no such zone. */
int model_zone_nid(const struct model *m, unsigned zone);
unsigned model_zone_nr_spbs(const struct model *m, unsigned zone);
int model_spb_info(const struct model *m, unsigned zone, unsigned spb, struct model_spb_info *info);
size_t model_memory_bytes(const struct model *m);
uint64_t model_now(const struct model *m);
/* NR_FREE_PAGES over every zone (what ZONE_BELOW_HIGH's watermark test reads), O(zones). */
uint64_t model_nr_free_pages(const struct model *m);
/* One zone's NR_FREE_PAGES (its buddy free lists; 0 for no such zone): a read-only query. */
uint64_t model_zone_nr_free_pages(const struct model *m, unsigned zone);

/*
 * One model for several variants (model_share.c, docs/replay.md "Speed and memory"): variants
 * whose params differ only in the knobs below run as one model, with the params of one of
 * them, while no knob has made them behave differently. Members are numbered 0..63 by the
 * caller; knob_set[k] holds the members that have knob k on. Each point where a knob decides
 * what the model does (and only there) removes from members those whose knob differs from
 * the model's own params, so the members left are always those whose standalone run this model
 * still is; the caller replays the others again from the start. Without model_set_share the
 * model is its own only member.
 */
enum model_knob {
	MODEL_KNOB_TRIGGER_DEMAND,
	MODEL_KNOB_TRIGGER_SUPPLY,
	MODEL_KNOB_TRIGGER_PROACTIVE,
	MODEL_KNOB_LAST_CHANCE_DEFRAG,
	MODEL_NR_KNOBS
};
struct model_share {
	uint64_t members;		   /* bit i: member i (still) runs as this model */
	uint64_t knob_set[MODEL_NR_KNOBS]; /* bit i: member i has the knob on */
};
/* The knob's value in params. */
bool model_knob_get(const struct model_params *p, enum model_knob k);
void model_knob_set(struct model_params *p, enum model_knob k, bool on);
/* Whether two variants' params differ in nothing but the knobs (they may share a model). */
bool model_params_shareable(const struct model_params *a, const struct model_params *b);
/* Set the members before the first request (after model_create): MODEL_OK or MODEL_ENOMEM. */
int model_set_share(struct model *m, const struct model_share *share);
/* The members this model still runs as (the model's own params always among them). */
uint64_t model_share_members(const struct model *m);
/*
 * Where a knob changes nothing but a counter, the members that differ stay and the difference
 * is kept apart: the last-chance kick on tainted SPBs whose defrag work is queued or running
 * only counts SPB_DEFRAG_ABSORBED. A member's SPB_DEFRAG_ABSORBED is the model's plus this.
 */
int64_t model_share_absorbed(const struct model *m, unsigned member);

/* Tests: recompute every counter and list from the pages and compare. NULL when consistent. */
const char *model_check(const struct model *m, char *buf, size_t len);

#pragma GCC visibility pop

#endif
