// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_recover.c - `fragtrace recover FILE`: make a trace whose writer died (SIGKILL, a crash,
 * a full disk) or that was damaged whole again. The reader's salvage mode scans every section,
 * skips damaged ones up to the next intact section and hands back a lost marker where damaged
 * chunks were; recover copies the header, every snapshot that loads and every event into a
 * new file with its index and footer, then puts it in place of the old one. Every intact
 * event is kept byte for byte in meaning; every dropped span and snapshot is reported.
 */
#include "cli.h"
#include "trace.h"

#include <stdlib.h>
#include <string.h>

static void recover_usage(FILE *out)
{
	fprintf(out, "usage: fragtrace recover [-o OUT] FILE\n\n"
		     "Rewrite a trace cut short (its recorder killed) or damaged with a complete "
		     "index and footer.\n"
		     "Damaged chunks are skipped and counted as lost events; every intact chunk is "
		     "kept.\n"
		     "Without -o the file is replaced.\n");
}

/*
 * Old string ids to new ones, each interned the first time an event names it: the old file's
 * ids need not be dense (an id interned but named by no surviving chunk leaves a hole), and
 * every chunk carries the text of the ids it names, so each id an event holds is known.
 */
struct idmap {
	uint32_t *ids; /* by old id; 0 = not interned yet */
	size_t cap;
	struct trace_reader *r;
	struct trace_writer *w;
};

static int idmap_get(struct idmap *m, uint32_t *id)
{
	if (*id == 0)
		return 0;
	if (*id >= m->cap) {
		size_t cap = m->cap ? m->cap : 256;
		while (cap <= *id)
			cap *= 2;
		uint32_t *n = realloc(m->ids, cap * sizeof(*n));
		if (!n)
			return -1;
		memset(n + m->cap, 0, (cap - m->cap) * sizeof(*n));
		m->ids = n;
		m->cap = cap;
	}
	if (!m->ids[*id]) {
		const char *s = trace_reader_string(m->r, *id);
		int64_t n = s ? trace_writer_intern(m->w, s) : -1;
		if (n <= 0)
			return -1;
		m->ids[*id] = (uint32_t)n;
	}
	*id = m->ids[*id];
	return 0;
}

/* The event's string ids, from the old file's numbering to the new one's. */
static int remap_strings(struct trace_event *ev, struct idmap *m)
{
	switch (ev->type) {
	case TRACE_SLAB_ALLOC:
	case TRACE_SLAB_FREE:
	case TRACE_KMALLOC:
	case TRACE_KFREE:
		return idmap_get(m, &ev->slab.cache) || idmap_get(m, &ev->slab.call_site);
	case TRACE_SHRINK_START:
		return idmap_get(m, &ev->shrink_start.shrinker);
	case TRACE_SHRINK_END:
		return idmap_get(m, &ev->shrink_end.shrinker);
	case TRACE_GENERIC:
		return idmap_get(m, &ev->generic.name);
	}
	return 0;
}

/* One line per damaged span the salvage skipped; the totals go to *chunks, *events, *bytes. */
static void report_damage(const char *path, struct trace_reader *r, uint64_t *chunks,
			  uint64_t *events, uint64_t *bytes, int *unknown)
{
	for (size_t i = 0; i < trace_reader_damage_count(r); i++) {
		const struct trace_damage_info *d = trace_reader_damage(r, i);
		char cost[96];
		if (d->events == TRACE_DAMAGE_UNKNOWN)
			snprintf(cost, sizeof(cost), "an unknown number of events lost");
		else if (d->events == 0)
			snprintf(cost, sizeof(cost), "no events lost");
		else
			snprintf(cost, sizeof(cost), "%llu events in %llu chunks lost",
				 (unsigned long long)d->events, (unsigned long long)d->chunks);
		cli_warning("%s: dropped bytes %llu to %llu (%s): %s", path,
			    (unsigned long long)d->offset,
			    (unsigned long long)(d->offset + d->bytes), d->why, cost);
		*bytes += d->bytes;
		if (d->events == TRACE_DAMAGE_UNKNOWN || d->chunks == TRACE_DAMAGE_UNKNOWN) {
			*unknown = 1;
			continue;
		}
		*chunks += d->chunks;
		*events += d->events;
	}
}

static int recover_run(int argc, char **argv)
{
	const char *out = NULL, *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (argv[i][0] == '-') {
			recover_usage(stderr);
			return EXIT_USAGE;
		} else if (!path)
			path = argv[i];
		else {
			recover_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!path) {
		recover_usage(stderr);
		return EXIT_USAGE;
	}
	/* Salvage: every section is scanned; damaged chunks come back as lost markers. */
	struct trace_reader *r;
	if (trace_reader_open_flags(path, TRACE_READ_SALVAGE, &r)) {
		cli_error("%s", trace_reader_error(r));
		trace_reader_close(r);
		return EXIT_RUNTIME;
	}
	if (trace_reader_warning(r))
		cli_warning("%s", trace_reader_warning(r));
	uint64_t lost_chunks = 0, lost_events = 0, lost_bytes = 0;
	int lost_unknown = 0;
	report_damage(path, r, &lost_chunks, &lost_events, &lost_bytes, &lost_unknown);
	/* Without -o the input is replaced on purpose; with -o it must not be (safe_output). */
	const char *inputs[] = { path, NULL };
	struct trace_writer_options wo = { .inputs = out ? inputs : NULL };
	struct trace_header h = *trace_reader_header(r);
	struct trace_writer *w;
	int rc = EXIT_RUNTIME;
	if (trace_writer_open(out ? out : path, &h, &wo, &w)) {
		cli_error("%s", trace_writer_error(w));
		trace_writer_free(w);
		trace_reader_close(r);
		return EXIT_RUNTIME;
	}
	struct idmap map = { .r = r, .w = w };
	size_t dropped_meta = 0;
	for (size_t i = 0; i < trace_reader_meta_count(r); i++) {
		void *data;
		size_t len;
		if (trace_reader_meta_load(r, i, &data, &len)) {
			cli_warning("dropped snapshot '%s': %s", trace_reader_meta(r, i)->name,
				    trace_reader_error(r));
			dropped_meta++;
			continue;
		}
		int bad = trace_writer_add_meta(w, trace_reader_meta(r, i)->name, data, len);
		free(data);
		if (bad)
			goto fail;
	}
	const struct trace_event *evs;
	int n;
	uint64_t events = 0;
	while ((n = trace_reader_next_batch(r, &evs)) > 0)
		for (int i = 0; i < n; i++, events++) {
			struct trace_event ev = evs[i];
			if (remap_strings(&ev, &map)) {
				cli_error("%s: event %llu names a string no chunk defines", path,
					  (unsigned long long)events);
				goto done;
			}
			if (trace_writer_add(w, &ev))
				goto fail;
		}
	if (n < 0) { /* a read error: the salvage itself skips damage */
		cli_error("%s", trace_reader_error(r));
		goto done;
	}
	if (trace_writer_close(w))
		goto fail;
	char buf[32], lost[160] = "";
	if (lost_chunks || lost_unknown || dropped_meta)
		snprintf(lost, sizeof(lost),
			 "; dropped %llu damaged bytes: %llu chunks (%llu events%s, recorded as "
			 "lost), %zu snapshots",
			 (unsigned long long)lost_bytes, (unsigned long long)lost_chunks,
			 (unsigned long long)lost_events, lost_unknown ? " and more" : "",
			 dropped_meta);
	printf("[ fragtrace recover: %s: %s intact events kept%s, index and footer rewritten ]\n",
	       out ? out : path, cli_thousands(buf, sizeof(buf), trace_reader_summary(r)->events),
	       lost);
	rc = EXIT_OK;
	goto done;
fail:
	cli_error("%s", trace_writer_error(w));
done:
	free(map.ids);
	trace_writer_free(w);
	trace_reader_close(r);
	return rc;
}

const struct cli_command cmd_recover = { "recover", "rewrite a trace cut short or damaged",
					 recover_run, recover_usage };
