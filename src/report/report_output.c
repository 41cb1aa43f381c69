// SPDX-License-Identifier: GPL-2.0
/*
 * report_output.c - the exporters' files, opened and committed through safe_output with the
 * results database as their input: `report DB --html DB` is refused instead of overwriting
 * the database, and a failed or interrupted export leaves the previous file as it was.
 */
#include "report_output.h"
#include "safe_output.h"

#include <sqlite3.h>

FILE *report_output_open(struct sqlite3 *db, const char *path, struct safe_output **so, char *err,
			 size_t errlen)
{
	const char *inputs[] = { sqlite3_db_filename(db, "main"), NULL };
	char why[512];
	FILE *f;

	if (safe_output_open(path, inputs, 0, so, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		return NULL;
	}
	f = safe_output_stream(*so);
	if (!f) {
		snprintf(err, errlen, "%s: out of memory", path);
		safe_output_abort(*so);
	}
	return f;
}

int report_output_close(struct safe_output *so, const char *path, int ok, char *err, size_t errlen)
{
	char why[512];

	if (!ok) {
		safe_output_abort(so);
		return -1;
	}
	if (safe_output_commit(so, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	return 0;
}
