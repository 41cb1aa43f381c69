/* SPDX-License-Identifier: GPL-2.0 */
/*
 * merge.h - many results databases (one per fleet job) into one (`fragtrace merge`).
 *
 * Every table of schema.sql is copied by column name, so columns and tables added to the schema
 * later merge without a change here. Row ids are renumbered; references to traces, runs and
 * variants (the tables with an `id` key, found from the schema's REFERENCES clauses) follow.
 * Identity: a trace is the same trace when every column but its id is equal, and a run the
 * same run when every column but its id is (with its trace's identity); a run already in the
 * output is skipped with everything below it. So merging an input twice adds nothing.
 *
 * Safety: every input is checked first (SQLite integrity check, schema version this build
 * knows, tables and columns the output has), the output is never one of the inputs, and the
 * whole merge is one transaction: on any error the output is as it was (a new output is removed).
 */
#ifndef FRAGTRACE_MERGE_H
#define FRAGTRACE_MERGE_H

#include <stddef.h>

struct merge_stats {
	size_t inputs;
	long long traces_added, traces_present; /* trace rows new / already in the output */
	long long runs_added, runs_present;
	long long rows_added; /* rows of every table */
};

/*
 * Merge the n databases inputs[] into out (created when it does not exist). 0, or -1 with one
 * line in err naming the file at fault; the output is then unchanged.
 */
int merge_databases(const char *out, const char *const *inputs, size_t n, struct merge_stats *stats,
		    char *err, size_t errlen);

#endif
