// SPDX-License-Identifier: GPL-2.0
/*
 * capture_import.h - traces recorded by other tools into the .fgt format.
 */
#ifndef FRAGTRACE_CAPTURE_IMPORT_H
#define FRAGTRACE_CAPTURE_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct import_result {
	uint64_t events, lost_markers, bytes;
};

/* trace-cmd's trace.dat (any version libtracecmd reads). 0, or -1 with err set. */
int capture_import_tracecmd(const char *in, const char *out, bool raw_addresses,
			    struct import_result *res, char *err, size_t errlen);

/* Text from trace_pipe or `trace-cmd report` ("-" for stdin). 0, or -1 with err set. */
int capture_import_text(const char *in, const char *out, bool raw_addresses,
			struct import_result *res, char *err, size_t errlen);

#endif
