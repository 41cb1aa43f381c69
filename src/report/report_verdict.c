// SPDX-License-Identifier: GPL-2.0
/*
 * report_verdict.c - the baseline and the verdict under a comparison table.
 *
 * A variant's standing is its equilibrium tainted count when it reached one, else its final
 * count. The best variant has the lowest; ties go to the earlier variant. The differences are
 * "beyond noise" when the gap between the best and the worst standing is larger than the widest
 * equilibrium spread of any variant (the tail window's max - min), "within noise" otherwise.
 * When every variant stands equal, the counters say why: no trigger fired (nothing that the
 * variants change ran), and memory never ran short (no slow path, no fallback, no failure).
 */
#include "report_verdict.h"

#include <stdio.h>
#include <string.h>

size_t report_baseline(const struct report_verdict_row *rows, size_t n, const char *baseline,
		       bool *found)
{
	for (size_t i = 0; baseline && i < n; i++)
		if (!strcmp(rows[i].name, baseline)) {
			*found = true;
			return i;
		}
	*found = false;
	return 0;
}

static double standing(const struct report_verdict_row *r)
{
	return r->eq_reached ? r->eq_value : (double)r->final_tainted;
}

void report_verdict_text(char *buf, size_t len, const struct report_verdict_row *rows, size_t n,
			 const char *baseline)
{
	size_t o = 0, best = 0, worst = 0;
	bool found;
	int64_t spread = 0;
	uint64_t triggers = 0, slowpaths = 0;

#define OUT(...)                                                                                   \
	do {                                                                                       \
		int k_ = snprintf(buf + o, len - o, __VA_ARGS__);                                  \
		o += k_ > 0 && (size_t)k_ < len - o ? (size_t)k_ : len - o - 1;                    \
	} while (0)

	buf[0] = 0;
	if (!n || len < 2)
		return;
	size_t base = report_baseline(rows, n, baseline, &found);
	if (!found && baseline)
		OUT("note: the baseline '%s' is not in this run; diff is against %s, the first "
		    "variant\n",
		    baseline, rows[0].name);
	for (size_t i = 0; i < n; i++) {
		if (standing(&rows[i]) < standing(&rows[best]))
			best = i;
		if (standing(&rows[i]) > standing(&rows[worst]))
			worst = i;
		if (rows[i].eq_reached && rows[i].eq_spread > spread)
			spread = rows[i].eq_spread;
		triggers += rows[i].triggers;
		slowpaths += rows[i].slowpaths;
	}
	double gap = standing(&rows[worst]) - standing(&rows[best]);
	if (gap < 0.05) {
		OUT("verdict: no difference: every variant stands at %.1f tainted",
		    standing(&rows[0]));
		if (!triggers && !slowpaths)
			OUT("; no trigger fired and memory never ran short (no slow-path "
			    "allocation, fallback or failure), so the policies never had a choice "
			    "to make\n");
		else if (!triggers)
			OUT("; no trigger fired (%llu slow-path allocations or fallbacks)\n",
			    (unsigned long long)slowpaths);
		else
			OUT("; triggers fired %llu times without moving a region's class\n",
			    (unsigned long long)triggers);
		return;
	}
	OUT("verdict: best %s at %.1f tainted", rows[best].name, standing(&rows[best]));
	if (best != base)
		OUT(", %.1f below %s", standing(&rows[base]) - standing(&rows[best]),
		    rows[base].name);
	else
		OUT(" (the baseline), %.1f below %s", gap, rows[worst].name);
	if (gap > (double)spread)
		OUT(": the differences exceed the equilibrium spread (±%lld)\n", (long long)spread);
	else
		OUT(": within noise (the equilibrium spread is ±%lld)\n", (long long)spread);
#undef OUT
}
