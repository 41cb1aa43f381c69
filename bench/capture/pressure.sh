#!/bin/bash
# bench/capture/pressure.sh - recording under memory pressure with busy CPUs: the project's
# pressure workload (bench/pressure/run.sh: a balloon leaving PRESSURE_FREE_MIB, dentry/inode
# slab and page-cache growth) with two CPU-bound burners, recorded one after the other in the
# same run by `trace-cmd record` and `fragtrace record` at the same per-CPU buffer size, then by
# fragtrace at its defaults, against a run without a recorder. Prints, per configuration:
# events read, events lost (trace-cmd: the overrun of its per-CPU statistics; fragtrace: the
# kernel's overrun counters and the lost markers), recorder CPU seconds (/usr/bin/time), and
# the workload's slowdown: its fixed first round (PRESSURE_FILES files created, stat'ed and
# read, then PRESSURE_CACHE_MIB of page cache) against the run without a recorder.
#
# Each run holds /work/wt/pressure.lock (HELPER-RULES: memory-pressure experiments) and stays
# under about 4 minutes; the balloon is the OOM killer's first choice and cleans up after itself.
# trace-cmd goes through ../shared/bench/tc-wrap.sh (this kernel locks the function-tracer files).
# usage: bench/capture/pressure.sh [BUILD_DIR]   (root; BENCH_BUFFER_KB, default 8192)
set -u
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=${FRAGTRACE_SHARED:-$HERE/../../../shared}
[ -d "$SHARED/bench" ] || SHARED=/work/shared # a worktree under /work/wt/NAME
TCW=$SHARED/bench/tc-wrap.sh
F=$(cd "$BUILD" && pwd)/fragtrace
P=$HERE/../pressure/run.sh
LOCK=${PRESSURE_LOCK:-/work/wt/pressure.lock}
KB=${BENCH_BUFFER_KB:-8192}
# 1792: the balloon gives memory back 256 MiB below its target, so MemAvailable stays >= 1.5 GiB
export PRESSURE_BURNERS=2 PRESSURE_SECONDS=${PRESSURE_SECONDS:-45} PRESSURE_FREE_MIB=${PRESSURE_FREE_MIB:-1792}
export PRESSURE_FILES=${PRESSURE_FILES:-60000} PRESSURE_CACHE_MIB=${PRESSURE_CACHE_MIB:-2048}
EVENTS="kmem:mm_page_alloc kmem:mm_page_alloc_zone_locked kmem:mm_page_free kmem:mm_page_free_batched kmem:mm_page_pcpu_drain kmem:mm_page_alloc_extfrag kmem:kmem_cache_alloc kmem:kmem_cache_free kmem:kmalloc kmem:kfree vmscan:mm_shrink_slab_start vmscan:mm_shrink_slab_end"
[ "$(id -u)" = 0 ] || { echo "bench/capture/pressure: needs root"; exit 1; }
[ -f "$TCW" ] || { echo "bench/capture/pressure: no $TCW (set FRAGTRACE_SHARED)"; exit 1; }
command -v trace-cmd > /dev/null || { echo "bench/capture/pressure: trace-cmd is not installed"; exit 1; }
W=$(mktemp -d /tmp/capture-pressure.XXXXXX)
trap 'rm -rf "$W"' EXIT
TC_EV=""
for e in $EVENTS; do TC_EV="$TC_EV -e $e"; done

# the workload's fixed first round, in seconds (files + page cache)
round1() { awk '/round 1:/ { gsub(",", ""); print $5 + $9 }' "$1"; }
cpu_of() { awk '/User time/ { u = $4 } /System time/ { s = $4 } END { printf "%.2f", u + s }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }
prep() { sync; echo 3 > /proc/sys/vm/drop_caches; }

# run CONFIG: one workload run under the lock, with the recorder of CONFIG around it
run() {
	local cfg=$1 rec=""
	prep
	case $cfg in
	trace-cmd)
		(cd "$W" && exec /usr/bin/time -v sh "$TCW" record -b "$KB" $TC_EV -o "$W/tc.dat" \
			> "$W/tc.out" 2> "$W/tc.time") &
		rec=$!
		sleep 3 ;;
	fragtrace-b | fragtrace-default)
		local b=""
		[ "$cfg" = fragtrace-b ] && b="-b $KB --no-snapshots"
		/usr/bin/time -v "$F" record $b -o "$W/$cfg.fgt" > "$W/$cfg.out" 2> "$W/$cfg.time" &
		rec=$!
		for _ in $(seq 1 200); do [ -s "$W/$cfg.fgt" ] && break; sleep 0.1; done
		sleep 1 ;;
	esac
	"$P" 2> "$W/$cfg.wl"
	if [ -n "$rec" ]; then
		# the recorder is the child of /usr/bin/time (trace-cmd: of unshare/sh in between)
		pkill -INT -P "$rec" 2> /dev/null
		[ "$cfg" = trace-cmd ] && pkill -INT -f "trace-cmd record -b $KB"
		wait "$rec"
	fi
}

for cfg in none trace-cmd fragtrace-b fragtrace-default; do
	echo "bench/capture/pressure: $cfg ($(date -u +%T))" >&2
	flock "$LOCK" bash -c "$(declare -f run prep); W=$W F=$F P=$P TCW=$TCW KB=$KB TC_EV='$TC_EV'; run $cfg"
done

base=$(round1 "$W/none.wl")
printf "%-18s %8s %12s %10s %10s %9s %9s\n" config buffer events lost rec_cpu_s round1_s slowdn
printf "%-18s %8s %12s %10s %10s %9s %9s\n" none - - - - "$base" 1.000
# trace-cmd reads by splice, which its "read events" statistic does not count: count the events
tc_events=$(nice trace-cmd report -i "$W/tc.dat" 2> /dev/null | grep -c ': \(mm_\|kmem_\|kmalloc\|kfree\)')
tc_lost=$(trace-cmd report --stat -i "$W/tc.dat" 2> /dev/null | awk '/overrun:/ && !/commit/ { s += $2 } END { print s + 0 }')
r=$(round1 "$W/trace-cmd.wl")
printf "%-18s %8s %12s %10s %10s %9s %9s\n" trace-cmd "$KB" "$tc_events" "$tc_lost" "$(cpu_of "$W/tc.time")" "$r" "$(ratio "$r" "$base")"
for cfg in fragtrace-b fragtrace-default; do
	"$F" info --json "$W/$cfg.fgt" > "$W/$cfg.json"
	ev=$(sed -n 's/.*"events":\([0-9]*\).*/\1/p' "$W/$cfg.json" | head -1)
	lost=$(sed -n 's/.*"lost_events":\([0-9]*\).*/\1/p' "$W/$cfg.json" | head -1)
	over=$(sed -n 's/.*ring-buffer overruns \([0-9]*\).*/\1/p' "$W/$cfg.out")
	buf=$(sed -n 's/^buffer_kb_per_cpu: //p' < <("$F" dump --snapshot capture/options "$W/$cfg.fgt"))
	r=$(round1 "$W/$cfg.wl")
	printf "%-18s %8s %12s %10s %10s %9s %9s\n" "$cfg" "$buf" "$ev" "$((lost > over ? lost : over))" \
		"$(cpu_of "$W/$cfg.time")" "$r" "$(ratio "$r" "$base")"
	echo "  $cfg keep-up: $("$F" dump --snapshot capture/keepup "$W/$cfg.fgt" | grep -v late_by_type | tr '\n' ' ')"
done
echo "workload: pressure with 2 burners, PRESSURE_FILES=$PRESSURE_FILES PRESSURE_CACHE_MIB=$PRESSURE_CACHE_MIB PRESSURE_SECONDS=$PRESSURE_SECONDS"
