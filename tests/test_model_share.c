// SPDX-License-Identifier: GPL-2.0
/*
 * test_model_share.c - one model for several variants (model_share.c): each of the five points
 * where a trigger switch decides what the model does drops exactly the members whose switch
 * differs from the model's, and no others.
 *
 * - The model's switches on, members each with one switch off (and a twin): a member is dropped
 *   at the step its switch's counter first moves, the twin never; with defrag off the last-
 *   chance kick cannot act, so its member stays.
 * - The model's switches off, members each with one switch on, each run beside a standalone
 *   model of its own params over the same steps: a member is still there exactly while its
 *   standalone model's counter for its switch is 0 (it is dropped no later than it diverges).
 * - The last-chance kick with defrag on and a tainted SPB whose defrag is queued: the kick only
 *   counts absorbed requests, so the member without it stays with its count kept apart, equal
 *   to a standalone model's.
 * The scenarios are test_model_passes.c's (nearly full tainted SPB; evacuation on demand).
 */
#include "model.h"
#include "model_test.h"

#include <string.h>

static uint64_t fake_shrink(void *ctx, int nid, int priority)
{
	(void)ctx;
	(void)nid;
	(void)priority;
	return 300;
}

static void on_migrate(void *ctx, uint64_t old_pfn, uint64_t new_pfn, unsigned order)
{
	(void)ctx;
	(void)old_pfn;
	(void)new_pfn;
	(void)order;
}

static struct model *make(const struct model_params *p)
{
	struct model_config c;
	int err;

	memset(&c, 0, sizeof(c));
	c.policy = MODEL_POLICY_SPB;
	c.params = *p;
	test_host_zones(&c, 2);
	struct model *m = model_create(&c, &err);
	CHECK_FATAL(m != NULL);
	model_set_shrink_callback(m, fake_shrink, NULL);
	model_set_migrate_callback(m, on_migrate, NULL);
	return m;
}

/* The steps: the nearly full tainted SPB, then requests that reach every trigger point. */
#define NR_STEPS 8
static void step(struct model *m, unsigned i)
{
	struct model_alloc_req big = { .order = PAGEBLOCK_ORDER,
				       .migratetype = MIGRATE_UNMOVABLE,
				       .gfp = MODEL_GFP_NOWAIT },
			       small = { .order = 0,
					 .migratetype = MIGRATE_UNMOVABLE,
					 .gfp = MODEL_GFP_KERNEL };
	uint64_t pfn;

	switch (i) {
	case 0:
		test_build_nearly_full_tainted(m);
		break;
	case 1: /* Pass 2b claims pb 511; below high water: the proactive trigger */
	case 2:
		model_alloc(m, &small, &pfn);
		break;
	case 3: /* refused, falls through: evacuation and the demand trigger before Pass 3 */
	case 5:
		model_alloc(m, &big, &pfn);
		break;
	case 4: /* the evacuation runs; its end is the supply trigger */
		model_advance(m, 20000000);
		break;
	default:
		model_advance(m, 40000000 + i * 1000000);
		model_alloc(m, &big, &pfn);
		break;
	}
	check_model(m, "share step");
}

static uint64_t demand(const struct model *m)
{
	return model_event(m, MODEL_EV_TRIGGER_DEMAND_PRE_PASS3) +
	       model_event(m, MODEL_EV_TRIGGER_DEMAND_CLAIM);
}

/* Members 1-3 have one trigger each otherwise than the model; 0 and 4 are the model's twins. */
static struct model_share share_one_differs(const struct model_params *p)
{
	static const enum model_knob diff[5] = { MODEL_NR_KNOBS, MODEL_KNOB_TRIGGER_DEMAND,
						 MODEL_KNOB_TRIGGER_SUPPLY,
						 MODEL_KNOB_TRIGGER_PROACTIVE, MODEL_NR_KNOBS };
	struct model_share s = { .members = 0x1f };

	for (unsigned j = 0; j < 5; j++)
		for (unsigned k = 0; k < MODEL_NR_KNOBS; k++)
			if (model_knob_get(p, (enum model_knob)k) != (diff[j] == k))
				s.knob_set[k] |= 1ull << j;
	return s;
}

/* The model's switches on: a member leaves at the step its switch's counter first moves. */
static void test_members_without(void)
{
	struct model_params p;
	model_params_default(&p);
	p.defrag = false; /* the last-chance kick cannot act: its member stays */
	struct model *m = make(&p);
	struct model_share s = share_one_differs(&p);
	s.members |= 1u << 5; /* and one without the kick */
	for (unsigned k = 0; k < MODEL_NR_KNOBS; k++)
		if (k != MODEL_KNOB_LAST_CHANCE_DEFRAG)
			s.knob_set[k] |= 1ull << 5;
	CHECK_EQ(model_set_share(m, &s), MODEL_OK);
	bool saw[3] = { false, false, false };

	for (unsigned i = 0; i < NR_STEPS; i++) {
		step(m, i);
		uint64_t left = model_share_members(m);
		uint64_t fired[3] = { demand(m), model_event(m, MODEL_EV_TRIGGER_SUPPLY),
				      model_event(m, MODEL_EV_TRIGGER_PROACTIVE) };
		CHECK(left & 1);
		CHECK(left & (1u << 4));
		CHECK(left & (1u << 5));
		for (unsigned k = 0; k < 3; k++) {
			CHECK_EQ(!!(left & (2u << k)), fired[k] == 0);
			saw[k] |= fired[k] > 0;
		}
	}
	CHECK(saw[0] && saw[1] && saw[2]); /* every trigger point was reached */
	CHECK_EQ(model_share_members(m), 0x31);
	model_destroy(m);
}

/* The model's switches off: each member runs beside a standalone model of its own params. */
static void test_members_with(void)
{
	struct model_params p;
	model_params_default(&p);
	p.defrag = false;
	model_preset("spb", &(enum model_policy){ MODEL_POLICY_SPB }, &p);
	p.defrag = false;
	struct model *m = make(&p), *alone[3];
	static const enum model_knob knob[3] = { MODEL_KNOB_TRIGGER_DEMAND,
						 MODEL_KNOB_TRIGGER_SUPPLY,
						 MODEL_KNOB_TRIGGER_PROACTIVE };
	for (unsigned k = 0; k < 3; k++) {
		struct model_params q = p;
		model_knob_set(&q, knob[k], true);
		CHECK(model_params_shareable(&p, &q));
		alone[k] = make(&q);
	}
	struct model_share s = share_one_differs(&p);
	CHECK_EQ(model_set_share(m, &s), MODEL_OK);
	for (unsigned i = 0; i < NR_STEPS; i++) {
		step(m, i);
		uint64_t left = model_share_members(m);
		CHECK(left & 1);
		CHECK(left & (1u << 4));
		for (unsigned k = 0; k < 3; k++) {
			step(alone[k], i);
			uint64_t fired =
				k == 0	 ? demand(alone[k])
				: k == 1 ? model_event(alone[k], MODEL_EV_TRIGGER_SUPPLY)
					 : model_event(alone[k], MODEL_EV_TRIGGER_PROACTIVE);
			CHECK_EQ(!!(left & (2u << k)), fired == 0);
		}
	}
	CHECK_EQ(model_share_members(m), 0x11);
	for (unsigned k = 0; k < 3; k++)
		model_destroy(alone[k]);
	model_destroy(m);
}

/* A tainted SPB whose every pageblock holds a movable page: it needs defrag (queued at once). */
static void build_needs_defrag(struct model *m)
{
	CHECK_EQ(model_alloc_at(m, NORMAL0, 0, MIGRATE_UNMOVABLE, false), MODEL_OK);
	for (uint64_t pb = NORMAL0; pb < NORMAL0 + GiB_PAGES; pb += PAGEBLOCK_NR_PAGES)
		CHECK_EQ(model_alloc_at(m, pb + 64, 0, MIGRATE_MOVABLE, true), MODEL_OK);
}

/*
 * Member j of shared model m ran as the standalone model alone: every counter equal, the
 * absorbed count with the member's kept part added; both models destroyed.
 */
static void check_member_is_alone(struct model *m, struct model *alone, unsigned j)
{
	CHECK_EQ((int64_t)model_event(m, MODEL_EV_SPB_DEFRAG_ABSORBED) + model_share_absorbed(m, j),
		 (int64_t)model_event(alone, MODEL_EV_SPB_DEFRAG_ABSORBED));
	for (unsigned ev = 0; ev < MODEL_NR_VM_EVENTS; ev++)
		if (ev != MODEL_EV_SPB_DEFRAG_ABSORBED)
			CHECK_EQ(model_event(m, (enum model_vm_event)ev),
				 model_event(alone, (enum model_vm_event)ev));
	model_destroy(alone);
	model_destroy(m);
}

/*
 * The last-chance kick: defrag on, a tainted SPB that needs defrag, its work queued. Order-9
 * unmovable requests fall through to Pass 3, where the kick only counts an absorbed request:
 * the member without the kick stays, its SPB_DEFRAG_ABSORBED kept apart, equal to a standalone
 * model of its params run beside it; the member that differs only in the supply switch
 * (evacuation off: never reached) stays with nothing kept.
 */
static void test_last_chance(void)
{
	struct model_params p;
	model_params_default(&p);
	p.evacuation = false;
	p.trigger_proactive = false;
	struct model_params q = p;
	q.last_chance_defrag = false;
	struct model *m = make(&p), *alone = make(&q);
	struct model_share s = { .members = 0x7 };
	for (unsigned k = 0; k < MODEL_NR_KNOBS; k++)
		if (model_knob_get(&p, (enum model_knob)k))
			s.knob_set[k] = 0x7;
	s.knob_set[MODEL_KNOB_LAST_CHANCE_DEFRAG] &= ~2ull;
	s.knob_set[MODEL_KNOB_TRIGGER_SUPPLY] &= ~4ull;
	CHECK_EQ(model_set_share(m, &s), MODEL_OK);

	build_needs_defrag(m);
	build_needs_defrag(alone);
	CHECK_EQ(model_event(m, MODEL_EV_SPB_DEFRAG_QUEUED), 1);
	struct model_alloc_req big = { .order = PAGEBLOCK_ORDER,
				       .migratetype = MIGRATE_UNMOVABLE,
				       .gfp = MODEL_GFP_NOWAIT };
	uint64_t pfn, pfn_alone;
	for (int i = 0; i < 3; i++) {
		int rc = model_alloc(m, &big, &pfn);
		CHECK_EQ(model_alloc(alone, &big, &pfn_alone), rc);
		if (rc == MODEL_OK)
			CHECK_EQ(pfn, pfn_alone);
		check_model(m, "last chance");
	}
	CHECK(model_event(m, MODEL_EV_SPB_ALLOC_FALL_THROUGH) > 0);
	CHECK_EQ(model_share_members(m), 0x7);
	int64_t kept = model_share_absorbed(m, 1);
	CHECK(kept < 0); /* the kick counted absorbed requests the member does not make */
	CHECK_EQ(model_share_absorbed(m, 0), 0);
	CHECK_EQ(model_share_absorbed(m, 2), 0);
	check_member_is_alone(m, alone, 1);
}

/*
 * The same kick inside the slowpath's retry loop: an order-1 GFP_KERNEL request with nothing to
 * reclaim goes round should_reclaim_retry()'s retries, each pass falling through to Pass 3 and
 * the kick. A retry that changes nothing is not re-run but its counters multiplied
 * (skip_identical_retries), which must not happen to a pass that kept a member's absorbed
 * count apart: the member's count equals a standalone model's (review of session 11: it was
 * short by the skipped retries).
 */
static void test_last_chance_retries(void)
{
	struct model_params p;
	model_params_default(&p);
	p.evacuation = false;
	p.trigger_proactive = false;
	p.direct_compaction = false;
	struct model_params q = p;
	q.last_chance_defrag = false;
	struct model *m = make(&p), *alone = make(&q);
	struct model_share s = { .members = 0x3 };
	for (unsigned k = 0; k < MODEL_NR_KNOBS; k++)
		if (model_knob_get(&p, (enum model_knob)k))
			s.knob_set[k] = 0x3;
	s.knob_set[MODEL_KNOB_LAST_CHANCE_DEFRAG] &= ~2ull;
	CHECK_EQ(model_set_share(m, &s), MODEL_OK);
	struct model *both[2] = { m, alone };
	for (int i = 0; i < 2; i++) {
		struct model *x = both[i];
		/* DMA32 full; region 0 tainted, needing defrag, then full; region 1 clean with
		 * a movable page in every pageblock: no free pageblock anywhere */
		for (uint64_t pfn = 4096; pfn < 4096 + 8192; pfn += PAGEBLOCK_NR_PAGES)
			CHECK_EQ(model_alloc_at(x, pfn, PAGEBLOCK_ORDER, MIGRATE_MOVABLE, true),
				 MODEL_OK);
		build_needs_defrag(x);
		for (uint64_t pfn = NORMAL0; pfn < NORMAL0 + GiB_PAGES; pfn++)
			if (model_pfn_is_free(x, pfn))
				model_alloc_at(x, pfn, 0, MIGRATE_MOVABLE, true);
		for (uint64_t pb = NORMAL0 + GiB_PAGES; pb < NORMAL0 + 2 * GiB_PAGES;
		     pb += PAGEBLOCK_NR_PAGES)
			CHECK_EQ(model_alloc_at(x, pb + 64, 0, MIGRATE_MOVABLE, true), MODEL_OK);
	}
	struct model_alloc_req r = { .order = 1,
				     .migratetype = MIGRATE_UNMOVABLE,
				     .gfp = MODEL_GFP_KERNEL };
	uint64_t pfn, pfn_alone;
	int rc = model_alloc(m, &r, &pfn);
	CHECK_EQ(model_alloc(alone, &r, &pfn_alone), rc);
	if (rc == MODEL_OK)
		CHECK_EQ(pfn, pfn_alone);
	check_model(m, "last chance, retries");
	CHECK(model_event(m, MODEL_EV_RECLAIM_RETRY) > 1);
	CHECK_EQ(model_share_members(m), 0x3);
	check_member_is_alone(m, alone, 1);
}

/* Params that differ in anything but the switches do not share. */
static void test_shareable(void)
{
	struct model_params a, b;
	model_params_default(&a);
	b = a;
	CHECK(model_params_shareable(&a, &b));
	model_knob_set(&b, MODEL_KNOB_LAST_CHANCE_DEFRAG, false);
	model_knob_set(&b, MODEL_KNOB_TRIGGER_DEMAND, false);
	CHECK(model_params_shareable(&a, &b));
	b.defrag = false;
	CHECK(!model_params_shareable(&a, &b));
	b = a;
	b.seed = 2;
	CHECK(!model_params_shareable(&a, &b));
}

int main(void)
{
	test_shareable();
	test_members_without();
	test_members_with();
	test_last_chance();
	test_last_chance_retries();
	printf("model share: every trigger point drops exactly the members that act otherwise\n");
	return test_summary("test_model_share");
}
