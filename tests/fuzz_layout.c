// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_layout.c - libFuzzer target for `replay --layout FILE`: any bytes as the saved
 * /proc/zoneinfo. Whatever parses, and describes a host of at most 4 GiB, is built into a model
 * (cold, with the holes the layout gives) and checked with the model's invariant checker: a
 * bad layout must give an error or a consistent model.
 */
#include "replay_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host_snapshots sn = { 0 };
	struct host_desc h;
	char err[256];
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (host_layout_parse(&h, &sn, text, "fuzz", err, sizeof(err)) == 0) {
		uint64_t end = 0;
		for (unsigned z = 0; z < h.config.nr_zones; z++)
			if (h.config.zones[z].start_pfn + h.config.zones[z].spanned_pages > end)
				end = h.config.zones[z].start_pfn + h.config.zones[z].spanned_pages;
		if (end <= (1u << 20)) {
			int rc;
			struct model_config c = h.config;
			c.policy = MODEL_POLICY_SPB;
			model_params_default(&c.params);
			struct model *m = model_create(&c, &rc);
			if (m) {
				char buf[256];
				const char *bad = model_check(m, buf, sizeof(buf));
				if (bad) {
					fprintf(stderr, "model inconsistent from a layout: %s\n",
						bad);
					abort();
				}
				model_destroy(m);
			}
		}
		host_desc_free(&h);
	}
	host_snapshots_free(&sn);
	free(text);
	return 0;
}
