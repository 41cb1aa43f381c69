// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_import.c - `fragtrace import -o FILE INPUT`: a capture made with another tool into the
 * .fgt format, so it can be replayed: trace-cmd's trace.dat, or text from trace_pipe,
 * `trace-cmd report` or `perf script` (which one is seen from the input unless --text or
 * --perf says). What the input does not store about the traced host can be given with
 * --release, --arch, --page-size, --cpus and --clock, and the host's memory state with
 * --snapshots (a file from `fragtrace snapshot`).
 */
#include "capture_import.h"
#include "cli.h"
#include "report_escape.h"

#include <getopt.h>
#include <string.h>
#include <unistd.h>

static void import_usage(FILE *out)
{
	fprintf(out,
		"usage: fragtrace import [OPTIONS] -o FILE TRACE.dat|TEXT|-\n\n"
		"Convert a capture made with another tool into a fragtrace trace: trace-cmd's\n"
		"trace.dat, or events as text from trace_pipe, 'trace-cmd report' or 'perf "
		"script'\n"
		"(seen from the input; '-' reads standard input). Events fragtrace does not model\n"
		"are kept as generic records. Slab object addresses become keyed hashes (the "
		"input\n"
		"has no page map to place them) unless --raw-addresses.\n\n"
		"  -o, --output FILE    the trace to write\n"
		"      --text           the input is ftrace text (trace_pipe, trace-cmd report)\n"
		"      --perf           the input is 'perf script' text\n"
		"      --snapshots FILE the host's start snapshots, from 'fragtrace snapshot'\n"
		"      --release R      kernel release of the traced host (uname -r)\n"
		"      --arch A         its machine architecture (uname -m)\n"
		"      --page-size N    its page size in bytes (a power of 2, 512..1M)\n"
		"      --cpus N         its CPU count (1..65536)\n"
		"      --clock NAME     the trace clock the timestamps are on\n"
		"      --raw-addresses  keep kernel virtual addresses of slab objects\n"
		"  -q, --quiet          no progress bar\n"
		"  -h, --help           show this help\n\n"
		"The host options take precedence over what the input stores.\n"
		"Exit status: 0 success, 1 the input or output failed, 2 bad usage.\n");
}

static int import_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "text", no_argument, NULL, 'T' },
		{ "perf", no_argument, NULL, 'P' },
		{ "snapshots", required_argument, NULL, 'S' },
		{ "release", required_argument, NULL, 'r' },
		{ "arch", required_argument, NULL, 'a' },
		{ "page-size", required_argument, NULL, 'p' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "clock", required_argument, NULL, 'k' },
		{ "raw-addresses", no_argument, NULL, 'R' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct import_options o = { .text_format = IMPORT_TEXT_AUTO };
	const char *out = NULL;
	bool text = false, quiet = false;
	uint64_t v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'T':
		case 'P':
			if (text) {
				cli_error("give one of --text and --perf");
				goto usage;
			}
			text = true;
			o.text_format = c == 'T' ? IMPORT_TEXT_FTRACE : IMPORT_TEXT_PERF;
			break;
		case 'S':
			o.snapshots = optarg;
			break;
		case 'r':
		case 'a':
		case 'k':
			if (!optarg[0] || strlen(optarg) > (c == 'r' ? 127u : 31u) ||
			    strpbrk(optarg, " \t\n")) {
				cli_error("--%s takes one word of at most %u characters",
					  c == 'r'   ? "release"
					  : c == 'a' ? "arch"
						     : "clock",
					  c == 'r' ? 127u : 31u);
				goto usage;
			}
			*(c == 'r' ? &o.release : c == 'a' ? &o.arch : &o.clock) = optarg;
			break;
		case 'p':
			if (cli_parse_u64(optarg, 512, 1u << 20, &v) || (v & (v - 1))) {
				cli_error(
					"--page-size takes a power of 2 from 512 to 1048576 bytes");
				goto usage;
			}
			o.page_size = (uint32_t)v;
			break;
		case 'c':
			if (cli_parse_u64(optarg, 1, 65536, &v)) {
				cli_error("--cpus takes a whole number from 1 to 65536");
				goto usage;
			}
			o.cpus = (uint32_t)v;
			break;
		case 'R':
			o.raw_addresses = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			import_usage(stdout);
			return EXIT_OK;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || !out) {
		cli_error(!out ? "no output given (-o FILE)" : "give one input");
		goto usage;
	}
	const char *in = argv[optind];
	bool tracecmd = !text && capture_import_is_tracecmd(in);
	struct cli_progress prog = { .on = !quiet && isatty(2),
				     .unit = tracecmd ? "events" : "MB of text",
				     .scale = tracecmd ? 0 : 1e-6 };
	o.progress = cli_progress_show;
	o.progress_ctx = &prog;
	cli_progress_start(&prog, in);

	struct import_result res;
	char err[1024], n[32], b[32], l[32], t1[512], t2[128], t3[128];
	if ((tracecmd ? capture_import_tracecmd : capture_import_text)(in, out, &o, &res, err,
								       sizeof(err))) {
		cli_error("%s", err);
		return EXIT_RUNTIME;
	}
	printf("[ fragtrace import: %s events from %s into %s (%s, %.2f bytes/event), %llu lost "
	       "markers (%s events) ]\n",
	       cli_thousands(n, sizeof(n), res.events), in, out, cli_bytes(b, sizeof(b), res.bytes),
	       res.events ? (double)res.bytes / (double)res.events : 0.0,
	       (unsigned long long)res.lost_markers, cli_thousands(l, sizeof(l), res.lost_events));
	printf("  host: Linux %s %s, %u CPUs, page size %u, trace clock %s; %s\n",
	       report_escape_term_str(t1, sizeof(t1), res.release),
	       report_escape_term_str(t2, sizeof(t2), res.arch), res.cpus, res.page_size,
	       report_escape_term_str(t3, sizeof(t3), res.clock),
	       res.snapshots ? "start snapshots from --snapshots"
			     : "no snapshots: replay with --mem SIZE or --layout ZONEINFO");
	return EXIT_OK;
usage:
	fprintf(stderr, "See 'fragtrace import --help'.\n");
	return EXIT_USAGE;
}

const struct cli_command cmd_import = { "import",
					"convert a trace-cmd, ftrace text or perf capture",
					import_run, import_usage };
