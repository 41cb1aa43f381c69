// SPDX-License-Identifier: GPL-2.0
/*
 * model_internal.h - the model's state: pages, pageblocks, superpageblocks, zones.
 *
 * Memory layout (about 4.2 bytes per modelled 4 KiB page):
 *  - one 32-bit word per page (model->page, 29 bits used), holding what the kernel keeps in
 *    struct page for the buddy allocator: whether the page heads a free block (PageBuddy +
 *    buddy_order + the free list it is on), heads an allocated block (its order, the request's
 *    migratetype and whether it can move), lies inside a block (a tail), or is absent (a hole);
 *  - free lists are doubly linked through those words: a free head's `next` is in its own word,
 *    its `prev` in the word of page pfn^1, which is a tail of the same block (order >= 1) or its
 *    allocated order-0 buddy (order 0; two free order-0 buddies always merge). Links are 19-bit
 *    page indices inside the superpageblock, so every list lives inside one 1 GiB region;
 *  - per pageblock (512 pages) a few bytes: migratetype tag, has-bits, all_free, skip bit, the
 *    zone, and free/movable page counts (what prep_move_freepages_block counts by walking);
 *  - per SPB, struct superpageblock's counters and its free-list heads per order and type.
 *
 * Invariants (model_check.c verifies all of them): a page is PK_FREE exactly when it heads a
 * block on a free list; merging and allocation clear the head they consume, so tail words never
 * claim to be heads; an SPB's counters equal the pageblock bits they count; every SPB is on
 * exactly the list spb_update_list() would put it on.
 */
#ifndef FRAGTRACE_MODEL_INTERNAL_H
#define FRAGTRACE_MODEL_INTERNAL_H

#include "model.h"

#include <string.h>

/*
 * MODEL_WARN_ON(m, cond): the kernel's WARN_ON at a point where the model trusts what replay
 * hands it (an order in range, a pfn it handed out, a counter that cannot go below zero). In
 * debug and test builds (no NDEBUG) a true cond is counted in m->warnings, which model_stats()
 * reports; release builds compile it away. The model goes on as before either way.
 */
#ifndef NDEBUG
#define MODEL_WARN_ON(m, cond) ((void)((cond) && ++(m)->warnings))
#else
#define MODEL_WARN_ON(m, cond) ((void)sizeof(cond))
#endif

/* ---- page words ---- */
#define PW_LINK_MASK   0x7FFFFu /* 19 bits */
#define PW_NIL	       PW_LINK_MASK
#define PW_ORDER_SHIFT 19
#define PW_MT_SHIFT    23
#define PW_KIND_SHIFT  26
#define PW_MOVABLE     (1u << 28)
/* PK_TAIL is 0 so a zeroed array is all tails and holes; holes are told by their pageblock. */
enum page_kind { PK_TAIL, PK_FREE, PK_ALLOC };

static inline unsigned pw_kind(uint32_t w)
{
	return (w >> PW_KIND_SHIFT) & 3;
}
static inline unsigned pw_order(uint32_t w)
{
	return (w >> PW_ORDER_SHIFT) & 15;
}
static inline int pw_mt(uint32_t w)
{
	return (w >> PW_MT_SHIFT) & 7;
}
static inline uint32_t pw_link(uint32_t w)
{
	return w & PW_LINK_MASK;
}
static inline uint32_t pw_make(unsigned kind, unsigned order, int mt, uint32_t link)
{
	return ((uint32_t)kind << PW_KIND_SHIFT) | ((uint32_t)order << PW_ORDER_SHIFT) |
	       ((uint32_t)mt << PW_MT_SHIFT) | link;
}
/* The word heads a block of this kind and order: one mask and compare for the two reads. */
#define PW_KIND_ORDER_MASK (3u << PW_KIND_SHIFT | 15u << PW_ORDER_SHIFT)
static inline bool pw_heads(uint32_t w, unsigned kind, unsigned order)
{
	return (w & PW_KIND_ORDER_MASK) == pw_make(kind, order, 0, 0);
}

/* ---- pageblock bits (include/linux/pageblock-flags.h plus the series' has-bits) ---- */
#define PB_MIGRATE_MASK	   0x07
#define PB_HAS_UNMOVABLE   0x08
#define PB_HAS_RECLAIMABLE 0x10
#define PB_HAS_MOVABLE	   0x20
#define PB_ALL_FREE	   0x40
#define PB_COMPACT_SKIP	   0x80

struct pageblock {
	uint8_t flags;
	uint8_t reserved; /* a hole: never initialised, counted in nr_reserved */
	uint8_t zone;	  /* index into model->zones, 0xff outside every zone */
	uint8_t stats_sig; /* model_stats.c's: what its region memo counted of it, PB_STATS_CHANGED */
	uint16_t nr_free_pages;	      /* pages of this block on free lists */
	uint16_t nr_movable_pages;    /* allocated pages that can move (PageLRU, movable_ops) */
	uint16_t nr_nonmovable_pages; /* allocated pages of a non-movable migratetype */
};

/*
 * model_stats.c's memo of one 1 GiB region's pageblock counts (region_scan), kept between
 * samples: `stale` is set by every change to a pageblock count the scan reads (free, movable
 * and non-movable pages, the migratetype: pageblock_counts_changed), so a sample scans only the
 * regions changed since the last one. Every region starts stale. The first scan counts the
 * region (region_memo_fill); later ones update the counts of the pageblocks marked changed
 * since (PB_STATS_CHANGED in stats_sig, region_memo_sync).
 */
struct region_scan_memo {
	bool stale;
	bool filled; /* region_memo_fill() ran once: later samples update it pageblock by pageblock */
	uint16_t nonmovable; /* pageblocks holding an allocated non-movable page */
	uint16_t present, wholly_free, not_movable_only;
	uint16_t by_mt[PB_MIGRATE_MASK + 1];
	uint16_t movable_only_in_zone[MODEL_MAX_ZONES];
};

/* ---- superpageblocks ---- */
enum spb_list_id {
	SPB_LIST_NONE,
	SPB_LIST_EMPTY,
	SPB_LIST_ISOLATED,
	SPB_LIST_CAT0, /* + category * NR_SB_FULLNESS + fullness */
	SPB_NR_LISTS = SPB_LIST_CAT0 + NR_SB_CATEGORIES * NR_SB_FULLNESS
};
#define SPB_NIL UINT32_MAX
#define MRU_NIL UINT16_MAX

struct spb_list {
	uint32_t head, tail, count;
	uint32_t nr_with_free; /* SPBs on it with nr_free_pages > 0 (spb_list_free_changed) */
};

/*
 * struct superpageblock, split in two: the fields the list walks read (one cache line, so a
 * walk over hundreds of SPBs stays in L1) and the free-list heads and worker state.
 */
struct superpageblock {
	uint16_t nr_free;	 /* pageblocks with PB_all_free */
	uint16_t nr_unmovable;	 /* pageblocks with PB_has_unmovable */
	uint16_t nr_reclaimable; /* pageblocks with PB_has_reclaimable */
	uint16_t nr_movable;	 /* pageblocks with PB_has_movable */
	uint16_t nr_reserved;	 /* holes */
	uint16_t total_pageblocks;
	bool contig_allocated;
	bool defrag_active;
	bool list_stale; /* a has-bit changed without spb_update_list, as in Passes 2c/2d */
	uint8_t list_id;
	uint32_t nr_free_pages;
	uint32_t prev, next; /* zone list membership, by index in zone->superpageblocks */
	uint16_t free_mask[MIGRATE_TYPES]; /* bit o: free_area[o].free_list[mt] is not empty */
	uint16_t order_mask;		   /* bit o: free_area[o].nr_free is not zero */
	uint64_t start_pfn;		   /* 1 GiB aligned */
} __attribute__((aligned(64)));

struct superpageblock_cold {
	uint32_t free_head[NR_PAGE_ORDERS][MIGRATE_TYPES];
	uint32_t free_tail[NR_PAGE_ORDERS][MIGRATE_TYPES];
	uint32_t nr_free_blocks[NR_PAGE_ORDERS];
	/* per-SPB defrag worker */
	uint64_t defrag_cursor;
	uint64_t defrag_last_no_progress_ns; /* 0: no cooldown */
	uint32_t defrag_last_no_progress_pages;
	/* mainline: this region's place in the zone's per-(order, type) list of regions */
	uint16_t mru_prev[NR_PAGE_ORDERS][MIGRATE_TYPES], mru_next[NR_PAGE_ORDERS][MIGRATE_TYPES];
};

struct zone {
	int nid;
	enum model_zone_type type;
	unsigned idx;
	uint64_t zone_start_pfn, zone_end_pfn;
	uint64_t present_pages;
	uint64_t wmark_min, wmark_low;
	/* mainline's watermark boosting: zone->watermark_boost, added to every mark, and the
	 * part of it the host's running kswapd takes off when its run ends (zone_boosts[]) */
	uint64_t watermark_boost, kswapd_boost;
	uint64_t lowmem_reserve[MAX_NR_ZONES]; /* by the request's highest zone index */
	uint64_t nr_free_pages;		       /* NR_FREE_PAGES */
	uint64_t nr_reserved_highatomic;       /* model_highatomic.c */
	uint64_t nr_free_highatomic; /* free pages on HIGHATOMIC lists (model_freelist.c) */
	uint64_t nr_free_blocks[NR_PAGE_ORDERS]; /* shadow of free_area[o].nr_free */
	uint64_t superpageblock_base_pfn;
	uint32_t nr_superpageblocks;
	struct superpageblock *superpageblocks;
	struct superpageblock_cold *superpageblocks_cold;
	struct spb_list spb_lists[SPB_NR_LISTS];
	/* mainline: regions with a non-empty free_list[mt] at order o, most recent head first */
	uint16_t mru_head[NR_PAGE_ORDERS][MIGRATE_TYPES], mru_tail[NR_PAGE_ORDERS][MIGRATE_TYPES];
	/* [S-F] zone->sb_hint: the SPB that last served a Pass 1 walk, per order and type */
	uint32_t sb_hint[NR_PAGE_ORDERS][MIGRATE_PCPTYPES];
	/* deferred evacuation state */
	uint64_t spb_evac_in_flight; /* bit mt * NR_PAGE_ORDERS + order */
	uint64_t spb_evac_last_ns[MIGRATE_PCPTYPES];
	bool spb_evac_last_valid[MIGRATE_PCPTYPES];
	uint64_t compact_cached_free_pfn; /* model_compaction.c's free scanner; 0: the top */
	/* direct compaction (model_direct_compact.c): the migration scanner's cached positions
	 * (async, sync) and the deferral state of compaction_deferred() */
	uint64_t compact_cached_migrate_pfn[2];
	uint32_t compact_considered;
	uint8_t compact_defer_shift;
	uint8_t compact_order_failed;
	bool compact_blockskip_flush;
	/*
	 * model_fallback_spb.c's summary of a category's lists without walking them: per category
	 * (of the list an SPB is on, SPB_LIST_CAT0 on), type below MIGRATE_PCPTYPES and order, the
	 * SPBs on that category's lists whose free_list[type] at that order is not empty; bit o of
	 * cat_free_mask[cat][type]: cat_nr_spbs[cat][type][o] is not zero. Kept by the free-list
	 * helpers (a free_mask bit turning on or off) and the SPB list moves (spb_cat_move).
	 */
	uint32_t cat_nr_spbs[NR_SB_CATEGORIES][MIGRATE_PCPTYPES][NR_PAGE_ORDERS];
	uint16_t cat_free_mask[NR_SB_CATEGORIES][MIGRATE_PCPTYPES];
};

/*
 * Deferred work: what the kernel queues through irq_work onto the kevacuate workqueue, with
 * its progress: a run goes step by step (one pageblock, one shrink round), each step taking
 * model time (model_workers.c).
 */
enum work_kind { WORK_EVACUATE, WORK_DEFRAG, WORK_SLAB_SHRINK };
#define COMPACT_CLUSTER_MAX 32 /* pages isolate_migratepages_range() isolates at a time */
#define WORK_MAX_CANDIDATES 64
struct model_work {
	uint64_t due_ns;  /* queued + worker_latency_ns: the earliest start */
	uint64_t next_ns; /* started: when the next step runs */
	uint64_t cursor;  /* evacuate, defrag: the next pageblock's pfn */
	uint64_t freed;	  /* shrink: objects freed so far */
	struct evac_pb {  /* evacuate, defrag: the pageblock being evacuated, batch by batch */
		uint64_t pfn, pos;
		uint64_t batch[COMPACT_CLUSTER_MAX]; /* isolated, migrating */
		uint8_t n;
		bool active, progress;
	} pb;
	uint32_t cpu; /* the CPU whose kworker runs it (the queueing CPU) */
	uint8_t kind;
	uint8_t zone;
	uint8_t order, mt;
	bool started;
	bool shrink_done; /* shrink: a round freed nothing */
	uint8_t phase;	  /* defrag: 0 from the cursor to the end, 1 from the start to it */
	int8_t prio;	  /* shrink: the next round's priority */
	uint32_t spb;
	int nid;
	uint64_t wrap_end;	 /* defrag: the cursor it started from (phase 1 stops there) */
	uint32_t nr_free_before; /* defrag: the SPB's free pageblocks when it started */
	uint32_t nr_cand, cand_idx, pb_done, attempted; /* evacuate */
	uint32_t cand[WORK_MAX_CANDIDATES];		/* evacuate: candidate SPB indices */
};

#define MODEL_MAX_NODES 64

/*
 * A request that failed (model_page_alloc.c): what it asked, the allocator state it failed in
 * (model->gen, the clock when a throttle or cooldown read it) and the counters it added. The
 * same request in the same state fails the same way, so it is answered from here.
 */
#define ALLOC_MEMO_SLOTS 4
struct alloc_memo {
	bool valid, timed;
	bool pf_memalloc, running_work; /* they decide the slowpath's course too */
	uint8_t order, mt;
	bool movable;
	int16_t nid, cpu, cpu_after;
	uint32_t gfp, bulk;
	uint64_t gen, now_ns, rng;
	uint64_t delta[MODEL_NR_VM_EVENTS];
};

/* [S-F] struct spb_warm_hint_slot: per CPU, per zone type, order and type. */
struct spb_warm_hint_slot {
	uint8_t zone; /* index into model->zones, 0xff: empty */
	uint32_t spb;
};

struct model {
	/* first, in this order: struct model_clock (model.h) reads them through the inline
	 * model_advance(); the model's time, and next_due_ns: none of the three deferred kinds
	 * (work steps, reporting's pass, kswapd's end) is due before it (model_due_by) */
	uint64_t now_ns;
	uint64_t next_due_ns;
	struct model_config config;
	struct model_params p;
	/* spb_tainted_reserve() by total_pageblocks: the division, done once */
	uint16_t tainted_reserve_by_total[SUPERPAGEBLOCK_NR_PAGEBLOCKS + 1];
	enum model_policy policy;
	uint64_t base_pfn, end_pfn;
	uint32_t *page; /* one word per page, 29 bits used */
	size_t page_bytes;
	struct pageblock *pb;
	struct region_scan_memo *region_memo; /* one per region of [base_pfn, end_pfn) */
	unsigned nr_zones;
	struct zone zones[MODEL_MAX_ZONES];
	int nr_nodes;
	bool shrink_pending[MODEL_MAX_NODES]; /* the per-node shrink work is queued */
	/* v1 before 32/45: when each node last queued a shrink (slab_shrink_throttle_ns) */
	uint64_t shrink_last_ns[MODEL_MAX_NODES];
	bool shrink_last_valid[MODEL_MAX_NODES];
	bool node_has_dma32[MODEL_MAX_NODES];
	/* zonelists[nid][highest zone type]: zone indices in fallback order */
	uint8_t zonelist[MODEL_MAX_NODES][MAX_NR_ZONES][MODEL_MAX_ZONES];
	uint8_t zonelist_len[MODEL_MAX_NODES][MAX_NR_ZONES];
	uint64_t events[MODEL_NR_VM_EVENTS];
	uint64_t warnings; /* MODEL_WARN_ON checks that fired */
	uint64_t rng;
	/* deferred work in queueing order; per CPU, one item runs at a time (max_active 1) */
	struct model_work *work;
	size_t work_cap, work_count;
	uint64_t work_next_ns;	   /* no step is due before this */
	uint64_t reporting_due_ns; /* model_page_reporting.c: the pass's due time, 0 idle */
	uint64_t boost_end_ns;	   /* the running kswapd's end (model_kswapd_balance), or MAX */
	uint64_t *cpu_free_ns;	   /* per CPU: when its kworker finished its last item */
	uint8_t *cpu_mark;	   /* per CPU: scratch for the next-step search */
	uint32_t work_cpu;	   /* the CPU of the step being run */
	uint64_t step_ns;	   /* what the work step being run has cost so far */
	unsigned evac_requests_used;
	bool running_work;
	uint64_t one_pass_runs, one_pass_blocks; /* rmqueue_bulk's one-pass refills, for tests */
	bool booting;				 /* model_create: workers are not set up yet */
	unsigned nr_cpus;
	int current_cpu; /* the CPU of the allocation in progress */
	/* state generation: bumped by every change a request could see (page words, pageblock
	 * bits, queued or finished work); time_used: a throttle or cooldown read the clock */
	uint64_t gen;
	bool time_used;
	unsigned calm;	    /* requests served since the last failure (memo bookkeeping) */
	uint64_t memo_sigs; /* memo_sig() bits of the requests failed since calm was reached */
	unsigned memo_next;
	struct alloc_memo memo[ALLOC_MEMO_SLOTS];
	struct spb_warm_hint_slot (*warm_hints)[MAX_NR_ZONES][NR_PAGE_ORDERS][MIGRATE_PCPTYPES];
	model_migrate_fn migrate_fn;
	void *migrate_ctx;
	model_pcp_fn pcp_fn; /* the caller's per-zone per-CPU lists (model_set_pcp_callback) */
	void *pcp_ctx;
	model_pcp_pop_fn pcp_pop_fn; /* the lists' head alone, no refill (alloc_pages_pcp_listed) */
	model_shrink_fn shrink_fn;
	void *shrink_ctx;
	model_reclaim_clean_fn reclaim_clean_fn;
	void *reclaim_clean_ctx;
	struct model_reclaim_ops reclaim; /* direct reclaim's hooks (model_reclaim.c) */
	bool pf_memalloc; /* PF_MEMALLOC: in direct reclaim or compaction, no reclaim recursion */
	size_t memory_bytes;
	/* model_share.c: the members this model runs as, and per knob those whose knob has the
	 * model's own value (every member but those would behave the same at the knob's points) */
	uint64_t share_members;
	uint64_t share_same[MODEL_NR_KNOBS];
	/* per member, its SPB_DEFRAG_ABSORBED less the model's (NULL: not shared); share_kept
	 * counts the differences so kept, which keep a request out of the failed-request memo */
	int64_t *share_absorbed;
	uint64_t share_kept;
};

/*
 * A point where knob k decides what the model does: the members whose knob differs from the
 * model's own leave it (model_share.c). Called only where the knob's outcome changes what
 * happens, once the rest of the condition has been evaluated.
 */
static inline void share_knob_decides(struct model *m, enum model_knob k)
{
	m->share_members &= m->share_same[k];
}
/* Whether some member has knob k set otherwise than the model: its points must be looked at. */
static inline bool share_knob_differs(const struct model *m, enum model_knob k)
{
	return m->share_members & ~m->share_same[k];
}
/* model_share.c: knob k would have counted n more (or, on in the model, fewer)
 * SPB_DEFRAG_ABSORBED in the members that differ; nothing else changes */
void share_knob_absorbed(struct model *m, enum model_knob k, uint64_t n);

/* ---- lookups ---- */
/*
 * One 32-bit word per page, of which 29 bits are used: a read or write is one aligned access
 * at the page's index, through a uint32_t pointer that does not alias the model's other
 * fields (4.2 bytes per page with the pageblock and SPB state; bench/RESULTS.md, "page
 * words", measured the packed 29-bit form it replaced).
 */
static inline uint32_t pw_get(const struct model *m, uint64_t pfn)
{
	return m->page[pfn - m->base_pfn];
}

static inline void pw_set(struct model *m, uint64_t pfn, uint32_t w)
{
	m->page[pfn - m->base_pfn] = w;
	m->gen++;
}

/* Rewrite only the link field of a page's word. */
static inline void pw_set_link(struct model *m, uint64_t pfn, uint32_t link)
{
	pw_set(m, pfn, (pw_get(m, pfn) & ~PW_LINK_MASK) | link);
}

/* Rewrite the word's kind, order and type, keeping its link (it may hold a buddy's prev). */
static inline void pw_set_meta(struct model *m, uint64_t pfn, uint32_t meta)
{
	pw_set(m, pfn, meta | pw_link(pw_get(m, pfn)));
}
static inline struct pageblock *pfn_pageblock(struct model *m, uint64_t pfn)
{
	return &m->pb[(pfn - m->base_pfn) >> PAGEBLOCK_ORDER];
}
/* model_stats.c: the memo of the region at region_pfn from its pageblocks (not stale). */
void region_memo_fill(const struct model *m, uint64_t region_pfn, struct region_scan_memo *memo);
/* struct pageblock's stats_sig: a count changed since model_stats last counted the pageblock. */
#define PB_STATS_CHANGED 0x40
/*
 * A count model_stats reads changed in the pageblock at pfn: its region's memo is stale, and
 * the pageblock is one the next sample recounts (region_memo_sync).
 */
static inline void pageblock_counts_changed(struct model *m, uint64_t pfn)
{
	m->region_memo[(pfn - m->base_pfn) >> SUPERPAGEBLOCK_ORDER].stale = true;
	pfn_pageblock(m, pfn)->stats_sig |= PB_STATS_CHANGED;
}
static inline bool pfn_in_model(const struct model *m, uint64_t pfn)
{
	return pfn >= m->base_pfn && pfn < m->end_pfn;
}
static inline struct zone *page_zone(struct model *m, uint64_t pfn)
{
	return &m->zones[pfn_pageblock(m, pfn)->zone];
}
static inline struct superpageblock_cold *spb_cold(const struct zone *z,
						   const struct superpageblock *sb)
{
	return &z->superpageblocks_cold[sb - z->superpageblocks];
}
/* pfn_to_superpageblock() */
static inline struct superpageblock *pfn_to_superpageblock(struct zone *z, uint64_t pfn)
{
	return &z->superpageblocks[(pfn - z->superpageblock_base_pfn) >> SUPERPAGEBLOCK_ORDER];
}
static inline int get_pageblock_migratetype(struct model *m, uint64_t pfn)
{
	return pfn_pageblock(m, pfn)->flags & PB_MIGRATE_MASK;
}
static inline void set_pageblock_migratetype(struct model *m, uint64_t pfn, int mt)
{
	struct pageblock *pb = pfn_pageblock(m, pfn);
	pb->flags = (uint8_t)((pb->flags & ~PB_MIGRATE_MASK) | mt);
	pageblock_counts_changed(m, pfn);
	m->gen++;
}
/* A throttle or cooldown is reading the clock: a failed request's outcome depends on it. */
static inline uint64_t model_clock(struct model *m)
{
	m->time_used = true;
	return m->now_ns;
}
void balance_pgdat_boost_done(struct model *m);
static inline void count_vm_event(struct model *m, enum model_vm_event ev)
{
	m->events[ev]++;
}
/* min_wmark_pages(), low_wmark_pages(), high_wmark_pages(): the mark plus the boost */
static inline uint64_t min_wmark_pages(const struct zone *z)
{
	return z->wmark_min + z->watermark_boost;
}
static inline uint64_t low_wmark_pages(const struct zone *z)
{
	return z->wmark_low + z->watermark_boost;
}
static inline uint64_t high_wmark_pages(const struct zone *z)
{
	return 2 * z->wmark_low - z->wmark_min + z->watermark_boost;
}
static inline bool is_migrate_movable(int mt)
{
	return mt == MIGRATE_MOVABLE || mt == MIGRATE_CMA;
}

/* ---- model_freelist.c: buddy free lists ---- */
void add_to_free_list(struct model *m, struct zone *z, uint64_t pfn, unsigned order, int mt,
		      bool tail);
void del_page_from_free_list(struct model *m, struct zone *z, uint64_t pfn);
uint64_t get_page_from_free_area(const struct zone *z, const struct superpageblock *sb,
				 unsigned order, int mt);
void expand(struct model *m, struct zone *z, uint64_t pfn, unsigned low, unsigned high, int mt);
void page_del_and_expand(struct model *m, struct zone *z, uint64_t pfn, unsigned low, unsigned high,
			 int mt);
void mark_allocated(struct model *m, uint64_t pfn, unsigned order, int mt, bool movable);
void mark_allocated_bulk(struct model *m, const struct model_block *blocks, unsigned n, int mt,
			 bool movable);
void unmark_allocated(struct model *m, uint64_t pfn);
void mark_movable(struct model *m, uint64_t pfn, uint32_t w, bool movable);
void free_one_page(struct model *m, struct zone *z, uint64_t pfn, unsigned order, bool to_tail);
void __free_pages_ok(struct model *m, uint64_t pfn, uint32_t w);
bool buddy_merge_likely(struct model *m, struct zone *z, uint64_t pfn, unsigned order);
unsigned move_freepages_block(struct model *m, struct zone *z, uint64_t pb_pfn, int old_mt,
			      int new_mt);
void change_pageblock_range(struct model *m, uint64_t pfn, unsigned order, int mt);
int find_free_block_containing(struct model *m, uint64_t pfn, uint64_t *head);

/* ---- model_spb.c: superpageblock accounting and lists ---- */

unsigned spb_tainted_reserve(const struct model *m, const struct superpageblock *sb);
void spb_tainted_reserve_init(struct model *m);
enum sb_category spb_get_category(const struct superpageblock *sb);
enum sb_fullness sb_get_fullness(const struct superpageblock *sb, enum sb_category cat);
enum spb_list_id spb_list_for(const struct superpageblock *sb);
/* The list of SPBs of category cat and fullness full (the allocator's passes and the workers
 * walk the same lists: the shared model's last-chance test relies on it, model_share.c). */
static inline enum spb_list_id spb_cat_list(enum sb_category cat, int full)
{
	return (enum spb_list_id)(SPB_LIST_CAT0 + cat * NR_SB_FULLNESS + (unsigned int)full);
}
void spb_update_list(struct model *m, struct zone *z, struct superpageblock *sb);
/* sb's nr_free_pages turned non-zero (sign 1) or zero (-1): its list's nr_with_free. */
static inline void spb_list_free_changed(struct zone *z, const struct superpageblock *sb, int sign)
{
	if (sb->list_id != SPB_LIST_NONE)
		z->spb_lists[sb->list_id].nr_with_free += (uint32_t)sign;
}
/* The category of an SPB list (zone->cat_nr_spbs), -1 for the lists outside the categories. */
static inline int spb_list_category(unsigned list_id)
{
	return list_id >= SPB_LIST_CAT0 ? (int)((list_id - SPB_LIST_CAT0) / NR_SB_FULLNESS) : -1;
}
/*
 * Not a kernel function: one SPB more (sign 1) or fewer (-1) in category cat offering a free
 * block of type mt at order; the mask bit flips when the count leaves or reaches zero.
 */
static inline void spb_cat_count_add(struct zone *z, int cat, int mt, unsigned order, int sign)
{
	uint32_t n = z->cat_nr_spbs[cat][mt][order] += (uint32_t)sign;
	if (n == (sign > 0 ? 1u : 0u))
		z->cat_free_mask[cat][mt] ^= (uint16_t)(1u << order);
}
/* sb's free_list[mt] at order became non-empty (sign 1) or empty (-1): its category's count. */
static inline void spb_cat_free_changed(struct zone *z, const struct superpageblock *sb,
					unsigned order, int mt, int sign)
{
	int cat = spb_list_category(sb->list_id);
	if (cat < 0 || mt >= MIGRATE_PCPTYPES)
		return;
	spb_cat_count_add(z, cat, mt, order, sign);
}
void spb_list_del(struct zone *z, struct superpageblock *sb);
void spb_list_add_tail(struct zone *z, struct superpageblock *sb, enum spb_list_id id);
void __spb_set_has_type(struct model *m, uint64_t pfn, int mt);
void __spb_clear_has_type(struct model *m, uint64_t pfn, int mt);
void superpageblock_pb_now_used(struct model *m, uint64_t pfn);
void superpageblock_pb_now_free(struct model *m, uint64_t pfn);
void spb_mark_range_used(struct model *m, uint64_t pfn, unsigned order, int mt);
static inline uint32_t spb_index(const struct zone *z, const struct superpageblock *sb)
{
	return (uint32_t)(sb - z->superpageblocks);
}
#define for_each_spb_on_list(z, id, sb)                                                            \
	for (uint32_t _i = (z)->spb_lists[id].head;                                                \
	     _i != SPB_NIL && ((sb) = &(z)->superpageblocks[_i], 1); _i = (sb)->next)

/* ---- model_page_reporting.c: free page reporting ---- */
void __page_reporting_notify(struct model *m);
/* page_reporting_notify_free(): a free ended in a block of page_reporting_order or more. Inline,
 * as the kernel's (mm/page_reporting.h): every free asks, and it is nearly always off. */
static inline void page_reporting_notify_free(struct model *m, unsigned order)
{
	if (m->p.page_reporting && order >= m->p.page_reporting_order)
		__page_reporting_notify(m);
}
void page_reporting_run(struct model *m, uint64_t now_ns);

/*
 * A work step, reporting's pass or kswapd's end is due at t: model_advance() must stop there.
 * next_due_ns is a lower bound (0 at create, so the first call takes the slow path), made
 * exact by model_advance's slow path (model_workers.c).
 */
static inline void model_due_by(struct model *m, uint64_t t)
{
	if (t < m->next_due_ns)
		m->next_due_ns = t;
}

/* ---- model_highatomic.c: the HIGHATOMIC reserve ---- */
void reserve_highatomic_pageblock(struct model *m, struct zone *z, uint64_t pfn, unsigned order);
bool unreserve_highatomic_pageblock(struct model *m, int nid, enum model_zone_type highest, int mt,
				    bool force);

/* ---- model_rmqueue_spb.c / model_fallback_spb.c / model_mainline.c ---- */
struct spb_tainted_walk {
	bool saw_free_pages, saw_free_pb, saw_below_reserve;
};
/* spb_alloc_walk outcomes, numbered as the series' tracepoint numbers them */
enum spb_alloc_outcome {
	OUTCOME_NO_PAGE,
	OUTCOME_PASS_1,
	OUTCOME_PASS_2,
	OUTCOME_PASS_2B,
	OUTCOME_PASS_2C,
	OUTCOME_PASS_3,
	OUTCOME_PASS_4,
	OUTCOME_ZONE_FALLBACK,
	OUTCOME_PASS_2D
};
uint64_t spb_rmqueue_smallest(struct model *m, struct zone *z, unsigned order, int mt,
			      struct spb_tainted_walk *walk, enum spb_alloc_outcome *outcome);
uint64_t spb_rmqueue_cpu_hint(struct model *m, struct zone *z, unsigned order, int mt);
unsigned spb_rmqueue_cpu_hint_run(struct model *m, struct zone *z, unsigned order, int mt,
				  unsigned max, uint64_t *first);
uint64_t claim_whole_block(struct model *m, struct zone *z, uint64_t pfn, unsigned current_order,
			   unsigned order, int new_type, int old_type);
uint64_t try_to_claim_block(struct model *m, struct zone *z, uint64_t pfn, unsigned current_order,
			    unsigned order, int start_type, int block_type, bool from_tainted_spb);
uint64_t spb_rmqueue_claim(struct model *m, struct zone *z, unsigned order, int start_mt,
			   unsigned alloc_flags);
uint64_t spb_rmqueue_steal(struct model *m, struct zone *z, unsigned order, int start_mt,
			   unsigned alloc_flags);
bool spb_tainted_can_serve_smaller(struct model *m, struct zone *z, unsigned order, int mt);
bool should_try_claim_block(unsigned order, int start_mt);
extern const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1];
uint64_t mainline_rmqueue_smallest(struct model *m, struct zone *z, unsigned order, int mt);
uint64_t mainline_free_list_first(const struct zone *z, unsigned order, int mt);
uint64_t mainline_rmqueue_claim(struct model *m, struct zone *z, unsigned order, int start_mt,
				unsigned alloc_flags);
uint64_t mainline_rmqueue_steal(struct model *m, struct zone *z, unsigned order, int start_mt);
void mainline_mru_add(struct zone *z, struct superpageblock *sb, unsigned order, int mt, bool tail);
void mainline_mru_del(struct zone *z, struct superpageblock *sb, unsigned order, int mt);
void prep_move_freepages_block(struct model *m, uint64_t pb_pfn, unsigned *free_pages,
			       unsigned *movable_pages);
unsigned alike_pages(int start_type, int block_type, unsigned free_pages, unsigned movable_pages);

/* ---- model_workers.c: triggers and deferred work ---- */
void queue_spb_slab_shrink(struct model *m, struct zone *z);
void queue_spb_evacuate(struct model *m, struct zone *z, unsigned order, int mt);
void spb_maybe_start_defrag(struct model *m, struct zone *z, struct superpageblock *sb);
void spb_react_to_tainted_alloc(struct model *m, struct zone *z, struct superpageblock *sb);
void spb_last_chance_share(struct model *m, struct zone *z);
bool spb_evacuate_for_order(struct model *m, struct zone *z, unsigned order, int mt);

/* ---- model_page_alloc.c and model_rmqueue_bulk.c ---- */
enum rmqueue_mode { RMQUEUE_NORMAL, RMQUEUE_CMA, RMQUEUE_CLAIM, RMQUEUE_STEAL };
struct model_bulk {
	unsigned count, n, max;
	struct model_block *blocks;
};
uint64_t spb_rmqueue(struct model *m, struct zone *z, unsigned order, int mt, unsigned alloc_flags,
		     enum rmqueue_mode *mode);
uint64_t mainline_rmqueue(struct model *m, struct zone *z, unsigned order, int mt,
			  unsigned alloc_flags, enum rmqueue_mode *mode);
uint64_t rmqueue_buddy(struct model *m, struct zone *z, unsigned order, int mt,
		       unsigned alloc_flags, enum rmqueue_mode *mode);
uint64_t rmqueue_bulk(struct model *m, struct zone *z, unsigned order, int mt, unsigned alloc_flags,
		      struct model_bulk *bulk);
/* struct alloc_context (mm/internal.h), the part the model needs */
struct alloc_context {
	const struct model_alloc_req *req;
	int nid;
	enum model_zone_type highest;
	struct zone *preferred;
	struct model_bulk *bulk; /* a PCP refill: rmqueue_bulk instead of rmqueue_buddy */
	bool pcp;		 /* rmqueue_pcplist of each zone: the caller's lists (pcp_fn) */
};
uint64_t get_page_from_freelist(struct model *m, const struct alloc_context *ac,
				unsigned alloc_flags);
bool __zone_watermark_ok(const struct zone *z, unsigned order, unsigned alloc_flags,
			 enum model_zone_type highest_zoneidx, uint64_t free_pages);
bool zone_free_above_mark(const struct zone *z, unsigned order, uint64_t mark, uint64_t free_pages);
uint64_t zone_usable_free_pages(const struct zone *z);
/* The free block at pfn of 2^order pages off the free lists, not yet marked allocated. */
int take_free_block(struct model *m, uint64_t pfn, unsigned order, int mt);

/* ---- model_compaction.c, model_direct_compact.c: compaction ---- */
/* enum compact_priority and enum compact_result (include/linux/compaction.h) */
#define COMPACT_PRIO_SYNC_FULL	0
#define COMPACT_PRIO_SYNC_LIGHT 1
#define COMPACT_PRIO_ASYNC	2
#define DEF_COMPACT_PRIORITY	COMPACT_PRIO_SYNC_LIGHT
#define INIT_COMPACT_PRIORITY	COMPACT_PRIO_ASYNC
enum compact_result {
	COMPACT_NOT_SUITABLE_ZONE,
	COMPACT_SKIPPED,
	COMPACT_DEFERRED,
	COMPACT_NO_SUITABLE_PAGE,
	COMPACT_CONTINUE,
	COMPACT_COMPLETE,
	COMPACT_PARTIAL_SKIPPED,
	COMPACT_CONTENDED,
	COMPACT_SUCCESS,
};
void reset_cached_positions(struct zone *z);
int compaction_alloc(struct model *m, struct zone *z, uint64_t src_pfn, unsigned order,
		     unsigned cc_order, uint64_t *dst);
enum compact_result try_to_compact_pages(struct model *m, const struct alloc_context *ac,
					 unsigned alloc_flags, int prio, uint64_t *capture);
void compaction_defer_reset(struct model *m, struct zone *z, unsigned order, bool alloc_success);
#define for_each_zone_zonelist(m, ac, i, z)                                                        \
	for (unsigned i = 0; i < (m)->zonelist_len[(ac)->nid][(ac)->highest] &&                    \
			     ((z) = &(m)->zones[(m)->zonelist[(ac)->nid][(ac)->highest][i]], 1);   \
	     i++)

/* ---- model_reclaim.c: direct reclaim and its retry bound ---- */
#define SWAP_CLUSTER_MAX 32
#define DEF_PRIORITY	 12
uint64_t __alloc_pages_direct_reclaim(struct model *m, const struct alloc_context *ac,
				      unsigned alloc_flags, uint64_t *did_some_progress);
bool should_reclaim_retry(struct model *m, const struct alloc_context *ac, unsigned alloc_flags,
			  bool did_some_progress, unsigned *no_progress_loops);

/* alloc_flags (mm/internal.h values where it matters for reading traces of them) */
#define ALLOC_WMARK_MIN		 0x00
#define ALLOC_WMARK_LOW		 0x01
#define ALLOC_NO_WATERMARKS	 0x04
#define ALLOC_OOM		 0x08 /* an OOM victim's: never set, the model has no OOM killer */
#define ALLOC_HIGHATOMIC	 0x200
#define ALLOC_NOFRAGMENT	 0x100
#define ALLOC_NOFRAG_TAINTED_OK	 0x1000
#define ALLOC_HIGHORDER_OPTIONAL 0x2000
#define ALLOC_MIN_RESERVE	 0x10
#define ALLOC_NON_BLOCK		 0x20
/* the flags with rights to the reserves below the min watermark */
#define ALLOC_RESERVES (ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)

#endif
