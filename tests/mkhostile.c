// SPDX-License-Identifier: GPL-2.0
/*
 * mkhostile.c - `mkhostile IN OUT`: copy a trace with hostile strings everywhere a trace carries
 * text, for the tests that check nothing from a trace reaches a report, a terminal or a JSON
 * document unescaped.
 *
 * The header's kernel release, arch, clock and tool version, the `addresses:` line of the
 * capture/options snapshot, every interned string (cache names, call sites, shrinkers, generic
 * event names) and one extra generic event get markup (<script>, an attribute breakout, "]]>"),
 * terminal escape sequences, other control characters and invalid UTF-8. Everything else
 * (events, timestamps, other snapshots) is copied as it is, so the result still replays.
 */
#include "trace_copy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What every hostile string carries: markup, an escape sequence, a bell, invalid UTF-8. */
#define HOSTILE "<script>alert(1)</script>\"><svg onload=alert(2)>]]>\x1b[31m\x07\xff\xc3("

/* The capture/options text with its addresses line made hostile (no spaces: it is one word). */
static char *hostile_options(const char *text, size_t len, size_t *out_len)
{
	static const char line[] = "addresses: <script>alert(3)</script>\x1b[2J\xfe\n";
	char *o = malloc(len + sizeof(line));
	size_t n = 0;
	if (!o)
		exit(1);
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (text + i)) + 1 : len - i;
		if (l < 11 || memcmp(text + i, "addresses: ", 11)) {
			memcpy(o + n, text + i, l);
			n += l;
		}
		i += l;
	}
	memcpy(o + n, line, sizeof(line) - 1);
	*out_len = n + sizeof(line) - 1;
	return o;
}

int main(int argc, char **argv)
{
	struct copy c = { .suffix = HOSTILE };
	if (argc != 3) {
		fprintf(stderr, "usage: mkhostile IN OUT\n");
		return 2;
	}
	if (trace_reader_open(argv[1], &c.r)) {
		fprintf(stderr, "mkhostile: %s\n", trace_reader_error(c.r));
		return 1;
	}
	struct trace_header h = *trace_reader_header(c.r);
	snprintf(h.kernel_release, sizeof(h.kernel_release), "%s", "6.18" HOSTILE);
	snprintf(h.arch, sizeof(h.arch), "%s", "\"><svg onload=alert(4)>\x1b]0;x\x07");
	snprintf(h.trace_clock, sizeof(h.trace_clock), "%s", "<script>\x1b[1A\xc0\xaf");
	snprintf(h.tool_version, sizeof(h.tool_version), "%s", "]]><b>\x9b\x1b[2K");
	struct trace_writer_options o = { 0 };
	if (trace_writer_open(argv[2], &h, &o, &c.w)) {
		fprintf(stderr, "mkhostile: %s\n", trace_writer_error(c.w));
		return 1;
	}
	for (size_t i = 0; i < trace_reader_meta_count(c.r); i++) {
		const char *name = trace_reader_meta(c.r, i)->name;
		void *data;
		size_t len;
		if (trace_reader_meta_load(c.r, i, &data, &len))
			return 1;
		if (!strcmp(name, "capture/options")) {
			char *opts = hostile_options(data, len, &len);
			free(data);
			data = opts;
		}
		trace_writer_add_meta(c.w, name, data, len);
		free(data);
	}
	static const uint8_t raw[4] = { 0x1b, '[', '2', 'J' };
	struct trace_event ev;
	int rc, extra = 1;
	while ((rc = trace_reader_next(c.r, &ev)) > 0) {
		copy_event_strings(&c, &ev);
		if (trace_writer_add(c.w, &ev))
			break;
		if (extra) {
			struct trace_event g = { .ts = ev.ts, .type = TRACE_GENERIC, .cpu = 0 };
			g.generic.name = trace_writer_string(c.w, "evil:" HOSTILE);
			g.generic.size = sizeof(raw);
			g.generic.data = raw;
			trace_writer_add(c.w, &g);
			extra = 0;
		}
	}
	return copy_finish(&c, "mkhostile", rc);
}
