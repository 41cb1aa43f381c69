// SPDX-License-Identifier: GPL-2.0
/*
 * trace_gaps.c - lost events sized from markers and the kernel's counters; the slab addresses
 * mode (trace_gaps.h).
 *
 * The counter snapshots are the text the recorder wrote: for each CPU a line "cpuN:" and then
 * that CPU's per_cpu/cpuN/stats file ("entries: 0", "overrun: 12", "commit overrun: 0",
 * "dropped events: 0", and lines this code does not use). The parser is strict about shape (a
 * line before the first "cpuN:", a line without "name: ", or a used counter that is not a
 * number makes the whole snapshot unusable, with the line in the note) and never trusts a count:
 * a CPU whose counters are missing at one end or went backwards gets the markers alone.
 * Workload: a handful of CPUs and markers; called once per command.
 */
#include "trace_gaps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CPUS 65536 /* struct trace_event's cpu is 16 bits */

struct counters {
	bool seen;
	uint64_t overrun, commit_overrun, dropped, entries;
};

struct stats {
	struct counters *cpu; /* by CPU number */
	size_t n;
};

static struct counters *stats_cpu(struct stats *s, unsigned cpu)
{
	if (cpu >= s->n) {
		size_t n = (size_t)cpu + 1;
		struct counters *c = realloc(s->cpu, n * sizeof(*c));
		if (!c)
			return NULL;
		memset(c + s->n, 0, (n - s->n) * sizeof(*c));
		s->cpu = c;
		s->n = n;
	}
	return &s->cpu[cpu];
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || (*end && *end != ' ' && *end != '\t'))
		return -1;
	*v = x;
	return 0;
}

/* One "name: value" line of the current CPU; -1 when malformed. */
static int parse_counter(struct counters *c, const char *line)
{
	static const struct {
		const char *name;
		size_t off;
	} keys[] = {
		{ "overrun: ", offsetof(struct counters, overrun) },
		{ "commit overrun: ", offsetof(struct counters, commit_overrun) },
		{ "dropped events: ", offsetof(struct counters, dropped) },
		{ "entries: ", offsetof(struct counters, entries) },
	};
	if (!strstr(line, ": "))
		return -1;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		size_t l = strlen(keys[k].name);
		if (!strncmp(line, keys[k].name, l)) {
			const char *v = line + l;
			while (*v == ' ')
				v++;
			return parse_u64(v, (uint64_t *)((char *)c + keys[k].off));
		}
	}
	return 0; /* a line this code does not use */
}

/* 0; -1 with the note set (malformed); -2 out of memory. */
static int stats_parse(const char *text, const char *name, struct stats *s, char *note,
		       size_t notelen)
{
	struct counters *cur = NULL;
	unsigned lineno = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[256];
		unsigned cpu;
		char tail;
		lineno++;
		if (len >= sizeof(line))
			goto bad;
		memcpy(line, p, len);
		line[len] = 0;
		p += len + (nl != NULL);
		if (!len)
			continue;
		if (sscanf(line, "cpu%u%c", &cpu, &tail) == 2 && tail == ':' &&
		    line[len - 1] == ':' && line[3] >= '0' && line[3] <= '9') {
			if (cpu >= MAX_CPUS)
				goto bad;
			cur = stats_cpu(s, cpu);
			if (!cur)
				return -2;
			if (cur->seen)
				goto bad;
			cur->seen = true;
			continue;
		}
		if (!cur || parse_counter(cur, line))
			goto bad;
	}
	return 0;
bad:
	snprintf(note, notelen, "%s line %u is malformed: the kernel's counters are not used", name,
		 lineno);
	return -1;
}

static struct trace_loss_cpu *loss_cpu(struct trace_loss_cpu **tab, size_t *n, unsigned cpu)
{
	if (cpu >= *n) {
		size_t nn = (size_t)cpu + 1;
		struct trace_loss_cpu *t = realloc(*tab, nn * sizeof(*t));
		if (!t)
			return NULL;
		for (size_t i = *n; i < nn; i++)
			t[i] = (struct trace_loss_cpu){ .cpu = (unsigned)i };
		*tab = t;
		*n = nn;
	}
	return &(*tab)[cpu];
}

static void size_cpu(struct trace_loss_cpu *c)
{
	uint64_t lower = c->marker_events + c->unknown_markers;
	if (c->have_kernel && c->kernel_events >= lower) {
		c->lost = c->kernel_events;
		c->source = !c->lost				      ? TRACE_LOSS_NONE
			    : c->lost == lower && !c->unknown_markers ? TRACE_LOSS_AGREE
								      : TRACE_LOSS_KERNEL;
	} else {
		c->lost = lower;
		c->at_least = c->unknown_markers > 0;
		c->source = lower ? TRACE_LOSS_MARKERS : TRACE_LOSS_NONE;
	}
}

/* The kernel's count for each CPU both snapshots hold; the first inconsistency in the note. */
static void apply_counters(struct trace_loss_cpu **tab, size_t *n, const struct stats *a,
			   const struct stats *b, char *note, size_t notelen, int *nomem)
{
	size_t bad = 0, first = 0;
	size_t hi = a->n > b->n ? a->n : b->n;
	for (size_t i = 0; i < hi; i++) {
		const struct counters *s = i < a->n ? &a->cpu[i] : NULL;
		const struct counters *e = i < b->n ? &b->cpu[i] : NULL;
		bool in_a = s && s->seen, in_b = e && e->seen;
		if (!in_a && !in_b)
			continue;
		struct trace_loss_cpu *c = loss_cpu(tab, n, (unsigned)i);
		if (!c) {
			*nomem = 1;
			return;
		}
		if (!in_a || !in_b || e->overrun < s->overrun ||
		    e->commit_overrun < s->commit_overrun || e->dropped < s->dropped) {
			if (!bad++)
				first = i;
			continue;
		}
		c->have_kernel = true;
		c->kernel_events = (e->overrun - s->overrun) +
				   (e->commit_overrun - s->commit_overrun) +
				   (e->dropped - s->dropped);
		c->unread = e->entries;
	}
	if (bad)
		snprintf(note, notelen,
			 "the kernel's counters of %zu CPU%s (first: CPU %zu) are missing at one "
			 "end or went backwards: %s the markers alone",
			 bad, bad == 1 ? "" : "s", first,
			 bad == 1 ? "its figure is" : "their figures are");
}

int trace_gaps_loss(const char *start_stats, const char *end_stats,
		    const struct trace_lost_info *lost, size_t nr_lost, struct trace_gaps *g)
{
	struct stats a = { 0 }, b = { 0 };
	struct trace_loss_cpu *tab = NULL;
	size_t n = 0;
	int nomem = 0;

	g->cpus = NULL;
	g->nr_cpus = 0;
	g->lost = g->markers = g->unknown_markers = g->marker_events = g->kernel_events = 0;
	g->unread = 0;
	g->at_least = g->have_kernel = false;
	g->note[0] = 0;
	for (size_t i = 0; i < nr_lost; i++) {
		struct trace_loss_cpu *c = loss_cpu(&tab, &n, lost[i].cpu);
		if (!c) {
			nomem = 1;
			break;
		}
		c->markers++;
		if (lost[i].count == TRACE_LOST_UNKNOWN)
			c->unknown_markers++;
		else if (c->marker_events + lost[i].count < c->marker_events)
			c->marker_events = UINT64_MAX - 1; /* a hostile count: saturate */
		else
			c->marker_events += lost[i].count;
	}
	if (!start_stats || !end_stats) {
		snprintf(
			g->note, sizeof(g->note),
			start_stats || end_stats
				? "the trace has no %s snapshot (the recorder stopped early): lost "
				  "events are the markers' count alone"
				: "the trace has no kernel counters (%s): lost events are the "
				  "markers' count alone",
			!start_stats && !end_stats ? "start/cpu_stats, end/cpu_stats"
			: !start_stats		   ? "start/cpu_stats"
						   : "end/cpu_stats");
	} else if (!nomem) {
		int rc = stats_parse(start_stats, "start/cpu_stats", &a, g->note, sizeof(g->note));
		if (!rc)
			rc = stats_parse(end_stats, "end/cpu_stats", &b, g->note, sizeof(g->note));
		if (rc == -2)
			nomem = 1;
		else if (!rc)
			apply_counters(&tab, &n, &a, &b, g->note, sizeof(g->note), &nomem);
	}
	free(a.cpu);
	free(b.cpu);
	if (nomem) {
		free(tab);
		return TRACE_ENOMEM;
	}
	/* keep the CPUs with something to say, in CPU order */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct trace_loss_cpu *c = &tab[i];
		if (!c->markers && !c->have_kernel)
			continue;
		size_cpu(c);
		g->lost += c->lost;
		g->markers += c->markers;
		g->unknown_markers += c->unknown_markers;
		g->marker_events += c->marker_events;
		g->kernel_events += c->kernel_events;
		g->unread += c->unread;
		g->at_least |= c->at_least;
		g->have_kernel |= c->have_kernel;
		tab[k++] = *c;
	}
	if (start_stats && end_stats && !g->have_kernel && !g->note[0])
		snprintf(g->note, sizeof(g->note),
			 "the kernel's counter snapshots hold no CPU: lost events are the markers' "
			 "count alone");
	g->cpus = tab;
	g->nr_cpus = k;
	return 0;
}

void trace_gaps_addresses(const char *options, bool raw_header, char *mode, size_t len)
{
	snprintf(mode, len, "%s", raw_header ? "raw" : "unknown");
	for (const char *a = options; a && (a = strstr(a, "addresses: ")); a++)
		if (a == options || a[-1] == '\n') {
			char word[TRACE_GAPS_ADDRESSES];
			if (sscanf(a + 11, "%31s", word) == 1)
				snprintf(mode, len, "%s", word);
			break;
		}
}

/* A text snapshot by name, NUL-terminated (NULL when absent); < 0 when unreadable. */
static int load_text(struct trace_reader *r, const char *name, char **text)
{
	*text = NULL;
	for (size_t i = 0; i < trace_reader_meta_count(r); i++) {
		if (strcmp(trace_reader_meta(r, i)->name, name))
			continue;
		void *d;
		size_t len;
		int rc = trace_reader_meta_load(r, i, &d, &len);
		if (rc)
			return rc;
		char *s = realloc(d, len + 1);
		if (!s) {
			free(d);
			return TRACE_ENOMEM;
		}
		s[len] = 0;
		*text = s;
		return 0;
	}
	return 0;
}

int trace_gaps_read(struct trace_reader *r, struct trace_gaps *g)
{
	const struct trace_summary *s = trace_reader_summary(r);
	char *start = NULL, *end = NULL, *opts = NULL;
	int rc;

	memset(g, 0, sizeof(*g));
	if ((rc = load_text(r, "start/cpu_stats", &start)) ||
	    (rc = load_text(r, "end/cpu_stats", &end)) ||
	    (rc = load_text(r, "capture/options", &opts)))
		goto out;
	size_t n = trace_reader_lost_count(r);
	struct trace_lost_info *lost = n ? malloc(n * sizeof(*lost)) : NULL;
	if (n && !lost) {
		rc = TRACE_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		lost[i] = *trace_reader_lost(r, i);
	rc = trace_gaps_loss(start, end, lost, n, g);
	free(lost);
	trace_gaps_addresses(opts, trace_reader_header(r)->raw_addresses != 0, g->addresses,
			     sizeof(g->addresses));
	g->slab_events = s->type_counts[TRACE_SLAB_ALLOC] + s->type_counts[TRACE_SLAB_FREE] +
			 s->type_counts[TRACE_KMALLOC] + s->type_counts[TRACE_KFREE];
	g->slab_events_dropped = strcmp(g->addresses, "physical") ? g->slab_events : 0;
out:
	free(start);
	free(end);
	free(opts);
	return rc;
}

void trace_gaps_free(struct trace_gaps *g)
{
	free(g->cpus);
	g->cpus = NULL;
	g->nr_cpus = 0;
}

const char *trace_loss_source_name(enum trace_loss_source s)
{
	switch (s) {
	case TRACE_LOSS_MARKERS:
		return "markers";
	case TRACE_LOSS_KERNEL:
		return "kernel counters";
	case TRACE_LOSS_AGREE:
		return "markers = kernel counters";
	default:
		return "none";
	}
}

const char *trace_gaps_addresses_note(const char *mode)
{
	if (!strcmp(mode, "physical"))
		return NULL;
	if (!strcmp(mode, "hashed"))
		return "slab addresses are keyed hashes (the recorder could not locate the direct "
		       "map, or the trace was imported): no object can be placed on a slab page, "
		       "so "
		       "replay drops every slab event and replays slab pages as plain pages";
	if (!strcmp(mode, "raw"))
		return "slab addresses are raw kernel virtual addresses: no object can be placed "
		       "on "
		       "a slab page, so replay drops every slab event and replays slab pages as "
		       "plain pages";
	return "the trace does not say how slab addresses were stored: replay drops every slab "
	       "event and replays slab pages as plain pages";
}
