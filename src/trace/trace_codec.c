// SPDX-License-Identifier: GPL-2.0
/*
 * trace_codec.c - the event codec: events to predicted varint columns and back.
 *
 * Every field is written as the difference (or XOR) from what a context predicts:
 *   - per CPU: the previous pid, the previous pfn of each page event kind (allocations,
 *     zone-locked allocations, frees, PCP drains), the previous page-allocation gfp per
 *     migratetype;
 *   - per call site: the cache it allocated from, its gfp, bytes_req, bytes_alloc and node;
 *   - per (cache, cpu), (kmalloc size, cpu) or (kfree site, cpu): the previous object address
 *     allocated and freed there, because consecutive objects of one slab are close together;
 *   - a free of an object allocated earlier in the same chunk names it by how many slab
 *     allocations ago that was (a back-reference), which is usually shorter than an address.
 * The common case is therefore a run of zero varints, which zstd reduces to almost nothing.
 *
 * Invariants: the encoder and decoder update contexts in exactly the same order; contexts
 * whose generation is older than the codec's read as all-zero, which is how a chunk starts
 * from a clean state without clearing tables. The decoder trusts nothing: every id and
 * narrowing conversion is checked and a bad value fails the chunk. No read passes a column's
 * end: each varint is bounds-checked, except in a group of events whose hot columns hold room
 * for every read the group can make (fgt_decode_events), where the check cannot fail.
 *
 * Workload: tens of millions of events per second through one core on both sides; no
 * allocation per event except when a new CPU, call site or object context first appears.
 */
#include "trace_format.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct fgt_cpu_ctx {
	uint32_t gen;
	int32_t pid;
	uint64_t alloc_pfn, zone_pfn, free_pfn, drain_pfn;
	uint64_t alloc_gfp[8]; /* by migratetype & 7 */
};

struct fgt_site_ctx {
	uint32_t gen;
	uint32_t cache;
	int32_t node;
	uint64_t gfp, bytes_req, bytes_alloc;
};

struct fgt_obj_ctx {
	uint64_t key;
	uint32_t gen;
	uint64_t alloc_addr, free_addr;
};

/* Object-context namespaces (top byte of the key). */
#define OBJ_CACHE	 (1ull << 56)
#define OBJ_KMALLOC_SIZE (2ull << 56)
#define OBJ_KFREE_SITE	 (3ull << 56)

/* Site ids above this are refused by the decoder; the reader sets it from the chunk. */
#define SITE_ID_LIMIT (1u << 24)

int fgt_buf_reserve(struct fgt_buf *b, size_t extra)
{
	if (b->cap - b->len >= extra)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap - b->len < extra)
		cap *= 2;
	uint8_t *d = realloc(b->data, cap);
	if (!d)
		return TRACE_ENOMEM;
	b->data = d;
	b->cap = cap;
	return 0;
}

int fgt_buf_put(struct fgt_buf *b, const void *data, size_t len)
{
	if (fgt_buf_reserve(b, len))
		return TRACE_ENOMEM;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

int fgt_buf_put_varint(struct fgt_buf *b, uint64_t v)
{
	if (fgt_buf_reserve(b, VARINT_MAX))
		return TRACE_ENOMEM;
	b->len = (size_t)(varint_put(b->data + b->len, v) - b->data);
	return 0;
}

int fgt_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q)
		return TRACE_ENOMEM;
	memset((char *)q + *cap * elem, 0, (n - *cap) * elem);
	*p = q;
	*cap = n;
	return 0;
}

void fgt_buf_free(struct fgt_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/*
 * What a head byte asks the decoder to do (fgt_codec_init fills the table): refuse it, or
 * decode its record type, the slab frees apart by whether ADDR is a back-reference.
 */
enum fgt_head_class {
	HEAD_UNKNOWN_TYPE,
	HEAD_STRAY_BACKREF,
	HEAD_PAGE_ALLOC,
	HEAD_PAGE_ZONE_LOCKED,
	HEAD_PAGE_FREE,
	HEAD_PAGE_FREE_BATCHED,
	HEAD_PAGE_PCPU_DRAIN,
	HEAD_SLAB_ALLOC, /* kmem_cache_alloc, kmalloc */
	HEAD_SLAB_FREE,	 /* kmem_cache_free, kfree: ADDR an address delta */
	HEAD_SLAB_FREE_BACKREF,
	HEAD_OTHER,
};

static uint8_t head_class_of_type(unsigned int type, bool backref)
{
	switch (type) {
	case TRACE_PAGE_ALLOC:
		return HEAD_PAGE_ALLOC;
	case TRACE_PAGE_ALLOC_ZONE_LOCKED:
		return HEAD_PAGE_ZONE_LOCKED;
	case TRACE_PAGE_FREE:
		return HEAD_PAGE_FREE;
	case TRACE_PAGE_FREE_BATCHED:
		return HEAD_PAGE_FREE_BATCHED;
	case TRACE_PAGE_PCPU_DRAIN:
		return HEAD_PAGE_PCPU_DRAIN;
	case TRACE_SLAB_ALLOC:
	case TRACE_KMALLOC:
		return HEAD_SLAB_ALLOC;
	case TRACE_SLAB_FREE:
	case TRACE_KFREE:
		return backref ? HEAD_SLAB_FREE_BACKREF : HEAD_SLAB_FREE;
	default:
		return HEAD_OTHER;
	}
}

static void head_classes_init(uint8_t cls[256])
{
	for (unsigned int h = 0; h < 256; h++) {
		unsigned int type = h & FGT_HEAD_TYPE_MASK;
		uint8_t k = head_class_of_type(type, h & FGT_HEAD_BACKREF);
		if (type == 0 || type >= TRACE_NR_TYPES || (h & FGT_HEAD_RESERVED))
			cls[h] = HEAD_UNKNOWN_TYPE;
		else if ((h & FGT_HEAD_BACKREF) && k != HEAD_SLAB_FREE_BACKREF)
			cls[h] = HEAD_STRAY_BACKREF;
		else
			cls[h] = k;
	}
}

int fgt_codec_init(struct fgt_codec *c, uint32_t time_resolution_ns)
{
	memset(c, 0, sizeof(*c));
	c->time_resolution_ns = time_resolution_ns ? time_resolution_ns : 1;
	head_classes_init(c->head_class);
	c->objs_cap = 1024;
	c->objs = calloc(c->objs_cap, sizeof(*c->objs));
	if (!c->objs)
		return TRACE_ENOMEM;
	fgt_codec_begin_chunk(c);
	return 0;
}

void fgt_codec_free(struct fgt_codec *c)
{
	free(c->cpus);
	free(c->sites);
	free(c->objs);
	free(c->allocs);
	free(c->addrs);
	memset(c, 0, sizeof(*c));
}

void fgt_codec_begin_chunk(struct fgt_codec *c)
{
	c->gen++;
	c->prev_ts_units = 0;
	c->prev_cpu = 0;
	c->objs_used = 0;
	c->nallocs = 0;
	c->reserve_left = 0; /* the writer may have replaced the column buffers */
}

/*
 * Entry i of a context array, grown on demand. Every context struct starts with its u32
 * generation; an entry of an older generation is cleared before use.
 */
static void *ctx_get(void **arr, size_t *n, size_t i, size_t elem, uint32_t gen)
{
	if (i >= *n && fgt_grow(arr, n, i + 1, elem))
		return NULL;
	uint32_t *x = (uint32_t *)((char *)*arr + i * elem);
	if (*x != gen) {
		memset(x, 0, elem);
		*x = gen;
	}
	return x;
}

static struct fgt_cpu_ctx *cpu_ctx(struct fgt_codec *c, uint32_t cpu)
{
	return ctx_get((void **)&c->cpus, &c->ncpus, cpu, sizeof(*c->cpus), c->gen);
}

static struct fgt_site_ctx *site_ctx(struct fgt_codec *c, uint32_t site)
{
	return ctx_get((void **)&c->sites, &c->nsites, site, sizeof(*c->sites), c->gen);
}

static size_t obj_slot(const struct fgt_codec *c, uint64_t key)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & (c->objs_cap - 1);
}

/* Entries of an older generation count as empty slots (see the file header). */
static int obj_grow(struct fgt_codec *c)
{
	size_t old_cap = c->objs_cap;
	struct fgt_obj_ctx *old = c->objs;
	c->objs_cap = old_cap * 2;
	c->objs = calloc(c->objs_cap, sizeof(*c->objs));
	if (!c->objs) {
		c->objs = old;
		c->objs_cap = old_cap;
		return TRACE_ENOMEM;
	}
	for (size_t i = 0; i < old_cap; i++) {
		if (old[i].gen != c->gen)
			continue;
		size_t s = obj_slot(c, old[i].key);
		while (c->objs[s].gen == c->gen)
			s = (s + 1) & (c->objs_cap - 1);
		c->objs[s] = old[i];
	}
	free(old);
	return 0;
}

static struct fgt_obj_ctx *obj_ctx(struct fgt_codec *c, uint64_t key)
{
	size_t s = obj_slot(c, key);
	while (c->objs[s].gen == c->gen) {
		if (c->objs[s].key == key)
			return &c->objs[s];
		s = (s + 1) & (c->objs_cap - 1);
	}
	if ((c->objs_used + 1) * 2 > c->objs_cap) {
		if (obj_grow(c))
			return NULL;
		return obj_ctx(c, key);
	}
	c->objs_used++;
	c->objs[s] = (struct fgt_obj_ctx){ .key = key, .gen = c->gen };
	return &c->objs[s];
}

/*
 * obj_ctx() without the call when the key is in the slot it hashes to (most look-ups: the
 * table is at most half full); anything else, obj_ctx() itself.
 */
static inline struct fgt_obj_ctx *obj_ctx_hit(struct fgt_codec *c, uint64_t key)
{
	struct fgt_obj_ctx *o = &c->objs[obj_slot(c, key)];
	return o->gen == c->gen && o->key == key ? o : obj_ctx(c, key);
}

/* The chunk's allocation history: both sides append every slab allocation's address. */
static int history_append(struct fgt_codec *c, uint64_t addr)
{
	if (c->nallocs == c->allocs_cap &&
	    fgt_grow((void **)&c->allocs, &c->allocs_cap, c->nallocs + 1, sizeof(*c->allocs)))
		return TRACE_ENOMEM;
	c->allocs[c->nallocs++] = addr;
	return 0;
}

/*
 * Encoder: a direct-mapped cache from object address to its history index. A collision
 * forgets the older object, whose free then falls back to an address delta: the cache trades
 * a few back-references for staying in L2 at tens of millions of events per second.
 */
#define ADDR_CACHE_SIZE (1u << 14)

static struct fgt_addr_slot *addr_cache_slot(struct fgt_codec *c, uint64_t addr)
{
	return &c->addrs[((addr >> 3) * 0x9E3779B97F4A7C15ull) >> (64 - 14)];
}

/* Encoder: remember that the object at addr is history entry nallocs - 1. */
static int addr_remember(struct fgt_codec *c, uint64_t addr)
{
	if (!c->addrs) {
		c->addrs = calloc(ADDR_CACHE_SIZE, sizeof(*c->addrs));
		if (!c->addrs)
			return TRACE_ENOMEM;
		c->addrs_cap = ADDR_CACHE_SIZE;
	}
	*addr_cache_slot(c, addr) = (struct fgt_addr_slot){ .addr = addr,
							    .gen = c->gen,
							    .index1 = (uint32_t)c->nallocs };
	return 0;
}

static uint64_t slab_alloc_key(const struct trace_slab *s, uint16_t cpu)
{
	if (s->cache)
		return OBJ_CACHE | (uint64_t)s->cache << 16 | cpu;
	return OBJ_KMALLOC_SIZE | (s->bytes_alloc & 0xffffffffffull) << 16 | cpu;
}

static uint64_t slab_free_key(const struct trace_slab *s, uint16_t cpu)
{
	if (s->cache)
		return OBJ_CACHE | (uint64_t)s->cache << 16 | cpu;
	return OBJ_KFREE_SITE | (uint64_t)s->call_site << 16 | cpu;
}

/* ---- Encoder ------------------------------------------------------------------------------- */

#define PUT(col, v)                                                                                \
	(cols[col].len = (size_t)(varint_put(cols[col].data + cols[col].len, (v)) - cols[col].data))

static uint64_t pack_order_mt(uint32_t order, uint32_t flag, int32_t mt)
{
	uint32_t o = order < 31 ? order : 31;
	return o | (uint64_t)flag << 5 | zigzag_encode(mt) << 6;
}

static void encode_page(struct fgt_buf *cols, struct fgt_cpu_ctx *cc, const struct trace_event *ev)
{
	const struct trace_page *p = &ev->page;
	uint64_t *prev;

	switch (ev->type) {
	case TRACE_PAGE_ALLOC:
		prev = &cc->alloc_pfn;
		PUT(FGT_COL_GFP, p->gfp ^ cc->alloc_gfp[p->migratetype & 7]);
		cc->alloc_gfp[p->migratetype & 7] = p->gfp;
		PUT(FGT_COL_SMALL, pack_order_mt(p->order, 0, p->migratetype));
		break;
	case TRACE_PAGE_ALLOC_ZONE_LOCKED:
		prev = &cc->zone_pfn;
		PUT(FGT_COL_SMALL, pack_order_mt(p->order, p->percpu_refill, p->migratetype));
		break;
	case TRACE_PAGE_PCPU_DRAIN:
		prev = &cc->drain_pfn;
		PUT(FGT_COL_SMALL, pack_order_mt(p->order, 0, p->migratetype));
		break;
	case TRACE_PAGE_FREE:
		prev = &cc->free_pfn;
		PUT(FGT_COL_SMALL, p->order);
		break;
	default: /* TRACE_PAGE_FREE_BATCHED */
		prev = &cc->free_pfn;
		break;
	}
	if (ev->type != TRACE_PAGE_FREE && ev->type != TRACE_PAGE_FREE_BATCHED && p->order >= 31)
		PUT(FGT_COL_MISC, p->order);
	PUT(FGT_COL_PFN, zigzag_encode((int64_t)(p->pfn - *prev)));
	*prev = p->pfn;
}

static int encode_slab(struct fgt_codec *c, struct fgt_buf *cols, const struct trace_event *ev)
{
	const struct trace_slab *s = &ev->slab;
	struct fgt_site_ctx *sc = site_ctx(c, s->call_site);
	int alloc = ev->type == TRACE_SLAB_ALLOC || ev->type == TRACE_KMALLOC;
	if (!sc)
		return TRACE_ENOMEM;

	PUT(FGT_COL_SITE, s->call_site);
	PUT(FGT_COL_STR, s->cache == sc->cache ? 0 : (uint64_t)s->cache + 1);
	sc->cache = s->cache;
	if (alloc) {
		PUT(FGT_COL_GFP, s->gfp ^ sc->gfp);
		PUT(FGT_COL_SIZE, zigzag_encode((int64_t)(s->bytes_alloc - sc->bytes_alloc)));
		PUT(FGT_COL_SIZE, zigzag_encode((int64_t)(s->bytes_req - sc->bytes_req)));
		PUT(FGT_COL_MISC, zigzag_encode((int64_t)s->node - sc->node) << 1 | s->accounted);
		sc->gfp = s->gfp;
		sc->bytes_alloc = s->bytes_alloc;
		sc->bytes_req = s->bytes_req;
		sc->node = s->node;
	}
	struct fgt_obj_ctx *o =
		obj_ctx(c, alloc ? slab_alloc_key(s, ev->cpu) : slab_free_key(s, ev->cpu));
	if (!o)
		return TRACE_ENOMEM;
	uint64_t *prev = alloc ? &o->alloc_addr : &o->free_addr;
	if (alloc) {
		PUT(FGT_COL_ADDR, zigzag_encode((int64_t)(s->addr - *prev)));
		if (history_append(c, s->addr) || addr_remember(c, s->addr))
			return TRACE_ENOMEM;
	} else {
		struct fgt_addr_slot *a = c->addrs ? addr_cache_slot(c, s->addr) : NULL;
		if (a && a->gen == c->gen && a->addr == s->addr && a->index1) {
			cols[FGT_COL_HEAD].data[cols[FGT_COL_HEAD].len - 1] |= FGT_HEAD_BACKREF;
			PUT(FGT_COL_ADDR, c->nallocs - (a->index1 - 1));
			a->index1 = 0;
		} else {
			PUT(FGT_COL_ADDR, zigzag_encode((int64_t)(s->addr - *prev)));
		}
	}
	*prev = s->addr;
	return 0;
}

static int encode_other(struct fgt_buf *cols, struct fgt_cpu_ctx *cc, const struct trace_event *ev)
{
	switch (ev->type) {
	case TRACE_PAGE_ALLOC_EXTFRAG: {
		const struct trace_extfrag *x = &ev->extfrag;
		PUT(FGT_COL_PFN, zigzag_encode((int64_t)(x->pfn - cc->alloc_pfn)));
		PUT(FGT_COL_MISC, zigzag_encode(x->alloc_order));
		PUT(FGT_COL_MISC, zigzag_encode(x->fallback_order));
		PUT(FGT_COL_MISC, zigzag_encode(x->alloc_migratetype));
		PUT(FGT_COL_MISC, zigzag_encode(x->fallback_migratetype));
		PUT(FGT_COL_MISC, zigzag_encode(x->change_ownership));
		break;
	}
	case TRACE_SHRINK_START: {
		const struct trace_shrink_start *x = &ev->shrink_start;
		PUT(FGT_COL_STR, x->shrinker);
		PUT(FGT_COL_GFP, x->gfp);
		PUT(FGT_COL_MISC, zigzag_encode(x->nid));
		PUT(FGT_COL_MISC, zigzag_encode(x->priority));
		PUT(FGT_COL_MISC, zigzag_encode(x->nr_objects_to_shrink));
		PUT(FGT_COL_MISC, zigzag_encode(x->cache_items));
		PUT(FGT_COL_MISC, zigzag_encode(x->delta));
		PUT(FGT_COL_MISC, zigzag_encode(x->total_scan));
		break;
	}
	case TRACE_SHRINK_END: {
		const struct trace_shrink_end *x = &ev->shrink_end;
		PUT(FGT_COL_STR, x->shrinker);
		PUT(FGT_COL_MISC, zigzag_encode(x->nid));
		PUT(FGT_COL_MISC, zigzag_encode(x->retval));
		PUT(FGT_COL_MISC, zigzag_encode(x->unused_scan));
		PUT(FGT_COL_MISC, zigzag_encode(x->new_scan));
		PUT(FGT_COL_MISC, zigzag_encode(x->total_scan));
		break;
	}
	case TRACE_LOST:
		PUT(FGT_COL_MISC, ev->lost.count + 1); /* TRACE_LOST_UNKNOWN wraps to 0 */
		break;
	case TRACE_GENERIC:
		PUT(FGT_COL_STR, ev->generic.name);
		PUT(FGT_COL_MISC, ev->generic.size);
		if (fgt_buf_put(&cols[FGT_COL_BLOB], ev->generic.data, ev->generic.size))
			return TRACE_ENOMEM;
		break;
	}
	return 0;
}

/* Columns are reserved for a batch of events at a time; one event writes at most this much. */
#define RESERVE_EVENTS	   64
#define EVENT_COLUMN_BYTES (8 * VARINT_MAX) /* seven varints: shrink start's MISC */

int fgt_encode_event(struct fgt_codec *c, struct fgt_buf cols[FGT_NR_COLUMNS],
		     const struct trace_event *ev, uint64_t units)
{
	if (!c->reserve_left) {
		for (int i = 0; i < FGT_COL_BLOB; i++)
			if (fgt_buf_reserve(&cols[i], RESERVE_EVENTS * EVENT_COLUMN_BYTES))
				return TRACE_ENOMEM;
		c->reserve_left = RESERVE_EVENTS;
	}
	c->reserve_left--;

	struct fgt_cpu_ctx *cc = ev->cpu < c->ncpus && c->cpus[ev->cpu].gen == c->gen
					 ? &c->cpus[ev->cpu]
					 : cpu_ctx(c, ev->cpu);
	if (!cc)
		return TRACE_ENOMEM;
	uint8_t head = (uint8_t)ev->type;
	if (ev->cpu != c->prev_cpu) {
		head |= FGT_HEAD_CPU_CHANGED;
		PUT(FGT_COL_CPU, ev->cpu);
		c->prev_cpu = ev->cpu;
	}
	if (ev->pid != cc->pid) {
		head |= FGT_HEAD_PID_CHANGED;
		PUT(FGT_COL_PID, (uint32_t)ev->pid);
		cc->pid = ev->pid;
	}
	cols[FGT_COL_HEAD].data[cols[FGT_COL_HEAD].len++] = head;
	PUT(FGT_COL_TS, units - c->prev_ts_units);
	c->prev_ts_units = units;

	switch (ev->type) {
	case TRACE_PAGE_ALLOC:
	case TRACE_PAGE_ALLOC_ZONE_LOCKED:
	case TRACE_PAGE_FREE:
	case TRACE_PAGE_FREE_BATCHED:
	case TRACE_PAGE_PCPU_DRAIN:
		encode_page(cols, cc, ev);
		return 0;
	case TRACE_SLAB_ALLOC:
	case TRACE_SLAB_FREE:
	case TRACE_KMALLOC:
	case TRACE_KFREE:
		return encode_slab(c, cols, ev);
	default:
		return encode_other(cols, cc, ev);
	}
}

/* ---- Decoder ------------------------------------------------------------------------------- */

#define GET(col) varint_get(&cur[col])
/* The hot columns' reads: unchecked when the group of events has room (see below). */
#define GETR(col)     (roomy ? varint_get_roomy(&cur[col]) : varint_get(&cur[col]))
#define ALWAYS_INLINE static inline __attribute__((always_inline))

/*
 * What the decoder carries from event to event, in locals while a batch decodes (the codec's
 * own fields are stored back at its end): the CPU events are decoded for, its context, and the
 * previous timestamp in time-resolution units.
 */
struct decode_state {
	uint32_t cpu;
	struct fgt_cpu_ctx *cc;
	uint64_t ts_units;
};

static int get_i32(struct varint_cursor *cur, int32_t *out)
{
	int64_t v = zigzag_decode(varint_get(cur));
	if (v < INT32_MIN || v > INT32_MAX)
		cur->bad = 1;
	*out = (int32_t)v;
	return 0;
}

static int get_u32(struct varint_cursor *cur, uint32_t *out)
{
	uint64_t v = varint_get(cur);
	if (v > UINT32_MAX)
		cur->bad = 1;
	*out = (uint32_t)v;
	return 0;
}

/*
 * SMALL's order, flag and migratetype (pack_order_mt), and an order of 31 or more from MISC.
 * The flag is returned.
 */
ALWAYS_INLINE uint32_t unpack_order_mt(struct varint_cursor *cur, uint32_t *order, int32_t *mt,
				       bool roomy)
{
	uint64_t v = GETR(FGT_COL_SMALL);
	int64_t m = zigzag_decode(v >> 6);
	*order = (uint32_t)(v & 31);
	if (m < INT32_MIN || m > INT32_MAX)
		cur[FGT_COL_SMALL].bad = 1;
	*mt = (int32_t)m;
	if (*order == 31) {
		get_u32(&cur[FGT_COL_MISC], order);
		if (*order < 31)
			cur[FGT_COL_MISC].bad = 1; /* the escape is only for orders >= 31 */
	}
	return (uint32_t)(v >> 5) & 1;
}

/* PFN: the delta from *prev, the previous pfn of this kind on this CPU. */
ALWAYS_INLINE uint64_t decode_pfn(struct varint_cursor *cur, uint64_t *prev, bool roomy)
{
	*prev += (uint64_t)zigzag_decode(GETR(FGT_COL_PFN));
	return *prev;
}

/*
 * The page events. Each writes every field of ev->page, zero where its type stores none (the
 * event's other bytes are not the page member's and are left as they are).
 */
ALWAYS_INLINE void decode_page_alloc(struct varint_cursor *cur, struct fgt_cpu_ctx *cc,
				     struct trace_event *ev, bool roomy)
{
	uint32_t order;
	int32_t mt;
	uint64_t gfpx = GETR(FGT_COL_GFP);
	if (unpack_order_mt(cur, &order, &mt, roomy))
		cur[FGT_COL_SMALL].bad = 1; /* the flag is only for zone-locked allocations */
	uint64_t gfp = gfpx ^ cc->alloc_gfp[mt & 7];
	cc->alloc_gfp[mt & 7] = gfp;
	ev->page = (struct trace_page){
		.pfn = decode_pfn(cur, &cc->alloc_pfn, roomy),
		.order = order,
		.migratetype = mt,
		.gfp = gfp,
	};
}

/*
 * Zone-locked allocations (refill: the flag says a per-CPU list refill) and PCP drains (no
 * flag): order and migratetype from SMALL, the pfn from *prev.
 */
ALWAYS_INLINE void decode_page_order_mt(struct varint_cursor *cur, uint64_t *prev,
					struct trace_event *ev, bool refill, bool roomy)
{
	uint32_t order;
	int32_t mt;
	uint32_t flag = unpack_order_mt(cur, &order, &mt, roomy);
	if (flag && !refill)
		cur[FGT_COL_SMALL].bad = 1;
	ev->page = (struct trace_page){
		.pfn = decode_pfn(cur, prev, roomy),
		.order = order,
		.migratetype = mt,
		.percpu_refill = refill ? flag : 0,
	};
}

ALWAYS_INLINE void decode_page_free(struct varint_cursor *cur, struct fgt_cpu_ctx *cc,
				    struct trace_event *ev, bool roomy)
{
	uint64_t order = GETR(FGT_COL_SMALL);
	if (order > UINT32_MAX)
		cur[FGT_COL_SMALL].bad = 1;
	ev->page = (struct trace_page){
		.pfn = decode_pfn(cur, &cc->free_pfn, roomy),
		.order = (uint32_t)order,
	};
}

ALWAYS_INLINE void decode_page_free_batched(struct varint_cursor *cur, struct fgt_cpu_ctx *cc,
					    struct trace_event *ev, bool roomy)
{
	ev->page = (struct trace_page){ .pfn = decode_pfn(cur, &cc->free_pfn, roomy) };
}

/* SITE and STR: the call site's context and the cache (0: the site's previous cache). */
ALWAYS_INLINE struct fgt_site_ctx *decode_site_cache(struct fgt_codec *c, struct varint_cursor *cur,
						     struct trace_slab *s, const char **what,
						     int *rc, bool roomy)
{
	uint64_t site = GETR(FGT_COL_SITE);
	if (site >= SITE_ID_LIMIT) {
		*what = "call site id out of range";
		*rc = TRACE_EFORMAT;
		return NULL;
	}
	struct fgt_site_ctx *sc = site < c->nsites && c->sites[site].gen == c->gen
					  ? &c->sites[site]
					  : site_ctx(c, (uint32_t)site);
	if (!sc) {
		*rc = TRACE_ENOMEM;
		return NULL;
	}
	s->call_site = (uint32_t)site;
	uint64_t cache = GETR(FGT_COL_STR);
	if (cache > (uint64_t)UINT32_MAX + 1) {
		*what = "cache id out of range";
		*rc = TRACE_EFORMAT;
		return NULL;
	}
	s->cache = cache ? (uint32_t)(cache - 1) : sc->cache;
	sc->cache = s->cache;
	return sc;
}

/* kmem_cache_alloc and kmalloc: every field of ev->slab. */
ALWAYS_INLINE int decode_slab_alloc(struct fgt_codec *c, struct varint_cursor *cur,
				    struct trace_event *ev, const char **what, bool roomy)
{
	struct trace_slab *s = &ev->slab;
	int rc = 0;
	struct fgt_site_ctx *sc = decode_site_cache(c, cur, s, what, &rc, roomy);
	if (!sc)
		return rc;
	s->gfp = GETR(FGT_COL_GFP) ^ sc->gfp;
	s->bytes_alloc = sc->bytes_alloc + (uint64_t)zigzag_decode(GETR(FGT_COL_SIZE));
	s->bytes_req = sc->bytes_req + (uint64_t)zigzag_decode(GETR(FGT_COL_SIZE));
	uint64_t m = GET(FGT_COL_MISC);
	int64_t node = (int64_t)sc->node + zigzag_decode(m >> 1);
	if (node < INT32_MIN || node > INT32_MAX) {
		*what = "node out of range";
		return TRACE_EFORMAT;
	}
	s->node = (int32_t)node;
	s->accounted = (uint32_t)(m & 1);
	sc->gfp = s->gfp;
	sc->bytes_alloc = s->bytes_alloc;
	sc->bytes_req = s->bytes_req;
	sc->node = s->node;
	struct fgt_obj_ctx *o = obj_ctx_hit(c, slab_alloc_key(s, ev->cpu));
	if (!o)
		return TRACE_ENOMEM;
	s->addr = o->alloc_addr + (uint64_t)zigzag_decode(GETR(FGT_COL_ADDR));
	o->alloc_addr = s->addr;
	return history_append(c, s->addr);
}

/*
 * kmem_cache_free and kfree: every field of ev->slab (zero those only allocations store). ADDR
 * is the delta from the context's previous free or, backref, how many slab allocations of
 * this chunk ago the object was allocated.
 */
ALWAYS_INLINE int decode_slab_free(struct fgt_codec *c, struct varint_cursor *cur,
				   struct trace_event *ev, bool backref, const char **what,
				   bool roomy)
{
	struct trace_slab *s = &ev->slab;
	int rc = 0;
	if (!decode_site_cache(c, cur, s, what, &rc, roomy))
		return rc;
	s->bytes_req = 0;
	s->bytes_alloc = 0;
	s->gfp = 0;
	s->node = 0;
	s->accounted = 0;
	struct fgt_obj_ctx *o = obj_ctx_hit(c, slab_free_key(s, ev->cpu));
	if (!o)
		return TRACE_ENOMEM;
	uint64_t v = GETR(FGT_COL_ADDR);
	if (backref) {
		if (!v || v > c->nallocs) {
			*what = "object back-reference out of range";
			return TRACE_EFORMAT;
		}
		s->addr = c->allocs[c->nallocs - v];
	} else {
		s->addr = o->free_addr + (uint64_t)zigzag_decode(v);
	}
	o->free_addr = s->addr;
	return 0;
}

/* The rare record types: the event's union is cleared, then the type's fields read. */
static int decode_other(struct varint_cursor *cur, struct fgt_cpu_ctx *cc, struct trace_event *ev,
			const char **what)
{
	memset(&ev->page, 0, sizeof(*ev) - offsetof(struct trace_event, page));
	switch (ev->type) {
	case TRACE_PAGE_ALLOC_EXTFRAG: {
		struct trace_extfrag *x = &ev->extfrag;
		x->pfn = cc->alloc_pfn + (uint64_t)zigzag_decode(GET(FGT_COL_PFN));
		get_i32(&cur[FGT_COL_MISC], &x->alloc_order);
		get_i32(&cur[FGT_COL_MISC], &x->fallback_order);
		get_i32(&cur[FGT_COL_MISC], &x->alloc_migratetype);
		get_i32(&cur[FGT_COL_MISC], &x->fallback_migratetype);
		get_i32(&cur[FGT_COL_MISC], &x->change_ownership);
		break;
	}
	case TRACE_SHRINK_START: {
		struct trace_shrink_start *x = &ev->shrink_start;
		get_u32(&cur[FGT_COL_STR], &x->shrinker);
		x->gfp = GET(FGT_COL_GFP);
		get_i32(&cur[FGT_COL_MISC], &x->nid);
		get_i32(&cur[FGT_COL_MISC], &x->priority);
		x->nr_objects_to_shrink = zigzag_decode(GET(FGT_COL_MISC));
		x->cache_items = zigzag_decode(GET(FGT_COL_MISC));
		x->delta = zigzag_decode(GET(FGT_COL_MISC));
		x->total_scan = zigzag_decode(GET(FGT_COL_MISC));
		break;
	}
	case TRACE_SHRINK_END: {
		struct trace_shrink_end *x = &ev->shrink_end;
		get_u32(&cur[FGT_COL_STR], &x->shrinker);
		get_i32(&cur[FGT_COL_MISC], &x->nid);
		get_i32(&cur[FGT_COL_MISC], &x->retval);
		x->unused_scan = zigzag_decode(GET(FGT_COL_MISC));
		x->new_scan = zigzag_decode(GET(FGT_COL_MISC));
		x->total_scan = zigzag_decode(GET(FGT_COL_MISC));
		break;
	}
	case TRACE_LOST:
		ev->lost.count = GET(FGT_COL_MISC) - 1;
		break;
	case TRACE_GENERIC: {
		struct varint_cursor *blob = &cur[FGT_COL_BLOB];
		get_u32(&cur[FGT_COL_STR], &ev->generic.name);
		get_u32(&cur[FGT_COL_MISC], &ev->generic.size);
		if (ev->generic.size > (size_t)(blob->end - blob->p)) {
			*what = "generic record runs past its column";
			return TRACE_EFORMAT;
		}
		ev->generic.data = blob->p;
		blob->p += ev->generic.size;
		break;
	}
	}
	return 0;
}

/* The context of CPU cpu, or NULL out of memory. */
static struct fgt_cpu_ctx *cpu_ctx_hit(struct fgt_codec *c, uint32_t cpu)
{
	return cpu < c->ncpus && c->cpus[cpu].gen == c->gen ? &c->cpus[cpu] : cpu_ctx(c, cpu);
}

/* A head that names no event we decode: why. */
static int refuse_head(uint8_t cls, const char **what)
{
	if (cls == HEAD_UNKNOWN_TYPE)
		*what = "unknown record type";
	else
		*what = "back-reference on a record that is not a slab free";
	return TRACE_EFORMAT;
}

/* The new CPU (CPU column) and the new pid (PID column) that head byte h announces. */
static inline int decode_cpu_pid(struct fgt_codec *c, struct varint_cursor *cur, uint8_t h,
				 struct decode_state *st, const char **what)
{
	if (h & FGT_HEAD_CPU_CHANGED) {
		uint64_t cpu = GET(FGT_COL_CPU);
		if (cpu > UINT16_MAX || cpu == st->cpu) {
			*what = "bad cpu number";
			return TRACE_EFORMAT;
		}
		st->cpu = (uint32_t)cpu;
		if (!(st->cc = cpu_ctx_hit(c, st->cpu)))
			return TRACE_ENOMEM;
	}
	if (h & FGT_HEAD_PID_CHANGED) {
		uint32_t pid;
		get_u32(&cur[FGT_COL_PID], &pid);
		st->cc->pid = (int32_t)pid;
	}
	return 0;
}

/*
 * One event of head byte h into ev. roomy: every hot column (group_has_room) holds a varint's
 * worth of bytes for each of its reads, so GETR reads it unchecked. ts_byte: the event's TS
 * varint, known to be one byte (ts_one_byte_each), which the group reads past at its end; NULL:
 * read from the TS column.
 */
ALWAYS_INLINE int decode_event(struct fgt_codec *c, struct varint_cursor *cur,
			       struct trace_event *ev, uint8_t h, struct decode_state *st,
			       const uint8_t *ts_byte, const char **what, bool roomy)
{
	uint8_t cls = c->head_class[h];
	int rc;

	if (cls < HEAD_PAGE_ALLOC)
		return refuse_head(cls, what);
	if ((h & (FGT_HEAD_CPU_CHANGED | FGT_HEAD_PID_CHANGED)) &&
	    (rc = decode_cpu_pid(c, cur, h, st, what)))
		return rc;
	ev->type = (uint16_t)(h & FGT_HEAD_TYPE_MASK);
	ev->cpu = (uint16_t)st->cpu;
	ev->pid = st->cc->pid;
	st->ts_units += ts_byte ? *ts_byte : GETR(FGT_COL_TS);
	ev->ts = st->ts_units * c->time_resolution_ns;

	switch (cls) {
	case HEAD_PAGE_ALLOC:
		decode_page_alloc(cur, st->cc, ev, roomy);
		return 0;
	case HEAD_PAGE_ZONE_LOCKED:
		decode_page_order_mt(cur, &st->cc->zone_pfn, ev, true, roomy);
		return 0;
	case HEAD_PAGE_FREE:
		decode_page_free(cur, st->cc, ev, roomy);
		return 0;
	case HEAD_PAGE_FREE_BATCHED:
		decode_page_free_batched(cur, st->cc, ev, roomy);
		return 0;
	case HEAD_PAGE_PCPU_DRAIN:
		decode_page_order_mt(cur, &st->cc->drain_pfn, ev, false, roomy);
		return 0;
	case HEAD_SLAB_ALLOC:
		return decode_slab_alloc(c, cur, ev, what, roomy);
	case HEAD_SLAB_FREE:
		return decode_slab_free(c, cur, ev, false, what, roomy);
	case HEAD_SLAB_FREE_BACKREF:
		return decode_slab_free(c, cur, ev, true, what, roomy);
	default:
		return decode_other(cur, st->cc, ev, what);
	}
}

/*
 * Events are decoded in groups of DECODE_GROUP. A group whose hot columns (those GETR reads:
 * at most one varint per event each, two of SIZE) hold VARINT_MAX bytes per possible read is
 * decoded without per-varint bounds checks, which cannot then run past a column's end; the
 * last bytes of each column in a chunk go through the checked reads, so a truncated or
 * overlong varint is found there as before. Both ways decode the same values.
 */
#define DECODE_GROUP 16

static bool group_has_room(const struct varint_cursor *cur, size_t g)
{
	static const uint8_t hot[] = { FGT_COL_TS,   FGT_COL_PFN, FGT_COL_SMALL, FGT_COL_GFP,
				       FGT_COL_ADDR, FGT_COL_STR, FGT_COL_SITE };
	size_t need = g * VARINT_MAX;
	for (size_t k = 0; k < sizeof(hot); k++)
		if ((size_t)(cur[hot[k]].end - cur[hot[k]].p) < need)
			return false;
	return (size_t)(cur[FGT_COL_SIZE].end - cur[FGT_COL_SIZE].p) >= 2 * need;
}

/* Whether cursor k holds VARINT_MAX bytes for each of reads reads. */
static bool col_has_room(const struct varint_cursor *cur, int k, size_t reads)
{
	return (size_t)(cur[k].end - cur[k].p) >= reads * VARINT_MAX;
}

/*
 * group_has_room() for the g events of head bytes hp as they are: the GETR reads of each kind
 * of event, no more (a chunk's stretch of slab events leaves little room in the pfn column, and
 * of page events in the address columns, where the bound of every read for every event
 * fails). An event of a page type reads TS, PFN, SMALL and GFP at most once each; of a slab
 * type TS, GFP, ADDR, STR and SITE once, SIZE twice; any other (or a bad head) TS once and at
 * most one of PFN (extfrag), STR and GFP (the shrinker events, generic): those reads are
 * checked, but they take bytes the unchecked reads count on. Keep in step with the
 * decode_page_*(), decode_slab_*() and decode_other() functions.
 */
static bool group_has_room_exact(const struct varint_cursor *cur, const uint8_t *hp, size_t g)
{
	size_t page = 0, slab = 0;
	for (size_t i = 0; i < g; i++) {
		unsigned int type = hp[i] & FGT_HEAD_TYPE_MASK;
		page += type >= TRACE_PAGE_ALLOC && type <= TRACE_PAGE_PCPU_DRAIN;
		slab += type >= TRACE_SLAB_ALLOC && type <= TRACE_KFREE;
	}
	size_t other = g - page - slab;
	return col_has_room(cur, FGT_COL_TS, g) && col_has_room(cur, FGT_COL_PFN, page + other) &&
	       col_has_room(cur, FGT_COL_SMALL, page) && col_has_room(cur, FGT_COL_GFP, g) &&
	       col_has_room(cur, FGT_COL_ADDR, slab) &&
	       col_has_room(cur, FGT_COL_STR, slab + other) &&
	       col_has_room(cur, FGT_COL_SITE, slab) && col_has_room(cur, FGT_COL_SIZE, 2 * slab);
}

/* Events first to end - 1 of a group (see above); the first failure ends it. */
ALWAYS_INLINE int decode_group(struct fgt_codec *c, struct varint_cursor *cur,
			       struct trace_event *out, const uint8_t *hp, size_t first, size_t end,
			       struct decode_state *st, const char **what, bool roomy)
{
	for (size_t i = first; i < end; i++) {
		int rc = decode_event(c, cur, &out[i], hp[i], st, NULL, what, roomy);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Whether the TS column's next DECODE_GROUP varints are one byte each (a delta under 128 time
 * units: nearly every event of a busy trace). The column holds room for the group's reads.
 */
static bool ts_one_byte_each(const struct varint_cursor *ts)
{
	uint64_t w[DECODE_GROUP / 8];
	uint64_t high = 0;
	memcpy(w, ts->p, sizeof(w));
	for (size_t k = 0; k < DECODE_GROUP / 8; k++)
		high |= w[k] & 0x8080808080808080ull;
	return !high;
}

/*
 * decode_group() for a whole roomy group whose TS varints are one byte each: the events take
 * their deltas straight from the column, which moves past them at the end. The same values.
 */
ALWAYS_INLINE int decode_group_ts_bytes(struct fgt_codec *c, struct varint_cursor *cur,
					struct trace_event *out, const uint8_t *hp, size_t first,
					struct decode_state *st, const char **what)
{
	const uint8_t *ts = cur[FGT_COL_TS].p;
	for (size_t i = first; i < first + DECODE_GROUP; i++) {
		int rc = decode_event(c, cur, &out[i], hp[i], st, &ts[i - first], what, true);
		if (rc)
			return rc;
	}
	cur[FGT_COL_TS].p += DECODE_GROUP;
	return 0;
}

/*
 * The head column holds one byte per event, so its length bounds the events decodable at
 * once: the loop runs over min(n, head bytes) events without a per-event check, and a short
 * head column fails after them, where the per-event check would have. The CPU context is
 * looked up again only when the CPU changes (the contexts move only when a new CPU appears).
 */
int fgt_decode_events(struct fgt_codec *c, struct varint_cursor cur[FGT_NR_COLUMNS],
		      struct trace_event *out, size_t n, const char **what)
{
	struct varint_cursor *head = &cur[FGT_COL_HEAD];
	const uint8_t *hp = head->p;
	size_t avail = (size_t)(head->end - hp), m = n <= avail ? n : avail;
	struct decode_state st = { c->prev_cpu, cpu_ctx_hit(c, c->prev_cpu), c->prev_ts_units };
	int rc = 0;

	if (!st.cc)
		return TRACE_ENOMEM;
	for (size_t i = 0; i < m && !rc;) {
		size_t end = m - i < DECODE_GROUP ? m : i + DECODE_GROUP;
		if (!(group_has_room(cur, end - i) || group_has_room_exact(cur, hp + i, end - i)))
			rc = decode_group(c, cur, out, hp, i, end, &st, what, false);
		else if (end - i == DECODE_GROUP && ts_one_byte_each(&cur[FGT_COL_TS]))
			rc = decode_group_ts_bytes(c, cur, out, hp, i, &st, what);
		else
			rc = decode_group(c, cur, out, hp, i, end, &st, what, true);
		i = end;
	}
	c->prev_cpu = st.cpu;
	c->prev_ts_units = st.ts_units;
	if (rc)
		return rc;
	head->p = hp + m;
	if (m < n) {
		*what = "event head column ends early";
		return TRACE_EFORMAT;
	}
	return 0;
}
