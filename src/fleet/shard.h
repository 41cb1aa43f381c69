/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shard.h - which trace x variant units one fleet job replays.
 *
 * A replay of T traces under V variants is T*V units, numbered k = t*V + v in the order the
 * traces and variants are given (0-based). `--shard I/N` (0 <= I < N) takes the units with
 * k % N == I: round robin, so every job gets a mix of traces and N jobs together take every
 * unit exactly once. `--units LIST` takes the units named in LIST ("0,3,7-9"). The same
 * command line always selects the same units: a job can be rerun and its result merged again.
 */
#ifndef FRAGTRACE_SHARD_H
#define FRAGTRACE_SHARD_H

#include <stdbool.h>
#include <stddef.h>

struct shard {
	unsigned index, count; /* --shard index/count; count 0: no --shard */
	const char *units;     /* --units LIST, or NULL */
};

/* "I/N": 0, or -1 with a one-line reason in err. */
int shard_parse(const char *arg, struct shard *s, char *err, size_t errlen);
/* Check a --units LIST against total units: 0, or -1 with a one-line reason in err. */
int shard_check_units(const char *list, size_t total, char *err, size_t errlen);
/* Whether unit k is one of this job's (every unit when neither option was given). */
bool shard_selects(const struct shard *s, size_t k);

#endif
