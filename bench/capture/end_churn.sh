#!/bin/bash
# bench/capture/end_churn.sh - how many pages the end page map shows in use that the trace
# leaves free (`observe_end_free_host_used`), in the live test tests/record_end_test.sh run
# beside other processes that allocate and free memory: LOOPS processes that each map MIB MiB
# of anonymous memory, touch every page and unmap it, over and over (THP=1: MADV_HUGEPAGE on
# each mapping), started 2 s before each run and killed after it. Prints one line per run:
# the figure (and observe_end_recorder_pages, the recorder's pages among them), the test's
# verdict and the recording's lost events (docs/capture.md, "Whose events", has the figures
# of session 22).
#
# Each run holds /work/wt/pressure.lock (HELPER-RULES: anything that fills memory) and takes
# about 10 s; the loops hold LOOPS x MIB MiB at most.
# usage: bench/capture/end_churn.sh FRAGTRACE RUNS [LOOPS [MIB]]   (root; THP=1)
set -u
F=$1
RUNS=$2
LOOPS=${3:-2}
MIB=${4:-512}
HERE=$(cd "$(dirname "$0")" && pwd)
LOCK=${PRESSURE_LOCK:-/work/wt/pressure.lock}

one_run() {
	local pids="" i
	for i in $(seq 1 "$LOOPS"); do
		python3 -c "
import mmap, sys
size = int(sys.argv[1]) << 20
while True:
    m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    if sys.argv[2] == '1':
        m.madvise(mmap.MADV_HUGEPAGE)
    for i in range(0, size, 4096):
        m[i] = 1
    m.close()" "$MIB" "${THP:-0}" &
		pids="$pids $!"
	done
	[ "$LOOPS" -gt 0 ] && sleep 2
	"$HERE/../../tests/record_end_test.sh" "$F" > "$1" 2>&1
	local rc=$?
	for i in $pids; do kill "$i"; done
	wait $pids 2> /dev/null
	return $rc
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for r in $(seq 1 "$RUNS"); do
	flock "$LOCK" bash -c "$(declare -f one_run); LOOPS=$LOOPS MIB=$MIB HERE=$HERE F=$F THP=${THP:-0} one_run $out"
	rc=$?
	used=$(sed -n 's/^observe_end_free_host_used \([0-9]*\),.*/\1/p' "$out")
	recp=$(sed -n 's/.*observe_end_recorder_pages \([0-9]*\),.*/\1/p' "$out")
	lost=$(sed -n 's/.*(lost_events \([0-9.e+]*\)).*/\1/p' "$out")
	echo "run $r: observe_end_free_host_used ${used:-?} (recorder's ${recp:-?}) $([ $rc = 0 ] && echo pass || echo FAIL)${lost:+ lost_events $lost}"
done
