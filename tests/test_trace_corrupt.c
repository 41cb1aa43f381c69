// SPDX-License-Identifier: GPL-2.0
/*
 * test_trace_corrupt.c - damaged traces give clear errors, never crashes or garbage events.
 *
 * Truncation at every chunk boundary, around it and at random places inside chunks; bit
 * flips anywhere; an empty file, a wrong magic, a newer format version; a writer that died
 * before its index; a full disk. A readable prefix must come back exactly; anything else must
 * be an error that names the file. Every bit of the end section and the index descriptor
 * flipped leaves every event readable, with a warning naming the file and the byte. The
 * salvage read (recover's) of a file with damaged chunks returns every intact chunk's events
 * exactly, with a lost marker counting each damaged chunk's events where they were. Paths
 * near PATH_MAX give whole error messages. A writer killed on a quiet host has written a chunk
 * for every TRACE_FLUSH_INTERVAL_NS of trace time.
 *
 * The damaged file is 10 chunks of TEST_CHUNK_EVENTS events: every structure a flip or a cut
 * can hit (header, chunk descriptors and payloads, index, end section) is there, and each of
 * the ~3,300 reads stays cheap (a few seconds in all under ASan).
 */
#include "crc32c.h"
#include "test_util.h"
#include "trace_format.h"

#define FGT_END_BYTES_TEST 60  /* the end section: always the file's last 60 bytes */
#define TEST_CHUNK_EVENTS  400 /* events per chunk of the damaged file */

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <limits.h>
#include <unistd.h>

static uint8_t blob[512];
static struct trace_event *evs;
static size_t nevs;
static uint8_t *file;
static size_t file_len;
static char path[] = "/tmp/fgt-corrupt-XXXXXX";
static uint64_t *chunk_end; /* byte offset after chunk i */
static uint64_t *chunk_events_end;
static uint64_t chunk_size0; /* bytes of chunk 0 */
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
	/* an unfinished trace is record's case: written in place, so it stays when killed */
	struct trace_writer_options o = { .chunk_events = TEST_CHUNK_EVENTS, .in_place = !finish };
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

/* Flip one bit; the file must still give every event, with a warning naming file and byte. */
static void check_flip_readable(size_t pos, int bit)
{
	file[pos] ^= (uint8_t)(1 << bit);
	write_file(file, file_len);
	file[pos] ^= (uint8_t)(1 << bit);
	unsigned int last = bit ? 0 : TRACE_READ_SALVAGE; /* salvage too, one bit a byte */
	for (unsigned int flags = 0; flags <= last; flags += TRACE_READ_SALVAGE) {
		struct trace_reader *r;
		int rc = trace_reader_open_flags(path, flags, &r);
		CHECK(rc == 0, "flip at %zu bit %d: %s", pos, bit, trace_reader_error(r));
		if (rc) {
			trace_reader_close(r);
			continue;
		}
		int err = 0;
		long got = read_all(r, &err);
		CHECK(!err && got == (long)nevs, "flip at %zu bit %d: %ld of %zu events (%s)", pos,
		      bit, got, nevs, err ? trace_reader_error(r) : "");
		const char *w = trace_reader_warning(r);
		CHECK(w && strstr(w, path) && strstr(w, "byte"),
		      "flip at %zu bit %d: warning names file and byte: %s", pos, bit,
		      w ? w : "(none)");
		CHECK(trace_reader_meta_count(r) == 2, "flip at %zu: both snapshots found", pos);
		trace_reader_close(r);
	}
}

/*
 * Damage chunks `bad` (a bitmask) by flipping one bit in each one's descriptor or payload;
 * the salvage read must return every other chunk's events exactly, and a lost marker with the
 * damaged chunk's event count in its place. In_payload picks where the bit goes.
 */
static void check_salvage(unsigned int bad, int in_payload)
{
	uint8_t *d = malloc(file_len);
	memcpy(d, file, file_len);
	for (size_t c = 0; c < nchunks; c++) {
		if (!(bad & 1u << c))
			continue;
		uint64_t start = c ? chunk_end[c - 1] : chunk_end[0] - chunk_size0;
		d[start + (in_payload ? 8 + 68 + 200 : 20)] ^= 0x10;
	}
	write_file(d, file_len);
	free(d);
	struct trace_reader *r;
	int rc = trace_reader_open_flags(path, TRACE_READ_SALVAGE, &r);
	CHECK(rc == 0, "salvage %#x: %s", bad, trace_reader_error(r));
	if (rc) {
		trace_reader_close(r);
		return;
	}
	const struct trace_event *b;
	size_t c = 0, at = 0, markers = 0;
	int k, ok = 1;
	while ((k = trace_reader_next_batch(r, &b)) > 0 && ok) {
		for (int j = 0; j < k && ok; j++) {
			while (c < nchunks && at == chunk_events_end[c])
				c++;
			if (c < nchunks && (bad & 1u << c)) {
				uint64_t n =
					chunk_events_end[c] - (c ? chunk_events_end[c - 1] : 0);
				ok = b[j].type == TRACE_LOST && b[j].lost.count == n;
				CHECK(ok,
				      "salvage %#x: chunk %zu's place holds a lost marker of %llu",
				      bad, c, (unsigned long long)n);
				at = chunk_events_end[c];
				markers++;
				continue;
			}
			ok = at < nevs && test_event_equal(&evs[at], &b[j], 1);
			CHECK(ok, "salvage %#x: event %zu differs", bad, at);
			at++;
		}
	}
	CHECK(k == 0, "salvage %#x: read error %s", bad, trace_reader_error(r));
	CHECK(!ok || at == nevs, "salvage %#x: stopped at event %zu of %zu", bad, at, nevs);
	CHECK((size_t)__builtin_popcount(bad) == markers, "salvage %#x: %zu markers", bad, markers);
	CHECK(trace_reader_damage_count(r) == (size_t)__builtin_popcount(bad),
	      "salvage %#x: %zu damage records", bad, trace_reader_damage_count(r));
	const char *w = trace_reader_warning(r);
	CHECK(w && strstr(w, path) && strstr(w, "damaged at byte"), "salvage %#x: warning %s", bad,
	      w ? w : "(none)");
	trace_reader_close(r);

	/* without salvage: every event before the first damaged chunk, then an error there */
	CHECK(trace_reader_open(path, &r) == 0, "plain open of damaged chunks");
	int err = 0;
	long got = read_all(r, &err);
	size_t first_bad = (size_t)__builtin_ctz(bad);
	CHECK(err && got == (long)(first_bad ? chunk_events_end[first_bad - 1] : 0),
	      "plain read of %#x: %ld events, error %d", bad, got, err);
	trace_reader_close(r);
}

/* Error messages stay whole (and in bounds) for a path near PATH_MAX. */
static void check_long_path(void)
{
	char *p = malloc(PATH_MAX);
	int n = snprintf(p, PATH_MAX, "/tmp/fgt-no-such-dir");
	while (n < PATH_MAX - 40)
		n += snprintf(p + n, (size_t)(PATH_MAX - n), "/%s", "long-directory-name-segment");
	struct trace_reader *r;
	CHECK(trace_reader_open(p, &r) == TRACE_EIO, "long path: open fails");
	const char *e = trace_reader_error(r);
	CHECK(e && !strncmp(e, p, 100) && strstr(e, "cannot open"), "long path: %.80s...",
	      e ? e : "");
	trace_reader_close(r);
	struct trace_header h;
	struct trace_writer *w;
	test_header(&h, 1);
	CHECK(trace_writer_open(p, &h, NULL, &w) == TRACE_EIO, "long path: create fails");
	e = trace_writer_error(w);
	CHECK(e && !strncmp(e, p, 100) && strstr(e, "cannot"), "long path: %.80s...", e ? e : "");
	trace_writer_free(w);
	free(p);
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

static uint8_t *codec_columns[FGT_NR_COLUMNS];
static struct varint_cursor codec_columns_cur[FGT_NR_COLUMNS];

/* One column of the hand-built chunk below: a malloc of exactly its bytes (ASan sees overruns). */
static void codec_column(struct varint_cursor *c, const uint8_t *src, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	size_t k = (size_t)(c - codec_columns_cur);
	free(codec_columns[k]);
	codec_columns[k] = p;
	CHECK(p != NULL, "column");
	memcpy(p, src, n);
	c->p = p;
	c->end = p + n;
	c->bad = 0;
}

/*
 * The codec's group room test counts the hot-column reads of the other events too (review of
 * session 18): 15 shrinker ends (one STR read each), a slab free and three kmallocs whose STR
 * bytes are cut short, then page frees. Counting only the slab events' STR reads let the group
 * decode without bounds checks and read past the column; now the chunk fails.
 */
static void check_codec_group_room(void)
{
	enum { NS = 15, NK = 3, NP = 200, N = NS + 1 + NK + NP };
	uint8_t head[N], ts[N], str[NS + 1 + NK], site[64], addr[64], size[64], gfp[64], misc[256],
		pfn[NP];
	size_t ns = 0, na = 0, nz = 0, ng = 0, nm = 0, i, k = 0;
	struct fgt_codec c;

	CHECK(fgt_codec_init(&c, 1) == 0, "codec");
	fgt_codec_begin_chunk(&c);
	for (i = 0; i < NS; i++)
		head[k++] = TRACE_SHRINK_END;
	head[k++] = TRACE_SLAB_FREE;
	for (i = 0; i < NK; i++)
		head[k++] = TRACE_KMALLOC;
	for (i = 0; i < NP; i++)
		head[k++] = TRACE_PAGE_FREE_BATCHED;
	memset(ts, 1, sizeof(ts));
	for (i = 0; i < NS; i++)
		str[i] = 1;
	for (; i < sizeof(str); i++)
		str[i] = 0x80; /* the free's and the kmallocs' cache ids: cut short */
	site[ns++] = 1;
	for (i = 0; i < NK; i++)
		for (int b = 0; b < 4; b++)
			site[ns++] = b < 3 ? 0x80 : 1;
	for (i = 0; i < 9; i++)
		addr[na++] = 0xff;
	addr[na++] = 1;
	for (i = 0; i < NK; i++)
		addr[na++] = 2;
	for (i = 0; i < 2 * NK; i++)
		for (int b = 0; b < 4; b++)
			size[nz++] = b < 3 ? 0x80 : 1;
	for (i = 0; i < NK; i++)
		for (int b = 0; b < 4; b++)
			gfp[ng++] = b < 3 ? 0x80 : 1;
	for (i = 0; i < NS * 5 + NK; i++)
		misc[nm++] = 0;
	memset(pfn, 0, sizeof(pfn));

	struct varint_cursor *cur = codec_columns_cur;
	static const uint8_t none[1];
	for (i = 0; i < FGT_NR_COLUMNS; i++)
		codec_column(&cur[i], none, 0);
	codec_column(&cur[FGT_COL_HEAD], head, N);
	codec_column(&cur[FGT_COL_TS], ts, N);
	codec_column(&cur[FGT_COL_STR], str, sizeof(str));
	codec_column(&cur[FGT_COL_SITE], site, ns);
	codec_column(&cur[FGT_COL_ADDR], addr, na);
	codec_column(&cur[FGT_COL_SIZE], size, nz);
	codec_column(&cur[FGT_COL_GFP], gfp, ng);
	codec_column(&cur[FGT_COL_MISC], misc, nm);
	codec_column(&cur[FGT_COL_PFN], pfn, NP);
	const uint8_t *str_end = cur[FGT_COL_STR].end;
	static struct trace_event out[N];
	const char *what = "";
	int rc = fgt_decode_events(&c, cur, out, N, &what);
	CHECK(cur[FGT_COL_STR].p <= str_end, "STR read %td bytes past its end",
	      cur[FGT_COL_STR].p - str_end);
	CHECK(rc != 0 || cur[FGT_COL_STR].bad, "a cut STR column fails the chunk");
	for (i = 0; i < FGT_NR_COLUMNS; i++) {
		free(codec_columns[i]);
		codec_columns[i] = NULL;
	}
	fgt_codec_free(&c);
}

int main(void)
{
	check_codec_group_room();
	int fd = mkstemp(path);
	close(fd);
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)rnd();
	nevs = 10 * TEST_CHUNK_EVENTS;
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
	chunk_size0 = trace_reader_chunk(r, 0)->size;
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

	/* the end section and the index descriptor: every bit */
	uint64_t index_at = 0;
	for (size_t i = 0; i < 8; i++)
		index_at |= (uint64_t)file[file_len - FGT_END_BYTES_TEST + 32 + i] << (8 * i);
	for (size_t pos = file_len - FGT_END_BYTES_TEST; pos < file_len; pos++)
		for (int bit = 0; bit < 8; bit++)
			check_flip_readable(pos, bit);
	for (size_t pos = index_at; pos < index_at + 8 + 28; pos++)
		for (int bit = 0; bit < 8; bit++)
			check_flip_readable(pos, bit);

	/* damaged chunks: salvage keeps every intact one */
	check_salvage(1u << 0, 1);
	check_salvage(1u << 0, 0);
	check_salvage(1u << 4, 1);
	check_salvage(1u << 3 | 1u << 4 | 1u << 9, 1);
	check_salvage(1u << 2 | 1u << 7, 0);

	check_long_path();

	/* fixed failures */
	expect_open_error(file, 0, TRACE_EFORMAT, "empty file");
	uint8_t *bad = malloc(file_len);
	memcpy(bad, file, file_len);
	bad[0] ^= 0xff;
	expect_open_error(bad, file_len, TRACE_EFORMAT, "not a fragtrace trace");
	memcpy(bad, "garbage that is not a trace at all, not even close", 50);
	expect_open_error(bad, 50, TRACE_EFORMAT, "not a fragtrace trace");
	memcpy(bad, file, file_len);
	uint32_t dlen = (uint32_t)bad[4] | (uint32_t)bad[5] << 8;
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

	/* a writer killed on a quiet host: one event every 0.5 s of trace time for 20 s */
	struct trace_header qh;
	struct trace_writer *qw;
	test_header(&qh, 1);
	struct trace_writer_options qo = { .in_place = 1 }; /* as record writes */
	CHECK(trace_writer_open(path, &qh, &qo, &qw) == 0, "open the quiet trace");
	for (int i = 0; i < 40; i++) {
		struct trace_event ev = { .ts = 1000000000ull + (uint64_t)i * UINT64_C(500000000),
					  .type = TRACE_PAGE_FREE,
					  .page = { .pfn = (uint64_t)i } };
		CHECK(trace_writer_add(qw, &ev) == 0, "add a quiet event");
	}
	trace_writer_free(qw); /* killed: never closed, never flushed by hand */
	CHECK(trace_reader_open(path, &r) == 0, "quiet trace opens: %s", trace_reader_error(r));
	long quiet = 0;
	const struct trace_event *qb;
	int qn;
	while ((qn = trace_reader_next_batch(r, &qb)) > 0)
		quiet += qn;
	CHECK(qn == 0 && quiet == 36, "a chunk per 2 s of trace time: %ld of 40 events readable",
	      quiet);
	for (size_t c = 0; c < trace_reader_chunk_count(r); c++)
		CHECK(trace_reader_chunk(r, c)->last_ts - trace_reader_chunk(r, c)->first_ts <
			      TRACE_FLUSH_INTERVAL_NS,
		      "chunk %zu spans under TRACE_FLUSH_INTERVAL_NS", c);
	trace_reader_close(r);

	/* a device node is never written to, nor replaced */
	struct trace_header h;
	struct trace_writer *w;
	test_header(&h, 1);
	int rc = trace_writer_open("/dev/full", &h, NULL, &w);
	CHECK(rc == TRACE_EIO && strstr(trace_writer_error(w), "not a regular file"),
	      "device node refused: %s", trace_writer_error(w));
	trace_writer_free(w);

	/* a write that fails (file size limit) leaves the previous file, whole, under its name */
	struct rlimit lim = { 16384, 16384 }, old;
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim.rlim_max = old.rlim_max;
	write_file(file, file_len);
	setrlimit(RLIMIT_FSIZE, &lim);
	rc = trace_writer_open(path, &h, NULL, &w);
	for (uint32_t i = 0; !rc && i < 400000; i++) {
		struct trace_event ev = { .ts = i * 1000u + (rnd() % 1000),
					  .type = TRACE_PAGE_ALLOC,
					  .page.pfn = rnd() };
		rc = trace_writer_add(w, &ev);
	}
	if (!rc)
		rc = trace_writer_close(w);
	setrlimit(RLIMIT_FSIZE, &old);
	CHECK(rc == TRACE_EIO && strstr(trace_writer_error(w), "File too large"),
	      "write failure reported: %s", trace_writer_error(w));
	trace_writer_free(w);
	size_t after_len;
	uint8_t *after = read_whole(&after_len);
	CHECK(after_len == file_len && !memcmp(after, file, file_len),
	      "the previous file is intact after a failed write");
	free(after);

	unlink(path);
	free(file);
	free(evs);
	free(chunk_end);
	free(chunk_events_end);
	return test_summary("test_trace_corrupt");
}
