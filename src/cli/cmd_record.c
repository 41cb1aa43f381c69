// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_record.c - `fragtrace record`: options, then src/capture does the work, then a perf-style
 * summary. With a command after "--", record while it runs and exit with its exit code.
 */
#include "capture.h"
#include "cli.h"
#include "version.h"

#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stop_requests;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requests++;
}

/* A crash removes the recording's instance (capture_fatal_cleanup), then dies of the signal. */
static void on_fatal_signal(int sig)
{
	capture_fatal_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* SIGINT/SIGTERM/SIGHUP stop the recording (a second one skips the drain); crashes clean up. */
static void record_signals(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], on_fatal_signal);
}

static void record_usage(FILE *out)
{
	fprintf(out,
		"usage: fragtrace record [-o FILE] [-e EVENTS] [-b KB_PER_CPU] [--duration "
		"SECONDS]\n"
		"                        [--max-size MB] [--sample-interval MS] [--raw-addresses]\n"
		"                        [-q] [-- COMMAND ARGS...]\n"
		"       fragtrace record --cleanup\n\n"
		"Record page-allocator and slab events from the running kernel into a trace.\n\n"
		"  -o, --output FILE      where to write (default: fragtrace.fgt)\n"
		"  -e, --event LIST       comma-separated SYSTEM:EVENT to add to the defaults, or\n"
		"                         -SYSTEM:EVENT to remove one; repeatable\n"
		"  -b, --buffer KB        ring buffer per CPU in KiB (default 32768)\n"
		"  -d, --duration SECONDS stop after this long (default: until Ctrl-C or the "
		"command ends)\n"
		"  -m, --max-size MB      stop when the file reaches this size\n"
		"      --raw-addresses    keep kernel virtual addresses (slab objects, call "
		"sites)\n"
		"      --sample-interval MS\n"
		"                         read each zone's free pages and per-CPU list counts\n"
		"                         from /proc/zoneinfo every MS ms while recording\n"
		"                         (default 500; 0: never)\n"
		"      --no-snapshots     skip the /proc snapshots and the page map\n"
		"  -q, --quiet            no status line\n"
		"      --cleanup          only remove the instances of recorders that died "
		"(killed\n"
		"                         with SIGKILL; every recording does this first too)\n\n"
		"Default events:");
	size_t column = 80; /* a new line before the first */
	for (int i = 0; capture_default_events[i]; i++) {
		size_t len = strlen(capture_default_events[i]);
		if (column + 1 + len > 96) {
			fprintf(out, "\n ");
			column = 1;
		}
		fprintf(out, " %s", capture_default_events[i]);
		column += 1 + len;
	}
	fprintf(out, "\n\nNeeds root. Ctrl-C stops, drains and finalises; a second Ctrl-C finishes "
		     "without draining.\n");
}

static int add_events(struct capture_options *o, int *n, const char *list)
{
	char *copy = strdup(list), *save = NULL;
	if (!copy)
		return -1;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool remove = tok[0] == '-';
		const char *name = remove ? tok + 1 : tok;
		if (!strchr(name, ':')) {
			cli_error("record: event '%s': expected SYSTEM:EVENT", name);
			free(copy);
			return -1;
		}
		int found = -1;
		for (int i = 0; i < *n; i++)
			if (!strcmp(o->events[i], name))
				found = i;
		if (remove && found >= 0) {
			free((char *)o->events[found]);
			o->events[found] = o->events[--*n];
			o->events[*n] = NULL;
		} else if (!remove && found < 0) {
			if (*n >= CAPTURE_MAX_EVENTS - 1) {
				cli_error("record: too many events");
				free(copy);
				return -1;
			}
			o->events[(*n)++] = strdup(name);
		}
	}
	free(copy);
	return 0;
}

static void summary(const char *path, const struct capture_result *r)
{
	char ev[32], by[32], lost[32];
	printf("[ fragtrace record: wrote %s to %s: %s events, %.2f bytes/event ]\n",
	       cli_bytes(by, sizeof(by), r->bytes), path, cli_thousands(ev, sizeof(ev), r->events),
	       r->events ? (double)r->bytes / (double)r->events : 0.0);
	printf("[ fragtrace record: %.1f s, %.0f events/s, recorder CPU %.2f s, %s events lost "
	       "in %llu markers, ring-buffer overruns %llu ]\n",
	       r->duration_s, r->duration_s > 0 ? (double)r->events / r->duration_s : 0.0, r->cpu_s,
	       cli_thousands(lost, sizeof(lost), r->lost_events),
	       (unsigned long long)r->lost_markers, (unsigned long long)r->overrun);
	if (r->pagemap_pages)
		printf("[ fragtrace record: page map of %.1f GiB (%llu pfns) built in %.2f s, "
		       "direct "
		       "map %s ]\n",
		       (double)r->pagemap_pages / 262144.0, (unsigned long long)r->pagemap_pages,
		       r->pagemap_s,
		       r->direct_map_known ? "located: physical addresses"
					   : "not located: hashed addresses");
	printf("[ fragtrace record: longest gap between reads %.0f ms, %s, memory %s, %llu late "
	       "events ]\n",
	       (double)r->reader_gap_max_ns / 1e6, r->sched, r->mlocked ? "locked" : "not locked",
	       (unsigned long long)r->late_events);
	if (r->zone_samples.samples || r->zone_samples.failed)
		printf("[ fragtrace record: %llu zone samples, %.2f ms each on average, longest "
		       "%.2f ms, %llu failed ]\n",
		       (unsigned long long)r->zone_samples.samples,
		       r->zone_samples.samples ? (double)r->zone_samples.ns_total /
							 (double)r->zone_samples.samples / 1e6
					       : 0.0,
		       (double)r->zone_samples.ns_max / 1e6,
		       (unsigned long long)r->zone_samples.failed);
	if (r->lost_events || r->lost_markers || r->overrun || r->dropped)
		cli_warning(
			"record: the kernel dropped events; use a bigger buffer (-b, now per CPU) "
			"or fewer events (-e -SYSTEM:EVENT)");
}

static int record_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "event", required_argument, NULL, 'e' },
		{ "buffer", required_argument, NULL, 'b' },
		{ "duration", required_argument, NULL, 'd' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "raw-addresses", no_argument, NULL, 'R' },
		{ "no-snapshots", no_argument, NULL, 'N' },
		{ "sample-interval", required_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "cleanup", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct capture_options o = { .output = "fragtrace.fgt",
				     .tool_version = FRAGTRACE_VERSION,
				     .sample_interval_ms = 500 };
	struct capture_result res = { 0 };
	int n = 0, c, rc = EXIT_USAGE;
	bool cleanup = false;
	char *end;

	for (; capture_default_events[n]; n++)
		o.events[n] = strdup(capture_default_events[n]);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:e:b:d:m:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.output = optarg;
			break;
		case 'e':
			if (add_events(&o, &n, optarg))
				goto out;
			break;
		case 'b': {
			uint64_t kb;
			if (cli_parse_u64(optarg, 4, 1ul << 22, &kb)) {
				cli_error("record: -b wants KiB per CPU between 4 and 4194304");
				goto out;
			}
			o.buffer_kb = (unsigned)kb;
			break;
		}
		case 'd': {
			uint64_t ns;
			if (cli_parse_seconds(optarg, &ns)) {
				cli_error("record: --duration wants seconds, got '%s'", optarg);
				goto out;
			}
			o.duration_s = (double)ns / 1e9;
			break;
		}
		case 'm': {
			double mb = strtod(optarg, &end);
			if (!isdigit((unsigned char)optarg[0]) || *end || !(mb > 0) || mb > 1e9) {
				cli_error(
					"record: --max-size wants megabytes (up to 1e9), got '%s'",
					optarg);
				goto out;
			}
			o.max_size_bytes = (uint64_t)(mb * 1e6);
			break;
		}
		case 'R':
			o.raw_addresses = true;
			break;
		case 'N':
			o.no_snapshots = true;
			break;
		case 'S': {
			uint64_t ms;
			if (cli_parse_u64(optarg, 0, 3600000, &ms)) {
				cli_error(
					"record: --sample-interval wants ms between 0 and 3600000, "
					"got '%s'",
					optarg);
				goto out;
			}
			o.sample_interval_ms = (unsigned)ms;
			break;
		}
		case 'q':
			o.quiet = true;
			break;
		case 'C':
			cleanup = true;
			break;
		case 'h':
			record_usage(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			record_usage(stderr);
			goto out;
		}
	}
	if (optind < argc && !strcmp(argv[optind - 1], "--"))
		o.command = (const char *const *)(argv + optind);
	else if (optind < argc) {
		cli_error("record: unexpected argument '%s' (a command goes after '--')",
			  argv[optind]);
		goto out;
	}
	if (cleanup) {
		char names[512], err[256];
		int removed = capture_remove_stale(names, sizeof(names), err, sizeof(err));
		if (removed < 0) {
			cli_error("record: --cleanup: %s", err);
			rc = EXIT_RUNTIME;
		} else {
			printf("removed %d stale fragtrace instance%s%s%s\n", removed,
			       removed == 1 ? "" : "s", removed ? ": " : "", removed ? names : "");
			rc = EXIT_OK;
		}
		goto out;
	}
	if (!n) {
		cli_error("record: no events left to record");
		goto out;
	}
	o.stop = &stop_requests;
	record_signals();
	rc = capture_record(&o, &res) ? EXIT_RUNTIME : EXIT_OK;
	if (rc != EXIT_OK)
		cli_error("record: %s", res.error);
	if (res.warnings[0])
		cli_warning("record: %s", res.warnings);
	if (res.stale_removed)
		cli_warning("record: removed %d instance%s of recorders that died: %s",
			    res.stale_removed, res.stale_removed == 1 ? "" : "s", res.stale_names);
	if (rc == EXIT_OK && !o.quiet)
		summary(o.output, &res);
	/* the command's own exit, not the SIGTERM that ended it at a limit or a stop request */
	if (rc == EXIT_OK && o.command && !res.command_stopped)
		rc = res.command_status;
out:
	for (int i = 0; i < n; i++)
		free((char *)o.events[i]);
	return rc;
}

const struct cli_command cmd_record = { "record", "record kmem events from the running kernel",
					record_run, record_usage };
