// SPDX-License-Identifier: GPL-2.0
/*
 * trace_names.c - record types and the kernel tracepoints they stand for.
 *
 * The table is the single mapping between enum trace_record_type and "system:event" names;
 * capture, import, info and dump all go through it.
 */
#include "trace.h"

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
