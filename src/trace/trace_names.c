// SPDX-License-Identifier: GPL-2.0
/*
 * trace_names.c - record types and the kernel tracepoints they stand for.
 *
 * The table is the single mapping between enum trace_record_type and "system:event" names;
 * capture, import, info and dump all go through it.
 */
#include "trace.h"

#include <stdio.h>
#include <string.h>

static const char *const trace_type_names[TRACE_NR_TYPES] = {
	[TRACE_PAGE_ALLOC] = "kmem:mm_page_alloc",
	[TRACE_PAGE_ALLOC_ZONE_LOCKED] = "kmem:mm_page_alloc_zone_locked",
	[TRACE_PAGE_FREE] = "kmem:mm_page_free",
	[TRACE_PAGE_FREE_BATCHED] = "kmem:mm_page_free_batched",
	[TRACE_PAGE_PCPU_DRAIN] = "kmem:mm_page_pcpu_drain",
	[TRACE_PAGE_ALLOC_EXTFRAG] = "kmem:mm_page_alloc_extfrag",
	[TRACE_SLAB_ALLOC] = "kmem:kmem_cache_alloc",
	[TRACE_SLAB_FREE] = "kmem:kmem_cache_free",
	[TRACE_KMALLOC] = "kmem:kmalloc",
	[TRACE_KFREE] = "kmem:kfree",
	[TRACE_SHRINK_START] = "vmscan:mm_shrink_slab_start",
	[TRACE_SHRINK_END] = "vmscan:mm_shrink_slab_end",
	[TRACE_LOST] = "lost",
	[TRACE_GENERIC] = "generic",
};

const char *trace_type_name(unsigned int type)
{
	if (type == 0 || type >= TRACE_NR_TYPES)
		return "unknown";
	return trace_type_names[type];
}

unsigned int trace_type_from_name(const char *system_event)
{
	for (unsigned int t = 1; t < TRACE_LOST; t++)
		if (!strcmp(trace_type_names[t], system_event))
			return t;
	return 0;
}

/*
 * The offset of field in event's format (after the 8-byte common header, as generic records
 * keep it), or -1. formats is the kernel's format files concatenated ("name: EVENT" ...
 * "field:TYPE NAME;\toffset:N;").
 */
int trace_format_field_offset(const char *formats, size_t len, const char *event, const char *field)
{
	char want[96], fwant[96];
	snprintf(want, sizeof(want), "name: %s\n", event);
	snprintf(fwant, sizeof(fwant), " %s;", field);
	size_t wl = strlen(want), fl = strlen(fwant);
	for (size_t i = 0; formats && i + wl <= len; i++) {
		if (memcmp(formats + i, want, wl))
			continue;
		for (size_t k = i + wl; k + fl < len; k++) {
			if (!memcmp(formats + k, "name: ", 6))
				return -1;
			if (memcmp(formats + k, fwant, fl))
				continue;
			const char *o = formats + k + fl;
			const char *end = formats + len;
			while (o < end && *o != 'o')
				o++;
			int off = -1;
			if (end - o > 7 && !memcmp(o, "offset:", 7)) {
				off = 0;
				for (o += 7; o < end && *o >= '0' && *o <= '9'; o++)
					off = off * 10 + (*o - '0');
			}
			return off >= 8 ? off - 8 : -1;
		}
		return -1;
	}
	return -1;
}
