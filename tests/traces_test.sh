#!/bin/bash
# traces_test.sh - the bundled sample traces read completely, hold both snapshots and no kernel
# address; `fragtrace synth` writes a readable trace from the command line and refuses bad use.
# usage: traces_test.sh FRAGTRACE TRACES_DIR
. "$(dirname "$0")/lib.sh"
HEX10=$(printf '[0-9a-f]%.0s' 1 2 3 4 5 6 7 8 9 10) # ten hex digits, for any awk
n=0
for t in "$D"/*.fgt; do
	n=$((n + 1))
	"$F" info --json "$t" > "$W/i.json" || { fail "$t: info"; continue; }
	grep -q '"complete":true' "$W/i.json" || fail "$t: not complete"
	grep -q '"lost_events":0' "$W/i.json" || fail "$t: lost events"
	for s in start/pagemap end/pagemap start/slab_attributes end/zoneinfo; do
		grep -q "\"$s\"" "$W/i.json" || fail "$t: no $s snapshot"
	done
	events=$(sed -n 's/.*"events":\([0-9]*\).*/\1/p' "$W/i.json" | head -1)
	[ "$events" -gt 100000 ] || fail "$t: only $events events"
	# one dump, counted and searched in one pass (no file: the dumps run to gigabytes);
	# pfn=0xffffffffffffffff is a failed allocation (pfn -1), not an address
	set -- $("$F" dump "$t" | awk -v re="0xffff$HEX10" '{ n++ }
		!/pfn=0xffffffffffffffff / && $0 ~ re { k++ } END { print n + 0, k + 0 }')
	lines=$1
	[ "$2" = 0 ] || fail "$t: kernel addresses on $2 lines"
	[ "$lines" = "$events" ] || fail "$t: dump printed $lines lines for $events events"
	ok "$t: $events events"
done
[ $n -ge 2 ] || fail "expected at least two bundled traces, found $n"
"$F" synth --workload mixed --mem 1G --duration 2 --seed 9 -o "$W/s.fgt" > /dev/null || fail "synth"
"$F" info --json "$W/s.fgt" | grep -q '"complete":true' && ok "synth writes a complete trace" ||
	fail "synth trace"
"$F" synth --workload nonsense -o "$W/x.fgt" 2> /dev/null
[ $? = 2 ] || fail "an unknown workload is not a usage error"
"$F" synth --workload mixed 2> /dev/null
[ $? = 2 ] || fail "synth without -o is not a usage error"
finish traces_test
