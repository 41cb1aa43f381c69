#!/bin/bash
# loss_test.sh - lost events sized from the kernel's own counters, and the slab addresses mode,
# as `fragtrace info`, `check`, `replay` (its table and database) and `report` show them
# (docs/capture.md, "Lost events"). Copies of a bundled trace with a gap written in (mkloss):
#   unknown   a marker of unknown size on CPU 1 while the kernel's overrun grew by 293028 there,
#             and a marker of 100 on CPU 0 that the kernel's count matches: 293128 in all,
#             never less than the kernel's count
#   nostats   the same markers without the kernel's counters: "at least 101" and a note
#   badstats  an end/cpu_stats that is not the kernel's format: a note, no crash
#   hashed    the gap of unknown, and capture/options says the addresses are hashed: every
#             command says slab events are dropped (check, replay and report run on this one
#             for both)
# Then a results database written before these columns existed takes a new run.
# usage: loss_test.sh FRAGTRACE MKLOSS TRACE
. "$(dirname "$0")/lib.sh"
MK=$2
T=$3
command -v sqlite3 > /dev/null || { echo "SKIP: sqlite3 (the sqlite3 package) is not installed"; exit 77; }
command -v python3 > /dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
q() { sqlite3 "$W/r.db" "$1"; }
# jget FILE EXPR: a Python expression over the JSON document d
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

for m in unknown nostats badstats hashed; do
	"$MK" "$T" "$W/$m.fgt" $m 100000 || fail "mkloss $m"
done

# (a) a marker of unknown size sized by the kernel's overrun count
"$F" info "$W/unknown.fgt" > "$W/info" 2> "$W/err" || fail "info unknown"
grep -q "^lost events:     293,128 " "$W/info" && ok "info: 293,128 lost in all" ||
	fail "info headline: $(grep '^lost' "$W/info")"
grep -Eq "^  1 +293,028  kernel counters " "$W/info" && ok "info: CPU 1 sized by the kernel" ||
	fail "info CPU 1: $(grep -A3 '^lost' "$W/info")"
grep -Eq "^  0 +100  markers = kernel counters " "$W/info" && ok "info: CPU 0 agrees" ||
	fail "info CPU 0"
grep -q "dropped events (293128 lost)" "$W/err" && ok "info warns with the figure" || fail "warning: $(cat "$W/err")"
"$F" info --json "$W/unknown.fgt" > "$W/info.json" 2> /dev/null || fail "info --json"
[ "$(jget "$W/info.json" 'd["lost_events"], d["lost"]["total"], d["lost"]["kernel_events"], d["lost"]["at_least"], [(c["cpu"], c["lost"], c["source"]) for c in d["lost"]["cpus"]]')" = \
  "293128 293128 293128 False [(0, 100, 'markers = kernel counters'), (1, 293028, 'kernel counters')]" ] &&
	ok "info --json: per CPU and total" || fail "info --json: $(jget "$W/info.json" 'd["lost"]')"

"$F" check --db "$W/r.db" "$W/hashed.fgt" > "$W/check" 2> /dev/null || fail "check hashed"
grep -q "lost events 293,128 in 2 places, from markers and the kernel's ring-buffer counters (kernel's count 293,128)" "$W/check" &&
	ok "check: 293,128" || fail "check headline: $(grep 'lost' "$W/check")"
grep -q "CPU 1: 293,028 from kernel counters" "$W/check" && ok "check: CPU 1" || fail "check CPU 1"
[ "$(q "SELECT host FROM validation WHERE name = 'lost_events'")" = 293128.0 ] &&
	ok "check --db: validation row lost_events" || fail "validation lost_events: $(q "SELECT host FROM validation WHERE name = 'lost_events'")"

"$F" replay -V mainline --db "$W/r.db" "$W/hashed.fgt" > "$W/replay.h" 2> /dev/null || fail "replay hashed"
grep -q "WARNING: the kernel lost 293128 events (2 markers; the kernel's counters say 293128)" "$W/replay.h" &&
	ok "replay table: 293128" || fail "replay warning: $(grep WARN "$W/replay.h")"
run=$(q "SELECT max(id) FROM runs")
hrun=$run
[ "$(q "SELECT lost_events, lost_at_least, lost_kernel_events, addresses FROM data_loss_summary WHERE run_id = $run")" = "293128|0|293128|hashed" ] &&
	ok "data_loss_summary: 293128 from the kernel" || fail "data_loss_summary: $(q "SELECT * FROM data_loss_summary WHERE run_id = $run")"
[ "$(q "SELECT d.lost_events FROM data_loss d JOIN variants v ON v.id = d.variant_id WHERE v.run_id = $run")" = 293128 ] &&
	ok "data_loss.lost_events" || fail "data_loss.lost_events"
[ "$(q "SELECT group_concat(cpu || ':' || lost || ':' || source || ':' || kernel_events, ' ') FROM trace_lost_cpu c JOIN runs r ON r.trace_id = c.trace_id WHERE r.id = $run")" = \
  "0:100:markers = kernel counters:100 1:293028:kernel counters:293028" ] && ok "trace_lost_cpu" ||
	fail "trace_lost_cpu: $(q "SELECT * FROM trace_lost_cpu")"
"$F" report "$W/r.db" --run "$run" > "$W/report" 2> /dev/null || fail "report"
grep -q "the kernel lost 293128 events" "$W/report" && ok "report: 293128" || fail "report: $(grep WARN "$W/report")"
"$F" info "$W/unknown.fgt" 2> /dev/null | grep -q "^slab addresses:  physical$" && ok "info: physical" || fail "info: not physical"

# (c) no kernel counters: the markers alone, a lower bound, and a note
"$F" info "$W/nostats.fgt" > "$W/info" 2> /dev/null || fail "info nostats"
grep -q "^lost events:     at least 101 in 2 places (markers only)" "$W/info" && ok "info: at least 101" ||
	fail "info nostats: $(grep '^lost' "$W/info")"
grep -q "note: the trace has no kernel counters" "$W/info" && ok "info: the note" || fail "info nostats note"
"$F" check --json "$W/nostats.fgt" > "$W/check.json" 2> /dev/null || fail "check --json nostats"
[ "$(jget "$W/check.json" 'd["lost_events"], d["lost_at_least"], d["lost_kernel_events"]')" = "101 True None" ] &&
	ok "check --json: at least 101, no kernel count" || fail "check --json: $(head -c 300 "$W/check.json")"
"$F" replay -V mainline --db "$W/r.db" "$W/nostats.fgt" > "$W/replay" 2> /dev/null || fail "replay nostats"
grep -q "note: the trace has no kernel counters" "$W/replay" && ok "replay table: the note" || fail "replay nostats note"
run=$(q "SELECT max(id) FROM runs")
[ "$(q "SELECT t.lost_events, t.lost_at_least, coalesce(t.lost_kernel_events, 'null'), t.lost_note IS NOT NULL FROM traces t JOIN runs r ON r.trace_id = t.id WHERE r.id = $run")" = "101|1|null|1" ] &&
	ok "traces: at least 101, NULL kernel count, a note" || fail "traces nostats: $(q "SELECT * FROM traces ORDER BY id DESC LIMIT 1")"

"$F" info "$W/badstats.fgt" > "$W/info" 2> /dev/null || fail "info badstats"
grep -q "note: end/cpu_stats line 2 is malformed" "$W/info" && ok "info: malformed counters named" ||
	fail "info badstats: $(grep note "$W/info")"

# (b) hashed addresses
"$F" info "$W/hashed.fgt" > "$W/info" 2> /dev/null || fail "info hashed"
grep -q "^slab addresses:  hashed" "$W/info" && grep -q "events not replayable: slab addresses are keyed hashes" "$W/info" &&
	ok "info: hashed, slab events not replayable" || fail "info hashed: $(grep -A1 '^slab' "$W/info")"
"$F" info --json "$W/hashed.fgt" > "$W/info.json" 2> /dev/null
slab=$(jget "$W/info.json" 'd["events_by_type"]["kmem:kmem_cache_alloc"] + d["events_by_type"]["kmem:kmem_cache_free"] + d["events_by_type"]["kmem:kmalloc"] + d["events_by_type"]["kmem:kfree"]')
[ "$(jget "$W/info.json" 'd["addresses"], d["slab_events_dropped"]')" = "hashed $slab" ] && [ "$slab" -gt 0 ] &&
	ok "info --json: $slab slab events dropped" || fail "info --json hashed"
slabf=$(python3 -c "print('{:,}'.format($slab))")
grep -q "slab addresses hashed: $slabf events dropped" "$W/check" && ok "check: hashed" || fail "check hashed: $(grep addresses "$W/check")"
grep -q "WARNING: $slab slab events dropped: slab addresses are keyed hashes" "$W/replay.h" && ok "replay table: hashed" ||
	fail "replay hashed: $(grep WARN "$W/replay.h")"
[ "$(q "SELECT addresses, slab_events_dropped FROM data_loss_summary WHERE run_id = $hrun")" = "hashed|$slab" ] &&
	ok "data_loss_summary: hashed" || fail "data_loss_summary hashed"
[ "$(q "SELECT host FROM validation WHERE name = 'slab_events_dropped'")" = "$slab.0" ] &&
	ok "check --db: validation row slab_events_dropped" || fail "validation slab_events_dropped"
grep -q "WARNING: slab addresses hashed: $slab slab events dropped" "$W/report" && ok "report: hashed" || fail "report hashed"

# A database from before these columns: traces as it was, no trace_lost_cpu, the old view.
sqlite3 "$W/r.db" "DROP VIEW data_loss_summary; DROP TABLE trace_lost_cpu; DELETE FROM data_loss;
	DELETE FROM validation; DELETE FROM variant_params; DELETE FROM equilibrium; DELETE FROM samples;
	DELETE FROM sample_frag; DELETE FROM sample_counters; DELETE FROM counters; DELETE FROM spb_final;
	DELETE FROM variant_start; DELETE FROM shrink_calibration;
	DELETE FROM variants; DELETE FROM runs; DROP TABLE traces;
	CREATE TABLE traces (id INTEGER PRIMARY KEY, path TEXT NOT NULL, file_bytes INTEGER NOT NULL,
	  kernel TEXT, arch TEXT, cpus INTEGER, events INTEGER NOT NULL, duration_s REAL NOT NULL,
	  first_ts_ns INTEGER, lost_events INTEGER NOT NULL, lost_markers INTEGER NOT NULL,
	  complete_file INTEGER NOT NULL, addresses TEXT, host_pages INTEGER,
	  malformed_events INTEGER NOT NULL DEFAULT 0);
	CREATE VIEW data_loss_summary AS SELECT t.lost_events FROM traces t;" || fail "old database"
"$F" replay -q -V mainline --db "$W/r.db" "$W/unknown.fgt" > /dev/null 2> "$W/err" || fail "replay into an old database: $(cat "$W/err")"
[ "$(q "SELECT lost_events, lost_kernel_events FROM data_loss_summary")" = "293128|293128" ] &&
	ok "an old database takes the new columns" || fail "old database: $(q "SELECT * FROM data_loss_summary")"
finish loss
