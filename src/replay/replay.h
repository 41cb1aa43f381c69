// SPDX-License-Identifier: GPL-2.0
/*
 * replay.h - drive many policy variants of the allocator model from one trace, in one pass.
 *
 * The trace is decoded once; each event becomes a replay operation (an allocation or free named
 * by the trace's pfn or object address, a per-CPU list refill or drain, a lost-event gap) that
 * every variant applies to its own model. Variants are independent and each runs in event
 * order on one thread, so results do not depend on the thread count. The engine samples every
 * variant every sample period of trace time, finds where its tainted count settles, and hands
 * back everything for the results database (src/report/results_db.h). docs/replay.md describes
 * the mapping, the start states, --loop and the equilibrium method.
 */
#ifndef FRAGTRACE_REPLAY_H
#define FRAGTRACE_REPLAY_H

#include "model.h"
#include "slab.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The API stays visible; the library's other symbols become local (cmake/private_library.cmake) */
#pragma GCC visibility push(default)

/*
 * Start states (docs/replay.md): WARM copies the host's placement from the start page map;
 * PLACED allocates the same live memory through the variant's own policy (identity kept, pfns
 * the policy's); COLD starts empty. AUTO, the run's default, is WARM for mainline and observe
 * and PLACED for the SPB variants; a variant's own start= key overrides the run's mode.
 */
enum replay_start { REPLAY_WARM, REPLAY_COLD, REPLAY_PLACED, REPLAY_START_AUTO };
const char *replay_start_name(enum replay_start s);
/* "warm" (or "copied"), "placed", "cold", "auto": 0, or -1 for another word. */
int replay_start_parse(const char *word, enum replay_start *s);

/* One variant to run: a preset plus overrides. */
struct replay_variant_spec {
	char name[256];	 /* as given: "spb+all:freeable_ppm=500000" */
	char preset[64]; /* "spb+all" */
	bool observe;	 /* apply the trace's own pfns (policy is then irrelevant) */
	bool pcp;	 /* per-CPU lists (default on) */
	bool pcp_trace;	 /* pcp: follow the host's refills and drains, not the kernel's rules */
	enum replay_start start; /* start=: REPLAY_START_AUTO follows the run's --start */
	bool shrink_calibration; /* caches take the freeable share of the host's shrinker runs */
	bool compaction;	 /* replay the host's compaction migrations (replay_compaction.c) */
	bool compaction_host_scanner; /* their free scanner stays above the host's source */
	bool compaction_below;	      /* none there: a target below the source (reconciled) */
	bool compaction_keep; /* still none: the source stays allocated, bound as the host's dest */
	bool caller_fallback; /* a failed movable NORETRY folio: the caller's smaller orders (on but for mainline) */
	/* every zone's per-CPU lists take that zone's start pagesets (batch, pcp->high), not only
	 * the largest zone's (on by default, as the kernel's: replay.md, "Per-CPU lists") */
	bool pcp_zone_pagesets;
	/* a start folio of orders 0-3 freed whole goes to the CPU's per-CPU list, as start THPs
	 * do (on by default, as the kernel's: replay.md, "Frees of memory allocated before
	 * the trace") */
	bool start_pcp_free;
	/* start/pagetypeinfo's HighAtomic pageblocks tagged at a warm start, on the pageblocks the
	 * trace does not show with the most free pages (replay_warm.c; off by default) */
	bool start_highatomic;
	enum model_policy policy;
	struct model_params params;
	struct slab_params slab;
	uint64_t overridden; /* bit i: parameter i of replay_param_count() was set by the user */
};

/* "NAME[:key=value,...]" into spec; 0, or -1 with a one-line message in err. */
int replay_variant_parse(const char *text, struct replay_variant_spec *spec, char *err,
			 size_t errlen);
/* The parameters a variant takes, by index: name and current value as text. */
size_t replay_param_count(void);
const char *replay_param_name(size_t i);
void replay_param_value(const struct replay_variant_spec *spec, size_t i, char *buf, size_t len);
bool replay_param_overridden(const struct replay_variant_spec *spec, const char *name);

struct replay_options {
	enum replay_start start;
	unsigned loops;	    /* passes over the trace, >= 1 */
	unsigned threads;   /* worker threads, >= 1 */
	uint64_t sample_ns; /* sampling period in trace time */
	bool check_model;   /* tests: run the invariant checkers at every sample */
	/* Progress: called from the decoding thread about every 200 ms, and once at the end. */
	void (*progress)(void *ctx, uint64_t events_done, uint64_t events_total, unsigned pass,
			 unsigned loops);
	void *progress_ctx;
	volatile sig_atomic_t *stop; /* set (by a signal handler) to stop early; may be NULL */
	/* A supplied memory layout instead of the trace's start/zoneinfo (replay_layout.c):
	 * a saved /proc/zoneinfo, or an x86_64 host of mem_bytes on mem_nodes nodes. */
	const char *layout;
	uint64_t mem_bytes;
	unsigned mem_nodes;
	/* Run every variant on a model of its own (--no-share). By default variants that differ
	 * only in the four trigger switches (model.h, enum model_knob) run as one model until a
	 * switch makes them act differently; those split off are replayed again from the start
	 * (docs/replay.md, "Speed and memory"). Results are the same either way. */
	bool no_share;
	/* Ignore the trace's kswapd wake and sleep events and take kswapd's reclaim windows from
	 * its GFP_KERNEL shrink_slab events, as for traces without them (--kswapd-heuristic). */
	bool kswapd_heuristic;
	/* Put the start page map back as of the trace's first event and replay every event,
	 * none taken as already in the map (--start-rewind; replay_rewind.c). */
	bool start_rewind;
};

/* One sample of one variant. */
struct replay_sample {
	uint64_t t_ns;
	unsigned pass;
	struct model_stats stats;
	uint64_t slab_pages, slab_objects;
};

/*
 * The host's zone samples (capture/zone_samples.<part>, docs/trace-format.md) and a variant's
 * state at each (replay_timeline.c): the drift of the model's free memory from the host's.
 */
#define REPLAY_TIMELINE_ZONES 16
struct replay_timeline_zone {
	int nid;
	char name[16];	  /* "Normal" */
	uint64_t managed; /* pages */
	int threshold;	  /* the largest per-CPU vmstat threshold seen: NR_FREE_PAGES's slack */
	bool in_model;	  /* the model has this zone (node and type) */
};
struct replay_timeline_info {
	size_t samples;	    /* host samples in the trace (0: none) */
	uint64_t malformed; /* sample lines that did not parse: skipped */
	unsigned nzones;
	struct replay_timeline_zone zone[REPLAY_TIMELINE_ZONES];
	uint64_t first_ns, last_ns; /* the first and last sample, ns after the first event */
};
struct replay_timeline_point {
	uint64_t t_ns; /* ns after the trace's first event */
	unsigned zone; /* index into replay_timeline_info.zone */
	/* buddy free pages (NR_FREE_PAGES) and pages on the per-CPU lists; model_pcp -1: the
	 * variant keeps no per-CPU lists; pcp_high: the lists' pcp->high summed over the CPUs
	 * (model -1: no lists, or the trace's refills drive them: no high) */
	int64_t host_free, model_free, host_pcp, model_pcp, host_pcp_high, model_pcp_high;
};

struct replay_equilibrium {
	bool reached;
	double value, slope_per_s, settle_s, window_s, tolerance;
	unsigned spread;
	size_t samples;
	const char *reason;
};

/* What could not be replayed faithfully (schema.sql, table data_loss). */
struct replay_loss {
	uint64_t page_allocs, page_alloc_failed, page_frees, unknown_page_frees, warm_page_frees;
	/* pages of the host's per-CPU lists at the start, freed at the host's drain of them */
	uint64_t start_pcp_drain_pages;
	/* the host's kswapd events seen (OP_KSWAPD), and frees past a per-CPU list's
	 * ZONE_RECLAIM_ACTIVE cap (nr_pcp_high(): four batches while kswapd runs) */
	uint64_t kswapd_events, pcp_reclaim_active_frees;
	/* traces with kswapd's wake events instead (OP_KSWAPD_RUN): its wakes and the summed
	 * length of their balance_pgdat() runs (replay_decode.c) */
	uint64_t kswapd_wakes, kswapd_reclaim_active_ns;
	/* THPs allocated before the trace that its frees put on the variant's per-CPU lists */
	uint64_t start_thp_pcp_frees;
	/* ... and start folios of orders 0-3 that went there (start_pcp_free=1) */
	uint64_t start_folio_pcp_frees;
	/* start_highatomic: pageblocks tagged HIGHATOMIC at the warm start */
	uint64_t start_highatomic_pageblocks;
	uint64_t orphaned_allocations, slab_page_events, slab_allocs, slab_frees;
	uint64_t unknown_slab_frees, frees_after_reclaim, slab_alloc_failed, pcp_drain_misses;
	/* trace frees of pages the variant's direct reclaim had dropped (replay_reclaim.c), and
	 * the pages of such frees' ranges the reclaim had not reached, freed with them */
	uint64_t page_frees_after_reclaim, reclaim_rest_pages;
	/* page_alloc_failed by order, those whose gfp has __GFP_NORETRY, and movable ones */
	uint64_t page_alloc_failed_order[MAX_PAGE_ORDER + 1], page_alloc_failed_noretry;
	uint64_t page_alloc_failed_movable;
	/* caller_fallback: host allocations this variant failed at the host's order and served
	 * as the kernel's caller would (replay_fallback.c): in all, the pages so served, and
	 * those a THP's retry without __GFP_THISNODE|__GFP_NORETRY served at its own order */
	uint64_t caller_fallback_served, caller_fallback_pages, caller_fallback_thp_retry;
	/* slab caches the slab model built with a guessed object size (64 bytes): in neither the
	 * start snapshots (slab_attributes, slabinfo) nor any allocation of the trace */
	uint64_t slab_cache_size_guessed;
};

/*
 * observe mode, by cause: why a trace event did not fit the rebuilt host (docs/replay.md,
 * "Why replay drifted under pressure"). A free of a page the rebuilt host holds free, and an
 * allocation of a page it holds allocated, are split by what the trace said last about the page.
 */
struct replay_observe_causes {
	uint64_t free_after_free;     /* freed, freed again: the host took it without an event */
	uint64_t free_free_at_start;  /* free in the start page map, never allocated in the trace */
	uint64_t free_order_mismatch; /* allocated, but not as the block the free names */
	uint64_t split_before_free;   /* a free inside a larger block: split_page() first */
	uint64_t
		outside_start_map; /* a page event beyond the start page map (a hole to the model) */
	uint64_t alloc_after_alloc;    /* allocated, taken again: a free without an event */
	uint64_t alloc_after_pcp_free; /* freed to a per-CPU list, taken from the buddy */
	uint64_t pcp_locked_free; /* pages freed while the CPU's list lock was held: to the buddy */
	uint64_t alloc_allocated_at_start; /* allocated at the start, never freed in the trace */
	uint64_t compaction_taken;	  /* pages compaction's free scanner took (trace records) */
	uint64_t compaction_short;	  /* pages it took that the model did not hold free */
	uint64_t compaction_rebound;	  /* scanner pages given back for a block the host took */
	uint64_t compaction_fast_bound;	  /* fast takes' pages placed by a later free of them */
	uint64_t compaction_fast_unbound; /* fast takes' pages never placed (left free) */
	uint64_t lru_free_taken;	  /* LRU insertions of pages observe held free: taken */
	uint64_t fallback_taken; /* pages of fallbacks with only an extfrag record: taken */
	uint64_t end_model_free_host_used; /* end: the model holds free, the host's map in use */
	uint64_t end_model_used_host_free; /* end: the model holds in use, the host's map free */
	/* end: free to the model, held by the recorder (compared, within end_model_free_host_used,
	 * only when the trace has its page events: recorder_pages_traced) */
	uint64_t end_recorder_pages;
	uint64_t end_map_timed;	    /* end: pages compared at the time the page map read them */
	uint64_t end_pcp_free_tail; /* end: on a per-CPU list to the trace, a guessed free tail to
				     * the map (PC_FREE_TAIL): not compared */
	uint64_t end_reporting_isolated; /* end: free to the model, in a whole block free page
					  * reporting held off the free lists: not compared */
};

/*
 * The host's compaction migrations replayed in a policy variant (replay_compaction.c): a source
 * the host migrated keeps its memory in the variant at a destination the model's free scanner
 * chose, bound to the host's later free of a page in a pageblock its free scanner took from.
 */
struct replay_compaction {
	uint64_t sources;	    /* flagged source frees of movable pages: migrated */
	uint64_t sources_unmovable; /* flagged frees of pages the variant holds unmovable */
	uint64_t sources_unknown;   /* flagged frees of pages the variant does not hold */
	uint64_t below_source;	    /* destinations taken below the source (compaction_below) */
	uint64_t no_target;	    /* the model's free scanner found no destination */
	uint64_t kept;		    /* of those, sources kept in place (compaction_keep) */
	uint64_t no_target_why[MODEL_NR_NO_TARGET]; /* of those, by enum model_no_target */
	uint64_t dest_frees;			    /* host frees that freed a bound destination */
	uint64_t dest_order_miss;  /* bound destinations there, none of the free's order */
	uint64_t dest_unbound;	   /* frees in the host's taken pageblocks, none bound there */
	uint64_t releases;	   /* the host's free scanner's unused pages given back */
	uint64_t without_capacity; /* destinations bound past the pages the host took */
	uint64_t live_at_end;	   /* destinations still held at the end */
};

struct replay_region {
	struct model_region region;
	bool has_spb; /* SPB policy: the counters below are the SPB's */
	unsigned nr_free, nr_unmovable, nr_reclaimable, nr_movable;
};

struct replay_variant_result {
	struct replay_variant_spec spec;
	uint64_t events;
	double seconds; /* thread CPU time in this variant */
	/* the same time split as the kernel accounts it (getrusage(RUSAGE_THREAD) around each
	 * block applied: user and system time, the system part mostly the first touches' page
	 * faults), and the minor faults taken while applying */
	double user_seconds, sys_seconds;
	uint64_t minflt;
	struct replay_sample *samples;
	size_t nr_samples;
	/* at each host zone sample, per zone (replay_timeline.c); points not kept for want of
	 * memory, and host samples after the trace's last event (not compared) */
	struct replay_timeline_point *timeline;
	size_t nr_timeline;
	uint64_t timeline_dropped, timeline_after_end;
	struct replay_equilibrium eq;
	struct replay_loss loss;
	struct model_stats final;
	struct slab_stats slab;
	struct replay_region *regions;
	size_t nr_regions;
	size_t model_bytes;
	uint64_t max_tainted, min_tainted;
	uint64_t pcp_pages[MIGRATE_PCPTYPES]; /* pages on the per-CPU lists at the end, per type */
	enum replay_start start;	      /* the start state this variant was built from */
	/* PLACED: pages the policy placed, pages taken at the host's pfn because it could not,
	 * pages neither could take (their frees then count as unknown) */
	uint64_t start_placed, start_copied, start_unplaced;
	double agreement; /* observe: share of present pages matching the end page map; -1 otherwise */
	uint64_t agreement_pages, agreement_total;
	struct replay_observe_causes causes; /* observe only */
	struct replay_compaction compaction; /* policy variants */
	/* the model that produced this result ran for shared_by variants (1: this one alone; its
	 * CPU time, seconds, is shared equally among them) in round (0: the first replay; k: the
	 * k-th replay again of variants split off a shared model) */
	unsigned shared_by, round;
};

/* Events per second of CPU of the model that replayed v (shared or not): its events over the
 * whole model's CPU time, not over v's equal share of it. */
static inline double replay_variant_rate(const struct replay_variant_result *v)
{
	double cpu = v->seconds * (v->shared_by > 1 ? v->shared_by : 1);
	return cpu > 0 ? (double)v->events / cpu : 0.0;
}

/*
 * The host's own figures from the trace and its snapshots, which the mainline variant is
 * validated against (replay_validate.c). Vmstat deltas are end - start of counters that show
 * pages moving without a kmem tracepoint (compaction, migration, THP splits, balloons).
 */
#define REPLAY_VMSTAT_KEYS 12
struct replay_host_figures {
	uint64_t extfrag_events;	       /* mm_page_alloc_extfrag in the trace */
	uint64_t failed_allocs;		       /* mm_page_alloc with pfn -1: the host failed too */
	uint64_t served_allocs;		       /* mm_page_alloc with a pfn */
	uint64_t pages_allocated, pages_freed; /* sum of 2^order over mm_page_alloc / _free */
	bool have_end_pageblocks, have_end_buddy, have_vmstat;
	/* the trace has end/pagemap_times, end/recorder_pfns (their observe rows are shown) */
	bool have_end_map_times, have_recorder_pfns, have_start_map_times;
	uint64_t start_map_events; /* page events older than the start map's read of their page */
	/* --start-rewind (replay_rewind.c): the start map put back as of the first event; the
	 * pages rewound, by what they were put back as (free; on a per-CPU list; allocated,
	 * first freed), and those whose class the rewind changed */
	bool start_rewound;
	uint64_t start_rewind_free, start_rewind_pcp, start_rewind_allocated;
	uint64_t start_rewind_changed;
	uint64_t recorder_pfns; /* pages end/recorder_pfns lists inside the end map */
	/* capture/options says the recorder traced its own page events (`recorder_excluded:` with
	 * a value other than yes): observe compares the recorder's pages, not sets them apart */
	bool recorder_pages_traced;
	uint64_t end_pageblocks[MIGRATE_TYPES];	  /* end/pagetypeinfo, all zones */
	uint64_t end_free_blocks[NR_PAGE_ORDERS]; /* end/buddyinfo, all zones */
	int64_t vmstat_delta[REPLAY_VMSTAT_KEYS]; /* by replay_vmstat_key(i) */
	/*
	 * start/page_reporting_order (have_page_reporting: the trace has it): reporting on when
	 * the module is there with an order of at most MAX_PAGE_ORDER, the mainline variants'
	 * page_reporting and page_reporting_order defaults; start/page_alloc_shuffle
	 * (have_shuffle): the host shuffled its free lists, which the model does not
	 */
	bool have_page_reporting, page_reporting_on, have_shuffle, shuffle_on;
	unsigned page_reporting_order;
	char page_reporting_text[24]; /* the snapshot's first line, for the header line */
	/* start/watermark_boost_factor (have_: the trace has it): watermark_boost's factor */
	bool have_watermark_boost_factor;
	unsigned watermark_boost_factor;
};
const char *replay_vmstat_key(unsigned i);

/* Lost events of one CPU (trace_gaps.h, struct trace_loss_cpu; schema.sql, trace_lost_cpu). */
struct replay_lost_cpu {
	unsigned cpu;
	uint64_t lost, markers, unknown_markers, marker_events, kernel_events;
	bool have_kernel, at_least;
	const char *source; /* "markers", "kernel counters", ... */
};

struct replay_trace_info {
	char path[4096];
	/*
	 * lost_events: per CPU the larger of the markers' count and the kernel's ring-buffer
	 * counters, summed (never lower than the kernel's count); a lower bound when
	 * lost_at_least. lost_kernel_events is meaningful only with have_kernel_counters.
	 */
	uint64_t file_bytes, events, lost_events, lost_markers, first_ts;
	uint64_t lost_unknown_markers, lost_marker_events, lost_kernel_events;
	bool lost_at_least, have_kernel_counters;
	char lost_note[256]; /* why the kernel's counters were not (all) used, or "" */
	struct replay_lost_cpu *lost_cpus;
	size_t nr_lost_cpus;
	uint64_t slab_events_dropped; /* slab events not replayed: addresses not physical */
	double duration_s;
	bool complete_file;
	char kernel[128], arch[32], addresses[32];
	unsigned cpus;
	uint64_t host_pages;
	char warning[512];	   /* the reader's warning for a truncated file, or "" */
	char layout[320];	   /* "captured", or "supplied: --mem 32G,1" / "--layout FILE" */
	uint64_t malformed_events; /* page events with an impossible order: not replayed */
	struct replay_host_figures host;
	/* where kswapd's ZONE_RECLAIM_ACTIVE windows came from: its wake events (true), or the
	 * GFP_KERNEL shrink_slab heuristic; wakes or sleeps of a node out of range (no window) */
	bool kswapd_traced;
	uint64_t kswapd_unknown_nid;
	struct replay_timeline_info timeline; /* the host's zone samples (samples 0: none) */
};

/*
 * Validation of the mainline variant against the host (replay_validate.c, schema.sql table
 * validation): one row per figure, the host's value, the model's, the bound and the verdict.
 */
enum replay_verdict { VERDICT_INFO, VERDICT_PASS, VERDICT_FAIL };
struct replay_check_row {
	char name[48];
	double host, model;
	double lo, hi; /* model must be within [lo, hi] (VERDICT_INFO: no bound) */
	enum replay_verdict verdict;
	const char *what; /* one line: what the figure is */
};
#define REPLAY_MAX_CHECKS 128
struct replay_validation {
	size_t n;
	struct replay_check_row rows[REPLAY_MAX_CHECKS];
};

/*
 * The host's own shrinker runs (vmscan:mm_shrink_slab_start/end), per shrinker, and the
 * freeable share replay derived from them (replay_shrink_calib.c, docs/replay.md, schema.sql
 * table shrink_calibration).
 */
#define REPLAY_MAX_SHRINKERS 16
struct replay_shrinker_calib {
	char shrinker[64];	 /* its scan function: "super_cache_scan" */
	uint64_t runs, rounds;	 /* do_shrink_slab calls; shrink_slab rounds they formed */
	uint64_t scanned, freed; /* objects scanned (total_scan at start - at end) and freed */
	double mean_items;	 /* mean over rounds of the round's summed count_objects, with
				  * vfs_cache_pressure taken out: the host's unused objects */
	double host_objects;	 /* objects of the model caches it covers (slabinfo); 0: none */
	uint32_t freeable_ppm;	 /* mean over rounds of unused / objects, at most 1e6 */
	bool applied;		 /* the model's caches it covers take freeable_ppm */
};
struct replay_shrink_calibration {
	size_t n;
	uint64_t dropped_runs; /* runs of shrinkers beyond REPLAY_MAX_SHRINKERS */
	struct replay_shrinker_calib s[REPLAY_MAX_SHRINKERS];
};

struct replay_result {
	struct replay_trace_info trace;
	struct replay_variant_result *variants;
	size_t nr_variants;
	bool interrupted;
	double wall_seconds;
	double setup_seconds; /* reading snapshots, building models, the slab-page pre-pass */
	/* setup_seconds in its phases (wall): reading the snapshots and the trace's header; the
	 * slab-page pre-pass with the start plan; building the variants' models */
	double load_seconds, prepass_seconds, build_seconds;
	/* the decoding thread's CPU time in the replay phase's decoding (every stream's
	 * decoder_fill(): reader, zstd, events into operations), beside the variants' own */
	double decode_seconds;
	unsigned threads;
	/* Sharing (replay_options.no_share): models built, rounds (replays of the trace: 1 when
	 * no variant split off a shared model), and splits (variants split off a model they shared,
	 * each replayed again in a later round); early_starts: the replays of split-off
	 * variants started while the model they left still had blocks to apply (each starts
	 * as soon as its members split, beside the rest of the run: replay_engine.c; a split in
	 * the model's last block counts either way, as the threads reach it) */
	unsigned models, rounds, splits, early_starts;
	/* the knobs (bits by enum model_knob) whose differing variants were planned as models
	 * apart from the start, as this trace is expected to split them (share_apart_knobs:
	 * the last-chance kick when the host reclaimed or compacted directly); 0 none */
	uint64_t share_apart;
	struct replay_shrink_calibration calib;
	bool have_validation; /* a mainline and an observe variant ran: validation is filled */
	struct replay_validation validation;
};

/*
 * Replay path under every variant. Returns 0 with *out filled (free with replay_result_free), or
 * -1 with a one-line message naming the file (and the position for corrupt data) in err.
 */
int replay_trace(const char *path, const struct replay_options *opts,
		 const struct replay_variant_spec *variants, size_t nr_variants,
		 struct replay_result **out, char *err, size_t errlen);
void replay_result_free(struct replay_result *r);
/* Fill v from a result holding a mainline variant and an observe variant; false otherwise. */
bool replay_validate(const struct replay_result *r, struct replay_validation *v);

/* The equilibrium of a tainted-count series (exposed for tests). */
void replay_equilibrium_find(const struct replay_sample *samples, size_t n, uint64_t sample_ns,
			     struct replay_equilibrium *eq);

#pragma GCC visibility pop

#endif
