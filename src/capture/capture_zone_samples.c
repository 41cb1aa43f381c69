// SPDX-License-Identifier: GPL-2.0
/*
 * capture_zone_samples.c - the host's free pages and per-CPU list counts, read from
 * /proc/zoneinfo every sample interval while the recording runs, stored as the metadata blobs
 * "capture/zone_samples.<part>" (docs/trace-format.md), so replay can compare its model with
 * the host at points in between the start and end snapshots.
 *
 * A sample is one read of /proc/zoneinfo between two reads of CLOCK_MONOTONIC (the trace
 * clock, mono): for each populated zone its "pages free" (NR_FREE_PAGES: the buddy free
 * lists, not the per-CPU lists) and each CPU's pageset "count" and "high" (pages). The recorder's
 * main thread takes it between two reading rounds, so it adds no thread; the kernel prints
 * each zone under its zone->lock with interrupts off (walk_zones_in_node()), a few
 * microseconds per zone on a small host, counted in capture/keepup (zone_sample_ns_max).
 *
 * Invariants: samples are in time order; a part holds the samples of one zone and CPU
 * layout (a change of the zones or of the highest CPU number, or a full part, starts a new
 * part; an offline CPU below the highest counts 0); every part is a complete blob written as
 * soon as it is full, so a recorder killed later keeps them.
 * Workload: 2 samples a second; a part of SAMPLES_PER_PART samples is a few kB of text on a
 * small host (a few hundred kB with 64 CPUs).
 */
#include "capture_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES_PER_PART 120 /* a minute at the default interval */
#define MAX_SAMPLE_ZONES 16

struct zone_read {
	int nid;
	char name[16];
	uint64_t free, managed;
	int threshold;
	unsigned ncpus;
	int32_t *count, *high; /* [ncpus] */
	unsigned cap;
};

struct zone_sampler {
	int fd;
	unsigned interval_ms;
	char *buf; /* the text of /proc/zoneinfo */
	size_t buf_cap;
	struct zone_read z[MAX_SAMPLE_ZONES];
	unsigned nzones;
	char layout[512]; /* the part's zones and CPUs: a change starts a new part */
	/* the part's zones as its samples are laid out (a sample of another layout flushes the
	 * part first): managed pages as last read, the largest vmstat threshold seen */
	struct part_zone {
		int nid, threshold;
		char name[16];
		uint64_t managed;
		unsigned ncpus;
	} pz[MAX_SAMPLE_ZONES];
	unsigned part_nzones;
	char *part; /* the current part's text */
	size_t part_len, part_cap;
	unsigned part_samples, part_no;
	struct zone_sample_stats *st;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct zone_sampler *zone_sampler_open(unsigned interval_ms, struct zone_sample_stats *st)
{
	struct zone_sampler *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->interval_ms = interval_ms;
	s->st = st;
	s->fd = open("/proc/zoneinfo", O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* The whole file, from offset 0 (seq_file regenerates it on each read from the start). */
static ssize_t read_zoneinfo(struct zone_sampler *s)
{
	size_t len = 0;

	for (;;) {
		if (s->buf_cap - len < 4096) {
			size_t cap = s->buf_cap ? s->buf_cap * 2 : 65536;
			char *b = realloc(s->buf, cap + 1);
			if (!b)
				return -1;
			s->buf = b;
			s->buf_cap = cap;
		}
		ssize_t n = pread(s->fd, s->buf + len, s->buf_cap - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	s->buf[len] = 0;
	return (ssize_t)len;
}

static int cpu_slot(struct zone_read *z, unsigned cpu)
{
	if (cpu >= 65536)
		return -1;
	if (cpu >= z->cap) {
		unsigned cap = cpu + 64;
		int32_t *c = realloc(z->count, cap * sizeof(*c));
		if (c)
			z->count = c;
		int32_t *h = c ? realloc(z->high, cap * sizeof(*h)) : NULL;
		if (!c || !h)
			return -1;
		z->high = h;
		memset(z->count + z->cap, 0, (cap - z->cap) * sizeof(*c));
		memset(z->high + z->cap, 0, (cap - z->cap) * sizeof(*h));
		z->cap = cap;
	}
	if (cpu + 1 > z->ncpus)
		z->ncpus = cpu + 1;
	return 0;
}

/* The zones with pagesets (populated ones), in file order. -1 when out of memory. */
static int parse_zoneinfo(struct zone_sampler *s)
{
	struct zone_read *z = NULL;
	int cpu = -1;
	unsigned long long v;
	char name[16];
	int nid;

	s->nzones = 0;
	for (char *l = s->buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		while (*l == ' ')
			l++;
		if (sscanf(l, "Node %d, zone %15s", &nid, name) == 2) {
			z = s->nzones < MAX_SAMPLE_ZONES ? &s->z[s->nzones++] : NULL;
			if (z) {
				z->nid = nid;
				snprintf(z->name, sizeof(z->name), "%s", name);
				z->free = z->managed = 0;
				z->threshold = 0;
				z->ncpus = 0;
				/* an offline CPU below the highest lists nothing: 0, not an
				 * earlier sample's (or, after the swap below, another zone's) */
				if (z->cap) {
					memset(z->count, 0, z->cap * sizeof(*z->count));
					memset(z->high, 0, z->cap * sizeof(*z->high));
				}
			}
			cpu = -1;
		} else if (!z) {
			continue;
		} else if (sscanf(l, "pages free %llu", &v) == 1) {
			z->free = v;
		} else if (sscanf(l, "managed %llu", &v) == 1) {
			z->managed = v;
		} else if (sscanf(l, "cpu: %llu", &v) == 1) {
			cpu = v < 65536 ? (int)v : -1;
			if (cpu >= 0 && cpu_slot(z, (unsigned)cpu))
				return -1;
		} else if (cpu >= 0 && sscanf(l, "count: %llu", &v) == 1) {
			z->count[cpu] = (int32_t)v;
		} else if (cpu >= 0 && sscanf(l, "high: %llu", &v) == 1) {
			z->high[cpu] = (int32_t)v;
		} else if (sscanf(l, "vm stats threshold: %llu", &v) == 1) {
			z->threshold = (int)v;
		}
	}
	/* unpopulated zones list no pageset: dropped */
	unsigned k = 0;
	for (unsigned i = 0; i < s->nzones; i++)
		if (s->z[i].ncpus) {
			struct zone_read t = s->z[k];
			s->z[k++] = s->z[i];
			s->z[i] = t;
		}
	s->nzones = k;
	return 0;
}

static int part_append(struct zone_sampler *s, const char *text, size_t n)
{
	if (s->part_len + n + 1 > s->part_cap) {
		size_t cap = (s->part_len + n + 1) * 2;
		char *p = realloc(s->part, cap);
		if (!p)
			return -1;
		s->part = p;
		s->part_cap = cap;
	}
	memcpy(s->part + s->part_len, text, n);
	s->part_len += n;
	s->part[s->part_len] = 0;
	return 0;
}

static int part_printf(struct zone_sampler *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int part_printf(struct zone_sampler *s, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(line))
		return -1;
	return part_append(s, line, (size_t)n);
}

int zone_sampler_flush(struct zone_sampler *s, struct trace_writer *w, char *err, size_t errlen)
{
	char name[64];

	if (!s || !s->part_samples)
		return 0;
	/* the header, then the samples: the thresholds are the part's largest */
	size_t hcap = 128 + (size_t)s->part_nzones * 128, n;
	char *blob = malloc(hcap + s->part_len);
	if (!blob) {
		snprintf(err, errlen, "out of memory keeping zone samples");
		return -1;
	}
	n = (size_t)snprintf(blob, hcap,
			     "fragtrace-zone-samples 1 part=%u interval_ms=%u zones=%u\n",
			     s->part_no, s->interval_ms, s->part_nzones);
	for (unsigned i = 0; i < s->part_nzones && n < hcap; i++) {
		const struct part_zone *z = &s->pz[i];
		n += (size_t)snprintf(
			blob + n, hcap - n, "zone %u %d %s managed=%llu threshold=%d cpus=%u\n", i,
			z->nid, z->name, (unsigned long long)z->managed, z->threshold, z->ncpus);
	}
	memcpy(blob + n, s->part, s->part_len);
	snprintf(name, sizeof(name), "capture/zone_samples.%u", s->part_no);
	int rc = trace_writer_add_meta(w, name, blob, n + s->part_len);
	free(blob);
	if (rc) {
		snprintf(err, errlen, "%s", trace_writer_error(w));
		return -1;
	}
	s->part_no++;
	s->part_samples = 0;
	s->part_len = 0;
	s->layout[0] = 0;
	return 0;
}

/* The zones and their CPUs, which a part's sample lines are laid out by. The vmstat thresholds
 * change whenever kswapd wakes or sleeps, managed pages with a balloon: the zone lines keep
 * the part's largest threshold and its last managed count, and neither starts a new part. */
static void layout_text(const struct zone_sampler *s, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < s->nzones && n < len; i++) {
		const struct zone_read *z = &s->z[i];
		int k = snprintf(buf + n, len - n, "%d %s %u\n", z->nid, z->name, z->ncpus);
		if (k < 0)
			break;
		n += (size_t)k;
	}
}

int zone_sampler_take(struct zone_sampler *s, struct trace_writer *w, char *err, size_t errlen)
{
	char layout[sizeof(s->layout)];

	uint64_t before = now_ns();
	ssize_t len = read_zoneinfo(s);
	uint64_t after = now_ns();
	uint64_t took = after - before;
	if (len <= 0 || parse_zoneinfo(s)) {
		s->st->failed++;
		return 0; /* counted, not fatal: recording goes on */
	}
	s->st->samples++;
	s->st->ns_total += took;
	if (took > s->st->ns_max)
		s->st->ns_max = took;
	layout_text(s, layout, sizeof(layout));
	if ((s->part_samples && strcmp(layout, s->layout)) || s->part_samples >= SAMPLES_PER_PART)
		if (zone_sampler_flush(s, w, err, errlen))
			return -1;
	if (!s->part_samples) {
		snprintf(s->layout, sizeof(s->layout), "%s", layout);
		memset(s->pz, 0, sizeof(s->pz));
		s->part_nzones = s->nzones;
	}
	for (unsigned i = 0; i < s->nzones; i++) {
		struct part_zone *p = &s->pz[i];
		p->nid = s->z[i].nid;
		_Static_assert(sizeof(p->name) == sizeof(s->z[i].name), "zone name sizes");
		memcpy(p->name, s->z[i].name, sizeof(p->name)); /* both NUL-terminated, same size */
		p->managed = s->z[i].managed;
		p->ncpus = s->z[i].ncpus;
		if (s->z[i].threshold > p->threshold)
			p->threshold = s->z[i].threshold;
	}
	if (part_printf(s, "%llu %llu", (unsigned long long)before, (unsigned long long)after))
		goto nomem;
	for (unsigned i = 0; i < s->nzones; i++) {
		const struct zone_read *z = &s->z[i];
		if (part_printf(s, " %llu", (unsigned long long)z->free))
			goto nomem;
		for (unsigned c = 0; c < z->ncpus; c++)
			if (part_printf(s, " %d %d", z->count[c], z->high[c]))
				goto nomem;
	}
	if (part_append(s, "\n", 1))
		goto nomem;
	s->part_samples++;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory keeping zone samples");
	return -1;
}

unsigned zone_sampler_interval_ms(const struct zone_sampler *s)
{
	return s ? s->interval_ms : 0;
}

void zone_sampler_close(struct zone_sampler *s)
{
	if (!s)
		return;
	close(s->fd);
	for (unsigned i = 0; i < MAX_SAMPLE_ZONES; i++) {
		free(s->z[i].count);
		free(s->z[i].high);
	}
	free(s->buf);
	free(s->part);
	free(s);
}
