// SPDX-License-Identifier: GPL-2.0
/*
 * merge.c - copy results databases into one, table by table, by column name (the rules are in
 * merge.h).
 *
 * The schema is read from the files, not written down here: each input table's columns come
 * from PRAGMA table_info, its references from PRAGMA foreign_key_list. A table whose key is an
 * INTEGER column `id` (traces, runs, variants) is an "id table": its rows get new ids and an
 * old -> new map per input that the tables referring to it are rewritten through. The map also
 * says whether the row is fresh (added by this merge): a row is copied only when every row it
 * refers to is fresh, except in the identity tables (traces, runs), which look for an equal row
 * first, and in tables that refer to nothing, whose rows are added unless an equal one exists.
 *
 * Inputs are read through their own read-only connections (ATTACH is not allowed inside the
 * one write transaction, and a fleet merge has more inputs than SQLite attaches). Every input
 * passes an integrity check and the version check before the output is opened for writing.
 * Expected workload: hundreds of job files of a few MB, each a few hundred thousand rows.
 */
#include "merge.h"
#include "results_db.h"
#include "results_schema.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_TABLES  64
#define MAX_COLUMNS 128
#define NAME_LEN    128

/* The tables whose rows are the same row when every column but the id is equal. */
static const char *const identity_tables[] = { "traces", "runs" };

/* old id -> new id of one id table, for one input; sorted by old (read in id order). */
struct id_map {
	int64_t *old_id, *new_id; /* new_id -1: the row was skipped */
	bool *fresh;
	size_t n, cap;
};

struct table {
	char name[NAME_LEN];
	size_t ncols;
	char cols[MAX_COLUMNS][NAME_LEN];
	int parent[MAX_COLUMNS]; /* index of the id table a column refers to, or -1 */
	int id_col;		 /* the INTEGER PRIMARY KEY `id` column, or -1 */
	bool identity, done;
	struct id_map map;
};

struct merge_ctx {
	sqlite3 *out, *in;
	const char *out_path, *in_path;
	struct table tables[MAX_TABLES];
	size_t ntables;
	struct merge_stats *stats;
	char *err;
	size_t errlen;
};

/* "name" with embedded quotes doubled, into buf. */
static const char *quoted(char *buf, size_t len, const char *name)
{
	size_t j = 0;
	if (len < 3)
		return "";
	buf[j++] = '"';
	for (const char *p = name; *p && j + 3 < len; p++) {
		if (*p == '"')
			buf[j++] = '"';
		buf[j++] = *p;
	}
	buf[j++] = '"';
	buf[j] = 0;
	return buf;
}

/* The first line of an SQLite message, for a one-line error. */
static const char *one_line(sqlite3 *db)
{
	static char buf[256];
	snprintf(buf, sizeof(buf), "%s", db ? sqlite3_errmsg(db) : "out of memory");
	buf[strcspn(buf, "\r\n")] = 0;
	return buf;
}

/* One integer from a query on db; 0 when the query gives no row, -1 (SQLite error) on failure. */
static int query_int(sqlite3 *db, const char *sql, long long *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	*out = 0;
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*out = sqlite3_column_int64(st, 0);
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : -1;
}

/*
 * A results database this build can read: an SQLite file that passes the integrity check, has
 * the traces, runs and variants tables and this build's schema version. empty_ok: a file of
 * no bytes, or an SQLite database with no tables, passes (the output, to be filled).
 */
static int db_check(const char *path, bool empty_ok, char *err, size_t errlen)
{
	struct stat st;
	sqlite3 *db = NULL;
	sqlite3_stmt *ck = NULL;
	long long version = 0, ours = 0, objects = 0;
	int rc = -1;

	if (stat(path, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (!st.st_size) {
		if (empty_ok)
			return 0;
		snprintf(err, errlen, "%s: an empty file, not a results database", path);
		return -1;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", path, one_line(db));
		goto out;
	}
	sqlite3_busy_timeout(db, 30000);
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(2)", -1, &ck, NULL) != SQLITE_OK ||
	    sqlite3_step(ck) != SQLITE_ROW) {
		int code = sqlite3_errcode(db);
		snprintf(err, errlen, "%s: %s: %s", path,
			 code == SQLITE_NOTADB ? "not an SQLite database" : "damaged database",
			 one_line(db));
		goto out;
	}
	char verdict[200];
	const char *first = (const char *)sqlite3_column_text(ck, 0), *next;
	snprintf(verdict, sizeof(verdict), "%s", first ? first : "no verdict");
	/* a damaged file's report opens with a "*** in database main ***" line: skip it */
	if (!strncmp(verdict, "***", 3) && sqlite3_step(ck) == SQLITE_ROW)
		if ((next = (const char *)sqlite3_column_text(ck, 0)))
			snprintf(verdict, sizeof(verdict), "%s", next);
	verdict[strcspn(verdict, "\r\n")] = 0;
	if (strcmp(verdict, "ok")) {
		snprintf(err, errlen, "%s: damaged database (SQLite integrity check: %s)", path,
			 verdict);
		goto out;
	}
	if (query_int(db, "PRAGMA user_version", &version) ||
	    query_int(db, "SELECT count(*) FROM sqlite_master", &objects) ||
	    query_int(db,
		      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
		      "('traces', 'runs', 'variants')",
		      &ours)) {
		snprintf(err, errlen, "%s: cannot read the schema: %s", path, one_line(db));
		goto out;
	}
	if (!objects && empty_ok)
		rc = 0;
	else if (ours != 3)
		snprintf(err, errlen,
			 "%s: an SQLite database that is not a fragtrace results database", path);
	else if (version > RESULTS_SCHEMA_VERSION)
		snprintf(err, errlen,
			 "%s: results schema version %lld is newer than this fragtrace's (%d); "
			 "merge with a newer fragtrace",
			 path, version, RESULTS_SCHEMA_VERSION);
	else if (version != RESULTS_SCHEMA_VERSION)
		snprintf(err, errlen,
			 "%s: results schema version %lld is not one this fragtrace knows (%d)",
			 path, version, RESULTS_SCHEMA_VERSION);
	else
		rc = 0;
out:
	sqlite3_finalize(ck);
	sqlite3_close(db);
	return rc;
}

static int fail_in(struct merge_ctx *c, const char *what)
{
	snprintf(c->err, c->errlen, "%s: %s: %s", c->in_path, what, one_line(c->in));
	return -1;
}

static int fail_out(struct merge_ctx *c, const char *what)
{
	snprintf(c->err, c->errlen, "%s: %s: %s", c->out_path, what, one_line(c->out));
	return -1;
}

static int table_index(const struct merge_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->ntables; i++)
		if (!strcmp(c->tables[i].name, name))
			return (int)i;
	return -1;
}

/* Whether the output has table t with column col (col NULL: the table at all). */
static int out_has(struct merge_ctx *c, const char *t, const char *col, bool *has)
{
	sqlite3_stmt *st;
	*has = false;
	if (sqlite3_prepare_v2(c->out, "SELECT name FROM pragma_table_info(?1)", -1, &st, NULL))
		return fail_out(c, "cannot read the schema");
	sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!col || !strcmp((const char *)sqlite3_column_text(st, 0), col))
			*has = true;
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail_out(c, "cannot read the schema");
}

/* The input's tables, their columns, keys and references; each must exist in the output. */
static int read_schema(struct merge_ctx *c)
{
	sqlite3_stmt *st, *ti = NULL;
	int rc;
	c->ntables = 0;
	if (sqlite3_prepare_v2(c->in,
			       "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
			       "LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
			       -1, &st, NULL))
		return fail_in(c, "cannot read the schema");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		bool has;
		if (c->ntables == MAX_TABLES || strlen(name) >= NAME_LEN) {
			sqlite3_finalize(st);
			snprintf(c->err, c->errlen, "%s: more tables than a results database has",
				 c->in_path);
			return -1;
		}
		if (out_has(c, name, NULL, &has)) {
			sqlite3_finalize(st);
			return -1;
		}
		if (!has) {
			snprintf(c->err, c->errlen,
				 "%s: has a table '%s' that %s lacks (written by a newer "
				 "fragtrace?)",
				 c->in_path, name, c->out_path);
			sqlite3_finalize(st);
			return -1;
		}
		struct table *t = &c->tables[c->ntables++];
		memset(t, 0, sizeof(*t));
		snprintf(t->name, sizeof(t->name), "%s", name);
		t->id_col = -1;
		for (size_t k = 0; k < sizeof(identity_tables) / sizeof(identity_tables[0]); k++)
			t->identity |= !strcmp(name, identity_tables[k]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail_in(c, "cannot read the schema");

	/* columns and the integer key */
	for (size_t i = 0; i < c->ntables; i++) {
		struct table *t = &c->tables[i];
		int npk = 0;
		if (sqlite3_prepare_v2(c->in,
				       "SELECT name, upper(type), pk FROM pragma_table_info(?1)",
				       -1, &ti, NULL))
			return fail_in(c, "cannot read the schema");
		sqlite3_bind_text(ti, 1, t->name, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(ti)) == SQLITE_ROW) {
			const char *col = (const char *)sqlite3_column_text(ti, 0);
			const char *type = (const char *)sqlite3_column_text(ti, 1);
			bool has;
			if (!col || t->ncols == MAX_COLUMNS || strlen(col) >= NAME_LEN)
				break;
			if (out_has(c, t->name, col, &has)) {
				sqlite3_finalize(ti);
				return -1;
			}
			if (!has) {
				snprintf(c->err, c->errlen,
					 "%s: table %s has a column '%s' that %s lacks (written by "
					 "a "
					 "newer fragtrace?)",
					 c->in_path, t->name, col, c->out_path);
				sqlite3_finalize(ti);
				return -1;
			}
			if (sqlite3_column_int(ti, 2)) {
				npk++;
				if (!strcmp(col, "id") && type && !strcmp(type, "INTEGER"))
					t->id_col = (int)t->ncols;
			}
			t->parent[t->ncols] = -1;
			snprintf(t->cols[t->ncols++], NAME_LEN, "%s", col);
		}
		sqlite3_finalize(ti);
		if (rc != SQLITE_DONE) {
			snprintf(c->err, c->errlen, "%s: table %s: unreadable column list",
				 c->in_path, t->name);
			return -1;
		}
		if (npk != 1)
			t->id_col = -1;
	}

	/* references to id tables */
	for (size_t i = 0; i < c->ntables; i++) {
		struct table *t = &c->tables[i];
		if (sqlite3_prepare_v2(
			    c->in, "SELECT \"table\", \"from\" FROM pragma_foreign_key_list(?1)",
			    -1, &ti, NULL))
			return fail_in(c, "cannot read the schema");
		sqlite3_bind_text(ti, 1, t->name, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(ti)) == SQLITE_ROW) {
			int p = table_index(c, (const char *)sqlite3_column_text(ti, 0));
			const char *from = (const char *)sqlite3_column_text(ti, 1);
			if (p < 0 || c->tables[p].id_col < 0 || !from)
				continue;
			for (size_t k = 0; k < t->ncols; k++)
				if (!strcmp(t->cols[k], from))
					t->parent[k] = p;
		}
		sqlite3_finalize(ti);
		if (rc != SQLITE_DONE)
			return fail_in(c, "cannot read the schema");
	}
	return 0;
}

static int map_add(struct merge_ctx *c, struct id_map *m, int64_t old_id, int64_t new_id,
		   bool fresh)
{
	if (m->n && old_id <= m->old_id[m->n - 1]) {
		snprintf(c->err, c->errlen, "%s: row ids out of order (damaged database)",
			 c->in_path);
		return -1;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		int64_t *o = realloc(m->old_id, cap * sizeof(*o));
		if (o)
			m->old_id = o;
		int64_t *nw = o ? realloc(m->new_id, cap * sizeof(*nw)) : NULL;
		if (nw)
			m->new_id = nw;
		bool *f = nw ? realloc(m->fresh, cap * sizeof(*f)) : NULL;
		if (!f) {
			snprintf(c->err, c->errlen, "%s: out of memory", c->in_path);
			return -1;
		}
		m->fresh = f;
		m->cap = cap;
	}
	m->old_id[m->n] = old_id;
	m->new_id[m->n] = new_id;
	m->fresh[m->n++] = fresh;
	return 0;
}

/* The map entry of old_id, or -1. */
static long map_find(const struct id_map *m, int64_t old_id)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->old_id[mid] < old_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n && m->old_id[lo] == old_id ? (long)lo : -1;
}

static void map_free(struct id_map *m)
{
	free(m->old_id);
	free(m->new_id);
	free(m->fresh);
	memset(m, 0, sizeof(*m));
}

/* Build "SELECT cols FROM t", "INSERT INTO t(cols but id) VALUES", the identity lookup. */
static int build_sql(const struct table *t, char *sel, char *ins, char *find, size_t len)
{
	char q[NAME_LEN * 2 + 3];
	size_t s = 0, i = 0, f = 0, nins = 0;
	s += (size_t)snprintf(sel + s, len - s, "SELECT ");
	i += (size_t)snprintf(ins + i, len - i, "INSERT INTO main.%s(",
			      quoted(q, sizeof(q), t->name));
	f += (size_t)snprintf(find + f, len - f, "SELECT %s FROM main.%s WHERE 1",
			      t->id_col >= 0 ? "id" : "1", quoted(q, sizeof(q), t->name));
	for (size_t k = 0; k < t->ncols && s < len && i < len && f < len; k++) {
		quoted(q, sizeof(q), t->cols[k]);
		s += (size_t)snprintf(sel + s, len - s, "%s%s", k ? ", " : "", q);
		if ((int)k == t->id_col)
			continue;
		i += (size_t)snprintf(ins + i, len - i, "%s%s", nins++ ? ", " : "", q);
		f += (size_t)snprintf(find + f, len - f, " AND %s IS ?%zu", q, k + 1);
	}
	if (s < len)
		s += (size_t)snprintf(sel + s, len - s, " FROM main.%s%s",
				      quoted(q, sizeof(q), t->name),
				      t->id_col >= 0 ? " ORDER BY id" : " ORDER BY rowid");
	if (i < len)
		i += (size_t)snprintf(ins + i, len - i, ") VALUES (");
	for (size_t k = 0, n = 0; k < t->ncols && i < len; k++)
		if ((int)k != t->id_col)
			i += (size_t)snprintf(ins + i, len - i, "%s?%zu", n++ ? ", " : "", k + 1);
	if (i < len)
		i += (size_t)snprintf(ins + i, len - i, ")");
	if (f < len)
		f += (size_t)snprintf(find + f, len - f, " ORDER BY 1 LIMIT 1");
	return s < len && i < len && f < len ? 0 : -1;
}

/*
 * Bind row r of sel (the input) to ins and find, references rewritten. Returns 1 when the row
 * is to be copied, 0 when a row it refers to was not copied (already present), -1 on error.
 */
static int bind_row(struct merge_ctx *c, const struct table *t, sqlite3_stmt *sel,
		    sqlite3_stmt *ins, sqlite3_stmt *find)
{
	bool all_fresh = true;
	for (size_t k = 0; k < t->ncols; k++) {
		int p = t->parent[k];
		if ((int)k == t->id_col)
			continue;
		if (p < 0 || sqlite3_column_type(sel, (int)k) == SQLITE_NULL) {
			sqlite3_bind_value(ins, (int)k + 1, sqlite3_column_value(sel, (int)k));
			sqlite3_bind_value(find, (int)k + 1, sqlite3_column_value(sel, (int)k));
			continue;
		}
		const struct id_map *m = &c->tables[p].map;
		int64_t old_id = sqlite3_column_int64(sel, (int)k);
		long e = map_find(m, old_id);
		if (e < 0) {
			snprintf(c->err, c->errlen,
				 "%s: table %s refers to %s id %lld, which the file does not have "
				 "(damaged database)",
				 c->in_path, t->name, c->tables[p].name, (long long)old_id);
			return -1;
		}
		if (!m->fresh[e])
			all_fresh = false;
		sqlite3_bind_int64(ins, (int)k + 1, m->new_id[e]);
		sqlite3_bind_int64(find, (int)k + 1, m->new_id[e]);
	}
	return all_fresh ? 1 : 0;
}

/* Copy table t from the input: the rules in the header comment. */
static int copy_table(struct merge_ctx *c, struct table *t)
{
	static char sel_sql[16384], ins_sql[16384], find_sql[16384];
	sqlite3_stmt *sel = NULL, *ins = NULL, *find = NULL;
	bool refers = false, by_content;
	int rc = -1, step;

	for (size_t k = 0; k < t->ncols; k++)
		refers |= t->parent[k] >= 0;
	by_content = t->identity || !refers;
	if (build_sql(t, sel_sql, ins_sql, find_sql, sizeof(sel_sql))) {
		snprintf(c->err, c->errlen, "%s: table %s: too many columns", c->in_path, t->name);
		return -1;
	}
	if (sqlite3_prepare_v2(c->in, sel_sql, -1, &sel, NULL)) {
		fail_in(c, t->name);
		goto out;
	}
	if (sqlite3_prepare_v2(c->out, ins_sql, -1, &ins, NULL) ||
	    sqlite3_prepare_v2(c->out, find_sql, -1, &find, NULL)) {
		fail_out(c, t->name);
		goto out;
	}
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		int64_t old_id = t->id_col >= 0 ? sqlite3_column_int64(sel, t->id_col) : 0;
		int64_t new_id = -1;
		bool fresh = false;
		int copy = bind_row(c, t, sel, ins, find);
		if (copy < 0)
			goto out;
		if (by_content) {
			int f = sqlite3_step(find);
			if (f == SQLITE_ROW) {
				new_id = sqlite3_column_int64(find, 0);
				copy = 0;
			} else if (f != SQLITE_DONE) {
				fail_out(c, t->name);
				goto out;
			} else {
				copy = 1;
			}
			sqlite3_reset(find);
		}
		if (copy) {
			if (sqlite3_step(ins) != SQLITE_DONE) {
				/* a constraint the row breaks is the input's fault; the rest the
				 * output's (disk full, I/O) */
				if ((sqlite3_errcode(c->out) & 0xff) == SQLITE_CONSTRAINT)
					snprintf(c->err, c->errlen,
						 "%s: table %s: a row %s cannot take: %s",
						 c->in_path, t->name, c->out_path,
						 one_line(c->out));
				else
					snprintf(c->err, c->errlen,
						 "%s: table %s: cannot add a row of %s: %s",
						 c->out_path, t->name, c->in_path,
						 one_line(c->out));
				goto out;
			}
			sqlite3_reset(ins);
			new_id = sqlite3_last_insert_rowid(c->out);
			fresh = true;
			c->stats->rows_added++;
		}
		if (!strcmp(t->name, "traces"))
			*(fresh ? &c->stats->traces_added : &c->stats->traces_present) += 1;
		else if (!strcmp(t->name, "runs"))
			*(fresh ? &c->stats->runs_added : &c->stats->runs_present) += 1;
		if (t->id_col >= 0 && map_add(c, &t->map, old_id, new_id, fresh))
			goto out;
	}
	if (step != SQLITE_DONE) {
		fail_in(c, t->name);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	sqlite3_finalize(find);
	return rc;
}

/* The id tables, parents before children, then every other table. */
static int merge_one(struct merge_ctx *c)
{
	int rc = -1;
	if (read_schema(c))
		goto out;
	for (int pass = 0; pass < 2; pass++) {
		bool progress = true;
		while (progress) {
			progress = false;
			for (size_t i = 0; i < c->ntables; i++) {
				struct table *t = &c->tables[i];
				bool ready = !t->done && (t->id_col >= 0) == (pass == 0);
				for (size_t k = 0; ready && k < t->ncols; k++)
					if (t->parent[k] >= 0 && t->parent[k] != (int)i &&
					    !c->tables[t->parent[k]].done)
						ready = false;
				if (!ready)
					continue;
				if (copy_table(c, t))
					goto out;
				t->done = progress = true;
			}
		}
	}
	for (size_t i = 0; i < c->ntables; i++)
		if (!c->tables[i].done) {
			snprintf(c->err, c->errlen, "%s: table %s: its references form a cycle",
				 c->in_path, c->tables[i].name);
			goto out;
		}
	rc = 0;
out:
	for (size_t i = 0; i < c->ntables; i++)
		map_free(&c->tables[i].map);
	return rc;
}

/* The output may be neither one of the inputs nor anything but a regular file or nothing. */
static int check_output(const char *out, const char *const *inputs, size_t n, char *err,
			size_t errlen)
{
	struct stat so, si;
	if (lstat(out, &so)) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		return -1;
	}
	if (!S_ISREG(so.st_mode)) {
		snprintf(err, errlen, "%s: %s", out,
			 S_ISLNK(so.st_mode) ? "is a symbolic link; give the file itself"
					     : "not a regular file");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!stat(inputs[i], &si) && si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
			snprintf(err, errlen,
				 "%s: is the input %s (the same file); refusing to write over it, "
				 "choose another output",
				 out, inputs[i]);
			return -1;
		}
	return 1;
}

static void remove_created(const char *out)
{
	size_t len = strlen(out) + 8;
	char *side = malloc(len);
	unlink(out);
	if (!side)
		return;
	snprintf(side, len, "%s-wal", out);
	unlink(side);
	snprintf(side, len, "%s-shm", out);
	unlink(side);
	free(side);
}

int merge_databases(const char *out, const char *const *inputs, size_t n, struct merge_stats *stats,
		    char *err, size_t errlen)
{
	struct merge_ctx *c = NULL;
	sqlite3 *db = NULL;
	bool created = false, began = false;
	int rc = -1;

	memset(stats, 0, sizeof(*stats));
	int exists = check_output(out, inputs, n, err, errlen);
	if (exists < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (db_check(inputs[i], false, err, errlen))
			return -1;
	if (exists && db_check(out, true, err, errlen))
		return -1;
	if (!exists) {
		if (results_db_open(out, &db, err, errlen))
			return -1;
		results_db_close(db);
		db = NULL;
		created = true;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "%s: out of memory", out);
		goto out;
	}
	*c = (struct merge_ctx){ .out_path = out, .stats = stats, .err = err, .errlen = errlen };
	if (sqlite3_open_v2(out, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", out, one_line(db));
		goto out;
	}
	c->out = db;
	sqlite3_busy_timeout(db, 30000);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		fail_out(c, "cannot start a transaction");
		goto out;
	}
	began = true;
	if (sqlite3_exec(db, results_schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
		fail_out(c, "cannot set up the results schema");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		c->in_path = inputs[i];
		if (sqlite3_open_v2(inputs[i], &c->in, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
			fail_in(c, "cannot open");
			sqlite3_close(c->in);
			goto out;
		}
		sqlite3_busy_timeout(c->in, 30000);
		int r = sqlite3_exec(c->in, "BEGIN", NULL, NULL, NULL) == SQLITE_OK
				? merge_one(c)
				: fail_in(c, "cannot read");
		sqlite3_exec(c->in, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(c->in);
		c->in = NULL;
		if (r)
			goto out;
		stats->inputs++;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fail_out(c, "cannot commit");
		goto out;
	}
	began = false;
	rc = 0;
out:
	if (began)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	free(c);
	if (rc && created)
		remove_created(out);
	return rc;
}
