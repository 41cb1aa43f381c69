// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_snapshot.c - `fragtrace snapshot -o FILE`: the running host's start snapshots alone
 * (zoneinfo, pagetypeinfo, slabinfo, the slab caches' attributes, uname, the page map: what
 * `fragtrace record` takes at its start), as a trace without events. Taken just before a
 * capture with trace-cmd or perf, it gives the import (`fragtrace import --snapshots FILE`)
 * the host's memory layout and start state. The page map needs root (/proc/kpageflags).
 */
#include "capture_import.h"
#include "cli.h"
#include "version.h"

#include <getopt.h>
#include <unistd.h>

static void snapshot_usage(FILE *out)
{
	fprintf(out,
		"usage: fragtrace snapshot -o FILE\n\n"
		"Save the host's memory state (the start snapshots 'fragtrace record' takes:\n"
		"zoneinfo, pagetypeinfo, slabinfo, slab attributes, uname and the page map) to\n"
		"FILE, to pair with a capture made by another tool:\n"
		"  fragtrace import --snapshots FILE -o x.fgt trace.dat\n"
		"Run it as root, just before the capture starts.\n\n"
		"  -o, --output FILE   the file to write\n"
		"  -h, --help          show this help\n\n"
		"Exit status: 0 success, 1 runtime error (not root, I/O), 2 bad usage.\n");
}

static int snapshot_run(int argc, char **argv)
{
	static const struct option longopts[] = { { "output", required_argument, NULL, 'o' },
						  { "help", no_argument, NULL, 'h' },
						  { NULL, 0, NULL, 0 } };
	const char *out = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			snapshot_usage(stdout);
			return EXIT_OK;
		default:
			fprintf(stderr, "See 'fragtrace snapshot --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (!out || optind != argc) {
		cli_error(!out ? "no output given (-o FILE)" : "unexpected argument '%s'",
			  out ? argv[optind] : "");
		fprintf(stderr, "See 'fragtrace snapshot --help'.\n");
		return EXIT_USAGE;
	}
	if (geteuid() != 0) {
		cli_error("snapshot needs root: the page map is read from /proc/kpageflags");
		return EXIT_RUNTIME;
	}
	struct import_result res;
	char err[1024], b[32], p[32];
	if (capture_snapshot_file(out, FRAGTRACE_VERSION, &res, err, sizeof(err))) {
		cli_error("%s", err);
		return EXIT_RUNTIME;
	}
	printf("[ fragtrace snapshot: %s (%s): Linux %s %s, %u CPUs, page size %u, page map of %s "
	       "pages ]\n",
	       out, cli_bytes(b, sizeof(b), res.bytes), res.release, res.arch, res.cpus,
	       res.page_size, cli_thousands(p, sizeof(p), res.pagemap_pages));
	return EXIT_OK;
}

const struct cli_command cmd_snapshot = { "snapshot",
					  "save the host's memory state to pair with an import",
					  snapshot_run, snapshot_usage };
