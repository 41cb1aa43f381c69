#!/bin/bash
# replay_test.sh - `fragtrace replay` and `fragtrace check` from the command line, and what they
# leave in SQLite: the same rows twice and at 1 and 2 threads, warm and cold starts, --loop,
# --json, the baseline and verdict, truncated and corrupt traces, an interrupted replay, four concurrent replays into one
# database, bad usage; and (as root with tracefs) observe mode on a trace recorded here.
# usage: replay_test.sh FRAGTRACE TRACES_DIR
. "$(dirname "$0")/lib.sh"
T=$D/metadata-walk.fgt
q() { sqlite3 "$1" "$2"; }

command -v sqlite3 > /dev/null || { echo "SKIP: sqlite3 (the sqlite3 package) is not installed"; exit 77; }

# Two replays of one trace: identical rows apart from ids and timings.
rows() {
	q "$1" "SELECT v.name, v.final_tainted, v.max_tainted, v.min_tainted, v.final_free_pages,
	          v.final_slab_pages, v.shrink_queued, v.spbs, e.reached, e.value, e.reason
	   FROM variants v JOIN equilibrium e ON e.variant_id = v.id WHERE v.run_id = $2
	   ORDER BY v.position;
	   SELECT v.position, s.seq, s.t_s, s.tainted, s.clean, s.free_pages, s.slab_pages,
	          s.contig_2m, s.pb_unmovable
	   FROM samples s JOIN variants v ON v.id = s.variant_id WHERE v.run_id = $2
	   ORDER BY v.position, s.seq;
	   SELECT v.position, c.name, c.value FROM counters c JOIN variants v
	   ON v.id = c.variant_id WHERE v.run_id = $2 ORDER BY v.position, c.name;
	   SELECT v.position, r.region, r.class, r.nr_unmovable FROM spb_final r JOIN variants v
	   ON v.id = r.variant_id WHERE v.run_id = $2 ORDER BY v.position, r.region;"
}
V3="-V mainline -V spb -V spb+all"
"$F" replay -q --db "$W/a.db" -t 1 $V3 "$T" > "$W/out1" || fail "replay -t 1"
"$F" replay -q --db "$W/a.db" -t 1 $V3 "$T" > /dev/null || fail "second replay -t 1"
"$F" replay -q --db "$W/a.db" -t 2 $V3 "$T" > /dev/null || fail "replay -t 2"
"$F" replay -q --db "$W/a.db" "$T" > /dev/null || fail "replay of the presets"
rows "$W/a.db" 1 > "$W/r1"
rows "$W/a.db" 2 > "$W/r2"
rows "$W/a.db" 3 > "$W/r3"
[ -s "$W/r1" ] && cmp -s "$W/r1" "$W/r2" && ok "the same rows twice" || fail "rows differ between two runs"
cmp -s "$W/r1" "$W/r3" && ok "the same rows at 1 and 2 threads" || fail "rows differ with threads"
[ "$(q "$W/a.db" 'SELECT count(*) FROM variants WHERE run_id = 4')" = 6 ] &&
	ok "six presets by default" || fail "not six presets"
[ "$(q "$W/a.db" 'SELECT count(DISTINCT seq) FROM samples s JOIN variants v ON v.id = s.variant_id WHERE v.run_id = 1')" -ge 20 ] &&
	ok "samples every 100 ms" || fail "too few samples"
[ "$(q "$W/a.db" 'PRAGMA user_version')" = 1 ] && ok "schema versioned" || fail "user_version"
[ "$(q "$W/a.db" 'PRAGMA journal_mode')" = wal ] && ok "WAL" || fail "not WAL"
[ "$(q "$W/a.db" "SELECT count(*) FROM variant_params WHERE key = 'trigger_demand'")" = 15 ] &&
	ok "parameters stored" || fail "variant_params"
grep -q "mainline" "$W/out1" && grep -q "spb+all" "$W/out1" && grep -q "equilibrium" "$W/out1" &&
	ok "table printed" || fail "no table"

# Warm and cold starts differ where they must.
"$F" replay -q --db "$W/b.db" --start cold -V mainline "$T" > /dev/null || fail "cold start"
"$F" replay -q --db "$W/b.db" --start warm -V mainline "$T" > /dev/null || fail "warm start"
cold_first=$(q "$W/b.db" "SELECT tainted FROM samples WHERE variant_id = 1 AND seq = 0")
warm_first=$(q "$W/b.db" "SELECT tainted FROM samples WHERE variant_id = 2 AND seq = 0")
[ "$cold_first" = 0 ] && [ "$warm_first" -gt 0 ] && ok "cold starts empty, warm from the page map" ||
	fail "start states: cold $cold_first warm $warm_first"
[ "$(q "$W/b.db" "SELECT start_mode FROM runs ORDER BY id")" = "cold
warm" ] && ok "start mode stored" || fail "start_mode"
# The default start: the host's placement for mainline, the SPB policy's own for spb.
"$F" replay -q --db "$W/b.db" -V mainline -V spb -V spb:start=cold "$T" > "$W/auto" || fail "auto start"
[ "$(q "$W/b.db" "SELECT start_mode FROM runs WHERE id = 3")" = auto ] &&
	[ "$(q "$W/b.db" "SELECT group_concat(mode, ' ') FROM (SELECT s.mode FROM variant_start s
	JOIN variants v ON s.variant_id = v.id WHERE v.run_id = 3 ORDER BY v.position)")" = \
	"warm placed cold" ] &&
	[ "$(q "$W/b.db" "SELECT placed_pages > 0 FROM variant_start WHERE variant_id = 4")" = 1 ] &&
	grep -q "placed start: " "$W/auto" && ok "auto start: warm for mainline, placed for spb" ||
	fail "auto start modes"
"$F" replay -q --db '' --start copied -V spb "$T" > /dev/null && ! "$F" replay -q --db '' \
	--start sideways "$T" 2> "$W/err" > /dev/null && grep -q "start" "$W/err" &&
	ok "--start copied accepted, a bad mode refused" || fail "--start parsing"

# --loop and --json.
"$F" replay -q --db '' --json --loop 2 -V spb -V 'spb:trigger_supply=1,freeable_ppm=900000' "$T" > "$W/j"
python3 - "$W/j" << 'EOF' && ok "--json has the documented fields" || fail "--json"
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 2, rows
for r in rows:
    for k in ("trace", "variant", "final_tainted", "max_tainted", "equilibrium_tainted",
              "spbs", "events", "events_per_second"):
        assert k in r, k
assert rows[1]["variant"] == "spb:trigger_supply=1,freeable_ppm=900000"
assert rows[0]["events"] > 2_000_000  # two passes
EOF

# Baseline, verdict and warnings: the diff column is against spb by default (the first variant
# with a note when there is no spb), every table ends with one verdict line, --json carries the
# baseline, the diff, the verdict and the trace's warnings.
"$F" synth --workload mixed --mem 512M --duration 2 -o "$W/syn.fgt" > /dev/null || fail "synth"
diffcol() { grep "^  $1 " "$2" | head -1 | cut -c54-58 | tr -d ' '; }
"$F" replay -q --db '' -V mainline -V spb "$W/syn.fgt" > "$W/b"
[ "$(diffcol spb "$W/b")" = "-" ] && [ "$(diffcol mainline "$W/b")" = "+0" ] &&
	! grep -q "note: the baseline" "$W/b" && ok "diff is against spb by default" ||
	fail "default baseline: $(cat "$W/b")"
"$F" replay -q --db '' --baseline mainline -V mainline -V spb "$W/syn.fgt" > "$W/b"
[ "$(diffcol mainline "$W/b")" = "-" ] && [ "$(diffcol spb "$W/b")" = "+0" ] &&
	ok "--baseline mainline" || fail "--baseline: $(cat "$W/b")"
"$F" replay -q --db '' -V mainline -V mainline "$W/syn.fgt" > "$W/b"
grep -q "^  note: the baseline 'spb' is not in this run; diff is against mainline, the first variant" "$W/b" &&
	[ "$(grep -c '^  verdict: ' "$W/b")" = 1 ] &&
	grep -q "^  verdict: no difference: every variant stands at .*no trigger fired and memory never ran short" "$W/b" &&
	ok "no spb: a note; all equal: the verdict says why" || fail "all-equal verdict: $(cat "$W/b")"
head -c $(( $(wc -c < "$W/syn.fgt") * 3 / 4 )) "$W/syn.fgt" > "$W/syncut.fgt"
"$F" replay -q --db '' --json -V mainline -V spb "$W/syncut.fgt" > "$W/bj" 2> /dev/null
python3 - "$W/bj" << 'EOF' && ok "--json: baseline, diff, verdict, warnings" || fail "--json verdict/warnings: $(cat "$W/bj")"
import json, sys
rows = json.load(open(sys.argv[1]))
assert [r["baseline"] for r in rows] == ["spb", "spb"]
assert all(r["verdict"].startswith("verdict: ") for r in rows)
assert all(any("truncated" in w or "last" in w for w in r["warnings"]) for r in rows), rows[0]["warnings"]
EOF

# A truncated trace replays up to its last complete chunk, with a warning.
size=$(wc -c < "$T")
head -c $((size * 2 / 3)) "$T" > "$W/cut.fgt"
"$F" replay -q --db "$W/c.db" -V spb "$W/cut.fgt" > "$W/out" 2> "$W/err" &&
	grep -q "WARNING.*cut.fgt" "$W/out" && ok "truncated trace replays with a warning" ||
	fail "truncated trace"
[ "$(q "$W/c.db" 'SELECT complete_file FROM traces')" = 0 ] && ok "truncation stored" ||
	fail "complete_file"

# A corrupt chunk: one line naming file, chunk and byte; exit 1; the run marked failed.
cp "$T" "$W/flip.fgt"
printf '\377\377\377\377' | dd of="$W/flip.fgt" bs=1 seek=$((size / 2)) conv=notrunc 2> /dev/null
"$F" replay -q --db "$W/c.db" -V spb "$W/flip.fgt" > /dev/null 2> "$W/err"
rc=$?
[ $rc = 1 ] && grep -q "flip.fgt: chunk [0-9]* at byte [0-9]*" "$W/err" && [ "$(wc -l < "$W/err")" = 1 ] &&
	ok "corrupt trace: one-line error, exit 1" || fail "corrupt trace (rc $rc): $(cat "$W/err")"
[ "$(q "$W/c.db" "SELECT complete FROM runs WHERE status LIKE 'failed:%'")" = 0 ] &&
	[ "$(q "$W/c.db" 'SELECT count(*) FROM variants v JOIN runs r ON r.id = v.run_id WHERE r.complete = 0')" = 0 ] &&
	ok "failed run marked incomplete, no partial rows" || fail "failed run rows"
"$F" replay -q --db "$W/c.db" "$W/nonexistent.fgt" 2> "$W/err" > /dev/null
[ $? = 1 ] && grep -q "nonexistent.fgt" "$W/err" && ok "missing file" || fail "missing file"

# An interrupted replay leaves one incomplete run and nothing else.
"$F" replay -q --db "$W/i.db" --loop 200 -V spb "$T" > /dev/null 2> "$W/err" &
pid=$!
sleep 2
kill -INT $pid
wait $pid
rc=$?
[ $rc = 1 ] && grep -q "interrupted" "$W/err" && ok "SIGINT stops the replay" || fail "SIGINT (rc $rc)"
[ "$(q "$W/i.db" "SELECT complete || status FROM runs")" = "0interrupted" ] &&
	[ "$(q "$W/i.db" 'SELECT count(*) FROM samples')" = 0 ] && ok "interrupted run marked, no rows" ||
	fail "interrupted run rows"

# Four concurrent replays into one database all land.
for i in 1 2 3 4; do
	"$F" replay -q --db "$W/p.db" -t 1 -V spb -V mainline "$T" > /dev/null 2> "$W/perr$i" &
done
wait
[ "$(q "$W/p.db" 'SELECT count(*) FROM runs WHERE complete = 1')" = 4 ] &&
	[ "$(q "$W/p.db" 'SELECT count(*) FROM variants')" = 8 ] && ok "four concurrent replays land" ||
	fail "concurrent replays: $(cat "$W"/perr*)"
# The same into a rollback-mode database (as older builds left them): the concurrent switches to
# WAL can deadlock, which SQLite reports without waiting; each replay tries again.
cp "$W/p.db" "$W/r.db" && q "$W/r.db" "PRAGMA wal_checkpoint; PRAGMA journal_mode=DELETE" > /dev/null
rm -f "$W/r.db-wal" "$W/r.db-shm"
[ "$(q "$W/r.db" 'PRAGMA journal_mode')" = delete ] || fail "rollback-mode copy"
for i in 1 2 3 4 5 6; do
	"$F" replay -q --db "$W/r.db" -t 1 -V spb "$T" > /dev/null 2> "$W/rerr$i" &
done
wait
[ "$(q "$W/r.db" 'SELECT count(*) FROM runs WHERE complete = 1')" = 10 ] &&
	[ "$(q "$W/r.db" 'PRAGMA journal_mode')" = wal ] &&
	ok "six concurrent replays into a rollback-mode database land, now in WAL mode" ||
	fail "concurrent replays, rollback mode: $(cat "$W"/rerr*)"

# Bad usage.
"$F" replay --db '' -V nosuch "$T" 2> /dev/null
[ $? = 2 ] || fail "unknown variant is not a usage error"
"$F" replay --db '' -V 'spb:nokey=1' "$T" 2> /dev/null
[ $? = 2 ] || fail "unknown parameter is not a usage error"
"$F" replay --db '' --start lukewarm "$T" 2> /dev/null
[ $? = 2 ] || fail "bad --start is not a usage error"
"$F" replay 2> /dev/null
[ $? = 2 ] && ok "bad usage exits 2" || fail "replay without a trace"

# check on a bundled trace.
"$F" check --json "$T" > "$W/c.json" || fail "check"
python3 -c "import json,sys; a=json.load(open(sys.argv[1]))['agreement']; assert a > 0.98, a" \
	"$W/c.json" && ok "check: bundled trace agreement $(cat "$W/c.json" | sed 's/.*"agreement":\([0-9.]*\).*/\1/')" ||
	fail "check agreement"
# --variant: a mainline variant with other parameters is validated; another preset is refused
"$F" check --json -V mainline:caller_fallback=1 "$T" > "$W/c1.json" &&
	grep -q '"name":"fallbacks"' "$W/c1.json" && ok "check --variant mainline:caller_fallback=1" ||
	fail "check --variant mainline:caller_fallback=1"
"$F" check -V spb "$T" > /dev/null 2>&1
[ $? = 2 ] && ok "check --variant spb is a usage error" || fail "check --variant spb accepted"

# Observe mode on a trace recorded here and now (root with tracefs).
if [ "$(id -u)" != 0 ] || ! [ -d /sys/kernel/tracing/events/kmem ] && ! [ -d /sys/kernel/debug/tracing/events/kmem ]; then
	echo "SKIP: live observe check needs root and tracefs (uid $(id -u))"
else
	"$F" record -q -o "$W/live.fgt" --duration 3 -- sh -c '
		d=$(mktemp -d); for i in $(seq 1 3000); do echo x > $d/f$i; done
		cat $d/* > /dev/null; rm -rf $d
		head -c 200000000 /dev/zero | tail -c 1 > /dev/null' > /dev/null 2> "$W/rerr" ||
		fail "record: $(cat "$W/rerr")"
	"$F" check --json "$W/live.fgt" > "$W/live.json" || fail "check live"
	python3 -c "import json,sys; a=json.load(open(sys.argv[1]))['agreement']; assert a > 0.98, a" \
		"$W/live.json" && ok "observe agreement on a live trace: $(sed 's/.*"agreement":\([0-9.]*\).*/\1/' "$W/live.json")" ||
		fail "live observe agreement: $(cat "$W/live.json")"
fi

finish replay_test
