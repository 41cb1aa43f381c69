// SPDX-License-Identifier: GPL-2.0
/*
 * test_model_free_contig.c - model_free_contig_range() against the page-by-page frees it
 * stands for. Two models are built the same way (a fragmented start: every page of two
 * regions allocated as order 0, then random aligned blocks freed page by page); then, again
 * and again, an aligned range of order-0 allocations is freed in one model page by page
 * (model_free), every other range in ascending order (free_contig_range) and the rest in
 * descending order (a per-CPU list's drain of a refill's run), and in the other in one call, and the two models are compared
 * whole: every page word (the full word of free heads and of the pages holding their prev
 * links, the rest without the link bits, which nothing reads), the pageblocks, every zone
 * with its regions' list heads, tails, counters, SPB lists and mainline's region MRU, the
 * counters, the page-reporting request and the region scan memos. An allocation in both after
 * each step must get the same pfn. Both policies; mainline with page reporting at a low order.
 * The cases where the tail placement of the range's upper half decides the region MRU (the
 * region holds other blocks of that order and is not at the head, and buddy_merge_likely()
 * finds the range's outside buddy free) are counted and must occur, as must final blocks put
 * at a list's tail.
 */
#include "model.h"
#include "model_internal.h"
#include "model_test.h"
#include "model_compare.h"

#include <string.h>

#define NORMAL_GIB 2

static struct model *make(enum model_policy policy)
{
	struct model_config c;
	int err;

	test_model_config(&c, policy, NORMAL_GIB);
	if (policy == MODEL_POLICY_MAINLINE) {
		c.params.page_reporting = true;
		c.params.page_reporting_order = 3;
	}
	struct model *m = model_create(&c, &err);
	CHECK_FATAL(m != NULL);
	return m;
}

static bool all_order0_allocated(const struct model *m, uint64_t pfn, unsigned order)
{
	unsigned o;
	for (uint64_t p = pfn; p < pfn + (1ull << order); p++)
		if (model_page_allocated(m, p, &o) != 1 || o)
			return false;
	return true;
}

/* In ascending order (free_contig_range) or descending (a drain of a refill's run). */
static void free_page_by_page(struct model *m, uint64_t pfn, unsigned order, bool descending)
{
	const uint64_t n = 1ull << order;
	for (uint64_t i = 0; i < n; i++)
		CHECK_EQ(model_free(m, descending ? pfn + n - 1 - i : pfn + i, 0), MODEL_OK);
}

/* The same fragmented start in every model built with the same seed. */
static void build_start(struct model *m, uint64_t seed)
{
	const uint64_t end = NORMAL0 + NORMAL_GIB * GiB_PAGES;

	model_advance(m, 1000000000ull);
	for (uint64_t p = NORMAL0; p < end; p += 1u << MAX_PAGE_ORDER) {
		bool unmovable = (p >> MAX_PAGE_ORDER) % 7 == 0;
		CHECK_EQ(model_alloc_at(m, p, MAX_PAGE_ORDER,
					unmovable ? MIGRATE_UNMOVABLE : MIGRATE_MOVABLE,
					!unmovable),
			 MODEL_OK);
		CHECK_EQ(model_split(m, p, MAX_PAGE_ORDER), MODEL_OK);
	}
	test_rng_state = seed;
	for (unsigned i = 0; i < 3000; i++) {
		unsigned order = (unsigned)(rnd() % 4);
		if (rnd() % 5 == 0)
			order = 4 + (unsigned)(rnd() % 5); /* some larger blocks */
		uint64_t pfn = (NORMAL0 + rnd() % (end - NORMAL0)) & ~((1ull << order) - 1);
		if (all_order0_allocated(m, pfn, order))
			free_page_by_page(m, pfn, order, false);
	}
	check_model(m, "start");
}

struct coverage {
	unsigned ranges, descending, mru_tail_decides, final_tail, pageblocks;
};

/* Would freeing order-k at pfn page by page leave the region off the MRU head at k - 1? */
static void note_coverage(struct model *m, uint64_t pfn, unsigned order, struct coverage *cov)
{
	struct zone *z = page_zone(m, pfn);
	struct superpageblock *sb = pfn_to_superpageblock(z, pfn);
	int mt = get_pageblock_migratetype(m, pfn);

	cov->ranges++;
	cov->pageblocks += order == PAGEBLOCK_ORDER;
	if (m->policy == MODEL_POLICY_MAINLINE &&
	    spb_cold(z, sb)->free_head[order - 1][mt] != PW_NIL &&
	    z->mru_head[order - 1][mt] != spb_index(z, sb) &&
	    buddy_merge_likely(m, z, pfn, order - 1))
		cov->mru_tail_decides++;
}

/* After the free: is the block containing pfn a list's tail, behind another block? */
static void note_final_tail(struct model *m, uint64_t pfn, struct coverage *cov)
{
	uint64_t head;
	if (find_free_block_containing(m, pfn, &head))
		return;
	struct zone *z = page_zone(m, head);
	struct superpageblock *sb = pfn_to_superpageblock(z, head);
	uint32_t w = pw_get(m, head);
	const struct superpageblock_cold *cold = spb_cold(z, sb);
	uint32_t idx = (uint32_t)(head - sb->start_pfn);
	if (cold->free_tail[pw_order(w)][pw_mt(w)] == idx &&
	    cold->free_head[pw_order(w)][pw_mt(w)] != idx)
		cov->final_tail++;
}

static void run(enum model_policy policy, uint64_t seed)
{
	struct model *a = make(policy), *b = make(policy);
	const uint64_t end = NORMAL0 + NORMAL_GIB * GiB_PAGES;
	struct coverage cov = { 0 };
	char where[96];

	build_start(a, seed);
	build_start(b, seed);
	model_compare(a, b, a->base_pfn, a->end_pfn, "start");
	test_rng_state = seed ^ 0x5eed;
	for (unsigned i = 0; i < 1500; i++) {
		unsigned order = 1 + (unsigned)(rnd() % PAGEBLOCK_ORDER);
		if (rnd() % 4 == 0)
			order = 1 + (unsigned)(rnd() % 3);
		uint64_t pfn = (NORMAL0 + rnd() % (end - NORMAL0)) & ~((1ull << order) - 1);
		if (rnd() % 8 == 0) /* a whole pageblock, if one is still allocated */
			for (order = PAGEBLOCK_ORDER, pfn &= ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
			     pfn + PAGEBLOCK_NR_PAGES < end &&
			     !all_order0_allocated(a, pfn, order);)
				pfn += PAGEBLOCK_NR_PAGES;
		if (pfn + (1ull << order) > end || !all_order0_allocated(a, pfn, order))
			continue;
		uint64_t region = pfn & ~((1ull << SUPERPAGEBLOCK_ORDER) - 1);
		uint64_t from = region, to = region + (1ull << SUPERPAGEBLOCK_ORDER);
		note_coverage(a, pfn, order, &cov);
		cov.descending += i & 1;
		free_page_by_page(a, pfn, order, i & 1);
		CHECK_EQ(model_free_contig_range(b, pfn, order), MODEL_OK);
		note_final_tail(a, pfn, &cov);
		snprintf(where, sizeof(where), "policy %d range %u at %#llx order %u", policy, i,
			 (unsigned long long)pfn, order);
		model_compare(a, b, from, to, where);
		if (i % 64 == 0) {
			model_compare(a, b, a->base_pfn, a->end_pfn, where);
			check_model(a, where);
			check_model(b, where);
		}
		/* the lists' order shows in what the next allocation gets */
		struct model_alloc_req req = { .order = (unsigned)(rnd() % 4),
					       .migratetype = (int)(rnd() % 3),
					       .gfp = MODEL_GFP_KERNEL,
					       .nid = 0,
					       .cpu = 0 };
		uint64_t pa = MODEL_NO_PFN, pb = MODEL_NO_PFN;
		CHECK_EQ(model_alloc(a, &req, &pa), model_alloc(b, &req, &pb));
		CHECK_EQ(pa, pb);
	}
	model_compare(a, b, a->base_pfn, a->end_pfn, "end");
	check_model(a, "end");
	check_model(b, "end");
	printf("policy %d: %u ranges (%u descending), %u decided by the upper half's tail "
	       "placement, %u final "
	       "blocks at a tail, %u whole pageblocks\n",
	       policy, cov.ranges, cov.descending, cov.mru_tail_decides, cov.final_tail,
	       cov.pageblocks);
	CHECK(cov.ranges > 500);
	CHECK(cov.descending > 200);
	CHECK(cov.final_tail > 0);
	CHECK(cov.pageblocks > 0);
	if (policy == MODEL_POLICY_MAINLINE)
		CHECK(cov.mru_tail_decides > 0);
	model_destroy(a);
	model_destroy(b);
}

/* Refused without freeing anything: misaligned, too large, or a page not order-0 allocated. */
static void test_refusals(void)
{
	struct model *m = make(MODEL_POLICY_SPB);
	build_start(m, 7);
	uint64_t pfn = NORMAL0 + 8 * PAGEBLOCK_NR_PAGES;
	while (!all_order0_allocated(m, pfn, 3))
		pfn += 8;
	uint64_t before = model_nr_free_pages(m);
	CHECK_EQ(model_free_contig_range(m, pfn + 1, 3), MODEL_EINVAL);
	CHECK_EQ(model_free_contig_range(m, NORMAL0, PAGEBLOCK_ORDER + 1), MODEL_EINVAL);
	CHECK_EQ(model_free(m, pfn + 5, 0), MODEL_OK);
	before++;
	CHECK(model_free_contig_range(m, pfn, 3) < 0);
	CHECK_EQ(model_nr_free_pages(m), before);
	check_model(m, "refusals");
	model_destroy(m);
}

int main(void)
{
	run(MODEL_POLICY_MAINLINE, 1);
	run(MODEL_POLICY_SPB, 2);
	run(MODEL_POLICY_MAINLINE, 3);
	test_refusals();
	return test_summary("test_model_free_contig");
}
