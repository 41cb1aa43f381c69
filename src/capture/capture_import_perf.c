// SPDX-License-Identifier: GPL-2.0
/*
 * capture_import_perf.c - the syntax of `perf script` text, for `fragtrace import`: a capture
 * made with `perf record -e 'kmem:*'` and printed with `perf script --header -I
 * --show-lost-events`.
 *
 * An event line is "COMM PID [CPU] SECONDS: SYSTEM:EVENT: FIELDS" (COMM may hold spaces; PID is
 * the last word before the '['), and its FIELDS are the kernel's print format, as in
 * trace_pipe, so capture_import_text.c converts them. "PERF_RECORD_LOST lost N" (and
 * PERF_RECORD_LOST_SAMPLES) lines in place of an event are lost events on that CPU (an unknown
 * number when the line gives none). The
 * header's "# key : value" lines give the host: os release, arch, nrcpus avail; total memory
 * and the memory nodes' block ranges (-I) are kept as text in capture/options.
 */
#include "capture_import_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *skip_spaces(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

bool perf_parse_line(char *line, struct perf_line *pl)
{
	char *lb = strchr(line, '['), *rb = lb ? strchr(lb, ']') : NULL;
	if (!lb || !rb || lb == line || line[0] == '#')
		return false;
	/* PID: the digits right before " [" */
	char *p = lb;
	while (p > line && p[-1] == ' ')
		p--;
	char *digits_end = p;
	while (p > line && isdigit((unsigned char)p[-1]))
		p--;
	if (p == digits_end || (p > line && p[-1] != ' ' && p[-1] != '\t'))
		return false;
	memset(pl, 0, sizeof(*pl));
	pl->pid = atoi(p);
	char *end;
	long cpu = strtol(lb + 1, &end, 10);
	if (end == lb + 1 || end != rb || cpu < 0 || cpu > 65535)
		return false;
	pl->cpu = (int)cpu;
	char *s = skip_spaces(rb + 1);
	double secs = strtod(s, &end);
	if (end == s || *end != ':' || !(secs >= 0 && secs < 1.8e10))
		return false;
	pl->ts = (uint64_t)(secs * 1e9 + 0.5);
	s = skip_spaces(end + 1);
	char *nl = strpbrk(s, "\r\n");
	if (nl)
		*nl = 0;
	if (!strncmp(s, "PERF_RECORD_LOST", 16)) { /* "... lost 12", "... lost: 12" */
		const char *l = strstr(s + 16, "lost");
		char *after = NULL;
		unsigned long long n = 0;
		if (l) {
			l += 4;
			while (*l == ':' || *l == ' ')
				l++;
			n = strtoull(l, &after, 10);
		}
		pl->lost = l && after != l && n ? n : TRACE_LOST_UNKNOWN;
		return true;
	}
	/* "SYSTEM:EVENT:" then the fields */
	char *colon = strchr(s, ':');
	if (!colon || colon == s)
		return false;
	char *colon2 = strchr(colon + 1, ':'), *space = strchr(s, ' ');
	if (!colon2 || colon2 == colon + 1 || (space && space < colon2))
		return false;
	*colon = 0;
	*colon2 = 0;
	pl->system = s;
	pl->event = colon + 1;
	pl->rest = skip_spaces(colon2 + 1);
	return true;
}

/* "# key : value" with the key matched exactly; the value, spaces trimmed, or NULL. */
static const char *header_value(const char *line, const char *key, char *buf, size_t cap)
{
	size_t kl = strlen(key);
	if (line[0] != '#')
		return NULL;
	const char *p = line + 1;
	while (*p == ' ')
		p++;
	if (strncmp(p, key, kl))
		return NULL;
	p += kl;
	while (*p == ' ')
		p++;
	if (*p != ':')
		return NULL;
	p++;
	while (*p == ' ')
		p++;
	snprintf(buf, cap, "%s", p);
	size_t n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return buf;
}

bool perf_parse_header(const char *line, struct trace_header *h, char *notes, size_t cap)
{
	char v[256];
	if (line[0] != '#')
		return false;
	if (header_value(line, "os release", v, sizeof(v)))
		snprintf(h->kernel_release, sizeof(h->kernel_release), "%.127s", v);
	else if (header_value(line, "arch", v, sizeof(v)))
		snprintf(h->arch, sizeof(h->arch), "%.31s", v);
	else if (header_value(line, "nrcpus avail", v, sizeof(v)))
		h->cpu_count = (uint32_t)strtoul(v, NULL, 10);
	/* memory: "# total memory : N kB", "# node0 meminfo : ...", "# memory nodes (...)",
	 * and the node lines that follow it ("#    0 [24G]: 0-23,32-199") */
	if (strstr(line, "total memory") || strstr(line, "meminfo") ||
	    strstr(line, "memory nodes") || strstr(line, "]: ") || strstr(line, "os release") ||
	    strstr(line, "perf version") || strstr(line, "nrcpus")) {
		size_t used = strlen(notes);
		if (used + strlen(line) + 2 < cap)
			snprintf(notes + used, cap - used, "perf header %s%s", line + 1,
				 strchr(line, '\n') ? "" : "\n");
	}
	return true;
}

bool perf_looks_like(const char *line)
{
	char copy[1024];
	struct perf_line pl;
	if (!strncmp(line, "# ========", 10) || !strncmp(line, "# captured on", 13))
		return true;
	snprintf(copy, sizeof(copy), "%s", line);
	return perf_parse_line(copy, &pl);
}
