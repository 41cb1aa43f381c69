#!/bin/bash
# merge_test.sh - `fragtrace replay --shard/--units` and `fragtrace merge`: three shards merged
# equal one local replay of the same units row for row (timing aside); merging is idempotent;
# columns and tables the schema gains later merge too; and every damaged or mismatched input
# (truncated, bit-flipped, not SQLite, empty, wrong schema version, foreign tables or columns,
# the output itself) gives one error line naming the file, exit 1, and an output whose bytes
# did not change (or no output at all). Ends with 150 seeded random byte flips of an input.
# usage: merge_test.sh FRAGTRACE
. "$(dirname "$0")/lib.sh"
for t in sqlite3 python3 sha256sum; do
	command -v $t > /dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
CANON="$(dirname "$0")/db_canon.py"
V="-V mainline -V spb -V spb+all"

"$F" synth --workload mixed --mem 2G --duration 3 --seed 1 -o "$W/a.fgt" > /dev/null 2>&1 &&
	"$F" synth --workload slab-growth --mem 2G --duration 3 --seed 2 -o "$W/b.fgt" > /dev/null 2>&1 ||
	fail "synth"
# shellcheck disable=SC2086
"$F" replay -q --db "$W/full.db" $V "$W/a.fgt" "$W/b.fgt" > /dev/null || fail "local replay"
for i in 0 1 2; do
	# shellcheck disable=SC2086
	"$F" replay -q --shard $i/3 --db "$W/s$i.db" $V "$W/a.fgt" "$W/b.fgt" > /dev/null ||
		fail "replay --shard $i/3"
done
[ "$(sqlite3 "$W/s0.db" 'SELECT group_concat(v.name || "@" || v.position) FROM variants v')" = \
	"mainline@0,mainline@0" ] && [ "$(sqlite3 "$W/s1.db" 'SELECT group_concat(v.name || "@" || v.position) FROM variants v')" = \
	"spb@1,spb@1" ] && ok "shard I/3 takes units I and 3+I, variant positions kept" ||
	fail "shard 0/3 variants: $(sqlite3 "$W/s0.db" 'SELECT name, position FROM variants')"

# shellcheck disable=SC2086
"$F" replay -q --shard 3/3 $V "$W/a.fgt" 2> "$W/err" && fail "--shard 3/3 accepted"
grep -q "0 <= I < N" "$W/err" && ok "--shard 3/3 refused" || fail "--shard message: $(cat "$W/err")"
# shellcheck disable=SC2086
"$F" replay -q --units 6 --db '' $V "$W/a.fgt" "$W/b.fgt" 2> "$W/err" && fail "--units 6 of 6 accepted"
grep -q "unit 6 does not exist" "$W/err" && ok "--units past the end refused" || fail "--units: $(cat "$W/err")"

"$F" merge "$W/m.db" "$W/s0.db" "$W/s1.db" "$W/s2.db" > "$W/out" || fail "merge: $(cat "$W/out")"
grep -q "3 databases: 6 runs added" "$W/out" && ok "merge summary" || fail "merge summary: $(cat "$W/out")"
python3 "$CANON" "$W/full.db" > "$W/full.txt" && python3 "$CANON" "$W/m.db" > "$W/m.txt" &&
	[ "$(grep -c '^samples ' "$W/full.txt")" -gt 50 ] && cmp -s "$W/full.txt" "$W/m.txt" &&
	ok "3 shards merged = the local replay, row for row ($(wc -l < "$W/m.txt") rows)" ||
	fail "merged shards differ from the local replay: $(diff "$W/full.txt" "$W/m.txt" | head -5)"
[ "$(sqlite3 "$W/m.db" 'SELECT count(*) FROM traces')" = 2 ] && ok "traces deduplicated by identity" ||
	fail "traces rows: $(sqlite3 "$W/m.db" 'SELECT count(*) FROM traces')"

# shellcheck disable=SC2086
"$F" replay -q --units 1,3-4 --db "$W/u.db" $V "$W/a.fgt" "$W/b.fgt" > /dev/null || fail "--units"
[ "$(sqlite3 "$W/u.db" "SELECT group_concat(t.path || ':' || v.name, ' ') FROM variants v JOIN runs r ON r.id = v.run_id JOIN traces t ON t.id = r.trace_id")" = \
	"$W/a.fgt:spb $W/b.fgt:mainline $W/b.fgt:spb" ] && ok "--units 1,3-4 picks those units" ||
	fail "--units picked $(sqlite3 "$W/u.db" 'SELECT name FROM variants')"

counts() {
	for t in traces runs variants samples counters equilibrium data_loss spb_final sample_frag; do
		printf '%s ' "$(sqlite3 "$1" "SELECT count(*) FROM $t")"
	done
}
before=$(counts "$W/m.db")
"$F" merge "$W/m.db" "$W/s1.db" "$W/s1.db" "$W/s0.db" "$W/s2.db" > "$W/out" || fail "merge again"
[ "$(counts "$W/m.db")" = "$before" ] && grep -q "0 runs added, 8 already present" "$W/out" &&
	ok "merging the same inputs again adds nothing" || fail "not idempotent: $before / $(counts "$W/m.db")"
"$F" merge "$W/m2.db" "$W/m.db" "$W/full.db" > /dev/null && python3 "$CANON" "$W/m2.db" > "$W/m2.txt" &&
	[ "$(grep -c '^variants ' "$W/m2.txt")" = 12 ] && ok "merged db + local db: both replays kept" ||
	fail "merge of merged and local: $(grep -c '^variants ' "$W/m2.txt")"

# columns and tables the schema gains later merge by name
cp "$W/s0.db" "$W/x.db" && cp "$W/s1.db" "$W/y.db"
for d in x y; do
	sqlite3 "$W/$d.db" "ALTER TABLE variants ADD COLUMN later_col TEXT;
		UPDATE variants SET later_col = '$d-' || name;
		CREATE TABLE later_table(variant_id INTEGER NOT NULL REFERENCES variants(id), v INTEGER);
		INSERT INTO later_table SELECT id, 7 FROM variants;"
done
"$F" merge "$W/y.db" "$W/x.db" > /dev/null || fail "merge with a new column"
[ "$(sqlite3 "$W/y.db" "SELECT count(*) FROM variants WHERE later_col = 'x-' || name")" = 2 ] &&
	[ "$(sqlite3 "$W/y.db" "SELECT count(*) FROM later_table l JOIN variants v ON v.id = l.variant_id WHERE v.later_col LIKE 'x-%'")" = 2 ] &&
	ok "a new column and a new table merged by name, references renumbered" ||
	fail "new column/table: $(sqlite3 "$W/y.db" 'SELECT name, later_col FROM variants')"

# an input the output cannot take, or a damaged one: one line naming it, exit 1, output unchanged
cp "$W/m.db" "$W/keep.db"
expect_refused() { # NAME INPUT PATTERN
	local before after rc
	before=$(sha256sum < "$W/keep.db")
	"$F" merge "$W/keep.db" "$W/s0.db" "$2" > /dev/null 2> "$W/err"
	rc=$?
	after=$(sha256sum < "$W/keep.db")
	if [ $rc = 1 ] && [ "$before" = "$after" ] && [ "$(wc -l < "$W/err")" = 1 ] &&
		grep -q "^fragtrace: $2: .*$3" "$W/err"; then
		ok "$1: refused, output unchanged: $(cat "$W/err")"
	else
		fail "$1: rc $rc, output $([ "$before" = "$after" ] && echo unchanged || echo CHANGED): $(cat "$W/err")"
	fi
	rm -f "$W/new.db"
	"$F" merge "$W/new.db" "$W/s0.db" "$2" > /dev/null 2>&1 && fail "$1: new output merged"
	[ -e "$W/new.db" ] && fail "$1: a new output was left behind"
}
head -c 20000 "$W/s1.db" > "$W/trunc.db"
expect_refused "truncated" "$W/trunc.db" "damaged\|not an SQLite"
head -c 100 "$W/s1.db" > "$W/trunc100.db"
expect_refused "truncated to 100 bytes" "$W/trunc100.db" "damaged\|not an SQLite"
flip() { python3 -c "import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[int(sys.argv[2])] ^= int(sys.argv[3]); open(sys.argv[4], 'wb').write(b)" "$@"; }
flip "$W/s1.db" 3 1 "$W/magic.db"
expect_refused "header magic bit flipped" "$W/magic.db" "not an SQLite"
flip "$W/s1.db" 4096 32 "$W/page2.db"
expect_refused "b-tree page header bit flipped" "$W/page2.db" "damaged"
echo "not a database at all, just text" > "$W/text.db"
head -c 8192 /dev/urandom > "$W/random.db"
expect_refused "a text file" "$W/text.db" "not an SQLite"
: > "$W/empty.db"
expect_refused "an empty file" "$W/empty.db" "empty file"
cp "$W/s1.db" "$W/v99.db" && sqlite3 "$W/v99.db" "PRAGMA user_version = 99"
expect_refused "schema version 99" "$W/v99.db" "version 99 is newer"
cp "$W/s1.db" "$W/v0.db" && sqlite3 "$W/v0.db" "PRAGMA user_version = 0"
expect_refused "schema version 0" "$W/v0.db" "version 0 is not one"
sqlite3 "$W/other.db" "CREATE TABLE t(x)"
expect_refused "another program's SQLite file" "$W/other.db" "not a fragtrace results database"
cp "$W/s1.db" "$W/col.db" && sqlite3 "$W/col.db" "ALTER TABLE samples ADD COLUMN from_the_future INTEGER"
expect_refused "a column the output lacks" "$W/col.db" "column 'from_the_future'"
cp "$W/s1.db" "$W/tab.db" && sqlite3 "$W/tab.db" "CREATE TABLE from_the_future(x)"
expect_refused "a table the output lacks" "$W/tab.db" "table 'from_the_future'"
cp "$W/s1.db" "$W/dangling.db" && sqlite3 "$W/dangling.db" "UPDATE equilibrium SET variant_id = 999 WHERE variant_id = (SELECT min(variant_id) FROM equilibrium)"
expect_refused "a reference to a missing variant" "$W/dangling.db" "variants id 999"
expect_refused "a missing input" "$W/nonexistent.db" "No such file"

before=$(sha256sum < "$W/keep.db")
ln "$W/keep.db" "$W/hardlink.db" && ln -s "$W/keep.db" "$W/symlink.db"
"$F" merge "$W/keep.db" "$W/s0.db" "$W/hardlink.db" 2> "$W/err" && fail "output = input (hard link) accepted"
grep -q "is the input" "$W/err" && ok "output that is an input (hard link) refused" || fail "hard link: $(cat "$W/err")"
"$F" merge "$W/keep.db" "$W/symlink.db" 2> "$W/err" && fail "output = input (symlink) accepted"
grep -q "is the input" "$W/err" && ok "output that is an input (symlink) refused" || fail "symlink: $(cat "$W/err")"
"$F" merge "$W/symlink.db" "$W/s0.db" 2> "$W/err" && fail "output through a symlink accepted"
[ "$(sha256sum < "$W/keep.db")" = "$before" ] && ok "output unchanged after the refusals" || fail "output changed"
"$F" merge "$W/only.db" 2> /dev/null; [ $? = 2 ] && ok "no input: usage error" || fail "no input: exit"

# fleet views and report: 10 hosts x 2 variants with known equilibria, hostile names
"$F" merge "$W/fleet.db" "$W/s0.db" > /dev/null # the schema, views included
python3 - "$W/fleet.db" << 'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for t in ("equilibrium", "samples", "sample_frag", "sample_counters", "counters", "data_loss",
          "spb_final", "variant_params", "variants", "runs", "traces"):
    db.execute("DELETE FROM " + t)
for i in range(10):
    host = "hosts/h%d.fgt" % i if i < 9 else "hosts/<b>evil&\"'.fgt"
    db.execute("INSERT INTO traces(id, path, file_bytes, events, duration_s, lost_events, "
               "lost_markers, complete_file) VALUES (?, ?, 1, 1, 1, 0, 0, 1)", (i + 1, host))
    db.execute("INSERT INTO runs(id, trace_id, started_at, complete, status, tool_version, "
               "start_mode, loops, sample_ms, threads) VALUES (?, ?, 'x', 1, 'complete', 'v', "
               "'warm', 1, 100, 1)", (i + 1, i + 1))
    for v, (name, eq) in enumerate((("A", i + 1), ("<i>B</i>", 3))):
        vid = i * 2 + v + 1
        db.execute("INSERT INTO variants(id, run_id, position, name, preset, policy, events, "
                   "seconds, spbs, final_tainted, max_tainted, min_tainted, final_clean, "
                   "final_empty, final_contig_1g, final_contig_2m, final_free_pages, "
                   "final_slab_pages, shrink_queued, shrink_ran, shrink_freed, model_bytes) "
                   "VALUES (?, ?, ?, ?, 'spb', 'spb', 1, 1, 16, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, "
                   "0, 0, 0)", (vid, i + 1, v, name, eq, eq))
        db.execute("INSERT INTO equilibrium VALUES (?, 1, ?, 0, 0, 0, 1, 1, 10, 'settled')",
                   (vid, eq))
db.commit()
EOF
[ "$(sqlite3 "$W/fleet.db" "SELECT hosts, settled_hosts, median_equilibrium, p90_equilibrium, max_equilibrium FROM fleet_equilibrium WHERE variant = 'A'")" = "10|10|5.0|9.0|10.0" ] &&
	ok "fleet_equilibrium: median 5, p90 9, max 10 of 1..10" ||
	fail "fleet_equilibrium: $(sqlite3 "$W/fleet.db" 'SELECT * FROM fleet_equilibrium')"
[ "$(sqlite3 "$W/fleet.db" "SELECT best_variant, worst_variant, spread FROM fleet_disagreement LIMIT 1")" = "<i>B</i>|A|7.0" ] &&
	ok "fleet_disagreement: widest host first" || fail "fleet_disagreement: $(sqlite3 "$W/fleet.db" 'SELECT * FROM fleet_disagreement')"
"$F" report --fleet --html "$W/fleet.html" "$W/fleet.db" > "$W/out" || fail "report --fleet"
grep -q "^  A  *10  *10  *5.0  *9.0  *10.0" "$W/out" && ok "fleet text table" || fail "fleet text: $(cat "$W/out")"
python3 - "$W/fleet.html" << 'EOF' && ok "fleet page: well-formed, one chart, 2 series of 10 hosts, names escaped" || fail "fleet page"
import sys, xml.etree.ElementTree as ET
S = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
assert not [e for e in root.iter() if e.tag.endswith("}b") or e.tag.endswith("}i")]
charts = list(root.iter(S + "svg"))
assert len(charts) == 1, len(charts)
series = [g for g in charts[0].iter(S + "g") if g.get("class") == "series"]
assert [g.get("data-variant") for g in series] == ["A", "<i>B</i>"], series
assert all(len(g.findall(S + "circle")) == 10 for g in series)
labels = [t.text for t in charts[0].iter(S + "text") if t.get("class") == "label"]
assert "<b>evil&\"'.fgt" in labels, labels
EOF

# fleet submit/status against stand-in sbatch, sacct and squeue (the real cluster: fleet_slurm)
mkdir -p "$W/bin"
cat > "$W/bin/sbatch" << 'EOF'
#!/bin/sh
echo "$*" >> "$(dirname "$0")/sbatch.log"
n=$(wc -l < "$(dirname "$0")/sbatch.log"); echo "$((100 + n));cluster"
EOF
cat > "$W/bin/sacct" << 'EOF'
#!/bin/sh
case " $* " in
*" -j 101 "*) printf '101_0|COMPLETED\n101_1|FAILED\n101_[2-5]|PENDING\n' ;;
*) printf '102|PENDING\n' ;;
esac
EOF
chmod +x "$W/bin/sbatch" "$W/bin/sacct"
PATH="$W/bin:$PATH" "$F" fleet submit --slurm --dir "$W/fl" -V mainline -V spb -V spb+all \
	--sbatch=--time=5 "$W/a.fgt" "$W/b.fgt" > "$W/out" 2> "$W/err" || fail "fleet submit: $(cat "$W/err")"
grep -q "array job 101 (6 tasks: 2 traces x 3 variants), merge job 102" "$W/out" &&
	grep -q -- "--time=5 $W/fl/replay.sh" "$W/bin/sbatch.log" &&
	grep -q -- "--dependency=afterok:101 $W/fl/merge.sh" "$W/bin/sbatch.log" &&
	grep -q -- '--shard "$i/6"' "$W/fl/replay.sh" && grep -q "array=0-5" "$W/fl/replay.sh" &&
	ok "fleet submit: array of 6 and a dependent merge" || fail "fleet submit: $(cat "$W/out" "$W/bin/sbatch.log")"
PATH="$W/bin:$PATH" "$F" fleet status --dir "$W/fl" > "$W/out" 2>&1
[ $? = 1 ] && grep -q "6 tasks: 4 pending, 0 running, 1 completed, 1 failed" "$W/out" &&
	grep -q "merge job 102: PENDING" "$W/out" && ok "fleet status counts the array's states, exit 1 on a failure" ||
	fail "fleet status: $(cat "$W/out")"
PATH="$W/bin:$PATH" "$F" fleet submit --slurm --dir "$W/fl" "$W/a.fgt" 2> "$W/err"
[ $? = 1 ] && grep -q "already holds a submitted fleet" "$W/err" && ok "a second fleet into one directory refused" ||
	fail "second submit: $(cat "$W/err")"
"$F" fleet submit --dir "$W/fl2" "$W/a.fgt" 2> /dev/null; [ $? = 2 ] && ok "submit without --slurm: usage" || fail "no --slurm"
"$F" fleet status --dir "$W/none" 2> "$W/err"; [ $? = 1 ] && grep -q "fleet.jobs" "$W/err" &&
	ok "status without a fleet: one error" || fail "status without fleet: $(cat "$W/err")"

# seeded random damage: every outcome is a clean merge or one error line with the output kept
python3 - "$W/s1.db" "$W/fz" << 'EOF'
import random, sys
data = open(sys.argv[1], "rb").read()
rng = random.Random(16)
for i in range(150):
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 8))):
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    if rng.random() < 0.15:
        b = b[:rng.randrange(len(b))]
    open("%s%03d.db" % (sys.argv[2], i), "wb").write(b)
EOF
bad=0 merged=0 refused=0
for f in "$W"/fz*.db; do
	cp "$W/m.db" "$W/fzout.db"
	before=$(sha256sum < "$W/fzout.db")
	"$F" merge "$W/fzout.db" "$f" > /dev/null 2> "$W/err"
	rc=$?
	if [ $rc = 0 ]; then
		merged=$((merged + 1))
		sqlite3 "$W/fzout.db" "PRAGMA integrity_check" | grep -qx ok || { bad=$((bad + 1)); echo "damaged output from $f"; }
	elif [ $rc = 1 ] && [ "$(wc -l < "$W/err")" = 1 ] && grep -q "^fragtrace: $f: " "$W/err" &&
		[ "$(sha256sum < "$W/fzout.db")" = "$before" ]; then
		refused=$((refused + 1))
	else
		bad=$((bad + 1))
		echo "bad outcome for $f (rc $rc): $(head -3 "$W/err")"
	fi
done
[ $bad = 0 ] && [ $refused -gt 0 ] && ok "150 damaged inputs: $refused refused cleanly, $merged merged (flips in data)" ||
	fail "damaged inputs: $bad bad outcomes ($refused refused, $merged merged)"
finish merge
