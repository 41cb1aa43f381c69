// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_recover.c - `fragtrace recover FILE`: make a trace whose writer died (SIGKILL, a crash,
 * a full disk) whole again. The reader already reads such a file up to its last complete
 * chunk; recover copies the header, every readable snapshot and every readable event into a
 * new file with its index and footer, then puts it in place of the old one. The damaged tail
 * is dropped; what was readable is kept byte for byte in meaning.
 */
#include "cli.h"
#include "trace.h"

#include <stdlib.h>
#include <string.h>

static void recover_usage(FILE *out)
{
	fprintf(out, "usage: fragtrace recover [-o OUT] FILE\n\n"
		     "Rewrite a trace cut short (its recorder killed) with a complete index and "
		     "footer.\n"
		     "Without -o the file is replaced.\n");
}

static uint32_t remap(uint32_t id, const uint32_t *map, size_t nmap)
{
	return id && id < nmap ? map[id] : id;
}

/* The event's string ids, from the old file's numbering to the new one's. */
static void remap_strings(struct trace_event *ev, const uint32_t *map, size_t nmap)
{
	switch (ev->type) {
	case TRACE_SLAB_ALLOC:
	case TRACE_SLAB_FREE:
	case TRACE_KMALLOC:
	case TRACE_KFREE:
		ev->slab.cache = remap(ev->slab.cache, map, nmap);
		ev->slab.call_site = remap(ev->slab.call_site, map, nmap);
		break;
	case TRACE_SHRINK_START:
		ev->shrink_start.shrinker = remap(ev->shrink_start.shrinker, map, nmap);
		break;
	case TRACE_SHRINK_END:
		ev->shrink_end.shrinker = remap(ev->shrink_end.shrinker, map, nmap);
		break;
	case TRACE_GENERIC:
		ev->generic.name = remap(ev->generic.name, map, nmap);
		break;
	}
}

static int recover_run(int argc, char **argv)
{
	const char *out = NULL, *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (argv[i][0] == '-') {
			recover_usage(stderr);
			return EXIT_USAGE;
		} else if (!path)
			path = argv[i];
		else {
			recover_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!path) {
		recover_usage(stderr);
		return EXIT_USAGE;
	}
	struct trace_reader *r = cli_open_trace(path);
	if (!r)
		return EXIT_RUNTIME;
	/* Without -o the input is replaced on purpose; with -o it must not be (safe_output). */
	const char *inputs[] = { path, NULL };
	struct trace_writer_options wo = { .inputs = out ? inputs : NULL };
	struct trace_header h = *trace_reader_header(r);
	struct trace_writer *w;
	int rc = EXIT_RUNTIME;
	if (trace_writer_open(out ? out : path, &h, &wo, &w)) {
		cli_error("%s", trace_writer_error(w));
		trace_writer_free(w);
		trace_reader_close(r);
		return EXIT_RUNTIME;
	}
	/* strings: the reader's ids are kept by interning in id order */
	uint32_t *map = NULL;
	size_t nmap = 0;
	for (uint32_t id = 1;; id++) {
		const char *s = trace_reader_string(r, id);
		if (!s)
			break;
		uint32_t *nm = realloc(map, (id + 1) * sizeof(*nm));
		if (!nm)
			goto fail;
		map = nm;
		map[id] = trace_writer_intern(w, s);
		nmap = id + 1;
	}
	for (size_t i = 0; i < trace_reader_meta_count(r); i++) {
		void *data;
		size_t len;
		if (trace_reader_meta_load(r, i, &data, &len))
			continue; /* a damaged blob is dropped */
		int bad = trace_writer_add_meta(w, trace_reader_meta(r, i)->name, data, len);
		free(data);
		if (bad)
			goto fail;
	}
	const struct trace_event *evs;
	int n;
	uint64_t events = 0;
	while ((n = trace_reader_next_batch(r, &evs)) > 0)
		for (int i = 0; i < n; i++, events++) {
			struct trace_event ev = evs[i];
			remap_strings(&ev, map, nmap);
			if (trace_writer_add(w, &ev))
				goto fail;
		}
	if (n < 0)
		cli_warning("%s: stopped at damage: %s", path, trace_reader_error(r));
	if (trace_writer_close(w))
		goto fail;
	char buf[32];
	printf("[ fragtrace recover: %s: %s events, index and footer rewritten ]\n",
	       out ? out : path, cli_thousands(buf, sizeof(buf), events));
	rc = EXIT_OK;
	goto done;
fail:
	cli_error("%s", trace_writer_error(w));
done:
	free(map);
	trace_writer_free(w);
	trace_reader_close(r);
	return rc;
}

const struct cli_command cmd_recover = { "recover", "rewrite the index of a trace cut short",
					 recover_run, recover_usage };
