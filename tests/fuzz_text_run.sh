#!/bin/bash
# fuzz_text_run.sh - run a fuzzer (the text import, snapshots, replay; the reader through
# fuzz_run.sh) for a short, bounded time on a copy of a seed corpus; any crash, leak or timeout
# fails the test with the end of libFuzzer's log.
# usage: fuzz_text_run.sh FUZZER SEEDS_DIR SECONDS [MAX_LEN]
. "$(dirname "$0")/lib.sh"
seconds=${3:-30}
cp -r "$D" "$W/corpus" || { fail "cannot copy the seeds from $D"; finish fuzz_text_run; }
cd "$W" || exit 1
if "$F" -max_total_time="$seconds" -seed=1 -max_len="${4:-16384}" -rss_limit_mb=2048 \
	-timeout=10 -print_final_stats=1 corpus 2> fuzz.log; then
	ok "$(basename "$F"): no crash, leak or timeout in $seconds s"
else
	tail -50 fuzz.log
	fail "$(basename "$F") failed (its log above)"
fi
grep -E "stat::number_of_executed_units|Done" fuzz.log | head -3
finish fuzz_text_run
