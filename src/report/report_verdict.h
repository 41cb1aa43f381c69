/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report_verdict.h - what a comparison table ends with: the baseline the diff column is
 * against, and a one-line verdict naming the best variant and whether the differences exceed
 * the equilibrium spread. Shared by `fragtrace replay` (fresh results) and `fragtrace report`
 * (read back from the database), so both say the same thing about the same run.
 */
#ifndef FRAGTRACE_REPORT_VERDICT_H
#define FRAGTRACE_REPORT_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REPORT_DEFAULT_BASELINE "spb"

struct report_verdict_row {
	const char *name;
	int64_t final_tainted;
	bool eq_reached;
	double eq_value;
	int64_t eq_spread;
	uint64_t triggers;  /* trigger firings and shrink, evacuation and defrag work queued */
	uint64_t slowpaths; /* slow-path entries, zone fallbacks and failed allocations */
};

/* The row named baseline (*found true), else the first row (*found false). */
size_t report_baseline(const struct report_verdict_row *rows, size_t n, const char *baseline,
		       bool *found);
/*
 * The closing text, one sentence a line, into buf: a note when the baseline is not in the run,
 * the verdict ("verdict: best spb+all at 3.0 tainted, 2.0 below spb: exceeds the equilibrium
 * spread (±1)" or "... within noise"), and, when every variant ends equal, why (from the
 * counters: no trigger fired, memory never ran short). The text is plain; callers escape it.
 */
void report_verdict_text(char *buf, size_t len, const struct report_verdict_row *rows, size_t n,
			 const char *baseline);

#endif
