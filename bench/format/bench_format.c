// SPDX-License-Identifier: GPL-2.0
/*
 * bench_format.c - size and speed of the .fgt format against the ftrace/trace-cmd layout.
 *
 * One run, one synthetic stream (src/synth/synth_stream.c: the baseline capture's event mix,
 * CPU split and rates, with PCP and slab mechanics), three encodings of the same events:
 *   raw      the kernel ring-buffer layout trace-cmd copies to disk: 4 KiB sub-buffers with
 *            a 16-byte header, a 4-byte record header and each event's fields as laid out in
 *            this kernel's format files (kernel virtual addresses for pointers and call sites);
 *   tc-zstd  that raw layout compressed as trace-cmd 3.1's default does: ZSTD_compress2 at
 *            zstd's default level (3) over chunks of 10 sub-buffers;
 *   fgt      fragtrace's own writer, then its reader.
 * It prints bytes per event, the size ratio, and encode/decode rates on one core (thread CPU
 * time), with zstd-3's own compress rate on the raw bytes as the side-by-side speed peer.
 *
 * usage: bench_format [EVENTS] [SEED]   (default 10,000,000 events, seed 1)
 */
#include "synth_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#define SUBBUF	       4096
#define SUBBUF_DATA    4080
#define TC_CHUNK_PAGES 10

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint32_t intern(void *ctx, const char *s)
{
	return trace_writer_string(ctx, s);
}

/* Payload bytes of each event in the 6.18 ring buffer (format files), before the name string. */
static size_t raw_payload(const struct trace_event *ev, const char *cache)
{
	switch (ev->type) {
	case TRACE_PAGE_ALLOC:
		return 36;
	case TRACE_PAGE_ALLOC_ZONE_LOCKED:
		return 28;
	case TRACE_PAGE_FREE:
		return 20;
	case TRACE_PAGE_FREE_BATCHED:
		return 16;
	case TRACE_PAGE_PCPU_DRAIN:
		return 24;
	case TRACE_SLAB_ALLOC:
		return 61 + 3 + strlen(cache) + 1; /* fields, padding, __data_loc name */
	case TRACE_SLAB_FREE:
		return 28 + 4 + strlen(cache) + 1;
	case TRACE_KMALLOC:
		return 52;
	case TRACE_KFREE:
		return 24;
	default:
		return 40;
	}
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* Lay one event out as the kernel would: record header, common fields, then the fields. */
static size_t raw_event(uint8_t *p, const struct trace_event *ev, uint64_t delta, const char *cache,
			uint64_t site_va)
{
	size_t len = (raw_payload(ev, cache) + 3) & ~3ul;
	uint32_t hdr = (uint32_t)(len / 4) | (uint32_t)(delta & ((1u << 27) - 1)) << 5;
	memcpy(p, &hdr, 4);
	uint8_t *e = p + 4;
	memset(e, 0, len);
	uint16_t type = (uint16_t)(650 + ev->type);
	memcpy(e, &type, 2);
	memcpy(e + 4, &ev->pid, 4);
	uint64_t va = 0xffff888000000000ull + ev->slab.addr;
	switch (ev->type) {
	case TRACE_PAGE_ALLOC:
		put64(e + 8, ev->page.pfn);
		memcpy(e + 16, &ev->page.order, 4);
		put64(e + 24, ev->page.gfp);
		memcpy(e + 32, &ev->page.migratetype, 4);
		break;
	case TRACE_PAGE_ALLOC_ZONE_LOCKED:
	case TRACE_PAGE_PCPU_DRAIN:
		memcpy(e + 24, &ev->page.percpu_refill, 4);
		/* fall through */
	case TRACE_PAGE_FREE:
		memcpy(e + 20, &ev->page.migratetype, 4);
		memcpy(e + 16, &ev->page.order, 4);
		/* fall through */
	case TRACE_PAGE_FREE_BATCHED:
		put64(e + 8, ev->page.pfn);
		break;
	case TRACE_SLAB_ALLOC:
	case TRACE_KMALLOC:
		put64(e + 8, site_va);
		put64(e + 16, va);
		if (ev->type == TRACE_SLAB_ALLOC) {
			uint32_t loc = 64 | (uint32_t)(strlen(cache) + 1) << 16;
			memcpy(e + 24, &loc, 4);
			put64(e + 32, ev->slab.bytes_req);
			put64(e + 40, ev->slab.bytes_alloc);
			put64(e + 48, ev->slab.gfp);
			memcpy(e + 56, &ev->slab.node, 4);
			memcpy(e + 64, cache, strlen(cache) + 1);
		} else {
			put64(e + 24, ev->slab.bytes_req);
			put64(e + 32, ev->slab.bytes_alloc);
			put64(e + 40, ev->slab.gfp);
			memcpy(e + 48, &ev->slab.node, 4);
		}
		break;
	case TRACE_SLAB_FREE:
	case TRACE_KFREE:
		put64(e + 8, site_va);
		put64(e + 16, va);
		if (ev->type == TRACE_SLAB_FREE) {
			uint32_t loc = 32 | (uint32_t)(strlen(cache) + 1) << 16;
			memcpy(e + 24, &loc, 4);
			memcpy(e + 32, cache, strlen(cache) + 1);
		}
		break;
	}
	return 4 + len;
}

struct raw_cpu {
	uint8_t *data; /* whole sub-buffers */
	size_t len, cap, page_used;
	uint64_t last_ts;
};

static void raw_add(struct raw_cpu *c, const struct trace_event *ev, const char *cache,
		    uint64_t site_va)
{
	uint8_t tmp[256];
	size_t n = raw_event(tmp, ev, ev->ts - c->last_ts, cache, site_va);
	c->last_ts = ev->ts;
	if (!c->len || c->page_used + n > SUBBUF_DATA) { /* a new sub-buffer */
		if (c->len + SUBBUF > c->cap) {
			c->cap = c->cap ? c->cap * 2 : 1 << 24;
			c->data = realloc(c->data, c->cap);
		}
		memset(c->data + c->len, 0, SUBBUF);
		put64(c->data + c->len, ev->ts);
		c->len += SUBBUF;
		c->page_used = 0;
	}
	memcpy(c->data + c->len - SUBBUF + 16 + c->page_used, tmp, n);
	c->page_used += n;
	put64(c->data + c->len - SUBBUF + 8, c->page_used);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 10000000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	char path[] = "/tmp/bench-format-XXXXXX";
	int fd = mkstemp(path);
	close(fd);

	struct trace_header h = {
		.page_size = 4096, .pageblock_order = 9, .cpu_count = 2, .time_resolution_ns = 1000
	};
	snprintf(h.trace_clock, sizeof(h.trace_clock), "local");
	struct trace_writer *w;
	struct trace_writer_options wo = { .compression_level = getenv("FGT_LEVEL")
									? atoi(getenv("FGT_LEVEL"))
									: 0 };
	if (trace_writer_open(path, &h, &wo, &w)) {
		fprintf(stderr, "bench_format: %s\n", trace_writer_error(w));
		return 1;
	}
	struct synth_stream_params p = { .seed = seed, .intern = intern, .intern_ctx = w };
	struct synth_stream *s = synth_stream_create(&p);
	struct trace_event *evs = malloc(n * sizeof(*evs));
	if (!s || !evs)
		return 1;
	synth_stream_next(s, evs, n);
	synth_stream_free(s);

	/* raw ring-buffer layout, per CPU, then trace-cmd's compression */
	struct raw_cpu cpus[2] = { { 0 } };
	for (size_t i = 0; i < n; i++) {
		const struct trace_event *ev = &evs[i];
		raw_add(&cpus[ev->cpu & 1], ev, "dentry_cache",
			0xffffffff81000000ull + (uint64_t)ev->slab.call_site * 0x1d3f);
	}
	size_t raw_bytes = cpus[0].len + cpus[1].len;
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	size_t bound = ZSTD_compressBound(SUBBUF * TC_CHUNK_PAGES);
	uint8_t *zbuf = malloc(bound);
	size_t tc_bytes = 0;
	double t0 = cpu_now();
	for (int c = 0; c < 2; c++)
		for (size_t off = 0; off < cpus[c].len; off += SUBBUF * TC_CHUNK_PAGES) {
			size_t len = cpus[c].len - off;
			if (len > SUBBUF * TC_CHUNK_PAGES)
				len = SUBBUF * TC_CHUNK_PAGES;
			size_t z = ZSTD_compress2(cctx, zbuf, bound, cpus[c].data + off, len);
			if (ZSTD_isError(z))
				return 1;
			tc_bytes += z + 16; /* trace-cmd stores sizes per chunk */
		}
	double tc_cpu = cpu_now() - t0;

	/* fragtrace */
	t0 = cpu_now();
	for (size_t i = 0; i < n; i++)
		if (trace_writer_add(w, &evs[i])) {
			fprintf(stderr, "bench_format: %s\n", trace_writer_error(w));
			return 1;
		}
	if (trace_writer_close(w)) {
		fprintf(stderr, "bench_format: %s\n", trace_writer_error(w));
		return 1;
	}
	double enc_cpu = cpu_now() - t0;
	trace_writer_free(w);
	struct stat st;
	stat(path, &st);

	struct trace_reader *r;
	if (trace_reader_open(path, &r)) {
		fprintf(stderr, "bench_format: %s\n", trace_reader_error(r));
		return 1;
	}
	t0 = cpu_now();
	const struct trace_event *b;
	int k;
	size_t got = 0;
	uint64_t check = 0;
	while ((k = trace_reader_next_batch(r, &b)) > 0) {
		got += (size_t)k;
		check += b[k - 1].ts;
	}
	double dec_cpu = cpu_now() - t0;
	trace_reader_close(r);
	unlink(path);
	if (k < 0 || got != n) {
		fprintf(stderr, "bench_format: decoded %zu of %zu events\n", got, n);
		return 1;
	}

	double fgt_bpe = (double)st.st_size / (double)n;
	double tc_bpe = (double)tc_bytes / (double)n;
	printf("bench/format: %zu events of the synthetic baseline stream (seed %llu, 2 CPUs)\n", n,
	       (unsigned long long)seed);
	printf("%-34s %12s %10s %16s\n", "encoding", "bytes/event", "vs tc-zstd", "CPU s (1 core)");
	printf("%-34s %12.2f %10.2f %16s\n", "raw ftrace sub-buffers",
	       (double)raw_bytes / (double)n, (double)raw_bytes / (double)tc_bytes, "-");
	printf("%-34s %12.2f %10.2f %16.3f\n", "trace-cmd zstd-3, 10-page chunks", tc_bpe, 1.0,
	       tc_cpu);
	printf("%-34s %12.3f %10.3f %16.3f\n", "fragtrace .fgt (encode)", fgt_bpe, fgt_bpe / tc_bpe,
	       enc_cpu);
	printf("%-34s %12s %10s %16.3f\n", "fragtrace .fgt (decode)", "", "", dec_cpu);
	printf("\nfgt encode: %.1f M events/s (%.2fx the speed of zstd-3 on the raw bytes)\n",
	       (double)n / enc_cpu / 1e6, tc_cpu / enc_cpu);
	printf("fgt decode: %.1f M events/s\n", (double)n / dec_cpu / 1e6);
	printf("targets: <= 1.5 bytes/event: %s; encode >= 20 M/s: %s; decode >= 50 M/s: %s\n",
	       fgt_bpe <= 1.5 ? "met" : "NOT met", (double)n / enc_cpu >= 20e6 ? "met" : "NOT met",
	       (double)n / dec_cpu >= 50e6 ? "met" : "NOT met");
	free(evs);
	free(zbuf);
	free(cpus[0].data);
	free(cpus[1].data);
	ZSTD_freeCCtx(cctx);
	return check == 0;
}
