// SPDX-License-Identifier: GPL-2.0
/* cli_util.c - error lines, number formatting and JSON strings for the subcommands. */
#include "cli.h"
#include "report_escape.h"
#include "trace.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("fragtrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_warning(const char *fmt, ...)
{
	va_list ap;
	fputs("fragtrace: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *cli_thousands(char *buf, size_t len, uint64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	size_t o = 0;
	for (int i = 0; i < n && o + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = 0;
	return buf;
}

const char *cli_bytes(char *buf, size_t len, uint64_t v)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
	double d = (double)v;
	int u = 0;
	while (d >= 1000 && u < 4) {
		d /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)v);
	else
		snprintf(buf, len, "%.1f %s", d, units[u]);
	return buf;
}

void cli_json_string(FILE *out, const char *s)
{
	report_escape_json(out, s);
}

int cli_parse_seconds(const char *s, uint64_t *ns)
{
	char *end;
	double d = strtod(s, &end);
	if (end == s || *end || !isfinite(d) || d < 0 || d > 1.8e10)
		return -1;
	*ns = (uint64_t)llround(d * 1e9);
	return 0;
}

struct trace_reader *cli_open_trace(const char *path)
{
	struct trace_reader *r;
	if (trace_reader_open(path, &r)) {
		cli_error("%s", trace_reader_error(r));
		trace_reader_close(r);
		return NULL;
	}
	if (trace_reader_warning(r))
		cli_warning("%s", trace_reader_warning(r));
	return r;
}
