// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_merge.c - `fragtrace merge OUT.db IN.db...`: the results databases of many replays (one
 * per fleet job) into one, which report and the schema's views read like any other.
 *
 * The rules (identity of traces and runs, idempotence, one transaction, the checks before a
 * byte is written) are merge.h's; this file parses the command line and prints the summary.
 */
#include "cli.h"
#include "merge.h"

#include <getopt.h>
#include <stdlib.h>

static void merge_usage(FILE *out)
{
	fprintf(out,
		"usage: fragtrace merge [OPTIONS] OUT.db IN.db...\n\n"
		"Merge results databases (one per fleet job, docs/fleet.md) into OUT.db, which is\n"
		"created when it does not exist. Traces and runs already in OUT.db are not added\n"
		"again, so merging an input twice adds nothing. Every input is checked first\n"
		"(SQLite integrity, a schema version this fragtrace knows); on any error OUT.db "
		"is\n"
		"left as it was.\n\n"
		"  -q, --quiet          no summary line\n"
		"  -h, --help           show this help\n\n"
		"Exit status: 0 success, 1 an input or the output failed, 2 bad usage.\n");
}

static int run_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct merge_stats st;
	bool quiet = false;
	char err[1024];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		if (c != 'q') {
			fprintf(stderr, "See 'fragtrace merge --help'.\n");
			return EXIT_USAGE;
		}
		quiet = true;
	}
	if (argc - optind < 2) {
		cli_error("merge needs an output and at least one input database");
		fprintf(stderr, "See 'fragtrace merge --help'.\n");
		return EXIT_USAGE;
	}
	if (merge_databases(argv[optind], (const char *const *)argv + optind + 1,
			    (size_t)(argc - optind - 1), &st, err, sizeof(err))) {
		cli_error("%s", err);
		return EXIT_RUNTIME;
	}
	if (!quiet)
		printf("%s: merged %zu database%s: %lld run%s added, %lld already present; %lld "
		       "trace%s added, %lld already present; %lld rows\n",
		       argv[optind], st.inputs, st.inputs == 1 ? "" : "s", st.runs_added,
		       st.runs_added == 1 ? "" : "s", st.runs_present, st.traces_added,
		       st.traces_added == 1 ? "" : "s", st.traces_present, st.rows_added);
	return EXIT_OK;
}

const struct cli_command cmd_merge = {
	.name = "merge",
	.summary = "merge results databases (fleet jobs) into one",
	.run = run_merge,
	.usage = merge_usage,
};
