// SPDX-License-Identifier: GPL-2.0
/*
 * capture_internal.h - what the capture files share: event descriptors resolved against the
 * running kernel's formats, the address translator and symbolizer, snapshots.
 */
#ifndef FRAGTRACE_CAPTURE_INTERNAL_H
#define FRAGTRACE_CAPTURE_INTERNAL_H

#include "capture.h"
#include "trace.h"

#include <event-parse.h>
#include <tracefs.h>

/* One field of a raw record: where it is and how wide. size 0: the kernel lacks it. */
struct raw_field {
	int offset, size;
	bool is_signed, data_loc, pointer;
};

enum { MAX_FIELDS = 10 };

struct capture_event {
	char system[32], name[64];
	uint16_t type;	  /* enum trace_record_type; TRACE_GENERIC for extras */
	int id;		  /* the kernel's event id */
	uint32_t name_id; /* interned "system:event" for generic records */
	struct raw_field f[MAX_FIELDS];
	struct raw_field generic_fields[32]; /* pointer fields to blank in generic records */
	int n_generic_fields;
	int payload_size; /* bytes of fields after the common header */
	uint64_t count;
};

/* Kernel text symbols from /proc/kallsyms, and slab-object address translation. */
struct symbolizer;
struct symbolizer *symbolizer_open(void);
void symbolizer_close(struct symbolizer *s);
/* "symbol+0xoff" for a kernel text address; NULL when unknown. The string lives in s. */
const char *symbolizer_lookup(struct symbolizer *s, uint64_t addr, char *buf, size_t len);

struct addr_map {
	bool raw;	 /* keep virtual addresses */
	bool base_known; /* direct_map_base is right */
	uint64_t direct_map_base;
	uint64_t max_phys;
	uint64_t hash_key; /* per-run secret for addresses outside the direct map */
	uint64_t outside;  /* addresses that were not in the direct map */
};
uint64_t addr_translate(struct addr_map *am, uint64_t va);
/* The keyed hash that stands in for an address that cannot be translated. */
uint64_t addr_hash(uint64_t key, uint64_t va);
/*
 * Find the direct map's base by watching the kernel allocate a slab page and then an object in
 * it, checked against /proc/kpageflags. Runs a short private recording; 0 when found.
 */
int addr_calibrate(struct tracefs_instance *inst, struct tep_handle *tep, struct addr_map *am,
		   char *why, size_t why_len);

/* Events. */
int capture_events_resolve(struct tep_handle *tep, const char *const *names,
			   struct capture_event **events, int *n, char *err, size_t errlen);
struct capture_converter;
struct capture_converter *converter_create(struct capture_event *events, int n,
					   struct trace_writer *w, struct symbolizer *sym,
					   struct addr_map *am, bool raw_addresses);
void converter_free(struct capture_converter *c);
/* Symbolize with the kallsyms a trace file carries (imports) when /proc/kallsyms has nothing. */
void converter_set_tep(struct capture_converter *c, struct tep_handle *tep);
/* One raw record (data after the ring-buffer header) to an event; false to skip it. */
bool converter_convert(struct capture_converter *c, const uint8_t *data, unsigned size,
		       struct trace_event *ev, uint8_t *blob, unsigned blob_cap);

/*
 * The per-CPU queues and their merge in time order into the writer (capture_merge.c). The
 * caller emits up to a watermark it knows every CPU has been read to, less merge_slack: the
 * hold-back for events the kernel stamped before it committed them (an interrupt nested in
 * the reserve-commit window, a stopped vCPU). Starts at MERGE_SLACK_NS; a late event (see
 * capture_merge.c) doubles it past its lateness, up to MERGE_SLACK_MAX_NS.
 */
#define MERGE_SLACK_NS	   (50ull * 1000 * 1000)
#define MERGE_SLACK_MAX_NS (1000ull * 1000 * 1000)
struct capture_merge;
struct capture_merge *merge_create(int ncpus, struct trace_writer *w, struct capture_result *res);
void merge_free(struct capture_merge *m);
/* Queue one event of cpu (a generic record's payload is copied); -1 when out of memory. */
int merge_push(struct capture_merge *m, int cpu, const struct trace_event *ev);
/* Write queued events older than watermark, at most limit, in time order; more: some older
 * than watermark are left. -1 when the writer failed (trace_writer_error, or out of memory). */
int merge_emit(struct capture_merge *m, uint64_t watermark, uint64_t limit, bool *more);
uint64_t merge_last_queued(const struct capture_merge *m, int cpu); /* newest ts of cpu */
uint64_t merge_queued(const struct capture_merge *m);		    /* events not yet written */
uint64_t merge_slack(const struct capture_merge *m);

/*
 * Zone samples (capture_zone_samples.c): /proc/zoneinfo's free pages and per-CPU list counts
 * every interval while recording, as "capture/zone_samples.<part>" blobs. take reads one sample
 * (a full part is written first); flush writes the part in progress. -1 only when out of memory
 * or the writer failed; an unreadable zoneinfo is counted in st->failed.
 */
struct zone_sampler;
struct zone_sampler *zone_sampler_open(unsigned interval_ms, struct zone_sample_stats *st);
int zone_sampler_take(struct zone_sampler *s, struct trace_writer *w, char *err, size_t errlen);
int zone_sampler_flush(struct zone_sampler *s, struct trace_writer *w, char *err, size_t errlen);
unsigned zone_sampler_interval_ms(const struct zone_sampler *s);
void zone_sampler_close(struct zone_sampler *s);

/* Snapshots of the host's memory state, stored as metadata named "<when>/<what>". */
/* One past the largest pfn any zone spans (/proc/zoneinfo), 0 when unreadable. */
uint64_t capture_max_pfn(void);
int snapshot_take(struct trace_writer *w, const char *when, bool pagemap, double *pagemap_s,
		  uint64_t *pagemap_pages, char *err, size_t errlen);
/* The page map alone: "<when>/pagemap", and with a walk "<when>/pagemap_times" (docs/trace-format.md). */
#define WALK_RANGE 8192 /* pfns read at once; the unit of pagemap_times */
struct snapshot_walk {
	int (*step)(void *ctx); /* after each range (may be NULL); non-zero stops the walk */
	void *ctx;
	void **keep; /* when set, the map's buffer is handed over here instead of freed */
};
int snapshot_pagemap(struct trace_writer *w, const char *when, const struct snapshot_walk *walk,
		     double *pagemap_s, uint64_t *pagemap_pages, char *err, size_t errlen);
/*
 * The pages this process holds, gathered in looks (before: right before the end page map
 * walk, kind 'b'; else after it, kind 'm', with output's resident page cache, kind 'f'), then
 * stored as "<when>/recorder_pfns" (docs/trace-format.md). -1 out of memory.
 */
struct own_pages {
	void *body; /* the "pfn kind" lines so far */
	uint64_t mapped, file, before;
	bool looked; /* /proc/self/pagemap could be read */
};
int snapshot_own_pages(struct own_pages *o, bool before, const char *output);
int snapshot_recorder_pfns(struct trace_writer *w, const char *when, struct own_pages *o,
			   uint64_t rss_start_kb, char *err, size_t errlen);
void snapshot_own_pages_free(struct own_pages *o);
uint64_t snapshot_own_rss_kb(void);
int snapshot_cpu_stats(struct tracefs_instance *inst, int ncpus, uint64_t *overrun,
		       uint64_t *dropped, char **text);

#endif
