// SPDX-License-Identifier: GPL-2.0
/*
 * capture.h - `fragtrace record`: page-allocator and slab events from a live kernel into a
 * .fgt trace, through a private ftrace instance (libtracefs) and the kernel's event formats
 * (libtraceevent).
 */
#ifndef FRAGTRACE_CAPTURE_H
#define FRAGTRACE_CAPTURE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAPTURE_MAX_EVENTS 64

struct capture_options {
	const char *output;			/* the .fgt path */
	const char *events[CAPTURE_MAX_EVENTS]; /* "system:event"; NULL ends */
	unsigned buffer_kb;			/* per CPU; 0: the default (32768) */
	double duration_s;			/* 0: until a signal */
	uint64_t max_size_bytes;		/* 0: no limit */
	bool raw_addresses;			/* keep kernel virtual addresses */
	bool quiet;				/* no status line */
	bool no_snapshots;			/* skip /proc snapshots and the page map (tests) */
	int compression_level;			/* 0: the writer's default */
	const char *const *command;		/* run this and record while it runs; NULL: none */
	const char *tool_version;		/* written into the header */
	/* The caller's stop requests, from its signal handlers: 1 stops, drains and finalises; 2
	 * or more finalise without draining. NULL: only the duration, size or command stop it. */
	volatile sig_atomic_t *stop;
	/* Zone samples (docs/capture.md): /proc/zoneinfo's free pages and per-CPU list counts
	 * every this many ms while recording; 0: none (fragtrace record's default is 500). */
	unsigned sample_interval_ms;
};

/* What the zone samples cost (capture/keepup). */
struct zone_sample_stats {
	uint64_t samples, failed;  /* reads of /proc/zoneinfo kept, and those that failed */
	uint64_t ns_total, ns_max; /* their time, each between two clock reads */
};

struct capture_result {
	uint64_t events, bytes, lost_events, lost_markers;
	uint64_t overrun, dropped; /* per-CPU counters' growth during the run */
	double duration_s, cpu_s;
	uint64_t events_by_type[16];
	int command_status;   /* the command's exit status, when there was one */
	bool command_stopped; /* the recorder ended the command (a limit or a stop request) */
	bool direct_map_known;
	double pagemap_s; /* time to build the start page map */
	uint64_t pagemap_pages;
	int stale_removed;     /* instances of dead recorders removed at start */
	char stale_names[512]; /* their names, space-separated (cut short if many) */
	/* Keeping up (docs/capture.md): */
	uint64_t late_events;	   /* arrived after a later event was written: lost markers */
	uint64_t late_max_ns;	   /* the latest of them, behind the event written before it */
	uint64_t late_by_type[16]; /* which events they were */
	uint64_t cpu_backwards;	   /* events older than the one before them on their CPU */
	uint64_t order_slack_ns;   /* the emission hold-back at the end (it grows on late events) */
	uint64_t reader_gap_max_ns; /* longest time between two reads of the ring buffers */
	uint64_t emit_max_ns;	    /* longest merge + compression + write of one round */
	uint64_t major_faults, minor_faults; /* the recorder's own, during the recording */
	bool mlocked;			     /* its memory was locked */
	struct zone_sample_stats zone_samples;
	char sched[32];	    /* the scheduling it got: "SCHED_FIFO 1", "nice -10" or "normal" */
	char error[512];    /* why capture_record failed, one line */
	char warnings[512]; /* what the caller should warn about, "; " between; may be empty */
};

/* The default event list (issue: what it records), NULL-terminated. */
extern const char *const capture_default_events[];

/*
 * Record. Returns 0 on success, 1 on a runtime error (res->error names what failed); the trace
 * written so far is finalised on every path that can run code. It installs no signal handler
 * and prints nothing but the status line (on a terminal, unless quiet): the caller owns the
 * signals (opts->stop) and prints res->error and res->warnings. The workload (opts->command)
 * is reaped by polling, so the caller's SIGCHLD disposition is left alone.
 */
int capture_record(const struct capture_options *opts, struct capture_result *res);

/*
 * For the caller's fatal-signal handler (SIGSEGV, SIGABRT, ...): close every descriptor and
 * remove the instance of the recording in progress, so that a crash leaves nothing behind;
 * async-signal-safe, and nothing when no recording is in progress. The handler then re-raises.
 */
void capture_fatal_cleanup(void);

/*
 * Remove the "fragtrace-<pid>" instances whose recorder is gone (SIGKILL leaves one behind,
 * still tracing). Returns how many, their names space-separated in removed; -1 with err set.
 */
int capture_remove_stale(char *removed, size_t len, char *err, size_t errlen);

#endif
