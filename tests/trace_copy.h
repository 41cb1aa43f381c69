/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace_copy.h - what the test tools that copy a trace with changes (mkhostile, mkloss) share:
 * re-interning every string an event names into the new file, with an optional suffix.
 */
#ifndef FRAGTRACE_TEST_TRACE_COPY_H
#define FRAGTRACE_TEST_TRACE_COPY_H

#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct copy {
	struct trace_reader *r;
	struct trace_writer *w;
	const char *suffix; /* appended to every string copied ("" or NULL: as it is) */
	uint32_t *ids;	    /* reader id -> writer id, 0 when not interned yet */
	size_t nids;
};

static inline uint32_t copy_string(struct copy *c, uint32_t id)
{
	if (id == TRACE_NO_STRING)
		return id;
	if (id >= c->nids) {
		size_t n = id * 2 + 16;
		uint32_t *m = realloc(c->ids, n * sizeof(*m));
		if (!m)
			exit(1);
		memset(m + c->nids, 0, (n - c->nids) * sizeof(*m));
		c->ids = m;
		c->nids = n;
	}
	if (!c->ids[id]) {
		const char *s = trace_reader_string(c->r, id);
		char buf[1024];
		snprintf(buf, sizeof(buf), "%s%s", s ? s : "?", c->suffix ? c->suffix : "");
		c->ids[id] = trace_writer_string(c->w, buf);
	}
	return c->ids[id];
}

/* Point ev's strings at the new file's copies. */
static inline void copy_event_strings(struct copy *c, struct trace_event *ev)
{
	switch (ev->type) {
	case TRACE_SLAB_ALLOC:
	case TRACE_KMALLOC:
	case TRACE_SLAB_FREE:
	case TRACE_KFREE:
		ev->slab.cache = copy_string(c, ev->slab.cache);
		ev->slab.call_site = copy_string(c, ev->slab.call_site);
		break;
	case TRACE_SHRINK_START:
		ev->shrink_start.shrinker = copy_string(c, ev->shrink_start.shrinker);
		break;
	case TRACE_SHRINK_END:
		ev->shrink_end.shrinker = copy_string(c, ev->shrink_end.shrinker);
		break;
	case TRACE_GENERIC:
		ev->generic.name = copy_string(c, ev->generic.name);
		break;
	}
}

/* Close both files; rc is the reader's last result. The tool's exit status. */
static inline int copy_finish(struct copy *c, const char *tool, int rc)
{
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", tool, trace_reader_error(c->r));
	int wrc = trace_writer_close(c->w);
	if (wrc)
		fprintf(stderr, "%s: %s\n", tool, trace_writer_error(c->w));
	trace_writer_free(c->w);
	trace_reader_close(c->r);
	free(c->ids);
	return rc < 0 || wrc ? 1 : 0;
}

#endif
