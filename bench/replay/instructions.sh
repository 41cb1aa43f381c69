#!/bin/sh
# bench/replay/instructions.sh: instructions per replayed event, one variant, apply phase only.
# Counted by valgrind's callgrind, so the figure repeats exactly for the same binary and trace
# whatever else the machine is doing: the way to see a speed change on this noisy shared
# machine, beside run.sh's events/s (which it does not replace).
# START (default warm) is bench_replay's --start: since the session-7 merge the warm start of the
# SPB presets on the pressure traces spends most of its time in shrink_slab's LRU rotation
# (docs/replay.md, "Speed and memory": the warm-start slow case), so `START=auto` is the way to count them.
# TRACES (default the five bundled traces) names the traces to count.
# usage: [START=auto] [TRACES="a.fgt b.fgt"] bench/replay/instructions.sh [BUILD_DIR] [VARIANT]
set -e
build=${1:-build}
variant=${2:-spb+all}
dir=$(dirname "$0")/../../traces
command -v valgrind > /dev/null || { echo "instructions.sh: needs valgrind (apt-get install valgrind)"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
traces=${TRACES:-"$dir/files-slab.fgt $dir/pagecache-anon.fgt $dir/metadata-walk.fgt
	$dir/pressure-reclaim.fgt $dir/pressure-pagecache.fgt"}
for t in $traces; do
	valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=apply_block \
		"$build/bench_replay" --repeat 1 --threads 1 --variants "$variant" \
		--start "${START:-warm}" "$t" > "$out.txt" 2>&1
	ir=$(sed -n 's/^summary: //p' "$out")
	events=$(sed -n 's/.* events=\([0-9]*\).*/\1/p' "$out.txt")
	echo "$(basename "$t") variant=$variant start=${START:-warm} events=$events instructions=$ir per_event=$(echo "scale=1; $ir / $events" | bc)"
	rm -f "$out.txt"
done
