// SPDX-License-Identifier: GPL-2.0
/*
 * test_trace_codec.c - the trace reader's fast paths against their plain ones: crc32c's
 * instruction way against its table way (and a known vector); the codec's groups of events
 * whose timestamp deltas are one byte each (read straight from the TS column) against the
 * events written, in streams where such groups alternate with ones that hold a longer delta,
 * every record type mixed in.
 */
#include "crc32c.h"
#include "test_tmp.h"
#include "test_util.h"

#include <unistd.h>

static void test_crc32c(void)
{
	static uint8_t buf[4096 + 16];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rnd();
	CHECK_EQ(crc32c_table_way(0, "123456789", 9), 0xE3069283u);
	CHECK_EQ(crc32c_instruction_way(0, "123456789", 9), 0xE3069283u);
	CHECK_EQ(crc32c(0, "123456789", 9), 0xE3069283u);
	CHECK_EQ(crc32c(0, "", 0), 0u);
	/* every length to 300 and some longer ones, at every alignment, continued or not */
	for (size_t len = 0; len < 4096; len = len < 300 ? len + 1 : len * 2 + 7) {
		for (size_t at = 0; at < 16; at++) {
			uint32_t seed = (uint32_t)rnd();
			uint32_t t = crc32c_table_way(seed, buf + at, len);
			CHECK_EQ(crc32c_instruction_way(seed, buf + at, len), t);
			CHECK_EQ(crc32c(seed, buf + at, len), t);
			size_t cut = len ? rnd() % len : 0;
			CHECK_EQ(crc32c(crc32c(seed, buf + at, cut), buf + at + cut, len - cut), t);
		}
	}
	printf("crc32c: the CPU's instruction is %s\n",
	       crc32c_has_instruction() ? "used" : "absent (table way only)");
}

/* n events, the timestamp moving by under 128 units except every long_every-th event. */
static void test_ts_groups(size_t n, size_t long_every, uint32_t res)
{
	static uint8_t blob[512];
	char path[64];
	struct trace_header h;
	struct trace_writer *w;
	struct trace_event *evs = calloc(n, sizeof(*evs));
	uint64_t ts = 1000;

	CHECK_FATAL(evs != NULL, "memory");
	test_tmp_path(path, sizeof(path), "codec");
	test_header(&h, res);
	CHECK_FATAL(trace_writer_open(path, &h, NULL, &w) == 0, "open %s", path);
	uint32_t s1 = trace_writer_string(w, "cache-a"), s2 = trace_writer_string(w, "site+0x10");
	for (size_t i = 0; i < n; i++) {
		ts += (i % long_every == long_every - 1 ? 1000 + rnd() % 100000 : rnd() % 128) *
		      res;
		test_random_event(&evs[i], ts, s2 > s1 ? s2 : s1, blob);
		CHECK(trace_writer_add(w, &evs[i]) == 0, "add %zu: %s", i, trace_writer_error(w));
	}
	CHECK(trace_writer_close(w) == 0, "close: %s", trace_writer_error(w));
	trace_writer_free(w);

	struct trace_reader *r;
	const struct trace_event *got;
	size_t i = 0;
	int k;
	CHECK_FATAL(trace_reader_open(path, &r) == 0, "reopen: %s", trace_reader_error(r));
	while ((k = trace_reader_next_batch(r, &got)) > 0)
		for (int j = 0; j < k && i < n; j++, i++)
			CHECK(test_event_equal(&evs[i], &got[j], res),
			      "event %zu (type %u) differs", i, evs[i].type);
	CHECK(k == 0 && i == n, "read %zu of %zu events: %s", i, n, trace_reader_error(r));
	trace_reader_close(r);
	unlink(path);
	free(evs);
}

int main(void)
{
	test_crc32c();
	test_ts_groups(20000, 1000000, 1); /* every group one byte a delta */
	test_ts_groups(20000, 37, 1);	   /* about one group in three */
	test_ts_groups(20000, 5, 1000);	   /* none */
	return test_summary("trace_codec");
}
