// SPDX-License-Identifier: GPL-2.0
/*
 * results_db.h - the results database: schema.sql's tables, written by replay, read by report.
 *
 * One database may receive several replays at once (WAL, a busy timeout); each run is written
 * in one transaction, so a reader never sees half a run. An interrupted replay leaves one row
 * in runs with complete = 0 and nothing else.
 */
#ifndef FRAGTRACE_RESULTS_DB_H
#define FRAGTRACE_RESULTS_DB_H

#include "replay.h"
#include "results_schema.h"

struct sqlite3;

/* Open or create path and bring its schema up; 0, or -1 with a message naming the file. */
int results_db_open(const char *path, struct sqlite3 **db, char *err, size_t errlen);
void results_db_close(struct sqlite3 *db);

struct results_run_info {
	const char *command;
	const char *tool_version;
	enum replay_start start;
	unsigned loops, threads;
	uint64_t sample_ns;
	const char *started_at;	 /* ISO 8601 */
	const size_t *positions; /* NULL, or each variant's position in the whole variant list
				  * (replay --shard runs a subset; see docs/fleet.md) */
};

/* Write a whole run; returns the run id (> 0), or -1 with err set. */
int64_t results_db_write_run(struct sqlite3 *db, const struct replay_result *r,
			     const struct results_run_info *info, char *err, size_t errlen);
/* Record a run that did not finish (interrupted or failed): one runs row, complete = 0. */
int64_t results_db_write_incomplete(struct sqlite3 *db, const char *trace_path,
				    const struct results_run_info *info, const char *status,
				    char *err, size_t errlen);

#endif
