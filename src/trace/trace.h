/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - the fragtrace trace file (.fgt): events, header, writer, reader.
 *
 * This is the only public interface to the file format; nothing outside src/trace/ parses its
 * bytes. docs/trace-format.md specifies the layout this code reads and writes.
 *
 * A trace is a header, named metadata blobs (snapshots), a stream of events in global timestamp
 * order cut into independently decodable chunks, and an index. Events are decoded into
 * struct trace_event, a fixed-size value whose union member is chosen by its record type.
 *
 * Errors: every function that can fail returns 0 (or a count) on success and a negative
 * TRACE_E* code on failure; the writer or reader then holds a one-line message naming the file
 * and the byte offset (trace_writer_error(), trace_reader_error()).
 */
#ifndef FRAGTRACE_TRACE_H
#define FRAGTRACE_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TRACE_FORMAT_MAJOR 1 /* readers refuse files with a newer major version */
#define TRACE_FORMAT_MINOR 0 /* added fields only; older readers skip what they do not know */

/* Record types: one per kernel tracepoint we know, plus a lost marker and a generic record. */
enum trace_record_type {
	TRACE_PAGE_ALLOC = 1,	      /* kmem:mm_page_alloc */
	TRACE_PAGE_ALLOC_ZONE_LOCKED, /* kmem:mm_page_alloc_zone_locked */
	TRACE_PAGE_FREE,	      /* kmem:mm_page_free */
	TRACE_PAGE_FREE_BATCHED,      /* kmem:mm_page_free_batched */
	TRACE_PAGE_PCPU_DRAIN,	      /* kmem:mm_page_pcpu_drain */
	TRACE_PAGE_ALLOC_EXTFRAG,     /* kmem:mm_page_alloc_extfrag */
	TRACE_SLAB_ALLOC,	      /* kmem:kmem_cache_alloc */
	TRACE_SLAB_FREE,	      /* kmem:kmem_cache_free */
	TRACE_KMALLOC,		      /* kmem:kmalloc */
	TRACE_KFREE,		      /* kmem:kfree */
	TRACE_SHRINK_START,	      /* vmscan:mm_shrink_slab_start */
	TRACE_SHRINK_END,	      /* vmscan:mm_shrink_slab_end */
	TRACE_LOST,		      /* events the kernel dropped on one CPU */
	TRACE_GENERIC,		      /* any other tracepoint, fields kept as raw bytes */
	TRACE_NR_TYPES
};

#define TRACE_LOST_UNKNOWN UINT64_MAX /* a lost marker whose count the kernel did not store */
#define TRACE_NO_STRING	   0	      /* string id 0 means "none" (no call site, no name) */

struct trace_page {
	uint64_t pfn; /* UINT64_MAX for a failed allocation */
	uint32_t order;
	int32_t migratetype;
	uint64_t gfp;		/* TRACE_PAGE_ALLOC only */
	uint32_t percpu_refill; /* TRACE_PAGE_ALLOC_ZONE_LOCKED only */
};

struct trace_extfrag {
	uint64_t pfn;
	int32_t alloc_order, fallback_order;
	int32_t alloc_migratetype, fallback_migratetype;
	int32_t change_ownership;
};

/* Slab objects: kmem_cache_alloc/free and kmalloc/kfree share this layout. */
struct trace_slab {
	uint64_t addr;	    /* object address: physical (pfn << PAGE_SHIFT | offset) unless raw */
	uint32_t cache;	    /* interned cache name; TRACE_NO_STRING for kmalloc/kfree */
	uint32_t call_site; /* interned "symbol+0xoff"; TRACE_NO_STRING when dropped */
	uint64_t bytes_req, bytes_alloc; /* allocations only */
	uint64_t gfp;			 /* allocations only */
	int32_t node;			 /* allocations only */
	uint32_t accounted;		 /* allocations only: memcg accounted */
};

struct trace_shrink_start {
	uint32_t shrinker; /* interned name of the shrinker's scan function */
	int32_t nid;
	int32_t priority;
	uint64_t gfp;
	int64_t nr_objects_to_shrink;
	int64_t cache_items;
	int64_t delta;
	int64_t total_scan;
};

struct trace_shrink_end {
	uint32_t shrinker;
	int32_t nid;
	int32_t retval; /* objects freed */
	int64_t unused_scan;
	int64_t new_scan;
	int64_t total_scan;
};

struct trace_lost {
	uint64_t count; /* TRACE_LOST_UNKNOWN when the kernel did not say */
};

struct trace_generic {
	uint32_t name;	     /* interned "system:event" */
	uint32_t size;	     /* bytes at data */
	const uint8_t *data; /* the record's fields; valid until the reader's next chunk */
};

struct trace_event {
	uint64_t ts;   /* ns on the trace clock, truncated to the header's time_resolution_ns */
	uint16_t type; /* enum trace_record_type */
	uint16_t cpu;
	int32_t pid;
	union {
		struct trace_page page;
		struct trace_extfrag extfrag;
		struct trace_slab slab;
		struct trace_shrink_start shrink_start;
		struct trace_shrink_end shrink_end;
		struct trace_lost lost;
		struct trace_generic generic;
	};
};

/* Host and recording facts, written once at the start of the file. */
struct trace_header {
	uint32_t format_major, format_minor; /* filled in by the writer and reader */
	char kernel_release[128];
	char arch[32];
	char trace_clock[32];
	char tool_version[32];
	uint32_t page_size;	  /* bytes, e.g. 4096 */
	uint32_t pageblock_order; /* e.g. 9 */
	uint32_t cpu_count;
	uint32_t time_resolution_ns; /* timestamps are multiples of this; 1 keeps nanoseconds */
	int64_t clock_offset_ns;     /* wall clock (CLOCK_REALTIME ns) = ts + clock_offset_ns */
	uint32_t raw_addresses;	     /* 1 when slab addresses are kernel virtual addresses */
	const char *event_formats;   /* the kernel's format files, concatenated; may be NULL */
	size_t event_formats_len;
};

/* Error codes. */
enum {
	TRACE_OK = 0,
	TRACE_EIO = -1,	       /* read or write failed (errno kept) */
	TRACE_ENOMEM = -2,     /* out of memory */
	TRACE_EFORMAT = -3,    /* not a trace file, or corrupt */
	TRACE_EVERSION = -4,   /* a format version this build cannot read */
	TRACE_EORDER = -5,     /* writer: timestamps went backwards */
	TRACE_EINVAL = -6,     /* bad argument */
	TRACE_ETRUNCATED = -7, /* reader: the file ends early (data before it is readable) */
};

/* Tracepoint name ("kmem:mm_page_alloc") of a record type; "lost" and "generic" for those. */
const char *trace_type_name(unsigned int type);
/* Record type for a tracepoint name, or 0 when it has none (a generic record). */
unsigned int trace_type_from_name(const char *system_event);
/* The offset of a field of event ("mm_vmscan_kswapd_wake") in its generic records' bytes
 * (after the 8-byte common header), from the header's event_formats; -1 when absent. */
int trace_format_field_offset(const char *formats, size_t len, const char *event,
			      const char *field);

/* ---- Writer ------------------------------------------------------------------------------- */

struct trace_writer;

struct trace_writer_options {
	uint32_t chunk_events;	   /* events per chunk; 0 means the default (262144) */
	int compression_level;	   /* zstd level; 0 means the default (3) */
	const char *const *inputs; /* NULL-terminated: files the output must never replace */
	int in_place;		   /* write under path as events arrive (record), not at close */
};

/*
 * A chunk is written once it holds chunk_events events or once the next event is this much
 * trace time after its first, so a writer that dies loses at most this much of a quiet trace.
 * Event time alone cannot bound the loss when no events arrive: a writer fed live (the
 * recorder) also calls trace_writer_flush() at least this often in wall time.
 */
#define TRACE_FLUSH_INTERVAL_NS (2ull * 1000 * 1000 * 1000)

/*
 * Create path through safe_output (src/util): the file appears under its name, whole, at
 * trace_writer_close(); freeing the writer before that leaves any previous file as it was.
 * With in_place the data goes to path directly, so a killed writer leaves a readable prefix.
 * On failure *out may still be set: read its error, then free it.
 */
int trace_writer_open(const char *path, const struct trace_header *hdr,
		      const struct trace_writer_options *opts, struct trace_writer **out);
/* Intern a string (cache name, call site, event name); returns its id (>= 1) or < 0. */
int64_t trace_writer_intern(struct trace_writer *w, const char *s);
/*
 * The same as an event field's id: TRACE_NO_STRING when the writer has failed, whose error stays
 * set, so the next trace_writer_add() or trace_writer_close() returns it.
 */
uint32_t trace_writer_string(struct trace_writer *w, const char *s);
/* Append one event; timestamps must not decrease (after truncation to the resolution). */
int trace_writer_add(struct trace_writer *w, const struct trace_event *ev);
/* Store a named blob (a snapshot); written immediately, between chunks. */
int trace_writer_add_meta(struct trace_writer *w, const char *name, const void *data, size_t len);
/*
 * Write the pending chunk to disk now (nothing when it is empty). Live writers call this every
 * TRACE_FLUSH_INTERVAL_NS of wall time so that a quiet recording reaches the disk.
 */
int trace_writer_flush(struct trace_writer *w);
/* Flush, write the index and trailer, fsync and close the file; w must still be freed. */
int trace_writer_close(struct trace_writer *w);
/* Free w. Without a successful close the new file is dropped (in_place: it stays as written
 * so far, readable, no index). */
void trace_writer_free(struct trace_writer *w);
const char *trace_writer_error(const struct trace_writer *w);
uint64_t trace_writer_events(const struct trace_writer *w);
uint64_t trace_writer_bytes(const struct trace_writer *w);

/* ---- Reader ------------------------------------------------------------------------------- */

struct trace_reader;

struct trace_chunk_info {
	uint64_t offset;      /* byte offset of the chunk's descriptor frame */
	uint64_t size;	      /* bytes on disk, descriptor included */
	uint64_t first_event; /* index of its first event in the whole stream */
	uint64_t first_ts, last_ts;
	uint32_t events;
	uint32_t type_counts[TRACE_NR_TYPES];
};

struct trace_lost_info {
	uint16_t cpu;
	uint64_t ts;
	uint64_t position; /* index in the event stream of the lost marker */
	uint64_t count;	   /* TRACE_LOST_UNKNOWN when not known */
};

struct trace_meta_info {
	const char *name;
	uint64_t offset; /* byte offset of the blob's descriptor frame */
	uint64_t size;	 /* uncompressed bytes */
};

struct trace_summary {
	uint64_t events;
	uint64_t type_counts[TRACE_NR_TYPES];
	uint64_t first_ts, last_ts;
	uint64_t lost_events;  /* known lost counts summed */
	uint64_t lost_markers; /* number of lost markers, including unknown counts */
	uint64_t file_bytes;
	int complete;		 /* 0 when the index was missing and the file was scanned */
	uint64_t readable_bytes; /* bytes up to the end of the last complete section */
};

/* A span of a damaged file that the reader skipped (found when the index was not used). */
#define TRACE_DAMAGE_UNKNOWN UINT64_MAX
struct trace_damage_info {
	uint64_t offset;      /* byte where the damage starts */
	uint64_t bytes;	      /* bytes skipped, up to the next valid section or the file's end */
	uint64_t first_chunk; /* number of the first chunk it may hold */
	uint64_t chunks;      /* chunks it held; TRACE_DAMAGE_UNKNOWN when not known */
	uint64_t events;      /* events they held; TRACE_DAMAGE_UNKNOWN when not known */
	const char *why;      /* what was wrong, without the path */
};

int trace_reader_open(const char *path, struct trace_reader **out);
/*
 * TRACE_READ_SALVAGE (for recover): ignore the index, scan every section, and deliver damage
 * that cost events as a TRACE_LOST marker (CPU 0, its count when known) where the damaged
 * chunks were, instead of failing there.
 */
#define TRACE_READ_SALVAGE 1u
int trace_reader_open_flags(const char *path, unsigned int flags, struct trace_reader **out);
/*
 * A second reader of the file src has open, from its start: src's descriptor duplicated, not
 * its path opened again, so it reads the file src read even if the path has since been
 * removed or names another file (pread() only: the two readers share no file position).
 */
int trace_reader_reopen(const struct trace_reader *src, struct trace_reader **out);
void trace_reader_close(struct trace_reader *r);
const char *trace_reader_error(const struct trace_reader *r);
/* A warning about a readable but damaged file (truncation, skipped damage), or NULL. */
const char *trace_reader_warning(const struct trace_reader *r);

const struct trace_header *trace_reader_header(const struct trace_reader *r);
const struct trace_summary *trace_reader_summary(const struct trace_reader *r);
size_t trace_reader_chunk_count(const struct trace_reader *r);
const struct trace_chunk_info *trace_reader_chunk(const struct trace_reader *r, size_t i);
/* The damaged spans the scan skipped, in file order. */
size_t trace_reader_damage_count(const struct trace_reader *r);
const struct trace_damage_info *trace_reader_damage(const struct trace_reader *r, size_t i);
size_t trace_reader_lost_count(const struct trace_reader *r);
const struct trace_lost_info *trace_reader_lost(const struct trace_reader *r, size_t i);
size_t trace_reader_meta_count(const struct trace_reader *r);
const struct trace_meta_info *trace_reader_meta(const struct trace_reader *r, size_t i);
/* Load the blob at index i (decompressed, checksum verified); caller frees *data. */
int trace_reader_meta_load(struct trace_reader *r, size_t i, void **data, size_t *len);
/* Per-generic-name counts: the number of distinct names, and name/count by index. */
size_t trace_reader_generic_count(const struct trace_reader *r);
const char *trace_reader_generic_name(const struct trace_reader *r, size_t i, uint64_t *count);

/* The string for an id, or NULL (id 0, or a chunk that defines it was not read). */
const char *trace_reader_string(const struct trace_reader *r, uint32_t id);

/*
 * Next event in stream order (non-decreasing ts). Returns 1 with *ev filled, 0 at the end,
 * < 0 on a corrupt chunk (the message names file, chunk and offset). After a truncated file's
 * last complete chunk it returns 0; trace_reader_warning() says where the file ends.
 */
int trace_reader_next(struct trace_reader *r, struct trace_event *ev);
/* Position at the first event with ts >= t, using the index. */
int trace_reader_seek(struct trace_reader *r, uint64_t t);
/*
 * The fast path for replay and benchmarks: the next events in stream order, up to
 * TRACE_BATCH_EVENTS at a time. Returns how many (0 at the end) or < 0 on error; *events stays
 * valid until the next call on r. trace_reader_next() and this function share one position.
 */
#define TRACE_BATCH_EVENTS 1024
int trace_reader_next_batch(struct trace_reader *r, const struct trace_event **events);

#endif /* FRAGTRACE_TRACE_H */
