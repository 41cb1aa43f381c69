/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report_escape.h - one escaping function per output context, for every string that comes from
 * a trace or a results database (host names, arch, variant names, cache and event names, the
 * snapshots' text). Such strings are untrusted: a crafted trace or database must not be able to
 * put markup into an HTML report, break out of a JSON string, start a spreadsheet formula, or
 * send escape sequences to a terminal.
 *
 * Every function takes a NUL-terminated byte string that need not be valid UTF-8; invalid bytes
 * never pass through unchanged.
 */
#ifndef FRAGTRACE_REPORT_ESCAPE_H
#define FRAGTRACE_REPORT_ESCAPE_H

#include <stdio.h>

/*
 * XHTML/SVG text and double-quoted attribute values: & < > " ' as character references, control
 * characters (other than tab and newline) as a visible "\xNN", invalid UTF-8 and characters XML
 * forbids as U+FFFD. The output is well-formed XML character data.
 */
void report_escape_html(FILE *out, const char *s);
/*
 * A JSON string literal, quotes included: " and \ escaped, every control character, DEL, < > &
 * and U+2028/U+2029 as \u plus four hex digits (safe inside a <script> block too), invalid UTF-8 as \ufffd.
 */
void report_escape_json(FILE *out, const char *s);
/*
 * One RFC 4180 CSV field: quoted when it holds a comma, quote, CR or LF. A text cell starting
 * with = + - @ TAB or CR gets a leading ' so spreadsheets do not run it as a formula; numbers
 * (text is 0) are written as they are.
 */
void report_escape_csv(FILE *out, const char *s, int text);
/*
 * Text for a terminal: control characters (C0, DEL, C1) and invalid UTF-8 bytes as "\xNN",
 * C1 and bidirectional-override characters as "\u plus four hex digits", so a trace cannot move the cursor,
 * retitle the window or reorder what is shown. keep_newlines lets tab and newline through
 * (multi-line snapshots).
 */
void report_escape_term(FILE *out, const char *s, int keep_newlines);
/* report_escape_term(s, 0) into buf (truncated to fit, always terminated); returns buf. */
const char *report_escape_term_str(char *buf, size_t len, const char *s);

#endif
