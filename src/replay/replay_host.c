// SPDX-License-Identifier: GPL-2.0
/*
 * replay_host.c - the traced host as the model needs it, read from the trace's snapshots, and
 * the warm start built from them.
 *
 * Geometry: zones (node, type, start_pfn, spanned, min and low watermarks) from start/zoneinfo;
 * holes from the start page map (pageblocks with no present page). Slab caches (object size,
 * objects per slab, order, reclaim_account) from start/slab_attributes, and for a cache it
 * lacks (or a trace without it) from start/slabinfo (objsize, objperslab, pagesperslab; not
 * reclaim_account, which slabinfo does not show: taken as unset); the shrinkable caches'
 * objects from start and end slabinfo and vfs_cache_pressure (the shrinker calibration's
 * denominators, replay_shrink_calib.c). The start and end page maps (4-bit classes per pfn, docs/capture.md) and pagetypeinfo's pageblock counts per type.
 *
 * The warm start built from them is replay_warm.c's.
 */
#include "replay_internal.h"
#include "trace_gaps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int host_meta_load(struct trace_reader *r, const char *name, char **data, size_t *len)
{
	for (size_t i = 0; i < trace_reader_meta_count(r); i++) {
		if (strcmp(trace_reader_meta(r, i)->name, name))
			continue;
		void *d;
		if (trace_reader_meta_load(r, i, &d, len))
			return -1;
		char *s = realloc(d, *len + 1); /* NUL-terminate text snapshots */
		if (!s) {
			free(d);
			return -1;
		}
		s[*len] = 0;
		*data = s;
		return 1;
	}
	return 0;
}

/* The zone type of a zoneinfo zone name, -1 for none the model knows. */
int host_zone_type(const char *name)
{
	static const char *const names[] = { "DMA", "DMA32", "Normal", "Movable" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

/*
 * Zone @idx of config.zones keeps its per-CPU pagesets as zoneinfo lists them (struct
 * per_cpu_pages: high, batch) for the per-CPU lists' sizing (replay_pcp.c); the first zone with
 * the most managed pages is noted as the largest.
 */
static void keep_pagesets(struct host_desc *h, unsigned idx, const struct host_pagesets *ps)
{
	if (ps->managed > h->zone_pcp[h->pcp_largest].managed)
		h->pcp_largest = idx;
	h->zone_pcp[idx] = *ps;
}

/*
 * zoneinfo's "protection: (a, b, ...)": the zone's lowmem_reserve per highest zone index, in
 * the kernel's zone order (DMA, DMA32, Normal, Movable, Device; the model has the first four).
 */
static void parse_protection(struct model_zone_config *z, const char *p)
{
	for (unsigned i = 0; i < MAX_NR_ZONES; i++) {
		char *end;
		unsigned long long v = strtoull(p, &end, 10);
		if (end == p)
			return;
		z->lowmem_reserve[i] = v;
		p = end;
		while (*p == ',' || *p == ' ')
			p++;
	}
}

/* start/zoneinfo: "Node N, zone NAME" blocks with min, low, spanned, present and start_pfn,
 * and the managed pages and pagesets for the per-CPU lists. */
static int parse_zoneinfo(struct host_desc *h, char *text)
{
	struct model_config *c = &h->config;
	struct model_zone_config cur;
	struct host_pagesets ps;
	int have = 0, type = -1;
	int node = -1, node_zone = 0, kernel_idx = 0; /* the zone's index in its node */
	uint64_t present = 0;

	memset(c, 0, sizeof(*c));
	memset(&ps, 0, sizeof(ps));
	for (char *line = strtok(text, "\n");; line = strtok(NULL, "\n")) {
		int nid;
		char name[32];
		unsigned long long v;
		if (!line || sscanf(line, "Node %d, zone %31s", &nid, name) == 2) {
			if (have && type >= 0 && cur.spanned_pages && present &&
			    cur.spanned_pages <= MAX_HOST_PFNS && cur.start_pfn <= MAX_HOST_PFNS &&
			    c->nr_zones < MODEL_MAX_ZONES) {
				h->zone_kernel_idx[c->nr_zones] = (uint8_t)kernel_idx;
				c->zones[c->nr_zones++] = cur;
				h->present_pages += present;
				keep_pagesets(h, c->nr_zones - 1, &ps);
			}
			if (!line)
				break;
			memset(&cur, 0, sizeof(cur));
			memset(&ps, 0, sizeof(ps));
			cur.nid = nid;
			/* zoneinfo lists every zone of a node, populated or not, in the order of
			 * the kernel's enum zone_type, which leaves out zones its config lacks */
			node_zone = nid == node ? node_zone + 1 : 0;
			node = nid;
			kernel_idx = node_zone;
			type = host_zone_type(name);
			cur.type = type >= 0 ? (enum model_zone_type)type : ZONE_NORMAL;
			present = 0;
			have = 1;
			continue;
		}
		if (sscanf(line, " min %llu", &v) == 1)
			cur.wmark_min = v;
		else if (sscanf(line, " low %llu", &v) == 1)
			cur.wmark_low = v;
		else if (strstr(line, "protection: ("))
			parse_protection(&cur, strstr(line, "protection: (") + 13);
		else if (sscanf(line, " managed %llu", &v) == 1)
			ps.managed = v;
		else if (sscanf(line, " cpu: %llu", &v) == 1)
			ps.cpus += ps.cpus < HOST_PCP_CPUS;
		else if (sscanf(line, " high: %llu", &v) == 1 && ps.cpus && v <= INT32_MAX)
			ps.high[ps.cpus - 1] = (uint32_t)v;
		else if (sscanf(line, " batch: %llu", &v) == 1 && ps.cpus && v <= INT32_MAX)
			ps.batch = (uint32_t)v;
		else if (sscanf(line, " spanned %llu", &v) == 1)
			cur.spanned_pages = v;
		else if (sscanf(line, " present %llu", &v) == 1)
			present = v;
		else if (sscanf(line, " start_pfn: %llu", &v) == 1)
			cur.start_pfn = v;
	}
	h->have_zone_kernel_idx = c->nr_zones > 0;
	return c->nr_zones ? 0 : -1;
}

/*
 * pagetypeinfo's "Number of blocks type" table: its header names the columns. Per zone into
 * pb (indexed like h->config.zones), and summed over zones into sum when not NULL.
 */
static void parse_pagetypeinfo(struct host_desc *h, char *text, uint32_t (*pb)[MIGRATE_TYPES],
			       uint64_t *sum, bool *have)
{
	static const char *const types[] = { "Unmovable",  "Movable", "Reclaimable",
					     "HighAtomic", "CMA",     "Isolate" };
	int column_type[8];
	int ncol = 0;
	char *hdr = strstr(text, "Number of blocks type");
	if (!hdr)
		return;
	char *save, *line = strtok_r(hdr, "\n", &save);
	char *tok, *s2;
	line += strlen("Number of blocks type");
	for (tok = strtok_r(line, " ", &s2); tok && ncol < 8; tok = strtok_r(NULL, " ", &s2)) {
		column_type[ncol] = -1;
		for (int t = 0; t < 6; t++)
			if (!strcmp(tok, types[t]))
				column_type[ncol] = t;
		ncol++;
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		int nid, off;
		char name[32];
		if (sscanf(line, "Node %d, zone %31s%n", &nid, name, &off) != 2)
			continue;
		for (unsigned z = 0; z < h->config.nr_zones; z++) {
			const struct model_zone_config *zc = &h->config.zones[z];
			if (zc->nid != nid || (int)zc->type != host_zone_type(name))
				continue;
			char *p = line + off;
			for (int col = 0; col < ncol; col++) {
				char *end;
				unsigned long v = strtoul(p, &end, 10);
				if (end == p)
					break;
				p = end;
				if (column_type[col] < 0)
					continue;
				if (pb)
					pb[z][column_type[col]] = (uint32_t)v;
				if (sum)
					sum[column_type[col]] += v;
			}
			*have = true;
		}
	}
}

/* buddyinfo: "Node N, zone NAME c0 c1 ... c10", free blocks per order, summed over zones. */
static void parse_buddyinfo(struct host_desc *h, char *text)
{
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		int nid, off;
		char name[32];
		if (sscanf(line, "Node %d, zone %31s%n", &nid, name, &off) != 2)
			continue;
		char *p = line + off;
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++) {
			char *end;
			unsigned long long v = strtoull(p, &end, 10);
			if (end == p)
				break;
			p = end;
			h->fig.end_free_blocks[o] += v;
		}
		h->fig.have_end_buddy = true;
	}
}

/* Counters whose movement no kmem tracepoint shows; deltas end - start (docs/replay.md). */
static const char *const vmstat_keys[REPLAY_VMSTAT_KEYS] = {
	"pgalloc",	  "pgfree",	    "pgmigrate_success", "compact_isolated",
	"compact_stall",  "thp_split_page", "balloon_inflate",	 "balloon_deflate",
	"pgsteal_kswapd", "pgsteal_direct", "slabs_scanned",	 "nr_free_pages",
};

const char *replay_vmstat_key(unsigned i)
{
	return i < REPLAY_VMSTAT_KEYS ? vmstat_keys[i] : NULL;
}

/* Sum of the vmstat lines for each key ("pgalloc" sums pgalloc_dma, pgalloc_normal, ...). */
static void vmstat_sum(const char *text, int64_t *out)
{
	const char *p = text;
	while (p && *p) {
		char key[64];
		long long v;
		if (sscanf(p, "%63s %lld", key, &v) == 2)
			for (unsigned i = 0; i < REPLAY_VMSTAT_KEYS; i++) {
				size_t n = strlen(vmstat_keys[i]);
				if (!strncmp(key, vmstat_keys[i], n) &&
				    (key[n] == 0 || (i < 2 && key[n] == '_')))
					out[i] += v;
			}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

static void parse_vmstat(struct host_desc *h, const char *start, const char *end)
{
	int64_t a[REPLAY_VMSTAT_KEYS] = { 0 }, b[REPLAY_VMSTAT_KEYS] = { 0 };
	if (!start || !end)
		return;
	vmstat_sum(start, a);
	vmstat_sum(end, b);
	for (unsigned i = 0; i < REPLAY_VMSTAT_KEYS; i++)
		h->fig.vmstat_delta[i] = b[i] - a[i];
	h->fig.have_vmstat = true;
}

/* Append c to h's caches, growing the array (capacity *cap) as needed: 0, or -1 out of memory. */
static int host_cache_append(struct host_desc *h, size_t *cap, const struct host_cache *c)
{
	if (h->nr_caches == *cap) {
		size_t grown = *cap ? *cap * 2 : 256;
		struct host_cache *n = realloc(h->caches, grown * sizeof(*n));
		if (!n)
			return -1;
		h->caches = n;
		*cap = grown;
	}
	h->caches[h->nr_caches++] = *c;
	return 0;
}

static int parse_slab_attributes(struct host_desc *h, char *text)
{
	size_t cap = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		struct host_cache c;
		unsigned os, ops, order, ss;
		int rcl;
		if (line[0] == '#' ||
		    sscanf(line, "%63s %u %u %u %d %u", c.name, &os, &ops, &order, &rcl, &ss) != 6)
			continue;
		if (!os || !ops || order > MAX_PAGE_ORDER)
			continue;
		c.object_size = os;
		c.objs_per_slab = ops;
		c.order = order;
		c.reclaimable = rcl != 0;
		if (host_cache_append(h, &cap, &c))
			return -1;
	}
	return 0;
}

/*
 * /proc/slabinfo 2.1: "name active_objs num_objs objsize objperslab pagesperslab : ...": the
 * geometry of each cache start/slab_attributes did not give (slabinfo's objsize is the
 * cache's size with metadata, as slab_attributes' slab_size and kmem_cache_alloc's
 * bytes_alloc). The text is left as it was.
 */
static int parse_slabinfo_caches(struct host_desc *h, const char *text)
{
	size_t cap = h->nr_caches;
	for (const char *p = text; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char line[256]; /* the fields wanted come first: a longer line is cut */
		struct host_cache c = { 0 };
		unsigned active, num, os, ops, pages;
		snprintf(line, sizeof(line), "%.*s",
			 (int)(len < sizeof(line) ? len : sizeof(line) - 1), p);
		if (sscanf(line, "%63s %u %u %u %u %u", c.name, &active, &num, &os, &ops, &pages) ==
			    6 &&
		    c.name[0] != '#' && os && ops && pages && !(pages & (pages - 1)) &&
		    pages <= 1u << MAX_PAGE_ORDER && (uint64_t)ops * os <= (uint64_t)pages * 4096) {
			size_t i;
			for (i = 0; i < h->nr_caches; i++)
				if (!strcmp(h->caches[i].name, c.name))
					break;
			if (i == h->nr_caches) {
				c.object_size = os;
				c.objs_per_slab = ops;
				c.order = (uint32_t)__builtin_ctz(pages);
				if (host_cache_append(h, &cap, &c))
					return -1;
			}
		}
		p = eol ? eol + 1 : NULL;
	}
	return 0;
}

/*
 * /proc/slabinfo: "name active_objs num_objs ...": the active objects of the caches the model
 * gives a shrinker (slab_shrinkable_by_default), which the shrinker calibration divides by.
 */
static uint64_t slabinfo_shrinkable(const char *text)
{
	uint64_t sum = 0;
	for (const char *p = text; p && *p;) {
		char name[64];
		unsigned long long active;
		if (*p != '#' && sscanf(p, "%63s %llu", name, &active) == 2 &&
		    slab_shrinkable_by_default(name))
			sum += active;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return sum;
}

/* "fragtrace-pagemap 1 <pfns>\n" then the nibbles. */
static int parse_pagemap(char *data, size_t len, uint8_t **map, uint64_t *pfns)
{
	unsigned long long n;
	int off;
	if (sscanf(data, "fragtrace-pagemap 1 %llu\n%n", &n, &off) != 1 || off <= 0 ||
	    n > MAX_HOST_PFNS)
		return -1;
	if ((unsigned long long)off + (n + 1) / 2 > len)
		return -1;
	*map = malloc((n + 1) / 2 + 1);
	if (!*map)
		return -1;
	memcpy(*map, data + off, (n + 1) / 2);
	*pfns = n;
	return 0;
}

/* Holes: pageblocks of a zone with no present page in the start map. */
static int find_holes(struct host_desc *h)
{
	size_t cap = 0;
	struct model_config *c = &h->config;
	if (!h->start_map)
		return 0;
	for (unsigned z = 0; z < c->nr_zones; z++) {
		uint64_t start = c->zones[z].start_pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
		uint64_t end = c->zones[z].start_pfn + c->zones[z].spanned_pages;
		for (uint64_t pb = start; pb < end; pb += PAGEBLOCK_NR_PAGES) {
			bool present = false;
			for (uint64_t p = pb; p < pb + PAGEBLOCK_NR_PAGES && !present; p++) {
				unsigned k = page_class(h->start_map, h->start_map_pfns, p);
				present = k != PC_HOLE && k != PC_RESERVED && k != PC_OFFLINE;
			}
			if (present)
				continue;
			if (c->nr_holes && h->holes[c->nr_holes - 1].start_pfn +
							   h->holes[c->nr_holes - 1].nr_pages ==
						   pb) {
				h->holes[c->nr_holes - 1].nr_pages += PAGEBLOCK_NR_PAGES;
				continue;
			}
			if (c->nr_holes == cap) {
				cap = cap ? cap * 2 : 64;
				struct model_hole *n = realloc(h->holes, cap * sizeof(*n));
				if (!n)
					return -1;
				h->holes = n;
			}
			h->holes[c->nr_holes++] =
				(struct model_hole){ .start_pfn = pb,
						     .nr_pages = PAGEBLOCK_NR_PAGES };
		}
	}
	c->holes = h->holes;
	return 0;
}

static const char *const snapshot_names[NR_HOST_SNAPSHOTS] = {
	[SNAP_ZONEINFO] = "start/zoneinfo",
	[SNAP_PAGETYPEINFO] = "start/pagetypeinfo",
	[SNAP_SLAB_ATTRIBUTES] = "start/slab_attributes",
	[SNAP_START_PAGEMAP] = "start/pagemap",
	[SNAP_END_PAGEMAP] = "end/pagemap",
	[SNAP_OPTIONS] = "capture/options",
	[SNAP_END_PAGETYPEINFO] = "end/pagetypeinfo",
	[SNAP_END_BUDDYINFO] = "end/buddyinfo",
	[SNAP_START_VMSTAT] = "start/vmstat",
	[SNAP_END_VMSTAT] = "end/vmstat",
	[SNAP_START_SLABINFO] = "start/slabinfo",
	[SNAP_END_SLABINFO] = "end/slabinfo",
	[SNAP_VFS_CACHE_PRESSURE] = "start/vfs_cache_pressure",
	[SNAP_END_PAGEMAP_TIMES] = "end/pagemap_times",
	[SNAP_END_RECORDER_PFNS] = "end/recorder_pfns",
	[SNAP_START_PAGEMAP_TIMES] = "start/pagemap_times",
	[SNAP_PAGE_REPORTING_ORDER] = "start/page_reporting_order",
	[SNAP_PAGE_ALLOC_SHUFFLE] = "start/page_alloc_shuffle",
	[SNAP_WATERMARK_BOOST_FACTOR] = "start/watermark_boost_factor",
};

/*
 * The host's free page reporting and page shuffling, from the page_reporting and page_alloc
 * module parameters (docs/capture.md): reporting is on when the module is there with an order
 * a driver can have set (at most MAX_PAGE_ORDER; 4294967295 before any registered).
 */
static void parse_module_params(struct replay_host_figures *f, const char *order,
				const char *shuffle)
{
	if (order) {
		unsigned long long v;
		char *end;
		size_t n = strcspn(order, "\n");
		snprintf(f->page_reporting_text, sizeof(f->page_reporting_text), "%.*s",
			 (int)(n < sizeof(f->page_reporting_text)
				       ? n
				       : sizeof(f->page_reporting_text) - 1),
			 order);
		f->have_page_reporting = true;
		v = strtoull(order, &end, 10);
		if (end != order && (*end == '\n' || !*end) && v <= MAX_PAGE_ORDER) {
			f->page_reporting_on = true;
			f->page_reporting_order = (unsigned)v;
		}
	}
	if (shuffle) {
		f->have_shuffle = true;
		f->shuffle_on = shuffle[0] == 'Y' || shuffle[0] == 'y' || shuffle[0] == '1';
	}
}

int host_desc_parse(struct host_desc *h, struct host_snapshots *sn, const char *path, char *err,
		    size_t errlen)
{
	memset(h, 0, sizeof(*h));
	if (!sn->text[SNAP_ZONEINFO] || parse_zoneinfo(h, sn->text[SNAP_ZONEINFO])) {
		snprintf(err, errlen,
			 "%s: no usable start/zoneinfo snapshot: the host's memory layout is "
			 "unknown (an import, or --no-snapshots?): give it with --mem SIZE or "
			 "--layout ZONEINFO",
			 path);
		return -1;
	}
	if (sn->text[SNAP_PAGETYPEINFO])
		parse_pagetypeinfo(h, sn->text[SNAP_PAGETYPEINFO], h->pb_counts, NULL,
				   &h->have_pb_counts);
	if (sn->text[SNAP_END_PAGETYPEINFO])
		parse_pagetypeinfo(h, sn->text[SNAP_END_PAGETYPEINFO], NULL, h->fig.end_pageblocks,
				   &h->fig.have_end_pageblocks);
	if (sn->text[SNAP_END_BUDDYINFO])
		parse_buddyinfo(h, sn->text[SNAP_END_BUDDYINFO]);
	parse_vmstat(h, sn->text[SNAP_START_VMSTAT], sn->text[SNAP_END_VMSTAT]);
	for (int k = 0; k < 2; k++)
		if (sn->text[SNAP_START_SLABINFO + k]) {
			h->shrinkable_objects[k] =
				slabinfo_shrinkable(sn->text[SNAP_START_SLABINFO + k]);
			h->have_slabinfo[k] = true;
		}
	parse_module_params(&h->fig, sn->text[SNAP_PAGE_REPORTING_ORDER],
			    sn->text[SNAP_PAGE_ALLOC_SHUFFLE]);
	if (sn->text[SNAP_WATERMARK_BOOST_FACTOR]) {
		unsigned v;
		if (sscanf(sn->text[SNAP_WATERMARK_BOOST_FACTOR], "%u", &v) == 1) {
			h->fig.have_watermark_boost_factor = true;
			h->fig.watermark_boost_factor = v;
		}
	}
	h->vfs_cache_pressure = 100;
	if (sn->text[SNAP_VFS_CACHE_PRESSURE]) {
		unsigned v;
		if (sscanf(sn->text[SNAP_VFS_CACHE_PRESSURE], "%u", &v) == 1 && v)
			h->vfs_cache_pressure = v;
	}
	if (sn->text[SNAP_SLAB_ATTRIBUTES] &&
	    parse_slab_attributes(h, sn->text[SNAP_SLAB_ATTRIBUTES]))
		goto nomem;
	if (sn->text[SNAP_START_SLABINFO] &&
	    parse_slabinfo_caches(h, sn->text[SNAP_START_SLABINFO]))
		goto nomem;
	for (int k = SNAP_START_PAGEMAP; k <= SNAP_END_PAGEMAP; k++) {
		uint8_t **map = k == SNAP_START_PAGEMAP ? &h->start_map : &h->end_map;
		uint64_t *pfns = k == SNAP_START_PAGEMAP ? &h->start_map_pfns : &h->end_map_pfns;
		if (sn->text[k] && parse_pagemap(sn->text[k], sn->len[k], map, pfns)) {
			snprintf(err, errlen, "%s: %s snapshot is malformed", path,
				 snapshot_names[k]);
			host_desc_free(h);
			return -1;
		}
	}
	if (observe_parse_map_snapshots(h, h->start_map ? sn->text[SNAP_START_PAGEMAP_TIMES] : NULL,
					h->end_map ? sn->text[SNAP_END_PAGEMAP_TIMES] : NULL,
					h->end_map ? sn->text[SNAP_END_RECORDER_PFNS] : NULL)) {
		snprintf(err, errlen,
			 "%s: start/pagemap_times, end/pagemap_times or end/recorder_pfns is "
			 "malformed",
			 path);
		host_desc_free(h);
		return -1;
	}
	trace_gaps_addresses(sn->text[SNAP_OPTIONS], sn->raw_addresses, h->addresses,
			     sizeof(h->addresses));
	h->physical_addresses = !strcmp(h->addresses, "physical");
	h->fig.recorder_pages_traced = observe_recorder_pages_traced(sn->text[SNAP_OPTIONS]);
	if (find_holes(h) || host_warm_plan_build(h, NULL))
		goto nomem;
	return 0;
nomem:
	host_desc_free(h);
	snprintf(err, errlen, "%s: out of memory reading snapshots", path);
	return -1;
}

void host_snapshots_free(struct host_snapshots *sn)
{
	for (int k = 0; k < NR_HOST_SNAPSHOTS; k++)
		free(sn->text[k]);
	memset(sn, 0, sizeof(*sn));
}

int host_desc_load(struct trace_reader *r, const char *path, struct host_desc *h, char *err,
		   size_t errlen)
{
	struct host_snapshots sn = { .raw_addresses = trace_reader_header(r)->raw_addresses != 0 };
	for (int k = 0; k < NR_HOST_SNAPSHOTS; k++)
		if (host_meta_load(r, snapshot_names[k], &sn.text[k], &sn.len[k]) < 0) {
			snprintf(err, errlen, "%s", trace_reader_error(r));
			host_snapshots_free(&sn);
			return -1;
		}
	int rc = host_desc_parse(h, &sn, path, err, errlen);
	host_snapshots_free(&sn);
	const struct trace_summary *s = trace_reader_summary(r);
	h->trace_first_ts = s->first_ts; /* as the decoder puts events on replay's clock */
	h->trace_span_ns = (s->last_ts - s->first_ts) + 1000000;
	if (!rc && host_timeline_load(r, h, err, errlen)) {
		host_desc_free(h);
		return -1;
	}
	return rc;
}

void host_desc_free(struct host_desc *h)
{
	free(h->plan);
	free(h->holes);
	free(h->start_map);
	free(h->end_map);
	free(h->end_map_times);
	free(h->start_map_times);
	free(h->recorder_bits);
	host_timeline_free(h->timeline);
	free(h->caches);
	memset(h, 0, sizeof(*h));
}
