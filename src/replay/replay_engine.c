// SPDX-License-Identifier: GPL-2.0
/*
 * replay_engine.c - one trace, N variants, one decode: the replay loop and its threads.
 *
 * The decoding thread turns events into operations in blocks of REPLAY_BLOCK_OPS, double
 * buffered: while the workers apply block k to their variants, it decodes block k+1. Every
 * variant sees every block in order, one worker at a time, so each variant's result is the
 * same whatever the thread count. Within a block the workers take variants from a shared
 * cursor, the variant that has cost the most CPU so far first (longest processing time
 * first), so the cores stay busy when variants differ in cost; variant i's model is built by
 * worker i % threads. With --threads 1 there are no workers: the same loop runs inline; with
 * N > 1, min(N, variants) workers run beside the decoding thread. Passes (--loop) rewind the decoder; a block never spans
 * two passes. Invariants: a block is read by workers only between the two barriers that
 * bracket it; the decoder writes only the other block.
 */
#include "replay_internal.h"
#include "trace_gaps.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define REPLAY_BLOCK_OPS 16384

struct engine {
	struct variant_state *vs;
	size_t nv;
	unsigned threads; /* workers, or 1 when the decoding thread applies blocks itself */
	bool use_workers;
	const struct decode_caches *dc;
	/* building the variants' models, done by the workers after the decoder's pre-pass */
	const struct host_desc *host;
	const struct replay_options *opts;
	unsigned cpus;
	char init_err[512];
	int init_failed;
	pthread_mutex_t init_lock;
	pthread_barrier_t start, done;
	/* the block being applied */
	const struct replay_op *cur;
	size_t cur_n;
	unsigned cur_pass;
	bool finished;
	/* this block's variants, costliest first, and the next one to take */
	size_t *order;
	atomic_size_t next;
};

static double thread_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The order the next block's variants are taken in: most CPU so far first (insertion sort). */
static void schedule_block(struct engine *e)
{
	for (size_t i = 1; i < e->nv; i++) {
		size_t x = e->order[i], j = i;
		for (; j > 0 && e->vs[e->order[j - 1]].res->seconds < e->vs[x].res->seconds; j--)
			e->order[j] = e->order[j - 1];
		e->order[j] = x;
	}
	atomic_store(&e->next, 0);
}

static void apply_block(struct engine *e)
{
	for (;;) {
		size_t i = atomic_fetch_add(&e->next, 1);
		if (i >= e->nv)
			return;
		struct variant_state *v = &e->vs[e->order[i]];
		double t0 = thread_seconds();
		v->pass = e->cur_pass;
		if (v->res->spec.observe)
			variant_observe_apply(v, e->cur, e->cur_n);
		else
			variant_apply(v, e->cur, e->cur_n, e->dc);
		v->res->seconds += thread_seconds() - t0;
	}
}

struct worker_arg {
	struct engine *e;
	unsigned id;
};

/* Build worker's variants' models (warm start included): the slow part of starting up. */
static void init_variants(struct engine *e, unsigned worker)
{
	for (size_t i = worker; i < e->nv; i += e->threads) {
		char err[512];
		struct variant_state *v = &e->vs[i];
		struct replay_variant_result *res = v->res;
		if (variant_init(v, res, e->host, e->opts, e->cpus, err, sizeof(err))) {
			pthread_mutex_lock(&e->init_lock);
			if (!e->init_failed++)
				snprintf(e->init_err, sizeof(e->init_err), "%s", err);
			pthread_mutex_unlock(&e->init_lock);
			continue;
		}
		v->next_sample_ns = 1000; /* a first sample at the start state */
	}
}

static void *worker_main(void *p)
{
	struct worker_arg *a = p;
	pthread_setname_np(pthread_self(), "fragtrace-work");
	init_variants(a->e, a->id);
	pthread_barrier_wait(&a->e->done);
	for (;;) {
		pthread_barrier_wait(&a->e->start);
		if (a->e->finished)
			return NULL;
		apply_block(a->e);
		pthread_barrier_wait(&a->e->done);
	}
}

/* Lost events and the slab events the addresses mode drops, as info and check show them. */
static int fill_loss(struct replay_trace_info *ti, struct trace_reader *r)
{
	struct trace_gaps g;
	int rc = trace_gaps_read(r, &g);
	if (rc)
		return rc;
	ti->lost_events = g.lost;
	ti->lost_unknown_markers = g.unknown_markers;
	ti->lost_marker_events = g.marker_events;
	ti->lost_kernel_events = g.kernel_events;
	ti->lost_at_least = g.at_least;
	ti->have_kernel_counters = g.have_kernel;
	snprintf(ti->lost_note, sizeof(ti->lost_note), "%s", g.note);
	ti->slab_events_dropped = g.slab_events_dropped;
	ti->lost_cpus = g.nr_cpus ? calloc(g.nr_cpus, sizeof(*ti->lost_cpus)) : NULL;
	if (g.nr_cpus && !ti->lost_cpus) {
		trace_gaps_free(&g);
		return TRACE_ENOMEM;
	}
	ti->nr_lost_cpus = g.nr_cpus;
	for (size_t i = 0; i < g.nr_cpus; i++) {
		const struct trace_loss_cpu *c = &g.cpus[i];
		ti->lost_cpus[i] =
			(struct replay_lost_cpu){ .cpu = c->cpu,
						  .lost = c->lost,
						  .markers = c->markers,
						  .unknown_markers = c->unknown_markers,
						  .marker_events = c->marker_events,
						  .kernel_events = c->kernel_events,
						  .have_kernel = c->have_kernel,
						  .at_least = c->at_least,
						  .source = trace_loss_source_name(c->source) };
	}
	trace_gaps_free(&g);
	return 0;
}

static int fill_trace_info(struct replay_trace_info *ti, const char *path, struct trace_reader *r,
			   const struct host_desc *h)
{
	const struct trace_header *hdr = trace_reader_header(r);
	const struct trace_summary *s = trace_reader_summary(r);
	struct stat st;

	snprintf(ti->path, sizeof(ti->path), "%s", path);
	ti->file_bytes = stat(path, &st) ? s->file_bytes : (uint64_t)st.st_size;
	ti->events = s->events;
	ti->lost_markers = s->lost_markers;
	ti->first_ts = s->first_ts;
	ti->duration_s = s->events ? (double)(s->last_ts - s->first_ts) / 1e9 : 0;
	ti->complete_file = s->complete;
	snprintf(ti->kernel, sizeof(ti->kernel), "%s", hdr->kernel_release);
	snprintf(ti->arch, sizeof(ti->arch), "%s", hdr->arch);
	snprintf(ti->addresses, sizeof(ti->addresses), "%s", h->addresses);
	ti->cpus = hdr->cpu_count;
	ti->host_pages = h->present_pages;
	ti->host = h->fig;
	ti->host.extfrag_events = s->type_counts[TRACE_PAGE_ALLOC_EXTFRAG];
	const char *w = trace_reader_warning(r);
	snprintf(ti->warning, sizeof(ti->warning), "%s", w ? w : "");
	return fill_loss(ti, r);
}

struct run {
	struct trace_reader *r;
	struct host_desc host;
	struct decoder *dec;
	struct replay_op *blocks[2];
	struct engine e;
	pthread_t *tids;
	struct worker_arg *args;
	unsigned started;
};

static void run_cleanup(struct run *run)
{
	if (run->started) {
		run->e.finished = true;
		pthread_barrier_wait(&run->e.start);
		for (unsigned i = 0; i < run->started; i++)
			pthread_join(run->tids[i], NULL);
		pthread_barrier_destroy(&run->e.start);
		pthread_barrier_destroy(&run->e.done);
	}
	free(run->tids);
	free(run->args);
	for (size_t i = 0; i < run->e.nv; i++)
		if (run->e.vs[i].model)
			variant_destroy(&run->e.vs[i]);
	free(run->e.vs);
	free(run->e.order);
	free(run->blocks[0]);
	free(run->blocks[1]);
	decoder_destroy(run->dec);
	host_desc_free(&run->host);
	if (run->r)
		trace_reader_close(run->r);
}

static int start_workers(struct run *run, char *err, size_t errlen)
{
	unsigned t = run->e.threads;
	run->tids = calloc(t, sizeof(*run->tids));
	run->args = calloc(t, sizeof(*run->args));
	if (!run->tids || !run->args) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_barrier_init(&run->e.start, NULL, t + 1);
	pthread_barrier_init(&run->e.done, NULL, t + 1);
	for (unsigned i = 0; i < t; i++) {
		run->args[i] = (struct worker_arg){ &run->e, i };
		if (pthread_create(&run->tids[i], NULL, worker_main, &run->args[i])) {
			/* run with fewer workers is not possible: variants are bound to ids */
			snprintf(err, errlen, "cannot start worker thread %u", i);
			run->e.finished = true;
			return -1;
		}
		run->started++;
	}
	return 0;
}

/*
 * The slab-page pre-pass, which also sees each pageblock's type at trace start
 * (replay_pbtypes.c); the warm start's plan is then worked out again with those types.
 */
static int prepass(struct run *run, char *err, size_t errlen)
{
	struct pb_types seen;
	uint64_t max_pfn = 0;
	int rc;

	for (unsigned z = 0; z < run->host.config.nr_zones; z++) {
		const struct model_zone_config *zc = &run->host.config.zones[z];
		if (zc->start_pfn + zc->spanned_pages > max_pfn)
			max_pfn = zc->start_pfn + zc->spanned_pages;
	}
	if (pb_types_init(&seen, max_pfn, trace_reader_header(run->r)->cpu_count))
		goto nomem;
	rc = decoder_prepass(run->dec, &seen, err, errlen);
	if (!rc && host_warm_plan_build(&run->host, &seen)) {
		pb_types_free(&seen);
		goto nomem;
	}
	pb_types_free(&seen);
	return rc;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Decode and apply every pass. Returns 0, 1 when stopped, -1 on error. */
static int replay_passes(struct run *run, const struct replay_options *o, char *err, size_t errlen)
{
	uint64_t total = trace_reader_summary(run->r)->events * o->loops;
	double last_progress = 0;
	int k = 0;

	for (unsigned pass = 0; pass < o->loops; pass++) {
		if (decoder_begin_pass(run->dec, pass, err, errlen))
			return -1;
		long n = decoder_fill(run->dec, run->blocks[k], REPLAY_BLOCK_OPS, err, errlen);
		while (n > 0) {
			run->e.cur = run->blocks[k];
			run->e.cur_n = (size_t)n;
			run->e.cur_pass = pass;
			schedule_block(&run->e);
			if (run->e.use_workers)
				pthread_barrier_wait(&run->e.start);
			else
				apply_block(&run->e);
			k ^= 1;
			n = decoder_fill(run->dec, run->blocks[k], REPLAY_BLOCK_OPS, err, errlen);
			if (run->e.use_workers)
				pthread_barrier_wait(&run->e.done);
			if (n < 0)
				return -1;
			if (o->progress && wall_seconds() - last_progress > 0.2) {
				last_progress = wall_seconds();
				o->progress(o->progress_ctx, decoder_events_done(run->dec), total,
					    pass, o->loops);
			}
			if (o->stop && *o->stop)
				return 1;
		}
		if (n < 0)
			return -1;
	}
	if (o->progress)
		o->progress(o->progress_ctx, decoder_events_done(run->dec), total, o->loops - 1,
			    o->loops);
	return 0;
}

int replay_trace(const char *path, const struct replay_options *opts,
		 const struct replay_variant_spec *variants, size_t nv, struct replay_result **out,
		 char *err, size_t errlen)
{
	struct run run;
	struct replay_result *res = calloc(1, sizeof(*res));
	double t0 = wall_seconds();
	int rc;

	memset(&run, 0, sizeof(run));
	*out = NULL;
	if (!res || !nv)
		goto nomem;
	rc = trace_reader_open(path, &run.r);
	if (rc) {
		snprintf(err, errlen, "%s", run.r ? trace_reader_error(run.r) : path);
		goto fail;
	}
	if (opts->layout || opts->mem_bytes
		    ? host_layout_load(run.r, path, opts, &run.host, err, errlen)
		    : host_desc_load(run.r, path, &run.host, err, errlen))
		goto fail;
	rc = fill_trace_info(&res->trace, path, run.r, &run.host);
	if (rc == TRACE_ENOMEM)
		goto nomem;
	if (rc) {
		snprintf(err, errlen, "%s", trace_reader_error(run.r));
		goto fail;
	}
	replay_layout_describe(opts, res->trace.layout, sizeof(res->trace.layout));
	if (decoder_create(run.r, &run.host, &run.dec, err, errlen))
		goto fail;
	res->variants = calloc(nv, sizeof(*res->variants));
	run.e.vs = calloc(nv, sizeof(*run.e.vs));
	run.e.order = calloc(nv, sizeof(*run.e.order));
	run.blocks[0] = malloc(REPLAY_BLOCK_OPS * sizeof(struct replay_op));
	run.blocks[1] = malloc(REPLAY_BLOCK_OPS * sizeof(struct replay_op));
	if (!res->variants || !run.e.vs || !run.e.order || !run.blocks[0] || !run.blocks[1])
		goto nomem;
	res->nr_variants = nv;
	run.e.nv = nv;
	run.e.dc = decoder_caches(run.dec);
	/* with more than one thread the decoder runs beside the workers, so even one variant
	 * gets a worker; there are never more workers than variants */
	run.e.use_workers = opts->threads > 1;
	run.e.threads = opts->threads < 1 ? 1 : opts->threads > nv ? (unsigned)nv : opts->threads;
	res->threads = run.e.use_workers ? run.e.threads + 1 : 1;
	run.e.host = &run.host;
	run.e.opts = opts;
	run.e.cpus = trace_reader_header(run.r)->cpu_count;
	pthread_mutex_init(&run.e.init_lock, NULL);
	for (size_t i = 0; i < nv; i++) {
		res->variants[i].spec = variants[i];
		run.e.vs[i].res = &res->variants[i];
		run.e.order[i] = i;
	}
	/* the pre-pass first: the warm start's pageblock tags follow the types it saw */
	if (prepass(&run, err, errlen))
		goto fail;
	if (run.e.use_workers) {
		if (start_workers(&run, err, errlen))
			goto fail;
		pthread_barrier_wait(&run.e.done);
	} else {
		init_variants(&run.e, 0);
	}
	res->calib = run.e.dc->calib;
	if (run.e.init_failed) {
		snprintf(err, errlen, "%s: %s", path, run.e.init_err);
		goto fail;
	}
	res->setup_seconds = wall_seconds() - t0;
	rc = replay_passes(&run, opts, err, errlen);
	if (rc < 0)
		goto fail;
	res->interrupted = rc == 1;
	res->trace.malformed_events = decoder_malformed(run.dec) / opts->loops;
	decoder_host_figures(run.dec, &res->trace.host);
	for (size_t i = 0; i < nv; i++) {
		struct variant_state *v = &run.e.vs[i];
		variant_finish(v, v->last_ts + 1);
		variant_compaction_finish(v);
		if (v->res->spec.observe)
			variant_observe_agreement(v);
		replay_equilibrium_find(v->res->samples, v->res->nr_samples, opts->sample_ns,
					&v->res->eq);
		if (v->check_failure) {
			snprintf(err, errlen, "%s: variant %s: model check failed: %s", path,
				 v->res->spec.name, v->check_failure);
			goto fail;
		}
	}
	res->have_validation = !res->interrupted && replay_validate(res, &res->validation);
	res->wall_seconds = wall_seconds() - t0;
	run_cleanup(&run);
	*out = res;
	return 0;
nomem:
	snprintf(err, errlen, "%s: out of memory", path);
fail:
	run_cleanup(&run);
	replay_result_free(res);
	return -1;
}

void replay_result_free(struct replay_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nr_variants; i++) {
		free(r->variants[i].samples);
		free(r->variants[i].regions);
	}
	free(r->variants);
	free(r->trace.lost_cpus);
	free(r);
}
