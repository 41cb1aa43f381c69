// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_layout.c - libFuzzer target for `replay --layout FILE`: any bytes as the saved
 * /proc/zoneinfo. Whatever parses, and describes a host of at most 4 GiB, is built into a model
 * (cold, with the holes the layout gives) and checked with the model's invariant checker: a
 * bad layout must give an error or a consistent model.
 */
#include "fuzz_host.h"

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
		uint64_t end;
		struct model *m = fuzz_host_model(&h, &end);
		if (m) {
			fuzz_host_check(m, "from a layout");
			model_destroy(m);
		}
		host_desc_free(&h);
	}
	host_snapshots_free(&sn);
	free(text);
	return 0;
}
