// SPDX-License-Identifier: GPL-2.0
/*
 * replay_decode.c - trace events into replay operations, once for every variant.
 *
 * What is the same for every variant is done here: the time base (model time is trace time
 * since the first event, pass k shifted by k trace spans), gfp translation (replay_gfp.c),
 * naming slab caches by index, and recognising slab pages. A slab page shows twice in a trace:
 * as a page allocation and, later, as the physical address of the objects inside it. Each
 * variant's slab model takes its own slab pages from its own allocator, so the trace's slab
 * page allocations must not be replayed as plain pages: a pre-pass marks every page allocation
 * that a slab object (kmem_cache_alloc, or kmalloc up to the largest kmalloc class) lands in
 * while it is live, and the main pass turns those allocations, and the frees of those pages,
 * into OP_SLAB_PAGE. kmalloc above 8 KiB is served by the page allocator (kmalloc_large): its
 * page events are replayed as pages and its kmalloc/kfree events dropped. Without physical
 * addresses (a hashed or raw trace) nothing can be recognised, so slab events are dropped and
 * every page event is replayed as a page (the results say so). The same pre-pass notes each
 * pageblock's type at trace start for the warm start's tags (replay_pbtypes.c), whatever the
 * addresses.
 *
 * mm_page_free_batched repeats, for a page freed through free_unref_folios(), the mm_page_free
 * that free_pages_prepare() already traced, so it is not an operation.
 *
 * Compaction's free scanner takes free pages out of the buddy allocator with no kmem event
 * (isolate_freepages_block, fast_isolate_freepages); the pages it migrates into are freed
 * later by mm_page_free like any other. When the trace has compaction:mm_compaction_isolate_
 * freepages or mm_compaction_fast_isolate_freepages (generic records: range and pages taken,
 * field offsets from the trace's own format files), each becomes an OP_COMPACT_TAKE, which
 * observe mode applies (replay_observe.c) and the policy variants use to bind the host's
 * destinations (replay_compaction.c).
 *
 * The host's migration sources are freed by the compacting task itself (migrate_pages() drops
 * the source folio), and the free scanner's unused pages are freed by it at the end of the run
 * (release_free_list()). Per task a compaction run is followed: it starts at its first
 * compaction record and ends at mm_compaction_end, or, in traces without it, 20 ms after the
 * task's last compaction record. A page free by that task meanwhile is flagged
 * OPF_COMPACT_RELEASE when it lies in a pageblock the run's free scanner took pages from, else
 * OPF_COMPACT_SRC (only inside the mm_compaction_isolate_migratepages ranges since the last
 * mm_compaction_migratepages, when the trace has those). A variant migrates a flagged source
 * only when it holds it movable (softirq frees of kernel memory in the task's context are not).
 *
 * For observe mode only: pagemap:mm_lru_insertion becomes OP_LRU_ADD (the folio's pfn), and
 * mm_page_alloc_extfrag OP_FALLBACK_TAKE (a steal or whole-block claim traces nothing else);
 * the fast scanner's takes carry OPF_LRU_TRACED when the trace has the LRU insertions.
 *
 * Frees while a CPU's per-CPU list lock is held: a page free of a per-CPU order takes its CPU's
 * list lock with pcp_spin_trylock() (__free_frozen_pages(), free_unref_folios()) and, when that
 * fails, frees the page to the buddy allocator with free_one_page() after its mm_page_free, so
 * the event is the same as a free to the list. The lock does not disable interrupts, so an
 * interrupt (and the softirq work run at its exit: RCU callbacks freeing page tables and their
 * mmu_gather batches) that frees pages while the task it interrupted holds its list lock fails
 * every trylock; its frees carry the interrupted task's pid. The trace shows two such windows,
 * as a run of frees of one pid on one CPU between two page events of that pid there: after
 * rmqueue_bulk()'s refill zone-locked events and before the task's mm_page_alloc (the lock is
 * dropped before it is traced), and inside free_unref_folios()' second loop, which holds the
 * lock from folio to folio: after the mm_page_pcpu_drain of a bulk free it made and before its
 * next mm_page_free_batched. A marked free whose pfn then gets an mm_page_free_batched was a
 * folio batch's first loop, traced before the lock is taken: unmarked. The pre-pass finds the
 * runs (it needs the event after the run) and marks their frees by page-free ordinal; the main
 * pass flags them OPF_PCP_LOCKED (observe frees them to the buddy allocator; docs/replay.md,
 * "Observe mode"; the proof, issue 12's, in docs/replay-history.md). Holds the trace cannot
 * tell apart are not flagged: an allocation from the list without a refill (its window looks
 * like an interrupt during prep_new_page(), after the unlock), between two batched frees (the
 * loop drops the lock at a zone change), a remote CPU's drain_pages_zone().
 *
 * kswapd's reclaim windows (ZONE_RECLAIM_ACTIVE, docs/replay.md "The reclaim-active window"):
 * kswapd traces vmscan:mm_vmscan_kswapd_wake just before each balance_pgdat() run, which sets
 * ZONE_RECLAIM_ACTIVE first and clears it last, and traces mm_vmscan_kswapd_sleep only after
 * the run and a nap of up to HZ/10 (kswapd_try_to_sleep()); a run that leaves the node
 * unbalanced goes straight to the next wake. So a run ends before the node's next wake or
 * sleep, and not before the last event kswapd's own task traced in it (its shrink_slab
 * records, the frees of the pages it reclaimed): the pre-pass measures each wake's run as the
 * time from the wake to that last event, and the main pass turns the wake into an
 * OP_KSWAPD_RUN carrying it (key: ns, aux: the wake's highest zone index). Traces without the
 * wake event (older recordings) keep the heuristic: each GFP_KERNEL mm_shrink_slab_start is an
 * OP_KSWAPD, which holds the flag KSWAPD_RUN_GAP_NS.
 *
 * PCP refills: rmqueue_bulk's zone-locked events (percpu_refill=1) of one CPU, same order and
 * type, are grouped into one OP_PCP_REFILL emitted before that CPU's next other event. Every
 * zone-locked event is also passed on alone (OP_ZONE_LOCKED) for observe mode.
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>

#define KMALLOC_MAX_CACHE_SIZE 8192
#define MAX_DECODE_CPUS	       4096
#define COMPACT_RUNS	       8	 /* tasks compacting at once that are followed */
#define COMPACT_RUN_GAP_NS     20000000u /* a run without mm_compaction_end ends this late */
#define GFP_MEMO_ORDER	       6	 /* decode_gfp's memo: 64 slots */
#define GFP_MEMO_SLOTS	       (1u << GFP_MEMO_ORDER)

/* What a generic record's name is to replay (generic_kind). */
enum generic_kind {
	GK_UNSEEN,
	GK_ISOLATE_FREE,
	GK_FAST_ISOLATE_FREE,
	GK_OTHER,
	GK_BEGIN,
	GK_END,
	GK_ISOLATE_MIGRATE,
	GK_MIGRATEPAGES,
	GK_LRU_INSERT,
	GK_KSWAPD_WAKE,
	GK_KSWAPD_SLEEP,
};

#define KSWAPD_NODES 64 /* nodes whose kswapd runs are followed (others: no window) */

/* The pre-pass's view of one node's kswapd: the run since its last wake, if still open. */
struct kswapd_node {
	int32_t pid;	  /* kswapd's task: the wake's pid */
	bool open;	  /* between a wake and the node's next wake or sleep */
	uint64_t wake_ts; /* trace time of that wake */
	size_t run;	  /* its index in decoder.kswapd_run_ns */
};

/* One task's compaction run, as far as its records show it. */
struct compact_run {
	int32_t pid;
	bool active, ended;
	uint64_t last_ts;
	uint64_t mig_start, mig_end; /* isolate_migratepages ranges since the last migratepages */
	uint64_t *pbs;		     /* pageblocks the run's free scanner took pages from */
	size_t nr_pbs, cap_pbs;
};

struct pending_refill {
	uint64_t ts;
	uint32_t count, gfp;
	uint8_t order;
	int8_t mt;
	bool active;
};

/* The pre-pass's view of a CPU's list lock (see the header): the run of frees being looked at */
struct pcp_lock_window {
	int32_t pid;
	uint8_t opener;	 /* the pid's page event before the run: 'R', 'D', or 0 */
	uint64_t *frees; /* page-free ordinals of the run */
	uint64_t *pfns;	 /* and their pfns */
	size_t nr, cap;
};

struct decoder {
	struct trace_reader *r;
	const struct host_desc *h;
	struct gfp_table gfp;
	bool slab_on;
	uint64_t first_ts, span_ns, offset_ns;
	uint64_t ts_shift; /* offset_ns - first_ts (mod 2^64): model time is ev->ts + ts_shift */
	/* pre-pass result: bit i set when page allocation i of a pass backs a slab */
	uint64_t *slab_page_bits;
	uint64_t nr_page_allocs, page_alloc_ordinal;
	struct u64_map skipped;	   /* live slab pages not replayed: trace pfn -> order */
	struct u64_map large;	   /* live kmalloc_large objects */
	uint32_t *cache_of_string; /* string id -> cache index + 1 */
	size_t cache_of_string_cap;
	/* pre-pass: cache-name string id -> bytes_alloc of its first kmem_cache_alloc (0: none),
	 * the object size of a cache first seen at a free */
	uint32_t *alloc_size_of_string;
	size_t alloc_size_of_string_cap;
	struct decode_caches caches;
	struct pending_refill *refill;
	unsigned refills_pending;	  /* CPUs whose refill is active */
	struct pcp_lock_window *pcp_lock; /* per CPU, pre-pass only */
	uint64_t *pcp_locked_bits;	  /* bit i: page free i was made with the list lock held */
	uint64_t nr_pcp_locked_bits, page_free_ordinal;
	struct u64_map pcp_locked_pfns; /* pre-pass: marked free's pfn -> its ordinal */
	unsigned nr_cpus;
	const struct trace_event *batch;
	int batch_n, batch_i;
	uint64_t events_done;
	uint64_t malformed; /* page events with an impossible order (counted once per pass) */
	unsigned pass;
	int comp_off[3];       /* start_pfn, end_pfn, nr_taken offsets in a generic record, or -1 */
	int lru_pfn_off;       /* mm_lru_insertion's pfn offset, or -1 */
	bool extfrag_alone;    /* Linux >= 6.15 (or unknown): a steal traces only its extfrag */
	uint8_t *generic_kind; /* per generic name id: enum generic_kind */
	struct compact_run runs[COMPACT_RUNS];
	uint64_t compact_newest_ts; /* no run's last_ts is later (compaction_free_flags) */
	size_t generic_kind_cap;
	struct replay_host_figures fig; /* the host's own allocations, counted in pass 0 */
	/* kswapd: wake's nid and zid, sleep's nid offsets in their generic records, or -1 */
	int kswapd_wake_off[2], kswapd_sleep_off;
	bool kswapd_traced; /* the trace recorded mm_vmscan_kswapd_wake (and not forced off) */
	struct kswapd_node *kswapd_nodes; /* [KSWAPD_NODES], pre-pass only */
	unsigned kswapd_open;		  /* pre-pass: nodes with an open run */
	uint64_t *kswapd_run_ns;	  /* per wake of the trace: its run's length (pre-pass) */
	size_t nr_kswapd_runs, cap_kswapd_runs;
	size_t kswapd_wake_ordinal;  /* main pass: the next wake's index */
	uint64_t kswapd_unknown_nid; /* wakes or sleeps of a node out of range (pass 0) */
	/* gfps translated lately and their translations, by a hash of the gfp (decode_gfp): a
	 * trace repeats a few dozen gfps; an empty slot holds 0, which translates to 0 */
	uint64_t gfp_memo_in[GFP_MEMO_SLOTS];
	uint32_t gfp_memo_out[GFP_MEMO_SLOTS];
	/* the latest time of the start page map's reading (decoder_begin_pass): an event at or
	 * after it is in no range the map already shows (observe_in_start_map() is false) */
	uint64_t start_map_read_end;
};

int decoder_create(struct trace_reader *r, const struct host_desc *h, struct decoder **out,
		   char *err, size_t errlen)
{
	struct decoder *d = calloc(1, sizeof(*d));
	const struct trace_header *hdr = trace_reader_header(r);
	const struct trace_summary *s = trace_reader_summary(r);

	if (!d)
		goto nomem;
	d->r = r;
	d->h = h;
	gfp_table_build(&d->gfp, hdr->event_formats, hdr->event_formats_len);
	d->slab_on = h->physical_addresses;
	static const char *const comp_fields[3] = { "start_pfn", "end_pfn", "nr_taken" };
	for (int i = 0; i < 3; i++)
		d->comp_off[i] = trace_format_field_offset(
			hdr->event_formats, hdr->event_formats_len,
			"mm_compaction_isolate_freepages", comp_fields[i]);
	d->lru_pfn_off = trace_format_field_offset(hdr->event_formats, hdr->event_formats_len,
						   "mm_lru_insertion", "pfn");
	d->kswapd_wake_off[0] = trace_format_field_offset(
		hdr->event_formats, hdr->event_formats_len, "mm_vmscan_kswapd_wake", "nid");
	d->kswapd_wake_off[1] = trace_format_field_offset(
		hdr->event_formats, hdr->event_formats_len, "mm_vmscan_kswapd_wake", "zid");
	d->kswapd_sleep_off = trace_format_field_offset(hdr->event_formats, hdr->event_formats_len,
							"mm_vmscan_kswapd_sleep", "nid");
	/* the wakes bound the runs; the sleeps are optional (kswapd traces nothing while it
	 * sleeps, so the node's next wake closes a run as well) */
	d->kswapd_traced = d->kswapd_wake_off[0] >= 0 && d->kswapd_wake_off[1] >= 0;
	d->kswapd_nodes = calloc(KSWAPD_NODES, sizeof(*d->kswapd_nodes));
	if (!d->kswapd_nodes)
		goto nomem;
	/* before 6.15, __rmqueue_fallback()'s page went on to a zone-locked event as well */
	unsigned kmaj = 0, kmin = 0;
	d->extfrag_alone = sscanf(hdr->kernel_release, "%u.%u", &kmaj, &kmin) != 2 || kmaj > 6 ||
			   (kmaj == 6 && kmin >= 15);
	d->first_ts = s->first_ts;
	d->span_ns = (s->last_ts - s->first_ts) + 1000000;
	d->nr_cpus = hdr->cpu_count ? hdr->cpu_count : 1;
	if (d->nr_cpus > MAX_DECODE_CPUS)
		d->nr_cpus = MAX_DECODE_CPUS;
	d->refill = calloc(d->nr_cpus, sizeof(*d->refill));
	d->pcp_lock = calloc(d->nr_cpus, sizeof(*d->pcp_lock));
	if (!d->refill || !d->pcp_lock || u64_map_init(&d->pcp_locked_pfns, 1024) ||
	    u64_map_init(&d->skipped, 1024) || u64_map_init(&d->large, 256))
		goto nomem;
	*out = d;
	return 0;
nomem:
	decoder_destroy(d);
	snprintf(err, errlen, "out of memory");
	return -1;
}

void decoder_destroy(struct decoder *d)
{
	if (!d)
		return;
	free(d->slab_page_bits);
	if (d->skipped.slots)
		u64_map_free(&d->skipped);
	if (d->large.slots)
		u64_map_free(&d->large);
	if (d->pcp_locked_pfns.slots)
		u64_map_free(&d->pcp_locked_pfns);
	free(d->cache_of_string);
	free(d->alloc_size_of_string);
	free(d->generic_kind);
	for (int i = 0; i < COMPACT_RUNS; i++)
		free(d->runs[i].pbs);
	free(d->caches.names);
	free(d->caches.size);
	free(d->refill);
	for (unsigned c = 0; d->pcp_lock && c < d->nr_cpus; c++) {
		free(d->pcp_lock[c].frees);
		free(d->pcp_lock[c].pfns);
	}
	free(d->pcp_lock);
	free(d->pcp_locked_bits);
	free(d->kswapd_nodes);
	free(d->kswapd_run_ns);
	free(d);
}

const struct decode_caches *decoder_caches(const struct decoder *d)
{
	return &d->caches;
}
uint64_t decoder_events_done(const struct decoder *d)
{
	return d->events_done;
}
uint64_t decoder_malformed(const struct decoder *d)
{
	return d->malformed;
}
uint64_t decoder_pass_span_ns(const struct decoder *d)
{
	return d->span_ns;
}
void decoder_kswapd_heuristic(struct decoder *d)
{
	d->kswapd_traced = false;
}
bool decoder_kswapd_traced(const struct decoder *d)
{
	return d->kswapd_traced;
}
uint64_t decoder_kswapd_unknown_nid(const struct decoder *d)
{
	return d->kswapd_unknown_nid;
}
void decoder_host_figures(const struct decoder *d, struct replay_host_figures *fig)
{
	fig->failed_allocs = d->fig.failed_allocs;
	fig->served_allocs = d->fig.served_allocs;
	fig->pages_allocated = d->fig.pages_allocated;
	fig->pages_freed = d->fig.pages_freed;
	fig->start_map_events = d->fig.start_map_events;
}

static int set_bit_grow(struct decoder *d, uint64_t i)
{
	uint64_t words = (d->nr_page_allocs + 63) / 64;
	if (i / 64 >= words) {
		uint64_t nw = words ? words * 2 : 1024;
		while (nw <= i / 64)
			nw *= 2;
		uint64_t *n = realloc(d->slab_page_bits, nw * 8);
		if (!n)
			return -1;
		memset(n + words, 0, (nw - words) * 8);
		d->slab_page_bits = n;
		d->nr_page_allocs = nw * 64;
	}
	d->slab_page_bits[i / 64] |= 1ull << (i % 64);
	return 0;
}

static bool slab_sized(const struct trace_event *ev)
{
	return ev->type == TRACE_SLAB_ALLOC || ev->slab.bytes_alloc <= KMALLOC_MAX_CACHE_SIZE;
}

/* A slab object lands in a live page: mark that page allocation as a slab page. */
static int mark_slab_page(struct decoder *d, const struct u64_map *live, uint64_t *last_marked_pfn,
			  const struct trace_event *ev)
{
	uint64_t pfn = ev->slab.addr >> PAGE_SHIFT_4K, v;

	if (!slab_sized(ev) || pfn == *last_marked_pfn)
		return 0;
	for (unsigned o = 0; o <= 3; o++) {
		uint64_t base = pfn & ~((1ull << o) - 1);
		if (u64_map_get(live, base, &v) && (v & 0xff) >= o) {
			*last_marked_pfn = pfn;
			return set_bit_grow(d, v >> 8);
		}
	}
	return 0;
}

static int set_locked_bit(struct decoder *d, uint64_t i)
{
	uint64_t words = d->nr_pcp_locked_bits / 64;
	if (i / 64 >= words) {
		uint64_t nw = words ? words * 2 : 1024;
		while (nw <= i / 64)
			nw *= 2;
		uint64_t *n = realloc(d->pcp_locked_bits, nw * 8);
		if (!n)
			return -1;
		memset(n + words, 0, (nw - words) * 8);
		d->pcp_locked_bits = n;
		d->nr_pcp_locked_bits = nw * 64;
	}
	d->pcp_locked_bits[i / 64] |= 1ull << (i % 64);
	return 0;
}

static bool pcp_locked_free(const struct decoder *d, uint64_t ordinal)
{
	return ordinal < d->nr_pcp_locked_bits &&
	       (d->pcp_locked_bits[ordinal / 64] >> (ordinal % 64)) & 1;
}

/* What a page event is to the lock windows: 'R' refill, 'D' drain, 'B' batched free, 'A'. */
static uint8_t lock_event_kind(const struct trace_event *ev)
{
	switch (ev->type) {
	case TRACE_PAGE_ALLOC:
		return 'A';
	case TRACE_PAGE_ALLOC_ZONE_LOCKED:
		return ev->page.percpu_refill ? 'R' : 'Z';
	case TRACE_PAGE_FREE_BATCHED:
		return 'B';
	case TRACE_PAGE_PCPU_DRAIN:
		return 'D';
	default:
		return 'F';
	}
}

/*
 * The pre-pass's half of the lock windows (see the header): page event ev (free ordinal
 * free_ord when it is a free) on its CPU. A run of per-CPU-order frees of the window's pid
 * grows; any other page event ends it, and marks it when it is that pid's closing event
 * (R..A, D..B).
 */
static int pcp_lock_scan(struct decoder *d, const struct trace_event *ev, uint64_t free_ord)
{
	unsigned cpu = ev->cpu < d->nr_cpus ? ev->cpu : d->nr_cpus - 1;
	struct pcp_lock_window *w = &d->pcp_lock[cpu];
	uint8_t kind = lock_event_kind(ev);
	uint64_t ord;

	if (ev->type < TRACE_PAGE_ALLOC || ev->type > TRACE_PAGE_PCPU_DRAIN)
		return 0; /* extfrag (a refill's fallback) and slab events leave it as it is */
	if (kind == 'F')
		u64_map_del(&d->pcp_locked_pfns, ev->page.pfn); /* an older free's mark, if any */
	if (kind == 'F' && w->opener && ev->pid == w->pid && ev->page.pfn != UINT64_MAX &&
	    ev->page.order <= MAX_PAGE_ORDER && pcp_allowed_order(ev->page.order)) {
		if (w->nr == w->cap) {
			size_t cap = w->cap ? w->cap * 2 : 64;
			uint64_t *n = realloc(w->frees, cap * sizeof(*n));
			uint64_t *m = n ? realloc(w->pfns, cap * sizeof(*m)) : NULL;
			if (n)
				w->frees = n;
			if (!m)
				return -1;
			w->pfns = m;
			w->cap = cap;
		}
		w->pfns[w->nr] = ev->page.pfn;
		w->frees[w->nr++] = free_ord;
		return 0;
	}
	if (w->nr && ev->pid == w->pid &&
	    ((w->opener == 'R' && kind == 'A') || (w->opener == 'D' && kind == 'B')))
		for (size_t i = 0; i < w->nr; i++)
			if (set_locked_bit(d, w->frees[i]) ||
			    (w->pfns[i] != U64_MAP_EMPTY && /* a corrupt pfn: the map's sentinel */
			     u64_map_put(&d->pcp_locked_pfns, w->pfns[i], w->frees[i])))
				return -1;
	if (kind == 'B' && ev->page.pfn != U64_MAP_EMPTY &&
	    u64_map_get(&d->pcp_locked_pfns, ev->page.pfn, &ord) && ord < d->nr_pcp_locked_bits) {
		/* the marked free was a folio batch's first loop (the next batch's, or this
		 * one's): its batched event is traced under the lock, so it went to the list */
		d->pcp_locked_bits[ord / 64] &= ~(1ull << (ord % 64));
		u64_map_del(&d->pcp_locked_pfns, ev->page.pfn);
	}
	w->nr = 0;
	w->pid = ev->pid;
	w->opener = kind == 'R' || kind == 'D' ? kind : 0;
	return 0;
}

/*
 * Room for every cache the replay can meet (one per cache-name string id up to max_id), so
 * cache_index() never moves names and size while a worker reads them: the decoding thread
 * decodes ahead of the workers (replay_engine.c's ring).
 */
static int reserve_caches(struct decoder *d, uint32_t max_id)
{
	struct decode_caches *c = &d->caches;
	size_t cap = (size_t)max_id + 1;
	if (cap <= c->cap)
		return 0;
	char(*names)[64] = realloc(c->names, cap * sizeof(*names));
	if (!names)
		return -1;
	c->names = names;
	uint32_t *size = realloc(c->size, cap * sizeof(*size));
	if (!size)
		return -1;
	c->size = size;
	c->cap = cap;
	return 0;
}

/* Room for index id in a table by string id (doubled from 256; new entries 0): 0, or -1. */
static int u32_table_reserve(uint32_t **table, size_t *cap, uint32_t id)
{
	if (id < *cap)
		return 0;
	size_t grown = *cap ? *cap : 256;
	while (grown <= id)
		grown *= 2;
	uint32_t *n = realloc(*table, grown * sizeof(*n));
	if (!n)
		return -1;
	memset(n + *cap, 0, (grown - *cap) * sizeof(*n));
	*table = n;
	*cap = grown;
	return 0;
}

/* Pre-pass: the object size of cache name id, from its first allocation with one. */
static int note_alloc_size(struct decoder *d, const struct trace_event *ev)
{
	uint32_t id = ev->slab.cache;
	if (id == TRACE_NO_STRING || !ev->slab.bytes_alloc || ev->slab.bytes_alloc > UINT32_MAX)
		return 0;
	if (u32_table_reserve(&d->alloc_size_of_string, &d->alloc_size_of_string_cap, id))
		return -1;
	if (!d->alloc_size_of_string[id])
		d->alloc_size_of_string[id] = (uint32_t)ev->slab.bytes_alloc;
	return 0;
}

/*
 * The most slab objects live at once, for sizing the slab models' maps and object arrays: the
 * objects the trace allocated (as decode_one replays them: not kmallocs above the largest
 * kmalloc cache) and has not freed yet. A free counts only when its address was allocated in
 * the trace: frees of objects from before the trace interleave with new allocations, and a
 * plain count of allocations less frees fell short by them (the maps then doubled during the
 * replay). The addresses are kept as bits of a hashed bitmap (LIVE_BITS, a set that fits the
 * cache, not a map of every object): two addresses on one bit make the count a little high
 * or low, by a share about the bitmap's fill (a few percent), which a sizing hint can bear.
 */
#define LIVE_BITS_ORDER 24
static void count_live_object(struct decoder *d, uint64_t *bits, uint64_t *live,
			      const struct trace_event *ev)
{
	bool alloc;

	switch (ev->type) {
	case TRACE_SLAB_ALLOC:
	case TRACE_KMALLOC:
		if (!slab_sized(ev))
			return;
		alloc = true;
		break;
	case TRACE_SLAB_FREE:
	case TRACE_KFREE:
		alloc = false;
		break;
	default:
		return;
	}
	uint64_t h = (ev->slab.addr * 0x9e3779b97f4a7c15ull) >> (64 - LIVE_BITS_ORDER);
	uint64_t *w = &bits[h / 64], bit = 1ull << (h % 64);
	if (alloc && !(*w & bit)) {
		*w |= bit;
		if (++*live > d->caches.peak_live_objects)
			d->caches.peak_live_objects = *live;
	} else if (!alloc && (*w & bit)) {
		*w &= ~bit;
		--*live;
	}
}

static int kswapd_scan(struct decoder *d, const struct trace_event *ev);

int decoder_prepass(struct decoder *d, struct pb_types *seen, char *err, size_t errlen)
{
	struct u64_map live = { 0 }; /* trace pfn -> ordinal << 8 | order */
	/* the slab objects the trace allocated and has not freed yet (count_live_object) */
	uint64_t *object_bits = NULL, live_objects = 0;
	struct shrink_calib *cal = NULL;
	const struct trace_event *evs;
	uint64_t ordinal = 0, last_marked_pfn = UINT64_MAX, free_ord = 0;
	uint32_t max_cache_id = 0;
	int n;

	if (d->slab_on) {
		cal = shrink_calib_create(d->h, d->first_ts, d->span_ns);
		object_bits = calloc((1u << LIVE_BITS_ORDER) / 64, sizeof(*object_bits));
		if (!cal || !object_bits || u64_map_init(&live, 1 << 16))
			goto nomem;
	}
	while ((n = trace_reader_next_batch(d->r, &evs)) > 0) {
		for (int i = 0; i < n; i++) {
			const struct trace_event *ev = &evs[i];
			if (seen)
				pb_types_feed(seen, ev);
			if (pcp_lock_scan(d, ev, free_ord) || kswapd_scan(d, ev))
				goto nomem;
			if (ev->type == TRACE_PAGE_FREE)
				free_ord++;
			if (!d->slab_on)
				continue;
			count_live_object(d, object_bits, &live_objects, ev);
			switch (ev->type) {
			case TRACE_SHRINK_START:
			case TRACE_SHRINK_END:
				shrink_calib_feed(cal, d->r, ev);
				break;
			case TRACE_PAGE_ALLOC:
				if (ev->page.pfn == UINT64_MAX || ev->page.order > MAX_PAGE_ORDER)
					break;
				if (u64_map_put(&live, ev->page.pfn, ordinal << 8 | ev->page.order))
					goto nomem;
				ordinal++;
				break;
			case TRACE_PAGE_FREE:
				u64_map_del(&live, ev->page.pfn);
				if (ev->page.pfn == last_marked_pfn)
					last_marked_pfn = UINT64_MAX;
				break;
			case TRACE_SLAB_FREE:
				/* decode_one() indexes the cache a free names too: a cache seen
				 * only in frees (objects from before the trace) needs its slot
				 * before the workers read the table */
				if (ev->slab.cache != TRACE_NO_STRING &&
				    ev->slab.cache > max_cache_id)
					max_cache_id = ev->slab.cache;
				break;
			case TRACE_SLAB_ALLOC:
			case TRACE_KMALLOC:
				if (ev->type == TRACE_SLAB_ALLOC && ev->slab.cache > max_cache_id)
					max_cache_id = ev->slab.cache;
				if (ev->type == TRACE_SLAB_ALLOC && note_alloc_size(d, ev))
					goto nomem;
				if (mark_slab_page(d, &live, &last_marked_pfn, ev))
					goto nomem;
				break;
			default:
				break;
			}
		}
	}
	if (d->slab_on && reserve_caches(d, max_cache_id))
		goto nomem;
	if (live.slots)
		u64_map_free(&live);
	free(object_bits);
	if (cal) {
		shrink_calib_finish(cal, &d->caches.calib);
		shrink_calib_destroy(cal);
	}
	if (n < 0) {
		snprintf(err, errlen, "%s", trace_reader_error(d->r));
		return -1;
	}
	return 0;
nomem:
	shrink_calib_destroy(cal);
	if (live.slots)
		u64_map_free(&live);
	free(object_bits);
	snprintf(err, errlen, "out of memory in the slab-page pre-pass");
	return -1;
}

int decoder_begin_pass(struct decoder *d, unsigned pass, char *err, size_t errlen)
{
	if (trace_reader_seek(d->r, 0) < 0) {
		snprintf(err, errlen, "%s", trace_reader_error(d->r));
		return -1;
	}
	d->offset_ns = (uint64_t)pass * d->span_ns + 1000;
	d->ts_shift = d->offset_ns - d->first_ts;
	d->pass = pass;
	d->start_map_read_end = 0;
	for (size_t i = 0; i < d->h->nr_start_map_times; i++)
		if (d->h->start_map_times[i] > d->start_map_read_end)
			d->start_map_read_end = d->h->start_map_times[i];
	d->page_alloc_ordinal = 0;
	d->batch_n = d->batch_i = 0;
	memset(d->refill, 0, d->nr_cpus * sizeof(*d->refill));
	d->refills_pending = 0;
	d->page_free_ordinal = 0;
	d->kswapd_wake_ordinal = 0;
	for (int i = 0; i < COMPACT_RUNS; i++)
		d->runs[i].active = false;
	d->compact_newest_ts = 0;
	return 0;
}

/* A copy of n words of bits, or NULL (n 0, or out of memory: *failed set). */
static uint64_t *bits_dup(const uint64_t *bits, uint64_t nbits, bool *failed)
{
	size_t bytes = (size_t)(nbits / 64) * sizeof(*bits);
	uint64_t *copy = bytes ? malloc(bytes) : NULL;
	if (bytes && !copy)
		*failed = true;
	else if (bytes)
		memcpy(copy, bits, bytes);
	return copy;
}

int decoder_clone(const struct decoder *src, struct trace_reader *r, struct decoder **out,
		  char *err, size_t errlen)
{
	struct decoder *d;
	bool failed = false;

	if (decoder_create(r, src->h, &d, err, errlen))
		return -1;
	d->slab_page_bits = bits_dup(src->slab_page_bits, src->nr_page_allocs, &failed);
	d->nr_page_allocs = d->slab_page_bits ? src->nr_page_allocs : 0;
	d->pcp_locked_bits = bits_dup(src->pcp_locked_bits, src->nr_pcp_locked_bits, &failed);
	d->nr_pcp_locked_bits = d->pcp_locked_bits ? src->nr_pcp_locked_bits : 0;
	if (src->alloc_size_of_string_cap) {
		size_t bytes = src->alloc_size_of_string_cap * sizeof(*d->alloc_size_of_string);
		d->alloc_size_of_string = malloc(bytes);
		if (d->alloc_size_of_string) {
			memcpy(d->alloc_size_of_string, src->alloc_size_of_string, bytes);
			d->alloc_size_of_string_cap = src->alloc_size_of_string_cap;
		} else {
			failed = true;
		}
	}
	/* kswapd's runs as the pre-pass measured them, and the same window source */
	d->kswapd_traced = src->kswapd_traced;
	if (src->nr_kswapd_runs) {
		d->kswapd_run_ns = malloc(src->nr_kswapd_runs * sizeof(*d->kswapd_run_ns));
		if (d->kswapd_run_ns) {
			memcpy(d->kswapd_run_ns, src->kswapd_run_ns,
			       src->nr_kswapd_runs * sizeof(*d->kswapd_run_ns));
			d->nr_kswapd_runs = d->cap_kswapd_runs = src->nr_kswapd_runs;
		} else {
			failed = true;
		}
	}
	/* the same room (cache_index never moves the table), none named yet: this decoder
	 * names them in the order the source did, from the same events */
	d->caches.calib = src->caches.calib;
	d->caches.peak_live_objects = src->caches.peak_live_objects;
	if (failed || (src->caches.cap && reserve_caches(d, (uint32_t)(src->caches.cap - 1)))) {
		decoder_destroy(d);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*out = d;
	return 0;
}

static bool is_slab_page_alloc(const struct decoder *d, uint64_t ordinal)
{
	return ordinal < d->nr_page_allocs &&
	       (d->slab_page_bits[ordinal / 64] >> (ordinal % 64)) & 1;
}

/*
 * The cache index for a cache name string id, allocated on first sight, with its object size:
 * an allocation's bytes_alloc, or for a cache first seen at a free that of its first
 * allocation in the trace (the pre-pass's), else 0: unknown here (cache_config_for() looks in
 * the host's snapshots, and counts the caches whose size it must guess).
 */
static int cache_index_new(struct decoder *d, const struct trace_event *ev, uint32_t *idx)
{
	uint32_t id = ev->slab.cache;
	if (u32_table_reserve(&d->cache_of_string, &d->cache_of_string_cap, id))
		return -1;
	if (d->cache_of_string[id]) {
		*idx = d->cache_of_string[id] - 1;
		return 0;
	}
	const char *name = trace_reader_string(d->r, id);
	struct decode_caches *c = &d->caches;
	if (c->n == c->cap && reserve_caches(d, c->cap ? (uint32_t)(c->cap * 2 - 1) : 63))
		return -1;
	snprintf(c->names[c->n], 64, "%s", name ? name : "unknown");
	if (ev->type == TRACE_SLAB_ALLOC && ev->slab.bytes_alloc)
		c->size[c->n] = (uint32_t)ev->slab.bytes_alloc;
	else
		c->size[c->n] = id < d->alloc_size_of_string_cap ? d->alloc_size_of_string[id] : 0;
	d->cache_of_string[id] = (uint32_t)++c->n;
	*idx = (uint32_t)(c->n - 1);
	return 0;
}

/* cache_index_new() for a cache met before: one table look-up. */
static inline int cache_index(struct decoder *d, const struct trace_event *ev, uint32_t *idx)
{
	uint32_t id = ev->slab.cache;
	if (id < d->cache_of_string_cap && d->cache_of_string[id]) {
		*idx = d->cache_of_string[id] - 1;
		return 0;
	}
	return cache_index_new(d, ev, idx);
}

/* gfp_translate() through the memo: one slot per gfp hash, the latest gfp there kept. */
static inline uint32_t decode_gfp(struct decoder *d, uint64_t gfp)
{
	size_t slot = (size_t)((gfp * 0x9e3779b97f4a7c15ull) >> (64 - GFP_MEMO_ORDER));
	if (gfp != d->gfp_memo_in[slot]) {
		d->gfp_memo_in[slot] = gfp;
		d->gfp_memo_out[slot] = gfp_translate(&d->gfp, gfp);
	}
	return d->gfp_memo_out[slot];
}

/* The refill pending on cpu, if any, as OP_PCP_REFILL at *next (advanced past it). */
static void flush_refill(struct decoder *d, unsigned cpu, struct replay_op **next)
{
	struct pending_refill *p = &d->refill[cpu];
	if (!p->active)
		return;
	*(*next)++ = (struct replay_op){ .ts = p->ts,
					 .kind = OP_PCP_REFILL,
					 .cpu = (uint16_t)cpu,
					 .order = p->order,
					 .mt = p->mt,
					 .aux = p->count,
					 .gfp = p->gfp,
					 .nid = -1,
					 .flags = OPF_PCP_ORDER };
	p->active = false;
	d->refills_pending--;
}

/* What a generic record's name is to replay (enum generic_kind); GK_UNSEEN: no memory. */
static int generic_kind(struct decoder *d, uint32_t id)
{
	static const struct {
		const char *name;
		uint8_t kind;
	} known[] = {
		{ "compaction:mm_compaction_isolate_freepages", GK_ISOLATE_FREE },
		{ "compaction:mm_compaction_fast_isolate_freepages", GK_FAST_ISOLATE_FREE },
		{ "compaction:mm_compaction_begin", GK_BEGIN },
		{ "compaction:mm_compaction_end", GK_END },
		{ "compaction:mm_compaction_isolate_migratepages", GK_ISOLATE_MIGRATE },
		{ "compaction:mm_compaction_migratepages", GK_MIGRATEPAGES },
		{ "pagemap:mm_lru_insertion", GK_LRU_INSERT },
		{ "vmscan:mm_vmscan_kswapd_wake", GK_KSWAPD_WAKE },
		{ "vmscan:mm_vmscan_kswapd_sleep", GK_KSWAPD_SLEEP },
	};
	if (id >= d->generic_kind_cap) {
		size_t cap = d->generic_kind_cap ? d->generic_kind_cap : 64;
		while (cap <= id)
			cap *= 2;
		uint8_t *n = realloc(d->generic_kind, cap);
		if (!n)
			return GK_UNSEEN;
		memset(n + d->generic_kind_cap, 0, cap - d->generic_kind_cap);
		d->generic_kind = n;
		d->generic_kind_cap = cap;
	}
	if (!d->generic_kind[id]) {
		const char *name = trace_reader_string(d->r, id);
		d->generic_kind[id] = GK_OTHER;
		for (size_t i = 0; name && i < sizeof(known) / sizeof(known[0]); i++)
			if (!strcmp(name, known[i].name))
				d->generic_kind[id] = known[i].kind;
	}
	return d->generic_kind[id];
}

static uint64_t generic_u64(const struct trace_generic *g, int off)
{
	uint64_t v = 0;
	if (off >= 0 && (uint64_t)off + 8 <= g->size)
		memcpy(&v, g->data + off, 8);
	return v;
}

static int32_t generic_i32(const struct trace_generic *g, int off)
{
	int32_t v = -1;
	if (off >= 0 && (uint64_t)off + 4 <= g->size)
		memcpy(&v, g->data + off, 4);
	return v;
}

/* The node of a kswapd wake or sleep record, or -1 when it is out of the range followed. */
static int kswapd_nid(const struct decoder *d, const struct trace_event *ev, int kind)
{
	int32_t nid = generic_i32(&ev->generic, kind == GK_KSWAPD_WAKE ? d->kswapd_wake_off[0]
								       : d->kswapd_sleep_off);
	return nid >= 0 && nid < KSWAPD_NODES ? nid : -1;
}

/* Room for element n of a growing array of *cap (doubled; initial at first): 0, or -1. */
static int u64_array_reserve(uint64_t **a, size_t n, size_t *cap, size_t initial)
{
	if (n < *cap)
		return 0;
	size_t grown = *cap ? *cap * 2 : initial;
	uint64_t *p = realloc(*a, grown * sizeof(*p));
	if (!p)
		return -1;
	*a = p;
	*cap = grown;
	return 0;
}

/* Pre-pass: a wake opens a run of its node, numbered in trace order (a new run closes the
 * last); the node's next wake or sleep closes it; any event of the waking task (kswapd)
 * while the run is open stretches the run to it (see the header). 0, or -1 out of memory. */
static int kswapd_scan(struct decoder *d, const struct trace_event *ev)
{
	if (!d->kswapd_traced)
		return 0;
	if (ev->type == TRACE_GENERIC) {
		int kind = generic_kind(d, ev->generic.name);
		if (kind == GK_UNSEEN)
			return -1;
		if (kind == GK_KSWAPD_WAKE || kind == GK_KSWAPD_SLEEP) {
			int nid = kswapd_nid(d, ev, kind);
			if (nid < 0) {
				d->kswapd_unknown_nid++;
				return 0;
			}
			struct kswapd_node *k = &d->kswapd_nodes[nid];
			if (k->open)
				d->kswapd_open--;
			k->open = false;
			if (kind == GK_KSWAPD_SLEEP)
				return 0;
			if (u64_array_reserve(&d->kswapd_run_ns, d->nr_kswapd_runs,
					      &d->cap_kswapd_runs, 256))
				return -1;
			d->kswapd_run_ns[d->nr_kswapd_runs] = 0;
			*k = (struct kswapd_node){ .pid = ev->pid,
						   .open = true,
						   .wake_ts = ev->ts,
						   .run = d->nr_kswapd_runs++ };
			d->kswapd_open++;
			return 0;
		}
	}
	for (unsigned i = 0, seen = 0; seen < d->kswapd_open && i < KSWAPD_NODES; i++) {
		struct kswapd_node *k = &d->kswapd_nodes[i];
		if (!k->open)
			continue;
		seen++;
		if (k->pid == ev->pid && ev->ts >= k->wake_ts)
			d->kswapd_run_ns[k->run] = ev->ts - k->wake_ts;
	}
	return 0;
}

/* Main pass: a kswapd wake as OP_KSWAPD_RUN with the length the pre-pass found (1), or none. */
static int decode_kswapd(struct decoder *d, const struct trace_event *ev, int kind,
			 struct replay_op *op)
{
	if (!d->kswapd_traced || kind != GK_KSWAPD_WAKE)
		return 0;
	int nid = kswapd_nid(d, ev, kind);
	if (nid < 0 || d->kswapd_wake_ordinal >= d->nr_kswapd_runs)
		return 0;
	int32_t zid = generic_i32(&ev->generic, d->kswapd_wake_off[1]);
	op->kind = OP_KSWAPD_RUN;
	op->nid = (int16_t)nid;
	op->aux = zid < 0 ? UINT32_MAX : (uint32_t)zid; /* unknown: every zone */
	op->key = d->kswapd_run_ns[d->kswapd_wake_ordinal++];
	return 1;
}

/* The run of task pid (a free slot, or the least recently active one, when it has none). */
static struct compact_run *compact_run_of(struct decoder *d, int32_t pid, bool create)
{
	struct compact_run *oldest = &d->runs[0];
	for (int i = 0; i < COMPACT_RUNS; i++) {
		struct compact_run *r = &d->runs[i];
		if (r->active && r->pid == pid)
			return r;
		if (!r->active || (oldest->active && r->last_ts < oldest->last_ts))
			oldest = r;
	}
	if (!create)
		return NULL;
	*oldest = (struct compact_run){
		.pid = pid, .active = true, .pbs = oldest->pbs, .cap_pbs = oldest->cap_pbs
	};
	return oldest;
}

static bool compact_run_live(const struct compact_run *r, uint64_t ts)
{
	return r && r->active && !r->ended && ts - r->last_ts <= COMPACT_RUN_GAP_NS;
}

static int compact_run_add_pb(struct compact_run *r, uint64_t pb)
{
	for (size_t i = r->nr_pbs; i-- > 0;)
		if (r->pbs[i] == pb)
			return 0;
	if (u64_array_reserve(&r->pbs, r->nr_pbs, &r->cap_pbs, 64))
		return -1;
	r->pbs[r->nr_pbs++] = pb;
	return 0;
}

/*
 * A compaction record: follow the task's run; a free-scanner record with pages taken becomes
 * OP_COMPACT_TAKE (returns 1), anything else no op (0); -1 out of memory.
 */
static int decode_compaction(struct decoder *d, const struct trace_event *ev, struct replay_op *op)
{
	int kind = generic_kind(d, ev->generic.name);
	if (kind == GK_UNSEEN)
		return -1;
	if (kind == GK_KSWAPD_WAKE || kind == GK_KSWAPD_SLEEP)
		return decode_kswapd(d, ev, kind, op);
	if (kind == GK_LRU_INSERT) {
		if (d->lru_pfn_off < 0)
			return 0;
		op->kind = OP_LRU_ADD;
		op->key = generic_u64(&ev->generic, d->lru_pfn_off);
		return 1;
	}
	if (kind == GK_OTHER || d->comp_off[0] < 0 || d->comp_off[1] < 0 || d->comp_off[2] < 0)
		return 0;
	struct compact_run *r = compact_run_of(d, ev->pid, true);
	if (kind == GK_BEGIN || r->ended || !r->last_ts ||
	    ev->ts - r->last_ts > COMPACT_RUN_GAP_NS) {
		r->ended = false;
		r->nr_pbs = 0;
		r->mig_start = r->mig_end = 0;
	}
	r->last_ts = ev->ts;
	if (ev->ts > d->compact_newest_ts)
		d->compact_newest_ts = ev->ts;
	uint64_t start = generic_u64(&ev->generic, d->comp_off[0]);
	uint64_t end = generic_u64(&ev->generic, d->comp_off[1]);
	uint64_t taken = generic_u64(&ev->generic, d->comp_off[2]);
	switch (kind) {
	case GK_END:
		r->ended = true;
		return 0;
	case GK_MIGRATEPAGES:
		r->mig_start = r->mig_end = 0;
		return 0;
	case GK_ISOLATE_MIGRATE:
		if (end > start && (!r->mig_end || start < r->mig_start))
			r->mig_start = start;
		if (end > r->mig_end)
			r->mig_end = end;
		return 0;
	case GK_ISOLATE_FREE:
	case GK_FAST_ISOLATE_FREE:
		break;
	default:
		return 0;
	}
	if (!taken || end <= start || end - start > UINT32_MAX || taken > UINT32_MAX)
		return 0;
	if (kind == GK_ISOLATE_FREE && compact_run_add_pb(r, start >> PAGEBLOCK_ORDER))
		return -1;
	op->kind = OP_COMPACT_TAKE;
	op->key = start;
	op->gfp = (uint32_t)(end - start);
	op->aux = (uint32_t)taken;
	op->flags = kind == GK_FAST_ISOLATE_FREE ? OPF_FAST : 0;
	if (d->lru_pfn_off >= 0)
		op->flags |= OPF_LRU_TRACED;
	return 1;
}

/* A page free by a task in a compaction run: its source, or its free scanner's page back. */
static uint8_t compaction_free_flags(struct decoder *d, const struct trace_event *ev)
{
	/* every run's last record is more than the gap before ev: none is live, no look-up */
	if (ev->ts >= d->compact_newest_ts && ev->ts - d->compact_newest_ts > COMPACT_RUN_GAP_NS)
		return 0;
	struct compact_run *r = compact_run_of(d, ev->pid, false);
	if (!compact_run_live(r, ev->ts))
		return 0;
	uint64_t pb = ev->page.pfn >> PAGEBLOCK_ORDER;
	for (size_t i = 0; i < r->nr_pbs; i++)
		if (r->pbs[i] == pb)
			return OPF_COMPACT_RELEASE;
	if (r->mig_end && (ev->page.pfn < r->mig_start || ev->page.pfn >= r->mig_end))
		return 0;
	return OPF_COMPACT_SRC;
}

/* The host's own figures (first pass only): an allocation served or failed, and its pages. */
static inline void count_host_alloc(struct decoder *d, const struct trace_event *ev)
{
	if (ev->page.pfn == UINT64_MAX) {
		d->fig.failed_allocs++;
	} else {
		d->fig.served_allocs++;
		d->fig.pages_allocated += 1ull << ev->page.order;
	}
}

/* The host's own figures (first pass only): the pages of a free. */
static inline void count_host_free(struct decoder *d, const struct trace_event *ev)
{
	d->fig.pages_freed += 1ull << ev->page.order;
}

/*
 * A page event the start page map, read while tracing, already shows: counted, skipped; with
 * the map rewound to the first event (replay_rewind.c) counted and replayed.
 */
static bool in_start_map(struct decoder *d, const struct trace_event *ev)
{
	if (ev->ts >= d->start_map_read_end || ev->type < TRACE_PAGE_ALLOC ||
	    ev->type > TRACE_PAGE_PCPU_DRAIN || ev->page.pfn == UINT64_MAX ||
	    !observe_in_start_map(d->h, ev->page.pfn, ev->ts))
		return false;
	if (d->h->start_rewound) {
		d->fig.start_map_events += d->pass == 0;
		return false;
	}
	if (ev->type == TRACE_PAGE_ALLOC)
		d->page_alloc_ordinal++;
	if (d->pass == 0)
		d->fig.start_map_events++;
	return true;
}

/* in_start_map() for page event ev, its first test inline: most events are after the map. */
static inline bool before_start_map(struct decoder *d, const struct trace_event *ev)
{
	return ev->ts < d->start_map_read_end && in_start_map(d, ev);
}

/*
 * An extfrag record as an allocation (OP_FALLBACK_TAKE): from Linux 6.15 __rmqueue_claim() of a
 * whole block and __rmqueue_steal() trace no zone-locked event, so this is the allocation's only
 * record (observe takes it). False: not one (older kernel, bad fields, before the start map).
 */
static bool decode_extfrag_take(const struct decoder *d, const struct trace_event *ev,
				struct replay_op *op)
{
	if (!d->extfrag_alone || ev->extfrag.pfn == UINT64_MAX || ev->extfrag.alloc_order < 0 ||
	    ev->extfrag.alloc_order > MAX_PAGE_ORDER ||
	    (!d->h->start_rewound && observe_in_start_map(d->h, ev->extfrag.pfn, ev->ts)))
		return false;
	op->kind = OP_FALLBACK_TAKE;
	op->key = ev->extfrag.pfn;
	op->order = (uint8_t)ev->extfrag.alloc_order;
	op->mt = (int8_t)ev->extfrag.alloc_migratetype;
	return true;
}

/*
 * The decode_*() functions below turn one event of a kind into at most 3 ops at *next
 * (advancing *next past those emitted): a refill the event ends, and its own. Each returns 0,
 * or -1 out of memory. decode_one() dispatches on the kind first, so an event makes only its
 * own kind's tests; cpu is the event's CPU, clamped to the decoder's.
 */

/* The model time of event ev: trace time since the first event, shifted by the pass. */
static inline uint64_t decode_ts(const struct decoder *d, const struct trace_event *ev)
{
	if (__builtin_expect(ev->ts < d->first_ts, 0))
		return d->offset_ns;
	return ev->ts + d->ts_shift;
}

/* Event ev's op, built in place in the next slot: taken (*next advanced) only when emitted. */
static inline struct replay_op *op_start(const struct decoder *d, const struct trace_event *ev,
					 unsigned cpu, struct replay_op *next)
{
	struct replay_op *op = next;
	*op = (struct replay_op){ .ts = decode_ts(d, ev), .cpu = (uint16_t)cpu, .nid = -1 };
	return op;
}

/* op_start() for a page event: its pfn, order and migratetype. */
static inline struct replay_op *page_op_start(const struct decoder *d, const struct trace_event *ev,
					      unsigned cpu, struct replay_op *next)
{
	struct replay_op *op = op_start(d, ev, cpu, next);
	op->key = ev->page.pfn;
	op->order = (uint8_t)ev->page.order;
	op->mt = (int8_t)ev->page.migratetype;
	return op;
}

/* Any event of cpu but the next zone-locked event of a refill ends the refill pending there. */
static inline void end_refill(struct decoder *d, unsigned cpu, struct replay_op **next)
{
	if (d->refills_pending && d->refill[cpu].active)
		flush_refill(d, cpu, next);
}

/* A page event of an order no kernel allocates: counted, not replayed (true). */
static inline bool page_malformed(struct decoder *d, const struct trace_event *ev)
{
	if (ev->page.order <= MAX_PAGE_ORDER)
		return false;
	d->malformed++;
	return true;
}

/* mm_page_alloc: OP_PAGE_ALLOC, or OP_SLAB_PAGE for a slab page (the pre-pass's bit). */
static inline int decode_page_alloc(struct decoder *d, const struct trace_event *ev, unsigned cpu,
				    struct replay_op **next)
{
	if (page_malformed(d, ev))
		return 0;
	end_refill(d, cpu, next);
	if (d->pass == 0)
		count_host_alloc(d, ev);
	if (ev->page.pfn == UINT64_MAX)
		return 0; /* failed in the host too */
	if (before_start_map(d, ev))
		return 0;
	struct replay_op *op = page_op_start(d, ev, cpu, *next);
	op->gfp = decode_gfp(d, ev->page.gfp);
	op->flags = pcp_allowed_order(op->order) ? OPF_PCP_ORDER : 0;
	op->kind = OP_PAGE_ALLOC;
	if (is_slab_page_alloc(d, d->page_alloc_ordinal++)) {
		op->kind = OP_SLAB_PAGE;
		op->aux = OP_PAGE_ALLOC;
		if (u64_map_put(&d->skipped, op->key, op->order))
			return -1;
	}
	(*next)++;
	return 0;
}

/* mm_page_free: OP_PAGE_FREE with its flags, or OP_SLAB_PAGE for a slab page's. */
static inline int decode_page_free(struct decoder *d, const struct trace_event *ev, unsigned cpu,
				   struct replay_op **next)
{
	/* counted before any early return: the pre-pass counts every free */
	bool pcp_locked = pcp_locked_free(d, d->page_free_ordinal++);

	if (page_malformed(d, ev))
		return 0;
	end_refill(d, cpu, next);
	if (d->pass == 0)
		count_host_free(d, ev);
	if (before_start_map(d, ev))
		return 0;
	struct replay_op *op = op_start(d, ev, cpu, *next);
	op->key = ev->page.pfn;
	op->order = (uint8_t)ev->page.order;
	op->flags = pcp_allowed_order(op->order) ? OPF_PCP_ORDER : 0;
	op->flags |= compaction_free_flags(d, ev);
	if (pcp_locked)
		op->flags |= OPF_PCP_LOCKED;
	op->kind = OP_PAGE_FREE;
	if (d->skipped.used && u64_map_del(&d->skipped, op->key)) {
		op->kind = OP_SLAB_PAGE;
		op->aux = OP_PAGE_FREE;
	}
	(*next)++;
	return 0;
}

/* mm_page_alloc_zone_locked: OP_ZONE_LOCKED; a refill's is also added to the CPU's group. */
static inline int decode_zone_locked(struct decoder *d, const struct trace_event *ev, unsigned cpu,
				     struct replay_op **next)
{
	struct pending_refill *p = &d->refill[cpu];
	bool refill = ev->page.percpu_refill;

	if (page_malformed(d, ev))
		return 0;
	if (p->active && (!refill || p->order != ev->page.order || p->mt != ev->page.migratetype))
		flush_refill(d, cpu, next);
	if (before_start_map(d, ev))
		return 0;
	struct replay_op *op = page_op_start(d, ev, cpu, *next);
	op->kind = OP_ZONE_LOCKED;
	op->aux = ev->page.percpu_refill;
	if (refill) {
		if (!p->active) {
			*p = (struct pending_refill){
				.ts = op->ts, .order = op->order, .mt = op->mt, .active = true
			};
			d->refills_pending++;
		}
		p->count++;
	}
	(*next)++;
	return 0;
}

/* mm_page_pcpu_drain: OP_PCP_DRAIN. */
static inline int decode_pcpu_drain(struct decoder *d, const struct trace_event *ev, unsigned cpu,
				    struct replay_op **next)
{
	if (page_malformed(d, ev))
		return 0;
	end_refill(d, cpu, next);
	if (before_start_map(d, ev))
		return 0;
	struct replay_op *op = page_op_start(d, ev, cpu, *next);
	op->kind = OP_PCP_DRAIN;
	(*next)++;
	return 0;
}

/* mm_page_free_batched repeats a free already traced (see the header): no op. */
static inline int decode_page_free_batched(struct decoder *d, const struct trace_event *ev,
					   unsigned cpu, struct replay_op **next)
{
	if (page_malformed(d, ev))
		return 0;
	end_refill(d, cpu, next);
	before_start_map(d, ev); /* counts it when the start map shows it */
	return 0;
}

/* kmem_cache_alloc and kmalloc: OP_SLAB_ALLOC, OP_KMALLOC, or kmalloc_large's no op. */
static inline int decode_slab_alloc(struct decoder *d, const struct trace_event *ev, unsigned cpu,
				    struct replay_op **next)
{
	end_refill(d, cpu, next);
	if (!d->slab_on)
		return 0;
	if (ev->type == TRACE_KMALLOC && ev->slab.bytes_alloc > KMALLOC_MAX_CACHE_SIZE)
		return u64_map_put(&d->large, ev->slab.addr, 1);
	struct replay_op *op = op_start(d, ev, cpu, *next);
	op->key = ev->slab.addr;
	op->gfp = decode_gfp(d, ev->slab.gfp);
	op->nid = (int16_t)(ev->slab.node < 0 ? -1 : ev->slab.node);
	if (ev->type == TRACE_SLAB_ALLOC) {
		op->kind = OP_SLAB_ALLOC;
		if (cache_index(d, ev, &op->aux))
			return -1;
	} else {
		op->kind = OP_KMALLOC;
		op->aux = (uint32_t)ev->slab.bytes_alloc;
	}
	(*next)++;
	return 0;
}

/* kmem_cache_free and kfree: OP_SLAB_FREE, or none for a kmalloc_large object. */
static inline int decode_slab_free(struct decoder *d, const struct trace_event *ev, unsigned cpu,
				   struct replay_op **next)
{
	end_refill(d, cpu, next);
	/* most runs have no kmalloc_large object live: no look-up then */
	if (!d->slab_on || (d->large.used && u64_map_del(&d->large, ev->slab.addr)))
		return 0;
	struct replay_op *op = op_start(d, ev, cpu, *next);
	op->key = ev->slab.addr;
	op->kind = OP_SLAB_FREE;
	/* kmem_cache_free names its cache: aux is its index + 1 (0: kfree, none) */
	if (ev->type == TRACE_SLAB_FREE && ev->slab.cache != TRACE_NO_STRING) {
		if (cache_index(d, ev, &op->aux))
			return -1;
		op->aux++;
	}
	(*next)++;
	return 0;
}

/* The other kinds: extfrag, kswapd's slab shrinking, generic records, lost events. */
static int decode_rare(struct decoder *d, const struct trace_event *ev, unsigned cpu,
		       struct replay_op **next)
{
	end_refill(d, cpu, next);
	struct replay_op *op = op_start(d, ev, cpu, *next);
	switch (ev->type) {
	case TRACE_PAGE_ALLOC_EXTFRAG:
		if (!decode_extfrag_take(d, ev, op))
			return 0;
		break;
	case TRACE_SHRINK_START:
		/* traces without kswapd's wake events: kswapd's scan_control asks with
		 * GFP_KERNEL (balance_pgdat()); a direct reclaimer's carries its allocation's
		 * flags, unless it asked with GFP_KERNEL too (the heuristic's blind spot) */
		if (d->kswapd_traced)
			return 0;
		if (decode_gfp(d, ev->shrink_start.gfp) != MODEL_GFP_KERNEL)
			return 0;
		op->kind = OP_KSWAPD;
		op->nid = (int16_t)(ev->shrink_start.nid < 0 ? -1 : ev->shrink_start.nid);
		break;
	case TRACE_GENERIC: {
		int rc = decode_compaction(d, ev, op);
		if (rc <= 0)
			return rc;
		break;
	}
	case TRACE_LOST:
		op->kind = OP_LOST;
		op->aux = ev->lost.count > UINT32_MAX ? UINT32_MAX : (uint32_t)ev->lost.count;
		break;
	default:
		return 0;
	}
	(*next)++;
	return 0;
}

/*
 * One event into at most 3 ops, by its kind. Returns 0, or -1 out of memory. nr_cpus is
 * d->nr_cpus, which the caller keeps in a local: as the ops' byte stores could alias the
 * field, it would be loaded again for every event.
 */
static inline int decode_one(struct decoder *d, const struct trace_event *ev, unsigned nr_cpus,
			     struct replay_op **next)
{
	unsigned cpu = ev->cpu < nr_cpus ? ev->cpu : nr_cpus - 1;

	switch (ev->type) {
	case TRACE_SLAB_ALLOC:
	case TRACE_KMALLOC:
		return decode_slab_alloc(d, ev, cpu, next);
	case TRACE_SLAB_FREE:
	case TRACE_KFREE:
		return decode_slab_free(d, ev, cpu, next);
	case TRACE_PAGE_ALLOC:
		return decode_page_alloc(d, ev, cpu, next);
	case TRACE_PAGE_ALLOC_ZONE_LOCKED:
		return decode_zone_locked(d, ev, cpu, next);
	case TRACE_PAGE_FREE:
		return decode_page_free(d, ev, cpu, next);
	case TRACE_PAGE_FREE_BATCHED:
		return decode_page_free_batched(d, ev, cpu, next);
	case TRACE_PAGE_PCPU_DRAIN:
		return decode_pcpu_drain(d, ev, cpu, next);
	default:
		return decode_rare(d, ev, cpu, next);
	}
}

/*
 * Events into ops until fewer than 3 slots are left (an event makes at most 3). The events of
 * the reader's batch are taken a run at a time, as many as surely fit ((max - n) / 3), so the
 * inner loop tests neither the room nor the batch's end per event: it stops where the one-event
 * test would, as that test is made again after each run.
 */
long decoder_fill(struct decoder *d, struct replay_op *ops, size_t max, char *err, size_t errlen)
{
	struct replay_op *next = ops, *last = ops + max;

	while (last - next >= 3) {
		if (d->batch_i == d->batch_n) {
			d->batch_n = trace_reader_next_batch(d->r, &d->batch);
			d->batch_i = 0;
			if (d->batch_n < 0) {
				snprintf(err, errlen, "%s", trace_reader_error(d->r));
				return -1;
			}
			if (d->batch_n == 0) {
				for (unsigned c = 0; c < d->nr_cpus && next < last; c++)
					flush_refill(d, c, &next);
				return (long)(next - ops);
			}
		}
		size_t run = (size_t)(d->batch_n - d->batch_i), fits = (size_t)(last - next) / 3;
		if (run > fits)
			run = fits;
		const struct trace_event *ev = &d->batch[d->batch_i], *end = ev + run;
		unsigned nr_cpus = d->nr_cpus;
		for (; ev < end; ev++)
			if (decode_one(d, ev, nr_cpus, &next)) {
				snprintf(err, errlen, "out of memory decoding events");
				return -1;
			}
		d->batch_i += (int)run;
		d->events_done += run;
	}
	return (long)(next - ops);
}
