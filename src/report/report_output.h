/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report_output.h - how the exporters (HTML, CSV, Perfetto) open and finish their files: through
 * safe_output, with the results database they read named as the input they must never replace.
 */
#ifndef FRAGTRACE_REPORT_OUTPUT_H
#define FRAGTRACE_REPORT_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

struct sqlite3;
struct safe_output;

/* A stream on a new file that becomes path at report_output_close(); NULL and err on failure. */
FILE *report_output_open(struct sqlite3 *db, const char *path, struct safe_output **so, char *err,
			 size_t errlen);
/* ok: commit the file under its name (0 or -1 and err); !ok: drop it and return -1. */
int report_output_close(struct safe_output *so, const char *path, int ok, char *err, size_t errlen);

#endif
