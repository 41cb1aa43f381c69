#!/usr/bin/env python3
# db_canon.py DB: print a results database in a canonical form, one line per row, sorted, so two
# databases holding the same trace x variant units compare equal with diff however their jobs
# split them: ids are replaced by what they name (a trace by its columns, a variant by its
# trace and name), runs are reduced to the settings that shape results, and timing columns
# (variants.seconds, events_per_second; runs' clock, command, threads) are left out.
import sqlite3
import sys

TIMING = {"variants": {"seconds", "events_per_second"}}
RUN_KEEP = ["complete", "status", "tool_version", "start_mode", "loops", "sample_ms"]

db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
tables = [r[0] for r in db.execute(
    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
cols = {t: [r[1] for r in db.execute("PRAGMA table_info(%s)" % t)] for t in tables}
trace_key = {r[0]: repr(r[1:]) for r in db.execute(
    "SELECT id, %s FROM traces" % ", ".join(c for c in cols["traces"] if c != "id"))}
run_key = {}
out = []
for r in db.execute("SELECT id, trace_id, %s FROM runs" % ", ".join(RUN_KEEP)):
    run_key[r[0]] = trace_key[r[1]]
    out.append("runs %s %r" % (trace_key[r[1]], r[2:]))
out = sorted(set(out))  # one run per job in a fleet, one per trace locally
var_key = {}
for r in db.execute("SELECT id, run_id, name FROM variants"):
    var_key[r[0]] = "%s|%s" % (run_key[r[1]], r[2])
lines = []
for t in tables:
    if t in ("traces", "runs"):
        continue
    names = [c for c in cols[t] if c not in TIMING.get(t, ()) and c != "id"]
    for r in db.execute("SELECT %s FROM %s" % (", ".join(names), t)):
        row = dict(zip(names, r))
        if "variant_id" in row:
            row["variant_id"] = var_key[row["variant_id"]]
        if "run_id" in row:
            row["run_id"] = run_key[row["run_id"]]
        lines.append("%s %s" % (t, repr(sorted(row.items()))))
lines.sort()
print("\n".join(out + lines))
