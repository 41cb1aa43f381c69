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
 */
#include "capture_internal.h"
#include "capture_import.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <trace-cmd.h>

struct import_state {
	struct capture_converter *conv;
	struct trace_writer *w;
	struct import_result *res;
	uint64_t last_ts;
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
	st->res->events++;
	return 0;
}

int import_writer_open(const char *in, const char *out, struct trace_header *h, const char *clock,
		       const char *source, struct trace_writer **w, char *err, size_t errlen)
{
	snprintf(h->trace_clock, sizeof(h->trace_clock), "%s", clock);
	snprintf(h->tool_version, sizeof(h->tool_version), "fragtrace import (%s)", source);
	snprintf(h->kernel_release, sizeof(h->kernel_release), "unknown (%s import)", source);
	snprintf(h->arch, sizeof(h->arch), "unknown");
	const char *inputs[] = { strcmp(in, "-") ? in : "/dev/stdin", NULL };
	struct trace_writer_options wo = { .inputs = inputs };
	if (trace_writer_open(out, h, &wo, w)) {
		snprintf(err, errlen, "%s", trace_writer_error(*w));
		return -1;
	}
	return 0;
}

int capture_import_tracecmd(const char *in, const char *out, bool raw_addresses,
			    struct import_result *res, char *err, size_t errlen)
{
	struct tracecmd_input *h = tracecmd_open(in, TRACECMD_FL_LOAD_NO_PLUGINS);
	struct capture_event *events = NULL;
	struct trace_writer *w = NULL;
	struct import_state st = { .res = res };
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

	struct trace_header hdr = { .page_size = (uint32_t)tep_get_page_size(tep),
				    .pageblock_order = 9,
				    .cpu_count = (uint32_t)tep_get_cpus(tep),
				    .time_resolution_ns = 1000,
				    .raw_addresses = raw_addresses };
	if (import_writer_open(in, out, &hdr, "trace-cmd", "trace-cmd", &w, err, errlen))
		goto out;
	char opts[256];
	int ol = snprintf(opts, sizeof(opts), "imported from: trace-cmd %s\naddresses: %s\n", in,
			  raw_addresses ? "raw" : "hashed");
	if (trace_writer_add_meta(w, "capture/options", opts, (size_t)ol)) {
		snprintf(err, errlen, "%s", trace_writer_error(w));
		goto out;
	}
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
	rc = 0;
out:
	converter_free(st.conv);
	trace_writer_free(w);
	free(events);
	free(names);
	free(storage);

	tracecmd_close(h);
	return rc;
}
