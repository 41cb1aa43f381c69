// SPDX-License-Identifier: GPL-2.0
/*
 * replay_params.c - variants on the command line: "PRESET[:key=value,...]".
 *
 * A preset (model_preset(), docs/variants.md) or "observe", then any of the parameters below,
 * which are every field of struct model_params and struct slab_params plus replay's own
 * switches pcp, pcp_trace, compaction, caller_fallback, shrink_calibration, start_highatomic
 * and start. Booleans take 0/1/true/false/on/off, durations are in ns, shares in ppm; start
 * takes a start mode (warm, placed, cold, auto).
 */
#include "replay_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum param_kind { P_BOOL, P_UNSIGNED, P_U32, P_U64, P_START };
enum param_home { IN_MODEL, IN_SLAB, IN_SPEC };

struct param {
	const char *name;
	enum param_kind kind;
	enum param_home home;
	size_t offset;
};

#define M(field, kind)                                                                             \
	{                                                                                          \
#field, kind, IN_MODEL, offsetof(struct model_params, field)                       \
	}
#define S(field, kind)                                                                             \
	{                                                                                          \
#field, kind, IN_SLAB, offsetof(struct slab_params, field)                         \
	}

static const struct param params[] = {
	M(spb_tainted_reserve_min, P_UNSIGNED),
	M(spb_tainted_reserve_divisor, P_UNSIGNED),
	M(spb_aggressive_threshold, P_UNSIGNED),
	M(warm_hints, P_BOOL),
	M(from_tainted_spb, P_BOOL),
	M(pass_2c, P_BOOL),
	M(pass_2d, P_BOOL),
	M(highorder_optional_gate, P_BOOL),
	M(nowarn_lower_order, P_BOOL),
	M(defrag_mode, P_BOOL),
	M(highatomic, P_BOOL),
	M(page_reporting, P_BOOL),
	M(page_reporting_order, P_UNSIGNED),
	M(watermark_boost, P_BOOL),
	M(watermark_boost_factor, P_UNSIGNED),
	M(trigger_demand, P_BOOL),
	M(trigger_supply, P_BOOL),
	M(trigger_proactive, P_BOOL),
	M(last_chance_defrag, P_BOOL),
	M(slab_shrink_throttle_ns, P_U64),
	M(evacuation, P_BOOL),
	M(defrag, P_BOOL),
	M(evac_requests, P_UNSIGNED),
	M(evac_throttle_ns, P_U64),
	M(evac_max_candidates, P_UNSIGNED),
	M(evac_max_pb_per_sb, P_UNSIGNED),
	M(defrag_cooldown_ns, P_U64),
	M(slab_shrink_target_objs, P_U64),
	M(worker_latency_ns, P_U64),
	M(worker_time, P_BOOL),
	M(migrate_page_ns, P_U64),
	M(reclaim_clean_page_ns, P_U64),
	M(evacuate_pageblock_ns, P_U64),
	M(shrink_object_ns, P_U64),
	M(shrink_round_ns, P_U64),
	M(migrate_fail_ppm, P_U32),
	M(direct_reclaim, P_BOOL),
	M(max_reclaim_retries, P_UNSIGNED),
	M(direct_compaction, P_BOOL),
	M(spb_compact_servable, P_BOOL),
	M(seed, P_U64),
	S(freeable_min_age_ns, P_U64),
	S(freeable_ppm, P_U32),
	S(seeks, P_UNSIGNED),
	S(batch, P_UNSIGNED),
	S(vfs_cache_pressure, P_U32),
	{ "pcp", P_BOOL, IN_SPEC, offsetof(struct replay_variant_spec, pcp) },
	{ "compaction", P_BOOL, IN_SPEC, offsetof(struct replay_variant_spec, compaction) },
	{ "compaction_host_scanner", P_BOOL, IN_SPEC,
	  offsetof(struct replay_variant_spec, compaction_host_scanner) },
	{ "compaction_below", P_BOOL, IN_SPEC,
	  offsetof(struct replay_variant_spec, compaction_below) },
	{ "compaction_keep", P_BOOL, IN_SPEC,
	  offsetof(struct replay_variant_spec, compaction_keep) },
	{ "caller_fallback", P_BOOL, IN_SPEC,
	  offsetof(struct replay_variant_spec, caller_fallback) },
	{ "pcp_trace", P_BOOL, IN_SPEC, offsetof(struct replay_variant_spec, pcp_trace) },
	{ "pcp_zone_pagesets", P_BOOL, IN_SPEC,
	  offsetof(struct replay_variant_spec, pcp_zone_pagesets) },
	{ "start_pcp_free", P_BOOL, IN_SPEC, offsetof(struct replay_variant_spec, start_pcp_free) },
	{ "start_highatomic", P_BOOL, IN_SPEC,
	  offsetof(struct replay_variant_spec, start_highatomic) },
	{ "shrink_calibration", P_BOOL, IN_SPEC,
	  offsetof(struct replay_variant_spec, shrink_calibration) },
	{ "start", P_START, IN_SPEC, offsetof(struct replay_variant_spec, start) },
};
#define NR_PARAMS (sizeof(params) / sizeof(params[0]))
/* spec->overridden holds a bit per parameter */
_Static_assert(NR_PARAMS <= 64, "replay_variant_spec.overridden has 64 bits");

static const char *const start_names[] = {
	[REPLAY_WARM] = "warm",
	[REPLAY_COLD] = "cold",
	[REPLAY_PLACED] = "placed",
	[REPLAY_START_AUTO] = "auto",
};

const char *replay_start_name(enum replay_start s)
{
	return (unsigned)s <= REPLAY_START_AUTO ? start_names[s] : "?";
}

int replay_start_parse(const char *word, enum replay_start *s)
{
	for (unsigned i = 0; i <= REPLAY_START_AUTO; i++)
		if (!strcmp(word, start_names[i])) {
			*s = (enum replay_start)i;
			return 0;
		}
	if (!strcmp(word, "copied")) {
		*s = REPLAY_WARM;
		return 0;
	}
	return -1;
}

bool replay_param_overridden(const struct replay_variant_spec *spec, const char *name)
{
	for (size_t i = 0; i < NR_PARAMS; i++)
		if (!strcmp(params[i].name, name))
			return (spec->overridden >> i) & 1;
	return false;
}

size_t replay_param_count(void)
{
	return NR_PARAMS;
}

const char *replay_param_name(size_t i)
{
	return i < NR_PARAMS ? params[i].name : NULL;
}

static void *param_ptr(const struct replay_variant_spec *spec, size_t i)
{
	const char *base = params[i].home == IN_MODEL  ? (const char *)&spec->params
			   : params[i].home == IN_SLAB ? (const char *)&spec->slab
						       : (const char *)spec;
	return (void *)(base + params[i].offset);
}

void replay_param_value(const struct replay_variant_spec *spec, size_t i, char *buf, size_t len)
{
	const void *p = param_ptr(spec, i);
	switch (params[i].kind) {
	case P_BOOL:
		snprintf(buf, len, "%d", *(const bool *)p ? 1 : 0);
		break;
	case P_UNSIGNED:
		snprintf(buf, len, "%u", *(const unsigned *)p);
		break;
	case P_U32:
		snprintf(buf, len, "%" PRIu32, *(const uint32_t *)p);
		break;
	case P_U64:
		snprintf(buf, len, "%" PRIu64, *(const uint64_t *)p);
		break;
	case P_START:
		snprintf(buf, len, "%s", replay_start_name(*(const enum replay_start *)p));
		break;
	}
}

static int set_param(struct replay_variant_spec *spec, const char *key, const char *val, char *err,
		     size_t errlen)
{
	size_t i;
	for (i = 0; i < NR_PARAMS; i++)
		if (!strcmp(params[i].name, key))
			break;
	if (i == NR_PARAMS) {
		snprintf(err, errlen, "variant %s: unknown parameter '%s' (see docs/variants.md)",
			 spec->name, key);
		return -1;
	}
	void *p = param_ptr(spec, i);
	if (params[i].kind == P_BOOL) {
		bool on = !strcmp(val, "1") || !strcmp(val, "true") || !strcmp(val, "on");
		if (!on && strcmp(val, "0") && strcmp(val, "false") && strcmp(val, "off"))
			goto bad;
		*(bool *)p = on;
	} else if (params[i].kind == P_START) {
		if (replay_start_parse(val, (enum replay_start *)p))
			goto bad;
	} else {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(val, &end, 0);
		if (errno || end == val || *end || val[0] == '-')
			goto bad;
		if (params[i].kind == P_UNSIGNED || params[i].kind == P_U32) {
			if (v > UINT32_MAX)
				goto bad;
			if (params[i].kind == P_UNSIGNED)
				*(unsigned *)p = (unsigned)v;
			else
				*(uint32_t *)p = (uint32_t)v;
		} else {
			*(uint64_t *)p = v;
		}
	}
	spec->overridden |= 1ull << i;
	return 0;
bad:
	snprintf(err, errlen, "variant %s: bad value '%s' for %s", spec->name, val, key);
	return -1;
}

int replay_variant_parse(const char *text, struct replay_variant_spec *spec, char *err,
			 size_t errlen)
{
	char buf[256];
	memset(spec, 0, sizeof(*spec));
	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "variant too long: %.40s...", text);
		return -1;
	}
	snprintf(spec->name, sizeof(spec->name), "%s", text);
	snprintf(buf, sizeof(buf), "%s", text);
	char *colon = strchr(buf, ':');
	if (colon)
		*colon = 0;
	if (strlen(buf) >= sizeof(spec->preset)) {
		snprintf(err, errlen, "unknown variant '%.60s...'", buf);
		return -1;
	}
	memcpy(spec->preset, buf, strlen(buf) + 1);
	spec->pcp = true;
	spec->compaction = true;
	spec->start = REPLAY_START_AUTO;
	spec->shrink_calibration = true;
	/* the kernel's per-CPU lists at the start: every zone's own pagesets from start/zoneinfo
	 * (zone_set_pageset_high_and_batch()), and a start folio of orders 0-3 freed through the
	 * CPU's list (free_frozen_pages() / free_unref_folios()); '=0' gives the older replay */
	spec->pcp_zone_pagesets = true;
	spec->start_pcp_free = true;
	slab_params_default(&spec->slab);
	if (!strcmp(buf, "observe")) {
		spec->observe = true;
		model_preset("mainline", &spec->policy, &spec->params);
		/* observe follows none of the host's relabels (claims included): its pageblock
		 * types, and the tainted regions taken from them, stay the warm start's */
		spec->params.page_reporting = false;
	} else if (model_preset(buf, &spec->policy, &spec->params) != MODEL_OK) {
		snprintf(err, errlen,
			 "unknown variant '%s' (presets: mainline, spb, spb+demand, "
			 "spb+demand+supply, spb+proactive, spb+all, observe)",
			 buf);
		return -1;
	}
	/* the callers' fallback: on for a policy that is not the host's own, whose refusals the
	 * trace's callers never saw; off for mainline, whose callers' own fallbacks are the
	 * trace's events (docs/replay.md, "The caller's fallback") */
	spec->caller_fallback = spec->policy != MODEL_POLICY_MAINLINE;
	if (!colon)
		return 0;
	char *save, *kv;
	for (kv = strtok_r(colon + 1, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq) {
			snprintf(err, errlen, "variant %s: '%s' is not key=value", spec->name, kv);
			return -1;
		}
		*eq = 0;
		if (set_param(spec, kv, eq + 1, err, errlen))
			return -1;
	}
	return 0;
}
