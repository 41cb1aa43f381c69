#!/bin/bash
# CLI tests: help, version, exit codes, info (text and JSON), dump and its filters, damaged
# files, strict numeric options, non-regular inputs, hostile strings (with MKHOSTILE).
# usage: cli_test.sh FRAGTRACE MKTRACE [MKHOSTILE]
. "$(dirname "$0")/lib.sh"
mkhostile=${3:-}
expect_rc() { # expect_rc WANT DESCRIPTION CMD...
	want=$1 what=$2; shift 2
	"$@" > "$W/out" 2> "$W/err"; rc=$?
	if [ "$rc" = "$want" ]; then ok; else fail "$what: exit $rc, want $want"; cat "$W/err"; fi
}

expect_rc 0 "--help" "$F" --help
grep -q "info" "$W/out" && grep -q "dump" "$W/out" && ok || fail "--help lists commands"
expect_rc 0 "--version" "$F" --version
grep -q "^fragtrace [0-9]" "$W/out" && ok || fail "--version prints the version"
expect_rc 2 "no command" "$F"
expect_rc 2 "unknown command" "$F" frobnicate
grep -q "not a fragtrace command" "$W/err" && ok || fail "unknown command message"
expect_rc 0 "info --help" "$F" info --help
expect_rc 0 "dump --help" "$F" dump --help
expect_rc 2 "info without a file" "$F" info
expect_rc 2 "info with a fail option" "$F" info --bogus x.fgt
expect_rc 2 "dump with a fail time" "$F" dump --start abc x.fgt
expect_rc 1 "info on a missing file" "$F" info "$W/missing.fgt"
grep -q "missing.fgt" "$W/err" && ok || fail "error names the missing file"

"$D" "$W/t.fgt" 50000 4096 || fail "mktrace"
expect_rc 0 "info" "$F" info "$W/t.fgt"
grep -q "kmem:mm_page_alloc " "$W/out" && grep -q "start/meminfo" "$W/out" && ok ||
	fail "info text shows types and snapshots"
grep -q "lost events:     42" "$W/out" && ok || fail "info shows the lost events"
grep -q "dropped events" "$W/err" && ok || fail "info warns about lost events"
expect_rc 0 "info --json" "$F" info --json "$W/t.fgt"
cp "$W/out" "$W/info.json"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$W/info.json" <<'PY' && ok || fail "info --json content"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("events", "events_by_type", "lost_events", "duration_s", "file_bytes",
          "bytes_per_event", "snapshots"):
    assert k in d, k
assert d["events"] == 50002, d["events"]          # 50000 + a lost marker + a generic record
assert d["lost_events"] == 42
assert d["events_by_type"]["compaction:mm_compaction_begin"] == 1
assert sum(d["events_by_type"].values()) == d["events"] - 1   # the lost marker is not an event type
assert d["snapshots"] == ["start/meminfo", "end/meminfo"], d["snapshots"]
assert abs(d["bytes_per_event"] - d["file_bytes"] / d["events"]) < 1e-3
assert d["duration_s"] > 0
PY
else
	echo "SKIP: python3 not found, info --json not parsed"
fi
events=$(sed 's/.*"events":\([0-9]*\).*/\1/' "$W/info.json")
allocs=$(sed 's/.*"kmem:mm_page_alloc":\([0-9]*\).*/\1/' "$W/info.json")

expect_rc 0 "dump" "$F" dump "$W/t.fgt"
[ "$(wc -l < "$W/out")" = "$events" ] && ok || fail "dump prints one line per event"
grep -q "\[LOST 42 EVENTS\]" "$W/out" && ok || fail "dump shows the lost marker"
grep -q "mm_compaction_begin: 16 bytes" "$W/out" && ok || fail "dump shows generic records"
grep -q "kmem_cache_alloc: call_site=__d_alloc+0x2e ptr=0x" "$W/out" && ok ||
	fail "dump resolves interned call sites"
first=$(sed -n '1000p' "$W/out" | sed 's/.*\] *\([0-9.]*\):.*/\1/')
last=$(sed -n '2000p' "$W/out" | sed 's/.*\] *\([0-9.]*\):.*/\1/')
expect_rc 0 "dump --events" "$F" dump --events kmem:mm_page_alloc "$W/t.fgt"
[ "$(wc -l < "$W/out")" = "$allocs" ] && ok || fail "dump --events keeps exactly those"
grep -qv " mm_page_alloc: " "$W/out" && fail "dump --events let others through" || ok
expect_rc 0 "dump --events by system" "$F" dump --events vmscan,lost "$W/t.fgt"
[ "$(wc -l < "$W/out")" = 1 ] && ok || fail "dump --events vmscan,lost"
expect_rc 0 "dump --start --end" "$F" dump --start "$first" --end "$last" "$W/t.fgt"
awk -v a="$first" -v b="$last" '{ sub(/.*\] */, ""); t = $1 + 0; if (t < a || t > b) exit 1 }' \
	"$W/out" && ok || fail "dump --start/--end bounds"
n=$(wc -l < "$W/out")
[ "$n" -ge 1001 ] && ok || fail "dump --start/--end printed $n lines"

if command -v zstd >/dev/null 2>&1; then
	zstd -t -q "$W/t.fgt" && ok || fail "zstd -t verifies the file"
else
	echo "SKIP: zstd not found"
fi

size=$(wc -c < "$W/t.fgt")
head -c $((size * 2 / 3)) "$W/t.fgt" > "$W/cut.fgt"
expect_rc 0 "info on a truncated file" "$F" info --json "$W/cut.fgt"
grep -q "truncated" "$W/err" && grep -q "cut.fgt" "$W/err" && ok ||
	fail "truncation warning names the file"
cut_events=$(sed 's/.*"events":\([0-9]*\).*/\1/' "$W/out")
[ "$cut_events" -gt 0 ] && [ "$cut_events" -lt "$events" ] && ok ||
	fail "truncated file keeps its complete chunks ($cut_events)"
expect_rc 0 "dump of a truncated file" "$F" dump "$W/cut.fgt"
[ "$(wc -l < "$W/out")" = "$cut_events" ] && ok || fail "dump of truncated prints every event"

cp "$W/t.fgt" "$W/flip.fgt"
printf '\377\377\377\377' | dd of="$W/flip.fgt" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
expect_rc 1 "dump of a corrupt file" "$F" dump "$W/flip.fgt"
grep -q "flip.fgt: chunk [0-9]* at byte [0-9]*" "$W/err" && ok ||
	fail "corruption error names file, chunk and byte"
[ "$(wc -l < "$W/err")" = 1 ] && ok || fail "one error line"

: > "$W/empty.fgt"
expect_rc 1 "info on an empty file" "$F" info "$W/empty.fgt"
grep -q "empty file" "$W/err" && ok || fail "empty file message"
echo "hello, I am not a trace" > "$W/text.fgt"
expect_rc 1 "info on a text file" "$F" info "$W/text.fgt"
grep -q "not a fragtrace trace" "$W/err" && ok || fail "wrong magic message"

# import --text: no kernel virtual address survives by default, in any field of any event
# (generic records' text, names, call sites, shrinkers); --raw-addresses keeps them.
cat > "$W/k.txt" << 'EOF'
bash-1 [000] .... 1.000001: sched_foo: ptr=0xffff888012345678 page=ffffea0001234567 x=1 z=ffffffffc0a01234,0xffff88aabbccddee
bash-1 [000] .... 1.000002: kmalloc: call_site=ffffffff81234567 ptr=0xffff888012345000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL node=0 accounted=false
bash-1 [000] .... 1.000003: kmem_cache_alloc: call_site=__x+0x1/0x20 ptr=ffff888012345100 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL node=0 accounted=false name=ffff888000001111
kswapd0-90 [001] .... 1.000004: mm_shrink_slab_start: ffffffff81aa0000 0xffff888003e7a000: nid: 0 objects to shrink 1 gfp_flags GFP_KERNEL cache items 5 delta 1 total_scan 3 priority 12
kswapd0-90 [001] .... 1.000005: 0xffffffff81aa0000: a=ffff888000002222
EOF
if command -v zstd > /dev/null; then
	kva='(^|[^0-9a-zA-Z_])(0x)?[89a-fA-F][0-9a-fA-F]{15}([^0-9a-zA-Z_]|$)'
	expect_rc 0 "import --text with kernel addresses" "$F" import --text -o "$W/k.fgt" "$W/k.txt"
	zstd -dcq "$W/k.fgt" 2> /dev/null | strings -n 4 > "$W/k.strings"
	grep -q "sched_foo" "$W/k.strings" && ! grep -qE "$kva" "$W/k.strings" && ok ||
		fail "a kernel address survived import --text: $(grep -oE "$kva" "$W/k.strings" | head -3)"
	"$F" dump "$W/k.fgt" | grep -qE "$kva" && fail "dump shows a kernel address" || ok
	expect_rc 0 "import --text --raw-addresses" "$F" import --text --raw-addresses -o "$W/kr.fgt" "$W/k.txt"
	zstd -dcq "$W/kr.fgt" 2> /dev/null | strings -n 4 | grep -q "ffffea0001234567" && ok ||
		fail "--raw-addresses keeps the addresses"
fi
# import --text of something that is not text ends with a clear error, never loops.
expect_rc 1 "import --text /dev/zero" "$F" import --text -o "$W/z.fgt" /dev/zero
grep -q "/dev/zero: line 1: a NUL byte: not a text trace" "$W/err" && ok || fail "/dev/zero message: $(cat "$W/err")"
head -c 20000 /dev/zero | tr '\0' 'a' > "$W/long.txt"
expect_rc 1 "import --text of one endless line" "$F" import --text -o "$W/z.fgt" "$W/long.txt"
grep -q "long.txt: line 1: no newline within" "$W/err" && ok || fail "long line message: $(cat "$W/err")"

# Numeric options: strict parsing, range checks, exit 2 with one line naming the problem.
for args in "--mem inf" "--mem nan" "--mem 1e400G" "--mem 63M" "--mem 2T" "--mem -1G" \
	"--seed abc" "--seed 12x" "--seed -1" "--seed 99999999999999999999" "--cpus 0" \
	"--cpus 65" "--cpus two" "--cpus -1" "--duration inf" "--duration 0" "--duration 1e9"; do
	# shellcheck disable=SC2086
	expect_rc 2 "synth $args" "$F" synth --workload mixed $args -o "$W/syn.fgt"
	[ "$(wc -l < "$W/err")" = 1 ] && grep -q "synth: --" "$W/err" && ok ||
		fail "synth $args: one line naming the option: $(cat "$W/err")"
done
[ -e "$W/syn.fgt" ] && fail "a rejected synth wrote its output" || ok
expect_rc 0 "synth with good numbers" "$F" synth --workload mixed --mem 512M --seed 7 --cpus 4 \
	--duration 1 -o "$W/syn.fgt"
for args in "--run +1" "--run ' 1'" "--run 99999999999999999999"; do
	eval "set -- $args"
	expect_rc 2 "report $args" "$F" report "$@" "$W/none.db"
done
for args in "--threads -1" "--loop 1x" "--sample-ms ' 5'"; do
	eval "set -- $args"
	expect_rc 2 "replay $args" "$F" replay --db '' "$@" "$W/syn.fgt"
done
expect_rc 2 "dump --start inf" "$F" dump --start inf "$W/syn.fgt"
# Sharing a model among the presets (the default) and --no-share give the same results; the
# table says how many models ran.
expect_rc 0 "replay, models shared" "$F" replay -q --db '' "$W/syn.fgt"
grep -qE "^  models: [1-6] for 6 variants; [0-9]+ split off" "$W/out" && ok ||
	fail "replay's models line: $(grep models "$W/out")"
expect_rc 0 "replay -j, models shared" "$F" replay -q -j --db '' "$W/syn.fgt"
mv "$W/out" "$W/shared.json"
expect_rc 0 "replay -j --no-share" "$F" replay -q -j --no-share --db '' "$W/syn.fgt"
python3 -c 'import json,sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for r in a + b: r.pop("events_per_second")
assert len(a) == 6 and a == b' "$W/shared.json" "$W/out" && ok ||
	fail "replay -j with and without --no-share differ"

# Inputs the reader must seek in: a FIFO is refused at once, never waited on.
mkfifo "$W/fifo"
expect_rc 1 "info on a FIFO" timeout 20 "$F" info "$W/fifo"
grep -q "fifo: not a regular file (a FIFO)" "$W/err" && ok || fail "FIFO message: $(cat "$W/err")"
expect_rc 1 "dump of a directory" "$F" dump "$W"
grep -q "not a regular file (a directory)" "$W/err" && ok || fail "directory message"

# Strings from a trace reach the terminal escaped: no control characters from dump or info.
if [ -n "$mkhostile" ]; then
	"$mkhostile" "$W/syn.fgt" "$W/evil.fgt" || fail "mkhostile"
	for cmd in "info" "info --json" "dump"; do
		# shellcheck disable=SC2086
		expect_rc 0 "$cmd of a hostile trace" "$F" $cmd "$W/evil.fgt"
		if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$W/out"; then
			fail "$cmd prints control characters from the trace"
		else
			ok
		fi
	done
	grep -q 'alert(1)' "$W/out" && grep -q '\\x1b\[31m' "$W/out" && ok ||
		fail "dump shows the hostile names escaped"
	expect_rc 0 "info --json of a hostile trace" "$F" info --json "$W/evil.fgt"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "<script>" in d["kernel_release"]' \
		"$W/out" && ok || fail "info --json of a hostile trace parses"
fi

# synth shows replay's progress bar on a terminal (script gives it one), and not with -q.
if command -v script > /dev/null; then
	script -qec "'$F' synth --workload mixed --mem 512M --duration 2 -o '$W/p.fgt'" /dev/null \
		> "$W/pty" 2>&1
	grep -q "p.fgt \[=*\] 100%  2.0 s of trace .* ETA" "$W/pty" && ok ||
		fail "synth progress bar: $(tr '\r' '\n' < "$W/pty" | tail -2)"
	script -qec "'$F' synth -q --workload mixed --mem 512M --duration 2 -o '$W/p.fgt'" /dev/null \
		> "$W/pty" 2>&1
	grep -q "ETA" "$W/pty" && fail "synth -q shows a progress bar" || ok
fi

finish cli
