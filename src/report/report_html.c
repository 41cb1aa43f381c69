// SPDX-License-Identifier: GPL-2.0
/*
 * report_html.c - one self-contained HTML file: per run, the trace's metadata and any data-loss
 * warning, the comparison table, tainted SPBs over time (one line per variant, one chart), slab
 * pages over time, the SPB map at the end for each variant (one cell per 1 GiB region, coloured
 * empty/clean/tainted, shaded by fullness), and the counters that are not zero.
 *
 * No scripts, no fonts, no network: inline SVG and a little CSS. The markup is well-formed XML
 * (XHTML), so a test can parse it and count the series. Every string from the database (and so
 * from a trace) goes through report_escape_html, in text and in attribute values alike; class
 * names come from a fixed list, never from the database. Every chart line is a <polyline
 * class="series" data-variant="NAME">, each with its own dash pattern, and a note under the
 * chart names variants whose series are identical (lines on top of each other); every map cell
 * a <rect class="spb CLASS">. The comparison table's diff is against the run's baseline, and a
 * verdict follows it (report_verdict.c).
 */
#include "report.h"
#include "report_output.h"
#include "report_escape.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static const char *const palette[] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
				       "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22" };
#define NR_COLORS (sizeof(palette) / sizeof(palette[0]))

/* The class of a map cell: one of ours, whatever the database says. */
static const char *spb_class(const char *cls)
{
	static const char *const known[] = { "empty", "clean", "tainted", "isolated" };
	for (size_t i = 0; cls && i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(cls, known[i]))
			return known[i];
	return "unknown";
}

/* A "nice" tick step for a range: 1, 2 or 5 times a power of ten. */
static double nice_step(double range, int ticks)
{
	double raw = range / ticks, p = pow(10, floor(log10(raw > 0 ? raw : 1)));
	double f = raw / p;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

#define CW 880
#define CH 300
#define ML 70
#define MR 20
#define MT 20
#define MB 40

/* Dash patterns by series index, so lines drawn on top of each other stay told apart. */
static const char *const dashes[] = { "none", "9 4", "3 3", "12 3 3 3", "6 6", "2 6" };
#define NR_DASHES (sizeof(dashes) / sizeof(dashes[0]))

static bool same_series(const struct report_series *a, const struct report_series *b)
{
	return a->n == b->n && !memcmp(a->v, b->v, a->n * sizeof(*a->v)) &&
	       !memcmp(a->t, b->t, a->n * sizeof(*a->t));
}

/*
 * Under a chart: "lines overlap: A, B; C, D" for every group of variants with identical series
 * (drawn on one another, told apart only by their dashes).
 */
static void overlap_note(FILE *o, const struct report_run *r, const struct report_series *s)
{
	bool any = false;
	for (size_t i = 0; i < r->nr_variants; i++) {
		bool first_of_group = true, grouped = false;
		for (size_t j = 0; j < i && first_of_group; j++)
			first_of_group = !same_series(&s[j], &s[i]);
		if (!first_of_group)
			continue;
		for (size_t j = i + 1; j < r->nr_variants; j++) {
			if (!same_series(&s[i], &s[j]))
				continue;
			if (!grouped) {
				fputs(any ? "; " : "<p class=\"overlap\">lines overlap: ", o);
				report_escape_html(o, r->variants[i].name);
			}
			fputs(", ", o);
			report_escape_html(o, r->variants[j].name);
			grouped = any = true;
		}
	}
	if (any)
		fputs(" (identical series, drawn on one another)</p>\n", o);
}

/* A line chart of one sample column, one series per variant. */
static void line_chart(FILE *o, sqlite3 *db, const struct report_run *r, const char *column,
		       const char *ylabel, const char *id)
{
	struct report_series *s = calloc(r->nr_variants, sizeof(*s));
	double tmax = 0, ymax = 0;
	if (!s)
		return;
	for (size_t i = 0; i < r->nr_variants; i++) {
		report_load_series(db, r->variants[i].id, column, &s[i]);
		for (size_t k = 0; k < s[i].n; k++) {
			if (s[i].t[k] > tmax)
				tmax = s[i].t[k];
			if (s[i].v[k] > ymax)
				ymax = s[i].v[k];
		}
	}
	if (tmax <= 0)
		tmax = 1;
	double ystep = nice_step(ymax > 0 ? ymax : 1, 5);
	double ytop = ystep * ceil((ymax > 0 ? ymax : 1) / ystep);
	double xstep = nice_step(tmax, 8);
	double pw = CW - ML - MR, ph = CH - MT - MB;

	fprintf(o,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"%s\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		id, CW, CH + 24 * (int)((r->nr_variants + 2) / 3), CW,
		CH + 24 * (int)((r->nr_variants + 2) / 3));
	fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" class=\"plot\"/>\n", ML,
		MT, pw, ph);
	for (double y = 0; y <= ytop + 1e-9; y += ystep) {
		double py = MT + ph - y / ytop * ph;
		fprintf(o,
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" class=\"grid\"/>"
			"<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%g</text>\n",
			ML, py, ML + pw, py, ML - 6, py + 4, y);
	}
	for (double x = 0; x <= tmax + 1e-9; x += xstep) {
		double px = ML + x / tmax * pw;
		fprintf(o,
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.0f\" class=\"grid\"/>"
			"<text x=\"%.1f\" y=\"%.0f\" class=\"tick\" "
			"text-anchor=\"middle\">%g</text>\n",
			px, MT, px, MT + ph, px, MT + ph + 16, x);
	}
	fprintf(o,
		"<text x=\"%.0f\" y=\"%d\" class=\"axis\" text-anchor=\"middle\">trace time "
		"(s)</text>\n"
		"<text x=\"14\" y=\"%.0f\" class=\"axis\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 14 %.0f)\">",
		ML + pw / 2, CH - 4, MT + ph / 2, MT + ph / 2);
	report_escape_html(o, ylabel);
	fputs("</text>\n", o);
	for (size_t i = 0; i < r->nr_variants; i++) {
		fprintf(o, "<polyline class=\"series\" data-variant=\"");
		report_escape_html(o, r->variants[i].name);
		fprintf(o, "\" stroke=\"%s\" stroke-dasharray=\"%s\" points=\"",
			palette[i % NR_COLORS], dashes[i % NR_DASHES]);
		for (size_t k = 0; k < s[i].n; k++)
			fprintf(o, "%s%.1f,%.1f", k ? " " : "", ML + s[i].t[k] / tmax * pw,
				MT + ph - s[i].v[k] / ytop * ph);
		fputs("\"/>\n", o);
		/* legend, three per row */
		double lx = ML + (double)(i % 3) * 280, ly = CH + 16 + 24 * (double)(i / 3);
		fprintf(o,
			"<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" "
			"stroke-dasharray=\"%s\" class=\"legend\"/><text x=\"%.0f\" y=\"%.0f\" "
			"class=\"label\">",
			lx, ly - 4, lx + 24, ly - 4, palette[i % NR_COLORS], dashes[i % NR_DASHES],
			lx + 30, ly);
		report_escape_html(o, r->variants[i].name);
		fputs("</text>\n", o);
	}
	fputs("</svg>\n", o);
	overlap_note(o, r, s);
	for (size_t i = 0; i < r->nr_variants; i++)
		report_series_free(&s[i]);
	free(s);
}

#define CELL	16
#define PER_ROW 32

static void spb_maps(FILE *o, sqlite3 *db, const struct report_run *r)
{
	static const char *sql = "SELECT region, start_pfn, class, fullness, nr_unmovable, "
				 "nr_reclaimable, nr_movable, free_pages FROM spb_final "
				 "WHERE variant_id = ? ORDER BY region";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	fputs("<div class=\"maps\">\n", o);
	for (size_t i = 0; i < r->nr_variants; i++) {
		int64_t cells = r->variants[i].spbs;
		int rows = (int)((cells + PER_ROW - 1) / PER_ROW);
		fputs("<div class=\"map\"><div class=\"maplabel\">", o);
		report_escape_html(o, r->variants[i].name);
		fprintf(o, " <span class=\"count\">%lld tainted</span></div>\n",
			(long long)r->variants[i].final_tainted);
		fprintf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"spbmap\" "
			   "data-variant=\"");
		report_escape_html(o, r->variants[i].name);
		fprintf(o, "\" width=\"%d\" height=\"%d\">\n", PER_ROW * CELL, rows * CELL);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, r->variants[i].id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int64_t region = sqlite3_column_int64(st, 0);
			const char *cls = (const char *)sqlite3_column_text(st, 2);
			int full = sqlite3_column_int(st, 3);
			double opacity = 0.35 + 0.65 * (full > 4 ? 4 : full) / 4.0;
			fprintf(o,
				"<rect class=\"spb %s\" x=\"%lld\" y=\"%lld\" width=\"%d\" "
				"height=\"%d\" fill-opacity=\"%.2f\"><title>region %lld (pfn "
				"%#llx): ",
				spb_class(cls), (long long)(region % PER_ROW * CELL),
				(long long)(region / PER_ROW * CELL), CELL - 2, CELL - 2, opacity,
				(long long)region, (unsigned long long)sqlite3_column_int64(st, 1));
			report_escape_html(o, cls ? cls : "?");
			fprintf(o, ", %d/4 used", full);
			if (sqlite3_column_type(st, 4) != SQLITE_NULL)
				fprintf(o, "; pageblocks unmovable %d, reclaimable %d, movable %d",
					sqlite3_column_int(st, 4), sqlite3_column_int(st, 5),
					sqlite3_column_int(st, 6));
			fprintf(o, "; %lld free pages</title></rect>\n",
				(long long)sqlite3_column_int64(st, 7));
		}
		fputs("</svg></div>\n", o);
	}
	fputs("</div>\n<p class=\"legendline\"><span class=\"sw empty\"></span> empty "
	      "<span class=\"sw clean\"></span> clean (movable only) <span class=\"sw "
	      "tainted\"></span> tainted (a non-movable pageblock in use); darker = fuller</p>\n",
	      o);
	sqlite3_finalize(st);
}

static void counters_table(FILE *o, sqlite3 *db, const struct report_run *r)
{
	static const char *sql = "SELECT c.name FROM counters c JOIN variants v ON v.id = "
				 "c.variant_id WHERE v.run_id = ? GROUP BY c.name "
				 "HAVING max(c.value) > 0 ORDER BY c.name";
	sqlite3_stmt *names, *val;
	if (sqlite3_prepare_v2(db, sql, -1, &names, NULL) != SQLITE_OK)
		return;
	if (sqlite3_prepare_v2(db, "SELECT value FROM counters WHERE variant_id = ? AND name = ?",
			       -1, &val, NULL) != SQLITE_OK) {
		sqlite3_finalize(names);
		return;
	}
	fputs("<table class=\"counters\"><thead><tr><th>counter</th>", o);
	for (size_t i = 0; i < r->nr_variants; i++) {
		fputs("<th>", o);
		report_escape_html(o, r->variants[i].name);
		fputs("</th>", o);
	}
	fputs("</tr></thead><tbody>\n", o);
	sqlite3_bind_int64(names, 1, r->id);
	while (sqlite3_step(names) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(names, 0);
		if (!name)
			continue;
		fputs("<tr><td>", o);
		report_escape_html(o, name);
		fputs("</td>", o);
		for (size_t i = 0; i < r->nr_variants; i++) {
			sqlite3_reset(val);
			sqlite3_bind_int64(val, 1, r->variants[i].id);
			sqlite3_bind_text(val, 2, name, -1, SQLITE_STATIC);
			long long v =
				sqlite3_step(val) == SQLITE_ROW ? sqlite3_column_int64(val, 0) : 0;
			fprintf(o, "<td>%lld</td>", v);
		}
		fputs("</tr>\n", o);
	}
	fputs("</tbody></table>\n", o);
	sqlite3_finalize(names);
	sqlite3_finalize(val);
}

static void comparison_table(FILE *o, const struct report_run *r)
{
	char verdict[2048];
	size_t base = report_run_verdict(r, verdict, sizeof(verdict));
	fputs("<table class=\"comparison\"><thead><tr><th>variant</th><th>equilibrium</th>"
	      "<th>final</th><th>max</th><th>diff</th><th>SPBs</th><th>1G free</th>"
	      "<th>shrink queued/ran</th><th>objects shrunk</th><th>M events/s</th></tr></thead>"
	      "<tbody>\n",
	      o);
	for (size_t i = 0; i < r->nr_variants; i++) {
		const struct report_variant *v = &r->variants[i];
		fputs("<tr><td>", o);
		report_escape_html(o, v->name);
		fputs("</td><td>", o);
		if (v->eq_reached)
			fprintf(o, "%.1f ± %lld (from %.1f s)", v->eq_value,
				(long long)v->eq_spread, v->eq_settle_s);
		else {
			fputs("not reached: ", o);
			report_escape_html(o, v->eq_reason);
		}
		fprintf(o,
			"</td><td>%lld</td><td>%lld</td><td>%+lld</td><td>%lld</td><td>%lld</td>"
			"<td>%lld/%lld</td><td>%lld</td><td>%.2f</td></tr>\n",
			(long long)v->final_tainted, (long long)v->max_tainted,
			(long long)(v->final_tainted - r->variants[base].final_tainted),
			(long long)v->spbs, (long long)v->final_contig_1g,
			(long long)v->shrink_queued, (long long)v->shrink_ran,
			(long long)v->shrink_freed, v->events_per_second / 1e6);
	}
	fputs("</tbody></table>\n", o);
	for (char *save = NULL, *line = strtok_r(verdict, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		fprintf(o, "<p class=\"%s\">", strncmp(line, "note:", 5) ? "verdict" : "note");
		report_escape_html(o, line);
		fputs("</p>\n", o);
	}
}

static void metadata(FILE *o, const struct report_run *r)
{
	fputs("<table class=\"meta\"><tbody>\n<tr><th>trace</th><td>", o);
	report_escape_html(o, r->trace);
	fputs("</td></tr>\n<tr><th>host</th><td>", o);
	report_escape_html(o, r->kernel);
	fputc(' ', o);
	report_escape_html(o, r->arch);
	fprintf(o, ", %lld CPUs, %.1f GiB present</td></tr>\n", (long long)r->cpus,
		(double)r->host_pages * 4096 / (1u << 30));
	fprintf(o,
		"<tr><th>trace span</th><td>%.2f s, %lld events, %s%lld lost</td></tr>\n"
		"<tr><th>replay</th><td>run %lld, ",
		r->duration_s, (long long)r->events, r->lost_at_least ? "at least " : "",
		(long long)r->lost_events, (long long)r->id);
	report_escape_html(o, r->start_mode);
	fprintf(o, " start, %lld pass(es), a sample every %lld ms, started ", (long long)r->loops,
		(long long)r->sample_ms);
	report_escape_html(o, r->started_at);
	fprintf(o, ", took %.2f s</td></tr>\n<tr><th>slab addresses</th><td>", r->wall_seconds);
	report_escape_html(o, r->addresses);
	if (r->slab_dropped)
		fprintf(o, ": %lld slab events dropped, slab pages replayed as plain pages",
			(long long)r->slab_dropped);
	fputs("</td></tr>\n</tbody></table>\n", o);
	double worst = 0;
	for (size_t i = 0; i < r->nr_variants; i++)
		if (r->variants[i].affected_share > worst)
			worst = r->variants[i].affected_share;
	if (r->lost_events || r->lost_markers || !r->complete_file || worst > 0.01 ||
	    r->slab_dropped) {
		fputs("<p class=\"warning\">Data loss: ", o);
		if (r->lost_events || r->lost_markers) {
			fprintf(o, "the kernel lost %s%lld events (%lld markers",
				r->lost_at_least ? "at least " : "", (long long)r->lost_events,
				(long long)r->lost_markers);
			if (r->lost_kernel >= 0)
				fprintf(o, "; the kernel's counters say %lld",
					(long long)r->lost_kernel);
			fputs("). ", o);
		}
		if (r->slab_dropped)
			fprintf(o,
				"Slab addresses are not physical: %lld slab events were dropped "
				"and slab pages replayed as plain pages. ",
				(long long)r->slab_dropped);
		if (!r->complete_file)
			fputs("The trace file was truncated and replayed to its last complete "
			      "chunk. ",
			      o);
		if (worst > 0.01)
			fprintf(o,
				"Up to %.1f%% of the operations could not be replayed faithfully "
				"(frees of memory allocated before the trace, failed allocations, "
				"drain misses); see the data_loss table.",
				worst * 100);
		fputs("</p>\n", o);
	}
}

static const char *css =
	"body{font:14px/1.4 sans-serif;margin:24px;color:#222;max-width:1000px}"
	"h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;margin-top:40px}"
	"h3{font-size:15px;margin-top:24px}table{border-collapse:collapse;margin:8px 0}"
	"td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}"
	"th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}"
	"table.meta td{text-align:left}"
	".warning{background:#fff3cd;border:1px solid #e0c060;padding:8px}"
	".verdict{font-weight:bold}.overlap{color:#555;font-style:italic}"
	".plot{fill:#fff;stroke:#999}.grid{stroke:#eee}.tick,.label{font-size:11px;fill:#444}"
	".axis{font-size:12px;fill:#222}polyline.series{fill:none;stroke-width:2}"
	"line.legend{stroke-width:3}.maps{display:flex;flex-wrap:wrap;gap:16px}"
	".maplabel{font-weight:bold;margin-bottom:4px}.count{font-weight:normal;color:#666}"
	"rect.spb.empty,.sw.empty{fill:#cfd8dc;background:#cfd8dc}"
	"rect.spb.clean,.sw.clean{fill:#2e7d32;background:#2e7d32}"
	"rect.spb.tainted,.sw.tainted{fill:#c62828;background:#c62828}"
	"rect.spb.isolated{fill:#555}"
	".sw{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}";

int report_write_html(sqlite3 *db, const struct report_run *runs, size_t n, const char *path,
		      char *err, size_t errlen)
{
	struct safe_output *so;
	FILE *o = report_output_open(db, path, &so, err, errlen);
	if (!o)
		return -1;
	fprintf(o, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
		   "<head><meta charset=\"utf-8\"/><title>fragtrace report</title>\n<style>");
	fputs(css, o);
	fputs("</style></head>\n<body>\n<h1>fragtrace report</h1>\n<p>Tainted means a 1 GiB "
	      "region holding a pageblock with unmovable or reclaimable memory in use: the same "
	      "yardstick for every policy.</p>\n",
	      o);
	for (size_t k = 0; k < n; k++) {
		const struct report_run *r = &runs[k];
		char id[64];
		fprintf(o, "<section class=\"run\" id=\"run-%lld\">\n<h2>", (long long)r->id);
		report_escape_html(o, r->trace);
		fprintf(o, " (run %lld)</h2>\n", (long long)r->id);
		metadata(o, r);
		comparison_table(o, r);
		fputs("<h3>Tainted SPBs over time</h3>\n", o);
		snprintf(id, sizeof(id), "tainted-%lld", (long long)r->id);
		line_chart(o, db, r, "tainted", "tainted 1 GiB regions", id);
		fputs("<h3>Slab pages over time</h3>\n", o);
		snprintf(id, sizeof(id), "slab-%lld", (long long)r->id);
		line_chart(o, db, r, "slab_pages", "slab pages", id);
		fputs("<h3>SPB map at the end</h3>\n", o);
		spb_maps(o, db, r);
		fputs("<h3>Counters at the end</h3>\n", o);
		counters_table(o, db, r);
		fputs("</section>\n", o);
	}
	fputs("</body>\n</html>\n", o);
	return report_output_close(so, path, 1, err, errlen);
}
