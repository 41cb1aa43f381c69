// SPDX-License-Identifier: GPL-2.0
/*
 * test_slab_growth.c - end to end: the slab-shrink patch's own scenario, synthetic.
 *
 * A host whose page cache keeps most of memory busy with movable pages (reclaimed oldest first
 * whenever free memory runs low, as kswapd would) while dentry and inode caches grow with
 * churn, plus a little unmovable kernel churn. The same deterministic workload runs under
 * "spb" (the series without slab shrink), "spb+demand" and "spb+all" (the patch). The patch
 * claims that without a release valve slab growth keeps tainting clean SPBs, that demand
 * triggers alone fire too late, and that proactive triggers keep the count down. The test
 * asserts the orderings the model computes, never numbers: with the slowpath's direct reclaim
 * off, spb ends with more tainted regions than spb+all, and spb+demand lies between them (or
 * the test says why not); with it on, direct reclaim's node-wide shrink_slab (the unpatched
 * kernel's) leaves spb no worse than spb+all.
 */
#include "model_test.h"
#include "slab.h"

#include <string.h>

#define SEC	  UINT64_C(1000000000)
#define STEP_NS	  (SEC / 2)
#define STEPS	  480
#define PAGES_2MB 512

struct block {
	uint64_t pfn;
	unsigned order;
};

struct ring {
	struct block *b;
	size_t head, n, cap;
};

static void ring_push(struct ring *r, struct block b)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		struct block *nb = malloc(cap * sizeof(*nb));
		CHECK_FATAL(nb != NULL);
		for (size_t i = 0; i < r->n; i++)
			nb[i] = r->b[(r->head + i) % r->cap];
		free(r->b);
		r->b = nb;
		r->head = 0;
		r->cap = cap;
	}
	r->b[(r->head + r->n++) % r->cap] = b;
}

static struct block ring_pop(struct ring *r)
{
	struct block b = r->b[r->head];
	r->head = (r->head + 1) % r->cap;
	r->n--;
	return b;
}

struct outcome {
	unsigned tainted_end, tainted_max;
	uint64_t slab_pages_end, shrink_freed, shrinks, demand, proactive;
};

/* Free the oldest page-cache blocks until free memory is back above `high` pages. */
static void kswapd(struct model *m, struct ring *cache, uint64_t *cache_pages, uint64_t high)
{
	struct model_stats st;
	model_stats(m, &st);
	uint64_t free_pages = st.free_pages;
	while (free_pages < high && cache->n) {
		struct block b = ring_pop(cache);
		CHECK_EQ(model_free(m, b.pfn, b.order), MODEL_OK);
		free_pages += 1u << b.order;
		*cache_pages -= 1u << b.order;
	}
}

static void run(const char *variant, bool direct_reclaim, struct outcome *out)
{
	struct model_config c;
	struct model_stats st;
	struct slab_stats ss;
	int err;

	model_config_simple(&c, MODEL_POLICY_SPB, 12ull << 30);
	CHECK_EQ(model_preset(variant, &c.policy, &c.params), MODEL_OK);
	c.params.direct_reclaim = direct_reclaim;
	struct model *m = model_create(&c, &err);
	CHECK_FATAL(m != NULL);
	struct slab_model *sm = slab_model_create(m, NULL);
	struct slab_cache_config dentry = { .name = "dentry",
					    .object_size = 256,
					    .order = 0,
					    .reclaimable = true,
					    .shrinkable = true };
	struct slab_cache_config inode = { .name = "ext4_inode_cache",
					   .object_size = 2048,
					   .order = 3,
					   .reclaimable = true,
					   .shrinkable = true };
	int cd = slab_cache_create(sm, &dentry), ci = slab_cache_create(sm, &inode);
	model_stats(m, &st);
	uint64_t present = st.present_pages, low = present / 25, high = present / 16;
	uint64_t target_cache = present * 7 / 10, cache_pages = 0, key = 64;
	struct ring cache = { 0 }, kernel = { 0 };
	uint64_t *live = NULL;
	size_t nlive = 0, live_cap = 0;

	test_rng_state = 42;
	memset(out, 0, sizeof(*out));
	for (int step = 0; step < STEPS; step++) {
		uint64_t now = (uint64_t)step * STEP_NS;
		model_advance(m, now);
		/* slab: 1500 new files a step, each a dentry and an inode; a fifth are deleted */
		for (int i = 0; i < 1500; i++) {
			if (nlive + 2 > live_cap) {
				live_cap = live_cap ? live_cap * 2 : 65536;
				live = realloc(live, live_cap * sizeof(*live));
				CHECK_FATAL(live != NULL);
			}
			if (slab_obj_alloc(sm, cd, key, MODEL_GFP_KERNEL, 0, i & 1, now) ==
			    MODEL_OK)
				live[nlive++] = key;
			key += 64;
			if (slab_obj_alloc(sm, ci, key, MODEL_GFP_KERNEL, 0, i & 1, now) ==
			    MODEL_OK)
				live[nlive++] = key;
			key += 64;
		}
		for (int i = 0; i < 600 && nlive; i++) {
			size_t k = rnd() % nlive;
			slab_obj_free(sm,
				      live[k]); /* MODEL_ESTATE when a shrinker took it: counted */
			live[k] = live[--nlive];
		}
		/* a little unmovable kernel churn */
		for (int i = 0; i < 64; i++) {
			struct model_alloc_req q = { .order = (unsigned)(rnd() % 3),
						     .migratetype = MIGRATE_UNMOVABLE,
						     .gfp = MODEL_GFP_KERNEL,
						     .cpu = i & 1 };
			uint64_t pfn;
			if (model_alloc(m, &q, &pfn) == MODEL_OK)
				ring_push(&kernel, (struct block){ pfn, q.order });
		}
		while (kernel.n > 4096) {
			struct block b = ring_pop(&kernel);
			CHECK_EQ(model_free(m, b.pfn, b.order), MODEL_OK);
		}
		/* page cache: refill towards its target in pageblock-sized PCP refills */
		for (int i = 0; i < 64 && cache_pages < target_cache; i++) {
			struct model_alloc_req q = { .order = 0,
						     .migratetype = MIGRATE_MOVABLE,
						     .gfp = MODEL_GFP_HIGHUSER_MOVABLE,
						     .cpu = i & 1,
						     .movable = true };
			struct model_block blocks[PAGES_2MB];
			unsigned n;
			kswapd(m, &cache, &cache_pages, high);
			if (model_alloc_bulk(m, &q, PAGES_2MB, blocks, PAGES_2MB, &n) != MODEL_OK)
				break;
			for (unsigned b = 0; b < n; b++) {
				ring_push(&cache, (struct block){ blocks[b].pfn, blocks[b].order });
				cache_pages += 1u << blocks[b].order;
			}
		}
		model_stats(m, &st);
		if (st.free_pages < low)
			kswapd(m, &cache, &cache_pages, high);
		model_stats(m, &st);
		if (st.tainted_regions > out->tainted_max)
			out->tainted_max = st.tainted_regions;
	}
	check_model(m, variant);
	char buf[256];
	CHECK(slab_model_check(sm, buf, sizeof(buf)) == NULL);
	model_stats(m, &st);
	slab_model_stats(sm, &ss);
	out->tainted_end = st.tainted_regions;
	out->slab_pages_end = ss.slab_pages;
	out->shrink_freed = ss.shrink_freed;
	out->shrinks = st.events[MODEL_EV_SPB_SLAB_SHRINK_RAN];
	out->demand = st.events[MODEL_EV_TRIGGER_DEMAND_PRE_PASS3] +
		      st.events[MODEL_EV_TRIGGER_DEMAND_CLAIM];
	out->proactive = st.events[MODEL_EV_TRIGGER_PROACTIVE];
	printf("%-12s %s tainted regions %u at the end (max %u) of %u; slab %llu MiB; %llu "
	       "shrinks freed %llu objects; triggers: demand %llu, proactive %llu\n",
	       variant, direct_reclaim ? "reclaim   " : "no reclaim", out->tainted_end,
	       out->tainted_max, st.tainted_regions + st.clean_regions + st.empty_regions,
	       (unsigned long long)(out->slab_pages_end >> 8), (unsigned long long)out->shrinks,
	       (unsigned long long)out->shrink_freed, (unsigned long long)out->demand,
	       (unsigned long long)out->proactive);
	free(live);
	free(cache.b);
	free(kernel.b);
	slab_model_destroy(sm);
	model_destroy(m);
}

int main(void)
{
	struct outcome none, demand, all, none_reclaim;

	setvbuf(stdout, NULL, _IONBF, 0);
	/*
	 * The patch's claim is about its own triggers: measured with the slowpath's direct
	 * reclaim off, since direct reclaim runs shrink_slab node-wide in every variant (the
	 * unpatched kernel's own release valve), which absorbs this scenario's growth.
	 */
	run("spb", false, &none);
	run("spb+demand", false, &demand);
	run("spb+all", false, &all);
	run("spb", true, &none_reclaim);
	CHECK_EQ(none.shrinks, 0);
	CHECK(all.shrinks > 0 && all.shrink_freed > 0);
	CHECK(all.slab_pages_end < none.slab_pages_end);
	CHECK(none.tainted_end > all.tainted_end);
	/* the demand triggers alone do no worse than none and no better than all of them */
	CHECK(demand.tainted_end <= none.tainted_end);
	CHECK(demand.tainted_end >= all.tainted_end);
	CHECK(demand.slab_pages_end <= none.slab_pages_end);
	printf("spb+demand lies between spb and spb+all\n");
	/* direct reclaim's shrink_slab alone does at least as well as the patch's triggers */
	CHECK(none_reclaim.shrink_freed > 0);
	CHECK(none_reclaim.tainted_end <= all.tainted_end);
	printf("with direct reclaim, spb ends with %u tainted regions (spb+all without it: %u)\n",
	       none_reclaim.tainted_end, all.tainted_end);
	printf("slab growth: without the release valve more SPBs end tainted than with the "
	       "patch\n");
	return test_summary("test_slab_growth");
}
