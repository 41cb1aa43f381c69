// SPDX-License-Identifier: GPL-2.0
/*
 * replay_observe.c - observe mode: rebuild what the traced host itself did.
 *
 * Instead of letting a policy choose, the trace's own pfns are applied: a zone-locked event
 * takes its block out of the buddy allocator (model_alloc_at), an allocation with no such
 * event before it does the same, a free of a non-PCP order and a pcpu_drain event give their
 * block back. A free of a PCP order only moves the page to a per-CPU list, which the buddy
 * allocator counts as allocated, so it changes nothing until the drain, unless the decoder
 * flagged it as made while the CPU's list lock was held (OPF_PCP_LOCKED: the kernel's trylock
 * failed and free_one_page() freed it to the buddy allocator; counted). At the end the model's
 * free/allocated state of every present page is compared with the end snapshot's page map:
 * the share that agrees is the trace's completeness figure (`fragtrace check`). Lost events,
 * a page map taken while the system ran, and pages that enter or leave the buddy allocator
 * without a kmem event (compaction's free scanner, memblock, hotplug) keep it below 1. Three
 * records stand in for missing kmem events: compaction's free-scanner records (the block
 * scanner's pages are taken at once, the fast scanner's block when an LRU insertion or a free
 * shows where it was), pagemap:mm_lru_insertion (a page the host holds), and
 * mm_page_alloc_extfrag (a fallback that traces nothing else since Linux 6.15). At the end,
 * pages the map cannot place are set apart, not compared: the recorder's own (on traces whose
 * recorder left its page events out), a per-CPU list's page guessed free, and blocks free page
 * reporting held off the free lists while the map was read.
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

/* SEEN_COMPACT: taken for compaction's free scanner by observe_compact_take(), not yet matched */
enum seen_state { SEEN_NONE, SEEN_ALLOC, SEEN_FREE, SEEN_PCP, SEEN_COMPACT };

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
	else if (was == SEEN_ALLOC || was == SEEN_COMPACT)
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

/*
 * A free scanner's take names a range and a count, not pfns, so observe_compact_take() may hold
 * other pages of the range than the host took. When the host frees a block observe holds free,
 * inside a pageblock where observe still holds unmatched scanner pages, the host took that
 * block, not those pages: take the block and give as many scanner pages of the pageblock back
 * (counted as compaction_rebound), so the free that follows finds it allocated.
 */
static void observe_rebind_compact(struct variant_state *v, const struct replay_op *op)
{
	uint64_t n = 1ull << op->order, found = 0;
	uint64_t pb = op->key & ~((1ull << PAGEBLOCK_ORDER) - 1);
	uint64_t end = pb + (1ull << PAGEBLOCK_ORDER), scan;

	/* no scanner take yet: no page in SEEN_COMPACT (the common case, checked first) */
	if (!v->res->causes.compaction_taken || !v->seen || end > v->warm_pfns || op->key + n > end)
		return;
	for (uint64_t p = op->key; p < op->key + n; p++)
		if (!model_pfn_is_free(v->model, p))
			return;
	for (scan = pb; scan < end && found < n; scan++)
		if (v->seen[scan] == SEEN_COMPACT && (scan < op->key || scan >= op->key + n))
			found++;
	if (found < n)
		return;
	if (model_alloc_at(v->model, op->key, op->order, MIGRATE_MOVABLE, true) != MODEL_OK)
		return;
	/* give back the pages taken last (the scanner's upward order), the least likely matched */
	found = 0;
	for (scan = end; scan > pb && found < n; scan--) {
		uint64_t q = scan - 1;
		if (v->seen[q] != SEEN_COMPACT || (q >= op->key && q < op->key + n))
			continue;
		if (model_free(v->model, q, 0) == MODEL_OK)
			v->seen[q] = SEEN_FREE;
		found++;
	}
	v->res->causes.compaction_rebound += n;
}

static void observe_free_of_free(struct variant_state *v, const struct replay_op *op);

static void observe_give(struct variant_state *v, const struct replay_op *op)
{
	uint8_t was = seen_get(v, op->key);

	v->res->loss.page_frees++;
	observe_split_containing(v, op->key, op->order);
	observe_free_of_free(v, op);
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
 * fast_isolate_freepages() takes one free block of a movable free list, of order
 * log2(nr_taken), anywhere in [min_pfn, free_pfn) (the record's range, half the zone): which
 * block depends on the free lists' order, which the trace does not show. Observe holds it as
 * pending (v->fast) and places it when the host frees a page of it that observe holds free (a
 * migrated folio, or release_free_list() giving back the unused rest): the aligned block of
 * that order around the page, if the model holds it free. Newest take first; counted
 * (compaction_fast_bound); takes never placed are counted at the end (compaction_fast_unbound).
 */
static void observe_fast_pending(struct variant_state *v, const struct replay_op *op,
				 unsigned order)
{
	if (!v->fast)
		v->fast = calloc(OBSERVE_FAST_PENDING, sizeof(*v->fast));
	if (!v->fast) {
		v->res->causes.compaction_fast_unbound += 1ull << order;
		return;
	}
	if (v->nr_fast == OBSERVE_FAST_PENDING) {
		v->res->causes.compaction_fast_unbound += 1ull << v->fast[0].order;
		memmove(v->fast, v->fast + 1, (v->nr_fast - 1) * sizeof(*v->fast));
		v->nr_fast--;
	}
	v->fast[v->nr_fast++] = (struct observe_fast_take){ .lo = op->key,
							    .hi = op->key + op->gfp,
							    .order = (uint8_t)order };
}

static void observe_bind_fast(struct variant_state *v, uint64_t pfn, unsigned order)
{
	for (size_t i = v->nr_fast; i-- > 0;) {
		const struct observe_fast_take *t = &v->fast[i];
		if (pfn < t->lo || pfn >= t->hi || order > t->order)
			continue;
		uint64_t base = pfn & ~((1ull << t->order) - 1);
		if (model_alloc_at(v->model, base, t->order, MIGRATE_MOVABLE, true) != MODEL_OK)
			continue;
		seen_set(v, base, t->order, SEEN_ALLOC);
		v->res->causes.compaction_fast_bound += 1ull << t->order;
		memmove(v->fast + i, v->fast + i + 1, (v->nr_fast - i - 1) * sizeof(*v->fast));
		v->nr_fast--;
		return;
	}
}

/* A host free of a page observe holds free: a pending fast take's block, or a scanner take's. */
static void observe_free_of_free(struct variant_state *v, const struct replay_op *op)
{
	if (v->nr_fast && model_pfn_is_free(v->model, op->key))
		observe_bind_fast(v, op->key, op->order);
	observe_rebind_compact(v, op);
}

/*
 * pagemap:mm_lru_insertion: the folio at op->key is on an LRU list, so the host holds it. When
 * observe holds it free, the host took it without a kmem event: a folio compaction migrated
 * into a page its fast scanner took (the pending take's block is placed there), or else
 * counted and taken as one page (the insertion does not name the folio's order).
 */
static void observe_lru_add(struct variant_state *v, const struct replay_op *op)
{
	if (op->key >= v->warm_pfns || !model_pfn_is_free(v->model, op->key))
		return;
	size_t before = v->nr_fast;
	if (before)
		observe_bind_fast(v, op->key, 0);
	if (v->nr_fast < before)
		return;
	if (model_alloc_at(v->model, op->key, 0, MIGRATE_MOVABLE, true) == MODEL_OK) {
		seen_set(v, op->key, 0, SEEN_ALLOC);
		v->res->causes.lru_free_taken++;
	}
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

	if (down && (op->flags & OPF_LRU_TRACED) && !(want & (want - 1)) &&
	    want <= 1ull << MAX_PAGE_ORDER) {
		unsigned order = 0;
		while ((1ull << order) < want)
			order++;
		observe_fast_pending(v, op, order);
		return;
	}

	for (uint64_t i = 0; i < n && got < want; i++) {
		uint64_t p = down ? op->key + n - 1 - i : op->key + i;
		if (p >= v->warm_pfns || !model_pfn_is_free(v->model, p))
			continue;
		if (model_alloc_at(v->model, p, 0, MIGRATE_MOVABLE, true) == MODEL_OK) {
			seen_set(v, p, 0, SEEN_COMPACT);
			got++;
		}
	}
	v->res->causes.compaction_taken += got;
	v->res->causes.compaction_short += want - got;
}

/*
 * Free page reporting (mm/page_reporting.c, page_reporting_cycle()) takes up to
 * PAGE_REPORTING_CAPACITY (32) unreported free blocks of at least page_reporting_order off the
 * free lists with __isolate_free_page(), which traces nothing and clears PageBuddy, tells the
 * hypervisor, and puts them back with __putback_isolated_page() (no event either). A page map
 * read meanwhile shows such a block in use, every page of it with no class but "allocated,
 * kind unknown" (PC_UNKNOWN). So when reporting is on, a naturally aligned block of
 * page_reporting_order that the rebuilt host holds whole free and the map shows whole
 * PC_UNKNOWN is set apart, not compared (end_reporting_isolated), up to what one reporting
 * pass can hold: 32 blocks of MAX_PAGE_ORDER, that is 32 << (MAX_PAGE_ORDER - order) blocks of
 * page_reporting_order; blocks beyond that are compared as any page (a block of flagless pages
 * whose allocation the trace lost looks the same). Checked once per block: the pfns of a range
 * come in order and one range holds whole blocks.
 */
static bool observe_reporting_isolated(struct variant_state *v, uint64_t p)
{
	const struct host_desc *h = v->host;
	if (!h->fig.page_reporting_on)
		return false;
	uint64_t n = 1ull << h->fig.page_reporting_order, base = p & ~(n - 1);
	if (v->reported_checked && v->reported_base == base)
		return v->reported_isolated;
	v->reported_checked = true;
	v->reported_base = base;
	v->reported_isolated = false;
	if (base + n > h->end_map_pfns || base + n > v->warm_pfns)
		return false;
	for (uint64_t q = base; q < base + n; q++)
		if (page_class_raw(h->end_map, h->end_map_pfns, q) != PC_UNKNOWN ||
		    !model_pfn_is_free(v->model, q))
			return false;
	if (v->reported_blocks >= (uint64_t)PAGE_REPORTING_CAPACITY
					  << (MAX_PAGE_ORDER - h->fig.page_reporting_order))
		return false;
	v->reported_blocks++;
	v->reported_isolated = true;
	return true;
}

/*
 * One pfn of the end map against the rebuilt host. A page free to the model that the recorder
 * itself held (end/recorder_pfns: its memory and its trace file's page cache) is counted
 * (end_recorder_pages); on a trace whose recorder excluded its own page events
 * (capture/options `recorder_excluded: yes`, or no such line) it is not compared; on a newer
 * trace (`recorder_excluded: from slab object events`) its page events are traced and it is
 * compared like any page. Not compared either: a page the trace left on a per-CPU list that
 * the map calls free only because it has no flags and follows a buddy head (PC_FREE_TAIL:
 * /proc/kpageflags cannot tell the two apart; end_pcp_free_tail), and a page of a block free
 * page reporting held off the free lists (end_reporting_isolated).
 */
static void compare_pfn(struct variant_state *v, uint64_t p)
{
	const struct host_desc *h = v->host;
	unsigned k = page_class(h->end_map, h->end_map_pfns, p);
	if (k == PC_HOLE || k == PC_RESERVED || k == PC_OFFLINE)
		return;
	bool host_free = k == PC_FREE;
	bool model_free = model_pfn_is_free(v->model, p);
	if (host_free && !model_free && seen_get(v, p) == SEEN_PCP &&
	    page_class_raw(h->end_map, h->end_map_pfns, p) == PC_FREE_TAIL) {
		v->res->causes.end_pcp_free_tail++;
		return;
	}
	if (model_free && k == PC_UNKNOWN && observe_reporting_isolated(v, p)) {
		v->res->causes.end_reporting_isolated++;
		return;
	}
	if (model_free && !host_free && h->recorder_bits && p < h->end_map_pfns &&
	    (h->recorder_bits[p / 64] >> (p % 64) & 1)) {
		v->res->causes.end_recorder_pages++;
		if (!h->fig.recorder_pages_traced)
			return;
	}
	v->map_total++;
	v->map_agree += host_free == model_free;
	if (model_free && !host_free)
		v->res->causes.end_model_free_host_used++;
	else if (host_free && !model_free)
		v->res->causes.end_model_used_host_free++;
}

/* The pfns of [lo, hi) that lie in a zone; returns how many. */
static uint64_t compare_range(struct variant_state *v, uint64_t lo, uint64_t hi)
{
	const struct host_desc *h = v->host;
	uint64_t n = 0;
	v->reported_checked = false; /* the model may have changed since the last range */
	for (unsigned z = 0; z < h->config.nr_zones; z++) {
		const struct model_zone_config *zc = &h->config.zones[z];
		uint64_t a = zc->start_pfn > lo ? zc->start_pfn : lo;
		uint64_t b = zc->start_pfn + zc->spanned_pages < hi
				     ? zc->start_pfn + zc->spanned_pages
				     : hi;
		for (uint64_t p = a; p < b; p++)
			compare_pfn(v, p);
		n += b > a ? b - a : 0;
	}
	return n;
}

/*
 * The end map was read range by range while tracing went on (end/pagemap_times): compare each
 * range as the rebuilt host stood when the host's range was read, i.e. before the first event
 * after that time. Only in the last pass over the trace (--loop), on replay's clock.
 */
static void observe_compare_due(struct variant_state *v, uint64_t ts)
{
	const struct host_desc *h = v->host;
	if (!h->end_map || !h->nr_end_map_times || v->pass + 1 < v->opts->loops)
		return;
	while (v->map_next < h->nr_end_map_times) {
		uint64_t t = host_replay_time(h, v->pass, h->end_map_times[v->map_next]);
		if (ts <= t)
			return;
		uint64_t lo = v->map_next * h->end_map_range;
		v->res->causes.end_map_timed += compare_range(v, lo, lo + h->end_map_range);
		v->map_next++;
	}
}

void variant_observe_apply(struct variant_state *v, const struct replay_op *ops, size_t n)
{
	if (!v->seen)
		v->seen = calloc(v->warm_pfns ? v->warm_pfns : 1, 1); /* NULL: causes not split */
	for (size_t i = 0; i < n; i++) {
		struct replay_op op = ops[i];
		uint64_t ts = op.ts > v->last_ts ? op.ts : v->last_ts;
		observe_compare_due(v, ts);
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
			if (!(op.flags & OPF_PCP_ORDER)) {
				observe_give(v, &op);
			} else if (op.flags & OPF_PCP_LOCKED) {
				/* pcp_spin_trylock() failed: free_one_page() (replay_decode.c) */
				v->res->causes.pcp_locked_free += 1ull << op.order;
				observe_give(v, &op);
			} else {
				/* to a per-CPU list: a scanner page of the host's, too */
				observe_free_of_free(v, &op);
				seen_set(v, op.key, op.order, SEEN_PCP);
			}
			break;
		case OP_PCP_DRAIN:
			observe_give(v, &op);
			break;
		case OP_COMPACT_TAKE:
			observe_compact_take(v, &op);
			break;
		case OP_LRU_ADD:
			observe_lru_add(v, &op);
			break;
		case OP_FALLBACK_TAKE:
			/* after a zone-locked event of the same block (a claim by the 50% rule
			 * goes through __rmqueue_smallest()) it is held already: not counted */
			if (op.key < v->warm_pfns && model_pfn_is_free(v->model, op.key)) {
				observe_take(v, &op, false);
				v->res->causes.fallback_taken += 1ull << op.order;
			}
			break;
		default:
			break;
		}
	}
}

void variant_observe_agreement(struct variant_state *v)
{
	const struct host_desc *h = v->host;

	if (!h->end_map)
		return;
	for (size_t i = 0; i < v->nr_fast; i++)
		v->res->causes.compaction_fast_unbound += 1ull << v->fast[i].order;
	v->nr_fast = 0;
	/* what the stream's events did not reach: compared at the end */
	uint64_t lo = h->nr_end_map_times ? v->map_next * h->end_map_range : 0;
	compare_range(v, lo, UINT64_MAX);
	v->res->agreement_pages = v->map_agree;
	v->res->agreement_total = v->map_total;
	v->res->agreement = v->map_total ? (double)v->map_agree / (double)v->map_total : -1;
}

static int parse_times(const char *text, uint64_t **times, size_t *nr, uint64_t *range_out)
{
	unsigned long long range, a, b;
	int off;
	size_t cap = 0;

	if (sscanf(text, "fragtrace-pagemap-times 1 %llu\n%n", &range, &off) != 1 || off <= 0 ||
	    !range || range > MAX_HOST_PFNS)
		return -1;
	for (const char *l = text + off; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "") {
		if (sscanf(l, "%llu %llu", &a, &b) != 2 || b < a)
			return -1;
		if (*nr == cap) {
			cap = cap ? cap * 2 : 1024;
			if (cap * range > 2 * MAX_HOST_PFNS)
				return -1;
			uint64_t *n = realloc(*times, cap * sizeof(*n));
			if (!n)
				return -1;
			*times = n;
		}
		uint64_t mid = a + (b - a) / 2;
		if (*nr && mid < (*times)[*nr - 1])
			return -1; /* read in pfn order: times only grow */
		(*times)[(*nr)++] = mid;
	}
	*range_out = range;
	return 0;
}

static int parse_recorder(struct host_desc *h, const char *text)
{
	unsigned long long pfn;
	char kind;
	const char *l = strchr(text, '\n');

	if (strncmp(text, "fragtrace-recorder-pfns 1", 25) || !l)
		return -1;
	h->recorder_bits = calloc((h->end_map_pfns + 63) / 64 + 1, sizeof(uint64_t));
	if (!h->recorder_bits)
		return -1;
	for (l++; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "") {
		if (sscanf(l, "%llu %c", &pfn, &kind) != 2)
			return -1;
		if (pfn < h->end_map_pfns && !(h->recorder_bits[pfn / 64] >> (pfn % 64) & 1)) {
			h->recorder_bits[pfn / 64] |= 1ull << (pfn % 64);
			h->fig.recorder_pfns++;
		}
	}
	h->fig.have_recorder_pfns = true;
	return 0;
}

bool observe_recorder_pages_traced(const char *options)
{
	for (const char *a = options; a && (a = strstr(a, "recorder_excluded: ")); a++)
		if (a == options || a[-1] == '\n')
			return strncmp(a + 19, "yes", 3) || (a[22] && a[22] != '\n');
	return false;
}

int observe_parse_map_snapshots(struct host_desc *h, const char *start_times, const char *end_times,
				const char *recorder)
{
	if (start_times && parse_times(start_times, &h->start_map_times, &h->nr_start_map_times,
				       &h->start_map_range))
		return -1;
	if (end_times &&
	    parse_times(end_times, &h->end_map_times, &h->nr_end_map_times, &h->end_map_range))
		return -1;
	if (recorder && parse_recorder(h, recorder))
		return -1;
	h->fig.have_start_map_times = start_times != NULL;
	h->fig.have_end_map_times = end_times != NULL;
	return 0;
}

bool observe_in_start_map(const struct host_desc *h, uint64_t pfn, uint64_t ts)
{
	uint64_t i = h->start_map_range ? pfn / h->start_map_range : 0;
	return h->nr_start_map_times && i < h->nr_start_map_times && ts < h->start_map_times[i];
}
