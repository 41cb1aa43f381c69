// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_dump.c - `fragtrace dump FILE [--start T] [--end T] [--events LIST]`: one event a line.
 *
 * The line format follows `trace-cmd report`: who, [cpu], timestamp in seconds, the event
 * name, then its fields as name=value. --start seeks through the index, so dumping the end
 * of a long trace does not decode its beginning. Strings from the trace (names, call sites, a
 * snapshot shown on a terminal) are escaped: a trace cannot send control sequences to a
 * terminal.
 */
#include "cli.h"
#include "report_escape.h"
#include "trace.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void dump_usage(FILE *out)
{
	fprintf(out,
		"usage: fragtrace dump [--start T] [--end T] [--events LIST] FILE\n"
		"       fragtrace dump --snapshot NAME FILE\n\n"
		"Print a trace's events, one a line, like 'trace-cmd report'.\n\n"
		"  -s, --start T      first timestamp to print, in seconds as printed\n"
		"  -e, --end T        last timestamp to print, in seconds\n"
		"  -E, --events LIST  comma-separated events: 'mm_page_alloc', 'kmem:kfree',\n"
		"                     a whole system ('kmem', 'vmscan'), 'lost' or a generic\n"
		"                     event's name\n"
		"  -S, --snapshot NAME print a stored snapshot ('start/zoneinfo', ...) as it is\n"
		"  -h, --help         show this help\n");
}

struct dump_filter {
	int any;
	uint8_t types[TRACE_NR_TYPES];
	char **generic; /* names of generic events to keep */
	size_t ngeneric;
};

static int filter_add(struct dump_filter *f, const char *name)
{
	int hit = 0;
	size_t nlen = strlen(name);
	for (unsigned int t = 1; t < TRACE_NR_TYPES; t++) {
		const char *full = trace_type_name(t), *colon = strchr(full, ':');
		if (!strcmp(full, name) || (colon && !strcmp(colon + 1, name)) ||
		    (colon && (size_t)(colon - full) == nlen && !strncmp(full, name, nlen))) {
			f->types[t] = 1;
			hit = 1;
		}
	}
	if (!hit) { /* maybe a generic event's name */
		char **g = realloc(f->generic, (f->ngeneric + 1) * sizeof(*g));
		if (!g)
			return -1;
		f->generic = g;
		f->generic[f->ngeneric++] = strdup(name);
		f->types[TRACE_GENERIC] = 1;
	}
	f->any = 1;
	return 0;
}

static int filter_keep(const struct dump_filter *f, struct trace_reader *r,
		       const struct trace_event *ev)
{
	if (!f->any)
		return 1;
	if (!f->types[ev->type])
		return 0;
	if (ev->type != TRACE_GENERIC || !f->ngeneric)
		return 1;
	const char *name = trace_reader_string(r, ev->generic.name);
	for (size_t i = 0; name && i < f->ngeneric; i++) {
		const char *colon = strchr(name, ':');
		if (!strcmp(name, f->generic[i]) || (colon && !strcmp(colon + 1, f->generic[i])))
			return 1;
	}
	return 0;
}

/* The string for id (dflt when none), escaped for a terminal into one of two buffers. */
static const char *str_or(struct trace_reader *r, uint32_t id, const char *dflt)
{
	static char bufs[2][1024];
	static int next;
	const char *s = trace_reader_string(r, id);
	next ^= 1;
	return report_escape_term_str(bufs[next], sizeof(bufs[next]), s ? s : dflt);
}

/* A 32-bit field of a generic record at off (-1 when the record is too short or off < 0). */
static bool generic_i32(const struct trace_generic *g, int off, int32_t *v)
{
	if (off < 0 || (uint64_t)off + 4 > g->size)
		return false;
	memcpy(v, g->data + off, 4);
	return true;
}

/*
 * kswapd's wake and sleep (generic records replay reads, replay_decode.c) by their fields, at
 * the offsets of the trace's own format files: true when printed.
 */
static bool print_kswapd(struct trace_reader *r, const struct trace_event *ev)
{
	static struct trace_reader *cached;
	static int wake_nid, wake_zid, wake_order, sleep_nid;
	const struct trace_header *h = trace_reader_header(r);
	const char *name = trace_reader_string(r, ev->generic.name);
	int32_t a, b, c;

	if (!name || strncmp(name, "vmscan:mm_vmscan_kswapd_", 24))
		return false;
	if (cached != r) {
		const char *f = h->event_formats;
		size_t n = h->event_formats_len;
		wake_nid = trace_format_field_offset(f, n, "mm_vmscan_kswapd_wake", "nid");
		wake_zid = trace_format_field_offset(f, n, "mm_vmscan_kswapd_wake", "zid");
		wake_order = trace_format_field_offset(f, n, "mm_vmscan_kswapd_wake", "order");
		sleep_nid = trace_format_field_offset(f, n, "mm_vmscan_kswapd_sleep", "nid");
		cached = r;
	}
	if (!strcmp(name + 24, "wake") && generic_i32(&ev->generic, wake_nid, &a) &&
	    generic_i32(&ev->generic, wake_zid, &b) && generic_i32(&ev->generic, wake_order, &c)) {
		printf("nid=%d zid=%d order=%d", a, b, c);
		return true;
	}
	if (!strcmp(name + 24, "sleep") && generic_i32(&ev->generic, sleep_nid, &a)) {
		printf("nid=%d", a);
		return true;
	}
	return false;
}

static void print_fields(struct trace_reader *r, const struct trace_event *ev)
{
	const struct trace_page *p = &ev->page;
	const struct trace_slab *s = &ev->slab;

	switch (ev->type) {
	case TRACE_PAGE_ALLOC:
		printf("pfn=0x%" PRIx64 " order=%u migratetype=%d gfp_flags=0x%" PRIx64, p->pfn,
		       p->order, p->migratetype, p->gfp);
		break;
	case TRACE_PAGE_ALLOC_ZONE_LOCKED:
		printf("pfn=0x%" PRIx64 " order=%u migratetype=%d percpu_refill=%u", p->pfn,
		       p->order, p->migratetype, p->percpu_refill);
		break;
	case TRACE_PAGE_PCPU_DRAIN:
		printf("pfn=0x%" PRIx64 " order=%u migratetype=%d", p->pfn, p->order,
		       p->migratetype);
		break;
	case TRACE_PAGE_FREE:
		printf("pfn=0x%" PRIx64 " order=%u", p->pfn, p->order);
		break;
	case TRACE_PAGE_FREE_BATCHED:
		printf("pfn=0x%" PRIx64 " order=0", p->pfn);
		break;
	case TRACE_PAGE_ALLOC_EXTFRAG: {
		const struct trace_extfrag *x = &ev->extfrag;
		printf("pfn=0x%" PRIx64 " alloc_order=%d fallback_order=%d alloc_migratetype=%d "
		       "fallback_migratetype=%d change_ownership=%d",
		       x->pfn, x->alloc_order, x->fallback_order, x->alloc_migratetype,
		       x->fallback_migratetype, x->change_ownership);
		break;
	}
	case TRACE_SLAB_ALLOC:
	case TRACE_KMALLOC:
		printf("call_site=%s ptr=0x%" PRIx64, str_or(r, s->call_site, "?"), s->addr);
		if (ev->type == TRACE_SLAB_ALLOC || s->cache)
			printf(" name=%s", str_or(r, s->cache, "?"));
		printf(" bytes_req=%" PRIu64 " bytes_alloc=%" PRIu64 " gfp_flags=0x%" PRIx64
		       " node=%d accounted=%s",
		       s->bytes_req, s->bytes_alloc, s->gfp, s->node,
		       s->accounted ? "true" : "false");
		break;
	case TRACE_SLAB_FREE:
		printf("call_site=%s ptr=0x%" PRIx64 " name=%s", str_or(r, s->call_site, "?"),
		       s->addr, str_or(r, s->cache, "?"));
		break;
	case TRACE_KFREE:
		printf("call_site=%s ptr=0x%" PRIx64, str_or(r, s->call_site, "?"), s->addr);
		break;
	case TRACE_SHRINK_START: {
		const struct trace_shrink_start *x = &ev->shrink_start;
		printf("%s nid=%d objects to shrink %" PRId64 " gfp_flags=0x%" PRIx64
		       " cache items %" PRId64 " delta %" PRId64 " total_scan %" PRId64
		       " priority %d",
		       str_or(r, x->shrinker, "?"), x->nid, x->nr_objects_to_shrink, x->gfp,
		       x->cache_items, x->delta, x->total_scan, x->priority);
		break;
	}
	case TRACE_SHRINK_END: {
		const struct trace_shrink_end *x = &ev->shrink_end;
		printf("%s nid=%d unused scan count %" PRId64 " new scan count %" PRId64
		       " total_scan %" PRId64 " last shrinker return val %d",
		       str_or(r, x->shrinker, "?"), x->nid, x->unused_scan, x->new_scan,
		       x->total_scan, x->retval);
		break;
	}
	case TRACE_LOST:
		if (ev->lost.count == TRACE_LOST_UNKNOWN)
			printf("[LOST EVENTS]");
		else
			printf("[LOST %" PRIu64 " EVENTS]", ev->lost.count);
		break;
	case TRACE_GENERIC:
		if (print_kswapd(r, ev))
			break;
		printf("%u bytes:", ev->generic.size);
		for (uint32_t i = 0; i < ev->generic.size && i < 64; i++)
			printf(" %02x", ev->generic.data[i]);
		if (ev->generic.size > 64)
			printf(" ...");
		break;
	}
}

static void print_event(struct trace_reader *r, const struct trace_event *ev)
{
	const char *name = trace_type_name(ev->type), *colon = strchr(name, ':');
	if (ev->type == TRACE_GENERIC) {
		name = str_or(r, ev->generic.name, "generic");
		colon = strchr(name, ':');
	}
	printf("%16s-%-7d [%03u] %6" PRIu64 ".%06" PRIu64 ": %s: ", "<...>", ev->pid, ev->cpu,
	       ev->ts / 1000000000u, (ev->ts % 1000000000u) / 1000u, colon ? colon + 1 : name);
	print_fields(r, ev);
	putchar('\n');
}

/* --snapshot NAME: the metadata blob as it was stored. */
static int dump_snapshot(struct trace_reader *r, const char *path, const char *name)
{
	for (size_t i = 0; i < trace_reader_meta_count(r); i++) {
		if (strcmp(trace_reader_meta(r, i)->name, name))
			continue;
		void *data;
		size_t len;
		if (trace_reader_meta_load(r, i, &data, &len)) {
			cli_error("%s", trace_reader_error(r));
			return EXIT_RUNTIME;
		}
		int bad;
		if (isatty(STDOUT_FILENO)) { /* a terminal gets no control characters */
			char *text = malloc(len + 1);
			if (text) {
				memcpy(text, data, len);
				text[len] = 0;
				report_escape_term(stdout, text, 1);
			}
			bad = !text || fflush(stdout);
			free(text);
		} else {
			bad = fwrite(data, 1, len, stdout) != len || fflush(stdout);
		}
		free(data);
		if (bad) {
			cli_error("dump: writing output failed");
			return EXIT_RUNTIME;
		}
		return EXIT_OK;
	}
	cli_error("%s: no snapshot named '%s' (see 'fragtrace info')", path, name);
	return EXIT_RUNTIME;
}

static int dump_run(int argc, char **argv)
{
	static const struct option opts[] = { { "start", required_argument, NULL, 's' },
					      { "end", required_argument, NULL, 'e' },
					      { "events", required_argument, NULL, 'E' },
					      { "snapshot", required_argument, NULL, 'S' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	uint64_t start = 0, end = UINT64_MAX;
	struct dump_filter f = { 0 };
	const char *snapshot = NULL;
	int c, rc = EXIT_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:e:E:S:h", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			snapshot = optarg;
			break;
		case 's':
		case 'e':
			if (cli_parse_seconds(optarg, c == 's' ? &start : &end)) {
				cli_error("dump: bad time '%s' (seconds, e.g. 1234.5)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'E': {
			char *list = strdup(optarg), *save = NULL;
			for (char *t = strtok_r(list, ",", &save); t;
			     t = strtok_r(NULL, ",", &save))
				filter_add(&f, t);
			free(list);
			break;
		}
		default:
			dump_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		dump_usage(stderr);
		return EXIT_USAGE;
	}
	const char *path = argv[optind];
	struct trace_reader *r = cli_open_trace(path);
	if (!r)
		return EXIT_RUNTIME;
	if (snapshot) {
		rc = dump_snapshot(r, path, snapshot);
		trace_reader_close(r);
		return rc;
	}
	int n = start ? trace_reader_seek(r, start) : 0;
	const struct trace_event *evs;
	while (n >= 0 && (n = trace_reader_next_batch(r, &evs)) > 0) {
		int i;
		for (i = 0; i < n && evs[i].ts <= end; i++)
			if (filter_keep(&f, r, &evs[i]))
				print_event(r, &evs[i]);
		if (i < n)
			break;
	}
	if (n < 0) {
		fflush(stdout);
		cli_error("%s", trace_reader_error(r));
		rc = EXIT_RUNTIME;
	}
	for (size_t i = 0; i < f.ngeneric; i++)
		free(f.generic[i]);
	free(f.generic);
	trace_reader_close(r);
	if (fflush(stdout) && rc == EXIT_OK) {
		cli_error("dump: writing output failed");
		rc = EXIT_RUNTIME;
	}
	return rc;
}

const struct cli_command cmd_dump = { "dump", "print a trace's events, one a line", dump_run,
				      dump_usage };
