// SPDX-License-Identifier: GPL-2.0
/*
 * trace_reader.c - reads .fgt files: validation, index, metadata, streaming event decode.
 *
 * Opening reads the header, then the trailer and the index it points to. When the trailer or
 * index is missing or unreadable (a recorder killed mid-run, a file cut short, a flipped bit),
 * the reader walks the sections from the start instead and decodes each chunk once to rebuild
 * the index. A damaged section is skipped up to the next descriptor whose checksum verifies
 * and recorded with the chunks and events it cost; a section cut short by the end of the file
 * ends the readable part. trace_reader_warning() says where. Reading reaches a damage record
 * that cost events as an error, or, salvaging (recover), as a lost marker.
 *
 * Events are decoded a batch at a time (TRACE_BATCH_EVENTS) from the current chunk's columns,
 * so the working set stays in cache whatever the chunk size. Everything read from the file is
 * distrusted: sizes are bounded before allocation, every section is checksummed (CRC-32C over
 * the descriptor; a chunk's compressed bytes by CRC-32C, the other payloads by zstd's own
 * checksum over the content), and every problem is reported as one line naming the file, the
 * chunk and the byte offset.
 */
#include "crc32c.h"
#include "trace_format.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_d_forceIgnoreChecksum (zstd 1.4.7 on) */
#include <zstd.h>

#define HEADER_RAW_MAX	(64u << 20)
#define INDEX_RAW_MAX	(1u << 30)
#define STRING_ID_LIMIT (1u << 24)
#define RESYNC_BLOCK	(16u << 10) /* bytes read at a time when looking for the next section */
#define MESSAGE_MAX	640	    /* a message without its "path: " prefix */

struct section {
	unsigned int kind;
	uint64_t offset;	 /* of the skippable frame */
	uint64_t payload_offset; /* of the zstd frame after it */
	uint64_t payload_bytes, raw_bytes;
	uint64_t end; /* offset after the payload */
	uint8_t body[FGT_DESC_MAX];
	size_t body_len;
};

/* A damaged span of the file found by the scan, and what it cost. */
struct damage {
	struct trace_damage_info info;
	size_t before;	 /* index of the first intact chunk after it (nchunks: none) */
	int after_index; /* it follows a valid index: the end section */
	char why[MESSAGE_MAX];
};

/* What the scan has seen so far. */
struct scan_state {
	uint64_t events;      /* intact events before the next chunk */
	uint64_t file_events; /* where the next chunk starts in the writer's numbering */
	uint64_t next_no;     /* the next chunk's number */
	int saw_index, have_end;
	uint64_t index_offset, end_events, end_chunks; /* from a valid end section */
	char truncated[MESSAGE_MAX];		       /* why the walk stopped early, or "" */
};

struct trace_reader {
	char *path;
	int fd;
	int salvage; /* TRACE_READ_SALVAGE: damaged chunks become lost markers */
	uint64_t file_size;
	char err[PATH_MAX + MESSAGE_MAX];
	size_t err_reason; /* where the message after "path: " starts in err */
	char warn[PATH_MAX + 2 * MESSAGE_MAX];

	struct trace_header hdr;
	char *event_formats;
	struct trace_summary sum;

	struct trace_chunk_info *chunks;
	uint64_t *chunk_no; /* each chunk's number in its descriptor */
	size_t nchunks, chunks_cap, chunk_no_cap;
	struct damage *damage;
	size_t ndamage, damage_cap;
	struct trace_lost_info *lost;
	size_t nlost, lost_cap;
	struct trace_meta_info *metas;
	size_t nmetas, metas_cap;
	char **strings; /* by id */
	size_t strings_cap;
	uint64_t *generic_counts; /* by name id */
	size_t generic_cap;
	uint32_t *generic_pending; /* names of the chunk being verified */
	size_t ngeneric_pending, generic_pending_cap;

	ZSTD_DCtx *dctx;
	struct fgt_codec codec;
	struct fgt_buf payload, raw;

	/* the position */
	size_t loaded;	    /* chunk whose columns are in raw, or SIZE_MAX */
	size_t next_chunk;  /* next chunk to load */
	size_t next_damage; /* next damage record to pass */
	uint32_t chunk_left;
	struct varint_cursor cur[FGT_NR_COLUMNS];
	struct trace_event batch[TRACE_BATCH_EVENTS];
	size_t batch_len, batch_pos;
};

static __attribute__((format(printf, 3, 4))) int reader_fail(struct trace_reader *r, int rc,
							     const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->err, sizeof(r->err) - MESSAGE_MAX, "%s: ", r->path);
	size_t at = n < 0 ? 0 : (size_t)n;
	if (at > sizeof(r->err) - MESSAGE_MAX - 1) /* a path longer than PATH_MAX: cut */
		at = sizeof(r->err) - MESSAGE_MAX - 1;
	r->err_reason = at;
	va_start(ap, fmt);
	vsnprintf(r->err + at, sizeof(r->err) - at, fmt, ap);
	va_end(ap);
	return rc;
}

static int chunk_fail(struct trace_reader *r, size_t i, const char *what)
{
	char why[MESSAGE_MAX]; /* what may point into r->err */
	snprintf(why, sizeof(why), "%s", what);
	return reader_fail(r, TRACE_EFORMAT, "chunk %llu at byte %llu: %s",
			   (unsigned long long)r->chunk_no[i],
			   (unsigned long long)r->chunks[i].offset, why);
}

/* The message of the last failure without the "path: " prefix. */
static const char *last_reason(const struct trace_reader *r)
{
	return r->err[0] ? r->err + r->err_reason : "";
}

static int read_at(struct trace_reader *r, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		ssize_t n = pread(r->fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return reader_fail(r, TRACE_EIO, "read failed at byte %llu: %s",
					   (unsigned long long)off, strerror(errno));
		if (n == 0)
			return reader_fail(r, TRACE_ETRUNCATED, "file ends at byte %llu",
					   (unsigned long long)off);
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static const char *kind_name(unsigned int kind)
{
	static const char *const names[] = { "?", "header", "metadata", "chunk", "index", "end" };
	return kind < 6 ? names[kind] : "?";
}

/*
 * Read and check the section descriptor at off. TRACE_ETRUNCATED when the file ends inside
 * the descriptor or its payload, TRACE_EFORMAT when it is not a valid descriptor.
 */
static int read_section(struct trace_reader *r, uint64_t off, struct section *s)
{
	uint8_t fh[8];
	if (off + 8 > r->file_size)
		return reader_fail(r, TRACE_ETRUNCATED,
				   "file ends at byte %llu inside a section "
				   "frame starting at byte %llu",
				   (unsigned long long)r->file_size, (unsigned long long)off);
	int rc = read_at(r, off, fh, 8);
	if (rc)
		return rc;
	uint32_t magic = get_le32(fh), len = get_le32(fh + 4);
	if ((magic & ~0xfu) != FGT_SKIPPABLE_MAGIC || (magic & 0xf) == 0 || (magic & 0xf) > 5)
		return reader_fail(r, TRACE_EFORMAT, "no section frame at byte %llu (bad magic)",
				   (unsigned long long)off);
	if (len < FGT_DESC_COMMON + 4 || len > FGT_DESC_MAX)
		return reader_fail(r, TRACE_EFORMAT, "bad section descriptor size %u at byte %llu",
				   len, (unsigned long long)off);
	if (off + 8 + len > r->file_size)
		return reader_fail(r, TRACE_ETRUNCATED,
				   "file ends at byte %llu inside the %s "
				   "descriptor at byte %llu",
				   (unsigned long long)r->file_size, kind_name(magic & 0xf),
				   (unsigned long long)off);
	uint8_t d[FGT_DESC_MAX];
	if ((rc = read_at(r, off + 8, d, len)))
		return rc;
	if (crc32c(0, d, len - 4) != get_le32(d + len - 4))
		return reader_fail(r, TRACE_EFORMAT,
				   "%s descriptor at byte %llu: checksum mismatch",
				   kind_name(magic & 0xf), (unsigned long long)off);
	if (get_le32(d) != FGT_MAGIC || get_le16(d + 4) != (magic & 0xf))
		return reader_fail(r, TRACE_EFORMAT, "bad section descriptor at byte %llu",
				   (unsigned long long)off);
	s->kind = magic & 0xf;
	s->offset = off;
	s->payload_offset = off + 8 + len;
	s->payload_bytes = get_le64(d + 8);
	s->raw_bytes = get_le64(d + 16);
	s->body_len = len - FGT_DESC_COMMON - 4;
	memcpy(s->body, d + FGT_DESC_COMMON, s->body_len);
	if (s->payload_bytes > r->file_size || s->payload_offset + s->payload_bytes > r->file_size)
		return reader_fail(r, TRACE_ETRUNCATED,
				   "file ends at byte %llu inside the %s "
				   "section at byte %llu (it needs %llu bytes)",
				   (unsigned long long)r->file_size, kind_name(s->kind),
				   (unsigned long long)off,
				   (unsigned long long)(s->payload_offset + s->payload_bytes));
	s->end = s->payload_offset + s->payload_bytes;
	return 0;
}

/* Decompress a section's payload into out (exactly raw_bytes, at most limit). */
static int load_payload(struct trace_reader *r, const struct section *s, uint64_t limit,
			struct fgt_buf *out, uint32_t expect_crc, int check_crc)
{
	if (s->raw_bytes > limit)
		return reader_fail(r, TRACE_EFORMAT,
				   "%s section at byte %llu claims %llu bytes, "
				   "over the limit of %llu",
				   kind_name(s->kind), (unsigned long long)s->offset,
				   (unsigned long long)s->raw_bytes, (unsigned long long)limit);
	r->payload.len = 0;
	if (fgt_buf_reserve(&r->payload, s->payload_bytes) ||
	    fgt_buf_reserve(out, s->raw_bytes + 1))
		return reader_fail(r, TRACE_ENOMEM, "out of memory");
	int rc = read_at(r, s->payload_offset, r->payload.data, s->payload_bytes);
	if (rc)
		return rc;
	if (check_crc && crc32c(0, r->payload.data, s->payload_bytes) != expect_crc)
		return reader_fail(r, TRACE_EFORMAT, "%s section at byte %llu: checksum mismatch",
				   kind_name(s->kind), (unsigned long long)s->offset);
#ifdef ZSTD_d_forceIgnoreChecksum
	/*
	 * A chunk's compressed bytes have just passed their CRC-32C, and decompression is
	 * deterministic: zstd's content checksum (XXH64 over the decompressed bytes, about 7
	 * instructions an event) would check the same bytes again. The sections without a CRC
	 * over their payload (header, index, metadata) keep it. A zstd older than 1.4.7 has no
	 * such parameter and checks every section.
	 */
	ZSTD_DCtx_setParameter(r->dctx, ZSTD_d_forceIgnoreChecksum,
			       check_crc ? ZSTD_d_ignoreChecksum : ZSTD_d_validateChecksum);
#endif
	unsigned long long cs = ZSTD_getFrameContentSize(r->payload.data, s->payload_bytes);
	if (cs != s->raw_bytes ||
	    ZSTD_findFrameCompressedSize(r->payload.data, s->payload_bytes) != s->payload_bytes)
		return reader_fail(r, TRACE_EFORMAT, "%s section at byte %llu: bad zstd frame",
				   kind_name(s->kind), (unsigned long long)s->offset);
	size_t n = ZSTD_decompressDCtx(r->dctx, out->data, s->raw_bytes + 1, r->payload.data,
				       s->payload_bytes);
	if (ZSTD_isError(n) || n != s->raw_bytes)
		return reader_fail(r, TRACE_EFORMAT, "%s section at byte %llu: %s",
				   kind_name(s->kind), (unsigned long long)s->offset,
				   ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong decoded size");
	out->len = n;
	return 0;
}

static void copy_str(char *dst, size_t cap, const uint8_t *p, uint32_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;
	memcpy(dst, p, n);
	dst[n] = 0;
}

static int parse_header(struct trace_reader *r, const struct section *s)
{
	if (s->body_len < 4)
		return reader_fail(r, TRACE_EFORMAT, "header descriptor too short");
	r->hdr.format_major = get_le16(s->body);
	r->hdr.format_minor = get_le16(s->body + 2);
	if (r->hdr.format_major > TRACE_FORMAT_MAJOR)
		return reader_fail(r, TRACE_EVERSION,
				   "format version %u.%u is newer than this "
				   "fragtrace reads (%u.x); upgrade fragtrace",
				   r->hdr.format_major, r->hdr.format_minor, TRACE_FORMAT_MAJOR);
	struct fgt_buf raw = { 0 };
	int rc = load_payload(r, s, HEADER_RAW_MAX, &raw, 0, 0);
	for (size_t off = 0; !rc && off < raw.len;) {
		if (raw.len - off < 6) {
			rc = reader_fail(r, TRACE_EFORMAT, "header: truncated field");
			break;
		}
		uint16_t tag = get_le16(raw.data + off);
		uint32_t len = get_le32(raw.data + off + 2);
		const uint8_t *v = raw.data + off + 6;
		if (len > raw.len - off - 6) {
			rc = reader_fail(r, TRACE_EFORMAT, "header: field %u runs past the end",
					 tag);
			break;
		}
		uint64_t u = len == 8 ? get_le64(v) : 0;
		switch (tag) {
		case FGT_TAG_KERNEL_RELEASE:
			copy_str(r->hdr.kernel_release, sizeof(r->hdr.kernel_release), v, len);
			break;
		case FGT_TAG_ARCH:
			copy_str(r->hdr.arch, sizeof(r->hdr.arch), v, len);
			break;
		case FGT_TAG_TRACE_CLOCK:
			copy_str(r->hdr.trace_clock, sizeof(r->hdr.trace_clock), v, len);
			break;
		case FGT_TAG_TOOL_VERSION:
			copy_str(r->hdr.tool_version, sizeof(r->hdr.tool_version), v, len);
			break;
		case FGT_TAG_PAGE_SIZE:
			r->hdr.page_size = (uint32_t)u;
			break;
		case FGT_TAG_PAGEBLOCK_ORDER:
			r->hdr.pageblock_order = (uint32_t)u;
			break;
		case FGT_TAG_CPU_COUNT:
			r->hdr.cpu_count = (uint32_t)u;
			break;
		case FGT_TAG_TIME_RESOLUTION:
			r->hdr.time_resolution_ns = (uint32_t)u;
			break;
		case FGT_TAG_CLOCK_OFFSET:
			r->hdr.clock_offset_ns = (int64_t)u;
			break;
		case FGT_TAG_RAW_ADDRESSES:
			r->hdr.raw_addresses = (uint32_t)u;
			break;
		case FGT_TAG_EVENT_FORMATS:
			free(r->event_formats);
			r->event_formats = malloc(len + 1u);
			if (!r->event_formats) {
				rc = reader_fail(r, TRACE_ENOMEM, "out of memory");
				break;
			}
			memcpy(r->event_formats, v, len);
			r->event_formats[len] = 0;
			r->hdr.event_formats = r->event_formats;
			r->hdr.event_formats_len = len;
			break;
		default: /* a newer minor version's field */
			break;
		}
		off += 6 + (size_t)len;
	}
	fgt_buf_free(&raw);
	if (!rc && r->hdr.time_resolution_ns == 0)
		rc = reader_fail(r, TRACE_EFORMAT, "header: time resolution missing");
	return rc;
}

static int set_string(struct trace_reader *r, uint64_t id, const uint8_t *p, uint64_t len)
{
	if (id == 0 || id >= STRING_ID_LIMIT)
		return TRACE_EFORMAT;
	if (fgt_grow((void **)&r->strings, &r->strings_cap, id + 1, sizeof(char *)))
		return TRACE_ENOMEM;
	if (r->strings[id])
		return 0;
	char *s = malloc(len + 1);
	if (!s)
		return TRACE_ENOMEM;
	memcpy(s, p, len);
	s[len] = 0;
	r->strings[id] = s;
	return 0;
}

static int add_chunk(struct trace_reader *r, const struct trace_chunk_info *ci, uint64_t number)
{
	if (fgt_grow((void **)&r->chunks, &r->chunks_cap, r->nchunks + 1, sizeof(*r->chunks)) ||
	    fgt_grow((void **)&r->chunk_no, &r->chunk_no_cap, r->nchunks + 1, sizeof(uint64_t)))
		return reader_fail(r, TRACE_ENOMEM, "out of memory");
	r->chunk_no[r->nchunks] = number;
	r->chunks[r->nchunks++] = *ci;
	return 0;
}

static int add_lost(struct trace_reader *r, const struct trace_lost_info *l)
{
	if (fgt_grow((void **)&r->lost, &r->lost_cap, r->nlost + 1, sizeof(*r->lost)))
		return reader_fail(r, TRACE_ENOMEM, "out of memory");
	r->lost[r->nlost++] = *l;
	return 0;
}

static int add_meta(struct trace_reader *r, const uint8_t *name, size_t len, uint64_t offset,
		    uint64_t size)
{
	if (fgt_grow((void **)&r->metas, &r->metas_cap, r->nmetas + 1, sizeof(*r->metas)))
		return reader_fail(r, TRACE_ENOMEM, "out of memory");
	char *n = strndup((const char *)name, len);
	if (!n)
		return reader_fail(r, TRACE_ENOMEM, "out of memory");
	r->metas[r->nmetas++] = (struct trace_meta_info){ n, offset, size };
	return 0;
}

static int add_generic(struct trace_reader *r, uint64_t name, uint64_t count)
{
	if (name >= STRING_ID_LIMIT)
		return TRACE_EFORMAT;
	if (fgt_grow((void **)&r->generic_counts, &r->generic_cap, name + 1, sizeof(uint64_t)))
		return reader_fail(r, TRACE_ENOMEM, "out of memory");
	r->generic_counts[name] += count;
	return 0;
}

/* Bound a count read from the file by the bytes left, so it cannot drive a huge loop. */
static uint64_t get_count(struct varint_cursor *c)
{
	uint64_t n = varint_get(c);
	if (n > (uint64_t)(c->end - c->p))
		c->bad = 1;
	return c->bad ? 0 : n;
}

static int parse_index(struct trace_reader *r, const struct section *s, uint64_t events)
{
	struct fgt_buf raw = { 0 };
	int rc = load_payload(r, s, INDEX_RAW_MAX, &raw, 0, 0);
	if (rc) {
		fgt_buf_free(&raw);
		return rc;
	}
	struct varint_cursor c = { raw.data, raw.data + raw.len, 0 };
	uint64_t n = get_count(&c), expect_event = 0;
	for (uint64_t i = 0; i < n && !c.bad && !rc; i++) {
		struct trace_chunk_info ci = { 0 };
		ci.offset = varint_get(&c);
		ci.size = varint_get(&c);
		ci.first_event = varint_get(&c);
		uint64_t ev = varint_get(&c);
		ci.first_ts = varint_get(&c);
		ci.last_ts = ci.first_ts + varint_get(&c);
		ci.events = (uint32_t)ev;
		for (int t = 1; t < TRACE_NR_TYPES; t++)
			ci.type_counts[t] = (uint32_t)varint_get(&c);
		if (ev > FGT_CHUNK_EVENTS_MAX || ci.first_event != expect_event ||
		    ci.offset >= s->offset || ci.size > s->offset - ci.offset)
			c.bad = 1;
		expect_event += ev;
		if (!c.bad)
			rc = add_chunk(r, &ci, i);
	}
	if (expect_event != events)
		c.bad = 1;
	n = get_count(&c);
	for (uint64_t i = 0; i < n && !c.bad && !rc; i++) {
		struct trace_lost_info l = { 0 };
		uint64_t cpu = varint_get(&c);
		l.cpu = (uint16_t)cpu;
		l.ts = varint_get(&c);
		l.position = varint_get(&c);
		l.count = varint_get(&c) - 1;
		if (cpu > UINT16_MAX)
			c.bad = 1;
		else
			rc = add_lost(r, &l);
	}
	n = get_count(&c);
	for (uint64_t i = 0; i < n && !c.bad && !rc; i++) {
		uint64_t len = get_count(&c);
		const uint8_t *name = c.p;
		c.p += len;
		uint64_t off = varint_get(&c), size = varint_get(&c);
		if (len == 0 || len > FGT_META_NAME_MAX || off >= s->offset)
			c.bad = 1;
		else
			rc = add_meta(r, name, len, off, size);
	}
	n = get_count(&c);
	for (uint64_t id = 1; id <= n && !c.bad && !rc; id++) {
		uint64_t len = get_count(&c);
		if (!c.bad && set_string(r, id, c.p, len))
			c.bad = 1;
		c.p += len;
	}
	n = get_count(&c);
	for (uint64_t i = 0; i < n && !c.bad && !rc; i++) {
		uint64_t name = varint_get(&c), count = varint_get(&c);
		if (add_generic(r, name, count))
			c.bad = 1;
	}
	if (!rc && (c.bad || c.p != c.end))
		rc = reader_fail(r, TRACE_EFORMAT, "index at byte %llu is corrupt",
				 (unsigned long long)s->offset);
	fgt_buf_free(&raw);
	return rc;
}

/* Forget whatever a failed index parse left behind before scanning. */
static void reset_tables(struct trace_reader *r)
{
	for (size_t i = 0; i < r->nmetas; i++)
		free((char *)r->metas[i].name);
	r->nchunks = r->nlost = r->nmetas = r->ndamage = 0;
	if (r->generic_counts)
		memset(r->generic_counts, 0, r->generic_cap * sizeof(uint64_t));
}

static int load_index(struct trace_reader *r)
{
	struct section end, idx;
	if (r->file_size < FGT_END_BYTES)
		return TRACE_EFORMAT;
	int rc = read_section(r, r->file_size - FGT_END_BYTES, &end);
	if (rc || end.kind != FGT_SECTION_END || end.body_len != 24)
		return TRACE_EFORMAT;
	uint64_t index_offset = get_le64(end.body), events = get_le64(end.body + 8);
	if (index_offset >= end.offset || (rc = read_section(r, index_offset, &idx)) ||
	    idx.kind != FGT_SECTION_INDEX || idx.end != end.offset)
		return TRACE_EFORMAT;
	rc = parse_index(r, &idx, events);
	if (rc == 0 && r->nchunks != get_le64(end.body + 16))
		rc = TRACE_EFORMAT;
	return rc;
}

static int load_chunk(struct trace_reader *r, size_t i);
static int decode_batch(struct trace_reader *r);

/*
 * The offset of the first valid section after a damaged one at off (its descriptor's
 * checksum verified), or the file size when there is none.
 */
static int resync(struct trace_reader *r, uint64_t off, uint64_t *next)
{
	uint8_t buf[RESYNC_BLOCK + 12];
	*next = r->file_size;
	for (uint64_t at = off + 1; at + 12 <= r->file_size; at += RESYNC_BLOCK) {
		size_t len =
			r->file_size - at < sizeof(buf) ? (size_t)(r->file_size - at) : sizeof(buf);
		int rc = read_at(r, at, buf, len);
		if (rc)
			return rc;
		for (size_t i = 0; i + 12 <= len && i < RESYNC_BLOCK; i++) {
			if ((get_le32(buf + i) & ~0xfu) != FGT_SKIPPABLE_MAGIC ||
			    get_le32(buf + i + 8) != FGT_MAGIC)
				continue;
			struct section s;
			rc = read_section(r, at + i, &s);
			if (rc == TRACE_EIO || rc == TRACE_ENOMEM)
				return rc;
			if (rc == 0) {
				*next = at + i;
				r->err[0] = 0;
				return 0;
			}
		}
	}
	r->err[0] = 0;
	return 0;
}

static int add_damage(struct trace_reader *r, uint64_t off, uint64_t end, uint64_t chunk_no,
		      const char *why)
{
	if (fgt_grow((void **)&r->damage, &r->damage_cap, r->ndamage + 1, sizeof(*r->damage)))
		return reader_fail(r, TRACE_ENOMEM, "out of memory");
	struct damage *d = &r->damage[r->ndamage++];
	d->info = (struct trace_damage_info){ .offset = off,
					      .bytes = end - off,
					      .first_chunk = chunk_no,
					      .chunks = TRACE_DAMAGE_UNKNOWN,
					      .events = TRACE_DAMAGE_UNKNOWN };
	d->before = r->nchunks;
	snprintf(d->why, sizeof(d->why), "%s", why);
	return 0;
}

/*
 * Give the chunks and events missing between the last intact chunk and the next one to the
 * damage found in between: all to the first such span, none to the others.
 */
static int settle_gap(struct trace_reader *r, uint64_t off, uint64_t chunk_no, uint64_t chunks,
		      uint64_t events)
{
	int given = 0;
	for (size_t k = r->ndamage; k-- > 0 && r->damage[k].before == r->nchunks;) {
		if (r->damage[k].info.chunks != TRACE_DAMAGE_UNKNOWN)
			break;
		r->damage[k].info.chunks = 0;
		r->damage[k].info.events = 0;
		given = (int)k + 1;
	}
	if (given) {
		r->damage[given - 1].info.chunks = chunks;
		r->damage[given - 1].info.events = events;
		return 0;
	}
	if (!chunks && !events)
		return 0;
	/* chunks missing without damage before them: sections cut out of the file */
	char why[MESSAGE_MAX];
	snprintf(why, sizeof(why), "%llu chunks are missing before chunk %llu",
		 (unsigned long long)chunks, (unsigned long long)(chunk_no + chunks));
	int rc = add_damage(r, off, off, chunk_no, why);
	if (!rc) {
		r->damage[r->ndamage - 1].info.chunks = chunks;
		r->damage[r->ndamage - 1].info.events = events;
	}
	return rc;
}

/*
 * Decode chunk i once for its type counts, lost markers and generic names. TRACE_EFORMAT
 * when it is damaged; nothing of it is kept then.
 */
static int verify_chunk(struct trace_reader *r, size_t i)
{
	struct trace_chunk_info *ci = &r->chunks[i];
	uint32_t counts[TRACE_NR_TYPES] = { 0 };
	size_t nlost = r->nlost;
	uint64_t pos = ci->first_event;
	r->ngeneric_pending = 0;
	int rc = load_chunk(r, i);
	while (!rc && r->chunk_left) {
		if ((rc = decode_batch(r)) < 0)
			break;
		rc = 0;
		for (size_t k = 0; k < r->batch_len && !rc; k++, pos++) {
			const struct trace_event *ev = &r->batch[k];
			counts[ev->type]++;
			if (ev->type == TRACE_LOST) {
				struct trace_lost_info l = { ev->cpu, ev->ts, pos, ev->lost.count };
				rc = add_lost(r, &l);
			} else if (ev->type == TRACE_GENERIC) {
				if (fgt_grow((void **)&r->generic_pending, &r->generic_pending_cap,
					     r->ngeneric_pending + 1, sizeof(uint32_t)))
					rc = reader_fail(r, TRACE_ENOMEM, "out of memory");
				else
					r->generic_pending[r->ngeneric_pending++] =
						ev->generic.name;
			}
		}
	}
	if (rc) {
		r->nlost = nlost;
		return rc;
	}
	memcpy(ci->type_counts, counts, sizeof(counts));
	for (size_t k = 0; k < r->ngeneric_pending; k++)
		if ((rc = add_generic(r, r->generic_pending[k], 1)))
			return rc;
	return 0;
}

/* A chunk descriptor met by the scan: check its place in the sequence, then its contents. */
static int scan_chunk(struct trace_reader *r, const struct section *s, struct scan_state *st)
{
	uint64_t no = get_le64(s->body), first = get_le64(s->body + 8);
	if (s->body_len != 40 || no < st->next_no || first < st->file_events)
		return add_damage(r, s->offset, s->end, st->next_no,
				  "chunk descriptor out of sequence");
	int rc = settle_gap(r, s->offset, st->next_no, no - st->next_no, first - st->file_events);
	if (rc)
		return rc;
	struct trace_chunk_info ci = { .offset = s->offset,
				       .size = s->end - s->offset,
				       .first_event = st->events,
				       .events = get_le32(s->body + 16),
				       .first_ts = get_le64(s->body + 20),
				       .last_ts = get_le64(s->body + 28) };
	st->next_no = no + 1;
	st->file_events = first + ci.events;
	if ((rc = add_chunk(r, &ci, no)))
		return rc;
	rc = verify_chunk(r, r->nchunks - 1);
	if (rc != TRACE_EFORMAT) {
		st->events += rc ? 0 : ci.events;
		return rc;
	}
	char why[MESSAGE_MAX];
	snprintf(why, sizeof(why), "%s", last_reason(r));
	r->err[0] = 0;
	r->nchunks--;
	if ((rc = add_damage(r, s->offset, s->end, no, why)))
		return rc;
	r->damage[r->ndamage - 1].info.chunks = 1;
	r->damage[r->ndamage - 1].info.events = ci.events;
	return 0;
}

/* Damage after the last intact chunk: what it cost, when the end section or index tells. */
static void settle_tail(struct trace_reader *r, const struct scan_state *st)
{
	for (size_t k = 0; k < r->ndamage; k++) {
		struct damage *d = &r->damage[k];
		if (d->info.chunks != TRACE_DAMAGE_UNKNOWN)
			continue;
		if (d->after_index || (st->have_end && d->info.offset >= st->index_offset)) {
			d->info.chunks = d->info.events = 0; /* the index or the end section */
		} else if (st->have_end && st->end_events >= st->file_events &&
			   st->end_chunks >= st->next_no) {
			d->info.chunks = st->end_chunks - st->next_no;
			d->info.events = st->end_events - st->file_events;
			for (size_t j = k + 1; j < r->ndamage; j++)
				if (r->damage[j].info.chunks == TRACE_DAMAGE_UNKNOWN)
					r->damage[j].info.chunks = r->damage[j].info.events = 0;
			return;
		}
	}
}

/* The one-line warning about a scanned file: where the damage is and what it cost. */
static void scan_warning(struct trace_reader *r, const struct scan_state *st)
{
	uint64_t lost_chunks = 0, lost_events = 0;
	int unknown = 0;
	for (size_t k = 0; k < r->ndamage; k++) {
		const struct trace_damage_info *d = &r->damage[k].info;
		if (d->chunks == TRACE_DAMAGE_UNKNOWN || d->events == TRACE_DAMAGE_UNKNOWN) {
			unknown = 1;
			continue;
		}
		lost_chunks += d->chunks;
		lost_events += d->events;
	}
	char cost[160] = "";
	if (lost_chunks || lost_events)
		snprintf(cost, sizeof(cost), "; %llu events in %llu chunks are unreadable%s",
			 (unsigned long long)lost_events, (unsigned long long)lost_chunks,
			 unknown ? ", maybe more" : "");
	else if (unknown)
		snprintf(cost, sizeof(cost), "; an unknown number of events are unreadable");
	char more[64] = "";
	if (r->ndamage > 1)
		snprintf(more, sizeof(more), " (and %zu more damaged places)", r->ndamage - 1);
	if (r->ndamage) {
		const struct damage *d = &r->damage[0];
		snprintf(r->warn, sizeof(r->warn),
			 "%s: damaged at byte %llu (%s)%s, skipped to byte %llu; %llu events in "
			 "%zu intact chunks are readable%s%s",
			 r->path, (unsigned long long)d->info.offset, d->why, more,
			 (unsigned long long)(d->info.offset + d->info.bytes),
			 (unsigned long long)st->events, r->nchunks, cost,
			 st->truncated[0] ? "; the file is also cut short" : "");
	} else if (st->truncated[0]) {
		snprintf(r->warn, sizeof(r->warn),
			 "%s: truncated: %s; %llu events in %zu complete chunks are readable "
			 "(up to byte %llu)",
			 r->path, st->truncated, (unsigned long long)st->events, r->nchunks,
			 (unsigned long long)r->sum.readable_bytes);
	} else if (!st->saw_index) {
		snprintf(r->warn, sizeof(r->warn),
			 "%s: no index (the recorder did not finish); all %zu chunks were scanned",
			 r->path, r->nchunks);
	} else if (!r->salvage) {
		snprintf(r->warn, sizeof(r->warn),
			 "%s: the index disagrees with the chunks; all %zu chunks were scanned",
			 r->path, r->nchunks);
	}
}

/*
 * Rebuild the index by walking the sections and decoding each chunk once. A damaged section
 * is skipped up to the next valid one and recorded with what it cost; a section cut short by
 * the end of the file ends the walk.
 */
static int scan_sections(struct trace_reader *r, uint64_t off)
{
	struct scan_state st = { 0 };
	int after_index = 0, rc;

	reset_tables(r);
	while (off < r->file_size) {
		struct section s;
		rc = read_section(r, off, &s);
		if (rc == TRACE_EIO || rc == TRACE_ENOMEM)
			return rc;
		if (rc) {
			int bad = rc;
			char why[MESSAGE_MAX];
			snprintf(why, sizeof(why), "%s", last_reason(r));
			uint64_t next;
			if ((rc = resync(r, off, &next)))
				return rc;
			if (next == r->file_size && bad == TRACE_ETRUNCATED) {
				snprintf(st.truncated, sizeof(st.truncated), "%s", why);
				break; /* cut short, not damaged */
			}
			if ((rc = add_damage(r, off, next, st.next_no, why)))
				return rc;
			r->damage[r->ndamage - 1].after_index = after_index;
			off = next;
			after_index = 0;
			continue;
		}
		after_index = s.kind == FGT_SECTION_INDEX;
		if (s.kind == FGT_SECTION_CHUNK) {
			rc = scan_chunk(r, &s, &st);
		} else if (s.kind == FGT_SECTION_META) {
			uint16_t len = s.body_len >= 2 ? get_le16(s.body) : 0;
			if (len == 0 || len + 2u != s.body_len)
				rc = add_damage(r, off, s.end, st.next_no,
						"bad metadata descriptor");
			else
				rc = add_meta(r, s.body + 2, len, off, s.raw_bytes);
		} else if (s.kind == FGT_SECTION_HEADER) {
			rc = add_damage(r, off, s.end, st.next_no, "a second header");
		} else if (s.kind == FGT_SECTION_INDEX) {
			st.saw_index = 1;
		} else if (s.kind == FGT_SECTION_END && s.body_len == 24) {
			st.have_end = 1;
			st.index_offset = get_le64(s.body);
			st.end_events = get_le64(s.body + 8);
			st.end_chunks = get_le64(s.body + 16);
		}
		if (rc)
			return rc;
		off = s.end;
	}
	r->sum.readable_bytes = off;
	settle_tail(r, &st);
	for (size_t k = 0; k < r->ndamage; k++)
		r->damage[k].info.why = r->damage[k].why;
	scan_warning(r, &st);
	return 0;
}

static void summarise(struct trace_reader *r)
{
	struct trace_summary *s = &r->sum;
	s->file_bytes = r->file_size;
	for (size_t i = 0; i < r->nchunks; i++) {
		const struct trace_chunk_info *c = &r->chunks[i];
		if (i == 0 || c->first_ts < s->first_ts)
			s->first_ts = c->first_ts;
		if (c->last_ts > s->last_ts)
			s->last_ts = c->last_ts;
		s->events += c->events;
		for (int t = 0; t < TRACE_NR_TYPES; t++)
			s->type_counts[t] += c->type_counts[t];
	}
	for (size_t i = 0; i < r->nlost; i++) {
		s->lost_markers++;
		if (r->lost[i].count != TRACE_LOST_UNKNOWN)
			s->lost_events += r->lost[i].count;
	}
}

int trace_reader_open(const char *path, struct trace_reader **out)
{
	return trace_reader_open_flags(path, 0, out);
}

/* The reader of the file open on fd (-1: open path), which it owns from here on. */
static int reader_open_fd(const char *path, int fd, unsigned int flags, struct trace_reader **out)
{
	struct trace_reader *r = calloc(1, sizeof(*r));
	*out = r;
	if (!r) {
		if (fd >= 0)
			close(fd);
		return TRACE_ENOMEM;
	}
	r->salvage = !!(flags & TRACE_READ_SALVAGE);
	r->fd = fd;
	r->loaded = SIZE_MAX;
	r->path = strdup(path);
	r->dctx = ZSTD_createDCtx();
	if (!r->path || !r->dctx)
		return reader_fail(r, TRACE_ENOMEM, "out of memory");
	if (r->fd < 0)
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (r->fd < 0 || fstat(r->fd, &st))
		return reader_fail(r, TRACE_EIO, "cannot open: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return reader_fail(r, TRACE_EIO, "not a regular file");
	r->file_size = (uint64_t)st.st_size;
	if (r->file_size == 0)
		return reader_fail(r, TRACE_EFORMAT, "empty file (0 bytes): not a fragtrace trace");

	struct section h;
	int rc = read_section(r, 0, &h);
	if (rc == TRACE_EFORMAT || (!rc && h.kind != FGT_SECTION_HEADER))
		return reader_fail(r, TRACE_EFORMAT, "not a fragtrace trace (bad magic at byte 0)");
	if (rc)
		return rc;
	if ((rc = parse_header(r, &h)))
		return rc;
	if (fgt_codec_init(&r->codec, r->hdr.time_resolution_ns))
		return reader_fail(r, TRACE_ENOMEM, "out of memory");

	rc = r->salvage ? TRACE_EFORMAT : load_index(r);
	r->sum.complete = rc == 0;
	r->sum.readable_bytes = r->file_size;
	if (rc == TRACE_ENOMEM)
		return reader_fail(r, rc, "out of memory");
	r->err[0] = 0;
	if (rc && (rc = scan_sections(r, h.end)))
		return rc;
	summarise(r);
	r->loaded = SIZE_MAX;
	r->next_chunk = r->next_damage = 0;
	r->chunk_left = 0;
	r->batch_len = r->batch_pos = 0;
	return 0;
}

int trace_reader_open_flags(const char *path, unsigned int flags, struct trace_reader **out)
{
	return reader_open_fd(path, -1, flags, out);
}

int trace_reader_reopen(const struct trace_reader *src, struct trace_reader **out)
{
	int fd = fcntl(src->fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		struct trace_reader *r = calloc(1, sizeof(*r));
		*out = r;
		if (!r)
			return TRACE_ENOMEM;
		r->fd = -1;
		r->path = strdup(src->path);
		if (!r->path) {
			free(r);
			*out = NULL;
			return TRACE_ENOMEM;
		}
		return reader_fail(r, TRACE_EIO, "cannot open again: %s", strerror(errno));
	}
	return reader_open_fd(src->path, fd, src->salvage ? TRACE_READ_SALVAGE : 0, out);
}

void trace_reader_close(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	ZSTD_freeDCtx(r->dctx);
	fgt_codec_free(&r->codec);
	fgt_buf_free(&r->payload);
	fgt_buf_free(&r->raw);
	for (size_t i = 0; i < r->strings_cap; i++)
		free(r->strings[i]);
	for (size_t i = 0; i < r->nmetas; i++)
		free((char *)r->metas[i].name);
	free(r->strings);
	free(r->chunks);
	free(r->chunk_no);
	free(r->damage);
	free(r->generic_pending);
	free(r->lost);
	free(r->metas);
	free(r->generic_counts);
	free(r->event_formats);
	free(r->path);
	free(r);
}

/* Read, check and decompress chunk i; set up the column cursors. */
static int load_chunk(struct trace_reader *r, size_t i)
{
	struct section s;
	const struct trace_chunk_info *ci = &r->chunks[i];
	int rc = read_section(r, ci->offset, &s);
	if (rc == TRACE_ETRUNCATED || rc == TRACE_EFORMAT)
		return chunk_fail(r, i, last_reason(r));
	if (rc)
		return rc;
	if (s.kind != FGT_SECTION_CHUNK || s.body_len != 40 || get_le64(s.body) != r->chunk_no[i] ||
	    get_le32(s.body + 16) != ci->events || s.end - s.offset != ci->size)
		return chunk_fail(r, i, "descriptor disagrees with the index");
	if ((rc = load_payload(r, &s, FGT_CHUNK_RAW_MAX, &r->raw, get_le32(s.body + 36), 1))) {
		if (rc == TRACE_ENOMEM)
			return rc;
		const char *why = strstr(last_reason(r), ": "); /* after "chunk section at ..." */
		return chunk_fail(r, i, why ? why + 2 : last_reason(r));
	}

	struct varint_cursor c = { r->raw.data, r->raw.data + r->raw.len, 0 };
	if (varint_get(&c) != ci->events)
		return chunk_fail(r, i, "event count disagrees with its descriptor");
	uint64_t nstr = get_count(&c);
	for (uint64_t k = 0; k < nstr && !c.bad; k++) {
		uint64_t id = varint_get(&c), len = get_count(&c);
		if (c.bad)
			break;
		rc = set_string(r, id, c.p, len);
		if (rc == TRACE_ENOMEM)
			return reader_fail(r, rc, "out of memory");
		if (rc)
			return chunk_fail(r, i, "bad string id");
		c.p += len;
	}
	if (c.bad || varint_get(&c) != FGT_NR_COLUMNS)
		return chunk_fail(r, i, "bad chunk prefix");
	uint64_t lens[FGT_NR_COLUMNS], total = 0;
	for (int k = 0; k < FGT_NR_COLUMNS; k++) {
		lens[k] = varint_get(&c);
		total += lens[k];
		if (lens[k] > r->raw.len)
			c.bad = 1;
	}
	if (c.bad || total != (uint64_t)(c.end - c.p))
		return chunk_fail(r, i, "column lengths disagree with the chunk size");
	const uint8_t *p = c.p;
	for (int k = 0; k < FGT_NR_COLUMNS; k++) {
		r->cur[k] = (struct varint_cursor){ p, p + lens[k], 0 };
		p += lens[k];
	}
	fgt_codec_begin_chunk(&r->codec);
	r->loaded = i;
	r->next_chunk = i + 1;
	r->chunk_left = ci->events;
	return 0;
}

/* Decode the next batch of the loaded chunk into r->batch. */
static int decode_batch(struct trace_reader *r)
{
	size_t n = r->chunk_left < TRACE_BATCH_EVENTS ? r->chunk_left : TRACE_BATCH_EVENTS;
	const char *what = "corrupt event columns";
	int rc = fgt_decode_events(&r->codec, r->cur, r->batch, n, &what);
	if (rc == TRACE_ENOMEM)
		return reader_fail(r, rc, "out of memory");
	for (int k = 0; !rc && k < FGT_NR_COLUMNS; k++)
		if (r->cur[k].bad)
			rc = TRACE_EFORMAT;
	r->chunk_left -= (uint32_t)n;
	for (int k = 0; !rc && !r->chunk_left && k < FGT_NR_COLUMNS; k++)
		if (r->cur[k].p != r->cur[k].end) {
			what = "event columns hold extra bytes";
			rc = TRACE_EFORMAT;
		}
	if (rc) {
		r->chunk_left = 0;
		r->batch_len = r->batch_pos = 0;
		return chunk_fail(r, r->loaded, what);
	}
	r->batch_len = n;
	r->batch_pos = 0;
	return (int)n;
}

/*
 * Pass damage record d on the way to the next chunk. Salvaging, damage that cost events
 * becomes a lost marker (CPU 0: a dropped chunk spans every CPU) in r->batch; otherwise it is
 * an error. Returns 1 with a marker, 0 to go on, < 0 on error.
 */
static int pass_damage(struct trace_reader *r, const struct damage *d)
{
	const struct trace_damage_info *di = &d->info;
	if (di->events == 0 ||
	    (di->events == TRACE_DAMAGE_UNKNOWN && !r->salvage && d->before == r->nchunks))
		return 0; /* nothing lost, or an unknown tail already warned about */
	if (!r->salvage) {
		char cost[64] = "";
		if (di->events != TRACE_DAMAGE_UNKNOWN)
			snprintf(cost, sizeof(cost), "; %llu events unreadable",
				 (unsigned long long)di->events);
		return reader_fail(r, TRACE_EFORMAT, "chunk %llu at byte %llu: %s%s",
				   (unsigned long long)di->first_chunk,
				   (unsigned long long)di->offset, d->why, cost);
	}
	struct trace_event *ev = &r->batch[0];
	memset(ev, 0, sizeof(*ev));
	ev->type = TRACE_LOST;
	if (d->before > 0)
		ev->ts = r->chunks[d->before - 1].last_ts;
	else if (d->before < r->nchunks)
		ev->ts = r->chunks[d->before].first_ts;
	ev->lost.count = di->events;
	r->batch_len = 1;
	r->batch_pos = 0;
	return 1;
}

static int fill_batch(struct trace_reader *r)
{
	while (!r->chunk_left) {
		while (r->next_damage < r->ndamage &&
		       r->damage[r->next_damage].before <= r->next_chunk) {
			int rc = pass_damage(r, &r->damage[r->next_damage++]);
			if (rc)
				return rc;
		}
		if (r->next_chunk >= r->nchunks)
			return 0;
		int rc = load_chunk(r, r->next_chunk);
		if (rc)
			return rc;
	}
	return decode_batch(r);
}

int trace_reader_next_batch(struct trace_reader *r, const struct trace_event **events)
{
	if (r->batch_pos >= r->batch_len) {
		int rc = fill_batch(r);
		if (rc <= 0)
			return rc;
	}
	*events = r->batch + r->batch_pos;
	int n = (int)(r->batch_len - r->batch_pos);
	r->batch_pos = r->batch_len;
	return n;
}

int trace_reader_next(struct trace_reader *r, struct trace_event *ev)
{
	if (r->batch_pos >= r->batch_len) {
		int rc = fill_batch(r);
		if (rc <= 0)
			return rc;
	}
	*ev = r->batch[r->batch_pos++];
	return 1;
}

int trace_reader_seek(struct trace_reader *r, uint64_t t)
{
	size_t lo = 0, hi = r->nchunks;
	while (lo < hi) { /* first chunk whose last_ts >= t */
		size_t mid = lo + (hi - lo) / 2;
		if (r->chunks[mid].last_ts < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	r->next_chunk = lo;
	r->next_damage = 0;
	while (r->next_damage < r->ndamage && r->damage[r->next_damage].before < lo)
		r->next_damage++;
	r->chunk_left = 0;
	r->batch_len = r->batch_pos = 0;
	for (;;) {
		int rc = fill_batch(r);
		if (rc <= 0)
			return rc;
		while (r->batch_pos < r->batch_len && r->batch[r->batch_pos].ts < t)
			r->batch_pos++;
		if (r->batch_pos < r->batch_len)
			return 0;
	}
}

int trace_reader_meta_load(struct trace_reader *r, size_t i, void **data, size_t *len)
{
	if (i >= r->nmetas)
		return TRACE_EINVAL;
	const struct trace_meta_info *m = &r->metas[i];
	struct section s;
	int rc = read_section(r, m->offset, &s);
	if (rc)
		return rc;
	size_t nlen = strlen(m->name);
	if (s.kind != FGT_SECTION_META || s.body_len != nlen + 2 ||
	    memcmp(s.body + 2, m->name, nlen))
		return reader_fail(r, TRACE_EFORMAT,
				   "metadata '%s' at byte %llu: descriptor "
				   "disagrees with the index",
				   m->name, (unsigned long long)m->offset);
	/* zstd cannot expand a frame more than ~32k-fold; a larger claim is corrupt. */
	uint64_t limit = s.payload_bytes * 32768 + 4096;
	struct fgt_buf out = { 0 };
	rc = load_payload(r, &s, limit < FGT_META_RAW_MAX ? limit : FGT_META_RAW_MAX, &out, 0, 0);
	if (rc) {
		fgt_buf_free(&out);
		return rc;
	}
	*data = out.data;
	*len = out.len;
	return 0;
}

const char *trace_reader_error(const struct trace_reader *r)
{
	if (!r)
		return "out of memory";
	return r->err[0] ? r->err : NULL;
}

const char *trace_reader_warning(const struct trace_reader *r)
{
	return r->warn[0] ? r->warn : NULL;
}

const struct trace_header *trace_reader_header(const struct trace_reader *r)
{
	return &r->hdr;
}

const struct trace_summary *trace_reader_summary(const struct trace_reader *r)
{
	return &r->sum;
}

size_t trace_reader_chunk_count(const struct trace_reader *r)
{
	return r->nchunks;
}

const struct trace_chunk_info *trace_reader_chunk(const struct trace_reader *r, size_t i)
{
	return i < r->nchunks ? &r->chunks[i] : NULL;
}

size_t trace_reader_damage_count(const struct trace_reader *r)
{
	return r->ndamage;
}

const struct trace_damage_info *trace_reader_damage(const struct trace_reader *r, size_t i)
{
	return i < r->ndamage ? &r->damage[i].info : NULL;
}

size_t trace_reader_lost_count(const struct trace_reader *r)
{
	return r->nlost;
}

const struct trace_lost_info *trace_reader_lost(const struct trace_reader *r, size_t i)
{
	return i < r->nlost ? &r->lost[i] : NULL;
}

size_t trace_reader_meta_count(const struct trace_reader *r)
{
	return r->nmetas;
}

const struct trace_meta_info *trace_reader_meta(const struct trace_reader *r, size_t i)
{
	return i < r->nmetas ? &r->metas[i] : NULL;
}

size_t trace_reader_generic_count(const struct trace_reader *r)
{
	size_t n = 0;
	for (size_t id = 0; id < r->generic_cap; id++)
		n += r->generic_counts[id] != 0;
	return n;
}

const char *trace_reader_generic_name(const struct trace_reader *r, size_t i, uint64_t *count)
{
	for (size_t id = 0; id < r->generic_cap; id++) {
		if (!r->generic_counts[id])
			continue;
		if (i-- == 0) {
			*count = r->generic_counts[id];
			const char *s = trace_reader_string(r, (uint32_t)id);
			return s ? s : "?";
		}
	}
	return NULL;
}

const char *trace_reader_string(const struct trace_reader *r, uint32_t id)
{
	return id < r->strings_cap ? r->strings[id] : NULL;
}
