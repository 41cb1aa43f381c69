/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_util.h - what the trace tests share: check.h's CHECK, a random event generator (drawing
 * from test_rng.h) that reaches every record type and the extreme values of every field, and
 * event comparison.
 */
#ifndef FRAGTRACE_TEST_UTIL_H
#define FRAGTRACE_TEST_UTIL_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_rng.h"
#include "trace.h"

/* A value that is often small, sometimes extreme. */
static inline uint64_t tval(void)
{
	switch (rnd() % 8) {
	case 0:
		return 0;
	case 1:
		return UINT64_MAX;
	case 2:
		return rnd();
	case 3:
		return (uint64_t)1 << (rnd() % 64);
	default:
		return rnd() % 1000;
	}
}

static inline int32_t tval32(void)
{
	switch (rnd() % 6) {
	case 0:
		return INT32_MIN;
	case 1:
		return INT32_MAX;
	case 2:
		return -1;
	default:
		return (int32_t)(rnd() % 12);
	}
}

/*
 * A random event of any type at time ts. String ids are drawn from 1..nstrings; generic
 * payloads point into blob (at least 300 bytes).
 */
static inline void test_random_event(struct trace_event *ev, uint64_t ts, uint32_t nstrings,
				     const uint8_t *blob)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts = ts;
	ev->type = (uint16_t)(1 + rnd() % (TRACE_NR_TYPES - 1));
	ev->cpu = rnd() % 16 == 0 ? (uint16_t)rnd() : (uint16_t)(rnd() % 3);
	ev->pid = rnd() % 4 == 0 ? tval32() : 100 + (int32_t)(rnd() % 3);
	uint32_t s1 = (uint32_t)(rnd() % (nstrings + 1)), s2 = (uint32_t)(rnd() % (nstrings + 1));
	switch (ev->type) {
	case TRACE_PAGE_ALLOC:
	case TRACE_PAGE_ALLOC_ZONE_LOCKED:
	case TRACE_PAGE_PCPU_DRAIN:
		ev->page.migratetype = tval32();
		/* fall through */
	case TRACE_PAGE_FREE:
		ev->page.order = rnd() % 5 == 0 ? (uint32_t)tval() : (uint32_t)(rnd() % 11);
		/* fall through */
	case TRACE_PAGE_FREE_BATCHED:
		ev->page.pfn = tval();
		if (ev->type == TRACE_PAGE_ALLOC)
			ev->page.gfp = tval();
		if (ev->type == TRACE_PAGE_ALLOC_ZONE_LOCKED)
			ev->page.percpu_refill = rnd() & 1;
		break;
	case TRACE_PAGE_ALLOC_EXTFRAG:
		ev->extfrag = (struct trace_extfrag){ tval(),	tval32(), tval32(),
						      tval32(), tval32(), tval32() };
		break;
	case TRACE_SLAB_ALLOC:
	case TRACE_KMALLOC:
		ev->slab.bytes_req = tval();
		ev->slab.bytes_alloc = tval();
		ev->slab.gfp = tval();
		ev->slab.node = tval32();
		ev->slab.accounted = rnd() & 1;
		/* fall through */
	case TRACE_SLAB_FREE:
	case TRACE_KFREE:
		ev->slab.addr = tval();
		ev->slab.cache = s1;
		ev->slab.call_site = s2;
		break;
	case TRACE_SHRINK_START:
		ev->shrink_start = (struct trace_shrink_start){ s1,
								tval32(),
								tval32(),
								tval(),
								(int64_t)tval(),
								(int64_t)tval(),
								(int64_t)tval(),
								(int64_t)tval() };
		break;
	case TRACE_SHRINK_END:
		ev->shrink_end = (struct trace_shrink_end){
			s1, tval32(), tval32(), (int64_t)tval(), (int64_t)tval(), (int64_t)tval()
		};
		break;
	case TRACE_LOST:
		ev->lost.count = rnd() % 3 == 0 ? TRACE_LOST_UNKNOWN : tval();
		break;
	case TRACE_GENERIC:
		ev->generic.name = s1 ? s1 : 1;
		ev->generic.size = (uint32_t)(rnd() % 4 == 0 ? 0 : rnd() % 300);
		ev->generic.data = blob;
		break;
	}
}

/* Compare what the format promises to keep; ts after truncation to res. */
static inline int test_event_equal(const struct trace_event *a, const struct trace_event *b,
				   uint32_t res)
{
	if (a->ts / res * res != b->ts || a->type != b->type || a->cpu != b->cpu ||
	    a->pid != b->pid)
		return 0;
	const struct trace_page *p = &a->page, *q = &b->page;
	const struct trace_slab *s = &a->slab, *t = &b->slab;
	switch (a->type) {
	case TRACE_PAGE_ALLOC:
	case TRACE_PAGE_ALLOC_ZONE_LOCKED:
	case TRACE_PAGE_PCPU_DRAIN:
	case TRACE_PAGE_FREE:
	case TRACE_PAGE_FREE_BATCHED:
		return p->pfn == q->pfn && p->order == q->order &&
		       p->migratetype == q->migratetype && p->gfp == q->gfp &&
		       p->percpu_refill == q->percpu_refill;
	case TRACE_PAGE_ALLOC_EXTFRAG:
		return a->extfrag.pfn == b->extfrag.pfn &&
		       a->extfrag.alloc_order == b->extfrag.alloc_order &&
		       a->extfrag.fallback_order == b->extfrag.fallback_order &&
		       a->extfrag.alloc_migratetype == b->extfrag.alloc_migratetype &&
		       a->extfrag.fallback_migratetype == b->extfrag.fallback_migratetype &&
		       a->extfrag.change_ownership == b->extfrag.change_ownership;
	case TRACE_SLAB_ALLOC:
	case TRACE_KMALLOC:
	case TRACE_SLAB_FREE:
	case TRACE_KFREE:
		return s->addr == t->addr && s->cache == t->cache && s->call_site == t->call_site &&
		       s->bytes_req == t->bytes_req && s->bytes_alloc == t->bytes_alloc &&
		       s->gfp == t->gfp && s->node == t->node && s->accounted == t->accounted;
	case TRACE_SHRINK_START: {
		const struct trace_shrink_start *x = &a->shrink_start, *y = &b->shrink_start;
		return x->shrinker == y->shrinker && x->nid == y->nid &&
		       x->priority == y->priority && x->gfp == y->gfp &&
		       x->nr_objects_to_shrink == y->nr_objects_to_shrink &&
		       x->cache_items == y->cache_items && x->delta == y->delta &&
		       x->total_scan == y->total_scan;
	}
	case TRACE_SHRINK_END: {
		const struct trace_shrink_end *x = &a->shrink_end, *y = &b->shrink_end;
		return x->shrinker == y->shrinker && x->nid == y->nid && x->retval == y->retval &&
		       x->unused_scan == y->unused_scan && x->new_scan == y->new_scan &&
		       x->total_scan == y->total_scan;
	}
	case TRACE_LOST:
		return a->lost.count == b->lost.count;
	case TRACE_GENERIC:
		return a->generic.name == b->generic.name && a->generic.size == b->generic.size &&
		       (a->generic.size == 0 ||
			!memcmp(a->generic.data, b->generic.data, a->generic.size));
	}
	return 0;
}

static inline void test_header(struct trace_header *h, uint32_t res)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->kernel_release, sizeof(h->kernel_release), "6.18.0-test");
	snprintf(h->arch, sizeof(h->arch), "x86_64");
	snprintf(h->trace_clock, sizeof(h->trace_clock), "local");
	snprintf(h->tool_version, sizeof(h->tool_version), "fragtrace-test");
	h->page_size = 4096;
	h->pageblock_order = 9;
	h->cpu_count = 2;
	h->time_resolution_ns = res;
	h->clock_offset_ns = -123456789;
	h->event_formats = "name: mm_page_alloc\nID: 1\n";
	h->event_formats_len = strlen(h->event_formats);
}

#endif
