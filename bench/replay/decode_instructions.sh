#!/bin/sh
# bench/replay/decode_instructions.sh: instructions per event of the decode path (the reader and
# decoder_fill, which turns trace events into replay operations), counted by valgrind's callgrind
# so the figure repeats exactly whatever else the machine is doing. Two figures per trace: the
# main pass (decoder_fill, on the decoding thread while the models apply) and the pre-pass
# (decoder_prepass, during setup), each divided by the trace's event count. One variant (the
# decode work does not depend on it), --threads 1, --start auto.
# TRACES (default the three traces of bench/RESULTS.md's session 14) names the traces to count.
# usage: [TRACES="a.fgt b.fgt"] bench/replay/decode_instructions.sh [BUILD_DIR]
set -e
build=${1:-build}
dir=$(dirname "$0")/../../traces
command -v valgrind > /dev/null || { echo "decode_instructions.sh: needs valgrind (apt-get install valgrind)"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out" "$out.txt"' EXIT
traces=${TRACES:-"$dir/pressure-reclaim.fgt $dir/pressure-pagecache.fgt $dir/files-slab.fgt"}
for t in $traces; do
	line="$(basename "$t")"
	for fn in decoder_fill decoder_prepass; do
		valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=$fn \
			"$build/bench_replay" --repeat 1 --threads 1 --variants mainline \
			--start auto "$t" > "$out.txt" 2>&1
		ir=$(sed -n 's/^summary: //p' "$out")
		events=$(sed -n 's/.* events=\([0-9]*\).*/\1/p' "$out.txt")
		line="$line events=$events $fn=$ir per_event=$(echo "scale=1; $ir / $events" | bc)"
	done
	echo "$line"
done
