// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_trace_reader.c - libFuzzer target for the .fgt reader: open, read every event, seek,
 * load every metadata blob, then the same through the salvage read that recover uses (every
 * section scanned, damaged ones skipped). Any input must give an error or events, never a
 * crash, a hang or a sanitizer report. The input reaches the reader as a file through a memfd.
 */
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_everything(struct trace_reader *r)
{
	const struct trace_event *evs;
	int n;
	uint64_t last = 0;
	while ((n = trace_reader_next_batch(r, &evs)) > 0)
		last = evs[n - 1].ts;
	if (trace_reader_chunk_count(r)) {
		struct trace_event ev;
		trace_reader_seek(r, last / 2);
		trace_reader_next(r, &ev);
	}
	for (size_t i = 0; i < trace_reader_meta_count(r); i++) {
		void *blob;
		size_t len;
		if (trace_reader_meta_load(r, i, &blob, &len) == 0)
			free(blob);
	}
	for (size_t i = 0; i < trace_reader_generic_count(r); i++) {
		uint64_t count;
		trace_reader_generic_name(r, i, &count);
	}
	for (size_t i = 0; i < trace_reader_damage_count(r); i++)
		trace_reader_damage(r, i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("fgt-fuzz", 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;

	for (unsigned int flags = 0; flags <= TRACE_READ_SALVAGE; flags += TRACE_READ_SALVAGE) {
		struct trace_reader *r;
		if (trace_reader_open_flags(path, flags, &r) == 0)
			read_everything(r);
		trace_reader_close(r);
	}
	return 0;
}
