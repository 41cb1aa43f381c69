// SPDX-License-Identifier: GPL-2.0
/*
 * capture_import_text.c - `fragtrace import --text` / `--perf`: events printed as text
 * (trace_pipe, `trace-cmd report`, or `perf script`, capture_import_perf.c) into the .fgt
 * format. Which of the two syntaxes a file uses is seen from its first event line (or perf's
 * header) unless the command line says. The header lines before the first event give the host
 * where they can ("cpus=2"; perf's "# os release : ..."), and the command line's --release,
 * --page-size, --cpus, ... complete or override them: the output's header is written when
 * the first event arrives. Progress is reported in bytes of input.
 *
 * A line is "TASK-PID [CPU] [FLAGS] SECONDS: EVENT: FIELDS"; lines that are not events
 * (headers, "cpus=2") are skipped and counted. Fields are read by name (key=value), and the
 * shrinker events by their fixed wording. Text has no system names and no format files, so:
 * the event names the kernel uses for the twelve modelled events are recognised, anything else
 * becomes a generic record named "text:EVENT" holding the field text; gfp flags printed by name
 * are turned back into bits with the layout of Linux 6.x (__GFP_IO is bit 6, ... as on this
 * project's kernels; a hex value is taken as it is); call sites printed as "sym+0xoff/0xsize"
 * keep "sym+0xoff". Pointers printed raw (0xffff...) become keyed hashes unless
 * --raw-addresses; pointers the kernel printed hashed (%p) are kept as the identities they are.
 * Every other kernel virtual address in the kept text (generic records' fields, names) is
 * hashed the same way (scrub), so the header's "addresses: hashed" holds for every byte.
 * Input that is not text ends the import with an error: a NUL byte, or a line longer than
 * LINE_MAX_BYTES.
 */
#include "capture_import_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

struct gfp_name {
	const char *name;
	uint64_t bits;
};

#define B(n)		 (1ull << (n))
#define RECLAIM		 (B(10) | B(11))
#define KERNEL		 (RECLAIM | B(6) | B(7))
#define USER		 (KERNEL | B(20))
#define HIGHUSER_MOVABLE (USER | B(1) | B(3))
#define TRANSHUGE_LIGHT	 ((HIGHUSER_MOVABLE | B(18) | B(19) | B(13)) & ~RECLAIM)

static const struct gfp_name gfp_names[] = {
	{ "GFP_TRANSHUGE", TRANSHUGE_LIGHT | B(10) },
	{ "GFP_TRANSHUGE_LIGHT", TRANSHUGE_LIGHT },
	{ "GFP_HIGHUSER_MOVABLE", HIGHUSER_MOVABLE },
	{ "GFP_HIGHUSER", USER | B(1) },
	{ "GFP_USER", USER },
	{ "GFP_KERNEL_ACCOUNT", KERNEL | B(22) },
	{ "GFP_KERNEL", KERNEL },
	{ "GFP_NOFS", RECLAIM | B(6) },
	{ "GFP_ATOMIC", B(5) | B(11) },
	{ "GFP_NOIO", RECLAIM },
	{ "GFP_NOWAIT", B(11) | B(13) },
	{ "GFP_DMA", B(0) },
	{ "GFP_DMA32", B(2) },
	{ "__GFP_RECLAIM", RECLAIM },
	{ "__GFP_DMA", B(0) },
	{ "__GFP_HIGHMEM", B(1) },
	{ "__GFP_DMA32", B(2) },
	{ "__GFP_MOVABLE", B(3) },
	{ "__GFP_RECLAIMABLE", B(4) },
	{ "__GFP_HIGH", B(5) },
	{ "__GFP_IO", B(6) },
	{ "__GFP_FS", B(7) },
	{ "__GFP_ZERO", B(8) },
	{ "__GFP_DIRECT_RECLAIM", B(10) },
	{ "__GFP_KSWAPD_RECLAIM", B(11) },
	{ "__GFP_WRITE", B(12) },
	{ "__GFP_NOWARN", B(13) },
	{ "__GFP_RETRY_MAYFAIL", B(14) },
	{ "__GFP_NOFAIL", B(15) },
	{ "__GFP_NORETRY", B(16) },
	{ "__GFP_MEMALLOC", B(17) },
	{ "__GFP_COMP", B(18) },
	{ "__GFP_NOMEMALLOC", B(19) },
	{ "__GFP_HARDWALL", B(20) },
	{ "__GFP_THISNODE", B(21) },
	{ "__GFP_ACCOUNT", B(22) },
	{ "__GFP_ZEROTAGS", B(23) },
	{ "__GFP_NO_OBJ_EXT", B(24) },
	{ "none", 0 },
};

struct text_state {
	struct trace_writer *w;
	bool raw;
	uint64_t key, last_ts, unknown_gfp;
};

static uint64_t parse_gfp(struct text_state *st, const char *v)
{
	uint64_t bits = 0;
	if (!strncmp(v, "0x", 2))
		return strtoull(v, NULL, 16);
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *save = NULL, *t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		size_t i = 0;
		while (i < sizeof(gfp_names) / sizeof(gfp_names[0]) && strcmp(gfp_names[i].name, t))
			i++;
		if (i < sizeof(gfp_names) / sizeof(gfp_names[0]))
			bits |= gfp_names[i].bits;
		else if (!strncmp(t, "0x", 2))
			bits |= strtoull(t, NULL, 16);
		else
			st->unknown_gfp++;
	}
	return bits;
}

static uint64_t parse_ptr(struct text_state *st, const char *v)
{
	if (!v || !strcmp(v, "(nil)"))
		return 0;
	uint64_t p = strtoull(v, NULL, 16);
	if (st->raw || p < (1ull << 47))
		return p; /* raw by request, or already hashed by the kernel's %p */
	return addr_hash(st->key, p);
}

/*
 * The hex number of len characters at s ("0x..." of up to 16 digits, or exactly 16 bare digits
 * as %px and %lx print them) into *v; false when s is not one.
 */
static bool hex_token(const char *s, size_t len, uint64_t *v)
{
	size_t skip = len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 2 : 0;
	if (skip ? len - skip > 16 : len != 16)
		return false;
	*v = 0;
	for (size_t i = skip; i < len; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
		*v = *v << 4 | (uint64_t)(isdigit((unsigned char)s[i]) ? s[i] - '0'
								       : (s[i] | 0x20) - 'a' + 10);
	}
	return true;
}

/* A kernel virtual address: the upper half of the address space (hashes have bit 63 clear). */
static bool kernel_va(uint64_t v)
{
	return v >> 63;
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/*
 * in with every kernel virtual address replaced by its keyed hash ("0x" and 16 digits), into
 * out (cap bytes, at least twice in's length plus one). Unless --raw-addresses, every string an
 * imported trace keeps from the text (generic records' fields, names, call sites) goes through
 * here, so no kernel address survives in any field of any event.
 */
static const char *scrub(const struct text_state *st, const char *in, char *out, size_t cap)
{
	size_t o = 0;
	uint64_t v;

	if (st->raw) {
		snprintf(out, cap, "%s", in);
		return out;
	}
	for (size_t i = 0; in[i] && o + 19 < cap;) {
		size_t j = i;
		if (!i || !word_char(in[i - 1]))
			while (word_char(in[j]))
				j++;
		if (j > i && hex_token(in + i, j - i, &v) && kernel_va(v)) {
			o += (size_t)snprintf(out + o, cap - o, "0x%016llx",
					      (unsigned long long)addr_hash(st->key, v));
			i = j;
		} else if (j > i) {
			if (j - i >= cap - o)
				break; /* never a cut-off piece of an address */
			memcpy(out + o, in + i, j - i);
			o += j - i;
			i = j;
		} else {
			out[o++] = in[i++];
		}
	}
	out[o] = 0;
	return out;
}

static uint64_t num(const char *v)
{
	return v ? strtoull(v, NULL, 0) : 0;
}

struct field {
	const char *key;
	char *val;
};

/* Split "k=v k=v" in place. */
static int split_fields(char *s, struct field *f, int max)
{
	int n = 0;
	for (char *save = NULL, *t = strtok_r(s, " ", &save); t && n < max;
	     t = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(t, '=');
		if (!eq)
			continue;
		*eq = 0;
		f[n].key = t;
		f[n++].val = eq + 1;
	}
	return n;
}

static char *get(struct field *f, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(f[i].key, key))
			return f[i].val;
	return NULL;
}

static uint32_t site(struct text_state *st, char *v)
{
	if (!v || !*v)
		return TRACE_NO_STRING;
	char *slash = strchr(v, '/'), clean[1024];
	uint64_t va;
	if (slash)
		*slash = 0;
	if (!st->raw && (!strncmp(v, "0x", 2) || (hex_token(v, strlen(v), &va) && kernel_va(va))))
		return TRACE_NO_STRING; /* an unsymbolized kernel address */
	return trace_writer_string(st->w, scrub(st, v, clean, sizeof(clean)));
}

/* "nid: 0 objects to shrink 12 gfp_flags GFP_KERNEL cache items 5 delta 1 total_scan 3 priority 12" */
static int64_t after(const char *s, const char *word)
{
	const char *p = strstr(s, word);
	return p ? strtoll(p + strlen(word), NULL, 10) : 0;
}

static bool convert(struct text_state *st, const char *event, const char *generic_name, char *rest,
		    struct trace_event *ev, uint8_t *blob, unsigned blob_cap)
{
	struct field f[24];
	char copy[4096];
	int n;

	snprintf(copy, sizeof(copy), "%s", rest);
	if (!strcmp(event, "mm_shrink_slab_start") || !strcmp(event, "mm_shrink_slab_end")) {
		char *sp = strchr(copy, ' ');
		if (sp)
			*sp = 0;
		uint32_t shr = site(st, copy);
		if (event[15] == 's') {
			ev->type = TRACE_SHRINK_START;
			const char *g = strstr(rest, "gfp_flags ");
			char gfp[256] = "";
			if (g)
				sscanf(g + 10, "%255s", gfp);
			ev->shrink_start = (struct trace_shrink_start){
				.shrinker = shr,
				.nid = (int32_t)after(rest, "nid: "),
				.priority = (int32_t)after(rest, "priority "),
				.gfp = parse_gfp(st, gfp),
				.nr_objects_to_shrink = after(rest, "objects to shrink "),
				.cache_items = after(rest, "cache items "),
				.delta = after(rest, "delta "),
				.total_scan = after(rest, "total_scan "),
			};
		} else {
			ev->type = TRACE_SHRINK_END;
			ev->shrink_end = (struct trace_shrink_end){
				.shrinker = shr,
				.nid = (int32_t)after(rest, "nid: "),
				.retval = (int32_t)after(rest, "return val "),
				.unused_scan = after(rest, "unused scan count "),
				.new_scan = after(rest, "new scan count "),
				.total_scan = after(rest, "total_scan "),
			};
		}
		return true;
	}
	n = split_fields(copy, f, 24);
	if (!strcmp(event, "mm_page_alloc") || !strcmp(event, "mm_page_alloc_zone_locked") ||
	    !strcmp(event, "mm_page_free") || !strcmp(event, "mm_page_free_batched") ||
	    !strcmp(event, "mm_page_pcpu_drain")) {
		ev->type = !strcmp(event, "mm_page_alloc") ? TRACE_PAGE_ALLOC
			   : !strcmp(event, "mm_page_alloc_zone_locked")
				   ? TRACE_PAGE_ALLOC_ZONE_LOCKED
			   : !strcmp(event, "mm_page_free")	    ? TRACE_PAGE_FREE
			   : !strcmp(event, "mm_page_free_batched") ? TRACE_PAGE_FREE_BATCHED
								    : TRACE_PAGE_PCPU_DRAIN;
		ev->page = (struct trace_page){ .pfn = num(get(f, n, "pfn")),
						.order = (uint32_t)num(get(f, n, "order")),
						.percpu_refill =
							(uint32_t)num(get(f, n, "percpu_refill")) };
		if (ev->type != TRACE_PAGE_FREE && ev->type != TRACE_PAGE_FREE_BATCHED)
			ev->page.migratetype = (int32_t)num(get(f, n, "migratetype"));
		if (ev->type == TRACE_PAGE_ALLOC)
			ev->page.gfp =
				parse_gfp(st, get(f, n, "gfp_flags") ? get(f, n, "gfp_flags") : "");
		return true;
	}
	if (!strcmp(event, "mm_page_alloc_extfrag")) {
		ev->type = TRACE_PAGE_ALLOC_EXTFRAG;
		ev->extfrag = (struct trace_extfrag){
			.pfn = num(get(f, n, "pfn")),
			.alloc_order = (int32_t)num(get(f, n, "alloc_order")),
			.fallback_order = (int32_t)num(get(f, n, "fallback_order")),
			.alloc_migratetype = (int32_t)num(get(f, n, "alloc_migratetype")),
			.fallback_migratetype = (int32_t)num(get(f, n, "fallback_migratetype")),
			.change_ownership = (int32_t)num(get(f, n, "change_ownership")),
		};
		return true;
	}
	if (!strcmp(event, "kmem_cache_alloc") || !strcmp(event, "kmalloc") ||
	    !strcmp(event, "kmem_cache_free") || !strcmp(event, "kfree")) {
		ev->type = !strcmp(event, "kmem_cache_alloc")  ? TRACE_SLAB_ALLOC
			   : !strcmp(event, "kmalloc")	       ? TRACE_KMALLOC
			   : !strcmp(event, "kmem_cache_free") ? TRACE_SLAB_FREE
							       : TRACE_KFREE;
		char *name = get(f, n, "name"), clean[1024];
		ev->slab = (struct trace_slab){
			.call_site = site(st, get(f, n, "call_site")),
			.addr = parse_ptr(st, get(f, n, "ptr")),
			.cache = name ? trace_writer_string(st->w,
							    scrub(st, name, clean, sizeof(clean)))
				      : TRACE_NO_STRING,
		};
		if (ev->type == TRACE_SLAB_ALLOC || ev->type == TRACE_KMALLOC) {
			char *acc = get(f, n, "accounted");
			ev->slab.bytes_req = num(get(f, n, "bytes_req"));
			ev->slab.bytes_alloc = num(get(f, n, "bytes_alloc"));
			ev->slab.gfp =
				parse_gfp(st, get(f, n, "gfp_flags") ? get(f, n, "gfp_flags") : "");
			ev->slab.node = (int32_t)strtol(get(f, n, "node") ? get(f, n, "node") : "0",
							NULL, 10);
			ev->slab.accounted = acc && !strcmp(acc, "true");
		}
		return true;
	}
	char gname[160], clean[512];
	snprintf(gname, sizeof(gname), "%s", scrub(st, generic_name, clean, sizeof(clean)));
	scrub(st, rest, copy, sizeof(copy));
	size_t len = strlen(copy);
	if (len > blob_cap)
		len = blob_cap;
	memcpy(blob, copy, len);
	ev->type = TRACE_GENERIC;
	ev->generic = (struct trace_generic){ .name = trace_writer_string(st->w, gname),
					      .size = (uint32_t)len,
					      .data = blob };
	return true;
}

/* "TASK-PID [CPU] [FLAGS] SECONDS: EVENT: REST" -> its parts; false for other lines. */
static bool parse_line(char *line, int *pid, int *cpu, uint64_t *ts, char **event, char **rest)
{
	char *lb = strchr(line, '['), *rb = lb ? strchr(lb, ']') : NULL;
	if (!lb || !rb)
		return false;
	char *dash = lb;
	while (dash > line && dash[-1] == ' ')
		dash--;
	char *p = dash;
	while (p > line && isdigit((unsigned char)p[-1]))
		p--;
	if (p == dash || p == line || p[-1] != '-')
		return false;
	*pid = atoi(p);
	*cpu = atoi(lb + 1);
	char *s = rb + 1;
	for (int tok = 0; tok < 2; tok++) {
		while (*s == ' ')
			s++;
		char *end;
		double secs = strtod(s, &end);
		if (end != s && *end == ':') {
			if (!(secs >= 0 && secs < 1.8e10)) /* NaN, negative, or past 2^64 ns */
				return false;
			*ts = (uint64_t)(secs * 1e9 + 0.5);
			s = end + 1;
			while (*s == ' ')
				s++;
			char *colon = strchr(s, ':');
			if (!colon)
				return false;
			*colon = 0;
			*event = s;
			s = colon + 1;
			while (*s == ' ')
				s++;
			if (*s == '(') { /* trace-cmd report's "(call_site)" */
				char *close = strchr(s, ')');
				if (close)
					s = close + 1;
				while (*s == ' ')
					s++;
			}
			*rest = s;
			char *nl = strchr(s, '\n');
			if (nl)
				*nl = 0;
			return true;
		}
		while (*s && *s != ' ')
			s++; /* the flags column of trace_pipe */
	}
	return false;
}

#define LINE_MAX_BYTES 8192

/*
 * One line of at most len - 1 bytes into line, NUL-terminated, newline kept: 1, 0 at the end of
 * the input, -1 for a NUL byte (binary data, not text), -2 for a line that does not end within
 * the bound. Both errors end the import, so /dev/zero or a binary file cannot loop forever.
 */
static int read_line(FILE *f, char *line, size_t len)
{
	size_t n = 0;
	int c;
	while (n + 1 < len && (c = getc_unlocked(f)) != EOF) {
		if (!c)
			return -1;
		line[n++] = (char)c;
		if (c == '\n')
			break;
	}
	line[n] = 0;
	if (!n)
		return 0;
	return line[n - 1] == '\n' || n + 1 < len ? 1 : -2;
}

/* What one text import holds between lines. */
struct text_import {
	const char *in, *out;
	const struct import_options *o;
	struct import_result *res;
	enum import_text_format format;
	struct trace_header h; /* from header lines until the first event opens the writer */
	char notes[2048];      /* header lines worth keeping (perf's memory figures) */
};

/* The header lines before the first event: trace-cmd report's "cpus=N", perf's "# key : v". */
static void header_line(struct text_import *ti, const char *line)
{
	unsigned cpus;
	if (ti->format == IMPORT_TEXT_PERF)
		perf_parse_header(line, &ti->h, ti->notes, sizeof(ti->notes));
	else if (sscanf(line, "cpus=%u", &cpus) == 1 && cpus && cpus <= 65536)
		ti->h.cpu_count = cpus;
}

static int open_output(struct text_import *ti, struct text_state *st, char *err, size_t errlen)
{
	if (ti->format == IMPORT_TEXT_PERF) /* perf record's default: perf_clock, the local one */
		snprintf(ti->h.trace_clock, sizeof(ti->h.trace_clock), "perf");
	if (import_writer_open(ti->in, ti->out, &ti->h, ti->o,
			       ti->format == IMPORT_TEXT_PERF ? "perf script" : "text", ti->res,
			       &st->w, err, errlen))
		return -1;
	return 0;
}

/* One event line, split by the input's syntax: 1 an event, 2 a lost marker, 0 not an event. */
static int split_line(struct text_import *ti, char *line, struct trace_event *ev, char **event,
		      char **rest, char *gname, size_t gcap)
{
	int pid, cpu;
	uint64_t ts;
	if (ti->format == IMPORT_TEXT_PERF) {
		struct perf_line pl;
		if (!perf_parse_line(line, &pl))
			return 0;
		*ev = (struct trace_event){ .ts = pl.ts, .cpu = (uint16_t)pl.cpu, .pid = pl.pid };
		if (pl.lost) {
			ev->type = TRACE_LOST;
			ev->lost.count = pl.lost;
			return 2;
		}
		*event = pl.event;
		*rest = pl.rest;
		snprintf(gname, gcap, "%s:%s", pl.system, pl.event);
		return 1;
	}
	if (!parse_line(line, &pid, &cpu, &ts, event, rest))
		return 0;
	*ev = (struct trace_event){ .ts = ts, .cpu = (uint16_t)cpu, .pid = pid };
	snprintf(gname, gcap, "text:%s", *event);
	return 1;
}

/* AUTO: the first line that is an event (or perf's header) decides. */
static void detect(struct text_import *ti, const char *line)
{
	char copy[LINE_MAX_BYTES];
	int pid, cpu;
	uint64_t ts;
	char *event, *rest;
	if (perf_looks_like(line)) {
		ti->format = IMPORT_TEXT_PERF;
		return;
	}
	snprintf(copy, sizeof(copy), "%s", line);
	if (parse_line(copy, &pid, &cpu, &ts, &event, &rest))
		ti->format = IMPORT_TEXT_FTRACE;
}

static uint64_t input_size(FILE *f)
{
	struct stat sb;
	return !fstat(fileno(f), &sb) && S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
}

int capture_import_text(const char *in, const char *out, const struct import_options *o,
			struct import_result *res, char *err, size_t errlen)
{
	FILE *f = strcmp(in, "-") ? fopen(in, "r") : stdin;
	struct text_import ti = { .in = in,
				  .out = out,
				  .o = o,
				  .res = res,
				  .format = o->text_format,
				  .h = { .pageblock_order = 9,
					 .time_resolution_ns = 1000,
					 .raw_addresses = o->raw_addresses } };
	struct text_state st = { .raw = o->raw_addresses };
	char line[LINE_MAX_BYTES], gname[160];
	uint8_t blob[4096];
	uint64_t lineno = 0, skipped = 0, done = 0, total;
	int rc = -1, got;

	memset(res, 0, sizeof(*res));
	if (!f) {
		snprintf(err, errlen, "%s: cannot open", in);
		return -1;
	}
	total = input_size(f);
	if (getrandom(&st.key, sizeof(st.key), 0) != sizeof(st.key))
		st.key = 0x9E3779B97F4A7C15ull;
	while ((got = read_line(f, line, sizeof(line))) > 0) {
		struct trace_event ev;
		char *event = NULL, *rest = NULL;
		lineno++;
		done += strlen(line);
		if (ti.format == IMPORT_TEXT_AUTO)
			detect(&ti, line);
		int kind = split_line(&ti, line, &ev, &event, &rest, gname, sizeof(gname));
		if (!kind) {
			if (!st.w)
				header_line(&ti, line);
			skipped++;
			continue;
		}
		if (!st.w && open_output(&ti, &st, err, errlen))
			goto out;
		ev.ts = ev.ts < st.last_ts ? st.last_ts : ev.ts;
		if (kind == 2) {
			res->lost_markers++;
			if (ev.lost.count != TRACE_LOST_UNKNOWN)
				res->lost_events += ev.lost.count;
		} else if (!convert(&st, event, gname, rest, &ev, blob, sizeof(blob))) {
			continue;
		}
		if (trace_writer_add(st.w, &ev)) {
			snprintf(err, errlen, "%s: line %llu: %s", in, (unsigned long long)lineno,
				 trace_writer_error(st.w));
			goto out;
		}
		st.last_ts = ev.ts;
		if (kind == 1 && !(++res->events & 0xffff) && o->progress)
			o->progress(o->progress_ctx, done, total, 0, 1);
	}
	if (got < 0 || ferror(f)) {
		snprintf(err, errlen, "%s: line %llu: %s", in, (unsigned long long)lineno + 1,
			 ferror(f)   ? "read error"
			 : got == -1 ? "a NUL byte: not a text trace"
				     : "no newline within 8191 bytes: not a text trace");
		goto out;
	}
	if (ti.format == IMPORT_TEXT_AUTO) {
		snprintf(err, errlen,
			 "%s: not a trace-cmd file, and no line is an event as trace_pipe, "
			 "'trace-cmd report' or 'perf script' print them",
			 in);
		goto out;
	}
	if (!st.w && open_output(&ti, &st, err, errlen))
		goto out;
	char opts[4096];
	int ol = snprintf(opts, sizeof(opts),
			  "imported from: %s %s\naddresses: %s\nlines not events: %llu\n"
			  "gfp names not understood: %llu\n%s",
			  ti.format == IMPORT_TEXT_PERF ? "perf script" : "text", in,
			  o->raw_addresses ? "raw" : "hashed", (unsigned long long)skipped,
			  (unsigned long long)st.unknown_gfp, ti.notes);
	if (ol >= (int)sizeof(opts))
		ol = (int)sizeof(opts) - 1;
	if (trace_writer_add_meta(st.w, "capture/options", opts, (size_t)ol) ||
	    trace_writer_close(st.w)) {
		snprintf(err, errlen, "%s", trace_writer_error(st.w));
		goto out;
	}
	res->bytes = trace_writer_bytes(st.w);
	if (o->progress)
		o->progress(o->progress_ctx, total ? total : done, total ? total : done, 0, 1);
	rc = 0;
out:
	trace_writer_free(st.w);
	if (f != stdin)
		fclose(f);
	return rc;
}
