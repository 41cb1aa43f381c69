// SPDX-License-Identifier: GPL-2.0
/*
 * results_db.c - write replay results into the SQLite database schema.sql describes.
 *
 * The schema text is compiled in (cmake/embed.cmake) and executed on every open: its CREATE
 * ... IF NOT EXISTS statements leave an existing results database alone. A new database is
 * built in memory and written whole through safe_output, so no half-made file appears under
 * its name; an SQLite file that is neither empty nor fragtrace's is refused untouched. A database
 * whose user_version is newer than this build's is refused. Every run is one BEGIN IMMEDIATE
 * transaction; with WAL and a 30 s busy timeout, concurrent replays into one file take turns.
 * Expected size: per variant, one row per sample, 11 per sample in sample_frag, a few dozen per
 * sample in sample_counters.
 */
#include "results_db.h"
#include "safe_output.h"

#include <errno.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <time.h>
#include <stdio.h>
#include <string.h>

/* One number from a query, or -1 when it fails. */
static long long query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * What path holds, looked at read-only: 0 when nothing or an empty file or database (it may
 * become a results database), 1 for a fragtrace results database, -1 (err set) for anything
 * else, which is refused before a byte of it changes.
 */
static int db_classify(const char *path, char *err, size_t errlen)
{
	struct stat stb;
	sqlite3 *db = NULL;
	long long objects, ours;

	if (stat(path, &stb))
		return errno == ENOENT
			       ? 0
			       : (snprintf(err, errlen, "%s: %s", path, strerror(errno)), -1);
	if (!S_ISREG(stb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (!stb.st_size)
		return 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open database: %s", path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 30000);
	objects = query_int(db, "SELECT count(*) FROM sqlite_master");
	ours = query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
			     "('traces', 'runs', 'variants')");
	if (objects < 0)
		snprintf(err, errlen, "%s: not an SQLite database: %s", path, sqlite3_errmsg(db));
	else if (objects && ours != 3)
		snprintf(
			err, errlen,
			"%s: an SQLite database that is not a fragtrace results database; refusing "
			"to add to it (give a new file for --db)",
			path);
	sqlite3_close(db);
	return objects < 0 || (objects && ours != 3) ? -1 : objects > 0;
}

/* A new database: the schema built in memory, written whole through safe_output. */
static int db_create(const char *path, char *err, size_t errlen)
{
	sqlite3 *mem = NULL;
	struct safe_output *so = NULL;
	unsigned char *bytes = NULL;
	sqlite3_int64 size = 0;
	char why[512] = "out of memory";
	int rc = -1;

	if (sqlite3_open(":memory:", &mem) == SQLITE_OK &&
	    sqlite3_exec(mem, results_schema_sql, NULL, NULL, NULL) == SQLITE_OK)
		bytes = sqlite3_serialize(mem, "main", &size, 0);
	if (bytes && size >= 100) /* born in WAL mode: file format versions 2 (see set_wal) */
		bytes[18] = bytes[19] = 2;
	if (bytes && !safe_output_open(path, NULL, SAFE_OUTPUT_NO_REPLACE, &so, why, sizeof(why))) {
		const unsigned char *p = bytes;
		sqlite3_int64 left = size;
		while (left > 0) {
			ssize_t n = write(safe_output_fd(so), p, (size_t)left);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			p += n;
			left -= n;
		}
		if (left) {
			snprintf(why, sizeof(why), "write failed: %s", strerror(errno));
			safe_output_abort(so);
		} else {
			rc = safe_output_commit(so, why, sizeof(why));
			if (rc == SAFE_OUTPUT_EXISTS) /* another replay made it first: use theirs */
				rc = 0;
		}
	}
	if (rc)
		snprintf(err, errlen, "%s: cannot create database: %s", path, why);
	sqlite3_free(bytes);
	sqlite3_close(mem);
	return rc;
}

/*
 * A database written before traces gained columns (malformed events, the sized loss figures,
 * the layout): add them (NULL or their default in old rows) and drop the view that shows them,
 * which the schema then recreates. The
 * version stays: older builds write by column name and ignore what they do not know.
 */
static int schema_upgrade(sqlite3 *db, char **msg)
{
	static const char *const add[][2] = {
		{ "malformed_events", "INTEGER NOT NULL DEFAULT 0" },
		{ "lost_at_least", "INTEGER NOT NULL DEFAULT 0" },
		{ "lost_unknown_markers", "INTEGER NOT NULL DEFAULT 0" },
		{ "lost_marker_events", "INTEGER" },
		{ "lost_kernel_events", "INTEGER" },
		{ "lost_note", "TEXT" },
		{ "slab_events_dropped", "INTEGER NOT NULL DEFAULT 0" },
		{ "layout", "TEXT NOT NULL DEFAULT 'captured'" },
	};
	int added = 0;
	if (query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
			  "'traces'") != 1)
		return SQLITE_OK;
	for (size_t i = 0; i < sizeof(add) / sizeof(add[0]); i++) {
		char sql[200];
		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM pragma_table_info('traces') WHERE name = '%s'",
			 add[i][0]);
		if (query_int(db, sql) != 0)
			continue;
		snprintf(sql, sizeof(sql), "ALTER TABLE traces ADD COLUMN %s %s", add[i][0],
			 add[i][1]);
		int rc = sqlite3_exec(db, sql, NULL, NULL, msg);
		if (rc != SQLITE_OK)
			return rc;
		added++;
	}
	return added ? sqlite3_exec(db, "DROP VIEW IF EXISTS data_loss_summary", NULL, NULL, msg)
		     : SQLITE_OK;
}

/* Milliseconds of CLOCK_MONOTONIC: the retries' deadline counts the busy handler's waits too. */
static uint64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

static int schema_setup_once(sqlite3 *db, char **msg)
{
	int rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, msg);
	if (rc == SQLITE_OK)
		rc = schema_upgrade(db, msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, results_schema_sql, NULL, NULL, msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, msg);
	if (rc != SQLITE_OK && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/*
 * WAL mode and the schema, in one transaction. SQLite answers SQLITE_BUSY without calling the busy
 * handler where waiting could deadlock: two connections switching a rollback-mode database (one an
 * older build made) to WAL at once, or one opening the WAL while the last one out deletes it. So
 * the whole step is tried again, for up to the 30 s the busy timeout allows. A database
 * db_create() made is born in WAL mode, where the first statement changes nothing.
 */
static int schema_setup(sqlite3 *db, char **msg)
{
	int rc = SQLITE_BUSY;

	for (uint64_t deadline = monotonic_ms() + 30000; monotonic_ms() < deadline;) {
		rc = schema_setup_once(db, msg);
		if (!is_busy(rc))
			break;
		sqlite3_free(*msg);
		*msg = NULL;
		sqlite3_sleep(20);
	}
	return rc;
}

int results_db_open(const char *path, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	sqlite3_stmt *st;
	int version = 0;

	*out = NULL;
	if (db_classify(path, err, errlen) < 0)
		return -1;
	if (access(path, F_OK) && db_create(path, err, errlen))
		return -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open database: %s", path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 30000);
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
		for (uint64_t deadline = monotonic_ms() + 30000; monotonic_ms() < deadline;) {
			int rc = sqlite3_step(st);
			if (rc == SQLITE_ROW)
				version = sqlite3_column_int(st, 0);
			if (!is_busy(rc))
				break;
			sqlite3_reset(st);
			sqlite3_sleep(20);
		}
		sqlite3_finalize(st);
	} else {
		snprintf(err, errlen, "%s: not a database: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	if (version > RESULTS_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "%s: results schema version %d is newer than this fragtrace's (%d)", path,
			 version, RESULTS_SCHEMA_VERSION);
		sqlite3_close(db);
		return -1;
	}
	if (schema_setup(db, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot set up the results schema: %s", path,
			 msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		sqlite3_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

void results_db_close(sqlite3 *db)
{
	sqlite3_close(db);
}

/* A prepared statement bound from a format: i = int64, d = double, t = text, n = NULL. */
struct writer {
	sqlite3 *db;
	char *err;
	size_t errlen;
	int failed;
};

static int64_t exec_insert(struct writer *w, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int64_t id = -1;

	if (w->failed)
		return -1;
	if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	va_start(ap, types);
	for (int i = 0; types[i]; i++) {
		switch (types[i]) {
		case 'i':
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'd':
			sqlite3_bind_double(st, i + 1, va_arg(ap, double));
			break;
		case 't':
			sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1,
					  SQLITE_TRANSIENT);
			break;
		default:
			sqlite3_bind_null(st, i + 1);
			break;
		}
	}
	va_end(ap);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	id = sqlite3_last_insert_rowid(w->db);
	return id;
fail:
	snprintf(w->err, w->errlen, "%s: %s", sqlite3_db_filename(w->db, "main"),
		 sqlite3_errmsg(w->db));
	w->failed = 1;
	return -1;
}

/* Reusable statement for the bulk tables. */
static sqlite3_stmt *prep(struct writer *w, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (!w->failed && sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(w->err, w->errlen, "%s: %s", sqlite3_db_filename(w->db, "main"),
			 sqlite3_errmsg(w->db));
		w->failed = 1;
	}
	return st;
}

static void step_reset(struct writer *w, sqlite3_stmt *st)
{
	if (w->failed)
		return;
	if (sqlite3_step(st) != SQLITE_DONE) {
		snprintf(w->err, w->errlen, "%s: %s", sqlite3_db_filename(w->db, "main"),
			 sqlite3_errmsg(w->db));
		w->failed = 1;
	}
	sqlite3_reset(st);
}

static void now_iso(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The trace's lost events per CPU (schema.sql, trace_lost_cpu). */
static void insert_lost_cpus(struct writer *w, int64_t tid, const struct replay_trace_info *ti)
{
	for (size_t i = 0; i < ti->nr_lost_cpus && !w->failed; i++) {
		const struct replay_lost_cpu *c = &ti->lost_cpus[i];
		/* 'n' takes no argument: kernel_events comes last */
		exec_insert(w, "INSERT INTO trace_lost_cpu VALUES (?,?,?,?,?,?,?,?,?)",
			    c->have_kernel ? "iiiitiiii" : "iiiitiiin", tid, (int64_t)c->cpu,
			    (int64_t)c->lost, (int64_t)c->at_least, c->source, (int64_t)c->markers,
			    (int64_t)c->unknown_markers, (int64_t)c->marker_events,
			    (int64_t)c->kernel_events);
	}
}

static int64_t insert_trace(struct writer *w, const struct replay_trace_info *ti)
{
	int64_t tid = exec_insert(
		w,
		"INSERT INTO traces(path, file_bytes, kernel, arch, cpus, events, "
		"duration_s, first_ts_ns, lost_events, lost_markers, complete_file, "
		"addresses, host_pages, malformed_events, lost_at_least, lost_unknown_markers, "
		"lost_marker_events, slab_events_dropped, layout) VALUES "
		"(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		"tittiidiiiitiiiiiit", ti->path, (int64_t)ti->file_bytes, ti->kernel, ti->arch,
		(int64_t)ti->cpus, (int64_t)ti->events, ti->duration_s, (int64_t)ti->first_ts,
		(int64_t)ti->lost_events, (int64_t)ti->lost_markers, (int64_t)ti->complete_file,
		ti->addresses, (int64_t)ti->host_pages, (int64_t)ti->malformed_events,
		(int64_t)ti->lost_at_least, (int64_t)ti->lost_unknown_markers,
		(int64_t)ti->lost_marker_events, (int64_t)ti->slab_events_dropped,
		ti->layout[0] ? ti->layout : "captured");
	if (tid < 0)
		return tid;
	/* NULL unless the trace has them */
	if (ti->have_kernel_counters)
		exec_insert(w, "UPDATE traces SET lost_kernel_events = ? WHERE id = ?", "ii",
			    (int64_t)ti->lost_kernel_events, tid);
	if (ti->lost_note[0])
		exec_insert(w, "UPDATE traces SET lost_note = ? WHERE id = ?", "ti", ti->lost_note,
			    tid);
	insert_lost_cpus(w, tid, ti);
	return tid;
}

static const char *start_name(enum replay_start s)
{
	return replay_start_name(s);
}

static void write_samples(struct writer *w, int64_t vid, const struct replay_variant_result *v)
{
	sqlite3_stmt *s = prep(w, "INSERT INTO samples VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
				  "?,?,?,?,?,?,?,?,?,?,?)");
	sqlite3_stmt *f = prep(w, "INSERT INTO sample_frag VALUES (?,?,?,?,?)");
	sqlite3_stmt *c = prep(w, "INSERT INTO sample_counters VALUES (?,?,?,?)");
	bool spb = v->spec.policy == MODEL_POLICY_SPB && !v->spec.observe;

	for (size_t i = 0; i < v->nr_samples && !w->failed; i++) {
		const struct replay_sample *sm = &v->samples[i];
		const struct model_stats *st = &sm->stats;
		int k = 1;
		sqlite3_bind_int64(s, k++, vid);
		sqlite3_bind_int64(s, k++, (int64_t)i);
		sqlite3_bind_double(s, k++, (double)sm->t_ns / 1e9);
		sqlite3_bind_int64(s, k++, sm->pass);
		sqlite3_bind_int64(s, k++, st->tainted_regions);
		sqlite3_bind_int64(s, k++, st->clean_regions);
		sqlite3_bind_int64(s, k++, st->empty_regions);
		for (int cat = SB_TAINTED; cat >= SB_CLEAN; cat--)
			for (int fl = 0; fl < NR_SB_FULLNESS; fl++, k++)
				if (spb)
					sqlite3_bind_int64(s, k, st->spb_by_list[cat][fl]);
				else
					sqlite3_bind_null(s, k);
		if (spb)
			sqlite3_bind_int64(s, k++, st->spb_empty);
		else
			sqlite3_bind_null(s, k++);
		sqlite3_bind_int64(s, k++, (int64_t)st->free_pages);
		sqlite3_bind_int64(s, k++, (int64_t)st->free_pageblocks_in_tainted);
		sqlite3_bind_int64(s, k++, (int64_t)st->contig_1g_possible);
		sqlite3_bind_int64(s, k++, (int64_t)st->contig_2m_possible);
		sqlite3_bind_int64(s, k++, (int64_t)st->contig_2m_free);
		sqlite3_bind_int64(s, k++, (int64_t)st->pageblocks_by_mt[MIGRATE_UNMOVABLE]);
		sqlite3_bind_int64(s, k++, (int64_t)st->pageblocks_by_mt[MIGRATE_MOVABLE]);
		sqlite3_bind_int64(s, k++, (int64_t)st->pageblocks_by_mt[MIGRATE_RECLAIMABLE]);
		sqlite3_bind_int64(s, k++, (int64_t)st->pageblocks_by_mt[MIGRATE_HIGHATOMIC]);
		sqlite3_bind_int64(s, k++, (int64_t)sm->slab_pages);
		sqlite3_bind_int64(s, k++, (int64_t)sm->slab_objects);
		step_reset(w, s);
		for (int o = 0; o < NR_PAGE_ORDERS && !w->failed; o++) {
			sqlite3_bind_int64(f, 1, vid);
			sqlite3_bind_int64(f, 2, (int64_t)i);
			sqlite3_bind_int64(f, 3, o);
			sqlite3_bind_double(f, 4, st->unusable_index[o]);
			sqlite3_bind_double(f, 5, st->extfrag_index[o]);
			step_reset(w, f);
		}
		for (int e = 0; e < MODEL_NR_VM_EVENTS && !w->failed; e++) {
			if (!st->events[e])
				continue;
			sqlite3_bind_int64(c, 1, vid);
			sqlite3_bind_int64(c, 2, (int64_t)i);
			sqlite3_bind_text(c, 3, model_event_name((enum model_vm_event)e), -1,
					  SQLITE_STATIC);
			sqlite3_bind_int64(c, 4, (int64_t)st->events[e]);
			step_reset(w, c);
		}
	}
	sqlite3_finalize(s);
	sqlite3_finalize(f);
	sqlite3_finalize(c);
}

static void write_counters(struct writer *w, int64_t vid, const struct replay_variant_result *v,
			   bool kswapd_traced)
{
	sqlite3_stmt *c = prep(w, "INSERT INTO counters VALUES (?,?,?)");
	const struct slab_stats *sl = &v->slab;
	const struct {
		const char *name;
		uint64_t value;
	} slab[] = {
		{ "slab_caches", sl->caches },
		{ "slab_slabs", sl->slabs },
		{ "slab_pages", sl->slab_pages },
		{ "slab_objects", sl->objects },
		{ "slab_allocs", sl->allocs },
		{ "slab_frees", sl->frees },
		{ "slab_alloc_failed", sl->alloc_failed },
		{ "slab_unknown_frees", sl->unknown_frees },
		{ "slab_frees_after_reclaim", sl->frees_after_reclaim },
		{ "shrink_slab_calls", sl->shrink_calls },
		{ "shrink_slab_scanned", sl->shrink_scanned },
		{ "shrink_slab_freed", sl->shrink_freed },
		{ "slab_lru_objects", sl->lru_objects },
		{ "slab_pages_allocated", sl->slab_pages_allocated },
		{ "slab_pages_freed", sl->slab_pages_freed },
		/* slabs from before the trace the slab model adopted, and their objects' frees */
		{ "slab_start_slabs", sl->start_slabs },
		{ "slab_start_slab_frees", sl->start_slab_frees },
		/* their pages the slab model gave back on discarding them (not in
		 * slab_pages_freed, as their adoption is not in slab_pages_allocated) */
		{ "slab_start_slab_pages_discarded", sl->start_slab_pages_discarded },
		/* the host's frees of those slabs' pages, and their start slots found free */
		{ "slab_start_slab_pages_freed", sl->start_slab_pages_freed },
		{ "slab_start_slab_free_slots", sl->start_slab_free_slots },
		{ "slab_start_slab_pages_gone", sl->start_slab_pages_gone },
		/* slab caches built with a guessed object size (none known: docs/replay.md) */
		{ "slab_cache_size_guessed", v->loss.slab_cache_size_guessed },
		/* replay's: page allocations the host served that this variant failed, and trace
		 * frees of pages this variant's direct reclaim had already dropped */
		{ "host_served_policy_failed", v->loss.page_alloc_failed },
		/* ... after the kernel's callers fell back to smaller orders (replay_fallback.c),
		 * which served these */
		{ "caller_fallback_served", v->loss.caller_fallback_served },
		{ "caller_fallback_pages", v->loss.caller_fallback_pages },
		{ "caller_fallback_thp_retry", v->loss.caller_fallback_thp_retry },
		{ "page_frees_after_reclaim", v->loss.page_frees_after_reclaim },
		/* warm-start pages the host drained from its per-CPU lists (replay_variant.c) */
		{ "start_pcp_drain_pages", v->loss.start_pcp_drain_pages },
		/* the host's kswapd runs (ZONE_RECLAIM_ACTIVE) and the per-CPU frees they capped */
		{ "kswapd_events", v->loss.kswapd_events },
		{ "pcp_reclaim_active_frees", v->loss.pcp_reclaim_active_frees },
		/* where those runs came from: 1 kswapd's wake events (its wakes and their runs'
		 * summed length in us), 0 the GFP_KERNEL shrink_slab heuristic (kswapd_events) */
		{ "kswapd_windows_traced", kswapd_traced },
		{ "kswapd_wakes", v->loss.kswapd_wakes },
		{ "kswapd_reclaim_active_us", v->loss.kswapd_reclaim_active_ns / 1000 },
		/* start THPs whose free went to the variant's per-CPU list (replay_variant.c) */
		{ "start_thp_pcp_frees", v->loss.start_thp_pcp_frees },
		/* start folios of orders 0-3 freed to a per-CPU list (start_pcp_free=1) */
		{ "start_folio_pcp_frees", v->loss.start_folio_pcp_frees },
		/* start/pagetypeinfo's HighAtomic pageblocks tagged (start_highatomic=1) */
		{ "start_highatomic_pageblocks", v->loss.start_highatomic_pageblocks },
		/* ... and the pages of those frees that the reclaim had not reached */
		{ "reclaim_rest_pages", v->loss.reclaim_rest_pages },
		/* the host's compaction migrations replayed (replay_compaction.c) */
		{ "compaction_sources", v->compaction.sources },
		{ "compaction_sources_unmovable", v->compaction.sources_unmovable },
		{ "compaction_sources_unknown", v->compaction.sources_unknown },
		{ "compaction_below_source", v->compaction.below_source },
		{ "compaction_no_target", v->compaction.no_target },
		/* ... by why (enum model_no_target, model_compaction.c) */
		{ "compaction_no_target_source_high",
		  v->compaction.no_target_why[MODEL_NT_SOURCE_HIGH] },
		{ "compaction_no_target_small", v->compaction.no_target_why[MODEL_NT_SMALL] },
		{ "compaction_no_target_whole_free",
		  v->compaction.no_target_why[MODEL_NT_WHOLE_FREE] },
		{ "compaction_no_target_not_movable",
		  v->compaction.no_target_why[MODEL_NT_NOT_MOVABLE] },
		{ "compaction_no_target_none_above",
		  v->compaction.no_target_why[MODEL_NT_NONE_ABOVE] },
		{ "compaction_no_target_order", v->compaction.no_target_why[MODEL_NT_ORDER] },
		{ "compaction_no_target_kept", v->compaction.kept },
		{ "compaction_dest_frees", v->compaction.dest_frees },
		{ "compaction_dest_order_miss", v->compaction.dest_order_miss },
		{ "compaction_dest_unbound", v->compaction.dest_unbound },
		{ "compaction_releases", v->compaction.releases },
		{ "compaction_without_capacity", v->compaction.without_capacity },
		{ "compaction_live_at_end", v->compaction.live_at_end },
		/* pages the variant's per-CPU lists hold at the end, per type (replay_pcp.c) */
		{ "pcp_pages_unmovable", v->pcp_pages[MIGRATE_UNMOVABLE] },
		{ "pcp_pages_reclaimable", v->pcp_pages[MIGRATE_RECLAIMABLE] },
		{ "pcp_pages_movable", v->pcp_pages[MIGRATE_MOVABLE] },
	};
	for (int e = 0; e < MODEL_NR_VM_EVENTS && !w->failed; e++) {
		sqlite3_bind_int64(c, 1, vid);
		sqlite3_bind_text(c, 2, model_event_name((enum model_vm_event)e), -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(c, 3, (int64_t)v->final.events[e]);
		step_reset(w, c);
	}
	for (size_t i = 0; i < sizeof(slab) / sizeof(slab[0]) && !w->failed; i++) {
		sqlite3_bind_int64(c, 1, vid);
		sqlite3_bind_text(c, 2, slab[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(c, 3, (int64_t)slab[i].value);
		step_reset(w, c);
	}
	/* host_served_policy_failed by order (_order_N), with __GFP_NORETRY (_noretry), movable */
	for (unsigned o = 0; o <= MAX_PAGE_ORDER + 2 && !w->failed; o++) {
		char name[48];
		uint64_t n = o <= MAX_PAGE_ORDER       ? v->loss.page_alloc_failed_order[o]
			     : o == MAX_PAGE_ORDER + 1 ? v->loss.page_alloc_failed_noretry
						       : v->loss.page_alloc_failed_movable;
		if (o <= MAX_PAGE_ORDER)
			snprintf(name, sizeof(name), "host_served_policy_failed_order_%u", o);
		else if (o == MAX_PAGE_ORDER + 1)
			snprintf(name, sizeof(name), "host_served_policy_failed_noretry");
		else
			snprintf(name, sizeof(name), "host_served_policy_failed_movable");
		sqlite3_bind_int64(c, 1, vid);
		sqlite3_bind_text(c, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(c, 3, (int64_t)n);
		step_reset(w, c);
	}
	sqlite3_finalize(c);
}

static void write_regions(struct writer *w, int64_t vid, const struct replay_variant_result *v)
{
	static const char *const cls[] = { "empty", "clean", "tainted", "isolated" };
	sqlite3_stmt *s = prep(w, "INSERT INTO spb_final VALUES (?,?,?,?,?,?,?,?,?,?)");
	for (size_t i = 0; i < v->nr_regions && !w->failed; i++) {
		const struct replay_region *r = &v->regions[i];
		sqlite3_bind_int64(s, 1, vid);
		sqlite3_bind_int64(s, 2, (int64_t)i);
		sqlite3_bind_int64(s, 3, (int64_t)r->region.start_pfn);
		sqlite3_bind_text(s, 4, cls[r->region.class & 3], -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, r->region.fullness);
		if (r->has_spb) {
			sqlite3_bind_int64(s, 6, r->nr_free);
			sqlite3_bind_int64(s, 7, r->nr_unmovable);
			sqlite3_bind_int64(s, 8, r->nr_reclaimable);
			sqlite3_bind_int64(s, 9, r->nr_movable);
		} else {
			for (int k = 6; k <= 9; k++)
				sqlite3_bind_null(s, k);
		}
		sqlite3_bind_int64(s, 10, (int64_t)r->region.free_pages);
		step_reset(w, s);
	}
	sqlite3_finalize(s);
}

/* The drift timeline (replay_timeline.c): a row per host zone sample and zone. */
static void write_timeline(struct writer *w, int64_t vid, const struct replay_variant_result *v,
			   const struct replay_timeline_info *ti)
{
	sqlite3_stmt *s = prep(w, "INSERT INTO zone_timeline VALUES (?,?,?,?,?,?,?,?,?,?,?)");

	for (size_t i = 0; i < v->nr_timeline && !w->failed; i++) {
		const struct replay_timeline_point *p = &v->timeline[i];
		const struct replay_timeline_zone *z = &ti->zone[p->zone];
		int k = 1;
		sqlite3_bind_int64(s, k++, vid);
		sqlite3_bind_int64(s, k++, (int64_t)i);
		sqlite3_bind_double(s, k++, (double)p->t_ns / 1e9);
		sqlite3_bind_int64(s, k++, z->nid);
		sqlite3_bind_text(s, k++, z->name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, k++, p->host_free);
		sqlite3_bind_int64(s, k++, p->model_free);
		sqlite3_bind_int64(s, k++, p->host_pcp);
		if (p->model_pcp >= 0)
			sqlite3_bind_int64(s, k++, p->model_pcp);
		else
			sqlite3_bind_null(s, k++);
		sqlite3_bind_int64(s, k++, p->host_pcp_high);
		if (p->model_pcp_high >= 0)
			sqlite3_bind_int64(s, k++, p->model_pcp_high);
		else
			sqlite3_bind_null(s, k++);
		step_reset(w, s);
	}
	sqlite3_finalize(s);
}

static void write_variant(struct writer *w, int64_t run_id, size_t pos,
			  const struct replay_variant_result *v, bool kswapd_traced,
			  const struct replay_timeline_info *ti)
{
	const struct model_stats *f = &v->final;
	const struct replay_loss *l = &v->loss;
	uint64_t fed = v->events ? v->events : 1;
	int64_t vid = exec_insert(
		w,
		"INSERT INTO variants(run_id, position, name, preset, policy, events, seconds, "
		"events_per_second, spbs, final_tainted, max_tainted, min_tainted, final_clean, "
		"final_empty, final_contig_1g, final_contig_2m, final_free_pages, "
		"final_slab_pages, "
		"shrink_queued, shrink_ran, shrink_freed, model_bytes, agreement) VALUES "
		"(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		v->agreement >= 0 ? "iitttidd"
				    "iiiiiiiiiiiiii"
				    "d"
				  : "iitttidd"
				    "iiiiiiiiiiiiii"
				    "n",
		run_id, (int64_t)pos, v->spec.name, v->spec.preset,
		v->spec.observe			     ? "observe"
		: v->spec.policy == MODEL_POLICY_SPB ? "spb"
						     : "mainline",
		(int64_t)v->events, v->seconds, replay_variant_rate(v),
		(int64_t)(f->tainted_regions + f->clean_regions + f->empty_regions),
		(int64_t)f->tainted_regions, (int64_t)v->max_tainted, (int64_t)v->min_tainted,
		(int64_t)f->clean_regions, (int64_t)f->empty_regions,
		(int64_t)f->contig_1g_possible, (int64_t)f->contig_2m_possible,
		(int64_t)f->free_pages, (int64_t)v->slab.slab_pages,
		(int64_t)f->events[MODEL_EV_SPB_SLAB_SHRINK_QUEUED],
		(int64_t)f->events[MODEL_EV_SPB_SLAB_SHRINK_RAN],
		(int64_t)f->events[MODEL_EV_SPB_SLAB_SHRINK_FREED], (int64_t)v->model_bytes,
		v->agreement);
	if (vid < 0)
		return;
	for (size_t i = 0; i < replay_param_count(); i++) {
		char val[64];
		replay_param_value(&v->spec, i, val, sizeof(val));
		exec_insert(w, "INSERT INTO variant_params VALUES (?,?,?,?)", "itti", vid,
			    replay_param_name(i), val, (int64_t) !((v->spec.overridden >> i) & 1));
	}
	const struct replay_equilibrium *eq = &v->eq;
	if (eq->reached)
		exec_insert(w, "INSERT INTO equilibrium VALUES (?,?,?,?,?,?,?,?,?,?)", "iididdddit",
			    vid, (int64_t)1, eq->value, (int64_t)eq->spread, eq->slope_per_s,
			    eq->settle_s, eq->window_s, eq->tolerance, (int64_t)eq->samples,
			    eq->reason);
	else
		exec_insert(w, "INSERT INTO equilibrium VALUES (?,?,?,?,?,?,?,?,?,?)", "iinidnddit",
			    vid, (int64_t)0, (int64_t)eq->spread, eq->slope_per_s, eq->window_s,
			    eq->tolerance, (int64_t)eq->samples, eq->reason);
	exec_insert(w, "INSERT INTO data_loss VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		    "iiiiiiiiiiiiiiiid", vid, (int64_t)0, (int64_t)0, (int64_t)l->page_allocs,
		    (int64_t)l->page_alloc_failed, (int64_t)l->page_frees,
		    (int64_t)l->unknown_page_frees, (int64_t)l->warm_page_frees,
		    (int64_t)l->orphaned_allocations, (int64_t)l->slab_page_events,
		    (int64_t)l->slab_allocs, (int64_t)l->slab_frees, (int64_t)l->unknown_slab_frees,
		    (int64_t)l->frees_after_reclaim, (int64_t)l->slab_alloc_failed,
		    (int64_t)l->pcp_drain_misses,
		    (double)(l->unknown_page_frees + l->page_alloc_failed + l->unknown_slab_frees +
			     l->slab_alloc_failed + l->pcp_drain_misses) /
			    (double)fed);
	exec_insert(w, "INSERT INTO variant_start VALUES (?,?,?,?,?,?)", "itiiii", vid,
		    start_name(v->start),
		    (int64_t)(v->nr_samples ? v->samples[0].stats.tainted_regions : 0),
		    (int64_t)v->start_placed, (int64_t)v->start_copied, (int64_t)v->start_unplaced);
	write_samples(w, vid, v);
	write_counters(w, vid, v, kswapd_traced);
	write_regions(w, vid, v);
	write_timeline(w, vid, v, ti);
}

static void write_validation(struct writer *w, int64_t run_id, const struct replay_validation *v)
{
	static const char *const verdicts[] = { "info", "pass", "fail" };
	for (size_t i = 0; i < v->n; i++) {
		const struct replay_check_row *r = &v->rows[i];
		exec_insert(w, "INSERT INTO validation VALUES (?,?,?,?,?,?,?,?,?)", "iitddddtt",
			    run_id, (int64_t)i, r->name, r->host, r->model, r->lo, r->hi,
			    verdicts[r->verdict], r->what);
	}
}

static void write_calibration(struct writer *w, int64_t run_id,
			      const struct replay_shrink_calibration *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct replay_shrinker_calib *s = &c->s[i];
		if (s->applied)
			exec_insert(w,
				    "INSERT INTO shrink_calibration VALUES (?,?,?,?,?,?,?,?,?,?)",
				    "itiiiiddii", run_id, s->shrinker, (int64_t)s->runs,
				    (int64_t)s->rounds, (int64_t)s->scanned, (int64_t)s->freed,
				    s->mean_items, s->host_objects, (int64_t)s->freeable_ppm,
				    (int64_t)1);
		else
			exec_insert(w,
				    "INSERT INTO shrink_calibration VALUES (?,?,?,?,?,?,?,?,?,?)",
				    "itiiiidnni", run_id, s->shrinker, (int64_t)s->runs,
				    (int64_t)s->rounds, (int64_t)s->scanned, (int64_t)s->freed,
				    s->mean_items, (int64_t)0);
	}
}

int64_t results_db_write_run(sqlite3 *db, const struct replay_result *r,
			     const struct results_run_info *info, char *err, size_t errlen)
{
	struct writer w = { db, err, errlen, 0 };
	char finished[32];
	int64_t run_id;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", sqlite3_db_filename(db, "main"),
			 sqlite3_errmsg(db));
		return -1;
	}
	now_iso(finished, sizeof(finished));
	int64_t tid = insert_trace(&w, &r->trace);
	run_id = exec_insert(
		&w,
		"INSERT INTO runs(trace_id, started_at, finished_at, complete, status, "
		"tool_version, start_mode, loops, sample_ms, threads, command, "
		"wall_seconds) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
		"ittitttiiitd", tid, info->started_at, finished, (int64_t)!r->interrupted,
		r->interrupted ? "interrupted" : "complete", info->tool_version,
		start_name(info->start), (int64_t)info->loops, (int64_t)(info->sample_ns / 1000000),
		(int64_t)r->threads, info->command ? info->command : "", r->wall_seconds);
	if (!r->interrupted)
		for (size_t i = 0; i < r->nr_variants && !w.failed; i++)
			write_variant(&w, run_id, info->positions ? info->positions[i] : i,
				      &r->variants[i], r->trace.kswapd_traced, &r->trace.timeline);
	if (!w.failed) {
		/* the trace-level loss figures, on every variant's row */
		exec_insert(&w,
			    "UPDATE data_loss SET lost_events = ?, lost_markers = ? WHERE "
			    "variant_id IN (SELECT id FROM variants WHERE run_id = ?)",
			    "iii", (int64_t)r->trace.lost_events, (int64_t)r->trace.lost_markers,
			    run_id);
		if (r->have_validation)
			write_validation(&w, run_id, &r->validation);
		write_calibration(&w, run_id, &r->calib);
	}
	if (w.failed || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		if (!w.failed)
			snprintf(err, errlen, "%s: %s", sqlite3_db_filename(db, "main"),
				 sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return run_id;
}

int64_t results_db_write_incomplete(sqlite3 *db, const char *trace_path,
				    const struct results_run_info *info, const char *status,
				    char *err, size_t errlen)
{
	struct writer w = { db, err, errlen, 0 };
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", sqlite3_db_filename(db, "main"),
			 sqlite3_errmsg(db));
		return -1;
	}
	int64_t tid =
		exec_insert(&w,
			    "INSERT INTO traces(path, file_bytes, events, duration_s, "
			    "lost_events, lost_markers, complete_file) VALUES (?,0,0,0,0,0,0)",
			    "t", trace_path);
	int64_t run_id = exec_insert(
		&w,
		"INSERT INTO runs(trace_id, started_at, complete, status, "
		"tool_version, start_mode, loops, sample_ms, threads, command) "
		"VALUES (?,?,0,?,?,?,?,?,?,?)",
		"ittttiiit", tid, info->started_at, status, info->tool_version,
		start_name(info->start), (int64_t)info->loops, (int64_t)(info->sample_ns / 1000000),
		(int64_t)info->threads, info->command ? info->command : "");
	if (w.failed || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return run_id;
}
