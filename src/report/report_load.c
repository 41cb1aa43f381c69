// SPDX-License-Identifier: GPL-2.0
/*
 * report_load.c - runs, variants and time series read back from the results database.
 *
 * Which runs: the ones named, or the newest complete run of each trace path. A named run that
 * does not exist or did not complete is an error, not an empty report. The database is opened
 * read-only (immutable when the file system is read-only); a file that is not a fragtrace
 * results database (no runs table, or a newer user_version) gives a one-line error naming it,
 * and one that cannot be read says why.
 */
#include "report.h"
#include "results_schema.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* user_version and whether a runs table exists; an SQLite error code when they cannot be read. */
static int db_probe(sqlite3 *db, int *version, int *has_runs)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'", -1,
				&st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*has_runs = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * A database on a read-only mount (or in a directory we may not write) cannot get the lock or
 * the -shm file SQLite wants; opened as immutable it is read as it is, which is all report does.
 */
static int open_immutable(const char *path, sqlite3 **db)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(path);
	char *uri = malloc(len * 3 + 32), *p = uri;
	if (!uri)
		return SQLITE_NOMEM;
	p += sprintf(p, "file:");
	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("/._-", *c)) {
			*p++ = (char)*c;
		} else {
			*p++ = '%';
			*p++ = hex[*c >> 4];
			*p++ = hex[*c & 15];
		}
	}
	strcpy(p, "?immutable=1");
	int rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	free(uri);
	return rc;
}

int report_db_open(const char *path, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int version = -1, has_runs = 0, rc;

	*out = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 30000);
	rc = db_probe(db, &version, &has_runs);
	if (rc != SQLITE_OK && rc != SQLITE_NOTADB && rc != SQLITE_BUSY) {
		sqlite3_close(db);
		db = NULL;
		if (open_immutable(path, &db) == SQLITE_OK)
			rc = db_probe(db, &version, &has_runs);
	}
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s: %s", path,
			 rc == SQLITE_NOTADB ? "not a fragtrace results database" : "cannot read",
			 db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	if (!has_runs) {
		snprintf(err, errlen, "%s: not a fragtrace results database", path);
		sqlite3_close(db);
		return -1;
	}
	if (version > RESULTS_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "%s: results schema version %d is newer than this fragtrace's", path,
			 version);
		sqlite3_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

static void text_col(sqlite3_stmt *st, int col, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(buf, len, "%s", t ? (const char *)t : "");
}

static int load_variants(sqlite3 *db, struct report_run *run)
{
	static const char *sql =
		"SELECT v.id, v.name, v.preset, v.policy, v.events, v.spbs, v.final_tainted, "
		"v.max_tainted, v.min_tainted, v.final_clean, v.final_empty, v.final_contig_1g, "
		"v.final_free_pages, v.final_slab_pages, v.shrink_queued, v.shrink_ran, "
		"v.shrink_freed, v.seconds, v.events_per_second, v.agreement, e.reached, e.value, "
		"e.settle_s, e.spread, e.reason, d.unknown_page_frees, d.unknown_slab_frees, "
		"d.page_alloc_failed + d.slab_alloc_failed, d.pcp_drain_misses, d.affected_share, "
		"(SELECT coalesce(sum(c.value), 0) FROM counters c WHERE c.variant_id = v.id AND "
		"(c.name LIKE 'TRIGGER\\_%' ESCAPE '\\' OR c.name IN ('SPB_SLAB_SHRINK_QUEUED', "
		"'SPB_EVAC_QUEUED', 'SPB_DEFRAG_QUEUED'))), "
		"(SELECT coalesce(sum(c.value), 0) FROM counters c WHERE c.variant_id = v.id AND "
		"c.name IN ('SLOWPATH', 'ZONE_FALLBACK', 'ALLOC_FAIL')) "
		"FROM variants v LEFT JOIN equilibrium e ON e.variant_id = v.id "
		"LEFT JOIN data_loss d ON d.variant_id = v.id WHERE v.run_id = ? ORDER BY "
		"v.position";
	sqlite3_stmt *st;
	size_t cap = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, run->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (run->nr_variants == cap) {
			cap = cap ? cap * 2 : 8;
			struct report_variant *n = realloc(run->variants, cap * sizeof(*n));
			if (!n) {
				sqlite3_finalize(st);
				return -1;
			}
			run->variants = n;
		}
		struct report_variant *v = &run->variants[run->nr_variants++];
		int c = 0;
		memset(v, 0, sizeof(*v));
		v->id = sqlite3_column_int64(st, c++);
		text_col(st, c++, v->name, sizeof(v->name));
		text_col(st, c++, v->preset, sizeof(v->preset));
		text_col(st, c++, v->policy, sizeof(v->policy));
		v->events = sqlite3_column_int64(st, c++);
		v->spbs = sqlite3_column_int64(st, c++);
		v->final_tainted = sqlite3_column_int64(st, c++);
		v->max_tainted = sqlite3_column_int64(st, c++);
		v->min_tainted = sqlite3_column_int64(st, c++);
		v->final_clean = sqlite3_column_int64(st, c++);
		v->final_empty = sqlite3_column_int64(st, c++);
		v->final_contig_1g = sqlite3_column_int64(st, c++);
		v->final_free_pages = sqlite3_column_int64(st, c++);
		v->final_slab_pages = sqlite3_column_int64(st, c++);
		v->shrink_queued = sqlite3_column_int64(st, c++);
		v->shrink_ran = sqlite3_column_int64(st, c++);
		v->shrink_freed = sqlite3_column_int64(st, c++);
		v->seconds = sqlite3_column_double(st, c++);
		v->events_per_second = sqlite3_column_double(st, c++);
		v->agreement = sqlite3_column_type(st, c) == SQLITE_NULL
				       ? -1
				       : sqlite3_column_double(st, c);
		c++;
		v->eq_reached = sqlite3_column_int(st, c++) != 0;
		v->eq_value = sqlite3_column_double(st, c++);
		v->eq_settle_s = sqlite3_column_double(st, c++);
		v->eq_spread = sqlite3_column_int64(st, c++);
		text_col(st, c++, v->eq_reason, sizeof(v->eq_reason));
		v->unknown_page_frees = sqlite3_column_int64(st, c++);
		v->unknown_slab_frees = sqlite3_column_int64(st, c++);
		v->alloc_failed = sqlite3_column_int64(st, c++);
		v->drain_misses = sqlite3_column_int64(st, c++);
		v->affected_share = sqlite3_column_double(st, c++);
		v->triggers = (uint64_t)sqlite3_column_int64(st, c++);
		v->slowpaths = (uint64_t)sqlite3_column_int64(st, c++);
	}
	sqlite3_finalize(st);
	return 0;
}

static int load_run(sqlite3 *db, int64_t id, struct report_run *run, char *err, size_t errlen)
{
	/* a database written before the sized loss figures has neither (results_db.c) */
	static const char *sql_new =
		"SELECT r.id, t.path, t.kernel, t.arch, r.start_mode, r.started_at, r.status, "
		"t.addresses, t.events, t.lost_events, t.lost_markers, t.cpus, t.host_pages, "
		"r.loops, r.sample_ms, t.complete_file, t.duration_s, r.wall_seconds, r.complete, "
		"t.lost_at_least, coalesce(t.lost_kernel_events, -1), t.slab_events_dropped "
		"FROM runs r JOIN traces t ON t.id = r.trace_id WHERE r.id = ?";
	static const char *sql_old =
		"SELECT r.id, t.path, t.kernel, t.arch, r.start_mode, r.started_at, r.status, "
		"t.addresses, t.events, t.lost_events, t.lost_markers, t.cpus, t.host_pages, "
		"r.loops, r.sample_ms, t.complete_file, t.duration_s, r.wall_seconds, r.complete, "
		"0, -1, 0 FROM runs r JOIN traces t ON t.id = r.trace_id WHERE r.id = ?";
	const char *sql = sql_old;
	sqlite3_stmt *st;
	int c = 0;

	if (sqlite3_prepare_v2(db,
			       "SELECT count(*) FROM pragma_table_info('traces') WHERE name = "
			       "'lost_at_least'",
			       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1)
		sql = sql_new;
	sqlite3_finalize(st);

	memset(run, 0, sizeof(*run));
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", sqlite3_db_filename(db, "main"),
			 sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "%s: no run %lld", sqlite3_db_filename(db, "main"),
			 (long long)id);
		sqlite3_finalize(st);
		return -1;
	}
	run->id = sqlite3_column_int64(st, c++);
	text_col(st, c++, run->trace, sizeof(run->trace));
	text_col(st, c++, run->kernel, sizeof(run->kernel));
	text_col(st, c++, run->arch, sizeof(run->arch));
	text_col(st, c++, run->start_mode, sizeof(run->start_mode));
	text_col(st, c++, run->started_at, sizeof(run->started_at));
	text_col(st, c++, run->status, sizeof(run->status));
	text_col(st, c++, run->addresses, sizeof(run->addresses));
	run->events = sqlite3_column_int64(st, c++);
	run->lost_events = sqlite3_column_int64(st, c++);
	run->lost_markers = sqlite3_column_int64(st, c++);
	run->cpus = sqlite3_column_int64(st, c++);
	run->host_pages = sqlite3_column_int64(st, c++);
	run->loops = sqlite3_column_int64(st, c++);
	run->sample_ms = sqlite3_column_int64(st, c++);
	run->complete_file = sqlite3_column_int(st, c++) != 0;
	run->duration_s = sqlite3_column_double(st, c++);
	run->wall_seconds = sqlite3_column_double(st, c++);
	int complete = sqlite3_column_int(st, c++);
	run->lost_at_least = sqlite3_column_int(st, c++) != 0;
	run->lost_kernel = sqlite3_column_int64(st, c++);
	run->slab_dropped = sqlite3_column_int64(st, c++);
	sqlite3_finalize(st);
	if (!complete) {
		snprintf(err, errlen, "%s: run %lld did not complete (%s)",
			 sqlite3_db_filename(db, "main"), (long long)id, run->status);
		return -1;
	}
	if (load_variants(db, run)) {
		snprintf(err, errlen, "%s: %s", sqlite3_db_filename(db, "main"),
			 sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

int report_load_runs(sqlite3 *db, const int64_t *ids, size_t n, bool all, struct report_run **out,
		     size_t *nr_out, char *err, size_t errlen)
{
	int64_t *chosen = NULL;
	size_t nc = 0, cap = 0;
	int rc = -1;

	*out = NULL;
	*nr_out = 0;
	if (n) {
		chosen = malloc(n * sizeof(*chosen));
		if (!chosen)
			goto nomem;
		memcpy(chosen, ids, n * sizeof(*chosen));
		nc = n;
	} else {
		sqlite3_stmt *st;
		const char *sql =
			all ? "SELECT id FROM runs WHERE complete = 1 ORDER BY id"
			    : "SELECT max(r.id) FROM runs r JOIN traces t ON t.id = r.trace_id "
			      "WHERE r.complete = 1 GROUP BY t.path ORDER BY max(r.id)";
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: %s", sqlite3_db_filename(db, "main"),
				 sqlite3_errmsg(db));
			return -1;
		}
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (nc == cap) {
				cap = cap ? cap * 2 : 16;
				int64_t *c = realloc(chosen, cap * sizeof(*c));
				if (!c) {
					sqlite3_finalize(st);
					goto nomem;
				}
				chosen = c;
			}
			chosen[nc++] = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
		if (!nc) {
			snprintf(err, errlen, "%s: no complete runs (run `fragtrace replay` first)",
				 sqlite3_db_filename(db, "main"));
			free(chosen);
			return -1;
		}
	}
	struct report_run *runs = calloc(nc, sizeof(*runs));
	if (!runs)
		goto nomem;
	for (size_t i = 0; i < nc; i++) {
		if (load_run(db, chosen[i], &runs[i], err, errlen)) {
			report_free_runs(runs, i + 1);
			free(chosen);
			return -1;
		}
	}
	*out = runs;
	*nr_out = nc;
	rc = 0;
	free(chosen);
	return rc;
nomem:
	free(chosen);
	snprintf(err, errlen, "out of memory");
	return -1;
}

void report_free_runs(struct report_run *runs, size_t n)
{
	if (!runs)
		return;
	for (size_t i = 0; i < n; i++)
		free(runs[i].variants);
	free(runs);
}

int report_load_series(sqlite3 *db, int64_t variant_id, const char *column, struct report_series *s)
{
	char sql[256];
	sqlite3_stmt *st;
	size_t cap = 0;

	memset(s, 0, sizeof(*s));
	/* column is one of ours, never user input */
	snprintf(sql, sizeof(sql), "SELECT t_s, %s FROM samples WHERE variant_id = ? ORDER BY seq",
		 column);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, variant_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (s->n == cap) {
			cap = cap ? cap * 2 : 256;
			double *t = realloc(s->t, cap * sizeof(*t));
			if (t)
				s->t = t;
			double *v = realloc(s->v, cap * sizeof(*v));
			if (v)
				s->v = v;
			if (!t || !v) {
				sqlite3_finalize(st);
				report_series_free(s);
				return -1;
			}
		}
		s->t[s->n] = sqlite3_column_double(st, 0);
		s->v[s->n] = sqlite3_column_double(st, 1);
		s->n++;
	}
	sqlite3_finalize(st);
	return 0;
}

void report_series_free(struct report_series *s)
{
	free(s->t);
	free(s->v);
	memset(s, 0, sizeof(*s));
}
