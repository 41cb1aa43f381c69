// SPDX-License-Identifier: GPL-2.0
/*
 * replay_variant.c - one policy variant: its model, slab model, identity maps and per-CPU
 * lists, and how it applies the operation stream.
 *
 * Identity, not placement: a trace pfn names an allocation; the variant's model chooses where
 * it lives (replay_identity.c keeps the names). A free whose trace pfn names no live allocation
 * and no page of the warm start is counted as unknown.
 *
 * Per-CPU lists (the pcp switch, on by default; replay_pcp.c): an allocation of a PCP order goes
 * through rmqueue_pcplist (the lists, refilled by the variant's own rules when empty), a free
 * of a PCP order through free_frozen_page_commit. Under pcp_trace the lists follow the host's
 * refill and drain events instead, and an allocation that finds its list empty goes to the
 * model. Pages on a list are allocated in the model and cannot migrate, as in the kernel.
 *
 * Expected workload: a few million operations per second per variant; one identity-map load and
 * one model call per page operation, one slab-model call per object operation, no allocation
 * except when a map or list grows.
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>

/* The variant's own start= key, else the run's --start; auto: warm for mainline and observe
 * (the host's own placement is mainline's), placed for the SPB policy (docs/replay.md). */
static enum replay_start variant_start_mode(const struct replay_variant_spec *spec,
					    enum replay_start run)
{
	enum replay_start s = spec->start != REPLAY_START_AUTO ? spec->start : run;
	if (spec->observe)
		return s == REPLAY_COLD ? REPLAY_COLD : REPLAY_WARM;
	if (s == REPLAY_START_AUTO)
		return spec->policy == MODEL_POLICY_MAINLINE ? REPLAY_WARM : REPLAY_PLACED;
	return s;
}

/*
 * Slab pages through the variant's per-CPU lists, as SLUB's come through the kernel's
 * (allocate_slab -> rmqueue_pcplist; __free_slab -> free_unref_page): the host's refills of
 * the lists (replayed as OP_PCP_REFILL) were for its slab pages too, so a slab model that took
 * its pages from the buddy allocator left those refilled pages on the lists and took as many
 * again. An empty list, or an order the lists do not hold, goes to the buddy allocator.
 */
static int slab_page_alloc(void *ctx, const struct model_alloc_req *q, uint64_t *pfn)
{
	struct variant_state *v = ctx;
	int mt = q->migratetype;

	if (!pcp_allowed_order(q->order) || mt < 0 || mt >= MIGRATE_PCPTYPES || q->cpu < 0)
		return model_alloc(v->model, q, pfn);
	/* the kernel's list rules: rmqueue_pcplist() refills and bounds the lists itself */
	if (v->pcps)
		return rmqueue_pcplist(v, q, pfn);
	if (pcp_rmqueue_smallest(v, (unsigned)q->cpu, mt, q->order, pfn))
		return MODEL_OK;
	return model_alloc(v->model, q, pfn);
}

static void slab_page_free(void *ctx, uint64_t pfn, unsigned order, int mt, int cpu)
{
	struct variant_state *v = ctx;

	if (pcp_allowed_order(order) && mt >= 0 && mt < MIGRATE_PCPTYPES && cpu >= 0 &&
	    variant_pcp_free(v, (unsigned)cpu, mt, order, pfn))
		return;
	model_free(v->model, pfn, order);
}

static int variant_alloc_start_maps(struct variant_state *v)
{
	size_t n = (size_t)v->warm_pfns + 1;
	if (v->warm_pfns >= START_NONE)
		return -1;
	v->start_at = malloc(n * sizeof(*v->start_at));
	v->start_name = malloc(n * sizeof(*v->start_name));
	if (!v->start_at || !v->start_name)
		return -1;
	memset(v->start_at, 0xff, n * sizeof(*v->start_at));
	memset(v->start_name, 0xff, n * sizeof(*v->start_name));
	return 0;
}

/* The one error path of variant_create() and variant_start(): say why, free what was built. */
static int variant_build_failed(struct variant_state *v, int rc, char *err, size_t errlen)
{
	snprintf(err, errlen, "variant %s: cannot build the model: %s", v->res->spec.name,
		 model_strerror(rc));
	variant_destroy(v);
	return -1;
}

void variant_spec_for_host(struct replay_variant_spec *spec, const struct host_desc *h)
{
	/* the host's free page reporting, where the trace says (docs/replay.md); -V wins */
	if (!spec->observe && h->fig.have_page_reporting) {
		if (!replay_param_overridden(spec, "page_reporting"))
			spec->params.page_reporting = h->fig.page_reporting_on;
		if (h->fig.page_reporting_on &&
		    !replay_param_overridden(spec, "page_reporting_order"))
			spec->params.page_reporting_order = h->fig.page_reporting_order;
	}
	if (h->fig.have_watermark_boost_factor &&
	    !replay_param_overridden(spec, "watermark_boost_factor"))
		spec->params.watermark_boost_factor = h->fig.watermark_boost_factor;
}

int variant_create(struct variant_state *v, struct replay_variant_result *res,
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
	variant_spec_for_host(&res->spec, h);
	c.policy = res->spec.policy;
	c.params = res->spec.params;
	c.nr_cpus = v->nr_cpus;
	v->model = model_create(&c, &rc);
	if (!v->model)
		goto fail;
	model_set_migrate_callback(v->model, variant_on_migrate, v);
	rc = MODEL_ENOMEM;
	for (unsigned z = 0; z < c.nr_zones; z++) {
		uint64_t end = c.zones[z].start_pfn + c.zones[z].spanned_pages;
		if (end > v->warm_pfns)
			v->warm_pfns = end;
	}
	v->warm = calloc((size_t)(v->warm_pfns / 64 + 1), sizeof(uint64_t));
	v->pcp = calloc((size_t)v->nr_cpus * PCP_LISTS, sizeof(*v->pcp));
	v->bulk = malloc(BULK_MAX * sizeof(*v->bulk));
	if (!v->warm || !v->pcp || !v->bulk || pfn_map_init(&v->fwd, v->warm_pfns) ||
	    pfn_map32_init(&v->rev, v->warm_pfns))
		goto fail;
	if (!res->spec.observe) {
		v->slab = slab_model_create(v->model, &res->spec.slab);
		if (!v->slab)
			goto fail;
		if (res->spec.pcp)
			slab_set_page_ops(v->slab, &(struct slab_page_ops){ slab_page_alloc,
									    slab_page_free, v });
	}
	return 0;
fail:
	return variant_build_failed(v, rc, err, errlen);
}

int variant_start(struct variant_state *v, char *err, size_t errlen)
{
	struct replay_variant_result *res = v->res;
	const struct host_desc *h = v->host;
	const struct replay_options *opts = v->opts;
	int rc = MODEL_ENOMEM;

	/* a supplied layout (--layout, --mem) has no start page map to start from */
	res->start = opts->layout || opts->mem_bytes ? REPLAY_COLD
						     : variant_start_mode(&res->spec, opts->start);
	if (res->start == REPLAY_PLACED && variant_alloc_start_maps(v))
		goto fail;
	rc = host_pin_reserved(h, v->model);
	if (!rc && res->start == REPLAY_WARM)
		rc = host_warm_start(h, v->model, v->warm, res->spec.start_highatomic,
				     &res->loss.start_highatomic_pageblocks);
	if (!rc && res->start == REPLAY_PLACED)
		rc = host_place_start(h, v->model, v);
	if (!rc && !res->spec.observe)
		rc = variant_lru_init(v);
	if (!rc && !res->spec.observe && res->spec.compaction && variant_compaction_init(v))
		rc = MODEL_ENOMEM;
	if (!rc && !res->spec.observe && res->spec.pcp && !res->spec.pcp_trace)
		rc = variant_pcp_init(v);
	if (rc)
		goto fail;
	/* no lists of the kernel's rules, nothing to decay: variant_clock() never finds it due */
	if (!v->pcps)
		v->pcp_decay_ns = UINT64_MAX;
	res->agreement = -1;
	return 0;
fail:
	return variant_build_failed(v, rc, err, errlen);
}

void variant_destroy(struct variant_state *v)
{
	if (v->slab)
		slab_model_destroy(v->slab);
	if (v->model)
		model_destroy(v->model);
	pfn_map_free(&v->fwd);
	pfn_map32_free(&v->rev);
	variant_pcp_free_lists(v);
	free(v->bulk);
	variant_lru_destroy(v);
	variant_compaction_destroy(v);
	free(v->warm);
	free(v->fallback);
	free(v->start_at);
	free(v->start_name);
	free(v->seen);
	free(v->fast);
	free(v->cache_ids);
	free(v->share_absorbed);
	memset(v, 0, sizeof(*v));
}

/* A page allocation the host served that this variant failed: by order, NORETRY, movable. */
static void page_alloc_failed(struct variant_state *v, const struct replay_op *op)
{
	v->res->loss.page_alloc_failed++;
	if (op->order <= MAX_PAGE_ORDER)
		v->res->loss.page_alloc_failed_order[op->order]++;
	if (op->gfp & MODEL_GFP_NORETRY)
		v->res->loss.page_alloc_failed_noretry++;
	if (op->mt == MIGRATE_MOVABLE)
		v->res->loss.page_alloc_failed_movable++;
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
	variant_fallback_forget(v, op->key);
	/* the trace's free of a page this variant reclaimed was lost: it is the host's again */
	variant_reclaimed_take(v, op->key, op->order);
	/* the host took this page from a per-CPU list it held at trace start: it was free */
	if (warm_test(v, op->key) && variant_free_warm_range(v, op->key, op->order, true))
		v->res->loss.warm_page_frees++;
	if (req.migratetype < 0 || req.migratetype >= MIGRATE_PCPTYPES)
		req.migratetype = MIGRATE_UNMOVABLE;
	if (v->pcps)
		variant_pcp_watermark(v, op->order, req.gfp);
	if (v->pcps && (op->flags & OPF_PCP_ORDER)) {
		/* rmqueue(): a PCP order through the variant's own per-CPU lists */
		if (rmqueue_pcplist(v, &req, &at) != MODEL_OK) {
			if (!variant_caller_fallback(v, op))
				page_alloc_failed(v, op);
			return;
		}
		if (req.movable)
			model_set_movable(v->model, at, true);
	} else if (v->res->spec.pcp && (op->flags & OPF_PCP_ORDER) &&
		   pcp_rmqueue_smallest(v, op->cpu, req.migratetype, op->order, &at)) {
		if (req.movable)
			model_set_movable(v->model, at, true);
	} else if (model_alloc(v->model, &req, &at) != MODEL_OK) {
		/* the caller's fallback to smaller orders (replay_fallback.c) */
		if (!variant_caller_fallback(v, op))
			page_alloc_failed(v, op);
		return;
	}
	if (replay_is_page_cache(op))
		variant_identity_add_lru(v, op, at);
	else
		variant_identity_add(v, op, at);
}

/*
 * The host drained a page from a per-CPU list (mm_page_pcpu_drain) that the variant still holds
 * from the warm start: a page on one of the host's lists when the trace began (the start page
 * map shows it allocated, zoneinfo's pagesets count it), which the variant's own lists never
 * held. free_pcppages_bulk() gave it to the buddy allocator now, so the variant frees it too;
 * before, it stayed held until the trace allocated its pfn again. The variant's own lists
 * follow the kernel's rules and ignore the host's drains otherwise.
 */
static void start_pcp_drain(struct variant_state *v, const struct replay_op *op)
{
	if (op->key < v->warm_pfns && warm_test(v, op->key))
		v->res->loss.start_pcp_drain_pages +=
			variant_free_warm_range(v, op->key, op->order, true);
}

/* The trace freed the block the variant holds at model pfn at: to a per-CPU list or the model. */
static void free_held_block(struct variant_state *v, const struct replay_op *op, uint64_t at,
			    unsigned order, int mt)
{
	if (v->res->spec.pcp && (op->flags & OPF_PCP_ORDER) && order == op->order) {
		model_set_movable(v->model, at, false);
		if (variant_pcp_free(v, op->cpu, mt, order, at))
			return;
	}
	if (model_free(v->model, at, order) != MODEL_OK)
		v->res->loss.unknown_page_frees++;
}

/*
 * A start THP freed whole (mm_page_free of order 9 at a pfn the warm start holds): the kernel's
 * free_frozen_pages() / free_unref_folios() put it on the freeing CPU's per-CPU list, the
 * pageblock order being pcp_allowed_order(), and only a drain past pcp->high gives it to the
 * buddy allocator (free_frozen_page_commit). The warm start took the folio as 512 order-0
 * pages (the page map has no folios), so it is made one block again (prep_compound_page) and
 * freed as the variant frees any THP. Order-0 and orders 1-3 start folios take the per-CPU list
 * too, as the kernel's would (start_pcp_free, on by default); with start_pcp_free=0 they go
 * straight to the buddy lists (docs/replay.md, "Frees of memory allocated before the trace").
 * False when the variant has no per-CPU lists or the folio is not held whole and aligned.
 */
static bool free_start_folio_pcp(struct variant_state *v, const struct replay_op *op)
{
	const uint64_t n = 1ull << op->order;
	uint64_t at = start_model_pfn(v, op->key);
	bool thp = op->order == PAGEBLOCK_ORDER;

	if ((!thp && !v->res->spec.start_pcp_free) || !v->res->spec.pcp ||
	    !(op->flags & OPF_PCP_ORDER) || at == UINT64_MAX || (at & (n - 1)) ||
	    op->key + n > v->warm_pfns)
		return false;
	for (uint64_t i = 0; i < n; i++)
		if (!warm_test(v, op->key + i) || start_model_pfn(v, op->key + i) != at + i)
			return false;
	if (model_prep_compound(v->model, at, op->order) != MODEL_OK)
		return false;
	for (uint64_t i = 0; i < n; i++) {
		if (v->lru.reclaimed)
			variant_lru_warm_gone(v, op->key + i, 0);
		warm_clear(v, op->key + i);
		if (v->start_name)
			v->start_name[at + i] = START_NONE;
	}
	if (thp)
		v->res->loss.start_thp_pcp_frees++;
	else
		v->res->loss.start_folio_pcp_frees++;
	free_held_block(v, op, at, op->order, MIGRATE_MOVABLE);
	return true;
}

/*
 * Start pages the host migrated (a flagged free; the warm start took a folio as order-0
 * pages): their memory moves first (replay_compaction.c). A folio is as movable as its head.
 */
static void warm_compaction_source(struct variant_state *v, const struct replay_op *op)
{
	unsigned cls = PC_TAIL, o;
	/* a tail at the start (a folio split since) is as movable as the folio's head was */
	for (uint64_t h = op->key; cls == PC_TAIL && op->key - h <= (1u << MAX_PAGE_ORDER); h--) {
		cls = page_class(v->host->start_map, v->host->start_map_pfns, h);
		if (!h)
			break;
	}
	bool movable = cls == PC_ANON || cls == PC_PAGECACHE;
	for (uint64_t p = op->key; p < op->key + (1ull << op->order); p++) {
		uint64_t at = start_model_pfn(v, p);
		if (warm_test(v, p) && at != UINT64_MAX &&
		    model_page_allocated(v->model, at, &o) == 1 &&
		    variant_compaction_source(v, p, at, o, movable)) {
			/* kept in place: no longer the start block the trace names p */
			if (v->lru.reclaimed)
				variant_lru_warm_gone(v, p, o);
			for (uint64_t i = 0; i < (1ull << o); i++) {
				if (start_model_pfn(v, p + i) != at + i)
					continue;
				warm_clear(v, p + i);
				if (v->start_name)
					v->start_name[at + i] = START_NONE;
			}
		}
	}
}

static void page_free(struct variant_state *v, const struct replay_op *op)
{
	uint64_t val;

	v->res->loss.page_frees++;
	/* a folio the variant served by smaller pieces (replay_fallback.c): all of them (an
	 * order-0 page never is one: not asked, the call saved) */
	if (op->order && variant_fallback_free(v, op))
		return;
	if (variant_reclaimed_take(v, op->key, op->order)) {
		/* this variant's direct reclaim dropped the page before the host did; the rest of
		 * the host's folio, which it took page by page, goes now (replay_reclaim.c) */
		v->res->loss.page_frees_after_reclaim++;
		if (op->order)
			v->res->loss.reclaim_rest_pages +=
				variant_free_warm_range(v, op->key, op->order, true);
		return;
	}
	bool found = pfn_map_get(&v->fwd, op->key, &val);
	/* a start slab the slab model adopted (slab_free, below): its page is the model's */
	if (!found && op->order == 0 && op->key < v->warm_pfns && v->slab &&
	    slab_start_page_freed(v->slab, start_model_pfn(v, op->key)))
		return;
	if (!found && warm_test(v, op->key)) {
		/* allocated before the trace began (the warm start has it) */
		if (op->flags & OPF_COMPACT_SRC)
			warm_compaction_source(v, op);
		if ((op->flags & OPF_COMPACT_SRC) || !free_start_folio_pcp(v, op))
			variant_free_warm_range(v, op->key, op->order, true);
		v->res->loss.warm_page_frees++;
		return;
	}
	/* an order-0 free inside (or at the head of) a larger allocation: split_page() first */
	if (op->order == 0 && (!found || FWD_ORDER(val) > 0) &&
	    variant_split_containing(v, op->key))
		found = pfn_map_get(&v->fwd, op->key, &val);
	if (!found) {
		uint64_t at;
		unsigned order;
		if (variant_free_warm_range(v, op->key, op->order, true)) {
			v->res->loss.warm_page_frees++;
		} else if (variant_compaction_dest(v, op, &at, &order)) {
			/* a destination of the host's compaction (or its scanner's page back) */
			if (at == MODEL_NO_PFN)
				return;
			if ((op->flags & OPF_COMPACT_SRC) &&
			    variant_compaction_source(v, op->key, at, order, true))
				return;
			free_held_block(v, op, at, order, MIGRATE_MOVABLE);
		} else {
			if (op->flags & OPF_COMPACT_SRC)
				v->res->compaction.sources_unknown++;
			v->res->loss.unknown_page_frees++;
		}
		return;
	}
	uint64_t at = val & FWD_PFN_MASK;
	unsigned order = FWD_ORDER(val);
	bool kept =
		(op->flags & OPF_COMPACT_SRC) &&
		variant_compaction_source(v, op->key, at, order, FWD_MT(val) == MIGRATE_MOVABLE);
	pfn_map_del(&v->fwd, op->key);
	variant_rev_del(v, at);
	variant_lru_forget(v, val);
	if (!kept)
		free_held_block(v, op, at, order, FWD_MT(val));
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
		/* not in the snapshots: SLUB's usual geometry for the size the trace's allocations
		 * give; a cache named only by frees, with no allocation in the trace, has no size
		 * anywhere: 64 bytes, counted */
		cfg.object_size = dc->size[idx];
		if (!cfg.object_size) {
			cfg.object_size = 64;
			v->res->loss.slab_cache_size_guessed++;
		}
		while (cfg.order < 3 && (4096u << cfg.order) / cfg.object_size < 8)
			cfg.order++;
		cfg.objects_per_slab = (4096u << cfg.order) / cfg.object_size;
		if (!cfg.objects_per_slab)
			cfg.objects_per_slab = 1;
	}
	cfg.shrinkable = slab_shrinkable_by_default(name);
	/* the host's own shrinker runs say what share is unused (replay_shrink_calib.c) */
	if (v->res->spec.shrink_calibration &&
	    !replay_param_overridden(&v->res->spec, "freeable_ppm"))
		cfg.has_freeable_ppm = shrink_calib_for_cache(&dc->calib, name, &cfg.freeable_ppm);
	return slab_cache_create(v->slab, &cfg);
}

static int __attribute__((noinline))
cache_id_new(struct variant_state *v, const struct decode_caches *dc, uint32_t idx)
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

/* The slab model's id of trace cache idx, created on first use (cache_id_new, out of line). */
static inline __attribute__((always_inline)) int
cache_id(struct variant_state *v, const struct decode_caches *dc, uint32_t idx)
{
	if (idx < v->nr_cache_ids && v->cache_ids[idx] != -2)
		return v->cache_ids[idx];
	return cache_id_new(v, dc, idx);
}

/*
 * slab_alloc() that the slab model's common case did not take (a new slab, an object for an
 * LRU), out of line; a key still live (its free was lost) or one the slab model refused.
 */
static __attribute__((noinline)) void slab_alloc_slow(struct variant_state *v,
						      const struct replay_op *op, int cache)
{
	int rc = slab_obj_alloc_slow(v->slab, cache, op->key, op->gfp, op->nid, op->cpu, op->ts);

	if (rc == MODEL_ESTATE) {
		/* the object's free was lost: free the old one and take the new */
		slab_obj_free(v->slab, op->key);
		rc = slab_obj_alloc(v->slab, cache, op->key, op->gfp, op->nid, op->cpu, op->ts);
	}
	if (rc != MODEL_OK)
		v->res->loss.slab_alloc_failed++;
}

/* kmem_cache_alloc(): most objects go in at once (slab_obj_alloc_fast, no registers saved). */
static inline __attribute__((always_inline)) void slab_alloc(struct variant_state *v,
							     const struct replay_op *op, int cache)
{
	v->res->loss.slab_allocs++;
	if (cache >= 0 && !slab_obj_alloc_fast(v->slab, cache, op->key, op->nid))
		slab_alloc_slow(v, op, cache);
}

/*
 * kmem_cache_free of an object the slab model does not know (slab_free, below) that is no
 * object of an adopted start slab (slab_free_unknown): one whose page the warm start holds as
 * an order-0 slab page (the start map's class) lies in a slab allocated before the trace; the
 * slab model adopts that page as a slab of the named cache at the first such free, and the
 * page leaves the warm start's hold (slab_obj_free_start). Other frees as slab_obj_free. at is
 * the page's model pfn and cache the named cache, both as slab_free_unknown() found them.
 */
static __attribute__((noinline)) void
slab_free_start(struct variant_state *v, const struct replay_op *op, uint64_t at, int cache)
{
	uint64_t pfn = op->key >> PAGE_SHIFT_4K;
	bool may_adopt = false, adopted;
	unsigned o;

	if (warm_test(v, pfn) &&
	    page_class(v->host->start_map, v->host->start_map_pfns, pfn) == PC_SLAB &&
	    model_page_allocated(v->model, at, &o) == 1 && !o)
		may_adopt = true;
	/* the page's node is for an adoption only (a walk of the zones): not looked up otherwise */
	slab_obj_free_start(v->slab, op->key, cache, at,
			    may_adopt ? host_pfn_nid(v->host, pfn) : -1, op->cpu, may_adopt,
			    &adopted);
	if (adopted) {
		warm_clear(v, pfn);
		if (v->start_name)
			v->start_name[at] = START_NONE;
	}
}

/*
 * The free of an object the slab model does not know: a kfree's (no cache named), or any
 * without a start map, is counted unknown; most others are objects of a start slab adopted
 * already (slab_obj_free_adopted: no node or adoption test needed), the rest go to
 * slab_free_start() with the page and cache found here. Out of line, so the known
 * objects' frees save no registers for it.
 */
static __attribute__((noinline)) void slab_free_unknown(struct variant_state *v,
							const struct replay_op *op,
							const struct decode_caches *dc)
{
	uint64_t at;
	int cache;

	/* a kfree, or no start map: no start slab to look for */
	if (!op->aux || !v->host->start_map ||
	    (at = start_model_pfn(v, op->key >> PAGE_SHIFT_4K)) == UINT64_MAX ||
	    (cache = cache_id(v, dc, op->aux - 1)) < 0) {
		slab_obj_free_not_known(v->slab);
		return;
	}
	if (!slab_obj_free_adopted(v->slab, op->key, cache, at))
		slab_free_start(v, op, at, cache);
}

static inline __attribute__((always_inline)) void
slab_free(struct variant_state *v, const struct replay_op *op, const struct decode_caches *dc)
{
	v->res->loss.slab_frees++;
	/* an object the model holds or reclaimed (nearly every free), else maybe a start slab's */
	if (!slab_obj_free_known(v->slab, op->key))
		slab_free_unknown(v, op, dc);
}

#define PREFETCH_FAR  16 /* ops ahead: the slab hash slot */
#define PREFETCH_NEAR 8	 /* ops ahead: a freed page's model words */

/*
 * The cache lines the operation PREFETCH_FAR ahead will want first: its slab slot, or for a page
 * its pfn entry and the words of the per-trace-pfn bitmaps page_alloc() and page_free() test
 * (warm start, reclaimed) and, for a free under the placed start, its start map entry.
 */
static inline __attribute__((always_inline)) void prefetch_far(const struct variant_state *v,
							       const struct replay_op *op)
{
	switch (op->kind) {
	case OP_SLAB_ALLOC:
	case OP_KMALLOC:
	case OP_SLAB_FREE:
		slab_prefetch_slot(v->slab, op->key);
		break;
	case OP_PAGE_ALLOC:
	case OP_PAGE_FREE:
		pfn_map_prefetch(&v->fwd, op->key);
		if (op->key < v->warm_pfns) {
			__builtin_prefetch(&v->warm[op->key / 64]);
			if (v->lru.reclaimed)
				__builtin_prefetch(&v->lru.reclaimed[op->key / 64]);
			if (op->kind == OP_PAGE_FREE && v->start_at)
				__builtin_prefetch(&v->start_at[op->key]);
		}
		break;
	default:
		break;
	}
}

/*
 * ... and PREFETCH_NEAR ahead, for a page free: what the entry (now cached) points at, the
 * model's page word and pageblock of the allocation (or of the start page). Not for a slab
 * free: the object's slab, prefetched here until session 19, showed no gain in wall time in
 * seven interleaved rounds over two sessions and cost 7.6 instructions per event with its call
 * (bench/RESULTS.md, "Session 19, h20-slab").
 */
static inline __attribute__((always_inline)) void prefetch_near(const struct variant_state *v,
								const struct replay_op *op)
{
	uint64_t val;

	if (op->kind == OP_PAGE_FREE) {
		if (pfn_map_get(&v->fwd, op->key, &val)) {
			pfn_map32_prefetch(&v->rev, val & FWD_PFN_MASK);
			model_prefetch_page(v->model, val & FWD_PFN_MASK);
		} else if (warm_test(v, op->key)) {
			model_prefetch_page(v->model, start_model_pfn(v, op->key));
		}
	}
}

/*
 * The clock moves on to ts, later than last_ts: the samples due up to it, the model's time,
 * the per-CPU lists' decay. After it last_ts < next_sample_ns (only variant_sample() moves
 * next_sample_ns once start_model() has set it, before any operation), so an operation at
 * last_ts or before has nothing due and skips it.
 */
static void variant_clock(struct variant_state *v, uint64_t ts)
{
	while (ts >= v->next_sample_ns) {
		model_advance(v->model, v->next_sample_ns);
		variant_sample(v, v->next_sample_ns);
	}
	v->last_ts = ts;
	model_advance(v->model, ts);
	/* variant_pcp_decay() does nothing before its due time: not called until then (never
	 * without the kernel's lists: variant_start) */
	if (ts >= v->pcp_decay_ns)
		variant_pcp_decay(v, ts);
}

/* One operation: the clock and its samples first, then the operation itself. */
static inline __attribute__((always_inline)) void
apply_op(struct variant_state *v, const struct replay_op *op, const struct decode_caches *dc)
{
	if (op->ts > v->last_ts)
		variant_clock(v, op->ts);
	switch (op->kind) {
	case OP_PAGE_ALLOC:
		page_alloc(v, op);
		break;
	case OP_PAGE_FREE:
		page_free(v, op);
		break;
	case OP_PCP_REFILL: /* the host's; under the kernel's rules the variant refills */
		if (v->res->spec.pcp && !v->pcps)
			variant_pcp_refill(v, op);
		break;
	case OP_PCP_DRAIN:
		if (v->res->spec.pcp && !v->pcps)
			variant_pcp_drain(v, op);
		else
			start_pcp_drain(v, op);
		break;
	case OP_SLAB_ALLOC:
		slab_alloc(v, op, cache_id(v, dc, op->aux));
		break;
	case OP_KMALLOC:
		slab_alloc(v, op, slab_kmalloc_cache(v->slab, op->aux, op->gfp));
		break;
	case OP_SLAB_FREE:
		slab_free(v, op, dc);
		break;
	case OP_SLAB_PAGE:
		v->res->loss.slab_page_events++;
		break;
	case OP_COMPACT_TAKE:
		variant_compaction_take(v, op);
		break;
	case OP_KSWAPD:
		variant_kswapd_event(v, op);
		break;
	case OP_KSWAPD_RUN:
		variant_kswapd_run(v, op);
		break;
	default:
		break;
	}
}

/*
 * The block's operations in order. The slab model's lookups and the identity maps miss the
 * cache; the next operations are known, so their lines are asked for early. The loop is cut
 * where those look-aheads run off the block's end, so the body tests no bounds.
 */
void variant_apply(struct variant_state *v, const struct replay_op *ops, size_t n,
		   const struct decode_caches *dc)
{
	size_t i = 0;

	if (!v->slab_sized && v->slab) {
		/* one map of the size the trace needs, not a rehash at every doubling */
		slab_model_reserve(v->slab, dc->peak_live_objects);
		v->slab_sized = true;
	}
	if (v->slab) {
		for (; i + PREFETCH_FAR < n; i++) {
			prefetch_far(v, &ops[i + PREFETCH_FAR]);
			prefetch_near(v, &ops[i + PREFETCH_NEAR]);
			apply_op(v, &ops[i], dc);
		}
		for (; i + PREFETCH_NEAR < n; i++) {
			prefetch_near(v, &ops[i + PREFETCH_NEAR]);
			apply_op(v, &ops[i], dc);
		}
	}
	for (; i < n; i++)
		apply_op(v, &ops[i], dc);
	v->res->events += n; /* nothing reads it while the block runs */
}
