/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli.h - what the fragtrace subcommands share: exit codes, option helpers, output helpers.
 *
 * Exit codes follow perf and trace-cmd: 0 success, 1 a runtime error (bad file, I/O),
 * 2 bad usage. Every error is one line on stderr starting with "fragtrace: ".
 */
#ifndef FRAGTRACE_CLI_H
#define FRAGTRACE_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define EXIT_OK	     0
#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
	void (*usage)(FILE *out);
};

extern const struct cli_command cmd_info;
extern const struct cli_command cmd_dump;
extern const struct cli_command cmd_record;
extern const struct cli_command cmd_recover;
extern const struct cli_command cmd_import;
extern const struct cli_command cmd_snapshot;
extern const struct cli_command cmd_synth;
extern const struct cli_command cmd_replay;
extern const struct cli_command cmd_check;
extern const struct cli_command cmd_report;
extern const struct cli_command cmd_merge;
extern const struct cli_command cmd_fleet;

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "1,234,567" into buf. */
const char *cli_thousands(char *buf, size_t len, uint64_t v);
/* "12.3 MB" into buf. */
const char *cli_bytes(char *buf, size_t len, uint64_t v);
/* Print s as a JSON string literal. */
void cli_json_string(FILE *out, const char *s);
/* Print v as a JSON number, or null when !have. */
void cli_json_u64(FILE *out, bool have, uint64_t v);
struct replay_host_figures;
/*
 * The host settings replay took from the trace (docs/replay.md, "Host settings taken from the
 * trace"): the free page reporting line into note, the page shuffling warning into warn (""
 * when the host does not shuffle).
 */
void cli_host_settings(const struct replay_host_figures *hf, char *note, size_t nlen, char *warn,
		       size_t wlen);
struct trace_reader;
/* Open a trace; print its error (and return NULL) or its warning. */
struct trace_reader *cli_open_trace(const char *path);
/* Parse seconds ("12.5") into ns; returns 0 or -1. */
int cli_parse_seconds(const char *s, uint64_t *ns);
/*
 * Strict number parsers for options: the whole argument, digits first (no sign, no space, no
 * "inf" or "nan"), within [min, max]; 0 or -1. Sizes take a K, M, G or T suffix (powers of 2).
 */
int cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int cli_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * The progress bar of replay and synth on stderr: "NAME [=====>   ] 42%  1.2M events
 * 3.4M/s  pass 1/1  ETA 5s". Set on (usually: not quiet, stderr a terminal) and the unit
 * the counts are in; cli_progress_start before each job; cli_progress_show is the callback.
 */
struct cli_progress {
	bool on;
	const char *unit; /* "events", "s of trace" */
	double scale;	  /* counts times scale are in unit; 0: millions ("1.2M events") */
	const char *name;
	double start;
};
void cli_progress_start(struct cli_progress *p, const char *name);
void cli_progress_show(void *ctx, uint64_t done, uint64_t total, unsigned pass, unsigned loops);

#endif
