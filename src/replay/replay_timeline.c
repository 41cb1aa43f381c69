// SPDX-License-Identifier: GPL-2.0
/*
 * replay_timeline.c - the host's zone samples (capture/zone_samples.<part>, written by the
 * recorder every sample interval: each zone's NR_FREE_PAGES and each CPU's pageset count) and
 * each variant's state at the same instants, so check measures the drift of the model's free
 * memory from the host's over time instead of inferring it from the end snapshot alone.
 *
 * Loading: the parts in order, each zone named by node and zone name and mapped onto the
 * model zone of that node and type (a zone the model lacks is kept, with no model value). A
 * sample's time is the middle of its read of /proc/zoneinfo, on the trace clock; replay puts it
 * on its own clock and records it before the first event at or after it (the end map's
 * comparison, replay_observe.c, waits for the first event strictly after its time). Recording: variant_sample() (replay_sample.c) runs at every sample time due,
 * in the last pass only, and takes each zone's buddy free pages (model_zone_nr_free_pages) and
 * the pages on its per-CPU lists. Invariant: points are in sample order; a sample after the
 * last event is not compared (counted in the trace's timeline info).
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>

struct host_timeline {
	size_t n, cap;
	unsigned nzones;
	uint64_t *t;		    /* [n]: the middle of each read, trace clock ns */
	int64_t *free, *pcp, *high; /* [n * REPLAY_TIMELINE_ZONES]; high: the CPUs' pcp->high */
	struct replay_timeline_zone zone[REPLAY_TIMELINE_ZONES];
	int model_zone[REPLAY_TIMELINE_ZONES]; /* -1: the model has no such zone */
	uint64_t malformed;		       /* sample lines that did not parse */
};

static int timeline_zone(struct host_timeline *tl, int nid, const char *name, uint64_t managed)
{
	for (unsigned i = 0; i < tl->nzones; i++)
		if (tl->zone[i].nid == nid && !strcmp(tl->zone[i].name, name))
			return (int)i;
	if (tl->nzones == REPLAY_TIMELINE_ZONES)
		return -1;
	struct replay_timeline_zone *z = &tl->zone[tl->nzones];
	z->nid = nid;
	snprintf(z->name, sizeof(z->name), "%s", name);
	z->managed = managed;
	return (int)tl->nzones++;
}

static int timeline_grow(struct host_timeline *tl)
{
	size_t cap = tl->cap ? tl->cap * 2 : 256;
	uint64_t *t = realloc(tl->t, cap * sizeof(*t));
	if (t)
		tl->t = t;
	int64_t *f = t ? realloc(tl->free, cap * REPLAY_TIMELINE_ZONES * sizeof(*f)) : NULL;
	if (f)
		tl->free = f;
	int64_t *p = f ? realloc(tl->pcp, cap * REPLAY_TIMELINE_ZONES * sizeof(*p)) : NULL;
	if (p)
		tl->pcp = p;
	int64_t *h = p ? realloc(tl->high, cap * REPLAY_TIMELINE_ZONES * sizeof(*h)) : NULL;
	if (!h)
		return -1;
	tl->high = h;
	tl->cap = cap;
	return 0;
}

/* A zone's free pages in a sample: more than 2^40 pages (4 PiB) is not a host's. */
#define SAMPLE_VALUE_MAX (1ll << 40)

/*
 * One sample line of a part whose zones are local[] with cpus[] CPUs each: every field on the
 * line itself (strtoll would skip the newline into the next), counts and highs within 0..INT32_MAX.
 */
static int parse_sample(struct host_timeline *tl, const char *l, const int *local,
			const unsigned *cpus, unsigned nz)
{
	const char *eol = strchr(l, '\n');
	char *end;
	if (!eol)
		eol = l + strlen(l);
	unsigned long long a = strtoull(l, &end, 10), b = strtoull(end, &end, 10);
	if (end > eol || b < a || !a)
		return -1;
	if (tl->n == tl->cap && timeline_grow(tl))
		return -2;
	int64_t *f = &tl->free[tl->n * REPLAY_TIMELINE_ZONES];
	int64_t *p = &tl->pcp[tl->n * REPLAY_TIMELINE_ZONES];
	int64_t *hi = &tl->high[tl->n * REPLAY_TIMELINE_ZONES];
	for (unsigned i = 0; i < REPLAY_TIMELINE_ZONES; i++)
		f[i] = p[i] = hi[i] = -1;
	for (unsigned i = 0; i < nz; i++) {
		const char *s = end;
		long long free = strtoll(s, &end, 10), sum = 0, high = 0;
		if (end == s || end > eol || free < 0 || free > SAMPLE_VALUE_MAX)
			return -1;
		for (unsigned c = 0; c < 2 * cpus[i]; c++) {
			s = end;
			long long v = strtoll(s, &end, 10);
			if (end == s || end > eol || v < 0 || v > INT32_MAX)
				return -1; /* a field missing (not taken from the next line), or out of range */
			if (!(c & 1))
				sum += v; /* count, then high */
			else
				high += v;
		}
		if (local[i] >= 0) {
			f[local[i]] = free;
			p[local[i]] = sum;
			hi[local[i]] = high;
		}
	}
	while (end < eol && (*end == ' ' || *end == '\t'))
		end++;
	if (end != eol)
		return -1; /* more fields than the part's layout has */
	uint64_t mid = a + (b - a) / 2;
	if (tl->n && mid < tl->t[tl->n - 1])
		return -1; /* samples only go forward */
	tl->t[tl->n++] = mid;
	return 0;
}

/* One part: "fragtrace-zone-samples 1 ...", its zone lines, its sample lines. */
static int parse_part(struct host_timeline *tl, const char *text)
{
	int local[REPLAY_TIMELINE_ZONES];
	unsigned cpus[REPLAY_TIMELINE_ZONES], nz = 0, zones;
	const char *l = strchr(text, '\n');

	const char *zones_at = strstr(text, "zones=");
	if (!l || strncmp(text, "fragtrace-zone-samples 1 ", 25) || !zones_at || zones_at > l ||
	    sscanf(zones_at, "zones=%u", &zones) != 1 || zones > REPLAY_TIMELINE_ZONES)
		return -1; /* zones= must be on the header line */
	for (l++; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "") {
		unsigned idx, nc;
		int nid, thr;
		char name[16]; /* replay_timeline_zone.name: a longer name is malformed */
		unsigned long long managed;
		if (!strncmp(l, "zone ", 5)) {
			if (sscanf(l, "zone %u %d %15s managed=%llu threshold=%d cpus=%u", &idx,
				   &nid, name, &managed, &thr, &nc) != 6 ||
			    idx != nz || nz == zones || nc > 65536)
				return -1;
			local[nz] = timeline_zone(tl, nid, name, managed);
			if (local[nz] >= 0 && thr > tl->zone[local[nz]].threshold)
				tl->zone[local[nz]].threshold = thr;
			cpus[nz++] = nc;
			continue;
		}
		if (nz != zones)
			return -1;
		int rc = parse_sample(tl, l, local, cpus, nz);
		if (rc == -2)
			return -2;
		if (rc)
			tl->malformed++;
	}
	return 0;
}

int host_timeline_add_part(struct host_desc *h, const char *text)
{
	if (!h->timeline && !(h->timeline = calloc(1, sizeof(*h->timeline))))
		return -2;
	return parse_part(h->timeline, text);
}

void host_timeline_finish(struct host_desc *h)
{
	struct host_timeline *tl = h->timeline;

	if (tl && !tl->n) {
		host_timeline_free(tl);
		h->timeline = NULL;
		return;
	}
	for (unsigned i = 0; tl && i < tl->nzones; i++) {
		int type = host_zone_type(tl->zone[i].name);
		tl->model_zone[i] = -1;
		for (unsigned z = 0; type >= 0 && z < h->config.nr_zones; z++)
			if (h->config.zones[z].nid == tl->zone[i].nid &&
			    (int)h->config.zones[z].type == type)
				tl->model_zone[i] = (int)z;
	}
}

int host_timeline_load(struct trace_reader *r, struct host_desc *h, char *err, size_t errlen)
{
	char name[64], *text = NULL;
	size_t len;

	for (unsigned part = 0; part < 1000000; part++) {
		snprintf(name, sizeof(name), "capture/zone_samples.%u", part);
		int got = host_meta_load(r, name, &text, &len);
		if (got < 0) {
			snprintf(err, errlen, "%s", trace_reader_error(r));
			return -1;
		}
		if (!got)
			break;
		int rc = host_timeline_add_part(h, text);
		free(text);
		if (rc == -2) {
			snprintf(err, errlen, "out of memory reading zone samples");
			return -1;
		}
		if (rc) {
			snprintf(err, errlen, "capture/zone_samples.%u is malformed", part);
			return -1;
		}
	}
	host_timeline_finish(h);
	return 0;
}

void host_timeline_free(struct host_timeline *tl)
{
	if (!tl)
		return;
	free(tl->t);
	free(tl->free);
	free(tl->pcp);
	free(tl->high);
	free(tl);
}

void host_timeline_info(const struct host_desc *h, struct replay_timeline_info *info)
{
	const struct host_timeline *tl = h->timeline;

	memset(info, 0, sizeof(*info));
	if (!tl)
		return;
	info->samples = tl->n;
	info->malformed = tl->malformed;
	info->nzones = tl->nzones;
	for (unsigned i = 0; i < tl->nzones; i++) {
		info->zone[i] = tl->zone[i];
		info->zone[i].in_model = tl->model_zone[i] >= 0;
	}
	if (tl->n) {
		info->first_ns = tl->t[0] > h->trace_first_ts ? tl->t[0] - h->trace_first_ts : 0;
		info->last_ns = tl->t[tl->n - 1] > h->trace_first_ts
					? tl->t[tl->n - 1] - h->trace_first_ts
					: 0;
	}
}

/* The replay-clock time of host sample i in this pass (as observe_compare_due's). */
static uint64_t sample_time(const struct variant_state *v, size_t i)
{
	return host_replay_time(v->host, v->pass, v->host->timeline->t[i]);
}

uint64_t variant_timeline_next(const struct variant_state *v)
{
	const struct host_desc *h = v->host;
	if (!h || !h->timeline || v->timeline_next >= h->timeline->n ||
	    v->pass + 1 < v->opts->loops)
		return UINT64_MAX;
	return sample_time(v, v->timeline_next);
}

/* Pages on the variant's per-CPU lists, per model zone, and under the kernel's rules their
 * pcp->high summed over the CPUs. */
static void pcp_pages_by_zone(struct variant_state *v, uint64_t *pages, uint64_t *high)
{
	unsigned nr_sets = v->pcps ? v->nr_pcp_sets : v->nr_cpus, order;

	if (v->pcps) {
		for (unsigned s = 0; s < nr_sets; s++) {
			unsigned z = v->pcps[s].zone;
			if (z >= MODEL_MAX_ZONES)
				continue;
			if (v->pcps[s].count > 0)
				pages[z] += (uint64_t)v->pcps[s].count;
			if (v->pcps[s].high > 0)
				high[z] += (uint64_t)v->pcps[s].high;
		}
		return;
	}
	/* the trace's refills drive the lists (pcp_trace): each block's zone and order */
	for (size_t i = 0; v->pcp && i < (size_t)nr_sets * PCP_LISTS; i++) {
		const struct pcp_list *l = &v->pcp[i];
		for (uint32_t k = 0; k < l->count; k++) {
			uint64_t pfn = l->pfns[(l->head + k) & (l->cap - 1)];
			unsigned z = model_pfn_zone(v->model, pfn);
			if (z < MODEL_MAX_ZONES && model_page_allocated(v->model, pfn, &order) == 1)
				pages[z] += 1ull << order;
		}
	}
}

void variant_timeline_record(struct variant_state *v, uint64_t t_ns)
{
	const struct host_timeline *tl = v->host->timeline;
	struct replay_variant_result *r = v->res;
	uint64_t pcp[MODEL_MAX_ZONES] = { 0 }, high[MODEL_MAX_ZONES] = { 0 };
	bool have_pcp_sums = false;
	/* observe and pcp=0 keep none: no per-CPU figure */
	bool lists = v->pcp && r->spec.pcp && !r->spec.observe;

	while (v->timeline_next < tl->n && sample_time(v, v->timeline_next) <= t_ns) {
		size_t i = v->timeline_next++;
		if (lists && !have_pcp_sums)
			pcp_pages_by_zone(v, pcp, high);
		have_pcp_sums = true;
		for (unsigned zi = 0; zi < tl->nzones; zi++) {
			int64_t hf = tl->free[i * REPLAY_TIMELINE_ZONES + zi];
			int mz = tl->model_zone[zi];
			if (hf < 0 || mz < 0)
				continue;
			if (r->nr_timeline == v->timeline_cap) {
				size_t cap = v->timeline_cap ? v->timeline_cap * 2 : 1024;
				struct replay_timeline_point *p =
					realloc(r->timeline, cap * sizeof(*p));
				if (!p) {
					r->timeline_dropped++;
					continue;
				}
				r->timeline = p;
				v->timeline_cap = cap;
			}
			struct replay_timeline_point *p = &r->timeline[r->nr_timeline++];
			p->t_ns = tl->t[i] > v->host->trace_first_ts
					  ? tl->t[i] - v->host->trace_first_ts
					  : 0;
			p->zone = zi;
			p->host_free = hf;
			p->host_pcp = tl->pcp[i * REPLAY_TIMELINE_ZONES + zi];
			p->model_free = (int64_t)model_zone_nr_free_pages(v->model, (unsigned)mz);
			p->model_pcp = lists ? (int64_t)pcp[mz] : -1;
			p->host_pcp_high = tl->high[i * REPLAY_TIMELINE_ZONES + zi];
			p->model_pcp_high = lists && v->pcps ? (int64_t)high[mz] : -1;
		}
	}
}

/* Samples the trace's events did not reach: compared with nothing (counted). */
void variant_timeline_finish(struct variant_state *v)
{
	const struct host_desc *h = v->host;
	if (!h || !h->timeline || v->pass + 1 < v->opts->loops)
		return;
	v->res->timeline_after_end = h->timeline->n - v->timeline_next;
	v->timeline_next = h->timeline->n;
}
