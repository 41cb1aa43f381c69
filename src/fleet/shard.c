// SPDX-License-Identifier: GPL-2.0
/*
 * shard.c - the deterministic slice of trace x variant units one fleet job replays (the
 * numbering is in shard.h). Pure functions of the command line: no I/O, no state, so a job
 * rerun on another node selects the same units. Workload: a few thousand units at most.
 */
#include "shard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A whole decimal number at *p (digits only), advanced past it; -1 when there is none. */
static long long read_number(const char **p)
{
	char *end;
	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(*p, &end, 10);
	if (errno || v > 100000000ull)
		return -1;
	*p = end;
	return (long long)v;
}

int shard_parse(const char *arg, struct shard *s, char *err, size_t errlen)
{
	const char *p = arg;
	long long i = read_number(&p), n = -1;
	if (i >= 0 && *p == '/') {
		p++;
		n = read_number(&p);
	}
	if (i < 0 || n <= 0 || *p || i >= n) {
		snprintf(err, errlen,
			 "--shard takes I/N with 0 <= I < N (job I of N, as Slurm's "
			 "SLURM_ARRAY_TASK_ID counts), not '%s'",
			 arg);
		return -1;
	}
	s->index = (unsigned)i;
	s->count = (unsigned)n;
	return 0;
}

/*
 * Walk LIST ("0,3,7-9"); with k >= 0, say whether k is in it. Returns 1 (k in the list), 0 (not
 * in it, or k < 0 and the list is well formed) or -1 (malformed or past total) with err set.
 */
static int units_walk(const char *list, size_t total, long long k, char *err, size_t errlen)
{
	const char *p = list;
	for (;;) {
		long long a = read_number(&p), b;
		if (a < 0)
			goto bad;
		b = a;
		if (*p == '-') {
			p++;
			b = read_number(&p);
			if (b < a)
				goto bad;
		}
		if ((size_t)b >= total) {
			if (err)
				snprintf(err, errlen,
					 "--units: unit %lld does not exist (%zu traces x variants "
					 "units, numbered from 0)",
					 b, total);
			return -1;
		}
		if (k >= a && k <= b)
			return 1;
		if (!*p)
			return 0;
		if (*p++ != ',')
			goto bad;
	}
bad:
	if (err)
		snprintf(err, errlen,
			 "--units takes a list of unit numbers and ranges like 0,3,7-9, not '%s'",
			 list);
	return -1;
}

int shard_check_units(const char *list, size_t total, char *err, size_t errlen)
{
	return units_walk(list, total, -1, err, errlen) < 0 ? -1 : 0;
}

bool shard_selects(const struct shard *s, size_t k)
{
	if (s->count && k % s->count != s->index)
		return false;
	if (s->units && units_walk(s->units, (size_t)-1, (long long)k, NULL, 0) != 1)
		return false;
	return true;
}
