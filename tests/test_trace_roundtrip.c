// SPDX-License-Identifier: GPL-2.0
/*
 * test_trace_roundtrip.c - what goes into a .fgt file comes back out, exactly.
 *
 * Randomised streams of over a million events of every record type with extreme field
 * values, at nanosecond and microsecond resolution, across many chunks; metadata blobs;
 * seeking; batch and single-event reads agreeing; the index's counts; writer refusals.
 */
#include "test_util.h"
#include "trace_format.h"

#include <unistd.h>

static uint8_t blob[512];

static void roundtrip(const char *path, size_t n, uint32_t res, uint32_t chunk_events)
{
	struct trace_header h;
	struct trace_writer *w;
	struct trace_writer_options o = { .chunk_events = chunk_events };
	test_header(&h, res);
	CHECK(trace_writer_open(path, &h, &o, &w) == 0, "open: %s", trace_writer_error(w));
	const uint32_t nstrings = 300;
	char name[64];
	for (uint32_t i = 1; i <= nstrings; i++) {
		snprintf(name, sizeof(name), i % 2 ? "cache_%u" : "site_fn+0x%x", i);
		CHECK(trace_writer_intern(w, name) == i, "intern %u", i);
	}
	CHECK(trace_writer_intern(w, "cache_1") == 1, "intern is idempotent");

	struct trace_event *evs = calloc(n, sizeof(*evs));
	uint64_t ts = 0, counts[TRACE_NR_TYPES] = { 0 }, lost = 0;
	for (size_t i = 0; i < n; i++) {
		ts += rnd() % 64 == 0 ? rnd() % 100000000 : rnd() % 3000;
		if (i == n - 1)
			ts = UINT64_MAX - 5; /* the largest timestamps survive */
		test_random_event(&evs[i], ts, nstrings, blob);
		counts[evs[i].type]++;
		if (evs[i].type == TRACE_LOST && evs[i].lost.count != TRACE_LOST_UNKNOWN)
			lost += evs[i].lost.count;
		CHECK(trace_writer_add(w, &evs[i]) == 0, "add %zu: %s", i, trace_writer_error(w));
		if (i == n / 2) {
			CHECK(trace_writer_add_meta(w, "mid/blob", blob, sizeof(blob)) == 0,
			      "meta");
			CHECK(trace_writer_add_meta(w, "mid/empty", "", 0) == 0, "empty meta");
		}
	}
	CHECK(trace_writer_close(w) == 0, "close: %s", trace_writer_error(w));
	trace_writer_free(w);

	struct trace_reader *r;
	CHECK(trace_reader_open(path, &r) == 0, "reader: %s", trace_reader_error(r));
	const struct trace_summary *s = trace_reader_summary(r);
	CHECK(s->complete && !trace_reader_warning(r), "complete file read through its index");
	CHECK(s->events == n, "events %" PRIu64 " != %zu", s->events, n);
	for (int t = 1; t < TRACE_NR_TYPES; t++)
		CHECK(s->type_counts[t] == counts[t], "type %d count", t);
	CHECK(s->lost_events == lost, "lost sum");
	CHECK(s->lost_markers == counts[TRACE_LOST], "lost markers");
	CHECK(trace_reader_meta_count(r) == 2, "two metas");
	const struct trace_header *rh = trace_reader_header(r);
	CHECK(!strcmp(rh->kernel_release, h.kernel_release) && rh->page_size == 4096 &&
		      rh->pageblock_order == 9 && rh->time_resolution_ns == res &&
		      rh->clock_offset_ns == h.clock_offset_ns &&
		      rh->event_formats_len == h.event_formats_len &&
		      !strcmp(rh->event_formats, h.event_formats),
	      "header round trip");
	CHECK(!strcmp(trace_reader_string(r, 2), "site_fn+0x2"), "string table");
	void *data;
	size_t len;
	CHECK(trace_reader_meta_load(r, 0, &data, &len) == 0 && len == sizeof(blob) &&
		      !memcmp(data, blob, len),
	      "meta blob round trip");
	free(data);
	CHECK(trace_reader_meta_load(r, 1, &data, &len) == 0 && len == 0, "empty meta");
	free(data);

	/* batch reads */
	size_t i = 0;
	const struct trace_event *b;
	int k;
	while ((k = trace_reader_next_batch(r, &b)) > 0)
		for (int j = 0; j < k; j++, i++)
			if (i < n && !test_event_equal(&evs[i], &b[j], res))
				CHECK(0, "event %zu (type %u) differs", i, evs[i].type);
	CHECK(k == 0 && i == n, "read %zu of %zu events (rc %d: %s)", i, n, k,
	      trace_reader_error(r));

	/* trace_reader_reopen(): the file r has open, from its start, though its path now
	 * names another file (replay's split-off streams read the trace the run opened) */
	if (n > 1) {
		char moved[4200];
		snprintf(moved, sizeof(moved), "%s.moved", path);
		CHECK(rename(path, moved) == 0, "rename");
		FILE *other = fopen(path, "w");
		CHECK(other && fputs("not a trace", other) >= 0 && fclose(other) == 0, "replace");
		struct trace_reader *again = NULL;
		CHECK(trace_reader_reopen(r, &again) == 0, "reopen: %s", trace_reader_error(again));
		CHECK(trace_reader_summary(again)->events == n, "reopened: the same events");
		size_t m = 0;
		while ((k = trace_reader_next_batch(again, &b)) > 0)
			for (int j = 0; j < k; j++, m++)
				if (m < n && !test_event_equal(&evs[m], &b[j], res))
					CHECK(0, "reopened: event %zu differs", m);
		CHECK(k == 0 && m == n, "reopened: read %zu of %zu events", m, n);
		trace_reader_close(again);
		CHECK(rename(moved, path) == 0, "rename back");
	}

	/* seeks, then single-event reads */
	for (int round = 0; round < 50; round++) {
		size_t want = rnd() % n;
		uint64_t t = evs[want].ts / res * res;
		size_t first = want;
		while (first > 0 && evs[first - 1].ts / res * res >= t)
			first--;
		CHECK(trace_reader_seek(r, t) == 0, "seek");
		struct trace_event ev;
		for (size_t j = first; j < first + 100 && j < n; j++) {
			CHECK(trace_reader_next(r, &ev) == 1, "next after seek");
			CHECK(test_event_equal(&evs[j], &ev, res), "event %zu after seek to %zu", j,
			      first);
		}
	}
	struct trace_event ev;
	CHECK(trace_reader_seek(r, UINT64_MAX) == 0 && trace_reader_next(r, &ev) == 0,
	      "seek past the end");
	trace_reader_close(r);
	free(evs);
}

static void refusals(const char *path)
{
	struct trace_header h;
	struct trace_writer *w;
	test_header(&h, 1000);
	CHECK(trace_writer_open(path, &h, NULL, &w) == 0, "open");
	struct trace_event ev = { .ts = 5000, .type = TRACE_PAGE_FREE, .cpu = 0 };
	CHECK(trace_writer_add(w, &ev) == 0, "first");
	ev.ts = 5999; /* same microsecond: fine */
	CHECK(trace_writer_add(w, &ev) == 0, "same unit");
	ev.ts = 4000;
	CHECK(trace_writer_add(w, &ev) == TRACE_EORDER, "backwards in time refused");
	CHECK(strstr(trace_writer_error(w), path) != NULL, "error names the file: %s",
	      trace_writer_error(w));
	trace_writer_free(w);

	CHECK(trace_writer_open(path, &h, NULL, &w) == 0, "open");
	ev = (struct trace_event){ .ts = 1, .type = TRACE_SLAB_ALLOC };
	ev.slab.cache = 7;
	CHECK(trace_writer_add(w, &ev) == TRACE_EINVAL, "uninterned id refused");
	trace_writer_free(w);

	CHECK(trace_writer_open("/nonexistent-dir/x.fgt", &h, NULL, &w) == TRACE_EIO,
	      "unwritable path");
	CHECK(strstr(trace_writer_error(w), "/nonexistent-dir/x.fgt") != NULL, "names the path");
	trace_writer_free(w);
}

/* The writer divides timestamps by the resolution with a multiply: exact for every n and d. */
static void divider(void)
{
	static const uint32_t ds[] = { 1,	    2,		 3,	     7,	      10,
				       1000,	    1024,	 4096,	     1000000, 999999937,
				       2147483648u, 2147483649u, 4294967295u };
	for (size_t k = 0; k < sizeof(ds) / sizeof(ds[0]); k++) {
		struct fgt_divider dv;
		fgt_divider_init(&dv, ds[k]);
		for (int i = 0; i < 200000; i++) {
			uint64_t n = i < 8    ? (uint64_t)i
				     : i < 16 ? UINT64_MAX - (uint64_t)(i - 8)
					      : rnd();
			if (i % 3 == 0)
				n >>= rnd() % 64;
			CHECK(fgt_divide(&dv, n) == n / ds[k], "%" PRIu64 " / %u", n, ds[k]);
		}
	}
}

int main(void)
{
	char path[] = "/tmp/fgt-roundtrip-XXXXXX";
	divider();
	int fd = mkstemp(path);
	close(fd);
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)rnd();
	roundtrip(path, 1200000, 1, 65536);
	roundtrip(path, 300000, 1000, 4096);
	roundtrip(path, 1, 1, 0);
	roundtrip(path, 100, 7, 1);
	refusals(path);
	unlink(path);
	return test_summary("test_trace_roundtrip");
}
