/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_host.h - what the host-description fuzzers (fuzz_layout, fuzz_snapshots) share: the
 * model of a parsed host, built only when it spans at most 4 GiB (the SPB policy, default
 * parameters), and the invariant check that stops the fuzzer on an inconsistent model.
 */
#ifndef FRAGTRACE_FUZZ_HOST_H
#define FRAGTRACE_FUZZ_HOST_H

#include "replay_internal.h"

#include <stdio.h>
#include <stdlib.h>

/* The model of host h, or NULL when it spans more than 4 GiB or cannot be built. */
static inline struct model *fuzz_host_model(const struct host_desc *h, uint64_t *end_pfn)
{
	uint64_t end = 0;
	int rc;

	for (unsigned z = 0; z < h->config.nr_zones; z++)
		if (h->config.zones[z].start_pfn + h->config.zones[z].spanned_pages > end)
			end = h->config.zones[z].start_pfn + h->config.zones[z].spanned_pages;
	*end_pfn = end;
	if (end > (1u << 20))
		return NULL;
	struct model_config c = h->config;
	c.policy = MODEL_POLICY_SPB;
	model_params_default(&c.params);
	return model_create(&c, &rc);
}

/* Abort the fuzzer (a finding) when the model's invariant checker objects. */
static inline void fuzz_host_check(struct model *m, const char *when)
{
	char buf[256];
	const char *bad = model_check(m, buf, sizeof(buf));
	if (bad) {
		fprintf(stderr, "model inconsistent %s: %s\n", when, bad);
		abort();
	}
}

#endif
