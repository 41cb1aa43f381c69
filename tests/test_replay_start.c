// SPDX-License-Identifier: GPL-2.0
/*
 * test_replay_start.c - replay_trace() when its threads or their synchronisation cannot be had.
 *
 * The test is linked with -Wl,--wrap for pthread_create, pthread_join and the init and destroy
 * calls of mutexes, conditions and barriers (tests/CMakeLists.txt): while armed, the wrappers
 * count every call and make the n-th call of one kind fail with EAGAIN. For each failure
 * injected in turn (the first and a later worker thread, either barrier, each lock and
 * condition) the replay must return -1 with its one error message and no result, and leave
 * nothing behind: every thread started joined, every mutex, condition and barrier initialised
 * destroyed (a hang here, the workers waiting at a barrier for peers never started, was the
 * defect: ctest's TIMEOUT ends it). Unarmed, the wrappers pass every call through and a
 * 3-thread replay equals the 1-thread one. The leak checker of the sanitizer build covers the
 * memory.
 */
#include "check.h"
#include "replay.h"
#include "synth_workload.h"
#include "test_tmp.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

enum call { CREATE, MUTEX_INIT, COND_INIT, BARRIER_INIT, NR_CALLS };
static const char *const call_names[NR_CALLS] = { "pthread_create", "pthread_mutex_init",
						  "pthread_cond_init", "pthread_barrier_init" };

/* Counted while armed; the calls run on several threads, hence the atomics. */
static _Atomic int armed;
static _Atomic unsigned calls[NR_CALLS]; /* calls made */
static _Atomic int done[NR_CALLS];	 /* successes less their undoing (join or destroy) */
static enum call fail_call;
static unsigned fail_at; /* 1-based; 0: no failure */

static bool inject(enum call c)
{
	if (!armed)
		return false;
	unsigned n = ++calls[c];
	return c == fail_call && n == fail_at;
}

int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *p);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *p);
int __real_pthread_join(pthread_t t, void **ret);
int __wrap_pthread_join(pthread_t t, void **ret);
int __real_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a);
int __wrap_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a);
int __real_pthread_mutex_destroy(pthread_mutex_t *m);
int __wrap_pthread_mutex_destroy(pthread_mutex_t *m);
int __real_pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a);
int __wrap_pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a);
int __real_pthread_cond_destroy(pthread_cond_t *c);
int __wrap_pthread_cond_destroy(pthread_cond_t *c);
int __real_pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *a, unsigned n);
int __wrap_pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *a, unsigned n);
int __real_pthread_barrier_destroy(pthread_barrier_t *b);
int __wrap_pthread_barrier_destroy(pthread_barrier_t *b);

/* One call that makes something (a thread, a lock): fails when injected, else counted. */
#define WRAP_MAKE(c, real_call)                                                                    \
	do {                                                                                       \
		if (inject(c))                                                                     \
			return EAGAIN;                                                             \
		int rc_ = real_call;                                                               \
		if (!rc_ && armed)                                                                 \
			done[c]++;                                                                 \
		return rc_;                                                                        \
	} while (0)
#define WRAP_UNDO(c, real_call)                                                                    \
	do {                                                                                       \
		int rc_ = real_call;                                                               \
		if (!rc_ && armed)                                                                 \
			done[c]--;                                                                 \
		return rc_;                                                                        \
	} while (0)

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *p)
{
	WRAP_MAKE(CREATE, __real_pthread_create(t, a, f, p));
}
int __wrap_pthread_join(pthread_t t, void **ret)
{
	WRAP_UNDO(CREATE, __real_pthread_join(t, ret));
}
int __wrap_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
	WRAP_MAKE(MUTEX_INIT, __real_pthread_mutex_init(m, a));
}
int __wrap_pthread_mutex_destroy(pthread_mutex_t *m)
{
	WRAP_UNDO(MUTEX_INIT, __real_pthread_mutex_destroy(m));
}
int __wrap_pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a)
{
	WRAP_MAKE(COND_INIT, __real_pthread_cond_init(c, a));
}
int __wrap_pthread_cond_destroy(pthread_cond_t *c)
{
	WRAP_UNDO(COND_INIT, __real_pthread_cond_destroy(c));
}
int __wrap_pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *a, unsigned n)
{
	WRAP_MAKE(BARRIER_INIT, __real_pthread_barrier_init(b, a, n));
}
int __wrap_pthread_barrier_destroy(pthread_barrier_t *b)
{
	WRAP_UNDO(BARRIER_INIT, __real_pthread_barrier_destroy(b));
}

static const char *const variant_names[] = { "mainline", "spb", "spb+all" };
#define NV (sizeof(variant_names) / sizeof(variant_names[0]))

/* Replay path with threads, armed to fail the n-th call c (n 0: none); counts reset. */
static bool share; /* let spb and spb+all share a model (rounds), or not */

static int replay_armed(const char *path, unsigned threads, enum call c, unsigned n,
			struct replay_result **r, char *err, size_t errlen)
{
	struct replay_variant_spec specs[NV];
	struct replay_options o = {
		.start = REPLAY_WARM,
		.loops = 1,
		.threads = threads,
		.sample_ns = 100000000,
		.no_share = !share /* unshared: a model per variant, one round, three workers */
	};
	for (size_t i = 0; i < NV; i++)
		CHECK_FATAL(replay_variant_parse(variant_names[i], &specs[i], err, errlen) == 0);
	for (int k = 0; k < NR_CALLS; k++) {
		calls[k] = 0;
		done[k] = 0;
	}
	fail_call = c;
	fail_at = n;
	err[0] = 0;
	armed = 1;
	int rc = replay_trace(path, &o, specs, NV, r, err, errlen);
	armed = 0;
	return rc;
}

/* Nothing the replay made is left: threads joined, locks, conditions and barriers destroyed. */
static void check_balanced(const char *what)
{
	for (int k = 0; k < NR_CALLS; k++)
		CHECK(done[k] == 0, "%s: %s: %d made and not undone", what, call_names[k],
		      (int)done[k]);
}

static void test_failure(const char *path, enum call c, unsigned n, const char *expect)
{
	struct replay_result *r = (struct replay_result *)1;
	char err[512], what[96];
	snprintf(what, sizeof(what), "%s #%u failing", call_names[c], n);
	int rc = replay_armed(path, 3, c, n, &r, err, sizeof(err));
	CHECK(rc == -1, "%s: replay returned %d", what, rc);
	CHECK(r == NULL, "%s: a result was returned", what);
	CHECK(strstr(err, expect), "%s: error \"%s\", expected \"%s\"", what, err, expect);
	CHECK(calls[c] >= n, "%s: only %u calls: nothing injected", what, (unsigned)calls[c]);
	check_balanced(what);
	printf("replay_start: %s: \"%s\"\n", what, err);
}

int main(void)
{
	char path[64], err[512];
	test_tmp_path(path, sizeof(path), "replay-start.fgt");
	struct synth_workload_params p = {
		.workload = "mixed", .mem_bytes = 1ull << 30, .duration_s = 1, .seed = 3, .cpus = 2
	};
	struct synth_workload_stats st;
	CHECK_FATAL(synth_workload_write(&p, path, &st, err, sizeof(err)) == 0, "%s", err);

	/* unarmed failures: none; three workers give the one thread's results */
	struct replay_result *one, *three;
	CHECK_FATAL(replay_armed(path, 1, CREATE, 0, &one, err, sizeof(err)) == 0, "%s", err);
	check_balanced("1 thread");
	CHECK_FATAL(replay_armed(path, 3, CREATE, 0, &three, err, sizeof(err)) == 0, "%s", err);
	check_balanced("3 threads");
	CHECK_EQ(calls[CREATE], 3);
	CHECK_EQ(calls[BARRIER_INIT], 2);
	CHECK_EQ(one->nr_variants, three->nr_variants);
	for (size_t i = 0; i < one->nr_variants && i < three->nr_variants; i++) {
		CHECK_EQ(one->variants[i].nr_samples, three->variants[i].nr_samples);
		CHECK(!memcmp(&one->variants[i].final, &three->variants[i].final,
			      sizeof(one->variants[i].final)));
	}
	unsigned mutexes = calls[MUTEX_INIT], conds = calls[COND_INIT];
	replay_result_free(one);
	replay_result_free(three);

	/* the first worker, a later one (the first started waits for it), the last */
	test_failure(path, CREATE, 1, "cannot start worker thread 1 of 3");
	test_failure(path, CREATE, 2, "cannot start worker thread 2 of 3");
	test_failure(path, CREATE, 3, "cannot start worker thread 3 of 3");
	/* the barriers, every worker started */
	test_failure(path, BARRIER_INIT, 1, "barriers");
	test_failure(path, BARRIER_INIT, 2, "barriers");
	/* each lock and condition the replay sets up */
	for (unsigned k = 1; k <= mutexes; k++)
		test_failure(path, MUTEX_INIT, k, "cannot");
	for (unsigned k = 1; k <= conds; k++)
		test_failure(path, COND_INIT, k, "cannot");

	/* shared: spb and spb+all split on this trace; spb+all's second replay is started at
	 * once, with a reader and decoder of its own, by the same three workers (one per
	 * variant) and no more threads, locks or barriers: the last worker failing stops the
	 * run as cleanly */
	share = true;
	CHECK_FATAL(replay_armed(path, 3, CREATE, 0, &three, err, sizeof(err)) == 0, "%s", err);
	check_balanced("3 threads, shared");
	CHECK_EQ(three->rounds, 2);
	CHECK_EQ(three->models, 3);
	replay_result_free(three);
	CHECK_EQ(calls[CREATE], 3);
	CHECK_EQ(calls[BARRIER_INIT], 2);
	CHECK_EQ(calls[MUTEX_INIT], mutexes);
	CHECK_EQ(calls[COND_INIT], conds);
	test_failure(path, CREATE, 3, "cannot start worker thread 3 of 3");
	unlink(path);
	return test_summary("replay_start");
}
