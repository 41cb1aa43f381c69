// SPDX-License-Identifier: GPL-2.0
/*
 * replay_pcp.c - a variant's per-CPU page lists (struct per_cpu_pages), as replay follows them.
 *
 * One list per CPU, migratetype (the three PCP types) and PCP order (0-3 and the pageblock
 * order), a ring buffer of model pfns: allocations take the head, frees go to the head, refills
 * (rmqueue_bulk) append to the tail and drains (free_pcppages_bulk) take the tail, as in
 * mm/page_alloc.c. Pages on a list are allocated in the model and pinned. A list longer than
 * PCP_HIGH_BLOCKS frees its tail, in case the trace's own drains never come.
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>

static int pcp_index(int mt, unsigned order)
{
	unsigned o = order <= PAGE_ALLOC_COSTLY_ORDER ? order : 4;
	return (mt < 0 || mt >= MIGRATE_PCPTYPES ? MIGRATE_MOVABLE : mt) * 5 + (int)o;
}

struct pcp_list *variant_pcp_list(struct variant_state *v, unsigned cpu, int mt, unsigned order)
{
	return &v->pcp[(cpu % v->nr_cpus) * PCP_LISTS + (unsigned int)pcp_index(mt, order)];
}

static int pcp_grow(struct pcp_list *l)
{
	uint32_t cap = l->cap ? l->cap * 2 : 64;
	uint64_t *n = malloc(cap * sizeof(*n));
	if (!n)
		return -1;
	for (uint32_t i = 0; i < l->count; i++)
		n[i] = l->pfns[(l->head + i) & (l->cap - 1)];
	free(l->pfns);
	l->pfns = n;
	l->head = 0;
	l->cap = cap;
	return 0;
}

int pcp_push_head(struct pcp_list *l, uint64_t pfn)
{
	if (l->count == l->cap && pcp_grow(l))
		return -1;
	l->head = (l->head - 1) & (l->cap - 1);
	l->pfns[l->head] = pfn;
	l->count++;
	return 0;
}

int pcp_push_tail(struct pcp_list *l, uint64_t pfn)
{
	if (l->count == l->cap && pcp_grow(l))
		return -1;
	l->pfns[(l->head + l->count) & (l->cap - 1)] = pfn;
	l->count++;
	return 0;
}

bool pcp_pop_head(struct pcp_list *l, uint64_t *pfn)
{
	if (!l->count)
		return false;
	*pfn = l->pfns[l->head];
	l->head = (l->head + 1) & (l->cap - 1);
	l->count--;
	return true;
}

bool pcp_pop_tail(struct pcp_list *l, uint64_t *pfn)
{
	if (!l->count)
		return false;
	l->count--;
	*pfn = l->pfns[(l->head + l->count) & (l->cap - 1)];
	return true;
}

/*
 * pcp_rmqueue_smallest() for an order-0 request: the order-0 list's head, else the smallest
 * block on this CPU's higher-order lists of the type (orders 1-3 and the pageblock order,
 * pcp_allowed_order), split: its first page serves the request and the rest go to the head of
 * the order-0 list. The kernel leaves the remainder as buddies on the lower-order lists; here
 * they become order-0 pages (split_page), so only order-0 requests reuse them.
 */
bool pcp_rmqueue_smallest(struct variant_state *v, unsigned cpu, int mt, unsigned order,
			  uint64_t *pfn)
{
	static const unsigned higher[] = { 1, 2, 3, PAGEBLOCK_ORDER };
	struct pcp_list *l0 = variant_pcp_list(v, cpu, mt, order);

	if (pcp_pop_head(l0, pfn))
		return true;
	if (order)
		return false;
	for (unsigned i = 0; i < sizeof(higher) / sizeof(higher[0]); i++) {
		uint64_t head;
		if (!pcp_pop_head(variant_pcp_list(v, cpu, mt, higher[i]), &head))
			continue;
		model_split(v->model, head, higher[i]);
		for (uint64_t p = head + (1ull << higher[i]) - 1; p > head; p--)
			if (pcp_push_head(l0, p))
				model_free(v->model, p, 0);
		*pfn = head;
		return true;
	}
	return false;
}

void variant_pcp_refill(struct variant_state *v, const struct replay_op *op)
{
	struct model_alloc_req req = {
		.order = op->order, .migratetype = op->mt, .gfp = op->gfp, .nid = -1, .cpu = op->cpu
	};
	unsigned n = 0, count = op->aux < BULK_MAX ? op->aux : BULK_MAX;

	if (req.migratetype < 0 || req.migratetype >= MIGRATE_PCPTYPES)
		return;
	model_alloc_bulk(v->model, &req, count, v->bulk, BULK_MAX, &n);
	for (unsigned i = 0; i < n; i++)
		if (pcp_push_tail(variant_pcp_list(v, op->cpu, op->mt, v->bulk[i].order),
				  v->bulk[i].pfn))
			model_free(v->model, v->bulk[i].pfn, v->bulk[i].order);
}

void variant_pcp_drain(struct variant_state *v, const struct replay_op *op)
{
	uint64_t at;
	for (unsigned i = 0; i < v->nr_cpus; i++) {
		if (pcp_pop_tail(variant_pcp_list(v, op->cpu + i, op->mt, op->order), &at)) {
			model_free(v->model, at, op->order);
			return;
		}
	}
	v->res->loss.pcp_drain_misses++;
}
