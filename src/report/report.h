// SPDX-License-Identifier: GPL-2.0
/*
 * report.h - read replay results back out of the database: the comparison table, CSV files, a
 * self-contained HTML report with SVG charts, and counter tracks for the Perfetto UI.
 *
 * Everything here reads through schema.sql's tables; nothing writes to the database.
 */
#ifndef FRAGTRACE_REPORT_H
#define FRAGTRACE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct sqlite3;

struct report_variant {
	int64_t id;
	char name[256], preset[64], policy[16];
	int64_t events, spbs, final_tainted, max_tainted, min_tainted, final_clean, final_empty;
	int64_t final_contig_1g, final_free_pages, final_slab_pages;
	int64_t shrink_queued, shrink_ran, shrink_freed;
	double seconds, events_per_second, agreement; /* agreement < 0: none */
	bool eq_reached;
	double eq_value, eq_settle_s;
	int64_t eq_spread;
	char eq_reason[32];
	int64_t unknown_page_frees, unknown_slab_frees, alloc_failed, drain_misses;
	double affected_share;
	uint64_t triggers, slowpaths; /* see report_verdict.h */
};

struct report_run {
	int64_t id;
	char trace[4096], kernel[128], arch[32], start_mode[8], started_at[32], status[64];
	char addresses[32];
	int64_t events, lost_events, lost_markers, cpus, host_pages, loops, sample_ms;
	bool lost_at_least;   /* lost_events is a lower bound */
	int64_t lost_kernel;  /* the kernel's counters' count; -1: the trace has none */
	int64_t slab_dropped; /* slab events replay dropped: addresses not physical */
	bool complete_file;
	double duration_s, wall_seconds;
	struct report_variant *variants;
	size_t nr_variants;
	const char *baseline; /* the diff column's variant (NULL: the first); set by the caller */
};

/* Open an existing results database read-only; 0 or -1 with err naming the file. */
int report_db_open(const char *path, struct sqlite3 **db, char *err, size_t errlen);
/*
 * Load runs: the given ids, or (n == 0) the newest complete run of every trace path (all
 * complete runs when all is set). 0 or -1 with err (an unknown or incomplete run id, SQL).
 */
int report_load_runs(struct sqlite3 *db, const int64_t *ids, size_t n, bool all,
		     struct report_run **runs, size_t *nr_runs, char *err, size_t errlen);
void report_free_runs(struct report_run *runs, size_t n);

/* The comparison table, as `fragtrace replay` prints it, ending with the verdict. */
void report_print_table(FILE *out, const struct report_run *run);
/* The run's verdict text (report_verdict_text) and its baseline's index. */
size_t report_run_verdict(const struct report_run *run, char *buf, size_t len);
/* CSV files in dir: variants.csv, samples.csv, equilibrium.csv, data_loss.csv, spb_final.csv. */
int report_write_csv(struct sqlite3 *db, const struct report_run *runs, size_t n, const char *dir,
		     char *err, size_t errlen);
/* One self-contained HTML file (inline SVG, no network). */
int report_write_html(struct sqlite3 *db, const struct report_run *runs, size_t n, const char *path,
		      char *err, size_t errlen);
/* Chrome/Perfetto JSON trace: the time series as counter tracks, one process per run. */
int report_write_perfetto(struct sqlite3 *db, const struct report_run *runs, size_t n,
			  const char *path, char *err, size_t errlen);

/*
 * The fleet views (schema.sql's fleet_*): per variant the equilibrium across hosts, and the
 * hosts where the variants disagree most; as text tables, or one HTML page with a chart across
 * hosts (report_fleet.c). 0 or -1 with err naming the file.
 */
int report_fleet_text(FILE *out, struct sqlite3 *db, char *err, size_t errlen);
int report_fleet_html(struct sqlite3 *db, const char *path, char *err, size_t errlen);

/* A time series of one variant: t (s) and one column of samples. */
struct report_series {
	double *t, *v;
	size_t n;
};
int report_load_series(struct sqlite3 *db, int64_t variant_id, const char *column,
		       struct report_series *s);
void report_series_free(struct report_series *s);

#endif
