// SPDX-License-Identifier: GPL-2.0
/*
 * test_trace_gaps.c - lost events sized from markers and the kernel's counters
 * (src/trace/trace_gaps.c), on the cases the shell test cannot reach with a real trace: a
 * marker count above the kernel's (the recorder's own losses), a CPU missing at one end, a
 * counter going backwards, commit overrun and dropped events, hostile counts, malformed text,
 * and the addresses line.
 */
#include "test_util.h"
#include "trace_gaps.h"

static struct trace_lost_info mk(unsigned cpu, uint64_t count)
{
	return (struct trace_lost_info){ .cpu = (uint16_t)cpu, .count = count };
}

static const char start2[] = "cpu0:\nentries: 0\noverrun: 10\ncommit overrun: 0\n"
			     "dropped events: 0\nread events: 5\ncpu1:\nentries: 0\noverrun: 0\n"
			     "commit overrun: 1\ndropped events: 0\n";

static void test_sizes(void)
{
	struct trace_gaps g = { 0 };
	/* CPU 0: overrun +5 while markers say 7 (2 of them the recorder's); CPU 1: commit
	 * overrun +2 and dropped +3 with one unknown marker; 4 left unread */
	const char end[] = "cpu0:\nentries: 0\noverrun: 15\ncommit overrun: 0\n"
			   "dropped events: 0\ncpu1:\nentries: 4\noverrun: 0\n"
			   "commit overrun: 3\ndropped events: 3\n";
	struct trace_lost_info l[] = { mk(0, 5), mk(0, 2), mk(1, TRACE_LOST_UNKNOWN) };
	CHECK(trace_gaps_loss(start2, end, l, 3, &g) == 0, "rc");
	CHECK(g.nr_cpus == 2, "%zu cpus", g.nr_cpus);
	CHECK(g.cpus[0].lost == 7 && g.cpus[0].source == TRACE_LOSS_MARKERS, "cpu0 %" PRIu64,
	      g.cpus[0].lost);
	CHECK(g.cpus[1].lost == 5 && g.cpus[1].source == TRACE_LOSS_KERNEL && !g.cpus[1].at_least,
	      "cpu1 %" PRIu64, g.cpus[1].lost);
	CHECK(g.lost == 12 && g.kernel_events == 10 && g.unread == 4 && !g.note[0],
	      "total %" PRIu64 " kernel %" PRIu64 " note %s", g.lost, g.kernel_events, g.note);
	trace_gaps_free(&g);
}

static void test_unsized(void)
{
	struct trace_gaps g = { 0 };
	/* the kernel saw nothing on CPU 0, yet two markers of unknown size: at least 2 */
	const char s[] = "cpu0:\noverrun: 3\n", e[] = "cpu0:\noverrun: 3\n";
	struct trace_lost_info l[] = { mk(0, TRACE_LOST_UNKNOWN), mk(0, TRACE_LOST_UNKNOWN) };
	CHECK(trace_gaps_loss(s, e, l, 2, &g) == 0, "rc");
	CHECK(g.lost == 2 && g.at_least && g.cpus[0].source == TRACE_LOSS_MARKERS, "%" PRIu64,
	      g.lost);
	trace_gaps_free(&g);
}

static void test_inconsistent(void)
{
	struct trace_gaps g = { 0 };
	/* CPU 0 went backwards, CPU 1 is missing at the end: both get the markers alone */
	const char end[] = "cpu0:\noverrun: 9\n";
	struct trace_lost_info l[] = { mk(1, 4) };
	CHECK(trace_gaps_loss(start2, end, l, 1, &g) == 0, "rc");
	CHECK(g.lost == 4 && !g.have_kernel, "%" PRIu64, g.lost);
	CHECK(strstr(g.note, "2 CPUs (first: CPU 0)") != NULL, "note %s", g.note);
	trace_gaps_free(&g);
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"overrun: 1\n",				  /* before any CPU */
		"cpu0:\noverrun: x\n",			  /* not a number */
		"cpu0:\noverrun: -1\n",			  /* a sign */
		"cpu0:\noverrun 1\n",			  /* no "name: " */
		"cpu0:\ncpu0:\n",			  /* a CPU twice */
		"cpu99999:\n",				  /* beyond 16 bits */
		"cpu0:\noverrun: 99999999999999999999\n", /* out of range */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct trace_gaps g = { 0 };
		struct trace_lost_info l[] = { mk(0, 3) };
		CHECK(trace_gaps_loss(start2, bad[i], l, 1, &g) == 0, "rc %zu", i);
		CHECK(g.lost == 3 && !g.have_kernel && strstr(g.note, "end/cpu_stats line"),
		      "case %zu: %" PRIu64 " %s", i, g.lost, g.note);
		trace_gaps_free(&g);
	}
}

static void test_hostile_counts(void)
{
	struct trace_gaps g = { 0 };
	struct trace_lost_info l[] = { mk(2, UINT64_MAX - 5), mk(2, 100) };
	CHECK(trace_gaps_loss(NULL, NULL, l, 2, &g) == 0, "rc");
	CHECK(g.lost == UINT64_MAX - 1 && strstr(g.note, "no kernel counters"), "%" PRIu64 " %s",
	      g.lost, g.note);
	trace_gaps_free(&g);
	CHECK(trace_gaps_loss("cpu0:\noverrun: 1\n", NULL, NULL, 0, &g) == 0, "rc");
	CHECK(g.lost == 0 && strstr(g.note, "no end/cpu_stats"), "%s", g.note);
	trace_gaps_free(&g);
}

static void test_addresses(void)
{
	char m[TRACE_GAPS_ADDRESSES];
	trace_gaps_addresses("events: x\naddresses: hashed\n", false, m, sizeof(m));
	CHECK(!strcmp(m, "hashed"), "%s", m);
	trace_gaps_addresses("no_addresses: physical\n", false, m, sizeof(m));
	CHECK(!strcmp(m, "unknown"), "%s", m);
	trace_gaps_addresses(NULL, true, m, sizeof(m));
	CHECK(!strcmp(m, "raw"), "%s", m);
	CHECK(trace_gaps_addresses_note("physical") == NULL, "physical");
	CHECK(trace_gaps_addresses_note("hashed") != NULL, "hashed");
}

int main(void)
{
	test_sizes();
	test_unsized();
	test_inconsistent();
	test_malformed();
	test_hostile_counts();
	test_addresses();
	if (test_failures)
		fprintf(stderr, "trace_gaps: %d failures\n", test_failures);
	return test_failures != 0;
}
