// SPDX-License-Identifier: GPL-2.0
/*
 * bench_model.c - speed and memory of the allocator model (issue: model performance).
 *
 * For each policy, a model of --gib GiB (default 256: 256 SPBs in ZONE_NORMAL) is filled to
 * --fill of its memory with a realistic mix (by count: 90% order 0, 6% orders 1-3, 3% order 9,
 * 1% orders 4-10; by type: 70% movable, 20% unmovable, 10% reclaimable, with the gfp flags such
 * callers use), then churned for --ops operations: each step frees a random live allocation or
 * allocates a new one, keeping the fill. It prints operations per second (an allocation and a
 * free each count as one), model bytes per modelled 4 KiB page, and the tainted count reached.
 * The reference model in tests/ is the only other implementation and is not a peer for speed,
 * so the figures are absolute; bench/RESULTS.md records them with the machine.
 */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

struct live {
	uint64_t pfn;
	uint8_t order;
};

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static inline uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void request(struct model_alloc_req *q)
{
	unsigned r = (unsigned)(rnd() % 1000);
	q->order = r < 900 ? 0 : r < 960 ? (unsigned)(1 + rnd() % 3) : r < 990 ? 9 : (unsigned)(4 + rnd() % 7);
	r = (unsigned)(rnd() % 100);
	q->migratetype = r < 70 ? MIGRATE_MOVABLE : r < 90 ? MIGRATE_UNMOVABLE : MIGRATE_RECLAIMABLE;
	q->movable = q->migratetype == MIGRATE_MOVABLE;
	if (q->movable)
		q->gfp = q->order == 9 ? MODEL_GFP_TRANSHUGE_LIGHT : MODEL_GFP_HIGHUSER_MOVABLE;
	else if (q->migratetype == MIGRATE_RECLAIMABLE)
		q->gfp = MODEL_GFP_KERNEL | MODEL_GFP_RECLAIMABLE;
	else
		q->gfp = r % 4 ? MODEL_GFP_KERNEL : MODEL_GFP_ATOMIC;
	q->nid = 0;
}

static long max_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void run(enum model_policy policy, uint64_t gib, double fill, long ops, bool random_frees)
{
	struct model_config c;
	struct model_stats st;
	int err;
	double t0 = now_s();

	model_config_simple(&c, policy, gib << 30);
	struct model *m = model_create(&c, &err);
	if (!m) {
		fprintf(stderr, "bench_model: %s\n", model_strerror(err));
		exit(1);
	}
	double t_create = now_s() - t0;
	model_stats(m, &st);
	uint64_t present = st.present_pages, used = 0, target = (uint64_t)((double)present * fill);
	size_t cap = (size_t)(target / 4 + 1024), n = 0;
	struct live *live = malloc(cap * sizeof(*live));
	long fails = 0;

	t0 = now_s();
	long fill_ops = 0;
	while (used < target && n < cap) {
		struct model_alloc_req q;
		uint64_t pfn;
		request(&q);
		fill_ops++;
		if (model_alloc(m, &q, &pfn) == MODEL_OK) {
			live[n++] = (struct live){ pfn, (uint8_t)q.order };
			used += 1ull << q.order;
		} else if (++fails > 1000000) {
			break;
		}
	}
	double t_fill = now_s() - t0;

	t0 = now_s();
	for (long i = 0; i < ops; i++) {
		if ((used > target || n == cap) && n) {
			/* lifetimes: most allocations die young (LIFO-ish), the rest at random */
			size_t k = random_frees || rnd() % 10 == 0 ? rnd() % n
								     : n - 1 - rnd() % (n < 4096 ? n : 4096);
			model_free(m, live[k].pfn, live[k].order);
			used -= 1ull << live[k].order;
			live[k] = live[--n];
		} else {
			struct model_alloc_req q;
			uint64_t pfn;
			request(&q);
			if (model_alloc(m, &q, &pfn) == MODEL_OK) {
				live[n++] = (struct live){ pfn, (uint8_t)q.order };
				used += 1ull << q.order;
			} else {
				fails++;
			}
		}
		if ((i & 1023) == 0)
			model_advance(m, (uint64_t)i * 1000);
	}
	double t_churn = now_s() - t0;
	model_stats(m, &st);
	printf("%-8s %5llu GiB %s frees: create %.2f s, fill %.1f%% in %ld ops (%.1f M ops/s), "
	       "churn %ld ops in %.2f s = %.2f M ops/s, %.1f SPBs visited per allocation; model "
	       "%.3f bytes/page; tainted regions %u of %u; failed allocations %ld\n",
	       policy == MODEL_POLICY_SPB ? "spb" : "mainline", (unsigned long long)gib,
	       random_frees ? "random" : "young-first",
	       t_create, 100.0 * (double)used / (double)present, fill_ops,
	       (double)fill_ops / t_fill / 1e6, ops, t_churn, (double)ops / t_churn / 1e6,
	       (double)st.events[MODEL_EV_SPB_WALK_VISITS] / (double)(st.events[MODEL_EV_PASS_1] + 1),
	       (double)model_memory_bytes(m) / (double)present, st.tainted_regions,
	       st.tainted_regions + st.clean_regions + st.empty_regions, fails);
	free(live);
	model_destroy(m);
}

int main(int argc, char **argv)
{
	uint64_t gib = 256;
	double fill = 0.8;
	long ops = 20000000;
	bool huge = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--gib") && i + 1 < argc)
			gib = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--fill") && i + 1 < argc)
			fill = atof(argv[++i]);
		else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
			ops = atol(argv[++i]);
		else if (!strcmp(argv[i], "--4tib"))
			huge = true;
		else {
			fprintf(stderr, "usage: bench_model [--gib N] [--fill F] [--ops N] [--4tib]\n");
			return 2;
		}
	}
	if (huge) {
		run(MODEL_POLICY_SPB, 4096, fill, ops, false);
		printf("max RSS %.2f GiB for a 4 TiB model and its live-allocation table\n",
		       (double)max_rss_kb() / (1 << 20));
		return 0;
	}
	run(MODEL_POLICY_SPB, gib, fill, ops, false);
	run(MODEL_POLICY_MAINLINE, gib, fill, ops, false);
	run(MODEL_POLICY_SPB, gib, fill, ops, true);
	run(MODEL_POLICY_MAINLINE, gib, fill, ops, true);
	return 0;
}
