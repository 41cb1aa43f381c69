// SPDX-License-Identifier: GPL-2.0
/*
 * bench_replay.c - replay speed and memory, for bench/replay/run.sh.
 *
 * usage: bench_replay [--threads N] [--repeat R] [--variants a,b,c] [--start WORD] [--no-share]
 *        [--each] TRACE
 * Replays TRACE R times (best run reported, to see past a noisy machine) and prints one line:
 * trace events, trace seconds, setup seconds (snapshots, models, pre-pass) and its phases
 * (load_s: snapshots and header; prepass_s: the slab-page pre-pass and the start plan, beside
 * the workers building the empty models; build_s: the rest, the start states on the workers),
 * replay seconds (decode and apply), events/s over the replay phase and over everything, the slowest
 * variant's own rate (its thread CPU time), model bytes per present page per variant, and the
 * process's peak RSS. eps_cpu is what the load of a shared machine cannot move: trace events
 * per second of the variants' CPU time shared over the threads that apply them (the sum of
 * the variants' thread CPU seconds divided by min(threads, variants)), the replay phase's
 * rate on otherwise idle cores with the variants evenly spread and decoding beside them.
 * Variants that differ only in the trigger switches share a model until they diverge (a shared
 * model's CPU time is dealt to its variants in equal parts, so the sum is the CPU spent);
 * --no-share gives each its own. models= and rounds= say how many models ran in how many
 * replays of the trace.
 * The slowest variant of the run reported (the one variant_eps_min is of) has its apply time
 * split as the kernel accounts it: variant_user_s and variant_sys_s (getrusage RUSAGE_THREAD
 * around each block; their sum is variant_eps_min's CPU time give or take the kernel's tick
 * sampling), variant_minflt its minor faults (the first touches of its memory: system time,
 * and on a guest whose balloon reports free memory to the host, most of the run-to-run swing),
 * and eps_user, trace events per second of its user time alone (beside variant_eps_min, which
 * it does not replace: the code's own speed, without the kernel's faults). --each also prints
 * one line per repeat (repeat=, the same figures of every variant in that run, and the whole
 * process's user and system time and minor faults in that run, setup and apply: proc_*).
 * decode_s is the decoding thread's CPU time in the replay phase's decoding (the reader, zstd,
 * events into operations: with --threads 1 on the variants' core, beside their time), of the
 * run replay_s is of, and eps_decode the events per second of it.
 */
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static double tv_seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	unsigned threads = 1, repeat = 3;
	const char *list = "spb+all";
	struct replay_variant_spec specs[16];
	size_t nv = 0;
	char err[1024];
	enum replay_start start = REPLAY_WARM;
	bool no_share = false, each = false;
	int i;

	for (i = 1; i < argc - 1; i++) {
		if (!strcmp(argv[i], "--threads"))
			threads = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--repeat"))
			repeat = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--variants"))
			list = argv[++i];
		else if (!strcmp(argv[i], "--no-share"))
			no_share = true;
		else if (!strcmp(argv[i], "--each"))
			each = true;
		else if (!strcmp(argv[i], "--start") && i + 1 < argc - 1) {
			if (replay_start_parse(argv[++i], &start)) {
				fprintf(stderr, "bench_replay: unknown start %s\n", argv[i]);
				return 2;
			}
		} else
			break;
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: bench_replay [--threads N] [--repeat R] [--variants a,b] "
				"[--start WORD] [--no-share] [--each] TRACE\n");
		return 2;
	}
	char *names = strdup(list), *save;
	for (char *n = strtok_r(names, ",", &save); n && nv < 16; n = strtok_r(NULL, ",", &save))
		if (replay_variant_parse(n, &specs[nv++], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
	struct replay_options o = { .start = start,
				    .loops = 1,
				    .threads = threads,
				    .sample_ns = 100000000,
				    .no_share = no_share };
	double best_replay = 1e30, best_total = 0, best_setup = 0, slowest_variant = 0;
	double best_load = 0, best_prepass = 0, best_build = 0;
	double best_cpu = 1e30, slowest_user = 0, slowest_sys = 0, best_decode = 0;
	uint64_t slowest_minflt = 0;
	uint64_t events = 0;
	unsigned models = 0, rounds = 0, early = 0;
	double duration = 0, bytes_per_page = 0;
	for (unsigned r = 0; r < repeat; r++) {
		struct replay_result *res;
		struct rusage ru0, ru1;
		getrusage(RUSAGE_SELF, &ru0);
		if (replay_trace(argv[i], &o, specs, nv, &res, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		double replay = res->wall_seconds - res->setup_seconds, cpu = 0;
		for (size_t v = 0; v < res->nr_variants; v++)
			cpu += res->variants[v].seconds;
		cpu /= threads < nv ? (threads ? threads : 1) : (double)nv;
		if (cpu < best_cpu)
			best_cpu = cpu;
		getrusage(RUSAGE_SELF, &ru1);
		for (size_t v = 0; each && v < res->nr_variants; v++) {
			const struct replay_variant_result *vr = &res->variants[v];
			printf("repeat=%u variant=%s cpu_s=%.3f user_s=%.3f sys_s=%.3f minflt=%llu "
			       "eps=%.0f eps_user=%.0f replay_s=%.3f setup_s=%.3f proc_user_s=%.3f "
			       "proc_sys_s=%.3f proc_minflt=%ld\n",
			       r, vr->spec.name, vr->seconds, vr->user_seconds, vr->sys_seconds,
			       (unsigned long long)vr->minflt,
			       vr->seconds > 0 ? (double)res->trace.events / vr->seconds : 0.0,
			       vr->user_seconds > 0 ? (double)res->trace.events / vr->user_seconds
						    : 0.0,
			       replay, res->setup_seconds,
			       tv_seconds(ru1.ru_utime) - tv_seconds(ru0.ru_utime),
			       tv_seconds(ru1.ru_stime) - tv_seconds(ru0.ru_stime),
			       ru1.ru_minflt - ru0.ru_minflt);
		}
		if (replay < best_replay) {
			best_replay = replay;
			best_total = res->wall_seconds;
			best_setup = res->setup_seconds;
			best_load = res->load_seconds;
			best_prepass = res->prepass_seconds;
			best_build = res->build_seconds;
			best_decode = res->decode_seconds;
			slowest_variant = 1e30;
			for (size_t v = 0; v < res->nr_variants; v++) {
				const struct replay_variant_result *vr = &res->variants[v];
				double rate = (double)res->trace.events / vr->seconds;
				if (rate < slowest_variant) {
					slowest_variant = rate;
					slowest_user = vr->user_seconds;
					slowest_sys = vr->sys_seconds;
					slowest_minflt = vr->minflt;
				}
			}
		}
		events = res->trace.events;
		models = res->models;
		rounds = res->rounds;
		early = res->early_starts;
		duration = res->trace.duration_s;
		bytes_per_page =
			(double)res->variants[0].model_bytes / (double)res->trace.host_pages;
		replay_result_free(res);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("trace=%s variants=%zu threads=%u events=%llu trace_s=%.3f setup_s=%.3f "
	       "load_s=%.3f prepass_s=%.3f build_s=%.3f replay_s=%.3f "
	       "eps_replay=%.0f eps_total=%.0f variant_eps_min=%.0f model_bytes_per_page=%.3f "
	       "maxrss_kb=%ld x_realtime=%.2f eps_cpu=%.0f models=%u rounds=%u early=%u "
	       "variant_user_s=%.3f variant_sys_s=%.3f variant_minflt=%llu eps_user=%.0f "
	       "decode_s=%.3f eps_decode=%.0f\n",
	       argv[i], nv, threads, (unsigned long long)events, duration, best_setup, best_load,
	       best_prepass, best_build, best_replay, (double)events / best_replay,
	       (double)events / best_total, slowest_variant, bytes_per_page, ru.ru_maxrss,
	       duration / best_total, (double)events / best_cpu, models, rounds, early,
	       slowest_user, slowest_sys, (unsigned long long)slowest_minflt,
	       slowest_user > 0 ? (double)events / slowest_user : 0.0, best_decode,
	       best_decode > 0 ? (double)events / best_decode : 0.0);
	free(names);
	return 0;
}
