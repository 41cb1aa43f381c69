/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_tmp.h - a scratch file name for a C test: /tmp/fragtrace-NAME-PID, unique per process
 * and per name, which the test removes when it is done.
 */
#ifndef FRAGTRACE_TEST_TMP_H
#define FRAGTRACE_TEST_TMP_H

#include <stdio.h>
#include <unistd.h>

static inline const char *test_tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "/tmp/fragtrace-%s-%d", name, (int)getpid());
	return buf;
}

#endif
