// SPDX-License-Identifier: GPL-2.0
/*
 * report_perfetto.c - the time series as counter tracks in the Chrome JSON trace format, which
 * the Perfetto UI (and chrome://tracing) opens next to other traces.
 *
 * One process per run (named after its trace), one counter track per variant and series:
 * "VARIANT: tainted SPBs", "VARIANT: clean SPBs", "VARIANT: free pages", "VARIANT: slab pages",
 * "VARIANT: 1 GiB blocks free". Timestamps are microseconds of trace time since the trace's
 * first event, as the samples have them.
 */
#include "report.h"
#include "report_output.h"
#include "report_escape.h"

#include <errno.h>
#include <sqlite3.h>
#include <string.h>

int report_write_perfetto(sqlite3 *db, const struct report_run *runs, size_t n, const char *path,
			  char *err, size_t errlen)
{
	static const struct {
		const char *column, *label;
	} series[] = {
		{ "tainted", "tainted SPBs" },	      { "clean", "clean SPBs" },
		{ "free_pages", "free pages" },	      { "slab_pages", "slab pages" },
		{ "contig_1g", "1 GiB blocks free" },
	};
	sqlite3_stmt *st;
	struct safe_output *so;
	FILE *o = report_output_open(db, path, &so, err, errlen);
	bool first = true;

	if (!o)
		return -1;
	if (sqlite3_prepare_v2(db,
			       "SELECT t_s, tainted, clean, free_pages, slab_pages, contig_1g "
			       "FROM samples WHERE variant_id = ? ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", sqlite3_db_filename(db, "main"),
			 sqlite3_errmsg(db));
		return report_output_close(so, path, 0, err, errlen);
	}
	fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[", o);
	for (size_t k = 0; k < n; k++) {
		const struct report_run *r = &runs[k];
		char name[4200];
		snprintf(name, sizeof(name), "fragtrace run %lld: %s", (long long)r->id, r->trace);
		fprintf(o,
			"%s\n{\"ph\":\"M\",\"pid\":%lld,\"name\":\"process_name\",\"args\":"
			"{\"name\":",
			first ? "" : ",", (long long)r->id);
		report_escape_json(o, name);
		fputs("}}", o);
		first = false;
		for (size_t i = 0; i < r->nr_variants; i++) {
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, r->variants[i].id);
			while (sqlite3_step(st) == SQLITE_ROW) {
				double us = sqlite3_column_double(st, 0) * 1e6;
				for (int c = 0; c < 5; c++) {
					char track[400];
					snprintf(track, sizeof(track), "%s: %s",
						 r->variants[i].name, series[c].label);
					fprintf(o,
						",\n{\"ph\":\"C\",\"pid\":%lld,\"ts\":%.0f,"
						"\"name\":",
						(long long)r->id, us);
					report_escape_json(o, track);
					fprintf(o, ",\"args\":{\"value\":%lld}}",
						(long long)sqlite3_column_int64(st, c + 1));
				}
			}
		}
	}
	fputs("\n]}\n", o);
	sqlite3_finalize(st);
	return report_output_close(so, path, 1, err, errlen);
}
