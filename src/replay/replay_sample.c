// SPDX-License-Identifier: GPL-2.0
/*
 * replay_sample.c - a variant's time series and its final state: every sample period the model's
 * statistics (model_stats) and the slab model's, the running maximum and minimum of the tainted
 * count, the invariant checkers when tests ask; at the end the last sample, the final counters
 * and the map of 1 GiB regions with their SPB counters.
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>

/* The next sample due: the regular one, or a host zone sample before it. */
static void next_sample(struct variant_state *v)
{
	uint64_t host = variant_timeline_next(v);
	v->next_sample_ns = host < v->regular_sample_ns ? host : v->regular_sample_ns;
}

void variant_sample(struct variant_state *v, uint64_t t_ns)
{
	struct replay_variant_result *r = v->res;

	/* the host's zone samples due now (replay_timeline.c); only they, before the next
	 * regular sample: the series stays that of the sample period */
	if (variant_timeline_next(v) <= t_ns) {
		variant_timeline_record(v, t_ns);
		if (t_ns < v->regular_sample_ns) {
			next_sample(v);
			return;
		}
	}
	if (r->nr_samples == v->samples_cap) {
		size_t cap = v->samples_cap ? v->samples_cap * 2 : 256;
		struct replay_sample *s = realloc(r->samples, cap * sizeof(*s));
		if (s)
			r->samples = s;
		int64_t *a = s && v->share_n > 1
				     ? realloc(v->share_absorbed, cap * v->share_n * sizeof(*a))
				     : NULL;
		if (a)
			v->share_absorbed = a;
		if (!s || (v->share_n > 1 && !a)) {
			v->regular_sample_ns = t_ns + v->opts->sample_ns; /* drop it, keep going */
			next_sample(v);
			return;
		}
		v->samples_cap = cap;
	}
	/* a shared model's members' own SPB_DEFRAG_ABSORBED at this sample (replay_share.c) */
	for (unsigned j = 0; v->share_n > 1 && j < v->share_n; j++)
		v->share_absorbed[r->nr_samples * v->share_n + j] =
			model_share_absorbed(v->model, j);
	struct replay_sample *s = &r->samples[r->nr_samples++];
	memset(s, 0, sizeof(*s));
	s->t_ns = t_ns;
	s->pass = v->pass;
	model_stats(v->model, &s->stats);
	if (v->slab) {
		struct slab_stats st;
		slab_model_stats(v->slab, &st);
		s->slab_pages = st.slab_pages;
		s->slab_objects = st.objects;
	}
	if (s->stats.tainted_regions > r->max_tainted)
		r->max_tainted = s->stats.tainted_regions;
	if (r->nr_samples == 1 || s->stats.tainted_regions < r->min_tainted)
		r->min_tainted = s->stats.tainted_regions;
	if (v->opts->check_model && !v->check_failure) {
		v->check_failure = model_check(v->model, v->check_buf, sizeof(v->check_buf));
		if (!v->check_failure && v->slab)
			v->check_failure =
				slab_model_check(v->slab, v->check_buf, sizeof(v->check_buf));
	}
	v->regular_sample_ns = t_ns + v->opts->sample_ns;
	next_sample(v);
}

/* The last sample, final statistics and the SPB map. */
void variant_finish(struct variant_state *v, uint64_t t_ns)
{
	struct replay_variant_result *r = v->res;

	model_advance(v->model, t_ns);
	v->regular_sample_ns = 0; /* the last sample is a regular one */
	variant_sample(v, t_ns);
	variant_timeline_finish(v);
	r->final = r->samples[r->nr_samples - 1].stats;
	if (v->slab)
		slab_model_stats(v->slab, &r->slab);
	r->loss.unknown_slab_frees = r->slab.unknown_frees;
	r->loss.frees_after_reclaim = r->slab.frees_after_reclaim;
	r->model_bytes = model_memory_bytes(v->model);
	for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
		r->pcp_pages[mt] = variant_pcp_pages(v, mt);
	size_t max =
		r->final.tainted_regions + r->final.clean_regions + r->final.empty_regions + 64;
	struct model_region *mr = malloc(max * sizeof(*mr));
	r->regions = calloc(max, sizeof(*r->regions));
	if (!mr || !r->regions) {
		free(mr);
		return;
	}
	size_t n = model_regions(v->model, mr, max);
	for (size_t i = 0; i < n; i++)
		r->regions[i].region = mr[i];
	r->nr_regions = n;
	/* SPB counters, summed per region (an SPB cut by a zone edge is two partial ones) */
	for (unsigned z = 0; z < model_nr_zones(v->model); z++)
		for (unsigned s = 0; s < model_zone_nr_spbs(v->model, z); s++) {
			struct model_spb_info info;
			if (model_spb_info(v->model, z, s, &info))
				continue;
			uint64_t start = info.start_pfn & ~(uint64_t)(SUPERPAGEBLOCK_NR_PAGES - 1);
			for (size_t i = 0; i < n; i++) {
				struct replay_region *rg = &r->regions[i];
				if (rg->region.start_pfn != start)
					continue;
				rg->has_spb = true;
				rg->nr_free += info.nr_free;
				rg->nr_unmovable += info.nr_unmovable;
				rg->nr_reclaimable += info.nr_reclaimable;
				rg->nr_movable += info.nr_movable;
			}
		}
	free(mr);
}
