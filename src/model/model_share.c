// SPDX-License-Identifier: GPL-2.0
/*
 * model_share.c - one model for several variants that have not diverged (model.h, struct
 * model_share). Not a kernel concept: replay's way to run variants that differ only in the
 * slab-shrink patch's four switches (trigger_demand, trigger_supply, trigger_proactive,
 * last_chance_defrag) as one model while no switch has made them act differently.
 *
 * The model runs with one member's params. Every other param is the same for all members, and
 * the model is deterministic, so a member whose knobs equal the model's at every point where a
 * knob is read (the five sites, share_knob_decides() in model_internal.h) runs exactly as this
 * model does. Each site removes the members that would act otherwise there; the model's own
 * params always stay. One outcome changes nothing but a counter: the last-chance kick on SPBs
 * whose defrag work is queued or running counts SPB_DEFRAG_ABSORBED and does nothing else, so
 * there the members that differ stay and the count is kept apart per member (share_absorbed).
 * A request that kept such a count is not memoized (model_page_alloc.c's failed-request memo
 * would replay the model's counters, not the members'), nor is a slowpath retry that kept one
 * multiplied by skip_identical_retries() (run again instead); neither changes a result.
 * Invariant: share_members is the set of members whose standalone run this model is, so far,
 * with SPB_DEFRAG_ABSORBED plus share_absorbed[member]. Expected workload: the sites are on
 * the slowpath and the fallback paths; each costs one AND, and the proactive and last-chance
 * sites a walk of the tainted SPBs when some member differs.
 */
#include "model_internal.h"

#include <stdlib.h>
#include <string.h>

bool model_knob_get(const struct model_params *p, enum model_knob k)
{
	switch (k) {
	case MODEL_KNOB_TRIGGER_DEMAND:
		return p->trigger_demand;
	case MODEL_KNOB_TRIGGER_SUPPLY:
		return p->trigger_supply;
	case MODEL_KNOB_TRIGGER_PROACTIVE:
		return p->trigger_proactive;
	case MODEL_KNOB_LAST_CHANCE_DEFRAG:
		return p->last_chance_defrag;
	default:
		return false;
	}
}

void model_knob_set(struct model_params *p, enum model_knob k, bool on)
{
	switch (k) {
	case MODEL_KNOB_TRIGGER_DEMAND:
		p->trigger_demand = on;
		break;
	case MODEL_KNOB_TRIGGER_SUPPLY:
		p->trigger_supply = on;
		break;
	case MODEL_KNOB_TRIGGER_PROACTIVE:
		p->trigger_proactive = on;
		break;
	case MODEL_KNOB_LAST_CHANCE_DEFRAG:
		p->last_chance_defrag = on;
		break;
	default:
		break;
	}
}

/*
 * Byte for byte with the knobs cleared: a param added to struct model_params later counts as a
 * difference without being listed here (padding that differs only shares less).
 */
bool model_params_shareable(const struct model_params *a, const struct model_params *b)
{
	struct model_params x, y;

	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	for (unsigned k = 0; k < MODEL_NR_KNOBS; k++) {
		model_knob_set(&x, (enum model_knob)k, false);
		model_knob_set(&y, (enum model_knob)k, false);
	}
	return !memcmp(&x, &y, sizeof(x));
}

int model_set_share(struct model *m, const struct model_share *share)
{
	if (!m->share_absorbed)
		m->share_absorbed = calloc(64, sizeof(*m->share_absorbed));
	if (!m->share_absorbed)
		return MODEL_ENOMEM;
	m->share_members = share->members;
	for (unsigned k = 0; k < MODEL_NR_KNOBS; k++)
		m->share_same[k] = model_knob_get(&m->p, (enum model_knob)k) ? share->knob_set[k]
									     : ~share->knob_set[k];
	return MODEL_OK;
}

uint64_t model_share_members(const struct model *m)
{
	return m->share_members;
}

void share_knob_absorbed(struct model *m, enum model_knob k, uint64_t n)
{
	uint64_t differ = m->share_members & ~m->share_same[k];
	bool on = model_knob_get(&m->p, k);

	while (differ) {
		unsigned j = (unsigned)__builtin_ctzll(differ);
		differ &= differ - 1;
		m->share_absorbed[j] += on ? -(int64_t)n : (int64_t)n;
	}
	m->share_kept++;
}

int64_t model_share_absorbed(const struct model *m, unsigned member)
{
	return m->share_absorbed && member < 64 ? m->share_absorbed[member] : 0;
}
