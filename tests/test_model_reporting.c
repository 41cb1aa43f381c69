// SPDX-License-Identifier: GPL-2.0
/*
 * test_model_reporting.c - free page reporting (model_page_reporting.c) under the mainline
 * policy: an unmovable request claims a whole MAX_PAGE_ORDER block (two Unmovable
 * pageblocks); when its page comes back the block merges whole again and the free asks for a
 * reporting pass; 2 s later (PAGE_REPORTING_DELAY) page_reporting_cycle()'s
 * __isolate_free_page() makes both pageblocks MOVABLE, with no fallback counted. Not before the
 * delay, not with page_reporting off, and not in a zone whose free pages are below its low
 * watermark plus PAGE_REPORTING_CAPACITY blocks of page_reporting_order (a small DMA32 zone).
 * With page_reporting_order 8, a free ending in a half pageblock requests a pass, which
 * reports it (move_freepages_block() and the relabel); at order 9 the same free does not.
 * The invariant checker runs after every step.
 */
#include "model.h"
#include "model_test.h"

#include <string.h>

#define SEC 1000000000ull

static struct model *create_order(bool reporting, unsigned order)
{
	struct model_config c;
	int err;

	memset(&c, 0, sizeof(c));
	c.policy = MODEL_POLICY_MAINLINE;
	model_params_default(&c.params);
	c.params.page_reporting = reporting;
	c.params.page_reporting_order = order;
	test_host_zones(&c, 1);
	struct model *m = model_create(&c, &err);
	CHECK_FATAL(m != NULL);
	return m;
}

static struct model *create(bool reporting)
{
	return create_order(reporting, 9);
}

static uint64_t unmovable_pageblocks(const struct model *m)
{
	struct model_stats st;
	model_stats(m, &st);
	return st.pageblocks_by_mt[MIGRATE_UNMOVABLE];
}

/* One unmovable page from the zone gfp chooses, given back: the block is whole again. */
static uint64_t claim_and_free(struct model *m, uint32_t gfp)
{
	struct model_alloc_req q = { .order = 0, .migratetype = MIGRATE_UNMOVABLE, .gfp = gfp };
	uint64_t pfn;

	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK);
	CHECK_EQ(unmovable_pageblocks(m), 2); /* the whole-block claim of try_to_claim_block() */
	CHECK_EQ(model_free(m, pfn, 0), MODEL_OK);
	check_model(m, "claim_and_free");
	return pfn;
}

static void test_reporting_relabels_free_block(void)
{
	struct model *m = create(true);

	/* the frees of model_create (memblock_free_all) asked for the first pass, run at 2 s */
	model_advance(m, 5 * SEC);
	CHECK_EQ(model_event(m, MODEL_EV_PAGE_REPORTING_PASS), 1);
	CHECK_EQ(model_event(m, MODEL_EV_PAGE_REPORTING_RELABEL), 0);
	CHECK(claim_and_free(m, MODEL_GFP_KERNEL) >= NORMAL0);
	CHECK_EQ(unmovable_pageblocks(m), 2);
	model_advance(m, 6 * SEC + SEC / 2); /* 1.5 s after the free: not yet */
	CHECK_EQ(unmovable_pageblocks(m), 2);
	model_advance(m, 7 * SEC + SEC / 10);
	CHECK_EQ(unmovable_pageblocks(m), 0);
	CHECK_EQ(model_event(m, MODEL_EV_PAGE_REPORTING_PASS), 2);
	CHECK_EQ(model_event(m, MODEL_EV_PAGE_REPORTING_RELABEL), 1);
	CHECK_EQ(model_event(m, MODEL_EV_EXTFRAG_FALLBACK), 1); /* the claim only */
	check_model(m, "reporting");
	model_destroy(m);
	printf("page_reporting: a whole free Unmovable block turns Movable 2 s after its free\n");
}

static void test_reporting_off(void)
{
	struct model *m = create(false);

	claim_and_free(m, MODEL_GFP_KERNEL);
	model_advance(m, 10 * SEC);
	CHECK_EQ(unmovable_pageblocks(m), 2);
	CHECK_EQ(model_event(m, MODEL_EV_PAGE_REPORTING_PASS), 0);
	model_destroy(m);
	printf("page_reporting=0: the block stays Unmovable\n");
}

static void test_reporting_zone_gate(void)
{
	struct model *m = create(true);

	/* DMA32 holds 8192 pages, below PAGE_REPORTING_CAPACITY << page_reporting_order */
	model_advance(m, 5 * SEC);
	CHECK(claim_and_free(m, MODEL_GFP_KERNEL | MODEL_GFP_DMA32) < NORMAL0);
	model_advance(m, 10 * SEC);
	CHECK_EQ(model_event(m, MODEL_EV_PAGE_REPORTING_PASS), 2);
	CHECK_EQ(unmovable_pageblocks(m), 2);
	check_model(m, "zone gate");
	model_destroy(m);
	printf("page_reporting: a zone below low + 32 blocks of order 9 is not reported\n");
}

/*
 * page_reporting_order 8: an order-8 free block, half a pageblock whose other half is
 * allocated, requests a pass and is reported, relabelling its pageblock; the order-9
 * remainder of the claim goes too. At order 9 that free requests nothing.
 */
static void test_reporting_order(void)
{
	for (unsigned order = 8; order <= 9; order++) {
		struct model *m = create_order(true, order);
		struct model_alloc_req q = { .order = 0,
					     .migratetype = MIGRATE_UNMOVABLE,
					     .gfp = MODEL_GFP_KERNEL };
		uint64_t pfn, half;

		model_advance(m, 5 * SEC); /* the first pass, of model_create's frees */
		CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK);
		CHECK_EQ(unmovable_pageblocks(m), 2);
		q.order = 8;
		CHECK_EQ(model_alloc(m, &q, &half), MODEL_OK);
		CHECK_EQ(half, pfn + 256);
		CHECK_EQ(model_free(m, pfn, 0), MODEL_OK); /* merges up to order 8 */
		model_advance(m, 10 * SEC);
		CHECK_EQ(model_event(m, MODEL_EV_PAGE_REPORTING_PASS), order == 8 ? 2 : 1);
		CHECK_EQ(unmovable_pageblocks(m), order == 8 ? 0 : 2);
		CHECK_EQ(model_event(m, MODEL_EV_PAGE_REPORTING_RELABEL), order == 8 ? 2 : 0);
		check_model(m, "reporting order");
		model_destroy(m);
	}
	printf("page_reporting_order=8: a free half pageblock is reported; at 9 it is not\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_reporting_relabels_free_block();
	test_reporting_off();
	test_reporting_zone_gate();
	test_reporting_order();
	return test_summary("model page reporting");
}
