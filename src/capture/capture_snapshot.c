// SPDX-License-Identifier: GPL-2.0
/*
 * capture_snapshot.c - the host's memory state at the start and the end of a recording,
 * stored as metadata blobs named "<when>/<what>": zoneinfo, pagetypeinfo, buddyinfo, slabinfo,
 * meminfo, vmstat, the slab caches' attributes, THP settings, the page_reporting and
 * page_alloc module parameters (free page reporting's order, page shuffling), uname, and a
 * page map.
 *
 * The page map has one 4-bit class per pfn (two per byte, low nibble first) behind a text
 * line "fragtrace-pagemap 1 <pfns>\n", built from /proc/kpageflags. stable_page_flags() sets
 * KPF_BUDDY on every page of a free block (PageBuddy on its head, is_free_buddy_page() on the
 * others), so a page with no flag at all is never free: a page on a per-CPU list looks like
 * that, and so does a kernel page of no kind. Older recorders counted such pages after a buddy
 * head as free (PC_FREE_TAIL, still read as free); this one writes them as PC_OTHER. The
 * recorder walks it while tracing, in ranges of WALK_RANGE pfns whose read times it stores
 * ("<when>/pagemap_times"), and lists its own pages at the end ("end/recorder_pfns": mapped
 * pages from /proc/self/pagemap, and its trace file's resident page cache): no event showed
 * them while its tasks were kept out of every event; now that its page allocator events are
 * traced the list sets apart what a recording's events still miss (docs/capture.md).
 */
#include "capture_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

enum page_class {
	PC_NONE,     /* no page, hole */
	PC_FREE,     /* free in the buddy allocator */
	PC_SLAB,     /* slab */
	PC_ANON,     /* on an LRU, anonymous */
	PC_FILE,     /* on an LRU, page cache */
	PC_PGTABLE,  /* page table */
	PC_RESERVED, /* reserved */
	PC_TAIL,     /* a compound page's tail: its head says what it is */
	PC_OTHER,    /* allocated, kind unknown */
	PC_OFFLINE,  /* offline, hwpoison */
	PC_UNEVICTABLE,
	PC_FREE_TAIL, /* older recorders: no flags, after a buddy head, counted free; a per-CPU
		       * list's page looks the same (replay tells them apart where it can) */
};

struct buf {
	char *p;
	size_t len, cap;
};

static uint64_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int buf_put(struct buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = 0;
	return 0;
}

static int read_file(const char *path, struct buf *b)
{
	int fd = open(path, O_RDONLY);
	char tmp[65536];
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		if (buf_put(b, tmp, (size_t)n)) {
			close(fd);
			return -1;
		}
	close(fd);
	return n < 0 ? -1 : 0;
}

static int add_file(struct trace_writer *w, const char *when, const char *what, const char *path)
{
	struct buf b = { 0 };
	char name[96];
	int rc = 0;

	if (read_file(path, &b) == 0) {
		snprintf(name, sizeof(name), "%s/%s", when, what);
		rc = trace_writer_add_meta(w, name, b.p ? b.p : "", b.len);
	}
	free(b.p);
	return rc;
}

/* /sys/kernel/slab/<cache>/{object_size,objs_per_slab,order,reclaim_account,slab_size}, one line each. */
static int add_slab_attrs(struct trace_writer *w, const char *when)
{
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *de;
	struct buf b = { 0 };
	char name[96];
	int rc = 0;
	static const char *const attrs[] = { "object_size", "objs_per_slab", "order",
					     "reclaim_account", "slab_size" };

	if (!d)
		return 0;
	if (buf_put(&b, "# cache object_size objs_per_slab order reclaim_account slab_size\n", 66))
		rc = -1;
	while (!rc && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char line[512];
		int len = snprintf(line, sizeof(line), "%s", de->d_name);
		for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
			char path[384];
			struct buf v = { 0 };
			snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s", de->d_name,
				 attrs[i]);
			long val = -1;
			if (read_file(path, &v) == 0 && v.p)
				val = strtol(v.p, NULL, 10);
			free(v.p);
			len += snprintf(line + len, sizeof(line) - (size_t)len, " %ld", val);
		}
		line[len++] = '\n';
		if (buf_put(&b, line, (size_t)len))
			rc = -1; /* out of memory: no partial table is written */
	}
	closedir(d);
	snprintf(name, sizeof(name), "%s/slab_attributes", when);
	if (!rc)
		rc = trace_writer_add_meta(w, name, b.p ? b.p : "", b.len);
	free(b.p);
	return rc;
}

/*
 * The per-size (mTHP) settings, one line a size in the kernel's order: "hugepages-64kB
 * enabled: always inherit madvise [never]" and the same for shmem_enabled where the size has
 * it. Nothing is written when the kernel has no per-size directories (before 6.8).
 */
static int add_mthp_settings(struct trace_writer *w, const char *when)
{
	static const char thp[] = "/sys/kernel/mm/transparent_hugepage";
	static const char *const attrs[] = { "enabled", "shmem_enabled" };
	struct dirent **names = NULL;
	struct buf b = { 0 };
	char name[96];
	int n = scandir(thp, &names, NULL, versionsort), rc = 0;

	for (int i = 0; i < n; i++) {
		if (!strncmp(names[i]->d_name, "hugepages-", 10)) {
			for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++) {
				char path[512], line[600];
				struct buf v = { 0 };
				snprintf(path, sizeof(path), "%s/%s/%s", thp, names[i]->d_name,
					 attrs[a]);
				if (read_file(path, &v) == 0 && v.p) {
					int len = snprintf(line, sizeof(line), "%s %s: %.*s",
							   names[i]->d_name, attrs[a],
							   (int)strcspn(v.p, "\n"), v.p);
					if (len > 0 && (size_t)len < sizeof(line) - 1) {
						line[len++] = '\n';
						if (buf_put(&b, line, (size_t)len))
							rc = -1;
					}
				}
				free(v.p);
			}
		}
		free(names[i]);
	}
	free(names);
	if (!rc && b.len) {
		snprintf(name, sizeof(name), "%s/thp_sizes", when);
		rc = trace_writer_add_meta(w, name, b.p, b.len);
	}
	free(b.p);
	return rc;
}

static enum page_class classify(uint64_t f)
{
#define KPF(n) (1ull << (n))
	if (f & KPF(20)) /* NOPAGE */
		return PC_NONE;
	if (f & (KPF(23) | KPF(19))) /* OFFLINE, HWPOISON */
		return PC_OFFLINE;
	if (f & KPF(10)) /* BUDDY */
		return PC_FREE;
	if (f & KPF(16)) /* COMPOUND_TAIL */
		return PC_TAIL;
	if (f & KPF(7)) /* SLAB */
		return PC_SLAB;
	if (f & KPF(26)) /* PGTABLE */
		return PC_PGTABLE;
	if (f & KPF(18)) /* UNEVICTABLE */
		return PC_UNEVICTABLE;
	if (f & KPF(5)) /* LRU */
		return (f & KPF(12)) ? PC_ANON : PC_FILE;
	if (f & KPF(12)) /* ANON, not on an LRU yet */
		return PC_ANON;
	if (f & KPF(32)) /* RESERVED (kpageflags' extended bits) */
		return PC_RESERVED;
	return PC_OTHER;
#undef KPF
}

/*
 * One past the largest pfn any zone spans, from /proc/zoneinfo. A zone's "spanned" line comes
 * before its "start_pfn:" line, so the end is taken when start_pfn is read.
 */
uint64_t capture_max_pfn(void)
{
	struct buf b = { 0 };
	uint64_t max = 0, spanned = 0;

	if (read_file("/proc/zoneinfo", &b) || !b.p)
		return 0;
	for (char *l = strtok(b.p, "\n"); l; l = strtok(NULL, "\n")) {
		unsigned long long v;
		if (sscanf(l, " spanned %llu", &v) == 1)
			spanned = v;
		else if (sscanf(l, " start_pfn: %llu", &v) == 1 && v + spanned > max)
			max = v + spanned;
	}
	free(b.p);
	return max;
}

/*
 * The page map of the host now; with a walk, also when each range of WALK_RANGE pfns was read
 * ("<when>/pagemap_times", CLOCK_MONOTONIC, the trace clock), calling walk->step after each
 * range (the recorder reads its ring buffers there, tracing still on).
 */
static int add_pagemap(struct trace_writer *w, const char *when, const struct snapshot_walk *walk,
		       double *secs, uint64_t *pages, int *step_failed)
{
	struct timespec t0, t1;
	uint64_t max_pfn = capture_max_pfn();
	int fd = open("/proc/kpageflags", O_RDONLY);
	int rc = 0;
	struct buf times = { 0 };

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (fd < 0 || !max_pfn) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	char head[64];
	int hlen = snprintf(head, sizeof(head), "fragtrace-pagemap 1 %llu\n",
			    (unsigned long long)max_pfn);
	size_t bytes = (size_t)hlen + (size_t)(max_pfn + 1) / 2;
	uint8_t *map = calloc(1, bytes);
	uint64_t *flags = malloc(WALK_RANGE * sizeof(uint64_t));
	if (!map || !flags) {
		rc = TRACE_ENOMEM;
		goto out;
	}
	memcpy(map, head, (size_t)hlen);
	uint8_t *cls = map + hlen;
	char line[64];
	int ll = snprintf(line, sizeof(line), "fragtrace-pagemap-times 1 %u\n", WALK_RANGE);
	if (walk && buf_put(&times, line, (size_t)ll)) {
		rc = TRACE_ENOMEM;
		goto out;
	}
	for (uint64_t pfn = 0; pfn < max_pfn; pfn += WALK_RANGE) {
		size_t n = max_pfn - pfn < WALK_RANGE ? (size_t)(max_pfn - pfn) : WALK_RANGE;
		uint64_t before = mono_now();
		ssize_t got = pread(fd, flags, n * 8, (off_t)(pfn * 8));
		if (got <= 0)
			break;
		if (walk) {
			ll = snprintf(line, sizeof(line), "%llu %llu\n", (unsigned long long)before,
				      (unsigned long long)mono_now());
			if (buf_put(&times, line, (size_t)ll)) {
				rc = TRACE_ENOMEM;
				goto out;
			}
		}
		n = (size_t)got / 8;
		for (size_t i = 0; i < n; i++) {
			uint64_t p = pfn + i;
			enum page_class c = classify(flags[i]);
			cls[p / 2] |= (uint8_t)(c << ((p & 1) * 4));
		}
		if (walk && walk->step && walk->step(walk->ctx)) {
			*step_failed = 1;
			rc = -1;
			goto out;
		}
	}
	char name[64];
	snprintf(name, sizeof(name), "%s/pagemap", when);
	rc = trace_writer_add_meta(w, name, map, bytes);
	if (!rc && walk) {
		snprintf(name, sizeof(name), "%s/pagemap_times", when);
		rc = trace_writer_add_meta(w, name, times.p, times.len);
	}
	if (pages)
		*pages = max_pfn;
	if (walk && walk->keep) {
		*walk->keep = map;
		map = NULL;
	}
out:
	free(map);
	free(flags);
	free(times.p);
	close(fd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (secs)
		*secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return rc;
}

int snapshot_pagemap(struct trace_writer *w, const char *when, const struct snapshot_walk *walk,
		     double *pagemap_s, uint64_t *pagemap_pages, char *err, size_t errlen)
{
	int step_failed = 0;
	if (!add_pagemap(w, when, walk, pagemap_s, pagemap_pages, &step_failed))
		return 0;
	if (!step_failed) /* a failed step left its own error */
		snprintf(err, errlen, "%s", trace_writer_error(w));
	return -1;
}

int snapshot_take(struct trace_writer *w, const char *when, bool pagemap, double *pagemap_s,
		  uint64_t *pagemap_pages, char *err, size_t errlen)
{
	static const char *const files[][2] = {
		{ "zoneinfo", "/proc/zoneinfo" },
		{ "pagetypeinfo", "/proc/pagetypeinfo" },
		{ "buddyinfo", "/proc/buddyinfo" },
		{ "slabinfo", "/proc/slabinfo" },
		{ "meminfo", "/proc/meminfo" },
		{ "vmstat", "/proc/vmstat" },
		{ "thp_enabled", "/sys/kernel/mm/transparent_hugepage/enabled" },
		{ "thp_defrag", "/sys/kernel/mm/transparent_hugepage/defrag" },
		{ "thp_khugepaged_defrag",
		  "/sys/kernel/mm/transparent_hugepage/khugepaged/defrag" },
		{ "defrag_mode", "/proc/sys/vm/defrag_mode" },
		{ "min_free_kbytes", "/proc/sys/vm/min_free_kbytes" },
		{ "watermark_boost_factor", "/proc/sys/vm/watermark_boost_factor" },
		{ "watermark_scale_factor", "/proc/sys/vm/watermark_scale_factor" },
		{ "vfs_cache_pressure", "/proc/sys/vm/vfs_cache_pressure" },
	};
	/* module parameters: "not loaded" when the file is not there (built without it) */
	static const char *const module_params[][2] = {
		{ "page_reporting_order",
		  "/sys/module/page_reporting/parameters/page_reporting_order" },
		{ "page_alloc_shuffle", "/sys/module/page_alloc/parameters/shuffle" },
	};
	struct utsname u;
	char name[64], text[1024];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (add_file(w, when, files[i][0], files[i][1]))
			goto fail;
	for (size_t i = 0; i < sizeof(module_params) / sizeof(module_params[0]); i++) {
		snprintf(name, sizeof(name), "%s/%s", when, module_params[i][0]);
		if (access(module_params[i][1], F_OK) == 0
			    ? add_file(w, when, module_params[i][0], module_params[i][1])
			    : trace_writer_add_meta(w, name, "not loaded\n", 11))
			goto fail;
	}
	if (add_slab_attrs(w, when) || add_mthp_settings(w, when))
		goto fail;
	if (!uname(&u)) {
		int n = snprintf(text, sizeof(text), "%s %s %s %s %s\n", u.sysname, u.nodename,
				 u.release, u.version, u.machine);
		snprintf(name, sizeof(name), "%s/uname", when);
		if (trace_writer_add_meta(w, name, text, (size_t)n))
			goto fail;
	}
	if (pagemap)
		return snapshot_pagemap(w, when, NULL, pagemap_s, pagemap_pages, err, errlen);
	return 0;
fail:
	snprintf(err, errlen, "%s", trace_writer_error(w));
	return -1;
}

/* The resident set of this process, kB (VmRSS of /proc/self/status), 0 when unreadable. */
uint64_t snapshot_own_rss_kb(void)
{
	struct buf b = { 0 };
	unsigned long long kb = 0;
	const char *l;

	if (!read_file("/proc/self/status", &b) && b.p && (l = strstr(b.p, "VmRSS:")))
		sscanf(l, "VmRSS: %llu", &kb);
	free(b.p);
	return kb;
}

/* Each present page of [start, end) of this process's address space as "pfn kind" lines. */
static int own_range_pfns(int pagemap, uint64_t start, uint64_t end, char kind, struct buf *out,
			  uint64_t *count)
{
	uint64_t ent[512];
	char line[40];

	for (uint64_t va = start; va < end; va += sizeof(ent) / 8 * 4096) {
		size_t n = (end - va) / 4096 < 512 ? (size_t)((end - va) / 4096) : 512;
		ssize_t got = pread(pagemap, ent, n * 8, (off_t)(va / 4096 * 8));
		if (got <= 0)
			return 0; /* [vsyscall] and the like: not readable, not ours */
		for (size_t i = 0; i < (size_t)got / 8; i++) {
			uint64_t pfn = ent[i] & ((1ull << 55) - 1);
			if (!(ent[i] >> 63) || !pfn) /* not present, or pfns hidden (no root) */
				continue;
			int len = snprintf(line, sizeof(line), "%llu %c\n", (unsigned long long)pfn,
					   kind);
			if (buf_put(out, line, (size_t)len))
				return -1;
			(*count)++;
		}
	}
	return 0;
}

/*
 * The kernel's PAGEMAP_SCAN ioctl on /proc/PID/pagemap (Linux 6.7, include/uapi/linux/fs.h),
 * declared here since older C library headers lack it: it returns the present regions of a
 * range without a pagemap entry per absent page, which matters for sanitizer builds whose
 * shadow mappings span terabytes.
 */
struct scan_region {
	uint64_t start, end, categories;
};
struct scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted,
		category_mask, category_anyof_mask, return_mask;
};
#define PAGEMAP_SCAN_IOCTL _IOWR('f', 16, struct scan_arg)
#define SCAN_PAGE_PRESENT  (1ull << 3)
#define LINEAR_WALK_MAX	   (64ull << 30) /* without the ioctl, larger mappings are skipped */

/* The present pages of a mapping [start, end). */
static int own_mapping_pfns(int pagemap, uint64_t start, uint64_t end, char kind, struct buf *out,
			    uint64_t *count)
{
	struct scan_region reg[64];
	struct scan_arg arg = { .size = sizeof(arg),
				.start = start,
				.end = end,
				.vec = (uint64_t)(uintptr_t)reg,
				.vec_len = 64,
				.category_mask = SCAN_PAGE_PRESENT,
				.return_mask = SCAN_PAGE_PRESENT };

	while (arg.start < end) {
		long n = ioctl(pagemap, PAGEMAP_SCAN_IOCTL, &arg);
		if (n < 0) /* an older kernel: entry by entry */
			return end - arg.start > LINEAR_WALK_MAX
				       ? 0
				       : own_range_pfns(pagemap, arg.start, end, kind, out, count);
		for (long i = 0; i < n; i++)
			if (own_range_pfns(pagemap, reg[i].start, reg[i].end, kind, out, count))
				return -1;
		if (arg.walk_end <= arg.start)
			break;
		arg.start = arg.walk_end;
	}
	return 0;
}

/*
 * The page cache of the trace file this process wrote: its pages were allocated by the
 * recorder, so no event shows them. Only pages already resident (mincore) are touched, so the
 * walk faults nothing in from disk.
 */
static int output_file_pfns(int pagemap, const char *output, struct buf *out, uint64_t *count)
{
	struct stat st;
	int fd = output ? open(output, O_RDONLY | O_NOFOLLOW) : -1;
	int rc = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		close(fd);
		return 0;
	}
	size_t len = (size_t)st.st_size, pages = (len + 4095) / 4096;
	uint8_t *map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	unsigned char *vec = malloc(pages);
	close(fd);
	if (map != MAP_FAILED && vec && !mincore(map, len, vec)) {
		for (size_t i = 0; i < pages && !rc; i++) {
			if (!(vec[i] & 1))
				continue;
			*(volatile uint8_t *)(map + i * 4096); /* maps the resident page */
			uint64_t va = (uint64_t)(uintptr_t)(map + i * 4096);
			rc = own_range_pfns(pagemap, va, va + 4096, 'f', out, count);
		}
	}
	if (map != MAP_FAILED)
		munmap(map, len);
	free(vec);
	return rc;
}

int snapshot_own_pages(struct own_pages *o, bool before, const char *output)
{
	struct buf maps = { 0 };
	int pagemap = open("/proc/self/pagemap", O_RDONLY), rc = 0;

	if (!o->body && !(o->body = calloc(1, sizeof(struct buf))))
		return -1;
	if (pagemap < 0 || read_file("/proc/self/maps", &maps) || !maps.p) {
		if (pagemap >= 0)
			close(pagemap);
		free(maps.p);
		return 0; /* nothing to say: the pages are not listed */
	}
	o->looked = true;
	for (char *l = strtok(maps.p, "\n"); l && !rc; l = strtok(NULL, "\n")) {
		unsigned long long a, b;
		if (sscanf(l, "%llx-%llx", &a, &b) == 2)
			rc = own_mapping_pfns(pagemap, a, b, before ? 'b' : 'm', o->body,
					      before ? &o->before : &o->mapped);
	}
	free(maps.p);
	if (!rc && output)
		rc = output_file_pfns(pagemap, output, o->body, &o->file);
	close(pagemap);
	return rc;
}

void snapshot_own_pages_free(struct own_pages *o)
{
	if (o->body)
		free(((struct buf *)o->body)->p);
	free(o->body);
	memset(o, 0, sizeof(*o));
}

int snapshot_recorder_pfns(struct trace_writer *w, const char *when, struct own_pages *o,
			   uint64_t rss_start_kb, char *err, size_t errlen)
{
	const struct buf *body = o->body;
	struct buf all = { 0 };
	char name[64], head[200];
	int rc = 0;

	if (!o->looked)
		return 0; /* /proc/self/pagemap unreadable: the blob is left out */
	int hl = snprintf(head, sizeof(head),
			  "fragtrace-recorder-pfns 1 mapped=%llu file=%llu before=%llu "
			  "rss_start_kb=%llu rss_end_kb=%llu\n",
			  (unsigned long long)o->mapped, (unsigned long long)o->file,
			  (unsigned long long)o->before, (unsigned long long)rss_start_kb,
			  (unsigned long long)snapshot_own_rss_kb());
	if (buf_put(&all, head, (size_t)hl) || (body->len && buf_put(&all, body->p, body->len))) {
		free(all.p);
		snprintf(err, errlen, "out of memory listing the recorder's pages");
		return -1;
	}
	snprintf(name, sizeof(name), "%s/recorder_pfns", when);
	rc = trace_writer_add_meta(w, name, all.p, all.len);
	free(all.p);
	if (rc)
		snprintf(err, errlen, "%s", trace_writer_error(w));
	return rc ? -1 : 0;
}

/* per_cpu/cpuN/stats of the instance: totals of overrun and dropped events, and the text. */
int snapshot_cpu_stats(struct tracefs_instance *inst, int ncpus, uint64_t *overrun,
		       uint64_t *dropped, char **text)
{
	struct buf all = { 0 };
	*overrun = *dropped = 0;
	for (int cpu = 0; cpu < ncpus; cpu++) {
		char file[64];
		snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", cpu);
		char *s = tracefs_instance_file_read(inst, file, NULL);
		if (!s)
			continue;
		char head[32];
		int n = snprintf(head, sizeof(head), "cpu%d:\n", cpu);
		buf_put(&all, head, (size_t)n);
		buf_put(&all, s, strlen(s));
		for (char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
			unsigned long long v;
			if (sscanf(l, "overrun: %llu", &v) == 1)
				*overrun += v;
			else if (sscanf(l, "dropped events: %llu", &v) == 1)
				*dropped += v;
		}
		free(s);
	}
	*text = all.p;
	return 0;
}
