// SPDX-License-Identifier: GPL-2.0
/*
 * replay_pcp.c - a variant's per-CPU page lists (struct per_cpu_pages), as replay follows them.
 *
 * One list per CPU, migratetype (the three PCP types) and order up to the pageblock order, in
 * the series' pindex order (order * MIGRATE_PCPTYPES + type; mainline's Unmovable and
 * Reclaimable pageblock-order pages share the Unmovable list, its two THP lists being Movable
 * and the rest: pcp_list_index), a ring buffer of model pfns:
 * allocations take the head, frees go to the head, refills (rmqueue_bulk) append to the tail
 * and drains (free_pcppages_bulk) take the tail, as in mm/page_alloc.c. Pages on a list are
 * allocated in the model and pinned.
 *
 * Two ways to drive them. By default each variant follows its own kernel's rules: an
 * allocation of a PCP order that finds its lists empty refills them with nr_pcp_alloc()'s
 * batch (rmqueue_pcplist), a free past nr_pcp_high() frees nr_pcp_free() pages
 * (free_frozen_page_commit), decay_pcp_high() runs once a second, and the sizing (batch,
 * high_min, high_max) is the host's, from the start snapshot's pagesets. The SPB series takes
 * from the smallest list of the type at or above the request's order and splits
 * (pcp_rmqueue_smallest, PCPBuddy); mainline takes only the request's own order. With the
 * pcp_trace switch the lists follow the host's refill and drain events instead, and a list
 * longer than PCP_HIGH_BLOCKS frees its tail, in case the trace's own drains never come.
 *
 * The model reaches a list two ways: the hook (variant_pcp_rmqueue: rmqueue_pcplist, refilling
 * an empty list) and, for model_alloc_pcp()'s short path, the pop hook
 * (variant_pcp_rmqueue_listed: the list's head when it has one, changing nothing otherwise).
 *
 * Invariant (kernel rules): pcps[cpu].count is the pages on that CPU's lists.
 * Expected workload: O(1) per allocation and free; a refill or drain costs its batch.
 */
#include "replay_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define PCPF_PREV_FREE_HIGH_ORDER 0x01

static int pcp_index(int mt, unsigned order)
{
	if (mt < 0 || mt >= MIGRATE_PCPTYPES)
		mt = MIGRATE_MOVABLE;
	return (int)(order < PCP_ORDERS ? order : PAGEBLOCK_ORDER) * MIGRATE_PCPTYPES + mt;
}

static int pindex_to_order(int pindex)
{
	return pindex / MIGRATE_PCPTYPES;
}

/*
 * order_to_pindex() of the variant's kernel: mainline keeps two pageblock-order lists
 * (NR_PCP_THP), one for Movable and one the Unmovable and Reclaimable pages share, so those
 * two types' THP-order pages take and leave one list; the SPB series' tree has a list per type
 * at every order up to the pageblock order. Replay's lists keep the series' layout; mainline
 * under the kernel's list rules files both non-movable types under the Unmovable one and
 * leaves the Reclaimable one empty. Under pcp_trace (no v->pcps) every type keeps its own
 * list, as before: that mode's order-0 requests split THP-order list pages, which the kernel
 * never does, and a shared list would let one type split the other's.
 */
static int pcp_list_index(const struct variant_state *v, int mt, unsigned order)
{
	if (order >= PAGEBLOCK_ORDER && mt == MIGRATE_RECLAIMABLE && v->pcps &&
	    v->res->spec.policy != MODEL_POLICY_SPB)
		mt = MIGRATE_UNMOVABLE;
	return pcp_index(mt, order);
}

/* A CPU's list of the first set (zone 0's under the kernel's rules; the only one under pcp_trace). */
struct pcp_list *variant_pcp_list(struct variant_state *v, unsigned cpu, int mt, unsigned order)
{
	return &v->pcp[(cpu % v->nr_cpus) * PCP_LISTS + (unsigned int)pcp_list_index(v, mt, order)];
}

/* The list set of (zone, CPU): the kernel's zone->per_cpu_pageset of that CPU. */
static unsigned pcp_set(const struct variant_state *v, unsigned zone, unsigned cpu)
{
	return zone * v->nr_cpus + cpu % v->nr_cpus;
}

static struct pcp_list *pcp_set_list(struct variant_state *v, unsigned set, int mt, unsigned order)
{
	return &v->pcp[set * PCP_LISTS + (unsigned int)pcp_list_index(v, mt, order)];
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

/* The ring operations, inline for this file's hot paths; the exported forms below wrap them. */
static inline int ring_push_head(struct pcp_list *l, uint64_t pfn)
{
	if (l->count == l->cap && pcp_grow(l))
		return -1;
	l->head = (l->head - 1) & (l->cap - 1);
	l->pfns[l->head] = pfn;
	l->count++;
	return 0;
}

static inline int ring_push_tail(struct pcp_list *l, uint64_t pfn)
{
	if (l->count == l->cap && pcp_grow(l))
		return -1;
	l->pfns[(l->head + l->count) & (l->cap - 1)] = pfn;
	l->count++;
	return 0;
}

static inline bool ring_pop_head(struct pcp_list *l, uint64_t *pfn)
{
	if (!l->count)
		return false;
	*pfn = l->pfns[l->head];
	l->head = (l->head + 1) & (l->cap - 1);
	l->count--;
	return true;
}

int pcp_push_head(struct pcp_list *l, uint64_t pfn)
{
	return ring_push_head(l, pfn);
}

int pcp_push_tail(struct pcp_list *l, uint64_t pfn)
{
	return ring_push_tail(l, pfn);
}

bool pcp_pop_tail(struct pcp_list *l, uint64_t *pfn)
{
	if (!l->count)
		return false;
	l->count--;
	*pfn = l->pfns[(l->head + l->count) & (l->cap - 1)];
	return true;
}

/* The pages count of the CPU's lists moves with every enqueue and dequeue (kernel rules). */
static void pcp_count(struct variant_state *v, unsigned set, unsigned order, int sign)
{
	if (v->pcps)
		v->pcps[set].count += sign * (1 << order);
}

/* pcp_enqueue(): to the list's head; a page that finds no room is freed at once. */
static inline void pcp_enqueue(struct variant_state *v, unsigned set, int mt, unsigned order,
			       uint64_t pfn, bool tail)
{
	struct pcp_list *l = pcp_set_list(v, set, mt, order);

	if (tail ? ring_push_tail(l, pfn) : ring_push_head(l, pfn)) {
		model_free(v->model, pfn, order);
		return;
	}
	pcp_count(v, set, order, 1);
}

/*
 * pcp_enqueue() of a refill's blocks in their order, each to the tail of its order's list: the
 * list looked up once per run of one order, the set's count moved once.
 */
static void pcp_enqueue_bulk(struct variant_state *v, unsigned set, int mt,
			     const struct model_block *blocks, unsigned n)
{
	struct pcp_list *l = NULL;
	unsigned l_order = UINT_MAX;
	int pages = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned order = blocks[i].order;
		if (order != l_order) {
			l = pcp_set_list(v, set, mt, order);
			l_order = order;
		}
		if (ring_push_tail(l, blocks[i].pfn)) {
			model_free(v->model, blocks[i].pfn, order);
			continue;
		}
		pages += 1 << order;
	}
	if (v->pcps)
		v->pcps[set].count += pages;
}

/*
 * pcp_rmqueue_smallest() past the request's own empty list. The SPB series (PCPBuddy) goes on
 * to the smallest block on this CPU's higher-order lists of the type, up to the pageblock
 * order, and splits it: the first part serves the request and each buddy half goes to the
 * head of its order's list (model_pcp_split). Mainline's __rmqueue_pcplist reads the
 * request's list only. Under pcp_trace an order-0 request of either policy splits, as replay
 * always did.
 */
static bool __attribute__((noinline))
pcp_set_rmqueue_split(struct variant_state *v, unsigned cpu, int mt, unsigned order,
		      struct pcp_list *first, uint64_t *pfn)
{
	bool spb = v->res->spec.policy == MODEL_POLICY_SPB;
	unsigned top = spb || (!v->pcps && !order) ? PAGEBLOCK_ORDER : order;

	/* the lists of one type lie MIGRATE_PCPTYPES apart in pindex order (every order up to
	 * top < PCP_ORDERS has its own): the next order's list is the next step; the request's
	 * own list (high == order) was found empty by the caller */
	for (unsigned high = order + 1; high <= top; high++) {
		struct pcp_list *l = high < PAGEBLOCK_ORDER
					     ? first + (high - order) * MIGRATE_PCPTYPES
					     : pcp_set_list(v, cpu, mt, high);
		uint64_t head;
		if (!ring_pop_head(l, &head))
			continue;
		pcp_count(v, cpu, high, -1);
		if (high == order) {
			*pfn = head;
			return true;
		}
		if (!v->pcps) {
			/* pcp_trace: the rest as order-0 pages (split_page), as replay always did */
			model_split(v->model, head, high);
			for (uint64_t p = head + (1ull << high) - 1; p > head; p--)
				pcp_enqueue(v, cpu, mt, 0, p, false);
			*pfn = head;
			return true;
		}
		model_pcp_split(v->model, head, high, order);
		for (unsigned o = high; o-- > order;)
			pcp_enqueue(v, cpu, mt, o, head + (1ull << o), false);
		*pfn = head;
		return true;
	}
	return false;
}

/*
 * pcp_rmqueue_smallest(): the head of the request's own list, the common case, inline; the
 * higher orders' lists (pcp_set_rmqueue_split) only when it is empty.
 */
static inline bool pcp_set_rmqueue_smallest(struct variant_state *v, unsigned cpu, int mt,
					    unsigned order, uint64_t *pfn)
{
	struct pcp_list *first = pcp_set_list(v, cpu, mt, order);

	if (order <= PAGEBLOCK_ORDER && ring_pop_head(first, pfn)) {
		pcp_count(v, cpu, order, -1);
		return true;
	}
	return pcp_set_rmqueue_split(v, cpu, mt, order, first, pfn);
}

/* pcp_rmqueue_smallest() on a CPU's first list set (pcp_trace, or a single-zone model). */
bool pcp_rmqueue_smallest(struct variant_state *v, unsigned cpu, int mt, unsigned order,
			  uint64_t *pfn)
{
	return pcp_set_rmqueue_smallest(v, cpu % v->nr_cpus, mt, order, pfn);
}

/* One rmqueue_bulk() into this CPU's lists: every block to the tail of its order's list. */
static unsigned pcp_rmqueue_bulk(struct variant_state *v, const struct model_alloc_req *req,
				 unsigned cpu, unsigned count)
{
	struct model_alloc_req q = *req;
	unsigned n = 0;

	q.movable = false; /* on a list, the pages are pinned */
	cpu %= v->nr_cpus;
	if (count > BULK_MAX)
		count = BULK_MAX;
	if (model_alloc_bulk(v->model, &q, count, v->bulk, BULK_MAX, &n) != MODEL_OK)
		return 0;
	pcp_enqueue_bulk(v, cpu, req->migratetype, v->bulk, n);
	return n;
}

void variant_pcp_refill(struct variant_state *v, const struct replay_op *op)
{
	struct model_alloc_req req = {
		.order = op->order, .migratetype = op->mt, .gfp = op->gfp, .nid = -1, .cpu = op->cpu
	};

	if (req.migratetype < 0 || req.migratetype >= MIGRATE_PCPTYPES)
		return;
	pcp_rmqueue_bulk(v, &req, op->cpu, op->aux);
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

/* ---- the kernel's rules ---- */

static int clamp_int(int x, int lo, int hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

static int min_int(int a, int b)
{
	return a < b ? a : b;
}

/* zone_batchsize(): about a quarter of 1 MB, made 2^n - 1; for a zone without pagesets. */
static int zone_batchsize(uint64_t managed)
{
	uint64_t batch = managed >> 10 < 256 ? managed >> 10 : 256;
	unsigned p = 1;

	batch /= 4;
	if (batch < 1)
		batch = 1;
	batch += batch / 2;
	while ((uint64_t)p * 2 <= batch)
		p *= 2;
	return p > 1 ? (int)p - 1 : 1;
}

/* zone_highsize(): total pages split over the node's CPUs, at least four batches. */
static int zone_highsize(uint64_t total, unsigned cpus, int batch)
{
	uint64_t high = total / (cpus ? cpus : 1);

	if (high > INT32_MAX / 2)
		high = INT32_MAX / 2;
	return max_int((int)high, batch * 4);
}

static uint64_t variant_pcp_rmqueue_listed(void *ctx, unsigned zone,
					   const struct model_alloc_req *req);

/*
 * zone_set_pageset_high_and_batch() for every zone: high_min from the zone's low watermark,
 * high_max from an eighth of its pages (MIN_PERCPU_PAGELIST_HIGH_FRACTION), each over the
 * CPUs; the zone with the most managed pages takes the snapshot's pagesets (batch, and each
 * CPU's starting pcp->high), the others zone_batchsize() of their size; with pcp_zone_pagesets
 * (on by default) every zone with pagesets in the snapshot takes its own (host_desc.zone_pcp).
 * The lists become one set per zone and CPU, and the model reaches them through its zonelist
 * walk.
 */
int variant_pcp_init(struct variant_state *v)
{
	const struct host_desc *h = v->host;
	const struct model_config *c = &h->config;
	const struct host_pagesets *largest = &h->zone_pcp[h->pcp_largest];
	unsigned cpus = largest->cpus ? largest->cpus : v->nr_cpus;
	unsigned nr_zones = model_nr_zones(v->model), big = 0;
	size_t nr_lists;

	for (unsigned z = 1; z < c->nr_zones && z < nr_zones; z++)
		if (c->zones[z].spanned_pages > c->zones[big].spanned_pages)
			big = z;
	if (!nr_zones || nr_zones > MODEL_MAX_ZONES)
		return MODEL_EINVAL;
	for (size_t i = 0; v->pcp && i < (size_t)v->nr_cpus * PCP_LISTS; i++)
		free(v->pcp[i].pfns);
	free(v->pcp);
	v->nr_pcp_sets = nr_zones * v->nr_cpus;
	nr_lists = (size_t)v->nr_pcp_sets * PCP_LISTS;
	v->pcp = calloc(nr_lists, sizeof(*v->pcp));
	v->pcps = calloc(v->nr_pcp_sets, sizeof(*v->pcps));
	if (!v->pcp || !v->pcps)
		return MODEL_ENOMEM;
	for (unsigned z = 0; z < nr_zones; z++) {
		uint64_t managed = z < c->nr_zones ? c->zones[z].spanned_pages : 0;
		uint64_t low = z < c->nr_zones ? c->zones[z].wmark_low : 0;
		const struct host_pagesets *snap = NULL; /* the pagesets this zone's lists take */
		if (z == big && largest->managed) {
			snap = largest;
			managed = largest->managed;
			low = c->zones[h->pcp_largest].wmark_low;
		}
		if (v->res->spec.pcp_zone_pagesets && z < c->nr_zones) {
			const struct host_pagesets *zp = &h->zone_pcp[z];
			snap = zp->managed && zp->cpus ? zp : NULL;
			if (snap)
				managed = zp->managed;
		}
		int batch = snap && snap->batch ? (int)snap->batch : zone_batchsize(managed);
		int high_min = zone_highsize(low, cpus, batch);
		int high_max = max_int(zone_highsize(managed / 8, cpus, batch), high_min);
		for (unsigned i = 0; i < v->nr_cpus; i++) {
			struct pcp_state *s = &v->pcps[pcp_set(v, z, i)];
			s->zone = z;
			s->batch = batch;
			s->high_min = high_min;
			s->high_max = high_max;
			s->high = snap && i < snap->cpus && i < HOST_PCP_CPUS && snap->high[i]
					  ? (int)snap->high[i]
					  : high_min;
		}
		v->pcp_below_high[z] = false;
	}
	v->pcp_decay_ns = 0;
	model_set_pcp_callback(v->model, variant_pcp_rmqueue, v);
	model_set_pcp_pop_callback(v->model, variant_pcp_rmqueue_listed);
	return MODEL_OK;
}

/* ZONE_BELOW_HIGH of the zone a list set stands for (set by allocations, cleared by frees). */
static bool zone_below_high(const struct variant_state *v, const struct pcp_state *s)
{
	return v->pcp_below_high[s->zone];
}

/*
 * get_page_from_freelist(): an allocation of any order that finds a zone of its zonelist below
 * the zone's high watermark for that order, with the zone's lowmem_reserve for the request's
 * highest zone (zone_watermark_fast(..., ac->highest_zoneidx, ...)), sets ZONE_BELOW_HIGH
 * (under fragmentation a high-order request does so with plenty of free pages; a Normal
 * request that reaches DMA32 finds it below high unless DMA32 has its reserve for Normal free
 * as well). Every zone up to the request's highest is tested, where the kernel's walk stops at
 * the first zone that serves the request: testing only the zones the walk reaches changed no
 * result on the bundled pressure traces (measured, session 9).
 */
void variant_pcp_watermark(struct variant_state *v, unsigned order, uint32_t gfp)
{
	model_zones_below_high_wmark(v->model, order, gfp, v->pcp_below_high, MODEL_MAX_ZONES);
}

/* nr_pcp_alloc(): the refill batch, doubled per refill without a free (alloc_factor). */
static int nr_pcp_alloc(struct variant_state *v, struct pcp_state *s, unsigned order)
{
	int base_batch = s->batch, batch, high;

	high = s->high = clamp_int(s->high, s->high_min, s->high_max);
	if (high < base_batch)
		return 1;
	batch = order ? base_batch : base_batch << s->alloc_factor;
	if (s->high_min != s->high_max && !zone_below_high(v, s))
		high = s->high = min_int(high + batch, s->high_max);
	if (!order) {
		int max_nr_alloc = max_int(high - s->count - base_batch, base_batch);
		if (batch <= max_nr_alloc && s->alloc_factor < PCP_BATCH_SCALE_MAX)
			s->alloc_factor++;
		batch = min_int(batch, max_nr_alloc);
	}
	if (batch > 1)
		batch = max_int(batch >> order, 2);
	return batch;
}

/*
 * rmqueue_pcplist() of one zone -> __rmqueue_pcplist(): that zone's list first, else one
 * rmqueue_bulk() of nr_pcp_alloc() blocks from that zone alone, and the list again. The
 * model calls it from its zonelist walk (model_set_pcp_callback), after the zone's watermark
 * check; MODEL_NO_PFN sends the walk on to the next zone.
 */
uint64_t variant_pcp_rmqueue(void *ctx, unsigned zone, const struct model_alloc_req *req,
			     unsigned alloc_flags)
{
	struct variant_state *v = ctx;
	unsigned set = pcp_set(v, zone, (unsigned)(req->cpu < 0 ? 0 : req->cpu));
	struct pcp_state *s = &v->pcps[set];
	unsigned n = 0;
	uint64_t pfn;

	s->free_count >>= 1;
	if (pcp_set_rmqueue_smallest(v, set, req->migratetype, req->order, &pfn))
		return pfn;
	struct model_alloc_req q = *req;
	q.movable = false; /* on a list, the pages are pinned */
	unsigned count = (unsigned)nr_pcp_alloc(v, s, req->order);
	if (count > BULK_MAX)
		count = BULK_MAX;
	if (model_pcp_refill(v->model, zone, &q, alloc_flags, count, v->bulk, BULK_MAX, &n) !=
	    MODEL_OK)
		return MODEL_NO_PFN;
	pcp_enqueue_bulk(v, set, req->migratetype, v->bulk, n);
	return pcp_set_rmqueue_smallest(v, set, req->migratetype, req->order, &pfn) ? pfn
										    : MODEL_NO_PFN;
}

/*
 * variant_pcp_rmqueue() when the request's own list has a page: the model's short path
 * (model_set_pcp_pop_callback) with the same result, the head of that list; MODEL_NO_PFN,
 * nothing changed, when it is empty (the higher orders' split and the refill are the whole
 * hook's).
 */
static uint64_t variant_pcp_rmqueue_listed(void *ctx, unsigned zone,
					   const struct model_alloc_req *req)
{
	struct variant_state *v = ctx;
	unsigned set = pcp_set(v, zone, (unsigned)(req->cpu < 0 ? 0 : req->cpu));
	struct pcp_list *l = pcp_set_list(v, set, req->migratetype, req->order);
	uint64_t pfn;

	if (req->order > PAGEBLOCK_ORDER || !ring_pop_head(l, &pfn))
		return MODEL_NO_PFN;
	v->pcps[set].free_count >>= 1;
	pcp_count(v, set, req->order, -1);
	return pfn;
}

/*
 * rmqueue() of a per-CPU-list order: the model's zonelist walk, reaching each zone's list
 * after that zone's watermark check (variant_pcp_rmqueue), the slowpath when none serves.
 */
int rmqueue_pcplist(struct variant_state *v, const struct model_alloc_req *req, uint64_t *pfn)
{
	return model_alloc_pcp(v->model, req, pfn);
}

/* One page the drain takes from a list's tail, back to the buddy lists (free_pcppages_bulk). */
static void pcp_drain_free(struct variant_state *v, uint64_t pfn, unsigned list_order)
{
	unsigned o;

	if (model_free(v->model, pfn, list_order) != MODEL_OK &&
	    model_page_allocated(v->model, pfn, &o) == 1)
		model_free(v->model, pfn, o);
}

struct pcp_tail_run {
	const struct pcp_list *l;
	uint32_t tail;
	uint64_t top;
	bool down;
};

/* aligned_run_order()'s test: the entry i before the tail is the pfn i below (above) it. */
static inline bool pcp_tail_in_run(void *ctx, uint64_t i)
{
	const struct pcp_tail_run *r = ctx;
	return r->l->pfns[(r->tail - (uint32_t)i) & (r->l->cap - 1)] ==
	       (r->down ? r->top - i : r->top + i);
}

/*
 * The order of the aligned block whose pages the next pops of an order-0 list would take one
 * after the other, highest pfn first (a refill's run) or lowest first (pages freed to the list
 * in pfn order); its first pfn in *first. The tail's pfn ends (or starts) such a block of
 * 2^order pages when the 2^order - 1 entries before it are the pfns below (above) it. 0 when
 * the tail starts no such run.
 */
static unsigned pcp_tail_run_order(const struct pcp_list *l, uint64_t *first)
{
	struct pcp_tail_run r = { l, l->head + l->count - 1, 0, false };

	if (l->count < 2)
		return 0;
	r.top = l->pfns[r.tail & (l->cap - 1)];
	uint64_t next = l->pfns[(r.tail - 1) & (l->cap - 1)];
	r.down = next == r.top - 1;
	if (!r.down && next != r.top + 1)
		return 0;
	/* the block's end (down) or start must be aligned to its size */
	unsigned order =
		aligned_run_order(r.down ? r.top + 1 : r.top, l->count, pcp_tail_in_run, &r);
	*first = r.down ? r.top + 1 - (1ull << order) : r.top;
	return order;
}

/*
 * The drain's next frees from an order-0 list's tail: the pages of an aligned block the list
 * holds in a row go in one model_free_contig_range(), which leaves the buddy lists as their
 * frees one after the other do, whatever their order (model.h). Returns the pages so freed and
 * taken off the list; 0 when the tail starts no such block or a page of it is no order-0
 * allocation in the model (the caller then frees one page as before).
 */
static uint32_t pcp_free_tail_run(struct variant_state *v, struct pcp_list *l)
{
	uint64_t first;
	unsigned order = pcp_tail_run_order(l, &first);

	if (!order || model_free_contig_range(v->model, first, order) != MODEL_OK)
		return 0;
	l->count -= 1u << order;
	return 1u << order;
}

/*
 * free_pcppages_bulk(): count pages from the lists' tails, round-robin from pindex, each list
 * until it is empty or the count is met. The series starts at the pageblock-order lists; its
 * PCPBuddy merge pass (buddies on one CPU's lists merging before the drain) is not modelled.
 */
static void free_pcppages_bulk(struct variant_state *v, unsigned set, int count, int pindex)
{
	struct pcp_state *s = &v->pcps[set];
	struct pcp_list *lists = &v->pcp[set * PCP_LISTS];

	count = min_int(s->count, count);
	pindex--;
	while (count > 0) {
		struct pcp_list *l;
		int tries = 0;
		do {
			if (++pindex > PCP_LISTS - 1)
				pindex = 0;
			l = &lists[pindex];
		} while (!l->count && ++tries < PCP_LISTS);
		if (!l->count) {
			s->count = 0; /* nothing left: the count was off */
			return;
		}
		unsigned order = (unsigned)pindex_to_order(pindex);
		uint64_t pfn;
		while (count > 0 && pcp_pop_tail(l, &pfn)) {
			s->count -= 1 << order;
			count -= 1 << order;
			model_free(v->model, pfn, order);
		}
	}
}

/* Where free_pcppages_bulk() starts: the series at the pageblock order, mainline at pindex. */
static int pcp_drain_start(const struct variant_state *v, int pindex)
{
	return v->res->spec.policy == MODEL_POLICY_SPB ? pcp_index(0, PAGEBLOCK_ORDER) : pindex;
}

/*
 * The host's kswapd is in balance_pgdat() on op->nid (one of its shrink_slab events): the
 * kernel sets ZONE_RECLAIM_ACTIVE on the node's zones for the run (set_reclaim_active()) and
 * clears it when the run ends; replay holds it KSWAPD_RUN_GAP_NS past the run's last event.
 * The model runs no kswapd of its own (the host's reclaim is in the trace's frees), so every
 * variant takes the host's runs.
 */
void variant_kswapd_event(struct variant_state *v, const struct replay_op *op)
{
	unsigned nr_zones = model_nr_zones(v->model);

	v->res->loss.kswapd_events++;
	for (unsigned z = 0; z < nr_zones && z < MODEL_MAX_ZONES; z++)
		if (op->nid < 0 || model_zone_nid(v->model, z) == op->nid) {
			v->reclaim_active_until[z] = v->last_ts + KSWAPD_RUN_GAP_NS;
			model_kswapd_balance(v->model, z, v->reclaim_active_until[z]);
		}
}

/*
 * The host's kswapd woke on op->nid (its mm_vmscan_kswapd_wake) and ran balance_pgdat() for
 * op->key ns (the pre-pass's bound, replay_decode.c): update_reclaim_active() sets
 * ZONE_RECLAIM_ACTIVE on the node's managed zones up to the wake's highest_zoneidx (op->aux)
 * when the run starts and clears it when it ends. Every variant takes the host's runs; with
 * watermark_boost the run also takes off the zones' boost as it stood at the wake.
 */
/* The kernel's index of the host's zone z (kswapd's zid): zoneinfo's order, else its type. */
static unsigned host_zone_idx(const struct host_desc *h, unsigned z)
{
	return h->have_zone_kernel_idx ? h->zone_kernel_idx[z] : (unsigned)h->config.zones[z].type;
}

void variant_kswapd_run(struct variant_state *v, const struct replay_op *op)
{
	unsigned nr_zones = model_nr_zones(v->model);
	uint64_t until = v->last_ts + op->key + 1; /* the run's last event still sees it set */

	v->res->loss.kswapd_wakes++;
	v->res->loss.kswapd_reclaim_active_ns += op->key;
	for (unsigned z = 0; z < nr_zones && z < MODEL_MAX_ZONES; z++) {
		if (model_zone_nid(v->model, z) != op->nid)
			continue;
		if (v->host && z < v->host->config.nr_zones && host_zone_idx(v->host, z) > op->aux)
			continue;
		if (v->reclaim_active_until[z] < until)
			v->reclaim_active_until[z] = until;
		model_kswapd_balance(v->model, z, until);
	}
}

/* ZONE_RECLAIM_ACTIVE of the zone a list set stands for. */
static bool zone_reclaim_active(const struct variant_state *v, const struct pcp_state *s)
{
	return v->last_ts < v->reclaim_active_until[s->zone];
}

/*
 * nr_pcp_high(): the list's high mark now, adjusting pcp->high. While kswapd reclaims
 * (ZONE_RECLAIM_ACTIVE) a list keeps at most four batches, and pcp->high falls by the pages
 * freed in a row.
 */
static inline __attribute__((always_inline)) int nr_pcp_high(struct variant_state *v,
							     struct pcp_state *s, bool free_high)
{
	int batch = s->batch, high = s->high = clamp_int(s->high, s->high_min, s->high_max);

	if (!high)
		return 0;
	if (free_high) {
		s->high = max_int(high - (batch << PCP_BATCH_SCALE_MAX), s->high_min);
		return 0;
	}
	if (zone_reclaim_active(v, s)) {
		s->high = max_int(high - max_int(s->free_count, batch), s->high_min);
		return min_int(batch << 2, s->high);
	}
	if (s->high_min == s->high_max)
		return high;
	if (zone_below_high(v, s)) {
		s->high = max_int(high - max_int(s->free_count, batch), s->high_min);
		high = max_int(s->count, s->high_min);
	} else if (s->count >= high) {
		int need_high = s->free_count + batch;
		if (s->high < need_high)
			s->high = clamp_int(need_high, s->high_min, s->high_max);
	}
	return high;
}

/* nr_pcp_free(): how many pages one free past high gives back. */
static int nr_pcp_free(const struct pcp_state *s, int high, bool free_high)
{
	int batch = s->batch;

	if (free_high)
		return min_int(s->count, batch << PCP_BATCH_SCALE_MAX);
	if (high < batch)
		return 1;
	return clamp_int(s->free_count, batch, max_int(high - batch, batch));
}

/*
 * free_frozen_page_commit(): the page to the head of its list, in the set of its own zone;
 * past nr_pcp_high(), give back nr_pcp_free() pages. Mainline (6.18) does so in one
 * free_pcppages_bulk() call, which takes whole blocks from the tail of the freed page's list
 * until the count is spent: with THPs there, nr_pcp_free() / 512 of them, rounded up (the
 * host's mm_page_pcpu_drain records show five THPs per drain as its THP frees pass high). The
 * series' tree (the SPB policy) makes calls of at most batch pages until nr_pcp_free() is
 * spent, and each call takes a whole THP, so there a drain can empty a THP list. Orders 1-3
 * freed in a row without allocations (free_high) drain harder. PCPF_FREE_HIGH_BATCH (a host's
 * cache size) is taken as unset. @zone: the page's zone (page_zone()), read by the caller.
 * Inline in variant_pcp_free(), the replay's one caller (once per free of a PCP order).
 */
static inline __attribute__((always_inline)) void
free_frozen_page_commit_zone(struct variant_state *v, unsigned cpu, int mt, unsigned order,
			     uint64_t pfn, unsigned zone)
{
	unsigned set = pcp_set(v, zone, cpu);
	struct pcp_state *s = &v->pcps[set];
	int batch = s->batch, high, to_free;
	bool free_high = false;

	s->alloc_factor >>= 1;
	pcp_enqueue(v, set, mt, order, pfn, false);
	if (order && order <= PAGE_ALLOC_COSTLY_ORDER) {
		free_high = s->free_count >= batch + s->high_min / 2 &&
			    (s->flags & PCPF_PREV_FREE_HIGH_ORDER);
		s->flags |= PCPF_PREV_FREE_HIGH_ORDER;
	} else {
		s->flags &= ~(unsigned)PCPF_PREV_FREE_HIGH_ORDER;
	}
	if (s->free_count < (batch << PCP_BATCH_SCALE_MAX))
		s->free_count += 1 << order;
	high = nr_pcp_high(v, s, free_high);
	if (s->count < high)
		return;
	if (!free_high && zone_reclaim_active(v, s) && high < s->high)
		v->res->loss.pcp_reclaim_active_frees++;
	to_free = nr_pcp_free(s, high, free_high);
	if (v->res->spec.policy != MODEL_POLICY_SPB) {
		/* 6.18: one free_pcppages_bulk() call of nr_pcp_free() pages */
		free_pcppages_bulk(v, set, to_free,
				   pcp_drain_start(v, pcp_list_index(v, mt, order)));
	} else {
		/* the series' tree: calls of at most batch pages until to_free is spent */
		while (to_free > 0 && s->count > 0) {
			int n = min_int(to_free, batch);
			free_pcppages_bulk(v, set, n,
					   pcp_drain_start(v, pcp_list_index(v, mt, order)));
			to_free -= n;
		}
	}
	/* the zone back above its high watermark (and its reserve for ZONE_MOVABLE requests) */
	if (v->pcp_below_high[zone] &&
	    model_zone_high_wmark_ok(v->model, zone, 0, MODEL_GFP_HIGHMEM | MODEL_GFP_MOVABLE))
		v->pcp_below_high[zone] = false;
}

/* free_frozen_page_commit_zone() for a caller that has only the pfn (the tests). */
void free_frozen_page_commit(struct variant_state *v, unsigned cpu, int mt, unsigned order,
			     uint64_t pfn)
{
	free_frozen_page_commit_zone(v, cpu, mt, order, pfn, model_pfn_zone(v->model, pfn));
}

/*
 * free_frozen_pages()'s list: the type of the block's pageblock (get_pfnblock_migratetype), not
 * the type the page was allocated with; HighAtomic and CMA pageblocks' pages go to the Movable
 * list. -1 for an isolated pageblock, whose pages go straight to the buddy allocator. *zone:
 * the pageblock's zone (page_zone()), read with its type.
 */
static int pcp_free_migratetype(struct variant_state *v, uint64_t pfn, unsigned *zone)
{
	int mt = model_pfnblock_zone_migratetype(v->model, pfn, zone);

	if (mt < 0 || mt == MIGRATE_ISOLATE)
		return -1;
	return mt < MIGRATE_PCPTYPES ? mt : MIGRATE_MOVABLE;
}

/*
 * A freed block to the variant's per-CPU list: under the kernel's rules
 * free_frozen_page_commit() on the list of its pageblock's type (@mt, the allocation's type,
 * is not used: pcp_free_migratetype); under pcp_trace the head of the list of @mt, the tail
 * going back to the buddy allocator past PCP_HIGH_BLOCKS. False when the list cannot take it
 * (the caller frees it to the buddy).
 */
bool variant_pcp_free(struct variant_state *v, unsigned cpu, int mt, unsigned order, uint64_t pfn)
{
	struct pcp_list *l;
	uint64_t tail;

	if (v->pcps) {
		unsigned zone;

		mt = pcp_free_migratetype(v, pfn, &zone);
		if (mt < 0)
			return false;
		free_frozen_page_commit_zone(v, cpu, mt, order, pfn, zone);
		return true;
	}
	l = variant_pcp_list(v, cpu, mt, order);
	if (pcp_push_head(l, pfn))
		return false;
	if (l->count > PCP_HIGH_BLOCKS && pcp_pop_tail(l, &tail))
		model_free(v->model, tail, order);
	return true;
}

/* decay_pcp_high(): pcp->high falls by an eighth towards high_min; the excess is drained. */
static void decay_pcp_high(struct variant_state *v, unsigned set)
{
	struct pcp_state *s = &v->pcps[set];
	int batch = s->batch;

	if (s->high > s->high_min) {
		int h = max_int(s->count - (batch << PCP_BATCH_SCALE_MAX),
				s->high - (s->high >> 3));
		s->high = max_int(h, s->high_min);
	}
	for (int to_drain = s->count - s->high; to_drain > 0; to_drain -= batch)
		free_pcppages_bulk(v, set, min_int(to_drain, batch), pcp_drain_start(v, 0));
}

/* vmstat_update(): decay_pcp_high() on every CPU of every zone once a second of trace time. */
void variant_pcp_decay(struct variant_state *v, uint64_t now_ns)
{
	if (now_ns < v->pcp_decay_ns)
		return;
	if (v->pcp_decay_ns)
		for (unsigned set = 0; set < v->nr_pcp_sets; set++)
			decay_pcp_high(v, set);
	v->pcp_decay_ns = now_ns + 1000000000ull;
}

/* The list sets there are: zones x CPUs under the kernel's rules, the CPUs under pcp_trace. */
static unsigned pcp_nr_sets(const struct variant_state *v)
{
	return v->pcps ? v->nr_pcp_sets : v->nr_cpus;
}

/*
 * drain_all_pages(): every list of every CPU back to the buddy allocator. A page is freed at
 * its list's order; model_free() refuses, changing nothing, a page the model holds at another
 * order (or not at all), which is then freed at the order the model holds, if allocated. An
 * order-0 list's aligned runs at its tail go as blocks (pcp_free_tail_run).
 */
void variant_pcp_drain_all(struct variant_state *v)
{
	struct pcp_list *l = v->pcp;
	uint64_t pfn;

	/* list by list in index order, set by set: the order of its lists' pindex_to_order() */
	for (unsigned set = 0; l && set < pcp_nr_sets(v); set++) {
		for (int pindex = 0; pindex < PCP_LISTS; pindex++, l++) {
			unsigned list_order = (unsigned)pindex_to_order(pindex);
			while (l->count) {
				if (!list_order && pcp_free_tail_run(v, l))
					continue;
				pcp_pop_tail(l, &pfn);
				pcp_drain_free(v, pfn, list_order);
			}
		}
	}
	for (unsigned set = 0; v->pcps && set < v->nr_pcp_sets; set++)
		v->pcps[set].count = 0;
}

/* Pages the lists of every CPU hold for one PCP type. */
uint64_t variant_pcp_pages(const struct variant_state *v, int mt)
{
	uint64_t pages = 0;

	for (unsigned set = 0; v->pcp && set < pcp_nr_sets(v); set++)
		for (unsigned o = 0; o < PCP_ORDERS; o++)
			pages +=
				(uint64_t)v->pcp[set * PCP_LISTS + (unsigned)pcp_index(mt, o)].count
				<< o;
	return pages;
}

/* Every list's page arrays and the lists (variant_destroy and the tests). */
void variant_pcp_free_lists(struct variant_state *v)
{
	for (size_t i = 0; v->pcp && i < (size_t)pcp_nr_sets(v) * PCP_LISTS; i++)
		free(v->pcp[i].pfns);
	free(v->pcp);
	free(v->pcps);
	v->pcp = NULL;
	v->pcps = NULL;
}
