// SPDX-License-Identifier: GPL-2.0
/*
 * test_capture_merge.c - the recorder's merge of per-CPU queues (capture_merge.c): events come
 * out in time order across CPUs, and an event that reaches the merge after a later one was
 * written keeps its time: it is never written re-stamped (the old recorder gave it the time
 * of the event before it); it becomes a lost marker of one event, is counted as late with
 * its lateness and type, and the hold-back grows. Lost markers never go back in their CPU.
 */
#include "capture_internal.h"
#include "test_tmp.h"
#include "test_util.h"

static struct trace_event page(uint64_t ts, uint16_t cpu, uint64_t pfn)
{
	struct trace_event e = { .ts = ts, .type = TRACE_PAGE_ALLOC, .cpu = cpu, .pid = 7 };
	e.page.pfn = pfn;
	return e;
}

int main(void)
{
	char path[128];
	struct trace_header h;
	struct trace_writer *w;
	struct capture_result res = { 0 };
	bool more;

	test_tmp_path(path, sizeof(path), "merge");
	test_header(&h, 1);
	CHECK(trace_writer_open(path, &h, NULL, &w) == 0, "open: %s", trace_writer_error(w));
	struct capture_merge *m = merge_create(2, w, &res);
	CHECK(m != NULL, "merge_create");

	/* two CPUs interleaved; the watermark lets 100..400 out, one at a time at most 2 */
	struct trace_event in[] = { page(100, 0, 1), page(300, 0, 3), page(200, 1, 2),
				    page(400, 1, 4), page(900, 1, 9) };
	for (size_t i = 0; i < 5; i++)
		CHECK(merge_push(m, in[i].cpu, &in[i]) == 0, "push %zu", i);
	CHECK(merge_emit(m, 500, 2, &more) == 0 && more, "a limited emit leaves more");
	CHECK(merge_emit(m, 500, UINT64_MAX, &more) == 0 && !more, "the rest below 500");
	CHECK(merge_queued(m) == 1, "900 waits for the watermark, got %llu",
	      (unsigned long long)merge_queued(m));

	/* CPU 0 gives an event stamped 250: 300 and 400 are written already */
	struct trace_event late = page(250, 0, 25);
	CHECK(merge_push(m, 0, &late) == 0, "push late");
	/* a lost marker stamped before what its CPU queued goes after it (a position) */
	struct trace_event lost = { .ts = 120, .type = TRACE_LOST, .cpu = 1, .lost.count = 5 };
	CHECK(merge_push(m, 1, &lost) == 0, "push marker");
	CHECK(merge_emit(m, UINT64_MAX, UINT64_MAX, &more) == 0, "emit all");
	CHECK(res.late_events == 1 && res.late_max_ns == 150, "late %llu, by %llu ns",
	      (unsigned long long)res.late_events, (unsigned long long)res.late_max_ns);
	CHECK(res.late_by_type[TRACE_PAGE_ALLOC] == 1, "late by type");
	CHECK(merge_slack(m) == MERGE_SLACK_NS, "150 ns late keeps the 50 ms hold-back");
	CHECK(res.lost_events == 6 && res.lost_markers == 2, "lost %llu in %llu",
	      (unsigned long long)res.lost_events, (unsigned long long)res.lost_markers);
	merge_free(m);
	CHECK(trace_writer_close(w) == 0, "close");
	trace_writer_free(w);

	struct trace_reader *r;
	struct trace_event ev;
	CHECK(trace_reader_open(path, &r) == 0, "reader: %s", trace_reader_error(r));
	uint64_t want_pfn[] = { 1, 2, 3, 4 }, prev = 0;
	int i = 0, markers = 0;
	while (trace_reader_next(r, &ev) == 1) {
		CHECK(ev.ts >= prev, "event %d goes back in time", i);
		prev = ev.ts;
		if (ev.type == TRACE_LOST) {
			markers++;
			continue;
		}
		/* every page event carries its own time: pfn n at n * 100 */
		CHECK(ev.ts == ev.page.pfn * 100 || (ev.page.pfn == 25 && ev.ts == 250),
		      "pfn %llu written at %llu (re-stamped)", (unsigned long long)ev.page.pfn,
		      (unsigned long long)ev.ts);
		CHECK(ev.page.pfn != 25, "the late event was written at %llu, not its 250",
		      (unsigned long long)ev.ts);
		if (i < 4)
			CHECK(ev.page.pfn == want_pfn[i], "order: %d is pfn %llu", i,
			      (unsigned long long)ev.page.pfn);
		i++;
	}
	CHECK(i == 5 && markers == 2, "%d events, %d markers", i, markers);
	trace_reader_close(r);

	/* a late event of 200 ms doubles the hold-back past it */
	CHECK(trace_writer_open(path, &h, NULL, &w) == 0, "reopen");
	memset(&res, 0, sizeof(res));
	m = merge_create(1, w, &res);
	struct trace_event a = page(300000000, 0, 1), b = page(100000000, 0, 2);
	merge_push(m, 0, &a);
	merge_emit(m, UINT64_MAX, UINT64_MAX, &more);
	merge_push(m, 0, &b);
	merge_emit(m, UINT64_MAX, UINT64_MAX, &more);
	CHECK(res.cpu_backwards == 1 && res.late_events == 1, "backwards %llu, late %llu",
	      (unsigned long long)res.cpu_backwards, (unsigned long long)res.late_events);
	CHECK(merge_slack(m) == 400000000, "hold-back %llu", (unsigned long long)merge_slack(m));
	merge_free(m);
	trace_writer_close(w);
	trace_writer_free(w);
	unlink(path);
	if (test_failures)
		return 1;
	printf("capture_merge: all checks pass\n");
	return 0;
}
