// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_info.c - `fragtrace info FILE [--json]`: what a trace holds, without decoding events.
 *
 * Everything shown comes from the header and the index (or, for a file without an index, from
 * the reader's scan): host, time span, per-event-type counts, lost events, snapshots, size.
 * Lost events are the figures of trace_gaps.c (per CPU, the larger of the markers' count and
 * the kernel's ring-buffer counters, with the source of each), as check and replay show them,
 * and so is the slab addresses mode with what it costs replay.
 * Strings from the trace are escaped for the terminal (text) or as JSON strings (--json).
 */
#include "cli.h"
#include "report_escape.h"
#include "trace.h"
#include "trace_gaps.h"

#include <getopt.h>
#include <string.h>

static void info_usage(FILE *out)
{
	fprintf(out, "usage: fragtrace info [--json] FILE\n\n"
		     "Show a trace's host, time span, event counts per type, lost events (per\n"
		     "CPU, never fewer than the kernel's own counters say), slab addresses mode,\n"
		     "snapshots and size.\n\n"
		     "  -j, --json   print one JSON object instead of text\n"
		     "  -h, --help   show this help\n");
}

static double span_s(const struct trace_summary *s)
{
	return s->events ? (double)(s->last_ts - s->first_ts) / 1e9 : 0.0;
}

static double bytes_per_event(const struct trace_summary *s)
{
	return s->events ? (double)s->file_bytes / (double)s->events : 0.0;
}

static void json_gaps(FILE *o, const struct trace_gaps *g)
{
	fputs(",\"lost\":{\"total\":", o);
	fprintf(o,
		"%llu,\"at_least\":%s,\"marker_events\":%llu,\"markers\":%llu,"
		"\"unknown_markers\":%llu,\"kernel_events\":",
		(unsigned long long)g->lost, g->at_least ? "true" : "false",
		(unsigned long long)g->marker_events, (unsigned long long)g->markers,
		(unsigned long long)g->unknown_markers);
	cli_json_u64(o, g->have_kernel, g->kernel_events);
	fprintf(o, ",\"unread_at_stop\":%llu,\"note\":", (unsigned long long)g->unread);
	if (g->note[0])
		cli_json_string(o, g->note);
	else
		fputs("null", o);
	fputs(",\"cpus\":[", o);
	for (size_t i = 0; i < g->nr_cpus; i++) {
		const struct trace_loss_cpu *c = &g->cpus[i];
		fprintf(o,
			"%s{\"cpu\":%u,\"lost\":%llu,\"at_least\":%s,\"source\":\"%s\","
			"\"markers\":%llu,\"unknown_markers\":%llu,\"marker_events\":%llu,"
			"\"kernel_events\":",
			i ? "," : "", c->cpu, (unsigned long long)c->lost,
			c->at_least ? "true" : "false", trace_loss_source_name(c->source),
			(unsigned long long)c->markers, (unsigned long long)c->unknown_markers,
			(unsigned long long)c->marker_events);
		cli_json_u64(o, c->have_kernel, c->kernel_events);
		fputc('}', o);
	}
	fputs("]},\"addresses\":", o);
	cli_json_string(o, g->addresses);
	fprintf(o, ",\"slab_events_dropped\":%llu", (unsigned long long)g->slab_events_dropped);
}

static void print_json(struct trace_reader *r, const char *path, const struct trace_gaps *g)
{
	const struct trace_header *h = trace_reader_header(r);
	const struct trace_summary *s = trace_reader_summary(r);
	FILE *o = stdout;

	fputs("{\"file\":", o);
	cli_json_string(o, path);
	fprintf(o, ",\"format_version\":\"%u.%u\",\"kernel_release\":", h->format_major,
		h->format_minor);
	cli_json_string(o, h->kernel_release);
	fputs(",\"arch\":", o);
	cli_json_string(o, h->arch);
	fputs(",\"trace_clock\":", o);
	cli_json_string(o, h->trace_clock);
	fputs(",\"tool_version\":", o);
	cli_json_string(o, h->tool_version);
	fprintf(o,
		",\"cpu_count\":%u,\"page_size\":%u,\"pageblock_order\":%u,"
		"\"time_resolution_ns\":%u,\"clock_offset_ns\":%lld,\"raw_addresses\":%s",
		h->cpu_count, h->page_size, h->pageblock_order, h->time_resolution_ns,
		(long long)h->clock_offset_ns, h->raw_addresses ? "true" : "false");
	fprintf(o, ",\"events\":%llu,\"events_by_type\":{", (unsigned long long)s->events);
	int first = 1;
	for (unsigned int t = 1; t < TRACE_LOST; t++) {
		fprintf(o, "%s\"%s\":%llu", first ? "" : ",", trace_type_name(t),
			(unsigned long long)s->type_counts[t]);
		first = 0;
	}
	for (size_t i = 0; i < trace_reader_generic_count(r); i++) {
		uint64_t n;
		const char *name = trace_reader_generic_name(r, i, &n);
		fputc(',', o);
		cli_json_string(o, name);
		fprintf(o, ":%llu", (unsigned long long)n);
	}
	uint64_t unknown = 0;
	for (size_t i = 0; i < trace_reader_lost_count(r); i++)
		unknown += trace_reader_lost(r, i)->count == TRACE_LOST_UNKNOWN;
	fprintf(o, "},\"lost_events\":%llu,\"lost_markers\":%llu,\"lost_unknown_markers\":%llu",
		(unsigned long long)g->lost, (unsigned long long)s->lost_markers,
		(unsigned long long)unknown);
	json_gaps(o, g);
	fprintf(o, ",\"first_ts_ns\":%llu,\"last_ts_ns\":%llu,\"duration_s\":%.6f",
		(unsigned long long)s->first_ts, (unsigned long long)s->last_ts, span_s(s));
	fprintf(o, ",\"file_bytes\":%llu,\"bytes_per_event\":%.4f,\"chunks\":%zu,\"complete\":%s",
		(unsigned long long)s->file_bytes, bytes_per_event(s), trace_reader_chunk_count(r),
		s->complete ? "true" : "false");
	fputs(",\"snapshots\":[", o);
	for (size_t i = 0; i < trace_reader_meta_count(r); i++) {
		if (i)
			fputc(',', o);
		cli_json_string(o, trace_reader_meta(r, i)->name);
	}
	fputs("],\"warning\":", o);
	if (trace_reader_warning(r))
		cli_json_string(o, trace_reader_warning(r));
	else
		fputs("null", o);
	fputs("}\n", o);
}

/* A string from the trace, escaped for a terminal; "?" when empty. */
static const char *term(char *buf, size_t len, const char *s)
{
	return report_escape_term_str(buf, len, s && s[0] ? s : "?");
}

/* Lost events per CPU with the source of each figure. */
static void text_loss(const struct trace_gaps *g)
{
	char a[64], b[64], c[64], k[64];
	bool head = false;
	for (size_t i = 0; i < g->nr_cpus; i++) {
		const struct trace_loss_cpu *l = &g->cpus[i];
		if (!l->lost && !l->markers)
			continue;
		if (!head)
			printf("  %-5s %20s  %-26s %13s %8s %8s %13s\n", "CPU", "lost", "from",
			       "marker events", "markers", "unknown", "kernel count");
		head = true;
		snprintf(a, sizeof(a), "%s%s", l->at_least ? "at least " : "",
			 cli_thousands(b, sizeof(b), l->lost));
		printf("  %-5u %20s  %-26s %13s %8llu %8llu %13s\n", l->cpu, a,
		       trace_loss_source_name(l->source),
		       cli_thousands(b, sizeof(b), l->marker_events),
		       (unsigned long long)l->markers, (unsigned long long)l->unknown_markers,
		       l->have_kernel ? cli_thousands(c, sizeof(c), l->kernel_events) : "-");
	}
	if (g->unread)
		printf("  %s events were left unread in the kernel's buffers at the stop\n",
		       cli_thousands(k, sizeof(k), g->unread));
}

static void print_text(struct trace_reader *r, const char *path, const struct trace_gaps *g)
{
	const struct trace_header *h = trace_reader_header(r);
	const struct trace_summary *s = trace_reader_summary(r);
	char a[64], b[64], t1[4096], t2[1024];

	printf("file:            %s (%s, format %u.%u%s)\n", term(t1, sizeof(t1), path),
	       cli_bytes(a, sizeof(a), s->file_bytes), h->format_major, h->format_minor,
	       s->complete ? "" : ", no index");
	printf("host:            Linux %s %s, %u CPUs, page size %u, pageblock order %u\n",
	       term(t1, sizeof(t1), h->kernel_release), term(t2, sizeof(t2), h->arch), h->cpu_count,
	       h->page_size, h->pageblock_order);
	printf("recorded with:   %s, trace clock %s, timestamps to %u ns%s\n",
	       term(t1, sizeof(t1), h->tool_version), term(t2, sizeof(t2), h->trace_clock),
	       h->time_resolution_ns, h->raw_addresses ? ", RAW kernel addresses" : "");
	printf("time span:       %.6f s (%.6f .. %.6f)\n", span_s(s), (double)s->first_ts / 1e9,
	       (double)s->last_ts / 1e9);
	printf("events:          %s in %zu chunks, %.3f bytes/event\n",
	       cli_thousands(a, sizeof(a), s->events), trace_reader_chunk_count(r),
	       bytes_per_event(s));
	for (unsigned int t = 1; t < TRACE_LOST; t++)
		if (s->type_counts[t])
			printf("  %-34s %14s\n", trace_type_name(t),
			       cli_thousands(a, sizeof(a), s->type_counts[t]));
	for (size_t i = 0; i < trace_reader_generic_count(r); i++) {
		uint64_t n;
		const char *name = trace_reader_generic_name(r, i, &n);
		printf("  %-34s %14s\n", term(t1, sizeof(t1), name),
		       cli_thousands(a, sizeof(a), n));
	}
	printf("lost events:     %s%s", g->at_least ? "at least " : "",
	       cli_thousands(a, sizeof(a), g->lost));
	if (s->lost_markers)
		printf(" in %s places", cli_thousands(b, sizeof(b), s->lost_markers));
	printf(" (%s)\n",
	       g->have_kernel ? "markers and the kernel's ring-buffer counters" : "markers only");
	text_loss(g);
	for (size_t i = 0; i < trace_reader_lost_count(r) && i < 10; i++) {
		const struct trace_lost_info *l = trace_reader_lost(r, i);
		if (l->count == TRACE_LOST_UNKNOWN)
			printf("  CPU %u at %.6f: an unknown number\n", l->cpu,
			       (double)l->ts / 1e9);
		else
			printf("  CPU %u at %.6f: %llu\n", l->cpu, (double)l->ts / 1e9,
			       (unsigned long long)l->count);
	}
	if (trace_reader_lost_count(r) > 10)
		printf("  ... %zu more\n", trace_reader_lost_count(r) - 10);
	if (g->note[0])
		printf("  note: %s\n", g->note);
	const char *why = trace_gaps_addresses_note(g->addresses);
	printf("slab addresses:  %s\n", term(t1, sizeof(t1), g->addresses));
	if (why)
		printf("  %s events not replayable: %s\n",
		       cli_thousands(a, sizeof(a), g->slab_events_dropped), why);
	printf("snapshots:       %s\n", trace_reader_meta_count(r) ? "" : "none");
	for (size_t i = 0; i < trace_reader_meta_count(r); i++) {
		const struct trace_meta_info *m = trace_reader_meta(r, i);
		printf("  %-34s %14s\n", term(t1, sizeof(t1), m->name),
		       cli_bytes(a, sizeof(a), m->size));
	}
	/* the recorder's zone samples (docs/capture.md), counted by their parts' names */
	size_t parts = 0;
	for (size_t i = 0; i < trace_reader_meta_count(r); i++)
		parts += !strncmp(trace_reader_meta(r, i)->name, "capture/zone_samples.", 21);
	printf("zone samples:    %s", parts ? "" : "none (fragtrace check has no drift rows)\n");
	if (parts)
		printf("%zu part%s (fragtrace dump --snapshot capture/zone_samples.0)\n", parts,
		       parts == 1 ? "" : "s");
}

static int info_run(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	int json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		default:
			info_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		info_usage(stderr);
		return EXIT_USAGE;
	}
	const char *path = argv[optind];
	struct trace_reader *r = cli_open_trace(path);
	if (!r)
		return EXIT_RUNTIME;
	struct trace_gaps g;
	int rc = trace_gaps_read(r, &g);
	if (rc) {
		cli_error("%s", rc == TRACE_ENOMEM ? "out of memory" : trace_reader_error(r));
		trace_reader_close(r);
		return EXIT_RUNTIME;
	}
	if (json)
		print_json(r, path, &g);
	else
		print_text(r, path, &g);
	if (g.lost)
		cli_warning("%s: the kernel dropped events (%s%llu lost); replay results after "
			    "those points are less certain (record with a bigger -b or fewer "
			    "events)",
			    path, g.at_least ? "at least " : "", (unsigned long long)g.lost);
	trace_gaps_free(&g);
	trace_reader_close(r);
	return EXIT_OK;
}

const struct cli_command cmd_info = { "info", "show what a trace holds", info_run, info_usage };
