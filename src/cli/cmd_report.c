// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_report.c - `fragtrace report DB [--run ID]... [--all] [--html FILE] [--csv DIR]
 * [--perfetto FILE]`: the comparison tables of replayed runs, and their exports.
 */
#include "cli.h"
#include "report.h"
#include "report_verdict.h"

#include <getopt.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static void report_usage(FILE *out)
{
	fprintf(out,
		"usage: fragtrace report [OPTIONS] DB\n\n"
		"Print the comparison table of replayed runs from a results database, and export\n"
		"them. Without --run: the newest complete run of every trace.\n\n"
		"  -r, --run ID          a run to report (repeatable)\n"
		"  -a, --all             every complete run\n"
		"      --html FILE       a self-contained HTML report with charts (inline SVG)\n"
		"      --csv DIR         CSV files of variants, samples, equilibria, data loss,\n"
		"                        final SPB maps and counters\n"
		"      --perfetto FILE   the time series as counter tracks (Chrome JSON trace "
		"format)\n"
		"      --baseline NAME   the variant the diff column is against (default spb;\n"
		"                        the first variant when the run has none of that name)\n"
		"      --fleet           the fleet view instead (docs/fleet.md): each variant's\n"
		"                        equilibrium across hosts, the hosts where variants\n"
		"                        disagree most; --html then writes the fleet page\n"
		"  -q, --quiet           no tables on stdout\n"
		"  -h, --help            show this help\n\n"
		"The views in schema.sql answer the common questions in SQL; docs/queries.md has\n"
		"worked examples.\n");
}

static int run_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "all", no_argument, NULL, 'a' },
		{ "html", required_argument, NULL, 'H' },
		{ "csv", required_argument, NULL, 'C' },
		{ "perfetto", required_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "baseline", required_argument, NULL, 'B' },
		{ "fleet", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t ids[256];
	size_t nids = 0;
	const char *html = NULL, *csv = NULL, *perfetto = NULL;
	const char *baseline = REPORT_DEFAULT_BASELINE;
	bool all = false, quiet = false, fleet = false;
	char err[1024];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:aqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': {
			uint64_t v;
			if (cli_parse_u64(optarg, 1, INT64_MAX, &v) || nids == 256) {
				cli_error("--run takes a run id (a positive number)");
				goto usage;
			}
			ids[nids++] = (int64_t)v;
			break;
		}
		case 'a':
			all = true;
			break;
		case 'H':
			html = optarg;
			break;
		case 'C':
			csv = optarg;
			break;
		case 'P':
			perfetto = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'B':
			baseline = optarg;
			break;
		case 'F':
			fleet = true;
			break;
		default:
			goto usage;
		}
	}
	if (fleet && (csv || perfetto || nids || all)) {
		cli_error("--fleet covers every host: no --run, --all, --csv or --perfetto with it");
		goto usage;
	}
	if (optind != argc - 1) {
		cli_error(optind >= argc ? "no database given" : "one database at a time");
		goto usage;
	}
	sqlite3 *db;
	struct report_run *runs;
	size_t n;
	if (report_db_open(argv[optind], &db, err, sizeof(err))) {
		cli_error("%s", err);
		return EXIT_RUNTIME;
	}
	if (fleet) {
		int rc = (!quiet && report_fleet_text(stdout, db, err, sizeof(err))) ||
			 (html && report_fleet_html(db, html, err, sizeof(err)));
		if (rc)
			cli_error("%s", err);
		sqlite3_close(db);
		return rc ? EXIT_RUNTIME : EXIT_OK;
	}
	if (report_load_runs(db, ids, nids, all, &runs, &n, err, sizeof(err))) {
		cli_error("%s", err);
		sqlite3_close(db);
		return EXIT_RUNTIME;
	}
	int status = EXIT_OK;
	for (size_t i = 0; i < n; i++)
		runs[i].baseline = baseline;
	if (!quiet)
		for (size_t i = 0; i < n; i++)
			report_print_table(stdout, &runs[i]);
	if (html && report_write_html(db, runs, n, html, err, sizeof(err))) {
		cli_error("%s", err);
		status = EXIT_RUNTIME;
	}
	if (csv && report_write_csv(db, runs, n, csv, err, sizeof(err))) {
		cli_error("%s", err);
		status = EXIT_RUNTIME;
	}
	if (perfetto && report_write_perfetto(db, runs, n, perfetto, err, sizeof(err))) {
		cli_error("%s", err);
		status = EXIT_RUNTIME;
	}
	report_free_runs(runs, n);
	sqlite3_close(db);
	return status;
usage:
	fprintf(stderr, "See 'fragtrace report --help'.\n");
	return EXIT_USAGE;
}

const struct cli_command cmd_report = {
	.name = "report",
	.summary = "comparison tables, HTML charts, CSV and Perfetto exports of replay results",
	.run = run_report,
	.usage = report_usage,
};
