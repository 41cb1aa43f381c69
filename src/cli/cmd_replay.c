// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_replay.c - `fragtrace replay TRACE... [--variant SPEC]... [--db FILE] ...`: run policy
 * variants over traces, print the comparison table per trace and store everything in SQLite.
 *
 * `fragtrace check` (the mainline variant validated against the host) is cmd_check.c.
 */
#include "cli.h"
#include "replay.h"
#include "report_escape.h"
#include "report_verdict.h"
#include "results_db.h"
#include "shard.h"
#include "trace_gaps.h"
#include "version.h"

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_VARIANTS 64

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void replay_usage(FILE *out)
{
	fprintf(out,
		"usage: fragtrace replay [OPTIONS] TRACE...\n\n"
		"Replay traces under allocator policy variants and store the results in SQLite.\n"
		"Without --variant the presets run: mainline, spb, spb+demand, spb+demand+supply,\n"
		"spb+proactive, spb+all.\n\n"
		"  -V, --variant SPEC   PRESET[:key=value,...], repeatable; 'observe' applies the\n"
		"                       trace's own pfns (docs/variants.md lists the keys)\n"
		"  -d, --db FILE        results database (default fragtrace.db); --db '' writes "
		"none\n"
		"  -s, --sample-ms N    sample every N ms of trace time (default 100)\n"
		"      --start MODE     auto (default: warm for mainline, placed for SPB "
		"variants),\n"
		"                       warm (the host's placement from the start snapshot), "
		"placed\n"
		"                       (its live memory placed by each variant's policy), cold\n"
		"      --layout FILE    the host's memory layout from a saved /proc/zoneinfo, for\n"
		"                       traces without snapshots (imports); starts cold\n"
		"      --mem SIZE[,N]   the layout of an x86_64 host with SIZE of memory (K, M, "
		"G,\n"
		"                       T) on N nodes (default 1); starts cold\n"
		"  -l, --loop N         replay each trace N times in a row (default 1)\n"
		"  -t, --threads N      worker threads (default: online CPUs); results do not "
		"change\n"
		"  -j, --json           print a JSON array of per-variant results instead of "
		"tables\n"
		"      --baseline NAME  the variant the diff column is against (default spb; the\n"
		"                       first variant when none has that name)\n"
		"      --shard I/N      replay only job I's share (0 <= I < N) of the trace x\n"
		"                       variant units (docs/fleet.md)\n"
		"      --units LIST     replay only the units in LIST (0,3,7-9; unit t*V+v is\n"
		"                       trace t under variant v, from 0)\n"
		"      --no-share       a model for every variant (by default variants that "
		"differ\n"
		"                       only in the trigger switches share one until they "
		"diverge;\n"
		"                       results do not change)\n"
		"      --kswapd-heuristic\n"
		"                       kswapd's reclaim windows from its GFP_KERNEL "
		"shrink_slab\n"
		"                       events even when the trace has its wake events\n"
		"      --start-rewind   put the start page map back as of the trace's first\n"
		"                       event and replay every event (docs/replay.md)\n"
		"  -q, --quiet          no progress bar\n"
		"      --list-variants  print the presets and every parameter with its default\n"
		"  -h, --help           show this help\n\n"
		"Exit status: 0 success, 1 a trace or the database failed, 2 bad usage.\n");
}

static void fmt_eq(char *buf, size_t len, const struct replay_equilibrium *eq)
{
	if (eq->reached)
		snprintf(buf, len, "%.1f ±%u", eq->value, eq->spread);
	else
		snprintf(buf, len, "- (%s)", eq->reason);
}

/* The verdict rows of a fresh result (the same figures report reads back from the database). */
static size_t verdict_rows(const struct replay_result *r, struct report_verdict_row *rows,
			   const char *baseline)
{
	bool found;
	for (size_t i = 0; i < r->nr_variants; i++) {
		const struct replay_variant_result *v = &r->variants[i];
		const uint64_t *e = v->final.events;
		rows[i] = (struct report_verdict_row){
			.name = v->spec.name,
			.final_tainted = v->final.tainted_regions,
			.eq_reached = v->eq.reached,
			.eq_value = v->eq.value,
			.eq_spread = v->eq.spread,
			.triggers = e[MODEL_EV_TRIGGER_DEMAND_PRE_PASS3] +
				    e[MODEL_EV_TRIGGER_DEMAND_CLAIM] + e[MODEL_EV_TRIGGER_SUPPLY] +
				    e[MODEL_EV_TRIGGER_PROACTIVE] +
				    e[MODEL_EV_SPB_SLAB_SHRINK_QUEUED] +
				    e[MODEL_EV_SPB_EVAC_QUEUED] + e[MODEL_EV_SPB_DEFRAG_QUEUED],
			.slowpaths = e[MODEL_EV_SLOWPATH] + e[MODEL_EV_ZONE_FALLBACK] +
				     v->loss.page_alloc_failed,
		};
	}
	return report_baseline(rows, r->nr_variants, baseline, &found);
}

/* The lost-events warning (trace_gaps.h's figures), or 0 when nothing was lost. */
static int loss_warning(char *buf, size_t len, const struct replay_trace_info *t)
{
	char k[64] = "";
	if (!t->lost_events && !t->lost_markers)
		return 0;
	if (t->have_kernel_counters)
		snprintf(k, sizeof(k), "; the kernel's counters say %llu",
			 (unsigned long long)t->lost_kernel_events);
	snprintf(buf, len,
		 "the kernel lost %s%llu events (%llu markers%s): results near the gaps are "
		 "approximate",
		 t->lost_at_least ? "at least " : "", (unsigned long long)t->lost_events,
		 (unsigned long long)t->lost_markers, k);
	return 1;
}

static void print_table(const struct replay_result *r, const struct replay_options *o,
			const char *baseline)
{
	const struct replay_trace_info *t = &r->trace;
	char ev[32], s1[4096], s2[1024], verdict[2048];
	struct report_verdict_row rows[MAX_VARIANTS];
	size_t base = verdict_rows(r, rows, baseline);
	report_verdict_text(verdict, sizeof(verdict), rows, r->nr_variants, baseline);
	printf("\n%s: %.1f s of trace, %s events, %s start, %u pass%s, %u thread%s\n",
	       report_escape_term_str(s1, sizeof(s1), t->path), t->duration_s,
	       cli_thousands(ev, sizeof(ev), t->events), replay_start_name(o->start), o->loops,
	       o->loops == 1 ? "" : "es", r->threads, r->threads == 1 ? "" : "s");
	if (t->host_pages)
		printf("  host: %.1f GiB present, %u CPUs, %s; slab addresses %s\n",
		       (double)t->host_pages * 4096 / (1u << 30), t->cpus,
		       report_escape_term_str(s1, sizeof(s1), t->kernel),
		       report_escape_term_str(s2, sizeof(s2), t->addresses));
	char note[160], shuffle[160];
	cli_host_settings(&t->host, note, sizeof(note), shuffle, sizeof(shuffle));
	printf("  %s\n", note);
	if (shuffle[0])
		printf("  WARNING: %s\n", shuffle);
	char gap[512];
	if (loss_warning(gap, sizeof(gap), t))
		printf("  WARNING: %s\n", gap);
	if (t->lost_note[0])
		printf("  note: %s\n", t->lost_note);
	if (t->slab_events_dropped)
		printf("  WARNING: %llu slab events dropped: %s\n",
		       (unsigned long long)t->slab_events_dropped,
		       trace_gaps_addresses_note(t->addresses));
	if (strcmp(t->layout, "captured"))
		printf("  memory layout %s, not captured\n",
		       report_escape_term_str(s1, sizeof(s1), t->layout));
	if (t->warning[0])
		printf("  WARNING: %s\n", report_escape_term_str(s1, sizeof(s1), t->warning));
	if (t->malformed_events)
		printf("  WARNING: %llu page events with an impossible order were skipped\n",
		       (unsigned long long)t->malformed_events);
	for (size_t i = 0; i < r->calib.n; i++) {
		const struct replay_shrinker_calib *c = &r->calib.s[i];
		if (c->applied)
			printf("  shrinker calibration: %s: %.1f%% of the dentry and inode objects "
			       "unused (%.0f of %.0f, mean of %llu rounds; the host scanned %llu, "
			       "freed %llu): the model's freeable share\n",
			       report_escape_term_str(s1, sizeof(s1), c->shrinker),
			       c->freeable_ppm / 1e4, c->mean_items, c->host_objects,
			       (unsigned long long)c->rounds, (unsigned long long)c->scanned,
			       (unsigned long long)c->freed);
	}
	printf("\n  %-22s %14s %6s %5s %5s %6s %7s %11s %10s\n", "variant", "equilibrium", "final",
	       "max", "diff", "SPBs", "1G-free", "shrink q/r", "M ev/s");
	for (size_t i = 0; i < r->nr_variants; i++) {
		const struct replay_variant_result *v = &r->variants[i];
		char eq[48], sh[32], diff[16];
		fmt_eq(eq, sizeof(eq), &v->eq);
		snprintf(sh, sizeof(sh), "%llu/%llu",
			 (unsigned long long)v->final.events[MODEL_EV_SPB_SLAB_SHRINK_QUEUED],
			 (unsigned long long)v->final.events[MODEL_EV_SPB_SLAB_SHRINK_RAN]);
		snprintf(diff, sizeof(diff), "%+d",
			 (int)v->final.tainted_regions -
				 (int)r->variants[base].final.tainted_regions);
		printf("  %-22s %14s %6u %5llu %5s %6u %7llu %11s %10.2f\n",
		       report_escape_term_str(s1, sizeof(s1), v->spec.name), eq,
		       v->final.tainted_regions, (unsigned long long)v->max_tainted,
		       i != base ? diff : "-",
		       v->final.tainted_regions + v->final.clean_regions + v->final.empty_regions,
		       (unsigned long long)v->final.contig_1g_possible, sh,
		       replay_variant_rate(v) / 1e6);
		if (v->start == REPLAY_PLACED)
			printf("  %-22s placed start: %u tainted at the start; %llu pages placed, "
			       "%llu at the host's pfn, %llu not placed\n",
			       "", v->nr_samples ? v->samples[0].stats.tainted_regions : 0,
			       (unsigned long long)v->start_placed,
			       (unsigned long long)v->start_copied,
			       (unsigned long long)v->start_unplaced);
		if (v->agreement >= 0)
			printf("  %-22s agreement with the end page map: %.4f (%llu of %llu "
			       "pages)\n",
			       "", v->agreement, (unsigned long long)v->agreement_pages,
			       (unsigned long long)v->agreement_total);
	}
	const struct replay_loss *l = &r->variants[r->nr_variants - 1].loss;
	printf("\n  not replayed faithfully (last variant): %llu unknown page frees, %llu unknown "
	       "slab frees, %llu failed allocations, %llu drain misses of %llu events\n",
	       (unsigned long long)l->unknown_page_frees, (unsigned long long)l->unknown_slab_frees,
	       (unsigned long long)(l->page_alloc_failed + l->slab_alloc_failed),
	       (unsigned long long)l->pcp_drain_misses,
	       (unsigned long long)r->variants[r->nr_variants - 1].events);
	if (l->slab_cache_size_guessed)
		printf("  slab caches of unknown object size (64 bytes assumed): %llu\n",
		       (unsigned long long)l->slab_cache_size_guessed);
	for (char *save = NULL, *line = strtok_r(verdict, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("  %s\n", report_escape_term_str(s1, sizeof(s1), line));
	printf("  replay took %.2f s (%.1fx real time)\n", r->wall_seconds,
	       r->wall_seconds > 0 ? t->duration_s * o->loops / r->wall_seconds : 0.0);
	printf("  models: %u for %zu variants%s; %u split off a shared model and replayed again "
	       "(%u round%s; %u replay%s started at once, beside the model left)\n",
	       r->models, r->nr_variants, o->no_share ? " (--no-share)" : "", r->splits, r->rounds,
	       r->rounds == 1 ? "" : "s", r->early_starts, r->early_starts == 1 ? "" : "s");
	if (r->share_apart & 1ull << MODEL_KNOB_LAST_CHANCE_DEFRAG)
		printf("  planned apart: variants with last_chance_defrag on and off (the host "
		       "reclaimed or compacted directly, so the kick is expected to act)\n");
}

/* One string of a JSON array, with a comma before all but the first. */
static void json_item(FILE *o, bool *any, const char *text)
{
	fputs(*any ? "," : "", o);
	cli_json_string(o, text);
	*any = true;
}

/* The trace's warnings, as a JSON array of strings (the lines the table prints as WARNING). */
static void print_json_warnings(FILE *o, const struct replay_trace_info *t)
{
	char buf[512];
	bool any = false;
	fputs(",\"warnings\":[", o);
	if (loss_warning(buf, sizeof(buf), t))
		json_item(o, &any, buf);
	if (t->lost_note[0])
		json_item(o, &any, t->lost_note);
	if (t->slab_events_dropped) {
		snprintf(buf, sizeof(buf), "%llu slab events dropped: %s",
			 (unsigned long long)t->slab_events_dropped,
			 trace_gaps_addresses_note(t->addresses));
		json_item(o, &any, buf);
	}
	if (t->warning[0])
		json_item(o, &any, t->warning);
	char note[160], shuffle[160];
	cli_host_settings(&t->host, note, sizeof(note), shuffle, sizeof(shuffle));
	if (shuffle[0])
		json_item(o, &any, shuffle);
	if (t->malformed_events) {
		snprintf(buf, sizeof(buf), "%llu page events with an impossible order were skipped",
			 (unsigned long long)t->malformed_events);
		json_item(o, &any, buf);
	}
	fputc(']', o);
}

static void print_json_rows(FILE *o, const struct replay_result *r, bool *first,
			    const char *baseline)
{
	struct report_verdict_row rows[MAX_VARIANTS];
	char verdict[2048];
	size_t base = verdict_rows(r, rows, baseline);
	report_verdict_text(verdict, sizeof(verdict), rows, r->nr_variants, baseline);
	size_t vl = strlen(verdict);
	if (vl && verdict[vl - 1] == '\n')
		verdict[vl - 1] = 0;
	for (size_t i = 0; i < r->nr_variants; i++) {
		const struct replay_variant_result *v = &r->variants[i];
		fputs(*first ? "\n  {" : ",\n  {", o);
		*first = false;
		fputs("\"trace\":", o);
		cli_json_string(o, r->trace.path);
		fputs(",\"variant\":", o);
		cli_json_string(o, v->spec.name);
		fprintf(o, ",\"final_tainted\":%u,\"max_tainted\":%llu,\"equilibrium_tainted\":",
			v->final.tainted_regions, (unsigned long long)v->max_tainted);
		if (v->eq.reached)
			fprintf(o, "%.3f", v->eq.value);
		else
			fputs("null", o);
		fputs(",\"equilibrium_reason\":", o);
		cli_json_string(o, v->eq.reason);
		fprintf(o,
			",\"spbs\":%u,\"events\":%llu,\"events_per_second\":%.0f,"
			"\"contig_1g_final\":%llu,\"shrink_queued\":%llu,\"shrink_ran\":%llu,"
			"\"unknown_page_frees\":%llu,\"unknown_slab_frees\":%llu",
			v->final.tainted_regions + v->final.clean_regions + v->final.empty_regions,
			(unsigned long long)v->events, replay_variant_rate(v),
			(unsigned long long)v->final.contig_1g_possible,
			(unsigned long long)v->final.events[MODEL_EV_SPB_SLAB_SHRINK_QUEUED],
			(unsigned long long)v->final.events[MODEL_EV_SPB_SLAB_SHRINK_RAN],
			(unsigned long long)v->loss.unknown_page_frees,
			(unsigned long long)v->loss.unknown_slab_frees);
		if (v->agreement >= 0)
			fprintf(o, ",\"agreement\":%.6f", v->agreement);
		fputs(",\"baseline\":", o);
		cli_json_string(o, r->variants[base].spec.name);
		fprintf(o, ",\"diff\":%d,\"verdict\":",
			(int)v->final.tainted_regions -
				(int)r->variants[base].final.tainted_regions);
		cli_json_string(o, verdict);
		print_json_warnings(o, &r->trace);
		fputc('}', o);
	}
}

static char *join_args(int argc, char **argv)
{
	size_t len = 16;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = malloc(len);
	if (!s)
		return NULL;
	strcpy(s, "fragtrace");
	for (int i = 0; i < argc; i++) {
		strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static int parse_uint(const char *s, unsigned *out, unsigned min)
{
	uint64_t v;
	if (cli_parse_u64(s, min, 1000000, &v))
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* --mem SIZE[,NODES] into o; 0, or -1 for a bad value. */
static int replay_cli_parse_mem(const char *arg, struct replay_options *o)
{
	char size[64];
	const char *comma = strchr(arg, ',');
	uint64_t nodes = 1;
	size_t len = comma ? (size_t)(comma - arg) : strlen(arg);
	if (len >= sizeof(size))
		return -1;
	memcpy(size, arg, len);
	size[len] = 0;
	if (cli_parse_size(size, 256ull << 20, 64ull << 40, &o->mem_bytes) ||
	    (comma && cli_parse_u64(comma + 1, 1, 16, &nodes)) ||
	    (nodes > 1 && o->mem_bytes / nodes < (1ull << 30)))
		return -1;
	o->mem_nodes = (unsigned)nodes;
	return 0;
}

/* --list-variants: the presets and each parameter's value under each of them. */
static void list_variants(FILE *out)
{
	struct replay_variant_spec specs[16];
	char err[256], val[64];
	size_t n = 0;

	for (; model_preset_names[n] && n < 16; n++)
		replay_variant_parse(model_preset_names[n], &specs[n], err, sizeof(err));
	fprintf(out,
		"Presets (docs/variants.md), and 'observe' (the trace's own pfns).\n"
		"Set any parameter with --variant PRESET:key=value,...\n\n%-28s",
		"parameter");
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %*s",
			(int)strlen(specs[i].name) > 8 ? (int)strlen(specs[i].name) : 8,
			specs[i].name);
	fputc('\n', out);
	for (size_t k = 0; k < replay_param_count(); k++) {
		fprintf(out, "%-28s", replay_param_name(k));
		for (size_t i = 0; i < n; i++) {
			replay_param_value(&specs[i], k, val, sizeof(val));
			fprintf(out, " %*s",
				(int)strlen(specs[i].name) > 8 ? (int)strlen(specs[i].name) : 8,
				val);
		}
		fputc('\n', out);
	}
}

/* What one `fragtrace replay` invocation shares across its traces. */
struct replay_cli {
	struct replay_options *o;
	const struct replay_variant_spec *specs;
	size_t nv;
	const size_t *positions; /* each spec's position in the whole list (--shard, --units) */
	struct sqlite3 *db;
	const char *db_path, *command, *baseline;
	bool json, first;
	struct cli_progress *prog;
};

#define REPLAY_ONE_FAILED  1
#define REPLAY_ONE_STOPPED 2

/* Replay one trace, store and print its results: 0, or REPLAY_ONE_FAILED / _STOPPED. */
static int replay_one(struct replay_cli *c, const char *trace)
{
	struct replay_result *r;
	char started[32], err[1024];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", &tm);
	struct results_run_info info = { .command = c->command,
					 .tool_version = FRAGTRACE_VERSION,
					 .start = c->o->start,
					 .loops = c->o->loops,
					 .threads = c->o->threads,
					 .sample_ns = c->o->sample_ns,
					 .started_at = started,
					 .positions = c->positions };
	cli_progress_start(c->prog, trace);
	if (replay_trace(trace, c->o, c->specs, c->nv, &r, err, sizeof(err))) {
		cli_error("%s", err);
		if (c->db) {
			char status_text[1100];
			snprintf(status_text, sizeof(status_text), "failed: %s", err);
			results_db_write_incomplete(c->db, trace, &info, status_text, err,
						    sizeof(err));
		}
		return REPLAY_ONE_FAILED;
	}
	if (r->interrupted) {
		int64_t id = c->db ? results_db_write_incomplete(c->db, trace, &info, "interrupted",
								 err, sizeof(err))
				   : 0;
		cli_error("%s: interrupted%s", trace,
			  id > 0 ? "; the run is marked incomplete in the database" : "");
		replay_result_free(r);
		return REPLAY_ONE_STOPPED;
	}
	int rc = 0;
	int64_t run_id = 0;
	if (c->db) {
		run_id = results_db_write_run(c->db, r, &info, err, sizeof(err));
		if (run_id < 0) {
			cli_error("%s", err);
			rc = REPLAY_ONE_FAILED;
		}
	}
	if (c->json) {
		print_json_rows(stdout, r, &c->first, c->baseline);
	} else {
		print_table(r, c->o, c->baseline);
		if (run_id > 0)
			printf("  results: %s, run %lld\n", c->db_path, (long long)run_id);
	}
	replay_result_free(r);
	return rc;
}

static int run_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "variant", required_argument, NULL, 'V' },
		{ "db", required_argument, NULL, 'd' },
		{ "sample-ms", required_argument, NULL, 's' },
		{ "start", required_argument, NULL, 'S' },
		{ "loop", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "check-model", no_argument, NULL, 'C' },
		{ "list-variants", no_argument, NULL, 'L' },
		{ "baseline", required_argument, NULL, 'B' },
		{ "shard", required_argument, NULL, 'X' },
		{ "units", required_argument, NULL, 'U' },
		{ "layout", required_argument, NULL, 'Y' },
		{ "mem", required_argument, NULL, 'M' },
		{ "no-share", no_argument, NULL, 'N' },
		{ "kswapd-heuristic", no_argument, NULL, 'K' },
		{ "start-rewind", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct replay_variant_spec specs[MAX_VARIANTS], subset[MAX_VARIANTS];
	size_t positions[MAX_VARIANTS];
	struct shard shard = { 0 };
	struct replay_options o = { .start = REPLAY_START_AUTO,
				    .loops = 1,
				    .sample_ns = 100000000 };
	const char *db_path = "fragtrace.db", *baseline = REPORT_DEFAULT_BASELINE;
	bool json = false, quiet = false, start_given = false;
	size_t nv = 0;
	unsigned ms = 100;
	char err[1024];
	int c;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	o.threads = cpus > 0 ? (unsigned)cpus : 1;
	char *command = join_args(argc, argv);
	optind = 1;
	while ((c = getopt_long(argc, argv, "V:d:s:l:t:jqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'V':
			if (nv == MAX_VARIANTS) {
				cli_error("at most %d variants", MAX_VARIANTS);
				goto usage;
			}
			if (replay_variant_parse(optarg, &specs[nv], err, sizeof(err))) {
				cli_error("%s", err);
				goto usage;
			}
			nv++;
			break;
		case 'd':
			db_path = optarg;
			break;
		case 's':
			if (parse_uint(optarg, &ms, 1)) {
				cli_error("--sample-ms takes a whole number of milliseconds >= 1");
				goto usage;
			}
			o.sample_ns = (uint64_t)ms * 1000000;
			break;
		case 'S':
			if (replay_start_parse(optarg, &o.start)) {
				cli_error("--start takes auto, warm (or copied), placed or cold");
				goto usage;
			}
			start_given = true;
			break;
		case 'Y':
			o.layout = optarg;
			break;
		case 'M':
			if (replay_cli_parse_mem(optarg, &o)) {
				cli_error("--mem takes SIZE[,NODES]: 256M to 64T, 1 to 16 nodes of "
					  "at "
					  "least 1G each");
				goto usage;
			}
			break;
		case 'l':
			if (parse_uint(optarg, &o.loops, 1)) {
				cli_error("--loop takes a number >= 1");
				goto usage;
			}
			break;
		case 't':
			if (parse_uint(optarg, &o.threads, 1)) {
				cli_error("--threads takes a number >= 1");
				goto usage;
			}
			break;
		case 'j':
			json = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'C':
			o.check_model = true;
			break;
		case 'N':
			o.no_share = true;
			break;
		case 'K':
			o.kswapd_heuristic = true;
			break;
		case 'R':
			o.start_rewind = true;
			break;
		case 'B':
			baseline = optarg;
			break;
		case 'X':
			if (shard_parse(optarg, &shard, err, sizeof(err))) {
				cli_error("%s", err);
				goto usage;
			}
			break;
		case 'U':
			shard.units = optarg;
			break;
		case 'L':
			list_variants(stdout);
			free(command);
			return EXIT_OK;
		default:
			goto usage;
		}
	}
	if (optind >= argc) {
		cli_error("no trace given");
		goto usage;
	}
	if (o.layout && o.mem_bytes) {
		cli_error("give one of --layout and --mem");
		goto usage;
	}
	if ((o.layout || o.mem_bytes) && start_given &&
	    (o.start == REPLAY_WARM || o.start == REPLAY_PLACED)) {
		cli_error("--start %s needs the trace's own page map; a supplied layout starts "
			  "cold",
			  o.start == REPLAY_WARM ? "warm" : "placed");
		goto usage;
	}
	if (o.layout || o.mem_bytes)
		o.start = REPLAY_COLD;
	if (!nv)
		for (; model_preset_names[nv]; nv++)
			replay_variant_parse(model_preset_names[nv], &specs[nv], err, sizeof(err));
	if (shard.units &&
	    shard_check_units(shard.units, (size_t)(argc - optind) * nv, err, sizeof(err))) {
		cli_error("%s", err);
		goto usage;
	}

	struct sqlite3 *db = NULL;
	if (db_path[0] && results_db_open(db_path, &db, err, sizeof(err))) {
		cli_error("%s", err);
		free(command);
		return EXIT_RUNTIME;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	o.stop = &stop_requested;
	struct cli_progress prog = { .on = !quiet && !json && isatty(2), .unit = "events" };
	o.progress = cli_progress_show;
	o.progress_ctx = &prog;

	struct replay_cli cli = { .o = &o,
				  .specs = specs,
				  .nv = nv,
				  .db = db,
				  .db_path = db_path,
				  .json = json,
				  .first = true,
				  .command = command,
				  .baseline = baseline,
				  .prog = &prog };
	int status = EXIT_OK;
	if (json)
		fputc('[', stdout);
	for (int i = optind; i < argc && !stop_requested; i++) {
		/* this job's units of trace i (all of them without --shard or --units) */
		size_t n = 0;
		for (size_t v = 0; v < nv; v++)
			if (shard_selects(&shard, (size_t)(i - optind) * nv + v)) {
				subset[n] = specs[v];
				positions[n++] = v;
			}
		if (!n)
			continue;
		cli.specs = subset;
		cli.nv = n;
		cli.positions = positions;
		int rc = replay_one(&cli, argv[i]);
		if (rc)
			status = EXIT_RUNTIME;
		if (rc == REPLAY_ONE_STOPPED)
			break;
	}
	if (json)
		fputs("\n]\n", stdout);
	if (db)
		results_db_close(db);
	free(command);
	return status;
usage:
	free(command);
	fprintf(stderr, "See 'fragtrace replay --help'.\n");
	return EXIT_USAGE;
}

const struct cli_command cmd_replay = {
	.name = "replay",
	.summary = "replay traces under policy variants into a SQLite results file",
	.run = run_replay,
	.usage = replay_usage,
};
