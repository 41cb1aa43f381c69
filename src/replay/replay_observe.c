// SPDX-License-Identifier: GPL-2.0
/*
 * replay_observe.c - observe mode: rebuild what the traced host itself did.
 *
 * Instead of letting a policy choose, the trace's own pfns are applied: a zone-locked event
 * takes its block out of the buddy allocator (model_alloc_at), an allocation with no such
 * event before it does the same, a free of a non-PCP order and a pcpu_drain event give their
 * block back. A free of a PCP order only moves the page to a per-CPU list, which the buddy
 * allocator counts as allocated, so it changes nothing until the drain. At the end the model's
 * free/allocated state of every present page is compared with the end snapshot's page map:
 * the share that agrees is the trace's completeness figure (`fragtrace check`). Lost events,
 * a page map taken while the system ran, and pages that enter or leave the buddy allocator
 * without a kmem event (compaction's free scanner, memblock, hotplug) keep it below 1.
 *
 * Every event that does not fit is counted by cause (struct replay_observe_causes): a byte
 * per pfn remembers what the trace said last about the page (nothing, allocated, freed to the
 * buddy allocator, freed to a per-CPU list), so a free of a page already free, or a take of a
 * page already taken, tells which event the host did not trace. A free of part of a larger
 * allocated block splits that block first (split_page()), counted as split_before_free.
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>

enum seen_state { SEEN_NONE, SEEN_ALLOC, SEEN_FREE, SEEN_PCP };

static void seen_set(struct variant_state *v, uint64_t pfn, unsigned order, uint8_t state)
{
	uint64_t n = 1ull << order;
	if (!v->seen || pfn >= v->warm_pfns)
		return;
	if (pfn + n > v->warm_pfns)
		n = v->warm_pfns - pfn;
	memset(v->seen + pfn, state, n);
}

static uint8_t seen_get(const struct variant_state *v, uint64_t pfn)
{
	return v->seen && pfn < v->warm_pfns ? v->seen[pfn] : SEEN_NONE;
}

static void observe_take(struct variant_state *v, const struct replay_op *op, bool counted)
{
	int mt = op->mt >= 0 && op->mt < MIGRATE_TYPES ? op->mt : MIGRATE_UNMOVABLE;
	int rc = model_alloc_at(v->model, op->key, op->order, mt, mt == MIGRATE_MOVABLE);
	uint8_t was = seen_get(v, op->key);

	seen_set(v, op->key, op->order, SEEN_ALLOC);
	if (rc == MODEL_OK) {
		v->res->loss.page_allocs++;
		return;
	}
	if (!counted)
		return;
	v->res->loss.page_alloc_failed++;
	if (page_class(v->host->start_map, v->host->start_map_pfns, op->key) == PC_HOLE)
		v->res->causes.outside_start_map++;
	else if (was == SEEN_ALLOC)
		v->res->causes.alloc_after_alloc++;
	else if (was == SEEN_PCP)
		v->res->causes.alloc_after_pcp_free++;
	else
		v->res->causes.alloc_allocated_at_start++;
}

/*
 * A free of a block smaller than the allocated block holding it: the host split that block
 * (split_page(), or a high-order non-compound allocation freed page by page), which no event
 * shows. Split the model's block into order-0 allocations first; counted.
 */
static void observe_split_containing(struct variant_state *v, uint64_t pfn, unsigned order)
{
	for (unsigned k = order; k <= MAX_PAGE_ORDER; k++) {
		uint64_t base = pfn & ~((1ull << k) - 1);
		unsigned o;
		if (model_page_allocated(v->model, base, &o) != 1)
			continue;
		if (o > order && base + (1ull << o) > pfn &&
		    model_split(v->model, base, o) == MODEL_OK)
			v->res->causes.split_before_free++;
		return;
	}
}

static void observe_give(struct variant_state *v, const struct replay_op *op)
{
	uint8_t was = seen_get(v, op->key);

	v->res->loss.page_frees++;
	observe_split_containing(v, op->key, op->order);
	seen_set(v, op->key, op->order, SEEN_FREE);
	if (variant_free_warm_range(v, op->key, op->order, false))
		return;
	v->res->loss.unknown_page_frees++;
	if (page_class(v->host->start_map, v->host->start_map_pfns, op->key) == PC_HOLE)
		v->res->causes.outside_start_map++;
	else if (was == SEEN_FREE)
		v->res->causes.free_after_free++;
	else if (was == SEEN_NONE &&
		 page_class(v->host->start_map, v->host->start_map_pfns, op->key) == PC_FREE)
		v->res->causes.free_free_at_start++;
	else
		v->res->causes.free_order_mismatch++;
}

/*
 * Compaction's free scanner took op->aux pages of [key, key + gfp) off the free lists
 * (isolate_freepages_block scans upward and takes whole free blocks; fast_isolate_freepages
 * takes from the top of its range). Take the model's free pages in the same order.
 */
static void observe_compact_take(struct variant_state *v, const struct replay_op *op)
{
	uint64_t want = op->aux, got = 0, n = op->gfp;
	bool down = op->flags & OPF_FAST;

	for (uint64_t i = 0; i < n && got < want; i++) {
		uint64_t p = down ? op->key + n - 1 - i : op->key + i;
		if (p >= v->warm_pfns || !model_pfn_is_free(v->model, p))
			continue;
		if (model_alloc_at(v->model, p, 0, MIGRATE_MOVABLE, true) == MODEL_OK) {
			seen_set(v, p, 0, SEEN_ALLOC);
			got++;
		}
	}
	v->res->causes.compaction_taken += got;
	v->res->causes.compaction_short += want - got;
}

void variant_observe_apply(struct variant_state *v, const struct replay_op *ops, size_t n)
{
	if (!v->seen)
		v->seen = calloc(v->warm_pfns ? v->warm_pfns : 1, 1); /* NULL: causes not split */
	for (size_t i = 0; i < n; i++) {
		struct replay_op op = ops[i];
		uint64_t ts = op.ts > v->last_ts ? op.ts : v->last_ts;
		while (ts >= v->next_sample_ns) {
			model_advance(v->model, v->next_sample_ns);
			variant_sample(v, v->next_sample_ns);
		}
		v->last_ts = ts;
		v->res->events++;
		if (op.kind == OP_SLAB_PAGE)
			op.kind = (uint8_t)op.aux; /* the page event behind it */
		switch (op.kind) {
		case OP_ZONE_LOCKED:
			observe_take(v, &op, true);
			break;
		case OP_PAGE_ALLOC:
			/* usually already taken (zone-locked, or from a per-CPU list) */
			observe_take(v, &op, false);
			break;
		case OP_PAGE_FREE:
			if (!(op.flags & OPF_PCP_ORDER))
				observe_give(v, &op);
			else
				seen_set(v, op.key, op.order, SEEN_PCP);
			break;
		case OP_PCP_DRAIN:
			observe_give(v, &op);
			break;
		case OP_COMPACT_TAKE:
			observe_compact_take(v, &op);
			break;
		default:
			break;
		}
	}
}

void variant_observe_agreement(struct variant_state *v)
{
	const struct host_desc *h = v->host;
	uint64_t agree = 0, total = 0;

	if (!h->end_map)
		return;
	for (unsigned z = 0; z < h->config.nr_zones; z++) {
		const struct model_zone_config *zc = &h->config.zones[z];
		for (uint64_t p = zc->start_pfn; p < zc->start_pfn + zc->spanned_pages; p++) {
			unsigned k = page_class(h->end_map, h->end_map_pfns, p);
			if (k == PC_HOLE || k == PC_RESERVED || k == PC_OFFLINE)
				continue;
			bool host_free = k == PC_FREE;
			bool model_free = model_pfn_is_free(v->model, p);
			total++;
			agree += host_free == model_free;
			if (model_free && !host_free)
				v->res->causes.end_model_free_host_used++;
			else if (host_free && !model_free)
				v->res->causes.end_model_used_host_free++;
		}
	}
	v->res->agreement_pages = agree;
	v->res->agreement_total = total;
	v->res->agreement = total ? (double)agree / (double)total : -1;
}
