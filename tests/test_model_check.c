// SPDX-License-Identifier: GPL-2.0
/*
 * test_model_check.c - model_check() finds a free block that is not on the list of its
 * pageblock's type (the free scanner's region test, movable_free_orders() in
 * model_compaction.c, relies on it). A pageblock is relabelled without moving its free
 * blocks (what move_freepages_block() would do), once under a block below pageblock order and
 * once under the second pageblock of a MAX_PAGE_ORDER block; the checker must name it, and
 * pass again once the label is put back. Both policies.
 */
#include "model.h"
#include "model_internal.h"
#include "model_test.h"

#include <string.h>

static struct model *make(enum model_policy policy)
{
	struct model_config c;
	int err;

	test_model_config(&c, policy, 2);
	struct model *m = model_create(&c, &err);
	CHECK_FATAL(m != NULL);
	return m;
}

/* Relabel @pb_pfn's pageblock alone: model_check must report the free block at @free_pfn. */
static void relabel_is_caught(struct model *m, uint64_t pb_pfn, uint64_t free_pfn)
{
	char buf[512];
	int mt = get_pageblock_migratetype(m, pb_pfn);
	int other = mt == MIGRATE_MOVABLE ? MIGRATE_UNMOVABLE : MIGRATE_MOVABLE;

	CHECK_EQ(pw_kind(pw_get(m, free_pfn)), PK_FREE);
	set_pageblock_migratetype(m, pb_pfn, other);
	const char *e = model_check(m, buf, sizeof(buf));
	CHECK(e != NULL && strstr(e, "is of type") != NULL);
	set_pageblock_migratetype(m, pb_pfn, mt);
	check_model(m, "label put back");
}

static void run(enum model_policy policy)
{
	struct model *m = make(policy);

	check_model(m, "fresh");
	/* a whole MAX_PAGE_ORDER block: its second pageblock relabelled */
	relabel_is_caught(m, NORMAL0 + PAGEBLOCK_NR_PAGES, NORMAL0);
	/* an order-0 allocation splits a block: the order-0 buddy left free beside it */
	CHECK_EQ(model_alloc_at(m, NORMAL0, 0, MIGRATE_MOVABLE, true), MODEL_OK);
	check_model(m, "one page allocated");
	relabel_is_caught(m, NORMAL0, NORMAL0 + 1);
	model_destroy(m);
}

int main(void)
{
	run(MODEL_POLICY_MAINLINE);
	run(MODEL_POLICY_SPB);
	return test_summary("test_model_check");
}
