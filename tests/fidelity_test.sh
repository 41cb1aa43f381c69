#!/bin/bash
# fidelity_test.sh - issue 13's done criteria on the bundled pressure traces: `fragtrace check`
# validates the mainline variant against the host that recorded each trace and stores the rows
# in the database. Each bound below is either the criterion itself or, where the model does not
# reach it yet, the best bound measured (docs/replay.md, "Validation", says why for each).
# usage: fidelity_test.sh FRAGTRACE TRACES_DIR [pagecache|reclaim|quiet]   (one trace, or all)
# ctest runs the two traces as two tests, so they share the machine's cores.
. "$(dirname "$0")/lib.sh"
ONLY=${3:-all}
command -v sqlite3 > /dev/null || { echo "SKIP: sqlite3 (the sqlite3 package) is not installed"; exit 77; }

# row NAME -> "host model verdict" of the last check in $W/v.db
row() { sqlite3 -separator ' ' "$W/v.db" "SELECT ifnull(host, 'null'), ifnull(model, 'null'),
	verdict FROM validation WHERE name = '$1' AND run_id = (SELECT max(run_id) FROM validation)"; }
# within NAME LO HI: the model's value of row NAME lies in [LO, HI]; LO and HI are Python
# expressions in h, the host's value
within() {
	local r
	r=$(row "$1")
	python3 -c "import sys; h, m = (float(x) for x in sys.argv[4].split()[:2]);
sys.exit(0 if eval(sys.argv[2], {'h': h}) <= m <= eval(sys.argv[3], {'h': h}) else 1)" \
		"$1" "$2" "$3" "$r" && ok "$T: $1 (host, model, verdict: $r) within [$2, $3]" ||
		fail "$T: $1 (host, model, verdict: $r) outside [$2, $3]"
}

# passes NAME: the row's verdict is the criterion's 'pass'
passes() {
	local r
	r=$(row "$1")
	[ "${r##* }" = pass ] && ok "$T: $1 meets its criterion ($r)" || fail "$T: $1 misses its criterion ($r)"
}

# check_trace TRACE AGREEMENT_MIN FALLBACKS_LO FALLBACKS_HI RECLAIMABLE_HI TAINTED_LO TAINTED_HI
#             [UNMOVABLE_HI (default the criterion, 1.1*h)]
check_trace() {
	T=$1
	"$F" check --db "$W/v.db" "$D/$T" > "$W/out" 2> "$W/err" || { fail "$T: check: $(cat "$W/err")"; return; }
	grep -q "validation (mainline vs host)" "$W/out" || fail "$T: no validation table printed"
	[ "$(sqlite3 "$W/v.db" "SELECT count(*) FROM validation WHERE run_id = (SELECT max(run_id) FROM validation)")" -ge 20 ] ||
		fail "$T: validation rows not stored"
	within agreement "$2" 1
	# at most the host's own failures plus 0.1% of the allocations the host served
	passes page_alloc_failures
	passes slab_alloc_failures
	within fallbacks "$3" "$4"
	within pageblocks_unmovable "0.9*h" "${8:-1.1*h}"
	passes pageblocks_movable
	within pageblocks_reclaimable "0.9*h" "$5"
	within tainted_regions "$6" "$7"
}

# Criteria: agreement >= 0.999, fallbacks within 20% of the host's extfrag count, pageblocks of
# each type within 10%, tainted regions within 1 of the host's (observe's). The traces were
# recorded again on 2026-12-01 with the current recorder (traces/README.md); the bounds below
# are the criteria where this tree meets them and otherwise the best measured (docs/replay.md,
# "Results on the bundled traces"): the replay is deterministic, so they are exact.
# pressure-pagecache (measured 2026-12-02, pcp_zone_pagesets and start_pcp_free on, the
# defaults since h17-flip): agreement 0.9997, failures 0 (host 461), fallbacks 81 against the
# host's 94 (84 with both off), Unmovable 125 against 123, Reclaimable 42 against 46 (bound
# 41.4), all within their criteria; tainted 12 against 14 was not (two clean regions the host's
# reclaimable fallbacks claimed a pageblock in; docs/replay.md, "Where mainline still departs
# from the host", item 2) until mainline's watermark boosting became the default (session 17):
# failures 1, fallbacks 78 (bound 75.2), Reclaimable 43, tainted 14 = 14, so every bound is now
# the criterion.
# pressure-reclaim (measured 2026-12-02, the same defaults): every row within its criterion:
# agreement 0.9996, failures 4 (host 2,761), fallbacks 40 against 43 (bound 34.4; 35 with both
# off; 39 with the boost), Unmovable 124 (125) against 121, Reclaimable 44 (47) against 45,
# tainted 12 = 12. The fallbacks row moves by a handful with any
# change to when pages become free; its history is in docs/replay-history.md ("Slab churn and
# the fallbacks", tainted_regions).
if [ "$ONLY" = all ] || [ "$ONLY" = pagecache ]; then
	check_trace pressure-pagecache.fgt 0.999 "0.8*h" "1.2*h" "1.1*h" "h-1" "h+1"
fi
# a quiet trace (no pressure, no host fallback): the pageblock rows hold and mainline makes no
# fallback (before the two fixes: 37 fallbacks and 185 Reclaimable pageblocks against 163)
if [ "$ONLY" = all ] || [ "$ONLY" = quiet ]; then
	T=metadata-walk.fgt
	"$F" check --db "$W/v.db" "$D/$T" > "$W/out" 2> "$W/err" || fail "$T: check: $(cat "$W/err")"
	passes fallbacks
	passes pageblocks_unmovable
	passes pageblocks_reclaimable
	passes tainted_regions
fi
[ "$ONLY" = all ] || [ "$ONLY" = reclaim ] || finish fidelity_test
check_trace pressure-reclaim.fgt 0.999 "0.8*h" "1.2*h" "1.1*h" "h-1" "h+1"
check_run=$(sqlite3 "$W/v.db" "SELECT max(run_id) FROM variants")

# the demo trace (`make demo`): the patch's variant and mainline differ. check has just replayed
# mainline on it (the same preset, warm start and sampling as replay's), so only spb+all is
# replayed here, into the same database, and compared with check's mainline row.
"$F" replay -q --db "$W/v.db" -t 1 -V spb+all "$D/pressure-reclaim.fgt" > /dev/null ||
	fail "replay the demo trace"
n=$(sqlite3 "$W/v.db" "SELECT count(DISTINCT final_tainted || '/' || shrink_queued || '/' || shrink_ran)
	FROM variants WHERE (name = 'mainline' AND run_id = ${check_run:-0})
	OR (name = 'spb+all' AND run_id > ${check_run:-0})")
[ "$n" -ge 2 ] && ok "pressure-reclaim: $n distinct (tainted, shrink) results across mainline and spb+all" ||
	fail "pressure-reclaim: mainline and spb+all give the same tainted count and shrink work"
finish fidelity_test
