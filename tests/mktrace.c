// SPDX-License-Identifier: GPL-2.0
/*
 * mktrace.c - write a small synthetic .fgt for tests: `mktrace OUT EVENTS [CHUNK_EVENTS]`.
 *
 * The events come from the realistic synthetic stream, plus one lost marker, one generic
 * record and two snapshots, so that every part of the file format is present.
 */
#include "synth_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t intern(void *ctx, const char *s)
{
	return trace_writer_string(ctx, s);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: mktrace OUT EVENTS [CHUNK_EVENTS]\n");
		return 2;
	}
	size_t n = strtoull(argv[2], NULL, 0);
	struct trace_writer_options o = { .chunk_events = argc > 3 ? (uint32_t)atoi(argv[3]) : 0 };
	struct trace_header h = {
		.page_size = 4096, .pageblock_order = 9, .cpu_count = 2, .time_resolution_ns = 1000
	};
	snprintf(h.kernel_release, sizeof(h.kernel_release), "6.18.0-synthetic");
	snprintf(h.arch, sizeof(h.arch), "x86_64");
	snprintf(h.trace_clock, sizeof(h.trace_clock), "local");
	snprintf(h.tool_version, sizeof(h.tool_version), "mktrace");
	struct trace_writer *w;
	if (trace_writer_open(argv[1], &h, &o, &w)) {
		fprintf(stderr, "mktrace: %s\n", trace_writer_error(w));
		return 1;
	}
	const char meminfo[] = "MemTotal:       24000000 kB\nMemFree:        23000000 kB\n";
	trace_writer_add_meta(w, "start/meminfo", meminfo, sizeof(meminfo) - 1);
	struct synth_stream_params p = { .seed = 1, .intern = intern, .intern_ctx = w };
	struct synth_stream *s = synth_stream_create(&p);
	uint32_t generic = trace_writer_string(w, "compaction:mm_compaction_begin");
	struct trace_event ev;
	for (size_t i = 0; i < n; i++) {
		synth_stream_next(s, &ev, 1);
		if (i == n / 3) {
			struct trace_event lost = { .ts = ev.ts, .type = TRACE_LOST, .cpu = 1 };
			lost.lost.count = 42;
			trace_writer_add(w, &lost);
		}
		if (i == n / 2) {
			static const uint8_t raw[16] = { 1, 2, 3, 4, 5, 6, 7, 8 };
			struct trace_event g = { .ts = ev.ts, .type = TRACE_GENERIC, .cpu = 0 };
			g.generic = (struct trace_generic){ generic, sizeof(raw), raw };
			trace_writer_add(w, &g);
		}
		if (trace_writer_add(w, &ev))
			break;
	}
	synth_stream_free(s);
	trace_writer_add_meta(w, "end/meminfo", meminfo, sizeof(meminfo) - 1);
	int rc = trace_writer_close(w);
	if (rc)
		fprintf(stderr, "mktrace: %s\n", trace_writer_error(w));
	trace_writer_free(w);
	return rc ? 1 : 0;
}
