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
 * no workers: each block is decoded into the ring's first slot and applied inline to every
 * variant in turn; with N > 1, min(N, variants) workers run beside the decoding thread. Passes
 * (--loop) rewind the decoder; a block never spans two passes. Invariants: a slot is written by
 * the decoder only when every variant has applied the block it held (its pending count is 0),
 * and read by a worker only for a variant whose next block it is; a variant is applied by one
 * worker at a time (busy). All of the ring's bookkeeping is under the engine's lock. The
 * workers wait until all have started (workers_go): a thread or barrier that cannot be had
 * stops the ones started, and the run fails with one message and nothing left set up.
 *
 * Variants that differ only in the trigger switches run as one model (replay_share.c). The
 * members a shared model drops are replayed again from the trace's start, at once, beside the
 * rest of the run: a worker notes them after the block where they left (note_split), and the
 * decoding thread starts a stream for them (the members one model dropped in one block), with
 * a reader and decoder of its own in the state the pre-pass left (decoder_clone) and a ring of
 * its own; the workers build its models. The decoding thread decodes for every stream (the one
 * with a free slot and the fewest blocks waiting first), the same workers apply every
 * stream's blocks, so --threads N stays N workers and the decoding thread; a stream whose
 * models are through is finished (results dealt) and freed. A stream started for members that
 * left a round-k model is of round k + 1 (replay_result.rounds). The pre-pass and the start
 * plan are made once, for the first stream; --no-share is one stream, one model per variant.
 * Invariants: a model's leader leads no other model, so there are at most as many models (and
 * streams) as variants; a slot of a stream's ring is written only when every model of that
 * stream has applied the block it held.
 *
 * Expected workload: a few hundred blocks per trace and stream, so a lock round per model and
 * block (about six thousand on the bundled pressure traces) costs nothing next to the apply;
 * a handful of streams.
 */
#include "replay_internal.h"
#include "trace_gaps.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#define REPLAY_BLOCK_OPS 16384
#define REPLAY_RING	 8 /* blocks decoded ahead of the slowest variant, at most */

/* One decoded block in a stream's ring. */
struct ring_slot {
	struct replay_op *ops;
	size_t n;
	unsigned pass;
	size_t pending; /* models yet to apply it; 0: free for the decoder */
};

/*
 * One replay of the trace from its start for some models: its own reader, decoder and ring.
 * Stream 0 is the first round's; a stream started for members split off a model of round k is
 * of round k + 1.
 */
struct stream {
	struct trace_reader *r; /* stream 0: the run's (not freed here) */
	struct decoder *dec;	/* stream 0: the run's */
	const struct decode_caches *dc;
	struct ring_slot ring[REPLAY_RING];
	/* blocks decoded so far; block b is in ring[b % REPLAY_RING] (inline: ring[0]) */
	uint64_t decoded;
	unsigned pass; /* the pass being decoded */
	bool in_pass;  /* decoder_begin_pass(pass) done */
	bool finished; /* no block will be decoded any more */
	bool done;     /* its models finished (results dealt) and destroyed */
	unsigned round;
	size_t first, nm;	    /* its models: e->vs[first] .. e->vs[first + nm - 1] */
	struct share_group *groups; /* per model, the variants it runs as (replay_share.c) */
};

/* A model's state: stream 0's are built before the replay; a later stream's by the workers. */
enum model_state { MODEL_UNBUILT, MODEL_READY, MODEL_FAILED /* not built: blocks skipped */ };

struct engine {
	/* every model of the run, stream by stream (a model's leader leads no other: at most one
	 * per variant), and per model its stream, state, the next block it applies (under lock),
	 * whether a worker has it (busy), the members its shared model still runs as */
	struct variant_state *vs;
	size_t *stream_of;
	unsigned char *state;
	uint64_t *next;
	bool *busy;
	uint64_t *members;
	size_t nm, max_models; /* models so far (under lock), room for */
	struct stream *streams;
	size_t ns; /* streams so far (under lock) */
	/* members split off a shared model, not yet given a stream (under lock), in the order
	 * they split, and the model each left and the block it left in: those that left one
	 * model in one block get a stream (so the grouping does not depend on timing) */
	size_t *split, *split_model;
	uint64_t *split_block;
	size_t nsplit;
	unsigned threads; /* workers, or 1 when the decoding thread applies blocks itself */
	bool use_workers;
	/* building the variants' models, done by the workers after the decoder's pre-pass */
	const struct host_desc *host;
	const struct replay_options *opts;
	unsigned cpus;
	char init_err[512];
	int init_failed;
	pthread_mutex_t init_lock;
	atomic_size_t create_next, start_next; /* stream 0's next model to build, to start */
	/* the workers and the decoding thread: after the pre-pass (and the plan), after stream
	 * 0's start states */
	pthread_barrier_t planned, built;
	bool plan_failed; /* the pre-pass failed: no start states (set before planned) */
	/* the workers wait for every one of them to start: 0 until then, 1 go, -1 stop (a worker
	 * or the barriers could not be had); under lock, announced on work */
	int workers_go;
	pthread_mutex_t lock;
	pthread_cond_t work;   /* a block was decoded, a model is to be built, or the run ends */
	pthread_cond_t room;   /* a model finished a block, or split */
	bool quit;	       /* every stream is through: the workers return */
	double decode_seconds; /* the decoding thread's CPU time in decoder_fill() (its own) */
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

static double timeval_seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/*
 * Apply one block to model m, timing it on the model's account (a model not built skips it):
 * its thread CPU time, and the kernel's split of it into user and system time with the minor
 * faults taken (two getrusage calls a block, a few hundred blocks a trace). Each getrusage
 * follows a thread_seconds(), which brings the thread's runtime up to date: getrusage alone
 * reads it as of the last update, so its delta would take in the decoding before the block.
 * The kernel splits that runtime into user and system time in the ratio of the timer ticks
 * that found the thread in each, so the split is a sample, exact only over many ticks.
 */
static void apply_block(struct engine *e, size_t m, const struct ring_slot *b)
{
	struct variant_state *v = &e->vs[m];
	struct rusage ru0, ru1;
	if (e->state[m] != MODEL_READY)
		return;
	double t0 = thread_seconds(); /* first: it brings the runtime getrusage reads up to date */
	getrusage(RUSAGE_THREAD, &ru0);
	v->pass = b->pass;
	if (v->res->spec.observe)
		variant_observe_apply(v, b->ops, b->n);
	else
		variant_apply(v, b->ops, b->n, e->streams[e->stream_of[m]].dc);
	v->res->seconds += thread_seconds() - t0;
	getrusage(RUSAGE_THREAD, &ru1);
	v->res->user_seconds += timeval_seconds(ru1.ru_utime) - timeval_seconds(ru0.ru_utime);
	v->res->sys_seconds += timeval_seconds(ru1.ru_stime) - timeval_seconds(ru0.ru_stime);
	v->res->minflt += (uint64_t)(ru1.ru_minflt - ru0.ru_minflt);
}

/*
 * After a block of model m: the members its shared model dropped in it go to e->split, to be
 * replayed from the start at once (a stream of their own). Under e->lock.
 */
static void note_split(struct engine *e, size_t m)
{
	const struct stream *st = &e->streams[e->stream_of[m]];
	const struct share_group *g = &st->groups[m - st->first];
	if (g->n < 2 || e->state[m] != MODEL_READY)
		return;
	uint64_t left = model_share_members(e->vs[m].model), gone = e->members[m] & ~left;
	e->members[m] = left;
	while (gone) {
		unsigned j = (unsigned)__builtin_ctzll(gone);
		gone &= gone - 1;
		e->split_model[e->nsplit] = m;
		e->split_block[e->nsplit] = e->next[m];
		e->split[e->nsplit++] = g->member[j];
	}
}

/*
 * The model a worker should apply next, or e->nm when none can be: built, not busy, with a
 * decoded block left in its stream; the furthest behind in the trace first (it holds its
 * ring's oldest slot, and a stream just started has the most left), then the costliest so
 * far. Under e->lock.
 */
static size_t pick_model(const struct engine *e)
{
	size_t best = e->nm;
	for (size_t i = 0; i < e->nm; i++) {
		if (e->busy[i] || e->state[i] == MODEL_UNBUILT ||
		    e->next[i] >= e->streams[e->stream_of[i]].decoded)
			continue;
		if (best == e->nm || e->next[i] < e->next[best] ||
		    (e->next[i] == e->next[best] &&
		     e->vs[i].res->seconds > e->vs[best].res->seconds))
			best = i;
	}
	return best;
}

/* A model of a later stream not built yet and not being built, or e->nm. Under e->lock. */
static size_t pick_unbuilt(const struct engine *e)
{
	for (size_t i = 0; i < e->nm; i++)
		if (e->state[i] == MODEL_UNBUILT && !e->busy[i])
			return i;
	return e->nm;
}

static void init_failed(struct engine *e, const char *err)
{
	pthread_mutex_lock(&e->init_lock);
	if (!e->init_failed++)
		snprintf(e->init_err, sizeof(e->init_err), "%s", err);
	pthread_mutex_unlock(&e->init_lock);
}

/* Model m's empty model, run as its group's members. 0, or -1 (init_failed). */
static int create_model(struct engine *e, size_t m)
{
	char err[512];
	struct variant_state *v = &e->vs[m];
	const struct stream *st = &e->streams[e->stream_of[m]];
	const struct share_group *g = &st->groups[m - st->first];

	if (variant_create(v, v->res, e->host, e->opts, e->cpus, err, sizeof(err))) {
		init_failed(e, err);
		return -1;
	}
	if (g->n > 1) {
		v->share_n = g->n;
		if (model_set_share(v->model, &g->share) != MODEL_OK) {
			init_failed(e, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* Model m's start state (warm or placed), the slow part of starting up. 0, or -1. */
static int start_model(struct engine *e, size_t m)
{
	char err[512];
	struct variant_state *v = &e->vs[m];

	if (!v->model) /* its create failed */
		return -1;
	if (variant_start(v, err, sizeof(err))) {
		init_failed(e, err);
		return -1;
	}
	v->next_sample_ns = 1000; /* a first sample at the start state */
	return 0;
}

/* A model of a later stream, built whole (by a worker, or inline). */
static enum model_state build_model(struct engine *e, size_t m)
{
	if (create_model(e, m) || start_model(e, m))
		return MODEL_FAILED;
	return MODEL_READY;
}

/* A worker: build the later streams' models and apply decoded blocks to free models until
 * every stream is through (e->quit). */
static void apply_blocks(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	for (;;) {
		size_t i = pick_unbuilt(e);
		if (i < e->nm) {
			e->busy[i] = true;
			pthread_mutex_unlock(&e->lock);
			enum model_state s = build_model(e, i);
			pthread_mutex_lock(&e->lock);
			e->state[i] = (unsigned char)s;
			e->busy[i] = false;
			pthread_cond_broadcast(&e->work);
			pthread_cond_signal(&e->room);
			continue;
		}
		i = pick_model(e);
		if (i == e->nm) {
			if (e->quit)
				break;
			pthread_cond_wait(&e->work, &e->lock);
			continue;
		}
		struct stream *st = &e->streams[e->stream_of[i]];
		struct ring_slot *b = &st->ring[e->next[i] % REPLAY_RING];
		e->busy[i] = true;
		pthread_mutex_unlock(&e->lock);
		apply_block(e, i, b);
		pthread_mutex_lock(&e->lock);
		e->busy[i] = false;
		e->next[i]++;
		b->pending--;
		note_split(e, i);
		pthread_cond_signal(&e->room); /* a free slot, a split, or a stream through */
	}
	pthread_mutex_unlock(&e->lock);
}

/* Build stream 0's empty models, beside the pre-pass: each worker takes the next model not
 * yet built. */
static void create_variants(struct engine *e)
{
	for (;;) {
		size_t i = atomic_fetch_add(&e->create_next, 1);
		if (i >= e->streams[0].nm)
			return;
		create_model(e, i);
	}
}

/* Give stream 0's models their start states once the pre-pass has made the plan: each worker
 * takes the next model, so a worker with the cheaper starts builds more. */
static void start_variants(struct engine *e)
{
	for (;;) {
		size_t i = atomic_fetch_add(&e->start_next, 1);
		if (i >= e->streams[0].nm)
			return;
		/* MODEL_FAILED until then; read after the built barrier */
		if (!start_model(e, i))
			e->state[i] = MODEL_READY;
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

struct worker_arg {
	struct engine *e;
	unsigned id;
};

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
	bool sync_ready; /* the engine's locks and conditions are initialised */
	bool barriers;	 /* planned and built are initialised */
	const struct replay_variant_spec *specs; /* the variants asked for */
	size_t nv;
	/* scratch, nv each: the split members taken for a stream; the members
	 * share_deal_results finds split */
	size_t *fresh, *dealt;
	uint64_t apart;	      /* knobs whose differing members are planned apart (share_plan) */
	uint64_t events_done; /* events decoded by the streams already freed (progress) */
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

/* A stream's ring, groups, and (but stream 0's, the run's) reader and decoder. */
static void stream_free(struct run *run, struct stream *st)
{
	for (unsigned k = 0; k < REPLAY_RING; k++) {
		free(st->ring[k].ops);
		st->ring[k].ops = NULL;
	}
	free(st->groups);
	st->groups = NULL;
	if (st->dec)
		run->events_done += decoder_events_done(st->dec);
	if (st->dec && st->dec != run->dec)
		decoder_destroy(st->dec);
	if (st->r && st->r != run->r)
		trace_reader_close(st->r);
	st->dec = NULL;
	st->r = NULL;
}

/* The workers told to return once every model has applied every block decoded, and joined. */
static void stop_workers(struct run *run)
{
	struct engine *e = &run->e;

	if (!run->started)
		return;
	pthread_mutex_lock(&e->lock);
	for (size_t s = 0; s < e->ns; s++)
		e->streams[s].finished = true;
	for (size_t i = 0; i < e->nm; i++)
		if (e->state[i] == MODEL_UNBUILT && !e->busy[i])
			e->state[i] = MODEL_FAILED;
	e->quit = true;
	pthread_cond_broadcast(&e->work);
	pthread_mutex_unlock(&e->lock);
	for (unsigned i = 0; i < run->started; i++)
		pthread_join(run->tids[i], NULL);
	run->started = 0;
}

static void run_cleanup(struct run *run)
{
	struct engine *e = &run->e;

	stop_workers(run);
	if (run->barriers) {
		pthread_barrier_destroy(&e->planned);
		pthread_barrier_destroy(&e->built);
	}
	free(run->tids);
	free(run->args);
	for (size_t i = 0; i < e->nm; i++)
		if (e->vs[i].model)
			variant_destroy(&e->vs[i]);
	for (size_t s = 0; e->streams && s < e->max_models; s++)
		stream_free(run, &e->streams[s]);
	free(e->streams);
	free(e->vs);
	free(e->stream_of);
	free(e->state);
	free(e->next);
	free(e->busy);
	free(e->members);
	free(e->split);
	free(e->split_model);
	free(e->split_block);
	free(run->fresh);
	free(run->dealt);
	if (run->sync_ready) {
		pthread_mutex_destroy(&e->lock);
		pthread_mutex_destroy(&e->init_lock);
		pthread_cond_destroy(&e->work);
		pthread_cond_destroy(&e->room);
	}
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

static int ring_alloc(struct stream *st)
{
	for (unsigned k = 0; k < REPLAY_RING; k++)
		if (!(st->ring[k].ops = malloc(REPLAY_BLOCK_OPS * sizeof(struct replay_op))))
			return -1;
	return 0;
}

/* Hand a decoded block to the stream's models: to the workers, or inline to each in turn. */
static void stream_publish(struct engine *e, struct stream *st, struct ring_slot *b, size_t n,
			   unsigned pass)
{
	b->n = n;
	b->pass = pass;
	if (!e->use_workers) {
		st->decoded++;
		for (size_t m = st->first; m < st->first + st->nm; m++) {
			apply_block(e, m, b);
			pthread_mutex_lock(&e->lock);
			e->next[m]++;
			note_split(e, m);
			pthread_mutex_unlock(&e->lock);
		}
		return;
	}
	pthread_mutex_lock(&e->lock);
	b->pending = st->nm;
	st->decoded++;
	pthread_cond_broadcast(&e->work);
	pthread_mutex_unlock(&e->lock);
}

/* Decode the stream's next block into its next slot (free: the caller saw it) and publish it.
 * Returns 1, 0 when every pass is decoded, -1 on error (err set). */
static int stream_decode(struct engine *e, struct stream *st, char *err, size_t errlen)
{
	for (;;) {
		if (!st->in_pass) {
			if (st->pass == e->opts->loops)
				return 0;
			if (decoder_begin_pass(st->dec, st->pass, err, errlen))
				return -1;
			st->in_pass = true;
		}
		/* inline (no workers), a block is applied before the next is decoded: one slot,
		 * whose ops the variants then read while they are still in the cache */
		struct ring_slot *b = &st->ring[e->use_workers ? st->decoded % REPLAY_RING : 0];
		double t0 = thread_seconds();
		long n = decoder_fill(st->dec, b->ops, REPLAY_BLOCK_OPS, err, errlen);
		e->decode_seconds += thread_seconds() - t0;
		if (n < 0)
			return -1;
		if (n > 0) {
			stream_publish(e, st, b, (size_t)n, st->pass);
			return 1;
		}
		st->in_pass = false;
		st->pass++;
	}
}

/* Whether every model of the stream has applied every block it will get. Under e->lock. */
static bool stream_through(const struct engine *e, const struct stream *st)
{
	if (!st->finished)
		return false;
	for (size_t m = st->first; m < st->first + st->nm; m++)
		if (e->busy[m] || e->state[m] == MODEL_UNBUILT || e->next[m] < st->decoded)
			return false;
	return true;
}

/* Blocks decoded and not yet applied by the stream's slowest model. Under e->lock. */
static uint64_t stream_ahead(const struct engine *e, const struct stream *st)
{
	uint64_t least = st->decoded;
	for (size_t m = st->first; m < st->first + st->nm; m++)
		if (e->next[m] < least)
			least = e->next[m];
	return st->decoded - least;
}

/*
 * A stream for the n members in run->fresh (split off one model of stream parent in one
 * block), which replays the trace from its start with a decoder of its own, in the state the
 * pre-pass left (decoder_clone), while the others go on. early: the parent had blocks still
 * to apply. The workers build its models (inline: here). Returns 0, or -1 with err set.
 */
static int stream_start(struct run *run, struct replay_result *res, size_t n, size_t parent,
			bool early, char *err, size_t errlen)
{
	struct engine *e = &run->e;
	struct stream *st = &e->streams[e->ns]; /* written only by this thread */
	const char *path = res->trace.path;
	unsigned round = e->streams[parent].round + 1;

	if (e->ns == e->max_models) {
		snprintf(err, errlen, "%s: internal error: more split-off streams than variants",
			 path);
		return -1;
	}
	/* the file the run opened, not whatever its path names now */
	if (trace_reader_reopen(run->r, &st->r)) {
		snprintf(err, errlen, "%s", st->r ? trace_reader_error(st->r) : path);
		return -1;
	}
	if (decoder_clone(run->dec, st->r, &st->dec, err, errlen))
		return -1;
	st->dc = decoder_caches(st->dec);
	st->groups = calloc(n, sizeof(*st->groups));
	if (!st->groups || ring_alloc(st)) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	size_t ng =
		share_plan(run->specs, run->fresh, n, !e->opts->no_share, run->apart, st->groups);
	if (e->nm + ng > e->max_models) {
		snprintf(err, errlen, "%s: internal error: more models than variants", path);
		return -1;
	}
	st->round = round;
	st->first = e->nm;
	st->nm = ng;
	for (size_t g = 0; g < ng; g++) {
		size_t m = st->first + g;
		e->vs[m].res = &res->variants[st->groups[g].member[0]];
		e->stream_of[m] = e->ns;
		e->members[m] = st->groups[g].share.members;
		e->state[m] = MODEL_UNBUILT;
	}
	res->models += (unsigned)ng;
	if (round + 1 > res->rounds)
		res->rounds = round + 1;
	res->early_starts += early;
	if (!e->use_workers)
		for (size_t m = st->first; m < st->first + ng; m++)
			e->state[m] = (unsigned char)build_model(e, m);
	pthread_mutex_lock(&e->lock);
	e->ns++;
	e->nm += ng;
	pthread_cond_broadcast(&e->work);
	pthread_mutex_unlock(&e->lock);
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

/*
 * A stream whose models are through: each sampled to the end, checked, its result dealt to the
 * members it still runs as (replay_share.c), destroyed; then the stream's decoder and ring go.
 * The members it dropped were given streams as they split (note_split): share_deal_results
 * must find the same ones. Returns 0, or -1 with err set.
 */
static int finish_stream(struct run *run, struct replay_result *res, struct stream *st, char *err,
			 size_t errlen)
{
	struct engine *e = &run->e;
	const char *path = res->trace.path;

	for (size_t m = st->first; m < st->first + st->nm; m++) {
		struct variant_state *v = &e->vs[m];
		const struct share_group *g = &st->groups[m - st->first];
		if (e->state[m] != MODEL_READY) { /* a stopped run's, never built */
			for (unsigned j = 0; j < g->n; j++)
				result_not_run(&res->variants[g->member[j]], e->opts, &run->host);
			continue;
		}
		variant_finish(v, v->last_ts + 1);
		variant_compaction_finish(v);
		if (v->res->spec.observe)
			variant_observe_agreement(v);
		replay_equilibrium_find(v->res->samples, v->res->nr_samples, e->opts->sample_ns,
					&v->res->eq);
		if (v->check_failure) {
			snprintf(err, errlen, "%s: variant %s: model check failed: %s", path,
				 v->res->spec.name, v->check_failure);
			return -1;
		}
		uint64_t left = model_share_members(v->model);
		size_t nd = 0;
		if (share_deal_results(res, g, left, v->share_absorbed, st->round, &run->host,
				       run->dealt, &nd)) {
			snprintf(err, errlen, "%s: out of memory", path);
			return -1;
		}
		if (g->n > 1 && left != e->members[m]) {
			snprintf(err, errlen,
				 "%s: internal error: variant %s's model split without "
				 "notice",
				 path, v->res->spec.name);
			return -1;
		}
		res->splits += (unsigned)nd;
		variant_destroy(v);
	}
	stream_free(run, st);
	return 0;
}

/*
 * Whether the decoding thread serves stream a before b: fewer blocks waiting, then (inline,
 * where none wait: --threads 1) fewer decoded, so a split-off stream is decoded beside the
 * one it left instead of after it. Under e->lock.
 */
static bool stream_before(const struct engine *e, const struct stream *a, const struct stream *b)
{
	uint64_t wa = stream_ahead(e, a), wb = stream_ahead(e, b);
	return wa < wb || (wa == wb && a->decoded < b->decoded);
}

/*
 * Report progress: the events every stream decoded, of the events every stream started so far
 * will; one bar for the whole run (a split-off stream adds to both). Short of the end (final
 * false) the bar stays below 100%, which ends it, since a stream may still split off.
 */
static void show_progress(struct run *run, uint64_t per_stream, bool final)
{
	const struct replay_options *o = run->e.opts;
	uint64_t done = run->events_done;
	for (size_t s = 0; s < run->e.ns; s++)
		if (run->e.streams[s].dec)
			done += decoder_events_done(run->e.streams[s].dec);
	uint64_t total = per_stream * run->e.ns;
	unsigned pass = run->e.streams[0].pass;
	if (!final && done >= total)
		done = total ? total - 1 : 0;
	o->progress(o->progress_ctx, done, total, pass < o->loops ? pass : o->loops - 1, o->loops);
}

/*
 * Start a stream for the members the first model on the split list dropped in that block (the
 * rest stay listed). Called and returns with e->lock held; drops it meanwhile. 0, or -1 (err).
 */
static int start_split_stream(struct run *run, struct replay_result *res, char *err, size_t errlen)
{
	struct engine *e = &run->e;
	size_t n = 0, m = e->split_model[0], left = 0;

	for (size_t k = 0; k < e->nsplit; k++) {
		if (e->split_model[k] == m && e->split_block[k] == e->split_block[0]) {
			run->fresh[n++] = e->split[k];
			continue;
		}
		e->split[left] = e->split[k];
		e->split_model[left] = e->split_model[k];
		e->split_block[left++] = e->split_block[k];
	}
	e->nsplit = left;
	bool early = !stream_through(e, &e->streams[e->stream_of[m]]);
	pthread_mutex_unlock(&e->lock);
	int rc = stream_start(run, res, n, e->stream_of[m], early, err, errlen);
	pthread_mutex_lock(&e->lock);
	return rc;
}

/*
 * The decoding thread's next duty, under e->lock: the index of a stream whose models are all
 * through (to finish), or e->ns with *pick the stream to decode a block for (e->ns: none has
 * a free slot), or e->ns + 1 when every stream is done.
 */
static size_t next_stream(const struct engine *e, size_t *pick)
{
	bool all_done = true;

	*pick = e->ns;
	for (size_t s = 0; s < e->ns; s++) {
		const struct stream *st = &e->streams[s];
		if (st->done)
			continue;
		all_done = false;
		if (stream_through(e, st))
			return s;
		if (st->finished || st->ring[st->decoded % REPLAY_RING].pending)
			continue;
		if (*pick == e->ns || stream_before(e, st, &e->streams[*pick]))
			*pick = s;
	}
	return all_done ? e->ns + 1 : e->ns;
}

/*
 * The replay once the first streams' models are built: the decoding thread decodes, for the
 * stream with a free slot that has the fewest blocks waiting (stream_before()), the next
 * block; starts a stream as soon as members split off a shared model; finishes each stream
 * once its models are through. Stopped or failed, no stream decodes more and every model applies what was decoded.
 * Returns 0, 1 when stopped, -1 on error (err set).
 */
static int run_streams(struct run *run, struct replay_result *res, char *err, size_t errlen)
{
	struct engine *e = &run->e;
	const struct replay_options *o = e->opts;
	uint64_t per_stream = trace_reader_summary(run->r)->events * o->loops;
	double last_progress = 0;
	int rc = 0;

	pthread_mutex_lock(&e->lock);
	for (;;) {
		if (!rc && e->init_failed) {
			snprintf(err, errlen, "%s: %s", res->trace.path, e->init_err);
			rc = -1;
		}
		if (rc) {
			for (size_t s = 0; s < e->ns; s++)
				e->streams[s].finished = true;
			for (size_t i = 0; i < e->nm; i++)
				if (e->state[i] == MODEL_UNBUILT && !e->busy[i])
					e->state[i] = MODEL_FAILED;
		}
		if (e->nsplit && !rc) {
			if (start_split_stream(run, res, err, errlen))
				rc = -1;
			continue;
		}
		size_t pick, s = next_stream(e, &pick);
		bool all_done = s == e->ns + 1;
		if (s < e->ns) {
			pthread_mutex_unlock(&e->lock);
			if (rc >= 0 && finish_stream(run, res, &e->streams[s], err, errlen))
				rc = -1;
			pthread_mutex_lock(&e->lock);
			e->streams[s].done = true;
			continue;
		}
		if (all_done && (!e->nsplit || rc))
			break;
		if (pick == e->ns) {
			pthread_cond_wait(&e->room, &e->lock);
			continue;
		}
		pthread_mutex_unlock(&e->lock);
		int k = stream_decode(e, &e->streams[pick], err, errlen);
		if (o->progress && wall_seconds() - last_progress > 0.2) {
			last_progress = wall_seconds();
			show_progress(run, per_stream, false);
		}
		pthread_mutex_lock(&e->lock);
		if (k == 0)
			e->streams[pick].finished = true;
		else if (k < 0)
			rc = -1;
		else if (o->stop && *o->stop)
			rc = 1;
	}
	e->quit = true;
	pthread_cond_broadcast(&e->work);
	pthread_mutex_unlock(&e->lock);
	if (!rc && o->progress)
		show_progress(run, per_stream, true);
	return rc;
}

/*
 * The first stream's models (run->e.streams[0].groups, ng of them) built beside the pre-pass,
 * then every stream replayed (run_streams). Returns 0, or -1 with err set.
 */
static int replay_run(struct run *run, struct replay_result *res, const struct replay_options *opts,
		      size_t ng, double t0, char *err, size_t errlen)
{
	struct engine *e = &run->e;
	struct stream *st = &e->streams[0];
	int rc;

	st->r = run->r;
	st->dec = run->dec;
	st->dc = decoder_caches(run->dec);
	st->nm = ng;
	if (ring_alloc(st)) {
		snprintf(err, errlen, "%s: out of memory", res->trace.path);
		return -1;
	}
	for (size_t m = 0; m < ng; m++) {
		e->vs[m].res = &res->variants[st->groups[m].member[0]];
		e->members[m] = st->groups[m].share.members;
		e->state[m] = MODEL_FAILED; /* start_variants makes it ready */
	}
	e->ns = 1;
	e->nm = ng;
	res->models = (unsigned)ng;
	res->rounds = 1;
	/* with more than one thread the decoder runs beside the workers, so even one variant
	 * gets a worker; there are never more workers than variants (the split-off streams'
	 * models are built and applied by the same workers) */
	e->use_workers = opts->threads > 1;
	e->threads = opts->threads < 1	       ? 1
		     : opts->threads > run->nv ? (unsigned)run->nv
					       : opts->threads;
	res->threads = e->use_workers ? e->threads + 1 : 1;
	/* the workers build the empty models while this thread runs the pre-pass; the start
	 * states wait for it: the warm start's pageblock tags follow the types it saw */
	if (e->use_workers && start_workers(run, err, errlen))
		return -1;
	if (!e->use_workers)
		create_variants(e);
	rc = prepass(run, err, errlen);
	res->prepass_seconds = wall_seconds() - t0 - res->load_seconds;
	if (e->use_workers) {
		e->plan_failed = rc != 0;
		pthread_barrier_wait(&e->planned);
		pthread_barrier_wait(&e->built);
	} else if (!rc) {
		start_variants(e);
	}
	if (rc)
		return -1;
	res->calib = st->dc->calib;
	if (e->init_failed) {
		snprintf(err, errlen, "%s: %s", res->trace.path, e->init_err);
		return -1;
	}
	res->setup_seconds = wall_seconds() - t0;
	res->build_seconds = res->setup_seconds - res->load_seconds - res->prepass_seconds;
	rc = run_streams(run, res, err, errlen);
	if (rc < 0)
		return -1;
	res->interrupted = rc == 1;
	res->decode_seconds = e->decode_seconds;
	res->trace.malformed_events = decoder_malformed(run->dec) / opts->loops;
	decoder_host_figures(run->dec, &res->trace.host);
	host_timeline_info(&run->host, &res->trace.timeline);
	res->trace.kswapd_traced = decoder_kswapd_traced(run->dec);
	res->trace.kswapd_unknown_nid = decoder_kswapd_unknown_nid(run->dec);
	/* stopped: the members split off and not given a stream yet were never replayed */
	for (size_t i = 0; i < e->nsplit; i++)
		result_not_run(&res->variants[e->split[i]], opts, &run->host);
	return 0;
}

int replay_trace(const char *path, const struct replay_options *opts,
		 const struct replay_variant_spec *variants, size_t nv, struct replay_result **out,
		 char *err, size_t errlen)
{
	struct run run;
	struct engine *e = &run.e;
	struct replay_result *res = calloc(1, sizeof(*res));
	double t0 = wall_seconds();
	int rc;

	memset(&run, 0, sizeof(run));
	*out = NULL;
	if (!res || !nv)
		goto nomem;
	rc = engine_sync_init(e);
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
	/* before the trace's figures are taken: they count what was rewound */
	if (opts->start_rewind && host_start_rewind(run.r, &run.host, err, errlen))
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
	/* at most one model per variant (a model's leader leads no other), so as many streams */
	res->variants = calloc(nv, sizeof(*res->variants));
	e->max_models = nv;
	e->vs = calloc(nv, sizeof(*e->vs));
	e->stream_of = calloc(nv, sizeof(*e->stream_of));
	e->state = calloc(nv, sizeof(*e->state));
	e->next = calloc(nv, sizeof(*e->next));
	e->busy = calloc(nv, sizeof(*e->busy));
	e->members = calloc(nv, sizeof(*e->members));
	e->streams = calloc(nv, sizeof(*e->streams));
	e->split = calloc(nv, sizeof(*e->split));
	e->split_model = calloc(nv, sizeof(*e->split_model));
	e->split_block = calloc(nv, sizeof(*e->split_block));
	run.fresh = calloc(nv, sizeof(*run.fresh));
	run.dealt = calloc(nv, sizeof(*run.dealt));
	if (!res->variants || !e->vs || !e->stream_of || !e->state || !e->next || !e->busy ||
	    !e->members || !e->streams || !e->split || !e->split_model || !e->split_block ||
	    !run.fresh || !run.dealt ||
	    !(e->streams[0].groups = calloc(nv, sizeof(struct share_group))))
		goto nomem;
	res->nr_variants = nv;
	run.specs = variants;
	run.nv = nv;
	e->host = &run.host;
	e->opts = opts;
	e->cpus = trace_reader_header(run.r)->cpu_count;
	for (size_t i = 0; i < nv; i++) {
		res->variants[i].spec = variants[i];
		run.fresh[i] = i;
	}
	/* the variants that may share a model, grouped (replay_share.c) */
	struct share_group *groups = e->streams[0].groups;
	run.apart = opts->no_share ? 0 : share_apart_knobs(&run.host);
	/* kept (and reported) only where it parts some variants */
	if (run.apart && share_plan(variants, run.fresh, nv, true, run.apart, groups) ==
				 share_plan(variants, run.fresh, nv, true, 0, groups))
		run.apart = 0;
	res->share_apart = run.apart;
	size_t ng = share_plan(variants, run.fresh, nv, !opts->no_share, run.apart, groups);
	res->load_seconds = wall_seconds() - t0;
	if (replay_run(&run, res, opts, ng, t0, err, errlen))
		goto fail;
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
		free(r->variants[i].timeline);
		free(r->variants[i].regions);
	}
	free(r->variants);
	free(r->trace.lost_cpus);
	free(r);
}
