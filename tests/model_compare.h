/* SPDX-License-Identifier: GPL-2.0 */
/*
 * model_compare.h - two models' whole state compared (test_model_free_contig and the replay
 * twins in test_replay): page words, pageblocks, zones with their SPB arrays, counters and
 * memos. Reads model_internal.h, so the test needs src/model on its include path.
 */
#ifndef FRAGTRACE_MODEL_COMPARE_H
#define FRAGTRACE_MODEL_COMPARE_H

#include "model_internal.h"
#include "model_test.h"

/* Pages whose link bits are read: free heads (next) and their pair partners (prev). */
static inline bool link_read(const struct model *m, uint64_t pfn)
{
	const uint64_t partner = pfn ^ 1;
	return pw_kind(pw_get(m, pfn)) == PK_FREE ||
	       (pfn_in_model(m, partner) && pw_kind(pw_get(m, partner)) == PK_FREE);
}

/*
 * The two models' state; page words only in [from, to) (the range's region: every word a
 * free or an allocation writes, list neighbours included, is in the region of its block).
 */
static inline void model_compare(const struct model *a, const struct model *b, uint64_t from,
				 uint64_t to, const char *where)
{
	CHECK_FATAL(a->base_pfn == b->base_pfn && a->end_pfn == b->end_pfn);
	for (uint64_t p = from; p < to; p++) {
		uint32_t wa = pw_get(a, p), wb = pw_get(b, p);
		if (!link_read(a, p)) {
			wa &= ~PW_LINK_MASK;
			wb &= ~PW_LINK_MASK;
		}
		if (wa != wb) {
			fprintf(stderr, "%s: page %#llx: %#x against %#x\n", where,
				(unsigned long long)p, wa, wb);
			exit(1);
		}
	}
	uint64_t pages = a->end_pfn - a->base_pfn;
	CHECK_FATAL(!memcmp(a->pb, b->pb, (pages >> PAGEBLOCK_ORDER) * sizeof(*a->pb)));
	CHECK_FATAL(!memcmp(a->region_memo, b->region_memo,
			    (pages >> SUPERPAGEBLOCK_ORDER) * sizeof(*a->region_memo)));
	CHECK_FATAL(a->nr_zones == b->nr_zones);
	for (unsigned i = 0; i < a->nr_zones; i++) {
		struct zone za, zb;
		memcpy(&za, &a->zones[i], sizeof(za));
		memcpy(&zb, &b->zones[i], sizeof(zb));
		za.superpageblocks = zb.superpageblocks = NULL;
		za.superpageblocks_cold = zb.superpageblocks_cold = NULL;
		CHECK_FATAL(!memcmp(&za, &zb, sizeof(za))); /* counters, SPB lists, region MRU */
		uint32_t n = a->zones[i].nr_superpageblocks;
		CHECK_FATAL(!memcmp(a->zones[i].superpageblocks, b->zones[i].superpageblocks,
				    n * sizeof(*a->zones[i].superpageblocks)));
		CHECK_FATAL(!memcmp(a->zones[i].superpageblocks_cold,
				    b->zones[i].superpageblocks_cold,
				    n * sizeof(*a->zones[i].superpageblocks_cold)));
	}
	CHECK_FATAL(!memcmp(a->events, b->events, sizeof(a->events)));
	CHECK_EQ(a->reporting_due_ns, b->reporting_due_ns);
	CHECK_EQ(a->work_count, b->work_count);
	CHECK_EQ(a->warnings, b->warnings);
}

#endif
