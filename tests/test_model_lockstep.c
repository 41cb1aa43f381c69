// SPDX-License-Identifier: GPL-2.0
/*
 * test_model_lockstep.c - the fast SPB model against the slow reference (model_ref.c), in
 * lockstep on long random operation sequences: every allocation must get the same pfn (or the
 * same failure), and after every operation every SPB must have the same counters, free pages,
 * list and place on that list. The invariant checker runs every few operations too.
 *
 * Workloads grow and shrink memory use between 20% and 97% so that passes, claims, steals,
 * the refusal gate and the relax ladder all run; the test prints how often each did.
 */
#include "model.h"
#include "model_ref.h"
#include "model_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct live {
	uint64_t pfn;
	unsigned order;
};

/* The phase's mix: how much is movable, how big allocations are. */
static unsigned phase_movable = 55, phase_big = 15, phase_unmovable = 66;

static void random_request(struct model_alloc_req *q)
{
	unsigned r = (unsigned)(rnd() % 100);
	memset(q, 0, sizeof(*q));
	q->order = r >= phase_big ? (rnd() % 4 ? 0 : (unsigned)(1 + rnd() % 3))
				  : (rnd() % 3 ? 9 : (unsigned)(rnd() % 11));
	r = (unsigned)(rnd() % 100);
	q->migratetype = r < phase_movable ? MIGRATE_MOVABLE
			 : r < phase_movable + (100 - phase_movable) * phase_unmovable / 100
				 ? MIGRATE_UNMOVABLE
				 : MIGRATE_RECLAIMABLE;
	q->movable = q->migratetype == MIGRATE_MOVABLE;
	r = (unsigned)(rnd() % 100);
	if (q->movable)
		q->gfp = q->order == 9 && r < 50 ? MODEL_GFP_TRANSHUGE_LIGHT
						 : MODEL_GFP_HIGHUSER_MOVABLE;
	else if (r < 55)
		q->gfp = MODEL_GFP_KERNEL;
	else if (r < 70)
		q->gfp = MODEL_GFP_ATOMIC;
	else if (r < 80)
		q->gfp = MODEL_GFP_NOWAIT;
	else if (r < 92)
		q->gfp = MODEL_GFP_KERNEL | MODEL_GFP_NORETRY | MODEL_GFP_NOWARN;
	else
		q->gfp = MODEL_GFP_KERNEL | MODEL_GFP_DMA32;
	if (q->migratetype == MIGRATE_RECLAIMABLE)
		q->gfp |= MODEL_GFP_RECLAIMABLE;
	q->cpu = (int)(rnd() % 3);
}

static void compare_spbs(struct model *m, struct ref_model *r, long op)
{
	for (unsigned z = 0; z < model_nr_zones(m); z++)
		for (unsigned s = 0; s < model_zone_nr_spbs(m, z); s++) {
			struct model_spb_info a;
			struct ref_spb_state b;
			model_spb_info(m, z, s, &a);
			ref_spb_state(r, z, s, &b);
			if (a.nr_free != b.nr_free || a.nr_unmovable != b.nr_unmovable ||
			    a.nr_reclaimable != b.nr_reclaimable || a.nr_movable != b.nr_movable ||
			    a.nr_reserved != b.nr_reserved ||
			    a.total_pageblocks != b.total_pageblocks ||
			    a.nr_free_pages != b.nr_free_pages || a.list_id != b.list_id ||
			    a.list_pos != b.list_pos) {
				fprintf(stderr,
					"op %ld zone %u spb %u: fast "
					"free/unmov/recl/mov/rsv/total/pages/list/pos "
					"%u/%u/%u/%u/%u/%u/%llu/%d/%d, reference "
					"%u/%u/%u/%u/%u/%u/%llu/%d/%d\n",
					op, z, s, a.nr_free, a.nr_unmovable, a.nr_reclaimable,
					a.nr_movable, a.nr_reserved, a.total_pageblocks,
					(unsigned long long)a.nr_free_pages, a.list_id, a.list_pos,
					b.nr_free, b.nr_unmovable, b.nr_reclaimable, b.nr_movable,
					b.nr_reserved, b.total_pageblocks,
					(unsigned long long)b.nr_free_pages, b.list_id, b.list_pos);
				exit(1);
			}
		}
}

/* Every run's event counts, summed: the runs together must reach every pass they are built for. */
static uint64_t events_seen[MODEL_NR_VM_EVENTS];

static void run(const char *name, struct model_config *c, long ops, uint64_t seed, int check_every)
{
	char buf[512];
	int err;
	struct model *m;
	struct ref_model *r;
	struct live *live;
	size_t nlive = 0, cap = 1 << 20;
	uint64_t present, used = 0;
	long fails = 0;

	c->params.evacuation = false;
	c->params.defrag = false;
	c->params.direct_compaction = false; /* the reference has no compaction (model_ref.c) */
	c->nr_cpus = 3;
	m = model_create(c, &err);
	CHECK_FATAL(m != NULL);
	r = ref_create(c);
	live = malloc(cap * sizeof(*live));
	test_rng_state = seed;
	struct model_stats st;
	model_stats(m, &st);
	present = st.present_pages;
	compare_spbs(m, r, -1);

	double target = 0.5;
	for (long op = 0; op < ops; op++) {
		if (op % 4000 == 0) {
			target = 0.2 + (double)(rnd() % 78) / 100.0;
			phase_movable = rnd() % 3 ? (unsigned)(10 + rnd() % 85) : 0;
			phase_unmovable = (unsigned)(rnd() % 101);
			phase_big = (unsigned)(rnd() % 30);
		}
		bool do_alloc =
			nlive == 0 || ((double)used / (double)present < target ? rnd() % 100 < 75
									       : rnd() % 100 < 25);
		if (do_alloc && nlive < cap) {
			struct model_alloc_req q;
			uint64_t a = 0, b = 0;
			random_request(&q);
			int ra = model_alloc(m, &q, &a), rb = ref_alloc(r, &q, &b);
			if (ra != rb || (ra == MODEL_OK && a != b)) {
				fprintf(stderr,
					"%s op %ld: alloc order %u mt %d gfp %#x: fast %d %#llx, "
					"reference %d %#llx\n",
					name, op, q.order, q.migratetype, q.gfp, ra,
					(unsigned long long)a, rb, (unsigned long long)b);
				exit(1);
			}
			if (ra == MODEL_OK) {
				live[nlive++] = (struct live){ a, q.order };
				used += 1ull << q.order;
			} else {
				fails++;
			}
		} else if (nlive) {
			size_t k = rnd() % nlive;
			CHECK_EQ(model_free(m, live[k].pfn, live[k].order), MODEL_OK);
			CHECK_EQ(ref_free(r, live[k].pfn, live[k].order), MODEL_OK);
			used -= 1ull << live[k].order;
			live[k] = live[--nlive];
		}
		compare_spbs(m, r, op);
		if (check_every && op % check_every == 0) {
			const char *e = model_check(m, buf, sizeof(buf));
			if (e) {
				fprintf(stderr, "%s op %ld: %s\n", name, op, e);
				exit(1);
			}
		}
	}
	model_stats(m, &st);
	printf("%s: %ld ops agree; %llu pass-1, %llu pass-2, %llu 2b, %llu 2c, %llu 2d, %llu "
	       "pass-3, "
	       "%llu pass-4, %llu claims, %llu steals, %llu refused, %llu relaxed, %llu highatomic "
	       "reserved, %llu unreserved, %ld failed\n",
	       name, ops, (unsigned long long)st.events[MODEL_EV_PASS_1],
	       (unsigned long long)st.events[MODEL_EV_PASS_2],
	       (unsigned long long)st.events[MODEL_EV_PASS_2B],
	       (unsigned long long)st.events[MODEL_EV_PASS_2C],
	       (unsigned long long)st.events[MODEL_EV_PASS_2D],
	       (unsigned long long)st.events[MODEL_EV_PASS_3],
	       (unsigned long long)st.events[MODEL_EV_PASS_4],
	       (unsigned long long)st.events[MODEL_EV_RMQUEUE_CLAIM],
	       (unsigned long long)st.events[MODEL_EV_RMQUEUE_STEAL],
	       (unsigned long long)st.events[MODEL_EV_SPB_HIGHORDER_REFUSED],
	       (unsigned long long)(st.events[MODEL_EV_RELAX_ADD_TAINTED_OK] +
				    st.events[MODEL_EV_RELAX_DROP_NOFRAGMENT]),
	       (unsigned long long)st.events[MODEL_EV_HIGHATOMIC_RESERVE],
	       (unsigned long long)st.events[MODEL_EV_HIGHATOMIC_UNRESERVE], fails);
	CHECK(st.events[MODEL_EV_PASS_1] > 0);
	CHECK(st.events[MODEL_EV_PASS_2] > 0);
	for (int i = 0; i < MODEL_NR_VM_EVENTS; i++)
		events_seen[i] += st.events[i];
	free(live);
	ref_destroy(r);
	model_destroy(m);
}

/* DMA32 and a Normal zone over three 1 GiB regions, partial at both ends. */
static void small_geometry(struct model_config *c, bool with_hole)
{
	static const struct model_hole hole = { (1ull << 18) + 4096, 512 };
	memset(c, 0, sizeof(*c));
	c->policy = MODEL_POLICY_SPB;
	model_params_default(&c->params);
	c->nr_zones = 2;
	c->zones[0] = (struct model_zone_config){ .type = ZONE_DMA32,
						  .start_pfn = 4096,
						  .spanned_pages = 12288 };
	c->zones[1] =
		(struct model_zone_config){ .type = ZONE_NORMAL,
					    .start_pfn = (1ull << 18) - 24 * 512,
					    .spanned_pages = 24 * 512 + (1ull << 18) + 16 * 512 };
	if (with_hole) {
		c->nr_holes = 1;
		c->holes = &hole;
	}
}

int main(int argc, char **argv)
{
	long ops = argc > 1 ? atol(argv[1]) : 60000;
	struct model_config c;

	small_geometry(&c, false);
	run("three regions", &c, ops, 1, 50);
	small_geometry(&c, true);
	run("with a hole", &c, ops, 2, 50);
	small_geometry(&c, false);
	c.params.warm_hints = false;
	run("[S-A]: no warm hints", &c, ops, 5, 50);
	small_geometry(&c, false);
	c.params.warm_hints = false;
	c.params.from_tainted_spb = false;
	c.params.pass_2c = false;
	c.params.pass_2d = false;
	c.params.highorder_optional_gate = false;
	run("v1 passes only", &c, ops, 3, 50);
	/* High watermarks (40% and 50%): requests reach the slowpath while pages are free, and
	 * atomic ones try the HIGHATOMIC lists there (test_model_passes: "highatomic"). DMA32
	 * keeps a further quarter from requests that may use Normal (lowmem_reserve). */
	small_geometry(&c, false);
	for (unsigned z = 0; z < c.nr_zones; z++) {
		c.zones[z].wmark_min = c.zones[z].spanned_pages * 2 / 5;
		c.zones[z].wmark_low = c.zones[z].spanned_pages / 2;
	}
	c.zones[0].lowmem_reserve[ZONE_NORMAL] = c.zones[0].spanned_pages / 4;
	c.zones[0].lowmem_reserve[ZONE_MOVABLE] = c.zones[0].spanned_pages / 4;
	run("watermarks", &c, ops, 6, 50);
	/* Ten SPBs: above SPB_AGGRESSIVE_THRESHOLD, and a wide enough field for the walks. */
	model_config_simple(&c, MODEL_POLICY_SPB, 9ull << 30);
	run("nine GiB", &c, ops, 4, 0);
	CHECK(events_seen[MODEL_EV_PASS_2C] > 0);
	CHECK(events_seen[MODEL_EV_PASS_3] > 0);
	CHECK(events_seen[MODEL_EV_PASS_4] > 0);
	CHECK(events_seen[MODEL_EV_RMQUEUE_CLAIM] > 0);
	CHECK(events_seen[MODEL_EV_SPB_HIGHORDER_REFUSED] > 0);
	if (!test_failures)
		printf("lockstep: all variants agree\n");
	return test_summary("test_model_lockstep");
}
