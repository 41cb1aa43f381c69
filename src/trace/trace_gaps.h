/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace_gaps.h - what a recording could not capture: lost events and slab addresses.
 *
 * Lost events: the trace holds lost markers (one per sub-buffer the kernel overwrote, with its
 * count or TRACE_LOST_UNKNOWN) and the recorder's copies of each CPU's ring-buffer counters at
 * the start and the end (snapshots start/cpu_stats and end/cpu_stats: overrun, commit overrun,
 * dropped events). Per CPU the figure is the larger of the markers' lower bound (known counts
 * plus one per marker of unknown size) and the kernel's count (end minus start), so it is never
 * lower than the kernel's own; markers of unknown size are sized by the kernel's count where it
 * covers them, and otherwise the figure is a lower bound ("at least"). Traces without the
 * counters (older recordings, imports, synthetic traces) get the markers alone and a note.
 *
 * Slab addresses: capture/options says "addresses: physical|hashed|raw". Only physical
 * addresses place slab objects on pages; with any other mode replay drops every slab event.
 *
 * Used by info, check and replay alike so that all three show the same figures.
 */
#ifndef FRAGTRACE_TRACE_GAPS_H
#define FRAGTRACE_TRACE_GAPS_H

#include "trace.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a CPU's figure comes from. */
enum trace_loss_source {
	TRACE_LOSS_NONE,    /* nothing lost, by markers and (if present) the kernel */
	TRACE_LOSS_MARKERS, /* the markers' count: no kernel counters, or they say less */
	TRACE_LOSS_KERNEL,  /* the kernel's counters: they say more than the markers */
	TRACE_LOSS_AGREE,   /* markers and kernel counters say the same */
};

struct trace_loss_cpu {
	unsigned cpu;
	uint64_t markers;	  /* lost markers on this CPU */
	uint64_t unknown_markers; /* of which the kernel gave no count */
	uint64_t marker_events;	  /* the known counts summed */
	bool have_kernel;	  /* start and end counters both present and consistent */
	uint64_t kernel_events;	  /* end - start of overrun + commit overrun + dropped events */
	uint64_t unread;	  /* entries left in the buffer at the end (never read) */
	uint64_t lost;		  /* the figure: max(markers' lower bound, kernel's count) */
	bool at_least; /* lost is a lower bound: unknown markers the kernel did not size */
	enum trace_loss_source source;
};

#define TRACE_GAPS_ADDRESSES 32
struct trace_gaps {
	/* lost events, per CPU (every CPU with a marker or counters, by cpu) and in total */
	struct trace_loss_cpu *cpus;
	size_t nr_cpus;
	uint64_t lost, markers, unknown_markers, marker_events, kernel_events, unread;
	bool at_least;	  /* some CPU's figure is a lower bound */
	bool have_kernel; /* kernel counters were used for at least one CPU */
	char note[256];	  /* why the kernel's counters were not (all) used, or "" */
	/* slab addresses */
	char addresses[TRACE_GAPS_ADDRESSES]; /* "physical", "hashed", "raw" or "unknown" */
	uint64_t slab_events;		      /* slab events in the trace (the four types) */
	uint64_t slab_events_dropped;	      /* of which replay cannot use: not physical */
};

/*
 * Compute g from r's lost markers, its cpu_stats and capture/options snapshots and its summary.
 * Returns 0, or a negative TRACE_E* code when a snapshot cannot be read (trace_reader_error()).
 * Malformed or missing counters are not an error: g->note says what was not used.
 */
int trace_gaps_read(struct trace_reader *r, struct trace_gaps *g);
/*
 * The loss part from its inputs (NUL-terminated snapshot texts, NULL when absent): fills the
 * lost-event fields of g (whatever they held before). Returns 0, or TRACE_ENOMEM.
 */
int trace_gaps_loss(const char *start_stats, const char *end_stats,
		    const struct trace_lost_info *lost, size_t nr_lost, struct trace_gaps *g);
/* The addresses mode from capture/options' text (NULL when absent) and the header's flag. */
void trace_gaps_addresses(const char *options, bool raw_header, char *mode, size_t len);
void trace_gaps_free(struct trace_gaps *g);

/* "markers", "kernel counters", "markers = kernel counters" or "none". */
const char *trace_loss_source_name(enum trace_loss_source s);
/*
 * One line on what a non-physical addresses mode costs replay (no trailing newline), or NULL
 * for "physical".
 */
const char *trace_gaps_addresses_note(const char *mode);

#endif /* FRAGTRACE_TRACE_GAPS_H */
