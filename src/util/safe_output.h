/* SPDX-License-Identifier: GPL-2.0 */
/*
 * safe_output.h - every file fragtrace writes goes through here, so no command can destroy a
 * user's file.
 *
 * The rule: an output never writes over one of the command's inputs (same device and inode,
 * so hard links and symlinks count), never follows a symlink, never replaces anything but a
 * regular file or a name that does not exist (directories, device nodes, FIFOs, sockets and
 * symlinks are refused with a reason), and never appears under its final name half written:
 * the data goes to a new unnamed file in the output's directory (O_TMPFILE; where the file
 * system has none, a randomly named file created O_EXCL|O_NOFOLLOW), is fsynced, then renamed
 * over the final name and the directory fsynced. Any failure, and SIGINT/SIGTERM/SIGHUP when
 * the program routes them to safe_output_discard_all(), leaves the previous file as it was and
 * no temporary behind.
 *
 * In-place mode is for `record`, whose trace must be readable when the recorder is killed:
 * the final name is opened directly (O_NOFOLLOW, regular files only, never an input) and
 * truncated; commit fsyncs it and its directory.
 *
 * Errors: functions return 0 or -1 and put one line (without the output's path, which the
 * caller names) into err.
 */
#ifndef FRAGTRACE_SAFE_OUTPUT_H
#define FRAGTRACE_SAFE_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#define SAFE_OUTPUT_IN_PLACE   1u   /* write under the final name as data arrives (record) */
#define SAFE_OUTPUT_NO_REPLACE 2u   /* commit only if the name is still free (a new database) */
#define SAFE_OUTPUT_EXISTS     (-2) /* commit with NO_REPLACE: the name was taken meanwhile */

struct safe_output;

/*
 * Start writing path. inputs: NULL or a NULL-terminated list of files the command reads;
 * an output that is one of them is refused. A new file gets 0644 less the umask; a replaced
 * one keeps its permission bits. flags: 0, SAFE_OUTPUT_IN_PLACE or SAFE_OUTPUT_NO_REPLACE.
 */
int safe_output_open(const char *path, const char *const *inputs, unsigned int flags,
		     struct safe_output **out, char *err, size_t errlen);
/* The descriptor to write to. */
int safe_output_fd(const struct safe_output *o);
/* A stdio stream on the descriptor (made once, owned by o); NULL when out of memory. */
FILE *safe_output_stream(struct safe_output *o);
/* Flush, fsync, put the file under its final name, fsync the directory; frees o. 0, -1, or
 * SAFE_OUTPUT_EXISTS (NO_REPLACE, another process made the file first: it is left alone). */
int safe_output_commit(struct safe_output *o, char *err, size_t errlen);
/* Drop the new file (in-place mode: keep what was written) and free o; NULL is a no-op. */
void safe_output_abort(struct safe_output *o);
/* Remove every temporary still pending; async-signal-safe, for a fatal signal's handler. */
void safe_output_discard_all(void);

#endif
