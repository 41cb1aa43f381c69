// SPDX-License-Identifier: GPL-2.0
/*
 * replay_variant.c - one policy variant: its model, slab model, identity maps and per-CPU
 * lists, and how it applies the operation stream.
 *
 * Identity, not placement: a trace pfn names an allocation; the variant's model chooses where
 * it lives. fwd maps a live allocation's trace pfn to its model pfn (with order and type), rev
 * maps back (for migration, which the model reports through the migrate callback). Pages the
 * warm start allocated carry their own pfn and no map entry; a bit per pfn marks them until
 * they are freed or moved. A free whose trace pfn is in neither is counted as unknown.
 *
 * Per-CPU lists (the pcp switch, on by default): a grouped refill takes a bulk from the
 * model (rmqueue_bulk) onto the variant's list for that CPU, type and order; an allocation of a
 * PCP order takes the list's head, or goes to the model when the list is empty; a free of a PCP
 * order goes to the list's head; a pcpu_drain event returns the list's tail to the model. Pages
 * on a list are allocated in the model and cannot migrate, as in the kernel.
 *
 * Expected workload: a few million operations per second per variant; one hash lookup and one
 * model call per page operation, one slab-model call per object operation, no allocation
 * except when a map or list grows.
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>

#define FWD_PFN_MASK	  ((1ull << 48) - 1)
#define FWD_ORDER(v)	  ((unsigned)((v) >> 48) & 15)
#define FWD_MT(v)	  ((int)((v) >> 52) & 7)
#define FWD_VAL(p, o, mt) ((p) | (uint64_t)(o) << 48 | (uint64_t)(mt) << 52)
#define PCP_HIGH_BLOCKS	  4096 /* a list longer than this frees its tail (free_pcppages_bulk) */
#define BULK_MAX	  1024

static int pcp_index(int mt, unsigned order)
{
	unsigned o = order <= PAGE_ALLOC_COSTLY_ORDER ? order : 4;
	return (mt < 0 || mt >= MIGRATE_PCPTYPES ? MIGRATE_MOVABLE : mt) * 5 + (int)o;
}

static struct pcp_list *pcp_of(struct variant_state *v, unsigned cpu, int mt, unsigned order)
{
	return &v->pcp[(cpu % v->nr_cpus) * PCP_LISTS + pcp_index(mt, order)];
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

static int pcp_push_head(struct pcp_list *l, uint64_t pfn)
{
	if (l->count == l->cap && pcp_grow(l))
		return -1;
	l->head = (l->head - 1) & (l->cap - 1);
	l->pfns[l->head] = pfn;
	l->count++;
	return 0;
}

static int pcp_push_tail(struct pcp_list *l, uint64_t pfn)
{
	if (l->count == l->cap && pcp_grow(l))
		return -1;
	l->pfns[(l->head + l->count) & (l->cap - 1)] = pfn;
	l->count++;
	return 0;
}

static bool pcp_pop_head(struct pcp_list *l, uint64_t *pfn)
{
	if (!l->count)
		return false;
	*pfn = l->pfns[l->head];
	l->head = (l->head + 1) & (l->cap - 1);
	l->count--;
	return true;
}

static bool pcp_pop_tail(struct pcp_list *l, uint64_t *pfn)
{
	if (!l->count)
		return false;
	l->count--;
	*pfn = l->pfns[(l->head + l->count) & (l->cap - 1)];
	return true;
}

/*
 * The reverse map (model pfn -> trace pfn) is written at the pfn the model just chose, which no
 * prefetch could foresee: inserts wait in a short queue, their slot prefetched, and reach the
 * map REV_QUEUE inserts later. Every reverse lookup looks in the queue first.
 */
static int rev_find_queued(const struct variant_state *v, uint64_t pfn)
{
	for (unsigned i = 0; i < v->rev_queued; i++)
		if (v->rev_queue[i].key == pfn)
			return (int)i;
	return -1;
}

static void rev_put(struct variant_state *v, uint64_t pfn, uint64_t key)
{
	int i = rev_find_queued(v, pfn);
	if (i >= 0) {
		v->rev_queue[i].val = key;
		return;
	}
	if (v->rev_queued == REV_QUEUE) {
		u64_map_put(&v->rev, v->rev_queue[0].key, v->rev_queue[0].val);
		memmove(v->rev_queue, v->rev_queue + 1, (REV_QUEUE - 1) * sizeof(v->rev_queue[0]));
		v->rev_queued--;
	}
	u64_map_prefetch(&v->rev, pfn);
	v->rev_queue[v->rev_queued++] = (struct u64_slot){ pfn, key };
}

static bool rev_get(const struct variant_state *v, uint64_t pfn, uint64_t *key)
{
	int i = rev_find_queued(v, pfn);
	if (i >= 0) {
		*key = v->rev_queue[i].val;
		return true;
	}
	return u64_map_get(&v->rev, pfn, key);
}

static void rev_del(struct variant_state *v, uint64_t pfn)
{
	int i = rev_find_queued(v, pfn);
	if (i < 0) {
		u64_map_del(&v->rev, pfn);
		return;
	}
	memmove(v->rev_queue + i, v->rev_queue + i + 1,
		(v->rev_queued - (unsigned)i - 1) * sizeof(v->rev_queue[0]));
	v->rev_queued--;
}

/* The model moved an allocation (evacuation, defrag): follow it in the identity maps. */
static void on_migrate(void *ctx, uint64_t old_pfn, uint64_t new_pfn, unsigned order)
{
	struct variant_state *v = ctx;
	uint64_t key, val;

	if (rev_get(v, old_pfn, &key)) {
		rev_del(v, old_pfn);
		if (u64_map_get(&v->fwd, key, &val))
			u64_map_put(&v->fwd, key, (val & ~FWD_PFN_MASK) | new_pfn);
		rev_put(v, new_pfn, key);
	} else if (warm_test(v, old_pfn)) {
		/* a warm-start page: its trace name stays its old pfn */
		warm_clear(v, old_pfn);
		u64_map_put(&v->fwd, old_pfn, FWD_VAL(new_pfn, order, MIGRATE_MOVABLE));
		rev_put(v, new_pfn, old_pfn);
	}
}

int variant_init(struct variant_state *v, struct replay_variant_result *res,
		 const struct host_desc *h, const struct replay_options *opts, unsigned nr_cpus,
		 char *err, size_t errlen)
{
	struct model_config c = h->config;
	int rc = MODEL_ENOMEM;

	memset(v, 0, sizeof(*v));
	v->res = res;
	v->host = h;
	v->opts = opts;
	v->nr_cpus = nr_cpus ? nr_cpus : 1;
	c.policy = res->spec.policy;
	c.params = res->spec.params;
	c.nr_cpus = v->nr_cpus;
	v->model = model_create(&c, &rc);
	if (!v->model)
		goto fail;
	model_set_migrate_callback(v->model, on_migrate, v);
	rc = MODEL_ENOMEM;
	for (unsigned z = 0; z < c.nr_zones; z++) {
		uint64_t end = c.zones[z].start_pfn + c.zones[z].spanned_pages;
		if (end > v->warm_pfns)
			v->warm_pfns = end;
	}
	v->warm = calloc((size_t)(v->warm_pfns / 64 + 1), sizeof(uint64_t));
	v->pcp = calloc((size_t)v->nr_cpus * PCP_LISTS, sizeof(*v->pcp));
	v->bulk = malloc(BULK_MAX * sizeof(*v->bulk));
	if (!v->warm || !v->pcp || !v->bulk || u64_map_init(&v->fwd, 4096) ||
	    u64_map_init(&v->rev, 4096))
		goto fail;
	if (!res->spec.observe) {
		v->slab = slab_model_create(v->model, &res->spec.slab);
		if (!v->slab)
			goto fail;
	}
	rc = host_pin_reserved(h, v->model);
	if (!rc && opts->start == REPLAY_WARM)
		rc = host_warm_start(h, v->model, v->warm);
	if (rc)
		goto fail;
	res->agreement = -1;
	return 0;
fail:
	snprintf(err, errlen, "variant %s: cannot build the model: %s", res->spec.name,
		 model_strerror(rc));
	variant_destroy(v);
	return -1;
}

void variant_destroy(struct variant_state *v)
{
	if (v->slab)
		slab_model_destroy(v->slab);
	if (v->model)
		model_destroy(v->model);
	if (v->fwd.slots)
		u64_map_free(&v->fwd);
	if (v->rev.slots)
		u64_map_free(&v->rev);
	if (v->pcp)
		for (size_t i = 0; i < (size_t)v->nr_cpus * PCP_LISTS; i++)
			free(v->pcp[i].pfns);
	free(v->pcp);
	free(v->bulk);
	free(v->warm);
	free(v->cache_ids);
	memset(v, 0, sizeof(*v));
}

uint64_t variant_free_warm_range(struct variant_state *v, uint64_t pfn, unsigned order,
				 bool warm_only)
{
	uint64_t freed = 0;
	for (uint64_t p = pfn; p < pfn + (1ull << order);) {
		unsigned o;
		if ((!warm_only || warm_test(v, p)) && model_page_allocated(v->model, p, &o) == 1 &&
		    model_free(v->model, p, o) == MODEL_OK) {
			warm_clear(v, p);
			freed += 1ull << o;
			p += 1ull << o;
		} else {
			p++;
		}
	}
	return freed;
}

/* Remember that trace pfn key now lives at model pfn at. */
static void identity_add(struct variant_state *v, const struct replay_op *op, uint64_t at)
{
	uint64_t old;
	if (u64_map_get(&v->fwd, op->key, &old)) {
		/* the trace reuses a pfn whose free we never saw: the old allocation stays */
		v->res->loss.orphaned_allocations++;
		rev_del(v, old & FWD_PFN_MASK);
	}
	u64_map_put(&v->fwd, op->key, FWD_VAL(at, op->order, (unsigned)op->mt & 7));
	rev_put(v, at, op->key);
}

static void page_alloc(struct variant_state *v, const struct replay_op *op)
{
	struct model_alloc_req req = { .order = op->order,
				       .migratetype = op->mt,
				       .gfp = op->gfp,
				       .nid = op->nid,
				       .cpu = op->cpu,
				       .movable = op->mt == MIGRATE_MOVABLE };
	uint64_t at;

	v->res->loss.page_allocs++;
	/* the host took this page from a per-CPU list it held at trace start: it was free */
	if (warm_test(v, op->key) && variant_free_warm_range(v, op->key, op->order, true))
		v->res->loss.warm_page_frees++;
	if (req.migratetype < 0 || req.migratetype >= MIGRATE_PCPTYPES)
		req.migratetype = MIGRATE_UNMOVABLE;
	if (v->res->spec.pcp && (op->flags & OPF_PCP_ORDER) &&
	    pcp_pop_head(pcp_of(v, op->cpu, req.migratetype, op->order), &at)) {
		if (req.movable)
			model_set_movable(v->model, at, true);
	} else if (model_alloc(v->model, &req, &at) != MODEL_OK) {
		v->res->loss.page_alloc_failed++;
		return;
	}
	identity_add(v, op, at);
}

/* A free of an order-0 page inside a larger live allocation: split_page() it first. */
static bool split_containing(struct variant_state *v, uint64_t pfn)
{
	for (unsigned k = 1; k <= MAX_PAGE_ORDER; k++) {
		uint64_t base = pfn & ~((1ull << k) - 1), val;
		if (!u64_map_get(&v->fwd, base, &val) || FWD_ORDER(val) < k)
			continue;
		unsigned order = FWD_ORDER(val);
		uint64_t at = val & FWD_PFN_MASK;
		if (model_split(v->model, at, order) != MODEL_OK)
			return false;
		rev_del(v, at);
		for (uint64_t i = 0; i < (1ull << order); i++) {
			u64_map_put(&v->fwd, base + i, FWD_VAL(at + i, 0, FWD_MT(val)));
			rev_put(v, at + i, base + i);
		}
		return true;
	}
	return false;
}

static void page_free(struct variant_state *v, const struct replay_op *op)
{
	uint64_t val;

	v->res->loss.page_frees++;
	if (warm_test(v, op->key) && !u64_map_get(&v->fwd, op->key, &val)) {
		/* allocated before the trace began (the warm start has it) */
		variant_free_warm_range(v, op->key, op->order, true);
		v->res->loss.warm_page_frees++;
		return;
	}
	if (!u64_map_get(&v->fwd, op->key, &val) &&
	    !(op->order == 0 && split_containing(v, op->key) &&
	      u64_map_get(&v->fwd, op->key, &val))) {
		if (variant_free_warm_range(v, op->key, op->order, true))
			v->res->loss.warm_page_frees++;
		else
			v->res->loss.unknown_page_frees++;
		return;
	}
	uint64_t at = val & FWD_PFN_MASK;
	unsigned order = FWD_ORDER(val);
	u64_map_del(&v->fwd, op->key);
	rev_del(v, at);
	if (v->res->spec.pcp && (op->flags & OPF_PCP_ORDER) && order == op->order) {
		struct pcp_list *l = pcp_of(v, op->cpu, FWD_MT(val), order);
		uint64_t tail;
		model_set_movable(v->model, at, false);
		if (!pcp_push_head(l, at)) {
			if (l->count > PCP_HIGH_BLOCKS && pcp_pop_tail(l, &tail))
				model_free(v->model, tail, order);
			return;
		}
	}
	if (model_free(v->model, at, order) != MODEL_OK)
		v->res->loss.unknown_page_frees++;
}

static void pcp_refill(struct variant_state *v, const struct replay_op *op)
{
	struct model_alloc_req req = {
		.order = op->order, .migratetype = op->mt, .gfp = op->gfp, .nid = -1, .cpu = op->cpu
	};
	unsigned n = 0, count = op->aux < BULK_MAX ? op->aux : BULK_MAX;

	if (req.migratetype < 0 || req.migratetype >= MIGRATE_PCPTYPES)
		return;
	model_alloc_bulk(v->model, &req, count, v->bulk, BULK_MAX, &n);
	for (unsigned i = 0; i < n; i++)
		if (pcp_push_tail(pcp_of(v, op->cpu, op->mt, v->bulk[i].order), v->bulk[i].pfn))
			model_free(v->model, v->bulk[i].pfn, v->bulk[i].order);
}

static void pcp_drain(struct variant_state *v, const struct replay_op *op)
{
	uint64_t at;
	for (unsigned i = 0; i < v->nr_cpus; i++) {
		if (pcp_pop_tail(pcp_of(v, op->cpu + i, op->mt, op->order), &at)) {
			model_free(v->model, at, op->order);
			return;
		}
	}
	v->res->loss.pcp_drain_misses++;
}

static int cache_config_for(struct variant_state *v, const struct decode_caches *dc, uint32_t idx)
{
	const char *name = dc->names[idx];
	struct slab_cache_config cfg = { .name = name };
	const struct host_desc *h = v->host;
	size_t i;

	for (i = 0; i < h->nr_caches; i++)
		if (!strcmp(h->caches[i].name, name))
			break;
	if (i < h->nr_caches) {
		cfg.object_size = h->caches[i].object_size;
		cfg.objects_per_slab = h->caches[i].objs_per_slab;
		cfg.order = h->caches[i].order;
		cfg.reclaimable = h->caches[i].reclaimable;
	} else {
		/* not in the snapshot: SLUB's usual geometry for the size seen */
		cfg.object_size = dc->size[idx] ? dc->size[idx] : 64;
		while (cfg.order < 3 && (4096u << cfg.order) / cfg.object_size < 8)
			cfg.order++;
		cfg.objects_per_slab = (4096u << cfg.order) / cfg.object_size;
		if (!cfg.objects_per_slab)
			cfg.objects_per_slab = 1;
	}
	cfg.shrinkable = slab_shrinkable_by_default(name);
	return slab_cache_create(v->slab, &cfg);
}

static int cache_id(struct variant_state *v, const struct decode_caches *dc, uint32_t idx)
{
	if (idx >= v->nr_cache_ids) {
		size_t n = v->nr_cache_ids ? v->nr_cache_ids : 64;
		while (n <= idx)
			n *= 2;
		int *ids = realloc(v->cache_ids, n * sizeof(*ids));
		if (!ids)
			return -1;
		for (size_t i = v->nr_cache_ids; i < n; i++)
			ids[i] = -2;
		v->cache_ids = ids;
		v->nr_cache_ids = n;
	}
	if (v->cache_ids[idx] == -2)
		v->cache_ids[idx] = cache_config_for(v, dc, idx);
	return v->cache_ids[idx];
}

static void slab_alloc(struct variant_state *v, const struct replay_op *op, int cache)
{
	int rc;
	v->res->loss.slab_allocs++;
	if (cache < 0)
		return;
	rc = slab_obj_alloc(v->slab, cache, op->key, op->gfp, op->nid, op->cpu, op->ts);
	if (rc == MODEL_ESTATE) {
		/* the object's free was lost: free the old one and take the new */
		slab_obj_free(v->slab, op->key);
		rc = slab_obj_alloc(v->slab, cache, op->key, op->gfp, op->nid, op->cpu, op->ts);
	}
	if (rc != MODEL_OK)
		v->res->loss.slab_alloc_failed++;
}

#define PREFETCH_FAR  16 /* ops ahead: the slab hash slot */
#define PREFETCH_NEAR 8	 /* ops ahead: the object the slot names */

static inline bool is_slab_op(const struct replay_op *op)
{
	return op->kind == OP_SLAB_ALLOC || op->kind == OP_KMALLOC || op->kind == OP_SLAB_FREE;
}

static inline bool is_page_op(const struct replay_op *op)
{
	return op->kind == OP_PAGE_ALLOC || op->kind == OP_PAGE_FREE;
}

void variant_apply(struct variant_state *v, const struct replay_op *ops, size_t n,
		   const struct decode_caches *dc)
{
	for (size_t i = 0; i < n; i++) {
		const struct replay_op *op = &ops[i];
		/* the slab model's lookups miss the cache; the next ops are known, so ask early */
		if (i + PREFETCH_FAR < n && is_slab_op(&ops[i + PREFETCH_FAR]))
			slab_prefetch(v->slab, ops[i + PREFETCH_FAR].key, 0);
		if (i + PREFETCH_NEAR < n && ops[i + PREFETCH_NEAR].kind == OP_SLAB_FREE)
			slab_prefetch(v->slab, ops[i + PREFETCH_NEAR].key, 1);
		if (i + PREFETCH_FAR < n && is_page_op(&ops[i + PREFETCH_FAR]))
			u64_map_prefetch(&v->fwd, ops[i + PREFETCH_FAR].key);
		if (i + PREFETCH_NEAR < n && ops[i + PREFETCH_NEAR].kind == OP_PAGE_FREE) {
			uint64_t val;
			if (u64_map_peek(&v->fwd, ops[i + PREFETCH_NEAR].key, &val))
				u64_map_prefetch(&v->rev, val & FWD_PFN_MASK);
		}
		uint64_t ts = op->ts > v->last_ts ? op->ts : v->last_ts;
		while (ts >= v->next_sample_ns) {
			model_advance(v->model, v->next_sample_ns);
			variant_sample(v, v->next_sample_ns);
		}
		if (ts != v->last_ts) {
			v->last_ts = ts;
			model_advance(v->model, ts);
		}
		v->res->events++;
		switch (op->kind) {
		case OP_PAGE_ALLOC:
			page_alloc(v, op);
			break;
		case OP_PAGE_FREE:
			page_free(v, op);
			break;
		case OP_PCP_REFILL:
			if (v->res->spec.pcp)
				pcp_refill(v, op);
			break;
		case OP_PCP_DRAIN:
			if (v->res->spec.pcp)
				pcp_drain(v, op);
			break;
		case OP_SLAB_ALLOC:
			slab_alloc(v, op, cache_id(v, dc, op->aux));
			break;
		case OP_KMALLOC:
			slab_alloc(v, op, slab_kmalloc_cache(v->slab, op->aux, op->gfp));
			break;
		case OP_SLAB_FREE:
			v->res->loss.slab_frees++;
			slab_obj_free(v->slab, op->key);
			break;
		case OP_SLAB_PAGE:
			v->res->loss.slab_page_events++;
			break;
		default:
			break;
		}
	}
}

void variant_sample(struct variant_state *v, uint64_t t_ns)
{
	struct replay_variant_result *r = v->res;
	if (r->nr_samples == v->samples_cap) {
		size_t cap = v->samples_cap ? v->samples_cap * 2 : 256;
		struct replay_sample *s = realloc(r->samples, cap * sizeof(*s));
		if (!s) {
			v->next_sample_ns += v->opts->sample_ns; /* drop the sample, keep going */
			return;
		}
		r->samples = s;
		v->samples_cap = cap;
	}
	struct replay_sample *s = &r->samples[r->nr_samples++];
	memset(s, 0, sizeof(*s));
	s->t_ns = t_ns;
	s->pass = v->pass;
	model_stats(v->model, &s->stats);
	if (v->slab) {
		struct slab_stats st;
		slab_model_stats(v->slab, &st);
		s->slab_pages = st.slab_pages;
		s->slab_objects = st.objects;
	}
	if (s->stats.tainted_regions > r->max_tainted)
		r->max_tainted = s->stats.tainted_regions;
	if (r->nr_samples == 1 || s->stats.tainted_regions < r->min_tainted)
		r->min_tainted = s->stats.tainted_regions;
	if (v->opts->check_model && !v->check_failure) {
		v->check_failure = model_check(v->model, v->check_buf, sizeof(v->check_buf));
		if (!v->check_failure && v->slab)
			v->check_failure =
				slab_model_check(v->slab, v->check_buf, sizeof(v->check_buf));
	}
	v->next_sample_ns = t_ns + v->opts->sample_ns;
}

/* The last sample, final statistics and the SPB map. */
void variant_finish(struct variant_state *v, uint64_t t_ns)
{
	struct replay_variant_result *r = v->res;

	model_advance(v->model, t_ns);
	variant_sample(v, t_ns);
	r->final = r->samples[r->nr_samples - 1].stats;
	if (v->slab)
		slab_model_stats(v->slab, &r->slab);
	r->loss.unknown_slab_frees = r->slab.unknown_frees;
	r->loss.frees_after_reclaim = r->slab.frees_after_reclaim;
	r->model_bytes = model_memory_bytes(v->model);
	size_t max =
		r->final.tainted_regions + r->final.clean_regions + r->final.empty_regions + 64;
	struct model_region *mr = malloc(max * sizeof(*mr));
	r->regions = calloc(max, sizeof(*r->regions));
	if (!mr || !r->regions) {
		free(mr);
		return;
	}
	size_t n = model_regions(v->model, mr, max);
	for (size_t i = 0; i < n; i++)
		r->regions[i].region = mr[i];
	r->nr_regions = n;
	/* SPB counters, summed per region (an SPB cut by a zone edge is two partial ones) */
	for (unsigned z = 0; z < model_nr_zones(v->model); z++)
		for (unsigned s = 0; s < model_zone_nr_spbs(v->model, z); s++) {
			struct model_spb_info info;
			if (model_spb_info(v->model, z, s, &info))
				continue;
			uint64_t start = info.start_pfn & ~(uint64_t)(SUPERPAGEBLOCK_NR_PAGES - 1);
			for (size_t i = 0; i < n; i++) {
				struct replay_region *rg = &r->regions[i];
				if (rg->region.start_pfn != start)
					continue;
				rg->has_spb = true;
				rg->nr_free += info.nr_free;
				rg->nr_unmovable += info.nr_unmovable;
				rg->nr_reclaimable += info.nr_reclaimable;
				rg->nr_movable += info.nr_movable;
			}
		}
	free(mr);
}
