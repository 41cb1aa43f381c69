// SPDX-License-Identifier: GPL-2.0
/*
 * replay_warm.c - the host's state at trace start, from the start page map, as a plan worked
 * out once per trace and applied to every variant's model.
 *
 * Pins: reserved and offline pages inside present pageblocks are taken as pinned Movable
 * allocations in both start modes (the allocator never owned them, and they do not taint).
 * Tags: the page map has no migratetypes; pagetypeinfo's number of Unmovable and Reclaimable
 * tags go first to the pageblocks the trace shows of that type (replay_pbtypes.c), then to the
 * pageblocks holding the most slab, page-table and unknown kernel pages among those it does not
 * show; the rest stay Movable (set_pageblock_migratetype). Takes: every allocated page is taken at its
 * own pfn (model_alloc_at), typed by its class: anonymous and page-cache pages movable and
 * migratable, unevictable pages movable but pinned, page tables unmovable, slab pages unmovable
 * or their pageblock's non-movable tag, unknown kernel pages (often pages on per-CPU lists) the
 * type of their pageblock, pinned. Runs of one kind are taken in aligned power-of-two blocks
 * and split (split_page), so a 24 GiB map costs about one free-list operation per run, not per
 * page; each taken page then counts as an order-0 allocation, as the page map describes it.
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>

static bool pinned_class(unsigned k)
{
	return k == PC_RESERVED || k == PC_OFFLINE || k == PC_HOLE;
}

static bool nonmovable_class(unsigned k)
{
	return k == PC_SLAB || k == PC_PAGETABLE || k == PC_UNKNOWN;
}

struct plan {
	struct warm_step *steps;
	size_t n, cap;
};

static int plan_add(struct plan *p, struct warm_step s)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4096;
		struct warm_step *n = realloc(p->steps, cap * sizeof(*n));
		if (!n)
			return -1;
		p->steps = n;
		p->cap = cap;
	}
	p->steps[p->n++] = s;
	return 0;
}

/* A run [pfn, pfn + len) of one kind as aligned power-of-two blocks. */
static int plan_run(struct plan *p, uint64_t pfn, uint64_t len, struct warm_step s)
{
	while (len) {
		unsigned o = 0;
		while (o < MAX_PAGE_ORDER && !(pfn & (1ull << o)) && (2ull << o) <= len)
			o++;
		s.pfn = pfn;
		s.order = (uint8_t)o;
		if (plan_add(p, s))
			return -1;
		pfn += 1ull << o;
		len -= 1ull << o;
	}
	return 0;
}

static bool in_hole(const struct host_desc *h, uint64_t pfn)
{
	for (unsigned i = 0; i < h->config.nr_holes; i++)
		if (pfn >= h->holes[i].start_pfn &&
		    pfn < h->holes[i].start_pfn + h->holes[i].nr_pages)
			return true;
	return false;
}

/* Pinned pages of every zone, outside the holes (whose pageblocks the model does not have). */
static int plan_pins(const struct host_desc *h, struct plan *p)
{
	for (unsigned z = 0; z < h->config.nr_zones; z++) {
		const struct model_zone_config *zc = &h->config.zones[z];
		uint64_t end = zc->start_pfn + zc->spanned_pages, run = 0, len = 0;
		for (uint64_t pfn = zc->start_pfn; pfn <= end; pfn++) {
			bool pin = pfn < end &&
				   pinned_class(page_class(h->start_map, h->start_map_pfns, pfn)) &&
				   !in_hole(h, pfn);
			if (pin && !len)
				run = pfn;
			if (pin) {
				len++;
				continue;
			}
			struct warm_step s = { .kind = WARM_PIN, .mt = MIGRATE_MOVABLE };
			if (len && plan_run(p, run, len, s))
				return -1;
			len = 0;
		}
	}
	return 0;
}

struct pb_score {
	uint64_t pfn;
	uint32_t nonmovable;
};

static int by_score(const void *a, const void *b)
{
	const struct pb_score *x = a, *y = b;
	if (x->nonmovable != y->nonmovable)
		return x->nonmovable < y->nonmovable ? 1 : -1;
	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/*
 * The tag pageblock sc may take, or -1. Pageblocks whose type the trace shows (seen) take their
 * own type's tags first, in score order; the tags left go by score to the pageblocks it does not
 * show, Unmovable first; a pageblock the trace shows Movable takes none.
 */
static int tag_for(const struct pb_types *seen, const struct pb_score *sc, bool shown_only,
		   size_t *left)
{
	int mt = seen ? pb_types_get(seen, sc->pfn) : -1;

	if (shown_only) {
		if (mt != MIGRATE_UNMOVABLE && mt != MIGRATE_RECLAIMABLE)
			return -1;
		return left[mt] ? mt : -1;
	}
	if (mt >= 0)
		return -1;
	if (left[MIGRATE_UNMOVABLE])
		return MIGRATE_UNMOVABLE;
	return left[MIGRATE_RECLAIMABLE] ? MIGRATE_RECLAIMABLE : -1;
}

/*
 * start/pagetypeinfo's HighAtomic pageblocks of zone z: the pageblocks still Movable whose type
 * the trace does not show, most free pages first (the host's reserve was a wholly or nearly
 * free pageblock on every measured trace: docs/replay-history.md, "The warm start's free pages
 * by type"), as WARM_TAG steps of MIGRATE_HIGHATOMIC, applied by variants with
 * start_highatomic=1 only. tags[] keeps them Movable (the takes are every variant's).
 */
static int plan_highatomic(const struct host_desc *h, const struct pb_types *seen, unsigned z,
			   uint64_t base, const uint8_t *tags, struct plan *p)
{
	const struct model_zone_config *zc = &h->config.zones[z];
	uint64_t end = zc->start_pfn + zc->spanned_pages;
	size_t want = h->pb_counts[z][MIGRATE_HIGHATOMIC], n = 0;
	size_t cap = (size_t)((end - base) / PAGEBLOCK_NR_PAGES + 1);
	struct pb_score *s = calloc(cap, sizeof(*s)); /* nonmovable: here the free pages */
	int rc = 0;

	if (!s)
		return -1;
	for (uint64_t pb = base; pb < end && n < cap; pb += PAGEBLOCK_NR_PAGES) {
		struct pb_score sc = { .pfn = pb };
		if (tags[(pb - base) / PAGEBLOCK_NR_PAGES] != MIGRATE_MOVABLE ||
		    (seen && pb_types_get(seen, pb) >= 0))
			continue;
		for (uint64_t q = pb < zc->start_pfn ? zc->start_pfn : pb;
		     q < pb + PAGEBLOCK_NR_PAGES && q < end; q++)
			sc.nonmovable += page_class(h->start_map, h->start_map_pfns, q) == PC_FREE;
		if (sc.nonmovable)
			s[n++] = sc;
	}
	qsort(s, n, sizeof(*s), by_score);
	for (size_t i = 0; i < n && i < want && !rc; i++)
		rc = plan_add(p, (struct warm_step){ .pfn = s[i].pfn,
						     .kind = WARM_TAG,
						     .mt = MIGRATE_HIGHATOMIC });
	free(s);
	return rc;
}

/* Zone z's pageblock tags into tags[] (index from base) and the plan. */
static int plan_tags(const struct host_desc *h, const struct pb_types *seen, unsigned z,
		     uint64_t base, uint8_t *tags, struct plan *p)
{
	const struct model_zone_config *zc = &h->config.zones[z];
	uint64_t end = zc->start_pfn + zc->spanned_pages;
	size_t n = 0, cap = (size_t)((end - base) / PAGEBLOCK_NR_PAGES + 1);
	size_t left[MIGRATE_PCPTYPES] = { 0 };
	struct pb_score *s = calloc(cap, sizeof(*s));
	if (!s)
		return -1;
	for (uint64_t pb = base; pb < end && n < cap; pb += PAGEBLOCK_NR_PAGES) {
		struct pb_score sc = { .pfn = pb };
		for (uint64_t q = pb; q < pb + PAGEBLOCK_NR_PAGES; q++)
			sc.nonmovable +=
				nonmovable_class(page_class(h->start_map, h->start_map_pfns, q));
		if (sc.nonmovable || (seen && pb_types_get(seen, pb) >= 0))
			s[n++] = sc;
	}
	memset(tags, MIGRATE_MOVABLE, cap);
	qsort(s, n, sizeof(*s), by_score);
	left[MIGRATE_UNMOVABLE] = h->have_pb_counts ? h->pb_counts[z][MIGRATE_UNMOVABLE] : n;
	left[MIGRATE_RECLAIMABLE] = h->have_pb_counts ? h->pb_counts[z][MIGRATE_RECLAIMABLE] : 0;
	/* the most non-movable first take the Unmovable tags, the next Reclaimable */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			size_t t = (size_t)((s[i].pfn - base) / PAGEBLOCK_NR_PAGES);
			int mt = tags[t] == MIGRATE_MOVABLE ? tag_for(seen, &s[i], pass == 0, left)
							    : -1;
			if (mt < 0)
				continue;
			left[mt]--;
			tags[t] = (uint8_t)mt;
			if (plan_add(p, (struct warm_step){ .pfn = s[i].pfn,
							    .kind = WARM_TAG,
							    .mt = (int8_t)mt })) {
				free(s);
				return -1;
			}
		}
	free(s);
	if (h->have_pb_counts && h->pb_counts[z][MIGRATE_HIGHATOMIC])
		return plan_highatomic(h, seen, z, base, tags, p);
	return 0;
}

/* What the warm start takes at pfn (kind 0: nothing), from its class and pageblock tag. */
static struct warm_step take_of(unsigned k, int tag)
{
	struct warm_step s = { .kind = WARM_TAKE, .mt = MIGRATE_UNMOVABLE };
	if (k == PC_FREE || pinned_class(k))
		return (struct warm_step){ 0 };
	s.movable = k == PC_ANON || k == PC_PAGECACHE;
	if (s.movable || k == PC_UNEVICTABLE)
		s.mt = MIGRATE_MOVABLE;
	if (k == PC_UNKNOWN || (k == PC_SLAB && tag != MIGRATE_MOVABLE))
		s.mt = (int8_t)tag;
	return s;
}

static bool same_take(struct warm_step a, struct warm_step b)
{
	return a.kind == b.kind && a.mt == b.mt && a.movable == b.movable;
}

/* Zone z's takes: runs of pages with the same type and mobility. */
static int plan_takes(const struct host_desc *h, unsigned z, uint64_t base, const uint8_t *tags,
		      struct plan *p)
{
	const struct model_zone_config *zc = &h->config.zones[z];
	uint64_t end = zc->start_pfn + zc->spanned_pages, run = zc->start_pfn;
	struct warm_step cur = { 0 };
	unsigned last = PC_UNKNOWN;
	for (uint64_t pfn = zc->start_pfn; pfn <= end; pfn++) {
		struct warm_step s = { 0 };
		if (pfn < end) {
			unsigned k = page_class(h->start_map, h->start_map_pfns, pfn);
			if (k == PC_TAIL)
				k = last; /* a compound page's tail is what its head is */
			else
				last = k;
			s = take_of(k, tags[(pfn - base) / PAGEBLOCK_NR_PAGES]);
		}
		if (pfn < end && same_take(s, cur))
			continue;
		if (cur.kind && plan_run(p, run, pfn - run, cur))
			return -1;
		cur = s;
		run = pfn;
	}
	return 0;
}

int host_warm_plan_build(struct host_desc *h, const struct pb_types *seen)
{
	struct plan p = { 0 };
	free(h->plan); /* built again once the pre-pass has seen the pageblocks' types */
	h->plan = NULL;
	h->nr_plan = h->nr_pin_steps = 0;
	if (!h->start_map)
		return 0;
	if (plan_pins(h, &p))
		goto nomem;
	h->nr_pin_steps = p.n;
	for (unsigned z = 0; z < h->config.nr_zones; z++) {
		const struct model_zone_config *zc = &h->config.zones[z];
		uint64_t base = zc->start_pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
		uint8_t *tags = malloc((size_t)(zc->spanned_pages / PAGEBLOCK_NR_PAGES + 2));
		if (!tags || plan_tags(h, seen, z, base, tags, &p) ||
		    plan_takes(h, z, base, tags, &p)) {
			free(tags);
			goto nomem;
		}
		free(tags);
	}
	h->plan = p.steps;
	h->nr_plan = p.n;
	return 0;
nomem:
	free(p.steps);
	return -1;
}

/* Take one block and split it into order-0 allocations; page by page if part is taken. */
static int take_block(struct model *m, const struct warm_step *s, uint64_t *warm)
{
	int rc = model_alloc_at(m, s->pfn, s->order, s->mt, s->movable);
	if (rc && s->order) {
		struct warm_step page = *s;
		page.order = 0;
		for (uint64_t q = s->pfn; q < s->pfn + (1ull << s->order); q++) {
			page.pfn = q;
			if ((rc = take_block(m, &page, warm)))
				return rc;
		}
		return 0;
	}
	if (rc)
		return rc == MODEL_ESTATE || rc == MODEL_EINVAL ? 0 : rc;
	if (s->order)
		model_split(m, s->pfn, s->order);
	if (warm)
		for (uint64_t q = s->pfn; q < s->pfn + (1ull << s->order); q++)
			warm[q / 64] |= 1ull << (q % 64);
	return 0;
}

int host_pin_reserved(const struct host_desc *h, struct model *m)
{
	for (size_t i = 0; i < h->nr_pin_steps; i++) {
		int rc = take_block(m, &h->plan[i], NULL);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * The takes first, then the tags: on an empty model every pageblock lies inside a free block
 * of MAX_PAGE_ORDER, which spans two pageblocks, and model_set_pageblock_migratetype refuses
 * a pageblock inside a free block larger than a pageblock (MODEL_ESTATE), so tags applied
 * before the takes were all dropped and every variant started with no Unmovable or
 * Reclaimable pageblock.
 */
int host_warm_start(const struct host_desc *h, struct model *m, uint64_t *warm, bool highatomic,
		    uint64_t *nr_highatomic)
{
	for (int tags = 0; tags < 2; tags++)
		for (size_t i = h->nr_pin_steps; i < h->nr_plan; i++) {
			const struct warm_step *s = &h->plan[i];
			int rc;
			if ((s->kind == WARM_TAG) != tags)
				continue;
			if (tags && s->mt == MIGRATE_HIGHATOMIC) {
				if (!highatomic)
					continue;
				rc = model_reserve_highatomic_at(m, s->pfn);
				*nr_highatomic += rc == MODEL_OK;
			} else {
				rc = tags ? model_set_pageblock_migratetype(m, s->pfn, s->mt)
					  : take_block(m, s, warm);
			}
			if (rc && rc != MODEL_ESTATE && rc != MODEL_EINVAL)
				return rc;
		}
	return 0;
}

/*
 * The placed start (docs/replay.md, "Start states"): the start page map's live memory
 * allocated through the variant's own policy, as order-0 pages in PCP-refill batches
 * (rmqueue_bulk), because that is how the kernel hands out the pages these are (page cache,
 * anonymous memory, slab and page tables arrive page by page through the per-CPU lists). Each
 * trace pfn keeps its name and gets the model pfn the policy chose (start_at, and start_name
 * back), as an allocation during the trace would.
 *
 * Order: the host's pfn order, kinds interleaved as they lie in the page map (a batch ends
 * where the kind changes). The page map records no ages, so any other order invents a history;
 * placing all non-movable memory first (a boot-time history) was measured and rejected: it
 * packs the start into one tainted region with no headroom, after which the SPB variants
 * failed 13-45 times as many of the host's allocations (docs/variants.md, "Start state").
 */
#define PLACE_BATCH 512 /* pages per refill: one pageblock */

struct placer {
	const struct host_desc *h;
	struct model *m;
	struct replay_variant_result *res;
	uint64_t *warm;
	uint32_t *start_at, *start_name;
	struct model_block *blocks;
	unsigned max_blocks;
	uint64_t pending[PLACE_BATCH];
	unsigned n;
	struct warm_step kind;
	int nid;
};

static uint32_t place_gfp(const struct warm_step *s)
{
	/* no direct reclaim: placing the start state must not reclaim the start state */
	uint32_t gfp = s->mt == MIGRATE_MOVABLE ? MODEL_GFP_HIGHUSER_MOVABLE : MODEL_GFP_KERNEL;
	if (s->mt == MIGRATE_RECLAIMABLE)
		gfp |= MODEL_GFP_RECLAIMABLE;
	return (gfp & ~(uint32_t)MODEL_GFP_DIRECT_RECLAIM) | MODEL_GFP_NOWARN;
}

static void place_one(struct placer *p, uint64_t trace_pfn, uint64_t at)
{
	p->start_at[trace_pfn] = (uint32_t)at;
	p->start_name[at] = (uint32_t)trace_pfn;
	p->warm[trace_pfn / 64] |= 1ull << (trace_pfn % 64);
}

/* Place the pending pages: refills from the policy, then the host's own pfn when it fails. */
static void place_flush(struct placer *p)
{
	struct model_alloc_req req = { .order = 0,
				       .migratetype = p->kind.mt,
				       .gfp = place_gfp(&p->kind),
				       .nid = p->nid,
				       .movable = p->kind.movable };
	unsigned got = 0;

	while (got < p->n) {
		unsigned nb = 0;
		if (model_alloc_bulk(p->m, &req, p->n - got, p->blocks, p->max_blocks, &nb) || !nb)
			break;
		for (unsigned b = 0; b < nb; b++) {
			uint64_t pfn = p->blocks[b].pfn;
			unsigned o = p->blocks[b].order;
			if (o)
				model_split(p->m, pfn, o);
			for (uint64_t k = 0; k < (1ull << o); k++) {
				if (got < p->n)
					place_one(p, p->pending[got++], pfn + k);
				else
					model_free(p->m, pfn + k, 0); /* more than asked for */
			}
		}
	}
	p->res->start_placed += got;
	for (; got < p->n; got++) {
		uint64_t q = p->pending[got];
		if (model_alloc_at(p->m, q, 0, p->kind.mt, p->kind.movable) == MODEL_OK) {
			place_one(p, q, q);
			p->res->start_copied++;
		} else {
			p->res->start_unplaced++;
		}
	}
	p->n = 0;
}

int host_pfn_nid(const struct host_desc *h, uint64_t pfn)
{
	for (unsigned z = 0; z < h->config.nr_zones; z++) {
		const struct model_zone_config *zc = &h->config.zones[z];
		if (pfn >= zc->start_pfn && pfn < zc->start_pfn + zc->spanned_pages)
			return zc->nid;
	}
	return -1;
}

int host_place_start(const struct host_desc *h, struct model *m, struct variant_state *v)
{
	struct placer p = { .h = h,
			    .m = m,
			    .res = v->res,
			    .warm = v->warm,
			    .start_at = v->start_at,
			    .start_name = v->start_name,
			    .blocks = v->bulk,
			    .max_blocks = BULK_MAX };

	for (size_t i = h->nr_pin_steps; i < h->nr_plan; i++) {
		const struct warm_step *s = &h->plan[i];
		if (s->kind != WARM_TAKE)
			continue;
		int nid = host_pfn_nid(h, s->pfn);
		if (p.n && (!same_take(*s, p.kind) || nid != p.nid))
			place_flush(&p);
		p.kind = *s;
		p.nid = nid;
		for (uint64_t q = s->pfn; q < s->pfn + (1ull << s->order) && q < v->warm_pfns;
		     q++) {
			p.pending[p.n++] = q;
			if (p.n == PLACE_BATCH)
				place_flush(&p);
		}
	}
	if (p.n)
		place_flush(&p);
	return 0;
}
