// SPDX-License-Identifier: GPL-2.0
/*
 * model_init.c - building a model: zones and their geometry, pageblocks, superpageblocks
 * (setup_superpageblocks, init_pageblock_migratetype), zonelists, and the boot-time free of
 * all present memory (memblock_free_all: MAX_PAGE_ORDER blocks in pfn order, to the tail).
 *
 * Geometry is kept in pageblocks: zone edges are rounded out to 2 MiB and a hole covers every
 * pageblock it touches (counted in nr_reserved). SPBs are 1 GiB aligned, the first and last of
 * a zone may be partial, and total_pageblocks is zone-clipped, as in init_one_superpageblock.
 * This file also holds the small accessors (event names, parameters, errors).
 */
#include "model_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/*
 * The page array is the model's one big table and is read at random (a free names any pfn):
 * it is mapped with transparent huge pages so that a lookup costs a cache miss, not also a TLB
 * miss. Untouched parts (holes between zones) cost no memory.
 */
static void *big_zalloc(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

void model_params_default(struct model_params *p)
{
	memset(p, 0, sizeof(*p));
	p->spb_tainted_reserve_min = 4;
	p->spb_tainted_reserve_divisor = 32;
	p->spb_aggressive_threshold = 8;
	p->warm_hints = true;
	p->from_tainted_spb = true;
	p->pass_2c = true;
	p->pass_2d = true;
	p->highorder_optional_gate = true;
	p->nowarn_lower_order = true;
	p->highatomic = true;
	p->page_reporting = true;
	p->page_reporting_order = PAGEBLOCK_ORDER;
	p->watermark_boost_factor = 15000;
	p->evacuation = true;
	p->defrag = true;
	p->trigger_demand = true;
	p->trigger_supply = true;
	p->trigger_proactive = true;
	p->last_chance_defrag = true;
	p->evac_requests = 64;
	p->evac_throttle_ns = 10000000ull;
	p->evac_max_candidates = 16;
	p->evac_max_pb_per_sb = 8;
	p->defrag_cooldown_ns = 5000000000ull;
	p->slab_shrink_target_objs = PAGEBLOCK_NR_PAGES * 4;
	p->worker_latency_ns = 100000ull;
	/* worker run costs, measured on this project's host (docs/model.md, "Workers take time") */
	p->worker_time = true;
	p->migrate_page_ns = 13000;
	p->reclaim_clean_page_ns = 1400;
	p->evacuate_pageblock_ns = 14000;
	p->shrink_object_ns = 2600;
	p->shrink_round_ns = 12600;
	p->seed = 1;
	p->direct_reclaim = true;
	p->max_reclaim_retries = 16;
	p->direct_compaction = true;
}

void model_config_simple(struct model_config *c, enum model_policy policy, uint64_t mem_bytes)
{
	uint64_t pages = mem_bytes >> PAGE_SHIFT_4K;
	uint64_t dma_end = 4096, low_end = (3ull << 30) >> PAGE_SHIFT_4K;
	uint64_t four_g = (4ull << 30) >> PAGE_SHIFT_4K;

	memset(c, 0, sizeof(*c));
	c->policy = policy;
	model_params_default(&c->params);
	c->zones[c->nr_zones++] =
		(struct model_zone_config){ .type = ZONE_DMA, .spanned_pages = dma_end };
	if (pages <= dma_end)
		return;
	uint64_t low = pages < low_end ? pages : low_end;
	c->zones[c->nr_zones++] = (struct model_zone_config){ .type = ZONE_DMA32,
							      .start_pfn = dma_end,
							      .spanned_pages = low - dma_end };
	if (pages > low_end)
		c->zones[c->nr_zones++] = (struct model_zone_config){
			.type = ZONE_NORMAL, .start_pfn = four_g, .spanned_pages = pages - low_end
		};
}

const char *model_strerror(int error)
{
	switch (error) {
	case MODEL_OK:
		return "success";
	case MODEL_ENOMEM:
		return "no free page can serve the request";
	case MODEL_EINVAL:
		return "invalid argument";
	case MODEL_ESTATE:
		return "the page is not in the state this call needs";
	case MODEL_ENOSPACE:
		return "cannot allocate the model for this geometry";
	default:
		return "unknown error";
	}
}

static const char *const event_names[] = {
#define X(name) #name,
	MODEL_VM_EVENTS(X)
#undef X
};

const char *model_event_name(enum model_vm_event event)
{
	return (unsigned)event < MODEL_NR_VM_EVENTS ? event_names[event] : "?";
}

uint64_t model_event(const struct model *m, enum model_vm_event event)
{
	return (unsigned)event < MODEL_NR_VM_EVENTS ? m->events[event] : 0;
}

uint64_t model_now(const struct model *m)
{
	return m->now_ns;
}

size_t model_memory_bytes(const struct model *m)
{
	return m->memory_bytes;
}

void model_set_migrate_callback(struct model *m, model_migrate_fn fn, void *ctx)
{
	m->migrate_fn = fn;
	m->migrate_ctx = ctx;
}

void model_set_pcp_callback(struct model *m, model_pcp_fn fn, void *ctx)
{
	m->pcp_fn = fn;
	m->pcp_ctx = ctx;
	m->pcp_pop_fn = NULL; /* a pop belongs to one hook and its ctx: set it again after this */
}

void model_set_pcp_pop_callback(struct model *m, model_pcp_pop_fn fn)
{
	m->pcp_pop_fn = fn;
}

void model_set_shrink_callback(struct model *m, model_shrink_fn fn, void *ctx)
{
	m->shrink_fn = fn;
	m->shrink_ctx = ctx;
}

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}
static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static int check_config(const struct model_config *c)
{
	if (!c->nr_zones || c->nr_zones > MODEL_MAX_ZONES)
		return MODEL_EINVAL;
	for (unsigned i = 0; i < c->nr_zones; i++) {
		const struct model_zone_config *a = &c->zones[i];
		if (!a->spanned_pages || a->type >= MAX_NR_ZONES || a->nid < 0 ||
		    a->nid >= MODEL_MAX_NODES || a->start_pfn + a->spanned_pages < a->start_pfn)
			return MODEL_EINVAL;
		for (unsigned j = 0; j < i; j++) {
			const struct model_zone_config *b = &c->zones[j];
			uint64_t a0 = align_down(a->start_pfn, PAGEBLOCK_NR_PAGES);
			uint64_t a1 = align_up(a->start_pfn + a->spanned_pages, PAGEBLOCK_NR_PAGES);
			uint64_t b0 = align_down(b->start_pfn, PAGEBLOCK_NR_PAGES);
			uint64_t b1 = align_up(b->start_pfn + b->spanned_pages, PAGEBLOCK_NR_PAGES);
			if (a0 < b1 && b0 < a1)
				return MODEL_EINVAL;
			if (a->nid == b->nid && a->type == b->type)
				return MODEL_EINVAL;
		}
	}
	return MODEL_OK;
}

/* setup_superpageblocks() + init_one_superpageblock() for one zone. */
static int setup_superpageblocks(struct model *m, struct zone *z)
{
	uint64_t base = align_down(z->zone_start_pfn, SUPERPAGEBLOCK_NR_PAGES);
	uint64_t end = align_up(z->zone_end_pfn, SUPERPAGEBLOCK_NR_PAGES);

	z->superpageblock_base_pfn = base;
	z->nr_superpageblocks = (uint32_t)((end - base) >> SUPERPAGEBLOCK_ORDER);
	z->superpageblocks = aligned_alloc(64, z->nr_superpageblocks * sizeof(*z->superpageblocks));
	z->superpageblocks_cold = calloc(z->nr_superpageblocks, sizeof(*z->superpageblocks_cold));
	if (!z->superpageblocks || !z->superpageblocks_cold)
		return MODEL_ENOSPACE;
	memset(z->superpageblocks, 0, z->nr_superpageblocks * sizeof(*z->superpageblocks));
	m->memory_bytes += z->nr_superpageblocks *
			   (sizeof(*z->superpageblocks) + sizeof(*z->superpageblocks_cold));
	for (unsigned l = 0; l < SPB_NR_LISTS; l++)
		z->spb_lists[l] = (struct spb_list){ SPB_NIL, SPB_NIL, 0 };
	memset(z->mru_head, 0xff, sizeof(z->mru_head));
	memset(z->sb_hint, 0xff, sizeof(z->sb_hint));
	memset(z->mru_tail, 0xff, sizeof(z->mru_tail));
	for (uint32_t i = 0; i < z->nr_superpageblocks; i++) {
		struct superpageblock *sb = &z->superpageblocks[i];
		struct superpageblock_cold *cold = &z->superpageblocks_cold[i];
		uint64_t s = base + ((uint64_t)i << SUPERPAGEBLOCK_ORDER);
		uint64_t lo = s > z->zone_start_pfn ? s : z->zone_start_pfn;
		uint64_t hi = s + SUPERPAGEBLOCK_NR_PAGES < z->zone_end_pfn
				      ? s + SUPERPAGEBLOCK_NR_PAGES
				      : z->zone_end_pfn;
		sb->start_pfn = s;
		sb->total_pageblocks =
			(uint16_t)((hi - lo + PAGEBLOCK_NR_PAGES - 1) >> PAGEBLOCK_ORDER);
		sb->nr_reserved = sb->total_pageblocks;
		sb->prev = sb->next = SPB_NIL;
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
			for (unsigned t = 0; t < MIGRATE_TYPES; t++) {
				cold->free_head[o][t] = cold->free_tail[o][t] = PW_NIL;
				cold->mru_prev[o][t] = cold->mru_next[o][t] = MRU_NIL;
			}
		if (m->policy == MODEL_POLICY_SPB)
			spb_list_add_tail(z, sb,
					  SPB_LIST_CAT0 + SB_TAINTED * NR_SB_FULLNESS + SB_FULL);
	}
	return MODEL_OK;
}

/* init_pageblock_migratetype(): a present pageblock starts MOVABLE and stops being reserved. */
static void init_pageblock_migratetype(struct model *m, struct zone *z, uint64_t pfn)
{
	set_pageblock_migratetype(m, pfn, MIGRATE_MOVABLE);
	if (m->policy != MODEL_POLICY_SPB)
		return;
	struct superpageblock *sb = pfn_to_superpageblock(z, pfn);
	sb->nr_reserved--;
	__spb_set_has_type(m, pfn, MIGRATE_MOVABLE);
	spb_update_list(m, z, sb);
}

static bool pageblock_in_hole(const struct model_config *c, uint64_t pfn)
{
	for (unsigned i = 0; i < c->nr_holes; i++) {
		const struct model_hole *h = &c->holes[i];
		if (pfn < h->start_pfn + h->nr_pages && h->start_pfn < pfn + PAGEBLOCK_NR_PAGES)
			return true;
	}
	return false;
}

/* Whether a block of this order at pfn lies inside the zone and covers only present pageblocks. */
static bool range_present(struct model *m, const struct zone *z, uint64_t pfn, unsigned order)
{
	uint64_t end = pfn + (1ull << order);

	if ((pfn & ((1ull << order) - 1)) || end > z->zone_end_pfn)
		return false;
	for (uint64_t p = pfn; p < end; p += PAGEBLOCK_NR_PAGES)
		if (pfn_pageblock(m, p)->reserved)
			return false;
	return true;
}

/* memblock_free_all(): free each run of present pageblocks in the largest aligned blocks. */
static void free_present_memory(struct model *m, struct zone *z)
{
	uint64_t pfn = z->zone_start_pfn;

	while (pfn < z->zone_end_pfn) {
		if (pfn_pageblock(m, pfn)->reserved) {
			pfn += PAGEBLOCK_NR_PAGES;
			continue;
		}
		unsigned order = MAX_PAGE_ORDER;
		while (order > PAGEBLOCK_ORDER && !range_present(m, z, pfn, order))
			order--;
		free_one_page(m, z, pfn, order, true);
		z->present_pages += 1ull << order;
		pfn += 1ull << order;
	}
}

static void build_zonelists(struct model *m)
{
	for (int nid = 0; nid < m->nr_nodes; nid++)
		for (int top = 0; top < MAX_NR_ZONES; top++) {
			uint8_t n = 0;
			for (int k = 0; k < m->nr_nodes; k++) {
				int node = (nid + k) % m->nr_nodes;
				for (int t = top; t >= 0; t--)
					for (unsigned i = 0; i < m->nr_zones; i++)
						if (m->zones[i].nid == node &&
						    (int)m->zones[i].type == t)
							m->zonelist[nid][top][n++] = (uint8_t)i;
			}
			m->zonelist_len[nid][top] = n;
		}
}

struct model *model_create(const struct model_config *c, int *error)
{
	struct model *m;
	int rc = check_config(c);

	if (rc) {
		if (error)
			*error = rc;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		if (error)
			*error = MODEL_ENOSPACE;
		return NULL;
	}
	m->config = *c;
	m->config.holes = NULL;
	m->p = c->params;
	/* its own only member until model_set_share() (model_share.c) */
	m->share_members = 1;
	memset(m->share_same, 0xff, sizeof(m->share_same));
	spb_tainted_reserve_init(m);
	m->policy = c->policy;
	m->rng = c->params.seed ? c->params.seed : 0x9e3779b97f4a7c15ull;
	m->base_pfn = UINT64_MAX;
	m->nr_zones = c->nr_zones;
	for (unsigned i = 0; i < c->nr_zones; i++) {
		struct zone *z = &m->zones[i];
		const struct model_zone_config *zc = &c->zones[i];
		z->idx = i;
		z->nid = zc->nid;
		z->type = zc->type;
		z->zone_start_pfn = align_down(zc->start_pfn, PAGEBLOCK_NR_PAGES);
		z->zone_end_pfn = align_up(zc->start_pfn + zc->spanned_pages, PAGEBLOCK_NR_PAGES);
		z->wmark_min = zc->wmark_min;
		z->wmark_low = zc->wmark_low;
		memcpy(z->lowmem_reserve, zc->lowmem_reserve, sizeof(z->lowmem_reserve));
		if (align_down(z->zone_start_pfn, SUPERPAGEBLOCK_NR_PAGES) < m->base_pfn)
			m->base_pfn = align_down(z->zone_start_pfn, SUPERPAGEBLOCK_NR_PAGES);
		if (align_up(z->zone_end_pfn, SUPERPAGEBLOCK_NR_PAGES) > m->end_pfn)
			m->end_pfn = align_up(z->zone_end_pfn, SUPERPAGEBLOCK_NR_PAGES);
		if (zc->nid + 1 > m->nr_nodes)
			m->nr_nodes = zc->nid + 1;
		if (zc->type == ZONE_DMA32)
			m->node_has_dma32[zc->nid] = true;
	}
	uint64_t pages = m->end_pfn - m->base_pfn;
	m->page_bytes = pages * sizeof(*m->page);
	m->page = big_zalloc(m->page_bytes);
	m->pb = calloc(pages >> PAGEBLOCK_ORDER, sizeof(*m->pb));
	m->region_memo = calloc(pages >> SUPERPAGEBLOCK_ORDER, sizeof(*m->region_memo));
	size_t total_spbs = 0;
	for (unsigned i = 0; i < m->nr_zones; i++)
		total_spbs += (align_up(m->zones[i].zone_end_pfn, SUPERPAGEBLOCK_NR_PAGES) -
			       align_down(m->zones[i].zone_start_pfn, SUPERPAGEBLOCK_NR_PAGES)) >>
			      SUPERPAGEBLOCK_ORDER;
	m->nr_cpus = c->nr_cpus ? c->nr_cpus : 1;
	m->warm_hints = malloc(m->nr_cpus * sizeof(*m->warm_hints));
	if (m->warm_hints)
		memset(m->warm_hints, 0xff, m->nr_cpus * sizeof(*m->warm_hints));
	/* every single-flight item: a request each, an SPB each, two shrinks a node (one running) */
	m->work_cap = m->p.evac_requests + total_spbs + 2 * (size_t)m->nr_nodes + 16;
	m->work = calloc(m->work_cap, sizeof(*m->work));
	m->work_next_ns = UINT64_MAX;
	m->boost_end_ns = UINT64_MAX;
	m->cpu_free_ns = calloc(m->nr_cpus, sizeof(*m->cpu_free_ns));
	m->cpu_mark = calloc(m->nr_cpus, sizeof(*m->cpu_mark));
	if (!m->page || !m->pb || !m->region_memo || !m->work || !m->warm_hints ||
	    !m->cpu_free_ns || !m->cpu_mark) {
		model_destroy(m);
		if (error)
			*error = MODEL_ENOSPACE;
		return NULL;
	}
	m->memory_bytes = sizeof(*m) + m->page_bytes + (pages >> PAGEBLOCK_ORDER) * sizeof(*m->pb) +
			  (pages >> SUPERPAGEBLOCK_ORDER) * sizeof(*m->region_memo) +
			  m->work_cap * sizeof(*m->work) + m->nr_cpus * sizeof(*m->warm_hints) +
			  m->nr_cpus * (sizeof(*m->cpu_free_ns) + sizeof(*m->cpu_mark));
	m->booting = true;
	for (uint64_t r = 0; r < pages >> SUPERPAGEBLOCK_ORDER; r++)
		m->region_memo[r].stale = true;
	for (uint64_t b = 0; b < pages >> PAGEBLOCK_ORDER; b++) {
		m->pb[b].zone = 0xff;
		m->pb[b].reserved = 1;
	}
	for (unsigned i = 0; i < m->nr_zones; i++) {
		struct zone *z = &m->zones[i];
		rc = setup_superpageblocks(m, z);
		if (rc) {
			model_destroy(m);
			if (error)
				*error = rc;
			return NULL;
		}
		for (uint64_t pfn = z->zone_start_pfn; pfn < z->zone_end_pfn;
		     pfn += PAGEBLOCK_NR_PAGES) {
			struct pageblock *pb = pfn_pageblock(m, pfn);
			pb->zone = (uint8_t)i;
			if (pageblock_in_hole(c, pfn))
				continue;
			pb->reserved = 0;
			init_pageblock_migratetype(m, z, pfn);
		}
	}
	for (unsigned i = 0; i < m->nr_zones; i++)
		free_present_memory(m, &m->zones[i]);
	build_zonelists(m);
	m->booting = false;
	if (error)
		*error = MODEL_OK;
	return m;
}

void model_destroy(struct model *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->nr_zones; i++) {
		free(m->zones[i].superpageblocks);
		free(m->zones[i].superpageblocks_cold);
	}
	if (m->page)
		munmap(m->page, m->page_bytes);
	free(m->pb);
	free(m->region_memo);
	free(m->work);
	free(m->cpu_free_ns);
	free(m->cpu_mark);
	free(m->warm_hints);
	free(m->share_absorbed);
	free(m);
}
