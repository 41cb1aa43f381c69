#!/bin/bash
# presets_test.sh - issue 14's criteria on a bundled pressure trace, under the defaults: the six
# presets replayed in one run; every SPB preset fails no more of the host's allocations than
# mainline (host_served_policy_failed), spb ends with no more tainted regions than mainline, the
# SPB presets replay the callers' fallback by default and mainline does not (docs/replay.md, "The
# caller's fallback"), and with caller_fallback=0 forced the SPB presets do fail some (so the
# first check can fail).
# usage: presets_test.sh FRAGTRACE TRACES_DIR pagecache|reclaim
. "$(dirname "$0")/lib.sh"
command -v sqlite3 > /dev/null || { echo "SKIP: sqlite3 (the sqlite3 package) is not installed"; exit 77; }
T=pressure-$3.fgt
presets="mainline spb spb+demand spb+demand+supply spb+proactive spb+all"

# counter RUN VARIANT NAME
counter() { sqlite3 "$W/p.db" "SELECT ifnull((SELECT c.value FROM counters c JOIN variants v ON
	v.id = c.variant_id WHERE v.run_id = $1 AND v.name = '$2' AND c.name = '$3'), 0)"; }
tainted() { sqlite3 "$W/p.db" "SELECT final_tainted FROM variants WHERE run_id = $1 AND name = '$2'"; }

args=()
for p in $presets; do args+=(-V "$p"); done
"$F" replay -q --db "$W/p.db" "${args[@]}" "$D/$T" > /dev/null 2> "$W/err" ||
	{ fail "$T: replay: $(cat "$W/err")"; finish presets_test; }
main_failed=$(counter 1 mainline host_served_policy_failed)
main_tainted=$(tainted 1 mainline)
[ "$(counter 1 mainline caller_fallback_served)" = 0 ] && ok "$T: mainline replays no callers' fallback" ||
	fail "$T: mainline replayed the callers' fallback by default"
for p in $presets; do
	[ "$p" = mainline ] && continue
	f=$(counter 1 "$p" host_served_policy_failed)
	[ "$f" -le "$main_failed" ] && ok "$T: $p fails $f of the host's allocations, mainline $main_failed" ||
		fail "$T: $p fails $f of the host's allocations, more than mainline's $main_failed"
done
[ "$(counter 1 spb caller_fallback_served)" -gt 0 ] && ok "$T: spb served host allocations by the callers' fallback" ||
	fail "$T: spb served nothing by the callers' fallback"
t=$(tainted 1 spb)
[ -n "$t" ] && [ "$t" -le "$main_tainted" ] && ok "$T: spb ends with $t tainted regions, mainline $main_tainted" ||
	fail "$T: spb ends with ${t:-?} tainted regions, mainline $main_tainted"

"$F" replay -q --db "$W/p.db" -V mainline -V spb:caller_fallback=0 "$D/$T" > /dev/null 2> "$W/err" ||
	fail "$T: replay with caller_fallback=0: $(cat "$W/err")"
f=$(counter 2 spb:caller_fallback=0 host_served_policy_failed)
[ "$f" -gt "$(counter 2 mainline host_served_policy_failed)" ] &&
	ok "$T: without the callers' fallback spb fails $f (the criterion depends on it)" ||
	fail "$T: spb:caller_fallback=0 fails only $f"
finish presets_test
