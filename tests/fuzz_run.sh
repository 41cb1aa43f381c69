#!/bin/bash
# fuzz_run.sh - run the reader fuzzer for a short, bounded time on a seed corpus of small valid
# traces written here by mktrace (one of them truncated), through fuzz_text_run.sh.
# usage: fuzz_run.sh FUZZER MKTRACE SECONDS
. "$(dirname "$0")/lib.sh"
mkdir "$W/seeds"
"$D" "$W/seeds/a.fgt" 50 8 && "$D" "$W/seeds/b.fgt" 300 64 && "$D" "$W/seeds/c.fgt" 2000 ||
	fail "mktrace could not write the seed corpus"
head -c 700 "$W/seeds/b.fgt" > "$W/seeds/truncated.fgt"
[ $fails = 0 ] && { "$(dirname "$0")/fuzz_text_run.sh" "$F" "$W/seeds" "${3:-60}" 65536 ||
	fail "$(basename "$F")"; }
finish fuzz_run
