// SPDX-License-Identifier: GPL-2.0
/*
 * replay_validate.c - the mainline variant against the host that recorded the trace.
 *
 * A policy comparison means something only if the model of the kernel the host ran reproduces
 * the host. When a run holds a `mainline` variant and an `observe` variant, this compares the
 * mainline variant's end state and counters with the host's own figures (struct
 * replay_host_figures: the trace's extfrag events and failed allocations, end/pagetypeinfo,
 * end/buddyinfo) and with observe's rebuild of the host, one row per figure with its bound and
 * verdict. The bounds are issue 13's done criteria (docs/replay.md, "Validation"): agreement
 * >= 0.999; page-allocation failures at most the host's plus 0.1% of what the host served;
 * fallbacks within 20% of the host's extfrag events; pageblocks per migratetype within 10%
 * (at least one block) of end/pagetypeinfo; tainted regions within one of observe's. Free
 * blocks by order, the vmstat deltas of paths no kmem event shows and observe's per-cause
 * counts are reported beside them with no bound (VERDICT_INFO): they explain, not judge, and
 * so are the trace's own gaps: its lost events (per CPU the larger of the markers' count and
 * the kernel's counters, trace_gaps.h), the kernel's count alone, and the slab events replay
 * dropped because the addresses are not physical.
 * Pure computation on a finished result: no I/O.
 */
#include "replay.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static struct replay_check_row *row(struct replay_validation *v, const char *name, const char *what,
				    double host, double model)
{
	/* at most 67 rows can occur, and 7 per zone of the timeline (8 zones at most) and one:
	 * one past the room is a programming error, which the tests
	 * (built with assertions) stop on; a release build leaves that row out */
	assert(v->n < REPLAY_MAX_CHECKS);
	if (v->n == REPLAY_MAX_CHECKS)
		return NULL;
	struct replay_check_row *r = &v->rows[v->n++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->what = what;
	r->host = host;
	r->model = model;
	r->lo = NAN;
	r->hi = NAN;
	r->verdict = VERDICT_INFO;
	return r;
}

static void bound(struct replay_check_row *r, double lo, double hi)
{
	if (!r)
		return;
	r->lo = lo;
	r->hi = hi;
	r->verdict = r->model >= lo && r->model <= hi ? VERDICT_PASS : VERDICT_FAIL;
}

static const struct replay_variant_result *find(const struct replay_result *r, bool observe)
{
	const struct replay_variant_result *any = NULL;
	for (size_t i = 0; i < r->nr_variants; i++) {
		const struct replay_variant_result *v = &r->variants[i];
		if (observe != v->spec.observe)
			continue;
		if (observe || !strcmp(v->spec.preset, "mainline"))
			return v;
		if (!any && v->spec.policy == MODEL_POLICY_MAINLINE)
			any = v;
	}
	return any;
}

static void pageblock_rows(struct replay_validation *out, const struct replay_host_figures *h,
			   const struct replay_variant_result *m)
{
	static const char *const names[] = { "pageblocks_unmovable", "pageblocks_movable",
					     "pageblocks_reclaimable", "pageblocks_highatomic" };
	for (int t = 0; t < 4; t++) {
		double host = (double)h->end_pageblocks[t];
		double tol = host > 10 ? 0.1 * host : 1;
		bound(row(out, names[t], "pageblocks of the type at the end vs end/pagetypeinfo",
			  host, (double)m->final.pageblocks_by_mt[t]),
		      host - tol, host + tol);
	}
}

static void free_rows(struct replay_validation *out, const struct replay_host_figures *h,
		      const struct replay_variant_result *m)
{
	double host = 0;
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		host += (double)(h->end_free_blocks[o] << o);
	row(out, "free_pages", "free pages at the end vs end/buddyinfo", host,
	    (double)m->final.free_pages);
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++) {
		char name[32];
		snprintf(name, sizeof(name), "free_blocks_order_%u", o);
		row(out, name, "free blocks of the order at the end vs end/buddyinfo",
		    (double)h->end_free_blocks[o], (double)m->final.free_blocks[o]);
	}
}

/* Observe's counts of what the trace did not show, one information row each (host: none). */
struct observe_cause_row {
	const char *name, *what;
	size_t offset; /* of the uint64_t in struct replay_observe_causes */
	size_t needs;  /* 0, or the offset of the bool in struct replay_host_figures it needs */
};
#define CAUSE(field, name, what)                                                                   \
	{                                                                                          \
		name, what, offsetof(struct replay_observe_causes, field), 0                       \
	}
/* A row only traces with the snapshot behind it show (older traces print as they did). */
#define CAUSE_IF(have, field, name, what)                                                          \
	{                                                                                          \
		name, what, offsetof(struct replay_observe_causes, field),                         \
			offsetof(struct replay_host_figures, have)                                 \
	}
static const struct observe_cause_row observe_causes[] = {
	CAUSE(free_after_free, "observe_free_after_free",
	      "observe: page freed twice (taken untraced)"),
	CAUSE(free_free_at_start, "observe_free_free_at_start",
	      "observe: free of a page free at the start"),
	CAUSE(free_order_mismatch, "observe_free_order_mismatch",
	      "observe: free not matching the block held"),
	CAUSE(outside_start_map, "observe_outside_start_map",
	      "observe: page event in a hole of the start map"),
	CAUSE(split_before_free, "observe_split_before_free",
	      "observe: free inside a larger block, split first"),
	CAUSE(alloc_after_alloc, "observe_alloc_after_alloc",
	      "observe: page taken twice (freed untraced)"),
	CAUSE(alloc_after_pcp_free, "observe_alloc_after_pcp_free",
	      "observe: PCP page taken from the buddy"),
	CAUSE(pcp_locked_free, "observe_pcp_locked_free",
	      "observe: freed while the CPU's list lock was held: to the buddy"),
	CAUSE(alloc_allocated_at_start, "observe_alloc_allocated_at_start",
	      "observe: take of a page in use at start"),
	CAUSE(compaction_taken, "observe_compaction_taken",
	      "observe: pages compaction's free scanner took"),
	CAUSE(compaction_short, "observe_compaction_short",
	      "observe: of those, pages the model held in use"),
	CAUSE(compaction_rebound, "observe_compaction_rebound",
	      "observe: scanner pages swapped for the host's"),
	CAUSE(compaction_fast_bound, "observe_compaction_fast_bound",
	      "observe: fast scanner pages placed by their free"),
	CAUSE(compaction_fast_unbound, "observe_compaction_fast_unbound",
	      "observe: fast scanner pages never placed"),
	CAUSE(lru_free_taken, "observe_lru_free_taken",
	      "observe: LRU insertion of a free page: taken"),
	CAUSE(fallback_taken, "observe_fallback_taken",
	      "observe: fallback pages with only an extfrag record"),
	CAUSE(end_model_free_host_used, "observe_end_free_host_used",
	      "end: observe free, host's page map in use"),
	CAUSE(end_model_used_host_free, "observe_end_used_host_free",
	      "end: observe in use, host's page map free"),
	CAUSE_IF(have_recorder_pfns, end_recorder_pages, "observe_end_recorder_pages",
		 "end: observe free, held by the recorder (not compared)"),
	CAUSE_IF(have_end_map_times, end_map_timed, "observe_end_map_timed",
		 "end: pages compared when the page map read them"),
	CAUSE(end_pcp_free_tail, "observe_end_pcp_free_tail",
	      "end: per-CPU list page the map guessed free (not compared)"),
	CAUSE(end_reporting_isolated, "observe_end_reporting_isolated",
	      "end: observe free, isolated by free page reporting (not compared)"),
};
#undef CAUSE
#undef CAUSE_IF

static void untraced_rows(struct replay_validation *out, const struct replay_host_figures *h,
			  const struct replay_variant_result *obs)
{
	const struct replay_observe_causes *c = &obs->causes;
	if (h->have_vmstat) {
		row(out, "vmstat_pgalloc", "pages allocated: vmstat delta vs mm_page_alloc pages",
		    (double)h->vmstat_delta[0], (double)h->pages_allocated);
		row(out, "vmstat_pgfree", "pages freed: vmstat delta vs mm_page_free pages",
		    (double)h->vmstat_delta[1], (double)h->pages_freed);
		for (unsigned i = 2; i < REPLAY_VMSTAT_KEYS; i++) {
			char name[48];
			snprintf(name, sizeof(name), "vmstat_%s", replay_vmstat_key(i));
			row(out, name, "vmstat delta over the trace (no kmem event shows it)",
			    (double)h->vmstat_delta[i], NAN);
		}
	}
	for (size_t i = 0; i < sizeof(observe_causes) / sizeof(observe_causes[0]); i++) {
		const struct observe_cause_row *o = &observe_causes[i];
		bool have = true;
		uint64_t n;
		if (o->needs)
			memcpy(&have, (const char *)h + o->needs, sizeof(have));
		if (!have)
			continue;
		memcpy(&n, (const char *)c + o->offset, sizeof(n));
		bool traced =
			o->offset == offsetof(struct replay_observe_causes, end_recorder_pages) &&
			h->recorder_pages_traced;
		row(out, o->name,
		    traced ? "end: of observe_end_free_host_used, held by the recorder" : o->what,
		    NAN, (double)n);
	}
}

/*
 * The host's compaction migrations mainline replayed (replay_compaction.c) and, for those its
 * free scanner found no destination for, why (enum model_no_target): information rows.
 */
static void compaction_rows(struct replay_validation *out, const struct replay_variant_result *m)
{
	static const char *const why[MODEL_NR_NO_TARGET][2] = {
		[MODEL_NT_SOURCE_HIGH] = { "compaction_no_target_source_high",
					   "of those: a target above the host's source only" },
		[MODEL_NT_SMALL] = { "compaction_no_target_small",
				     "of those: movable free pages above, no block of the order" },
		[MODEL_NT_WHOLE_FREE] = { "compaction_no_target_whole_free",
					  "of those: above, only wholly free movable pageblocks" },
		[MODEL_NT_NOT_MOVABLE] = { "compaction_no_target_not_movable",
					   "of those: above, free pages only in other types" },
		[MODEL_NT_NONE_ABOVE] = { "compaction_no_target_none_above",
					  "of those: no free page above the source" },
		[MODEL_NT_ORDER] = { "compaction_no_target_order",
				     "of those: pageblock order or more, not served" },
	};
	row(out, "compaction_sources", "mainline: host migrations replayed, destination taken", NAN,
	    (double)m->compaction.sources);
	row(out, "compaction_below_source",
	    "of those: below the source, none above (compaction_below)", NAN,
	    (double)m->compaction.below_source);
	row(out, "compaction_no_target",
	    "mainline: host migrations its free scanner found none for", NAN,
	    (double)m->compaction.no_target);
	for (unsigned i = 0; i < MODEL_NR_NO_TARGET; i++)
		row(out, why[i][0], why[i][1], NAN, (double)m->compaction.no_target_why[i]);
	row(out, "compaction_no_target_kept",
	    "of those: the source kept in place, in use (compaction_keep)", NAN,
	    (double)m->compaction.kept);
}

/* What the recording itself missed: every row is the host's, none is judged. */
static void gap_rows(struct replay_validation *out, const struct replay_trace_info *t)
{
	row(out, "lost_events",
	    t->lost_at_least ? "events the kernel lost: at least this many (markers of unknown "
			       "size the kernel's counters do not size)"
			     : "events the kernel lost (per CPU: markers or its own counters)",
	    (double)t->lost_events, NAN);
	row(out, "lost_events_kernel_counters",
	    "the kernel's ring-buffer counters, end - start (none: the trace has none)",
	    t->have_kernel_counters ? (double)t->lost_kernel_events : NAN, NAN);
	if (t->host.have_start_map_times)
		row(out, "start_map_events",
		    t->host.start_rewound
			    ? "page events older than the start page map's read of their page: "
			      "replayed, the map rewound"
			    : "page events older than the start page map's read of their page: in "
			      "the map, not replayed",
		    (double)t->host.start_map_events, NAN);
	if (t->host.start_rewound) {
		row(out, "start_rewind_free",
		    "start pages put back free (--start-rewind): first taken from the buddy lists",
		    (double)t->host.start_rewind_free, NAN);
		row(out, "start_rewind_pcp",
		    "start pages put back on a per-CPU list (--start-rewind): first allocated from "
		    "one or drained",
		    (double)t->host.start_rewind_pcp, NAN);
		row(out, "start_rewind_allocated",
		    "start pages put back allocated (--start-rewind): first freed",
		    (double)t->host.start_rewind_allocated, NAN);
		row(out, "start_rewind_changed",
		    "start pages whose class the rewind changed (the rest already read so)",
		    (double)t->host.start_rewind_changed, NAN);
	}
	row(out, "slab_events_dropped",
	    "slab events replay dropped: addresses not physical (traces.addresses)",
	    (double)t->slab_events_dropped, NAN);
}

/* |model - host| of one figure over a variant's timeline points of one zone. */
struct drift {
	size_t n;
	double sum, max, host_at_max, model_at_max, t_at_max;
};

static void drift_add(struct drift *d, const struct replay_timeline_point *p, int64_t host,
		      int64_t model)
{
	double diff = fabs((double)model - (double)host);
	if (host < 0 || model < 0)
		return;
	if (!d->n || diff > d->max) {
		d->max = diff;
		d->host_at_max = (double)host;
		d->model_at_max = (double)model;
		d->t_at_max = (double)p->t_ns / 1e9;
	}
	d->n++;
	d->sum += diff;
}

#define TIMELINE_ROW_ZONES 8
/*
 * The drift over time (replay_timeline.c): at each of the host's zone samples, per zone, the
 * mainline variant's buddy free pages and per-CPU list pages against the host's: the mean and
 * the largest |model - host|, the host's and the model's values at the largest and when it
 * was; observe's mean free drift beside them. Information rows: no bound.
 */
static void timeline_rows(struct replay_validation *out, const struct replay_result *r,
			  const struct replay_variant_result *m,
			  const struct replay_variant_result *obs)
{
	const struct replay_timeline_info *ti = &r->trace.timeline;
	char name[48];

	if (!ti->samples)
		return;
	row(out, "timeline_samples", "the host's zone samples in the trace (capture/zone_samples)",
	    (double)ti->samples, NAN);
	for (unsigned z = 0, shown = 0; z < ti->nzones && shown < TIMELINE_ROW_ZONES; z++) {
		const struct replay_timeline_zone *tz = &ti->zone[z];
		struct drift f = { 0 }, p = { 0 }, of = { 0 };
		if (!tz->in_model)
			continue;
		shown++;
		for (size_t i = 0; i < m->nr_timeline; i++) {
			const struct replay_timeline_point *pt = &m->timeline[i];
			if (pt->zone != z)
				continue;
			drift_add(&f, pt, pt->host_free, pt->model_free);
			drift_add(&p, pt, pt->host_pcp, pt->model_pcp);
		}
		for (size_t i = 0; obs && i < obs->nr_timeline; i++)
			if (obs->timeline[i].zone == z)
				drift_add(&of, &obs->timeline[i], obs->timeline[i].host_free,
					  obs->timeline[i].model_free);
		const struct drift *d[2] = { &f, &p };
		static const char *const kind[2] = { "free", "pcp" };
		static const char *const what[2][3] = {
			{ "mean |model - host| buddy free pages over the zone samples",
			  "buddy free pages at the sample of the largest |model - host|",
			  "when that sample was, s after the first event" },
			{ "mean |model - host| pages on the per-CPU lists over the zone samples",
			  "per-CPU list pages at the sample of the largest |model - host|",
			  "when that sample was, s after the first event" },
		};
		for (int k = 0; k < 2; k++) {
			if (!d[k]->n)
				continue;
			snprintf(name, sizeof(name), "drift_N%d_%s_%s_mean", tz->nid, tz->name,
				 kind[k]);
			row(out, name, what[k][0], NAN, d[k]->sum / (double)d[k]->n);
			snprintf(name, sizeof(name), "drift_N%d_%s_%s_max", tz->nid, tz->name,
				 kind[k]);
			row(out, name, what[k][1], d[k]->host_at_max, d[k]->model_at_max);
			snprintf(name, sizeof(name), "drift_N%d_%s_%s_max_at_s", tz->nid, tz->name,
				 kind[k]);
			row(out, name, what[k][2], NAN, d[k]->t_at_max);
		}
		if (of.n) {
			snprintf(name, sizeof(name), "drift_N%d_%s_free_mean_observe", tz->nid,
				 tz->name);
			row(out, name, "observe: mean |rebuilt host - host| buddy free pages", NAN,
			    of.sum / (double)of.n);
		}
	}
}

bool replay_validate(const struct replay_result *r, struct replay_validation *out)
{
	const struct replay_variant_result *m = find(r, false), *obs = find(r, true);
	const struct replay_host_figures *h = &r->trace.host;

	memset(out, 0, sizeof(*out));
	if (!m || !obs)
		return false;
	if (obs->agreement >= 0)
		bound(row(out, "agreement", "observe: share of pages matching the end page map", 1,
			  obs->agreement),
		      0.999, 1);
	double served = (double)h->served_allocs;
	bound(row(out, "page_alloc_failures", "page allocations failed (host: pfn -1 events)",
		  (double)h->failed_allocs, (double)m->loss.page_alloc_failed),
	      0, (double)h->failed_allocs + 0.001 * served);
	bound(row(out, "slab_alloc_failures", "slab objects the model could not place (host: 0)", 0,
		  (double)m->loss.slab_alloc_failed),
	      0, 0.001 * (double)m->loss.slab_allocs);
	double ef = (double)h->extfrag_events;
	bound(row(out, "fallbacks", "fallbacks (extfrag) vs the trace's mm_page_alloc_extfrag", ef,
		  (double)m->final.events[MODEL_EV_EXTFRAG_FALLBACK]),
	      0.8 * ef, 1.2 * ef);
	if (h->have_end_pageblocks)
		pageblock_rows(out, h, m);
	double t = (double)obs->final.tainted_regions;
	bound(row(out, "tainted_regions", "tainted 1 GiB regions at the end vs observe's", t,
		  (double)m->final.tainted_regions),
	      t - 1, t + 1);
	if (h->have_end_buddy)
		free_rows(out, h, m);
	compaction_rows(out, m);
	untraced_rows(out, h, obs);
	gap_rows(out, &r->trace);
	timeline_rows(out, r, m, obs);
	return true;
}
