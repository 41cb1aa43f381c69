// SPDX-License-Identifier: GPL-2.0
/*
 * replay_internal.h - what the replay files share: the operation stream, the identity maps,
 * the host description taken from a trace's snapshots, and one variant's state.
 *
 * The decoding side (replay_decode.c) turns trace events into struct replay_op, doing once
 * what is the same for every variant: gfp translation, cache naming, recognising the trace's
 * slab-page allocations, grouping a PCP refill's zone-locked events. The variant side
 * (replay_variant.c, replay_observe.c) applies ops to one model.
 */
#ifndef FRAGTRACE_REPLAY_INTERNAL_H
#define FRAGTRACE_REPLAY_INTERNAL_H

#include "replay.h"
#include "trace.h"

enum replay_op_kind {
	OP_NOP,
	OP_PAGE_ALLOC,	  /* mm_page_alloc: key = trace pfn */
	OP_PAGE_FREE,	  /* mm_page_free / mm_page_free_batched */
	OP_ZONE_LOCKED,	  /* mm_page_alloc_zone_locked, not a refill (observe uses it) */
	OP_PCP_REFILL,	  /* consecutive refill zone-locked events of one CPU: aux = count */
	OP_PCP_DRAIN,	  /* mm_page_pcpu_drain */
	OP_SLAB_ALLOC,	  /* kmem_cache_alloc: key = object, aux = cache index */
	OP_KMALLOC,	  /* kmalloc: key = object, aux = bytes_alloc */
	OP_SLAB_FREE,	  /* kmem_cache_free / kfree: aux = cache index + 1 / 0 */
	OP_SLAB_PAGE,	  /* a page event the slab model replays itself (variants skip it) */
	OP_LOST,	  /* the kernel lost aux events on cpu (UINT32_MAX: unknown) */
	OP_COMPACT_TAKE,  /* compaction's free scanner took aux pages in [key, key + gfp) */
	OP_LRU_ADD,	  /* pagemap:mm_lru_insertion: the folio at key went onto an LRU list */
	OP_FALLBACK_TAKE, /* mm_page_alloc_extfrag: a fallback took the block at key (observe) */
	OP_KSWAPD, /* kswapd's mm_shrink_slab_start (GFP_KERNEL): node nid's balance_pgdat() */
	/* mm_vmscan_kswapd_wake: node nid's balance_pgdat() runs key ns from here, for the zones
	 * up to index aux (the wake's highest_zoneidx); replay_decode.c */
	OP_KSWAPD_RUN,
};

/*
 * ZONE_RECLAIM_ACTIVE: set on node nid's zones at each kswapd event (OP_KSWAPD) and held this
 * long after the last one. One balance_pgdat() run shows as a burst of shrink_slab events, its
 * passes (DEF_PRIORITY, then lower) within a millisecond of each other; measured on the bundled
 * pressure traces, 99% of the gaps inside a run are under 0.6 ms and 90% of the gaps between
 * runs (kswapd napping, woken again) over 4.7 ms (docs/replay-history.md, "The first departure
 * found").
 */
#define KSWAPD_RUN_GAP_NS 2000000ull

#define OPF_PCP_ORDER 0x01 /* the order goes through per-CPU lists (pcp_allowed_order) */

/* pcp_allowed_order(): the orders the per-CPU lists hold */
static inline bool pcp_allowed_order(unsigned order)
{
	return order <= PAGE_ALLOC_COSTLY_ORDER || order == PAGEBLOCK_ORDER;
}
#define OPF_FAST	0x02 /* OP_COMPACT_TAKE from fast_isolate_freepages (from the top) */
#define OPF_COMPACT_SRC 0x04 /* OP_PAGE_FREE by a compacting task: a migration source */
#define OPF_COMPACT_RELEASE                                                                        \
	0x08 /* OP_PAGE_FREE by a compacting task of a page its free scanner took */
#define OPF_LRU_TRACED                                                                             \
	0x10 /* OP_COMPACT_TAKE in a trace with pagemap:mm_lru_insertion (observe places later) */
#define OPF_PCP_LOCKED                                                                             \
	0x20 /* OP_PAGE_FREE while the CPU's per-CPU list lock was held: to the buddy allocator */

struct replay_op {
	uint64_t ts; /* model time, ns */
	uint64_t key;
	uint32_t gfp; /* MODEL_GFP_* */
	uint32_t aux;
	uint16_t cpu;
	uint8_t kind, order;
	int8_t mt;
	uint8_t flags;
	int16_t nid;
};

/* ---- replay_map.c: open-addressing u64 -> u64 map, backward-shift deletion ---- */
struct u64_slot {
	uint64_t key, val;
};
struct u64_map {
	struct u64_slot *slots;
	size_t cap, used;
	unsigned shift; /* 64 - log2(cap) */
};
#define U64_MAP_EMPTY UINT64_MAX /* the key UINT64_MAX is never stored, found or deleted */
int u64_map_init(struct u64_map *m, size_t cap);
void u64_map_free(struct u64_map *m);
/* 1 and *val when present, 0 when not. */
int u64_map_get(const struct u64_map *m, uint64_t key, uint64_t *val);
int u64_map_put(struct u64_map *m, uint64_t key, uint64_t val); /* 0, or -1 out of memory */
int u64_map_del(struct u64_map *m, uint64_t key);		/* 1 when it was there */
void u64_map_prefetch(const struct u64_map *m, uint64_t key);

/*
 * pfn_map (replay_map.c): u64 -> u64 for keys that are pfns of a known range [0, n): a flat
 * array holding value + 1 (0: absent), so a lookup is one load; keys out of the range (a trace
 * naming pfns the layout does not have) and the value UINT64_MAX go to a u64_map beside it
 * (spilled counts its keys inside the range). A key is never in both. The array is a fresh
 * mapping with transparent huge pages asked for: its pages cost memory only once some pfn in
 * them was used (2 MiB at a time where THP is on, 4 KiB where it is off).
 */
struct pfn_map {
	uint64_t *flat;
	uint64_t n, spilled;
	struct u64_map spill;
};
int pfn_map_init(struct pfn_map *m, uint64_t n);
void pfn_map_free(struct pfn_map *m);
void pfn_map_spill_put(struct pfn_map *m, uint64_t key, uint64_t val);
bool pfn_map_spill_del(struct pfn_map *m, uint64_t key);
static inline bool pfn_map_get(const struct pfn_map *m, uint64_t key, uint64_t *val)
{
	if (key < m->n) {
		if (m->flat[key]) {
			*val = m->flat[key] - 1;
			return true;
		}
		if (!m->spilled)
			return false;
	}
	return m->spill.used && u64_map_get(&m->spill, key, val);
}
/* Whether pfn_map_put(m, key, val) stores into the flat array (its fast path, which
 * variant_identity_add() takes inline): key in the range, val storable, no key of the range
 * spilled. */
static inline bool pfn_map_put_flat(const struct pfn_map *m, uint64_t key, uint64_t val)
{
	return key < m->n && val != UINT64_MAX && !m->spilled;
}
static inline void pfn_map_put(struct pfn_map *m, uint64_t key, uint64_t val)
{
	if (pfn_map_put_flat(m, key, val))
		m->flat[key] = val + 1;
	else
		pfn_map_spill_put(m, key, val);
}
/* true when key was there */
static inline bool pfn_map_del(struct pfn_map *m, uint64_t key)
{
	if (key < m->n && m->flat[key]) {
		m->flat[key] = 0;
		return true;
	}
	return pfn_map_spill_del(m, key);
}
static inline void pfn_map_prefetch(const struct pfn_map *m, uint64_t key)
{
	if (key < m->n)
		__builtin_prefetch(&m->flat[key]);
}

/*
 * pfn_map32 (replay_map.c): the same for values that fit 32 bits, at 4 bytes a key (the
 * identity maps' rev: model pfn -> trace pfn). A value of UINT32_MAX or more goes to the spill
 * map as a key out of the range does.
 */
struct pfn_map32 {
	uint32_t *flat;
	uint64_t n, spilled;
	struct u64_map spill;
};
int pfn_map32_init(struct pfn_map32 *m, uint64_t n);
void pfn_map32_free(struct pfn_map32 *m);
void pfn_map32_spill_put(struct pfn_map32 *m, uint64_t key, uint64_t val);
bool pfn_map32_spill_del(struct pfn_map32 *m, uint64_t key);
static inline bool pfn_map32_get(const struct pfn_map32 *m, uint64_t key, uint64_t *val)
{
	if (key < m->n) {
		if (m->flat[key]) {
			*val = (uint64_t)m->flat[key] - 1;
			return true;
		}
		if (!m->spilled)
			return false;
	}
	return m->spill.used && u64_map_get(&m->spill, key, val);
}
/* pfn_map_put_flat() for pfn_map32: the value must fit 32 bits. */
static inline bool pfn_map32_put_flat(const struct pfn_map32 *m, uint64_t key, uint64_t val)
{
	return key < m->n && val < UINT32_MAX && !m->spilled;
}
static inline void pfn_map32_put(struct pfn_map32 *m, uint64_t key, uint64_t val)
{
	if (pfn_map32_put_flat(m, key, val))
		m->flat[key] = (uint32_t)(val + 1);
	else
		pfn_map32_spill_put(m, key, val);
}
/* true when key was there */
static inline bool pfn_map32_del(struct pfn_map32 *m, uint64_t key)
{
	if (key < m->n && m->flat[key]) {
		m->flat[key] = 0;
		return true;
	}
	return pfn_map32_spill_del(m, key);
}
static inline void pfn_map32_prefetch(const struct pfn_map32 *m, uint64_t key)
{
	if (key < m->n)
		__builtin_prefetch(&m->flat[key]);
}

/* ---- replay_gfp.c ---- */
struct gfp_table {
	uint32_t model_bit[64]; /* MODEL_GFP_* bit of kernel gfp bit i, 0 when none */
	bool from_formats;	/* built from the trace's event formats, not the 6.x fallback */
};
void gfp_table_build(struct gfp_table *t, const char *formats, size_t len);
static inline uint32_t gfp_translate(const struct gfp_table *t, uint64_t gfp)
{
	uint32_t out = 0;
	while (gfp) {
		unsigned b = (unsigned)__builtin_ctzll(gfp);
		out |= t->model_bit[b];
		gfp &= gfp - 1;
	}
	return out;
}

/* ---- replay_host.c: the host from the trace's snapshots ---- */
struct host_cache {
	char name[64];
	uint32_t object_size, objs_per_slab, order;
	bool reclaimable;
};
struct host_desc {
	struct model_config config; /* zones and holes; policy and params set per variant */
	struct model_hole *holes;
	uint64_t present_pages;
	uint8_t *start_map, *end_map; /* 4-bit page classes (docs/capture.md), or NULL */
	uint64_t start_map_pfns, end_map_pfns;
	/* replay_observe.c, from end/pagemap_times and end/recorder_pfns (NULL when absent):
	 * when each range of end_map_range pfns of the end map was read (trace clock, ns, the
	 * middle of the read), and a bit per pfn the recorder itself held at the end */
	uint64_t *end_map_times;
	size_t nr_end_map_times;
	uint64_t end_map_range;
	/* the same for the start map, read while tracing (start/pagemap_times): a page event
	 * older than its range's read is already in the map (replay_decode.c skips it) */
	uint64_t *start_map_times;
	size_t nr_start_map_times;
	uint64_t start_map_range;
	bool start_rewound; /* replay_rewind.c put the map back: no event is skipped */
	uint64_t *recorder_bits;
	uint64_t trace_first_ts, trace_span_ns; /* to put those times on replay's clock */
	/* each zone's index in its node as start/zoneinfo lists them: the kernel's zone index
	 * (kswapd's zid), which a config without ZONE_DMA numbers from DMA32; have_zone_kernel_idx
	 * false (no zoneinfo: a synthetic host) takes the zone's type */
	uint8_t zone_kernel_idx[MODEL_MAX_ZONES];
	bool have_zone_kernel_idx;
	uint32_t pb_counts[MODEL_MAX_ZONES][MIGRATE_TYPES]; /* pagetypeinfo's block counts */
	bool have_pb_counts;
	struct host_cache *caches;
	size_t nr_caches;
	bool physical_addresses;
	char addresses[32];
	struct replay_host_figures fig; /* end snapshots and vmstat deltas (validation) */
	/* active objects of the model's shrinkable caches in start and end slabinfo, and whether
	 * each snapshot was there (a synthetic host starts with none: 0 objects, present) */
	uint64_t shrinkable_objects[2];
	bool have_slabinfo[2];
	uint32_t vfs_cache_pressure; /* start/vfs_cache_pressure, 100 when absent */
	/* start/zoneinfo "pagesets" of every zone, indexed like config.zones: its managed pages
	 * (zone_highsize()'s high_max), pcp->batch, the CPUs listed (0: no pagesets in the
	 * snapshot) and their pcp->high. pcp_largest: the zone with the most managed pages, whose
	 * pagesets size the lists of the model's largest zone when pcp_zone_pagesets=0 (its
	 * managed pages 0: no zone had pagesets) */
#define HOST_PCP_CPUS 256
	struct host_pagesets {
		uint64_t managed;
		uint32_t batch, cpus, high[HOST_PCP_CPUS];
	} zone_pcp[MODEL_MAX_ZONES];
	unsigned pcp_largest;
	struct host_timeline *timeline; /* replay_timeline.c: zone samples; NULL: none */
	struct warm_step *plan; /* replay_warm.c: the start state, worked out once per trace */
	size_t nr_plan, nr_pin_steps;
};
/* Sanity bound on pfns read from snapshots: 2^34 pages, 64 TiB. */
#define MAX_HOST_PFNS (1ull << 34)
enum host_snapshot {
	SNAP_ZONEINFO,
	SNAP_PAGETYPEINFO,
	SNAP_SLAB_ATTRIBUTES,
	SNAP_START_PAGEMAP,
	SNAP_END_PAGEMAP,
	SNAP_OPTIONS,
	SNAP_END_PAGETYPEINFO,
	SNAP_END_BUDDYINFO,
	SNAP_START_VMSTAT,
	SNAP_END_VMSTAT,
	SNAP_START_SLABINFO,
	SNAP_END_SLABINFO,
	SNAP_VFS_CACHE_PRESSURE,
	SNAP_END_PAGEMAP_TIMES,
	SNAP_END_RECORDER_PFNS,
	SNAP_START_PAGEMAP_TIMES,
	SNAP_PAGE_REPORTING_ORDER,
	SNAP_PAGE_ALLOC_SHUFFLE,
	SNAP_WATERMARK_BOOST_FACTOR,
	NR_HOST_SNAPSHOTS
};
/* The snapshot blobs, NUL-terminated (NULL when absent). */
struct host_snapshots {
	char *text[NR_HOST_SNAPSHOTS];
	size_t len[NR_HOST_SNAPSHOTS];
	bool raw_addresses;
};
int host_desc_load(struct trace_reader *r, const char *path, struct host_desc *h, char *err,
		   size_t errlen);
/* Parse snapshots (texts are modified); 0, or -1 with err naming path. */
int host_zone_type(const char *name);
/* A host time on the trace clock as replay's clock has it in pass @pass (the time from the
 * trace's first event, after the pass's start): where the end map's and the zone samples'
 * instants fall among the events. */
static inline uint64_t host_replay_time(const struct host_desc *h, unsigned pass, uint64_t t)
{
	return (t > h->trace_first_ts ? t - h->trace_first_ts : 0) +
	       (uint64_t)pass * h->trace_span_ns + 1000;
}
int host_desc_parse(struct host_desc *h, struct host_snapshots *sn, const char *path, char *err,
		    size_t errlen);
void host_snapshots_free(struct host_snapshots *sn);
/* The blob named name, NUL-terminated, into *data: 1, 0 when the trace has none, -1 on error. */
int host_meta_load(struct trace_reader *r, const char *name, char **data, size_t *len);
void host_desc_free(struct host_desc *h);
/* A page map's class of pfn as the recorder wrote it (PC_FREE_TAIL included). */
static inline unsigned page_class_raw(const uint8_t *map, uint64_t pfns, uint64_t pfn)
{
	if (!map || pfn >= pfns)
		return 0;
	return (map[pfn >> 1] >> ((pfn & 1) * 4)) & 15;
}
/* A page map's class of pfn; a guessed free tail page (PC_FREE_TAIL) counts as PC_FREE. */
static inline unsigned page_class(const uint8_t *map, uint64_t pfns, uint64_t pfn)
{
	unsigned c = page_class_raw(map, pfns, pfn);
	return c == 11 ? 1 : c; /* PC_FREE_TAIL: PC_FREE */
}
enum page_map_class {
	PC_HOLE,
	PC_FREE,
	PC_SLAB,
	PC_ANON,
	PC_PAGECACHE,
	PC_PAGETABLE,
	PC_RESERVED,
	PC_TAIL,
	PC_UNKNOWN,
	PC_OFFLINE,
	PC_UNEVICTABLE,
	/* no flags, after a buddy head (capture_snapshot.c): free, or a page on a per-CPU list */
	PC_FREE_TAIL
};
/* ---- replay_layout.c: a supplied layout (--layout, --mem) for traces without snapshots ---- */
/* The host from o's layout and the trace's slab attributes; pfns checked. 0, or -1 with err. */
int host_layout_load(struct trace_reader *r, const char *path, const struct replay_options *o,
		     struct host_desc *h, char *err, size_t errlen);
/* sn's zoneinfo from the text zoneinfo (copied), parsed, holes at the zones' tops; 0 or -1. */
int host_layout_parse(struct host_desc *h, struct host_snapshots *sn, const char *zoneinfo,
		      const char *what, char *err, size_t errlen);
/* "captured" or "supplied: ..." for the results. */
void replay_layout_describe(const struct replay_options *o, char *buf, size_t len);
/* ---- replay_warm.c: the start state from the start page map ---- */
enum warm_step_kind { WARM_PIN, WARM_TAG, WARM_TAKE };
struct warm_step {
	uint64_t pfn;
	uint8_t kind;  /* enum warm_step_kind */
	uint8_t order; /* a block of 2^order pages (WARM_PIN, WARM_TAKE) */
	int8_t mt;     /* the pageblock's tag, or the allocation's type */
	bool movable;  /* WARM_TAKE: the allocation can migrate */
};
/* ---- replay_pbtypes.c: each pageblock's type at trace start, as the trace shows it ---- */
#define PB_TYPE_UNSEEN 0xff
struct pb_types {
	uint8_t *types;	    /* per pageblock: the migratetype, or PB_TYPE_UNSEEN */
	uint64_t n;	    /* pageblocks from pfn 0 */
	uint64_t *last_set; /* per CPU: the pageblock its last page event set, or UINT64_MAX */
	unsigned nr_cpus;
};
int pb_types_init(struct pb_types *t, uint64_t max_pfn, unsigned nr_cpus);
void pb_types_free(struct pb_types *t);
/* One event of the pre-pass (page, zone-locked and extfrag events; others are ignored). */
void pb_types_feed(struct pb_types *t, const struct trace_event *ev);
/* The type pfn's pageblock had when the trace first showed it, or -1. */
int pb_types_get(const struct pb_types *t, uint64_t pfn);

/*
 * Work out the plan (pins first, then per zone tags and takes); 0 or -1 out of memory. seen
 * (NULL: none) gives the pageblocks' types as the trace shows them: they take the tags first.
 */
int host_warm_plan_build(struct host_desc *h, const struct pb_types *seen);
/*
 * Warm start: apply the tags and takes, setting a bit in warm per page taken; with highatomic,
 * start/pagetypeinfo's HighAtomic tags too (start_highatomic=1), counted in *nr_highatomic.
 */
int host_warm_start(const struct host_desc *h, struct model *m, uint64_t *warm, bool highatomic,
		    uint64_t *nr_highatomic);
/* Pages reserved or offline inside present pageblocks: pinned in both start modes. */
int host_pin_reserved(const struct host_desc *h, struct model *m);

/* ---- replay_reclaim.c: the variant's page cache for direct reclaim ---- */
struct lru_entry {
	uint64_t key;  /* trace pfn */
	uint8_t stamp; /* the low 8 bits of its sequence number, as its fwd value's stamp */
};
struct page_cache_lru {
	/* the ring, allocation order, oldest at head: each entry's key and stamp (two arrays,
	 * 9 bytes an entry) */
	uint64_t *ring_key;
	uint8_t *ring_stamp;
	size_t head, count, cap;
	uint64_t seq;
	uint64_t live, live_entries;	 /* page-cache pages and ring entries still valid */
	uint64_t warm_cursor, warm_left; /* warm page cache: scan position, pages not yet freed */
	uint64_t *reclaimed;		 /* bit per trace pfn: reclaimed, its trace free not seen */
	uint64_t *start_pagecache; /* bit per trace pfn: the start map's class is page cache */
};

/* ---- replay_variant.c: one variant ---- */
/* Lists per CPU: every order up to the pageblock order (PCPBuddy's, which the SPB series keeps;
 * mainline uses orders 0-3 and the pageblock order of them), per PCP type; kernel index order. */
#define PCP_ORDERS (PAGEBLOCK_ORDER + 1)

/*
 * The order of the largest aligned block of order-0 pages that reclaim and the drain can free
 * in one model_free_contig_range(): the block grows from one page by doubling while its edge
 * pfn stays aligned to the doubled size, the doubled size fits in limit and in_run(ctx, i)
 * says page i of it (counted from the run's first page taken) belongs, for each new i.
 * Shared by the per-CPU drain (replay_pcp.c) and shrink_lru's two runs (replay_reclaim.c);
 * inlined with their predicate.
 */
static inline __attribute__((always_inline)) unsigned
aligned_run_order(uint64_t edge, uint64_t limit, bool (*in_run)(void *ctx, uint64_t i), void *ctx)
{
	uint64_t n = 1;
	unsigned order = 0;

	while (order < PAGEBLOCK_ORDER && 2 * n <= limit && !(edge & (2 * n - 1))) {
		for (uint64_t i = n; i < 2 * n; i++)
			if (!in_run(ctx, i))
				return order;
		n *= 2;
		order++;
	}
	return order;
}
#define PCP_LISTS (MIGRATE_PCPTYPES * PCP_ORDERS)
struct pcp_list {
	uint64_t *pfns; /* ring buffer */
	uint32_t head, count, cap;
};
/* struct per_cpu_pages' sizing state (the kernel's rules, replay_pcp.c); count in pages */
struct pcp_state {
	int count, high, high_min, high_max, batch, free_count;
	unsigned alloc_factor, flags;
	unsigned zone; /* the model zone whose per_cpu_pageset this is */
};
/* observe: a fast_isolate_freepages() take of one free block, not yet placed (replay_observe.c) */
struct observe_fast_take {
	uint64_t lo, hi; /* the record's range [min_pfn, free_pfn) */
	uint8_t order;	 /* the block's order: the record's nr_taken is 1 << order */
};
#define OBSERVE_FAST_PENDING 256 /* fast takes awaiting their block; older ones count unbound */
struct variant_state {
	struct replay_variant_result *res;
	const struct host_desc *host;
	struct model *model;
	struct slab_model *slab;
	struct pfn_map fwd;   /* trace pfn -> FWD_VAL: model pfn, order, type, page-cache stamp */
	struct pfn_map32 rev; /* model pfn -> trace pfn */
	uint64_t *warm;	      /* bit per trace pfn: allocated at the start, not freed since */
	uint64_t *fallback;   /* bit per trace pfn: a piece of a caller_fallback starts here */
	uint64_t warm_pfns;
	/* placed start: trace pfn -> model pfn of a start page and back (START_NONE: none);
	 * NULL under the warm start, where both are the identity */
	uint32_t *start_at, *start_name;
	struct pcp_list *pcp; /* [cpu][PCP_LISTS] */
	struct pcp_state
		*pcps;	       /* [cpu]; NULL when the trace's refills and drains drive the lists */
	uint64_t pcp_decay_ns; /* next decay_pcp_high() (vmstat_update, once a second) */
	bool pcp_below_high
		[MODEL_MAX_ZONES]; /* ZONE_BELOW_HIGH per zone, latched as the kernel's */
	/* ZONE_RECLAIM_ACTIVE per zone: set while model time is before this (OP_KSWAPD,
	 * OP_KSWAPD_RUN) */
	uint64_t reclaim_active_until[MODEL_MAX_ZONES];
	unsigned nr_pcp_sets;	  /* kernel rules: zones x CPUs list sets; pcp_trace: the CPUs */
	struct model_block *bulk; /* scratch for PCP refills */
	uint64_t last_ts;
	uint8_t *seen; /* observe: per pfn, what the trace said last (replay_observe.c) */
	struct observe_fast_take *fast; /* observe: fast free-scanner takes not bound yet */
	size_t nr_fast;
	size_t map_next; /* observe: end map ranges compared so far (end/pagemap_times) */
	uint64_t map_agree, map_total;
	/* observe: the end map's last block checked for free page reporting's isolation */
	uint64_t reported_base;
	uint64_t reported_blocks; /* blocks of page_reporting_order set apart so far */
	bool reported_checked, reported_isolated;
	unsigned nr_cpus;
	bool slab_sized; /* the slab model's map sized from the pre-pass (first variant_apply) */
	int *cache_ids;	 /* trace cache index -> slab model id (-1: not created yet) */
	size_t nr_cache_ids;
	uint64_t next_sample_ns;
	size_t samples_cap;
	/* the next regular sample (next_sample_ns may be a host zone sample's time before it),
	 * the next host zone sample and the timeline's room (replay_timeline.c) */
	uint64_t regular_sample_ns;
	size_t timeline_next, timeline_cap;
	unsigned pass;
	const struct replay_options *opts;
	struct page_cache_lru lru;
	struct compaction_bind *cbind; /* replay_compaction.c; NULL for observe */
	/* a model shared by share_n variants (replay_share.c): per sample, per member, its
	 * SPB_DEFRAG_ABSORBED less the model's (model_share_absorbed) */
	unsigned share_n;
	int64_t *share_absorbed;
	char check_buf[256];
	const char *check_failure;
};
struct decode_caches; /* replay_decode.c */
/* replay_identity.c: fwd values pack the model pfn, the order and the migratetype */
#define FWD_PFN_MASK	  ((1ull << 48) - 1)
#define FWD_ORDER(v)	  ((unsigned)((v) >> 48) & 15)
#define FWD_MT(v)	  ((int)((v) >> 52) & 7)
#define FWD_VAL(p, o, mt) ((p) | (uint64_t)(o) << 48 | (uint64_t)(mt) << 52)
#define FWD_PAGECACHE	  (1ull << 55) /* page cache (replay_reclaim.c); bits 56-63 its stamp */
static inline void variant_rev_put(struct variant_state *v, uint64_t pfn, uint64_t key)
{
	pfn_map32_put(&v->rev, pfn, key);
}
static inline bool variant_rev_get(const struct variant_state *v, uint64_t pfn, uint64_t *key)
{
	return pfn_map32_get(&v->rev, pfn, key);
}
static inline void variant_rev_del(struct variant_state *v, uint64_t pfn)
{
	pfn_map32_del(&v->rev, pfn);
}
void variant_on_migrate(void *ctx, uint64_t old_pfn, uint64_t new_pfn, unsigned order);
void variant_identity_add(struct variant_state *v, const struct replay_op *op, uint64_t at);
void variant_identity_add_lru(struct variant_state *v, const struct replay_op *op, uint64_t at);
bool variant_split_containing(struct variant_state *v, uint64_t pfn);

/* replay_compaction.c: the host's compaction migrations in a policy variant */
struct compaction_bind;
int variant_compaction_init(struct variant_state *v);
void variant_compaction_destroy(struct variant_state *v);
void variant_compaction_take(struct variant_state *v, const struct replay_op *op);
/* A flagged source free of the allocation at model pfn at: migrate it first. true: no
 * destination under compaction_keep, the allocation stays (bound as the host's destination)
 * and the caller must not free it. */
bool variant_compaction_source(struct variant_state *v, uint64_t host_pfn, uint64_t at,
			       unsigned order, bool movable);
/* A free whose trace pfn names nothing: true when it is a destination the variant bound (*at
 * and *order set: the caller frees it) or the host's free scanner's page given back (*at is
 * MODEL_NO_PFN: nothing to free); false: unknown. */
bool variant_compaction_dest(struct variant_state *v, const struct replay_op *op, uint64_t *at,
			     unsigned *order);
bool variant_compaction_moved(struct variant_state *v, uint64_t old_pfn, uint64_t new_pfn);
void variant_compaction_finish(struct variant_state *v);

/* replay_pcp.c */
#define PCP_HIGH_BLOCKS	    4096 /* pcp_trace: a list longer than this frees its tail */
#define BULK_MAX	    1024
#define PCP_BATCH_SCALE_MAX 5 /* CONFIG_PCP_BATCH_SCALE_MAX's default */
struct pcp_list *variant_pcp_list(struct variant_state *v, unsigned cpu, int mt, unsigned order);
int pcp_push_head(struct pcp_list *l, uint64_t pfn);
int pcp_push_tail(struct pcp_list *l, uint64_t pfn);
bool pcp_rmqueue_smallest(struct variant_state *v, unsigned cpu, int mt, unsigned order,
			  uint64_t *pfn);
bool pcp_pop_tail(struct pcp_list *l, uint64_t *pfn);
void variant_pcp_refill(struct variant_state *v, const struct replay_op *op);
void variant_pcp_drain(struct variant_state *v, const struct replay_op *op);
/* The host's kswapd ran on op->nid: ZONE_RECLAIM_ACTIVE on its zones (KSWAPD_RUN_GAP_NS). */
void variant_kswapd_event(struct variant_state *v, const struct replay_op *op);
/* The host's kswapd ran balance_pgdat() on op->nid for op->key ns (OP_KSWAPD_RUN): the flag
 * on its zones of kernel index up to op->aux (host_desc.zone_kernel_idx; UINT32_MAX: the wake
 * named none, all of them) for that long. */
void variant_kswapd_run(struct variant_state *v, const struct replay_op *op);
/* The kernel's own rules (pcps != NULL): set up from the host's pagesets, allocate, free, decay */
int variant_pcp_init(struct variant_state *v);
int rmqueue_pcplist(struct variant_state *v, const struct model_alloc_req *req, uint64_t *pfn);
uint64_t variant_pcp_rmqueue(void *ctx, unsigned zone, const struct model_alloc_req *req,
			     unsigned alloc_flags);
void variant_pcp_free_lists(struct variant_state *v);
bool variant_pcp_free(struct variant_state *v, unsigned cpu, int mt, unsigned order, uint64_t pfn);
void free_frozen_page_commit(struct variant_state *v, unsigned cpu, int mt, unsigned order,
			     uint64_t pfn);
void variant_pcp_decay(struct variant_state *v, uint64_t now_ns);
void variant_pcp_drain_all(struct variant_state *v);
void variant_pcp_watermark(struct variant_state *v, unsigned order, uint32_t gfp);
uint64_t variant_pcp_pages(const struct variant_state *v, int mt);

/* A variant is built in two steps: variant_create (its empty model, maps and slab model; needs
 * only the host's layout, so it may run beside the pre-pass), then variant_start (the start
 * state, from the host's start plan, which the pre-pass decides). On failure either destroys v. */
int variant_create(struct variant_state *v, struct replay_variant_result *res,
		   const struct host_desc *h, const struct replay_options *opts, unsigned nr_cpus,
		   char *err, size_t errlen);
int variant_start(struct variant_state *v, char *err, size_t errlen);
/* The host's settings a spec follows unless overridden (page reporting), applied to spec. */
void variant_spec_for_host(struct replay_variant_spec *spec, const struct host_desc *h);
void variant_destroy(struct variant_state *v);
void variant_apply(struct variant_state *v, const struct replay_op *ops, size_t n,
		   const struct decode_caches *dc);
void variant_observe_apply(struct variant_state *v, const struct replay_op *ops, size_t n);
/* Free every allocated block in [pfn, pfn + 2^order) the warm start made; how many pages. */
uint64_t variant_free_warm_range(struct variant_state *v, uint64_t pfn, unsigned order,
				 bool warm_only);
void variant_observe_agreement(struct variant_state *v);
/* capture/options (may be NULL) has a `recorder_excluded:` line other than yes: the recorder's
 * own page events are in the trace. */
bool observe_recorder_pages_traced(const char *options);
/* {start,end}/pagemap_times and end/recorder_pfns into h (any may be NULL); -1 malformed. */
int observe_parse_map_snapshots(struct host_desc *h, const char *start_times, const char *end_times,
				const char *recorder);
/* Whether the start page map was read after this page event on its pfn (trace clock ns). */
bool observe_in_start_map(const struct host_desc *h, uint64_t pfn, uint64_t ts);

/* ---- replay_rewind.c: the start map as of the trace's first event ---- */
/* Every page named by an event older than its range's read put back as it was before that
 * event (h->start_rewound set); reads the trace's first events from r and seeks it back to 0.
 * 0, or -1 with err. */
int host_start_rewind(struct trace_reader *r, struct host_desc *h, char *err, size_t errlen);
/* The node of the host zone that spans pfn, -1 outside every zone (replay_warm.c). */
int host_pfn_nid(const struct host_desc *h, uint64_t pfn);
#define START_NONE UINT32_MAX
/* Placed start (replay_warm.c): the start map's live memory through v's own policy. */
int host_place_start(const struct host_desc *h, struct model *m, struct variant_state *v);
/* The model pfn of the start page the trace names pfn (the identity under the warm start). */
static inline uint64_t start_model_pfn(const struct variant_state *v, uint64_t pfn)
{
	if (!v->start_at)
		return pfn;
	return pfn < v->warm_pfns && v->start_at[pfn] != START_NONE ? v->start_at[pfn] : UINT64_MAX;
}
static inline bool warm_test(const struct variant_state *v, uint64_t pfn)
{
	return pfn < v->warm_pfns && (v->warm[pfn / 64] >> (pfn % 64)) & 1;
}
static inline void warm_clear(struct variant_state *v, uint64_t pfn)
{
	if (pfn < v->warm_pfns)
		v->warm[pfn / 64] &= ~(1ull << (pfn % 64));
}
/*
 * The first trace pfn in [p, end) whose warm bit is set, else end: a word of the bitmap at a
 * time (variant_free_warm_range passes over the pages without the bit; test_replay checks it
 * against warm_test() pfn by pfn).
 */
static inline uint64_t warm_next(const struct variant_state *v, uint64_t p, uint64_t end)
{
	const uint64_t stop = end < v->warm_pfns ? end : v->warm_pfns;

	while (p < stop) {
		uint64_t word = v->warm[p / 64] >> (p % 64);
		if (word) {
			p += (uint64_t)__builtin_ctzll(word);
			return p < stop ? p : end;
		}
		p = (p | 63) + 1;
	}
	return end;
}
bool replay_is_page_cache(const struct replay_op *op);
/* replay_fallback.c */
bool variant_caller_fallback(struct variant_state *v, const struct replay_op *op);
bool variant_fallback_free(struct variant_state *v, const struct replay_op *op);
/* who falls back: a THP's fault (order-0 faults), a page-cache write (every smaller order),
 * readahead (order 0) */
enum fallback_caller { FALLBACK_READAHEAD, FALLBACK_WRITE, FALLBACK_THP };
enum fallback_caller replay_fallback_caller(const struct replay_op *op);
unsigned replay_fallback_piece_order(const struct replay_op *op, uint64_t p,
				     enum fallback_caller caller);
/* the gfp of a fallback's order-0 pieces, given the larger pieces' */
uint32_t replay_fallback_last_gfp(enum fallback_caller caller, uint32_t piece_gfp);
void variant_fallback_forget(struct variant_state *v, uint64_t pfn);
int variant_lru_init(struct variant_state *v);
void variant_lru_destroy(struct variant_state *v);
void variant_lru_add(struct variant_state *v, uint64_t key);
uint64_t variant_lru_stamp(struct variant_state *v, uint64_t key, uint64_t val);
void variant_lru_forget(struct variant_state *v, uint64_t val);
void variant_lru_warm_gone(struct variant_state *v, uint64_t pfn, unsigned order);
bool variant_reclaimed_clear(struct variant_state *v, uint64_t pfn, unsigned order);
/*
 * The bits of [pfn, pfn + 2^order) in its word of the reclaimed bitmap, for a block of fewer
 * than 64 pages inside one word; false (mask untouched) for any other block.
 */
static inline bool reclaimed_word_mask(uint64_t pfn, unsigned order, uint64_t *mask)
{
	unsigned bit = (unsigned)(pfn % 64);

	if (order >= 6 || bit + (1u << order) > 64)
		return false;
	*mask = ((1ull << (1u << order)) - 1) << bit;
	return true;
}
/*
 * A trace free or allocation of [pfn, pfn + 2^order): the host's again, so no page of it
 * stays marked reclaimed; true when the variant had reclaimed the page at pfn. Inline for its
 * common case, a block inside one word of the bitmap with no page of it marked (once or
 * twice a page event; clearing bits already clear changes nothing); the rest in
 * replay_reclaim.c.
 */
static inline bool variant_reclaimed_take(struct variant_state *v, uint64_t pfn, unsigned order)
{
	if (pfn >= v->warm_pfns)
		return false;
	uint64_t word = v->lru.reclaimed[pfn / 64], mask;
	if (reclaimed_word_mask(pfn, order, &mask)) {
		if (!(word & mask))
			return false; /* inside the word, none of its bits set */
	} else if (order == 6 && !(pfn % 64) && !word) {
		return false; /* the whole word, clear */
	}
	return variant_reclaimed_clear(v, pfn, order);
}
void variant_sample(struct variant_state *v, uint64_t t_ns);
/* ---- replay_timeline.c: the host's zone samples and the variants' state at each ---- */
struct host_timeline;
/* capture/zone_samples.<part> into h->timeline (left NULL when there are none); -1 with err. */
int host_timeline_load(struct trace_reader *r, struct host_desc *h, char *err, size_t errlen);
/* The same from the parts' texts (the fuzzer): add each part (0, -1 malformed, -2 out of
 * memory), then finish (zones mapped onto the model's; no sample: no timeline). */
int host_timeline_add_part(struct host_desc *h, const char *text);
void host_timeline_finish(struct host_desc *h);
void host_timeline_free(struct host_timeline *tl);
void host_timeline_info(const struct host_desc *h, struct replay_timeline_info *info);
/* The replay time of the next host sample to compare (UINT64_MAX: none, or not this pass). */
uint64_t variant_timeline_next(const struct variant_state *v);
/* Every host sample due at or before t_ns: a point per zone with the variant's state now. */
void variant_timeline_record(struct variant_state *v, uint64_t t_ns);
/* At the end: the samples after the last event, counted, not compared. */
void variant_timeline_finish(struct variant_state *v);
void variant_finish(struct variant_state *v, uint64_t t_ns);

/* ---- replay_share.c: variants that have not diverged, as one model ---- */
#define SHARE_MAX_MEMBERS 64
struct share_group {
	size_t member[SHARE_MAX_MEMBERS]; /* variant indices; member[0] leads: its params run */
	unsigned n;
	struct model_share share; /* bit j: member[j] */
};
/* Whether two variants may run as one model: the same in everything but the knobs. */
bool share_compatible(const struct replay_variant_spec *a, const struct replay_variant_spec *b);
/* Group the variants idx[0..n) in order, each with the first compatible group whose leader has
 * the same value of every knob in the mask apart (bits by enum model_knob; one group each when
 * share is false); groups holds n. Returns the number of groups. */
size_t share_plan(const struct replay_variant_spec *specs, const size_t *idx, size_t n, bool share,
		  uint64_t apart, struct share_group *groups);
/* The knobs whose differing members this trace is expected to split (share_plan's apart): the
 * last-chance defrag kick when the host reclaimed or compacted directly during the trace. */
uint64_t share_apart_knobs(const struct host_desc *h);
/*
 * After a round: the members the model still runs as (left, bits of g) get its result, the
 * leader's slot, with their own specs (variant_spec_for_host), their SPB_DEFRAG_ABSORBED kept
 * apart (absorbed: per sample, g->n members; NULL: none) and an equal part of its CPU time;
 * the others' indices are appended to split[*nsplit]. 0, or -1 out of memory.
 */
int share_deal_results(struct replay_result *res, const struct share_group *g, uint64_t left,
		       const int64_t *absorbed, unsigned round, const struct host_desc *h,
		       size_t *split, size_t *nsplit);

/* ---- replay_shrink_calib.c: the host's shrinker runs ---- */
struct shrink_calib;
struct shrink_calib *shrink_calib_create(const struct host_desc *h, uint64_t first_ts,
					 uint64_t span_ns);
void shrink_calib_destroy(struct shrink_calib *c);
/* Feed one mm_shrink_slab_start or _end event (others are ignored). */
void shrink_calib_feed(struct shrink_calib *c, struct trace_reader *r,
		       const struct trace_event *ev);
/* Close the rounds still open and work out the shares into out. */
void shrink_calib_finish(struct shrink_calib *c, struct replay_shrink_calibration *out);
/* The calibrated freeable share of a model cache into cfg (false: none covers it). */
bool shrink_calib_for_cache(const struct replay_shrink_calibration *cal, const char *cache,
			    uint32_t *ppm);

/* ---- replay_decode.c ---- */
struct decode_caches {
	char (*names)[64];
	uint32_t *size; /* bytes_alloc of the cache's first allocation in the trace; 0 none */
	struct replay_shrink_calibration calib; /* from the pre-pass (replay_shrink_calib.c) */
	uint64_t peak_live_objects; /* the pre-pass's count of the most slab objects live at once */
	size_t n, cap;
};
struct decoder;
int decoder_create(struct trace_reader *r, const struct host_desc *h, struct decoder **out,
		   char *err, size_t errlen);
void decoder_destroy(struct decoder *d);
/* Run the slab-page pre-pass over the whole trace, which also calibrates the shrinkers
 * (decode_caches.calib) and, when seen is not NULL, records the pageblocks' types at trace
 * start into it (replay_pbtypes.c); rewinds the reader afterwards. */
int decoder_prepass(struct decoder *d, struct pb_types *seen, char *err, size_t errlen);
/* Start pass k: rewind, set the time offset. */
int decoder_begin_pass(struct decoder *d, unsigned pass, char *err, size_t errlen);
/* A decoder over its own reader r (opened on the same trace) in the state src's pre-pass left:
 * its marks, sizes, calibration and kswapd runs copied, nothing decoded yet (replay_engine.c's
 * split-off streams). It decodes the same operations as src, with the same cache indices, and
 * is used on another thread than src's readers of its caches. 0, or -1 with err set. */
int decoder_clone(const struct decoder *src, struct trace_reader *r, struct decoder **out,
		  char *err, size_t errlen);
/* Fill up to max ops; returns how many, 0 at the end of the pass, -1 on error (err set). */
long decoder_fill(struct decoder *d, struct replay_op *ops, size_t max, char *err, size_t errlen);
const struct decode_caches *decoder_caches(const struct decoder *d);
uint64_t decoder_events_done(const struct decoder *d);
uint64_t decoder_malformed(const struct decoder *d);
uint64_t decoder_pass_span_ns(const struct decoder *d);
/* Ignore the trace's kswapd wake and sleep events: the shrink_slab heuristic (OP_KSWAPD). */
void decoder_kswapd_heuristic(struct decoder *d);
/* The kswapd windows come from its wake events (OP_KSWAPD_RUN), not the heuristic. */
bool decoder_kswapd_traced(const struct decoder *d);
/* kswapd wakes or sleeps naming a node beyond those followed (pre-pass; no window). */
uint64_t decoder_kswapd_unknown_nid(const struct decoder *d);
/* The host's allocation counts of pass 0 into fig (failed, served, pages in and out). */
void decoder_host_figures(const struct decoder *d, struct replay_host_figures *fig);

#endif
