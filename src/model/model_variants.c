// SPDX-License-Identifier: GPL-2.0
/*
 * model_variants.c - the named policy variants replay runs by default (docs/variants.md).
 *
 * A variant is a policy plus switches over the defaults of model_params_default(), which are
 * the [S-F] tree with the slab-shrink patch applied. "spb" is that tree without the patch:
 * no shrink beside evacuation, no shrink after it, no high-water reaction, no last-chance
 * defrag walk. The others add the patch's trigger groups back one by one.
 */
#include "model.h"

#include <string.h>

const char *const model_preset_names[] = {
	"mainline", "spb", "spb+demand", "spb+demand+supply", "spb+proactive", "spb+all", NULL,
};

int model_preset(const char *name, enum model_policy *policy, struct model_params *p)
{
	model_params_default(p);
	*policy = MODEL_POLICY_SPB;
	if (!strcmp(name, "mainline")) {
		/* upstream has no SPBs: none of the series' workers or the patch's triggers */
		*policy = MODEL_POLICY_MAINLINE;
		p->trigger_demand = p->trigger_supply = p->trigger_proactive =
			p->last_chance_defrag = p->evacuation = p->defrag = false;
		/* upstream boosts a zone's watermarks after a fallback; the series removed it */
		p->watermark_boost = true;
		return MODEL_OK;
	}
	if (!strcmp(name, "spb+all"))
		return MODEL_OK;
	p->trigger_demand = p->trigger_supply = p->trigger_proactive = p->last_chance_defrag =
		false;
	if (!strcmp(name, "spb"))
		return MODEL_OK;
	if (!strcmp(name, "spb+demand")) {
		p->trigger_demand = true;
		return MODEL_OK;
	}
	if (!strcmp(name, "spb+demand+supply")) {
		p->trigger_demand = p->trigger_supply = true;
		return MODEL_OK;
	}
	if (!strcmp(name, "spb+proactive")) {
		p->trigger_proactive = true;
		return MODEL_OK;
	}
	return MODEL_EINVAL;
}
