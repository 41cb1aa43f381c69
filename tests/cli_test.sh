#!/bin/sh
# CLI tests: help, version, exit codes, info (text and JSON), dump and its filters, damaged
# files, strict numeric options, non-regular inputs, hostile strings (with MKHOSTILE).
# usage: cli_test.sh FRAGTRACE MKTRACE [MKHOSTILE]
ft=$1 mktrace=$2 mkhostile=${3:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect_rc() { # expect_rc WANT DESCRIPTION CMD...
	want=$1 what=$2; shift 2
	"$@" > "$dir/out" 2> "$dir/err"; rc=$?
	if [ "$rc" = "$want" ]; then ok; else bad "$what: exit $rc, want $want"; cat "$dir/err"; fi
}

expect_rc 0 "--help" "$ft" --help
grep -q "info" "$dir/out" && grep -q "dump" "$dir/out" && ok || bad "--help lists commands"
expect_rc 0 "--version" "$ft" --version
grep -q "^fragtrace [0-9]" "$dir/out" && ok || bad "--version prints the version"
expect_rc 2 "no command" "$ft"
expect_rc 2 "unknown command" "$ft" frobnicate
grep -q "not a fragtrace command" "$dir/err" && ok || bad "unknown command message"
expect_rc 0 "info --help" "$ft" info --help
expect_rc 0 "dump --help" "$ft" dump --help
expect_rc 2 "info without a file" "$ft" info
expect_rc 2 "info with a bad option" "$ft" info --bogus x.fgt
expect_rc 2 "dump with a bad time" "$ft" dump --start abc x.fgt
expect_rc 1 "info on a missing file" "$ft" info "$dir/missing.fgt"
grep -q "missing.fgt" "$dir/err" && ok || bad "error names the missing file"

"$mktrace" "$dir/t.fgt" 50000 4096 || bad "mktrace"
expect_rc 0 "info" "$ft" info "$dir/t.fgt"
grep -q "kmem:mm_page_alloc " "$dir/out" && grep -q "start/meminfo" "$dir/out" && ok ||
	bad "info text shows types and snapshots"
grep -q "lost events:     42" "$dir/out" && ok || bad "info shows the lost events"
grep -q "dropped events" "$dir/err" && ok || bad "info warns about lost events"
expect_rc 0 "info --json" "$ft" info --json "$dir/t.fgt"
cp "$dir/out" "$dir/info.json"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$dir/info.json" <<'PY' && ok || bad "info --json content"
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
events=$(sed 's/.*"events":\([0-9]*\).*/\1/' "$dir/info.json")
allocs=$(sed 's/.*"kmem:mm_page_alloc":\([0-9]*\).*/\1/' "$dir/info.json")

expect_rc 0 "dump" "$ft" dump "$dir/t.fgt"
[ "$(wc -l < "$dir/out")" = "$events" ] && ok || bad "dump prints one line per event"
grep -q "\[LOST 42 EVENTS\]" "$dir/out" && ok || bad "dump shows the lost marker"
grep -q "mm_compaction_begin: 16 bytes" "$dir/out" && ok || bad "dump shows generic records"
grep -q "kmem_cache_alloc: call_site=__d_alloc+0x2e ptr=0x" "$dir/out" && ok ||
	bad "dump resolves interned call sites"
first=$(sed -n '1000p' "$dir/out" | sed 's/.*\] *\([0-9.]*\):.*/\1/')
last=$(sed -n '2000p' "$dir/out" | sed 's/.*\] *\([0-9.]*\):.*/\1/')
expect_rc 0 "dump --events" "$ft" dump --events kmem:mm_page_alloc "$dir/t.fgt"
[ "$(wc -l < "$dir/out")" = "$allocs" ] && ok || bad "dump --events keeps exactly those"
grep -qv " mm_page_alloc: " "$dir/out" && bad "dump --events let others through" || ok
expect_rc 0 "dump --events by system" "$ft" dump --events vmscan,lost "$dir/t.fgt"
[ "$(wc -l < "$dir/out")" = 1 ] && ok || bad "dump --events vmscan,lost"
expect_rc 0 "dump --start --end" "$ft" dump --start "$first" --end "$last" "$dir/t.fgt"
awk -v a="$first" -v b="$last" '{ sub(/.*\] */, ""); t = $1 + 0; if (t < a || t > b) exit 1 }' \
	"$dir/out" && ok || bad "dump --start/--end bounds"
n=$(wc -l < "$dir/out")
[ "$n" -ge 1001 ] && ok || bad "dump --start/--end printed $n lines"

if command -v zstd >/dev/null 2>&1; then
	zstd -t -q "$dir/t.fgt" && ok || bad "zstd -t verifies the file"
else
	echo "SKIP: zstd not found"
fi

size=$(wc -c < "$dir/t.fgt")
head -c $((size * 2 / 3)) "$dir/t.fgt" > "$dir/cut.fgt"
expect_rc 0 "info on a truncated file" "$ft" info --json "$dir/cut.fgt"
grep -q "truncated" "$dir/err" && grep -q "cut.fgt" "$dir/err" && ok ||
	bad "truncation warning names the file"
cut_events=$(sed 's/.*"events":\([0-9]*\).*/\1/' "$dir/out")
[ "$cut_events" -gt 0 ] && [ "$cut_events" -lt "$events" ] && ok ||
	bad "truncated file keeps its complete chunks ($cut_events)"
expect_rc 0 "dump of a truncated file" "$ft" dump "$dir/cut.fgt"
[ "$(wc -l < "$dir/out")" = "$cut_events" ] && ok || bad "dump of truncated prints every event"

cp "$dir/t.fgt" "$dir/flip.fgt"
printf '\377\377\377\377' | dd of="$dir/flip.fgt" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
expect_rc 1 "dump of a corrupt file" "$ft" dump "$dir/flip.fgt"
grep -q "flip.fgt: chunk [0-9]* at byte [0-9]*" "$dir/err" && ok ||
	bad "corruption error names file, chunk and byte"
[ "$(wc -l < "$dir/err")" = 1 ] && ok || bad "one error line"

: > "$dir/empty.fgt"
expect_rc 1 "info on an empty file" "$ft" info "$dir/empty.fgt"
grep -q "empty file" "$dir/err" && ok || bad "empty file message"
echo "hello, I am not a trace" > "$dir/text.fgt"
expect_rc 1 "info on a text file" "$ft" info "$dir/text.fgt"
grep -q "not a fragtrace trace" "$dir/err" && ok || bad "wrong magic message"

# import --text: no kernel virtual address survives by default, in any field of any event
# (generic records' text, names, call sites, shrinkers); --raw-addresses keeps them.
cat > "$dir/k.txt" << 'EOF'
bash-1 [000] .... 1.000001: sched_foo: ptr=0xffff888012345678 page=ffffea0001234567 x=1 z=ffffffffc0a01234,0xffff88aabbccddee
bash-1 [000] .... 1.000002: kmalloc: call_site=ffffffff81234567 ptr=0xffff888012345000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL node=0 accounted=false
bash-1 [000] .... 1.000003: kmem_cache_alloc: call_site=__x+0x1/0x20 ptr=ffff888012345100 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL node=0 accounted=false name=ffff888000001111
kswapd0-90 [001] .... 1.000004: mm_shrink_slab_start: ffffffff81aa0000 0xffff888003e7a000: nid: 0 objects to shrink 1 gfp_flags GFP_KERNEL cache items 5 delta 1 total_scan 3 priority 12
kswapd0-90 [001] .... 1.000005: 0xffffffff81aa0000: a=ffff888000002222
EOF
if command -v zstd > /dev/null; then
	kva='(^|[^0-9a-zA-Z_])(0x)?[89a-fA-F][0-9a-fA-F]{15}([^0-9a-zA-Z_]|$)'
	expect_rc 0 "import --text with kernel addresses" "$ft" import --text -o "$dir/k.fgt" "$dir/k.txt"
	zstd -dcq "$dir/k.fgt" 2> /dev/null | strings -n 4 > "$dir/k.strings"
	grep -q "sched_foo" "$dir/k.strings" && ! grep -qE "$kva" "$dir/k.strings" && ok ||
		bad "a kernel address survived import --text: $(grep -oE "$kva" "$dir/k.strings" | head -3)"
	"$ft" dump "$dir/k.fgt" | grep -qE "$kva" && bad "dump shows a kernel address" || ok
	expect_rc 0 "import --text --raw-addresses" "$ft" import --text --raw-addresses -o "$dir/kr.fgt" "$dir/k.txt"
	zstd -dcq "$dir/kr.fgt" 2> /dev/null | strings -n 4 | grep -q "ffffea0001234567" && ok ||
		bad "--raw-addresses keeps the addresses"
fi
# import --text of something that is not text ends with a clear error, never loops.
expect_rc 1 "import --text /dev/zero" "$ft" import --text -o "$dir/z.fgt" /dev/zero
grep -q "/dev/zero: line 1: a NUL byte: not a text trace" "$dir/err" && ok || bad "/dev/zero message: $(cat "$dir/err")"
head -c 20000 /dev/zero | tr '\0' 'a' > "$dir/long.txt"
expect_rc 1 "import --text of one endless line" "$ft" import --text -o "$dir/z.fgt" "$dir/long.txt"
grep -q "long.txt: line 1: no newline within" "$dir/err" && ok || bad "long line message: $(cat "$dir/err")"

# Numeric options: strict parsing, range checks, exit 2 with one line naming the problem.
for args in "--mem inf" "--mem nan" "--mem 1e400G" "--mem 63M" "--mem 2T" "--mem -1G" \
	"--seed abc" "--seed 12x" "--seed -1" "--seed 99999999999999999999" "--cpus 0" \
	"--cpus 65" "--cpus two" "--cpus -1" "--duration inf" "--duration 0" "--duration 1e9"; do
	# shellcheck disable=SC2086
	expect_rc 2 "synth $args" "$ft" synth --workload mixed $args -o "$dir/syn.fgt"
	[ "$(wc -l < "$dir/err")" = 1 ] && grep -q "synth: --" "$dir/err" && ok ||
		bad "synth $args: one line naming the option: $(cat "$dir/err")"
done
[ -e "$dir/syn.fgt" ] && bad "a rejected synth wrote its output" || ok
expect_rc 0 "synth with good numbers" "$ft" synth --workload mixed --mem 512M --seed 7 --cpus 4 \
	--duration 1 -o "$dir/syn.fgt"
for args in "--run +1" "--run ' 1'" "--run 99999999999999999999"; do
	eval "set -- $args"
	expect_rc 2 "report $args" "$ft" report "$@" "$dir/none.db"
done
for args in "--threads -1" "--loop 1x" "--sample-ms ' 5'"; do
	eval "set -- $args"
	expect_rc 2 "replay $args" "$ft" replay --db '' "$@" "$dir/syn.fgt"
done
expect_rc 2 "dump --start inf" "$ft" dump --start inf "$dir/syn.fgt"

# Inputs the reader must seek in: a FIFO is refused at once, never waited on.
mkfifo "$dir/fifo"
expect_rc 1 "info on a FIFO" timeout 20 "$ft" info "$dir/fifo"
grep -q "fifo: not a regular file (a FIFO)" "$dir/err" && ok || bad "FIFO message: $(cat "$dir/err")"
expect_rc 1 "dump of a directory" "$ft" dump "$dir"
grep -q "not a regular file (a directory)" "$dir/err" && ok || bad "directory message"

# Strings from a trace reach the terminal escaped: no control characters from dump or info.
if [ -n "$mkhostile" ]; then
	"$mkhostile" "$dir/syn.fgt" "$dir/evil.fgt" || bad "mkhostile"
	for cmd in "info" "info --json" "dump"; do
		# shellcheck disable=SC2086
		expect_rc 0 "$cmd of a hostile trace" "$ft" $cmd "$dir/evil.fgt"
		if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$dir/out"; then
			bad "$cmd prints control characters from the trace"
		else
			ok
		fi
	done
	grep -q 'alert(1)' "$dir/out" && grep -q '\\x1b\[31m' "$dir/out" && ok ||
		bad "dump shows the hostile names escaped"
	expect_rc 0 "info --json of a hostile trace" "$ft" info --json "$dir/evil.fgt"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "<script>" in d["kernel_release"]' \
		"$dir/out" && ok || bad "info --json of a hostile trace parses"
fi

# synth shows replay's progress bar on a terminal (script gives it one), and not with -q.
if command -v script > /dev/null; then
	script -qec "'$ft' synth --workload mixed --mem 512M --duration 2 -o '$dir/p.fgt'" /dev/null \
		> "$dir/pty" 2>&1
	grep -q "p.fgt \[=*\] 100%  2.0 s of trace .* ETA" "$dir/pty" && ok ||
		bad "synth progress bar: $(tr '\r' '\n' < "$dir/pty" | tail -2)"
	script -qec "'$ft' synth -q --workload mixed --mem 512M --duration 2 -o '$dir/p.fgt'" /dev/null \
		> "$dir/pty" 2>&1
	grep -q "ETA" "$dir/pty" && bad "synth -q shows a progress bar" || ok
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
