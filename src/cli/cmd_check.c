// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_check.c - `fragtrace check [--json] [--db FILE] TRACE`: how faithfully the trace and the
 * model reproduce the host that recorded it.
 *
 * Two variants run over the trace: `observe` (the trace's own pfns applied to the start page
 * map; its agreement with the end page map is the trace's completeness) and `mainline` (the
 * model of the kernel the host ran, placing every allocation itself). replay_validate.c then
 * compares mainline with the host's own figures, one row per figure with its bound and verdict;
 * the rows are printed and, with --db, stored in the validation table (schema.sql). --variant
 * validates a mainline variant with other parameters (mainline:caller_fallback=0). The exit
 * status says whether the trace could be checked, not whether the bounds held: 0 checked,
 * 1 unreadable trace or no end page map, 2 bad usage.
 */
#include "cli.h"
#include "replay.h"
#include "report_escape.h"
#include "results_db.h"
#include "trace_gaps.h"
#include "version.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void check_usage(FILE *out)
{
	fprintf(out,
		"usage: fragtrace check [--json] [--db FILE] [--variant SPEC] [--kswapd-heuristic] "
		"[--start-rewind] TRACE\n\n"
		"Rebuild what the traced host did from the trace's own pfns (observe mode) and\n"
		"compare with the end snapshot's page map: the share of pages whose free or\n"
		"allocated state agrees is the trace's completeness. Then validate the mainline\n"
		"model against the host: failed allocations, fallbacks against the trace's "
		"extfrag\n"
		"events, pageblocks per type and free blocks per order against the end snapshots,\n"
		"tainted regions against observe's (docs/replay.md, \"Validation\").\n\n"
		"  -j, --json     print one JSON object\n"
		"  -d, --db FILE  also store the run and its validation rows in FILE\n"
		"  -V, --variant SPEC\n"
		"                 the mainline variant validated, mainline[:key=value,...]\n"
		"                 (default mainline; docs/variants.md lists the keys)\n"
		"      --kswapd-heuristic\n"
		"                 take kswapd's reclaim windows from its GFP_KERNEL shrink_slab\n"
		"                 events even when the trace has its wake events (docs/replay.md)\n"
		"      --start-rewind\n"
		"                 put the start page map back as of the trace's first event and\n"
		"                 replay every event (docs/replay.md, \"Start states\")\n"
		"  -h, --help     show this help\n");
}

static void fmt_value(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (v != floor(v) || (fabs(v) < 1 && v != 0))
		snprintf(buf, len, "%.4f", v);
	else
		snprintf(buf, len, "%.0f", v);
}

static void print_rows(const struct replay_validation *val)
{
	static const char *const verdicts[] = { "", "ok", "FAIL" };
	printf("\n  %-34s %12s %12s %25s  %s\n", "validation (mainline vs host)", "host", "model",
	       "bound", "");
	for (size_t i = 0; i < val->n; i++) {
		const struct replay_check_row *r = &val->rows[i];
		char h[32], m[32], lo[32], hi[32], b[2 * sizeof(lo) + 4] = "";
		fmt_value(h, sizeof(h), r->host);
		fmt_value(m, sizeof(m), r->model);
		if (r->verdict != VERDICT_INFO) {
			fmt_value(lo, sizeof(lo), r->lo < 0 ? 0 : r->lo);
			fmt_value(hi, sizeof(hi), r->hi);
			snprintf(b, sizeof(b), "%s .. %s", lo, hi);
		}
		printf("  %-34s %12s %12s %25s  %s\n", r->name, h, m, b, verdicts[r->verdict]);
	}
}

/* The trace's lost events (total, then per CPU with its source) and its addresses mode. */
static void print_gaps(const struct replay_trace_info *t)
{
	char a[32], b[32], m[256];
	printf("  lost events %s%s in %llu places, from %s", t->lost_at_least ? "at least " : "",
	       cli_thousands(a, sizeof(a), t->lost_events), (unsigned long long)t->lost_markers,
	       t->have_kernel_counters ? "markers and the kernel's ring-buffer counters"
				       : "markers only");
	if (t->have_kernel_counters)
		printf(" (kernel's count %s)", cli_thousands(b, sizeof(b), t->lost_kernel_events));
	printf("\n");
	for (size_t i = 0; i < t->nr_lost_cpus; i++) {
		const struct replay_lost_cpu *c = &t->lost_cpus[i];
		if (c->lost || c->markers)
			printf("    CPU %u: %s%s from %s\n", c->cpu, c->at_least ? "at least " : "",
			       cli_thousands(a, sizeof(a), c->lost), c->source);
	}
	if (t->lost_note[0])
		printf("    note: %s\n", t->lost_note);
	const char *why = trace_gaps_addresses_note(t->addresses);
	printf("  slab addresses %s", report_escape_term_str(m, sizeof(m), t->addresses));
	if (why)
		printf(": %s events dropped; %s",
		       cli_thousands(a, sizeof(a), t->slab_events_dropped), why);
	printf("\n");
}

static void print_json(const char *path, const struct replay_result *r)
{
	const struct replay_variant_result *obs = NULL;
	for (size_t i = 0; i < r->nr_variants; i++)
		if (r->variants[i].spec.observe)
			obs = &r->variants[i];
	fputs("{\"trace\":", stdout);
	cli_json_string(stdout, path);
	fprintf(stdout,
		",\"agreement\":%.6f,\"pages_agreeing\":%llu,\"pages\":%llu,"
		"\"lost_events\":%llu,\"lost_at_least\":%s,\"lost_kernel_events\":",
		obs->agreement, (unsigned long long)obs->agreement_pages,
		(unsigned long long)obs->agreement_total, (unsigned long long)r->trace.lost_events,
		r->trace.lost_at_least ? "true" : "false");
	cli_json_u64(stdout, r->trace.have_kernel_counters, r->trace.lost_kernel_events);
	fputs(",\"addresses\":", stdout);
	cli_json_string(stdout, r->trace.addresses);
	const struct replay_loss *ml = &r->variants[obs == &r->variants[0] ? 1 : 0].loss;
	fprintf(stdout,
		",\"slab_events_dropped\":%llu,\"unknown_frees\":%llu,\"events\":%llu,"
		"\"kswapd_windows_traced\":%s,\"kswapd_wakes\":%llu,"
		"\"kswapd_reclaim_active_us\":%llu,\"kswapd_events\":%llu,\"zone_samples\":%zu,"
		"\"validation\":[",
		(unsigned long long)r->trace.slab_events_dropped,
		(unsigned long long)obs->loss.unknown_page_frees,
		(unsigned long long)r->trace.events, r->trace.kswapd_traced ? "true" : "false",
		(unsigned long long)ml->kswapd_wakes,
		(unsigned long long)(ml->kswapd_reclaim_active_ns / 1000),
		(unsigned long long)ml->kswapd_events, r->trace.timeline.samples);
	for (size_t i = 0; i < r->validation.n; i++) {
		static const char *const verdicts[] = { "info", "pass", "fail" };
		const struct replay_check_row *row = &r->validation.rows[i];
		double v[4] = { row->host, row->model, row->lo, row->hi };
		static const char *const keys[4] = { "host", "model", "lower", "upper" };
		fprintf(stdout, "%s{\"name\":\"%s\"", i ? "," : "", row->name);
		for (int k = 0; k < 4; k++)
			if (isnan(v[k]))
				fprintf(stdout, ",\"%s\":null", keys[k]);
			else
				fprintf(stdout, ",\"%s\":%.6g", keys[k], v[k]);
		fprintf(stdout, ",\"verdict\":\"%s\"}", verdicts[row->verdict]);
	}
	fputs("]}\n", stdout);
}

static int store(const char *db_path, const char *trace, const struct replay_result *r,
		 const struct replay_options *o)
{
	struct sqlite3 *db;
	char err[1024], started[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", &tm);
	struct results_run_info info = { .command = "fragtrace check",
					 .tool_version = FRAGTRACE_VERSION,
					 .start = o->start,
					 .loops = o->loops,
					 .threads = o->threads,
					 .sample_ns = o->sample_ns,
					 .started_at = started };
	if (results_db_open(db_path, &db, err, sizeof(err))) {
		cli_error("%s", err);
		return -1;
	}
	int64_t id = results_db_write_run(db, r, &info, err, sizeof(err));
	results_db_close(db);
	if (id < 0) {
		cli_error("%s", err);
		return -1;
	}
	fprintf(stderr, "%s: results in %s, run %lld\n", trace, db_path, (long long)id);
	return 0;
}

static int run_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "db", required_argument, NULL, 'd' },
		{ "variant", required_argument, NULL, 'V' },
		{ "kswapd-heuristic", no_argument, NULL, 'K' },
		{ "start-rewind", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct replay_variant_spec spec[2];
	struct replay_options o = {
		.start = REPLAY_WARM, .loops = 1, .threads = 2, .sample_ns = 100000000
	};
	struct replay_result *r;
	const char *db_path = NULL, *mainline = "mainline";
	char err[1024] = "";
	bool json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jd:V:h", longopts, NULL)) != -1) {
		if (c == 'j') {
			json = true;
		} else if (c == 'd') {
			db_path = optarg;
		} else if (c == 'V') {
			mainline = optarg;
		} else if (c == 'K') {
			o.kswapd_heuristic = true;
		} else if (c == 'R') {
			o.start_rewind = true;
		} else {
			fprintf(stderr, "See 'fragtrace check --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cli_error("check takes one trace");
		fprintf(stderr, "See 'fragtrace check --help'.\n");
		return EXIT_USAGE;
	}
	const char *path = argv[optind];
	replay_variant_parse("observe", &spec[0], err, sizeof(err));
	if (replay_variant_parse(mainline, &spec[1], err, sizeof(err)) ||
	    strcmp(spec[1].preset, "mainline") || spec[1].observe) {
		cli_error("--variant %s: %s", mainline,
			  err[0] ? err : "check validates a mainline variant");
		return EXIT_USAGE;
	}
	if (replay_trace(path, &o, spec, 2, &r, err, sizeof(err))) {
		cli_error("%s", err);
		return EXIT_RUNTIME;
	}
	const struct replay_variant_result *v = &r->variants[0];
	int status = EXIT_OK;
	if (v->agreement < 0) {
		cli_error("%s: no end/pagemap snapshot to compare with (recorded with "
			  "--no-snapshots, or the recorder was killed)",
			  path);
		status = EXIT_RUNTIME;
	} else if (json) {
		print_json(path, r);
	} else {
		printf("%s: completeness %.4f: %llu of %llu present pages agree with the end "
		       "snapshot\n",
		       path, v->agreement, (unsigned long long)v->agreement_pages,
		       (unsigned long long)v->agreement_total);
		print_gaps(&r->trace);
		char note[160], shuffle[160];
		cli_host_settings(&r->trace.host, note, sizeof(note), shuffle, sizeof(shuffle));
		printf("  %s\n", note);
		if (shuffle[0])
			printf("  WARNING: %s\n", shuffle);
		printf("  frees of pages not seen allocated %llu, allocations of pages not free "
		       "%llu\n",
		       (unsigned long long)v->loss.unknown_page_frees,
		       (unsigned long long)v->loss.page_alloc_failed);
		const struct replay_loss *ml = &r->variants[1].loss;
		if (r->trace.kswapd_traced)
			printf("  kswapd windows: its wake events, %llu runs, %.1f ms "
			       "reclaim-active\n",
			       (unsigned long long)ml->kswapd_wakes,
			       (double)ml->kswapd_reclaim_active_ns / 1e6);
		else
			printf("  kswapd windows: GFP_KERNEL shrink_slab heuristic, %llu events "
			       "(%s)\n",
			       (unsigned long long)ml->kswapd_events,
			       o.kswapd_heuristic ? "--kswapd-heuristic"
						  : "no mm_vmscan_kswapd_wake in the trace");
		if (r->trace.kswapd_unknown_nid)
			printf("  WARNING: %llu kswapd wake or sleep events of a node beyond %d: "
			       "no "
			       "window\n",
			       (unsigned long long)r->trace.kswapd_unknown_nid, 64);
		const struct replay_timeline_info *tl = &r->trace.timeline;
		if (!tl->samples)
			printf("  zone samples: none in the trace (recorded with --sample-interval "
			       "0 "
			       "or by an older fragtrace): no drift rows\n");
		else
			printf("  zone samples: %zu from %.1f s to %.1f s, %llu after the last "
			       "event (not compared), %llu malformed\n",
			       tl->samples, (double)tl->first_ns / 1e9, (double)tl->last_ns / 1e9,
			       (unsigned long long)r->variants[1].timeline_after_end,
			       (unsigned long long)tl->malformed);
		if (r->variants[1].spec.start_highatomic)
			printf("  start HighAtomic pageblocks (start_highatomic=1): %llu tagged\n",
			       (unsigned long long)ml->start_highatomic_pageblocks);
		if (v->loss.slab_cache_size_guessed)
			printf("  slab caches of unknown object size (64 bytes assumed): %llu\n",
			       (unsigned long long)v->loss.slab_cache_size_guessed);
		print_rows(&r->validation);
	}
	if (status == EXIT_OK && db_path && *db_path && store(db_path, path, r, &o))
		status = EXIT_RUNTIME;
	replay_result_free(r);
	return status;
}

const struct cli_command cmd_check = {
	.name = "check",
	.summary = "how faithfully a trace and the mainline model reproduce the host",
	.run = run_check,
	.usage = check_usage,
};
