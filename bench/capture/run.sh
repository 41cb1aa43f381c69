#!/bin/bash
# bench/capture: `fragtrace record` against `trace-cmd record` (zstd, its default), same
# workload, same twelve events, same run, interleaved rounds. Prints per configuration: events,
# file bytes, bytes/event, file-size ratio to trace-cmd, recorder CPU seconds, the workload's
# wall time and slowdown against an untraced run, and lost events.
#
# The workload is the project's baseline (../shared/bench/workload.sh, ~23 s, ~17 M events);
# trace-cmd runs through ../shared/bench/tc-wrap.sh because this kernel locks the function-tracer
# files trace-cmd insists on opening. Needs root. Each run starts from dropped caches.
# usage: bench/capture/run.sh [BUILD_DIR] [ROUNDS]
set -u
BUILD=${1:-build}
ROUNDS=${2:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=${FRAGTRACE_SHARED:-$HERE/../../../shared}
WL=$SHARED/bench/workload.sh
TCW=$SHARED/bench/tc-wrap.sh
F=$(cd "$BUILD" && pwd)/fragtrace
EVENTS="kmem:mm_page_alloc kmem:mm_page_alloc_zone_locked kmem:mm_page_free kmem:mm_page_free_batched kmem:mm_page_pcpu_drain kmem:mm_page_alloc_extfrag kmem:kmem_cache_alloc kmem:kmem_cache_free kmem:kmalloc kmem:kfree vmscan:mm_shrink_slab_start vmscan:mm_shrink_slab_end"
[ "$(id -u)" = 0 ] || { echo "bench/capture: needs root"; exit 1; }
[ -x "$WL" ] || [ -f "$WL" ] || { echo "bench/capture: no workload at $WL (set FRAGTRACE_SHARED)"; exit 1; }
command -v trace-cmd > /dev/null || { echo "bench/capture: trace-cmd is not installed"; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
TC_EV=""
for e in $EVENTS; do TC_EV="$TC_EV -e $e"; done

now() { date +%s.%N; }
prep() { sync; echo 3 > /proc/sys/vm/drop_caches; echo 1408 > /sys/kernel/tracing/buffer_size_kb; }
run_wl() { local t0 t1; t0=$(now); bash "$WL" > /dev/null 2>&1; t1=$(now); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'; }
cpu_of() { awk '/User time/ { u = $4 } /System time/ { s = $4 } END { printf "%.2f", u + s }' "$1"; }

printf "%-10s %5s %12s %12s %8s %7s %8s %8s %7s %6s\n" config round events bytes B/event size_x rec_cpu_s wl_s slowdn lost
for round in $(seq 1 "$ROUNDS"); do
	prep; base=$(run_wl)
	printf "%-10s %5d %12s %12s %8s %7s %8s %8s %7s %6s\n" none "$round" - - - - - "$base" 1.000 -

	# trace-cmd, default zstd; -b 65536 is what the baseline found loses nothing
	prep
	( cd "$W" && /usr/bin/time -v sh "$TCW" record -b 65536 $TC_EV -o "$W/tc.dat" > "$W/tc.out" 2> "$W/tc.time" ) &
	rec=$!
	sleep 3
	wl=$(run_wl)
	pkill -INT -f "trace-cmd record -b 65536" ; wait $rec
	tc_bytes=$(stat -c %s "$W/tc.dat")
	tc_events=$(trace-cmd report --stat -i "$W/tc.dat" 2> /dev/null | awk '/read events:/ { s += $3 } END { print s + 0 }')
	tc_lost=$(trace-cmd report --stat -i "$W/tc.dat" 2> /dev/null | awk '/overrun:/ && !/commit/ { s += $2 } END { print s + 0 }')
	printf "%-10s %5d %12d %12d %8.2f %7.3f %8s %8s %7.3f %6s\n" trace-cmd "$round" "$tc_events" "$tc_bytes" \
		"$(echo "$tc_bytes / $tc_events" | bc -l)" 1 "$(cpu_of "$W/tc.time")" "$wl" "$(echo "$wl / $base" | bc -l)" "$tc_lost"

	prep
	/usr/bin/time -v "$F" record -q -o "$W/f.fgt" > "$W/f.out" 2> "$W/f.time" &
	rec=$!
	for i in $(seq 1 100); do [ -s "$W/f.fgt" ] && break; sleep 0.1; done
	sleep 0.5
	wl=$(run_wl)
	kill -INT "$(pgrep -f "^$F record -q -o $W/f.fgt")"; wait $rec
	f_bytes=$(stat -c %s "$W/f.fgt")
	"$F" info --json "$W/f.fgt" > "$W/f.json"
	f_events=$(sed -n 's/.*"events":\([0-9]*\).*/\1/p' "$W/f.json" | head -1)
	f_lost=$(sed -n 's/.*"lost_events":\([0-9]*\).*/\1/p' "$W/f.json" | head -1)
	printf "%-10s %5d %12d %12d %8.2f %7.3f %8s %8s %7.3f %6s\n" fragtrace "$round" "$f_events" "$f_bytes" \
		"$(echo "$f_bytes / $f_events" | bc -l)" "$(echo "($f_bytes / $f_events) / ($tc_bytes / $tc_events)" | bc -l)" \
		"$(cpu_of "$W/f.time")" "$wl" "$(echo "$wl / $base" | bc -l)" "$f_lost"
done
