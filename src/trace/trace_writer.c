// SPDX-License-Identifier: GPL-2.0
/*
 * trace_writer.c - writes .fgt files: header, metadata blobs, event chunks, index, trailer.
 *
 * Events are encoded into columns as they arrive (trace_codec.c); when a chunk holds
 * chunk_events events, when the next event comes TRACE_FLUSH_INTERVAL_NS of trace time after
 * the chunk's first, or on trace_writer_flush() (which live writers call on a wall-clock
 * timer), the columns are compressed into one zstd frame and written behind its descriptor
 * with a single write(). Nothing is rewritten in
 * place, so a file cut short at any byte still holds every complete section before the cut;
 * the index and trailer written by trace_writer_close() only make reading faster.
 *
 * Invariants: event timestamps (in units of the time resolution) never decrease; every string
 * id an event names was interned before it; the pending chunk's string list holds each id it
 * references exactly once (tracked with a per-id generation stamp).
 *
 * Errors: the first failure is remembered with its message; every later call returns it.
 */
#include "crc32c.h"
#include "safe_output.h"
#include "trace_format.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define DEFAULT_CHUNK_EVENTS 262144
#define DEFAULT_LEVEL	     3
#define MESSAGE_MAX	     512 /* an error message after its "path: " prefix */

struct writer_meta {
	char *name;
	uint64_t offset, size;
};

struct trace_writer {
	char *path;
	struct safe_output *file; /* how the file is created and put in place */
	int fd;
	uint64_t offset; /* bytes written so far */
	int rc;		 /* first error, sticky */
	char err[PATH_MAX + MESSAGE_MAX];

	uint32_t time_resolution_ns;
	struct fgt_divider resolution;
	uint32_t chunk_limit;
	ZSTD_CCtx *cctx;
	struct fgt_codec codec;
	struct fgt_buf cols[FGT_NR_COLUMNS];
	struct fgt_buf out;

	/* the pending chunk */
	uint32_t chunk_events;
	uint64_t chunk_first_ts, chunk_last_ts;
	uint32_t chunk_type_counts[TRACE_NR_TYPES];
	uint32_t *chunk_refs;
	size_t nrefs, refs_cap;
	uint32_t chunk_gen;

	/* strings: ids 1..nstrings; ref_gen[id] == chunk_gen when the pending chunk names it */
	char **strings;
	uint32_t *ref_gen;
	size_t nstrings, strings_cap;
	uint32_t *hash; /* open addressing over ids, 0 = empty */
	size_t hash_cap;

	/* the index */
	struct trace_chunk_info *chunks;
	size_t nchunks, chunks_cap;
	struct trace_lost_info *lost;
	size_t nlost, lost_cap;
	struct writer_meta *metas;
	size_t nmetas, metas_cap;
	uint64_t *generic_counts; /* by name id */
	size_t generic_cap;

	uint64_t events;
	uint64_t last_ts_units;
};

static __attribute__((format(printf, 3, 4))) int writer_fail(struct trace_writer *w, int rc,
							     const char *fmt, ...)
{
	if (w->rc)
		return w->rc;
	va_list ap;
	int n = snprintf(w->err, sizeof(w->err) - MESSAGE_MAX, "%s: ", w->path);
	size_t at = n < 0 ? 0 : (size_t)n;
	if (at > sizeof(w->err) - MESSAGE_MAX - 1) /* a path longer than PATH_MAX: cut */
		at = sizeof(w->err) - MESSAGE_MAX - 1;
	va_start(ap, fmt);
	vsnprintf(w->err + at, sizeof(w->err) - at, fmt, ap);
	va_end(ap);
	w->rc = rc;
	return rc;
}

static int write_all(struct trace_writer *w, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len) {
		ssize_t n = write(w->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return writer_fail(w, TRACE_EIO, "write failed at byte %llu: %s",
					   (unsigned long long)w->offset,
					   n < 0 ? strerror(errno) : "short write");
		p += n;
		len -= (size_t)n;
		w->offset += (uint64_t)n;
	}
	return 0;
}

/*
 * Put a descriptor of `body_len` bytes (fields after the common part, crc excluded) at the
 * start of w->out, whose payload already sits at offset desc_bytes(body_len).
 */
static size_t desc_bytes(size_t body_len)
{
	return 8 + FGT_DESC_COMMON + body_len + 4;
}

static void desc_fill(uint8_t *d, unsigned int kind, uint64_t payload, uint64_t raw,
		      const uint8_t *body, size_t body_len)
{
	uint32_t frame = (uint32_t)(FGT_DESC_COMMON + body_len + 4);
	put_le32(d, FGT_SKIPPABLE_MAGIC | kind);
	put_le32(d + 4, frame);
	uint8_t *b = d + 8;
	put_le32(b, FGT_MAGIC);
	put_le16(b + 4, (uint16_t)kind);
	put_le16(b + 6, 0);
	put_le64(b + 8, payload);
	put_le64(b + 16, raw);
	if (body_len)
		memcpy(b + FGT_DESC_COMMON, body, body_len);
	put_le32(b + FGT_DESC_COMMON + body_len, crc32c(0, b, FGT_DESC_COMMON + body_len));
}

/*
 * Compress the inputs into one zstd frame after a descriptor, then write both at once. With
 * crc_in_body, the body's last four bytes receive the CRC-32C of the compressed payload.
 */
static int write_section(struct trace_writer *w, unsigned int kind, const uint8_t *body,
			 size_t body_len, const struct fgt_buf *in, size_t nin, int crc_in_body)
{
	size_t raw = 0;
	for (size_t i = 0; i < nin; i++)
		raw += in[i].len;
	size_t dlen = desc_bytes(body_len);
	w->out.len = 0;
	if (fgt_buf_reserve(&w->out, dlen + ZSTD_compressBound(raw)))
		return writer_fail(w, TRACE_ENOMEM, "out of memory");
	ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_only);
	ZSTD_CCtx_setPledgedSrcSize(w->cctx, raw);
	ZSTD_outBuffer ob = { w->out.data + dlen, w->out.cap - dlen, 0 };
	for (size_t i = 0; i < nin; i++) {
		ZSTD_inBuffer ib = { in[i].data, in[i].len, 0 };
		/* Flush at every input's end: each column gets blocks, and entropy tables, of its
		 * own, which halves the size against letting columns share blocks. */
		size_t r;
		do {
			r = ZSTD_compressStream2(w->cctx, &ob, &ib, ZSTD_e_flush);
			if (ZSTD_isError(r))
				return writer_fail(w, TRACE_EIO, "zstd: %s", ZSTD_getErrorName(r));
		} while (r || ib.pos < ib.size);
	}
	ZSTD_inBuffer none = { NULL, 0, 0 };
	size_t r;
	do {
		r = ZSTD_compressStream2(w->cctx, &ob, &none, ZSTD_e_end);
		if (ZSTD_isError(r))
			return writer_fail(w, TRACE_EIO, "zstd: %s", ZSTD_getErrorName(r));
	} while (r);
	uint8_t b[FGT_DESC_MAX];
	if (body_len)
		memcpy(b, body, body_len);
	if (crc_in_body) /* the chunk descriptor's last field is the payload checksum */
		put_le32(b + body_len - 4, crc32c(0, w->out.data + dlen, ob.pos));
	desc_fill(w->out.data, kind, ob.pos, raw, b, body_len);
	return write_all(w, w->out.data, dlen + ob.pos);
}

static int write_header(struct trace_writer *w, const struct trace_header *h)
{
	struct fgt_buf tlv = { 0 };
	int rc = 0;
#define TLV(tag, ptr, len)                                                                         \
	do {                                                                                       \
		uint8_t th[6];                                                                     \
		put_le16(th, tag);                                                                 \
		put_le32(th + 2, (uint32_t)(len));                                                 \
		rc |= fgt_buf_put(&tlv, th, 6);                                                    \
		rc |= fgt_buf_put(&tlv, ptr, len);                                                 \
	} while (0)
#define TLV_STR(tag, s) TLV(tag, s, strnlen(s, sizeof(s)))
#define TLV_U64(tag, v)                                                                            \
	do {                                                                                       \
		uint8_t vb[8];                                                                     \
		put_le64(vb, (uint64_t)(v));                                                       \
		TLV(tag, vb, 8);                                                                   \
	} while (0)
	TLV_STR(FGT_TAG_KERNEL_RELEASE, h->kernel_release);
	TLV_STR(FGT_TAG_ARCH, h->arch);
	TLV_STR(FGT_TAG_TRACE_CLOCK, h->trace_clock);
	TLV_STR(FGT_TAG_TOOL_VERSION, h->tool_version);
	TLV_U64(FGT_TAG_PAGE_SIZE, h->page_size);
	TLV_U64(FGT_TAG_PAGEBLOCK_ORDER, h->pageblock_order);
	TLV_U64(FGT_TAG_CPU_COUNT, h->cpu_count);
	TLV_U64(FGT_TAG_TIME_RESOLUTION, w->time_resolution_ns);
	TLV_U64(FGT_TAG_CLOCK_OFFSET, h->clock_offset_ns);
	TLV_U64(FGT_TAG_RAW_ADDRESSES, h->raw_addresses);
	if (h->event_formats && h->event_formats_len)
		TLV(FGT_TAG_EVENT_FORMATS, h->event_formats, h->event_formats_len);
#undef TLV_U64
#undef TLV_STR
#undef TLV
	if (rc) {
		fgt_buf_free(&tlv);
		return writer_fail(w, TRACE_ENOMEM, "out of memory");
	}
	uint8_t body[4];
	put_le16(body, TRACE_FORMAT_MAJOR);
	put_le16(body + 2, TRACE_FORMAT_MINOR);
	rc = write_section(w, FGT_SECTION_HEADER, body, sizeof(body), &tlv, 1, 0);
	fgt_buf_free(&tlv);
	return rc;
}

int trace_writer_open(const char *path, const struct trace_header *hdr,
		      const struct trace_writer_options *opts, struct trace_writer **out)
{
	struct trace_writer *w = calloc(1, sizeof(*w));
	*out = w;
	if (!w)
		return TRACE_ENOMEM;
	w->fd = -1;
	w->path = strdup(path);
	if (!w->path)
		return writer_fail(w, TRACE_ENOMEM, "out of memory");
	w->time_resolution_ns = hdr->time_resolution_ns ? hdr->time_resolution_ns : 1;
	fgt_divider_init(&w->resolution, w->time_resolution_ns);
	w->chunk_limit = opts && opts->chunk_events ? opts->chunk_events : DEFAULT_CHUNK_EVENTS;
	if (w->chunk_limit > FGT_CHUNK_EVENTS_MAX)
		w->chunk_limit = FGT_CHUNK_EVENTS_MAX;
	int level = opts && opts->compression_level ? opts->compression_level : DEFAULT_LEVEL;
	w->cctx = ZSTD_createCCtx();
	if (!w->cctx || fgt_codec_init(&w->codec, w->time_resolution_ns))
		return writer_fail(w, TRACE_ENOMEM, "out of memory");
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
	w->chunk_gen = 1;
	char why[512];
	if (safe_output_open(path, opts ? opts->inputs : NULL,
			     opts && opts->in_place ? SAFE_OUTPUT_IN_PLACE : 0, &w->file, why,
			     sizeof(why)))
		return writer_fail(w, TRACE_EIO, "%s", why);
	w->fd = safe_output_fd(w->file);
	return write_header(w, hdr);
}

/* FNV-1a, for the intern table. */
static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

int64_t trace_writer_intern(struct trace_writer *w, const char *s)
{
	if (w->rc)
		return w->rc;
	uint64_t h = str_hash(s);
	if (w->hash_cap) {
		for (size_t i = h & (w->hash_cap - 1); w->hash[i]; i = (i + 1) & (w->hash_cap - 1))
			if (!strcmp(w->strings[w->hash[i]], s))
				return w->hash[i];
	}
	if ((w->nstrings + 2) * 2 > w->hash_cap) {
		size_t cap = w->hash_cap ? w->hash_cap * 2 : 256;
		uint32_t *nh = calloc(cap, sizeof(*nh));
		if (!nh)
			return writer_fail(w, TRACE_ENOMEM, "out of memory");
		for (size_t id = 1; id <= w->nstrings; id++) {
			size_t i = str_hash(w->strings[id]) & (cap - 1);
			while (nh[i])
				i = (i + 1) & (cap - 1);
			nh[i] = (uint32_t)id;
		}
		free(w->hash);
		w->hash = nh;
		w->hash_cap = cap;
	}
	size_t id = w->nstrings + 1;
	size_t old_cap = w->strings_cap;
	if (fgt_grow((void **)&w->strings, &w->strings_cap, id + 1, sizeof(char *)))
		return writer_fail(w, TRACE_ENOMEM, "out of memory");
	if (w->strings_cap != old_cap) {
		size_t gcap = old_cap;
		if (fgt_grow((void **)&w->ref_gen, &gcap, w->strings_cap, sizeof(uint32_t)))
			return writer_fail(w, TRACE_ENOMEM, "out of memory");
	}
	w->strings[id] = strdup(s);
	if (!w->strings[id])
		return writer_fail(w, TRACE_ENOMEM, "out of memory");
	w->nstrings = id;
	size_t i = h & (w->hash_cap - 1);
	while (w->hash[i])
		i = (i + 1) & (w->hash_cap - 1);
	w->hash[i] = (uint32_t)id;
	return (int64_t)id;
}

uint32_t trace_writer_string(struct trace_writer *w, const char *s)
{
	int64_t id = trace_writer_intern(w, s);
	return id > 0 && id <= UINT32_MAX ? (uint32_t)id : TRACE_NO_STRING;
}

/* Note that the pending chunk names string id (0 names nothing). */
static int chunk_ref(struct trace_writer *w, uint32_t id)
{
	if (id == 0)
		return 0;
	if (id > w->nstrings)
		return writer_fail(w, TRACE_EINVAL, "event names string id %u, never interned", id);
	if (w->ref_gen[id] == w->chunk_gen)
		return 0;
	w->ref_gen[id] = w->chunk_gen;
	if (fgt_grow((void **)&w->chunk_refs, &w->refs_cap, w->nrefs + 1, sizeof(uint32_t)))
		return writer_fail(w, TRACE_ENOMEM, "out of memory");
	w->chunk_refs[w->nrefs++] = id;
	return 0;
}

static int validate_event(struct trace_writer *w, const struct trace_event *ev)
{
	int rc = 0;
	switch (ev->type) {
	case TRACE_PAGE_ALLOC_ZONE_LOCKED:
		if (ev->page.percpu_refill > 1)
			return writer_fail(w, TRACE_EINVAL, "percpu_refill must be 0 or 1");
		break;
	case TRACE_SLAB_ALLOC:
	case TRACE_SLAB_FREE:
	case TRACE_KMALLOC:
	case TRACE_KFREE:
		if (ev->slab.accounted > 1)
			return writer_fail(w, TRACE_EINVAL, "accounted must be 0 or 1");
		rc = chunk_ref(w, ev->slab.cache);
		if (!rc)
			rc = chunk_ref(w, ev->slab.call_site);
		break;
	case TRACE_SHRINK_START:
		rc = chunk_ref(w, ev->shrink_start.shrinker);
		break;
	case TRACE_SHRINK_END:
		rc = chunk_ref(w, ev->shrink_end.shrinker);
		break;
	case TRACE_GENERIC:
		if (ev->generic.size > FGT_GENERIC_MAX)
			return writer_fail(w, TRACE_EINVAL,
					   "generic record of %u bytes is too large",
					   ev->generic.size);
		if (ev->generic.name == 0)
			return writer_fail(w, TRACE_EINVAL, "generic record without a name");
		rc = chunk_ref(w, ev->generic.name);
		break;
	default:
		if (ev->type == 0 || ev->type >= TRACE_NR_TYPES)
			return writer_fail(w, TRACE_EINVAL, "unknown record type %u", ev->type);
	}
	return rc;
}

static int note_event(struct trace_writer *w, const struct trace_event *ev)
{
	if (ev->type == TRACE_LOST) {
		if (fgt_grow((void **)&w->lost, &w->lost_cap, w->nlost + 1, sizeof(*w->lost)))
			return writer_fail(w, TRACE_ENOMEM, "out of memory");
		w->lost[w->nlost++] = (struct trace_lost_info){
			.cpu = ev->cpu, .ts = ev->ts, .position = w->events, .count = ev->lost.count
		};
	} else if (ev->type == TRACE_GENERIC) {
		if (fgt_grow((void **)&w->generic_counts, &w->generic_cap, ev->generic.name + 1,
			     sizeof(uint64_t)))
			return writer_fail(w, TRACE_ENOMEM, "out of memory");
		w->generic_counts[ev->generic.name]++;
	}
	return 0;
}

int trace_writer_add(struct trace_writer *w, const struct trace_event *ev)
{
	if (w->rc)
		return w->rc;
	uint64_t units = fgt_divide(&w->resolution, ev->ts);
	if (units < w->last_ts_units)
		return writer_fail(w, TRACE_EORDER,
				   "event %llu goes back in time (ts %llu after %llu)",
				   (unsigned long long)w->events, (unsigned long long)ev->ts,
				   (unsigned long long)(w->last_ts_units * w->time_resolution_ns));
	int rc;
	/* before the event names its strings: the flush starts a new chunk's string list */
	if (w->chunk_events &&
	    units * w->time_resolution_ns - w->chunk_first_ts >= TRACE_FLUSH_INTERVAL_NS &&
	    (rc = trace_writer_flush(w)))
		return rc;
	if ((rc = validate_event(w, ev)) || (rc = note_event(w, ev)))
		return rc;
	if (fgt_encode_event(&w->codec, w->cols, ev, units))
		return writer_fail(w, TRACE_ENOMEM, "out of memory");
	w->last_ts_units = units;
	uint64_t ts = units * w->time_resolution_ns;
	if (w->chunk_events == 0)
		w->chunk_first_ts = ts;
	w->chunk_last_ts = ts;
	w->chunk_type_counts[ev->type]++;
	w->chunk_events++;
	w->events++;
	if (w->chunk_events >= w->chunk_limit)
		return trace_writer_flush(w);
	return 0;
}

/* The chunk payload's prefix: event count, the strings it names, column lengths. */
static int chunk_prefix(struct trace_writer *w, struct fgt_buf *p)
{
	int rc = fgt_buf_put_varint(p, w->chunk_events);
	rc |= fgt_buf_put_varint(p, w->nrefs);
	for (size_t i = 0; i < w->nrefs; i++) {
		const char *s = w->strings[w->chunk_refs[i]];
		size_t len = strlen(s);
		rc |= fgt_buf_put_varint(p, w->chunk_refs[i]);
		rc |= fgt_buf_put_varint(p, len);
		rc |= fgt_buf_put(p, s, len);
	}
	rc |= fgt_buf_put_varint(p, FGT_NR_COLUMNS);
	for (int c = 0; c < FGT_NR_COLUMNS; c++)
		rc |= fgt_buf_put_varint(p, w->cols[c].len);
	return rc;
}

int trace_writer_flush(struct trace_writer *w)
{
	if (w->rc || w->chunk_events == 0)
		return w->rc;
	struct fgt_buf in[1 + FGT_NR_COLUMNS] = { { 0 } };
	if (chunk_prefix(w, &in[0])) {
		fgt_buf_free(&in[0]);
		return writer_fail(w, TRACE_ENOMEM, "out of memory");
	}
	for (int c = 0; c < FGT_NR_COLUMNS; c++)
		in[1 + c] = w->cols[c];

	uint8_t body[48];
	put_le64(body, w->nchunks);
	put_le64(body + 8, w->events - w->chunk_events);
	put_le32(body + 16, w->chunk_events);
	put_le64(body + 20, w->chunk_first_ts);
	put_le64(body + 28, w->chunk_last_ts);
	put_le32(body + 36, 0); /* payload crc, filled by write_section */
	uint64_t offset = w->offset;
	int rc = write_section(w, FGT_SECTION_CHUNK, body, 40, in, 1 + FGT_NR_COLUMNS, 1);
	fgt_buf_free(&in[0]);
	if (rc)
		return rc;

	if (fgt_grow((void **)&w->chunks, &w->chunks_cap, w->nchunks + 1, sizeof(*w->chunks)))
		return writer_fail(w, TRACE_ENOMEM, "out of memory");
	struct trace_chunk_info *ci = &w->chunks[w->nchunks++];
	ci->offset = offset;
	ci->size = w->offset - offset;
	ci->first_event = w->events - w->chunk_events;
	ci->first_ts = w->chunk_first_ts;
	ci->last_ts = w->chunk_last_ts;
	ci->events = w->chunk_events;
	memcpy(ci->type_counts, w->chunk_type_counts, sizeof(ci->type_counts));

	for (int c = 0; c < FGT_NR_COLUMNS; c++)
		w->cols[c].len = 0;
	memset(w->chunk_type_counts, 0, sizeof(w->chunk_type_counts));
	w->chunk_events = 0;
	w->nrefs = 0;
	w->chunk_gen++;
	fgt_codec_begin_chunk(&w->codec);
	return 0;
}

int trace_writer_add_meta(struct trace_writer *w, const char *name, const void *data, size_t len)
{
	size_t nlen = strlen(name);
	if (w->rc)
		return w->rc;
	if (nlen == 0 || nlen > FGT_META_NAME_MAX)
		return writer_fail(w, TRACE_EINVAL, "metadata name must be 1 to %d bytes",
				   FGT_META_NAME_MAX);
	int rc = trace_writer_flush(w);
	if (rc)
		return rc;
	uint8_t body[2 + FGT_META_NAME_MAX];
	put_le16(body, (uint16_t)nlen);
	memcpy(body + 2, name, nlen);
	struct fgt_buf in = { (uint8_t *)data, len, len };
	uint64_t offset = w->offset;
	rc = write_section(w, FGT_SECTION_META, body, 2 + nlen, &in, 1, 0);
	if (rc)
		return rc;
	if (fgt_grow((void **)&w->metas, &w->metas_cap, w->nmetas + 1, sizeof(*w->metas)))
		return writer_fail(w, TRACE_ENOMEM, "out of memory");
	w->metas[w->nmetas++] = (struct writer_meta){ strdup(name), offset, len };
	return 0;
}

static int build_index(struct trace_writer *w, struct fgt_buf *x)
{
	int rc = fgt_buf_put_varint(x, w->nchunks);
	for (size_t i = 0; i < w->nchunks; i++) {
		const struct trace_chunk_info *c = &w->chunks[i];
		rc |= fgt_buf_put_varint(x, c->offset);
		rc |= fgt_buf_put_varint(x, c->size);
		rc |= fgt_buf_put_varint(x, c->first_event);
		rc |= fgt_buf_put_varint(x, c->events);
		rc |= fgt_buf_put_varint(x, c->first_ts);
		rc |= fgt_buf_put_varint(x, c->last_ts - c->first_ts);
		for (int t = 1; t < TRACE_NR_TYPES; t++)
			rc |= fgt_buf_put_varint(x, c->type_counts[t]);
	}
	rc |= fgt_buf_put_varint(x, w->nlost);
	for (size_t i = 0; i < w->nlost; i++) {
		rc |= fgt_buf_put_varint(x, w->lost[i].cpu);
		rc |= fgt_buf_put_varint(x, w->lost[i].ts);
		rc |= fgt_buf_put_varint(x, w->lost[i].position);
		rc |= fgt_buf_put_varint(x, w->lost[i].count + 1);
	}
	rc |= fgt_buf_put_varint(x, w->nmetas);
	for (size_t i = 0; i < w->nmetas; i++) {
		size_t len = strlen(w->metas[i].name);
		rc |= fgt_buf_put_varint(x, len);
		rc |= fgt_buf_put(x, w->metas[i].name, len);
		rc |= fgt_buf_put_varint(x, w->metas[i].offset);
		rc |= fgt_buf_put_varint(x, w->metas[i].size);
	}
	rc |= fgt_buf_put_varint(x, w->nstrings);
	for (size_t id = 1; id <= w->nstrings; id++) {
		size_t len = strlen(w->strings[id]);
		rc |= fgt_buf_put_varint(x, len);
		rc |= fgt_buf_put(x, w->strings[id], len);
	}
	size_t ngeneric = 0;
	for (size_t id = 0; id < w->generic_cap; id++)
		ngeneric += w->generic_counts[id] != 0;
	rc |= fgt_buf_put_varint(x, ngeneric);
	for (size_t id = 0; id < w->generic_cap; id++) {
		if (!w->generic_counts[id])
			continue;
		rc |= fgt_buf_put_varint(x, id);
		rc |= fgt_buf_put_varint(x, w->generic_counts[id]);
	}
	return rc ? TRACE_ENOMEM : 0;
}

static void writer_free(struct trace_writer *w)
{
	safe_output_abort(w->file);
	ZSTD_freeCCtx(w->cctx);
	fgt_codec_free(&w->codec);
	for (int c = 0; c < FGT_NR_COLUMNS; c++)
		fgt_buf_free(&w->cols[c]);
	fgt_buf_free(&w->out);
	for (size_t i = 1; i <= w->nstrings; i++)
		free(w->strings[i]);
	for (size_t i = 0; i < w->nmetas; i++)
		free(w->metas[i].name);
	free(w->strings);
	free(w->ref_gen);
	free(w->hash);
	free(w->chunk_refs);
	free(w->chunks);
	free(w->lost);
	free(w->metas);
	free(w->generic_counts);
	free(w->path);
	free(w);
}

int trace_writer_close(struct trace_writer *w)
{
	if (!w)
		return TRACE_EINVAL;
	int rc = trace_writer_flush(w);
	struct fgt_buf x = { 0 };
	uint64_t index_offset = w->offset;
	if (!rc && build_index(w, &x))
		rc = writer_fail(w, TRACE_ENOMEM, "out of memory");
	if (!rc)
		rc = write_section(w, FGT_SECTION_INDEX, NULL, 0, &x, 1, 0);
	fgt_buf_free(&x);
	if (!rc) {
		uint8_t d[FGT_END_BYTES], body[24];
		put_le64(body, index_offset);
		put_le64(body + 8, w->events);
		put_le64(body + 16, w->nchunks);
		desc_fill(d, FGT_SECTION_END, 0, 0, body, sizeof(body));
		rc = write_all(w, d, sizeof(d));
	}
	char why[512];
	if (rc) /* a failed trace replaces nothing (in_place: it stays as written) */
		safe_output_abort(w->file);
	else if (safe_output_commit(w->file, why, sizeof(why)))
		rc = writer_fail(w, TRACE_EIO, "%s", why);
	w->file = NULL;
	w->fd = -1;
	if (!rc)
		w->rc = TRACE_EINVAL; /* closed: later adds fail; the error text stays empty */
	return rc;
}

void trace_writer_free(struct trace_writer *w)
{
	if (w)
		writer_free(w);
}

const char *trace_writer_error(const struct trace_writer *w)
{
	if (!w)
		return "out of memory";
	return w->rc && w->err[0] ? w->err : NULL;
}

uint64_t trace_writer_events(const struct trace_writer *w)
{
	return w->events;
}

uint64_t trace_writer_bytes(const struct trace_writer *w)
{
	return w->offset;
}
