// SPDX-License-Identifier: GPL-2.0
/*
 * report_escape.c - escaping untrusted strings for HTML/SVG, JSON, CSV and terminals.
 *
 * All four walk the string one UTF-8 sequence at a time (utf8_decode), so a byte that does not
 * start a valid, shortest-form sequence of a code point outside the surrogates is recognised
 * as invalid and replaced, never copied. Strings are short (names, host facts), so the output
 * goes character by character through stdio.
 */
#include "report_escape.h"

#include <stdint.h>
#include <string.h>

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/* Length of the valid UTF-8 sequence at s and its code point, or 0 when s does not start one. */
static int utf8_decode(const unsigned char *s, uint32_t *cp)
{
	uint32_t c, min;
	int n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	for (int i = 1; i < n; i++) { /* the terminating NUL fails this test */
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static int is_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/* The visible form of a control character: \xNN for C0 and DEL, \u plus four hex digits for C1. */
static void visible_control(FILE *out, uint32_t c)
{
	if (c < 0x80)
		fprintf(out, "\\x%02x", (unsigned int)c);
	else
		fprintf(out, "\\u%04x", (unsigned int)c);
}

void report_escape_html(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c;

	while (*s) {
		int n = utf8_decode(s, &c);
		if (!n) {
			fputs(replacement, out);
			s++;
			continue;
		}
		if (c == '&')
			fputs("&amp;", out);
		else if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '"')
			fputs("&quot;", out);
		else if (c == '\'')
			fputs("&#39;", out);
		else if (c == '\t' || c == '\n')
			fputc((int)c, out);
		else if (is_control(c))
			visible_control(out, c);
		else if (c == 0xfffe || c == 0xffff) /* not XML characters */
			fputs(replacement, out);
		else
			fwrite(s, 1, (size_t)n, out);
		s += n;
	}
}

void report_escape_json(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c;

	fputc('"', out);
	while (*s) {
		int n = utf8_decode(s, &c);
		if (!n) {
			fputs("\\ufffd", out);
			s++;
			continue;
		}
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", (int)c);
		else if (is_control(c) || c == '<' || c == '>' || c == '&' || c == 0x2028 ||
			 c == 0x2029)
			fprintf(out, "\\u%04x", (unsigned int)c);
		else
			fwrite(s, 1, (size_t)n, out);
		s += n;
	}
	fputc('"', out);
}

/* s with invalid UTF-8 replaced, for formats that take any valid text as it is. */
static void utf8_clean(FILE *out, const unsigned char *s, int double_quotes)
{
	uint32_t c;
	while (*s) {
		int n = utf8_decode(s, &c);
		if (!n) {
			fputs(replacement, out);
			s++;
			continue;
		}
		if (double_quotes && c == '"')
			fputc('"', out);
		fwrite(s, 1, (size_t)n, out);
		s += n;
	}
}

void report_escape_csv(FILE *out, const char *str, int text)
{
	int formula = text && str[0] && strchr("=+-@\t\r", str[0]);
	int quote = strpbrk(str, ",\"\n\r") != NULL;

	if (quote)
		fputc('"', out);
	if (formula)
		fputc('\'', out);
	utf8_clean(out, (const unsigned char *)str, quote);
	if (quote)
		fputc('"', out);
}

static int is_bidi_control(uint32_t c)
{
	return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e ||
	       c == 0x200f || c == 0x061c;
}

void report_escape_term(FILE *out, const char *str, int keep_newlines)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c;

	while (*s) {
		int n = utf8_decode(s, &c);
		if (!n) {
			fprintf(out, "\\x%02x", *s);
			s++;
			continue;
		}
		if (keep_newlines && (c == '\n' || c == '\t'))
			fputc((int)c, out);
		else if (is_control(c))
			visible_control(out, c);
		else if (is_bidi_control(c))
			fprintf(out, "\\u%04x", (unsigned int)c);
		else
			fwrite(s, 1, (size_t)n, out);
		s += n;
	}
}

const char *report_escape_term_str(char *buf, size_t len, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p >= 0x20 && *p < 0x7f)
		p++;
	if (!*p) { /* printable ASCII, the common case (dump prints millions of names) */
		snprintf(buf, len, "%s", s);
		return buf;
	}
	FILE *m = fmemopen(buf, len, "w");
	if (!m) {
		snprintf(buf, len, "?");
		return buf;
	}
	report_escape_term(m, s, 0);
	fclose(m);
	buf[len - 1] = 0;
	return buf;
}
