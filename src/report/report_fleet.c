// SPDX-License-Identifier: GPL-2.0
/*
 * report_fleet.c - the fleet view of a results database (`fragtrace report --fleet`): per
 * variant, how its equilibrium is distributed across hosts (schema.sql's fleet_equilibrium),
 * the hosts where the variants disagree most (fleet_disagreement), as text tables and as one
 * HTML page with one chart across hosts (x: hosts, widest disagreement first; y: tainted
 * equilibrium; one marker series per variant, <g class="series" data-variant="NAME">).
 *
 * Strings from the database (host paths, variant names) are untrusted: text goes through
 * report_escape_term, markup through report_escape_html, text and attributes alike. The page
 * is well-formed XHTML with inline SVG, no script. Workload: up to thousands of hosts x tens of
 * variants, read once.
 */
#include "report.h"
#include "report_escape.h"
#include "report_output.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define TOP_HOSTS 10 /* hosts listed in the disagreement table */

static int fleet_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err, size_t errlen)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK)
		return 0;
	snprintf(err, errlen,
		 "%s: cannot read the fleet views (%s); open it once with this fragtrace's "
		 "replay or merge to add them",
		 sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
	return -1;
}

/* A REAL column as "%.1f", or "-" for NULL. */
static const char *num(char *buf, size_t len, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return "-";
	snprintf(buf, len, "%.1f", sqlite3_column_double(st, col));
	return buf;
}

static const char *text(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	return s ? s : "";
}

int report_fleet_text(FILE *o, sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char b1[32], b2[32], b3[32], b4[32], name[512];
	int rc;

	if (fleet_prepare(db,
			  "SELECT variant, hosts, settled_hosts, median_equilibrium, "
			  "p90_equilibrium, max_equilibrium, max_final_tainted FROM "
			  "fleet_equilibrium",
			  &st, err, errlen))
		return -1;
	fprintf(o,
		"\nFleet: tainted-SPB equilibrium per variant across hosts\n\n  %-22s %6s %8s "
		"%8s %8s %8s %10s\n",
		"variant", "hosts", "settled", "median", "p90", "max", "max final");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fprintf(o, "  %-22s %6lld %8lld %8s %8s %8s %10lld\n",
			report_escape_term_str(name, sizeof(name), text(st, 0)),
			(long long)sqlite3_column_int64(st, 1),
			(long long)sqlite3_column_int64(st, 2), num(b1, sizeof(b1), st, 3),
			num(b2, sizeof(b2), st, 4), num(b3, sizeof(b3), st, 5),
			(long long)sqlite3_column_int64(st, 6));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	if (fleet_prepare(db,
			  "SELECT host, variants, lowest, highest, spread, best_variant, "
			  "worst_variant FROM fleet_disagreement LIMIT 10", /* TOP_HOSTS */
			  &st, err, errlen))
		return -1;
	fprintf(o,
		"\n  Hosts where the variants disagree most (top %d)\n\n  %-40s %6s %6s %6s  %s\n",
		TOP_HOSTS, "host", "lowest", "highest", "spread", "best / worst");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char best[256], worst[256];
		fprintf(o, "  %-40s %6s %6s %6s  %s / %s\n",
			report_escape_term_str(name, sizeof(name), text(st, 0)),
			num(b1, sizeof(b1), st, 2), num(b2, sizeof(b2), st, 3),
			num(b4, sizeof(b4), st, 4),
			report_escape_term_str(best, sizeof(best), text(st, 5)),
			report_escape_term_str(worst, sizeof(worst), text(st, 6)));
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
fail:
	snprintf(err, errlen, "%s: %s", sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
	return -1;
}

/* The hosts in chart order (widest disagreement first, then the unsettled) and the variants. */
struct fleet_axis {
	char **hosts, **variants;
	size_t nhosts, nvariants;
};

static int push(char ***list, size_t *n, const char *s)
{
	char **l = realloc(*list, (*n + 1) * sizeof(*l));
	if (!l)
		return -1;
	*list = l;
	l[*n] = strdup(s);
	if (!l[*n])
		return -1;
	(*n)++;
	return 0;
}

static void axis_free(struct fleet_axis *a)
{
	for (size_t i = 0; i < a->nhosts; i++)
		free(a->hosts[i]);
	for (size_t i = 0; i < a->nvariants; i++)
		free(a->variants[i]);
	free(a->hosts);
	free(a->variants);
}

static int axis_load(sqlite3 *db, struct fleet_axis *a, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;
	if (fleet_prepare(db,
			  "SELECT u.host FROM fleet_units u LEFT JOIN fleet_disagreement d ON "
			  "d.host = u.host GROUP BY u.host ORDER BY max(d.spread) IS NULL, "
			  "max(d.spread) DESC, u.host",
			  &st, err, errlen))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (push(&a->hosts, &a->nhosts, text(st, 0)))
			rc = SQLITE_NOMEM;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	if (fleet_prepare(db, "SELECT variant FROM fleet_equilibrium", &st, err, errlen))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (push(&a->variants, &a->nvariants, text(st, 0)))
			rc = SQLITE_NOMEM;
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
fail:
	snprintf(err, errlen, "%s: %s", sqlite3_db_filename(db, "main"),
		 rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(db));
	return -1;
}

static const char *const fleet_colors[] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
					    "#9467bd", "#8c564b", "#e377c2", "#17becf" };
#define NR_FLEET_COLORS (sizeof(fleet_colors) / sizeof(fleet_colors[0]))
#define FW		1000
#define FH		360
#define FL		60
#define FR		20
#define FT		20
#define FB		140 /* room for the rotated host names */

static void fleet_chart(FILE *o, sqlite3 *db, const struct fleet_axis *a)
{
	sqlite3_stmt *st = NULL;
	double ymax = 1;
	if (sqlite3_prepare_v2(db, "SELECT max(equilibrium) FROM fleet_units", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_double(st, 0) > ymax)
		ymax = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	ymax = 4 * ceil(ymax * 1.1 / 4); /* whole numbers on the four grid lines */
	double pw = FW - FL - FR, ph = FH - FT - FB;
	double dx = a->nhosts ? pw / (double)a->nhosts : pw;
	fprintf(o,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"fleet-chart\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\">\n<rect class=\"plot\" x=\"%d\" y=\"%d\" "
		"width=\"%.0f\" height=\"%.0f\"/>\n",
		FW, FH, FW, FH, FL, FT, pw, ph);
	for (int k = 0; k <= 4; k++) {
		double v = ymax * k / 4, y = FT + ph - ph * k / 4;
		fprintf(o,
			"<line class=\"grid\" x1=\"%d\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\"/>"
			"<text class=\"tick\" x=\"%d\" y=\"%.1f\" "
			"text-anchor=\"end\">%.1f</text>\n",
			FL, FL + pw, y, y, FL - 6, y + 4, v);
	}
	fprintf(o,
		"<text class=\"axis\" x=\"14\" y=\"%.0f\" transform=\"rotate(-90 14 %.0f)\" "
		"text-anchor=\"middle\">tainted equilibrium</text>\n",
		FT + ph / 2, FT + ph / 2);
	for (size_t h = 0; h < a->nhosts; h++) {
		double x = FL + dx * ((double)h + 0.5);
		const char *base = strrchr(a->hosts[h], '/');
		fprintf(o,
			"<text class=\"label\" x=\"%.1f\" y=\"%.0f\" transform=\"rotate(-45 %.1f "
			"%.0f)\" text-anchor=\"end\">",
			x, FT + ph + 14, x, FT + ph + 14);
		report_escape_html(o, base ? base + 1 : a->hosts[h]);
		fputs("</text>\n", o);
	}
	if (sqlite3_prepare_v2(
		    db,
		    "SELECT equilibrium FROM fleet_units WHERE variant = ?1 AND host = ?2 "
		    "AND equilibrium IS NOT NULL",
		    -1, &st, NULL) != SQLITE_OK)
		return;
	for (size_t v = 0; v < a->nvariants; v++) {
		const char *color = fleet_colors[v % NR_FLEET_COLORS];
		/* variants side by side within a host's slot, so equal values stay visible */
		double off = dx * 0.6 * (((double)v + 0.5) / (double)a->nvariants - 0.5);
		fputs("<g class=\"series\" data-variant=\"", o);
		report_escape_html(o, a->variants[v]);
		fprintf(o, "\" fill=\"%s\">\n", color);
		for (size_t h = 0; h < a->nhosts; h++) {
			sqlite3_bind_text(st, 1, a->variants[v], -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, a->hosts[h], -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW) {
				double y = FT + ph - ph * sqlite3_column_double(st, 0) / ymax;
				fprintf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\"/>\n",
					FL + dx * ((double)h + 0.5) + off, y);
			}
			sqlite3_reset(st);
		}
		fputs("</g>\n", o);
		fprintf(o,
			"<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text "
			"class=\"tick\" x=\"%d\" y=\"%d\">",
			FL + 10 + (int)(v % 4) * 220, FH - 30 + (int)(v / 4) * 14, color,
			FL + 24 + (int)(v % 4) * 220, FH - 21 + (int)(v / 4) * 14);
		report_escape_html(o, a->variants[v]);
		fputs("</text>\n", o);
	}
	sqlite3_finalize(st);
	fputs("</svg>\n", o);
}

/* A table of a query's rows, every cell escaped; numbers with one decimal. */
static int html_table(FILE *o, sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char b[32];
	int rc;
	if (fleet_prepare(db, sql, &st, err, errlen))
		return -1;
	fputs("<table><thead><tr>", o);
	for (int c = 0; c < sqlite3_column_count(st); c++) {
		fputs("<th>", o);
		report_escape_html(o, sqlite3_column_name(st, c));
		fputs("</th>", o);
	}
	fputs("</tr></thead><tbody>\n", o);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fputs("<tr>", o);
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			fputs("<td>", o);
			if (sqlite3_column_type(st, c) == SQLITE_FLOAT)
				fputs(num(b, sizeof(b), st, c), o);
			else if (sqlite3_column_type(st, c) == SQLITE_NULL)
				fputs("-", o);
			else
				report_escape_html(o, text(st, c));
			fputs("</td>", o);
		}
		fputs("</tr>\n", o);
	}
	sqlite3_finalize(st);
	fputs("</tbody></table>\n", o);
	if (rc == SQLITE_DONE)
		return 0;
	snprintf(err, errlen, "%s: %s", sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
	return -1;
}

static const char *fleet_css =
	"body{font:14px/1.4 sans-serif;margin:24px;color:#222;max-width:1040px}"
	"h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;margin-top:32px}"
	"table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;"
	"text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}"
	".plot{fill:#fff;stroke:#999}.grid{stroke:#eee}.tick,.label{font-size:11px;fill:#444}"
	".axis{font-size:12px;fill:#222}";

int report_fleet_html(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	struct fleet_axis a = { 0 };
	struct safe_output *so;
	if (axis_load(db, &a, err, errlen))
		return -1;
	FILE *o = report_output_open(db, path, &so, err, errlen);
	if (!o) {
		axis_free(&a);
		return -1;
	}
	fprintf(o,
		"<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
		"<head><meta charset=\"utf-8\"/><title>fragtrace fleet report</title>\n<style>%s"
		"</style></head>\n<body>\n<h1>fragtrace fleet report</h1>\n<p>%zu hosts, %zu "
		"variants. Per host and variant the newest complete replay counts; the equilibrium "
		"is the tainted 1 GiB regions where the count settled (docs/replay.md).</p>\n"
		"<h2>Equilibrium across hosts</h2>\n",
		fleet_css, a.nhosts, a.nvariants);
	fleet_chart(o, db, &a);
	fputs("<h2>Per variant</h2>\n", o);
	int bad = html_table(o, db,
			     "SELECT variant, hosts, settled_hosts, median_equilibrium AS median, "
			     "p90_equilibrium AS p90, max_equilibrium AS max, max_final_tainted AS "
			     "\"max final\" FROM fleet_equilibrium",
			     err, errlen);
	if (!bad) {
		fputs("<h2>Hosts where the variants disagree most</h2>\n", o);
		bad = html_table(o, db,
				 "SELECT host, variants, lowest, highest, spread, best_variant AS "
				 "best, worst_variant AS worst FROM fleet_disagreement LIMIT 10",
				 err, errlen);
	}
	fputs("</body>\n</html>\n", o);
	axis_free(&a);
	if (bad) {
		report_output_close(so, path, 0, err, errlen);
		return -1;
	}
	return report_output_close(so, path, 1, err, errlen);
}
