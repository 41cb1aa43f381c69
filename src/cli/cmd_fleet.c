// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_fleet.c - `fragtrace fleet submit --slurm ... TRACE...` and `fragtrace fleet status`: the
 * traces x variants of a fleet replayed as a Slurm job array, one task per unit, and a merge job
 * that runs when every task succeeded (docs/fleet.md).
 *
 * submit writes into the fleet directory: replay.sh (the array task: `replay --shard I/N` into
 * a database on node-local scratch, then copied to jobs/task-I.db, so no SQLite file is written
 * on a network file system), merge.sh (`fragtrace merge fleet.db jobs/task-*.db`) and, once
 * sbatch accepted both, fleet.jobs (the two job ids and the unit count), which status reads.
 * Every path in the scripts is absolute and shell-quoted. sbatch, squeue and sacct run with
 * fork/exec, never through a shell. Workload: one submission of up to thousands of units.
 */
#include "cli.h"
#include "model.h"
#include "safe_output.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 256

static void fleet_usage(FILE *out)
{
	fprintf(out,
		"usage: fragtrace fleet submit --slurm [OPTIONS] TRACE...\n"
		"       fragtrace fleet status [--dir DIR]\n\n"
		"Replay traces x variants on a Slurm cluster: a job array with one task per unit\n"
		"(fragtrace replay --shard I/N) and a merge job that runs when all tasks "
		"succeeded\n"
		"and merges their databases into DIR/fleet.db (docs/fleet.md).\n\n"
		"submit:\n"
		"      --slurm          submit with sbatch (the scheduler fleet supports)\n"
		"      --dir DIR        the fleet directory: scripts, jobs/, logs/, fleet.db\n"
		"                       (default fleet)\n"
		"      --sbatch OPT     an option for sbatch, e.g. --sbatch=--partition=batch\n"
		"                       (repeatable; given to both jobs)\n"
		"  -V, --variant SPEC   as for replay (default: the six presets); repeatable\n"
		"      --replay-opt OPT an option for every replay, e.g. --replay-opt=--loop=3\n"
		"                       (repeatable)\n"
		"      --dry-run        write the scripts and print the sbatch commands only\n"
		"status:\n"
		"      --dir DIR        the fleet directory of a submit (default fleet); prints "
		"the\n"
		"                       state of every task (sacct, or squeue where accounting is\n"
		"                       off) and of the merge job\n"
		"  -h, --help           show this help\n\n"
		"Exit status: 0 success, 1 sbatch or a file failed, 2 bad usage.\n");
}

/* s in single quotes for sh, into a malloc'd string. */
static char *sh_quote(const char *s)
{
	size_t n = 3;
	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	char *q = malloc(n), *o = q;
	if (!q)
		return NULL;
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = 0;
	return q;
}

/* Print s quoted for sh to f; -1 when out of memory. */
static int put_quoted(FILE *f, const char *s)
{
	char *q = sh_quote(s);
	if (!q)
		return -1;
	fputs(q, f);
	free(q);
	return 0;
}

/* Write path through safe_output with body(f, ctx); 0, or -1 after printing why. */
static int write_file(const char *path, int (*body)(FILE *, const void *), const void *ctx)
{
	struct safe_output *so;
	char why[512];
	if (safe_output_open(path, NULL, 0, &so, why, sizeof(why))) {
		cli_error("%s: %s", path, why);
		return -1;
	}
	FILE *f = safe_output_stream(so);
	if (!f || body(f, ctx) || ferror(f)) {
		safe_output_abort(so);
		cli_error("%s: cannot write", path);
		return -1;
	}
	if (safe_output_commit(so, why, sizeof(why))) {
		cli_error("%s: %s", path, why);
		return -1;
	}
	return 0;
}

/* Each item shell-quoted, each after sep. */
static int put_quoted_list(FILE *f, const char *sep, const char *const *items, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		fputs(sep, f);
		rc |= put_quoted(f, items[i]);
	}
	return rc;
}

struct fleet_plan {
	char dir[PATH_MAX], self[PATH_MAX];
	char **traces; /* absolute paths */
	size_t ntraces;
	const char *variants[MAX_ARGS], *replay_opts[MAX_ARGS], *sbatch[MAX_ARGS];
	size_t nvariants, nreplay_opts, nsbatch;
	size_t units;
};

/* The array task: this task's share of the units, into node-local scratch, then into jobs/. */
static int replay_script(FILE *f, const void *ctx)
{
	const struct fleet_plan *p = ctx;
	int rc = 0;
	fputs("#!/bin/sh\n# fragtrace fleet: one array task replays unit SLURM_ARRAY_TASK_ID\n"
	      "#SBATCH --job-name=fragtrace-replay\n",
	      f);
	fprintf(f, "#SBATCH --array=0-%zu\n", p->units - 1);
	fputs("set -eu\ndir=", f);
	rc |= put_quoted(f, p->dir);
	fputs("\ni=$SLURM_ARRAY_TASK_ID\n"
	      "tmp=${TMPDIR:-/tmp}/fragtrace-$SLURM_ARRAY_JOB_ID-$i.db\n"
	      "rm -f \"$tmp\" \"$tmp-wal\" \"$tmp-shm\"\n",
	      f);
	rc |= put_quoted(f, p->self);
	fprintf(f,
		" replay -q --threads \"${SLURM_CPUS_PER_TASK:-1}\" --shard \"$i/%zu\" "
		"--db \"$tmp\"",
		p->units);
	rc |= put_quoted_list(f, " --variant ", p->variants, p->nvariants);
	rc |= put_quoted_list(f, " ", p->replay_opts, p->nreplay_opts);
	rc |= put_quoted_list(f, " \\\n\t", (const char *const *)p->traces, p->ntraces);
	fputs(" >\"$dir/logs/replay-$i.txt\"\n"
	      "cp \"$tmp\" \"$dir/jobs/.task-$i.db.part\"\n"
	      "mv \"$dir/jobs/.task-$i.db.part\" \"$dir/jobs/task-$i.db\"\n"
	      "rm -f \"$tmp\"\n",
	      f);
	return rc;
}

static int merge_script(FILE *f, const void *ctx)
{
	const struct fleet_plan *p = ctx;
	int rc = 0;
	fputs("#!/bin/sh\n# fragtrace fleet: merge every task's database into fleet.db\n"
	      "#SBATCH --job-name=fragtrace-merge\nset -eu\ndir=",
	      f);
	rc |= put_quoted(f, p->dir);
	fputs("\n", f);
	rc |= put_quoted(f, p->self);
	fputs(" merge \"$dir/fleet.db\" \"$dir\"/jobs/task-*.db\n", f);
	return rc;
}

/*
 * Run argv, its stdout into out (trailing newline dropped), its stderr dropped when quiet (sacct
 * complains where accounting is off); the exit status, or -1.
 */
static int run_capture(char *const argv[], char *out, size_t outlen, bool quiet)
{
	int fds[2];
	if (pipe(fds))
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (!pid) {
		dup2(fds[1], 1);
		if (quiet) {
			int null = open("/dev/null", O_WRONLY);
			if (null >= 0)
				dup2(null, 2);
		}
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "fragtrace: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	size_t n = 0;
	ssize_t r;
	while ((r = read(fds[0], out + n, outlen - 1 - n)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0)
			n += (size_t)r;
	close(fds[0]);
	out[n] = 0;
	while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = 0;
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* sbatch [options] [extra] script; the job id into id. 0 or -1 (printed). */
static int sbatch(const struct fleet_plan *p, const char *extra, const char *logname,
		  const char *script, bool dry, char *id, size_t idlen)
{
	char *argv[MAX_ARGS + 8], log[PATH_MAX + 32];
	size_t n = 0;
	snprintf(log, sizeof(log), "--output=%s/logs/%s", p->dir, logname);
	argv[n++] = "sbatch";
	argv[n++] = "--parsable";
	argv[n++] = log;
	for (size_t i = 0; i < p->nsbatch; i++)
		argv[n++] = (char *)p->sbatch[i];
	if (extra)
		argv[n++] = (char *)extra;
	argv[n++] = (char *)script;
	argv[n] = NULL;
	if (dry) {
		for (size_t i = 0; i < n; i++) {
			if (i)
				putchar(' ');
			if (put_quoted(stdout, argv[i]))
				return -1;
		}
		putchar('\n');
		snprintf(id, idlen, "JOBID");
		return 0;
	}
	int rc = run_capture(argv, id, idlen, false);
	if (rc) {
		cli_error("sbatch %s failed (exit %d)%s", script, rc,
			  rc == 127 ? ": is Slurm installed (Debian: slurm-wlm)?" : "");
		return -1;
	}
	id[strcspn(id, ";")] = 0; /* --parsable: "jobid[;cluster]" */
	if (!*id || strspn(id, "0123456789") != strlen(id)) {
		cli_error("sbatch %s: unexpected reply '%s'", script, id);
		return -1;
	}
	return 0;
}

struct jobs_file {
	const char *array_id, *merge_id;
	size_t units;
};

static int jobs_body(FILE *f, const void *ctx)
{
	const struct jobs_file *j = ctx;
	fprintf(f, "array %s\nmerge %s\nunits %zu\n", j->array_id, j->merge_id, j->units);
	return 0;
}

static int make_dir(const char *dir, const char *sub)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s%s%s", dir, sub ? "/" : "", sub ? sub : "");
	if (mkdir(path, 0755) && errno != EEXIST) {
		cli_error("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int fleet_submit(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "slurm", no_argument, NULL, 'S' },
		{ "dir", required_argument, NULL, 'D' },
		{ "sbatch", required_argument, NULL, 'B' },
		{ "variant", required_argument, NULL, 'V' },
		{ "replay-opt", required_argument, NULL, 'R' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	static struct fleet_plan p;
	const char *dir = "fleet";
	bool slurm = false, dry = false;
	char path[PATH_MAX + 32], array_id[64], merge_id[64], dep[96];
	int c, status = EXIT_RUNTIME;

	optind = 1;
	while ((c = getopt_long(argc, argv, "V:", longopts, NULL)) != -1) {
		const char **slot = NULL;
		size_t *count = NULL;
		switch (c) {
		case 'S':
			slurm = true;
			continue;
		case 'D':
			dir = optarg;
			continue;
		case 'n':
			dry = true;
			continue;
		case 'B':
			slot = p.sbatch;
			count = &p.nsbatch;
			break;
		case 'V':
			slot = p.variants;
			count = &p.nvariants;
			break;
		case 'R':
			slot = p.replay_opts;
			count = &p.nreplay_opts;
			break;
		default:
			goto usage;
		}
		if (*count == MAX_ARGS) {
			cli_error("at most %d of each option", MAX_ARGS);
			goto usage;
		}
		slot[(*count)++] = optarg;
	}
	if (!slurm) {
		cli_error("fleet submit needs --slurm (the scheduler it submits to)");
		goto usage;
	}
	if (optind >= argc) {
		cli_error("no trace given");
		goto usage;
	}
	size_t nv = p.nvariants;
	if (!nv)
		while (model_preset_names[nv])
			nv++;
	p.ntraces = (size_t)(argc - optind);
	p.units = p.ntraces * nv;
	p.traces = calloc(p.ntraces, sizeof(*p.traces));
	if (!p.traces)
		return EXIT_RUNTIME;
	for (size_t i = 0; i < p.ntraces; i++) {
		p.traces[i] = realpath(argv[optind + (int)i], NULL);
		if (!p.traces[i]) {
			cli_error("%s: %s", argv[optind + (int)i], strerror(errno));
			goto out;
		}
	}
	ssize_t sl = readlink("/proc/self/exe", p.self, sizeof(p.self) - 1);
	if (sl <= 0) {
		cli_error("cannot find the fragtrace binary: %s", strerror(errno));
		goto out;
	}
	p.self[sl] = 0;
	if (make_dir(dir, NULL) || !realpath(dir, p.dir) || make_dir(p.dir, "jobs") ||
	    make_dir(p.dir, "logs"))
		goto out;
	/* the merge job takes every jobs/task-*.db: a second fleet in DIR would mix with the first */
	struct stat st;
	snprintf(path, sizeof(path), "%s/fleet.jobs", p.dir);
	if (!dry && !stat(path, &st)) {
		cli_error("%s already holds a submitted fleet (%s); give another --dir", dir, path);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/replay.sh", p.dir);
	if (write_file(path, replay_script, &p))
		goto out;
	snprintf(path, sizeof(path), "%s/merge.sh", p.dir);
	if (write_file(path, merge_script, &p))
		goto out;
	snprintf(path, sizeof(path), "%s/replay.sh", p.dir);
	if (sbatch(&p, NULL, "replay-%A_%a.out", path, dry, array_id, sizeof(array_id)))
		goto out;
	snprintf(dep, sizeof(dep), "--dependency=afterok:%s", array_id);
	snprintf(path, sizeof(path), "%s/merge.sh", p.dir);
	if (sbatch(&p, dep, "merge-%j.out", path, dry, merge_id, sizeof(merge_id)))
		goto out;
	if (!dry) {
		struct jobs_file j = { array_id, merge_id, p.units };
		snprintf(path, sizeof(path), "%s/fleet.jobs", p.dir);
		if (write_file(path, jobs_body, &j))
			goto out;
		printf("submitted: array job %s (%zu tasks: %zu traces x %zu variants), merge job "
		       "%s -> %s/fleet.db\n",
		       array_id, p.units, p.ntraces, nv, merge_id, p.dir);
	}
	status = EXIT_OK;
out:
	for (size_t i = 0; i < p.ntraces; i++)
		free(p.traces[i]);
	free(p.traces);
	return status;
usage:
	fprintf(stderr, "See 'fragtrace fleet --help'.\n");
	return EXIT_USAGE;
}

/* Count one "STATE" word into the tally; the states Slurm reports, grouped. */
struct tally {
	size_t pending, running, completed, failed, other;
};

static void tally_state(struct tally *t, const char *state)
{
	if (!strncmp(state, "PENDING", 7))
		t->pending++;
	else if (!strncmp(state, "RUNNING", 7) || !strncmp(state, "COMPLETING", 10))
		t->running++;
	else if (!strncmp(state, "COMPLETED", 9))
		t->completed++;
	else if (!strncmp(state, "FAILED", 6) || !strncmp(state, "CANCELLED", 9) ||
		 !strncmp(state, "TIMEOUT", 7) || !strncmp(state, "OUT_OF_ME", 9) ||
		 !strncmp(state, "NODE_FAIL", 9))
		t->failed++;
	else
		t->other++;
}

/*
 * The state of job id (its array tasks, or the merge job) from sacct; where accounting is off,
 * from squeue (a job squeue no longer lists has ended: its state is then unknown here).
 */
static int job_states(const char *id, bool array, struct tally *t, char *one, size_t onelen,
		      bool *acct)
{
	static char out[1 << 20];
	char *sacct[] = { "sacct", "-n", "-P", "-X", "-j", (char *)id, "-o", "JobID,State", NULL };
	char *squeue[] = { "squeue", "-h", "-r", "-j", (char *)id, "-o", "%i %T", NULL };
	int rc = run_capture(sacct, out, sizeof(out), true);
	bool from_sacct = rc == 0 && out[0];
	*acct = from_sacct;
	if (!from_sacct && run_capture(squeue, out, sizeof(out), false) != 0)
		return -1;
	memset(t, 0, sizeof(*t));
	snprintf(one, onelen, "%s", from_sacct ? "unknown" : "ended (not in squeue)");
	for (char *save = NULL, *line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *state = line + strcspn(line, from_sacct ? "|" : " ");
		if (!*state)
			continue;
		*state++ = 0;
		/* an array's pending remainder is one line "ID_[3-9]": count its tasks */
		char *br = strchr(line, '[');
		size_t k = 1;
		if (array && br) {
			unsigned lo, hi;
			if (sscanf(br, "[%u-%u", &lo, &hi) == 2 && hi >= lo)
				k = hi - lo + 1;
		}
		for (size_t i = 0; i < k; i++)
			tally_state(t, state);
		snprintf(one, onelen, "%s", state);
	}
	return 0;
}

static int fleet_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = "fleet";
	char path[PATH_MAX + 32], array_id[64] = "", merge_id[64] = "", one[64], mstate[64];
	size_t units = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c != 'D') {
			fprintf(stderr, "See 'fragtrace fleet --help'.\n");
			return EXIT_USAGE;
		}
		dir = optarg;
	}
	snprintf(path, sizeof(path), "%s/fleet.jobs", dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		cli_error("%s: %s (no fleet submitted into %s?)", path, strerror(errno), dir);
		return EXIT_RUNTIME;
	}
	if (fscanf(f, "array %63s merge %63s units %zu", array_id, merge_id, &units) != 3) {
		fclose(f);
		cli_error("%s: not a fleet.jobs file written by fragtrace fleet submit", path);
		return EXIT_RUNTIME;
	}
	fclose(f);
	size_t done = 0;
	for (size_t i = 0; i < units; i++) {
		struct stat st;
		snprintf(path, sizeof(path), "%s/jobs/task-%zu.db", dir, i);
		done += !stat(path, &st);
	}
	struct tally t, m;
	bool acct, macct;
	if (job_states(array_id, true, &t, one, sizeof(one), &acct) ||
	    job_states(merge_id, false, &m, mstate, sizeof(mstate), &macct)) {
		cli_error("neither sacct nor squeue answered for job %s", array_id);
		return EXIT_RUNTIME;
	}
	printf("array job %s: %zu tasks: %zu pending, %zu running, %zu completed, %zu failed"
	       "%s; %zu of %zu task databases in %s/jobs\n",
	       array_id, units, t.pending, t.running, t.completed, t.failed,
	       t.other ? " (and others)" : "", done, units, dir);
	if (!acct)
		printf("  (Slurm accounting is off: tasks that ended are not listed; the task "
		       "databases show which succeeded)\n");
	snprintf(path, sizeof(path), "%s/fleet.db", dir);
	struct stat st;
	printf("merge job %s: %s; %s %s\n", merge_id, mstate, path,
	       stat(path, &st) ? "not there yet" : "present");
	return t.failed || m.failed ? EXIT_RUNTIME : EXIT_OK;
}

static int run_fleet(int argc, char **argv)
{
	if (argc < 2) {
		cli_error("fleet needs submit or status");
		fprintf(stderr, "See 'fragtrace fleet --help'.\n");
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "submit"))
		return fleet_submit(argc - 1, argv + 1);
	if (!strcmp(argv[1], "status"))
		return fleet_status(argc - 1, argv + 1);
	cli_error("'%s' is not a fleet command (submit, status)", argv[1]);
	fprintf(stderr, "See 'fragtrace fleet --help'.\n");
	return EXIT_USAGE;
}

const struct cli_command cmd_fleet = {
	.name = "fleet",
	.summary = "replay traces x variants as a Slurm job array and merge the results",
	.run = run_fleet,
	.usage = fleet_usage,
};
