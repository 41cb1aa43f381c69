/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synth_workload.h - `fragtrace synth`: deterministic synthetic workloads written as traces.
 */
#ifndef FRAGTRACE_SYNTH_WORKLOAD_H
#define FRAGTRACE_SYNTH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

struct synth_workload_params {
	const char *workload; /* slab-growth, pagecache-churn, anon-thp, mixed */
	uint64_t mem_bytes;   /* the synthetic host's memory, default 16 GiB */
	double duration_s;    /* default 60 */
	uint64_t seed;	      /* default 1 */
	unsigned cpus;	      /* default 2 */
	/* Called every second of trace time with milliseconds done and total; may be NULL. */
	void (*progress)(void *ctx, uint64_t done, uint64_t total, unsigned pass, unsigned loops);
	void *progress_ctx;
};

/* What the generator did, for the summary and for tests to check against the trace. */
struct synth_workload_stats {
	uint64_t events, bytes;
	uint64_t files_created, files_deleted;	     /* slab-growth, mixed */
	uint64_t slab_objects_live, slab_pages_live; /* at the end */
	uint64_t movable_pages_live, thp_live;	     /* at the end */
	uint64_t page_allocs_by_order[11];
	uint64_t page_allocs_by_mt[3];
	uint64_t shrink_rounds; /* kswapd's shrink_slab passes written (report workloads) */
};

extern const char *const synth_workload_names[];

/* Write the trace. 0, or -1 with err set (one line naming the file). */
int synth_workload_write(const struct synth_workload_params *p, const char *path,
			 struct synth_workload_stats *st, char *err, size_t errlen);

#endif
