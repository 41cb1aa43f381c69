// SPDX-License-Identifier: GPL-2.0
/*
 * report_text.c - the comparison table for a terminal (or a patch cover letter) and CSV files.
 *
 * The table has the columns `fragtrace replay` prints, read back from the database, so a
 * table pasted today matches the one printed when the run finished; strings from the database
 * are escaped for a terminal. CSV files follow RFC 4180 (report_escape_csv): a header row,
 * fields quoted when they hold a comma, quote or newline, text never read as a formula.
 */
#include "report.h"
#include "report_output.h"
#include "report_escape.h"
#include "report_verdict.h"

#include <errno.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

size_t report_run_verdict(const struct report_run *r, char *buf, size_t len)
{
	struct report_verdict_row rows[64];
	size_t n = r->nr_variants < 64 ? r->nr_variants : 64;
	bool found;
	for (size_t i = 0; i < n; i++) {
		const struct report_variant *v = &r->variants[i];
		rows[i] = (struct report_verdict_row){ .name = v->name,
						       .final_tainted = v->final_tainted,
						       .eq_reached = v->eq_reached,
						       .eq_value = v->eq_value,
						       .eq_spread = v->eq_spread,
						       .triggers = v->triggers,
						       .slowpaths = v->slowpaths };
	}
	report_verdict_text(buf, len, rows, n, r->baseline);
	return report_baseline(rows, n, r->baseline, &found);
}

void report_print_table(FILE *o, const struct report_run *r)
{
	char verdict[2048];
	size_t base = report_run_verdict(r, verdict, sizeof(verdict));
	char t1[4096], t2[256], t3[256], t4[256];

	fprintf(o, "\n%s (run %lld, %s): %.1f s of trace, %lld events, %s start, %lld pass%s\n",
		report_escape_term_str(t1, sizeof(t1), r->trace), (long long)r->id,
		report_escape_term_str(t2, sizeof(t2), r->started_at), r->duration_s,
		(long long)r->events, report_escape_term_str(t3, sizeof(t3), r->start_mode),
		(long long)r->loops, r->loops == 1 ? "" : "es");
	if (r->host_pages)
		fprintf(o, "  host: %.1f GiB present, %lld CPUs, %s %s; slab addresses %s\n",
			(double)r->host_pages * 4096 / (1u << 30), (long long)r->cpus,
			report_escape_term_str(t1, sizeof(t1), r->kernel),
			report_escape_term_str(t2, sizeof(t2), r->arch),
			report_escape_term_str(t3, sizeof(t3), r->addresses));
	if (r->lost_events || r->lost_markers) {
		fprintf(o, "  WARNING: the kernel lost %s%lld events (%lld markers",
			r->lost_at_least ? "at least " : "", (long long)r->lost_events,
			(long long)r->lost_markers);
		if (r->lost_kernel >= 0)
			fprintf(o, "; the kernel's counters say %lld", (long long)r->lost_kernel);
		fputs(")\n", o);
	}
	if (r->slab_dropped)
		fprintf(o,
			"  WARNING: slab addresses %s: %lld slab events dropped, slab pages "
			"replayed as plain pages\n",
			report_escape_term_str(t3, sizeof(t3), r->addresses),
			(long long)r->slab_dropped);
	if (!r->complete_file)
		fprintf(o, "  WARNING: the trace file was truncated; replayed to its last chunk\n");
	fprintf(o, "\n  %-22s %14s %6s %5s %5s %6s %7s %11s %10s\n", "variant", "equilibrium",
		"final", "max", "diff", "SPBs", "1G-free", "shrink q/r", "M ev/s");
	for (size_t i = 0; i < r->nr_variants; i++) {
		const struct report_variant *v = &r->variants[i];
		char eq[48], sh[48], diff[24];
		if (v->eq_reached)
			snprintf(eq, sizeof(eq), "%.1f ±%lld", v->eq_value,
				 (long long)v->eq_spread);
		else
			snprintf(eq, sizeof(eq), "- (%s)",
				 report_escape_term_str(t4, sizeof(t4), v->eq_reason));
		snprintf(sh, sizeof(sh), "%lld/%lld", (long long)v->shrink_queued,
			 (long long)v->shrink_ran);
		snprintf(diff, sizeof(diff), "%+lld",
			 (long long)(v->final_tainted - r->variants[base].final_tainted));
		fprintf(o, "  %-22s %14s %6lld %5lld %5s %6lld %7lld %11s %10.2f\n",
			report_escape_term_str(t1, sizeof(t1), v->name), eq,
			(long long)v->final_tainted, (long long)v->max_tainted,
			i != base ? diff : "-", (long long)v->spbs, (long long)v->final_contig_1g,
			sh, v->events_per_second / 1e6);
		if (v->agreement >= 0)
			fprintf(o, "  %-22s agreement with the end page map: %.4f\n", "",
				v->agreement);
	}
	if (r->nr_variants) {
		const struct report_variant *v = &r->variants[r->nr_variants - 1];
		fprintf(o,
			"\n  data loss (%s): %lld unknown page frees, %lld unknown slab frees, "
			"%lld "
			"failed allocations, %lld drain misses (%.2f%% of operations)\n",
			report_escape_term_str(t1, sizeof(t1), v->name),
			(long long)v->unknown_page_frees, (long long)v->unknown_slab_frees,
			(long long)v->alloc_failed, (long long)v->drain_misses,
			v->affected_share * 100);
	}
	for (char *save = NULL, *line = strtok_r(verdict, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		fputs("  ", o);
		report_escape_term(o, line, 0);
		fputc('\n', o);
	}
}

/* Run sql (one ? per selected run id is bound in a loop) into dir/name. */
static int csv_query(sqlite3 *db, const struct report_run *runs, size_t n, const char *dir,
		     const char *name, const char *sql, char *err, size_t errlen)
{
	char path[4096];
	sqlite3_stmt *st;
	struct safe_output *so;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	FILE *f = report_output_open(db, path, &so, err, errlen);
	if (!f)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", sqlite3_db_filename(db, "main"),
			 sqlite3_errmsg(db));
		return report_output_close(so, path, 0, err, errlen);
	}
	int cols = sqlite3_column_count(st);
	for (int c = 0; c < cols; c++) {
		if (c)
			fputc(',', f);
		report_escape_csv(f, sqlite3_column_name(st, c), 0);
	}
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, runs[i].id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < cols; c++) {
				if (c)
					fputc(',', f);
				const unsigned char *t = sqlite3_column_text(st, c);
				report_escape_csv(f, t ? (const char *)t : "",
						  sqlite3_column_type(st, c) == SQLITE_TEXT);
			}
			fputc('\n', f);
		}
	}
	sqlite3_finalize(st);
	return report_output_close(so, path, 1, err, errlen);
}

int report_write_csv(sqlite3 *db, const struct report_run *runs, size_t n, const char *dir,
		     char *err, size_t errlen)
{
	static const struct {
		const char *name, *sql;
	} files[] = {
		{ "variants.csv",
		  "SELECT v.run_id, t.path AS trace, v.* FROM variants v JOIN runs r "
		  "ON r.id = v.run_id JOIN traces t ON t.id = r.trace_id "
		  "WHERE v.run_id = ? ORDER BY v.position" },
		{ "samples.csv", "SELECT v.run_id, v.name AS variant, s.* FROM samples s JOIN "
				 "variants v ON v.id = s.variant_id WHERE v.run_id = ? "
				 "ORDER BY v.position, s.seq" },
		{ "equilibrium.csv", "SELECT v.run_id, v.name AS variant, e.* FROM equilibrium e "
				     "JOIN variants v ON v.id = e.variant_id WHERE v.run_id = ? "
				     "ORDER BY v.position" },
		{ "data_loss.csv", "SELECT v.run_id, v.name AS variant, d.* FROM data_loss d JOIN "
				   "variants v ON v.id = d.variant_id WHERE v.run_id = ? "
				   "ORDER BY v.position" },
		{ "spb_final.csv", "SELECT v.run_id, v.name AS variant, f.* FROM spb_final f JOIN "
				   "variants v ON v.id = f.variant_id WHERE v.run_id = ? "
				   "ORDER BY v.position, f.region" },
		{ "counters.csv",
		  "SELECT v.run_id, v.name AS variant, c.name, c.value FROM counters "
		  "c JOIN variants v ON v.id = c.variant_id WHERE v.run_id = ? "
		  "ORDER BY v.position, c.name" },
	};
	if (mkdir(dir, 0777) && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (csv_query(db, runs, n, dir, files[i].name, files[i].sql, err, errlen))
			return -1;
	return 0;
}
