// SPDX-License-Identifier: GPL-2.0
/*
 * capture_import.h - traces recorded by other tools into the .fgt format: trace-cmd's
 * trace.dat, ftrace text (trace_pipe, `trace-cmd report`) and `perf script` text; and the
 * start snapshots alone (`fragtrace snapshot`), to pair with any of them.
 */
#ifndef FRAGTRACE_CAPTURE_IMPORT_H
#define FRAGTRACE_CAPTURE_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct import_result {
	uint64_t events, lost_markers, lost_events, bytes;
	char release[128], arch[32], clock[32]; /* what the trace's header says */
	uint32_t page_size, cpus;
	unsigned snapshots;	/* snapshot blobs copied from --snapshots */
	uint64_t pagemap_pages; /* fragtrace snapshot: pages in the page map (0: none) */
};

/* Text formats: ftrace's (trace_pipe, trace-cmd report) or perf script's; AUTO looks. */
enum import_text_format { IMPORT_TEXT_AUTO, IMPORT_TEXT_FTRACE, IMPORT_TEXT_PERF };

/*
 * What an import needs besides the input and output. The host fields are what the command
 * line says about the traced host; they take precedence over what the input stores (NULL or 0:
 * take the input's, "unknown" when it has none).
 */
struct import_options {
	bool raw_addresses;
	enum import_text_format text_format;
	const char *release, *arch, *clock;
	uint32_t page_size, cpus;
	const char *snapshots; /* a `fragtrace snapshot` file whose snapshots to copy, or NULL */
	/* progress, the replay bar's callback (src/cli/cli.h); total 0 when unknown */
	void (*progress)(void *ctx, uint64_t done, uint64_t total, unsigned pass, unsigned loops);
	void *progress_ctx;
};

/* trace-cmd's trace.dat (any version libtracecmd reads). 0, or -1 with err set. */
int capture_import_tracecmd(const char *in, const char *out, const struct import_options *o,
			    struct import_result *res, char *err, size_t errlen);

/* Text from trace_pipe, `trace-cmd report` or `perf script` ("-" for stdin). 0, or -1. */
int capture_import_text(const char *in, const char *out, const struct import_options *o,
			struct import_result *res, char *err, size_t errlen);

/* True when path starts like a trace-cmd file ("\027\010\104tracing"). */
bool capture_import_is_tracecmd(const char *path);

/*
 * `fragtrace snapshot`: the start snapshots of the running host (zoneinfo, pagetypeinfo,
 * slabinfo, ..., uname, the page map) into a trace file holding no events. 0, or -1 with err.
 */
int capture_snapshot_file(const char *out, const char *tool_version, struct import_result *res,
			  char *err, size_t errlen);

#endif
