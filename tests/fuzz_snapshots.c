// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_snapshots.c - libFuzzer target for replay's snapshot parsers: zoneinfo, pagetypeinfo,
 * slab_attributes and the page map come from trace files, which come from other hosts. The
 * input is the four blobs separated by "\n====\n". Whatever parses, and describes a host of at
 * most 4 GiB, is then built into a model and warm-started from the page map, with the model's
 * invariant checker run at the end: bad snapshots must give an error or a consistent model.
 */
#include "replay_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host_snapshots sn = { 0 };
	static const int order[] = { SNAP_ZONEINFO, SNAP_PAGETYPEINFO, SNAP_SLAB_ATTRIBUTES,
				     SNAP_START_PAGEMAP };
	const char *sep = "\n====\n";
	size_t pos = 0;

	for (int i = 0; i < 4 && pos <= size; i++) {
		const uint8_t *end = NULL;
		for (size_t k = pos; k + 6 <= size; k++)
			if (!memcmp(data + k, sep, 6)) {
				end = data + k;
				break;
			}
		size_t len = end ? (size_t)(end - (data + pos)) : size - pos;
		char *t = malloc(len + 1);
		if (!t)
			break;
		memcpy(t, data + pos, len);
		t[len] = 0;
		sn.text[order[i]] = t;
		sn.len[order[i]] = len;
		pos += len + 6;
		if (!end)
			break;
	}
	struct host_desc h;
	char err[256];
	if (host_desc_parse(&h, &sn, "fuzz", err, sizeof(err)) == 0) {
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
				uint64_t *warm = calloc(end / 64 + 1, sizeof(uint64_t));
				if (warm && !host_pin_reserved(&h, m))
					host_warm_start(&h, m, warm);
				char buf[256];
				const char *bad = model_check(m, buf, sizeof(buf));
				if (bad) {
					fprintf(stderr, "model inconsistent after warm start: %s\n",
						bad);
					abort();
				}
				free(warm);
				model_destroy(m);
			}
		}
		host_desc_free(&h);
	}
	host_snapshots_free(&sn);
	return 0;
}
