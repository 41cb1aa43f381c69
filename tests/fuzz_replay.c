// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_replay.c - libFuzzer target for the replay engine: any sequence of page and slab events,
 * however inconsistent (double frees, frees of the unknown, impossible orders, pfns outside
 * the host, drains of empty lists, lost markers), replayed under spb+all and observe from a warm
 * start with the invariant checkers at every sample. The replay must finish with consistent
 * models or a clean error; never crash, hang or leak.
 *
 * Input: byte 0 picks the start mode and --loop; then 8-byte records: type, cpu, pfn (3 bytes,
 * an offset into a 32 MiB host, sometimes past it), order, migratetype, extra (refill bit,
 * cache, size).
 */
#include "replay.h"
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BASE  262144u
#define PAGES 8192u

static const unsigned types[] = {
	TRACE_PAGE_ALLOC,      TRACE_PAGE_ALLOC_ZONE_LOCKED,
	TRACE_PAGE_FREE,       TRACE_PAGE_FREE_BATCHED,
	TRACE_PAGE_PCPU_DRAIN, TRACE_SLAB_ALLOC,
	TRACE_SLAB_FREE,       TRACE_KMALLOC,
	TRACE_KFREE,	       TRACE_LOST,
};

static int write_trace(const char *path, const uint8_t *data, size_t size)
{
	struct trace_header h = {
		.page_size = 4096, .pageblock_order = 9, .cpu_count = 2, .time_resolution_ns = 1000
	};
	struct trace_writer *w;
	snprintf(h.kernel_release, sizeof(h.kernel_release), "fuzz");
	if (trace_writer_open(path, &h, NULL, &w)) {
		trace_writer_free(w);
		return -1;
	}
	char zone[256];
	int n = snprintf(zone, sizeof(zone),
			 "Node 0, zone   Normal\n        min      64\n        low      80\n"
			 "        spanned  %u\n        present  %u\n  start_pfn:   %u\n",
			 PAGES, PAGES, BASE);
	trace_writer_add_meta(w, "start/zoneinfo", zone, (size_t)n);
	trace_writer_add_meta(w, "capture/options", "addresses: physical\n", 20);
	/* a start page map: a few allocated runs of every class */
	static uint8_t map[64 + (BASE + PAGES) / 2];
	int hl = snprintf((char *)map, 64, "fragtrace-pagemap 1 %u\n", BASE + PAGES);
	memset(map + hl, 0, (BASE + PAGES) / 2);
	for (uint32_t p = BASE; p < BASE + PAGES; p++) {
		unsigned cls = (p / 97) % 11;
		map[(size_t)hl + p / 2] |= (uint8_t)((cls ? cls : 1) << ((p & 1) * 4));
	}
	trace_writer_add_meta(w, "start/pagemap", map, (size_t)hl + (BASE + PAGES) / 2);
	int64_t cache = trace_writer_intern(w, "dentry");
	uint64_t ts = 1000;
	for (size_t i = 1; i + 8 <= size; i += 8) {
		const uint8_t *r = data + i;
		struct trace_event ev = { .type = (uint16_t)types[r[0] % 10], .cpu = r[1] & 1 };
		uint32_t off = (uint32_t)r[2] | (uint32_t)r[3] << 8 | (uint32_t)(r[4] & 0x7f) << 16;
		uint64_t pfn = BASE + off % (PAGES + PAGES / 8);
		ts += 1000u * (1 + (r[7] >> 4));
		ev.ts = ts;
		if (ev.type == TRACE_LOST) {
			ev.lost.count = r[5];
		} else if (ev.type >= TRACE_SLAB_ALLOC) {
			ev.slab.addr = pfn * 4096 + (r[6] & 0x3f) * 64;
			ev.slab.bytes_req = ev.slab.bytes_alloc = 8u << (r[5] % 12);
			ev.slab.cache = ev.type == TRACE_SLAB_ALLOC || ev.type == TRACE_SLAB_FREE
						? (uint32_t)cache
						: 0;
			ev.slab.gfp = r[7] & 1 ? 1u << 4 : 0;
		} else {
			ev.page.pfn = r[5] == 0xff ? UINT64_MAX : pfn;
			ev.page.order = r[5] % 12;
			ev.page.migratetype = (int)(r[6] % 7) - 1;
			ev.page.gfp = (uint64_t)r[6] << 3;
			ev.page.percpu_refill = r[7] & 1;
		}
		if (trace_writer_add(w, &ev))
			break;
	}
	int rc = trace_writer_close(w);
	trace_writer_free(w);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!size)
		return 0;
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz-replay-%d.fgt", (int)getpid());
	if (write_trace(path, data, size)) {
		unlink(path);
		return 0;
	}
	struct replay_variant_spec specs[2];
	char err[512];
	replay_variant_parse("spb+all", &specs[0], err, sizeof(err));
	replay_variant_parse("observe", &specs[1], err, sizeof(err));
	struct replay_options o = { .start = data[0] & 1 ? REPLAY_COLD : REPLAY_WARM,
				    .loops = 1 + (data[0] >> 1 & 1),
				    .threads = 1,
				    .sample_ns = 2000000,
				    .check_model = true };
	struct replay_result *r;
	if (replay_trace(path, &o, specs, 2, &r, err, sizeof(err)) == 0) {
		replay_result_free(r);
	} else if (strstr(err, "model check failed")) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	unlink(path);
	return 0;
}
