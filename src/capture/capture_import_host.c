// SPDX-License-Identifier: GPL-2.0
/*
 * capture_import_host.c - the traced host as an import knows it. The output's header comes
 * from what the input stores, overridden by the command line (--release, --page-size, ...),
 * completed from a snapshot file (--snapshots) and finally marked "unknown". The snapshot file
 * is a trace without events written by `fragtrace snapshot` on the host, with the same start
 * snapshots `fragtrace record` takes (capture_snapshot.c); its blobs are copied into the import
 * before the first event, so the import replays like a trace recorded by fragtrace.
 *
 * Invariant: nothing is written when the snapshot file is unusable (not a trace, no
 * start/zoneinfo, another kernel than the input's).
 */
#include "capture_import_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static void set_str(char *dst, size_t cap, const char *flag, const char *snap)
{
	if (flag && flag[0])
		snprintf(dst, cap, "%s", flag);
	else if (!dst[0] && snap && snap[0] && strncmp(snap, "unknown", 7))
		snprintf(dst, cap, "%s", snap);
	if (!dst[0])
		snprintf(dst, cap, "unknown");
}

static int has_meta(struct trace_reader *r, const char *name)
{
	for (size_t i = 0; i < trace_reader_meta_count(r); i++)
		if (!strcmp(trace_reader_meta(r, i)->name, name))
			return 1;
	return 0;
}

/* Every blob of the snapshot file into w. */
static int copy_snapshots(struct trace_reader *r, struct trace_writer *w, const char *path,
			  struct import_result *res, char *err, size_t errlen)
{
	for (size_t i = 0; i < trace_reader_meta_count(r); i++) {
		void *data;
		size_t len;
		if (trace_reader_meta_load(r, i, &data, &len)) {
			snprintf(err, errlen, "%s: %s", path, trace_reader_error(r));
			return -1;
		}
		int rc = trace_writer_add_meta(w, trace_reader_meta(r, i)->name, data, len);
		free(data);
		if (rc) {
			snprintf(err, errlen, "%s", trace_writer_error(w));
			return -1;
		}
		res->snapshots++;
	}
	return 0;
}

int import_writer_open(const char *in, const char *out, struct trace_header *h,
		       const struct import_options *o, const char *source,
		       struct import_result *res, struct trace_writer **w, char *err, size_t errlen)
{
	struct trace_reader *snap = NULL;
	const struct trace_header *sh = NULL;
	int rc = -1;

	*w = NULL;
	if (o->snapshots) {
		if (trace_reader_open(o->snapshots, &snap)) {
			snprintf(err, errlen, "--snapshots %s",
				 snap ? trace_reader_error(snap) : "");
			goto out;
		}
		if (!has_meta(snap, "start/zoneinfo")) {
			snprintf(err, errlen,
				 "%s: no start/zoneinfo snapshot (make it with 'fragtrace "
				 "snapshot')",
				 o->snapshots);
			goto out;
		}
		sh = trace_reader_header(snap);
		const char *mine = o->release && o->release[0] ? o->release : h->kernel_release;
		if (mine[0] && sh->kernel_release[0] && strcmp(mine, sh->kernel_release)) {
			snprintf(err, errlen,
				 "%s: snapshots of kernel %s, but %s was traced on %s: pair a "
				 "capture with snapshots of the same boot",
				 o->snapshots, sh->kernel_release, in, mine);
			goto out;
		}
	}
	set_str(h->kernel_release, sizeof(h->kernel_release), o->release,
		sh ? sh->kernel_release : NULL);
	set_str(h->arch, sizeof(h->arch), o->arch, sh ? sh->arch : NULL);
	set_str(h->trace_clock, sizeof(h->trace_clock), o->clock, NULL);
	if (o->page_size)
		h->page_size = o->page_size;
	if (!h->page_size && sh)
		h->page_size = sh->page_size;
	if (o->cpus)
		h->cpu_count = o->cpus;
	if (!h->cpu_count && sh)
		h->cpu_count = sh->cpu_count;
	if (!h->page_size && !strcmp(h->arch, "x86_64"))
		h->page_size = 4096; /* the one base page size there */
	if (sh && sh->pageblock_order)
		h->pageblock_order = sh->pageblock_order;
	snprintf(h->tool_version, sizeof(h->tool_version), "fragtrace import (%s)", source);
	snprintf(res->release, sizeof(res->release), "%s", h->kernel_release);
	snprintf(res->arch, sizeof(res->arch), "%s", h->arch);
	snprintf(res->clock, sizeof(res->clock), "%s", h->trace_clock);
	res->page_size = h->page_size;
	res->cpus = h->cpu_count;

	const char *inputs[] = { strcmp(in, "-") ? in : "/dev/stdin", o->snapshots, NULL };
	struct trace_writer_options wo = { .inputs = inputs };
	if (trace_writer_open(out, h, &wo, w)) {
		snprintf(err, errlen, "%s", trace_writer_error(*w));
		goto out;
	}
	if (snap && copy_snapshots(snap, *w, o->snapshots, res, err, errlen))
		goto out;
	rc = 0;
out:
	if (snap)
		trace_reader_close(snap);
	return rc;
}

int capture_snapshot_file(const char *out, const char *tool_version, struct import_result *res,
			  char *err, size_t errlen)
{
	struct trace_header h = { .page_size = (uint32_t)sysconf(_SC_PAGESIZE),
				  .pageblock_order = 9,
				  .time_resolution_ns = 1000 };
	struct trace_writer *w = NULL;
	struct utsname u;
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	FILE *f = fopen("/proc/pagetypeinfo", "r");
	char line[256];
	int rc = -1;

	memset(res, 0, sizeof(*res));
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Page block order: %u", &h.pageblock_order) == 1)
			break;
	if (f)
		fclose(f);
	if (access("/proc/zoneinfo", R_OK)) {
		snprintf(err, errlen, "/proc/zoneinfo: not readable: no memory layout to save");
		return -1;
	}
	h.cpu_count = cpus > 0 ? (uint32_t)cpus : 0;
	if (!uname(&u)) {
		snprintf(h.kernel_release, sizeof(h.kernel_release), "%.127s", u.release);
		snprintf(h.arch, sizeof(h.arch), "%.31s", u.machine);
	}
	snprintf(h.trace_clock, sizeof(h.trace_clock), "none");
	snprintf(h.tool_version, sizeof(h.tool_version), "fragtrace snapshot %.12s",
		 tool_version ? tool_version : "");
	if (trace_writer_open(out, &h, &(struct trace_writer_options){ 0 }, &w)) {
		snprintf(err, errlen, "%s", trace_writer_error(w));
		goto out;
	}
	double secs;
	uint64_t pages = 0;
	if (snapshot_take(w, "start", true, &secs, &pages, err, errlen))
		goto out;
	if (trace_writer_close(w)) {
		snprintf(err, errlen, "%s", trace_writer_error(w));
		goto out;
	}
	snprintf(res->release, sizeof(res->release), "%s", h.kernel_release);
	snprintf(res->arch, sizeof(res->arch), "%s", h.arch);
	res->page_size = h.page_size;
	res->cpus = h.cpu_count;
	res->bytes = trace_writer_bytes(w);
	res->pagemap_pages = pages;
	rc = 0;
out:
	trace_writer_free(w);
	return rc;
}
