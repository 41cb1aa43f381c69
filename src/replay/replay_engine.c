// SPDX-License-Identifier: GPL-2.0
/*
 * replay_engine.c - one trace, N variants, one decode: the replay loop and its threads.
 *
 * The decoding thread turns events into operations in blocks of REPLAY_BLOCK_OPS, into a ring
 * of REPLAY_RING blocks: it decodes ahead while the workers apply the blocks already decoded.
 * Every variant sees every block in order, one worker at a time, so each variant's result is
 * the same whatever the thread count. The variants advance independently (no barrier per
 * block): a worker takes any variant that is not being applied and has a decoded block left,
 * the one furthest behind first (it holds the oldest ring slot), then the one that has cost
 * the most CPU so far (longest processing time first), so the cores stay busy when variants
 * differ in cost from block to block and when the decoding thread is late. The models are built
 * the same way, each worker taking the next variant not yet built. With --threads 1 there are
 * no workers: each block is applied inline to every variant in turn; with N > 1, min(N,
 * variants) workers run beside the decoding thread. Passes (--loop) rewind the decoder; a block
 * never spans two passes. Invariants: a slot is written by the decoder only when every variant
 * has applied the block it held (its pending count is 0), and read by a worker only for a
 * variant whose next block it is; a variant is applied by one worker at a time (busy). All of
 * the ring's bookkeeping is under the engine's lock. The workers wait until all have started
 * (workers_go): a thread or barrier that cannot be had stops the ones started, and the run
 * fails with one message and nothing left set up.
 *
 * Variants that differ only in the trigger switches run as one model (replay_share.c): the
 * engine runs one model per group, in rounds; a round replays the whole trace (every pass) for
 * its groups, and the variants split off a shared model in it form the next round's groups,
 * replayed from the start with the decoder rewound to the state the pre-pass left. The pre-pass
 * and the start plan are made once, in the first round; --no-share is one round, one model per
 * variant.
 *
 * Expected workload: a few hundred blocks per trace, so a lock round per variant and block
 * (about six thousand on the bundled pressure traces) costs nothing next to the apply.
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
#define REPLAY_RING	 8 /* blocks decoded ahead of the slowest variant, at most */

/* One decoded block in the ring. */
struct ring_slot {
	struct replay_op *ops;
	size_t n;
	unsigned pass;
	size_t pending; /* variants yet to apply it; 0: free for the decoder */
};

struct engine {
	struct variant_state *vs;
	const struct share_group *groups; /* per model: the variants it runs as (replay_share.c) */
	size_t nv;			  /* models this round */
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
	atomic_size_t create_next, start_next; /* the next variant to build, to start */
	/* the workers and the decoding thread: after the pre-pass (and the plan), after the
	 * variants' start states */
	pthread_barrier_t planned, built;
	bool plan_failed; /* the pre-pass failed: no start states (set before planned) */
	/* the workers wait for every one of them to start: 0 until then, 1 go, -1 stop (a worker
	 * or the barriers could not be had); under lock, announced on work */
	int workers_go;
	/* the ring, and where each variant is in it; under lock */
	pthread_mutex_t lock;
	pthread_cond_t work; /* a block was decoded, or the run ends */
	pthread_cond_t room; /* a variant finished a block */
	struct ring_slot ring[REPLAY_RING];
	uint64_t decoded; /* blocks decoded so far; block b is in ring[b % REPLAY_RING] */
	uint64_t *next;	  /* per variant: the next block it applies */
	bool *busy;	  /* per variant: a worker is applying it */
	bool finished;	  /* no block will be decoded any more */
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

/* Apply one block to one variant, timing it on the variant's account. */
static void apply_block(struct engine *e, struct variant_state *v, const struct ring_slot *b)
{
	double t0 = thread_seconds();
	v->pass = b->pass;
	if (v->res->spec.observe)
		variant_observe_apply(v, b->ops, b->n);
	else
		variant_apply(v, b->ops, b->n, e->dc);
	v->res->seconds += thread_seconds() - t0;
}

/*
 * The variant a worker should apply next, or nv when none can be: not busy, with a decoded
 * block left; the furthest behind first, then the costliest so far. Under e->lock.
 */
static size_t pick_variant(const struct engine *e)
{
	size_t best = e->nv;
	for (size_t i = 0; i < e->nv; i++) {
		if (e->busy[i] || e->next[i] >= e->decoded)
			continue;
		if (best == e->nv || e->next[i] < e->next[best] ||
		    (e->next[i] == e->next[best] &&
		     e->vs[i].res->seconds > e->vs[best].res->seconds))
			best = i;
	}
	return best;
}

/* A worker: apply decoded blocks to free variants until the decoding has ended and no
 * variant has a block left. */
static void apply_blocks(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	for (;;) {
		size_t i = pick_variant(e);
		if (i == e->nv) {
			if (e->finished)
				break;
			pthread_cond_wait(&e->work, &e->lock);
			continue;
		}
		struct ring_slot *b = &e->ring[e->next[i] % REPLAY_RING];
		e->busy[i] = true;
		pthread_mutex_unlock(&e->lock);
		apply_block(e, &e->vs[i], b);
		pthread_mutex_lock(&e->lock);
		e->busy[i] = false;
		e->next[i]++;
		if (!--b->pending)
			pthread_cond_signal(&e->room);
	}
	pthread_mutex_unlock(&e->lock);
}

/* No block will be decoded any more: wake the workers, wait until every variant has applied
 * every block decoded (so all stop at the same place). */
static void end_decoding(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	e->finished = true;
	pthread_cond_broadcast(&e->work);
	for (unsigned k = 0; k < REPLAY_RING; k++)
		while (e->ring[k].pending)
			pthread_cond_wait(&e->room, &e->lock);
	pthread_mutex_unlock(&e->lock);
}

/* The ring slot the next block is decoded into, once every variant is done with it. */
static struct ring_slot *ring_next_free(struct engine *e)
{
	struct ring_slot *b = &e->ring[e->decoded % REPLAY_RING];
	if (!e->use_workers)
		return b;
	pthread_mutex_lock(&e->lock);
	while (b->pending)
		pthread_cond_wait(&e->room, &e->lock);
	pthread_mutex_unlock(&e->lock);
	return b;
}

/* Hand a decoded block to the variants: to the workers, or inline to each in turn. */
static void ring_publish(struct engine *e, struct ring_slot *b, size_t n, unsigned pass)
{
	b->n = n;
	b->pass = pass;
	if (!e->use_workers) {
		for (size_t i = 0; i < e->nv; i++)
			apply_block(e, &e->vs[i], b);
		e->decoded++;
		return;
	}
	pthread_mutex_lock(&e->lock);
	b->pending = e->nv;
	e->decoded++;
	pthread_cond_broadcast(&e->work);
	pthread_mutex_unlock(&e->lock);
}

struct worker_arg {
	struct engine *e;
	unsigned id;
};

static void init_failed(struct engine *e, const char *err)
{
	pthread_mutex_lock(&e->init_lock);
	if (!e->init_failed++)
		snprintf(e->init_err, sizeof(e->init_err), "%s", err);
	pthread_mutex_unlock(&e->init_lock);
}

/* Build the variants' empty models, beside the pre-pass: each worker takes the next variant
 * not yet built. */
static void create_variants(struct engine *e)
{
	for (;;) {
		size_t i = atomic_fetch_add(&e->create_next, 1);
		if (i >= e->nv)
			return;
		char err[512];
		struct variant_state *v = &e->vs[i];
		if (variant_create(v, v->res, e->host, e->opts, e->cpus, err, sizeof(err))) {
			init_failed(e, err);
		} else if (e->groups[i].n > 1) {
			v->share_n = e->groups[i].n;
			if (model_set_share(v->model, &e->groups[i].share) != MODEL_OK)
				init_failed(e, "out of memory");
		}
	}
}

/* Give the models their start states (warm or placed), the slow part of starting up, once the
 * pre-pass has made the plan: each worker takes the next variant, so a worker with the cheaper
 * starts builds more. */
static void start_variants(struct engine *e)
{
	for (;;) {
		size_t i = atomic_fetch_add(&e->start_next, 1);
		if (i >= e->nv)
			return;
		char err[512];
		struct variant_state *v = &e->vs[i];
		if (!v->model) /* its create failed */
			continue;
		if (variant_start(v, err, sizeof(err))) {
			init_failed(e, err);
			continue;
		}
		v->next_sample_ns = 1000; /* a first sample at the start state */
	}
}

/* Wait until every worker has started (true) or the start failed (false: return at once). */
static bool workers_wait_go(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	while (!e->workers_go)
		pthread_cond_wait(&e->work, &e->lock);
	bool go = e->workers_go > 0;
	pthread_mutex_unlock(&e->lock);
	return go;
}

static void workers_set_go(struct engine *e, bool go)
{
	pthread_mutex_lock(&e->lock);
	e->workers_go = go ? 1 : -1;
	pthread_cond_broadcast(&e->work);
	pthread_mutex_unlock(&e->lock);
}

static void *worker_main(void *p)
{
	struct worker_arg *a = p;
	pthread_setname_np(pthread_self(), "fragtrace-work");
	if (!workers_wait_go(a->e))
		return NULL;
	create_variants(a->e);
	pthread_barrier_wait(&a->e->planned);
	if (!a->e->plan_failed)
		start_variants(a->e);
	pthread_barrier_wait(&a->e->built);
	apply_blocks(a->e);
	return NULL;
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
	struct engine e;
	pthread_t *tids;
	struct worker_arg *args;
	unsigned started;
	bool sync_ready;      /* the engine's locks and conditions are initialised */
	bool barriers;	      /* planned and built are initialised */
	uint64_t events_base; /* the decoder's events done before this round (progress) */
	/* this round's groups, and the variants split off them for the next (replay_share.c) */
	struct share_group *groups;
	size_t *split;
	size_t nsplit;
};

/* The engine's locks and conditions; on failure none is left initialised. Returns 0 or an
 * errno value. */
static int engine_sync_init(struct engine *e)
{
	int rc = pthread_mutex_init(&e->lock, NULL);
	if (rc)
		return rc;
	if ((rc = pthread_mutex_init(&e->init_lock, NULL)))
		goto lock;
	if ((rc = pthread_cond_init(&e->work, NULL)))
		goto init_lock;
	if (!(rc = pthread_cond_init(&e->room, NULL)))
		return 0;
	pthread_cond_destroy(&e->work);
init_lock:
	pthread_mutex_destroy(&e->init_lock);
lock:
	pthread_mutex_destroy(&e->lock);
	return rc;
}

/* The end of a round: the workers joined, the round's models gone. */
static void round_cleanup(struct run *run)
{
	if (run->started) {
		end_decoding(&run->e);
		for (unsigned i = 0; i < run->started; i++)
			pthread_join(run->tids[i], NULL);
		run->started = 0;
	}
	if (run->barriers) {
		pthread_barrier_destroy(&run->e.planned);
		pthread_barrier_destroy(&run->e.built);
		run->barriers = false;
	}
	free(run->tids);
	free(run->args);
	run->tids = NULL;
	run->args = NULL;
	for (size_t i = 0; i < run->e.nv; i++)
		if (run->e.vs[i].model)
			variant_destroy(&run->e.vs[i]);
	free(run->e.vs);
	free(run->e.next);
	free(run->e.busy);
	run->e.vs = NULL;
	run->e.next = NULL;
	run->e.busy = NULL;
	run->e.nv = 0;
}

static void run_cleanup(struct run *run)
{
	round_cleanup(run);
	if (run->sync_ready) {
		pthread_mutex_destroy(&run->e.lock);
		pthread_mutex_destroy(&run->e.init_lock);
		pthread_cond_destroy(&run->e.work);
		pthread_cond_destroy(&run->e.room);
	}
	free(run->groups);
	free(run->split);
	for (unsigned k = 0; k < REPLAY_RING; k++)
		free(run->e.ring[k].ops);
	decoder_destroy(run->dec);
	host_desc_free(&run->host);
	if (run->r)
		trace_reader_close(run->r);
}

/*
 * Start the workers; they begin only once all have started and the barriers (sized for all of
 * them) are there. When a thread or a barrier cannot be had, the workers started are told to
 * stop (run_cleanup joins them) and the one error is in err.
 */
static int start_workers(struct run *run, char *err, size_t errlen)
{
	unsigned t = run->e.threads;
	int rc = 0;
	run->tids = calloc(t, sizeof(*run->tids));
	run->args = calloc(t, sizeof(*run->args));
	if (!run->tids || !run->args) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < t; i++) {
		run->args[i] = (struct worker_arg){ &run->e, i };
		rc = pthread_create(&run->tids[i], NULL, worker_main, &run->args[i]);
		if (rc) {
			snprintf(err, errlen, "cannot start worker thread %u of %u: %s", i + 1, t,
				 strerror(rc));
			break;
		}
		run->started++;
	}
	if (!rc && (rc = pthread_barrier_init(&run->e.planned, NULL, t + 1)) == 0) {
		rc = pthread_barrier_init(&run->e.built, NULL, t + 1);
		if (rc)
			pthread_barrier_destroy(&run->e.planned);
	}
	if (rc && run->started == t)
		snprintf(err, errlen, "cannot set up the worker threads' barriers: %s",
			 strerror(rc));
	run->barriers = !rc;
	workers_set_go(&run->e, !rc);
	return rc ? -1 : 0;
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
	int rc = 0;

	for (unsigned pass = 0; pass < o->loops && !rc; pass++) {
		if (decoder_begin_pass(run->dec, pass, err, errlen)) {
			rc = -1;
			break;
		}
		for (;;) {
			struct ring_slot *b = ring_next_free(&run->e);
			long n = decoder_fill(run->dec, b->ops, REPLAY_BLOCK_OPS, err, errlen);
			if (n <= 0) {
				rc = n < 0 ? -1 : 0;
				break;
			}
			ring_publish(&run->e, b, (size_t)n, pass);
			if (o->progress && wall_seconds() - last_progress > 0.2) {
				last_progress = wall_seconds();
				o->progress(o->progress_ctx,
					    decoder_events_done(run->dec) - run->events_base, total,
					    pass, o->loops);
			}
			if (o->stop && *o->stop) {
				rc = 1;
				break;
			}
		}
	}
	/* every variant applies every block decoded, also when stopped or failed */
	if (run->e.use_workers)
		end_decoding(&run->e);
	if (!rc && o->progress)
		o->progress(o->progress_ctx, decoder_events_done(run->dec) - run->events_base,
			    total, o->loops - 1, o->loops);
	return rc;
}

/*
 * The groups' models after their passes: sampled to the end, checked, and their results dealt
 * to the members they still run as; the members split off go to run->split (replay_share.c).
 */
static int finish_round(struct run *run, struct replay_result *res, unsigned round,
			const char *path, char *err, size_t errlen)
{
	for (size_t i = 0; i < run->e.nv; i++) {
		struct variant_state *v = &run->e.vs[i];
		variant_finish(v, v->last_ts + 1);
		variant_compaction_finish(v);
		if (v->res->spec.observe)
			variant_observe_agreement(v);
		replay_equilibrium_find(v->res->samples, v->res->nr_samples, run->e.opts->sample_ns,
					&v->res->eq);
		if (v->check_failure) {
			snprintf(err, errlen, "%s: variant %s: model check failed: %s", path,
				 v->res->spec.name, v->check_failure);
			return -1;
		}
		size_t before = run->nsplit;
		if (share_deal_results(res, &run->groups[i], model_share_members(v->model),
				       v->share_absorbed, round, &run->host, run->split,
				       &run->nsplit)) {
			snprintf(err, errlen, "%s: out of memory", path);
			return -1;
		}
		res->splits += (unsigned)(run->nsplit - before);
	}
	return 0;
}

/*
 * One round: the models of run->groups built (the first round beside the pre-pass), every
 * pass applied, the results dealt. Returns 0, or -1 with err set.
 */
static int replay_round(struct run *run, struct replay_result *res,
			const struct replay_options *opts, unsigned round, size_t ng, double t0,
			char *err, size_t errlen)
{
	struct engine *e = &run->e;
	int rc;

	e->vs = calloc(ng, sizeof(*e->vs));
	e->next = calloc(ng, sizeof(*e->next));
	e->busy = calloc(ng, sizeof(*e->busy));
	if (!e->vs || !e->next || !e->busy) {
		snprintf(err, errlen, "%s: out of memory", res->trace.path);
		return -1;
	}
	e->nv = ng;
	e->groups = run->groups;
	e->decoded = 0;
	e->finished = false;
	e->workers_go = 0; /* start_workers opens the gate again */
	e->plan_failed = false;
	atomic_store(&e->create_next, 0);
	atomic_store(&e->start_next, 0);
	run->events_base = decoder_events_done(run->dec);
	/* with more than one thread the decoder runs beside the workers, so even one variant
	 * gets a worker; there are never more workers than models */
	e->use_workers = opts->threads > 1;
	e->threads = opts->threads < 1 ? 1 : opts->threads > ng ? (unsigned)ng : opts->threads;
	if (!round)
		res->threads = e->use_workers ? e->threads + 1 : 1;
	for (size_t i = 0; i < ng; i++)
		e->vs[i].res = &res->variants[run->groups[i].member[0]];
	res->models += (unsigned)ng;
	res->rounds = round + 1;
	/* the workers build the empty models while this thread runs the pre-pass; the start
	 * states wait for it: the warm start's pageblock tags follow the types it saw */
	if (e->use_workers && start_workers(run, err, errlen))
		return -1;
	if (!e->use_workers)
		create_variants(e);
	if (!round) {
		rc = prepass(run, err, errlen);
		res->prepass_seconds = wall_seconds() - t0 - res->load_seconds;
	} else {
		rc = decoder_rewind(run->dec, err, errlen);
	}
	if (e->use_workers) {
		e->plan_failed = rc != 0;
		pthread_barrier_wait(&e->planned);
		pthread_barrier_wait(&e->built);
	} else if (!rc) {
		start_variants(e);
	}
	if (rc)
		return -1;
	res->calib = e->dc->calib;
	if (e->init_failed) {
		snprintf(err, errlen, "%s: %s", res->trace.path, e->init_err);
		return -1;
	}
	if (!round) {
		res->setup_seconds = wall_seconds() - t0;
		res->build_seconds = res->setup_seconds - res->load_seconds - res->prepass_seconds;
	}
	rc = replay_passes(run, opts, err, errlen);
	if (rc < 0)
		return -1;
	res->interrupted |= rc == 1;
	if (!round) {
		res->trace.malformed_events = decoder_malformed(run->dec) / opts->loops;
		decoder_host_figures(run->dec, &res->trace.host);
		res->trace.kswapd_traced = decoder_kswapd_traced(run->dec);
		res->trace.kswapd_unknown_nid = decoder_kswapd_unknown_nid(run->dec);
	}
	run->nsplit = 0;
	if (finish_round(run, res, round, res->trace.path, err, errlen))
		return -1;
	round_cleanup(run);
	return 0;
}

/* A variant a stopped run never replayed (split off, not run again): an empty result. */
static void result_not_run(struct replay_variant_result *v, const struct replay_options *opts,
			   const struct host_desc *h)
{
	variant_spec_for_host(&v->spec, h);
	v->agreement = -1;
	replay_equilibrium_find(NULL, 0, opts->sample_ns, &v->eq);
}

int replay_trace(const char *path, const struct replay_options *opts,
		 const struct replay_variant_spec *variants, size_t nv, struct replay_result **out,
		 char *err, size_t errlen)
{
	struct run run;
	struct replay_result *res = calloc(1, sizeof(*res));
	double t0 = wall_seconds();
	size_t ng;
	int rc;

	memset(&run, 0, sizeof(run));
	*out = NULL;
	if (!res || !nv)
		goto nomem;
	rc = engine_sync_init(&run.e);
	if (rc) {
		snprintf(err, errlen, "%s: cannot set up the replay's locks: %s", path,
			 strerror(rc));
		goto fail;
	}
	run.sync_ready = true;
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
	if (opts->kswapd_heuristic)
		decoder_kswapd_heuristic(run.dec);
	res->variants = calloc(nv, sizeof(*res->variants));
	run.groups = calloc(nv, sizeof(*run.groups));
	run.split = calloc(nv, sizeof(*run.split));
	if (!res->variants || !run.groups || !run.split)
		goto nomem;
	for (unsigned k = 0; k < REPLAY_RING; k++)
		if (!(run.e.ring[k].ops = malloc(REPLAY_BLOCK_OPS * sizeof(struct replay_op))))
			goto nomem;
	res->nr_variants = nv;
	run.e.dc = decoder_caches(run.dec);
	run.e.host = &run.host;
	run.e.opts = opts;
	run.e.cpus = trace_reader_header(run.r)->cpu_count;
	for (size_t i = 0; i < nv; i++) {
		res->variants[i].spec = variants[i];
		run.split[i] = i;
	}
	/* the variants that may share a model, grouped (replay_share.c) */
	ng = share_plan(variants, run.split, nv, !opts->no_share, run.groups);
	res->load_seconds = wall_seconds() - t0;
	/* the rounds: those split off a shared model replay again, from the start */
	for (unsigned round = 0; ng; round++) {
		if (replay_round(&run, res, opts, round, ng, t0, err, errlen))
			goto fail;
		if (res->interrupted) {
			for (size_t i = 0; i < run.nsplit; i++)
				result_not_run(&res->variants[run.split[i]], opts, &run.host);
			break;
		}
		ng = share_plan(variants, run.split, run.nsplit, !opts->no_share, run.groups);
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
