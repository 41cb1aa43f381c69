// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_import.c - `fragtrace import trace.dat -o FILE`: a trace-cmd recording into the .fgt
 * format, so captures made with other tools can be replayed.
 */
#include "capture_import.h"
#include "cli.h"

#include <string.h>

static void import_usage(FILE *out)
{
	fprintf(out,
		"usage: fragtrace import [--raw-addresses] -o FILE TRACE.dat\n"
		"       fragtrace import --text [--raw-addresses] -o FILE TEXT|-\n\n"
		"Convert a trace-cmd recording (trace.dat), or events as text (trace_pipe,\n"
		"'trace-cmd report'), into a fragtrace trace. Events fragtrace does not model\n"
		"are kept as generic records. Slab object addresses become keyed hashes (the\n"
		"input has no page map to place them) unless --raw-addresses.\n");
}

static int import_run(int argc, char **argv)
{
	const char *out = NULL, *in = NULL;
	bool raw = false, text = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--raw-addresses"))
			raw = true;
		else if (!strcmp(argv[i], "--text"))
			text = true;
		else if (!strcmp(argv[i], "-") && !in)
			in = argv[i];
		else if (argv[i][0] == '-' || in) {
			import_usage(stderr);
			return EXIT_USAGE;
		} else
			in = argv[i];
	}
	if (!in || !out) {
		import_usage(stderr);
		return EXIT_USAGE;
	}
	struct import_result res;
	char err[512], n[32], b[32];
	if ((text ? capture_import_text : capture_import_tracecmd)(in, out, raw, &res, err,
								   sizeof(err))) {
		cli_error("%s", err);
		return EXIT_RUNTIME;
	}
	printf("[ fragtrace import: %s events from %s into %s (%s, %.2f bytes/event), %llu lost "
	       "markers ]\n",
	       cli_thousands(n, sizeof(n), res.events), in, out, cli_bytes(b, sizeof(b), res.bytes),
	       res.events ? (double)res.bytes / (double)res.events : 0.0,
	       (unsigned long long)res.lost_markers);
	return EXIT_OK;
}

const struct cli_command cmd_import = { "import", "convert a trace-cmd trace.dat", import_run,
					import_usage };
