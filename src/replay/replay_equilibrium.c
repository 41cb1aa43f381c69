// SPDX-License-Identifier: GPL-2.0
/*
 * replay_equilibrium.c - where a variant's tainted count settles.
 *
 * The method (docs/replay.md): take the tail window, the last quarter of the samples but at
 * least 10; the tolerance band is max(1, 2% of the window's mean) regions. The series has
 * settled when the window's spread (max - min) is within twice the tolerance and its
 * least-squares slope would move the count by less than the tolerance over the window's
 * length. The equilibrium is the window's mean; the settling time is the first sample from
 * which every later sample stays within the band around it. A series of fewer than 20
 * samples is "too short": the trace does not cover enough time at this sample period.
 */
#include "replay_internal.h"

#include <math.h>

#define EQ_MIN_SAMPLES 20
#define EQ_MIN_WINDOW  10

void replay_equilibrium_find(const struct replay_sample *s, size_t n, uint64_t sample_ns,
			     struct replay_equilibrium *eq)
{
	size_t w = n / 4 > EQ_MIN_WINDOW ? n / 4 : EQ_MIN_WINDOW;
	double sum = 0, sx = 0, sxx = 0, sxy = 0;
	unsigned lo = UINT32_MAX, hi = 0;

	*eq = (struct replay_equilibrium){ .samples = n, .reason = "too short" };
	eq->window_s = (double)w * (double)sample_ns / 1e9;
	eq->tolerance = 1;
	if (n < EQ_MIN_SAMPLES)
		return;
	for (size_t i = n - w; i < n; i++) {
		double x = (double)s[i].t_ns / 1e9, y = s[i].stats.tainted_regions;
		sum += y;
		sx += x;
		sxx += x * x;
		sxy += x * y;
		if (s[i].stats.tainted_regions < lo)
			lo = s[i].stats.tainted_regions;
		if (s[i].stats.tainted_regions > hi)
			hi = s[i].stats.tainted_regions;
	}
	double mean = sum / (double)w;
	double denom = (double)w * sxx - sx * sx;
	double slope = denom > 0 ? ((double)w * sxy - sx * sum) / denom : 0;
	double span = ((double)s[n - 1].t_ns - (double)s[n - w].t_ns) / 1e9;
	eq->tolerance = mean * 0.02 > 1 ? mean * 0.02 : 1;
	eq->spread = hi - lo;
	eq->slope_per_s = slope;
	eq->window_s = span;
	if (eq->spread > 2 * eq->tolerance) {
		eq->reason = "spread too wide";
		return;
	}
	if (fabs(slope) * span >= eq->tolerance) {
		eq->reason = "still moving";
		return;
	}
	eq->reached = true;
	eq->reason = "settled";
	eq->value = mean;
	size_t first = n;
	while (first > 0 && fabs(s[first - 1].stats.tainted_regions - mean) <= eq->tolerance)
		first--;
	eq->settle_s = (double)s[first < n ? first : n - 1].t_ns / 1e9;
}
