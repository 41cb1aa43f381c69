// SPDX-License-Identifier: GPL-2.0
/*
 * synth_stream.c - the realistic synthetic kmem event stream (see synth_stream.h).
 *
 * State: per CPU a PCP stack of free pfns (high 512, batch 63) and a current pid; a buddy
 * supply that hands out either a consecutive run of fresh pfns or pages drained earlier; per
 * slab cache a current slab per CPU with a shuffled freelist; the files created and not yet
 * unlinked; the page-cache pages in LRU order. Each step runs one syscall-like script (create,
 * unlink, lookup, read, readahead, anonymous mmap/fault/munmap, reclaim) on one CPU; scripts
 * repeat in phases, as the baseline workload's do, with 10% background noise. The PCP and
 * slab mechanics add the zone-locked, PCP-drain and slab-page events that follow.
 *
 * Invariants: a free names something live (a free with nothing live is skipped); timestamps
 * come from one clock with exponential gaps, so they never decrease. Deterministic for a seed.
 */
#include "synth_stream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCP_HIGH     512
#define PCP_BATCH    63
#define MAX_CPUS     64
#define PHASE_LENGTH 200 /* scripts per phase, on average */
#define PHASE_NOISE  0.1 /* share of scripts that are background noise */

/* gfp bits as in include/linux/gfp_types.h of 6.x */
#define G_MOVABLE	   0x08u
#define G_RECLAIMABLE	   0x10u
#define G_KERNEL	   0xcc0u
#define G_HIGHUSER_MOVABLE 0x140cca
#define G_COMP		   0x40000u
#define G_NOWARN	   0x2000u
#define G_ACCOUNT	   0x400000u

struct synth_cache {
	const char *name;
	uint32_t size, order, reclaimable;
	const char *sites[3];
	uint32_t site_ids[3], name_id;
	/* per cpu: current slab */
	uint64_t slab_base[MAX_CPUS];
	uint32_t nobj, next[MAX_CPUS];
	uint16_t perm[MAX_CPUS][512];
	uint64_t *live;
	size_t nlive, cap;
};

static struct synth_cache cache_proto[] = {
	{ "names_cache", 4096, 3, 0, { "getname_flags+0x2d", "getname_kernel+0x22" } },
	{ "extent_status", 40, 0, 1, { "ext4_es_alloc_extent+0x4a" } },
	{ "filp", 256, 1, 0, { "alloc_empty_file+0x3b" } },
	{ "lsm_file_cache", 24, 0, 0, { "security_file_alloc+0x25" } },
	{ "buffer_head", 104, 0, 1, { "alloc_buffer_head+0x21" } },
	{ "dentry", 192, 0, 1, { "__d_alloc+0x2e", "d_alloc_parallel+0x51" } },
	{ "lsm_inode_cache", 32, 0, 0, { "security_inode_alloc+0x2a" } },
	{ "ext4_inode_cache", 1184, 3, 1, { "ext4_alloc_inode+0x1d" } },
	{ "bio-184", 184, 0, 0, { "bio_alloc_bioset+0xd3" } },
	{ "vm_area_struct", 176, 0, 0, { "vm_area_alloc+0x1f", "vm_area_dup+0x20" } },
	{ "anon_vma_chain", 64, 0, 0, { "anon_vma_clone+0x5e", "anon_vma_fork+0x61" } },
	{ "radix_tree_node", 576, 2, 1, { "radix_tree_node_alloc+0x8c" } },
	{ "maple_node", 256, 1, 0, { "mas_alloc_nodes+0x11f" } },
};
#define NCACHES (sizeof(cache_proto) / sizeof(cache_proto[0]))
enum {
	C_NAMES,
	C_ES,
	C_FILP,
	C_LSM_FILE,
	C_BH,
	C_DENTRY,
	C_LSM_INODE,
	C_EXT4_INODE,
	C_BIO,
	C_VMA,
	C_AVC,
	C_RADIX,
	C_MAPLE
};

struct kmalloc_site {
	const char *name;
	uint32_t min, max; /* bytes requested, uniform in [min, max] */
	uint32_t id;
};

static const struct kmalloc_site kmalloc_proto[] = {
	{ "kvmalloc_node_noprof+0x43", 64, 4096 },   { "__kmalloc_cache_noprof+0x1e", 32, 32 },
	{ "ext4_htree_store_dirent+0x3c", 56, 300 }, { "seq_open+0x2d", 120, 120 },
	{ "alloc_pipe_info+0x7e", 1024, 1024 },	     { "__alloc_skb+0x8f", 320, 1100 },
	{ "load_elf_phdrs+0x4c", 504, 504 },	     { "kstrdup+0x2c", 6, 40 },
};
#define NKSITES	  (sizeof(kmalloc_proto) / sizeof(kmalloc_proto[0]))
#define NKCLASSES 10 /* kmalloc-8 .. kmalloc-4k */

struct synth_cpu {
	uint64_t pcp[1024];
	size_t npcp;
	int32_t pid;
};

struct synth_file {
	uint64_t dentry, inode, lsm_inode, es, bh, page;
};

struct synth_stream {
	struct synth_stream_params p;
	uint64_t rng;
	uint64_t npfn, fresh;
	double now_ns, gap_ns;
	uint32_t cur_cpu;
	struct synth_cpu cpu[MAX_CPUS];
	uint64_t *pool; /* drained pages back in the buddy */
	size_t npool, pool_cap;
	uint64_t *live; /* page-cache pfns, oldest first */
	size_t nlive, live_cap;
	struct synth_cache caches[NCACHES];
	struct synth_cache kcaches[NKCLASSES]; /* kmalloc size classes, addresses only */
	struct kmalloc_site ksites[NKSITES];
	/* output */
	struct trace_event *out;
	size_t nout, cap_out;
	/* files created and not yet unlinked, oldest first (the baseline's files phase) */
	struct synth_file *files;
	size_t files_head, files_tail, files_cap;
	double phase; /* the script the current phase repeats, as a point in the mix */
};

static uint64_t rnd(struct synth_stream *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545F4914F6CDD1Dull;
}

static double unif(struct synth_stream *s)
{
	return (double)(rnd(s) >> 11) / 9007199254740992.0;
}

static uint64_t below(struct synth_stream *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

static void *push(void *arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return arr;
	*cap = *cap ? *cap * 2 : 1024;
	void *p = realloc(arr, *cap * elem);
	if (!p) {
		fprintf(stderr, "synth_stream: out of memory\n");
		abort();
	}
	return p;
}

/* Append an event stamped with the current time, CPU and pid. */
static struct trace_event *emit(struct synth_stream *s, uint16_t type)
{
	struct trace_event *ev = &s->out[s->nout++];
	*ev = (struct trace_event){ .type = type, .cpu = (uint16_t)s->cur_cpu };
	ev->ts = (uint64_t)s->now_ns;
	ev->pid = s->cpu[s->cur_cpu].pid;
	return ev;
}

/* Pages from the buddy: a consecutive fresh run, or pages drained back earlier. */
static uint64_t buddy_take(struct synth_stream *s, uint32_t order)
{
	if (order == 0 && s->npool && unif(s) < 0.5)
		return s->pool[--s->npool];
	uint64_t n = 1ull << order;
	s->fresh = (s->fresh + n - 1) & ~(n - 1);
	if (s->fresh + n > s->npfn)
		s->fresh = 0;
	uint64_t pfn = s->fresh;
	s->fresh += n;
	return pfn;
}

static void zone_locked(struct synth_stream *s, uint64_t pfn, uint32_t order, int mt, int refill)
{
	struct trace_event *ev = emit(s, TRACE_PAGE_ALLOC_ZONE_LOCKED);
	ev->page = (struct trace_page){
		.pfn = pfn, .order = order, .migratetype = mt, .percpu_refill = (uint32_t)refill
	};
}

/* rmqueue_bulk(): refill the PCP list with a batch. */
static void pcp_refill(struct synth_stream *s, int mt)
{
	struct synth_cpu *c = &s->cpu[s->cur_cpu];
	for (int i = 0; i < PCP_BATCH && c->npcp < 1024; i++) {
		uint64_t pfn = buddy_take(s, 0);
		zone_locked(s, pfn, 0, mt, 1);
		c->pcp[c->npcp++] = pfn;
	}
	/* the list hands out the last added first: reverse so the run comes out ascending */
	for (size_t a = c->npcp - PCP_BATCH, b = c->npcp - 1; a < b; a++, b--) {
		uint64_t t = c->pcp[a];
		c->pcp[a] = c->pcp[b];
		c->pcp[b] = t;
	}
}

/* free_pcppages_bulk(): drain the coldest pages back to the buddy. */
static void pcp_drain(struct synth_stream *s)
{
	struct synth_cpu *c = &s->cpu[s->cur_cpu];
	for (int i = 0; i < PCP_BATCH; i++) {
		uint64_t pfn = c->pcp[i];
		struct trace_event *ev = emit(s, TRACE_PAGE_PCPU_DRAIN);
		ev->page = (struct trace_page){ .pfn = pfn, .order = 0, .migratetype = 1 };
		s->pool = push(s->pool, &s->pool_cap, s->npool, sizeof(*s->pool));
		s->pool[s->npool++] = pfn;
	}
	memmove(c->pcp, c->pcp + PCP_BATCH, (c->npcp - PCP_BATCH) * sizeof(c->pcp[0]));
	c->npcp -= PCP_BATCH;
}

static uint64_t page_alloc(struct synth_stream *s, uint32_t order, int mt, uint64_t gfp)
{
	struct synth_cpu *c = &s->cpu[s->cur_cpu];
	uint64_t pfn;
	if (order == 0) {
		if (!c->npcp)
			pcp_refill(s, mt);
		pfn = c->pcp[--c->npcp];
	} else {
		pfn = buddy_take(s, order);
		zone_locked(s, pfn, order, mt, 0);
	}
	struct trace_event *ev = emit(s, TRACE_PAGE_ALLOC);
	ev->page = (struct trace_page){ .pfn = pfn, .order = order, .migratetype = mt, .gfp = gfp };
	return pfn;
}

/* new_slab(): a slab page for the cache on this CPU, its freelist shuffled. */
static void slab_new(struct synth_stream *s, struct synth_cache *c, uint32_t cpu)
{
	int mt = c->reclaimable ? 2 : 0;
	uint64_t gfp = G_KERNEL | G_COMP | G_NOWARN | (c->reclaimable ? G_RECLAIMABLE : 0);
	uint64_t pfn = page_alloc(s, c->order, mt, gfp);
	c->slab_base[cpu] = pfn << 12;
	c->nobj = (uint32_t)(((4096ull << c->order) / c->size));
	if (c->nobj > 512)
		c->nobj = 512;
	for (uint32_t i = 0; i < c->nobj; i++)
		c->perm[cpu][i] = (uint16_t)i;
	for (uint32_t i = c->nobj - 1; i > 0; i--) {
		uint32_t j = (uint32_t)below(s, i + 1);
		uint16_t t = c->perm[cpu][i];
		c->perm[cpu][i] = c->perm[cpu][j];
		c->perm[cpu][j] = t;
	}
	c->next[cpu] = 0;
}

/* Next object of the cache's current slab on this CPU (a fresh slab when it is used up). */
static uint64_t slab_obj_new(struct synth_stream *s, struct synth_cache *c)
{
	uint32_t cpu = s->cur_cpu;
	if (!c->slab_base[cpu] || c->next[cpu] >= c->nobj)
		slab_new(s, c, cpu);
	return c->slab_base[cpu] + (uint64_t)c->perm[cpu][c->next[cpu]++] * c->size;
}

/* Time passes inside a syscall: a fraction of a microsecond per event. */
static void tick(struct synth_stream *s)
{
	s->now_ns += s->gap_ns * (0.25 + 0.5 * unif(s));
}

static uint64_t ev_slab_alloc(struct synth_stream *s, int ci, int site)
{
	struct synth_cache *c = &s->caches[ci];
	uint64_t addr = slab_obj_new(s, c);
	struct trace_event *ev = emit(s, TRACE_SLAB_ALLOC);
	ev->slab = (struct trace_slab){ .addr = addr,
					.cache = c->name_id,
					.call_site = c->site_ids[site],
					.bytes_req = c->size,
					.bytes_alloc = c->size,
					.gfp = G_KERNEL | (c->reclaimable ? G_RECLAIMABLE : 0),
					.node = -1 };
	tick(s);
	return addr;
}

static void ev_slab_free(struct synth_stream *s, int ci, uint64_t addr)
{
	struct synth_cache *c = &s->caches[ci];
	struct trace_event *ev = emit(s, TRACE_SLAB_FREE);
	ev->slab = (struct trace_slab){ .addr = addr,
					.cache = c->name_id,
					.call_site = c->site_ids[0] };
	tick(s);
}

static uint32_t kmalloc_class(uint32_t bytes)
{
	uint32_t k = 0;
	while ((8u << k) < bytes && k < NKCLASSES - 1)
		k++;
	return k;
}

static uint64_t ev_kmalloc(struct synth_stream *s, int site)
{
	const struct kmalloc_site *ks = &s->ksites[site];
	uint32_t req = ks->min + (uint32_t)below(s, ks->max - ks->min + 1);
	struct synth_cache *c = &s->kcaches[kmalloc_class(req)];
	uint64_t addr = slab_obj_new(s, c);
	struct trace_event *ev = emit(s, TRACE_KMALLOC);
	ev->slab = (struct trace_slab){ .addr = addr,
					.call_site = ks->id,
					.bytes_req = req,
					.bytes_alloc = c->size,
					.gfp = G_KERNEL | G_ACCOUNT * (req > 1000),
					.node = -1,
					.accounted = req > 1000 };
	tick(s);
	return addr;
}

static void ev_kfree(struct synth_stream *s, uint64_t addr, int site)
{
	struct trace_event *ev = emit(s, TRACE_KFREE);
	ev->slab = (struct trace_slab){ .addr = addr, .call_site = s->ksites[site].id };
	tick(s);
}

static uint64_t ev_page_alloc(struct synth_stream *s, uint32_t order, int mt, uint64_t gfp)
{
	uint64_t pfn = page_alloc(s, order, mt, gfp);
	tick(s);
	return pfn;
}

static void ev_page_free(struct synth_stream *s, uint64_t pfn, int batched)
{
	struct trace_event *ev = emit(s, batched ? TRACE_PAGE_FREE_BATCHED : TRACE_PAGE_FREE);
	ev->page = (struct trace_page){ .pfn = pfn };
	struct synth_cpu *c = &s->cpu[s->cur_cpu];
	c->pcp[c->npcp++] = pfn;
	if (c->npcp >= PCP_HIGH)
		pcp_drain(s);
	tick(s);
}

/* getname() and putname(): every path lookup. */
static void script_lookup(struct synth_stream *s)
{
	uint64_t n = ev_slab_alloc(s, C_NAMES, 0);
	ev_slab_free(s, C_NAMES, n);
}

/* open(O_CREAT) + write 512 bytes + close: the baseline's files phase, first pass. */
static void script_create(struct synth_stream *s)
{
	struct synth_file f;
	uint64_t n = ev_slab_alloc(s, C_NAMES, 0);
	f.dentry = ev_slab_alloc(s, C_DENTRY, unif(s) < 0.2);
	f.inode = ev_slab_alloc(s, C_EXT4_INODE, 0);
	f.lsm_inode = ev_slab_alloc(s, C_LSM_INODE, 0);
	f.es = ev_slab_alloc(s, C_ES, 0);
	uint64_t filp = ev_slab_alloc(s, C_FILP, 0);
	uint64_t lf = ev_slab_alloc(s, C_LSM_FILE, 0);
	ev_slab_free(s, C_NAMES, n);
	f.page = ev_page_alloc(s, 0, 1, G_HIGHUSER_MOVABLE & ~0x2u);
	f.bh = ev_slab_alloc(s, C_BH, 0);
	if (unif(s) < 0.3)
		ev_kfree(s, ev_kmalloc(s, 2), 2);
	ev_slab_free(s, C_LSM_FILE, lf);
	ev_slab_free(s, C_FILP, filp);
	if (s->files_tail == s->files_cap) {
		if (s->files_head > s->files_cap / 2) {
			memmove(s->files, s->files + s->files_head,
				(s->files_tail - s->files_head) * sizeof(*s->files));
			s->files_tail -= s->files_head;
			s->files_head = 0;
		} else {
			s->files = push(s->files, &s->files_cap, s->files_tail, sizeof(*s->files));
		}
	}
	s->files[s->files_tail++] = f;
}

/* open + read + close of an existing file. */
static void script_read(struct synth_stream *s)
{
	script_lookup(s);
	uint64_t filp = ev_slab_alloc(s, C_FILP, 0);
	uint64_t lf = ev_slab_alloc(s, C_LSM_FILE, 0);
	if (unif(s) < 0.2)
		ev_kfree(s, ev_kmalloc(s, 3), 3);
	ev_slab_free(s, C_LSM_FILE, lf);
	ev_slab_free(s, C_FILP, filp);
}

/* unlink of the oldest file: its page, buffer, extent, inode and dentry go. */
static void script_unlink(struct synth_stream *s)
{
	if (s->files_head == s->files_tail)
		return script_create(s);
	struct synth_file f = s->files[s->files_head++];
	uint64_t n = ev_slab_alloc(s, C_NAMES, 0);
	ev_slab_free(s, C_BH, f.bh);
	ev_page_free(s, f.page, 0);
	ev_slab_free(s, C_ES, f.es);
	ev_slab_free(s, C_NAMES, n);
	ev_slab_free(s, C_LSM_INODE, f.lsm_inode);
	ev_slab_free(s, C_EXT4_INODE, f.inode);
	ev_slab_free(s, C_DENTRY, f.dentry);
}

/* Readahead of a file into the page cache: a bio and a run of pages. */
static void script_readahead(struct synth_stream *s)
{
	uint64_t bio = ev_slab_alloc(s, C_BIO, 0);
	uint64_t k = ev_kmalloc(s, 0);
	int n = 4 + (int)below(s, 28);
	for (int i = 0; i < n; i++) {
		uint64_t pfn = ev_page_alloc(s, 0, 1, G_HIGHUSER_MOVABLE & ~0x2u);
		s->live = push(s->live, &s->live_cap, s->nlive, sizeof(*s->live));
		s->live[s->nlive++] = pfn;
	}
	ev_kfree(s, k, 0);
	ev_slab_free(s, C_BIO, bio);
}

/* Page-cache pages leave in LRU order (oldest first) once the cache is big enough. */
static void script_reclaim(struct synth_stream *s)
{
	size_t n = s->nlive < 32 ? s->nlive : 32;
	for (size_t i = 0; i < n; i++)
		ev_page_free(s, s->live[i], 1);
	memmove(s->live, s->live + n, (s->nlive - n) * sizeof(*s->live));
	s->nlive -= n;
}

/* mmap, fault in a run of anonymous pages, munmap: the anon phase. */
static void script_anon(struct synth_stream *s)
{
	uint64_t vma = ev_slab_alloc(s, C_VMA, 0);
	uint64_t mn = ev_slab_alloc(s, C_MAPLE, 0);
	uint64_t avc = ev_slab_alloc(s, C_AVC, 0);
	int n = 32 + (int)below(s, 224);
	uint64_t *pfns = malloc((size_t)n * sizeof(*pfns));
	for (int i = 0; i < n; i++)
		pfns[i] = ev_page_alloc(s, 0, 1, G_HIGHUSER_MOVABLE);
	if (unif(s) < 0.1) /* a THP now and then */
		ev_page_free(s, ev_page_alloc(s, 9, 1, G_HIGHUSER_MOVABLE | G_COMP), 0);
	for (int i = 0; i < n; i++)
		ev_page_free(s, pfns[i], 1);
	free(pfns);
	ev_slab_free(s, C_AVC, avc);
	ev_slab_free(s, C_MAPLE, mn);
	ev_slab_free(s, C_VMA, vma);
}

struct synth_stream *synth_stream_create(const struct synth_stream_params *p)
{
	struct synth_stream *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->p = *p;
	if (!s->p.cpus || s->p.cpus > MAX_CPUS)
		s->p.cpus = 2;
	if (!s->p.mem_bytes)
		s->p.mem_bytes = 24ull << 30;
	if (s->p.events_per_sec <= 0)
		s->p.events_per_sec = 580000;
	s->rng = p->seed * 0x9E3779B97F4A7C15ull + 0x1234567;
	s->npfn = s->p.mem_bytes >> 12;
	s->fresh = s->npfn / 16;
	s->gap_ns = 1e9 / s->p.events_per_sec;
	s->now_ns = 1e12;
	for (uint32_t c = 0; c < s->p.cpus; c++)
		s->cpu[c].pid = 1000 + (int32_t)c;
	memcpy(s->caches, cache_proto, sizeof(cache_proto));
	for (size_t i = 0; i < NCACHES; i++) {
		struct synth_cache *c = &s->caches[i];
		c->name_id = p->intern(p->intern_ctx, c->name);
		for (int k = 0; k < 3 && c->sites[k]; k++)
			c->site_ids[k] = p->intern(p->intern_ctx, c->sites[k]);
	}
	for (uint32_t k = 0; k < NKCLASSES; k++) {
		s->kcaches[k].size = 8u << k;
		s->kcaches[k].order = k >= 8 ? 3 : k >= 6 ? 1 : 0;
	}
	memcpy(s->ksites, kmalloc_proto, sizeof(kmalloc_proto));
	for (size_t i = 0; i < NKSITES; i++) {
		s->ksites[i].id = p->intern(p->intern_ctx, s->ksites[i].name);
	}
	return s;
}

/* One step: pick a CPU and task, run one syscall-like script, then idle a while. */
static void step(struct synth_stream *s)
{
	/* CPU 1 does ~84% of the work, as in the baseline */
	s->cur_cpu = s->p.cpus > 1 && unif(s) < 0.84 ? 1 + (uint32_t)below(s, s->p.cpus - 1) : 0;
	if (unif(s) < 0.02)
		s->cpu[s->cur_cpu].pid = 1000 + (int32_t)below(s, 40);
	size_t before = s->nout;
	/* workloads run in phases: the same operation repeats, with some background noise */
	if (unif(s) < 1.0 / PHASE_LENGTH)
		s->phase = unif(s) * 100;
	double u = unif(s) < PHASE_NOISE ? unif(s) * 100 : s->phase;
	if (s->nlive > 20000)
		script_reclaim(s);
	else if (u < 30)
		script_create(s);
	else if (u < 58)
		script_unlink(s);
	else if (u < 80)
		script_lookup(s);
	else if (u < 93)
		script_read(s);
	else if (u < 98.5)
		script_readahead(s);
	else
		script_anon(s);
	/* idle: exponential, so that the average gap per event is gap_ns, in on/off bursts */
	double burst = fmod(s->now_ns / 1e9, 1.0) < 0.3 ? 0.4 : 1.3;
	s->now_ns += -log(1.0 - unif(s)) * s->gap_ns * 0.5 * (double)(s->nout - before) * burst;
}

void synth_stream_next(struct synth_stream *s, struct trace_event *out, size_t n)
{
	while (s->nout < n) {
		if (s->cap_out < s->nout + 4096) { /* one step emits at most ~2100 events */
			s->cap_out = (s->nout + 4096) * 2;
			s->out = realloc(s->out, s->cap_out * sizeof(*s->out));
			if (!s->out) {
				fprintf(stderr, "synth_stream: out of memory\n");
				abort();
			}
		}
		step(s);
	}
	memcpy(out, s->out, n * sizeof(*out));
	memmove(s->out, s->out + n, (s->nout - n) * sizeof(*out));
	s->nout -= n;
}

void synth_stream_free(struct synth_stream *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < NCACHES; i++)
		free(s->caches[i].live);
	for (size_t i = 0; i < NKCLASSES; i++)
		free(s->kcaches[i].live);
	free(s->pool);
	free(s->live);
	free(s->files);
	free(s->out);
	free(s);
}
