// SPDX-License-Identifier: GPL-2.0
/*
 * capture_events.c - raw ftrace records to trace events.
 *
 * Field offsets come from the running kernel's format files through libtraceevent, never from
 * constants, so kernels whose layouts differ still work: a field the kernel lacks reads as 0.
 * An event the kernel lacks is dropped from the list with a warning by the caller.
 *
 * Addresses: slab object pointers become physical addresses through the direct-map base
 * (capture_symbols.c), call sites and shrinker functions become interned "symbol+0xoff"
 * strings, the shrinker object pointer is dropped; generic records have their pointer fields
 * zeroed. --raw-addresses keeps everything as the kernel wrote it.
 */
#include "capture_internal.h"

#include <stdlib.h>
#include <string.h>

struct known {
	const char *system, *name;
	uint16_t type;
	const char *fields[MAX_FIELDS];
};

/* The fields each record type reads, in the order the converter uses them. */
static const struct known known_events[] = {
	{ "kmem",
	  "mm_page_alloc",
	  TRACE_PAGE_ALLOC,
	  { "pfn", "order", "gfp_flags", "migratetype" } },
	{ "kmem",
	  "mm_page_alloc_zone_locked",
	  TRACE_PAGE_ALLOC_ZONE_LOCKED,
	  { "pfn", "order", "migratetype", "percpu_refill" } },
	{ "kmem", "mm_page_free", TRACE_PAGE_FREE, { "pfn", "order" } },
	{ "kmem", "mm_page_free_batched", TRACE_PAGE_FREE_BATCHED, { "pfn" } },
	{ "kmem", "mm_page_pcpu_drain", TRACE_PAGE_PCPU_DRAIN, { "pfn", "order", "migratetype" } },
	{ "kmem",
	  "mm_page_alloc_extfrag",
	  TRACE_PAGE_ALLOC_EXTFRAG,
	  { "pfn", "alloc_order", "fallback_order", "alloc_migratetype", "fallback_migratetype",
	    "change_ownership" } },
	{ "kmem",
	  "kmem_cache_alloc",
	  TRACE_SLAB_ALLOC,
	  { "call_site", "ptr", "name", "bytes_req", "bytes_alloc", "gfp_flags", "node",
	    "accounted" } },
	{ "kmem", "kmem_cache_free", TRACE_SLAB_FREE, { "call_site", "ptr", "name" } },
	{ "kmem",
	  "kmalloc",
	  TRACE_KMALLOC,
	  { "call_site", "ptr", "name", "bytes_req", "bytes_alloc", "gfp_flags", "node",
	    "accounted" } },
	{ "kmem", "kfree", TRACE_KFREE, { "call_site", "ptr", "name" } },
	{ "vmscan",
	  "mm_shrink_slab_start",
	  TRACE_SHRINK_START,
	  { "shrink", "nid", "priority", "gfp_flags", "nr_objects_to_shrink", "cache_items",
	    "delta", "total_scan" } },
	{ "vmscan",
	  "mm_shrink_slab_end",
	  TRACE_SHRINK_END,
	  { "shrink", "nid", "retval", "unused_scan", "new_scan", "total_scan" } },
};

const char *const capture_default_events[] = {
	"kmem:mm_page_alloc",
	"kmem:mm_page_alloc_zone_locked",
	"kmem:mm_page_free",
	"kmem:mm_page_free_batched",
	"kmem:mm_page_pcpu_drain",
	"kmem:mm_page_alloc_extfrag",
	"kmem:kmem_cache_alloc",
	"kmem:kmem_cache_free",
	"kmem:kmalloc",
	"kmem:kfree",
	"vmscan:mm_shrink_slab_start",
	"vmscan:mm_shrink_slab_end",
	/* kswapd's reclaim windows (ZONE_RECLAIM_ACTIVE on the node's zones, which caps the
	 * per-CPU lists): a wake just before each balance_pgdat() run, a sleep after the last
	 * (generic records; replay_decode.c bounds each run by its task's own events) */
	"vmscan:mm_vmscan_kswapd_wake",
	"vmscan:mm_vmscan_kswapd_sleep",
	/* compaction's free scanner takes free pages with no kmem event, and its runs' bounds
	 * and migration-scanner ranges tell its sources' frees apart (replay_decode.c) */
	"compaction:mm_compaction_isolate_freepages",
	"compaction:mm_compaction_fast_isolate_freepages",
	"compaction:mm_compaction_isolate_migratepages",
	"compaction:mm_compaction_migratepages",
	"compaction:mm_compaction_begin",
	"compaction:mm_compaction_end",
	/* names the folio compaction migrated into a page its fast scanner took (the take's
	 * record names half the zone), and any LRU page taken without a kmem event */
	"pagemap:mm_lru_insertion",
	NULL,
};

static void resolve_field(struct tep_event *e, const char *name, struct raw_field *f)
{
	struct tep_format_field *tf = name ? tep_find_field(e, name) : NULL;

	memset(f, 0, sizeof(*f));
	if (!tf)
		return;
	f->offset = tf->offset;
	f->size = tf->size;
	f->is_signed = tf->flags & TEP_FIELD_IS_SIGNED;
	f->data_loc = tf->flags & TEP_FIELD_IS_DYNAMIC;
	f->pointer = tf->flags & TEP_FIELD_IS_POINTER;
}

int capture_events_resolve(struct tep_handle *tep, const char *const *names,
			   struct capture_event **events, int *n, char *err, size_t errlen)
{
	int count = 0;
	while (names[count])
		count++;
	struct capture_event *ev = calloc((size_t)count + 1, sizeof(*ev));
	if (!ev) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int k = 0;
	for (int i = 0; i < count; i++) {
		char sys[32] = "", name[64] = "";
		const char *colon = strchr(names[i], ':');
		if (!colon || colon == names[i] || (size_t)(colon - names[i]) >= sizeof(sys) ||
		    strlen(colon + 1) >= sizeof(name) || !colon[1]) {
			snprintf(err, errlen, "event '%s': expected SYSTEM:EVENT", names[i]);
			free(ev);
			return -1;
		}
		memcpy(sys, names[i], (size_t)(colon - names[i]));
		strcpy(name, colon + 1);
		struct tep_event *te = tep_find_event_by_name(tep, sys, name);
		if (!te) {
			fprintf(stderr,
				"fragtrace record: warning: this kernel has no event %s; "
				"recording without it\n",
				names[i]);
			continue;
		}
		struct capture_event *ce = &ev[k++];
		snprintf(ce->system, sizeof(ce->system), "%s", sys);
		snprintf(ce->name, sizeof(ce->name), "%s", name);
		ce->id = te->id;
		ce->type = TRACE_GENERIC;
		for (size_t j = 0; j < sizeof(known_events) / sizeof(known_events[0]); j++) {
			if (strcmp(known_events[j].system, sys) ||
			    strcmp(known_events[j].name, name))
				continue;
			ce->type = known_events[j].type;
			for (int f = 0; f < MAX_FIELDS; f++)
				resolve_field(te, known_events[j].fields[f], &ce->f[f]);
		}
		if (ce->type == TRACE_GENERIC) {
			int end = 0;
			for (struct tep_format_field *tf = te->format.fields; tf; tf = tf->next) {
				if (tf->offset + tf->size > end)
					end = tf->offset + tf->size;
				if ((tf->flags & TEP_FIELD_IS_POINTER) && ce->n_generic_fields < 32)
					resolve_field(te, tf->name,
						      &ce->generic_fields[ce->n_generic_fields++]);
			}
			ce->payload_size = end;
		}
	}
	*events = ev;
	*n = k;
	return 0;
}

/* ---- conversion ---- */

struct capture_converter {
	struct capture_event *events;
	int n;
	struct capture_event **by_id; /* kernel event id -> descriptor */
	int max_id;
	struct trace_writer *w;
	struct symbolizer *sym;
	struct tep_handle *tep;
	struct addr_map *am;
	bool raw;
	/* interned call sites and cache names */
	struct {
		uint64_t key;
		uint32_t id;
	} * cache;
	size_t cache_cap;
	/* interned slab cache names by their bytes (NAME_SLOTS, direct-mapped) */
	struct name_slot *names;
};

/*
 * A slab cache name the converter has interned, with its bytes (the terminating NUL included),
 * so that the next event naming it costs one compare instead of the writer's string hash.
 */
#define NAME_SLOTS 256
#define NAME_BYTES 48
struct name_slot {
	uint32_t id;
	uint32_t len;
	char bytes[NAME_BYTES];
};

struct capture_converter *converter_create(struct capture_event *events, int n,
					   struct trace_writer *w, struct symbolizer *sym,
					   struct addr_map *am, bool raw_addresses)
{
	struct capture_converter *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->events = events;
	c->n = n;
	c->w = w;
	c->sym = sym;
	c->am = am;
	c->raw = raw_addresses;
	for (int i = 0; i < n; i++)
		if (events[i].id > c->max_id)
			c->max_id = events[i].id;
	c->by_id = calloc((size_t)c->max_id + 1, sizeof(*c->by_id));
	c->cache_cap = 1 << 16;
	c->cache = calloc(c->cache_cap, sizeof(*c->cache));
	c->names = calloc(NAME_SLOTS, sizeof(*c->names));
	if (!c->by_id || !c->cache || !c->names) {
		converter_free(c);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		c->by_id[events[i].id] = &events[i];
		if (events[i].type == TRACE_GENERIC) {
			char full[100];
			snprintf(full, sizeof(full), "%s:%s", events[i].system, events[i].name);
			events[i].name_id = trace_writer_string(w, full);
		}
	}
	return c;
}

void converter_set_tep(struct capture_converter *c, struct tep_handle *tep)
{
	c->tep = tep;
}

void converter_free(struct capture_converter *c)
{
	if (!c)
		return;
	free(c->by_id);
	free(c->cache);
	free(c->names);
	free(c);
}

static uint64_t get_u(const uint8_t *data, unsigned size, const struct raw_field *f)
{
	uint64_t v = 0;
	if (!f->size || (unsigned)(f->offset + f->size) > size)
		return 0;
	switch (f->size) {
	case 1:
		return f->is_signed ? (uint64_t)(int64_t) * (const int8_t *)(data + f->offset)
				    : data[f->offset];
	case 2: {
		uint16_t x;
		memcpy(&x, data + f->offset, 2);
		return f->is_signed ? (uint64_t)(int64_t)(int16_t)x : x;
	}
	case 4: {
		uint32_t x;
		memcpy(&x, data + f->offset, 4);
		return f->is_signed ? (uint64_t)(int64_t)(int32_t)x : x;
	}
	default:
		memcpy(&v, data + f->offset, 8);
		return v;
	}
}

/*
 * A __data_loc string: offset in the low 16 bits, length (with the NUL) in the high 16; *len
 * is that length.
 */
static const char *get_str(const uint8_t *data, unsigned size, const struct raw_field *f,
			   unsigned *len)
{
	if (!f->size || !f->data_loc || (unsigned)(f->offset + 4) > size)
		return NULL;
	uint32_t loc;
	memcpy(&loc, data + f->offset, 4);
	unsigned off = loc & 0xffff;
	*len = loc >> 16;
	if (!*len || off + *len > size || data[off + *len - 1] != 0)
		return NULL;
	return (const char *)data + off;
}

/* Interned "symbol+0xoff" for a kernel text address, cached by address. */
static uint32_t intern_symbol(struct capture_converter *c, uint64_t addr)
{
	if (!addr)
		return TRACE_NO_STRING;
	size_t s = (size_t)((addr * 0x9E3779B97F4A7C15ull) >> 48) & (c->cache_cap - 1);
	for (size_t probes = 0; probes < 16; probes++, s = (s + 1) & (c->cache_cap - 1)) {
		if (c->cache[s].key == addr)
			return c->cache[s].id;
		if (!c->cache[s].key)
			break;
	}
	char buf[160];
	uint32_t id = TRACE_NO_STRING;
	if (c->raw) {
		snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)addr);
		id = trace_writer_string(c->w, buf);
	} else if (symbolizer_lookup(c->sym, addr, buf, sizeof(buf))) {
		id = trace_writer_string(c->w, buf);
	} else if (c->tep) {
		const char *name;
		unsigned long long start;
		unsigned long size;
		if (!tep_find_function_info(c->tep, addr, &name, &start, &size) && name) {
			snprintf(buf, sizeof(buf), "%s+%#llx", name, addr - start);
			id = trace_writer_string(c->w, buf);
		}
	}
	if (!c->cache[s].key)
		c->cache[s].key = addr, c->cache[s].id = id;
	return id;
}

/*
 * Interned slab cache name (len bytes with its NUL): its slot is chosen by its length and its
 * first and last 8 bytes, and a hit compares every byte, so a name always gets its own id.
 */
static uint32_t intern_name(struct capture_converter *c, const char *name, unsigned len)
{
	uint64_t head = 0, tail = 0;

	if (!name)
		return TRACE_NO_STRING;
	if (len > NAME_BYTES)
		return trace_writer_string(c->w, name);
	memcpy(&head, name, len < 8 ? len : 8);
	memcpy(&tail, name + (len < 8 ? 0 : len - 8), len < 8 ? len : 8);
	uint64_t h = (head ^ (tail * 0x9E3779B97F4A7C15ull) ^ len) * 0xFF51AFD7ED558CCDull;
	struct name_slot *slot = &c->names[h >> 56]; /* NAME_SLOTS = 2^8 */
	if (slot->len == len && !memcmp(slot->bytes, name, len))
		return slot->id;
	uint32_t id = trace_writer_string(c->w, name);
	if (id != TRACE_NO_STRING) {
		slot->id = id;
		slot->len = len;
		memcpy(slot->bytes, name, len);
	}
	return id;
}

bool converter_convert(struct capture_converter *c, const uint8_t *data, unsigned size,
		       struct trace_event *ev, uint8_t *blob, unsigned blob_cap)
{
	uint16_t id;
	int32_t pid;

	if (size < 8)
		return false;
	memcpy(&id, data, 2);
	memcpy(&pid, data + 4, 4);
	if (id > c->max_id || !c->by_id[id])
		return false;
	struct capture_event *ce = c->by_id[id];
	const struct raw_field *f = ce->f;
	ce->count++;
	ev->type = ce->type;
	ev->pid = pid;
	switch (ce->type) {
	case TRACE_PAGE_ALLOC:
		ev->page = (struct trace_page){ .pfn = get_u(data, size, &f[0]),
						.order = (uint32_t)get_u(data, size, &f[1]),
						.gfp = get_u(data, size, &f[2]),
						.migratetype = (int32_t)get_u(data, size, &f[3]) };
		break;
	case TRACE_PAGE_ALLOC_ZONE_LOCKED:
		ev->page =
			(struct trace_page){ .pfn = get_u(data, size, &f[0]),
					     .order = (uint32_t)get_u(data, size, &f[1]),
					     .migratetype = (int32_t)get_u(data, size, &f[2]),
					     .percpu_refill = (uint32_t)get_u(data, size, &f[3]) };
		break;
	case TRACE_PAGE_FREE:
	case TRACE_PAGE_FREE_BATCHED:
	case TRACE_PAGE_PCPU_DRAIN:
		ev->page = (struct trace_page){ .pfn = get_u(data, size, &f[0]),
						.order = (uint32_t)get_u(data, size, &f[1]),
						.migratetype = (int32_t)get_u(data, size, &f[2]) };
		if (ce->type != TRACE_PAGE_PCPU_DRAIN)
			ev->page.migratetype = 0;
		break;
	case TRACE_PAGE_ALLOC_EXTFRAG:
		ev->extfrag = (struct trace_extfrag){
			.pfn = get_u(data, size, &f[0]),
			.alloc_order = (int32_t)get_u(data, size, &f[1]),
			.fallback_order = (int32_t)get_u(data, size, &f[2]),
			.alloc_migratetype = (int32_t)get_u(data, size, &f[3]),
			.fallback_migratetype = (int32_t)get_u(data, size, &f[4]),
			.change_ownership = (int32_t)get_u(data, size, &f[5]),
		};
		break;
	case TRACE_SLAB_ALLOC:
	case TRACE_KMALLOC:
	case TRACE_SLAB_FREE:
	case TRACE_KFREE: {
		bool alloc = ce->type == TRACE_SLAB_ALLOC || ce->type == TRACE_KMALLOC;
		unsigned len = 0;
		const char *name = ce->type == TRACE_SLAB_ALLOC || ce->type == TRACE_SLAB_FREE
					   ? get_str(data, size, &f[2], &len)
					   : NULL;
		ev->slab = (struct trace_slab){
			.call_site = intern_symbol(c, get_u(data, size, &f[0])),
			.addr = addr_translate(c->am, get_u(data, size, &f[1])),
			.cache = intern_name(c, name, len),
		};
		if (alloc) {
			ev->slab.bytes_req = get_u(data, size, &f[3]);
			ev->slab.bytes_alloc = get_u(data, size, &f[4]);
			ev->slab.gfp = get_u(data, size, &f[5]);
			ev->slab.node = (int32_t)get_u(data, size, &f[6]);
			ev->slab.accounted = (uint32_t)get_u(data, size, &f[7]);
		}
		break;
	}
	case TRACE_SHRINK_START:
		ev->shrink_start = (struct trace_shrink_start){
			.shrinker = intern_symbol(c, get_u(data, size, &f[0])),
			.nid = (int32_t)get_u(data, size, &f[1]),
			.priority = (int32_t)get_u(data, size, &f[2]),
			.gfp = get_u(data, size, &f[3]),
			.nr_objects_to_shrink = (int64_t)get_u(data, size, &f[4]),
			.cache_items = (int64_t)get_u(data, size, &f[5]),
			.delta = (int64_t)get_u(data, size, &f[6]),
			.total_scan = (int64_t)get_u(data, size, &f[7]),
		};
		break;
	case TRACE_SHRINK_END:
		ev->shrink_end = (struct trace_shrink_end){
			.shrinker = intern_symbol(c, get_u(data, size, &f[0])),
			.nid = (int32_t)get_u(data, size, &f[1]),
			.retval = (int32_t)get_u(data, size, &f[2]),
			.unused_scan = (int64_t)get_u(data, size, &f[3]),
			.new_scan = (int64_t)get_u(data, size, &f[4]),
			.total_scan = (int64_t)get_u(data, size, &f[5]),
		};
		break;
	default: { /* generic: the fields after the common header, pointers blanked */
		unsigned n = size > 8 ? size - 8 : 0;
		if (n > blob_cap)
			n = blob_cap;
		memcpy(blob, data + 8, n);
		if (!c->raw)
			for (int i = 0; i < ce->n_generic_fields; i++) {
				const struct raw_field *g = &ce->generic_fields[i];
				if (g->offset >= 8 && (unsigned)(g->offset - 8 + g->size) <= n)
					memset(blob + g->offset - 8, 0, (size_t)g->size);
			}
		ev->generic =
			(struct trace_generic){ .name = ce->name_id, .size = n, .data = blob };
		break;
	}
	}
	return true;
}
