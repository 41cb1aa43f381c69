/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace_format.h - on-disk constants and the event codec shared by the writer and the reader.
 *
 * A file is a sequence of sections. Each section is a zstd *skippable* frame holding a
 * descriptor, usually followed by one ordinary zstd frame (the payload, with zstd's content
 * checksum on). So `zstd -t file.fgt` checks every payload, and a reader can walk the file
 * descriptor by descriptor without decompressing anything. docs/trace-format.md is the spec.
 *
 * The event codec turns events into 13 byte columns of varints, each field predicted from a
 * context (the previous value on the same CPU, for the same call site or the same cache) so
 * that most varints are 0 and zstd squeezes them. The codec state is reset at every chunk, so
 * each chunk decodes on its own. Encoder and decoder live in trace_codec.c side by side and
 * must stay mirror images: every change to one is a change to the other and to the spec.
 */
#ifndef FRAGTRACE_TRACE_FORMAT_H
#define FRAGTRACE_TRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "trace.h"
#include "varint.h"

/* Skippable frame magic; the low nibble carries the section kind for hex-dump readers. */
#define FGT_SKIPPABLE_MAGIC 0x184D2A50u
#define FGT_MAGIC	    0x00544746u /* "FGT\0" little-endian, first word of every descriptor */

enum fgt_section_kind {
	FGT_SECTION_HEADER = 1,
	FGT_SECTION_META = 2,
	FGT_SECTION_CHUNK = 3,
	FGT_SECTION_INDEX = 4,
	FGT_SECTION_END = 5,
};

/*
 * Descriptor layout (little-endian), after the 8-byte skippable frame header:
 *   u32 FGT_MAGIC, u16 kind, u16 flags (0), u64 payload_bytes, u64 raw_bytes,
 *   kind-specific fields, u32 crc32c of all descriptor bytes before it.
 */
#define FGT_DESC_COMMON	  24  /* magic .. raw_bytes */
#define FGT_DESC_MAX	  512 /* largest descriptor body accepted (meta names are short) */
#define FGT_META_NAME_MAX 255
#define FGT_END_BODY	  (FGT_DESC_COMMON + 24 + 4) /* + index_offset, events, chunks, crc */
#define FGT_END_BYTES	  (8 + FGT_END_BODY)

/* Limits a reader enforces before allocating, so a corrupt size cannot exhaust memory. */
#define FGT_CHUNK_RAW_MAX    (256u << 20)
#define FGT_CHUNK_EVENTS_MAX (1u << 24)
#define FGT_META_RAW_MAX     (1ull << 34)
#define FGT_GENERIC_MAX	     (1u << 20)

/* Header payload: TLV records (u16 tag, u32 length, bytes). Unknown tags are skipped. */
enum fgt_header_tag {
	FGT_TAG_KERNEL_RELEASE = 1,
	FGT_TAG_ARCH = 2,
	FGT_TAG_TRACE_CLOCK = 3,
	FGT_TAG_TOOL_VERSION = 4,
	FGT_TAG_PAGE_SIZE = 5,
	FGT_TAG_PAGEBLOCK_ORDER = 6,
	FGT_TAG_CPU_COUNT = 7,
	FGT_TAG_TIME_RESOLUTION = 8,
	FGT_TAG_CLOCK_OFFSET = 9,
	FGT_TAG_RAW_ADDRESSES = 10,
	FGT_TAG_EVENT_FORMATS = 11,
};

/* Event columns, in the order they are stored in a chunk. */
enum fgt_column {
	FGT_COL_HEAD,  /* 1 byte per event: type | cpu-changed << 4 | pid-changed << 5 */
	FGT_COL_CPU,   /* cpu, when it changed from the previous event */
	FGT_COL_PID,   /* pid, when it changed from the previous event on this cpu */
	FGT_COL_TS,    /* ts / resolution, delta from the previous event */
	FGT_COL_PFN,   /* zigzag pfn delta from the previous of its kind on this cpu */
	FGT_COL_SMALL, /* order and migratetype packed */
	FGT_COL_GFP,   /* gfp XOR its context's previous gfp */
	FGT_COL_ADDR,  /* zigzag slab object address delta, per (cache or size or site, cpu) */
	FGT_COL_STR,   /* cache, shrinker or event name ids */
	FGT_COL_SITE,  /* call site ids */
	FGT_COL_SIZE,  /* bytes_alloc and bytes_req, zigzag deltas from the site's previous */
	FGT_COL_MISC,  /* the rest: node, counts, extfrag and shrinker fields */
	FGT_COL_BLOB,  /* generic records' raw bytes */
	FGT_NR_COLUMNS
};

#define FGT_HEAD_TYPE_MASK   0x0f
#define FGT_HEAD_CPU_CHANGED 0x10
#define FGT_HEAD_PID_CHANGED 0x20
#define FGT_HEAD_BACKREF     0x40 /* slab frees: ADDR is a back-reference into the chunk */
#define FGT_HEAD_RESERVED    0x80

/* A growable byte buffer: one column, or a section being assembled. */
struct fgt_buf {
	uint8_t *data;
	size_t len, cap;
};

int fgt_buf_reserve(struct fgt_buf *b, size_t extra);
int fgt_buf_put(struct fgt_buf *b, const void *data, size_t len);
int fgt_buf_put_varint(struct fgt_buf *b, uint64_t v);
void fgt_buf_free(struct fgt_buf *b);
/* Grow the array *p of *cap elements to hold need, zeroing the new ones. */
int fgt_grow(void **p, size_t *cap, size_t need, size_t elem);

/* Prediction contexts; see trace_codec.c. */
struct fgt_cpu_ctx;
struct fgt_site_ctx;
struct fgt_obj_ctx;

/*
 * Division by the time resolution without a divide instruction (Granlund and Montgomery,
 * "Division by invariant integers using multiplication", figure 4.1): exact for every 64-bit
 * dividend and every divisor from 1 to 2^32.
 */
struct fgt_divider {
	uint64_t magic;
	unsigned shift1, shift2;
};

static inline void fgt_divider_init(struct fgt_divider *dv, uint32_t d)
{
	unsigned l = 0;
	while ((1ull << l) < d)
		l++;
	dv->magic = (uint64_t)((((unsigned __int128)((1ull << l) - d)) << 64) / d) + 1;
	dv->shift1 = l < 1 ? l : 1;
	dv->shift2 = l > 0 ? l - 1 : 0;
}

static inline uint64_t fgt_divide(const struct fgt_divider *dv, uint64_t n)
{
	uint64_t t1 = (uint64_t)(((unsigned __int128)dv->magic * n) >> 64);
	return (t1 + ((n - t1) >> dv->shift1)) >> dv->shift2;
}

struct fgt_codec {
	uint32_t gen; /* bumped per chunk; contexts of older generations read as zero */
	uint32_t time_resolution_ns;
	uint32_t reserve_left; /* events that fit the columns' last reservation */
	uint64_t prev_ts_units;
	uint32_t prev_cpu;
	struct fgt_cpu_ctx *cpus;
	size_t ncpus;
	struct fgt_site_ctx *sites;
	size_t nsites;
	struct fgt_obj_ctx *objs; /* open addressing, power-of-two size */
	size_t objs_cap, objs_used;
	/* slab objects allocated in this chunk, in order: frees refer back into it */
	uint64_t *allocs;
	size_t nallocs, allocs_cap;
	/* encoder only: object address -> index in allocs + 1 (0: none), direct mapped */
	struct fgt_addr_slot *addrs;
	size_t addrs_cap;
	uint8_t head_class[256]; /* decoder: what each head byte is (trace_codec.c) */
};

struct fgt_addr_slot {
	uint64_t addr;
	uint32_t gen;
	uint32_t index1; /* index in allocs + 1; 0 once freed */
};

int fgt_codec_init(struct fgt_codec *c, uint32_t time_resolution_ns);
void fgt_codec_free(struct fgt_codec *c);
void fgt_codec_begin_chunk(struct fgt_codec *c);

/*
 * Encode one event into cols (which it grows); units is ev->ts in time-resolution units.
 * Returns 0 or TRACE_ENOMEM.
 */
int fgt_encode_event(struct fgt_codec *c, struct fgt_buf cols[FGT_NR_COLUMNS],
		     const struct trace_event *ev, uint64_t units);

/*
 * Decode n events from cursors. Returns 0, or TRACE_EFORMAT with *what set to a short reason;
 * callers then also check every cursor's bad flag and that every column was consumed.
 */
int fgt_decode_events(struct fgt_codec *c, struct varint_cursor cur[FGT_NR_COLUMNS],
		      struct trace_event *out, size_t n, const char **what);

/* Little-endian fixed-width helpers. */
static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

#endif /* FRAGTRACE_TRACE_FORMAT_H */
