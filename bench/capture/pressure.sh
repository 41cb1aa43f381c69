#!/bin/bash
# bench/capture/pressure.sh - recording under memory pressure with busy CPUs: the project's
# pressure workload (bench/pressure/run.sh: a balloon leaving PRESSURE_FREE_MIB, dentry/inode
# slab and page-cache growth) with two CPU-bound burners, recorded one after the other in the
# same run by `trace-cmd record` and `fragtrace record` at the same per-CPU buffer size
# (BENCH_BUFFER_KB), then by fragtrace at its defaults, against a run without a recorder.
#
# The workload does a fixed amount of work (PRESSURE_ROUNDS=1 round of PRESSURE_FILES files
# created, stat'ed and read, then PRESSURE_CACHE_MIB of page cache); PRESSURE_SECONDS is only a
# safety bound, and a run that hits it is marked "cut" (its slowdown is not comparable).
# Prints, per configuration: events read, events lost (trace-cmd: the overrun of its per-CPU
# statistics; fragtrace: the larger of the kernel's overrun growth and the loss `info` sizes
# from its counters), recorder CPU seconds (/usr/bin/time user+sys, the recorder's children
# included), µs of recorder CPU per event, and the workload's slowdown (its wall time with the
# recorder against the run without one), each with its ratio to trace-cmd's figure.
#
# Each run holds /work/wt/pressure.lock (HELPER-RULES: memory-pressure experiments) and stays
# under about 4 minutes; the balloon is the OOM killer's first choice and cleans up after itself.
# trace-cmd goes through ../shared/bench/tc-wrap.sh (this kernel locks the function-tracer files)
# and leaves its buffer size in the top-level instance: the value found is written back.
# usage: bench/capture/pressure.sh [BUILD_DIR]   (root; BENCH_BUFFER_KB, default 1024;
#        BENCH_CONFIGS, default "none trace-cmd fragtrace-b fragtrace-default"; BENCH_KEEP=1 keeps
#        the traces and logs)
set -u
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=${FRAGTRACE_SHARED:-$HERE/../../../shared}
[ -d "$SHARED/bench" ] || SHARED=/work/shared # a worktree under /work/wt/NAME
TCW=$SHARED/bench/tc-wrap.sh
F=$(cd "$BUILD" && pwd)/fragtrace
P=$HERE/../pressure/run.sh
LOCK=${PRESSURE_LOCK:-/work/wt/pressure.lock}
KB=${BENCH_BUFFER_KB:-1024}
CONFIGS=${BENCH_CONFIGS:-none trace-cmd fragtrace-b fragtrace-default}
# 1792: the balloon gives memory back 256 MiB below its target, so MemAvailable stays >= 1.5 GiB
export PRESSURE_BURNERS=2 PRESSURE_ROUNDS=${PRESSURE_ROUNDS:-1} PRESSURE_SECONDS=${PRESSURE_SECONDS:-150}
export PRESSURE_FREE_MIB=${PRESSURE_FREE_MIB:-1792}
export PRESSURE_FILES=${PRESSURE_FILES:-40000} PRESSURE_CACHE_MIB=${PRESSURE_CACHE_MIB:-1024}
EVENTS="kmem:mm_page_alloc kmem:mm_page_alloc_zone_locked kmem:mm_page_free kmem:mm_page_free_batched kmem:mm_page_pcpu_drain kmem:mm_page_alloc_extfrag kmem:kmem_cache_alloc kmem:kmem_cache_free kmem:kmalloc kmem:kfree vmscan:mm_shrink_slab_start vmscan:mm_shrink_slab_end"
# fragtrace's defaults add six compaction events and the LRU insertions; -b runs record
# trace-cmd's twelve
F_SAME="-compaction:mm_compaction_isolate_freepages,-compaction:mm_compaction_fast_isolate_freepages"
F_SAME="$F_SAME,-compaction:mm_compaction_isolate_migratepages,-compaction:mm_compaction_migratepages"
F_SAME="$F_SAME,-compaction:mm_compaction_begin,-compaction:mm_compaction_end,-pagemap:mm_lru_insertion"
[ "$(id -u)" = 0 ] || { echo "bench/capture/pressure: needs root"; exit 1; }
[ -f "$TCW" ] || { echo "bench/capture/pressure: no $TCW (set FRAGTRACE_SHARED)"; exit 1; }
command -v trace-cmd > /dev/null || { echo "bench/capture/pressure: trace-cmd is not installed"; exit 1; }
W=$(mktemp -d /tmp/capture-pressure.XXXXXX)
TOP_KB=$(cat /sys/kernel/tracing/buffer_size_kb 2> /dev/null | sed 's/ .*//')
trap '[ -n "${BENCH_KEEP:-}" ] && echo "kept $W" || rm -rf "$W"' EXIT
TC_EV=""
for e in $EVENTS; do TC_EV="$TC_EV -e $e"; done

# the workload's fixed work in seconds, "cut" appended when it hit its safety bound
work() { awk '/work of/ { w = $NF == "s" ? $(NF - 1) : $NF } /time bound hit/ { c = " cut" } END { print w c }' "$1"; }
cpu_of() { awk '/User time/ { u = $4 } /System time/ { s = $4 } END { printf "%.2f", u + s }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.3f", a / b; else print "-" }'; }
per_event() { awk -v c="$1" -v e="$2" 'BEGIN { if (e > 0) printf "%.3f", c * 1e6 / e; else print "-" }'; }
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
		[ "$cfg" = fragtrace-b ] && b="-b $KB --no-snapshots -e $F_SAME"
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
	[ "$cfg" = trace-cmd ] && [ -n "$TOP_KB" ] && echo "$TOP_KB" > /sys/kernel/tracing/buffer_size_kb
}

for cfg in $CONFIGS; do
	echo "bench/capture/pressure: $cfg ($(date -u +%T))" >&2
	flock "$LOCK" bash -c "$(declare -f run prep); W=$W F=$F P=$P TCW=$TCW KB=$KB TOP_KB='$TOP_KB' \
		TC_EV='$TC_EV' F_SAME='$F_SAME'; run $cfg"
done

fmt="%-18s %7s %11s %9s %8s %7s %8s %7s %9s %7s\n"
printf "$fmt" config buf_kb events lost cpu_s cpu_x us/ev us_x work_s slowdn
base=-
if [ -f "$W/none.wl" ]; then
	base=$(work "$W/none.wl")
	printf "$fmt" none - - - - - - - "$base" 1.000
fi
tc_cpu=- tc_us=-
if [ -f "$W/tc.dat" ]; then
	# trace-cmd reads by splice, which its "read events" statistic does not count: count them
	tc_events=$(nice trace-cmd report -i "$W/tc.dat" 2> /dev/null | grep -c ': \(mm_\|kmem_\|kmalloc\|kfree\)')
	tc_lost=$(trace-cmd report --stat -i "$W/tc.dat" 2> /dev/null | awk '/overrun:/ && !/commit/ { s += $2 } END { print s + 0 }')
	tc_cpu=$(cpu_of "$W/tc.time")
	tc_us=$(per_event "$tc_cpu" "$tc_events")
	w=$(work "$W/trace-cmd.wl")
	printf "$fmt" trace-cmd "$KB" "$tc_events" "$tc_lost" "$tc_cpu" 1.000 "$tc_us" 1.000 "$w" \
		"$(ratio "${w% cut}" "${base% cut}")"
fi
for cfg in fragtrace-b fragtrace-default; do
	[ -f "$W/$cfg.fgt" ] || continue
	"$F" info --json "$W/$cfg.fgt" > "$W/$cfg.json"
	ev=$(sed -n 's/.*"events":\([0-9]*\).*/\1/p' "$W/$cfg.json" | head -1)
	lost=$(sed -n 's/.*"lost_events":\([0-9]*\).*/\1/p' "$W/$cfg.json" | head -1)
	over=$(sed -n 's/.*ring-buffer overruns \([0-9]*\).*/\1/p' "$W/$cfg.out")
	buf=$(sed -n 's/^buffer_kb_per_cpu: //p' < <("$F" dump --snapshot capture/options "$W/$cfg.fgt"))
	cpu=$(cpu_of "$W/$cfg.time")
	us=$(per_event "$cpu" "$ev")
	w=$(work "$W/$cfg.wl")
	printf "$fmt" "$cfg" "$buf" "$ev" "$((lost > ${over:-0} ? lost : ${over:-0}))" "$cpu" \
		"$(ratio "$cpu" "$tc_cpu")" "$us" "$(ratio "$us" "$tc_us")" "$w" \
		"$(ratio "${w% cut}" "${base% cut}")"
	echo "  $cfg keep-up: $("$F" dump --snapshot capture/keepup "$W/$cfg.fgt" | grep -v late_by_type | tr '\n' ' ')"
done
echo "workload: pressure with 2 burners, PRESSURE_ROUNDS=$PRESSURE_ROUNDS PRESSURE_FILES=$PRESSURE_FILES" \
	"PRESSURE_CACHE_MIB=$PRESSURE_CACHE_MIB (safety bound PRESSURE_SECONDS=$PRESSURE_SECONDS);" \
	"cpu_x, us_x: against trace-cmd; slowdn: work_s against no recorder"
