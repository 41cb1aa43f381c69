#!/bin/bash
# addresses_test.sh - short recordings on the live kernel locate the direct map: `fragtrace
# record -d 2` with nothing else running on its behalf, twice, and each trace says
# "addresses: physical" (info, text and --json) and the recorder printed no "cannot locate the
# direct map" warning (issue 17 defect 13, issue 12). Skips without root or tracefs.
# usage: addresses_test.sh FRAGTRACE
. "$(dirname "$0")/lib.sh"
T=/sys/kernel/tracing
if [ "$(id -u)" != 0 ]; then echo "SKIP: addresses_test needs root (live tracefs)"; exit 77; fi
if [ ! -d $T/instances ] && ! mount -t tracefs nodev $T 2>/dev/null; then
	echo "SKIP: no tracefs at $T"; exit 77
fi
for i in 1 2; do
	"$F" record -q --no-snapshots -d 2 -o "$W/r$i.fgt" > "$W/out" 2> "$W/err" ||
		{ fail "record $i: $(cat "$W/err")"; continue; }
	grep -q "cannot locate the direct map" "$W/err" && fail "record $i: $(grep direct "$W/err")"
	"$F" info "$W/r$i.fgt" > "$W/info" 2> /dev/null || fail "info $i"
	grep -q "^slab addresses:  physical$" "$W/info" && ok "recording $i: physical slab addresses" ||
		fail "recording $i: $(grep -A1 '^slab addresses' "$W/info")"
	"$F" info --json "$W/r$i.fgt" 2> /dev/null | grep -q '"addresses":"physical"' ||
		fail "info --json $i: not physical"
done
finish addresses
