// SPDX-License-Identifier: GPL-2.0
/*
 * model_ref.h - the slow, obviously-correct reference of the SPB policy, for lockstep tests.
 */
#ifndef FRAGTRACE_MODEL_REF_H
#define FRAGTRACE_MODEL_REF_H

#include "model.h"

struct ref_model;

struct ref_spb_state {
	unsigned nr_free, nr_unmovable, nr_reclaimable, nr_movable, nr_reserved, total_pageblocks;
	uint64_t nr_free_pages;
	int list_id;  /* 1 empty, 2 isolated, 3 + category * 5 + fullness */
	int list_pos; /* position within that list, from the head */
};

/* The HIGHATOMIC reserve's work, counted by the reference. */
struct ref_highatomic_counts {
	uint64_t reserved, unreserved; /* reserve_highatomic_pageblock / unreserve_... that acted */
	/* requests rmqueue_buddy's __rmqueue_smallest(MIGRATE_HIGHATOMIC) tries served from a free
	 * HIGHATOMIC block (Pass 1), not by claiming one: the first try (ALLOC_HIGHATOMIC) and the
	 * last, after __rmqueue failed (ALLOC_NON_BLOCK) */
	uint64_t served_first, served_last;
};

struct ref_model *ref_create(const struct model_config *config);
void ref_destroy(struct ref_model *r);
int ref_alloc(struct ref_model *r, const struct model_alloc_req *req, uint64_t *pfn);
int ref_free(struct ref_model *r, uint64_t pfn, unsigned order);
unsigned ref_nr_spbs(const struct ref_model *r, unsigned zone);
void ref_spb_state(const struct ref_model *r, unsigned zone, unsigned spb,
		   struct ref_spb_state *st);

int ref_pfnblock_migratetype(const struct ref_model *r, uint64_t pfn);
void ref_highatomic(const struct ref_model *r, struct ref_highatomic_counts *out);

#endif
