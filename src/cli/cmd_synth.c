// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_synth.c - `fragtrace synth --workload NAME [--mem SIZE] [--duration S] [--seed N] -o FILE`:
 * a deterministic synthetic trace (src/synth/synth_workload.c, docs/synth.md).
 */
#include "cli.h"
#include "synth_workload.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void synth_usage(FILE *out)
{
	fprintf(out,
		"usage: fragtrace synth --workload NAME [--mem SIZE] [--duration SECONDS]\n"
		"                       [--seed N] [--cpus N] -o FILE\n\n"
		"Write a deterministic synthetic trace: the same seed gives the same file.\n\n"
		"Workloads: slab-growth, pagecache-churn, anon-thp, mixed (see docs/synth.md);\n"
		"the series' reports: syzkaller, devvm-slab, tainted-claim, recl-burst\n"
		"(docs/validation.md; their --mem and --duration default to the report's host).\n"
		"  --mem SIZE        the synthetic host's memory: 16G (default), 512M, ...\n"
		"  --duration S      seconds of trace time (default 60)\n"
		"  --seed N          (default 1)\n"
		"  --cpus N          the synthetic host's CPUs, 1 to 64 (default 2)\n"
		"  -q, --quiet       no progress bar (there is none unless stderr is a "
		"terminal)\n");
}

#define MEM_MIN	     (64ull << 20)
#define MEM_MAX	     (1ull << 40)
#define DURATION_MAX 86400 /* seconds: a day of synthetic trace */
#define CPUS_MAX     64

static int synth_run(int argc, char **argv)
{
	static const struct option opts[] = { { "workload", required_argument, NULL, 'w' },
					      { "mem", required_argument, NULL, 'm' },
					      { "duration", required_argument, NULL, 'd' },
					      { "seed", required_argument, NULL, 's' },
					      { "cpus", required_argument, NULL, 'c' },
					      { "output", required_argument, NULL, 'o' },
					      { "quiet", no_argument, NULL, 'q' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	struct synth_workload_params p = { .seed = 1 };
	const char *out = NULL;
	bool quiet = false;
	int c;
	uint64_t ns, v;

	optind = 1;
	while ((c = getopt_long(argc, argv, "w:m:d:s:c:o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			p.workload = optarg;
			break;
		case 'm':
			if (cli_parse_size(optarg, MEM_MIN, MEM_MAX, &p.mem_bytes)) {
				cli_error("synth: --mem wants a size from 64M to 1T, like 16G; got "
					  "'%s'",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'd':
			if (cli_parse_seconds(optarg, &ns) || !ns ||
			    ns > DURATION_MAX * 1000000000ull) {
				cli_error(
					"synth: --duration wants seconds, more than 0 and at most "
					"%d; got '%s'",
					DURATION_MAX, optarg);
				return EXIT_USAGE;
			}
			p.duration_s = (double)ns / 1e9;
			break;
		case 's':
			if (cli_parse_u64(optarg, 0, UINT64_MAX, &v)) {
				cli_error("synth: --seed wants a whole number; got '%s'", optarg);
				return EXIT_USAGE;
			}
			p.seed = v;
			break;
		case 'c':
			if (cli_parse_u64(optarg, 1, CPUS_MAX, &v)) {
				cli_error("synth: --cpus wants a number from 1 to %d; got '%s'",
					  CPUS_MAX, optarg);
				return EXIT_USAGE;
			}
			p.cpus = (unsigned)v;
			break;
		case 'o':
			out = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			synth_usage(stdout);
			return EXIT_OK;
		default:
			synth_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!p.workload || !out || optind != argc) {
		synth_usage(stderr);
		return EXIT_USAGE;
	}
	struct synth_workload_stats st;
	struct cli_progress prog = { .on = !quiet && isatty(2),
				     .unit = "s of trace",
				     .scale = 1e-3 };
	char err[512], n[32], b[32];
	cli_progress_start(&prog, out);
	p.progress = cli_progress_show;
	p.progress_ctx = &prog;
	if (synth_workload_write(&p, out, &st, err, sizeof(err))) {
		cli_error("synth: %s", err);
		return strstr(err, "unknown workload") ? EXIT_USAGE : EXIT_RUNTIME;
	}
	printf("[ fragtrace synth: %s: %s events, %s, %llu slab objects and %llu movable pages "
	       "live "
	       "at the end ]\n",
	       out, cli_thousands(n, sizeof(n), st.events), cli_bytes(b, sizeof(b), st.bytes),
	       (unsigned long long)st.slab_objects_live, (unsigned long long)st.movable_pages_live);
	return EXIT_OK;
}

const struct cli_command cmd_synth = { "synth", "write a deterministic synthetic trace", synth_run,
				       synth_usage };
