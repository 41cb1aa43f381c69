/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_rng.h - the C tests' one source of random numbers: xorshift64, deterministic, reseeded by
 * assigning test_rng_state. Every test that draws numbers draws them from rnd().
 */
#ifndef FRAGTRACE_TEST_RNG_H
#define FRAGTRACE_TEST_RNG_H

#include <stdint.h>

static uint64_t test_rng_state = 88172645463325252ull;

static inline uint64_t rnd(void)
{
	test_rng_state ^= test_rng_state << 13;
	test_rng_state ^= test_rng_state >> 7;
	test_rng_state ^= test_rng_state << 17;
	return test_rng_state;
}

#endif
