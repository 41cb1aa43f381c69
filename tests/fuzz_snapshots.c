// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_snapshots.c - libFuzzer target for replay's snapshot parsers: zoneinfo, pagetypeinfo,
 * slab_attributes, the page map and the zone samples (capture/zone_samples.N) come from trace
 * files, which come from other hosts. The input is the four blobs and then any number of zone
 * sample parts, separated by "\n====\n". Whatever parses, and describes a host of at most
 * 4 GiB, is then built into a model and warm-started from the page map, with the model's
 * invariant checker run at the end: bad snapshots must give an error or a consistent model;
 * the zone sample parts are parsed into the host and mapped onto its zones.
 */
#include "fuzz_host.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input's next part, from *pos to the next "\n====\n" (or the end), as a NUL-terminated
 * copy of *len bytes; *pos moves past the separator, *last says there was none.
 */
static char *next_part(const uint8_t *data, size_t size, size_t *pos, size_t *len, bool *last)
{
	static const char sep[] = "\n====\n";
	const uint8_t *end = NULL;
	for (size_t k = *pos; k + 6 <= size; k++)
		if (!memcmp(data + k, sep, 6)) {
			end = data + k;
			break;
		}
	*len = end ? (size_t)(end - (data + *pos)) : size - *pos;
	char *t = malloc(*len + 1);
	if (!t)
		return NULL;
	memcpy(t, data + *pos, *len);
	t[*len] = 0;
	*pos += *len + 6;
	*last = !end;
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host_snapshots sn = { 0 };
	static const int order[] = { SNAP_ZONEINFO, SNAP_PAGETYPEINFO, SNAP_SLAB_ATTRIBUTES,
				     SNAP_START_PAGEMAP };
	size_t pos = 0;

	for (int i = 0; i < 4 && pos <= size; i++) {
		bool last;
		size_t len;
		char *t = next_part(data, size, &pos, &len, &last);
		if (!t)
			break;
		sn.text[order[i]] = t;
		sn.len[order[i]] = len;
		if (last)
			break;
	}
	struct host_desc h;
	char err[256];
	if (host_desc_parse(&h, &sn, "fuzz", err, sizeof(err)) == 0) {
		/* the rest: zone sample parts, each parsed until one does not */
		while (pos < size) {
			bool last;
			size_t len;
			char *t = next_part(data, size, &pos, &len, &last);
			if (!t)
				break;
			int rc = host_timeline_add_part(&h, t);
			free(t);
			if (rc || last)
				break;
		}
		host_timeline_finish(&h);
		uint64_t end;
		struct model *m = fuzz_host_model(&h, &end);
		if (m) {
			uint64_t *warm = calloc(end / 64 + 1, sizeof(uint64_t));
			uint64_t nr_highatomic = 0; /* start_highatomic's tags exercised too */
			if (warm && !host_pin_reserved(&h, m))
				host_warm_start(&h, m, warm, true, &nr_highatomic);
			fuzz_host_check(m, "after warm start");
			free(warm);
			model_destroy(m);
		}
		host_desc_free(&h);
	}
	host_snapshots_free(&sn);
	return 0;
}
