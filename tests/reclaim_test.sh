#!/bin/bash
# reclaim_test.sh - direct reclaim and evacuation's clean-page-cache drop on a bundled pressure
# trace (issue 14 items 1 and 4): the SPB variant reclaims its own page cache, evacuation drops
# clean page cache instead of migrating it (the hook replay registers), the trace's later frees
# of dropped pages are counted, and the SPB variant ends no more tainted than mainline.
# usage: reclaim_test.sh FRAGTRACE TRACES_DIR
. "$(dirname "$0")/lib.sh"

T=$D/pressure-pagecache.fgt
[ -r "$T" ] || { fail "missing bundled trace $T"; finish reclaim_test; }
"$F" replay -q --db "$W/r.db" -t 2 -V mainline -V spb "$T" > "$W/out" 2> "$W/err" ||
	{ fail "replay: $(cat "$W/err")"; finish reclaim_test; }
counter() { # counter VARIANT NAME
	sqlite3 "$W/r.db" "SELECT coalesce(max(c.value), 0) FROM counters c JOIN variants v
		ON v.id = c.variant_id WHERE v.name = '$1' AND c.name = '$2'"
}
tainted() { sqlite3 "$W/r.db" "SELECT final_tainted FROM variants WHERE name = '$1'"; }

n=$(counter spb PGSTEAL_DIRECT)
[ "${n:-0}" -gt 0 ] && ok "spb: direct reclaim took $n page-cache pages" ||
	fail "spb: direct reclaim took no page cache"
n=$(counter spb EVACUATE_RECLAIM_CLEAN)
[ "${n:-0}" -gt 0 ] && ok "spb: evacuation dropped $n clean page-cache pages" ||
	fail "spb: evacuation dropped no clean page cache (hook not registered?)"
n=$(counter spb page_frees_after_reclaim)
[ "${n:-0}" -gt 0 ] && ok "spb: $n trace frees of pages the variant had dropped, counted" ||
	fail "spb: no trace free of a dropped page counted"
s=$(tainted spb) m=$(tainted mainline)
[ -n "$s" ] && [ -n "$m" ] && [ "$s" -le "$m" ] &&
	ok "spb ends with $s tainted regions, mainline with $m" ||
	fail "spb ends with ${s:-?} tainted regions, more than mainline's ${m:-?}"
finish reclaim_test
