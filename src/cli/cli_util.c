// SPDX-License-Identifier: GPL-2.0
/*
 * cli_util.c - error lines, number formatting, JSON strings, strict option parsing, opening
 * traces and the progress bar, for the subcommands.
 */
#include "cli.h"
#include "replay.h"
#include "report_escape.h"
#include "trace.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

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

void cli_json_u64(FILE *out, bool have, uint64_t v)
{
	if (have)
		fprintf(out, "%llu", (unsigned long long)v);
	else
		fputs("null", out);
}

/* A number as a person types it: starts with a digit or a point (no sign, no space, no "inf"). */
static int starts_numeric(const char *s)
{
	return isdigit((unsigned char)s[0]) || (s[0] == '.' && isdigit((unsigned char)s[1]));
}

int cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno == ERANGE || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	if (!starts_numeric(s))
		return -1;
	double v = strtod(s, &end);
	double mult = 1;
	switch (*end) {
	case 'K':
	case 'k':
		mult = 0x1p10;
		break;
	case 'M':
	case 'm':
		mult = 0x1p20;
		break;
	case 'G':
	case 'g':
		mult = 0x1p30;
		break;
	case 'T':
	case 't':
		mult = 0x1p40;
		break;
	}
	if (mult > 1)
		end++;
	v *= mult;
	if (*end || !isfinite(v) || v < (double)min || v > (double)max)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

int cli_parse_seconds(const char *s, uint64_t *ns)
{
	char *end;
	if (!starts_numeric(s))
		return -1;
	double d = strtod(s, &end);
	if (end == s || *end || !isfinite(d) || d < 0 || d > 1.8e10)
		return -1;
	*ns = (uint64_t)llround(d * 1e9);
	return 0;
}

struct trace_reader *cli_open_trace(const char *path)
{
	struct trace_reader *r;
	struct stat st;
	/* the reader seeks (index at the end): a FIFO or a terminal would block or fail later */
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		cli_error("%s: not a regular file (%s); traces are read with seeks, save it to a "
			  "file first",
			  path,
			  S_ISFIFO(st.st_mode)	? "a FIFO"
			  : S_ISDIR(st.st_mode) ? "a directory"
			  : S_ISCHR(st.st_mode) ? "a character device"
						: "not a file");
		return NULL;
	}
	if (trace_reader_open(path, &r)) {
		cli_error("%s", trace_reader_error(r));
		trace_reader_close(r);
		return NULL;
	}
	if (trace_reader_warning(r))
		cli_warning("%s", trace_reader_warning(r));
	return r;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_start(struct cli_progress *p, const char *name)
{
	p->name = name;
	p->start = now_s();
}

void cli_progress_show(void *ctx, uint64_t done, uint64_t total, unsigned pass, unsigned loops)
{
	struct cli_progress *p = ctx;
	if (!p->on || !total)
		return;
	double el = now_s() - p->start,
	       frac = (double)(done < total ? done : total) / (double)total;
	double rate = el > 0 ? (double)done / el : 0;
	double eta = rate > 0 ? (double)(total - (done < total ? done : total)) / rate : 0;
	char bar[31];
	int fill = (int)(frac * 30);
	for (int i = 0; i < 30; i++)
		bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
	bar[30] = 0;
	double scale = p->scale > 0 ? p->scale : 1e-6;
	const char *m = p->scale > 0 ? "" : "M";
	fprintf(stderr, "\r%s [%s] %3.0f%%  %.1f%s %s  %.1f%s/s  pass %u/%u  ETA %.0fs ", p->name,
		bar, frac * 100, (double)done * scale, m, p->unit, rate * scale, m, pass + 1, loops,
		eta);
	if (done >= total)
		fputc('\n', stderr);
}

void cli_host_settings(const struct replay_host_figures *hf, char *note, size_t nlen, char *warn,
		       size_t wlen)
{
	char s[64];
	if (!hf->have_page_reporting)
		snprintf(note, nlen,
			 "free page reporting: not in the trace: mainline assumes on, "
			 "order 9 (virtio-balloon, pageblock_order)");
	else if (hf->page_reporting_on)
		snprintf(note, nlen,
			 "free page reporting: on, order %u (start/page_reporting_order)",
			 hf->page_reporting_order);
	else
		snprintf(note, nlen, "free page reporting: off (start/page_reporting_order: %s)",
			 report_escape_term_str(s, sizeof(s), hf->page_reporting_text));
	snprintf(warn, wlen, "%s",
		 hf->shuffle_on ? "the host shuffles its free lists (page_alloc.shuffle Y); the "
				  "model does not"
				: "");
}
