// SPDX-License-Identifier: GPL-2.0
/*
 * capture_import.c - `fragtrace import`: a trace-cmd trace.dat (through libtracecmd) into the
 * .fgt format, with the same event conversion as live capture. Records come in timestamp order
 * across CPUs (tracecmd_iterate_events); every event of the file is kept, the ones fragtrace
 * does not model as generic records; missed-event counts become lost markers.
 *
 * A trace.dat holds kernel virtual addresses and no page map, so slab object addresses become
 * keyed hashes (identity kept) unless --raw-addresses; call sites are symbolized with the
 * kallsyms the file carries.
 *
 * Everything else the file stores goes into the .fgt too: the kernel release and machine
 * (UNAME option), page size and CPU count, the trace clock in use (TRACECLOCK), trace-cmd's
 * version, the event formats (rebuilt as text, capture_import_formats.c) and the per-CPU
 * ring-buffer statistics (CPUSTAT, as end/cpu_stats; their overruns and drops are reported in
 * capture/options). A trace.dat stores no memory state of the host (no zoneinfo, no page
 * map): `fragtrace snapshot` and --snapshots, or replay's --mem / --layout, give that.
 */
#include "capture_import_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <trace-cmd.h>

struct import_state {
	struct capture_converter *conv;
	struct trace_writer *w;
	struct import_result *res;
	uint64_t last_ts, total;
	const struct import_options *o;
	uint8_t blob[4096];
	int rc;
};

static int on_record(struct tracecmd_input *h, struct tep_record *rec, int cpu, void *data)
{
	struct import_state *st = data;
	(void)h;
	if (st->rc)
		return 1;
	uint64_t ts = rec->ts < st->last_ts ? st->last_ts : rec->ts;
	if (rec->missed_events) {
		struct trace_event lost = { .ts = ts,
					    .type = TRACE_LOST,
					    .cpu = (uint16_t)cpu,
					    .lost.count = rec->missed_events > 0
								  ? (uint64_t)rec->missed_events
								  : TRACE_LOST_UNKNOWN };
		if (trace_writer_add(st->w, &lost)) {
			st->rc = -1;
			return 1;
		}
		st->res->lost_markers++;
		if (lost.lost.count != TRACE_LOST_UNKNOWN)
			st->res->lost_events += lost.lost.count;
	}
	struct trace_event ev = { .ts = ts, .cpu = (uint16_t)cpu };
	if (!converter_convert(st->conv, rec->data, (unsigned)rec->size, &ev, st->blob,
			       sizeof(st->blob)))
		return 0;
	if (trace_writer_add(st->w, &ev)) {
		st->rc = -1;
		return 1;
	}
	st->last_ts = ts;
	if (!(++st->res->events & 0xffff) && st->o->progress)
		st->o->progress(st->o->progress_ctx, st->res->events, st->total, 0, 1);
	return 0;
}

/*
 * Exported by libtracecmd 3.x (the functions trace-cmd's own report and dump use) but declared
 * only in its private header, so declared here: the option sections of the file.
 */
const char *tracecmd_get_uname(struct tracecmd_input *handle);
const char *tracecmd_get_version(struct tracecmd_input *handle);
const char *tracecmd_get_trace_clock(struct tracecmd_input *handle);
const char *tracecmd_get_cpustats(struct tracecmd_input *handle);
int tracecmd_page_size(struct tracecmd_input *handle);
int tracecmd_cpus(struct tracecmd_input *handle);

bool capture_import_is_tracecmd(const char *path)
{
	static const unsigned char magic[10] = {
		0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'
	};
	unsigned char head[10];
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : NULL;
	bool yes = f && fread(head, 1, sizeof(head), f) == sizeof(head) &&
		   !memcmp(head, magic, sizeof(magic));
	if (f)
		fclose(f);
	return yes;
}

/* UNAME "sysname nodename release machine" into the header's release and arch. */
static void header_from_uname(struct trace_header *h, const char *uname)
{
	char sys[64], node[128], rel[128], mach[32];
	if (uname && sscanf(uname, "%63s %127s %127s %31s", sys, node, rel, mach) == 4) {
		snprintf(h->kernel_release, sizeof(h->kernel_release), "%s", rel);
		snprintf(h->arch, sizeof(h->arch), "%s", mach);
	}
}

/* TRACECLOCK: the trace_clock file, "[local] global ...": the bracketed one is in use. */
static void header_clock(struct trace_header *h, const char *clock)
{
	const char *lb = clock ? strchr(clock, '[') : NULL;
	if (lb && sscanf(lb + 1, "%31[^]]", h->trace_clock) == 1)
		return;
	if (clock && sscanf(clock, "%31s", h->trace_clock) == 1)
		return;
	h->trace_clock[0] = 0;
}

/*
 * CPUSTAT: per CPU "entries", "overrun", "read events", "dropped events" when recording ended.
 * Entries plus read events is what was recorded (the progress total); overruns and drops are
 * events the kernel lost, which the file may not mark.
 */
static void cpustats_sum(const char *stats, uint64_t *recorded, uint64_t *lost)
{
	*recorded = *lost = 0;
	for (const char *l = stats; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned long long v;
		if (sscanf(l, "entries: %llu", &v) == 1 || sscanf(l, "read events: %llu", &v) == 1)
			*recorded += v;
		else if (sscanf(l, "overrun: %llu", &v) == 1 ||
			 sscanf(l, "dropped events: %llu", &v) == 1)
			*lost += v;
	}
}

int capture_import_tracecmd(const char *in, const char *out, const struct import_options *o,
			    struct import_result *res, char *err, size_t errlen)
{
	bool raw_addresses = o->raw_addresses;
	struct tracecmd_input *h = tracecmd_open(in, TRACECMD_FL_LOAD_NO_PLUGINS);
	struct capture_event *events = NULL;
	struct trace_writer *w = NULL;
	struct import_state st = { .res = res };
	char *formats = NULL;
	struct addr_map am = { .raw = raw_addresses, .max_phys = 1ull << 52 };
	int n = 0, rc = -1;

	memset(res, 0, sizeof(*res));
	if (!h) {
		snprintf(err, errlen, "%s: not a readable trace-cmd file", in);
		return -1;
	}
	struct tep_handle *tep = tracecmd_get_tep(h);
	struct tep_event **all = tep_list_events(tep, TEP_EVENT_SORT_ID);
	int count = 0;
	while (all && all[count])
		count++;
	const char **names = calloc((size_t)count + 1, sizeof(*names));
	char *storage = calloc((size_t)count + 1, 128);
	if (!names || !storage) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (int i = 0; i < count; i++) {
		snprintf(storage + (size_t)i * 128, 128, "%s:%s", all[i]->system, all[i]->name);
		names[i] = storage + (size_t)i * 128;
	}
	if (capture_events_resolve(tep, names, &events, &n, err, errlen))
		goto out;
	if (getrandom(&am.hash_key, sizeof(am.hash_key), 0) != sizeof(am.hash_key))
		am.hash_key = 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)&am;

	int page_size = tracecmd_page_size(h), cpus = tracecmd_cpus(h);
	struct trace_header hdr = { .page_size = (uint32_t)(page_size > 0 ? page_size : 0),
				    .pageblock_order = 9,
				    .cpu_count = (uint32_t)(cpus > 0 ? cpus : tep_get_cpus(tep)),
				    .time_resolution_ns = 1000,
				    .raw_addresses = raw_addresses };
	const char *stats = tracecmd_get_cpustats(h), *version = tracecmd_get_version(h);
	uint64_t recorded, overrun;
	header_from_uname(&hdr, tracecmd_get_uname(h));
	header_clock(&hdr, tracecmd_get_trace_clock(h));
	cpustats_sum(stats, &recorded, &overrun);
	formats = import_formats_text(tep, &hdr.event_formats_len);
	hdr.event_formats = formats;
	if (import_writer_open(in, out, &hdr, o, "trace-cmd", res, &w, err, errlen))
		goto out;
	char opts[1024];
	int ol = snprintf(opts, sizeof(opts),
			  "imported from: trace-cmd %s\naddresses: %s\ntrace-cmd version: %s\n"
			  "uname: %s\nevents the kernel overwrote or dropped (cpustats): %llu\n",
			  in, raw_addresses ? "raw" : "hashed", version ? version : "unknown",
			  tracecmd_get_uname(h) ? tracecmd_get_uname(h) : "unknown",
			  (unsigned long long)overrun);
	if (trace_writer_add_meta(w, "capture/options", opts, (size_t)ol) ||
	    (stats && trace_writer_add_meta(w, "end/cpu_stats", stats, strlen(stats)))) {
		snprintf(err, errlen, "%s", trace_writer_error(w));
		goto out;
	}
	st.total = recorded;
	st.o = o;
	st.w = w;
	st.conv = converter_create(events, n, w, NULL, &am, raw_addresses);
	if (!st.conv) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	converter_set_tep(st.conv, tep);
	tracecmd_iterate_events(h, NULL, 0, on_record, &st);
	if (st.rc || trace_writer_close(w)) {
		snprintf(err, errlen, "%s", trace_writer_error(w));
		goto out;
	}
	res->bytes = trace_writer_bytes(w);
	if (o->progress)
		o->progress(o->progress_ctx, res->events, res->events, 0, 1);
	rc = 0;
out:
	converter_free(st.conv);
	trace_writer_free(w);
	free(events);
	free(names);
	free(storage);
	free(formats);

	tracecmd_close(h);
	return rc;
}
