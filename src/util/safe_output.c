// SPDX-License-Identifier: GPL-2.0
/*
 * safe_output.c - create, commit or drop one output file without ever harming another file
 * (the rule is in safe_output.h).
 *
 * Why a library of its own: the trace writer (record, import, recover, synth) and the report
 * exporters (HTML, CSV, Perfetto) and replay's new database all write files; one copy of the
 * rule for all of them, below both src/trace and src/report, keeps them from drifting apart.
 *
 * How: the output's directory is opened once and every later step is relative to it
 * (openat/renameat/linkat), so paths up to PATH_MAX work and the temporary's name never
 * depends on the output's name (no truncation can make it equal an input). The new file is
 * unnamed (O_TMPFILE) until commit, so a signal or a crash leaves nothing behind; commit
 * links it under a random name with the catchable signals blocked and renames that over the
 * final name. File systems without O_TMPFILE get a random ".fragtrace-*.tmp" created
 * O_EXCL|O_NOFOLLOW, listed in a small table that safe_output_discard_all() empties from a
 * signal handler. A replaced file's permission bits are kept.
 *
 * Workload: a handful of outputs per command; nothing here is on a hot path.
 */
#include "safe_output.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TMP_NAME_LEN 32
#define MAX_PENDING  16 /* named temporaries a signal handler can still remove */

struct file_id {
	dev_t dev;
	ino_t ino;
};

struct safe_output {
	int fd, dirfd;
	int dir_syncable; /* dirfd was opened for reading, so it can be fsynced */
	unsigned int flags;
	int unnamed;		/* O_TMPFILE: no name until commit */
	char tmp[TMP_NAME_LEN]; /* the named temporary, when not unnamed */
	int pending_slot;	/* its slot in pending[], or -1 */
	mode_t mode;		/* -1 cast when the file's own mode stays */
	int keep_mode;		/* replacing a regular file: give the new one its mode */
	FILE *stream;
	struct file_id *inputs; /* the inputs' identities, checked again at commit */
	const char **input_names;
	size_t ninputs;
	char *base; /* the final name inside dirfd */
};

static struct {
	volatile sig_atomic_t used;
	int dirfd;
	char name[TMP_NAME_LEN];
} pending[MAX_PENDING];

void safe_output_discard_all(void)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (pending[i].used)
			unlinkat(pending[i].dirfd, pending[i].name, 0);
}

static int pending_add(int dirfd, const char *name)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (!pending[i].used) {
			pending[i].dirfd = dirfd;
			memcpy(pending[i].name, name, TMP_NAME_LEN);
			pending[i].used = 1;
			return i;
		}
	return -1;
}

static void pending_drop(int slot)
{
	if (slot >= 0)
		pending[slot].used = 0;
}

/* ".fragtrace-<12 hex digits>.tmp": unpredictable, short, never derived from the output. */
static void tmp_name(char *name)
{
	uint8_t r[6];
	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t x = (uint64_t)ts.tv_nsec * 2654435761u ^ (uint64_t)getpid() << 20 ^
			     (uint64_t)ts.tv_sec;
		memcpy(r, &x, sizeof(r));
	}
	static const char hex[] = "0123456789abcdef";
	char *p = name + sprintf(name, ".fragtrace-");
	for (size_t i = 0; i < sizeof(r); i++) {
		*p++ = hex[r[i] >> 4];
		*p++ = hex[r[i] & 15];
	}
	strcpy(p, ".tmp");
}

static const char *kind_of(mode_t m)
{
	if (S_ISDIR(m))
		return "is a directory";
	if (S_ISCHR(m))
		return "is a character device, not a regular file";
	if (S_ISBLK(m))
		return "is a block device, not a regular file";
	if (S_ISFIFO(m))
		return "is a FIFO, not a regular file";
	if (S_ISSOCK(m))
		return "is a socket, not a regular file";
	if (S_ISLNK(m))
		return "is a symbolic link; give the path of the file itself, or remove the link";
	return NULL;
}

/* Fail when st (the existing output) is one of the inputs. */
static int check_inputs(const struct safe_output *o, const struct stat *st, char *err,
			size_t errlen)
{
	for (size_t i = 0; i < o->ninputs; i++)
		if (o->inputs[i].dev == st->st_dev && o->inputs[i].ino == st->st_ino) {
			snprintf(err, errlen,
				 "is the input %s (the same file); refusing to write over it, "
				 "choose another output",
				 o->input_names[i]);
			return -1;
		}
	return 0;
}

/* What is at the final name now: nothing, or a regular file that is no input. */
static int check_target(struct safe_output *o, char *err, size_t errlen)
{
	struct stat st;
	if (fstatat(o->dirfd, o->base, &st, AT_SYMLINK_NOFOLLOW)) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	const char *kind = kind_of(st.st_mode);
	if (kind) {
		snprintf(err, errlen, "%s", kind);
		return -1;
	}
	if (check_inputs(o, &st, err, errlen))
		return -1;
	o->keep_mode = 1;
	o->mode = st.st_mode & 07777;
	return 0;
}

static void output_free(struct safe_output *o)
{
	if (o->stream)
		fclose(o->stream);
	else if (o->fd >= 0)
		close(o->fd);
	if (o->dirfd >= 0)
		close(o->dirfd);
	free(o->inputs);
	free(o->input_names);
	free(o->base);
	free(o);
}

void safe_output_abort(struct safe_output *o)
{
	if (!o)
		return;
	if (!o->unnamed && o->tmp[0]) {
		unlinkat(o->dirfd, o->tmp, 0);
		pending_drop(o->pending_slot);
	}
	output_free(o);
}

static int open_dir(struct safe_output *o, const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		snprintf(err, errlen, "is a directory");
		return -1;
	}
	o->base = strdup(base);
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!o->base || !dir) {
		free(dir);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	o->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	o->dir_syncable = o->dirfd >= 0;
	if (o->dirfd < 0 && errno == EACCES)
		o->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int e = errno;
	free(dir);
	if (o->dirfd < 0) {
		snprintf(err, errlen, "cannot open its directory: %s", strerror(e));
		return -1;
	}
	return 0;
}

static int note_inputs(struct safe_output *o, const char *const *inputs, char *err, size_t errlen)
{
	size_t n = 0;
	while (inputs && inputs[n])
		n++;
	if (!n)
		return 0;
	o->inputs = calloc(n, sizeof(*o->inputs));
	o->input_names = calloc(n, sizeof(*o->input_names));
	if (!o->inputs || !o->input_names) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(inputs[i], &st))
			continue; /* an input that is not there cannot be overwritten */
		o->inputs[o->ninputs].dev = st.st_dev;
		o->inputs[o->ninputs].ino = st.st_ino;
		o->input_names[o->ninputs++] = inputs[i];
	}
	return 0;
}

static int open_in_place(struct safe_output *o, char *err, size_t errlen)
{
	struct stat st;
	o->fd = openat(o->dirfd, o->base,
		       O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0644);
	if (o->fd < 0) {
		snprintf(err, errlen, "%s",
			 errno == ELOOP	  ? kind_of(S_IFLNK)
			 : errno == ENXIO ? kind_of(S_IFIFO)
					  : strerror(errno));
		return -1;
	}
	if (fstat(o->fd, &st)) {
		snprintf(err, errlen, "cannot stat: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s",
			 kind_of(st.st_mode) ? kind_of(st.st_mode) : "not a regular file");
		return -1;
	}
	if (check_inputs(o, &st, err, errlen))
		return -1;
	if (ftruncate(o->fd, 0) || fcntl(o->fd, F_SETFL, 0)) {
		snprintf(err, errlen, "cannot truncate: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int open_new(struct safe_output *o, char *err, size_t errlen)
{
	o->fd = openat(o->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	if (o->fd >= 0) {
		o->unnamed = 1;
		return 0;
	}
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL && errno != ENOENT) {
		snprintf(err, errlen, "cannot create a file in its directory: %s", strerror(errno));
		return -1;
	}
	for (int tries = 0; tries < 64; tries++) {
		tmp_name(o->tmp);
		o->fd = openat(o->dirfd, o->tmp,
			       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
			       0644);
		if (o->fd >= 0) {
			o->pending_slot = pending_add(o->dirfd, o->tmp);
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	snprintf(err, errlen, "cannot create a file in its directory: %s", strerror(errno));
	o->tmp[0] = 0;
	return -1;
}

int safe_output_open(const char *path, const char *const *inputs, unsigned int flags,
		     struct safe_output **out, char *err, size_t errlen)
{
	struct safe_output *o = calloc(1, sizeof(*o));
	*out = NULL;
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	o->fd = o->dirfd = o->pending_slot = -1;
	o->flags = flags;
	if (open_dir(o, path, err, errlen) || note_inputs(o, inputs, err, errlen) ||
	    check_target(o, err, errlen) ||
	    (flags & SAFE_OUTPUT_IN_PLACE ? open_in_place(o, err, errlen)
					  : open_new(o, err, errlen))) {
		safe_output_abort(o);
		return -1;
	}
	*out = o;
	return 0;
}

int safe_output_fd(const struct safe_output *o)
{
	return o->fd;
}

FILE *safe_output_stream(struct safe_output *o)
{
	if (!o->stream)
		o->stream = fdopen(o->fd, "w");
	return o->stream;
}

/* Give the unnamed file a name in the directory (link() never replaces anything). */
static int link_fd(struct safe_output *o, const char *name)
{
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o->fd);
	int rc = linkat(AT_FDCWD, proc, o->dirfd, name, AT_SYMLINK_FOLLOW);
	if (rc && errno == ENOENT) /* no /proc: needs CAP_DAC_READ_SEARCH */
		rc = linkat(o->fd, "", o->dirfd, name, AT_EMPTY_PATH);
	return rc;
}

/* Give the unnamed file a random name; signals are blocked by the caller. */
static int link_unnamed(struct safe_output *o)
{
	for (int tries = 0; tries < 64; tries++) {
		tmp_name(o->tmp);
		if (!link_fd(o, o->tmp))
			return 0;
		if (errno != EEXIST)
			break;
	}
	o->tmp[0] = 0;
	return -1;
}

/* NO_REPLACE: link the file under its name only while that name is free. */
static int link_final(struct safe_output *o, char *err, size_t errlen)
{
	int rc = o->unnamed ? link_fd(o, o->base) : linkat(o->dirfd, o->tmp, o->dirfd, o->base, 0);
	if (rc) {
		rc = errno == EEXIST ? SAFE_OUTPUT_EXISTS : -1;
		snprintf(err, errlen, "cannot create: %s", strerror(errno));
	}
	if (!o->unnamed) {
		unlinkat(o->dirfd, o->tmp, 0);
		pending_drop(o->pending_slot);
		o->pending_slot = -1;
	}
	o->tmp[0] = 0;
	return rc;
}

static int put_in_place(struct safe_output *o, char *err, size_t errlen)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int rc = 0;
	if (o->unnamed && link_unnamed(o)) {
		snprintf(err, errlen, "cannot name the new file: %s", strerror(errno));
		rc = -1;
	} else if (renameat(o->dirfd, o->tmp, o->dirfd, o->base)) {
		snprintf(err, errlen, "cannot rename the new file into place: %s", strerror(errno));
		unlinkat(o->dirfd, o->tmp, 0);
		rc = -1;
	}
	o->tmp[0] = 0;
	pending_drop(o->pending_slot);
	o->pending_slot = -1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int safe_output_commit(struct safe_output *o, char *err, size_t errlen)
{
	int rc = 0;
	if (o->stream && (fflush(o->stream) || ferror(o->stream))) {
		snprintf(err, errlen, "write failed: %s", strerror(errno ? errno : EIO));
		rc = -1;
	}
	int replace = !(o->flags & SAFE_OUTPUT_IN_PLACE);
	if (!rc && replace)
		rc = check_target(o, err, errlen);
	if (!rc && replace && o->keep_mode && fchmod(o->fd, o->mode)) {
		snprintf(err, errlen, "cannot set its mode: %s", strerror(errno));
		rc = -1;
	}
	if (!rc && fsync(o->fd) && errno != EINVAL) {
		snprintf(err, errlen, "fsync failed: %s", strerror(errno));
		rc = -1;
	}
	if (!rc && replace) {
		rc = o->flags & SAFE_OUTPUT_NO_REPLACE ? link_final(o, err, errlen)
						       : put_in_place(o, err, errlen);
	}
	if (!rc && o->dir_syncable && fsync(o->dirfd) && errno != EINVAL) {
		snprintf(err, errlen, "fsync of its directory failed: %s", strerror(errno));
		rc = -1;
	}
	int fd = o->fd;
	FILE *s = o->stream;
	o->fd = -1;
	o->stream = NULL;
	if ((s ? fclose(s) : close(fd)) && !rc) {
		snprintf(err, errlen, "close failed: %s", strerror(errno));
		rc = -1;
	}
	safe_output_abort(o);
	return rc;
}
