/* SPDX-License-Identifier: GPL-2.0 */
/*
 * model_test.h - what the model tests share: check.h's CHECK, the test hosts' zones, and a
 * helper that runs the invariant checker and stops the test with its message.
 */
#ifndef FRAGTRACE_MODEL_TEST_H
#define FRAGTRACE_MODEL_TEST_H

#include "model.h"
#include "check.h"
#include "test_rng.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void check_model(const struct model *m, const char *where)
{
	char buf[512];
	const char *e = model_check(m, buf, sizeof(buf));
	if (e) {
		fprintf(stderr, "%s: invariant broken: %s\n", where, e);
		exit(1);
	}
}

#define GiB_PAGES (1ull << 18)
#define NORMAL0	  GiB_PAGES /* the test hosts' Normal zone starts at 1 GiB */

/*
 * Region 0 nearly full: 510 unmovable pageblocks, one pageblock holding a movable order-9
 * allocation, one with 416 unmovable pages and 96 free ones (no free pageblock).
 */
static inline void test_build_nearly_full_tainted(struct model *m)
{
	for (uint64_t p = NORMAL0; p < NORMAL0 + 510 * PAGEBLOCK_NR_PAGES;
	     p += 1u << MAX_PAGE_ORDER)
		CHECK_EQ(model_alloc_at(m, p, MAX_PAGE_ORDER, MIGRATE_UNMOVABLE, false), MODEL_OK);
	uint64_t pb510 = NORMAL0 + 510 * PAGEBLOCK_NR_PAGES, pb511 = pb510 + PAGEBLOCK_NR_PAGES;
	CHECK_EQ(model_alloc_at(m, pb510, PAGEBLOCK_ORDER, MIGRATE_MOVABLE, true), MODEL_OK);
	CHECK_EQ(model_alloc_at(m, pb511, 8, MIGRATE_UNMOVABLE, false), MODEL_OK);
	CHECK_EQ(model_alloc_at(m, pb511 + 256, 7, MIGRATE_UNMOVABLE, false), MODEL_OK);
	CHECK_EQ(model_alloc_at(m, pb511 + 384, 5, MIGRATE_UNMOVABLE, false), MODEL_OK);
}

/* A small DMA32 zone (so Normal requests carry ALLOC_NOFRAGMENT) and n GiB of Normal at 1 GiB. */
static inline void test_host_zones(struct model_config *c, unsigned normal_gib)
{
	c->nr_zones = 2;
	c->zones[0] = (struct model_zone_config){ .type = ZONE_DMA32,
						  .start_pfn = 4096,
						  .spanned_pages = 8192 };
	c->zones[1] = (struct model_zone_config){ .type = ZONE_NORMAL,
						  .start_pfn = NORMAL0,
						  .spanned_pages = normal_gib * GiB_PAGES };
}

/* A test host's config: the policy, the default parameters and test_host_zones(). */
static inline void test_model_config(struct model_config *c, enum model_policy policy,
				     unsigned normal_gib)
{
	memset(c, 0, sizeof(*c));
	c->policy = policy;
	model_params_default(&c->params);
	test_host_zones(c, normal_gib);
}

#endif
