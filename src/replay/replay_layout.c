// SPDX-License-Identifier: GPL-2.0
/*
 * replay_layout.c - the host's memory layout when the trace has none of its own (a capture
 * made by trace-cmd or perf without `fragtrace snapshot`), or when the user replaces it:
 * `replay --layout FILE` (a saved /proc/zoneinfo) or `replay --mem SIZE[,NODES]`.
 *
 * --mem builds the zones an x86_64 host of that size has: ZONE_DMA from pfn 1 to 16 MiB,
 * ZONE_DMA32 from 16 MiB to 4 GiB with the PCI hole from 3 GiB up (so at most 3 GiB of it is
 * memory), ZONE_NORMAL from 4 GiB for the rest. NODES > 1 splits the memory evenly (in 128 MiB
 * sections) across nodes in pfn order, node 0 holding DMA and DMA32. Watermarks are the
 * kernel's defaults: min_free_kbytes = sqrt(16 x KiB of memory), raised to what THP asks for
 * (11 pageblocks per populated zone), at most 5% of memory, split over zones by size; low =
 * min + max(min / 4, 0.1% of the zone). --layout reads a zoneinfo as the trace's own: a zone
 * whose spanned pages exceed its present pages gets the difference, in whole pageblocks, as a
 * hole at its top (where x86_64 puts the PCI hole in DMA32).
 *
 * Either way the layout is supplied, not captured: the start is cold (there is no page map of
 * that host), the trace's snapshots other than the slab caches' attributes and capture/options
 * are ignored, and every page event's pfns must lie in a zone outside the holes. The first that
 * does not is an error naming it (the layout is never grown to fit: a layout the trace does not
 * fit is the wrong layout, and a grown one would hide that).
 */
#include "replay_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB_PAGES    (256ull)	      /* 4 KiB pages per MiB */
#define DMA_END	     (16 * MIB_PAGES) /* pfn 4096 */
#define DMA32_MEMEND (3072 * MIB_PAGES)
#define DMA32_END    (4096 * MIB_PAGES)
#define SECTION	     (128 * MIB_PAGES)

struct zone_text {
	int nid;
	const char *name;
	uint64_t start, spanned, present;
};

/* The pfn of memory page k (from 0) of an x86_64 host: the PCI hole skipped. */
static uint64_t mem_pfn(uint64_t k)
{
	return k < DMA32_MEMEND ? k : k + (DMA32_END - DMA32_MEMEND);
}

/*
 * The zones of an x86_64 host with pages of memory on nodes nodes (each node a contiguous run
 * of memory, in 128 MiB sections; the last node takes the remainder; pfn 0 is memory no zone
 * holds, as on real hosts). A DMA32 zone reaching
 * the PCI hole spans it (spanned > present), as on real hosts.
 */
static unsigned mem_zones(uint64_t pages, unsigned nodes, struct zone_text *z, unsigned max)
{
	static const struct {
		const char *name;
		uint64_t lo, hi;
	} types[] = { { "DMA", 1, DMA_END },
		      { "DMA32", DMA_END, DMA32_END },
		      { "Normal", DMA32_END, UINT64_MAX } };
	uint64_t per_node = pages / nodes / SECTION * SECTION;
	unsigned n = 0;

	for (unsigned nid = 0; nid < nodes; nid++) {
		uint64_t k0 = nid * per_node, k1 = nid == nodes - 1 ? pages : k0 + per_node;
		if (k1 <= k0)
			continue;
		uint64_t lo = mem_pfn(k0), hi = mem_pfn(k1 - 1) + 1;
		for (unsigned t = 0; t < 3 && n < max; t++) {
			uint64_t s = lo > types[t].lo ? lo : types[t].lo;
			uint64_t e = hi < types[t].hi ? hi : types[t].hi;
			if (s >= e)
				continue;
			uint64_t present = e - s;
			if (t == 1 && e > DMA32_MEMEND) /* the hole inside DMA32 */
				present = DMA32_MEMEND > s ? DMA32_MEMEND - s : 0;
			if (present)
				z[n++] = (struct zone_text){ (int)nid, types[t].name, s, e - s,
							     present };
		}
	}
	return n;
}

/* The zoneinfo text of those zones, watermarks the kernel's defaults. */
static char *mem_zoneinfo(uint64_t bytes, unsigned nodes)
{
	struct zone_text z[MODEL_MAX_ZONES];
	unsigned n = mem_zones(bytes / 4096, nodes, z, MODEL_MAX_ZONES);
	uint64_t present = 0;
	for (unsigned i = 0; i < n; i++)
		present += z[i].present;
	uint64_t min_kb = (uint64_t)sqrt((double)present * 4 * 16);
	uint64_t thp_kb = (uint64_t)PAGEBLOCK_NR_PAGES * 11 * n * 4;
	if (thp_kb > min_kb)
		min_kb = thp_kb;
	if (min_kb > present * 4 / 20)
		min_kb = present * 4 / 20;
	size_t cap = 256 * (size_t)n + 1, len = 0;
	char *text = malloc(cap);
	if (!text)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		uint64_t min = min_kb / 4 * z[i].present / present;
		uint64_t low =
			min + (min / 4 > z[i].present / 1000 ? min / 4 : z[i].present / 1000);
		len += (size_t)snprintf(
			text + len, cap - len,
			"Node %d, zone %8s\n  pages free     0\n        min      %llu\n"
			"        low      %llu\n        spanned  %llu\n"
			"        present  %llu\n  start_pfn:           %llu\n",
			z[i].nid, z[i].name, (unsigned long long)min, (unsigned long long)low,
			(unsigned long long)z[i].spanned, (unsigned long long)z[i].present,
			(unsigned long long)z[i].start);
	}
	return text;
}

static char *read_text(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	size_t cap = 65536, len = 0, n;
	char *text = f ? malloc(cap) : NULL;
	if (!f || !text) {
		snprintf(err, errlen, "--layout %s: %s", path, f ? "out of memory" : "cannot open");
		free(text);
		if (f)
			fclose(f);
		return NULL;
	}
	while ((n = fread(text + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			if (cap >= (64u << 20))
				break;
			char *nt = realloc(text, cap * 2);
			if (!nt)
				break;
			text = nt;
			cap *= 2;
		}
	}
	text[len] = 0;
	if (ferror(f) || len + 1 == cap || memchr(text, 0, len)) {
		snprintf(err, errlen, "--layout %s: %s", path,
			 ferror(f) ? "read error" : "not a zoneinfo text file");
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/* A hole at the top of each zone with fewer present than spanned pages (whole pageblocks). */
static int zone_holes(struct host_desc *h, const char *zoneinfo)
{
	struct model_config *c = &h->config;
	const char *p = zoneinfo;
	unsigned z = 0;
	free(h->holes);
	h->holes = calloc(MODEL_MAX_ZONES, sizeof(*h->holes));
	c->nr_holes = 0;
	c->holes = h->holes;
	if (!h->holes)
		return -1;
	/* parse_zoneinfo kept zones in file order, skipping empty ones: walk the same way */
	while ((p = strstr(p, "spanned")) && z < c->nr_zones) {
		unsigned long long spanned, present;
		const char *q = strstr(p, "present");
		if (!q || sscanf(p, "spanned %llu", &spanned) != 1 ||
		    sscanf(q, "present %llu", &present) != 1)
			break;
		p = q;
		if (!spanned || !present)
			continue;
		const struct model_zone_config *zc = &c->zones[z++];
		uint64_t missing = spanned > present ? (spanned - present) / PAGEBLOCK_NR_PAGES *
							       PAGEBLOCK_NR_PAGES
						     : 0;
		if (missing && zc->spanned_pages == spanned)
			h->holes[c->nr_holes++] =
				(struct model_hole){ .start_pfn = zc->start_pfn + spanned - missing,
						     .nr_pages = missing };
	}
	return 0;
}

/* The first page of [pfn, pfn + pages) outside every zone or inside a hole, or UINT64_MAX. */
static uint64_t outside(const struct host_desc *h, uint64_t pfn, uint64_t pages)
{
	const struct model_config *c = &h->config;
	for (uint64_t p = pfn; p < pfn + pages; p++) {
		bool in = false;
		for (unsigned z = 0; z < c->nr_zones && !in; z++)
			in = p >= c->zones[z].start_pfn &&
			     p < c->zones[z].start_pfn + c->zones[z].spanned_pages;
		for (unsigned i = 0; i < c->nr_holes && in; i++)
			in = !(p >= c->holes[i].start_pfn &&
			       p < c->holes[i].start_pfn + c->holes[i].nr_pages);
		if (!in)
			return p;
		if (pages > 1 && p == pfn)   /* a block: its ends decide (zones and holes are */
			p = pfn + pages - 2; /* pageblock-aligned, blocks at most one) */
	}
	return UINT64_MAX;
}

/* Every page event's pfns against the layout; the trace's position is rewound after. */
static int check_pfns(struct trace_reader *r, const struct host_desc *h, const char *path,
		      const char *what, char *err, size_t errlen)
{
	const struct trace_event *ev;
	uint64_t index = 0;
	int n;
	while ((n = trace_reader_next_batch(r, &ev)) > 0) {
		for (int i = 0; i < n; i++, index++) {
			uint64_t pfn, pages;
			if (ev[i].type >= TRACE_PAGE_ALLOC && ev[i].type <= TRACE_PAGE_PCPU_DRAIN) {
				pfn = ev[i].page.pfn;
				pages = ev[i].page.order <= MAX_PAGE_ORDER
						? 1ull << ev[i].page.order
						: 1;
			} else if (ev[i].type == TRACE_PAGE_ALLOC_EXTFRAG) {
				pfn = ev[i].extfrag.pfn;
				pages = 1;
			} else {
				continue;
			}
			if (pfn == UINT64_MAX)
				continue; /* a failed allocation */
			uint64_t bad = outside(h, pfn, pages);
			if (bad != UINT64_MAX) {
				snprintf(
					err, errlen,
					"%s: event %llu (%s) names pfn %llu (0x%llx), outside the "
					"memory of %s: give the traced host's layout (--layout its "
					"/proc/zoneinfo, or a bigger --mem)",
					path, (unsigned long long)index,
					trace_type_name(ev[i].type), (unsigned long long)bad,
					(unsigned long long)bad, what);
				return -1;
			}
		}
	}
	if (n < 0 || trace_reader_seek(r, 0) < 0) {
		snprintf(err, errlen, "%s", trace_reader_error(r));
		return -1;
	}
	return 0;
}

int host_layout_parse(struct host_desc *h, struct host_snapshots *sn, const char *zoneinfo,
		      const char *what, char *err, size_t errlen)
{
	free(sn->text[SNAP_ZONEINFO]);
	sn->text[SNAP_ZONEINFO] = strdup(zoneinfo); /* host_desc_parse cuts it up */
	sn->len[SNAP_ZONEINFO] = strlen(zoneinfo);
	if (!sn->text[SNAP_ZONEINFO]) {
		snprintf(err, errlen, "%s: out of memory", what);
		return -1;
	}
	if (host_desc_parse(h, sn, what, err, errlen)) {
		snprintf(
			err, errlen,
			"%s: no zone in it (a /proc/zoneinfo has \"Node N, zone NAME\" blocks with "
			"spanned, present and start_pfn)",
			what);
		return -1;
	}
	if (zone_holes(h, zoneinfo)) {
		snprintf(err, errlen, "%s: out of memory", what);
		host_desc_free(h);
		return -1;
	}
	return 0;
}

void replay_layout_describe(const struct replay_options *o, char *buf, size_t len)
{
	if (o->layout)
		snprintf(buf, len, "supplied: --layout %s", o->layout);
	else if (o->mem_bytes)
		snprintf(buf, len, "supplied: --mem %.6gG,%u", (double)o->mem_bytes / (1u << 30),
			 o->mem_nodes ? o->mem_nodes : 1);
	else
		snprintf(buf, len, "captured");
}

int host_layout_load(struct trace_reader *r, const char *path, const struct replay_options *o,
		     struct host_desc *h, char *err, size_t errlen)
{
	struct host_snapshots sn = { .raw_addresses = trace_reader_header(r)->raw_addresses != 0 };
	char what[320];
	int rc = -1;

	replay_layout_describe(o, what, sizeof(what));
	char *zoneinfo = o->layout ? read_text(o->layout, err, errlen)
				   : mem_zoneinfo(o->mem_bytes, o->mem_nodes ? o->mem_nodes : 1);
	if (!zoneinfo) {
		if (!o->layout)
			snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (host_meta_load(r, "start/slab_attributes", &sn.text[SNAP_SLAB_ATTRIBUTES],
			   &sn.len[SNAP_SLAB_ATTRIBUTES]) < 0 ||
	    host_meta_load(r, "capture/options", &sn.text[SNAP_OPTIONS], &sn.len[SNAP_OPTIONS]) <
		    0) {
		snprintf(err, errlen, "%s: %s", path, trace_reader_error(r));
		goto out;
	}
	if (host_layout_parse(h, &sn, zoneinfo, what + 10, err, errlen))
		goto out;
	if (check_pfns(r, h, path, what + 10, err, errlen)) {
		host_desc_free(h);
		goto out;
	}
	rc = 0;
out:
	free(zoneinfo);
	host_snapshots_free(&sn);
	return rc;
}
