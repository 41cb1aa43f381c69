// SPDX-License-Identifier: GPL-2.0
/*
 * no_tmpfile.c - an LD_PRELOAD shim for outputs_test.sh: openat() with O_TMPFILE fails with
 * EOPNOTSUPP, as on file systems without unnamed files, so the test drives safe_output's
 * fallback (randomly named temporaries, removed on failure and on SIGTERM).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/types.h>

int openat(int dirfd, const char *path, int flags, ...);

int openat(int dirfd, const char *path, int flags, ...)
{
	static int (*real)(int, const char *, int, ...);
	mode_t mode = 0;
	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if ((flags & O_TMPFILE) == O_TMPFILE) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (!real)
		real = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
	return real(dirfd, path, flags, mode);
}
