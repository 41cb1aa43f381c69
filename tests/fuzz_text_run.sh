#!/bin/sh
# Run a fuzzer for a short, bounded time on a seed corpus (the text import, snapshots, replay).
# usage: fuzz_text_run.sh FUZZER SEEDS_DIR SECONDS
set -e
fuzzer=$1 seeds=$2 seconds=${3:-30}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp -r "$seeds" "$dir/corpus"
cd "$dir"
"$fuzzer" -max_total_time="$seconds" -seed=1 -max_len=16384 -rss_limit_mb=2048 \
	-timeout=10 -print_final_stats=1 corpus 2> fuzz.log || { tail -50 fuzz.log; exit 1; }
grep -E "stat::number_of_executed_units|Done" fuzz.log | head -3
