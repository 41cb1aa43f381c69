// SPDX-License-Identifier: GPL-2.0
/*
 * test_model_warn.c - the model's MODEL_WARN_ON trust checks count what they catch. Ordinary
 * allocations and frees fire none; an order above MAX_PAGE_ORDER handed to model_alloc() or
 * model_free() fires one each (and is still refused), and model_stats() reports the count. A
 * free of a page the model holds as free is refused without a warning: replay probes pages
 * that way on purpose. Release builds (NDEBUG) compile the checks away: the test skips there.
 */
#include "model_test.h"

int main(void)
{
#ifdef NDEBUG
	printf("SKIP: MODEL_WARN_ON is compiled only without NDEBUG (Debug builds, make test)\n");
	return 77;
#else
	struct model_config c;
	struct model_stats st;
	int err;

	model_config_simple(&c, MODEL_POLICY_SPB, 2ull << 30);
	struct model *m = model_create(&c, &err);
	CHECK_FATAL(m != NULL);

	struct model_alloc_req q = { .order = 3,
				     .migratetype = MIGRATE_MOVABLE,
				     .gfp = MODEL_GFP_KERNEL,
				     .nid = -1,
				     .movable = true };
	uint64_t pfn = 0, bad = 0;
	CHECK_EQ(model_alloc(m, &q, &pfn), MODEL_OK);
	CHECK_EQ(model_free(m, pfn, 3), MODEL_OK);
	model_stats(m, &st);
	CHECK(st.warnings == 0, "ordinary allocation and free: %llu warnings",
	      (unsigned long long)st.warnings);

	/* a free page freed again: refused, not a trust check (replay probes this way) */
	CHECK_EQ(model_free(m, pfn, 3), MODEL_ESTATE);
	model_stats(m, &st);
	CHECK(st.warnings == 0, "a refused probe warned: %llu", (unsigned long long)st.warnings);

	q.order = MAX_PAGE_ORDER + 1;
	CHECK_EQ(model_alloc(m, &q, &bad), MODEL_EINVAL);
	model_stats(m, &st);
	CHECK(st.warnings == 1, "order %u allocated: %llu warnings, want 1", q.order,
	      (unsigned long long)st.warnings);
	CHECK_EQ(model_free(m, 0, MAX_PAGE_ORDER + 1), MODEL_EINVAL);
	model_stats(m, &st);
	CHECK(st.warnings == 2, "order %u freed: %llu warnings, want 2", MAX_PAGE_ORDER + 1,
	      (unsigned long long)st.warnings);
	check_model(m, "after the refused requests");
	model_destroy(m);
	return test_summary("test_model_warn");
#endif
}
