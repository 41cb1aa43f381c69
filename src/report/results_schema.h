/* SPDX-License-Identifier: GPL-2.0 */
/*
 * results_schema.h - what the results database's writer (results_db.c, with replay) and its
 * reader (report) share: schema.sql's version, so report needs nothing of the replay engine.
 */
#ifndef FRAGTRACE_RESULTS_SCHEMA_H
#define FRAGTRACE_RESULTS_SCHEMA_H

/* PRAGMA user_version of a database schema.sql creates; a newer one is refused. */
#define RESULTS_SCHEMA_VERSION 1
/* schema.sql itself, compiled in (cmake/embed.cmake). */
extern const char results_schema_sql[];

#endif
