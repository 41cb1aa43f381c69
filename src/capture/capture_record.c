// SPDX-License-Identifier: GPL-2.0
/*
 * capture_record.c - the recording: a private ftrace instance, per-CPU readers, events in
 * global time order into a .fgt file, snapshots and loss accounting, and a clean exit on every
 * path.
 *
 * The instance is "fragtrace-<pid>", created for the run and removed on every exit path: normal
 * end, errors, SIGINT/SIGTERM/SIGHUP (first: stop, drain, finalise; second: finalise without
 * draining), and fatal signals (the handler closes every descriptor, then removes the instance
 * directory and re-raises). Instances left by a recorder killed with SIGKILL are removed by
 * capture_remove_stale (`record --cleanup`) and by the next run (their pid is gone); nobody else's instance and nothing of the top-level instance is touched, and no
 * function-tracer file is opened. Every task of the recorder is kept out of the instance's slab
 * object events (their filters name every tid; event-fork off so the workload stays traced);
 * its page events stay: its pages and its refills of the per-CPU lists are the host's.
 *
 * Reading: one thread polls every CPU's ring buffer (trace_pipe_raw, non-blocking) in rounds
 * and queues the events per CPU in the merge (capture_merge.c). A CPU read until empty has
 * given every event older than the start of the previous round; a CPU a round left unfinished
 * (at most 4096 sub-buffers a round) only up to the last event read from it. The merge writes
 * events older than the least of these less its hold-back, at most EMIT_PER_ROUND a round, so
 * reading comes first. A sub-buffer's missed-events count becomes a lost marker at its place
 * in the stream; each CPU's overrun and dropped counters are stored at the start and the end,
 * and how the recorder kept up as capture/keepup. Memory: what the hold-back and a backlog
 * (BACKLOG_MAX) hold, locked as it is touched.
 *
 * Snapshots: the text ones and the counters first, then tracing starts and the start page map
 * is walked with the ring buffers read between its ranges; at the end the end page map, the
 * recorder's own pages and the text snapshots are read before tracing stops, so no page the
 * host allocates or frees before a page map reads it is missing from the stream.
 */
#include "capture_internal.h"
#include "crc32c.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <kbuffer.h>
#include <mntent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_BUFFER_KB 32768
#define BLOB_MAX	  4096
/*
 * Events merged, compressed and written between two reads of the ring buffers, and events per
 * compressed chunk: reading comes first, so the time between reads stays short while a backlog
 * waits in the recorder's (locked) memory instead of the kernel's fixed-size buffers.
 */
#define EMIT_PER_ROUND 16384
#define BACKLOG_MAX    (1u << 21) /* queued events beyond which a round emits all it can */
#define CHUNK_EVENTS   65536
/*
 * zstd level of a recording: level 1 encodes a third faster than the writer's default (3) for
 * about 5% more bytes (bench/format), and the recorder's CPU is what competes with the host.
 */
#define RECORD_ZSTD_LEVEL 1

static char instance_dir[4096]; /* for capture_fatal_cleanup's rmdir */

/*
 * The slab object events' filter files set by exclude_own_tasks(), for the fatal path. Setting
 * an event's filter raises a kernel-wide count (trace_buffered_event_enable(): a page per CPU
 * while any filtered event exists) that only writing "0" to the filter lowers again; removing
 * the instance frees the filter without lowering it on some kernels. So every way out clears
 * them first: teardown() through libtracefs, the fatal path by these paths.
 */
#define FILTERED_MAX 8
static char filter_paths[FILTERED_MAX][4096];
static int nr_filter_paths;

/*
 * A crash must not leave the instance behind. The kernel refuses to remove an instance while
 * any of its files is open (EBUSY), so every descriptor goes first: the ring-buffer readers and
 * the trace file (whose written bytes are already the kernel's); then the filters are cleared.
 * close_range, open, write, close and rmdir are async-signal-safe.
 */
void capture_fatal_cleanup(void)
{
	if (instance_dir[0]) {
		close_range(3, ~0u, 0);
		for (int i = 0; i < nr_filter_paths; i++) {
			int fd = open(filter_paths[i], O_WRONLY | O_CLOEXEC);
			if (fd >= 0) {
				ssize_t w = write(fd, "0", 1);
				(void)w;
				close(fd);
			}
		}
		rmdir(instance_dir);
	}
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Whether a tracefs is mounted anywhere (libtracefs mounts one when none is). */
static bool any_tracefs_mounted(void)
{
	FILE *f = setmntent("/proc/mounts", "r");
	const struct mntent *e;
	bool found = false;

	while (f && !found && (e = getmntent(f)))
		found = !strcmp(e->mnt_type, "tracefs");
	if (f)
		endmntent(f);
	return found;
}

/* Instances of earlier recorders whose process is gone (a SIGKILL leaves one behind). */
static int remove_stale_instances(const char *tracing_dir, char *removed, size_t len)
{
	char path[4096];
	int count = 0;
	size_t used = 0;

	if (len)
		removed[0] = 0;
	snprintf(path, sizeof(path), "%s/instances", tracing_dir);
	DIR *d = opendir(path);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char *end;
		if (strncmp(de->d_name, "fragtrace-", 10))
			continue;
		long pid = strtol(de->d_name + 10, &end, 10);
		if (*end || pid <= 0 || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		struct tracefs_instance *old = tracefs_instance_alloc(NULL, de->d_name);
		if (old) {
			if (!tracefs_instance_destroy(old)) {
				count++;
				if (used < len)
					used += (size_t)snprintf(removed + used, len - used, "%s%s",
								 used ? " " : "", de->d_name);
			}
			tracefs_instance_free(old);
		}
	}
	if (d)
		closedir(d);
	return count;
}

int capture_remove_stale(char *removed, size_t len, char *err, size_t errlen)
{
	const char *dir;

	if (geteuid() != 0) {
		snprintf(err, errlen, "removing instances needs root");
		return -1;
	}
	bool was_mounted = any_tracefs_mounted();
	if (!(dir = tracefs_tracing_dir())) {
		snprintf(err, errlen, "cannot find tracefs");
		return -1;
	}
	int n = remove_stale_instances(dir, removed, len);
	if (!was_mounted && any_tracefs_mounted())
		umount(dir);
	return n;
}

struct recorder {
	const struct capture_options *opts;
	struct capture_result *res;
	struct tracefs_instance *inst;
	struct tep_handle *tep;
	struct trace_writer *w;
	struct capture_event *events;
	int nevents, ncpus;
	struct capture_converter *conv;
	struct symbolizer *sym;
	struct addr_map am;
	struct tracefs_cpu **tcpu;
	void *subbuf;
	int subbuf_size;
	struct kbuffer *kb;
	struct capture_merge *merge;
	/* Per CPU: every event of that CPU older than this has been read. */
	uint64_t *complete_ts;
	bool excluded;	       /* the recorder's own tasks are kept out of the instance */
	int nice0;	       /* the caller's nice value, for keepup_teardown and the workload */
	bool child_reaped;     /* the workload has exited and its status is in res */
	uint64_t walk_prev;    /* end page map walk: the start of its previous read round */
	uint64_t rss_start_kb; /* this process's resident set at the start snapshot */
	/* The page maps' buffers, kept to the end: freed earlier, their pages would leave the
	 * host with no event between a page map that showed them in use and the end. */
	void *map_buf[2];
	struct zone_sampler *zs; /* zone samples (capture_zone_samples.c); NULL: none */
	char mounted_here[4096]; /* tracefs, when this recorder mounted it: unmounted at the end */
	uint8_t blob[BLOB_MAX];
	char err[512];
};

/* The caller's stop requests: 0 none, 1 stop and drain, 2 or more finish without draining. */
static int stops(const struct recorder *r)
{
	return r->opts->stop ? (int)*r->opts->stop : 0;
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Whether the workload has exited (reaped here, its status kept); no SIGCHLD handler needed. */
static bool child_done(struct recorder *r, pid_t child)
{
	int status;
	if (child <= 0 || r->child_reaped)
		return r->child_reaped;
	if (waitpid(child, &status, WNOHANG) != child)
		return false;
	r->res->command_status = exit_code(status);
	r->child_reaped = true;
	return true;
}

/* A warning for the caller to print, appended to res->warnings ("; " between). */
static void add_warning(struct recorder *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_warning(struct recorder *r, const char *fmt, ...)
{
	char *w = r->res->warnings;
	size_t used = strlen(w);
	va_list ap;

	if (used && used + 2 < sizeof(r->res->warnings))
		used += (size_t)snprintf(w + used, sizeof(r->res->warnings) - used, "; ");
	va_start(ap, fmt);
	if (used < sizeof(r->res->warnings))
		vsnprintf(w + used, sizeof(r->res->warnings) - used, fmt, ap);
	va_end(ap);
}

/* The writer's error as the recorder's; -1. */
static int writer_failed(struct recorder *r)
{
	snprintf(r->err, sizeof(r->err), "%s", r->w ? trace_writer_error(r->w) : "out of memory");
	return -1;
}

/* One sub-buffer of one CPU into its queue. */
static int decode_subbuffer(struct recorder *r, int cpu)
{
	unsigned long long ts;

	if (kbuffer_load_subbuffer(r->kb, r->subbuf) < 0)
		return 0;
	int missed = kbuffer_missed_events(r->kb);
	if (missed) {
		struct trace_event lost = { .ts = kbuffer_subbuf_timestamp(r->kb, r->subbuf),
					    .type = TRACE_LOST,
					    .cpu = (uint16_t)cpu,
					    .lost.count = missed > 0 ? (uint64_t)missed
								     : TRACE_LOST_UNKNOWN };
		if (merge_push(r->merge, cpu, &lost))
			return -1;
	}
	for (void *data = kbuffer_read_event(r->kb, &ts); data;
	     data = kbuffer_next_event(r->kb, &ts)) {
		struct trace_event ev = { .ts = ts, .cpu = (uint16_t)cpu };
		int size = kbuffer_event_size(r->kb);
		if (size <= 0 || !converter_convert(r->conv, data, (unsigned)size, &ev, r->blob,
						    sizeof(r->blob)))
			continue;
		if (merge_push(r->merge, cpu, &ev))
			return -1;
	}
	return 0;
}

/*
 * Read whatever every CPU has; with flush, also the sub-buffers the kernel is still filling.
 * A CPU read until empty is complete up to prev_round (the start of the previous round; one
 * round of slack for events committed while being read). A CPU left with data after the
 * per-round cap is complete only up to the last event read from it: emitting past that would
 * write its older unread events after later ones.
 */
static int read_round(struct recorder *r, bool flush, uint64_t prev_round, bool *got)
{
	*got = false;
	for (int cpu = 0; cpu < r->ncpus; cpu++) {
		if (!r->tcpu[cpu]) {
			r->complete_ts[cpu] = prev_round;
			continue;
		}
		int k;
		for (k = 0; k < 4096; k++) {
			/* read(), not splice: it returns the sub-buffer being filled too */
			int n = tracefs_cpu_read(r->tcpu[cpu], r->subbuf, true);
			if (n <= 0 && flush)
				n = tracefs_cpu_flush(r->tcpu[cpu], r->subbuf);
			if (n <= 0)
				break;
			*got = true;
			if (decode_subbuffer(r, cpu)) {
				snprintf(r->err, sizeof(r->err), "out of memory");
				return -1;
			}
		}
		if (k < 4096)
			r->complete_ts[cpu] = prev_round;
		else
			r->complete_ts[cpu] = merge_last_queued(r->merge, cpu);
	}
	return 0;
}

/* The time before which every CPU's events have all been read. */
static uint64_t complete_until(const struct recorder *r)
{
	uint64_t t = UINT64_MAX;
	for (int cpu = 0; cpu < r->ncpus; cpu++)
		if (r->complete_ts[cpu] < t)
			t = r->complete_ts[cpu];
	return t;
}

static char *event_formats(const struct recorder *r, size_t *len)
{
	size_t cap = 0, n = 0;
	char *all = NULL;
	for (int i = 0; i < r->nevents; i++) {
		char file[200];
		snprintf(file, sizeof(file), "events/%s/%s/format", r->events[i].system,
			 r->events[i].name);
		int sz = 0;
		char *s = tracefs_instance_file_read(NULL, file, &sz);
		if (!s)
			continue;
		char head[64];
		int hl = snprintf(head, sizeof(head), "system: %.40s\n", r->events[i].system);
		if (n + (size_t)hl + (size_t)sz + 2 > cap) {
			cap = (n + (size_t)hl + (size_t)sz + 2) * 2;
			char *na = realloc(all, cap);
			if (!na) {
				free(s);
				break;
			}
			all = na;
		}
		memcpy(all + n, head, (size_t)hl);
		n += (size_t)hl;
		memcpy(all + n, s, (size_t)sz);
		n += (size_t)sz;
		all[n++] = '\n';
		free(s);
	}
	*len = n;
	return all;
}

static unsigned pageblock_order(void)
{
	FILE *f = fopen("/proc/pagetypeinfo", "r");
	char line[256];
	unsigned order = 9;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Page block order: %u", &order) == 1)
			break;
	if (f)
		fclose(f);
	return order;
}

static uint64_t max_phys_bytes(void)
{
	uint64_t max = capture_max_pfn();
	return max ? max << 12 : 1ull << 46;
}

static int open_writer(struct recorder *r)
{
	struct trace_header h = { .page_size = (uint32_t)sysconf(_SC_PAGESIZE),
				  .pageblock_order = pageblock_order(),
				  .cpu_count = (uint32_t)r->ncpus,
				  .time_resolution_ns = 1000,
				  .raw_addresses = r->opts->raw_addresses };
	struct utsname u;
	struct timespec rt, mt;
	int level = r->opts->compression_level ? r->opts->compression_level : RECORD_ZSTD_LEVEL;
	/* in place: a killed recorder leaves a readable trace (docs/capture.md) */
	struct trace_writer_options wo = { .compression_level = level,
					   .chunk_events = CHUNK_EVENTS,
					   .in_place = 1 };

	if (!uname(&u)) {
		snprintf(h.kernel_release, sizeof(h.kernel_release), "%.127s", u.release);
		snprintf(h.arch, sizeof(h.arch), "%.31s", u.machine);
	}
	snprintf(h.trace_clock, sizeof(h.trace_clock), "mono");
	snprintf(h.tool_version, sizeof(h.tool_version), "fragtrace %.20s",
		 r->opts->tool_version ? r->opts->tool_version : "");
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	h.clock_offset_ns = ((int64_t)rt.tv_sec - (int64_t)mt.tv_sec) * 1000000000ll +
			    (rt.tv_nsec - mt.tv_nsec);
	char *formats = event_formats(r, &h.event_formats_len);
	h.event_formats = formats;
	int rc = trace_writer_open(r->opts->output, &h, &wo, &r->w);
	free(formats);
	if (rc) {
		snprintf(r->err, sizeof(r->err), "%s", trace_writer_error(r->w));
		return -1;
	}
	return 0;
}

static int add_text_meta(struct recorder *r, const char *name, const char *text)
{
	if (trace_writer_add_meta(r->w, name, text ? text : "", text ? strlen(text) : 0)) {
		snprintf(r->err, sizeof(r->err), "%s", trace_writer_error(r->w));
		return -1;
	}
	return 0;
}

static void status_line(struct recorder *r, uint64_t start, bool final)
{
	double secs = (double)(mono_ns() - start) / 1e9;
	uint64_t events = trace_writer_events(r->w);
	fprintf(stderr, "\r  %6.1f s  %8.0f k events/s  %8.2f MB written  %llu lost%s", secs,
		secs > 0 ? (double)events / secs / 1000 : 0, (double)trace_writer_bytes(r->w) / 1e6,
		(unsigned long long)r->res->lost_events, final ? "\n" : "   ");
}

/*
 * Fork and exec the workload. The stop signals are blocked across fork() and set to their
 * defaults in the child before they are unblocked: otherwise a SIGTERM sent by end_command()
 * before the child had reset its dispositions ran the recorder's stop handler in the child,
 * which then exec'd the workload and ignored the stop for good (record_test's double-SIGINT
 * hang on loaded machines).
 */
static pid_t start_command(const char *const *argv, int nice0)
{
	sigset_t stop, old;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, &old);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		setpriority(PRIO_PROCESS, 0, nice0); /* not the recorder's nice -10 fallback */
		/* The workload must not inherit the ring-buffer readers: a workload that
		 * outlives a killed recorder would keep its instance busy for good. */
		close_range(3, ~0u, 0);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "fragtrace record: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/*
 * Stop a workload that is still running when the recording ends: SIGTERM, as perf record
 * does, then SIGKILL if it has not exited within END_COMMAND_GRACE_MS (a workload that
 * ignores SIGTERM must not keep the recorder, and the trace's finalisation, waiting).
 */
#define END_COMMAND_GRACE_MS 5000
static void end_command(struct recorder *r, pid_t child)
{
	kill(child, SIGTERM);
	r->res->command_stopped = true;
	for (int waited_ms = 0; !child_done(r, child); waited_ms += 10) {
		if (waited_ms == END_COMMAND_GRACE_MS) {
			add_warning(r, "the command did not exit %d s after SIGTERM: killed",
				    END_COMMAND_GRACE_MS / 1000);
			kill(child, SIGKILL);
		}
		if (waited_ms == 2 * END_COMMAND_GRACE_MS)
			return; /* not reapable (not our child any more): give up */
		struct timespec tick = { 0, 10 * 1000 * 1000 };
		nanosleep(&tick, NULL);
	}
}

/*
 * Whether the recorder's own events of this type are filtered out: its slab objects only, what
 * its own syscalls allocate and free. Its page events stay in the trace, and so do its LRU,
 * compaction, reclaim and shrinker events: its pages, its refills of a CPU's per-CPU list
 * (mm_page_alloc_zone_locked, up to a batch taken from the buddy lists at once, most of it left
 * on the list for whoever runs next on that CPU), its drains and its direct compaction change
 * the host's free memory like anyone's. Filtered out, they left pages free to the trace that
 * the end page map shows in use (record_end_test, docs/capture.md).
 */
static bool own_events_filtered(uint16_t type)
{
	return type == TRACE_SLAB_ALLOC || type == TRACE_SLAB_FREE || type == TRACE_KMALLOC ||
	       type == TRACE_KFREE;
}

/*
 * Keep every task of this process (each thread by its tid, read from /proc/self/task) out of
 * the instance's slab object events (own_events_filtered) through each such event's filter,
 * "common_pid != TID && ...", which the kernel checks at every event against the task on the
 * CPU. The recorder creates no thread and forks only the workload; whoever adds a thread calls
 * this again right after creating it. event-fork stays off, so the workload forked from the
 * recorder (and its children) is traced.
 */
static int exclude_own_tasks(struct recorder *r)
{
	char filter[4096];
	size_t n = 0;
	DIR *d;
	struct dirent *de;

	if (tracefs_file_exists(r->inst, "options/event-fork"))
		tracefs_instance_file_write(r->inst, "options/event-fork", "0");
	if (!(d = opendir("/proc/self/task"))) {
		snprintf(r->err, sizeof(r->err), "cannot list /proc/self/task: %s",
			 strerror(errno));
		return -1;
	}
	filter[0] = 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			if (n > sizeof(filter) - 40) {
				closedir(d);
				snprintf(r->err, sizeof(r->err),
					 "cannot keep the recorder's tasks out of the slab events: "
					 "too many threads for one filter");
				return -1;
			}
			n += (size_t)snprintf(filter + n, sizeof(filter) - n, "%scommon_pid != %s",
					      n ? " && " : "", de->d_name);
		}
	closedir(d);
	for (int i = 0; i < r->nevents; i++) {
		const struct capture_event *e = &r->events[i];
		if (!own_events_filtered(e->type))
			continue;
		if (nr_filter_paths < FILTERED_MAX)
			snprintf(filter_paths[nr_filter_paths++], sizeof(filter_paths[0]),
				 "%.3900s/events/%.60s/%.60s/filter", instance_dir, e->system,
				 e->name);
		if (tracefs_event_file_write(r->inst, e->system, e->name, "filter", filter) < 0) {
			/* The filter can be longer than the message: its first 300 bytes name enough. */
			snprintf(r->err, sizeof(r->err),
				 "cannot keep the recorder's tasks out of %s:%s (%.300s)",
				 e->system, e->name, filter);
			return -1;
		}
	}
	r->excluded = true;
	return 0;
}

static int setup(struct recorder *r)
{
	const struct capture_options *o = r->opts;
	const char *dir;
	char name[64];

	if (geteuid() != 0) {
		snprintf(r->err, sizeof(r->err),
			 "recording needs root (tracefs and /proc/kpageflags)");
		return -1;
	}
	/* tracefs_tracing_dir() finds (mounting if need be) and caches the path;
	 * tracefs_tracing_dir_is_mounted() leaks a copy of it in libtracefs 1.6. */
	bool was_mounted = any_tracefs_mounted();
	if (!(dir = tracefs_tracing_dir())) {
		snprintf(r->err, sizeof(r->err), "cannot mount tracefs");
		return -1;
	}
	if (!was_mounted && any_tracefs_mounted())
		snprintf(r->mounted_here, sizeof(r->mounted_here), "%s", dir);
	r->res->stale_removed =
		remove_stale_instances(dir, r->res->stale_names, sizeof(r->res->stale_names));
	snprintf(name, sizeof(name), "fragtrace-%d", (int)getpid());
	r->inst = tracefs_instance_create(name);
	if (!r->inst) {
		snprintf(r->err, sizeof(r->err), "cannot create the ftrace instance %s: %s", name,
			 strerror(errno));
		return -1;
	}
	char *d = tracefs_instance_get_dir(r->inst);
	if (d) {
		snprintf(instance_dir, sizeof(instance_dir), "%s", d);
		free(d);
	}

	const char *systems[] = { "kmem", "vmscan", NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	size_t ns = 2;
	for (int i = 0; o->events[i] && ns < 8; i++) {
		const char *colon = strchr(o->events[i], ':');
		if (!colon)
			continue;
		char *sys = strndup(o->events[i], (size_t)(colon - o->events[i]));
		bool have = false;
		for (size_t k = 0; k < ns; k++)
			have |= !strcmp(systems[k], sys);
		if (!have)
			systems[ns++] = sys;
		else
			free(sys);
	}
	r->tep = tracefs_local_events_system(NULL, systems);
	for (size_t k = 2; k < ns; k++)
		free((char *)systems[k]);
	if (!r->tep) {
		snprintf(r->err, sizeof(r->err), "cannot read the kernel's event formats");
		return -1;
	}
	tep_set_long_size(r->tep, 8);
	tep_set_page_size(r->tep, (int)sysconf(_SC_PAGESIZE));
	if (capture_events_resolve(r->tep, o->events, &r->events, &r->nevents, r->err,
				   sizeof(r->err)))
		return -1;
	if (!r->nevents) {
		snprintf(r->err, sizeof(r->err),
			 "none of the requested events exists on this kernel");
		return -1;
	}

	r->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	r->am.raw = o->raw_addresses;
	r->am.max_phys = max_phys_bytes();
	if (getrandom(&r->am.hash_key, sizeof(r->am.hash_key), 0) != sizeof(r->am.hash_key))
		r->am.hash_key = mono_ns() * 0x9E3779B97F4A7C15ull;
	if (tracefs_instance_set_buffer_size(
		    r->inst, o->buffer_kb ? o->buffer_kb : DEFAULT_BUFFER_KB, -1) < 0) {
		snprintf(r->err, sizeof(r->err), "cannot set the buffer size to %u KiB per CPU",
			 o->buffer_kb ? o->buffer_kb : DEFAULT_BUFFER_KB);
		return -1;
	}
	if (tracefs_instance_file_write(r->inst, "trace_clock", "mono") < 0)
		tracefs_instance_file_write(r->inst, "trace_clock", "global");
	char why[256] = "";
	if (!o->raw_addresses && addr_calibrate(r->inst, r->tep, &r->am, why, sizeof(why)))
		add_warning(r,
			    "cannot locate the direct map (%s); slab object addresses are "
			    "stored as keyed hashes",
			    why);
	r->res->direct_map_known = r->am.base_known;
	tracefs_instance_file_clear(r->inst, "trace");
	if (exclude_own_tasks(r))
		return -1;
	for (int i = 0; i < r->nevents; i++)
		if (tracefs_event_enable(r->inst, r->events[i].system, r->events[i].name) < 0) {
			snprintf(r->err, sizeof(r->err), "cannot enable %s:%s", r->events[i].system,
				 r->events[i].name);
			return -1;
		}
	r->sym = symbolizer_open();
	if (open_writer(r))
		return -1;
	r->conv = converter_create(r->events, r->nevents, r->w, r->sym, &r->am, o->raw_addresses);
	r->tcpu = calloc((size_t)r->ncpus, sizeof(*r->tcpu));
	r->merge = merge_create(r->ncpus, r->w, r->res);
	r->complete_ts = calloc((size_t)r->ncpus, sizeof(*r->complete_ts));
	r->kb = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE);
	if (!r->conv || !r->tcpu || !r->merge || !r->complete_ts || !r->kb) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return -1;
	}
	for (int cpu = 0; cpu < r->ncpus; cpu++) {
		r->tcpu[cpu] = tracefs_cpu_open(r->inst, cpu, true);
		if (r->tcpu[cpu] && tracefs_cpu_read_size(r->tcpu[cpu]) > r->subbuf_size)
			r->subbuf_size = tracefs_cpu_read_size(r->tcpu[cpu]);
	}
	r->subbuf = malloc((size_t)(r->subbuf_size > 0 ? r->subbuf_size : 4096));
	if (!r->subbuf) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return -1;
	}
	return 0;
}

static int write_options_meta(struct recorder *r)
{
	char text[4096];
	int n = snprintf(text, sizeof(text), "events:");
	for (int i = 0; i < r->nevents && n < (int)sizeof(text) - 100; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, " %s:%s", r->events[i].system,
			      r->events[i].name);
	snprintf(text + n, sizeof(text) - (size_t)n,
		 "\nbuffer_kb_per_cpu: %u\nclock: mono\naddresses: %s\nrecorder_excluded: %s\n",
		 r->opts->buffer_kb ? r->opts->buffer_kb : DEFAULT_BUFFER_KB,
		 r->opts->raw_addresses ? "raw"
		 : r->am.base_known	? "physical"
					: "hashed",
		 r->excluded ? "from slab object events" : "no");
	return add_text_meta(r, "capture/options", text);
}

/* How the recorder kept up, stored as "capture/keepup" (docs/capture.md). */
static int write_keepup_meta(struct recorder *r)
{
	const struct capture_result *c = r->res;
	char text[1024];
	int n = snprintf(
		text, sizeof(text),
		"late_events: %llu\nlate_max_ns: %llu\ncpu_backwards: %llu\n"
		"order_slack_ns: %llu\nreader_gap_max_ns: %llu\nemit_max_ns: %llu\n"
		"major_faults: %llu\nminor_faults: %llu\nmlocked: %s\nscheduling: %s\n"
		"zone_samples: %llu\nzone_samples_failed: %llu\nzone_sample_ns_total: %llu\n"
		"zone_sample_ns_max: %llu\nlate_by_type:",
		(unsigned long long)c->late_events, (unsigned long long)c->late_max_ns,
		(unsigned long long)c->cpu_backwards, (unsigned long long)c->order_slack_ns,
		(unsigned long long)c->reader_gap_max_ns, (unsigned long long)c->emit_max_ns,
		(unsigned long long)c->major_faults, (unsigned long long)c->minor_faults,
		c->mlocked ? "yes" : "no", c->sched, (unsigned long long)c->zone_samples.samples,
		(unsigned long long)c->zone_samples.failed,
		(unsigned long long)c->zone_samples.ns_total,
		(unsigned long long)c->zone_samples.ns_max);
	for (int t = 0; t < 16 && n < (int)sizeof(text) - 32; t++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, " %llu",
			      (unsigned long long)c->late_by_type[t]);
	snprintf(text + n, sizeof(text) - (size_t)n, "\n");
	return add_text_meta(r, "capture/keepup", text);
}

/*
 * Keeping up under memory pressure (docs/capture.md has the measurements): the recorder's pages
 * are locked as they are first touched (MCL_ONFAULT: nothing is faulted in up front; its
 * memory is bounded by the hold-back and BACKLOG_MAX), so reclaim never stalls it on its own
 * pages; and it runs SCHED_FIFO at the lowest real-time priority, so the CPU-bound processes of
 * a busy host cannot starve it (it sleeps whenever the buffers are empty, and the kernel's
 * real-time throttling still leaves the others 5%). SCHED_RESET_ON_FORK: the workload runs
 * with the normal policy. Where either is not permitted the recorder goes on without it (nice
 * -10, or nothing) and capture/keepup says what it got.
 */
static void keepup_setup(struct recorder *r)
{
	struct sched_param sp = { .sched_priority = 1 };

	errno = 0;
	r->nice0 = getpriority(PRIO_PROCESS, 0);
	if (errno)
		r->nice0 = 0;
	r->res->mlocked = !mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT);
	if (!sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp))
		snprintf(r->res->sched, sizeof(r->res->sched), "SCHED_FIFO 1");
	else if (!setpriority(PRIO_PROCESS, 0, -10))
		snprintf(r->res->sched, sizeof(r->res->sched), "nice -10");
	else
		snprintf(r->res->sched, sizeof(r->res->sched), "normal");
}

/* Undo keepup_setup: the caller's process goes on as it was. */
static void keepup_teardown(const struct recorder *r)
{
	struct sched_param sp = { .sched_priority = 0 };

	if (r->res->mlocked)
		munlockall();
	if (!strcmp(r->res->sched, "SCHED_FIFO 1"))
		sched_setscheduler(0, SCHED_OTHER, &sp);
	else if (!strcmp(r->res->sched, "nice -10"))
		setpriority(PRIO_PROCESS, 0, r->nice0);
}

/* One read of the ring buffers between two ranges of a page map walk (tracing on). */
static int walk_step(void *ctx)
{
	struct recorder *r = ctx;
	uint64_t round = mono_ns(), slack = merge_slack(r->merge);
	bool got, more;

	if (read_round(r, false, r->walk_prev, &got))
		return -1;
	uint64_t done = complete_until(r);
	if (merge_emit(r->merge, done > slack ? done - slack : 0, EMIT_PER_ROUND, &more))
		return writer_failed(r);
	r->walk_prev = round;
	return 0;
}

/*
 * The end snapshot, taken while tracing still runs, so that no page the host allocates or
 * frees before the page map read it is missing from the stream (docs/capture.md, "The end
 * snapshot"): the page map first, reading the ring buffers after each range and storing when
 * each range was read (end/pagemap_times); then the pages the recorder itself holds, which no
 * event shows (end/recorder_pfns); then the text snapshots, read just before tracing stops.
 * Skipped with --no-snapshots and after a second stop request.
 */
static int end_snapshot(struct recorder *r)
{
	struct snapshot_walk walk = { .step = walk_step, .ctx = r, .keep = &r->map_buf[1] };
	struct own_pages own = { 0 };
	int rc = -1;

	if (r->opts->no_snapshots || stops(r) >= 2)
		return 0;
	r->walk_prev = 0;
	/* its pages before and after the walk: what it frees meanwhile is listed too */
	if (snapshot_own_pages(&own, true, NULL)) {
		snprintf(r->err, sizeof(r->err), "out of memory listing the recorder's pages");
		goto out;
	}
	if (snapshot_pagemap(r->w, "end", &walk, NULL, NULL, r->err, sizeof(r->err)))
		goto out;
	if (snapshot_own_pages(&own, false, r->opts->output)) {
		snprintf(r->err, sizeof(r->err), "out of memory listing the recorder's pages");
		goto out;
	}
	if (!snapshot_recorder_pfns(r->w, "end", &own, r->rss_start_kb, r->err, sizeof(r->err)) &&
	    !snapshot_take(r->w, "end", false, NULL, NULL, r->err, sizeof(r->err)))
		rc = 0;
out:
	snapshot_own_pages_free(&own);
	return rc;
}

static int record_loop(struct recorder *r, pid_t child)
{
	const struct capture_options *o = r->opts;
	uint64_t start = mono_ns(), prev_round = 0, last_status = start, last_flush = start;
	uint64_t next_sample = 0; /* a first zone sample at once */
	bool tty = !o->quiet && isatty(2), got, more = false;
	struct rusage ru0, ru1;

	getrusage(RUSAGE_SELF, &ru0);

	for (;;) {
		uint64_t round = mono_ns();
		if (prev_round && round - prev_round > r->res->reader_gap_max_ns)
			r->res->reader_gap_max_ns = round - prev_round;
		if (read_round(r, false, prev_round, &got))
			return -1;
		uint64_t done = complete_until(r), t_emit = mono_ns();
		uint64_t slack = merge_slack(r->merge);
		if (merge_emit(r->merge, done > slack ? done - slack : 0,
			       merge_queued(r->merge) > BACKLOG_MAX ? UINT64_MAX : EMIT_PER_ROUND,
			       &more))
			return writer_failed(r);
		if (mono_ns() - t_emit > r->res->emit_max_ns)
			r->res->emit_max_ns = mono_ns() - t_emit;
		/* between two reads of the ring buffers, on this thread: no thread to exclude */
		if (r->zs && round >= next_sample) {
			if (zone_sampler_take(r->zs, r->w, r->err, sizeof(r->err)))
				return -1;
			next_sample = round + (uint64_t)zone_sampler_interval_ms(r->zs) * 1000000;
		}
		prev_round = round;
		if (stops(r) || child_done(r, child))
			break;
		if (o->duration_s > 0 && (double)(round - start) / 1e9 >= o->duration_s)
			break;
		if (o->max_size_bytes && trace_writer_bytes(r->w) >= o->max_size_bytes)
			break;
		if (round - last_flush >= TRACE_FLUSH_INTERVAL_NS) { /* a quiet host's events */
			uint64_t t_flush = mono_ns();
			if (trace_writer_flush(r->w)) {
				snprintf(r->err, sizeof(r->err), "%s", trace_writer_error(r->w));
				return -1;
			}
			if (mono_ns() - t_flush > r->res->emit_max_ns)
				r->res->emit_max_ns = mono_ns() - t_flush;
			last_flush = round;
		}
		if (tty && round - last_status >= 1000000000ull) {
			status_line(r, start, false);
			last_status = round;
		}
		if (!got && !more)
			usleep(10000);
	}
	/* the last sample, then the part in progress: before the end snapshot's blobs */
	if (r->zs && (zone_sampler_take(r->zs, r->w, r->err, sizeof(r->err)) ||
		      zone_sampler_flush(r->zs, r->w, r->err, sizeof(r->err))))
		return -1;
	if (end_snapshot(r))
		return -1;
	tracefs_trace_off(r->inst);
	/* Drain and finalise; a second Ctrl-C skips the drain. */
	if (stops(r) < 2)
		for (int k = 0; k < 64 && stops(r) < 2; k++) {
			if (read_round(r, true, UINT64_MAX, &got))
				return -1;
			if (!got)
				break;
		}
	if (merge_emit(r->merge, UINT64_MAX, UINT64_MAX, &more))
		return writer_failed(r);
	getrusage(RUSAGE_SELF, &ru1);
	r->res->major_faults = (uint64_t)(ru1.ru_majflt - ru0.ru_majflt);
	r->res->minor_faults = (uint64_t)(ru1.ru_minflt - ru0.ru_minflt);
	r->res->order_slack_ns = merge_slack(r->merge);
	if (tty)
		status_line(r, start, true);
	r->res->duration_s = (double)(mono_ns() - start) / 1e9;
	return 0;
}

/* exclude_own_tasks() undone: each slab object event's filter back to "0" (filter_paths). */
static void clear_own_filters(struct recorder *r)
{
	if (!nr_filter_paths)
		return;
	for (int i = 0; i < r->nevents; i++) {
		const struct capture_event *e = &r->events[i];
		if (own_events_filtered(e->type) &&
		    tracefs_event_file_write(r->inst, e->system, e->name, "filter", "0") < 0)
			add_warning(r, "cannot clear the filter of %s:%s: %s", e->system, e->name,
				    strerror(errno));
	}
	nr_filter_paths = 0;
}

static void teardown(struct recorder *r)
{
	for (int cpu = 0; r->tcpu && cpu < r->ncpus; cpu++)
		if (r->tcpu[cpu])
			tracefs_cpu_close(r->tcpu[cpu]);
	free(r->tcpu);
	if (r->inst) {
		tracefs_trace_off(r->inst);
		clear_own_filters(r);
		tracefs_instance_destroy(r->inst);
		tracefs_instance_free(r->inst);
		instance_dir[0] = 0;
	}
	/* leave the host as it was: no tracefs mounted if there was none */
	if (r->mounted_here[0] && umount(r->mounted_here))
		add_warning(r, "cannot unmount %s (mounted for this run): %s", r->mounted_here,
			    strerror(errno));
	merge_free(r->merge);
	free(r->complete_ts);
	free(r->subbuf);
	if (r->kb)
		kbuffer_free(r->kb);
	converter_free(r->conv);
	symbolizer_close(r->sym);
	free(r->events);
	if (r->tep)
		tep_free(r->tep);
}

int capture_record(const struct capture_options *opts, struct capture_result *res)
{
	struct recorder *r = calloc(1, sizeof(*r));
	pid_t child = -1;
	int rc = 1;
	double cpu0 = cpu_seconds();

	memset(res, 0, sizeof(*res));
	if (!r) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		return 1;
	}
	r->opts = opts;
	r->res = res;
	if (setup(r))
		goto out;
	if (write_options_meta(r))
		goto out;
	/*
	 * Real-time scheduling before the start snapshot: no event shows what the host does
	 * between reading a range of the start page map and turning tracing on, and on a busy
	 * host a walk at normal priority took 6.3 s where it takes 0.7 s at SCHED_FIFO.
	 */
	keepup_setup(r);
	if (!opts->no_snapshots &&
	    snapshot_take(r->w, "start", false, NULL, NULL, r->err, sizeof(r->err)))
		goto out;
	char *stats = NULL;
	uint64_t overrun0, dropped0, overrun1, dropped1;
	snapshot_cpu_stats(r->inst, r->ncpus, &overrun0, &dropped0, &stats);
	int mrc = add_text_meta(r, "start/cpu_stats", stats);
	free(stats);
	if (mrc || tracefs_trace_on(r->inst) < 0) {
		if (!mrc)
			snprintf(r->err, sizeof(r->err), "cannot turn tracing on");
		goto out;
	}
	/*
	 * The start page map is read while tracing already runs, range by range with the ring
	 * buffers read between (start/pagemap_times): replay takes an event on a page whose range
	 * was read after it as already in the map, every later one as news. Before this, what
	 * the host did between reading a range and turning tracing on had no event.
	 */
	struct snapshot_walk timed = { .step = walk_step, .ctx = r, .keep = &r->map_buf[0] };
	r->walk_prev = 0;
	if (!opts->no_snapshots && snapshot_pagemap(r->w, "start", &timed, &res->pagemap_s,
						    &res->pagemap_pages, r->err, sizeof(r->err)))
		goto out;
	r->rss_start_kb = snapshot_own_rss_kb();
	if (opts->sample_interval_ms) {
		r->zs = zone_sampler_open(opts->sample_interval_ms, &res->zone_samples);
		if (!r->zs)
			add_warning(r, "no zone samples: cannot open /proc/zoneinfo: %s",
				    strerror(errno));
	}
	if (opts->command) {
		child = start_command(opts->command, r->nice0);
		if (child < 0) {
			snprintf(r->err, sizeof(r->err), "cannot start %s: %s", opts->command[0],
				 strerror(errno));
			goto out;
		}
	}
	if (record_loop(r, child))
		goto out;
	snapshot_cpu_stats(r->inst, r->ncpus, &overrun1, &dropped1, &stats);
	mrc = add_text_meta(r, "end/cpu_stats", stats);
	free(stats);
	if (mrc)
		goto out;
	if (write_keepup_meta(r))
		goto out;
	res->overrun = overrun1 - overrun0;
	res->dropped = dropped1 - dropped0;
	if (trace_writer_close(r->w)) {
		snprintf(r->err, sizeof(r->err), "%s", trace_writer_error(r->w));
		goto out;
	}
	res->events = trace_writer_events(r->w);
	res->bytes = trace_writer_bytes(r->w);
	rc = 0;
out:
	if (rc && r->w)
		trace_writer_close(r->w); /* keep what was written readable */
	if (child > 0 && !r->child_reaped)
		end_command(r, child);
	if (rc)
		snprintf(res->error, sizeof(res->error), "%s", r->err[0] ? r->err : "failed");
	trace_writer_free(r->w);
	free(r->map_buf[0]);
	free(r->map_buf[1]);
	zone_sampler_close(r->zs);
	teardown(r);
	keepup_teardown(r);
	res->cpu_s = cpu_seconds() - cpu0;
	free(r);
	return rc;
}
