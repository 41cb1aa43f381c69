// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_import_text.c - libFuzzer target for `fragtrace import` of text: any bytes as the text
 * file, read as ftrace text (--text), perf script text (--perf) or either (seen from the
 * input), by the first byte; the import must finish with a trace or a clean error, never crash
 * or hang.
 */
#include "capture_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char in[64], out[64];
	if (!in[0]) {
		snprintf(in, sizeof(in), "/tmp/fuzz-text-%d.txt", (int)getpid());
		snprintf(out, sizeof(out), "/tmp/fuzz-text-%d.fgt", (int)getpid());
	}
	FILE *f = fopen(in, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	struct import_result res;
	char err[256];
	static const enum import_text_format formats[3] = { IMPORT_TEXT_AUTO, IMPORT_TEXT_FTRACE,
							    IMPORT_TEXT_PERF };
	struct import_options o = { .text_format = formats[size ? data[0] % 3 : 0] };
	capture_import_text(in, out, &o, &res, err, sizeof(err));
	unlink(in);
	unlink(out);
	return 0;
}
