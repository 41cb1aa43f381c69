// SPDX-License-Identifier: GPL-2.0
/*
 * replay_compaction.c - the host's compaction migrations, replayed in a policy variant.
 *
 * When the host compacts, the trace shows the migration source freed by the compacting task
 * (mm_page_free) but not the destination its free scanner took (no kmem event), which is freed
 * much later under a pfn the variant never allocated. Replayed as it stands, every host
 * migration turned an allocated page of the variant into a free one until then: memory the
 * host still used looked free (docs/replay.md, "Compaction in the policy variants").
 *
 * The decoder flags the compacting task's frees (OPF_COMPACT_SRC, OPF_COMPACT_RELEASE,
 * replay_decode.c). Here, for a flagged source the variant holds movable, the model's free
 * scanner (model_compaction_alloc, compaction_alloc()) takes a destination before the source
 * is freed, so the memory stays allocated. The destination is bound to a pageblock the host's
 * free scanner took pages from: the run's free-scanner records (OP_COMPACT_TAKE) give each
 * pageblock a capacity, used first in, first out, as compaction_alloc() uses its isolated
 * pages in isolation order (fast-path takes, whose pageblock the record does not show, count
 * towards the next record's pageblock, where fast_isolate_around() continues). A later free the
 * variant cannot name (no live allocation, no start page) inside such a pageblock frees one of
 * its destinations of that order. The host's release_free_list() frees of unused scanner pages
 * (OPF_COMPACT_RELEASE) take their capacity back and free nothing: the variant never took them.
 *
 * Every case is counted (struct replay_compaction). Invariant: a bound destination is an
 * allocated block of the model, in by_at exactly once and on its pageblock's list exactly once.
 * Expected workload: one bind per host migration (tens of thousands per pressure trace), one
 * map lookup per unknown free.
 */
#include "replay_internal.h"

#include <stdlib.h>

#define NIL UINT32_MAX

struct bound_dest {
	uint64_t at;	     /* model pfn */
	uint64_t pb;	     /* host pageblock it is bound to */
	uint32_t prev, next; /* its pageblock's list; next also links the free entries */
	uint8_t order;
};

struct take_slot {
	uint64_t pb, left; /* host pageblock, pages its free scanner took not yet bound */
	uint64_t ts;	   /* when (model time) */
};

/* Capacity older than this is stale: its run ended without using it (compaction runs last
 * milliseconds; the host's release_free_list() frees, when seen, take it back sooner). */
#define CAPACITY_NS 1000000000ull
/* A release free looks for its pageblock among the newest slots only: its run's own. */
#define RELEASE_SEARCH 256

struct compaction_bind {
	struct u64_map by_pb; /* host pageblock -> first entry + 1 (0: taken from, none bound) */
	struct u64_map by_at; /* model pfn -> entry */
	struct bound_dest *ent;
	uint32_t nr_ent, cap_ent, free_ent;
	struct take_slot *fifo; /* the current run's pageblocks, oldest first */
	size_t fifo_head, fifo_count, fifo_cap;
	uint64_t pending_fast; /* fast-path pages taken, their pageblock not shown yet */
	uint64_t last_pb;
	bool have_last;
	uint64_t live;
};

int variant_compaction_init(struct variant_state *v)
{
	struct compaction_bind *b = calloc(1, sizeof(*b));
	if (!b || u64_map_init(&b->by_pb, 1024) || u64_map_init(&b->by_at, 1024)) {
		if (b && b->by_pb.slots)
			u64_map_free(&b->by_pb);
		free(b);
		return -1;
	}
	b->free_ent = NIL;
	v->cbind = b;
	return 0;
}

void variant_compaction_destroy(struct variant_state *v)
{
	struct compaction_bind *b = v->cbind;
	if (!b)
		return;
	u64_map_free(&b->by_pb);
	u64_map_free(&b->by_at);
	free(b->ent);
	free(b->fifo);
	free(b);
	v->cbind = NULL;
}

static int fifo_push(struct compaction_bind *b, uint64_t pb, uint64_t pages, uint64_t ts)
{
	if (b->fifo_count == b->fifo_cap) {
		size_t cap = b->fifo_cap ? b->fifo_cap * 2 : 64;
		struct take_slot *n = malloc(cap * sizeof(*n));
		if (!n)
			return -1;
		for (size_t i = 0; i < b->fifo_count; i++)
			n[i] = b->fifo[(b->fifo_head + i) % b->fifo_cap];
		free(b->fifo);
		b->fifo = n;
		b->fifo_cap = cap;
		b->fifo_head = 0;
	}
	b->fifo[(b->fifo_head + b->fifo_count++) % b->fifo_cap] =
		(struct take_slot){ pb, pages, ts };
	return 0;
}

/* OP_COMPACT_TAKE: the host's free scanner took op->aux pages: capacity to bind to. */
void variant_compaction_take(struct variant_state *v, const struct replay_op *op)
{
	struct compaction_bind *b = v->cbind;
	uint64_t val;
	if (!b)
		return;
	if (op->flags & OPF_FAST) {
		b->pending_fast += op->aux;
		return;
	}
	uint64_t pb = op->key >> PAGEBLOCK_ORDER;
	if (!u64_map_get(&b->by_pb, pb, &val) && u64_map_put(&b->by_pb, pb, 0))
		return;
	if (fifo_push(b, pb, op->aux + b->pending_fast, op->ts) == 0)
		b->pending_fast = 0;
}

static uint32_t entry_new(struct compaction_bind *b)
{
	if (b->free_ent != NIL) {
		uint32_t e = b->free_ent;
		b->free_ent = b->ent[e].next;
		return e;
	}
	if (b->nr_ent == b->cap_ent) {
		uint32_t cap = b->cap_ent ? b->cap_ent * 2 : 1024;
		struct bound_dest *n = realloc(b->ent, (size_t)cap * sizeof(*n));
		if (!n)
			return NIL;
		b->ent = n;
		b->cap_ent = cap;
	}
	return b->nr_ent++;
}

/* The host pageblock the next destination of 2^order pages binds to (capacity first in). */
static uint64_t bind_pageblock(struct variant_state *v, unsigned order)
{
	struct compaction_bind *b = v->cbind;
	while (b->fifo_count && (!b->fifo[b->fifo_head].left ||
				 b->fifo[b->fifo_head].ts + CAPACITY_NS < v->last_ts)) {
		b->fifo_head = (b->fifo_head + 1) % b->fifo_cap;
		b->fifo_count--;
	}
	if (!b->fifo_count) {
		v->res->compaction.without_capacity++;
		return b->have_last ? b->last_pb : UINT64_MAX - 1;
	}
	struct take_slot *s = &b->fifo[b->fifo_head];
	uint64_t n = 1ull << order;
	s->left = s->left > n ? s->left - n : 0;
	b->last_pb = s->pb;
	b->have_last = true;
	return s->pb;
}

static void bind_dest(struct variant_state *v, uint64_t at, unsigned order)
{
	struct compaction_bind *b = v->cbind;
	uint64_t pb = bind_pageblock(v, order), head = 0;
	uint32_t e = entry_new(b);
	if (e == NIL || u64_map_put(&b->by_at, at, e))
		return; /* out of memory: the destination stays allocated, unbound */
	u64_map_get(&b->by_pb, pb, &head);
	b->ent[e] = (struct bound_dest){ .at = at,
					 .pb = pb,
					 .prev = NIL,
					 .next = head ? (uint32_t)(head - 1) : NIL,
					 .order = (uint8_t)order };
	if (head)
		b->ent[head - 1].prev = e;
	u64_map_put(&b->by_pb, pb, (uint64_t)e + 1);
	b->live++;
}

static void unbind(struct compaction_bind *b, uint32_t e)
{
	struct bound_dest *d = &b->ent[e];
	if (d->prev != NIL)
		b->ent[d->prev].next = d->next;
	else
		u64_map_put(&b->by_pb, d->pb, d->next == NIL ? 0 : (uint64_t)d->next + 1);
	if (d->next != NIL)
		b->ent[d->next].prev = d->prev;
	u64_map_del(&b->by_at, d->at);
	d->next = b->free_ent;
	b->free_ent = e;
	b->live--;
}

bool variant_compaction_source(struct variant_state *v, uint64_t host_pfn, uint64_t at,
			       unsigned order, bool movable)
{
	uint64_t dst;
	if (!v->cbind)
		return false;
	if (!movable) {
		v->res->compaction.sources_unmovable++;
		return false;
	}
	uint64_t migrate_pfn = v->res->spec.compaction_host_scanner ? host_pfn : at;
	bool below = false;
	int rc = v->res->spec.compaction_below
			 ? model_compaction_alloc_or_below(v->model, at, migrate_pfn, order, &dst,
							   &below)
			 : model_compaction_alloc_above(v->model, at, migrate_pfn, order, &dst);
	if (rc != MODEL_OK) {
		v->res->compaction.no_target++;
		v->res->compaction.no_target_why[model_compaction_no_target(
			v->model, at, migrate_pfn, host_pfn, order)]++;
		if (!v->res->spec.compaction_keep)
			return false;
		/* migrate_pages() without a target: the folio stays where it is, in use; it is
		 * what the host's later free of its destination names */
		v->res->compaction.kept++;
		bind_dest(v, at, order);
		return true;
	}
	v->res->compaction.sources++;
	v->res->compaction.below_source += below;
	bind_dest(v, dst, order);
	return false;
}

bool variant_compaction_dest(struct variant_state *v, const struct replay_op *op, uint64_t *at,
			     unsigned *order)
{
	struct compaction_bind *b = v->cbind;
	uint64_t pb = op->key >> PAGEBLOCK_ORDER, head;
	if (!b)
		return false;
	if (op->flags & OPF_COMPACT_RELEASE) {
		/* release_free_list(): pages the variant never took; their capacity is gone */
		uint64_t n = 1ull << op->order;
		for (size_t i = b->fifo_count; i-- > 0 && b->fifo_count - i <= RELEASE_SEARCH;) {
			struct take_slot *s = &b->fifo[(b->fifo_head + i) % b->fifo_cap];
			if (s->pb == pb) {
				s->left = s->left > n ? s->left - n : 0;
				break;
			}
		}
		v->res->compaction.releases += n;
		*order = 0;
		*at = MODEL_NO_PFN;
		return true;
	}
	if (!u64_map_get(&b->by_pb, pb, &head))
		return false;
	if (!head) {
		v->res->compaction.dest_unbound++;
		return false;
	}
	for (uint32_t e = (uint32_t)(head - 1); e != NIL; e = b->ent[e].next) {
		if (b->ent[e].order != op->order)
			continue;
		*at = b->ent[e].at;
		*order = b->ent[e].order;
		unbind(b, e);
		v->res->compaction.dest_frees++;
		return true;
	}
	v->res->compaction.dest_order_miss++;
	return false;
}

/* The model moved a bound destination (evacuation, defrag): follow it. */
bool variant_compaction_moved(struct variant_state *v, uint64_t old_pfn, uint64_t new_pfn)
{
	struct compaction_bind *b = v->cbind;
	uint64_t e;
	if (!b || !u64_map_get(&b->by_at, old_pfn, &e))
		return false;
	u64_map_del(&b->by_at, old_pfn);
	b->ent[e].at = new_pfn;
	u64_map_put(&b->by_at, new_pfn, e);
	return true;
}

void variant_compaction_finish(struct variant_state *v)
{
	if (v->cbind)
		v->res->compaction.live_at_end = v->cbind->live;
}
