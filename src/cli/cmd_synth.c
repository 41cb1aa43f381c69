// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_synth.c - `fragtrace synth --workload NAME [--mem SIZE] [--duration S] [--seed N] -o FILE`:
 * a deterministic synthetic trace (src/synth/synth_workload.c, docs/synth.md).
 */
#include "cli.h"
#include "synth_workload.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

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
		"  --seed N          (default 1)\n");
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	double v = strtod(s, &end);
	uint64_t mult = 1;
	switch (*end) {
	case 'G':
	case 'g':
		mult = 1ull << 30;
		end++;
		break;
	case 'M':
	case 'm':
		mult = 1ull << 20;
		end++;
		break;
	case 'T':
	case 't':
		mult = 1ull << 40;
		end++;
		break;
	}
	if (end == s || *end || !(v > 0))
		return -1;
	*out = (uint64_t)(v * (double)mult);
	return *out < (64ull << 20) ? -1 : 0;
}

static int synth_run(int argc, char **argv)
{
	static const struct option opts[] = { { "workload", required_argument, NULL, 'w' },
					      { "mem", required_argument, NULL, 'm' },
					      { "duration", required_argument, NULL, 'd' },
					      { "seed", required_argument, NULL, 's' },
					      { "cpus", required_argument, NULL, 'c' },
					      { "output", required_argument, NULL, 'o' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	struct synth_workload_params p = { .seed = 1 };
	const char *out = NULL;
	int c;
	uint64_t ns;

	optind = 1;
	while ((c = getopt_long(argc, argv, "w:m:d:s:c:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			p.workload = optarg;
			break;
		case 'm':
			if (parse_size(optarg, &p.mem_bytes)) {
				cli_error("synth: --mem wants a size of at least 64M, like 16G");
				return EXIT_USAGE;
			}
			break;
		case 'd':
			if (cli_parse_seconds(optarg, &ns) || !ns) {
				cli_error("synth: --duration wants seconds");
				return EXIT_USAGE;
			}
			p.duration_s = (double)ns / 1e9;
			break;
		case 's':
			p.seed = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			p.cpus = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'o':
			out = optarg;
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
	char err[512], n[32], b[32];
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
