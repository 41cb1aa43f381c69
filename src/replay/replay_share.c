// SPDX-License-Identifier: GPL-2.0
/*
 * replay_share.c - variants that have not diverged, replayed as one model.
 *
 * The SPB presets differ only in the slab-shrink patch's four switches (model.h, enum
 * model_knob), and on most traces those switches never get to act: spb, spb+demand and
 * spb+demand+supply then execute the very same instructions. A group is a set of variants
 * whose specs are the same but for those switches (and their names); it runs one model with
 * its first member's spec. The model learns the members (struct model_share) and drops, at
 * each point where a switch decides what it does, the members that would act otherwise
 * (model_share.c). At the end of the round the members left take the model's result under
 * their own names and specs; those dropped are replayed again from the start of the trace in
 * the next round, as groups of their own (replay_engine.c), so a result is always a variant's
 * standalone run. Nothing of a dropped member is kept: only the leader's result slot is
 * written while the model runs.
 *
 * Invariants: a group's leader is never dropped (the model runs its params); groups hold at
 * most SHARE_MAX_MEMBERS variants. Observe variants never share (they apply the trace's pfns).
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>

/* The overridden bits of the knobs' parameters (replay_params.c's table, by name). */
static uint64_t knob_param_bits(void)
{
	static const char *const names[MODEL_NR_KNOBS] = {
		[MODEL_KNOB_TRIGGER_DEMAND] = "trigger_demand",
		[MODEL_KNOB_TRIGGER_SUPPLY] = "trigger_supply",
		[MODEL_KNOB_TRIGGER_PROACTIVE] = "trigger_proactive",
		[MODEL_KNOB_LAST_CHANCE_DEFRAG] = "last_chance_defrag",
	};
	uint64_t bits = 0;

	for (size_t i = 0; i < replay_param_count() && i < 64; i++)
		for (unsigned k = 0; k < MODEL_NR_KNOBS; k++)
			if (!strcmp(replay_param_name(i), names[k]))
				bits |= 1ull << i;
	return bits;
}

/*
 * Byte for byte with the names, the knobs and their overridden bits cleared: a field added to
 * the spec later counts as a difference without being listed here.
 */
bool share_compatible(const struct replay_variant_spec *a, const struct replay_variant_spec *b)
{
	struct replay_variant_spec x, y;
	uint64_t knobs = knob_param_bits();

	if (a->observe || b->observe || a->policy != b->policy ||
	    !model_params_shareable(&a->params, &b->params))
		return false;
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	memset(x.name, 0, sizeof(x.name));
	memset(y.name, 0, sizeof(y.name));
	memset(x.preset, 0, sizeof(x.preset));
	memset(y.preset, 0, sizeof(y.preset));
	memcpy(&x.params, &y.params, sizeof(x.params)); /* compared above */
	x.overridden &= ~knobs;
	y.overridden &= ~knobs;
	return !memcmp(&x, &y, sizeof(x));
}

static void group_add(struct share_group *g, const struct replay_variant_spec *specs, size_t i)
{
	unsigned j = g->n++;

	g->member[j] = i;
	g->share.members |= 1ull << j;
	for (unsigned k = 0; k < MODEL_NR_KNOBS; k++)
		if (model_knob_get(&specs[i].params, (enum model_knob)k))
			g->share.knob_set[k] |= 1ull << j;
}

/*
 * The knobs whose differing members are expected to leave a shared model on this trace, so
 * are planned apart from the start: a member that leaves is replayed again from the trace's
 * start, which on two cores costs more wall time than its own model from the start would.
 * The last-chance defrag kick (rmqueue_before_pass3) acts when a non-movable request falls
 * through to empty SPBs, that is when memory runs short; a host that reclaimed or compacted
 * directly during the trace (vmstat pgsteal_direct or compact_stall rose) ran short. On the
 * bundled pressure traces spb+all, the only preset with the kick, left at 55% and 79% of the
 * trace; on the quiet ones (no direct reclaim) it shares to the end or leaves in the start
 * state. A scheduling guess only: results are the same either way.
 */
uint64_t share_apart_knobs(const struct host_desc *h)
{
	const struct replay_host_figures *f = &h->fig;
	int64_t direct = 0;

	if (!f->have_vmstat)
		return 0;
	for (unsigned i = 0; i < REPLAY_VMSTAT_KEYS; i++)
		if (!strcmp(replay_vmstat_key(i), "pgsteal_direct") ||
		    !strcmp(replay_vmstat_key(i), "compact_stall"))
			direct += f->vmstat_delta[i] > 0 ? f->vmstat_delta[i] : 0;
	return direct ? 1ull << MODEL_KNOB_LAST_CHANCE_DEFRAG : 0;
}

/* Whether a and b have the same value of every knob in the mask apart. */
static bool same_apart_knobs(const struct replay_variant_spec *a,
			     const struct replay_variant_spec *b, uint64_t apart)
{
	for (unsigned k = 0; k < MODEL_NR_KNOBS; k++)
		if ((apart >> k & 1) && model_knob_get(&a->params, (enum model_knob)k) !=
						model_knob_get(&b->params, (enum model_knob)k))
			return false;
	return true;
}

size_t share_plan(const struct replay_variant_spec *specs, const size_t *idx, size_t n, bool share,
		  uint64_t apart, struct share_group *groups)
{
	size_t ng = 0;

	for (size_t a = 0; a < n; a++) {
		size_t i = idx[a], g = 0;
		if (share)
			for (; g < ng; g++)
				if (groups[g].n < SHARE_MAX_MEMBERS &&
				    share_compatible(&specs[groups[g].member[0]], &specs[i]) &&
				    same_apart_knobs(&specs[groups[g].member[0]], &specs[i], apart))
					break;
		if (!share || g == ng)
			memset(&groups[g = ng++], 0, sizeof(groups[0]));
		group_add(&groups[g], specs, i);
	}
	return ng;
}

static void *memdup(const void *p, size_t n)
{
	void *q = n ? malloc(n) : NULL;
	if (q)
		memcpy(q, p, n);
	return q;
}

int share_deal_results(struct replay_result *res, const struct share_group *g, uint64_t left,
		       const int64_t *absorbed, unsigned round, const struct host_desc *h,
		       size_t *split, size_t *nsplit)
{
	struct replay_variant_result *lead = &res->variants[g->member[0]];
	unsigned k = (unsigned)__builtin_popcountll(left);

	lead->shared_by = k;
	lead->round = round;
	lead->seconds /= k ? k : 1;
	lead->user_seconds /= k ? k : 1;
	lead->sys_seconds /= k ? k : 1;
	lead->minflt /= k ? k : 1;
	for (unsigned j = 1; j < g->n; j++) {
		struct replay_variant_result *v = &res->variants[g->member[j]];
		if (!((left >> j) & 1)) {
			split[(*nsplit)++] = g->member[j];
			continue;
		}
		struct replay_variant_spec spec = v->spec;
		*v = *lead;
		v->spec = spec;
		variant_spec_for_host(&v->spec, h);
		v->samples = memdup(lead->samples, lead->nr_samples * sizeof(*lead->samples));
		v->regions = memdup(lead->regions, lead->nr_regions * sizeof(*lead->regions));
		v->timeline = memdup(lead->timeline, lead->nr_timeline * sizeof(*lead->timeline));
		if ((lead->nr_samples && !v->samples) || (lead->nr_regions && !v->regions) ||
		    (lead->nr_timeline && !v->timeline))
			return -1;
		/* its own count of absorbed defrag requests (model_share_absorbed) */
		for (size_t s = 0; absorbed && s < v->nr_samples; s++)
			v->samples[s].stats.events[MODEL_EV_SPB_DEFRAG_ABSORBED] +=
				(uint64_t)absorbed[s * g->n + j];
		if (absorbed && v->nr_samples)
			v->final.events[MODEL_EV_SPB_DEFRAG_ABSORBED] +=
				(uint64_t)absorbed[(v->nr_samples - 1) * g->n + j];
	}
	return 0;
}
