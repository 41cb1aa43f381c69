// SPDX-License-Identifier: GPL-2.0
/*
 * capture_import_internal.h - what the importers share: the output's header from the input and
 * the command line, the snapshots paired from a `fragtrace snapshot` file, and perf script's
 * line and header syntax.
 */
#ifndef FRAGTRACE_CAPTURE_IMPORT_INTERNAL_H
#define FRAGTRACE_CAPTURE_IMPORT_INTERNAL_H

#include "capture_import.h"
#include "capture_internal.h"

/*
 * The output of an import: h holds what the input says (empty strings and zeros where it says
 * nothing); the command line's values in o replace it, the snapshot file of o->snapshots
 * fills what is still empty (its kernel must be the input's when both are known) and gives its
 * snapshots, copied before any event; "unknown" fills the rest. res gets the header as written. out is never the input in ("-": standard input).
 * 0, or -1 with err set (*w may then be set: free it).
 */
int import_writer_open(const char *in, const char *out, struct trace_header *h,
		       const struct import_options *o, const char *source,
		       struct import_result *res, struct trace_writer **w, char *err,
		       size_t errlen);

/* capture_import_formats.c: tep's event formats as format-file text (malloc'd), NULL if none. */
char *import_formats_text(struct tep_handle *tep, size_t *len);

/* ---- capture_import_perf.c: `perf script` text ---- */

/* A line of perf script output, split: COMM PID [CPU] SECONDS: SYSTEM:EVENT: FIELDS. */
struct perf_line {
	int pid, cpu;
	uint64_t ts;
	char *system, *event, *rest; /* pointers into the line, NUL-terminated */
	uint64_t lost; /* PERF_RECORD_LOST* lines: how many (TRACE_LOST_UNKNOWN); event NULL */
};
/* Split line in place; false for lines that are not events (headers, blank lines). */
bool perf_parse_line(char *line, struct perf_line *pl);
/*
 * A "# key : value" header line of `perf script --header`: the host's release, arch, CPU
 * count into h, and lines worth keeping (memory) appended to notes (cap bytes). True when it
 * was a header line.
 */
bool perf_parse_header(const char *line, struct trace_header *h, char *notes, size_t cap);
/* Whether the first line of a text input is perf script's (header or event line). */
bool perf_looks_like(const char *line);

#endif
