// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_merge.c - libFuzzer target for `fragtrace merge`: the input is the bytes of one results
 * database (jobs' files come from other machines and may be damaged in transit). It is merged
 * into a copy of a fixed output database; the merge must either succeed and leave an output
 * that passes SQLite's integrity check, or fail with one line naming the input and leave the
 * output's bytes exactly as they were. Anything else aborts (a finding).
 */
#include "merge.h"
#include "results_db.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[4096], in_path[4200], out_path[4200];
static unsigned char *base;
static size_t base_len;

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b = NULL;
	long n;
	if (f && !fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET) &&
	    (b = malloc((size_t)n + 1)) && fread(b, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	else if (b) {
		free(b);
		b = NULL;
	}
	if (f)
		fclose(f);
	return b;
}

static int spill(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(p, 1, len, f) == len;
	return (f && fclose(f) == 0 && ok) ? 0 : -1;
}

/* Once: a scratch directory and an empty results database as the output's first state. */
static void setup(void)
{
	struct sqlite3 *db;
	char err[512];
	const char *tmp = getenv("TMPDIR");
	int n = snprintf(dir, sizeof(dir) - 7, "%s/fuzz_merge.", tmp && *tmp ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(dir) - 7)
		abort();
	memset(dir + n, 'X', 6); /* mkdtemp's template: six of them, replaced by the call */
	dir[n + 6] = 0;
	if (!mkdtemp(dir))
		abort();
	snprintf(in_path, sizeof(in_path), "%s/in.db", dir);
	snprintf(out_path, sizeof(out_path), "%s/out.db", dir);
	if (results_db_open(out_path, &db, err, sizeof(err)))
		abort();
	results_db_close(db);
	base = slurp(out_path, &base_len);
	if (!base)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct merge_stats st;
	char err[1024];
	const char *inputs[] = { in_path };

	if (!base)
		setup();
	unlink(in_path);
	unlink(out_path);
	if (spill(in_path, data, size) || spill(out_path, base, base_len))
		abort();
	if (merge_databases(out_path, inputs, 1, &st, err, sizeof(err))) {
		size_t len = 0;
		unsigned char *now = slurp(out_path, &len);
		if (!now || len != base_len || memcmp(now, base, len) || strchr(err, '\n') ||
		    strncmp(err, in_path, strlen(in_path))) {
			fprintf(stderr,
				"merge failed without keeping the output or naming the input: %s\n",
				err);
			abort();
		}
		free(now);
		return 0;
	}
	struct sqlite3 *db;
	sqlite3_stmt *ck;
	if (sqlite3_open_v2(out_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &ck, NULL) != SQLITE_OK ||
	    sqlite3_step(ck) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(ck, 0), "ok"))
		abort();
	sqlite3_finalize(ck);
	sqlite3_close(db);
	return 0;
}
