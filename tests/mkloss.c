// SPDX-License-Identifier: GPL-2.0
/*
 * mkloss.c - `mkloss IN OUT MODE [EVENTS]`: copy a real trace (its first EVENTS events, all by
 * default, and every snapshot) with a recording gap written in, for the tests of how info, check
 * and replay size and report lost events and the slab addresses mode (tests/loss_test.sh).
 *
 * MODE:
 *   unknown  a lost marker of unknown size on CPU 1 and one of 100 events on CPU 0, halfway;
 *            cpu_stats whose overrun grows by 293028 on CPU 1 and by 100 on CPU 0
 *   nostats  the same markers, no cpu_stats snapshots (an older recording or an import)
 *   badstats the same markers, an end/cpu_stats that is not the kernel's format
 *   hashed   the gap of unknown, and capture/options says "addresses: hashed"
 * Everything else (events, strings, other snapshots) is copied as it is.
 */
#include "trace_copy.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* per_cpu/cpuN/stats of two CPUs as the recorder stores them. */
static int stats_text(char *buf, size_t len, unsigned long long overrun0,
		      unsigned long long overrun1)
{
	return snprintf(buf, len,
			"cpu0:\nentries: 0\noverrun: %llu\ncommit overrun: 0\nbytes: 0\n"
			"oldest event ts:  7159.911067\nnow ts:  7159.914328\n"
			"dropped events: 0\nread events: 608508\n"
			"cpu1:\nentries: 0\noverrun: %llu\ncommit overrun: 0\nbytes: 0\n"
			"oldest event ts:  7159.911379\nnow ts:  7159.914351\n"
			"dropped events: 0\nread events: 439082\n",
			overrun0, overrun1);
}

static void copy_meta(struct copy *c, const char *mode)
{
	for (size_t i = 0; i < trace_reader_meta_count(c->r); i++) {
		const char *name = trace_reader_meta(c->r, i)->name;
		void *data;
		size_t len;
		if (strstr(name, "/cpu_stats"))
			continue; /* written below */
		if (trace_reader_meta_load(c->r, i, &data, &len))
			exit(1);
		if (!strcmp(name, "capture/options") && !strcmp(mode, "hashed")) {
			char *p = memmem(data, len, "addresses: physical", 19);
			if (!p) {
				fprintf(stderr, "mkloss: no physical addresses in the input\n");
				exit(1);
			}
			memcpy(p, "addresses: hashed\n\n", 19);
		}
		trace_writer_add_meta(c->w, name, data, len);
		free(data);
	}
	char text[1024];
	int n;
	bool gap = !strcmp(mode, "unknown") || !strcmp(mode, "hashed");
	if (gap || !strcmp(mode, "badstats")) {
		n = stats_text(text, sizeof(text), 7, 1000);
		trace_writer_add_meta(c->w, "start/cpu_stats", text, (size_t)n);
	}
	if (gap) {
		n = stats_text(text, sizeof(text), 107, 1000 + 293028);
		trace_writer_add_meta(c->w, "end/cpu_stats", text, (size_t)n);
	}
	if (!strcmp(mode, "badstats")) {
		static const char bad[] = "cpu0:\noverrun 12\n";
		trace_writer_add_meta(c->w, "end/cpu_stats", bad, sizeof(bad) - 1);
	}
}

int main(int argc, char **argv)
{
	struct copy c = { 0 };
	if (argc < 4 || (strcmp(argv[3], "unknown") && strcmp(argv[3], "nostats") &&
			 strcmp(argv[3], "badstats") && strcmp(argv[3], "hashed"))) {
		fprintf(stderr, "usage: mkloss IN OUT unknown|nostats|badstats|hashed [EVENTS]\n");
		return 2;
	}
	const char *mode = argv[3];
	if (trace_reader_open(argv[1], &c.r)) {
		fprintf(stderr, "mkloss: %s\n", trace_reader_error(c.r));
		return 1;
	}
	uint64_t max = argc > 4 ? strtoull(argv[4], NULL, 0) : UINT64_MAX;
	uint64_t total = trace_reader_summary(c.r)->events;
	uint64_t half = (max < total ? max : total) / 2;
	struct trace_writer_options o = { 0 };
	if (trace_writer_open(argv[2], trace_reader_header(c.r), &o, &c.w)) {
		fprintf(stderr, "mkloss: %s\n", trace_writer_error(c.w));
		return 1;
	}
	copy_meta(&c, mode);
	struct trace_event ev;
	int rc = 0;
	for (uint64_t i = 0; i < max && (rc = trace_reader_next(c.r, &ev)) > 0; i++) {
		copy_event_strings(&c, &ev);
		if (i == half) {
			struct trace_event l = { .ts = ev.ts, .type = TRACE_LOST, .cpu = 0 };
			l.lost.count = 100;
			trace_writer_add(c.w, &l);
			l.cpu = 1;
			l.lost.count = TRACE_LOST_UNKNOWN;
			trace_writer_add(c.w, &l);
		}
		if (trace_writer_add(c.w, &ev))
			break;
	}
	return copy_finish(&c, "mkloss", rc);
}
