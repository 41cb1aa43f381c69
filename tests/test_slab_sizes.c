// SPDX-License-Identifier: GPL-2.0
/*
 * test_slab_sizes.c - the object size and geometry replay gives a slab cache, above all one the
 * trace names first at a kmem_cache_free (replay_decode.c's cache_index, replay_variant.c's
 * cache_config_for, replay_host.c's snapshots).
 *
 * Each case is a handcrafted trace of a 2048-page host (one Normal zone at pfn 262144, slab
 * addresses physical) whose start page map holds a few order-0 slab pages, replayed with
 * mainline from the warm start:
 * - free first, allocated later: a cache's first event is the free of an object from before
 *   the trace, then 9 allocations of 512 bytes follow. The size is the allocations' (8 objects
 *   a slab: 2 slab pages), not 64 bytes (64 a slab: 1 page), as it was before.
 * - only freed, in start slab pages: the geometry comes from start/slab_attributes when it has
 *   the cache (2 objects a slab), else from start/slabinfo (4 objects a slab): the start slab
 *   adopted at the first free holds that many objects, so one free more than that in the page
 *   is an unknown free; before, slabinfo was not read and the cache got 64 bytes (64 a slab).
 * - only freed and in no snapshot: the size is guessed (64 bytes) and counted
 *   (slab_cache_size_guessed, the counters table), 1; 0 in the other cases.
 */
#include "check.h"
#include "replay.h"
#include "replay_internal.h"
#include "test_tmp.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BASE  262144ull
#define PAGES 2048ull
/* the start map's order-0 slab pages */
#define SLAB_A (BASE + 100)
#define SLAB_B (BASE + 101)
#define SLAB_C (BASE + 102)

static unsigned start_class(uint64_t p)
{
	return p == SLAB_A || p == SLAB_B || p == SLAB_C ? PC_SLAB : PC_FREE;
}

struct writer {
	struct trace_writer *w;
	uint64_t ts;
};

/* The test host's trace with its start snapshots; slab_attributes and slabinfo may be NULL. */
static void open_trace(struct writer *t, const char *path, const char *slab_attributes,
		       const char *slabinfo)
{
	struct trace_header h = {
		.page_size = 4096, .pageblock_order = 9, .cpu_count = 2, .time_resolution_ns = 1000
	};
	char zone[256], hdr[64];
	const char *opts = "addresses: physical\n";
	snprintf(h.kernel_release, sizeof(h.kernel_release), "slab-sizes");
	snprintf(zone, sizeof(zone),
		 "Node 0, zone   Normal\n        min      100\n        low      120\n"
		 "        spanned  %llu\n        present  %llu\n  start_pfn:           %llu\n",
		 PAGES, PAGES, BASE);
	/* a page map ("fragtrace-pagemap 1") of pfns 0 .. BASE + PAGES, two 4-bit classes a byte */
	int hl = snprintf(hdr, sizeof(hdr), "fragtrace-pagemap 1 %llu\n", BASE + PAGES);
	size_t len = (size_t)hl + (size_t)(BASE + PAGES + 1) / 2;
	uint8_t *map = calloc(1, len);
	CHECK_FATAL(map != NULL);
	memcpy(map, hdr, (size_t)hl);
	for (uint64_t p = BASE; p < BASE + PAGES; p++)
		map[(uint64_t)hl + p / 2] |= (uint8_t)(start_class(p) << ((p & 1) * 4));

	t->ts = 1000000;
	CHECK_FATAL(trace_writer_open(path, &h, NULL, &t->w) == 0);
	CHECK(trace_writer_add_meta(t->w, "start/zoneinfo", zone, strlen(zone)) == 0);
	CHECK(trace_writer_add_meta(t->w, "start/pagemap", map, len) == 0);
	CHECK(trace_writer_add_meta(t->w, "capture/options", opts, strlen(opts)) == 0);
	if (slab_attributes)
		CHECK(trace_writer_add_meta(t->w, "start/slab_attributes", slab_attributes,
					    strlen(slab_attributes)) == 0);
	if (slabinfo)
		CHECK(trace_writer_add_meta(t->w, "start/slabinfo", slabinfo, strlen(slabinfo)) ==
		      0);
	free(map);
}

static void slab_event(struct writer *t, unsigned type, uint64_t addr, uint64_t bytes,
		       const char *cache)
{
	struct trace_event ev = { .ts = t->ts += 1000, .type = (uint16_t)type, .cpu = 1 };
	int64_t id = trace_writer_intern(t->w, cache);
	CHECK_FATAL(id > 0);
	ev.slab.addr = addr;
	ev.slab.bytes_req = ev.slab.bytes_alloc = type == TRACE_SLAB_ALLOC ? bytes : 0;
	ev.slab.cache = (uint32_t)id;
	ev.slab.gfp = 0xcc0; /* GFP_KERNEL */
	ev.slab.node = 0;
	CHECK(trace_writer_add(t->w, &ev) == 0);
}

static struct replay_result *replay(struct writer *t, const char *path)
{
	struct replay_variant_spec spec;
	struct replay_options o = { .start = REPLAY_WARM,
				    .loops = 1,
				    .threads = 1,
				    .sample_ns = 100000000,
				    .check_model = true };
	struct replay_result *r;
	char err[512];
	CHECK_FATAL(trace_writer_close(t->w) == 0);
	trace_writer_free(t->w);
	CHECK_FATAL(replay_variant_parse("mainline", &spec, err, sizeof(err)) == 0);
	CHECK_FATAL(replay_trace(path, &o, &spec, 1, &r, err, sizeof(err)) == 0, "%s", err);
	return r;
}

/* A cache first named by a free, then allocated: its allocations' size. */
static void test_free_first(const char *path)
{
	struct writer t;
	open_trace(&t, path, NULL, NULL);
	slab_event(&t, TRACE_SLAB_FREE, (BASE + 1000) * 4096 + 512, 0, "alpha");
	for (uint64_t k = 0; k < 9; k++)
		slab_event(&t, TRACE_SLAB_ALLOC, 0x200000000ull + k * 512, 512, "alpha");
	struct replay_result *r = replay(&t, path);
	const struct replay_variant_result *v = &r->variants[0];
	CHECK_EQ(v->slab.allocs, 9);
	CHECK_EQ(v->slab.unknown_frees, 1);
	/* 512 bytes: 8 objects a slab, so 9 take two slab pages (64 bytes: one) */
	CHECK_EQ(v->slab.slab_pages_allocated, 2);
	CHECK_EQ(v->loss.slab_cache_size_guessed, 0);
	replay_result_free(r);
	printf("slab_sizes: a cache first seen at a free has its allocations' size\n");
}

/* Caches named only by frees of objects in start slab pages: the snapshots' geometry. */
static void test_snapshot_geometry(const char *path)
{
	static const char attributes[] =
		"# cache object_size objs_per_slab order reclaim_account slab_size\n"
		"beta 2048 2 0 0 2048\n";
	static const char slabinfo[] =
		"slabinfo - version: 2.1\n"
		"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> "
		": "
		"tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> "
		"<num_slabs> <sharedavail>\n"
		"beta                  8      8   1024    4    1 : tunables    0    0    0 : "
		"slabdata      2      2      0\n"
		"gamma                 8      8   1024    4    1 : tunables    0    0    0 : "
		"slabdata      2      2      0\n";
	struct writer t;
	open_trace(&t, path, attributes, slabinfo);
	/* beta (slab_attributes: 2 a slab): 3 frees in one start page, the third unknown */
	for (uint64_t k = 0; k < 3; k++)
		slab_event(&t, TRACE_SLAB_FREE, SLAB_A * 4096 + k * 1024, 0, "beta");
	/* gamma (slabinfo only: 4 a slab): 5 frees in one start page, the fifth unknown */
	for (uint64_t k = 0; k < 5; k++)
		slab_event(&t, TRACE_SLAB_FREE, SLAB_B * 4096 + k * 512, 0, "gamma");
	struct replay_result *r = replay(&t, path);
	const struct replay_variant_result *v = &r->variants[0];
	CHECK_EQ(v->slab.start_slabs, 2);
	CHECK_EQ(v->slab.start_slab_frees, 2 + 4);
	CHECK_EQ(v->slab.unknown_frees, 2);
	CHECK_EQ(v->loss.slab_cache_size_guessed, 0);
	replay_result_free(r);
	printf("slab_sizes: caches only freed take slab_attributes', else slabinfo's geometry\n");
}

/* A cache named only by frees and in no snapshot: its size is guessed, and counted. */
static void test_guessed(const char *path)
{
	struct writer t;
	open_trace(&t, path, NULL, NULL);
	for (uint64_t k = 0; k < 3; k++)
		slab_event(&t, TRACE_SLAB_FREE, SLAB_C * 4096 + k * 64, 0, "delta");
	struct replay_result *r = replay(&t, path);
	const struct replay_variant_result *v = &r->variants[0];
	CHECK_EQ(v->slab.start_slabs, 1);
	CHECK_EQ(v->slab.start_slab_frees, 3); /* 64 bytes assumed: 64 objects a slab */
	CHECK_EQ(v->loss.slab_cache_size_guessed, 1);
	replay_result_free(r);
	printf("slab_sizes: a cache of no known size is counted (slab_cache_size_guessed)\n");
}

int main(void)
{
	char path[64];
	test_tmp_path(path, sizeof(path), "slab-sizes.fgt");
	test_free_first(path);
	test_snapshot_geometry(path);
	test_guessed(path);
	unlink(path);
	return test_summary("slab_sizes");
}
