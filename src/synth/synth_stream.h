/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synth_stream.h - a realistic synthetic kmem event stream, for benchmarks and tests.
 *
 * Not a workload model (that is `fragtrace synth`): this reproduces the statistical shape of
 * the event stream a real host records, so that the file format is measured on what it will
 * meet. The mix, rates and CPU split follow the baseline capture on this project's machines
 * (../shared/reference/capture-baseline.md); the placement mechanics follow the kernel: PCP
 * lists refilled from the buddy in batches and drained when over their high mark, LIFO reuse
 * of freed pages, slab objects handed out in randomised freelist order within each slab.
 */
#ifndef FRAGTRACE_SYNTH_STREAM_H
#define FRAGTRACE_SYNTH_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "trace.h"

struct synth_stream_params {
	uint64_t seed;
	uint32_t cpus;	       /* default 2 */
	uint64_t mem_bytes;    /* default 24 GiB */
	double events_per_sec; /* default 580000 */
	/* Intern a string (cache name, call site); returns its id. */
	uint32_t (*intern)(void *ctx, const char *s);
	void *intern_ctx;
};

struct synth_stream;

struct synth_stream *synth_stream_create(const struct synth_stream_params *p);
/* Fill out[0..n) with the next events, in non-decreasing timestamp order. */
void synth_stream_next(struct synth_stream *s, struct trace_event *out, size_t n);
void synth_stream_free(struct synth_stream *s);

#endif
