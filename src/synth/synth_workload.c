// SPDX-License-Identifier: GPL-2.0
/*
 * synth_workload.c - deterministic synthetic workloads as traces (`fragtrace synth`).
 *
 * A synthetic host is simulated, not sampled: a mainline page-allocator model decides every
 * pfn, so the trace is consistent the way a real one is (every free names a page that was
 * allocated, slab objects lie inside the slab pages allocated for them, PCP refills and drains
 * carry the pfns the per-CPU lists hold). The events follow the kernel's shapes: order-0 pages
 * come from per-CPU lists refilled from the buddy allocator 31 pages at a time
 * (mm_page_alloc_zone_locked with percpu_refill) and drained back over a high mark
 * (mm_page_pcpu_drain); slab caches allocate slab pages with their migratetype and free them
 * when empty. Every choice comes from one seeded generator, so a seed gives the same file.
 *
 * Workloads (rates per second of trace time, M = the host's pages; movable loads reach their
 * share of memory within 15-25 s whatever --mem is; docs/synth.md explains what each stresses):
 *   slab-growth     the slab-shrink patch's scenario: 2,000 files a second, each a dentry
 *                   (192 B) and an ext4 inode (1,080 B), a fifth deleted again, while the page
 *                   cache reads 3% of M a second and is reclaimed oldest first above 60% of M;
 *                   slab grows without end
 *   pagecache-churn file reads of 5% of M a second, reclaimed oldest first above 70% of M,
 *                   with kmalloc churn (2,000 a second, 20,000 live)
 *   anon-thp        anonymous memory: THPs for 3% of M and 4 KiB pages for 0.5% of M a
 *                   second, freed in random order above 60% of M
 *   mixed           a fleet-like mix: files (700/s, half deleted), page cache (1% of M/s up to
 *                   35%), anonymous (THPs 1%, pages 0.2% of M/s up to 20%), kmalloc (3,000/s)
 *                   and page-table pages (300/s, 4,096 live)
 */
#include "synth_workload.h"
#include "model.h"
#include "trace.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const synth_workload_names[] = { "slab-growth",   "pagecache-churn", "anon-thp",
					     "mixed",	      "syzkaller",	 "devvm-slab",
					     "tainted-claim", "recl-burst",	 NULL };

/* The report workloads (docs/validation.md): their host size and length at full scale. */
enum { W_SYZKALLER = 4, W_DEVVM_SLAB, W_TAINTED_CLAIM, W_RECL_BURST, NR_WORKLOADS };
#define DEVVM_UNUSED	 0.5
#define DEVVM_MIN_GROWTH 3 /* SPBs */
/*
 * unused_share: the share of the live dentries and inodes that are unused (on the kernel's
 * list_lru, what super_cache_count reports and a shrinker may free), written into kswapd's
 * mm_shrink_slab_start events for replay's shrinker calibration.
 */
static const struct {
	uint64_t mem_gib;
	double duration_s;
	double unused_share;
} report_defaults[NR_WORKLOADS] = {
	/* 238 Normal-zone SPBs, as the v1 cover letter's host; files come and go: half unused */
	[W_SYZKALLER] = { 241, 300, 0.5 },
	/* v1 32/45: 10 minutes up, then 6 minutes of growth; see devvm_slab() */
	[W_DEVVM_SLAB] = { 247, 420, DEVVM_UNUSED },
	/* v1 25/45 names no host: the same devvm (no dentries or inodes) */
	[W_TAINTED_CLAIM] = { 247, 300, 0 },
	/* v1 31/45 names btrfs_inode: the btrfs devvm, its inodes dense (in use) */
	[W_RECL_BURST] = { 247, 300, 0.02 },
};

/* The 6.x gfp bits a trace of this project's kernel carries (see docs/capture.md). */
#define G(n)		  (1ull << (n))
#define K_GFP_KERNEL	  (G(10) | G(11) | G(6) | G(7))
#define K_GFP_HIGHUSER_MV (K_GFP_KERNEL | G(20) | G(1) | G(3))
#define K_GFP_THP	  ((K_GFP_HIGHUSER_MV | G(18) | G(19) | G(13)) & ~(G(10) | G(11)))
#define K_GFP_RECLAIMABLE G(4)
#define K_GFP_COMP	  G(18)

#define PCP_BATCH 31
#define PCP_HIGH  186

struct cache {
	const char *name, *site_alloc, *site_free;
	uint32_t size, objs, order;
	int mt;
	bool kmalloc;
	uint32_t name_id, alloc_id, free_id;
};
enum { C_DENTRY, C_EXT4_INODE, C_KMALLOC_256, C_KMALLOC_1K, C_BTRFS_INODE, NR_CACHES };

struct slab {
	uint64_t pfn;
	uint32_t cache, inuse;
	uint32_t *free_slots; /* stack of free slot numbers */
	uint32_t nfree;
};

struct obj {
	uint64_t addr;
	uint32_t slab, slot;
};

struct vec {
	uint64_t *v;
	size_t n, cap;
};

static void vpush(struct vec *a, uint64_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 1024;
		a->v = realloc(a->v, a->cap * sizeof(*a->v));
		if (!a->v)
			abort();
	}
	a->v[a->n++] = x;
}

struct gen {
	const struct synth_workload_params *p;
	struct synth_workload_stats *st;
	struct trace_writer *w;
	struct model *m;
	uint64_t rng, now, tick;
	unsigned cpu;
	struct vec pcp[64][3]; /* per-CPU lists of order-0 pfns, one per PCP migratetype */
	struct cache caches[NR_CACHES];
	struct slab *slabs;
	size_t nslabs, slabs_cap;
	struct vec *partial; /* per cache: slab indices with free slots */
	struct obj *objs;    /* live objects, indexed by handle */
	size_t nobjs, objs_cap;
	struct vec files; /* (dentry handle << 32) | inode handle */
	struct vec cache_pages, anon_pages, thp, kmallocs, kernel_pages, sparse_pages;
	size_t cache_head; /* cache_pages is a FIFO: oldest at cache_head */
	uint64_t movable_live;
	uint64_t buddy_used;	       /* pages out of the buddy allocator (PCP lists included) */
	double frac;		       /* share of the trace's duration gone */
	double scale;		       /* the host's size against the report's (report workloads) */
	uint64_t live_objs[NR_CACHES]; /* live objects per cache (slabinfo's active_objs) */
	uint64_t live_slabs[NR_CACHES];
	double unused_share;  /* of the dentries and inodes: on the LRU, unused */
	uint32_t shrinker_id; /* "super_cache_scan+0x0/0x1b0" */
	int64_t sb_deferred;  /* the superblock shrinker's nr_deferred */
	int rc;
	char *err;
	size_t errlen;
};

static uint64_t rnd(struct gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

/* A count for this millisecond from a rate per second, with the fraction carried randomly. */
static unsigned per_ms(struct gen *g, double rate)
{
	double x = rate / 1000.0;
	unsigned n = (unsigned)x;
	if ((double)(rnd(g) % 1000000) / 1e6 < x - n)
		n++;
	return n;
}

static void emit(struct gen *g, struct trace_event *ev)
{
	if (g->rc)
		return;
	ev->ts = g->now + (g->tick < 999 ? g->tick++ : 999); /* ordered within the millisecond */
	ev->cpu = (uint16_t)g->cpu;
	ev->pid = 1000 + (int32_t)g->cpu;
	if (trace_writer_add(g->w, ev)) {
		snprintf(g->err, g->errlen, "%s", trace_writer_error(g->w));
		g->rc = -1;
		return;
	}
	g->st->events++;
}

static uint64_t buddy_alloc(struct gen *g, unsigned order, int mt, bool percpu_refill)
{
	struct model_alloc_req q = { .order = order,
				     .migratetype = mt,
				     .gfp = mt == MIGRATE_MOVABLE ? MODEL_GFP_HIGHUSER_MOVABLE
								  : MODEL_GFP_KERNEL,
				     .movable = mt == MIGRATE_MOVABLE };
	uint64_t pfn;
	if (model_alloc(g->m, &q, &pfn) != MODEL_OK)
		return MODEL_NO_PFN;
	g->buddy_used += 1ull << order;
	struct trace_event ev = { .type = TRACE_PAGE_ALLOC_ZONE_LOCKED,
				  .page = { .pfn = pfn,
					    .order = order,
					    .migratetype = mt,
					    .percpu_refill = percpu_refill } };
	emit(g, &ev);
	return pfn;
}

/* An allocation as the trace shows it: order 0 through the CPU's list, larger from the buddy. */
static uint64_t alloc_pages(struct gen *g, unsigned order, int mt, uint64_t gfp)
{
	uint64_t pfn;
	if (order == 0) {
		struct vec *pcp = &g->pcp[g->cpu][mt < 3 ? mt : 0];
		if (!pcp->n)
			for (int i = 0; i < PCP_BATCH; i++) {
				uint64_t p = buddy_alloc(g, 0, mt, true);
				if (p == MODEL_NO_PFN)
					break;
				vpush(pcp, p);
			}
		if (!pcp->n)
			return MODEL_NO_PFN;
		pfn = pcp->v[--pcp->n];
	} else {
		pfn = buddy_alloc(g, order, mt, false);
		if (pfn == MODEL_NO_PFN)
			return pfn;
	}
	struct trace_event ev = {
		.type = TRACE_PAGE_ALLOC,
		.page = { .pfn = pfn, .order = order, .migratetype = mt, .gfp = gfp }
	};
	emit(g, &ev);
	g->st->page_allocs_by_order[order]++;
	g->st->page_allocs_by_mt[mt < 3 ? mt : 0]++;
	return pfn;
}

static void free_pages(struct gen *g, uint64_t pfn, unsigned order, int mt, bool batched)
{
	/* as the kernel does: free_pages_prepare() traces every free; free_unref_folios()
	 * adds mm_page_free_batched for the same page */
	struct trace_event ev = { .type = TRACE_PAGE_FREE, .page = { .pfn = pfn, .order = order } };
	emit(g, &ev);
	if (batched) {
		ev.type = TRACE_PAGE_FREE_BATCHED;
		emit(g, &ev);
	}
	if (order) {
		model_free(g->m, pfn, order);
		g->buddy_used -= 1ull << order;
		return;
	}
	/* the page goes back to its type's list, and a drain names that type */
	struct vec *pcp = &g->pcp[g->cpu][mt < 3 ? mt : 0];
	vpush(pcp, pfn);
	if (pcp->n > PCP_HIGH)
		for (int i = 0; i < PCP_BATCH; i++) {
			uint64_t p = pcp->v[0];
			memmove(pcp->v, pcp->v + 1, (pcp->n - 1) * sizeof(*pcp->v));
			pcp->n--;
			struct trace_event d = {
				.type = TRACE_PAGE_PCPU_DRAIN,
				.page = { .pfn = p, .order = 0, .migratetype = mt }
			};
			emit(g, &d);
			model_free(g->m, p, 0);
			g->buddy_used--;
		}
}

/* ---- slab ---- */

static uint32_t obj_new(struct gen *g)
{
	if (g->nobjs == g->objs_cap) {
		g->objs_cap = g->objs_cap ? g->objs_cap * 2 : 65536;
		g->objs = realloc(g->objs, g->objs_cap * sizeof(*g->objs));
		if (!g->objs)
			abort();
	}
	return (uint32_t)g->nobjs++;
}

static int64_t slab_alloc(struct gen *g, unsigned c)
{
	struct cache *ca = &g->caches[c];
	struct vec *part = &g->partial[c];
	if (!part->n) {
		uint64_t gfp = K_GFP_KERNEL |
			       (ca->mt == MIGRATE_RECLAIMABLE ? K_GFP_RECLAIMABLE : 0) |
			       (ca->order ? K_GFP_COMP : 0);
		uint64_t pfn = alloc_pages(g, ca->order, ca->mt, gfp);
		if (pfn == MODEL_NO_PFN)
			return -1;
		if (g->nslabs == g->slabs_cap) {
			g->slabs_cap = g->slabs_cap ? g->slabs_cap * 2 : 4096;
			g->slabs = realloc(g->slabs, g->slabs_cap * sizeof(*g->slabs));
			if (!g->slabs)
				abort();
		}
		struct slab *s = &g->slabs[g->nslabs];
		*s = (struct slab){ .pfn = pfn, .cache = c, .nfree = ca->objs };
		s->free_slots = malloc(ca->objs * sizeof(uint32_t));
		for (uint32_t i = 0; i < ca->objs; i++) /* SLAB_FREELIST_RANDOM's shuffle */
			s->free_slots[i] = i;
		for (uint32_t i = ca->objs - 1; i > 0; i--) {
			uint32_t j = (uint32_t)(rnd(g) % (i + 1)), t = s->free_slots[i];
			s->free_slots[i] = s->free_slots[j];
			s->free_slots[j] = t;
		}
		vpush(part, g->nslabs++);
		g->st->slab_pages_live += 1u << ca->order;
		g->live_slabs[c]++;
	}
	uint32_t si = (uint32_t)part->v[part->n - 1];
	struct slab *s = &g->slabs[si];
	uint32_t slot = s->free_slots[--s->nfree];
	if (!s->nfree)
		part->n--;
	s->inuse++;
	uint32_t h = obj_new(g);
	g->objs[h] = (struct obj){ .addr = (s->pfn << 12) + (uint64_t)slot * ca->size,
				   .slab = si,
				   .slot = slot };
	bool kmalloc = ca->kmalloc;
	struct trace_event ev = { .type = kmalloc ? TRACE_KMALLOC : TRACE_SLAB_ALLOC,
				  .slab = { .addr = g->objs[h].addr,
					    .cache = kmalloc ? TRACE_NO_STRING : ca->name_id,
					    .call_site = ca->alloc_id,
					    .bytes_req = ca->size - 8,
					    .bytes_alloc = ca->size,
					    .gfp = K_GFP_KERNEL | (ca->mt == MIGRATE_RECLAIMABLE
									   ? K_GFP_RECLAIMABLE
									   : 0),
					    .node = -1 } };
	emit(g, &ev);
	g->st->slab_objects_live++;
	g->live_objs[c]++;
	return h;
}

static void slab_free(struct gen *g, uint32_t h)
{
	struct obj *o = &g->objs[h];
	struct slab *s = &g->slabs[o->slab];
	struct cache *ca = &g->caches[s->cache];
	bool kmalloc = ca->kmalloc;
	struct trace_event ev = { .type = kmalloc ? TRACE_KFREE : TRACE_SLAB_FREE,
				  .slab = { .addr = o->addr,
					    .cache = kmalloc ? TRACE_NO_STRING : ca->name_id,
					    .call_site = ca->free_id } };
	emit(g, &ev);
	g->st->slab_objects_live--;
	g->live_objs[s->cache]--;
	if (!s->nfree)
		vpush(&g->partial[s->cache], o->slab);
	s->free_slots[s->nfree++] = o->slot;
	if (--s->inuse == 0) {
		struct vec *part = &g->partial[s->cache];
		for (size_t i = 0; i < part->n; i++)
			if (part->v[i] == o->slab) {
				part->v[i] = part->v[--part->n];
				break;
			}
		free_pages(g, s->pfn, ca->order, ca->mt, false);
		g->st->slab_pages_live -= 1u << ca->order;
		g->live_slabs[s->cache]--;
		free(s->free_slots);
		s->free_slots = NULL;
	}
}

/* ---- workload pieces, each run once per millisecond ---- */

static void files_in(struct gen *g, double create_rate, double delete_share, unsigned inode_cache)
{
	unsigned n = per_ms(g, create_rate);
	for (unsigned i = 0; i < n; i++) {
		int64_t d = slab_alloc(g, C_DENTRY), in = slab_alloc(g, inode_cache);
		if (d < 0 || in < 0)
			return;
		vpush(&g->files, (uint64_t)d << 32 | (uint64_t)in);
		g->st->files_created++;
	}
	unsigned del = per_ms(g, create_rate * delete_share);
	for (unsigned i = 0; i < del && g->files.n; i++) {
		size_t k = rnd(g) % g->files.n;
		uint64_t f = g->files.v[k];
		g->files.v[k] = g->files.v[--g->files.n];
		slab_free(g, (uint32_t)(f >> 32));
		slab_free(g, (uint32_t)f);
		g->st->files_deleted++;
	}
}

static void files(struct gen *g, double create_rate, double delete_share)
{
	files_in(g, create_rate, delete_share, C_EXT4_INODE);
}

/* Page-cache pages: read in at a rate, reclaimed oldest first above a share of memory. */
static void page_cache(struct gen *g, double rate, double share)
{
	unsigned n = per_ms(g, rate);
	for (unsigned i = 0; i < n; i++) {
		uint64_t pfn = alloc_pages(g, 0, MIGRATE_MOVABLE, K_GFP_HIGHUSER_MV);
		if (pfn == MODEL_NO_PFN)
			break;
		vpush(&g->cache_pages, pfn);
		g->movable_live++;
	}
	uint64_t limit = (uint64_t)((double)(g->p->mem_bytes >> 12) * share);
	unsigned cpu = g->cpu;
	g->cpu = g->p->cpus - 1; /* reclaim runs on its own CPU, as kswapd does */
	while (g->movable_live > limit && g->cache_head < g->cache_pages.n) {
		free_pages(g, g->cache_pages.v[g->cache_head++], 0, MIGRATE_MOVABLE, true);
		g->movable_live--;
	}
	g->cpu = cpu;
	if (g->cache_head > 65536 && g->cache_head * 2 > g->cache_pages.n) {
		memmove(g->cache_pages.v, g->cache_pages.v + g->cache_head,
			(g->cache_pages.n - g->cache_head) * sizeof(uint64_t));
		g->cache_pages.n -= g->cache_head;
		g->cache_head = 0;
	}
}

/*
 * Anonymous memory: THPs and small pages, freed at random above a share of memory; with
 * free_thp false only the small pages are freed (THPs stay in place, so the holes stay single
 * pages and no pageblock empties).
 */
static void anon_churn(struct gen *g, double thp_rate, double page_rate, double share,
		       bool free_thp)
{
	unsigned n = per_ms(g, thp_rate);
	for (unsigned i = 0; i < n; i++) {
		uint64_t pfn = alloc_pages(g, 9, MIGRATE_MOVABLE, K_GFP_THP);
		if (pfn == MODEL_NO_PFN)
			break;
		vpush(&g->thp, pfn);
		g->movable_live += 512;
	}
	n = per_ms(g, page_rate);
	for (unsigned i = 0; i < n; i++) {
		uint64_t pfn = alloc_pages(g, 0, MIGRATE_MOVABLE, K_GFP_HIGHUSER_MV);
		if (pfn == MODEL_NO_PFN)
			break;
		vpush(&g->anon_pages, pfn);
		g->movable_live++;
	}
	uint64_t limit = (uint64_t)((double)(g->p->mem_bytes >> 12) * share);
	size_t thps = free_thp ? g->thp.n : 0;
	unsigned cpu = g->cpu;
	g->cpu = g->p->cpus - 1; /* the exiting tasks run on the last CPU */
	while (g->movable_live > limit && (thps || g->anon_pages.n)) {
		bool big = thps && (!g->anon_pages.n || rnd(g) % 4 == 0);
		struct vec *v = big ? &g->thp : &g->anon_pages;
		size_t k = rnd(g) % v->n;
		uint64_t pfn = v->v[k];
		v->v[k] = v->v[--v->n];
		free_pages(g, pfn, big ? 9 : 0, MIGRATE_MOVABLE, false);
		g->movable_live -= big ? 512 : 1;
		thps = free_thp ? g->thp.n : 0;
	}
	g->cpu = cpu;
}

static void anon(struct gen *g, double thp_rate, double page_rate, double share)
{
	anon_churn(g, thp_rate, page_rate, share, true);
}

/* Unmovable kernel churn: kmalloc objects and page-table pages with short lives. */
static void kernel(struct gen *g, double kmalloc_rate, double pgtable_rate)
{
	unsigned n = per_ms(g, kmalloc_rate);
	for (unsigned i = 0; i < n; i++) {
		int64_t h = slab_alloc(g, 2 + (unsigned)(rnd(g) % 2));
		if (h >= 0)
			vpush(&g->kmallocs, (uint64_t)h);
	}
	while (g->kmallocs.n > 20000) {
		size_t k = rnd(g) % g->kmallocs.n;
		slab_free(g, (uint32_t)g->kmallocs.v[k]);
		g->kmallocs.v[k] = g->kmallocs.v[--g->kmallocs.n];
	}
	n = per_ms(g, pgtable_rate);
	for (unsigned i = 0; i < n; i++) {
		uint64_t pfn = alloc_pages(g, 0, MIGRATE_UNMOVABLE, K_GFP_KERNEL);
		if (pfn != MODEL_NO_PFN)
			vpush(&g->kernel_pages, pfn);
	}
	while (g->kernel_pages.n > 4096) {
		size_t k = rnd(g) % g->kernel_pages.n;
		free_pages(g, g->kernel_pages.v[k], 0, MIGRATE_UNMOVABLE, false);
		g->kernel_pages.v[k] = g->kernel_pages.v[--g->kernel_pages.n];
	}
}

/* The live objects of the caches the superblock shrinker covers: dentries and inodes. */
static uint64_t sb_cache_objects(const struct gen *g)
{
	return g->live_objs[C_DENTRY] + g->live_objs[C_EXT4_INODE] + g->live_objs[C_BTRFS_INODE];
}

/*
 * kswapd's shrink_slab() pass over the one superblock (shrink_node at DEF_PRIORITY), as the
 * kernel traces it: mm_shrink_slab_start with super_cache_count's figure as cache_items (the
 * unused dentries and inodes: the workload's unused share of the live ones, times
 * vfs_cache_pressure 100 / 100) and do_shrink_slab's delta and total_scan, then
 * mm_shrink_slab_end. The synthetic host's reclaim takes page cache only: its unused objects
 * are all referenced (DCACHE_REFERENCED: the scan rotates them), so it frees none, and the
 * work it did not do is deferred. Replay calibrates its shrinkers' freeable share from
 * cache_items over the start and end slabinfo (docs/replay.md, "Shrinker calibration").
 */
static void kswapd_shrink_slab(struct gen *g)
{
	int64_t items = (int64_t)((double)sb_cache_objects(g) * g->unused_share + 0.5);
	int64_t delta = (items >> 12) * 4 / 2, nr = g->sb_deferred;
	int64_t total = (nr >> 12) + delta;

	if (total > 2 * items)
		total = 2 * items;
	struct trace_event ev = { .type = TRACE_SHRINK_START,
				  .shrink_start = { .shrinker = g->shrinker_id,
						    .nid = 0,
						    .priority = 12,
						    .gfp = K_GFP_KERNEL,
						    .nr_objects_to_shrink = nr,
						    .cache_items = items,
						    .delta = delta,
						    .total_scan = total } };
	emit(g, &ev);
	g->sb_deferred = nr + delta > 2 * items ? 2 * items : nr + delta;
	struct trace_event end = { .type = TRACE_SHRINK_END,
				   .shrink_end = { .shrinker = g->shrinker_id,
						   .nid = 0,
						   .retval = 0,
						   .unused_scan = nr,
						   .new_scan = g->sb_deferred,
						   .total_scan = total } };
	emit(g, &end);
	g->st->shrink_rounds++;
}

/*
 * kswapd: when free memory falls under low_share of the host, reclaim page cache oldest first
 * until it is back above high_share (on the last CPU, as kswapd runs there), with one
 * shrink_slab() pass per wakeup.
 */
static void kswapd(struct gen *g, double low_share, double high_share)
{
	uint64_t pages = g->p->mem_bytes >> 12;
	if (g->buddy_used + (uint64_t)((double)pages * low_share) < pages)
		return;
	uint64_t target = pages - (uint64_t)((double)pages * high_share);
	unsigned cpu = g->cpu;
	g->cpu = g->p->cpus - 1;
	kswapd_shrink_slab(g);
	while (g->buddy_used > target && g->cache_head < g->cache_pages.n) {
		free_pages(g, g->cache_pages.v[g->cache_head++], 0, MIGRATE_MOVABLE, true);
		g->movable_live--;
	}
	g->cpu = cpu;
}

/*
 * Sparse unmovable churn (vmalloc backing pages, raw kernel pages, page tables): order-0
 * UNMOVABLE pages at a rate, freed at random while more than `live` are held, so the
 * pageblocks they live in stay partly used and partly free.
 */
static void sparse(struct gen *g, double rate, uint64_t live)
{
	unsigned n = per_ms(g, rate);
	for (unsigned i = 0; i < n; i++) {
		uint64_t pfn = alloc_pages(g, 0, MIGRATE_UNMOVABLE, K_GFP_KERNEL);
		if (pfn != MODEL_NO_PFN)
			vpush(&g->sparse_pages, pfn);
	}
	while (g->sparse_pages.n > live) {
		size_t k = rnd(g) % g->sparse_pages.n;
		free_pages(g, g->sparse_pages.v[k], 0, MIGRATE_UNMOVABLE, false);
		g->sparse_pages.v[k] = g->sparse_pages.v[--g->sparse_pages.n];
	}
}

/*
 * Slab pages per file: a dentry (1/21 page) and a btrfs inode (1/3 page: order-0 slabs here,
 * where the kernel uses order 3, so that the model's order-3 slowpath does not dominate).
 */
#define BTRFS_FILE_PAGES (1.0 / 21 + 1.0 / 3)

/* A superpageblock: 1 GiB of 4 KiB pages. */
#define SPB_PAGES (1ull << 18)

/*
 * v1 31/45 (recl-burst). The report's tainted SPB held 87,000+ free pages, a third of its
 * 262,144, all on the UNMOVABLE list, while its RECLAIMABLE pageblocks (btrfs_inode) were dense
 * and it had no wholly free pageblock left. Built in SPB units so that a small host reaches the
 * same state: btrfs inodes (1% of P, never deleted) and order-0 UNMOVABLE pages together fill
 * K whole SPBs, K = 5% of P in SPBs (at least 1: 12 on the report's host); in the first tenth
 * of D. In the second tenth a third of the UNMOVABLE pages are freed at random (no pageblock
 * empties: each keeps about 340 of its 512 pages), while page cache fills the rest of memory.
 * Then the unmovable churn goes on at that level, page cache churns under kswapd, and every
 * D/10 a one-second burst of btrfs inodes asks for 0.2% of P of RECLAIMABLE pages, more than
 * any tainted SPB's reserve of free pageblocks.
 */
static void recl_burst(struct gen *g, double P, double D, double t)
{
	double recl = 0.01 * P, k = (double)(uint64_t)(0.05 * P / (double)SPB_PAGES + 0.5);
	double peak = (k < 1 ? 1 : k) * (double)SPB_PAGES * 0.99 - recl, sparse_live = peak * 2 / 3;

	if (t < 0.1) {
		files_in(g, recl / BTRFS_FILE_PAGES / (0.1 * D), 0, C_BTRFS_INODE);
		sparse(g, peak / (0.1 * D), (uint64_t)peak);
		page_cache(g, 0.1 * P / (0.1 * D), 1.0);
	} else if (t < 0.2) {
		sparse(g, 0, (uint64_t)(peak - (peak - sparse_live) * (t - 0.1) / 0.1));
		page_cache(g, 0.8 * P / (0.1 * D), 1.0);
	} else {
		double since = (t - 0.2) * D, period = D / 10;
		if (since - period * (double)(uint64_t)(since / period) < 1.0)
			files_in(g, 0.002 * P / BTRFS_FILE_PAGES, 0, C_BTRFS_INODE);
		sparse(g, 0.0002 * P, (uint64_t)sparse_live);
		page_cache(g, 0.0003 * P, 1.0);
	}
	kswapd(g, 0.04, 0.06);
}

/*
 * v1 32/45 (devvm-slab): 10 minutes after boot slab is 1.7 GB of 247; over the next 6 minutes
 * (the last 6/7 of the trace) it grows by 10 GB to 11.7 GB: dentries and btrfs inodes of files
 * looked up and left (a fifth deleted again), DEVVM_UNUSED of them unused, while page cache
 * reads 30% of P more, so that memory is full and kswapd runs from about the middle on. The
 * growth is
 * 10/247 of P but at least DEVVM_MIN_GROWTH SPBs (and at most a fifth of P for that floor), so
 * that a small host too grows its slab past what one tainted SPB holds (the report's growth
 * tainted 12 more SPBs).
 */
static void devvm_slab(struct gen *g, double P, double D, double t)
{
	double growth = 10.0 / 247 * P;

	double floor = DEVVM_MIN_GROWTH * (double)SPB_PAGES;

	if (floor > 0.2 * P) /* a host under 15 GiB: a fifth of it */
		floor = 0.2 * P;
	if (growth < floor)
		growth = floor;
	if (t < 1.0 / 7) {
		page_cache(g, 0.6 * P / (D / 7), 1.0);
		anon(g, 0.06 * P / 512 / (D / 7), 0.02 * P / (D / 7), 1.0);
		files_in(g, 1.7 / 247 * P / BTRFS_FILE_PAGES / (D / 7) / 0.8, 0.2, C_BTRFS_INODE);
	} else {
		page_cache(g, 0.3 * P / (D * 6 / 7), 1.0);
		files_in(g, growth / BTRFS_FILE_PAGES / (D * 6 / 7) / 0.8, 0.2, C_BTRFS_INODE);
	}
	kernel(g, 2000 * g->scale, 0);
	sparse(g, 200 * g->scale, (uint64_t)(0.001 * P));
	kswapd(g, 0.04, 0.06);
}

/*
 * The four report workloads (docs/validation.md), per millisecond. P is the host's pages, D
 * the duration, t the share of it gone; every amount is a share of P, so a smaller --mem is
 * the same workload scaled down, and a shorter --duration the same workload faster.
 */
static void step_report(struct gen *g, int w)
{
	double P = (double)(g->p->mem_bytes >> 12), D = g->p->duration_s, t = g->frac;

	switch (w) {
	case W_SYZKALLER:
		/* v1 cover letter: syzkaller VMs (anonymous memory, mostly THPs) and crash
		 * analysis use all memory; VMs restart, files come and go, kernel churn */
		if (t < 0.2) {
			anon(g, 0.5 * P / 512 / (0.2 * D), 0.05 * P / (0.2 * D), 0.85);
			page_cache(g, 0.30 * P / (0.2 * D), 1.0);
		} else {
			anon(g, 0.004 * P / 512, 0.0003 * P, 0.85);
			page_cache(g, 0.0005 * P, 1.0);
		}
		files(g, 0.01 * P / BTRFS_FILE_PAGES / D / 0.5, 0.5);
		kernel(g, 5000 * g->scale, 0);
		sparse(g, 1500 * g->scale, (uint64_t)(0.003 * P));
		kswapd(g, 0.04, 0.06);
		break;
	case W_DEVVM_SLAB:
		/* v1 32/45: 10 minutes after boot slab is 1.7 GB of 247; over the next
		 * 6 minutes (the last 6/7 of the trace) it grows to 11.7 GB */
		devvm_slab(g, P, D, t);
		break;
	case W_TAINTED_CLAIM: {
		/* v1 25/45: memory full of movable pages with scattered holes (4 KiB anonymous
		 * pages freed at random) while unmovable kernel memory keeps growing: from u0 to
		 * twice u0, u0 = 1.5% of P but at least half an SPB (3.7 SPBs on the report's
		 * host), so that a small host too grows its tainted SPBs past their free
		 * pageblocks into the movable ones */
		double u0 = 0.015 * P > SPB_PAGES / 2 ? 0.015 * P : SPB_PAGES / 2;
		if (t < 0.2) {
			anon(g, 0.5 * P / 512 / (0.2 * D), 0.4 * P / (0.2 * D), 0.92);
			page_cache(g, 0.05 * P / (0.2 * D), 1.0);
		} else {
			anon_churn(g, 0, 0.001 * P, 0.92, false);
		}
		kernel(g, 3000 * g->scale, 0);
		sparse(g, u0 * (1 + t) / D + 0.0002 * P, (uint64_t)(u0 * (1 + t)));
		kswapd(g, 0.04, 0.06);
		break;
	}
	default: /* W_RECL_BURST */
		recl_burst(g, P, D, t);
		break;
	}
}

static void step(struct gen *g, int w)
{
	double pages = (double)(g->p->mem_bytes >> 12);

	switch (w) {
	case 0: /* slab-growth */
		files(g, 2000, 0.2);
		page_cache(g, pages * 0.03, 0.6);
		break;
	case 1: /* pagecache-churn */
		page_cache(g, pages * 0.05, 0.7);
		kernel(g, 2000, 0);
		break;
	case 2: /* anon-thp */
		anon(g, pages * 0.03 / 512, pages * 0.005, 0.6);
		break;
	case 3: /* mixed */
		files(g, 700, 0.5);
		page_cache(g, pages * 0.01, 0.35);
		anon(g, pages * 0.01 / 512, pages * 0.002, 0.2);
		kernel(g, 3000, 300);
		break;
	default:
		step_report(g, w);
		break;
	}
}

/*
 * /proc/slabinfo as capture stores it (start/slabinfo, end/slabinfo): active and total objects
 * of each cache. Replay's shrinker calibration divides the unused count by the dentries' and
 * inodes' active objects here; the synthetic host starts with none.
 */
static int slabinfo(struct gen *g, const char *name)
{
	char text[2048];
	int n = snprintf(text, sizeof(text),
			 "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> "
			 "<objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> "
			 "<sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
	for (int i = 0; i < NR_CACHES; i++) {
		const struct cache *ca = &g->caches[i];
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "%-17s %6llu %6llu %6u %4u %4u : tunables    0    0    0 : slabdata "
			      "%6llu %6llu      0\n",
			      ca->name, (unsigned long long)g->live_objs[i],
			      (unsigned long long)g->live_slabs[i] * ca->objs, ca->size, ca->objs,
			      1u << ca->order, (unsigned long long)g->live_slabs[i],
			      (unsigned long long)g->live_slabs[i]);
	}
	return trace_writer_add_meta(g->w, name, text, (size_t)n);
}

/* The synthetic start snapshot: what capture would store, for the geometry replay needs. */
static int snapshots(struct gen *g, const struct model_config *c)
{
	char text[4096];
	int n = 0;
	static const char *const zname[] = { "DMA", "DMA32", "Normal", "Movable" };
	for (unsigned i = 0; i < c->nr_zones; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "Node %d, zone %8s\n  pages free     %llu\n        spanned  %llu\n"
			      "        present  %llu\n        managed  %llu\n  start_pfn:          "
			      " %llu\n",
			      c->zones[i].nid, zname[c->zones[i].type],
			      (unsigned long long)c->zones[i].spanned_pages,
			      (unsigned long long)c->zones[i].spanned_pages,
			      (unsigned long long)c->zones[i].spanned_pages,
			      (unsigned long long)c->zones[i].spanned_pages,
			      (unsigned long long)c->zones[i].start_pfn);
	if (trace_writer_add_meta(g->w, "start/zoneinfo", text, (size_t)n))
		return -1;
	n = snprintf(text, sizeof(text),
		     "# cache object_size objs_per_slab order reclaim_account slab_size\n");
	for (int i = 0; i < NR_CACHES; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%s %u %u %u %d %u\n",
			      g->caches[i].name, g->caches[i].size, g->caches[i].objs,
			      g->caches[i].order, g->caches[i].mt == MIGRATE_RECLAIMABLE,
			      g->caches[i].size);
	if (trace_writer_add_meta(g->w, "start/slab_attributes", text, (size_t)n))
		return -1;
	if (slabinfo(g, "start/slabinfo") ||
	    trace_writer_add_meta(g->w, "start/vfs_cache_pressure", "100\n", 4))
		return -1;
	/* A synthetic host has no balloon reporting free pages and does not shuffle its free
	 * lists: said, so that replay does not assume the bundled hosts' virtio-balloon. */
	if (trace_writer_add_meta(g->w, "start/page_reporting_order", "not loaded\n", 11) ||
	    trace_writer_add_meta(g->w, "start/page_alloc_shuffle", "N\n", 2))
		return -1;
	n = snprintf(text, sizeof(text),
		     "synthetic: fragtrace synth\nworkload: %s\nmem_bytes: %llu\nduration_s: %g\n"
		     "seed: %llu\ncpus: %u\naddresses: physical\n",
		     g->p->workload, (unsigned long long)g->p->mem_bytes, g->p->duration_s,
		     (unsigned long long)g->p->seed, g->p->cpus);
	if (trace_writer_add_meta(g->w, "capture/options", text, (size_t)n))
		return -1;
	/* a page map of an idle host: every present page free */
	uint64_t pfns = 0;
	for (unsigned i = 0; i < c->nr_zones; i++)
		if (c->zones[i].start_pfn + c->zones[i].spanned_pages > pfns)
			pfns = c->zones[i].start_pfn + c->zones[i].spanned_pages;
	char head[64];
	int hl = snprintf(head, sizeof(head), "fragtrace-pagemap 1 %llu\n",
			  (unsigned long long)pfns);
	size_t bytes = (size_t)hl + (size_t)(pfns + 1) / 2;
	uint8_t *map = calloc(1, bytes);
	if (!map)
		return -1;
	memcpy(map, head, (size_t)hl);
	for (unsigned i = 0; i < c->nr_zones; i++)
		for (uint64_t p = c->zones[i].start_pfn;
		     p < c->zones[i].start_pfn + c->zones[i].spanned_pages; p++)
			map[(size_t)hl + p / 2] |= (uint8_t)(1 << ((p & 1) * 4));
	int rc = trace_writer_add_meta(g->w, "start/pagemap", map, bytes);
	free(map);
	return rc;
}

int synth_workload_write(const struct synth_workload_params *pin, const char *path,
			 struct synth_workload_stats *st, char *err, size_t errlen)
{
	struct synth_workload_params p = *pin;
	struct gen g = { .p = &p, .st = st, .err = err, .errlen = errlen };
	struct model_config c;
	int w = -1, merr;

	memset(st, 0, sizeof(*st));
	for (int i = 0; synth_workload_names[i]; i++)
		if (p.workload && !strcmp(p.workload, synth_workload_names[i]))
			w = i;
	if (w < 0) {
		snprintf(err, errlen,
			 "unknown workload '%s' (slab-growth, pagecache-churn, anon-thp, "
			 "mixed, syzkaller, devvm-slab, tainted-claim, recl-burst)",
			 p.workload ? p.workload : "");
		return -1;
	}
	if (!p.mem_bytes)
		p.mem_bytes = w >= W_SYZKALLER ? report_defaults[w].mem_gib << 30 : 16ull << 30;
	if (p.duration_s <= 0)
		p.duration_s = w >= W_SYZKALLER ? report_defaults[w].duration_s : 60;
	if (w >= W_SYZKALLER)
		g.scale = (double)p.mem_bytes / (double)(report_defaults[w].mem_gib << 30);
	if (!p.cpus || p.cpus > 64)
		p.cpus = 2;
	g.rng = p.seed ? p.seed * 0x9E3779B97F4A7C15ull : 0x2545F4914F6CDD1Dull;
	model_config_simple(&c, MODEL_POLICY_MAINLINE, p.mem_bytes);
	c.params.evacuation = c.params.defrag = false;
	/* the generator writes no migration events: the model that places its pages must not move
	 * them (direct compaction would, leaving the trace's pfns stale) */
	c.params.direct_compaction = false;
	g.m = model_create(&c, &merr);
	struct trace_header h = { .page_size = 4096,
				  .pageblock_order = 9,
				  .cpu_count = p.cpus,
				  .time_resolution_ns = 1000 };
	snprintf(h.kernel_release, sizeof(h.kernel_release), "synthetic");
	snprintf(h.arch, sizeof(h.arch), "x86_64");
	snprintf(h.trace_clock, sizeof(h.trace_clock), "synthetic");
	snprintf(h.tool_version, sizeof(h.tool_version), "fragtrace synth");
	if (!g.m || trace_writer_open(path, &h, NULL, &g.w)) {
		snprintf(err, errlen, "%s", g.m ? trace_writer_error(g.w) : model_strerror(merr));
		trace_writer_free(g.w);
		model_destroy(g.m);
		return -1;
	}
	struct cache caches[NR_CACHES] = {
		[C_DENTRY] = { "dentry", "d_alloc+0x2b", "__dentry_kill+0x12e", 192, 21, 0,
			       MIGRATE_RECLAIMABLE, false },
		[C_EXT4_INODE] = { "ext4_inode_cache", "ext4_alloc_inode+0x1a",
				   "ext4_free_in_core_inode+0x25", 1080, 30, 3, MIGRATE_RECLAIMABLE,
				   false },
		[C_KMALLOC_256] = { "kmalloc-256", "__kmalloc_noprof+0x1b9", "kfree+0x7c", 256, 32,
				    1, MIGRATE_UNMOVABLE, true },
		[C_KMALLOC_1K] = { "kmalloc-1k", "__kmalloc_noprof+0x1b9", "kfree+0x7c", 1024, 32,
				   3, MIGRATE_UNMOVABLE, true },
		[C_BTRFS_INODE] = { "btrfs_inode", "btrfs_alloc_inode+0x29",
				    "btrfs_free_inode+0x1f", 1184, 3, 0, MIGRATE_RECLAIMABLE,
				    false },
	};
	memcpy(g.caches, caches, sizeof(caches));
	for (int i = 0; i < NR_CACHES; i++) {
		g.caches[i].name_id = trace_writer_string(g.w, g.caches[i].name);
		g.caches[i].alloc_id = trace_writer_string(g.w, g.caches[i].site_alloc);
		g.caches[i].free_id = trace_writer_string(g.w, g.caches[i].site_free);
	}
	g.shrinker_id = trace_writer_string(g.w, "super_cache_scan+0x0/0x1b0");
	if (w >= W_SYZKALLER)
		g.unused_share = report_defaults[w].unused_share;
	g.partial = calloc(NR_CACHES, sizeof(*g.partial));
	if (!g.partial || snapshots(&g, &c)) {
		snprintf(err, errlen, "%s", trace_writer_error(g.w));
		g.rc = -1;
	}
	uint64_t steps = (uint64_t)(p.duration_s * 1000);
	for (uint64_t s = 0; s < steps && !g.rc; s++) {
		g.now = 1000000000ull + s * 1000000ull;
		g.frac = (double)s / (double)steps;
		g.tick = 0;
		/* most work on CPU 0, as on the baseline host (84/16); reclaim on the last CPU */
		g.cpu = rnd(&g) % 100 < 84
				? 0
				: (unsigned)(1 + rnd(&g) % (p.cpus > 1 ? p.cpus - 1 : 1)) % p.cpus;
		step(&g, w);
		if (p.progress && ((s + 1) % 1000 == 0 || s + 1 == steps))
			p.progress(p.progress_ctx, s + 1, steps, 0, 1);
	}
	if (!g.rc && slabinfo(&g, "end/slabinfo")) {
		snprintf(err, errlen, "%s", trace_writer_error(g.w));
		g.rc = -1;
	}
	if (!g.rc && trace_writer_close(g.w)) {
		snprintf(err, errlen, "%s", trace_writer_error(g.w));
		g.rc = -1;
	}
	st->bytes = trace_writer_bytes(g.w);
	st->movable_pages_live = g.movable_live;
	st->thp_live = g.thp.n;
	trace_writer_free(g.w);
	model_destroy(g.m);
	for (size_t i = 0; i < g.nslabs; i++)
		free(g.slabs[i].free_slots);
	free(g.slabs);
	free(g.objs);
	for (int i = 0; i < NR_CACHES && g.partial; i++)
		free(g.partial[i].v);
	free(g.partial);
	for (int i = 0; i < 64; i++)
		for (int t = 0; t < 3; t++)
			free(g.pcp[i][t].v);
	free(g.files.v);
	free(g.cache_pages.v);
	free(g.anon_pages.v);
	free(g.thp.v);
	free(g.kmallocs.v);
	free(g.kernel_pages.v);
	free(g.sparse_pages.v);
	return g.rc;
}
