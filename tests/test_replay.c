// SPDX-License-Identifier: GPL-2.0
/*
 * test_replay.c - the replay engine's parts and whole.
 *
 * - The identity map against an obviously correct reference (a sorted array), in lockstep
 *   over random inserts, overwrites and deletes, with backward-shift deletion's probe runs.
 * - gfp translation from this machine's mm_page_alloc format (when tracefs is there) and from
 *   the 6.x fallback.
 * - The equilibrium method on flat, ramping, noisy and short series.
 * - Variant parsing: presets, overrides, errors.
 * - Whole replays of synthetic traces: the invariant checkers run at every sample; 1 and 2
 *   threads give identical samples; warm and cold starts; --loop carries live allocations;
 *   observe mode on a synthetic trace agrees with itself; the placed start packs a host's
 *   scattered slab pages through the SPB policy and keeps their trace names; the shrinker
 *   calibration from a trace's mm_shrink_slab events and slabinfo; the caller's fallback
 *   serves a failed order-9 __GFP_NORETRY folio with order-8 pieces, and its free frees them.
 * - Per-CPU lists: pcp_rmqueue_smallest's split, the kernel's pcp->high, its decay and
 *   nr_pcp_alloc's refills; on a bundled trace, no non-movable pages stranded on the lists.
 * - The page-cache LRU ring grown in place with its head past 0: the same entries, in order.
 * - Twins of the batched frees of aligned order-0 runs (the per-CPU drain, lru_shrink,
 *   shrink_warm) against page-at-a-time model_free in the same order: the models compared
 *   whole (model_compare.h) and the lists, the LRU ring, maps, reclaimed and warm bits.
 * - Bundled traces (argv[1] = traces/): warm start from a real page map, every variant
 *   checked.
 */
#include "model_test.h"
#include "model_compare.h"
#include "replay.h"
#include "replay_internal.h"
#include "synth_workload.h"
#include "test_tmp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * warm_next() (variant_free_warm_range's skip over pages without a warm bit) against warm_test()
 * pfn by pfn: random sparse and dense bitmaps, ranges inside and across warm_pfns.
 */
static void test_warm_next(void)
{
	enum { PFNS = 1000 };
	uint64_t bits[PFNS / 64 + 1];
	struct variant_state v = { .warm = bits, .warm_pfns = PFNS };

	test_rng_state = 19;
	for (int round = 0; round < 200; round++) {
		uint64_t density = 1 + rnd() % 64; /* one pfn in density has its bit */
		for (size_t w = 0; w < PFNS / 64 + 1; w++)
			bits[w] = 0;
		for (uint64_t p = 0; p < PFNS; p++)
			if (rnd() % density == 0)
				bits[p / 64] |= 1ull << (p % 64);
		for (int q = 0; q < 50; q++) {
			uint64_t p = rnd() % (PFNS + 80), end = p + rnd() % 700, want = p;
			while (want < end && !warm_test(&v, want))
				want++;
			CHECK_EQ(warm_next(&v, p, end), want);
		}
	}
}

/*
 * variant_reclaimed_take() (its inline test, then variant_reclaimed_clear) against the bitmap
 * bit by bit: the head's bit returned, every bit of [pfn, pfn + 2^order) below warm_pfns
 * cleared, no other changed; orders 0-10 at every alignment, inside and across warm_pfns.
 */
static void test_reclaimed_take(void)
{
	enum { PFNS = 3000, WORDS = PFNS / 64 + 1 };
	uint64_t bits[WORDS], want[WORDS];
	struct variant_state v = { .warm_pfns = PFNS };

	v.lru.reclaimed = bits;
	test_rng_state = 23;
	for (int round = 0; round < 300; round++) {
		uint64_t density = 1 + rnd() % 200;
		for (size_t w = 0; w < WORDS; w++)
			bits[w] = 0;
		for (uint64_t p = 0; p < PFNS; p++)
			if (rnd() % density == 0)
				bits[p / 64] |= 1ull << (p % 64);
		for (int q = 0; q < 40; q++) {
			unsigned order = (unsigned)(rnd() % 11);
			uint64_t pfn = rnd() % (PFNS + 100);
			if (rnd() % 2)
				pfn &= ~((1ull << order) - 1);
			memcpy(want, bits, sizeof(want));
			bool head = pfn < PFNS && (want[pfn / 64] >> (pfn % 64)) & 1;
			for (uint64_t p = pfn; p < pfn + (1ull << order) && p < PFNS; p++)
				want[p / 64] &= ~(1ull << (p % 64));
			CHECK_EQ(variant_reclaimed_take(&v, pfn, order), head);
			CHECK(!memcmp(bits, want, sizeof(want)));
		}
	}
}

/*
 * variant_free_warm_range() with warm_only, whose aligned blocks of warm order-0 start pages
 * take warm_forget_block() (the LRU's warm count moved once, the warm bits cleared a word at a
 * time), against warm_forget() page by page (variant_lru_warm_gone and warm_clear of each warm
 * page): the same warm bits everywhere and the same warm_left. Start pages are order-0
 * allocations at their own pfn (no start_at), a class each in the start map (most page
 * cache), most pages warm so that blocks of up to a pageblock form, warm_left sometimes
 * smaller than the page cache freed. A block that leaves a page's or a word's bits fails it.
 */
static void test_warm_forget_block(void)
{
	enum { N = 2048 };
	const uint64_t base = NORMAL0, pfns = NORMAL0 + N + 64;
	struct model_config c;
	struct host_desc host;
	struct variant_state va, vb;
	uint64_t *wa = calloc(pfns / 64 + 1, sizeof(*wa)), *wb = calloc(pfns / 64 + 1, sizeof(*wb));
	uint64_t reclaimed = 0, blocks = 0;
	uint8_t *map = calloc(pfns / 2 + 1, 1);
	int err;

	CHECK_FATAL(wa && wb && map);
	test_model_config(&c, MODEL_POLICY_MAINLINE, 1);
	memset(&host, 0, sizeof(host));
	host.start_map = map;
	host.start_map_pfns = pfns;
	test_rng_state = 29;
	for (int round = 0; round < 40; round++) {
		uint64_t density = 1 + rnd() % 40, pagecache = 0; /* one page in density cold */
		memset(wa, 0, (pfns / 64 + 1) * sizeof(*wa));
		memset(map, 0, pfns / 2 + 1);
		va = (struct variant_state){ .warm = wa, .warm_pfns = pfns, .host = &host };
		va.model = model_create(&c, &err);
		CHECK_FATAL(va.model != NULL);
		va.lru.reclaimed = &reclaimed;
		for (uint64_t p = base; p < base + N; p++) {
			unsigned cls = rnd() % 4 ? PC_PAGECACHE : PC_ANON;
			map[p >> 1] |= (uint8_t)(cls << ((p & 1) * 4));
			CHECK_EQ(model_alloc_at(va.model, p, 0, MIGRATE_MOVABLE, true), MODEL_OK);
			if (rnd() % density) {
				wa[p / 64] |= 1ull << (p % 64);
				pagecache += cls == PC_PAGECACHE;
			}
		}
		va.lru.warm_left = rnd() % 3 ? pagecache : rnd() % (pagecache + 1);
		vb = va;
		vb.warm = wb;
		memcpy(wb, wa, (pfns / 64 + 1) * sizeof(*wb));
		for (uint64_t p = base; p < base + N;) {
			unsigned order = (unsigned)(rnd() % 11);
			uint64_t pfn = p & ~((1ull << order) - 1), want = 0;
			if (pfn + (1ull << order) > base + N)
				break;
			for (uint64_t q = pfn; q < pfn + (1ull << order); q++) {
				if (!warm_test(&vb, q))
					continue;
				variant_lru_warm_gone(&vb, q, 0);
				warm_clear(&vb, q);
				want++;
			}
			uint64_t before = model_nr_free_pages(va.model);
			CHECK_EQ(variant_free_warm_range(&va, pfn, order, true), want);
			CHECK_EQ(model_nr_free_pages(va.model), before + want);
			blocks += want > 1;
			CHECK(!memcmp(wa, wb, (pfns / 64 + 1) * sizeof(*wa)),
			      "round %d: warm bits differ after [%#llx, +%u)", round,
			      (unsigned long long)pfn, 1u << order);
			CHECK(va.lru.warm_left == vb.lru.warm_left,
			      "round %d: warm_left %llu, page by page %llu after [%#llx, +%u)",
			      round, (unsigned long long)va.lru.warm_left,
			      (unsigned long long)vb.lru.warm_left, (unsigned long long)pfn,
			      1u << order);
			p = pfn + (1ull << order);
		}
		model_destroy(va.model);
	}
	CHECK(blocks > 0);
	free(wa);
	free(wb);
	free(map);
}

/*
 * variant_identity_add_lru() against variant_identity_add() then variant_lru_add(): the same
 * fwd and rev entries and the same ring (keys, stamps, counts), through ring compactions (most
 * entries freed, ring full), keys mapped already (the slow path) and pages not page cache.
 */
static void test_identity_add_lru(void)
{
	enum { PFNS = 4096 };
	struct replay_variant_result res[2];
	struct variant_state v[2];
	uint64_t a, b;

	for (int i = 0; i < 2; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		memset(&res[i], 0, sizeof(res[i]));
		v[i].res = &res[i];
		CHECK_FATAL(pfn_map_init(&v[i].fwd, PFNS) == 0);
		CHECK_FATAL(pfn_map32_init(&v[i].rev, PFNS) == 0);
	}
	test_rng_state = 29;
	for (int step = 0; step < 60000; step++) {
		struct replay_op op = { .key = rnd() % PFNS, .order = 0, .mt = MIGRATE_MOVABLE };
		uint64_t at = rnd() % PFNS;
		bool cache = rnd() % 4 != 0;
		if (rnd() % 3 == 0) { /* a free: both maps lose it, the LRU its page */
			for (int i = 0; i < 2; i++)
				if (pfn_map_get(&v[i].fwd, op.key, &a)) {
					pfn_map_del(&v[i].fwd, op.key);
					variant_rev_del(&v[i], a & FWD_PFN_MASK);
					variant_lru_forget(&v[i], a);
				}
			continue;
		}
		if (variant_rev_get(&v[0], at, &a))
			continue; /* the model never serves a pfn twice */
		variant_identity_add(&v[0], &op, at);
		if (cache) {
			variant_lru_add(&v[0], op.key);
			variant_identity_add_lru(&v[1], &op, at);
		} else {
			variant_identity_add(&v[1], &op, at);
		}
	}
	for (uint64_t k = 0; k < PFNS; k++) {
		bool ha = pfn_map_get(&v[0].fwd, k, &a), hb = pfn_map_get(&v[1].fwd, k, &b);
		CHECK_FATAL(ha == hb && (!ha || a == b));
		ha = variant_rev_get(&v[0], k, &a);
		hb = variant_rev_get(&v[1], k, &b);
		CHECK_FATAL(ha == hb && (!ha || a == b));
	}
	CHECK(v[0].lru.count == v[1].lru.count && v[0].lru.head == v[1].lru.head);
	CHECK(v[0].lru.live == v[1].lru.live && v[0].lru.live_entries == v[1].lru.live_entries);
	CHECK(v[0].lru.cap == v[1].lru.cap && v[0].lru.seq == v[1].lru.seq);
	for (size_t i = 0; i < v[0].lru.count; i++) {
		size_t at = (v[0].lru.head + i) & (v[0].lru.cap - 1);
		CHECK_FATAL(v[0].lru.ring_key[at] == v[1].lru.ring_key[at]);
		CHECK_FATAL(v[0].lru.ring_stamp[at] == v[1].lru.ring_stamp[at]);
	}
	CHECK(res[0].loss.orphaned_allocations > 0); /* the slow path ran */
	CHECK_EQ(res[0].loss.orphaned_allocations, res[1].loss.orphaned_allocations);
	for (int i = 0; i < 2; i++) {
		variant_lru_destroy(&v[i]);
		pfn_map_free(&v[i].fwd);
		pfn_map32_free(&v[i].rev);
	}
}

static void test_map(void)
{
	enum { N = 4096 };
	static uint64_t ref_val[N];
	static bool ref_has[N];
	struct u64_map m;
	CHECK(u64_map_init(&m, 4) == 0);
	for (int step = 0; step < 400000; step++) {
		/* keys cluster so that probe runs are long and deletions shift them */
		uint64_t k = rnd() % N;
		uint64_t key = k * 4096; /* pfn-like keys with equal low bits */
		switch (rnd() % 3) {
		case 0:
		case 1: {
			uint64_t v = rnd() >> 1;
			CHECK(u64_map_put(&m, key, v) == 0);
			ref_val[k] = v;
			ref_has[k] = true;
			break;
		}
		default:
			CHECK_EQ(u64_map_del(&m, key), ref_has[k]);
			ref_has[k] = false;
			break;
		}
		if (step % 997 == 0) {
			size_t used = 0;
			for (int i = 0; i < N; i++) {
				uint64_t v;
				int has = u64_map_get(&m, (uint64_t)i * 4096, &v);
				CHECK_EQ(has, ref_has[i]);
				if (has)
					CHECK(v == ref_val[i]);
				used += ref_has[i];
			}
			CHECK_EQ(m.used, used);
		}
	}
	/* the empty slots' mark as a key (a corrupt trace's pfn or address): never stored,
	 * never found, never deleted, and the count stays */
	size_t used = m.used;
	uint64_t v = 7;
	CHECK(u64_map_put(&m, U64_MAP_EMPTY, 1) == 0);
	CHECK_EQ(u64_map_get(&m, U64_MAP_EMPTY, &v), 0);
	CHECK_EQ(u64_map_del(&m, U64_MAP_EMPTY), 0);
	CHECK_EQ(m.used, used);
	CHECK(v == 7);
	u64_map_free(&m);
}

/*
 * The identity maps' pfn_map and pfn_map32 against a reference: keys inside the flat range and
 * beyond it (a trace naming pfns the layout lacks), and values the flat array cannot hold
 * (UINT64_MAX; for pfn_map32 any of 32 bits or more), which spill a key of the range and back.
 */
static void test_pfn_map(void)
{
	enum { RANGE = 1000, N = 1500 };
	static uint64_t ref_val[N];
	static bool ref_has[N];
	struct pfn_map m;
	struct pfn_map32 m32; /* the same operations: values of 32 bits or more spill there */
	CHECK(pfn_map_init(&m, RANGE) == 0);
	CHECK(pfn_map32_init(&m32, RANGE) == 0);
	for (int step = 0; step < 300000; step++) {
		uint64_t k = rnd() % N;
		uint64_t key = k < RANGE ? k : k * 4096; /* beyond the range, far beyond */
		switch (rnd() % 4) {
		case 0:
		case 1: {
			uint64_t v = rnd() % 64 == 0 ? UINT64_MAX : rnd() >> (rnd() % 2 ? 1 : 40);
			pfn_map_put(&m, key, v);
			pfn_map32_put(&m32, key, v);
			ref_val[k] = v;
			ref_has[k] = true;
			break;
		}
		case 2:
			CHECK_EQ(pfn_map_del(&m, key), ref_has[k]);
			CHECK_EQ(pfn_map32_del(&m32, key), ref_has[k]);
			ref_has[k] = false;
			break;
		default: {
			uint64_t v = 0, v32 = 0;
			bool has = pfn_map_get(&m, key, &v);
			CHECK_EQ(has, ref_has[k]);
			CHECK_EQ(pfn_map32_get(&m32, key, &v32), ref_has[k]);
			if (has)
				CHECK(v == ref_val[k] && v32 == ref_val[k]);
			break;
		}
		}
	}
	for (uint64_t k = 0; k < N; k++) {
		uint64_t v = 0, v32 = 0;
		CHECK_EQ(pfn_map_get(&m, k < RANGE ? k : k * 4096, &v), ref_has[k]);
		CHECK_EQ(pfn_map32_get(&m32, k < RANGE ? k : k * 4096, &v32), ref_has[k]);
		if (ref_has[k])
			CHECK(v == ref_val[k] && v32 == ref_val[k]);
	}
	pfn_map_free(&m);
	pfn_map32_free(&m32);
}

/* Lines of /proc/self/maps: the process's mappings. */
static unsigned count_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned n = 0;
	int c;
	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/*
 * The flat arrays' mappings go whole: maps of sizes that are not whole pages, made and freed
 * many times, leave no mapping behind (the tail beyond the 2 MiB alignment was once left
 * mapped, since munmap refused its unaligned start).
 */
static void test_pfn_map_unmapped(void)
{
	unsigned before = count_mappings();
	for (int i = 0; i < 64; i++) {
		struct pfn_map m;
		struct pfn_map32 m32;
		CHECK(pfn_map_init(&m, 1000 + (uint64_t)i * 77) == 0);
		CHECK(pfn_map32_init(&m32, 3000 + (uint64_t)i * 13) == 0);
		pfn_map_put(&m, 5, 7);
		pfn_map_free(&m);
		pfn_map32_free(&m32);
	}
	unsigned after = count_mappings();
	CHECK(before > 0 && after <= before + 2, "mappings %u before, %u after", before, after);
}

static void test_gfp(void)
{
	struct gfp_table t;
	gfp_table_build(&t, NULL, 0);
	CHECK(!t.from_formats);
	CHECK_EQ(gfp_translate(&t, 1ull << 3), MODEL_GFP_MOVABLE);
	CHECK_EQ(gfp_translate(&t, (1ull << 10) | (1ull << 11) | (1ull << 6) | (1ull << 7)),
		 MODEL_GFP_KERNEL);
	/* an older kernel's hex entries */
	const char *old =
		"name: mm_page_alloc\nID: 1\nprint fmt: \"x\", __print_flags(REC->gfp_flags, "
		"\"|\", {(unsigned long)0x10u, \"__GFP_MOVABLE\"}, {(unsigned long)0x20u, "
		"\"__GFP_RECLAIMABLE\"}, {(unsigned long)0x1u, \"__GFP_DMA\"}, {(unsigned "
		"long)0x2u, \"__GFP_HIGHMEM\"}, {(unsigned long)0x4u, \"__GFP_DMA32\"}, "
		"{(unsigned long)0x40u, \"__GFP_HIGH\"}, {(unsigned long)0x80u, "
		"\"__GFP_IO\"}, {(unsigned long)0x100u, \"__GFP_FS\"})\n";
	gfp_table_build(&t, old, strlen(old));
	CHECK(t.from_formats);
	CHECK_EQ(gfp_translate(&t, 0x10), MODEL_GFP_MOVABLE);
	CHECK_EQ(gfp_translate(&t, 0x20 | 0x100), MODEL_GFP_RECLAIMABLE | MODEL_GFP_FS);
	/* this machine's own format, when there is one */
	FILE *f = fopen("/sys/kernel/tracing/events/kmem/mm_page_alloc/format", "r");
	if (!f) {
		printf("gfp: no readable tracefs format here, skipping the live format check\n");
		return;
	}
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	gfp_table_build(&t, buf, n);
	CHECK(t.from_formats);
	/* the 6.x numbering: movable is bit 3, reclaimable 4, direct reclaim 10 */
	CHECK_EQ(gfp_translate(&t, 1ull << 3), MODEL_GFP_MOVABLE);
	CHECK_EQ(gfp_translate(&t, 1ull << 10), MODEL_GFP_DIRECT_RECLAIM);
}

static void series(struct replay_sample *s, size_t n, double (*f)(size_t))
{
	memset(s, 0, n * sizeof(*s));
	for (size_t i = 0; i < n; i++) {
		s[i].t_ns = (uint64_t)i * 100000000;
		s[i].stats.tainted_regions = (uint32_t)lround(f(i));
	}
}
static double flat_after_rise(size_t i)
{
	return i < 40 ? 10 + (double)i : 50;
}
static double ramp(size_t i)
{
	return 10 + (double)i / 2;
}
static double noisy(size_t i)
{
	return 30 + (double)(i * 7919 % 5) - 2;
}

static void test_equilibrium(void)
{
	static struct replay_sample s[200];
	struct replay_equilibrium eq;

	series(s, 200, flat_after_rise);
	replay_equilibrium_find(s, 200, 100000000, &eq);
	CHECK(eq.reached);
	CHECK(fabs(eq.value - 50) < 1e-9);
	CHECK_EQ(eq.spread, 0);
	CHECK(fabs(eq.settle_s - 3.9) < 0.11); /* 49 is within the band of 50 */

	series(s, 200, ramp);
	replay_equilibrium_find(s, 200, 100000000, &eq);
	CHECK(!eq.reached);
	CHECK(!strcmp(eq.reason, "spread too wide") || !strcmp(eq.reason, "still moving"));

	series(s, 200, noisy); /* spread 4 around 30: band 1, spread > 2 x band */
	replay_equilibrium_find(s, 200, 100000000, &eq);
	CHECK(!eq.reached);
	CHECK(!strcmp(eq.reason, "spread too wide"));

	series(s, 10, flat_after_rise);
	replay_equilibrium_find(s, 10, 100000000, &eq);
	CHECK(!eq.reached);
	CHECK(!strcmp(eq.reason, "too short"));
}

static void test_parse(void)
{
	struct replay_variant_spec v;
	char err[256];
	CHECK(replay_variant_parse("spb+all", &v, err, sizeof(err)) == 0);
	CHECK(v.policy == MODEL_POLICY_SPB && v.params.trigger_demand && v.pcp);
	/* the kernel's start per-CPU rules are every preset's default; '=0' turns them off */
	CHECK(v.pcp_zone_pagesets && v.start_pcp_free);
	CHECK(replay_variant_parse("mainline:pcp_zone_pagesets=0,start_pcp_free=0", &v, err,
				   sizeof(err)) == 0);
	CHECK(!v.pcp_zone_pagesets && !v.start_pcp_free);
	/* mainline boosts its watermarks by default (the kernel does; the series does not) */
	CHECK(v.params.watermark_boost);
	CHECK(replay_variant_parse("mainline:watermark_boost=0", &v, err, sizeof(err)) == 0);
	CHECK(!v.params.watermark_boost);
	CHECK(replay_variant_parse("spb+all", &v, err, sizeof(err)) == 0);
	CHECK(!v.params.watermark_boost);
	CHECK(replay_variant_parse("spb:trigger_supply=1,evac_requests=8,pcp=off,freeable_ppm=5",
				   &v, err, sizeof(err)) == 0);
	CHECK(v.params.trigger_supply && !v.params.trigger_demand);
	CHECK_EQ(v.params.evac_requests, 8);
	CHECK(!v.pcp);
	CHECK_EQ(v.slab.freeable_ppm, 5);
	CHECK(v.overridden != 0);
	CHECK(replay_variant_parse("observe", &v, err, sizeof(err)) == 0 && v.observe);
	CHECK(replay_variant_parse("nosuch", &v, err, sizeof(err)) < 0);
	CHECK(strstr(err, "unknown variant"));
	CHECK(replay_variant_parse("spb:bogus=1", &v, err, sizeof(err)) < 0);
	CHECK(strstr(err, "unknown parameter"));
	CHECK(replay_variant_parse("spb:evac_requests=-1", &v, err, sizeof(err)) < 0);
	CHECK(replay_variant_parse("spb:warm_hints=maybe", &v, err, sizeof(err)) < 0);
	CHECK(replay_variant_parse("spb:warm_hints", &v, err, sizeof(err)) < 0);
}

static uint64_t sample_ns = 100000000;

/* Replay path under the named variants with options o; a failure ends the test. */
static struct replay_result *run_with(const char *path, const char *const *names, size_t n,
				      const struct replay_options *o)
{
	struct replay_variant_spec specs[8];
	struct replay_result *r;
	char err[1024];
	for (size_t i = 0; i < n; i++)
		CHECK(replay_variant_parse(names[i], &specs[i], err, sizeof(err)) == 0);
	if (replay_trace(path, o, specs, n, &r, err, sizeof(err))) {
		fprintf(stderr, "replay %s: %s\n", path, err);
		exit(1);
	}
	return r;
}

static struct replay_result *run(const char *path, const char *const *names, size_t n,
				 enum replay_start start, unsigned threads, unsigned loops)
{
	struct replay_options o = { .start = start,
				    .loops = loops,
				    .threads = threads,
				    .sample_ns = sample_ns,
				    .check_model = true };
	return run_with(path, names, n, &o);
}

static void same_results(const struct replay_result *a, const struct replay_result *b)
{
	CHECK_EQ(a->nr_variants, b->nr_variants);
	for (size_t i = 0; i < a->nr_variants; i++) {
		const struct replay_variant_result *x = &a->variants[i], *y = &b->variants[i];
		CHECK_EQ(x->nr_samples, y->nr_samples);
		for (size_t s = 0; s < x->nr_samples; s++)
			CHECK(!memcmp(&x->samples[s].stats, &y->samples[s].stats,
				      sizeof(x->samples[s].stats)));
		CHECK(!memcmp(&x->loss, &y->loss, sizeof(x->loss)));
	}
}

/* A variant's model and per-CPU lists, without a trace (the PCP tests). */
struct pcp_fixture {
	struct variant_state v;
	struct replay_variant_result res;
	struct host_desc host;
};

/* The per-CPU list tests' request: one movable page, GFP_KERNEL, on CPU 0. */
static const struct model_alloc_req movable_page_on_cpu0 = { .order = 0,
							     .migratetype = MIGRATE_MOVABLE,
							     .gfp = MODEL_GFP_KERNEL |
								    MODEL_GFP_MOVABLE,
							     .cpu = 0 };

static void pcp_fixture_init(struct pcp_fixture *f, enum model_policy policy, bool kernel_rules)
{
	int err;

	memset(f, 0, sizeof(*f));
	model_config_simple(&f->host.config, policy, 2ull << 30);
	f->res.spec.policy = policy;
	f->res.spec.pcp = true;
	f->v.res = &f->res;
	f->v.host = &f->host;
	f->v.model = model_create(&f->host.config, &err);
	CHECK_FATAL(f->v.model != NULL);
	f->v.nr_cpus = 2;
	f->v.pcp = calloc(f->v.nr_cpus * PCP_LISTS, sizeof(*f->v.pcp));
	f->v.bulk = malloc(BULK_MAX * sizeof(*f->v.bulk));
	CHECK_FATAL(f->v.pcp != NULL && f->v.bulk != NULL);
	if (kernel_rules)
		CHECK_FATAL(variant_pcp_init(&f->v) == MODEL_OK);
}

static void pcp_fixture_destroy(struct pcp_fixture *f, const char *what)
{
	variant_pcp_drain_all(&f->v);
	check_model(f->v.model, what);
	variant_pcp_free_lists(&f->v);
	free(f->v.bulk);
	model_destroy(f->v.model);
}

/*
 * Twins of replay's batched frees: the per-CPU drain (variant_pcp_drain_all's
 * pcp_free_tail_run), direct reclaim's LRU (lru_shrink's lru_shrink_run) and the warm page
 * cache's shrink (shrink_warm_run) free an aligned run of order-0 pages in one
 * model_free_contig_range(). Each case builds two identical variants, drives one through the
 * real replay path and the other through the page-at-a-time frees the batching stands for
 * (model_free per page in the original pop order, written out here), then compares the
 * models whole (model_compare.h) and the replay state the frees leave: lists, the LRU ring,
 * the maps, the reclaimed and warm bits. Pages live in [TWIN_BASE, +TWIN_SPAN) of the simple
 * host's DMA32 zone, every page an order-0 movable allocation unless the case says otherwise.
 */
#define TWIN_BASE (1u << 18)
#define TWIN_SPAN 1024u
#define TWIN_END  (TWIN_BASE + TWIN_SPAN)

/* A twin's variant: the fixture with its region allocated page by page. */
static void twin_init(struct pcp_fixture *f)
{
	pcp_fixture_init(f, MODEL_POLICY_MAINLINE, false);
	for (uint64_t p = TWIN_BASE; p < TWIN_END; p++)
		CHECK_EQ(model_alloc_at(f->v.model, p, 0, MIGRATE_MOVABLE, true), MODEL_OK);
}

/* Page off (from TWIN_BASE) of both twins: an order-1 allocation at off, or not allocated. */
static void twin_order1(struct pcp_fixture *f, unsigned off)
{
	CHECK_EQ(model_free(f->v.model, TWIN_BASE + off, 0), MODEL_OK);
	CHECK_EQ(model_free(f->v.model, TWIN_BASE + off + 1, 0), MODEL_OK);
	CHECK_EQ(model_alloc_at(f->v.model, TWIN_BASE + off, 1, MIGRATE_MOVABLE, true), MODEL_OK);
}

/* The two models whole, each checked. */
static void twin_compare_models(struct pcp_fixture *a, struct pcp_fixture *b, const char *what)
{
	check_model(a->v.model, what);
	check_model(b->v.model, what);
	model_compare(a->v.model, b->v.model, a->v.model->base_pfn, a->v.model->end_pfn, what);
}

/* A per-CPU drain case: the order-0 list's entries, head to tail, as offsets from TWIN_BASE. */
struct pcp_twin_case {
	const char *name;
	uint32_t head;	    /* the list's head in its ring of 64 */
	unsigned n;	    /* entries */
	unsigned offs[40];  /* head to tail */
	int order1, unheld; /* offset held at order 1, offset not allocated; -1 none */
	int before;	    /* offset in the ring's slot before the head (popped before); -1 none */
};

static void pcp_twin(const struct pcp_twin_case *c)
{
	struct pcp_fixture f[2];

	for (int t = 0; t < 2; t++) {
		twin_init(&f[t]);
		if (c->order1 >= 0)
			twin_order1(&f[t], (unsigned)c->order1);
		if (c->unheld >= 0)
			CHECK_EQ(model_free(f[t].v.model, TWIN_BASE + (unsigned)c->unheld, 0),
				 MODEL_OK);
		/* set 0's first list: pindex 0, order 0 */
		struct pcp_list *l = &f[t].v.pcp[0];
		l->cap = 64;
		l->pfns = calloc(l->cap, sizeof(*l->pfns));
		CHECK_FATAL(l->pfns != NULL);
		l->head = c->head;
		l->count = c->n;
		if (c->before >= 0)
			l->pfns[(c->head - 1) & (l->cap - 1)] = TWIN_BASE + (unsigned)c->before;
		for (unsigned i = 0; i < c->n; i++)
			l->pfns[(c->head + i) & (l->cap - 1)] = TWIN_BASE + c->offs[i];
	}
	variant_pcp_drain_all(&f[0].v);
	/* page at a time from the tail, as free_pcppages_bulk() pops (pcp_drain_free) */
	struct pcp_list *l = &f[1].v.pcp[0];
	while (l->count) {
		uint64_t pfn = l->pfns[(l->head + --l->count) & (l->cap - 1)];
		unsigned o;
		if (model_free(f[1].v.model, pfn, 0) != MODEL_OK &&
		    model_page_allocated(f[1].v.model, pfn, &o) == 1)
			CHECK_EQ(model_free(f[1].v.model, pfn, o), MODEL_OK);
	}
	for (size_t i = 0; i < (size_t)f[0].v.nr_cpus * PCP_LISTS; i++)
		CHECK(f[0].v.pcp[i].count == 0 && f[1].v.pcp[i].count == 0, "%s", c->name);
	CHECK_EQ(f[0].v.pcp[0].head, f[1].v.pcp[0].head);
	twin_compare_models(&f[0], &f[1], c->name);
	for (int t = 0; t < 2; t++)
		pcp_fixture_destroy(&f[t], c->name);
}

/* offsets from..to inclusive, either way round, into o; returns the next free slot */
static unsigned *twin_run(unsigned *o, unsigned from, unsigned to)
{
	for (unsigned i = from;; i += from < to ? 1 : -1u) {
		*o++ = i;
		if (i == to)
			return o;
	}
}

static void test_pcp_drain_twin(void)
{
	struct pcp_twin_case c[8];
	unsigned *o;

	memset(c, 0, sizeof(c));
	/* tail 31, pops 31 down to 16: a refill's descending run, one order-4 block */
	c[0] = (struct pcp_twin_case){ .name = "drain: descending run at the tail",
				       .order1 = -1,
				       .unheld = -1,
				       .before = -1 };
	o = twin_run(c[0].offs, 101, 101);
	o = twin_run(o, 16, 31);
	c[0].n = (unsigned)(o - c[0].offs);
	/* tail 32, pops 32 up to 47 */
	c[1] = (struct pcp_twin_case){
		.name = "drain: ascending run at the tail", .order1 = -1, .unheld = -1, .before = -1
	};
	o = twin_run(c[1].offs, 103, 103);
	o = twin_run(o, 47, 32);
	c[1].n = (unsigned)(o - c[1].offs);
	/* 48..63 without 53: 52 held at order 1 (its second page not listed) */
	c[2] = (struct pcp_twin_case){ .name = "drain: run broken by an order-1 page",
				       .order1 = 52,
				       .unheld = -1,
				       .before = -1 };
	o = twin_run(c[2].offs, 48, 52);
	o = twin_run(o, 54, 63);
	c[2].n = (unsigned)(o - c[2].offs);
	/* 64..79 ascending pops, 70 not allocated (a page no plain order-0 allocation) */
	c[3] = (struct pcp_twin_case){ .name = "drain: run broken by an unallocated page",
				       .order1 = -1,
				       .unheld = 70,
				       .before = -1 };
	o = twin_run(c[3].offs, 79, 64);
	c[3].n = (unsigned)(o - c[3].offs);
	/* tops 90 (down: the block's end 91 is odd) and, after, a run up from 81 (odd start) */
	c[4] = (struct pcp_twin_case){
		.name = "drain: misaligned tops", .order1 = -1, .unheld = -1, .before = -1
	};
	o = twin_run(c[4].offs, 96, 81);
	o = twin_run(o, 83, 90);
	c[4].n = (unsigned)(o - c[4].offs);
	/* 16 pages from ring index 61 round to 12: runs across the wrap, both ways */
	c[5] = (struct pcp_twin_case){ .name = "drain: runs at the ring's wrap",
				       .head = 61,
				       .order1 = -1,
				       .unheld = -1,
				       .before = -1 };
	o = twin_run(c[5].offs, 143, 128);
	o = twin_run(o, 160, 167);
	c[5].n = (unsigned)(o - c[5].offs);
	/* 7 pages, 185..191 down from the tail; the slot before the head holds 184, popped
	 * before: a run may not reach past the list */
	c[6] = (struct pcp_twin_case){
		.name = "drain: a run as long as the list, one short of a block",
		.head = 1,
		.order1 = -1,
		.unheld = -1,
		.before = 184
	};
	o = twin_run(c[6].offs, 185, 191);
	c[6].n = (unsigned)(o - c[6].offs);
	/* 209..211 down from the tail, then 201: the block 208..211 lacks its last page */
	c[7] = (struct pcp_twin_case){ .name = "drain: a block's last page missing",
				       .order1 = -1,
				       .unheld = -1,
				       .before = -1 };
	o = twin_run(c[7].offs, 201, 201);
	o = twin_run(o, 209, 211);
	c[7].n = (unsigned)(o - c[7].offs);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		pcp_twin(&c[i]);
	printf("twin: the drain's order-0 runs free as page by page (%zu cases)\n",
	       sizeof(c) / sizeof(c[0]));
}

/* ---- the LRU and the warm page cache ---- */

/* A twin's trace pfn (key) of model pfn at: not contiguous, so keys and pfns cannot mix. */
static uint64_t twin_key(uint64_t at)
{
	return (at - TWIN_BASE) * 3 + 5;
}

static void lru_twin_init(struct pcp_fixture *f, uint8_t *map)
{
	struct variant_state *v = &f->v;

	twin_init(f);
	v->warm_pfns = TWIN_END;
	v->warm = calloc(TWIN_END / 64 + 1, sizeof(*v->warm));
	CHECK_FATAL(v->warm != NULL);
	CHECK_FATAL(pfn_map_init(&v->fwd, TWIN_END) == 0);
	CHECK_FATAL(pfn_map32_init(&v->rev, TWIN_END) == 0);
	f->host.start_map = map;
	f->host.start_map_pfns = map ? TWIN_END : 0;
}

static void lru_twin_destroy(struct pcp_fixture *f, const char *what)
{
	variant_lru_destroy(&f->v);
	pfn_map_free(&f->v.fwd);
	pfn_map32_free(&f->v.rev);
	free(f->v.warm);
	free(f->v.start_at);
	pcp_fixture_destroy(f, what);
}

/* An allocation at model pfn at (order 0 or 1) joins the LRU's tail. */
static void lru_twin_add(struct pcp_fixture *f, uint64_t at, unsigned order)
{
	struct replay_op op = { .key = twin_key(at),
				.order = (uint8_t)order,
				.mt = MIGRATE_MOVABLE };

	variant_identity_add(&f->v, &op, at);
	variant_lru_add(&f->v, op.key);
}

/* Its page cache freed by the trace: the entry stays in the ring, stale. */
static void lru_twin_drop(struct pcp_fixture *f, uint64_t at)
{
	uint64_t val;

	CHECK_FATAL(pfn_map_get(&f->v.fwd, twin_key(at), &val));
	pfn_map_del(&f->v.fwd, twin_key(at));
	variant_rev_del(&f->v, at);
	variant_lru_forget(&f->v, val);
	CHECK_EQ(model_free(f->v.model, at, FWD_ORDER(val)), MODEL_OK);
}

static void twin_reclaimed(struct variant_state *v, uint64_t p, unsigned order)
{
	for (uint64_t q = p; q < p + (1ull << order) && q < v->warm_pfns; q++)
		v->lru.reclaimed[q / 64] |= 1ull << (q % 64);
}

/* lru_shrink() page at a time: the warm page cache (none here), then the ring from its head. */
static uint64_t lru_shrink_by_page(struct variant_state *v, uint64_t nr)
{
	struct page_cache_lru *l = &v->lru;
	uint64_t got = 0, val;

	while (got < nr && l->count) {
		uint64_t key = l->ring_key[l->head];
		uint8_t stamp = l->ring_stamp[l->head];
		l->head = (l->head + 1) & (l->cap - 1);
		l->count--;
		if (!pfn_map_get(&v->fwd, key, &val) || !(val & FWD_PAGECACHE) ||
		    (uint8_t)(val >> 56) != stamp /* its stamp */)
			continue;
		uint64_t at = val & FWD_PFN_MASK;
		if (model_free(v->model, at, FWD_ORDER(val)) != MODEL_OK)
			continue;
		pfn_map_del(&v->fwd, key);
		variant_rev_del(v, at);
		variant_lru_forget(v, val);
		twin_reclaimed(v, key, FWD_ORDER(val));
		got += 1ull << FWD_ORDER(val);
	}
	return got;
}

/* The replay state the frees leave: the ring, the maps, the reclaimed and warm bits. */
static void lru_twin_compare(struct pcp_fixture *f, const char *what)
{
	const struct page_cache_lru *a = &f[0].v.lru, *b = &f[1].v.lru;
	uint64_t x, y;

	CHECK(a->head == b->head && a->count == b->count && a->cap == b->cap, "%s: ring", what);
	CHECK(a->live == b->live && a->live_entries == b->live_entries, "%s: live", what);
	CHECK(a->warm_cursor == b->warm_cursor && a->warm_left == b->warm_left, "%s: warm", what);
	for (size_t i = 0; i < a->count; i++) {
		size_t at = (a->head + i) & (a->cap - 1);
		CHECK_FATAL(a->ring_key[at] == b->ring_key[at]);
		CHECK_FATAL(a->ring_stamp[at] == b->ring_stamp[at]);
	}
	CHECK(!memcmp(a->reclaimed, b->reclaimed, (TWIN_END / 64 + 1) * sizeof(uint64_t)),
	      "%s: reclaimed bits", what);
	CHECK(!memcmp(f[0].v.warm, f[1].v.warm, (TWIN_END / 64 + 1) * sizeof(uint64_t)),
	      "%s: warm bits", what);
	for (uint64_t p = TWIN_BASE; p < TWIN_END; p++) {
		bool ha = pfn_map_get(&f[0].v.fwd, twin_key(p), &x),
		     hb = pfn_map_get(&f[1].v.fwd, twin_key(p), &y);
		CHECK_FATAL(ha == hb && (!ha || x == y));
		ha = variant_rev_get(&f[0].v, p, &x);
		hb = variant_rev_get(&f[1].v, p, &y);
		CHECK_FATAL(ha == hb && (!ha || x == y));
	}
	twin_compare_models(&f[0], &f[1], what);
}

struct lru_twin_case {
	const char *name;
	unsigned from, to;	 /* the entries: model pfns TWIN_BASE + from..to, in order */
	int order1, stale, gone; /* at order 1; freed and allocated again; freed; -1 none */
	int elsewhere;		 /* this entry's page TWIN_SPAN / 2 on; -1 none */
	bool wrap;		 /* the entries start 5 before the ring's end */
	uint64_t nr;		 /* pages to reclaim */
};

static void lru_twin(const struct lru_twin_case *c)
{
	struct pcp_fixture f[2];
	uint64_t got[2];

	for (int t = 0; t < 2; t++) {
		lru_twin_init(&f[t], NULL);
		CHECK_FATAL(variant_lru_init(&f[t].v) == MODEL_OK);
		if (c->order1 >= 0)
			twin_order1(&f[t], (unsigned)c->order1);
		if (c->wrap) { /* one entry through the ring, then its head 5 before the end */
			lru_twin_add(&f[t], TWIN_END - 1, 0);
			CHECK_EQ(lru_shrink_by_page(&f[t].v, 1), 1);
			f[t].v.lru.head = f[t].v.lru.cap - 5;
		}
		for (unsigned i = c->from; i <= c->to; i++)
			if ((int)i == c->elsewhere)
				lru_twin_add(&f[t], TWIN_BASE + i + TWIN_SPAN / 2, 0);
			else if ((int)i != c->order1 + 1 || c->order1 < 0)
				lru_twin_add(&f[t], TWIN_BASE + i, (int)i == c->order1);
		if (c->stale >= 0) {
			lru_twin_drop(&f[t], TWIN_BASE + (unsigned)c->stale);
			CHECK_EQ(model_alloc_at(f[t].v.model, TWIN_BASE + (unsigned)c->stale, 0,
						MIGRATE_MOVABLE, true),
				 MODEL_OK);
			lru_twin_add(&f[t], TWIN_BASE + (unsigned)c->stale, 0);
		}
		if (c->gone >= 0)
			lru_twin_drop(&f[t], TWIN_BASE + (unsigned)c->gone);
	}
	struct model *m = f[0].v.model;
	got[0] = m->reclaim.shrink_lru(m->reclaim.ctx, 0, c->nr);
	got[1] = lru_shrink_by_page(&f[1].v, c->nr);
	CHECK(got[0] == got[1], "%s: %llu reclaimed, page by page %llu", c->name,
	      (unsigned long long)got[0], (unsigned long long)got[1]);
	lru_twin_compare(f, c->name);
	for (int t = 0; t < 2; t++)
		lru_twin_destroy(&f[t], c->name);
}

static void test_lru_shrink_twin(void)
{
	static const struct lru_twin_case c[] = {
		{ "lru: aligned run", 16, 47, -1, -1, -1, -1, false, 1000 },
		{ "lru: run cut by nr", 16, 47, -1, -1, -1, -1, false, 13 },
		{ "lru: run broken by an order-1 page", 32, 47, 36, -1, -1, -1, false, 1000 },
		{ "lru: misaligned start", 49, 63, -1, -1, -1, -1, false, 1000 },
		{ "lru: stale entry inside a run", 64, 79, -1, 70, -1, -1, false, 1000 },
		{ "lru: stale entry inside a run, nr short of it", 64, 79, -1, 70, -1, -1, false,
		  15 },
		{ "lru: freed page inside a run", 64, 79, -1, -1, 73, -1, false, 1000 },
		{ "lru: an entry from elsewhere inside a run", 192, 207, -1, -1, -1, 197, false,
		  1000 },
		{ "lru: run at the ring's wrap", 128, 143, -1, -1, -1, -1, true, 1000 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		lru_twin(&c[i]);
	printf("twin: lru_shrink's runs free as page by page (%zu cases)\n",
	       sizeof(c) / sizeof(c[0]));
}

/* shrink_warm() page at a time: warm start page cache in trace pfn order from the cursor. */
static uint64_t shrink_warm_by_page(struct variant_state *v, uint64_t nr)
{
	struct page_cache_lru *l = &v->lru;
	uint64_t got = 0;

	while (got < nr && l->warm_left && l->warm_cursor < v->warm_pfns) {
		uint64_t p = l->warm_cursor++;
		unsigned o;
		if (!warm_test(v, p) || !(l->start_pagecache[p / 64] >> (p % 64) & 1))
			continue;
		uint64_t at = start_model_pfn(v, p);
		if (model_page_allocated(v->model, at, &o) != 1 || model_free(v->model, at, o))
			continue;
		for (uint64_t q = p; q < p + (1ull << o); q++)
			warm_clear(v, q);
		twin_reclaimed(v, p, o);
		got += 1ull << o;
		l->warm_left -= l->warm_left < (1ull << o) ? l->warm_left : 1ull << o;
	}
	return got;
}

struct warm_twin_case {
	const char *name;
	unsigned from, to; /* warm page cache: trace pfns TWIN_BASE + from..to */
	int order1, cold, anon;
	int moved;		/* placed start: this trace pfn's page elsewhere; -1 identity */
	uint64_t nr, warm_left; /* warm_left 0: as counted */
};

static void warm_twin(const struct warm_twin_case *c)
{
	struct pcp_fixture f[2];
	uint8_t *map = calloc(TWIN_END / 2 + 1, 1);
	uint64_t got[2];

	CHECK_FATAL(map != NULL);
	for (unsigned i = c->from; i <= c->to; i++) {
		uint64_t p = TWIN_BASE + i;
		unsigned cls = (int)i == c->anon ? PC_ANON : PC_PAGECACHE;
		map[p >> 1] |= (uint8_t)(cls << ((p & 1) * 4));
	}
	for (int t = 0; t < 2; t++) {
		struct variant_state *v = &f[t].v;
		lru_twin_init(&f[t], map);
		if (c->order1 >= 0)
			twin_order1(&f[t], (unsigned)c->order1);
		for (unsigned i = c->from; i <= c->to; i++)
			if ((int)i != c->cold)
				v->warm[(TWIN_BASE + i) / 64] |= 1ull << ((TWIN_BASE + i) % 64);
		if (c->moved >= 0) { /* identity but for one page, placed TWIN_SPAN / 2 on */
			v->start_at = malloc(TWIN_END * sizeof(*v->start_at));
			CHECK_FATAL(v->start_at != NULL);
			for (uint64_t p = 0; p < TWIN_END; p++)
				v->start_at[p] = p < TWIN_BASE ? START_NONE : (uint32_t)p;
			v->start_at[TWIN_BASE + (unsigned)c->moved] =
				(uint32_t)(TWIN_BASE + (unsigned)c->moved + TWIN_SPAN / 2);
		}
		CHECK_FATAL(variant_lru_init(v) == MODEL_OK);
		if (c->warm_left)
			v->lru.warm_left = c->warm_left;
	}
	struct model *m = f[0].v.model;
	got[0] = m->reclaim.shrink_lru(m->reclaim.ctx, 0, c->nr);
	got[1] = shrink_warm_by_page(&f[1].v, c->nr);
	CHECK(got[0] == got[1], "%s: %llu reclaimed, page by page %llu", c->name,
	      (unsigned long long)got[0], (unsigned long long)got[1]);
	lru_twin_compare(f, c->name);
	for (int t = 0; t < 2; t++)
		lru_twin_destroy(&f[t], c->name);
	free(map);
}

static void test_shrink_warm_twin(void)
{
	static const struct warm_twin_case c[] = {
		{ "warm: aligned run", 16, 47, -1, -1, -1, -1, 1000, 0 },
		{ "warm: run cut by nr", 16, 47, -1, -1, -1, -1, 11, 0 },
		{ "warm: run cut by warm_left", 16, 47, -1, -1, -1, -1, 1000, 6 },
		{ "warm: run broken by an order-1 page", 32, 47, 36, -1, -1, -1, 1000, 0 },
		{ "warm: run broken by a cold page", 64, 95, -1, 71, -1, -1, 1000, 0 },
		{ "warm: run broken by an anon page", 64, 95, -1, -1, 83, -1, 1000, 0 },
		{ "warm: misaligned start", 97, 127, -1, -1, -1, -1, 1000, 0 },
		{ "warm: run at a word's end", 56, 71, -1, -1, -1, -1, 1000, 0 },
		{ "warm: placed start breaks a run", 128, 159, -1, -1, -1, 133, 1000, 0 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		warm_twin(&c[i]);
	printf("twin: shrink_warm's runs free as page by page (%zu cases)\n",
	       sizeof(c) / sizeof(c[0]));
}

/*
 * pcp_rmqueue_smallest(): an order-0 request with an empty order-0 list splits the order-9
 * block on the same CPU's list of its type, and the remaining 511 pages serve the next
 * requests without a buddy allocation (the series' PCP refills hand out whole pageblocks;
 * before this they stayed on the order-9 list, stranded). The kernel's rules split as
 * expand() does (buddy halves on the lower-order lists), so an order-3 request splits too;
 * mainline's __rmqueue_pcplist reads only the request's own list.
 */
static void test_pcp_split(void)
{
	struct model_alloc_req q = { .order = PAGEBLOCK_ORDER,
				     .migratetype = MIGRATE_UNMOVABLE,
				     .gfp = MODEL_GFP_KERNEL };
	for (int rules = 0; rules < 2; rules++) {
		struct pcp_fixture f;
		struct variant_state *v = &f.v;
		uint64_t block, pfn;

		pcp_fixture_init(&f, MODEL_POLICY_SPB, rules);
		CHECK_EQ(model_alloc(v->model, &q, &block), MODEL_OK);
		CHECK_EQ(pcp_push_tail(variant_pcp_list(v, 1, MIGRATE_UNMOVABLE, PAGEBLOCK_ORDER),
				       block),
			 0);
		if (v->pcps)
			v->pcps[1].count += (int)PAGEBLOCK_NR_PAGES;
		CHECK(!pcp_rmqueue_smallest(v, 0, MIGRATE_UNMOVABLE, 0, &pfn)); /* another CPU's */
		CHECK(!pcp_rmqueue_smallest(v, 1, MIGRATE_RECLAIMABLE, 0, &pfn)); /* type */
		uint64_t pgalloc = model_event(v->model, MODEL_EV_PGALLOC);
		for (unsigned i = 0; i < PAGEBLOCK_NR_PAGES; i++) {
			CHECK(pcp_rmqueue_smallest(v, 1, MIGRATE_UNMOVABLE, 0, &pfn));
			CHECK_EQ(pfn, block + i);
			CHECK_EQ(model_page_allocated(v->model, pfn, NULL), 1);
		}
		CHECK(!pcp_rmqueue_smallest(v, 1, MIGRATE_UNMOVABLE, 0, &pfn));
		CHECK_EQ(model_event(v->model, MODEL_EV_PGALLOC), pgalloc);
		if (v->pcps)
			CHECK_EQ(v->pcps[1].count, 0);
		for (unsigned i = 0; i < PAGEBLOCK_NR_PAGES; i++)
			CHECK_EQ(model_free(v->model, block + i, 0), MODEL_OK);
		pcp_fixture_destroy(&f, "pcp split");
	}
	/* kernel rules: order 3 splits an order-9 block under the series, not under mainline */
	for (int spb = 0; spb < 2; spb++) {
		struct pcp_fixture f;
		uint64_t block, pfn;
		unsigned o;

		pcp_fixture_init(&f, spb ? MODEL_POLICY_SPB : MODEL_POLICY_MAINLINE, true);
		CHECK_EQ(model_alloc(f.v.model, &q, &block), MODEL_OK);
		CHECK_EQ(
			pcp_push_tail(variant_pcp_list(&f.v, 0, MIGRATE_UNMOVABLE, PAGEBLOCK_ORDER),
				      block),
			0);
		f.v.pcps[0].count += (int)PAGEBLOCK_NR_PAGES;
		CHECK_EQ(pcp_rmqueue_smallest(&f.v, 0, MIGRATE_UNMOVABLE, 3, &pfn), spb);
		if (spb) {
			CHECK_EQ(pfn, block);
			CHECK_EQ(model_page_allocated(f.v.model, block, &o), 1);
			CHECK_EQ(o, 3);
			CHECK_EQ(model_page_allocated(f.v.model, block + 256, &o), 1);
			CHECK_EQ(o, 8); /* the top buddy half on the order-8 list */
			CHECK_EQ(f.v.pcps[0].count, PAGEBLOCK_NR_PAGES - 8);
			CHECK_EQ(model_free(f.v.model, block, 3), MODEL_OK);
		}
		pcp_fixture_destroy(&f, "pcp split order 3");
	}
	printf("pcp: an order-0 request splits the CPU's order-9 block of its type\n");
}

/*
 * The lists are per zone and CPU, as the kernel's zone->per_cpu_pageset: a freed page goes to
 * its own zone's list, and a request takes from the list of the first zone of its zonelist that
 * passes the watermark check, so a DMA page freed to CPU 0 serves a GFP_DMA request but not a
 * DMA32 one (before, one set of lists per CPU handed it to any request).
 */
static void test_pcp_zones(void)
{
	struct model_alloc_req q = movable_page_on_cpu0;
	struct model_alloc_req dma = q;
	struct pcp_fixture f;
	struct variant_state *v = &f.v;
	uint64_t low, pfn;

	dma.gfp |= MODEL_GFP_DMA;
	pcp_fixture_init(&f, MODEL_POLICY_MAINLINE, true);
	unsigned dma32 = model_nr_zones(v->model) - 1;
	CHECK_EQ(model_alloc(v->model, &dma, &low), MODEL_OK);
	CHECK_EQ(model_pfn_zone(v->model, low), 0u);
	free_frozen_page_commit(v, 0, MIGRATE_MOVABLE, 0, low);
	CHECK_EQ(v->pcps[0].count, 1); /* DMA's list of CPU 0 */
	CHECK_EQ(v->pcps[dma32 * v->nr_cpus].count, 0);
	CHECK_EQ(rmqueue_pcplist(v, &q, &pfn), MODEL_OK);
	CHECK_EQ(model_pfn_zone(v->model, pfn), dma32); /* a refill of DMA32's list */
	CHECK(pfn != low);
	CHECK_EQ(v->pcps[0].count, 1);
	CHECK(v->pcps[dma32 * v->nr_cpus].count > 0);
	free_frozen_page_commit(v, 0, MIGRATE_MOVABLE, 0, pfn);
	CHECK_EQ(rmqueue_pcplist(v, &dma, &pfn), MODEL_OK);
	CHECK_EQ(pfn, low); /* the GFP_DMA request reaches DMA's list */
	CHECK_EQ(v->pcps[0].count, 0);
	CHECK_EQ(model_free(v->model, low, 0), MODEL_OK);
	pcp_fixture_destroy(&f, "pcp zones");
	printf("pcp: per-zone lists; a page serves only requests its zone's watermark check lets "
	       "in\n");
}

/*
 * free_frozen_pages(): a freed page goes to the per-CPU list of its pageblock's type
 * (get_pfnblock_migratetype), whatever type it was allocated with, so the next request of the
 * pageblock's type reuses it. Before, the list was the allocation's type: an Unmovable page
 * stolen from a Movable pageblock went back to the Unmovable list and served Unmovable
 * requests again, and free_pcppages_bulk's drain was the only way back to its block's type.
 */
static void test_pcp_free_pageblock_type(void)
{
	struct model_alloc_req q = movable_page_on_cpu0;
	struct pcp_fixture f;
	struct variant_state *v = &f.v;
	uint64_t pfn, again;

	pcp_fixture_init(&f, MODEL_POLICY_MAINLINE, true);
	CHECK_EQ(model_alloc(v->model, &q, &pfn), MODEL_OK);
	CHECK_EQ(model_pfnblock_migratetype(v->model, pfn), MIGRATE_MOVABLE);
	/* freed as if an Unmovable allocation had stolen it from the Movable pageblock */
	CHECK(variant_pcp_free(v, 0, MIGRATE_UNMOVABLE, 0, pfn));
	CHECK_EQ(variant_pcp_pages(v, MIGRATE_MOVABLE), 1u);
	CHECK_EQ(variant_pcp_pages(v, MIGRATE_UNMOVABLE), 0u);
	CHECK_EQ(rmqueue_pcplist(v, &q, &again), MODEL_OK);
	CHECK_EQ(again, pfn); /* the Movable request takes it from the list's head */
	CHECK_EQ(model_free(v->model, again, 0), MODEL_OK);
	CHECK_EQ(model_pfnblock_migratetype(v->model, 1ull << 40), -1);
	pcp_fixture_destroy(&f, "pcp free pageblock type");
	printf("pcp: a freed page goes to the list of its pageblock's type\n");
}

/*
 * get_page_from_freelist() sets ZONE_BELOW_HIGH when zone_watermark_fast(zone, order,
 * high_wmark_pages(zone), ac->highest_zoneidx, ...) fails: the high mark plus the zone's
 * lowmem_reserve for the request's highest zone. A zone with free pages above its bare high
 * mark but below mark + reserve is below high for requests that may use higher zones, not for
 * those that stop at it; free_frozen_page_commit() clears the flag only with the reserve for
 * ZONE_MOVABLE free as well. Before, replay compared the bare high mark and never flagged it.
 */
static void test_pcp_below_high_reserve(void)
{
	struct model_alloc_req q = movable_page_on_cpu0;
	struct pcp_fixture f;
	struct variant_state *v = &f.v;
	uint64_t pfn;
	int err;

	pcp_fixture_init(&f, MODEL_POLICY_MAINLINE, true);
	model_destroy(v->model);
	/* DMA: high mark 30 pages, far below its free pages, but a reserve of 2^20 pages against
	 * requests that may use DMA32 or above */
	struct model_zone_config *dma = &f.host.config.zones[0];
	CHECK_EQ(dma->type, ZONE_DMA);
	dma->wmark_min = 10;
	dma->wmark_low = 20;
	for (int t = ZONE_DMA32; t < MAX_NR_ZONES; t++)
		dma->lowmem_reserve[t] = 1u << 20;
	v->model = model_create(&f.host.config, &err);
	CHECK_FATAL(v->model != NULL);
	variant_pcp_watermark(v, 0, MODEL_GFP_KERNEL | MODEL_GFP_DMA);
	CHECK(!v->pcp_below_high[0]); /* a GFP_DMA request: no reserve applies */
	variant_pcp_watermark(v, 0, q.gfp);
	CHECK(v->pcp_below_high[0]); /* a movable request: below high + reserve */
	/* a free to DMA's list does not clear it: the reserve for ZONE_MOVABLE is not free */
	CHECK_EQ(model_alloc(v->model,
			     &(struct model_alloc_req){ .order = 0,
							.migratetype = MIGRATE_MOVABLE,
							.gfp = MODEL_GFP_KERNEL | MODEL_GFP_DMA,
							.cpu = 0 },
			     &pfn),
		 MODEL_OK);
	CHECK_EQ(model_pfn_zone(v->model, pfn), 0u);
	free_frozen_page_commit(v, 0, MIGRATE_MOVABLE, 0, pfn);
	CHECK(v->pcp_below_high[0]);
	pcp_fixture_destroy(&f, "pcp below high reserve");
	printf("pcp: ZONE_BELOW_HIGH counts the zone's lowmem_reserve for the request's zones\n");
}

/*
 * free_frozen_page_commit() -> nr_pcp_high() / nr_pcp_free(): frees past pcp->high give pages
 * back to the buddy allocator (before, replay's lists kept up to PCP_HIGH_BLOCKS blocks per
 * list, so drain_all_pages returned far more than the host's lists hold); decay_pcp_high()
 * brings an idle CPU's high and its list down to high_min. rmqueue_pcplist() refills with
 * nr_pcp_alloc()'s batch, doubling per refill without a free (alloc_factor).
 */
static void test_pcp_high(void)
{
	struct model_alloc_req q = movable_page_on_cpu0;
	enum { N = 3000 };
	static uint64_t pfns[N];

	for (int spb = 0; spb < 2; spb++) {
		struct pcp_fixture f;
		struct variant_state *v = &f.v;
		struct pcp_state *s;

		pcp_fixture_init(&f, spb ? MODEL_POLICY_SPB : MODEL_POLICY_MAINLINE, true);
		/* the lists are per zone and CPU: DMA32's of CPU 0 serve these requests */
		unsigned zone = model_nr_zones(v->model) - 1;
		s = &v->pcps[zone * v->nr_cpus];
		CHECK_EQ(s->zone, zone);
		CHECK_EQ(v->pcps[0].batch, 1); /* zone_batchsize() of the 16 MiB DMA zone */
		CHECK_EQ(s->batch, 63);	       /* zone_batchsize() of a 2 GiB zone */
		CHECK(s->high_min >= 4 * s->batch && s->high_max > s->high_min);
		/* refills: 63, then doubling; every page served from the lists */
		int last = 0, refills = 0;
		for (unsigned i = 0; i < N; i++) {
			CHECK_EQ(rmqueue_pcplist(v, &q, &pfns[i]), MODEL_OK);
			CHECK_EQ(model_page_allocated(v->model, pfns[i], NULL), 1);
			if (s->count > last)
				refills++;
			last = s->count;
		}
		CHECK(refills >= 3 && refills < 12);
		CHECK(s->alloc_factor >= 3);
		/* frees: pcp->count never passes high, and what it passed went back */
		uint64_t free_before = model_nr_free_pages(v->model);
		s->high = s->high_max = 1000;
		for (unsigned i = 0; i < N; i++) {
			free_frozen_page_commit(v, 0, MIGRATE_MOVABLE, 0, pfns[i]);
			CHECK(s->count <= s->high_max);
		}
		CHECK(model_nr_free_pages(v->model) >= free_before + N - 1000);
		CHECK_EQ((uint64_t)s->count, variant_pcp_pages(v, MIGRATE_MOVABLE));
		/* ZONE_BELOW_HIGH: set, a refill leaves pcp->high alone; a free past high on a
		 * zone above its high watermark clears it */
		variant_pcp_watermark(v, 0, q.gfp);
		CHECK(!v->pcp_below_high[zone]);
		v->pcp_below_high[zone] = true;
		int high_before = s->high = s->high_min;
		uint64_t one;
		while (s->count)
			CHECK_EQ(rmqueue_pcplist(v, &q, &one), MODEL_OK);
		CHECK_EQ(rmqueue_pcplist(v, &q, &one), MODEL_OK); /* a refill */
		CHECK_EQ(s->high, high_before);
		free_frozen_page_commit(v, 0, MIGRATE_MOVABLE, 0, one);
		while (v->pcp_below_high[zone] && s->count < 4 * s->high_max) {
			CHECK_EQ(rmqueue_pcplist(v, &q, &one), MODEL_OK);
			free_frozen_page_commit(v, 1, MIGRATE_MOVABLE, 0, one);
		}
		CHECK(!v->pcp_below_high[zone]);
		/* decay: once a second of trace time, down to high_min */
		s->high = s->high_max;
		for (uint64_t t = 1; t <= 60; t++)
			variant_pcp_decay(v, t * 1000000000ull);
		CHECK_EQ(s->high, s->high_min);
		CHECK(s->count <= s->high_min);
		pcp_fixture_destroy(&f, "pcp high");
	}
	printf("pcp: frees past pcp->high drain, decay_pcp_high brings high to high_min\n");
}

/*
 * free_frozen_page_commit() past high: 6.18 gives nr_pcp_free() pages back in one
 * free_pcppages_bulk() call, which takes whole blocks from the tail of the freed page's list
 * until that count is spent, so THPs on a list go back nr_pcp_free() / 512 (rounded up) at a
 * time: the host's mm_page_pcpu_drain records on pressure-pagecache show five per drain as a
 * run of THP frees passes high. Before, replay made calls of batch (63) pages, each taking a
 * whole THP, until nr_pcp_free() was spent: it emptied the list (the series' tree's form,
 * which the SPB policy keeps).
 */
static void test_pcp_one_call_drain(void)
{
	struct model_alloc_req thp = movable_page_on_cpu0;
	enum { NR = 5 };

	thp.order = PAGEBLOCK_ORDER;
	for (int spb = 0; spb < 2; spb++) {
		struct pcp_fixture f;
		struct variant_state *v = &f.v;
		uint64_t pfns[NR];

		pcp_fixture_init(&f, spb ? MODEL_POLICY_SPB : MODEL_POLICY_MAINLINE, true);
		unsigned zone = model_nr_zones(v->model) - 1;
		struct pcp_state *s = &v->pcps[zone * v->nr_cpus];
		for (int i = 0; i < NR; i++) {
			CHECK_EQ(model_alloc(v->model, &thp, &pfns[i]), MODEL_OK);
			CHECK_EQ(model_pfn_zone(v->model, pfns[i]), zone);
		}
		/* the fifth THP reaches high; free_count stops at 2048 (batch << 5 = 2016 passed) */
		s->high = s->high_min = s->high_max = NR * (int)PAGEBLOCK_NR_PAGES;
		s->free_count = 0;
		uint64_t free_before = model_nr_free_pages(v->model);
		for (int i = 0; i < NR; i++)
			free_frozen_page_commit(v, 0, MIGRATE_MOVABLE, PAGEBLOCK_ORDER, pfns[i]);
		CHECK_EQ(s->free_count, 4 * (int)PAGEBLOCK_NR_PAGES);
		if (!spb) {
			/* nr_pcp_free() = 2048: the four oldest THPs, the newest stays */
			CHECK_EQ(s->count, (int)PAGEBLOCK_NR_PAGES);
			CHECK_EQ(model_nr_free_pages(v->model),
				 free_before + (NR - 1) * PAGEBLOCK_NR_PAGES);
			for (int i = 0; i < NR - 1; i++)
				CHECK_EQ(model_page_allocated(v->model, pfns[i], NULL), 0);
			CHECK_EQ(model_page_allocated(v->model, pfns[NR - 1], NULL), 1);
		} else {
			/* batch-sized calls, one THP each, until 2048 pages' worth: all five */
			CHECK_EQ(s->count, 0);
			CHECK_EQ(model_nr_free_pages(v->model),
				 free_before + NR * PAGEBLOCK_NR_PAGES);
		}
		pcp_fixture_destroy(&f, "pcp one-call drain");
	}
	printf("pcp: a drain past high is one free_pcppages_bulk() call of nr_pcp_free() pages\n");
}

/*
 * order_to_pindex(): mainline has two pageblock-order lists per CPU (NR_PCP_THP), Movable and
 * one the Unmovable and Reclaimable types share, so a THP freed from a Reclaimable pageblock
 * serves the next Unmovable THP request of that CPU from the list; the series' tree keeps a
 * list per type, where that request refills from the buddy allocator. Before, replay gave
 * mainline the series' three lists.
 */
static void test_pcp_thp_lists(void)
{
	struct model_alloc_req recl = { .order = PAGEBLOCK_ORDER,
					.migratetype = MIGRATE_RECLAIMABLE,
					.gfp = MODEL_GFP_KERNEL | MODEL_GFP_RECLAIMABLE,
					.cpu = 0 };
	struct model_alloc_req unmov = recl;

	unmov.migratetype = MIGRATE_UNMOVABLE;
	unmov.gfp = MODEL_GFP_KERNEL;
	for (int spb = 0; spb < 2; spb++) {
		struct pcp_fixture f;
		struct variant_state *v = &f.v;
		uint64_t pfn, again;

		pcp_fixture_init(&f, spb ? MODEL_POLICY_SPB : MODEL_POLICY_MAINLINE, true);
		unsigned zone = model_nr_zones(v->model) - 1;
		struct pcp_state *s = &v->pcps[zone * v->nr_cpus];
		s->high = s->high_min = s->high_max = 4 * (int)PAGEBLOCK_NR_PAGES;
		CHECK_EQ(model_alloc(v->model, &recl, &pfn), MODEL_OK);
		CHECK_EQ(model_pfn_zone(v->model, pfn), zone);
		CHECK_EQ(model_pfnblock_migratetype(v->model, pfn), MIGRATE_RECLAIMABLE);
		CHECK(variant_pcp_free(v, 0, MIGRATE_RECLAIMABLE, PAGEBLOCK_ORDER, pfn));
		CHECK_EQ(s->count, (int)PAGEBLOCK_NR_PAGES);
		CHECK_EQ(rmqueue_pcplist(v, &unmov, &again), MODEL_OK);
		if (!spb) {
			CHECK_EQ(again, pfn); /* the shared list's head */
			CHECK_EQ(s->count, 0);
		} else {
			CHECK(again != pfn); /* a refill; the Reclaimable THP stays on its list */
			CHECK_EQ(model_page_allocated(v->model, pfn, NULL), 1);
		}
		CHECK_EQ(model_free(v->model, again, PAGEBLOCK_ORDER), MODEL_OK);
		pcp_fixture_destroy(&f, "pcp thp lists");
	}
	printf("pcp: mainline's Unmovable and Reclaimable THPs share one per-CPU list\n");
}

/*
 * ZONE_RECLAIM_ACTIVE (nr_pcp_high()): while the host's kswapd runs on the node (an OP_KSWAPD,
 * its GFP_KERNEL shrink_slab event, held KSWAPD_RUN_GAP_NS), a list keeps at most four batches
 * and a free past that gives pages back; without it the same frees stay on the list. On
 * pressure-reclaim the host's lists held 0.7-1.1k pages in DMA32 at 1.1-1.8 s, mainline's
 * without this 1.1-3.4k (docs/replay-history.md, "The first departure found").
 */
static void test_pcp_reclaim_active(void)
{
	struct model_alloc_req q = movable_page_on_cpu0;
	enum { N = 600 };
	static uint64_t pfns[N];

	for (int active = 0; active < 2; active++) {
		struct pcp_fixture f;
		struct variant_state *v = &f.v;

		pcp_fixture_init(&f, MODEL_POLICY_MAINLINE, true);
		unsigned zone = model_nr_zones(v->model) - 1;
		struct pcp_state *s = &v->pcps[zone * v->nr_cpus];
		for (unsigned i = 0; i < N; i++)
			CHECK_EQ(model_alloc(v->model, &q, &pfns[i]), MODEL_OK);
		v->last_ts = 5000000000ull;
		if (active) {
			struct replay_op op = { .ts = v->last_ts, .kind = OP_KSWAPD, .nid = 0 };
			variant_kswapd_event(v, &op);
			CHECK_EQ(f.res.loss.kswapd_events, 1);
		}
		s->high = s->high_min = 2000;
		s->high_max = 4000;
		uint64_t free_before = model_nr_free_pages(v->model);
		for (unsigned i = 0; i < N; i++) {
			free_frozen_page_commit(v, 0, MIGRATE_MOVABLE, 0, pfns[i]);
			if (active)
				CHECK(s->count < 4 * s->batch);
		}
		if (active) {
			CHECK(model_nr_free_pages(v->model) >
			      free_before + N - 4 * (uint64_t)s->batch);
			CHECK(f.res.loss.pcp_reclaim_active_frees > 0);
		} else {
			CHECK_EQ(s->count, N);
			CHECK_EQ(model_nr_free_pages(v->model), free_before);
			CHECK_EQ(f.res.loss.pcp_reclaim_active_frees, 0);
		}
		/* the run ends KSWAPD_RUN_GAP_NS after its last event: the cap no longer holds */
		if (active) {
			v->last_ts += KSWAPD_RUN_GAP_NS;
			uint64_t pfn;
			CHECK_EQ(model_alloc(v->model, &q, &pfn), MODEL_OK);
			int before = s->count;
			free_frozen_page_commit(v, 0, MIGRATE_MOVABLE, 0, pfn);
			CHECK_EQ(s->count, before + 1);
		}
		pcp_fixture_destroy(&f, "pcp reclaim active");
	}
	printf("pcp: while kswapd runs a list keeps at most four batches (ZONE_RECLAIM_ACTIVE)\n");
}

/*
 * The series' refills hand out whole pageblocks and Phase 2 fragments; followed from the
 * host's refill and drain events (pcp_trace), the non-movable pages on the lists grew with
 * every pass (on files-slab 34k after one pass, 106k after four; metadata-walk 15k after two).
 * Under the kernel's rules they stay within pcp->high.
 */
static void test_pcp_stranded(const char *dir)
{
	static const char *const names[] = { "spb", "spb:pcp_trace=1" };
	char path[4096];
	snprintf(path, sizeof(path), "%s/metadata-walk.fgt", dir);
	sample_ns = 1000000000;
	struct replay_result *r = run(path, names, 2, REPLAY_WARM, 2, 2);
	uint64_t own = r->variants[0].pcp_pages[MIGRATE_UNMOVABLE] +
		       r->variants[0].pcp_pages[MIGRATE_RECLAIMABLE];
	uint64_t trace = r->variants[1].pcp_pages[MIGRATE_UNMOVABLE] +
			 r->variants[1].pcp_pages[MIGRATE_RECLAIMABLE];
	CHECK(own < 2048);
	CHECK(trace > 4 * own);
	printf("pcp: non-movable pages on the lists after 2 passes: %llu (kernel rules), %llu "
	       "(the trace's refills)\n",
	       (unsigned long long)own, (unsigned long long)trace);
	replay_result_free(r);
}

static void test_synthetic(void)
{
	static const char *const all[] = { "mainline",		"spb",		 "spb+demand",
					   "spb+demand+supply", "spb+proactive", "spb+all" };
	char path[64];
	test_tmp_path(path, sizeof(path), "test-replay.fgt");
	struct synth_workload_params p = {
		.workload = "mixed", .mem_bytes = 2ull << 30, .duration_s = 3, .seed = 7, .cpus = 2
	};
	struct synth_workload_stats st;
	char err[256];
	CHECK(synth_workload_write(&p, path, &st, err, sizeof(err)) == 0);

	struct replay_result *one = run(path, all, 6, REPLAY_WARM, 1, 1);
	struct replay_result *two = run(path, all, 6, REPLAY_WARM, 2, 1);
	same_results(one, two);
	for (size_t i = 0; i < one->nr_variants; i++) {
		const struct replay_variant_result *v = &one->variants[i];
		CHECK(v->nr_samples >= 30); /* 3 s at 100 ms */
		CHECK(v->loss.page_allocs > 0 && v->loss.slab_allocs > 0);
		/* the synthetic trace is complete: every free names a live allocation */
		CHECK_EQ(v->loss.unknown_page_frees, 0);
		CHECK_EQ(v->loss.unknown_slab_frees, 0);
		CHECK(v->loss.slab_page_events > 0); /* slab pages recognised, not replayed */
		CHECK_EQ(v->final.tainted_regions + v->final.clean_regions + v->final.empty_regions,
			 2);
		CHECK(v->nr_regions == 2);
	}
	/* the idle synthetic host: warm and cold starts begin alike */
	struct replay_result *cold = run(path, all, 1, REPLAY_COLD, 1, 1);
	CHECK(!memcmp(&cold->variants[0].samples[0].stats, &one->variants[0].samples[0].stats,
		      sizeof(struct model_stats)));
	replay_result_free(cold);

	/* --loop: pass 2 starts with pass 1's survivors; model time keeps going */
	struct replay_result *loop = run(path, all + 1, 1, REPLAY_WARM, 1, 2);
	const struct replay_variant_result *lv = &loop->variants[0];
	CHECK(lv->samples[lv->nr_samples - 1].pass == 1);
	CHECK(lv->samples[lv->nr_samples - 1].t_ns >
	      one->variants[1].samples[0].t_ns + 3000000000u);
	CHECK(lv->events == 2 * one->variants[1].events);
	CHECK(lv->slab.objects >= one->variants[1].slab.objects);
	replay_result_free(loop);

	/* observe: applying the trace's own pfns on the synthetic host fails nowhere */
	static const char *const obs[] = { "observe" };
	struct replay_result *o = run(path, obs, 1, REPLAY_WARM, 1, 1);
	CHECK_EQ(o->variants[0].loss.unknown_page_frees, 0);
	CHECK(o->variants[0].agreement < 0); /* synthetic traces carry no end page map */
	replay_result_free(o);

	replay_result_free(one);
	replay_result_free(two);
	unlink(path);
}

/* A handcrafted trace of edge cases on a 1 GiB host. */
struct edge_writer {
	struct trace_writer *w;
	uint64_t ts;
};

/* The trace written: closed (flushed and indexed) and its writer freed. */
static void edge_close(struct edge_writer *e)
{
	CHECK(trace_writer_close(e->w) == 0);
	trace_writer_free(e->w);
}

static void edge_page(struct edge_writer *e, unsigned type, uint64_t pfn, unsigned order, int mt,
		      uint32_t refill)
{
	struct trace_event ev = { .ts = e->ts += 1000, .type = (uint16_t)type, .cpu = 0 };
	ev.page.pfn = pfn;
	ev.page.order = order;
	ev.page.migratetype = mt;
	ev.page.gfp = mt == MIGRATE_MOVABLE ? (1u << 3) | (1u << 10) : 1u << 10;
	ev.page.percpu_refill = refill;
	CHECK(trace_writer_add(e->w, &ev) == 0);
}

static void edge_slab(struct edge_writer *e, unsigned type, uint64_t addr, uint64_t bytes,
		      uint32_t cache)
{
	struct trace_event ev = { .ts = e->ts += 1000, .type = (uint16_t)type, .cpu = 1 };
	ev.slab.addr = addr;
	ev.slab.bytes_req = ev.slab.bytes_alloc = bytes;
	ev.slab.cache = cache;
	ev.slab.node = 0;
	CHECK(trace_writer_add(e->w, &ev) == 0);
}

/* A 2-CPU test host of one 1 GiB Normal zone (start/zoneinfo), slab addresses as given. */
static void open_zone_trace(struct edge_writer *e, const char *path, const char *release,
			    const char *addresses)
{
	struct trace_header h = {
		.page_size = 4096, .pageblock_order = 9, .cpu_count = 2, .time_resolution_ns = 1000
	};
	const char *zone = "Node 0, zone   Normal\n        min      100\n        low      120\n"
			   "        spanned  262144\n        present  262144\n  start_pfn:  "
			   "         262144\n";
	char opts[64];
	e->ts = 1000000;
	snprintf(h.kernel_release, sizeof(h.kernel_release), "%s", release);
	snprintf(opts, sizeof(opts), "addresses: %s\n", addresses);
	CHECK(trace_writer_open(path, &h, NULL, &e->w) == 0);
	CHECK(trace_writer_add_meta(e->w, "start/zoneinfo", zone, strlen(zone)) == 0);
	CHECK(trace_writer_add_meta(e->w, "capture/options", opts, strlen(opts)) == 0);
}

static void write_edge_trace(const char *path, const char *addresses)
{
	struct edge_writer e;
	open_zone_trace(&e, path, "edge", addresses);
	int64_t dentry = trace_writer_intern(e.w, "dentry");
	CHECK(dentry > 0);
	const uint64_t base = 262144;
	/* a plain allocation and its free */
	edge_page(&e, TRACE_PAGE_ALLOC, base + 100, 0, MIGRATE_MOVABLE, 0);
	edge_page(&e, TRACE_PAGE_FREE, base + 100, 0, 0, 0);
	/* a free of something never allocated in the trace (cold start: unknown) */
	edge_page(&e, TRACE_PAGE_FREE, base + 5000, 0, 0, 0);
	/* the kernel lost events on CPU 0 */
	struct trace_event lost = { .ts = e.ts += 1000, .type = TRACE_LOST, .cpu = 0 };
	lost.lost.count = 42;
	CHECK(trace_writer_add(e.w, &lost) == 0);
	/* pfn 200 allocated twice without a free: the first becomes an orphan */
	edge_page(&e, TRACE_PAGE_ALLOC, base + 200, 0, MIGRATE_UNMOVABLE, 0);
	edge_page(&e, TRACE_PAGE_ALLOC, base + 200, 0, MIGRATE_UNMOVABLE, 0);
	/* an order-2 allocation freed page by page (split_page) */
	edge_page(&e, TRACE_PAGE_ALLOC, base + 400, 2, MIGRATE_UNMOVABLE, 0);
	for (unsigned i = 0; i < 4; i++)
		edge_page(&e, TRACE_PAGE_FREE, base + 400 + i, 0, 0, 0);
	/* a PCP refill of 4 pages, one taken, one drained */
	for (unsigned i = 0; i < 4; i++)
		edge_page(&e, TRACE_PAGE_ALLOC_ZONE_LOCKED, base + 600 + i, 0, MIGRATE_MOVABLE, 1);
	edge_page(&e, TRACE_PAGE_ALLOC, base + 600, 0, MIGRATE_MOVABLE, 0);
	edge_page(&e, TRACE_PAGE_PCPU_DRAIN, base + 603, 0, MIGRATE_MOVABLE, 0);
	/* a slab page and an object inside it; kmalloc_large (its page is a plain page) */
	edge_page(&e, TRACE_PAGE_ALLOC, base + 800, 0, MIGRATE_RECLAIMABLE, 0);
	edge_slab(&e, TRACE_SLAB_ALLOC, (base + 800) * 4096 + 192, 192, (uint32_t)dentry);
	edge_page(&e, TRACE_PAGE_ALLOC, base + 1024, 2, MIGRATE_UNMOVABLE, 0);
	edge_slab(&e, TRACE_KMALLOC, (base + 1024) * 4096, 16384, 0);
	edge_slab(&e, TRACE_KFREE, (base + 1024) * 4096, 0, 0);
	edge_page(&e, TRACE_PAGE_FREE, base + 1024, 2, 0, 0);
	/* an object freed that was allocated before the trace */
	edge_slab(&e, TRACE_SLAB_FREE, (base + 900) * 4096 + 64, 0, (uint32_t)dentry);
	edge_slab(&e, TRACE_SLAB_FREE, (base + 800) * 4096 + 192, 0, (uint32_t)dentry);
	edge_page(&e, TRACE_PAGE_FREE, base + 800, 0, 0, 0);
	edge_close(&e);
}

static void test_edges(void)
{
	/* the per-CPU lists as the trace's refill and drain events drive them (pcp_trace) */
	static const char *const names[] = { "spb:pcp_trace=1", "observe", "spb:pcp=0" };
	char path[64];
	test_tmp_path(path, sizeof(path), "edge.fgt");
	write_edge_trace(path, "physical");
	struct replay_result *r = run(path, names, 3, REPLAY_WARM, 1, 1);
	const struct replay_loss *l = &r->variants[0].loss;
	CHECK_EQ(r->trace.lost_events, 42);
	CHECK_EQ(r->trace.lost_markers, 1);
	CHECK_EQ(l->unknown_page_frees, 1);		/* base + 5000 */
	CHECK_EQ(l->orphaned_allocations, 1);		/* base + 200 */
	CHECK_EQ(l->slab_page_events, 2);		/* the dentry page's alloc and free */
	CHECK_EQ(l->slab_allocs, 1);			/* kmalloc_large is not a slab object */
	CHECK_EQ(r->variants[0].slab.unknown_frees, 1); /* allocated before the trace */
	CHECK_EQ(l->pcp_drain_misses, 0);
	CHECK_EQ(l->page_alloc_failed, 0);
	/* what is left allocated: the orphan and its successor (2), the page taken from the refill
	 * and the two still listed (3), and on the per-CPU lists, as in the kernel, the pages freed
	 * to them: 100 (1), the split order-2 block (4), the kmalloc_large block (4), and the dentry
	 * slab's page (1: its object was freed and the empty slab kept, the node's partial list
	 * being below min_partial, __slab_free) */
	CHECK_EQ(r->variants[0].final.present_pages - r->variants[0].final.free_pages, 15);
	/* without per-CPU lists the orphan pair, the refill's taken page and the kept dentry slab */
	CHECK_EQ(r->variants[2].final.present_pages - r->variants[2].final.free_pages, 4);
	CHECK_EQ(r->variants[2].loss.unknown_page_frees, 1);
	/* observe applies the trace's pfns: the same pages stay allocated, at the trace's pfns */
	CHECK(r->variants[1].final.free_pages < r->variants[1].final.present_pages);
	replay_result_free(r);

	/* hashed addresses: no slab model, slab pages replayed as pages */
	write_edge_trace(path, "hashed");
	r = run(path, names, 1, REPLAY_WARM, 1, 1);
	CHECK_EQ(r->variants[0].loss.slab_page_events, 0);
	CHECK_EQ(r->variants[0].loss.slab_allocs, 0);
	CHECK(!strcmp(r->trace.addresses, "hashed"));
	replay_result_free(r);
	unlink(path);
}

/* A trace of one Normal zone of `pages` from pfn 262144 with a start page map. */
static void open_map_trace(struct edge_writer *e, const char *path, const char *release,
			   unsigned pages, const uint8_t *map, size_t len)
{
	struct trace_header h = {
		.page_size = 4096, .pageblock_order = 9, .cpu_count = 2, .time_resolution_ns = 1000
	};
	char zone[256];
	snprintf(h.kernel_release, sizeof(h.kernel_release), "%s", release);
	CHECK(trace_writer_open(path, &h, NULL, &e->w) == 0);
	snprintf(zone, sizeof(zone),
		 "Node 0, zone   Normal\n        min      100\n        low      120\n"
		 "        spanned  %u\n        present  %u\n  start_pfn:           262144\n",
		 pages, pages);
	CHECK(trace_writer_add_meta(e->w, "start/zoneinfo", zone, strlen(zone)) == 0);
	CHECK(trace_writer_add_meta(e->w, "start/pagemap", map, len) == 0);
}

/*
 * Open a trace of a one-zone host of @pages pages from pfn 262144 whose start page map gives
 * every pfn the class @cls says, with start/zoneinfo and start/pagemap written.
 */
/* A page map ("fragtrace-pagemap 1") of pfns 0 .. end, pfns from base on classed by cls. */
static uint8_t *page_map_build(uint64_t base, uint64_t end, unsigned (*cls)(uint64_t pfn),
			       size_t *len)
{
	char hdr[64];
	int hl = snprintf(hdr, sizeof(hdr), "fragtrace-pagemap 1 %llu\n", (unsigned long long)end);
	*len = (size_t)hl + (size_t)(end + 1) / 2;
	uint8_t *map = calloc(1, *len);
	CHECK_FATAL(map != NULL);
	memcpy(map, hdr, (size_t)hl);
	for (uint64_t p = base; p < end; p++)
		map[(uint64_t)hl + p / 2] |= (uint8_t)(cls(p) << ((p & 1) * 4));
	return map;
}

/* The trace's end/pagemap of the 262144-page test host starting at pfn 262144. */
static void add_end_page_map(struct edge_writer *e, unsigned (*cls)(uint64_t pfn))
{
	size_t len;
	uint8_t *map = page_map_build(262144, 262144 + 262144, cls, &len);
	CHECK(trace_writer_add_meta(e->w, "end/pagemap", map, len) == 0);
	free(map);
}

static void open_mapped_trace(struct edge_writer *e, const char *path, struct trace_header *h,
			      uint64_t pages, unsigned (*cls)(uint64_t pfn))
{
	char zone[256];
	size_t len;
	uint8_t *map = page_map_build(262144, 262144 + pages, cls, &len);
	snprintf(zone, sizeof(zone),
		 "Node 0, zone   Normal\n        min      100\n        low      120\n"
		 "        spanned  %llu\n        present  %llu\n  start_pfn:           262144\n",
		 (unsigned long long)pages, (unsigned long long)pages);
	CHECK(trace_writer_open(path, h, NULL, &e->w) == 0);
	CHECK(trace_writer_add_meta(e->w, "start/zoneinfo", zone, strlen(zone)) == 0);
	CHECK(trace_writer_add_meta(e->w, "start/pagemap", map, len) == 0);
	free(map);
}

/* open_mapped_trace() for a 2-CPU test host: event formats (NULL for none), release name. */
static void open_test_trace(struct edge_writer *e, const char *path, const char *formats,
			    size_t formats_len, const char *release, uint64_t pages,
			    unsigned (*cls)(uint64_t pfn))
{
	struct trace_header h = { .page_size = 4096,
				  .pageblock_order = 9,
				  .cpu_count = 2,
				  .time_resolution_ns = 1000,
				  .event_formats = formats,
				  .event_formats_len = formats_len };
	snprintf(h.kernel_release, sizeof(h.kernel_release), "%s", release);
	e->ts = 1000000;
	open_mapped_trace(e, path, &h, pages, cls);
}

/*
 * The placed start (issue 14, item 5): a 4 GiB host whose start page map holds 8 slab pages at
 * the bottom of each of its four 1 GiB regions and 2000 anonymous pages in each. Copied, every
 * region starts tainted; placed through the SPB policy, the slab pages share one region. The
 * trace then frees a start slab page and a start anonymous page by their host pfns: the placed
 * start frees the pages the policy chose for them (no unknown frees).
 */
#define PLACED_BASE 262144ull
#define PLACED_SPB  262144ull
static unsigned placed_class(uint64_t p)
{
	uint64_t off = (p - PLACED_BASE) % PLACED_SPB;
	return off < 8 ? PC_SLAB : off < 2008 ? PC_ANON : PC_FREE;
}

static void write_placed_trace(const char *path)
{
	struct edge_writer e = { .ts = 1000000 };
	size_t len;
	uint8_t *map =
		page_map_build(PLACED_BASE, PLACED_BASE + 4 * PLACED_SPB, placed_class, &len);
	open_map_trace(&e, path, "placed", 1048576, map, len);
	free(map);
	edge_page(&e, TRACE_PAGE_FREE, PLACED_BASE + 2 * PLACED_SPB + 3, 0, 0, 0);
	edge_page(&e, TRACE_PAGE_FREE, PLACED_BASE + 3 * PLACED_SPB + 100, 0, 0, 0);
	edge_page(&e, TRACE_PAGE_ALLOC, PLACED_BASE + 3 * PLACED_SPB + 100, 0, MIGRATE_MOVABLE, 0);
	edge_close(&e);
}

static void test_placed_start(void)
{
	static const char *const names[] = { "spb", "mainline", "spb:start=warm", "spb:pcp=0" };
	char path[64];
	test_tmp_path(path, sizeof(path), "placed.fgt");
	write_placed_trace(path);
	/* the run's default (auto): placed for the SPB policy, the host's placement for mainline */
	struct replay_result *r = run(path, names, 4, REPLAY_START_AUTO, 1, 1);
	const struct replay_variant_result *spb = &r->variants[0], *ml = &r->variants[1];
	const struct replay_variant_result *copied = &r->variants[2];
	CHECK_EQ(spb->start, REPLAY_PLACED);
	CHECK_EQ(ml->start, REPLAY_WARM);
	CHECK_EQ(copied->start, REPLAY_WARM);
	CHECK_EQ(spb->start_placed, 4 * 2008);
	CHECK_EQ(spb->start_copied + spb->start_unplaced, 0);
	CHECK_EQ(copied->samples[0].stats.tainted_regions, 4);
	CHECK_EQ(ml->samples[0].stats.tainted_regions, 4);
	CHECK_EQ(spb->samples[0].stats.tainted_regions, 1);
	for (unsigned i = 0; i < 4; i++) {
		const struct replay_variant_result *v = &r->variants[i];
		CHECK_EQ(v->loss.unknown_page_frees, 0);
		CHECK_EQ(v->loss.warm_page_frees, 2);
	}
	/* identity: the two frees released start pages, the allocation took one page */
	CHECK_EQ(r->variants[3].final.present_pages - r->variants[3].final.free_pages,
		 4 * 2008 - 2 + 1);
	replay_result_free(r);
	/* --start placed applies to mainline too; observe keeps the host's pfns */
	static const char *const ml_obs[] = { "mainline", "observe" };
	r = run(path, ml_obs, 2, REPLAY_PLACED, 1, 1);
	CHECK_EQ(r->variants[0].start, REPLAY_PLACED);
	CHECK_EQ(r->variants[0].samples[0].stats.tainted_regions, 1);
	CHECK_EQ(r->variants[1].start, REPLAY_WARM);
	replay_result_free(r);
	unlink(path);
}

/*
 * Shrinker calibration (issue 14, item 6): the host's superblock shrinker reports 100 unused
 * dentries and inodes (two superblocks, 120 + 80 cache items at vfs_cache_pressure 200) of the
 * 1000 slabinfo counts: the dentry and inode caches get a freeable share of 10%.
 */
static void shrink_event(struct edge_writer *e, uint32_t name, int prio, int64_t items,
			 int64_t scan, int32_t freed)
{
	struct trace_event ev = { .ts = e->ts += 1000, .type = TRACE_SHRINK_START, .pid = 7 };
	ev.shrink_start = (struct trace_shrink_start){
		.shrinker = name, .priority = prio, .cache_items = items, .total_scan = scan
	};
	CHECK(trace_writer_add(e->w, &ev) == 0);
	ev = (struct trace_event){ .ts = e->ts += 1000, .type = TRACE_SHRINK_END, .pid = 7 };
	ev.shrink_end = (struct trace_shrink_end){ .shrinker = name, .retval = freed };
	CHECK(trace_writer_add(e->w, &ev) == 0);
}

static void test_shrink_calibration(void)
{
	struct edge_writer e;
	char path[64];
	test_tmp_path(path, sizeof(path), "shrink.fgt");
	open_zone_trace(&e, path, "shrink", "physical");
	const char *slabinfo = "slabinfo - version: 2.1\n# name <active_objs> <num_objs> ...\n"
			       "dentry 900 1000 192 21 1 : tunables 0 0 0 : slabdata 48 48 0\n"
			       "ext4_inode_cache 100 140 1128 14 4 : tunables 0 0 0 : slabdata "
			       "10 10 0\nkmalloc-64 5000 5000 64 64 1 : tunables 0 0 0 : "
			       "slabdata 79 79 0\n";
	CHECK(trace_writer_add_meta(e.w, "start/slabinfo", slabinfo, strlen(slabinfo)) == 0);
	CHECK(trace_writer_add_meta(e.w, "end/slabinfo", slabinfo, strlen(slabinfo)) == 0);
	CHECK(trace_writer_add_meta(e.w, "start/vfs_cache_pressure", "200\n", 4) == 0);
	int64_t sb = trace_writer_intern(e.w, "super_cache_scan+0x0/0x1b0");
	int64_t es = trace_writer_intern(e.w, "ext4_es_scan+0x0/0x1c0");
	CHECK(sb > 0 && es > 0);
	for (int prio = 12; prio >= 0; prio--) {
		shrink_event(&e, (uint32_t)sb, prio, 120, 64, 6);
		shrink_event(&e, (uint32_t)es, prio, 500, 0, 0);
		shrink_event(&e, (uint32_t)sb, prio, 80, 0, 0);
	}
	edge_page(&e, TRACE_PAGE_ALLOC, 262144 + 10, 0, MIGRATE_MOVABLE, 0);
	edge_close(&e);

	static const char *const names[] = { "spb" };
	struct replay_result *r = run(path, names, 1, REPLAY_WARM, 1, 1);
	const struct replay_shrink_calibration *c = &r->calib;
	CHECK_EQ(c->n, 2);
	const struct replay_shrinker_calib *s = &c->s[0], *x = &c->s[1];
	CHECK(!strcmp(s->shrinker, "super_cache_scan"));
	CHECK(!strcmp(x->shrinker, "ext4_es_scan"));
	CHECK_EQ(s->runs, 26);
	CHECK_EQ(s->rounds, 13);
	CHECK_EQ(s->scanned, 13 * 64);
	CHECK_EQ(s->freed, 13 * 6);
	CHECK(s->applied && !x->applied);
	CHECK_EQ(s->freeable_ppm, 100000);
	CHECK(fabs(s->mean_items - 100) < 1e-9);
	CHECK(fabs(s->host_objects - 1000) < 1e-9);
	uint32_t ppm = 0;
	CHECK(shrink_calib_for_cache(c, "dentry", &ppm) && ppm == 100000);
	CHECK(shrink_calib_for_cache(c, "ext4_inode_cache", &ppm));
	CHECK(!shrink_calib_for_cache(c, "kmalloc-64", &ppm));
	replay_result_free(r);
	unlink(path);
	printf("shrink calibration: 100 unused of 1000: a freeable share of 10%%\n");
}

/*
 * The host's free page reporting from start/page_reporting_order (replay_host.c): a trace whose
 * host has no page_reporting module replays mainline with reporting off (no pass, though the
 * cold start's frees ask for one and the trace spans 3 s), unless -V says on; an order of 8
 * is taken as the model's order; a trace without the snapshot keeps the default, on at 9.
 * start/page_alloc_shuffle Y is flagged for the warning.
 */
static struct replay_result *reporting_run(const char *path, const char *order, const char *shuffle)
{
	static const char *const names[] = { "mainline", "mainline:page_reporting=1",
					     "mainline:page_reporting_order=10" };
	struct edge_writer e;
	open_zone_trace(&e, path, "reporting", "physical");
	if (order)
		CHECK(trace_writer_add_meta(e.w, "start/page_reporting_order", order,
					    strlen(order)) == 0);
	if (shuffle)
		CHECK(trace_writer_add_meta(e.w, "start/page_alloc_shuffle", shuffle,
					    strlen(shuffle)) == 0);
	edge_page(&e, TRACE_PAGE_ALLOC, 262144 + 10, 0, MIGRATE_MOVABLE, 0);
	e.ts += 3000000000ull;
	edge_page(&e, TRACE_PAGE_FREE, 262144 + 10, 0, 0, 0);
	edge_close(&e);
	return run(path, names, 3, REPLAY_COLD, 1, 1);
}

static void test_page_reporting_from_trace(void)
{
	char path[64];
	test_tmp_path(path, sizeof(path), "reporting.fgt");

	struct replay_result *r = reporting_run(path, "not loaded\n", "N\n");
	const struct replay_host_figures *f = &r->trace.host;
	CHECK(f->have_page_reporting && !f->page_reporting_on);
	CHECK(!strcmp(f->page_reporting_text, "not loaded"));
	CHECK(f->have_shuffle && !f->shuffle_on);
	CHECK(!r->variants[0].spec.params.page_reporting);
	CHECK_EQ(r->variants[0].final.events[MODEL_EV_PAGE_REPORTING_PASS], 0);
	CHECK(r->variants[1].spec.params.page_reporting); /* -V wins */
	CHECK(r->variants[1].final.events[MODEL_EV_PAGE_REPORTING_PASS] >= 1);
	CHECK(!r->variants[2].spec.params.page_reporting);
	replay_result_free(r);

	/* registered by no driver: the parameter still reads -1 */
	r = reporting_run(path, "4294967295\n", NULL);
	CHECK(r->trace.host.have_page_reporting && !r->trace.host.page_reporting_on);
	CHECK(!r->trace.host.have_shuffle);
	CHECK(!r->variants[0].spec.params.page_reporting);
	replay_result_free(r);

	r = reporting_run(path, "8\n", "Y\n");
	f = &r->trace.host;
	CHECK(f->page_reporting_on && f->page_reporting_order == 8 && f->shuffle_on);
	CHECK(r->variants[0].spec.params.page_reporting);
	CHECK_EQ(r->variants[0].spec.params.page_reporting_order, 8);
	CHECK(r->variants[0].final.events[MODEL_EV_PAGE_REPORTING_PASS] >= 1);
	CHECK_EQ(r->variants[2].spec.params.page_reporting_order, 10); /* -V wins */
	replay_result_free(r);

	r = reporting_run(path, NULL, NULL);
	CHECK(!r->trace.host.have_page_reporting);
	CHECK(r->variants[0].spec.params.page_reporting);
	CHECK_EQ(r->variants[0].spec.params.page_reporting_order, 9);
	CHECK(r->variants[0].final.events[MODEL_EV_PAGE_REPORTING_PASS] >= 1);
	replay_result_free(r);
	unlink(path);
	printf("page reporting: off for a host without the module, order 8 taken, "
	       "on at 9 without the snapshot, -V wins\n");
}

/* start/watermark_boost_factor sets the watermark_boost switch's factor; -V wins; else 15000. */
static void test_watermark_boost_factor_from_trace(void)
{
	static const char *const names[] = {
		"mainline", "mainline:watermark_boost=0,watermark_boost_factor=7"
	};
	char path[64];
	test_tmp_path(path, sizeof(path), "boost.fgt");

	for (int have = 0; have <= 1; have++) {
		struct edge_writer e;
		open_zone_trace(&e, path, "boost", "physical");
		if (have)
			CHECK(trace_writer_add_meta(e.w, "start/watermark_boost_factor", "12345\n",
						    6) == 0);
		edge_page(&e, TRACE_PAGE_ALLOC, 262144 + 10, 0, MIGRATE_MOVABLE, 0);
		e.ts += 1000000;
		edge_page(&e, TRACE_PAGE_FREE, 262144 + 10, 0, 0, 0);
		edge_close(&e);
		struct replay_result *r = run(path, names, 2, REPLAY_COLD, 1, 1);
		CHECK_EQ(r->trace.host.have_watermark_boost_factor, (bool)have);
		CHECK(r->variants[0].spec.params.watermark_boost);
		CHECK_EQ(r->variants[0].spec.params.watermark_boost_factor, have ? 12345u : 15000u);
		CHECK(!r->variants[1].spec.params.watermark_boost);
		CHECK_EQ(r->variants[1].spec.params.watermark_boost_factor, 7u);
		replay_result_free(r);
	}
	unlink(path);
	printf("watermark boost: the factor from start/watermark_boost_factor, else 15000, "
	       "-V wins\n");
}

/*
 * A synthetic host's slabinfo (fragtrace synth): the start snapshot is there with no dentries
 * or inodes, the end one has 1000. One round of 50 unused objects halfway through the trace
 * is divided by the interpolated 500: a share of 10% (with the start taken as missing it would
 * be 50 of 1000, 5%).
 */
static void test_shrink_calibration_from_empty_start(void)
{
	struct edge_writer e;
	char path[64];
	test_tmp_path(path, sizeof(path), "shrink0.fgt");
	open_zone_trace(&e, path, "shrink", "physical");
	const char *start = "slabinfo - version: 2.1\n"
			    "dentry 0 0 192 21 1 : tunables 0 0 0 : slabdata 0 0 0\n";
	const char *end = "slabinfo - version: 2.1\n"
			  "dentry 1000 1008 192 21 1 : tunables 0 0 0 : slabdata 48 48 0\n";
	CHECK(trace_writer_add_meta(e.w, "start/slabinfo", start, strlen(start)) == 0);
	CHECK(trace_writer_add_meta(e.w, "end/slabinfo", end, strlen(end)) == 0);
	int64_t sb = trace_writer_intern(e.w, "super_cache_scan+0x0/0x1b0");
	CHECK(sb > 0);
	/* the trace spans 199 ms, replay's span 200 ms; the round starts at 100 ms */
	edge_page(&e, TRACE_PAGE_ALLOC, 262144 + 10, 0, MIGRATE_MOVABLE, 0);
	uint64_t first = e.ts;
	e.ts = first + 100000000 - 1000;
	shrink_event(&e, (uint32_t)sb, 12, 50, 0, 0);
	e.ts = first + 199000000 - 1000;
	edge_page(&e, TRACE_PAGE_ALLOC, 262144 + 11, 0, MIGRATE_MOVABLE, 0);
	edge_close(&e);

	static const char *const names[] = { "spb" };
	struct replay_result *r = run(path, names, 1, REPLAY_WARM, 1, 1);
	const struct replay_shrink_calibration *c = &r->calib;
	CHECK_EQ(c->n, 1);
	CHECK_EQ(c->s[0].rounds, 1);
	CHECK(c->s[0].applied);
	CHECK_EQ(c->s[0].freeable_ppm, 100000);
	replay_result_free(r);
	unlink(path);
	printf("shrink calibration from an empty start slabinfo: 50 unused of 500: 10%%\n");
}

/*
 * The calibrated share reaches the variant's slab model (replay_variant.c, slab_cache_create's
 * freeable_ppm): a trace allocates 2000 dentries (100 slab pages of 20) and its host's
 * superblock shrinker reports `unused` of the 1000 objects slabinfo counts. Only the unused
 * share goes on the dentry cache's LRU (slab_obj_unused), so the LRU holds about that share of
 * the 2000: with the calibration (spb), all of them without it (shrink_calibration=0, the
 * default 100%), half with freeable_ppm=500000 (an override wins over the calibration).
 * Computing the share without applying it leaves every dentry on the LRU in all three.
 */
static uint64_t lru_after_calibration(const char *path, int64_t unused, uint64_t lru[3])
{
	struct edge_writer e;
	open_zone_trace(&e, path, "shrink-apply", "physical");
	const char *slabinfo = "slabinfo - version: 2.1\n"
			       "dentry 1000 1008 192 21 1 : tunables 0 0 0 : slabdata 48 48 0\n";
	CHECK(trace_writer_add_meta(e.w, "start/slabinfo", slabinfo, strlen(slabinfo)) == 0);
	CHECK(trace_writer_add_meta(e.w, "end/slabinfo", slabinfo, strlen(slabinfo)) == 0);
	CHECK(trace_writer_add_meta(e.w, "start/vfs_cache_pressure", "100\n", 4) == 0);
	int64_t sb = trace_writer_intern(e.w, "super_cache_scan+0x0/0x1b0");
	int64_t dentry = trace_writer_intern(e.w, "dentry");
	CHECK(sb > 0 && dentry > 0);
	for (int prio = 12; prio >= 10; prio--)
		shrink_event(&e, (uint32_t)sb, prio, unused, 0, 0);
	const uint64_t base = 262144 + 1000;
	for (uint64_t p = 0; p < 100; p++) {
		edge_page(&e, TRACE_PAGE_ALLOC, base + p, 0, MIGRATE_RECLAIMABLE, 0);
		for (uint64_t k = 0; k < 20; k++)
			edge_slab(&e, TRACE_SLAB_ALLOC, (base + p) * 4096 + k * 192, 192,
				  (uint32_t)dentry);
	}
	edge_close(&e);

	static const char *const names[] = { "spb", "spb:shrink_calibration=0",
					     "spb:freeable_ppm=500000" };
	struct replay_result *r = run(path, names, 3, REPLAY_WARM, 1, 1);
	CHECK_EQ(r->calib.n, 1);
	CHECK(r->calib.s[0].applied);
	uint32_t ppm = r->calib.s[0].freeable_ppm;
	for (int v = 0; v < 3; v++) {
		CHECK_EQ(r->variants[v].slab.allocs, 2000);
		CHECK_EQ(r->variants[v].slab.objects, 2000);
		CHECK_EQ(r->variants[v].slab.shrink_freed, 0);
		lru[v] = r->variants[v].slab.lru_objects;
	}
	replay_result_free(r);
	unlink(path);
	return ppm;
}

static void test_shrink_calibration_applied(void)
{
	char path[64];
	uint64_t a[3], b[3];
	test_tmp_path(path, sizeof(path), "shrinkapply.fgt");
	CHECK_EQ(lru_after_calibration(path, 100, a), 100000);
	CHECK_EQ(lru_after_calibration(path, 600, b), 600000);
	/* the share picked per object by a hash: within 5% of the 2000 */
	CHECK(a[0] >= 100 && a[0] <= 300);
	CHECK(b[0] >= 1100 && b[0] <= 1300);
	CHECK(a[0] < b[0]);
	CHECK_EQ(a[1], 2000);
	CHECK_EQ(b[1], 2000);
	CHECK(a[2] >= 900 && a[2] <= 1100);
	CHECK_EQ(a[2], b[2]); /* the override: the same objects whatever the host said */
	printf("shrink calibration applied: of 2000 dentries on the LRU %llu at 10%%, %llu at "
	       "60%%, %llu uncalibrated, %llu at freeable_ppm=500000\n",
	       (unsigned long long)a[0], (unsigned long long)b[0], (unsigned long long)a[1],
	       (unsigned long long)a[2]);
}

/*
 * The host's compaction in a policy variant (replay_compaction.c): kcompactd (pid 36) takes 41
 * free pages of the top pageblock (half used), migrates 32 start pages and a trace allocation into them and
 * frees the sources, fails to migrate an unmovable page it frees too, gives 8 unused pages
 * back, and 100 ms later another task frees 16 of the destinations by their host pfns. The host
 * keeps the migrated memory allocated throughout: so must the variant, at destinations its own
 * free scanner took from the top of the zone. Before, every source free freed memory and the
 * destinations' frees were unknown.
 */
#define COMPACT_BASE 262144ull
#define COMPACT_TOP  (COMPACT_BASE + 262144 - PAGEBLOCK_NR_PAGES)
static void compaction_page(struct edge_writer *e, unsigned type, uint64_t pfn, int mt, int pid)
{
	struct trace_event ev = { .ts = e->ts += 1000, .type = (uint16_t)type, .pid = pid };
	ev.page.pfn = pfn;
	ev.page.migratetype = mt;
	ev.page.gfp = mt == MIGRATE_MOVABLE ? (1u << 3) | (1u << 10) : 1u << 10;
	CHECK(trace_writer_add(e->w, &ev) == 0);
}

static void compaction_record(struct edge_writer *e, uint32_t name, uint64_t a, uint64_t b,
			      uint64_t c, uint64_t d)
{
	uint64_t raw[4] = { a, b, c, d };
	struct trace_event ev = { .ts = e->ts += 1000, .type = TRACE_GENERIC, .pid = 36 };
	ev.generic = (struct trace_generic){ name, sizeof(raw), (const uint8_t *)raw };
	CHECK(trace_writer_add(e->w, &ev) == 0);
}

/* A "compaction" test trace with the free scanner's record format; *iso and *mig are the
 * string ids of the free scanner's and the migration's generic records. */
static void open_compaction_trace(struct edge_writer *e, const char *path,
				  unsigned (*class_of)(uint64_t), int64_t *iso, int64_t *mig)
{
	static const char formats[] =
		"name: mm_compaction_isolate_freepages\nID: 1\nformat:\n"
		"\tfield:unsigned long start_pfn;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned long end_pfn;\toffset:16;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned long nr_scanned;\toffset:24;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned long nr_taken;\toffset:32;\tsize:8;\tsigned:0;\n\n";

	open_test_trace(e, path, formats, sizeof(formats) - 1, "compaction", 262144, class_of);
	*iso = trace_writer_intern(e->w, "compaction:mm_compaction_isolate_freepages");
	*mig = trace_writer_intern(e->w, "compaction:mm_compaction_migratepages");
	CHECK(*iso > 0 && *mig > 0);
}

/* 32 anonymous pages low in the zone, the top pageblock's upper half anonymous */
static unsigned compaction_class(uint64_t p)
{
	bool anon = (p >= COMPACT_BASE + 1000 && p < COMPACT_BASE + 1032) || p >= COMPACT_TOP + 256;
	return anon ? PC_ANON : PC_FREE;
}

static void write_compaction_trace(const char *path)
{
	struct edge_writer e;
	int64_t iso, mig;
	open_compaction_trace(&e, path, compaction_class, &iso, &mig);
	compaction_page(&e, TRACE_PAGE_ALLOC, COMPACT_BASE + 2000, MIGRATE_MOVABLE, 100);
	compaction_page(&e, TRACE_PAGE_ALLOC, COMPACT_BASE + 2001, MIGRATE_UNMOVABLE, 100);
	compaction_record(&e, (uint32_t)iso, COMPACT_TOP, COMPACT_TOP + 512, 512, 41);
	for (uint64_t p = COMPACT_BASE + 1000; p < COMPACT_BASE + 1032; p++)
		compaction_page(&e, TRACE_PAGE_FREE, p, 0, 36);
	compaction_page(&e, TRACE_PAGE_FREE, COMPACT_BASE + 2000, 0, 36);
	compaction_page(&e, TRACE_PAGE_FREE, COMPACT_BASE + 2001, 0, 36);
	compaction_record(&e, (uint32_t)mig, 33, 0, 0, 0);
	for (uint64_t p = COMPACT_TOP + 100; p < COMPACT_TOP + 108; p++)
		compaction_page(&e, TRACE_PAGE_FREE, p, 0, 36); /* release_free_list() */
	e.ts += 100000000;
	for (uint64_t p = COMPACT_TOP; p < COMPACT_TOP + 16; p++)
		compaction_page(&e, TRACE_PAGE_FREE, p, 0, 200);
	edge_close(&e);
}

static void test_compaction(void)
{
	static const char *const names[] = { "mainline:pcp=0", "mainline:pcp=0,compaction=0",
					     "spb:pcp=0", "observe" };
	char path[64];
	test_tmp_path(path, sizeof(path), "compaction.fgt");
	write_compaction_trace(path);
	struct replay_result *r = run(path, names, 4, REPLAY_WARM, 1, 1);
	/*
	 * observe took the scanner's 41 pages from the bottom of the range; the host's
	 * release_free_list() frees 8 pages it took higher up: observe swaps 8 of its own for them
	 * (compaction_rebound) instead of counting 8 frees of free pages.
	 */
	const struct replay_observe_causes *oc = &r->variants[3].causes;
	CHECK_EQ(oc->compaction_taken, 41);
	CHECK_EQ(oc->compaction_rebound, 8);
	CHECK_EQ(oc->free_after_free, 0);
	for (unsigned i = 0; i < 3; i++) {
		const struct replay_variant_result *v = &r->variants[i];
		const struct replay_compaction *c = &v->compaction;
		uint64_t used = v->final.present_pages - v->final.free_pages;
		if (i == 1) {
			/* not replayed: the sources' frees freed the memory the host kept */
			CHECK_EQ(used, 256);
			CHECK_EQ(v->loss.unknown_page_frees, 24);
			CHECK_EQ(c->sources, 0);
			continue;
		}
		/* the host's: 288 start pages + 2 allocated - 34 freed + 33 migrated - 16 freed */
		CHECK_EQ(used, 273);
		CHECK_EQ(c->sources, 33);
		CHECK_EQ(c->sources_unmovable, 1);
		CHECK_EQ(c->no_target, 0);
		CHECK_EQ(c->releases, 8);
		CHECK_EQ(c->dest_frees, 16);
		CHECK_EQ(c->without_capacity, 0);
		CHECK_EQ(c->live_at_end, 17);
		CHECK_EQ(v->loss.unknown_page_frees, 0);
	}
	replay_result_free(r);
	unlink(path);
	printf("compaction: the host's migrations keep their memory in the variants\n");
}

/*
 * A host migration the model's free scanner finds no destination for (replay_compaction.c,
 * compaction_below): kcompactd migrates 32 start pages of pageblock 1. Above them the model
 * holds only wholly free pageblocks (which suitable_migration_target() refuses) and a top
 * pageblock in use; below, pageblock 0 is half free. By default the sources' memory is freed
 * and each miss is counted under its reason (whole_free); compaction_below=1 takes the
 * destinations in pageblock 0 and keeps the memory the host kept. Fails without the switch
 * (no_target 32 there too) and without the reasons (why[] all zero).
 */
#define BELOW_SRC (COMPACT_BASE + 600)
static unsigned compaction_below_class(uint64_t p)
{
	bool anon = (p >= BELOW_SRC && p < BELOW_SRC + 32) || p >= COMPACT_TOP ||
		    (p >= COMPACT_BASE && p < COMPACT_BASE + 256);
	return anon ? PC_ANON : PC_FREE;
}

static void write_compaction_below_trace(const char *path)
{
	struct edge_writer e;
	int64_t iso, mig;
	open_compaction_trace(&e, path, compaction_below_class, &iso, &mig);
	compaction_record(&e, (uint32_t)iso, COMPACT_TOP, COMPACT_TOP + 512, 512, 32);
	for (uint64_t p = BELOW_SRC; p < BELOW_SRC + 32; p++)
		compaction_page(&e, TRACE_PAGE_FREE, p, 0, 36);
	compaction_record(&e, (uint32_t)mig, 32, 0, 0, 0);
	edge_close(&e);
}

static void test_compaction_below(void)
{
	static const char *const names[] = { "mainline:pcp=0",
					     "mainline:pcp=0,compaction_below=1" };
	char path[64];
	test_tmp_path(path, sizeof(path), "compaction-below.fgt");
	write_compaction_below_trace(path);
	struct replay_result *r = run(path, names, 2, REPLAY_WARM, 1, 1);
	for (unsigned i = 0; i < 2; i++) {
		const struct replay_variant_result *v = &r->variants[i];
		const struct replay_compaction *c = &v->compaction;
		uint64_t used = v->final.present_pages - v->final.free_pages;
		CHECK_EQ(c->sources_unknown, 0);
		if (i == 0) {
			/* 256 + 32 + 512 start pages, the 32 sources freed with nothing held */
			CHECK_EQ(used, 768);
			CHECK_EQ(c->no_target, 32);
			CHECK_EQ(c->no_target_why[MODEL_NT_WHOLE_FREE], 32);
			CHECK_EQ(c->below_source, 0);
			CHECK_EQ(c->sources, 0);
			continue;
		}
		CHECK_EQ(used, 800); /* the host's */
		CHECK_EQ(c->no_target, 0);
		CHECK_EQ(c->below_source, 32);
		CHECK_EQ(c->sources, 32);
		CHECK_EQ(c->live_at_end, 32);
	}
	replay_result_free(r);
	unlink(path);
	printf("compaction below the source: counted by reason, held with compaction_below=1\n");
}

/*
 * A host migration without a destination in the model, kept in place (compaction_keep): the
 * same start as above, the host's free scanner taking 32 pages from the free half of
 * pageblock 0 (below the sources, where the model's free scanner does not look), and another
 * task freeing those 32 destination pages later. By default the sources are freed at the
 * migration (used 768, as if the host had dropped the data) and the destinations' frees are
 * unknown; with compaction_keep=1 the sources stay allocated where they are, as a folio
 * migrate_pages() found no target for (used 800 after the migration, the host's), and the
 * destinations' frees free them (used 768 at the end, none unknown). Fails before the switch
 * (an unknown key) and if a kept source were freed at the migration or never.
 */
static void write_compaction_keep_trace(const char *path, bool dest_frees)
{
	struct edge_writer e;
	int64_t iso, mig;
	open_compaction_trace(&e, path, compaction_below_class, &iso, &mig);
	compaction_record(&e, (uint32_t)iso, COMPACT_BASE + 256, COMPACT_BASE + 512, 256, 32);
	for (uint64_t p = BELOW_SRC; p < BELOW_SRC + 32; p++)
		compaction_page(&e, TRACE_PAGE_FREE, p, 0, 36);
	compaction_record(&e, (uint32_t)mig, 32, 0, 0, 0);
	e.ts += 100000000; /* the run is over */
	for (uint64_t p = COMPACT_BASE + 256; dest_frees && p < COMPACT_BASE + 288; p++)
		compaction_page(&e, TRACE_PAGE_FREE, p, 0, 99);
	edge_close(&e);
}

static void test_compaction_keep(void)
{
	static const char *const names[] = { "mainline:pcp=0", "mainline:pcp=0,compaction_keep=1" };
	char path[64];
	test_tmp_path(path, sizeof(path), "compaction-keep.fgt");
	for (int dest_frees = 0; dest_frees < 2; dest_frees++) {
		write_compaction_keep_trace(path, dest_frees);
		struct replay_result *r = run(path, names, 2, REPLAY_WARM, 1, 1);
		for (unsigned i = 0; i < 2; i++) {
			const struct replay_variant_result *v = &r->variants[i];
			const struct replay_compaction *c = &v->compaction;
			uint64_t used = v->final.present_pages - v->final.free_pages;
			CHECK_EQ(c->sources_unknown, 0);
			CHECK_EQ(c->no_target, 32);
			CHECK_EQ(c->no_target_why[MODEL_NT_WHOLE_FREE], 32);
			CHECK_EQ(c->sources, 0);
			if (i == 0) {
				CHECK_EQ(used, 768);
				CHECK_EQ(c->kept, 0);
				CHECK_EQ(c->dest_frees, 0);
				CHECK_EQ(v->loss.unknown_page_frees, dest_frees ? 32 : 0);
				continue;
			}
			CHECK_EQ(c->kept, 32);
			CHECK_EQ(used, dest_frees ? 768 : 800);
			CHECK_EQ(c->dest_frees, dest_frees ? 32 : 0);
			CHECK_EQ(c->live_at_end, dest_frees ? 0 : 32);
			CHECK_EQ(v->loss.unknown_page_frees, 0);
		}
		replay_result_free(r);
	}
	unlink(path);
	printf("compaction without a target: the source kept in place with compaction_keep=1\n");
}

/*
 * kswapd's reclaim windows from its own events: each mm_vmscan_kswapd_wake opens a
 * balance_pgdat() run that ends at the last event kswapd's task traced before its node's next
 * wake or sleep (replay_decode.c). The trace: kswapd (pid 45) wakes for zid 2 at W1, its
 * shrink_slab at +1 us, another task's free at +2 us, kswapd's free at +3 us (the run's end), a
 * direct reclaimer's GFP_KERNEL shrink_slab at +4 us; it sleeps at +100 ms and frees once more
 * after it (not a run); it wakes for zid 1 at W2, frees at +5 us and wakes again at +10 us
 * without sleeping (a run left unbalanced), its shrink_slab at +12 us ending the trace's last
 * run. Runs 3 + 5 + 2 us. The heuristic instead takes each GFP_KERNEL shrink_slab, the direct
 * reclaimer's too. Fails without the wake events' decoding (no kswapd_wakes).
 */
#define KSWAPD_GFP_KERNEL ((1u << 6) | (1u << 7) | (1u << 10) | (1u << 11))
static void kswapd_record(struct edge_writer *e, uint32_t name, int32_t nid, int32_t zid)
{
	int32_t raw[3] = { nid, zid, 0 };
	struct trace_event ev = { .ts = e->ts, .type = TRACE_GENERIC, .pid = 45 };
	ev.generic =
		(struct trace_generic){ name, zid < 0 ? 4 : sizeof(raw), (const uint8_t *)raw };
	CHECK(trace_writer_add(e->w, &ev) == 0);
}

static void kswapd_shrink(struct edge_writer *e, int pid)
{
	struct trace_event ev = { .ts = e->ts, .type = TRACE_SHRINK_START, .pid = pid };
	ev.shrink_start = (struct trace_shrink_start){ .gfp = KSWAPD_GFP_KERNEL, .nid = 0 };
	CHECK(trace_writer_add(e->w, &ev) == 0);
}

static void kswapd_page(struct edge_writer *e, unsigned type, uint64_t pfn, int pid)
{
	struct trace_event ev = { .ts = e->ts, .type = (uint16_t)type, .pid = pid };
	ev.page.pfn = pfn;
	ev.page.migratetype = MIGRATE_MOVABLE;
	ev.page.gfp = (1u << 3) | (1u << 10);
	CHECK(trace_writer_add(e->w, &ev) == 0);
}

static void write_kswapd_trace(const char *path, bool with_formats, bool with_sleep_format)
{
	static const char formats[] = "name: mm_vmscan_kswapd_wake\nID: 1\nformat:\n"
				      "\tfield:int nid;\toffset:8;\tsize:4;\tsigned:1;\n"
				      "\tfield:int zid;\toffset:12;\tsize:4;\tsigned:1;\n"
				      "\tfield:int order;\toffset:16;\tsize:4;\tsigned:1;\n\n"
				      "name: mm_vmscan_kswapd_sleep\nID: 2\nformat:\n"
				      "\tfield:int nid;\toffset:8;\tsize:4;\tsigned:1;\n\n";
	struct edge_writer e;
	size_t formats_len =
		!with_formats ? 0
		: with_sleep_format
			? sizeof(formats) - 1
			: (size_t)(strstr(formats, "name: mm_vmscan_kswapd_sleep") - formats);
	open_test_trace(&e, path, with_formats ? formats : NULL, formats_len, "kswapd", 262144,
			compaction_class);
	int64_t wake = trace_writer_intern(e.w, "vmscan:mm_vmscan_kswapd_wake");
	int64_t sleep = trace_writer_intern(e.w, "vmscan:mm_vmscan_kswapd_sleep");
	CHECK(wake > 0 && sleep > 0);
	for (uint64_t p = 0; p < 4; p++, e.ts += 1000)
		kswapd_page(&e, TRACE_PAGE_ALLOC, COMPACT_BASE + 3000 + p, 300);
	e.ts = 10000000; /* W1 */
	kswapd_record(&e, (uint32_t)wake, 0, 2);
	e.ts += 1000;
	kswapd_shrink(&e, 45);
	e.ts += 1000;
	kswapd_page(&e, TRACE_PAGE_FREE, COMPACT_BASE + 3000, 300);
	e.ts += 1000;
	kswapd_page(&e, TRACE_PAGE_FREE, COMPACT_BASE + 3001, 45);
	e.ts += 1000;
	kswapd_shrink(&e, 500);
	e.ts = 110000000;
	kswapd_record(&e, (uint32_t)sleep, 0, -1);
	e.ts += 1000;
	kswapd_page(&e, TRACE_PAGE_FREE, COMPACT_BASE + 3002, 45);
	e.ts = 300000000; /* W2 */
	kswapd_record(&e, (uint32_t)wake, 0, 1);
	e.ts += 5000;
	kswapd_page(&e, TRACE_PAGE_FREE, COMPACT_BASE + 3003, 45);
	e.ts += 5000;
	kswapd_record(&e, (uint32_t)wake, 0, 1);
	e.ts += 2000;
	kswapd_shrink(&e, 45);
	edge_close(&e);
}

static void test_kswapd_windows(void)
{
	static const char *const names[] = { "mainline", "spb" };
	char path[64];
	test_tmp_path(path, sizeof(path), "kswapd.fgt");
	for (int mode = 0; mode < 4; mode++) {
		/* 0: the wake events; 1: the same trace, --kswapd-heuristic; 2: no formats; 3: the
		 * wake's format only (recorded without the sleep event): the wakes still bound the
		 * runs, and kswapd's free after its unseen sleep stretches the first to 100 ms */
		write_kswapd_trace(path, mode != 2, mode != 3);
		struct replay_options o = { .start = REPLAY_WARM,
					    .loops = 1,
					    .threads = 1,
					    .sample_ns = sample_ns,
					    .check_model = true,
					    .kswapd_heuristic = mode == 1 };
		struct replay_result *r = run_with(path, names, 2, &o);
		CHECK_EQ(r->trace.kswapd_traced, mode == 0 || mode == 3);
		for (unsigned i = 0; i < 2; i++) {
			const struct replay_loss *l = &r->variants[i].loss;
			if (mode == 0 || mode == 3) {
				CHECK_EQ(l->kswapd_wakes, 3);
				CHECK_EQ(l->kswapd_reclaim_active_ns, mode ? 100008000 : 10000);
				CHECK_EQ(l->kswapd_events, 0);
			} else {
				CHECK_EQ(l->kswapd_wakes, 0);
				CHECK_EQ(l->kswapd_reclaim_active_ns, 0);
				CHECK_EQ(l->kswapd_events, 3);
			}
		}
		replay_result_free(r);
	}
	unlink(path);

	/* the run's window on the zones: up to the wake's zid, until its end, then clear */
	struct pcp_fixture f;
	struct variant_state *v = &f.v;
	pcp_fixture_init(&f, MODEL_POLICY_MAINLINE, true);
	unsigned nz = model_nr_zones(v->model);
	CHECK(nz >= 2);
	v->last_ts = 5000000000ull;
	struct replay_op op = {
		.ts = v->last_ts, .kind = OP_KSWAPD_RUN, .nid = 0, .aux = ZONE_DMA32, .key = 3000000
	};
	variant_kswapd_run(v, &op);
	CHECK_EQ(f.res.loss.kswapd_wakes, 1);
	CHECK_EQ(f.res.loss.kswapd_reclaim_active_ns, 3000000);
	for (unsigned z = 0; z < nz; z++) {
		bool want = f.host.config.zones[z].type <= ZONE_DMA32;
		CHECK_EQ(v->reclaim_active_until[z] > v->last_ts + 3000000, want);
		CHECK_EQ(v->reclaim_active_until[z] > v->last_ts + 3000001, false);
	}
	/* zid is the kernel's zone index, zoneinfo's order in the node: a kernel without
	 * ZONE_DMA numbers DMA32 0, so its wake for zid 0 flags DMA32 (by type, 1 > 0, it did
	 * not); a wake whose zid could not be read (UINT32_MAX) flags every zone */
	f.host.have_zone_kernel_idx = true;
	for (unsigned z = 0; z < nz; z++) {
		unsigned type = f.host.config.zones[z].type;
		f.host.zone_kernel_idx[z] = (uint8_t)(type ? type - 1 : 0);
		v->reclaim_active_until[z] = 0;
	}
	op.aux = 0;
	variant_kswapd_run(v, &op);
	for (unsigned z = 0; z < nz; z++)
		CHECK_EQ(v->reclaim_active_until[z] > v->last_ts,
			 f.host.config.zones[z].type <= ZONE_DMA32);
	op.aux = UINT32_MAX;
	variant_kswapd_run(v, &op);
	for (unsigned z = 0; z < nz; z++)
		CHECK(v->reclaim_active_until[z] > v->last_ts);
	pcp_fixture_destroy(&f, "kswapd run");
	printf("kswapd: ZONE_RECLAIM_ACTIVE from its wake to its run's last event, zones to zid "
	       "(the kernel's index)\n");
}

/*
 * A split-off stream's decoder (decoder_clone(), replay_engine.c) decodes the same operations
 * as the decoder whose pre-pass it copies, kswapd's runs included: a clone without the runs the
 * pre-pass measured gave no OP_KSWAPD_RUN, so a member split off a shared model replayed a
 * trace with kswapd wakes without its reclaim-active windows (and differed from --no-share).
 * Both the traced windows and the forced heuristic are compared.
 */
static unsigned decode_all(struct decoder *d, struct replay_op *ops, size_t max)
{
	char err[256];
	size_t n = 0;
	CHECK(decoder_begin_pass(d, 0, err, sizeof(err)) == 0);
	for (long got; n < max && (got = decoder_fill(d, ops + n, max - n, err, sizeof(err))) > 0;)
		n += (size_t)got;
	return (unsigned)n;
}

static void test_decoder_clone_kswapd(void)
{
	char path[64], err[256];
	test_tmp_path(path, sizeof(path), "kswapd-clone.fgt");
	write_kswapd_trace(path, true, true);
	for (int heuristic = 0; heuristic < 2; heuristic++) {
		struct trace_reader *r = NULL, *r2 = NULL;
		struct host_desc h;
		struct decoder *d = NULL, *c = NULL;
		CHECK(trace_reader_open(path, &r) == 0);
		CHECK(host_desc_load(r, path, &h, err, sizeof(err)) == 0);
		CHECK(decoder_create(r, &h, &d, err, sizeof(err)) == 0);
		if (heuristic)
			decoder_kswapd_heuristic(d);
		CHECK(decoder_prepass(d, NULL, err, sizeof(err)) == 0);
		CHECK(trace_reader_open(path, &r2) == 0);
		CHECK(decoder_clone(d, r2, &c, err, sizeof(err)) == 0);
		CHECK_EQ(decoder_kswapd_traced(c), decoder_kswapd_traced(d));
		enum { MAX_OPS = 4096 };
		struct replay_op *a = calloc(MAX_OPS, sizeof(*a)), *b = calloc(MAX_OPS, sizeof(*b));
		CHECK(a && b);
		unsigned na = decode_all(d, a, MAX_OPS), nb = decode_all(c, b, MAX_OPS);
		CHECK_EQ(nb, na);
		unsigned runs = 0, heur = 0, differ = 0;
		for (unsigned i = 0; i < na && i < nb; i++) {
			runs += b[i].kind == OP_KSWAPD_RUN;
			heur += b[i].kind == OP_KSWAPD;
			differ += a[i].kind != b[i].kind || a[i].key != b[i].key ||
				  a[i].aux != b[i].aux || a[i].ts != b[i].ts;
		}
		CHECK_EQ(differ, 0);
		CHECK_EQ(runs, heuristic ? 0 : 3);
		CHECK_EQ(heur, heuristic ? 3 : 0);
		free(a);
		free(b);
		decoder_destroy(c);
		decoder_destroy(d);
		trace_reader_close(r2);
		host_desc_free(&h);
		trace_reader_close(r);
	}
	unlink(path);
	printf("decoder_clone: the clone decodes the same ops, kswapd's runs and heuristic "
	       "alike\n");
}

/*
 * fast_isolate_freepages() takes one free block whose place only the free lists' order decides:
 * the record says 16 pages of [COMPACT_BASE, COMPACT_TOP + 512). The host took the 16 pages at
 * COMPACT_TOP + 64, migrated 8 folios into them (their LRU insertions name them) and gave the
 * other 8 back (release_free_list(): an order-3 free, then its drain). With the LRU insertions
 * observe places the block where they point and agrees with the end map; before, it took the
 * 16 highest free pages of the range, swapped 8 of them for the release and ended with 8 pages
 * held that the host had free and 8 free that it held. A steal from a foreign free list
 * (__rmqueue_steal()) traces only mm_page_alloc_extfrag: observe takes the page on it, so its
 * drain is not a free of a free page. A page left on a per-CPU list that the end map calls
 * free only by the recorder's guess (PC_FREE_TAIL) is set apart, not a disagreement.
 */
static unsigned fast_end_class(uint64_t p)
{
	if (p == COMPACT_BASE + 1000)
		return PC_FREE_TAIL; /* on a per-CPU list, flagless after a buddy head */
	return p >= COMPACT_TOP + 64 && p < COMPACT_TOP + 72 ? PC_ANON : compaction_class(p);
}

static void fast_page(struct edge_writer *e, unsigned type, uint64_t pfn, unsigned order)
{
	struct trace_event ev = { .ts = e->ts += 1000, .type = (uint16_t)type, .pid = 36 };
	ev.page.pfn = pfn;
	ev.page.order = order;
	ev.page.migratetype = MIGRATE_MOVABLE;
	CHECK(trace_writer_add(e->w, &ev) == 0);
}

static void write_fast_compaction_trace(const char *path)
{
	static const char formats[] =
		"name: mm_compaction_fast_isolate_freepages\nID: 2\nformat:\n"
		"\tfield:unsigned long start_pfn;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned long end_pfn;\toffset:16;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned long nr_scanned;\toffset:24;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned long nr_taken;\toffset:32;\tsize:8;\tsigned:0;\n\n"
		"name: mm_compaction_isolate_freepages\nID: 1\nformat:\n"
		"\tfield:unsigned long start_pfn;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned long end_pfn;\toffset:16;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned long nr_scanned;\toffset:24;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned long nr_taken;\toffset:32;\tsize:8;\tsigned:0;\n\n"
		"name: mm_lru_insertion\nID: 3\nformat:\n"
		"\tfield:struct folio * folio;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned long pfn;\toffset:16;\tsize:8;\tsigned:0;\n\n";
	struct edge_writer e;
	open_test_trace(&e, path, formats, sizeof(formats) - 1, "fast-compaction", 262144,
			compaction_class);
	int64_t fast = trace_writer_intern(e.w, "compaction:mm_compaction_fast_isolate_freepages");
	int64_t lru = trace_writer_intern(e.w, "pagemap:mm_lru_insertion");
	CHECK(fast > 0 && lru > 0);
	compaction_record(&e, (uint32_t)fast, COMPACT_BASE, COMPACT_TOP + 512, 40, 16);
	for (uint64_t p = COMPACT_TOP + 64; p < COMPACT_TOP + 72; p++)
		compaction_record(&e, (uint32_t)lru, 0, p, 0, 0);
	fast_page(&e, TRACE_PAGE_FREE, COMPACT_TOP + 72, 3);
	fast_page(&e, TRACE_PAGE_PCPU_DRAIN, COMPACT_TOP + 72, 3);
	/* a refill's steal from a foreign free list: its extfrag record only, then its drain */
	struct trace_event x = { .ts = e.ts += 1000, .type = TRACE_PAGE_ALLOC_EXTFRAG, .pid = 36 };
	x.extfrag = (struct trace_extfrag){ .pfn = COMPACT_BASE + 5000,
					    .alloc_order = 0,
					    .fallback_order = 2,
					    .alloc_migratetype = MIGRATE_UNMOVABLE,
					    .fallback_migratetype = MIGRATE_MOVABLE };
	CHECK(trace_writer_add(e.w, &x) == 0);
	fast_page(&e, TRACE_PAGE_PCPU_DRAIN, COMPACT_BASE + 5000, 0);
	fast_page(&e, TRACE_PAGE_FREE, COMPACT_BASE + 1000, 0); /* stays on its per-CPU list */

	add_end_page_map(&e, fast_end_class);
	edge_close(&e);
}

static void test_fast_compaction(void)
{
	static const char *const names[] = { "observe" };
	char path[64];
	test_tmp_path(path, sizeof(path), "fast-compaction.fgt");
	write_fast_compaction_trace(path);
	struct replay_result *r = run(path, names, 1, REPLAY_WARM, 1, 1);
	const struct replay_variant_result *v = &r->variants[0];
	const struct replay_observe_causes *oc = &v->causes;
	CHECK_EQ(oc->compaction_fast_bound, 16);
	CHECK_EQ(oc->compaction_fast_unbound, 0);
	CHECK_EQ(oc->lru_free_taken, 0);
	CHECK_EQ(oc->fallback_taken, 1);
	CHECK_EQ(oc->free_after_free, 0);
	CHECK_EQ(oc->end_model_free_host_used, 0);
	CHECK_EQ(oc->end_model_used_host_free, 0);
	CHECK_EQ(oc->end_pcp_free_tail, 1);
	CHECK(v->agreement == 1.0);
	replay_result_free(r);
	unlink(path);
	printf("fast compaction: the LRU insertions place the fast scanner's block\n");
}

/*
 * Free page reporting's isolation at the end (replay_observe.c): the host frees two order-9
 * blocks (a THP freed to its per-CPU list, then drained). Free page reporting held the first
 * off the free lists while the end map was read, so every page of it shows "allocated, kind
 * unknown": with reporting on at order 9 it is set apart, not a disagreement. The second shows
 * the same but for one slab page, which reporting cannot make: a disagreement still. Without
 * reporting (the module not loaded) both disagree.
 */
#define REPORTED_A (262144ull + 4096)
#define REPORTED_B (262144ull + 8192)
static unsigned reported_start_class(uint64_t p)
{
	bool held = (p >= REPORTED_A && p < REPORTED_A + 512) ||
		    (p >= REPORTED_B && p < REPORTED_B + 512);
	return held ? PC_ANON : PC_FREE;
}

static unsigned reported_end_class(uint64_t p)
{
	if (p == REPORTED_B + 7)
		return PC_SLAB;
	return reported_start_class(p) == PC_ANON ? PC_UNKNOWN : PC_FREE;
}

/* 40 whole order-10 blocks free at the start, untouched, "allocated, kind unknown" at the end */
#define REPORTED_CAP_BASE (262144ull + 65536)
static unsigned reported_cap_end_class(uint64_t p)
{
	if (p >= REPORTED_CAP_BASE && p < REPORTED_CAP_BASE + 40 * 1024)
		return PC_UNKNOWN;
	return reported_end_class(p);
}

static struct replay_result *reported_run_end(const char *path, const char *order,
					      unsigned (*end_class)(uint64_t))
{
	static const char *const names[] = { "observe" };
	struct edge_writer e;
	open_test_trace(&e, path, NULL, 0, "reported", 262144, reported_start_class);
	CHECK(trace_writer_add_meta(e.w, "start/page_reporting_order", order, strlen(order)) == 0);
	for (uint64_t b = REPORTED_A; b <= REPORTED_B; b += REPORTED_B - REPORTED_A) {
		edge_page(&e, TRACE_PAGE_FREE, b, 9, MIGRATE_MOVABLE, 0);
		edge_page(&e, TRACE_PAGE_PCPU_DRAIN, b, 9, MIGRATE_MOVABLE, 0);
	}
	add_end_page_map(&e, end_class);
	edge_close(&e);
	return run(path, names, 1, REPLAY_WARM, 1, 1);
}

static struct replay_result *reported_run(const char *path, const char *order)
{
	return reported_run_end(path, order, reported_end_class);
}

static void test_reporting_isolated(void)
{
	char path[64];
	test_tmp_path(path, sizeof(path), "reported.fgt");
	struct replay_result *r = reported_run(path, "9\n");
	const struct replay_observe_causes *oc = &r->variants[0].causes;
	CHECK_EQ(oc->end_reporting_isolated, 512);
	CHECK_EQ(oc->end_model_free_host_used, 512);
	CHECK_EQ(r->variants[0].agreement_total + 512, 262144);
	replay_result_free(r);
	r = reported_run(path, "not loaded\n");
	oc = &r->variants[0].causes;
	CHECK_EQ(oc->end_reporting_isolated, 0);
	CHECK_EQ(oc->end_model_free_host_used, 1024);
	replay_result_free(r);
	/* one reporting pass holds at most 32 blocks: 40 whole order-10 blocks at order 10 */
	r = reported_run_end(path, "10\n", reported_cap_end_class);
	oc = &r->variants[0].causes;
	CHECK_EQ(oc->end_reporting_isolated, 32 * 1024);
	CHECK_EQ(oc->end_model_free_host_used, 8 * 1024 + 1024);
	replay_result_free(r);
	unlink(path);
	printf("reporting isolated: a whole order-9 block off the free lists at the end map, "
	       "at most 32 blocks a pass\n");
}

/*
 * Frees made while their CPU's per-CPU list lock was held (docs/replay-history.md, issue 12): the
 * kernel's pcp_spin_trylock() fails and free_one_page() puts the page in the buddy allocator,
 * though its mm_page_free looks like a free to the list. Task 50 refills its list (a zone-locked
 * refill event) and, before its mm_page_alloc, a free in its name (an interrupt's) frees a start
 * page: flagged. The same with the free in another pid's name: not flagged (it stays on the
 * list and is drained). Task 60 frees a folio batch: between a drain made in its second loop and
 * the next folio's batched event a free in its name is flagged; the next batch's first-loop free
 * that follows a drain is not, since its own batched event follows. The end map has the flagged
 * pages free: observe agrees with it only by freeing them to the buddy allocator.
 */
#define LOCKED_BASE 262144ull
static unsigned locked_start_class(uint64_t p)
{
	return p >= LOCKED_BASE + 1000 && p < LOCKED_BASE + 1032 ? PC_ANON : PC_FREE;
}

static unsigned locked_end_class(uint64_t p)
{
	if (p == LOCKED_BASE + 5000 || p == LOCKED_BASE + 5001)
		return PC_ANON;
	/* 1005 and 1006 on a per-CPU list; 1007 and up never freed */
	return p >= LOCKED_BASE + 1005 && p < LOCKED_BASE + 1032 ? PC_ANON : PC_FREE;
}

static void locked_page(struct edge_writer *e, unsigned type, uint64_t pfn, int pid)
{
	struct trace_event ev = { .ts = e->ts += 1000, .type = (uint16_t)type, .pid = pid };
	ev.page.pfn = pfn;
	ev.page.migratetype = MIGRATE_MOVABLE;
	ev.page.gfp = (1u << 3) | (1u << 10);
	ev.page.percpu_refill = type == TRACE_PAGE_ALLOC_ZONE_LOCKED;
	CHECK(trace_writer_add(e->w, &ev) == 0);
}

static void test_pcp_locked_frees(void)
{
	static const char *const names[] = { "observe" };
	struct edge_writer e = { 0 };
	char path[64];
	test_tmp_path(path, sizeof(path), "pcp-locked.fgt");
	open_test_trace(&e, path, NULL, 0, "pcp-locked", 262144, locked_start_class);
	locked_page(&e, TRACE_PAGE_ALLOC_ZONE_LOCKED, LOCKED_BASE + 5000, 50);
	locked_page(&e, TRACE_PAGE_FREE, LOCKED_BASE + 1000, 50); /* flagged */
	locked_page(&e, TRACE_PAGE_ALLOC, LOCKED_BASE + 5000, 50);
	locked_page(&e, TRACE_PAGE_ALLOC_ZONE_LOCKED, LOCKED_BASE + 5001, 50);
	locked_page(&e, TRACE_PAGE_FREE, LOCKED_BASE + 1001, 51); /* another pid: to the list */
	locked_page(&e, TRACE_PAGE_ALLOC, LOCKED_BASE + 5001, 50);
	locked_page(&e, TRACE_PAGE_PCPU_DRAIN, LOCKED_BASE + 1001, 50);
	locked_page(&e, TRACE_PAGE_FREE, LOCKED_BASE + 1003, 60); /* a folio batch's first loop */
	locked_page(&e, TRACE_PAGE_FREE, LOCKED_BASE + 1004, 60);
	locked_page(&e, TRACE_PAGE_FREE_BATCHED, LOCKED_BASE + 1003, 60); /* its second loop */
	locked_page(&e, TRACE_PAGE_PCPU_DRAIN, LOCKED_BASE + 1003, 60);
	locked_page(&e, TRACE_PAGE_FREE, LOCKED_BASE + 1002, 60); /* flagged */
	locked_page(&e, TRACE_PAGE_FREE_BATCHED, LOCKED_BASE + 1004, 60);
	locked_page(&e, TRACE_PAGE_PCPU_DRAIN, LOCKED_BASE + 1004, 60);
	locked_page(&e, TRACE_PAGE_FREE, LOCKED_BASE + 1005, 60); /* the next batch's first loop */
	locked_page(&e, TRACE_PAGE_FREE, LOCKED_BASE + 1006, 60);
	locked_page(&e, TRACE_PAGE_FREE_BATCHED, LOCKED_BASE + 1005, 60);
	locked_page(&e, TRACE_PAGE_FREE_BATCHED, LOCKED_BASE + 1006, 60);

	add_end_page_map(&e, locked_end_class);
	edge_close(&e);

	struct replay_result *r = run(path, names, 1, REPLAY_WARM, 1, 1);
	const struct replay_variant_result *v = &r->variants[0];
	const struct replay_observe_causes *oc = &v->causes;
	CHECK_EQ(oc->pcp_locked_free, 2);
	CHECK_EQ(oc->free_after_free, 0);
	CHECK_EQ(oc->alloc_after_pcp_free, 0);
	CHECK_EQ(oc->end_model_used_host_free, 0);
	CHECK_EQ(oc->end_model_free_host_used, 0);
	CHECK(v->agreement == 1.0);
	replay_result_free(r);
	unlink(path);
	printf("pcp-locked frees: frees inside a held list lock go to the buddy allocator\n");
}

/*
 * start_highatomic (docs/replay.md, "Start states"): start/pagetypeinfo counts one HighAtomic
 * pageblock. Pageblock 2 is wholly free but the trace shows it Movable (a zone-locked Movable
 * allocation in it); pageblock 6 holds 511 free pages and pageblock 10 holds 100, neither
 * shown. The plan tags pageblock 6, the unshown pageblock with the most free pages; a
 * variant with start_highatomic=1 starts with it HIGHATOMIC, mainline by default with none.
 */
#define HIGHATOMIC_BASE 262144ull
static unsigned highatomic_class(uint64_t p)
{
	uint64_t b = (p - HIGHATOMIC_BASE) / 512, off = (p - HIGHATOMIC_BASE) % 512;
	if (b == 2 || (b == 6 && off) || (b == 10 && off < 100))
		return PC_FREE;
	return PC_ANON;
}

static void test_start_highatomic(void)
{
	static const char *const pti =
		"Page block order: 9\nPages per block:  512\n\n"
		"Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      "
		"Isolate \nNode 0, zone   Normal            0          511            0            "
		"1"
		"            0 \n";
	static const char *const names[] = { "mainline", "mainline:start_highatomic=1" };
	struct edge_writer e = { 0 };
	struct trace_reader *tr;
	struct host_desc h;
	struct decoder *d = NULL;
	struct pb_types seen;
	char path[64], err[256];
	unsigned tagged = 0;

	test_tmp_path(path, sizeof(path), "start-highatomic.fgt");
	open_test_trace(&e, path, NULL, 0, "start-highatomic", 262144, highatomic_class);
	CHECK(trace_writer_add_meta(e.w, "start/pagetypeinfo", pti, strlen(pti)) == 0);
	locked_page(&e, TRACE_PAGE_ALLOC_ZONE_LOCKED, HIGHATOMIC_BASE + 2 * 512, 50);
	locked_page(&e, TRACE_PAGE_ALLOC, HIGHATOMIC_BASE + 2 * 512, 50);
	edge_close(&e);

	CHECK_FATAL(trace_reader_open(path, &tr) == 0);
	CHECK_FATAL(host_desc_load(tr, path, &h, err, sizeof(err)) == 0);
	CHECK_EQ(h.pb_counts[0][MIGRATE_HIGHATOMIC], 1);
	CHECK_FATAL(decoder_create(tr, &h, &d, err, sizeof(err)) == 0);
	CHECK_FATAL(pb_types_init(&seen, HIGHATOMIC_BASE + 262144, 2) == 0);
	CHECK_FATAL(decoder_prepass(d, &seen, err, sizeof(err)) == 0);
	CHECK_EQ(pb_types_get(&seen, HIGHATOMIC_BASE + 2 * 512), MIGRATE_MOVABLE);
	CHECK_FATAL(host_warm_plan_build(&h, &seen) == 0);
	for (size_t i = 0; i < h.nr_plan; i++)
		if (h.plan[i].kind == WARM_TAG && h.plan[i].mt == MIGRATE_HIGHATOMIC) {
			CHECK_EQ(h.plan[i].pfn, HIGHATOMIC_BASE + 6 * 512);
			tagged++;
		}
	CHECK_EQ(tagged, 1);
	pb_types_free(&seen);
	decoder_destroy(d);
	host_desc_free(&h);
	trace_reader_close(tr);

	struct replay_result *r = run(path, names, 2, REPLAY_WARM, 1, 1);
	CHECK_EQ(r->variants[0].samples[0].stats.pageblocks_by_mt[MIGRATE_HIGHATOMIC], 0);
	CHECK_EQ(r->variants[0].loss.start_highatomic_pageblocks, 0);
	CHECK_EQ(r->variants[1].samples[0].stats.pageblocks_by_mt[MIGRATE_HIGHATOMIC], 1);
	CHECK_EQ(r->variants[1].loss.start_highatomic_pageblocks, 1);
	/* the same free pages either way: only their list differs */
	CHECK_EQ(r->variants[0].samples[0].stats.free_pages,
		 r->variants[1].samples[0].stats.free_pages);
	replay_result_free(r);
	unlink(path);
	printf("start_highatomic: pagetypeinfo's HighAtomic pageblock on the unshown pageblock "
	       "with the most free pages\n");
}

/* Replay the presets with and without sharing a model (replay_share.c); no checker. */
static struct replay_result *run_share_threads(const char *path, const char *const *names, size_t n,
					       bool no_share, unsigned threads)
{
	struct replay_options o = { .start = REPLAY_START_AUTO,
				    .loops = 1,
				    .threads = threads,
				    .sample_ns = 100000000,
				    .no_share = no_share };
	return run_with(path, names, n, &o);
}

static struct replay_result *run_share(const char *path, const char *const *names, size_t n,
				       bool no_share)
{
	return run_share_threads(path, names, n, no_share, 2);
}

#define SAME(field) CHECK(!memcmp(&x->field, &y->field, sizeof(x->field)))
/* Everything of two results but the CPU time and how it was shared. */
static void same_dump(const struct replay_result *a, const struct replay_result *b)
{
	CHECK_EQ(a->nr_variants, b->nr_variants);
	CHECK(!memcmp(&a->trace.host, &b->trace.host, sizeof(a->trace.host)));
	CHECK_EQ(a->trace.malformed_events, b->trace.malformed_events);
	CHECK_EQ(a->have_validation, b->have_validation);
	for (size_t i = 0; i < a->nr_variants; i++) {
		const struct replay_variant_result *x = &a->variants[i], *y = &b->variants[i];
		SAME(spec);
		CHECK_EQ(x->events, y->events);
		CHECK_EQ(x->nr_samples, y->nr_samples);
		for (size_t s = 0; s < x->nr_samples && s < y->nr_samples; s++) {
			CHECK_EQ(x->samples[s].t_ns, y->samples[s].t_ns);
			CHECK_EQ(x->samples[s].pass, y->samples[s].pass);
			SAME(samples[s].stats);
			CHECK_EQ(x->samples[s].slab_pages, y->samples[s].slab_pages);
			CHECK_EQ(x->samples[s].slab_objects, y->samples[s].slab_objects);
		}
		CHECK_EQ(x->eq.reached, y->eq.reached);
		CHECK(x->eq.value == y->eq.value && x->eq.slope_per_s == y->eq.slope_per_s);
		CHECK(x->eq.settle_s == y->eq.settle_s && x->eq.spread == y->eq.spread);
		CHECK(x->eq.reason == y->eq.reason && x->eq.samples == y->eq.samples);
		SAME(loss);
		SAME(final);
		SAME(slab);
		CHECK_EQ(x->nr_regions, y->nr_regions);
		for (size_t r = 0; r < x->nr_regions && r < y->nr_regions; r++) {
			CHECK_EQ(x->regions[r].region.start_pfn, y->regions[r].region.start_pfn);
			CHECK_EQ(x->regions[r].region.free_pages, y->regions[r].region.free_pages);
			CHECK_EQ(x->regions[r].region.class, y->regions[r].region.class);
			CHECK_EQ(x->regions[r].region.fullness, y->regions[r].region.fullness);
			CHECK_EQ(x->regions[r].nr_free, y->regions[r].nr_free);
			CHECK_EQ(x->regions[r].nr_movable, y->regions[r].nr_movable);
			CHECK_EQ(x->regions[r].nr_unmovable, y->regions[r].nr_unmovable);
		}
		CHECK_EQ(x->model_bytes, y->model_bytes);
		CHECK_EQ(x->max_tainted, y->max_tainted);
		CHECK_EQ(x->min_tainted, y->min_tainted);
		SAME(pcp_pages);
		CHECK_EQ(x->start, y->start);
		CHECK_EQ(x->start_placed, y->start_placed);
		CHECK_EQ(x->start_copied, y->start_copied);
		CHECK_EQ(x->start_unplaced, y->start_unplaced);
		CHECK(x->agreement == y->agreement);
		SAME(causes);
		SAME(compaction);
	}
}
#undef SAME

/*
 * Sharing a model changes no result: the six presets with and without it, on a synthetic
 * trace whose triggers fire (the presets split off and replay again, recursively, each
 * split-off replay started at once beside the model it left: with workers and, with one
 * thread, inline) and, when dir is given, on a bundled trace where they do not (one SPB model
 * serves several presets).
 */
static void test_share(const char *dir)
{
	static const char *const all[] = { "mainline",		"spb",		 "spb+demand",
					   "spb+demand+supply", "spb+proactive", "spb+all" };
	char path[4096];
	test_tmp_path(path, sizeof(path), "test-share.fgt");
	struct synth_workload_params p = { .workload = "syzkaller",
					   .mem_bytes = 2ull << 30,
					   .duration_s = 2,
					   .seed = 1,
					   .cpus = 2 };
	struct synth_workload_stats st;
	char err[256];
	CHECK(synth_workload_write(&p, path, &st, err, sizeof(err)) == 0);
	struct replay_result *on = run_share(path, all, 6, false),
			     *off = run_share(path, all, 6, true);
	same_dump(on, off);
	CHECK_EQ(off->models, 6);
	CHECK_EQ(off->rounds, 1);
	CHECK_EQ(off->splits, 0);
	/* the triggers fire: some presets split off and ran again, in more than one round */
	CHECK(on->splits > 0 && on->rounds > 2);
	CHECK(on->models < 6 && on->models > 2);
	for (size_t i = 0; i < 6; i++)
		CHECK(on->variants[i].shared_by >= 1 && off->variants[i].shared_by == 1);
	/* the split-off replays started while the model they left had blocks to apply, not
	 * after it; none without sharing */
	CHECK(on->early_starts > 0 && on->early_starts <= on->splits);
	CHECK_EQ(off->early_starts, 0);
	/* one thread: the decoding thread runs the split-off replays inline, as alike */
	struct replay_result *one = run_share_threads(path, all, 6, false, 1);
	same_dump(one, off);
	CHECK_EQ(one->splits, on->splits);
	CHECK(one->early_starts > 0);
	printf("share: synthetic syzkaller: %u models in %u rounds, %u splits (%u replays "
	       "started at once; 1 thread: %u models, %u at once); results as alone\n",
	       on->models, on->rounds, on->splits, on->early_starts, one->models,
	       one->early_starts);
	replay_result_free(one);
	replay_result_free(on);
	replay_result_free(off);
	unlink(path);
	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/pagecache-anon.fgt", dir);
	on = run_share(path, all, 6, false);
	off = run_share(path, all, 6, true);
	same_dump(on, off);
	/* no trigger acts here: spb, spb+demand, spb+demand+supply ran as one model */
	CHECK(on->models <= 4);
	CHECK_EQ(on->variants[2].shared_by, on->variants[1].shared_by);
	CHECK(on->variants[1].shared_by >= 3);
	printf("share: %s: %u models in %u rounds for 6 presets; results as alone\n", path,
	       on->models, on->rounds);
	replay_result_free(on);
	replay_result_free(off);
}

/*
 * The plan keeps last_chance_defrag's variants apart from the start on a trace whose host
 * reclaimed or compacted directly (the kick is expected to split them), and shares them
 * otherwise: the six presets give 3 groups (mainline; the four without the kick; spb+all)
 * against 2, and a host without vmstat or with no direct reclaim keeps them together. Fails
 * when share_apart_knobs() ignores the counters or share_plan() the mask.
 */
static void test_share_apart(void)
{
	static const char *const all[] = { "mainline",		"spb",		 "spb+demand",
					   "spb+demand+supply", "spb+proactive", "spb+all" };
	struct replay_variant_spec specs[6];
	struct share_group groups[6];
	size_t idx[6];
	char err[256];
	for (size_t i = 0; i < 6; i++) {
		CHECK(replay_variant_parse(all[i], &specs[i], err, sizeof(err)) == 0);
		idx[i] = i;
	}
	struct host_desc h;
	memset(&h, 0, sizeof(h));
	CHECK_EQ(share_apart_knobs(&h), 0); /* no vmstat: nothing to go by */
	h.fig.have_vmstat = true;
	for (unsigned i = 0; i < REPLAY_VMSTAT_KEYS; i++)
		if (strcmp(replay_vmstat_key(i), "pgsteal_kswapd") == 0)
			h.fig.vmstat_delta[i] = 5000; /* kswapd alone: no direct reclaim */
	CHECK_EQ(share_apart_knobs(&h), 0);
	CHECK_EQ(share_plan(specs, idx, 6, true, share_apart_knobs(&h), groups), 2);
	CHECK_EQ(groups[1].n, 5);
	for (unsigned i = 0; i < REPLAY_VMSTAT_KEYS; i++)
		if (strcmp(replay_vmstat_key(i), "compact_stall") == 0)
			h.fig.vmstat_delta[i] = 3;
	uint64_t apart = share_apart_knobs(&h);
	CHECK_EQ(apart, 1ull << MODEL_KNOB_LAST_CHANCE_DEFRAG);
	CHECK_EQ(share_plan(specs, idx, 6, true, apart, groups), 3);
	CHECK_EQ(groups[1].n, 4);
	CHECK_EQ(groups[2].n, 1);
	CHECK_EQ(groups[2].member[0], 5); /* spb+all, the only preset with the kick */
	/* --no-share: one each whatever the mask */
	CHECK_EQ(share_plan(specs, idx, 6, false, apart, groups), 6);
	printf("share: last_chance_defrag planned apart after direct reclaim or compaction\n");
}

static void test_bundled(const char *dir)
{
	static const char *const names[] = { "mainline", "spb+all", "observe" };
	char path[4096];
	snprintf(path, sizeof(path), "%s/metadata-walk.fgt", dir);
	if (access(path, R_OK)) {
		fprintf(stderr, "%s: the bundled traces are missing (git checkout?)\n", path);
		exit(1);
	}
	/* a real capture carries its format files: gfp bits come from them, not the fallback */
	struct trace_reader *tr;
	CHECK(trace_reader_open(path, &tr) == 0);
	struct gfp_table gt;
	gfp_table_build(&gt, trace_reader_header(tr)->event_formats,
			trace_reader_header(tr)->event_formats_len);
	CHECK(gt.from_formats);
	CHECK_EQ(gfp_translate(&gt, 1ull << 3), MODEL_GFP_MOVABLE);
	trace_reader_close(tr);
	sample_ns = 500000000; /* the checker walks a 24 GiB model: every 0.5 s is plenty */
	struct replay_result *w = run(path, names, 3, REPLAY_WARM, 2, 1);
	struct replay_result *c = run(path, names, 3, REPLAY_COLD, 2, 1);
	/* a real host at trace start has tainted regions; an empty one has none */
	CHECK(w->variants[0].samples[0].stats.tainted_regions > 0);
	CHECK_EQ(c->variants[0].samples[0].stats.tainted_regions, 0);
	CHECK(w->variants[0].samples[0].stats.free_pages <
	      c->variants[0].samples[0].stats.free_pages);
	/* cold starts cannot free what was allocated before the trace */
	CHECK(c->variants[0].loss.unknown_page_frees > w->variants[0].loss.unknown_page_frees);
	/* observe mode explains the host's end state almost completely */
	CHECK(w->variants[2].agreement > 0.98);
	printf("bundled %s: warm tainted %u -> %u, cold %u -> %u, observe agreement %.4f\n", path,
	       w->variants[0].samples[0].stats.tainted_regions,
	       w->variants[0].final.tainted_regions,
	       c->variants[0].samples[0].stats.tainted_regions,
	       c->variants[0].final.tainted_regions, w->variants[2].agreement);
	replay_result_free(w);
	replay_result_free(c);
}

/*
 * The end page map read while tracing goes on (issue 13): a host of four ranges of 8192 pfns
 * whose end map was read range by range (end/pagemap_times), with a page held by the recorder
 * itself (end/recorder_pfns), and a start map read while tracing (start/pagemap_times) that
 * already shows P4's take. P0 is taken before its range is read and freed after: the map
 * shows it in use. P1 is taken after its range was read: the map shows it free. R is in use in
 * the map with no event (the recorder's). Compared range by range at its read time, and R set
 * apart, everything agrees; the same trace without the two snapshots gives the old end-of-stream
 * comparison: P0 and R free to observe but in use, P1 the reverse.
 */
#define END_BASE 262144ull
static void write_end_map_trace(const char *path, bool timed, const char *options)
{
	struct edge_writer e = { .ts = 1000000 };
	const uint64_t pfns = END_BASE + 4 * 8192, p0 = END_BASE + 5, p1 = END_BASE + 8192 + 7,
		       p2 = END_BASE + 2 * 8192 + 9, rec = END_BASE + 3 * 8192 + 11,
		       p4 = END_BASE + 3 * 8192 + 100;
	char hdr[64];
	int hl = snprintf(hdr, sizeof(hdr), "fragtrace-pagemap 1 %llu\n", (unsigned long long)pfns);
	size_t len = (size_t)hl + (size_t)(pfns + 1) / 2;
	uint8_t *start = calloc(1, len), *end = calloc(1, len);
	CHECK(start && end);
	memcpy(start, hdr, (size_t)hl);
	memcpy(end, hdr, (size_t)hl);
	for (uint64_t p = END_BASE; p < pfns; p++) {
		bool used = p == p0 || p == p2 || p == rec || p == p4;
		start[(uint64_t)hl + p / 2] |=
			(uint8_t)((p == p4 ? PC_ANON : PC_FREE) << ((p & 1) * 4));
		end[(uint64_t)hl + p / 2] |= (uint8_t)((used ? PC_ANON : PC_FREE) << ((p & 1) * 4));
	}
	open_map_trace(&e, path, "endmap", 32768, start, len);
	if (options)
		CHECK(trace_writer_add_meta(e.w, "capture/options", options, strlen(options)) == 0);
	edge_page(&e, TRACE_PAGE_ALLOC_ZONE_LOCKED, p0, 0, MIGRATE_MOVABLE, 0); /* 1.001 ms */
	edge_page(&e, TRACE_PAGE_ALLOC, p0, 0, MIGRATE_MOVABLE, 0);
	/* 1.003 ms: the start map, reading range 35 at 1.0095 ms, shows P4 taken already */
	edge_page(&e, TRACE_PAGE_ALLOC_ZONE_LOCKED, p4, 0, MIGRATE_MOVABLE, 0);
	/* the end map reads range 0 at 1.0025 ms, range 1 at 1.0035 ms */
	e.ts = 1004000;
	edge_page(&e, TRACE_PAGE_ALLOC_ZONE_LOCKED, p1, 0, MIGRATE_MOVABLE, 0); /* 1.005 ms */
	edge_page(&e, TRACE_PAGE_ALLOC, p1, 0, MIGRATE_MOVABLE, 0);
	edge_page(&e, TRACE_PAGE_ALLOC_ZONE_LOCKED, p2, 0, MIGRATE_MOVABLE, 0); /* 1.007 ms */
	edge_page(&e, TRACE_PAGE_ALLOC, p2, 0, MIGRATE_MOVABLE, 0);
	/* range 2 at 1.0085 ms, range 3 at 1.0095 ms */
	e.ts = 1010000;
	edge_page(&e, TRACE_PAGE_FREE, p0, 0, 0, 0); /* 1.011 ms: order 0 is a PCP order */
	edge_page(&e, TRACE_PAGE_PCPU_DRAIN, p0, 0, MIGRATE_MOVABLE, 0);
	CHECK(trace_writer_add_meta(e.w, "end/pagemap", end, len) == 0);
	if (timed) {
		/* the map's ranges start at pfn 0: 32 below the zone, then its four */
		char times[2048];
		int tl = snprintf(times, sizeof(times), "fragtrace-pagemap-times 1 8192\n");
		for (int i = 0; i <= 32; i++)
			tl += snprintf(times + tl, sizeof(times) - (size_t)tl, "1002000 1003000\n");
		snprintf(times + tl, sizeof(times) - (size_t)tl,
			 "1003000 1004000\n1008000 1009000\n1009000 1010000\n");
		char rec_text[96];
		snprintf(rec_text, sizeof(rec_text),
			 "fragtrace-recorder-pfns 1 mapped=1 file=0\n%llu m\n",
			 (unsigned long long)rec);
		CHECK(trace_writer_add_meta(e.w, "end/pagemap_times", times, strlen(times)) == 0);
		tl = snprintf(times, sizeof(times), "fragtrace-pagemap-times 1 8192\n");
		for (int i = 0; i < 35; i++)
			tl += snprintf(times + tl, sizeof(times) - (size_t)tl, "1000000 1000000\n");
		snprintf(times + tl, sizeof(times) - (size_t)tl, "1009000 1010000\n");
		CHECK(trace_writer_add_meta(e.w, "start/pagemap_times", times, strlen(times)) == 0);
		CHECK(trace_writer_add_meta(e.w, "end/recorder_pfns", rec_text, strlen(rec_text)) ==
		      0);
	}
	edge_close(&e);
	free(start);
	free(end);
}

static const struct replay_check_row *find_row(const struct replay_validation *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->rows[i].name, name))
			return &v->rows[i];
	return NULL;
}

static bool has_row(const struct replay_validation *v, const char *name)
{
	return find_row(v, name) != NULL;
}

static void test_end_map_timed(void)
{
	static const char *const names[] = { "mainline", "observe" };
	struct replay_validation val;
	char path[64];
	test_tmp_path(path, sizeof(path), "endmap.fgt");
	write_end_map_trace(path, true, NULL);
	struct replay_result *r = run(path, names, 2, REPLAY_WARM, 1, 1);
	const struct replay_observe_causes *c = &r->variants[1].causes;
	CHECK_EQ(c->end_model_free_host_used, 0);
	CHECK_EQ(c->end_model_used_host_free, 0);
	CHECK_EQ(c->end_recorder_pages, 1);
	CHECK_EQ(c->end_map_timed, 4 * 8192); /* every range: events came after each read */
	CHECK_EQ(r->variants[1].agreement_pages, r->variants[1].agreement_total);
	CHECK_EQ(r->variants[1].agreement_total, 4 * 8192 - 1);
	CHECK_EQ(r->trace.host.start_map_events, 1); /* P4's take: in the start map already */
	CHECK_EQ(c->alloc_allocated_at_start, 0);
	CHECK_EQ(r->variants[1].loss.page_alloc_failed, 0);
	CHECK(replay_validate(r, &val));
	CHECK(has_row(&val, "observe_end_recorder_pages") &&
	      has_row(&val, "observe_end_map_timed"));
	replay_result_free(r);
	/* a --loop 2 run compares in its last pass the same way */
	r = run(path, names, 2, REPLAY_WARM, 1, 2);
	CHECK_EQ(r->variants[1].causes.end_model_free_host_used, 0);
	CHECK_EQ(r->variants[1].causes.end_recorder_pages, 1);
	replay_result_free(r);
	/* without the snapshots (older traces): compared at the end of the stream, as before */
	write_end_map_trace(path, false, NULL);
	r = run(path, names, 2, REPLAY_WARM, 1, 1);
	c = &r->variants[1].causes;
	CHECK_EQ(c->end_model_free_host_used, 2);
	CHECK_EQ(c->end_model_used_host_free, 1);
	CHECK_EQ(c->end_recorder_pages + c->end_map_timed, 0);
	CHECK_EQ(c->alloc_allocated_at_start, 1); /* P4's take replayed on a page in use */
	CHECK_EQ(r->trace.host.start_map_events, 0);
	CHECK_EQ(r->variants[1].agreement_total, 4 * 8192);
	CHECK(replay_validate(r, &val));
	CHECK(!has_row(&val, "observe_end_recorder_pages") &&
	      !has_row(&val, "observe_end_map_timed"));
	replay_result_free(r);
	unlink(path);
}

/*
 * The recorder's page R on a trace whose capture/options says its page events are traced
 * (`recorder_excluded: from slab object events`, or `no ...`): R, free to observe and in use in
 * the map, is a disagreement like any page (observe_end_free_host_used), still counted in
 * observe_end_recorder_pages. A trace of a recorder that left its page events out (`yes`, or no
 * such line as in test_end_map_timed) sets R apart.
 */
static void test_end_map_recorder_traced(void)
{
	static const char *const names[] = { "mainline", "observe" };
	static const struct {
		const char *options;
		bool traced;
	} cases[] = {
		{ "addresses: physical\nrecorder_excluded: from slab object events\n", true },
		{ "addresses: physical\nrecorder_excluded: no (no set_event_notrace_pid)\n", true },
		{ "recorder_excluded: yes\naddresses: physical\n", false },
		{ "addresses: physical\n", false },
	};
	struct replay_validation val;
	char path[64];
	test_tmp_path(path, sizeof(path), "endmaprec.fgt");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_end_map_trace(path, true, cases[i].options);
		struct replay_result *r = run(path, names, 2, REPLAY_WARM, 1, 1);
		const struct replay_variant_result *o = &r->variants[1];
		CHECK_EQ(r->trace.host.recorder_pages_traced, cases[i].traced);
		CHECK_EQ(o->causes.end_recorder_pages, 1);
		CHECK_EQ(o->causes.end_model_free_host_used, cases[i].traced ? 1 : 0);
		CHECK_EQ(o->causes.end_model_used_host_free, 0);
		CHECK_EQ(o->agreement_total, 4 * 8192 - (cases[i].traced ? 0 : 1));
		CHECK_EQ(o->agreement_total - o->agreement_pages, cases[i].traced ? 1 : 0);
		CHECK(replay_validate(r, &val));
		const struct replay_check_row *row = find_row(&val, "observe_end_recorder_pages");
		CHECK(row && row->model == 1 &&
		      (strstr(row->what, "not compared") != NULL) == !cases[i].traced);
		replay_result_free(r);
	}
	unlink(path);
}

/*
 * --start-rewind (replay_rewind.c): a start map whose last range (pfns R..) is read at 1.0095
 * ms, after seven of its pages' events. PA: taken from the buddy lists (zone-locked, then the
 * allocation), the map shows it in use: put back free. PB: allocated with no zone-locked event
 * (from a per-CPU list), shown in use: put back on a list (kind unknown). PC: an order-2 free
 * of pages the map shows free: put back allocated, all four. PD: drained, shown free: back on
 * a list. H: the head of an order-2 compound page the map shows (anonymous, three tails) taken
 * as order 1 from the buddy lists: H and H + 1 back free, H + 2 and H + 3 keep their head's
 * class. PE: taken after the read: as read. Rewound, every event is replayed and every one
 * finds its page as it expects; without the switch the seven are skipped and nothing changes.
 */
static void write_rewind_trace(const char *path)
{
	struct edge_writer e = { .ts = 1000000 };
	const uint64_t pfns = END_BASE + 4 * 8192, r0 = END_BASE + 3 * 8192, pa = r0 + 16,
		       pb = r0 + 17, pc = r0 + 20, pd = r0 + 24, hd = r0 + 32, pe = r0 + 40;
	char hdr[64], times[2048];
	int hl = snprintf(hdr, sizeof(hdr), "fragtrace-pagemap 1 %llu\n", (unsigned long long)pfns);
	size_t len = (size_t)hl + (size_t)(pfns + 1) / 2;
	uint8_t *start = calloc(1, len);
	CHECK_FATAL(start);
	memcpy(start, hdr, (size_t)hl);
	for (uint64_t p = END_BASE; p < pfns; p++) {
		unsigned k = p == pa || p == pb || p == hd ? PC_ANON
			     : p > hd && p < hd + 4	   ? PC_TAIL
							   : PC_FREE;
		start[(uint64_t)hl + p / 2] |= (uint8_t)(k << ((p & 1) * 4));
	}
	open_map_trace(&e, path, "rewind", 32768, start, len);
	edge_page(&e, TRACE_PAGE_ALLOC_ZONE_LOCKED, pa, 0, MIGRATE_MOVABLE, 0); /* 1.001 ms */
	edge_page(&e, TRACE_PAGE_ALLOC, pa, 0, MIGRATE_MOVABLE, 0);
	edge_page(&e, TRACE_PAGE_ALLOC, pb, 0, MIGRATE_MOVABLE, 0);
	edge_page(&e, TRACE_PAGE_FREE, pc, 2, 0, 0);
	edge_page(&e, TRACE_PAGE_PCPU_DRAIN, pd, 0, MIGRATE_MOVABLE, 0);
	edge_page(&e, TRACE_PAGE_ALLOC_ZONE_LOCKED, hd, 1, MIGRATE_MOVABLE, 0);
	edge_page(&e, TRACE_PAGE_ALLOC, hd, 1, MIGRATE_MOVABLE, 0); /* 1.007 ms */
	e.ts = 1010000;
	edge_page(&e, TRACE_PAGE_ALLOC_ZONE_LOCKED, pe, 0, MIGRATE_MOVABLE, 0);
	edge_page(&e, TRACE_PAGE_ALLOC, pe, 0, MIGRATE_MOVABLE, 0);
	int tl = snprintf(times, sizeof(times), "fragtrace-pagemap-times 1 8192\n");
	for (int i = 0; i < 35; i++)
		tl += snprintf(times + tl, sizeof(times) - (size_t)tl, "1000000 1000000\n");
	snprintf(times + tl, sizeof(times) - (size_t)tl, "1009000 1010000\n");
	CHECK(trace_writer_add_meta(e.w, "start/pagemap_times", times, strlen(times)) == 0);
	edge_close(&e);
	free(start);
}

static void test_start_rewind(void)
{
	static const char *const names[] = { "mainline", "observe" };
	struct replay_options o = {
		.start = REPLAY_WARM, .loops = 1, .threads = 1, .sample_ns = sample_ns
	};
	struct replay_validation val;
	char path[64];
	test_tmp_path(path, sizeof(path), "rewind.fgt");
	write_rewind_trace(path);
	for (int rewind = 0; rewind < 2; rewind++) {
		o.start_rewind = rewind;
		struct replay_result *r = run_with(path, names, 2, &o);
		const struct replay_host_figures *f = &r->trace.host;
		const struct replay_observe_causes *c = &r->variants[1].causes;
		CHECK_EQ(f->start_map_events, 7);
		CHECK_EQ(f->start_rewound, rewind);
		CHECK_EQ(f->start_rewind_free, rewind ? 3 : 0);	     /* PA, H, H + 1 */
		CHECK_EQ(f->start_rewind_pcp, rewind ? 2 : 0);	     /* PB, PD */
		CHECK_EQ(f->start_rewind_allocated, rewind ? 4 : 0); /* PC's block */
		CHECK_EQ(f->start_rewind_changed, rewind ? 9 : 0);
		/* replayed: every allocation found its page free, every free its page held */
		CHECK_EQ(r->variants[0].loss.page_alloc_failed, 0);
		CHECK_EQ(r->variants[0].loss.unknown_page_frees, 0);
		CHECK_EQ(r->variants[0].loss.page_allocs, rewind ? 4 : 1);
		CHECK_EQ(c->alloc_allocated_at_start, 0);
		CHECK_EQ(r->variants[1].loss.page_alloc_failed, 0);
		CHECK(replay_validate(r, &val));
		CHECK_EQ(has_row(&val, "start_rewind_changed"), rewind);
		replay_result_free(r);
	}
	unlink(path);
}

/*
 * The drift over time (replay_timeline.c): a 2048-page host, all free, whose trace allocates
 * four pages and frees one, with the host's zone samples (capture/zone_samples.0) before the
 * first event, between the second and third allocation (the host 6 pages below the model),
 * after the fourth, at the very time of the free (compared before it) and after the last event
 * (not compared); four malformed lines (not a sample, a field short, one too many, a negative
 * count). mainline:pcp=0 keeps no per-CPU lists: its free pages
 * follow the trace exactly; plain mainline's buddy and per-CPU pages together do.
 */
static unsigned timeline_class(uint64_t p)
{
	(void)p;
	return PC_FREE;
}

static void write_timeline_trace(const char *path, bool samples)
{
	struct edge_writer e = { 0 };
	const char *text = "fragtrace-zone-samples 1 part=0 interval_ms=500 zones=1\n"
			   "zone 0 0 Normal managed=2048 threshold=2 cpus=2\n"
			   "1000400 1000600 2048 10 100 5 100\n"
			   "1002500 1002500 2040 11 100 5 100\n"
			   "not a sample\n"
			   "1003000 1003000 2041 11 100 5\n" /* short: not the next line's time */
			   "1003100 1003100 2041 11 100 5 100 7\n" /* a field too many */
			   "1003200 1003200 2041 -1 100 5 100\n"   /* a negative count */
			   "1004500 1004500 2044 12 100 5 100\n"
			   "1005000 1005000 2044 12 100 6 100\n"
			   "9000000 9000000 2045 0 100 0 100\n";

	open_test_trace(&e, path, NULL, 0, "timeline", 2048, timeline_class);
	if (samples)
		CHECK(trace_writer_add_meta(e.w, "capture/zone_samples.0", text, strlen(text)) ==
		      0);
	for (unsigned i = 0; i < 4; i++) /* ts 1001000 .. 1004000 */
		edge_page(&e, TRACE_PAGE_ALLOC, 262144 + i, 0, MIGRATE_MOVABLE, 0);
	edge_page(&e, TRACE_PAGE_FREE, 262144, 0, MIGRATE_MOVABLE, 0); /* ts 1005000 */
	edge_close(&e);
}

static void test_zone_timeline(void)
{
	static const char *const names[] = { "observe", "mainline:pcp=0", "mainline" };
	static const int64_t model_free[] = { 2048, 2046, 2044, 2044 };
	struct replay_validation val;
	char path[64];

	test_tmp_path(path, sizeof(path), "timeline.fgt");
	write_timeline_trace(path, true);
	struct replay_result *r = run(path, names, 3, REPLAY_WARM, 1, 1);
	const struct replay_timeline_info *ti = &r->trace.timeline;
	CHECK_EQ(ti->samples, 5);
	CHECK_EQ(ti->malformed, 4);
	CHECK_EQ(ti->nzones, 1);
	CHECK(ti->zone[0].in_model && !strcmp(ti->zone[0].name, "Normal"));
	CHECK_EQ(ti->zone[0].managed, 2048);
	const struct replay_variant_result *m = &r->variants[1], *k = &r->variants[2];
	CHECK_EQ(m->nr_timeline, 4);
	CHECK_EQ(m->timeline_after_end, 1);
	for (size_t i = 0; i < m->nr_timeline && i < 4; i++) {
		CHECK_EQ(m->timeline[i].model_free, model_free[i]);
		CHECK_EQ(m->timeline[i].model_pcp, -1); /* pcp=0: no lists */
		CHECK_EQ(r->variants[0].timeline[i].model_free, model_free[i]); /* observe */
		/* the kernel's rules: a refill moved pages from the buddy lists to a list */
		CHECK_EQ(k->timeline[i].model_free + k->timeline[i].model_pcp, model_free[i]);
	}
	CHECK(k->nr_timeline == 4 && k->timeline[1].model_pcp > 0);
	CHECK_EQ(m->timeline[1].host_free, 2040);
	CHECK_EQ(m->timeline[1].host_pcp, 16);
	CHECK_EQ(m->timeline[1].host_pcp_high, 200);
	CHECK_EQ(m->timeline[1].model_pcp_high, -1);
	CHECK(k->timeline[1].model_pcp_high > 0); /* the kernel's rules size the lists */
	CHECK_EQ(m->timeline[0].t_ns, 0);	  /* before the first event (ts 1001000) */
	CHECK_EQ(m->timeline[1].t_ns, 1500);	  /* 1002500 - 1001000 */
	CHECK(replay_validate(r, &val));
	replay_result_free(r);
	/* validated: mainline is the first mainline variant (pcp=0) */
	const char *const two[] = { "mainline:pcp=0", "observe" };
	r = run(path, two, 2, REPLAY_WARM, 1, 1);
	CHECK(replay_validate(r, &val));
	const struct replay_check_row *row = find_row(&val, "timeline_samples");
	CHECK(row && row->host == 5);
	row = find_row(&val, "drift_N0_Normal_free_mean");
	CHECK(row && fabs(row->model - 6.0 / 4) < 1e-9);
	row = find_row(&val, "drift_N0_Normal_free_max");
	CHECK(row && row->host == 2040 && row->model == 2046);
	row = find_row(&val, "drift_N0_Normal_free_max_at_s");
	CHECK(row && fabs(row->model - 1.5e-6) < 1e-12);
	CHECK(!has_row(&val, "drift_N0_Normal_pcp_mean")); /* no lists, no pcp rows */
	CHECK(has_row(&val, "drift_N0_Normal_free_mean_observe"));
	replay_result_free(r);
	/* an older trace: no samples, no points, no rows */
	write_timeline_trace(path, false);
	r = run(path, two, 2, REPLAY_WARM, 1, 1);
	CHECK_EQ(r->trace.timeline.samples, 0);
	CHECK_EQ(r->variants[0].nr_timeline, 0);
	CHECK(replay_validate(r, &val));
	CHECK(!has_row(&val, "timeline_samples"));
	replay_result_free(r);
	unlink(path);
}

/*
 * The caller's fallback (replay_fallback.c): a 2048-page host with an unmovable start page in
 * the first half of each pageblock has no free order-9 block, only order-8 ones. The trace's
 * order-9 movable __GFP_NORETRY allocation (a page-cache write folio) fails at order 9 and is
 * served by order-8 pieces (__filemap_get_folio's order - 1); an order-0 free of a tail splits
 * one piece, the folio's free frees every piece. A THP that alloc_pages_mpol() retried without
 * __GFP_NORETRY (GFP_TRANSHUGE) fails the same way and is served by order-0 pages, as
 * do_huge_pmd_anonymous_page()'s VM_FAULT_FALLBACK serves the fault with order-0 folios when no
 * smaller mTHP size is enabled (the default) (its
 * direct reclaim first takes the second folio, page cache, which leaves two order-8 blocks in
 * different pageblocks). Without the fallback (the default) the first folio fails and its
 * frees are unknown.
 */
#define FALLBACK_BASE 262144ull /* (the SPB policy has no room to run on 8 MiB) */
static unsigned fallback_class(uint64_t p)
{
	return (p - FALLBACK_BASE) % 512 == 100 ? PC_SLAB : PC_FREE;
}

static void fallback_page(struct edge_writer *e, unsigned type, uint64_t pfn, unsigned order)
{
	struct trace_event ev = { .ts = e->ts += 1000, .type = (uint16_t)type, .cpu = 0 };
	ev.page.pfn = pfn;
	ev.page.order = order;
	ev.page.migratetype = MIGRATE_MOVABLE;
	/* __GFP_MOVABLE | __GFP_DIRECT_RECLAIM | __GFP_WRITE | __GFP_NORETRY (6.x bit numbers):
	 * a page-cache write folio, whose caller tries every smaller order */
	ev.page.gfp = 1u << 3 | 1u << 10 | 1u << 12 | 1u << 16;
	CHECK(trace_writer_add(e->w, &ev) == 0);
}

static void test_caller_fallback(void)
{
	static const char *const names[] = { "mainline:pcp=0,caller_fallback=1", "mainline:pcp=0" };
	struct edge_writer e = { 0 };
	char path[64];

	test_tmp_path(path, sizeof(path), "fallback.fgt");
	open_test_trace(&e, path, NULL, 0, "fallback", 2048, fallback_class);
	/* an order-0 page first, allocated and freed */
	edge_page(&e, TRACE_PAGE_ALLOC, FALLBACK_BASE + 2000, 0, MIGRATE_MOVABLE, 0);
	edge_page(&e, TRACE_PAGE_FREE, FALLBACK_BASE + 2000, 0, MIGRATE_MOVABLE, 0);
	fallback_page(&e, TRACE_PAGE_ALLOC, FALLBACK_BASE + 1024, 9);
	fallback_page(&e, TRACE_PAGE_FREE, FALLBACK_BASE + 1024 + 300, 0);
	fallback_page(&e, TRACE_PAGE_FREE, FALLBACK_BASE + 1024, 9);
	/* and again, held to the end */
	fallback_page(&e, TRACE_PAGE_ALLOC, FALLBACK_BASE + 1024, 9);
	/* a THP retry: GFP_TRANSHUGE (__GFP_HIGHMEM | __GFP_MOVABLE | __GFP_IO | __GFP_FS |
	 * __GFP_DIRECT_RECLAIM | __GFP_NOWARN | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_HARDWALL),
	 * no __GFP_NORETRY, held to the end */
	struct trace_event thp = { .ts = e.ts += 1000, .type = TRACE_PAGE_ALLOC, .cpu = 0 };
	thp.page.pfn = FALLBACK_BASE;
	thp.page.order = 9;
	thp.page.migratetype = MIGRATE_MOVABLE;
	thp.page.gfp = 0x1c24ca;
	CHECK(trace_writer_add(e.w, &thp) == 0);
	edge_close(&e);

	struct replay_result *r = run(path, names, 2, REPLAY_WARM, 1, 1);
	{
		const struct replay_variant_result *v = &r->variants[0];
		CHECK_EQ(v->loss.page_alloc_failed, 0);
		CHECK_EQ(v->loss.caller_fallback_served, 3);
		CHECK_EQ(v->loss.caller_fallback_pages, 1536);
		CHECK_EQ(v->loss.caller_fallback_thp_retry, 0);
		CHECK_EQ(v->loss.unknown_page_frees, 0);
		CHECK_EQ(v->loss.orphaned_allocations, 0);
		/* the start's 4 slab pages and the THP: the first folio was freed in full, the
		 * THP's direct reclaim took the second (page cache) before its pieces */
		CHECK_EQ(v->final.present_pages - v->final.free_pages, 4 + 512);
		CHECK_EQ(v->final.events[MODEL_EV_PGSTEAL_DIRECT], 512);
		CHECK_EQ(v->final.free_blocks[9], 0);
	}
	const struct replay_variant_result *off = &r->variants[1];
	/* the first folio fails and its frees are unknown (its failed direct reclaim and
	 * compaction may free an order-9 block for the second) */
	CHECK(off->loss.page_alloc_failed >= 1);
	CHECK_EQ(off->loss.page_alloc_failed, off->loss.page_alloc_failed_noretry);
	CHECK_EQ(off->loss.caller_fallback_served, 0);
	CHECK(off->loss.unknown_page_frees >= 1);
	replay_result_free(r);
	unlink(path);
}

/*
 * The order the caller's fallback asks for each piece (replay_fallback_piece_order): every piece
 * is a __filemap_get_folio() call of its own, which starts at the largest order the piece's
 * offset is aligned to, so a piece after small ones tries the larger orders again (before, the
 * fallback kept the last order that succeeded for every later piece). Readahead asks order 0.
 */
static void test_fallback_piece_order(void)
{
	const struct replay_op op = { .key = 0x101c00, .order = 8, .mt = MIGRATE_MOVABLE };

	CHECK_EQ(replay_fallback_piece_order(&op, op.key, FALLBACK_WRITE), 7);
	CHECK_EQ(replay_fallback_piece_order(&op, op.key + 32, FALLBACK_WRITE), 5);
	CHECK_EQ(replay_fallback_piece_order(&op, op.key + 64, FALLBACK_WRITE), 6);
	CHECK_EQ(replay_fallback_piece_order(&op, op.key + 128, FALLBACK_WRITE), 7);
	CHECK_EQ(replay_fallback_piece_order(&op, op.key + 192, FALLBACK_WRITE), 6);
	CHECK_EQ(replay_fallback_piece_order(&op, op.key + 255, FALLBACK_WRITE), 0);
	CHECK_EQ(replay_fallback_piece_order(&op, op.key, FALLBACK_READAHEAD), 0);
	CHECK_EQ(replay_fallback_piece_order(&op, op.key + 128, FALLBACK_THP), 0);

	/* the loop's shape: orders above 5 fail in the first half of the range and succeed in
	 * the second; the pieces are 5, 5, 5, 5 and then one of order 7 (the old greedy loop
	 * took eight of order 5) */
	unsigned pieces = 0, order_at_128 = 99;
	for (uint64_t p = op.key, end = op.key + 256; p < end; pieces++) {
		unsigned k = replay_fallback_piece_order(&op, p, FALLBACK_WRITE);
		unsigned limit = p < op.key + 128 ? 5 : 8;
		while (k > limit)
			k--;
		if (p == op.key + 128)
			order_at_128 = k;
		p += 1ull << k;
	}
	CHECK_EQ(pieces, 5);
	CHECK_EQ(order_at_128, 7);

	/* who falls back: a write folio order by order; a THP (GFP_TRANSHUGE, or its
	 * __GFP_THISNODE | __GFP_NORETRY first attempt) and readahead straight to order 0 */
	struct replay_op w = op, thp = { .key = 0x101c00, .order = 9, .mt = MIGRATE_MOVABLE };
	w.gfp = MODEL_GFP_HIGHUSER_MOVABLE | MODEL_GFP_WRITE | MODEL_GFP_NORETRY;
	CHECK_EQ(replay_fallback_caller(&w), FALLBACK_WRITE);
	thp.gfp = MODEL_GFP_TRANSHUGE;
	CHECK_EQ(replay_fallback_caller(&thp), FALLBACK_THP);
	thp.gfp = MODEL_GFP_TRANSHUGE | MODEL_GFP_THISNODE | MODEL_GFP_NORETRY;
	CHECK_EQ(replay_fallback_caller(&thp), FALLBACK_THP);
	CHECK_EQ(replay_fallback_piece_order(&thp, thp.key, FALLBACK_THP), 0);
	/* the order-0 pieces' gfp: a THP's fault page can reclaim whatever the THP's gfp was */
	uint32_t light = MODEL_GFP_TRANSHUGE_LIGHT | MODEL_GFP_NORETRY | MODEL_GFP_ACCOUNT;
	CHECK_EQ(replay_fallback_last_gfp(FALLBACK_THP, light),
		 MODEL_GFP_HIGHUSER_MOVABLE | MODEL_GFP_ZERO | MODEL_GFP_ACCOUNT);
	CHECK(replay_fallback_last_gfp(FALLBACK_THP, light) & MODEL_GFP_DIRECT_RECLAIM);
	CHECK_EQ(replay_fallback_last_gfp(FALLBACK_WRITE, w.gfp),
		 w.gfp & ~(uint32_t)MODEL_GFP_NORETRY);
	CHECK_EQ(replay_fallback_last_gfp(FALLBACK_READAHEAD, w.gfp), w.gfp);
	w.gfp = MODEL_GFP_HIGHUSER_MOVABLE | MODEL_GFP_NORETRY;
	CHECK_EQ(replay_fallback_caller(&w), FALLBACK_READAHEAD);
}

/*
 * The host's per-CPU lists at the start (replay_variant.c, start_pcp_drain): 32 pages the start
 * page map shows allocated (pages on a host's list look so) that the host then drains with
 * mm_page_pcpu_drain, 16 of them, and never allocates. The variant frees those 16 at the drain
 * (before, they stayed held to the end); the other 16 and the start's slab pages stay held.
 */
#define PCPSTART_BASE 262144ull
static unsigned pcpstart_class(uint64_t p)
{
	uint64_t off = (p - PCPSTART_BASE) % 512;
	return off == 100					    ? PC_SLAB
	       : off >= 200 && off < 232 && p - PCPSTART_BASE < 512 ? PC_ANON
								    : PC_FREE;
}

static void test_start_pcp_drain(void)
{
	static const char *const names[] = { "mainline", "mainline:pcp=0", "observe" };
	struct edge_writer e = { 0 };
	char path[64];

	test_tmp_path(path, sizeof(path), "pcpstart.fgt");
	open_test_trace(&e, path, NULL, 0, "pcpstart", 2048, pcpstart_class);
	for (uint64_t p = 200; p < 216; p++)
		edge_page(&e, TRACE_PAGE_PCPU_DRAIN, PCPSTART_BASE + p, 0, MIGRATE_MOVABLE, 0);
	edge_close(&e);

	struct replay_result *r = run(path, names, 3, REPLAY_WARM, 1, 1);
	for (unsigned i = 0; i < 2; i++) {
		const struct replay_variant_result *v = &r->variants[i];
		CHECK_EQ(v->loss.start_pcp_drain_pages, 16);
		CHECK_EQ(v->loss.unknown_page_frees, 0);
		/* the 4 slab pages and the 16 pages still on the host's lists */
		CHECK_EQ(v->final.present_pages - v->final.free_pages, 4 + 16);
	}
	/* observe gives the drained pages back too */
	CHECK_EQ(r->variants[2].final.present_pages - r->variants[2].final.free_pages, 4 + 16);
	replay_result_free(r);
	unlink(path);
}

/*
 * A THP allocated before the trace, freed whole (replay_variant.c, free_start_folio_pcp): the kernel
 * puts an order-9 free on the CPU's per-CPU list (pcp_allowed_order), where it stays below
 * pcp->high. A 1 GiB host whose low watermark (4096) gives the lists a high_min of 2048 pages,
 * with one start THP at pfn base + 512. Before, replay freed the warm start's 512 order-0 pages
 * to the buddy lists one by one, where they merged back at once; on pressure-pagecache that
 * merged two start THPs into the order-10 block mainline's first Normal reclaimable claim took
 * (docs/replay-history.md, tainted_regions).
 */
#define THPSTART_BASE 262144ull
static unsigned thpstart_class(uint64_t p)
{
	return p >= THPSTART_BASE + 512 && p < THPSTART_BASE + 1024 ? PC_ANON : PC_FREE;
}

static void test_start_thp_pcp_free(void)
{
	static const char *const names[] = { "mainline", "mainline:pcp=0" };
	const uint64_t pages = 262144;
	struct trace_header h = {
		.page_size = 4096, .pageblock_order = 9, .cpu_count = 2, .time_resolution_ns = 1000
	};
	struct edge_writer e = { .ts = 1000000 };
	char path[64], zone[256];
	size_t len;

	test_tmp_path(path, sizeof(path), "thpstart.fgt");
	snprintf(h.kernel_release, sizeof(h.kernel_release), "thpstart");
	uint8_t *map = page_map_build(THPSTART_BASE, THPSTART_BASE + pages, thpstart_class, &len);
	snprintf(zone, sizeof(zone),
		 "Node 0, zone   Normal\n        min      100\n        low      4096\n"
		 "        spanned  %llu\n        present  %llu\n  start_pfn:           262144\n",
		 (unsigned long long)pages, (unsigned long long)pages);
	CHECK(trace_writer_open(path, &h, NULL, &e.w) == 0);
	CHECK(trace_writer_add_meta(e.w, "start/zoneinfo", zone, strlen(zone)) == 0);
	CHECK(trace_writer_add_meta(e.w, "start/pagemap", map, len) == 0);
	free(map);
	edge_page(&e, TRACE_PAGE_FREE, THPSTART_BASE + 512, PAGEBLOCK_ORDER, 0, 0);
	edge_close(&e);

	struct replay_result *r = run(path, names, 2, REPLAY_WARM, 1, 1);
	const struct replay_variant_result *pcp = &r->variants[0], *nopcp = &r->variants[1];
	/* mainline: the THP is on CPU 0's Movable list, whole, and still counts as allocated */
	CHECK_EQ(pcp->loss.start_thp_pcp_frees, 1);
	CHECK_EQ(pcp->loss.warm_page_frees, 1);
	CHECK_EQ(pcp->loss.unknown_page_frees, 0);
	CHECK_EQ(pcp->pcp_pages[MIGRATE_MOVABLE], PAGEBLOCK_NR_PAGES);
	CHECK_EQ(pcp->final.present_pages - pcp->final.free_pages, PAGEBLOCK_NR_PAGES);
	/* without per-CPU lists the free goes to the buddy allocator, as before */
	CHECK_EQ(nopcp->loss.start_thp_pcp_frees, 0);
	CHECK_EQ(nopcp->loss.warm_page_frees, 1);
	CHECK_EQ(nopcp->final.present_pages - nopcp->final.free_pages, 0);
	printf("start THP free: on the per-CPU list (%llu pages), not merged in the buddy lists\n",
	       (unsigned long long)pcp->pcp_pages[MIGRATE_MOVABLE]);
	replay_result_free(r);
	unlink(path);
}

/*
 * Start pages freed into a smaller zone's per-CPU lists (start_pcp_free, pcp_zone_pagesets;
 * docs/replay-history.md, "Take 2: the Unmovable pageblocks and the fallbacks"). A host of two
 * zones: a 256 MiB DMA32 whose snapshot pagesets give CPU 0 a pcp->high of 4,000 (its high_min
 * from the low watermark: 256), and a 1 GiB Normal that takes the largest zone's pagesets by
 * default. 3,000 order-0 pages allocated before the trace, in DMA32, are freed on CPU 0. The
 * kernel puts each on the CPU's DMA32 list (free_frozen_page_commit), which holds them all
 * below its high. With both switches off replay frees them to the buddy lists; with
 * start_pcp_free alone they reach the list, but the list starts at high_min and drains past the
 * high it grows to; by default (both on, the kernel's rules) it starts at the snapshot's 4,000
 * and keeps all 3,000, as on take 2, where 7,645 such frees at 0.15-0.2 s stayed on the host's
 * DMA32 lists.
 */
#define STARTPCP_DMA32	262144ull
#define STARTPCP_NORMAL (STARTPCP_DMA32 + 65536)
#define STARTPCP_PAGES	3000
static unsigned startpcp_class(uint64_t p)
{
	return p >= STARTPCP_DMA32 + 8192 && p < STARTPCP_DMA32 + 8192 + STARTPCP_PAGES ? PC_ANON
											: PC_FREE;
}

static void test_start_pcp_free_zone(void)
{
	static const char *const names[] = { "mainline:start_pcp_free=0,pcp_zone_pagesets=0",
					     "mainline:pcp_zone_pagesets=0", "mainline" };
	static const char zone[] =
		"Node 0, zone    DMA32\n        min      100\n        low      512\n"
		"        spanned  65536\n        present  65536\n        managed  65536\n"
		"  pagesets\n    cpu: 0\n              count:    0\n              high:     4000\n"
		"              batch:    63\n    cpu: 1\n              count:    0\n"
		"              high:     300\n              batch:    63\n"
		"  start_pfn:           262144\n"
		"Node 0, zone   Normal\n        min      100\n        low      4096\n"
		"        spanned  262144\n        present  262144\n        managed  262144\n"
		"  pagesets\n    cpu: 0\n              count:    0\n              high:     2048\n"
		"              batch:    63\n    cpu: 1\n              count:    0\n"
		"              high:     2048\n              batch:    63\n"
		"  start_pfn:           327680\n";
	struct trace_header h = {
		.page_size = 4096, .pageblock_order = 9, .cpu_count = 2, .time_resolution_ns = 1000
	};
	struct edge_writer e = { .ts = 1000000 };
	char path[64];
	size_t len;

	test_tmp_path(path, sizeof(path), "startpcp.fgt");
	snprintf(h.kernel_release, sizeof(h.kernel_release), "startpcp");
	uint8_t *map =
		page_map_build(STARTPCP_DMA32, STARTPCP_NORMAL + 262144, startpcp_class, &len);
	CHECK(trace_writer_open(path, &h, NULL, &e.w) == 0);
	CHECK(trace_writer_add_meta(e.w, "start/zoneinfo", zone, strlen(zone)) == 0);
	CHECK(trace_writer_add_meta(e.w, "start/pagemap", map, len) == 0);
	free(map);
	for (uint64_t i = 0; i < STARTPCP_PAGES; i++)
		edge_page(&e, TRACE_PAGE_FREE, STARTPCP_DMA32 + 8192 + i, 0, MIGRATE_MOVABLE, 0);
	edge_close(&e);

	struct replay_result *r = run(path, names, 3, REPLAY_WARM, 1, 1);
	const struct replay_variant_result *def = &r->variants[0], *free1 = &r->variants[1],
					   *both = &r->variants[2];
	/* with both switches off the frees go to the buddy allocator: nothing on the lists */
	CHECK_EQ(def->loss.warm_page_frees, STARTPCP_PAGES);
	CHECK_EQ(def->loss.start_folio_pcp_frees, 0);
	CHECK_EQ(def->pcp_pages[MIGRATE_MOVABLE], 0);
	CHECK_EQ(def->final.present_pages - def->final.free_pages, 0);
	/* start_pcp_free: every free reaches CPU 0's DMA32 list, which drains past its high */
	CHECK_EQ(free1->loss.start_folio_pcp_frees, STARTPCP_PAGES);
	CHECK_EQ(free1->loss.unknown_page_frees, 0);
	CHECK(free1->pcp_pages[MIGRATE_MOVABLE] > 0);
	CHECK(free1->pcp_pages[MIGRATE_MOVABLE] < STARTPCP_PAGES);
	/* by default, with DMA32's own pagesets, the list keeps them all below the snapshot's
	 * 4,000 */
	CHECK_EQ(both->loss.start_folio_pcp_frees, STARTPCP_PAGES);
	CHECK_EQ(both->pcp_pages[MIGRATE_MOVABLE], STARTPCP_PAGES);
	CHECK_EQ(both->final.present_pages - both->final.free_pages, STARTPCP_PAGES);
	printf("start pages freed in DMA32: lists hold 0 / %llu / %llu of %d\n",
	       (unsigned long long)free1->pcp_pages[MIGRATE_MOVABLE],
	       (unsigned long long)both->pcp_pages[MIGRATE_MOVABLE], STARTPCP_PAGES);
	replay_result_free(r);
	unlink(path);
}

/*
 * A host free of a folio whose first pages the variant's direct reclaim took (replay_reclaim.c):
 * a 2048-page host full but for 64 free pages (min watermark 100), with 256 pages of start
 * page cache at its base. The trace's order-0 allocation enters direct reclaim, which takes the
 * warm page cache page by page from the base, up to the watermark, not the whole 128-page
 * folio the host then frees at the base. That free frees the rest of the folio too: the
 * variant ends with the folio's 128 pages free and none held, as the kernel frees whole
 * folios. Before, the free was ignored as one of a reclaimed page and the rest stayed held
 * until the host allocated its pfns again (337,180 pages on pressure-reclaim with
 * caller_fallback=1).
 */
#define RECLAIM_REST_BASE 262144ull
static unsigned reclaim_rest_class(uint64_t p)
{
	uint64_t off = p - RECLAIM_REST_BASE;
	return off < 256 ? PC_PAGECACHE : off >= 1984 ? PC_FREE : PC_ANON;
}

static void test_reclaim_rest(void)
{
	static const char *const names[] = { "mainline:pcp=0" };
	struct edge_writer e = { 0 };
	char path[64];

	test_tmp_path(path, sizeof(path), "reclaim-rest.fgt");
	open_test_trace(&e, path, NULL, 0, "reclaim-rest", 2048, reclaim_rest_class);
	edge_page(&e, TRACE_PAGE_ALLOC, RECLAIM_REST_BASE + 1984, 0, MIGRATE_MOVABLE, 0);
	edge_page(&e, TRACE_PAGE_FREE, RECLAIM_REST_BASE, 7, MIGRATE_MOVABLE, 0);
	edge_close(&e);

	struct replay_result *r = run(path, names, 1, REPLAY_WARM, 1, 1);
	const struct replay_variant_result *v = &r->variants[0];
	uint64_t stolen = v->final.events[MODEL_EV_PGSTEAL_DIRECT];
	CHECK_EQ(v->loss.page_alloc_failed, 0);
	CHECK_EQ(v->loss.page_frees_after_reclaim, 1);
	CHECK(stolen > 0 && stolen < 128);
	CHECK_EQ(v->loss.reclaim_rest_pages, 128 - stolen);
	CHECK_EQ(v->loss.unknown_page_frees, 0);
	/* 64 free at the start, the folio's 128 back, the allocation's page taken */
	CHECK_EQ(v->final.free_pages, 64 + 128 - 1);
	replay_result_free(r);
	unlink(path);
}

/*
 * The page-cache LRU ring grows in place (replay_reclaim.c's lru_make_room): with its head
 * past 0 and entries wrapped round to the start, a full ring doubles and still holds every
 * entry in allocation order from its head, each with the stamp its fwd value carries. The
 * oldest 1,000 of 4,096 are taken off as lru_shrink() takes them (head moved, fwd entry gone),
 * 1,001 more added: the last finds the ring full with 1,000 wrapped.
 */
static void test_lru_ring_grows_in_place(void)
{
	struct variant_state v;
	struct replay_variant_result res;
	struct page_cache_lru *l = &v.lru;
	uint64_t val, key;

	memset(&v, 0, sizeof(v));
	memset(&res, 0, sizeof(res));
	v.res = &res;
	CHECK_FATAL(pfn_map_init(&v.fwd, 8192) == 0);
	for (key = 0; key < 4096; key++) {
		pfn_map_put(&v.fwd, key, FWD_VAL(key + 100000, 0, MIGRATE_MOVABLE));
		variant_lru_add(&v, key);
	}
	CHECK_EQ(l->cap, 4096);
	CHECK_EQ(l->count, 4096);
	for (key = 0; key < 1000; key++) { /* lru_shrink's take of the oldest */
		CHECK(pfn_map_get(&v.fwd, key, &val));
		pfn_map_del(&v.fwd, key);
		variant_lru_forget(&v, val);
	}
	l->head = 1000;
	l->count -= 1000;
	for (key = 4096; key < 5097; key++) {
		pfn_map_put(&v.fwd, key, FWD_VAL(key + 100000, 0, MIGRATE_MOVABLE));
		variant_lru_add(&v, key);
	}
	CHECK_EQ(l->cap, 8192);
	CHECK_EQ(l->count, 4097);
	CHECK_EQ(l->live_entries, 4097);
	for (size_t i = 0; i < l->count; i++) {
		size_t at = (l->head + i) & (l->cap - 1);
		CHECK_FATAL(l->ring_key[at] == 1000 + i);
		CHECK(pfn_map_get(&v.fwd, 1000 + i, &val) && (val & FWD_PAGECACHE));
		CHECK_EQ(l->ring_stamp[at], (unsigned)(val >> 56));
		CHECK_EQ(l->ring_stamp[at],
			 (unsigned)((1000 + i) & 0xff)); /* its sequence number */
	}
	variant_lru_destroy(&v);
	pfn_map_free(&v.fwd);
	printf("page-cache LRU ring: grows in place with its head and wrapped entries kept in "
	       "order\n");
}

int main(int argc, char **argv)
{
	test_map();
	test_pfn_map();
	test_pfn_map_unmapped();
	test_warm_next();
	test_reclaimed_take();
	test_warm_forget_block();
	test_identity_add_lru();
	test_gfp();
	test_equilibrium();
	test_parse();
	test_pcp_drain_twin();
	test_lru_shrink_twin();
	test_shrink_warm_twin();
	test_pcp_split();
	test_pcp_zones();
	test_lru_ring_grows_in_place();
	test_pcp_free_pageblock_type();
	test_pcp_below_high_reserve();
	test_pcp_one_call_drain();
	test_pcp_thp_lists();
	test_pcp_reclaim_active();
	test_pcp_high();
	test_synthetic();
	test_edges();
	test_placed_start();
	test_shrink_calibration();
	test_shrink_calibration_from_empty_start();
	test_shrink_calibration_applied();
	test_page_reporting_from_trace();
	test_watermark_boost_factor_from_trace();
	test_end_map_timed();
	test_end_map_recorder_traced();
	test_start_rewind();
	test_zone_timeline();
	test_compaction();
	test_compaction_below();
	test_compaction_keep();
	test_kswapd_windows();
	test_decoder_clone_kswapd();
	test_fast_compaction();
	test_reporting_isolated();
	test_caller_fallback();
	test_fallback_piece_order();
	test_start_pcp_drain();
	test_start_thp_pcp_free();
	test_start_pcp_free_zone();
	test_reclaim_rest();
	test_pcp_locked_frees();
	test_start_highatomic();
	test_share(argc > 1 ? argv[1] : NULL);
	test_share_apart();
	if (argc > 1) {
		test_bundled(argv[1]);
		test_pcp_stranded(argv[1]);
	}
	printf("replay: all checks passed\n");
	return test_summary("test_replay");
}
