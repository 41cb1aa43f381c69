#!/bin/sh
# Run the reader fuzzer for a short, bounded time on a seed corpus of small valid traces.
# usage: fuzz_run.sh FUZZER MKTRACE SECONDS
set -e
fuzzer=$1 mktrace=$2 seconds=${3:-60}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/corpus"
"$mktrace" "$dir/corpus/a.fgt" 50 8
"$mktrace" "$dir/corpus/b.fgt" 300 64
"$mktrace" "$dir/corpus/c.fgt" 2000
head -c 700 "$dir/corpus/b.fgt" > "$dir/corpus/truncated.fgt"
cd "$dir"
"$fuzzer" -max_total_time="$seconds" -seed=1 -max_len=65536 -rss_limit_mb=2048 \
	-timeout=10 -print_final_stats=1 corpus 2> fuzz.log || { tail -50 fuzz.log; exit 1; }
grep -E "stat::number_of_executed_units|Done" fuzz.log | head -3
