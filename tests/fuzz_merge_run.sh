#!/bin/sh
# Run the merge fuzzer for a bounded time on seeds made here: a small results database from a
# short synthetic trace (one variant, few samples), and a truncated copy.
# usage: fuzz_merge_run.sh FUZZER FRAGTRACE SECONDS
set -e
fuzzer=$1 fragtrace=$2 seconds=${3:-30}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/corpus"
"$fragtrace" synth --workload mixed --mem 1G --duration 1 --seed 3 -o "$dir/t.fgt" > /dev/null 2>&1
"$fragtrace" replay -q --db "$dir/seed.db" -V spb --sample-ms 500 "$dir/t.fgt" > /dev/null
cp "$dir/seed.db" "$dir/corpus/seed.db"
head -c 8192 "$dir/seed.db" > "$dir/corpus/truncated.db"
size=$(wc -c < "$dir/seed.db")
cd "$dir"
TMPDIR=$dir "$fuzzer" -max_total_time="$seconds" -seed=1 -max_len="$size" -rss_limit_mb=2048 \
	-timeout=20 -print_final_stats=1 corpus 2> fuzz.log || { tail -50 fuzz.log; exit 1; }
grep -E "stat::number_of_executed_units|Done" fuzz.log | head -3
