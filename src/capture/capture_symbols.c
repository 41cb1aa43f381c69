// SPDX-License-Identifier: GPL-2.0
/*
 * capture_symbols.c - keeping kernel virtual addresses out of traces.
 *
 * Call sites and shrinker functions become "symbol+0xoff" from /proc/kallsyms (text symbols,
 * sorted, binary search). Slab object pointers become physical addresses: pa = va - the
 * direct map's base. The base (page_offset_base, randomised by KASLR in 1 GiB steps) is not
 * exported, and kernels without /proc/kcore (like this project's) hide it, so addr_calibrate()
 * finds it from the kernel's own objects: it records a moment of slab growth in the private
 * instance (kmem_cache_alloc while it holds pipes open), then tries every 1 GiB-aligned base
 * that keeps those objects inside physical memory and keeps the one that puts at least 90% of
 * them on pages /proc/kpageflags marks as slab (a wrong base lands them on pages of every kind;
 * slab is a few percent of memory). Without a base, pointers are replaced by a keyed hash
 * (identity kept, location lost) and the trace says so.
 */
#include "capture_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <kbuffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct sym {
	uint64_t addr;
	char *name;
};

struct symbolizer {
	struct sym *syms;
	size_t n;
};

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct symbolizer *symbolizer_open(void)
{
	struct symbolizer *s = calloc(1, sizeof(*s));
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512];
	size_t cap = 0;

	if (!s)
		return NULL;
	if (!f)
		return s;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256], mod[128] = "";
		int k = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name, mod);
		if (k < 3 || !addr || (type != 't' && type != 'T'))
			continue;
		if (s->n == cap) {
			cap = cap ? cap * 2 : 65536;
			struct sym *ns = realloc(s->syms, cap * sizeof(*ns));
			if (!ns)
				break;
			s->syms = ns;
		}
		char full[400];
		snprintf(full, sizeof(full), mod[0] ? "%s [%s]" : "%s", name, mod);
		s->syms[s->n].addr = addr;
		s->syms[s->n].name = strdup(full);
		if (s->syms[s->n].name)
			s->n++;
	}
	fclose(f);
	qsort(s->syms, s->n, sizeof(*s->syms), sym_cmp);
	return s;
}

void symbolizer_close(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->syms[i].name);
	free(s->syms);
	free(s);
}

const char *symbolizer_lookup(struct symbolizer *s, uint64_t addr, char *buf, size_t len)
{
	size_t lo = 0, hi = s ? s->n : 0;

	if (!hi || addr < s->syms[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (s->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	uint64_t off = addr - s->syms[lo].addr;
	if (off > (1u << 20)) /* past the end of any plausible function */
		return NULL;
	const char *name = s->syms[lo].name, *mod = strchr(name, ' ');
	if (mod)
		snprintf(buf, len, "%.*s+%#llx%s", (int)(mod - name), name, (unsigned long long)off,
			 mod);
	else
		snprintf(buf, len, "%s+%#llx", name, (unsigned long long)off);
	return buf;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint64_t addr_hash(uint64_t key, uint64_t va)
{
	/* bit 62 set, bit 63 clear: never a physical address, never a kernel address's look */
	return (mix64(va ^ key) & ((1ull << 62) - 1)) | (1ull << 62);
}

uint64_t addr_translate(struct addr_map *am, uint64_t va)
{
	if (am->raw || va < 4096)
		return va;
	if (am->base_known && va >= am->direct_map_base && va - am->direct_map_base < am->max_phys)
		return va - am->direct_map_base;
	am->outside++;
	return addr_hash(am->hash_key, va);
}

/* ---- calibration ---- */

#define GiB (1ull << 30)

static bool page_is_slab(int kpf, uint64_t pfn)
{
	uint64_t flags;
	if (pread(kpf, &flags, sizeof(flags), (off_t)(pfn * 8)) != (ssize_t)sizeof(flags))
		return false;
	return flags & (1ull << 7); /* KPF_SLAB */
}

/* Make the kernel grow a few slab caches: hold many pipes open for a moment. */
static int *grow_slabs(int *n_out)
{
	struct rlimit rl;
	int n = 0, want = 1500;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < (rlim_t)(2 * want + 64)) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)(2 * want + 64) ? rl.rlim_max
								    : (rlim_t)(2 * want + 64);
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	int *fds = malloc(sizeof(int) * 2 * (size_t)want);
	if (!fds)
		return NULL;
	while (n < want && pipe(fds + 2 * n) == 0)
		n++;
	*n_out = n;
	return fds;
}

int addr_calibrate(struct tracefs_instance *inst, struct tep_handle *tep, struct addr_map *am,
		   char *why, size_t why_len)
{
	struct tep_event *ca = tep_find_event_by_name(tep, "kmem", "kmem_cache_alloc");
	struct tep_format_field *ptr_f = ca ? tep_find_field(ca, "ptr") : NULL;
	int ncpus = (int)sysconf(_SC_NPROCESSORS_CONF), kpf, rc = -1;
	uint64_t *ptrs = NULL, lo = UINT64_MAX, hi = 0;
	size_t nptrs = 0, ptrs_cap = 0;

	if (!ptr_f) {
		snprintf(why, why_len, "the kernel lacks kmem_cache_alloc's ptr");
		return -1;
	}
	kpf = open("/proc/kpageflags", O_RDONLY);
	if (kpf < 0) {
		snprintf(why, why_len, "/proc/kpageflags: %s", strerror(errno));
		return -1;
	}
	if (tracefs_event_enable(inst, "kmem", "kmem_cache_alloc") || tracefs_trace_on(inst)) {
		snprintf(why, why_len, "cannot enable kmem_cache_alloc");
		goto out;
	}
	int npipes = 0;
	int *fds = grow_slabs(&npipes);
	tracefs_trace_off(inst);
	tracefs_event_disable(inst, "kmem", "kmem_cache_alloc");

	struct kbuffer *kb = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE);
	for (int cpu = 0; cpu < ncpus && kb; cpu++) {
		struct tracefs_cpu *tc = tracefs_cpu_open(inst, cpu, true);
		if (!tc)
			continue;
		int sz = tracefs_cpu_read_size(tc);
		void *buf = malloc((size_t)(sz > 0 ? sz : 4096));
		for (int round = 0; buf && round < 100000; round++) {
			if (tracefs_cpu_read(tc, buf, true) <= 0 ||
			    kbuffer_load_subbuffer(kb, buf) < 0)
				break;
			unsigned long long ts;
			for (void *d = kbuffer_read_event(kb, &ts); d;
			     d = kbuffer_next_event(kb, &ts)) {
				uint16_t id;
				uint64_t ptr;
				memcpy(&id, d, 2);
				if (id != ca->id)
					continue;
				memcpy(&ptr, (char *)d + ptr_f->offset, 8);
				if (ptr < (1ull << 63))
					continue;
				if (nptrs == ptrs_cap) {
					ptrs_cap = ptrs_cap ? ptrs_cap * 2 : 4096;
					uint64_t *np = realloc(ptrs, ptrs_cap * 8);
					if (!np)
						break;
					ptrs = np;
				}
				ptrs[nptrs++] = ptr;
				lo = ptr < lo ? ptr : lo;
				hi = ptr > hi ? ptr : hi;
			}
		}
		free(buf);
		tracefs_cpu_close(tc);
	}
	if (kb)
		kbuffer_free(kb);
	/* the objects are still allocated while the pages are checked */
	if (nptrs < 16) {
		snprintf(why, why_len, "too little slab activity to see (%zu objects)", nptrs);
		goto close_fds;
	}
	/*
	 * Every 1 GiB-aligned base that keeps all objects inside physical memory is a candidate;
	 * the right one puts them on slab pages, a wrong one on pages of every kind.
	 */
	uint64_t best = 0;
	size_t best_hits = 0, checked = 0;
	uint64_t first = hi >= am->max_phys ? (hi - am->max_phys + GiB) & ~(GiB - 1) : 0;
	for (uint64_t base = first; base <= (lo & ~(GiB - 1)) && base >= first; base += GiB) {
		size_t hits = 0, n = 0;
		for (size_t i = 0; i < nptrs; i += nptrs / 256 + 1, n++)
			if (ptrs[i] - base < am->max_phys &&
			    page_is_slab(kpf, (ptrs[i] - base) >> 12))
				hits++;
		if (hits > best_hits) {
			best_hits = hits;
			best = base;
			checked = n;
		}
	}
	if (!best_hits || best_hits * 10 < checked * 9) {
		snprintf(why, why_len, "no base puts the objects on slab pages (best %zu of %zu)",
			 best_hits, checked);
		goto close_fds;
	}
	am->direct_map_base = best;
	am->base_known = true;
	rc = 0;
close_fds:
	for (int i = 0; fds && i < 2 * npipes; i++)
		close(fds[i]);
	free(fds);
out:
	free(ptrs);
	close(kpf);
	return rc;
}
