/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check.h - the one assertion style of the C tests. CHECK(cond) or CHECK(cond, fmt, ...): when
 * cond is false, print file, line, the condition and the message, count the failure and go on,
 * so one run shows every broken check; CHECK_EQ(a, b) does the same for two integers and
 * prints both. A test ends with `return test_summary("name")`, which prints the verdict and
 * gives the exit status. After CHECK_MAX_FAILURES failures, and at a CHECK_FATAL (for a
 * check that later code depends on, such as an object created), the test stops at once.
 */
#ifndef FRAGTRACE_CHECK_H
#define FRAGTRACE_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK_MAX_FAILURES 20

static int test_failures;

static inline void check_where(const char *file, int line, const char *cond)
{
	fprintf(stderr, "%s:%d: CHECK(%s) failed", file, line, cond);
}

static inline void check_count(int fatal)
{
	if (fatal || ++test_failures > CHECK_MAX_FAILURES)
		exit(1);
}

/* CHECK(cond) or CHECK(cond, fmt, ...): up to 15 message arguments */
#define CHECK_PICK_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, name,   \
		    ...)                                                                           \
	name
#define CHECK(...)                                                                                 \
	CHECK_PICK_(__VA_ARGS__, CHECK_MSG_, CHECK_MSG_, CHECK_MSG_, CHECK_MSG_, CHECK_MSG_,       \
		    CHECK_MSG_, CHECK_MSG_, CHECK_MSG_, CHECK_MSG_, CHECK_MSG_, CHECK_MSG_,        \
		    CHECK_MSG_, CHECK_MSG_, CHECK_MSG_, CHECK_MSG_, CHECK_BARE_, unused)           \
	(0, __VA_ARGS__)
#define CHECK_FATAL(...)                                                                           \
	CHECK_PICK_(__VA_ARGS__, CHECK_MSG_, CHECK_MSG_, CHECK_MSG_, CHECK_MSG_, CHECK_MSG_,       \
		    CHECK_MSG_, CHECK_MSG_, CHECK_MSG_, CHECK_MSG_, CHECK_MSG_, CHECK_MSG_,        \
		    CHECK_MSG_, CHECK_MSG_, CHECK_MSG_, CHECK_MSG_, CHECK_BARE_, unused)           \
	(1, __VA_ARGS__)
#define CHECK_BARE_(fatal, cond)                                                                   \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			check_where(__FILE__, __LINE__, #cond);                                    \
			fputc('\n', stderr);                                                       \
			check_count(fatal);                                                        \
		}                                                                                  \
	} while (0)
#define CHECK_MSG_(fatal, cond, ...)                                                               \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			check_where(__FILE__, __LINE__, #cond);                                    \
			fputs(": ", stderr);                                                       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			check_count(fatal);                                                        \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);                    \
		CHECK(check_a_ == check_b_, "%s == %lld, expected %s == %lld", #a, check_a_, #b,   \
		      check_b_);                                                                   \
	} while (0)

static inline int test_summary(const char *name)
{
	if (test_failures) {
		printf("%s: FAILED (%d checks)\n", name, test_failures);
		return 1;
	}
	printf("%s: ok\n", name);
	return 0;
}

#endif
