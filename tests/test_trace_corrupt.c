// SPDX-License-Identifier: GPL-2.0
/*
 * test_trace_corrupt.c - damaged traces give clear errors, never crashes or garbage events.
 *
 * Truncation at every chunk boundary, around it and at random places inside chunks; bit
 * flips anywhere; an empty file, a wrong magic, a newer format version; a writer that died
 * before its index; a full disk. A readable prefix must come back exactly; anything else must
 * be an error that names the file.
 */
#include "crc32c.h"
#include "test_util.h"

#include <fcntl.h>
#include <unistd.h>

static uint8_t blob[512];
static struct trace_event *evs;
static size_t nevs;
static uint8_t *file;
static size_t file_len;
static char path[] = "/tmp/fgt-corrupt-XXXXXX";
static uint64_t *chunk_end; /* byte offset after chunk i */
static uint64_t *chunk_events_end;
static size_t nchunks;

static void write_file(const uint8_t *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		perror(path);
		exit(1);
	}
	close(fd);
}

static uint8_t *read_whole(size_t *len)
{
	FILE *f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *d = malloc(*len);
	if (fread(d, 1, *len, f) != *len)
		exit(1);
	fclose(f);
	return d;
}

static void make_trace(int finish)
{
	struct trace_header h;
	struct trace_writer *w;
	struct trace_writer_options o = { .chunk_events = 2000 };
	test_header(&h, 1);
	CHECK(trace_writer_open(path, &h, &o, &w) == 0, "open");
	for (int i = 1; i <= 20; i++) {
		char s[32];
		snprintf(s, sizeof(s), "str%d", i);
		trace_writer_intern(w, s);
	}
	trace_writer_add_meta(w, "start/x", blob, 100);
	uint64_t ts = 1000;
	for (size_t i = 0; i < nevs; i++) {
		ts += rnd() % 2000;
		test_random_event(&evs[i], ts, 20, blob);
		CHECK(trace_writer_add(w, &evs[i]) == 0, "add");
	}
	if (finish) {
		trace_writer_add_meta(w, "end/x", blob, 200);
		CHECK(trace_writer_close(w) == 0, "close");
	} else {
		trace_writer_flush(w); /* as if killed after its last flush */
	}
	trace_writer_free(w);
}

/* Read everything; return the count of events equal to the originals, -1 on a mismatch. */
static long read_all(struct trace_reader *r, int *err)
{
	const struct trace_event *b;
	long i = 0;
	int k;
	while ((k = trace_reader_next_batch(r, &b)) > 0)
		for (int j = 0; j < k; j++, i++)
			if ((size_t)i >= nevs || !test_event_equal(&evs[i], &b[j], 1))
				return -1;
	*err = k < 0;
	return i;
}

static void check_truncated(size_t len)
{
	write_file(file, len);
	struct trace_reader *r;
	int rc = trace_reader_open(path, &r);
	if (len < 200) { /* inside the header section */
		CHECK(rc < 0, "cut at %zu inside the header must fail", len);
		CHECK(trace_reader_error(r) && strstr(trace_reader_error(r), path),
		      "error names the file");
		trace_reader_close(r);
		return;
	}
	CHECK(rc == 0, "cut at %zu: %s", len, trace_reader_error(r));
	if (rc) {
		trace_reader_close(r);
		return;
	}
	size_t expect = 0;
	for (size_t c = 0; c < nchunks; c++)
		if (chunk_end[c] <= len)
			expect = chunk_events_end[c];
	int err = 0;
	long got = read_all(r, &err);
	CHECK(!err && got == (long)expect, "cut at %zu: read %ld events, expected %zu (%s)", len,
	      got, expect, trace_reader_error(r) ? trace_reader_error(r) : "");
	CHECK(len == file_len || trace_reader_warning(r), "cut at %zu warns", len);
	if (len < file_len && trace_reader_warning(r))
		CHECK(strstr(trace_reader_warning(r), path) != NULL, "warning names the file");
	trace_reader_close(r);
}

static void check_flip(size_t pos, int bit)
{
	file[pos] ^= (uint8_t)(1 << bit);
	write_file(file, file_len);
	file[pos] ^= (uint8_t)(1 << bit);
	struct trace_reader *r;
	if (trace_reader_open(path, &r)) {
		CHECK(trace_reader_error(r) && strstr(trace_reader_error(r), path),
		      "flip at %zu: error names the file", pos);
		trace_reader_close(r);
		return;
	}
	int err = 0;
	long got = read_all(r, &err);
	CHECK(got >= 0, "flip at %zu bit %d: garbage event returned", pos, bit);
	CHECK(err || got == (long)nevs, "flip at %zu bit %d: %ld events, no error", pos, bit, got);
	if (err)
		CHECK(strstr(trace_reader_error(r), "chunk") &&
			      strstr(trace_reader_error(r), "byte"),
		      "error names chunk and byte: %s", trace_reader_error(r));
	for (size_t m = 0; m < trace_reader_meta_count(r); m++) {
		void *d;
		size_t len;
		if (trace_reader_meta_load(r, m, &d, &len) == 0) {
			CHECK(len == (m ? 200u : 100u) && !memcmp(d, blob, len),
			      "flip at %zu: meta %zu garbage", pos, m);
			free(d);
		}
	}
	trace_reader_close(r);
}

static void expect_open_error(const uint8_t *data, size_t len, int want_rc, const char *text)
{
	write_file(data, len);
	struct trace_reader *r;
	int rc = trace_reader_open(path, &r);
	CHECK(rc == want_rc, "%s: rc %d, want %d", text, rc, want_rc);
	CHECK(trace_reader_error(r) && strstr(trace_reader_error(r), text), "message '%s' has '%s'",
	      trace_reader_error(r), text);
	trace_reader_close(r);
}

int main(void)
{
	int fd = mkstemp(path);
	close(fd);
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)rnd();
	nevs = 20000;
	evs = calloc(nevs, sizeof(*evs));
	make_trace(1);
	file = read_whole(&file_len);

	struct trace_reader *r;
	CHECK(trace_reader_open(path, &r) == 0, "pristine file opens");
	nchunks = trace_reader_chunk_count(r);
	chunk_end = calloc(nchunks, sizeof(*chunk_end));
	chunk_events_end = calloc(nchunks, sizeof(*chunk_events_end));
	for (size_t c = 0; c < nchunks; c++) {
		const struct trace_chunk_info *ci = trace_reader_chunk(r, c);
		chunk_end[c] = ci->offset + ci->size;
		chunk_events_end[c] = ci->first_event + ci->events;
	}
	trace_reader_close(r);
	CHECK(nchunks == 10, "10 chunks, got %zu", nchunks);

	/* truncation: every chunk boundary and around it, then random cuts */
	for (size_t c = 0; c < nchunks; c++)
		for (int d = -9; d <= 9; d++)
			check_truncated((size_t)((int64_t)chunk_end[c] + d));
	for (int i = 0; i < 300; i++)
		check_truncated(rnd() % file_len);
	for (size_t len = file_len - 80; len <= file_len; len++)
		check_truncated(len); /* inside the index and the trailer */

	/* bit flips everywhere: every byte of the first 400, then random */
	for (size_t pos = 0; pos < 400; pos++)
		check_flip(pos, (int)(pos % 8));
	for (int i = 0; i < 1500; i++)
		check_flip(rnd() % file_len, (int)(rnd() % 8));

	/* fixed failures */
	expect_open_error(file, 0, TRACE_EFORMAT, "empty file");
	uint8_t *bad = malloc(file_len);
	memcpy(bad, file, file_len);
	bad[0] ^= 0xff;
	expect_open_error(bad, file_len, TRACE_EFORMAT, "not a fragtrace trace");
	memcpy(bad, "garbage that is not a trace at all, not even close", 50);
	expect_open_error(bad, 50, TRACE_EFORMAT, "not a fragtrace trace");
	memcpy(bad, file, file_len);
	uint32_t dlen = bad[4] | bad[5] << 8;
	bad[8 + 24] = 2; /* header major version 2, checksum fixed up */
	uint32_t crc = crc32c(0, bad + 8, dlen - 4);
	memcpy(bad + 8 + dlen - 4, &crc, 4);
	expect_open_error(bad, file_len, TRACE_EVERSION, "newer than this fragtrace reads");
	free(bad);

	/* a writer that died after flushing: readable without an index, with a warning */
	make_trace(0);
	CHECK(trace_reader_open(path, &r) == 0, "unfinished file opens");
	int err = 0;
	CHECK(read_all(r, &err) == (long)nevs && !err, "all flushed events readable");
	CHECK(trace_reader_warning(r) && strstr(trace_reader_warning(r), "no index"),
	      "warns about the missing index");
	CHECK(!trace_reader_summary(r)->complete, "marked incomplete");
	trace_reader_close(r);

	/* a full disk */
	struct trace_header h;
	struct trace_writer *w;
	test_header(&h, 1);
	int rc = trace_writer_open("/dev/full", &h, NULL, &w);
	CHECK(rc == TRACE_EIO && strstr(trace_writer_error(w), "No space left"), "full disk: %s",
	      trace_writer_error(w));
	trace_writer_free(w);

	unlink(path);
	free(file);
	free(evs);
	free(chunk_end);
	free(chunk_events_end);
	return test_summary("test_trace_corrupt");
}
