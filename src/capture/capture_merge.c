// SPDX-License-Identifier: GPL-2.0
/*
 * capture_merge.c - the recorder's per-CPU event queues and their merge into one stream in time
 * order, written to the .fgt writer; no event's time is ever changed.
 *
 * Invariants: each CPU's queue is in the order its ring buffer gave (the kernel stamps each
 * CPU's events in order; an event older than the one before it on its CPU is counted in
 * cpu_backwards, and a lost marker never goes before what its CPU already queued, since a
 * marker is a position, not an event). merge_emit writes the queued events older than a
 * watermark through a min-heap of CPUs. An event that reaches the merge after a later event was
 * written (the caller's watermark passed it before its CPU gave it) cannot take its place and
 * keeps its time: it becomes a lost marker of one event at the current position, counted in
 * late_events with its lateness and type, and the hold-back the caller subtracts from its
 * watermark (merge_slack) grows to twice that lateness, so the rest of the recording waits long
 * enough. Workload: every event of a recording, hundreds of thousands per second.
 */
#include "capture_internal.h"

#include <stdlib.h>
#include <string.h>

struct cpu_queue {
	struct trace_event *ev;
	uint8_t **blobs; /* generic records' payload copies, parallel to ev */
	size_t head, n, cap;
};

static int queue_push(struct cpu_queue *q, const struct trace_event *ev)
{
	if (q->head + q->n == q->cap) {
		if (q->head) {
			memmove(q->ev, q->ev + q->head, q->n * sizeof(*q->ev));
			memmove(q->blobs, q->blobs + q->head, q->n * sizeof(*q->blobs));
			q->head = 0;
		} else {
			size_t cap = q->cap ? q->cap * 2 : 65536;
			struct trace_event *ne = realloc(q->ev, cap * sizeof(*ne));
			if (!ne)
				return -1;
			q->ev = ne;
			uint8_t **nb = realloc(q->blobs, cap * sizeof(*nb));
			if (!nb)
				return -1;
			q->blobs = nb;
			q->cap = cap;
		}
	}
	size_t i = q->head + q->n++;
	q->ev[i] = *ev;
	q->blobs[i] = NULL;
	if (ev->type == TRACE_GENERIC && ev->generic.size) {
		q->blobs[i] = malloc(ev->generic.size);
		if (!q->blobs[i])
			return -1;
		memcpy(q->blobs[i], ev->generic.data, ev->generic.size);
		q->ev[i].generic.data = q->blobs[i];
	}
	return 0;
}

struct capture_merge {
	struct trace_writer *w;
	struct capture_result *res; /* counts: events_by_type, lost, late, cpu_backwards */
	int ncpus;
	struct cpu_queue *queues;
	int *heap;		  /* merge_emit's min-heap of CPU numbers */
	uint64_t *last_queued_ts; /* per CPU: the newest event queued */
	uint64_t last_written_ts;
	uint64_t slack_ns;
};

struct capture_merge *merge_create(int ncpus, struct trace_writer *w, struct capture_result *res)
{
	struct capture_merge *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->w = w;
	m->res = res;
	m->ncpus = ncpus;
	m->slack_ns = MERGE_SLACK_NS;
	m->queues = calloc((size_t)ncpus, sizeof(*m->queues));
	m->heap = calloc((size_t)ncpus, sizeof(*m->heap));
	m->last_queued_ts = calloc((size_t)ncpus, sizeof(*m->last_queued_ts));
	if (!m->queues || !m->heap || !m->last_queued_ts) {
		merge_free(m);
		return NULL;
	}
	return m;
}

void merge_free(struct capture_merge *m)
{
	if (!m)
		return;
	for (int cpu = 0; m->queues && cpu < m->ncpus; cpu++) {
		struct cpu_queue *q = &m->queues[cpu];
		for (size_t i = q->head; i < q->head + q->n; i++)
			free(q->blobs[i]);
		free(q->ev);
		free(q->blobs);
	}
	free(m->queues);
	free(m->heap);
	free(m->last_queued_ts);
	free(m);
}

int merge_push(struct capture_merge *m, int cpu, const struct trace_event *ev)
{
	struct trace_event e = *ev;
	if (e.type == TRACE_LOST) {
		if (e.ts < m->last_queued_ts[cpu])
			e.ts = m->last_queued_ts[cpu];
	} else if (e.ts < m->last_queued_ts[cpu]) {
		m->res->cpu_backwards++;
	}
	if (e.ts > m->last_queued_ts[cpu])
		m->last_queued_ts[cpu] = e.ts;
	return queue_push(&m->queues[cpu], &e);
}

uint64_t merge_last_queued(const struct capture_merge *m, int cpu)
{
	return m->last_queued_ts[cpu];
}

uint64_t merge_queued(const struct capture_merge *m)
{
	uint64_t n = 0;
	for (int cpu = 0; cpu < m->ncpus; cpu++)
		n += m->queues[cpu].n;
	return n;
}

uint64_t merge_slack(const struct capture_merge *m)
{
	return m->slack_ns;
}

static inline uint64_t head_ts(const struct capture_merge *r, int cpu)
{
	const struct cpu_queue *q = &r->queues[cpu];
	return q->ev[q->head].ts;
}

/* Restore the min-heap of CPUs (by their oldest queued event) below position i. */
static void sift_down(const struct capture_merge *r, int *heap, int n, int i)
{
	for (;;) {
		int l = 2 * i + 1, m = i;
		if (l < n && head_ts(r, heap[l]) < head_ts(r, heap[m]))
			m = l;
		if (l + 1 < n && head_ts(r, heap[l + 1]) < head_ts(r, heap[m]))
			m = l + 1;
		if (m == i)
			return;
		int t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

/*
 * An event older than one already written (its commit came after the emission watermark had
 * passed its timestamp; see read_round) cannot take its place any more and its time is never
 * changed: it becomes a lost marker of one event at the current position, counted as late,
 * and the hold-back grows to twice its lateness so that the rest of the run waits long enough.
 */
static int write_late_event(struct capture_merge *r, const struct trace_event *ev)
{
	uint64_t late = r->last_written_ts - ev->ts;
	struct trace_event lost = {
		.ts = r->last_written_ts, .type = TRACE_LOST, .cpu = ev->cpu, .lost.count = 1
	};

	r->res->late_events++;
	if (late > r->res->late_max_ns)
		r->res->late_max_ns = late;
	if (ev->type < 16)
		r->res->late_by_type[ev->type]++;
	if (2 * late > r->slack_ns)
		r->slack_ns = 2 * late < MERGE_SLACK_MAX_NS ? 2 * late : MERGE_SLACK_MAX_NS;
	if (trace_writer_add(r->w, &lost))
		return -1;
	r->res->events_by_type[TRACE_LOST]++;
	r->res->lost_markers++;
	r->res->lost_events++;
	return 0;
}

static int write_event(struct capture_merge *r, struct trace_event *ev)
{
	if (ev->ts < r->last_written_ts) {
		if (ev->type == TRACE_LOST) /* a marker is a position: it stays where it is */
			ev->ts = r->last_written_ts;
		else
			return write_late_event(r, ev);
	}
	if (trace_writer_add(r->w, ev))
		return -1;
	r->last_written_ts = ev->ts;
	if (ev->type < 16)
		r->res->events_by_type[ev->type]++;
	if (ev->type == TRACE_LOST) {
		r->res->lost_markers++;
		if (ev->lost.count != TRACE_LOST_UNKNOWN)
			r->res->lost_events += ev->lost.count;
	}
	return 0;
}

/*
 * Write queued events older than watermark, at most limit of them, in time order: a k-way merge
 * of the per-CPU queues through a min-heap, so hosts with hundreds of CPUs pay log(CPUs) per
 * event. more: events older than watermark are still queued.
 */
int merge_emit(struct capture_merge *r, uint64_t watermark, uint64_t limit, bool *more)
{
	int n = 0;
	uint64_t done = 0;
	for (int c = 0; c < r->ncpus; c++)
		if (r->queues[c].n)
			r->heap[n++] = c;
	for (int i = n / 2 - 1; i >= 0; i--)
		sift_down(r, r->heap, n, i);
	while (n && head_ts(r, r->heap[0]) < watermark && done++ < limit) {
		struct cpu_queue *q = &r->queues[r->heap[0]];
		if (write_event(r, &q->ev[q->head]))
			return -1;
		free(q->blobs[q->head]);
		q->head++;
		if (!--q->n) {
			q->head = 0;
			r->heap[0] = r->heap[--n];
		}
		sift_down(r, r->heap, n, 0);
	}
	*more = n && head_ts(r, r->heap[0]) < watermark;
	return 0;
}
