#!/bin/sh
# bench/replay: replay speed and memory on the bundled traces, the quiet ones and the two
# captured short of memory (issue 6's targets; issue 14's for the pressure traces: one variant
# on one core at least 15 M events/s, the six presets on two cores at least 5 M events/s).
#   one variant on one core (--threads 1): events/s of the whole replay phase, and of the
#     variant itself (its thread CPU time): target 20 M events/s;
#   the six presets in one pass on two cores (--threads 2): target 5 M events/s;
#   model memory per modelled page per variant: target at most 4 bytes;
#   the ratio to real time (trace seconds per replay second, setup included).
# Every figure is the best of 5 runs (this machine is shared and noisy).
# The one-variant line's figures: variant_eps_min is issue 14's (trace events per second of the
#   variant's thread CPU time in the apply phase, user and system); beside it, of the same run,
#   variant_user_s and variant_sys_s split that time as the kernel accounts it (sampled at its
#   timer ticks), variant_minflt counts the minor faults taken in it (first touches of the
#   model's memory, each a system-time cost; on a guest whose balloon reports free memory to
#   the host a huge page's first touch costs 0.1 to 3.3 ms per MiB), and eps_user is trace
#   events per second of the user time alone: the code's own speed, which the host's
#   re-backing of memory does not swing. `bench_replay --each` prints them for every repeat.
# START (default warm) is bench_replay's --start (`START=auto` for the pressure traces: their warm
# start is docs/replay.md's warm-start slow case, "Speed and memory"); TRACES (default the five bundled) the traces.
# NO_SHARE=1 gives every preset a model of its own (bench_replay --no-share; by default the
# presets that differ only in the trigger switches share one until they diverge).
# usage: [START=auto] [TRACES="a.fgt b.fgt"] [NO_SHARE=1] bench/replay/run.sh [BUILD_DIR]
set -e
build=${1:-build}
dir=$(dirname "$0")/../../traces
presets=mainline,spb,spb+demand,spb+demand+supply,spb+proactive,spb+all
traces=${TRACES:-"$dir/files-slab.fgt $dir/pagecache-anon.fgt $dir/metadata-walk.fgt
	$dir/pressure-reclaim.fgt $dir/pressure-pagecache.fgt"}
for t in $traces; do
	echo "== $(basename "$t")"
	taskset -c 0 "$build/bench_replay" --repeat 5 --threads 1 --variants spb+all \
		--start "${START:-warm}" "$t"
	"$build/bench_replay" --repeat 5 --threads 2 --variants "$presets" \
		--start "${START:-warm}" ${NO_SHARE:+--no-share} "$t"
done
