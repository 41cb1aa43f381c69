#!/bin/bash
# record_end_test.sh - the end of a live recording (issue 13): memory the host allocates after
# the stop request and the recorder's own pages must be accounted in the trace, not left as
# pages the rebuilt host holds free but the end page map shows in use.
#
# A quiet recording is stopped with SIGINT, and right after the signal this test allocates and
# touches 256 MiB, 4 MiB at a time, in a process that holds them until the recorder has exited.
# A recorder that stopped tracing before its end page map left every one of those pages that
# was allocated before the walk reached it in use in the map with no event (4,295 to 21,640 in
# runs of the old recorder, against 0-107 with the new; the bound is 1024, 1/64 of
# the memory held); one that traces through the end walk and stores when each range was read
# (end/pagemap_times) accounts for them all. The recorder's pages are listed (end/recorder_pfns)
# and `check` reports them as their own row. No assertion depends on timing: the allocation is
# traced whenever it happens.
#
# The bound failed once beside other memory-hungry tests (1,964): with the recorder kept out of
# every event, its own refills of a CPU's per-CPU list took pages from the buddy lists with no
# event, and what they left on the list was in use in the end map (1-1,164 in 29 runs beside
# 0-3 processes allocating and freeing 512-1024 MiB, bench/capture/end_churn.sh; docs/capture.md,
# "Whose events"). Its page events are traced now: 0-60 in 19 runs, 15 of them 0; and check
# compares the recorder's own pages like any page (observe_end_recorder_pages counts those
# observe holds free, bound 128). And neither page map may hold class 11 (a flagless page
# after a buddy head, once counted free): the kernel marks every page of a free block
# KPF_BUDDY, so such a page is on a per-CPU list or of no kind, never free; counted free in
# the start map and used at the end with no event, it was unexplained too.
# usage: record_end_test.sh FRAGTRACE
. "$(dirname "$0")/lib.sh"
T=/sys/kernel/tracing
if [ "$(id -u)" != 0 ]; then echo "SKIP: record_end_test needs root (live tracefs)"; exit 77; fi
if [ ! -d $T/instances ] && ! mount -t tracefs nodev $T 2>/dev/null; then
	echo "SKIP: no tracefs at $T"; exit 77
fi
command -v python3 > /dev/null || { echo "SKIP: record_end_test needs python3"; exit 77; }
HOLDER=
cleanup() {
	[ -n "$HOLDER" ] && kill "$HOLDER" 2> /dev/null
	rm -rf "$W"
}
trap cleanup EXIT

"$F" record -q -o "$W/end.fgt" 2> "$W/rec.err" &
rec=$!
# recording: start/cpu_stats is written right before tracing starts (the trace reads while cut)
for _ in $(seq 1 600); do
	"$F" info "$W/end.fgt" 2> /dev/null | grep -q "^  start/cpu_stats " && break
	sleep 0.1
done
"$F" info "$W/end.fgt" 2> /dev/null | grep -q "^  start/cpu_stats " ||
	fail "the recorder did not start: $(cat "$W/rec.err")"
kill -INT $rec
# 256 MiB, every page written, in 64 steps of 4 MiB spread over the recorder's end (its page
# map walk takes about a second), held until this test ends it
python3 -c "
import sys, time
held = []
for step in range(64):
    b = bytearray(4 << 20)
    for i in range(0, len(b), 4096):
        b[i] = 1
    held.append(b)
    time.sleep(0.02)
open(sys.argv[1], 'w').write('ready')
time.sleep(600)" "$W/held" &
HOLDER=$!
wait $rec
rc=$?
for _ in $(seq 1 600); do [ -s "$W/held" ] && break; sleep 0.1; done
[ $rc = 0 ] && ok "SIGINT: record exits 0" || fail "record exited $rc: $(cat "$W/rec.err")"
kill "$HOLDER"
HOLDER=

"$F" info "$W/end.fgt" > "$W/info.txt" || fail "info on the recording"
for s in end/pagemap end/pagemap_times end/recorder_pfns start/pagemap_times end/buddyinfo; do
	grep -q "^  $s " "$W/info.txt" && ok "snapshot $s" || fail "no $s snapshot"
done
head=$("$F" dump --snapshot end/recorder_pfns "$W/end.fgt" | head -1)
mapped=$(echo "$head" | sed -n 's/.* mapped=\([0-9]*\) .*/\1/p')
[ "${mapped:-0}" -gt 100 ] && ok "end/recorder_pfns lists the recorder's $mapped mapped pages" ||
	fail "end/recorder_pfns: $head"

"$F" check --json "$W/end.fgt" > "$W/check.json" || fail "check on the recording"
# a row's model figure as an integer (JSON may print 6553600 as 6.5536e+06)
row() {
	grep -o "{\"name\":\"$1\",[^}]*}" "$W/check.json" |
		sed -n 's/.*"model":\([0-9.e+]*\).*/\1/p' | awk '{ printf "%d", $1 }'
}
used=$(row observe_end_free_host_used)
recp=$(row observe_end_recorder_pages)
timed=$(row observe_end_map_timed)
echo "observe_end_free_host_used $used, observe_end_recorder_pages $recp, observe_end_map_timed $timed"
[ -n "$used" ] && [ "$used" -lt 1024 ] &&
	ok "the 256 MiB allocated after the stop request are in the trace ($used pages unexplained)" ||
	fail "observe_end_free_host_used is ${used:-missing}: pages allocated at the stop are missing (lost_events $(grep -o '{"name":"lost_events",[^}]*}' "$W/check.json" | sed -n 's/.*"host":\([0-9.e+]*\).*/\1/p'))"
# the recorder's pages are traced now (capture/options `recorder_excluded: from slab object
# events`): check compares them like any page, so those observe holds free are inside
# observe_end_free_host_used, and the row, still shown, counts them. 0 in 21 runs of this
# recorder (12 alone, 5 beside 2 x 512 MiB of churn, 4 beside 3 x 1024 MiB THP;
# bench/capture/end_churn.sh); a recorder that left its page events out: 2,027 here, 367-2,604
# in replay's live take. The bound, 128, is twice the most pages a run of this recorder left
# unexplained (60) and under a third of the least an untraced recorder left (bench/RESULTS.md,
# "Session 22, h23-recp")
"$F" dump --snapshot capture/options "$W/end.fgt" |
	grep -q "^recorder_excluded: from slab object events" &&
	ok "capture/options: the recorder's page events are traced" ||
	fail "capture/options: $("$F" dump --snapshot capture/options "$W/end.fgt" | grep recorder)"
[ -n "$recp" ] && [ "$recp" -le 128 ] && [ "$recp" -le "${used:-0}" ] &&
	ok "the recorder's own pages free to observe: $recp, compared (within $used)" ||
	fail "observe_end_recorder_pages is ${recp:-missing} (bound 128, and within observe_end_free_host_used ${used:-missing})"
[ -n "$timed" ] && [ "$timed" -gt 0 ] && ok "end map ranges compared at their read time" ||
	fail "no end map range compared at its read time (${timed:-missing})"
for s in start end; do
	"$F" dump --snapshot $s/pagemap "$W/end.fgt" > "$W/$s.map"
	n11=$(python3 -c "
import sys
b = open(sys.argv[1], 'rb').read()
body = b[b.index(b'\\n') + 1:]
print(sum(body.count(bytes([h << 4 | 11])) + body.count(bytes([11 << 4 | h])) for h in range(16)))" "$W/$s.map")
	[ "$n11" = 0 ] && ok "$s/pagemap: no flagless page counted free" ||
		fail "$s/pagemap: $n11 flagless pages after a buddy head counted free (class 11)"
done
finish record_end_test
