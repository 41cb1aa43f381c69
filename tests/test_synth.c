// SPDX-License-Identifier: GPL-2.0
/*
 * test_synth.c - `fragtrace synth`'s traces: consistent the way real ones are, with the rates
 * and mixes their workloads promise, and the same bytes for the same seed.
 *
 * Consistency: every pfn goes through the kernel's states in order (free in the buddy ->
 * refilled into a per-CPU list -> allocated -> freed to a per-CPU list -> drained), nothing is
 * allocated twice, every slab object lies in an allocated slab page and is freed at most once.
 */
#include "synth_workload.h"
#include "test_tmp.h"
#include "test_util.h"

#include <stdbool.h>
#include <unistd.h>

enum { ST_FREE, ST_PCP, ST_ALLOC };

struct tally {
	uint64_t events, by_type[TRACE_NR_TYPES], order9, order0_movable, dentry_allocs,
		dentry_frees, kmallocs, reclaimable_slab_pages, bad;
	double span_s;
	/* kswapd's shrink_slab passes: start and end events, and the mean of cache_items over
	 * the live dentries and inodes at the time (the workload's unused share) */
	uint64_t shrink_starts, shrink_ends, shrink_over;
	double unused_share_sum;
};

/* A cache the superblock shrinker covers: dentry and the inode caches. */
static bool sb_cache(struct trace_reader *r, uint32_t id)
{
	const char *s = trace_reader_string(r, id);
	size_t n = s ? strlen(s) : 0;
	return n && (!strcmp(s, "dentry") || (n >= 5 && !strcmp(s + n - 5, "inode")) ||
		     (n >= 11 && !strcmp(s + n - 11, "inode_cache")));
}

static void check_trace(const char *path, struct tally *t)
{
	struct trace_reader *r;
	CHECK(trace_reader_open(path, &r) == 0, "open %s", path);
	uint8_t *st = calloc(1u << 20, 1);  /* pfn states for hosts up to 4 GiB */
	uint8_t *obj = calloc(1u << 24, 1); /* live slab objects by (addr >> 6) */
	const struct trace_event *b;
	int n;
	uint64_t first = 0, last = 0;
	uint32_t dentry = 0;
	int64_t sb_live = 0; /* live dentries and inodes: the superblock shrinker's objects */
	memset(t, 0, sizeof(*t));
	while ((n = trace_reader_next_batch(r, &b)) > 0)
		for (int i = 0; i < n; i++) {
			const struct trace_event *e = &b[i];
			if (!t->events++)
				first = e->ts;
			last = e->ts;
			t->by_type[e->type]++;
			const struct trace_page *p = &e->page;
			uint64_t pfn = p->pfn, span = 1ull << (p->order < 11 ? p->order : 0);
			if (e->type <= TRACE_PAGE_PCPU_DRAIN && pfn + span > (1u << 20)) {
				t->bad++;
				continue;
			}
			switch (e->type) {
			case TRACE_PAGE_ALLOC_ZONE_LOCKED:
				for (uint64_t q = pfn; q < pfn + span; q++)
					t->bad += st[q] != ST_FREE,
						st[q] = p->percpu_refill ? ST_PCP : ST_ALLOC;
				if (p->migratetype == 2 && !p->percpu_refill)
					t->reclaimable_slab_pages++;
				break;
			case TRACE_PAGE_ALLOC:
				if (p->order == 0) {
					t->bad += st[pfn] != ST_PCP;
					st[pfn] = ST_ALLOC;
					t->order0_movable += p->migratetype == 1;
				} else {
					t->bad += st[pfn] != ST_ALLOC;
				}
				t->order9 += p->order == 9;
				break;
			case TRACE_PAGE_FREE_BATCHED:
				/* repeats the mm_page_free just before it, as the kernel does */
				t->bad += st[pfn] != ST_PCP;
				break;
			case TRACE_PAGE_FREE:
				for (uint64_t q = pfn; q < pfn + span; q++)
					t->bad += st[q] != ST_ALLOC,
						st[q] = p->order ? ST_FREE : ST_PCP;
				break;
			case TRACE_PAGE_PCPU_DRAIN:
				t->bad += st[pfn] != ST_PCP;
				st[pfn] = ST_FREE;
				break;
			case TRACE_SLAB_ALLOC:
			case TRACE_KMALLOC:
				t->bad += st[e->slab.addr >> 12] != ST_ALLOC ||
					  obj[e->slab.addr >> 6];
				obj[e->slab.addr >> 6] = 1;
				if (e->type == TRACE_KMALLOC)
					t->kmallocs++;
				else if (e->slab.cache &&
					 !strcmp(trace_reader_string(r, e->slab.cache), "dentry"))
					t->dentry_allocs++, dentry = e->slab.cache;
				sb_live += e->slab.cache && sb_cache(r, e->slab.cache);
				break;
			case TRACE_SLAB_FREE:
			case TRACE_KFREE:
				t->bad += !obj[e->slab.addr >> 6];
				obj[e->slab.addr >> 6] = 0;
				t->dentry_frees += e->slab.cache && e->slab.cache == dentry;
				sb_live -= e->slab.cache && sb_cache(r, e->slab.cache);
				break;
			case TRACE_SHRINK_START:
				t->shrink_starts++;
				t->bad += strncmp(trace_reader_string(r, e->shrink_start.shrinker),
						  "super_cache_scan+", 17) != 0;
				t->shrink_over += e->shrink_start.cache_items > sb_live;
				if (sb_live > 0)
					t->unused_share_sum += (double)e->shrink_start.cache_items /
							       (double)sb_live;
				break;
			case TRACE_SHRINK_END:
				t->shrink_ends++;
				break;
			}
		}
	CHECK(n == 0, "read %s: %s", path, trace_reader_error(r));
	t->span_s = (double)(last - first) / 1e9;
	/* a synthetic host says it has no free page reporting and no shuffling, so that replay
	 * does not assume the bundled hosts' virtio-balloon */
	int reporting_said = 0, shuffle_said = 0;
	for (size_t i = 0; i < trace_reader_meta_count(r); i++) {
		const char *name = trace_reader_meta(r, i)->name;
		bool reporting = !strcmp(name, "start/page_reporting_order");
		if (!reporting && strcmp(name, "start/page_alloc_shuffle"))
			continue;
		void *data;
		size_t len;
		CHECK(trace_reader_meta_load(r, i, &data, &len) == 0, "load %s", name);
		const char *want = reporting ? "not loaded\n" : "N\n";
		CHECK(len == strlen(want) && !memcmp(data, want, len), "%s: %.*s", name, (int)len,
		      (const char *)data);
		free(data);
		reporting_said += reporting;
		shuffle_said += !reporting;
	}
	CHECK(reporting_said == 1 && shuffle_said == 1, "%s: page reporting and shuffle stated",
	      path);
	free(st);
	free(obj);
	trace_reader_close(r);
}

static void near(const char *what, double got, double want, double tol)
{
	CHECK(got > want * (1 - tol) && got < want * (1 + tol), "%s: %.1f, want %.1f +-%.0f%%",
	      what, got, want, tol * 100);
	printf("  %-36s %10.1f (want %.1f)\n", what, got, want);
}

static int files_equal(const char *x, const char *y)
{
	FILE *a = fopen(x, "rb"), *b = fopen(y, "rb");
	int same = a && b, ca, cb;
	do {
		ca = a ? fgetc(a) : EOF;
		cb = b ? fgetc(b) : EOF;
		same &= ca == cb;
	} while (ca != EOF && cb != EOF);
	if (a)
		fclose(a);
	if (b)
		fclose(b);
	return same;
}

int main(void)
{
	char path[64], path2[64], err[256];
	test_tmp_path(path, sizeof(path), "synth.fgt");
	test_tmp_path(path2, sizeof(path2), "synth2.fgt");
	const double secs = 30, pages = 262144; /* 1 GiB */
	struct synth_workload_stats st;
	struct tally t;

	for (int w = 0; synth_workload_names[w]; w++) {
		struct synth_workload_params p = { .workload = synth_workload_names[w],
						   .mem_bytes = 1ull << 30,
						   .duration_s = secs,
						   .seed = 7 };
		CHECK(synth_workload_write(&p, path, &st, err, sizeof(err)) == 0, "%s", err);
		check_trace(path, &t);
		printf("%s: %llu events, %llu inconsistencies\n", p.workload,
		       (unsigned long long)t.events, (unsigned long long)t.bad);
		CHECK(t.events == st.events, "%s: the trace holds what the generator wrote",
		      p.workload);
		CHECK(t.bad == 0, "%s: %llu state violations", p.workload,
		      (unsigned long long)t.bad);
		if (!strcmp(p.workload, "slab-growth")) {
			near("dentries allocated per second", (double)t.dentry_allocs / secs, 2000,
			     0.05);
			near("share of files deleted",
			     (double)t.dentry_frees / (double)t.dentry_allocs, 0.2, 0.1);
			CHECK(t.reclaimable_slab_pages > 0, "slab pages are RECLAIMABLE");
			CHECK(t.by_type[TRACE_PAGE_PCPU_DRAIN] > 0, "reclaim drains the PCP lists");
		} else if (!strcmp(p.workload, "pagecache-churn")) {
			near("page-cache pages per second", (double)t.order0_movable / secs,
			     pages * 0.05, 0.05);
			CHECK(t.by_type[TRACE_PAGE_FREE_BATCHED] > 0, "reclaimed oldest first");
		} else if (!strcmp(p.workload, "anon-thp")) {
			near("THPs per second", (double)t.order9 / secs, pages * 0.03 / 512, 0.2);
			near("4 KiB pages per second", (double)t.order0_movable / secs,
			     pages * 0.005, 0.05);
		} else if (!strcmp(p.workload, "mixed")) {
			near("kmallocs per second", (double)t.kmallocs / secs, 3000, 0.05);
		} else if (!strcmp(p.workload, "devvm-slab") || !strcmp(p.workload, "recl-burst")) {
			/* kswapd's passes carry the workload's unused share of the dentries and
			 * inodes, which replay calibrates its shrinkers from */
			CHECK(t.shrink_starts > 0 && t.shrink_starts == t.shrink_ends &&
				      t.shrink_starts == st.shrink_rounds,
			      "%s: %llu shrink_slab passes, %llu ends, %llu written", p.workload,
			      (unsigned long long)t.shrink_starts,
			      (unsigned long long)t.shrink_ends,
			      (unsigned long long)st.shrink_rounds);
			CHECK(t.shrink_over == 0, "%s: no pass counts more unused than live",
			      p.workload);
			near("unused share in the shrinker passes",
			     t.unused_share_sum / (double)(t.shrink_starts ? t.shrink_starts : 1),
			     strcmp(p.workload, "devvm-slab") ? 0.02 : 0.5, 0.05);
		}
	}
	/* the same seed gives the same bytes; another seed another trace */
	struct synth_workload_params p = {
		.workload = "mixed", .mem_bytes = 1ull << 30, .duration_s = 5, .seed = 3
	};
	CHECK(synth_workload_write(&p, path, &st, err, sizeof(err)) == 0, "%s", err);
	CHECK(synth_workload_write(&p, path2, &st, err, sizeof(err)) == 0, "%s", err);
	CHECK(files_equal(path, path2), "seed 3 twice gives the same file");
	p.seed = 4;
	CHECK(synth_workload_write(&p, path2, &st, err, sizeof(err)) == 0, "%s", err);
	CHECK(!files_equal(path, path2), "seed 4 gives another file");
	p.workload = "nonsense";
	CHECK(synth_workload_write(&p, path2, &st, err, sizeof(err)) != 0 &&
		      strstr(err, "unknown workload"),
	      "an unknown workload is refused");
	unlink(path);
	unlink(path2);
	return test_summary("test_synth");
}
