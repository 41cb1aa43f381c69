#!/bin/bash
# fuzz_merge_run.sh - run the merge fuzzer for a bounded time on seeds made here: a small results
# database from a short synthetic trace (one variant, few samples), and a truncated copy.
# usage: fuzz_merge_run.sh FUZZER FRAGTRACE SECONDS
. "$(dirname "$0")/lib.sh"
seconds=${3:-30}
mkdir "$W/corpus"
"$D" synth --workload mixed --mem 1G --duration 1 --seed 3 -o "$W/t.fgt" > /dev/null 2>&1 &&
	"$D" replay -q --db "$W/seed.db" -V spb --sample-ms 500 "$W/t.fgt" > /dev/null ||
	{ fail "cannot make the seed database"; finish fuzz_merge_run; }
cp "$W/seed.db" "$W/corpus/seed.db"
head -c 8192 "$W/seed.db" > "$W/corpus/truncated.db"
size=$(wc -c < "$W/seed.db")
if (cd "$W" && TMPDIR=$W "$F" -max_total_time="$seconds" -seed=1 -max_len="$size" \
	-rss_limit_mb=2048 -timeout=20 -print_final_stats=1 corpus 2> fuzz.log); then
	ok "$(grep -E "stat::number_of_executed_units" "$W/fuzz.log" | head -1)"
else
	tail -50 "$W/fuzz.log"
	fail "$(basename "$F") found a crash"
fi
finish fuzz_merge_run
