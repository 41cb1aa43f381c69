// SPDX-License-Identifier: GPL-2.0
/*
 * replay_startlists.c - the host's per-CPU lists at trace start, as the trace names their pages.
 *
 * The start page map shows a page on one of the host's per-CPU lists as in use (it has no
 * flags: an unknown kernel page, or a guessed free tail), and zoneinfo's pagesets count them per
 * zone and CPU, but neither says which pages they are. The trace names many of them: a page whose
 * first event is an mm_page_alloc of a pcp_allowed_order() on CPU c, with no
 * mm_page_alloc_zone_locked before it (no refill took it from the buddy lists, no
 * rmqueue_buddy() served it), came off CPU c's list of its zone and of the request's
 * migratetype (__rmqueue_pcplist() takes pcp->lists[order_to_pindex(migratetype, order)]); a
 * page whose first event is an mm_page_pcpu_drain was on a list of the migratetype the drain
 * names (free_pcppages_bulk(), which traces the pageblock's type: the list's, as
 * free_frozen_pages() chose it, HighAtomic's pages going to the Movable list). A drain names
 * the draining CPU, which is the list's except under drain_all_pages(), where one CPU drains
 * the others' lists; the drain is taken as the event CPU's, and the per-list counts
 * (start_lists_summary) show where that went wrong.
 *
 * The order on each list follows from the kernel's list discipline: __rmqueue_pcplist() takes
 * the head, free_frozen_page_commit() frees to the head, rmqueue_bulk() refills to the tail and
 * free_pcppages_bulk() drains from the tail; the start pages only ever leave at either end, so
 * the pages allocated first lay at the head in the order they were allocated, the pages drained
 * at the tail, the first drained last, and the pages the trace never names between them.
 *
 * The pre-pass (replay_decode.c) feeds every page event here; host_start_lists_build() keeps
 * the named pages that the start map shows in use, sorted into list order, in the host
 * description. A variant with start_lists=1 or 2 (variant_start_lists_place, below) puts them
 * on its own lists at the start, where the warm start otherwise holds them as allocated; with
 * start_list_counts the pages the trace never names count in pcp->count. Both are off by
 * default (docs/replay-history.md: they fail bundled rows).
 *
 * Invariants: a pfn is named at most once (its first page event); the plan is sorted by zone,
 * CPU, list (pindex) and list position. Expected workload: one bitmap test per page event of
 * the pre-pass (a bit per pfn: 768 KiB for 24 GiB), a few thousand to 100k named pages.
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>

int start_lists_init(struct start_lists *s, const struct host_desc *h)
{
	uint64_t max_pfn = 0;

	memset(s, 0, sizeof(*s));
	s->h = h;
	for (unsigned z = 0; z < h->config.nr_zones; z++) {
		const struct model_zone_config *zc = &h->config.zones[z];
		if (zc->start_pfn + zc->spanned_pages > max_pfn)
			max_pfn = zc->start_pfn + zc->spanned_pages;
	}
	s->npfns = max_pfn;
	s->touched = calloc((size_t)(max_pfn / 64 + 1), sizeof(*s->touched));
	return s->touched ? 0 : -1;
}

void start_lists_free(struct start_lists *s)
{
	free(s->touched);
	free(s->pages);
	memset(s, 0, sizeof(*s));
}

/* The host zone (index into h->config.zones) that spans pfn, -1 outside every zone. */
static int host_zone_of(const struct host_desc *h, uint64_t pfn)
{
	for (unsigned z = 0; z < h->config.nr_zones; z++) {
		const struct model_zone_config *zc = &h->config.zones[z];
		if (pfn >= zc->start_pfn && pfn < zc->start_pfn + zc->spanned_pages)
			return (int)z;
	}
	return -1;
}

/* Mark [pfn, pfn + 2^order) named; true when none of it was named before. */
static bool first_event(struct start_lists *s, uint64_t pfn, unsigned order)
{
	bool first = true;

	for (uint64_t p = pfn; p < pfn + (1ull << order) && p < s->npfns; p++) {
		uint64_t bit = 1ull << (p % 64);
		if (s->touched[p / 64] & bit)
			first = false;
		s->touched[p / 64] |= bit;
	}
	return first && pfn < s->npfns;
}

static int add_page(struct start_lists *s, struct start_list_page pg)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct start_list_page *n = realloc(s->pages, cap * sizeof(*n));
		if (!n)
			return -1;
		s->pages = n;
		s->cap = cap;
	}
	pg.seq = (uint32_t)s->n;
	s->pages[s->n++] = pg;
	return 0;
}

int start_lists_feed(struct start_lists *s, const struct trace_event *ev)
{
	const struct host_desc *h = s->h;
	uint64_t pfn;
	unsigned order;
	bool alloc = ev->type == TRACE_PAGE_ALLOC, drain = ev->type == TRACE_PAGE_PCPU_DRAIN;

	if (ev->type == TRACE_PAGE_ALLOC_EXTFRAG) {
		if (ev->extfrag.pfn != UINT64_MAX &&
		    !observe_in_start_map(h, ev->extfrag.pfn, ev->ts))
			first_event(s, ev->extfrag.pfn, 0);
		return 0;
	}
	if (ev->type < TRACE_PAGE_ALLOC || ev->type > TRACE_PAGE_PCPU_DRAIN)
		return 0;
	pfn = ev->page.pfn;
	order = ev->page.order;
	/* the decoder skips events older than the start map's read of their page
	 * (replay_decode.c, before_start_map): the map shows them already */
	if (pfn == UINT64_MAX || order > MAX_PAGE_ORDER || observe_in_start_map(h, pfn, ev->ts))
		return 0;
	if (!first_event(s, pfn, order) || (!alloc && !drain))
		return 0;
	if (!pcp_allowed_order(order) || !h->start_map)
		return 0;
	unsigned cls = page_class_raw(h->start_map, h->start_map_pfns, pfn);
	int zone = host_zone_of(h, pfn);
	int mt = ev->page.migratetype;
	if (cls == PC_FREE || cls == PC_HOLE || zone < 0 || mt < 0 || mt >= MIGRATE_TYPES)
		return 0;
	if (mt >= MIGRATE_PCPTYPES)
		mt = MIGRATE_MOVABLE; /* free_frozen_pages(): HighAtomic, CMA to the Movable list */
	return add_page(s, (struct start_list_page){ .pfn = pfn,
						     .cpu = ev->cpu,
						     .order = (uint8_t)order,
						     .mt = (int8_t)mt,
						     .zone = (uint8_t)zone,
						     .drained = drain,
						     .cls = (uint8_t)cls });
}

/* List order: zone, CPU, pindex; allocated pages first, in order, then drained, last first. */
static int by_list_position(const void *a, const void *b)
{
	const struct start_list_page *x = a, *y = b;
	int px = x->order * MIGRATE_PCPTYPES + x->mt, py = y->order * MIGRATE_PCPTYPES + y->mt;

	if (x->zone != y->zone)
		return x->zone < y->zone ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (px != py)
		return px < py ? -1 : 1;
	if (x->drained != y->drained)
		return x->drained ? 1 : -1;
	if (x->drained)
		return x->seq > y->seq ? -1 : x->seq < y->seq;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int host_start_lists_build(struct host_desc *h, struct start_lists *s)
{
	free(h->start_lists);
	h->start_lists = NULL;
	h->nr_start_lists = 0;
	if (!s->n)
		return 0;
	qsort(s->pages, s->n, sizeof(*s->pages), by_list_position);
	h->start_lists = s->pages;
	h->nr_start_lists = s->n;
	s->pages = NULL;
	s->n = s->cap = 0;
	return 0;
}

void start_lists_summary(const struct host_desc *h, struct start_lists_count *out, size_t max,
			 size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < h->nr_start_lists; i++) {
		const struct start_list_page *pg = &h->start_lists[i];
		size_t k;
		for (k = 0; k < *n; k++)
			if (out[k].zone == pg->zone && out[k].cpu == pg->cpu)
				break;
		if (k == *n) {
			if (*n == max)
				continue;
			memset(&out[k], 0, sizeof(out[k]));
			out[k].zone = pg->zone;
			out[k].cpu = pg->cpu;
			out[k].host_count =
				pg->cpu < HOST_PCP_CPUS ? h->pcp_start_count[pg->zone][pg->cpu] : 0;
			(*n)++;
		}
		out[k].pages[pg->drained][pg->mt] += 1u << pg->order;
		if (pg->cls == PC_FREE_TAIL)
			out[k].free_tail += 1u << pg->order;
	}
}

/*
 * The block [pfn, pfn + 2^order) as one allocated block off the warm start's hold: the warm
 * start took such a page as an order-0 allocation of an unknown kernel page (made one block
 * again, prep_compound_page(), for a larger one), or left it free where the start map guessed
 * a list page free (PC_FREE_TAIL: taken now, as rmqueue_bulk() took it). False: neither.
 */
static bool start_list_take(struct variant_state *v, uint64_t pfn, unsigned order, int mt)
{
	uint64_t n = 1ull << order, warm = 0;
	unsigned o;

	if (pfn + n > v->warm_pfns || (pfn & (n - 1)))
		return false;
	for (uint64_t p = pfn; p < pfn + n; p++)
		warm += warm_test(v, p) && model_page_allocated(v->model, p, &o) == 1 && !o;
	if (warm == n) {
		if (order && model_prep_compound(v->model, pfn, order) != MODEL_OK)
			return false;
		for (uint64_t p = pfn; p < pfn + n; p++)
			warm_clear(v, p);
		return true;
	}
	return !warm && model_alloc_at(v->model, pfn, order, mt, false) == MODEL_OK;
}

/*
 * start_lists=1: the pages the trace names as allocated from the host's start lists go to the
 * tail of the variant's list of their zone, CPU, type and order, in list order (so the first the
 * host allocated is at the head); =2: the pages it names by a drain too, behind them, as the
 * event's CPU's. They are then list pages as any refill's: allocated in the model's buddy
 * counts (not in NR_FREE_PAGES), in pcp->count. The pages the trace never names stay held as
 * the warm start holds them (freed at the host's drain of them, start_pcp_drain); with
 * start_list_counts they count in their list set's pcp->count too (the pagesets' count less
 * the pages placed there), until the host's drains of warm pages take them off
 * (variant_start_counted_drain): pcp->high and the drains past it then see the host's count.
 */
int variant_start_lists_place(struct variant_state *v)
{
	const struct host_desc *h = v->host;
	unsigned mode = v->res->spec.start_lists;
	bool counts = v->res->spec.start_list_counts;
	uint64_t *placed;

	if ((!mode && !counts) || !v->pcps || v->res->start != REPLAY_WARM)
		return MODEL_OK;
	v->start_list = calloc((size_t)(v->warm_pfns / 64 + 1), sizeof(*v->start_list));
	placed = calloc(v->nr_pcp_sets, sizeof(*placed));
	if (!v->start_list || !placed) {
		free(placed);
		return MODEL_ENOMEM;
	}
	for (size_t i = 0; mode && i < h->nr_start_lists; i++) {
		const struct start_list_page *pg = &h->start_lists[i];
		struct pcp_state *s;
		if (pg->drained && mode < 2)
			continue;
		if (!start_list_take(v, pg->pfn, pg->order, pg->mt)) {
			v->res->loss.start_list_skipped++;
			continue;
		}
		unsigned zone = model_pfn_zone(v->model, pg->pfn);
		struct pcp_list *l =
			variant_pcp_zone_list(v, zone, pg->cpu % v->nr_cpus, pg->mt, pg->order, &s);
		if (pcp_push_tail(l, pg->pfn)) {
			model_free(v->model, pg->pfn, pg->order);
			free(placed);
			return MODEL_ENOMEM;
		}
		s->count += 1 << pg->order;
		placed[s - v->pcps] += 1ull << pg->order;
		v->start_list[pg->pfn / 64] |= 1ull << (pg->pfn % 64);
		unsigned type =
			zone < h->config.nr_zones ? (unsigned)h->config.zones[zone].type : 0;
		if (type < 4)
			v->res->loss.start_list_pages[type] += 1ull << pg->order;
	}
	if (counts && !(v->start_counted = calloc(v->nr_pcp_sets, sizeof(*v->start_counted)))) {
		free(placed);
		return MODEL_ENOMEM;
	}
	for (unsigned z = 0; counts && z < h->config.nr_zones && z < model_nr_zones(v->model); z++)
		for (unsigned c = 0; c < v->nr_cpus && c < HOST_PCP_CPUS; c++) {
			struct pcp_state *s;
			variant_pcp_zone_list(v, z, c, MIGRATE_UNMOVABLE, 0, &s);
			size_t set = (size_t)(s - v->pcps);
			if (h->pcp_start_count[z][c] <= placed[set])
				continue;
			uint32_t rest = (uint32_t)(h->pcp_start_count[z][c] - placed[set]);
			s->count += (int)rest;
			v->start_counted[set] = rest;
			v->res->loss.start_list_counted += rest;
		}
	free(placed);
	return MODEL_OK;
}

/*
 * start_list_counts: the host drained n pages of its start lists that the warm start held (not
 * named, so not on the variant's lists): they leave the count of the draining CPU's list set of
 * their zone, else of another CPU's there (drain_all_pages() drains them all from one CPU).
 */
void variant_start_counted_drain(struct variant_state *v, const struct replay_op *op, uint64_t n)
{
	unsigned zone = model_pfn_zone(v->model, op->key);

	for (unsigned i = 0; n && i < v->nr_cpus; i++) {
		struct pcp_state *s;
		variant_pcp_zone_list(v, zone, (op->cpu + i) % v->nr_cpus, MIGRATE_UNMOVABLE, 0,
				      &s);
		uint32_t *left = &v->start_counted[s - v->pcps];
		uint32_t take = n < *left ? (uint32_t)n : *left;
		if (!take)
			continue;
		*left -= take;
		n -= take;
		/* never below the pages the set's lists hold (a drain that found the lists
		 * empty set the count to 0 already: free_pcppages_bulk) */
		int real = 0;
		for (unsigned o = 0; o < PCP_ORDERS; o++)
			for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
				struct pcp_state *t;
				unsigned cpu = (op->cpu + i) % v->nr_cpus;
				real += (int)(variant_pcp_zone_list(v, zone, cpu, mt, o, &t)->count
					      << o);
			}
		s->count = s->count - (int)take > real ? s->count - (int)take : real;
		v->res->loss.start_list_counted_drained += take;
	}
}

/* Take pfn out of list l (a ring buffer), searching from the tail, where drains take. */
static bool pcp_list_remove(struct pcp_list *l, uint64_t pfn)
{
	for (uint32_t i = l->count; i-- > 0;) {
		uint32_t at = (l->head + i) & (l->cap - 1);
		if (l->pfns[at] != pfn)
			continue;
		for (uint32_t j = i; j + 1 < l->count; j++)
			l->pfns[(l->head + j) & (l->cap - 1)] =
				l->pfns[(l->head + j + 1) & (l->cap - 1)];
		l->count--;
		return true;
	}
	return false;
}

/*
 * The host drained (mm_page_pcpu_drain) a page start_lists put on a list of this variant: when
 * the variant still holds it there, free_pcppages_bulk() gave it to the buddy allocator on the
 * host, so it leaves the variant's list now too. A page the variant has since allocated (in its
 * identity maps) or freed is not on a list; any other is looked for on the lists of its zone,
 * type and order of every CPU.
 */
bool variant_start_list_drain(struct variant_state *v, const struct replay_op *op)
{
	uint64_t pfn = op->key, key;
	unsigned o;

	if (!v->start_list || pfn >= v->warm_pfns || !((v->start_list[pfn / 64] >> (pfn % 64)) & 1))
		return false;
	v->start_list[pfn / 64] &= ~(1ull << (pfn % 64));
	if (model_page_allocated(v->model, pfn, &o) != 1 || o != op->order ||
	    variant_rev_get(v, pfn, &key))
		return false;
	unsigned zone = model_pfn_zone(v->model, pfn);
	for (unsigned cpu = 0; cpu < v->nr_cpus; cpu++)
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
			struct pcp_state *s;
			struct pcp_list *l = variant_pcp_zone_list(v, zone, cpu, mt, o, &s);
			if (!pcp_list_remove(l, pfn))
				continue;
			s->count -= 1 << o;
			model_free(v->model, pfn, o);
			v->res->loss.start_list_drained++;
			return true;
		}
	return false;
}
