#!/bin/sh
# bench/replay/identical.sh: a speed change must not move a result. Replays every bundled trace
# under the six presets with two fragtrace binaries (the one before a change and the one after),
# once at the default start (placed for the SPB presets) and once with --start warm (as
# bench/replay does), and compares their results databases: `sqlite3 .dump` of each, with the columns that hold
# timings or the run's own circumstances (runs.started_at, finished_at, tool_version, threads,
# command, wall_seconds; variants.seconds, events_per_second) set to NULL first. Prints the
# diff and exits 1 when anything else differs, 0 when every table is byte-identical.
# Expected workload: about two minutes of CPU per binary on the five bundled traces.
# IDENTICAL_STARTS (default "auto warm") picks the start modes: a binary built between the
# session-7 merge and the shrinker fix of session 8 spends over 30 minutes in shrink_slab's
# LRU rotation on the warm start of the pressure traces (docs/replay.md), so against such a
# binary `IDENTICAL_STARTS=auto` (or warm on the three quiet traces) is the feasible check.
# IDENTICAL_MODEL_BYTES=ignore: for a change that alters the model's size on purpose, blanks
# variants.model_bytes too and prints each variant's old and new value instead, so every other
# column is still compared.
# usage: bench/replay/identical.sh OLD_FRAGTRACE NEW_FRAGTRACE [TRACE...]
set -e
[ $# -ge 2 ] || { echo "usage: $0 OLD_FRAGTRACE NEW_FRAGTRACE [TRACE...]" >&2; exit 2; }
old=$1
new=$2
shift 2
dir=$(dirname "$0")/../../traces
[ $# -gt 0 ] || set -- "$dir"/files-slab.fgt "$dir"/pagecache-anon.fgt "$dir"/metadata-walk.fgt \
	"$dir"/pressure-reclaim.fgt "$dir"/pressure-pagecache.fgt
command -v sqlite3 > /dev/null || { echo "identical.sh: needs sqlite3" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# dump BINARY NAME TRACE...: replay, blank the timing columns, dump.
dump() {
	bin=$1
	name=$2
	shift 2
	"$bin" replay -q --db "$tmp/$name.db" "$@" > /dev/null
	sqlite3 "$tmp/$name.db" "UPDATE runs SET started_at = '', finished_at = NULL,
		tool_version = '', threads = 0, command = NULL, wall_seconds = NULL;
		UPDATE variants SET seconds = 0, events_per_second = NULL;"
	if [ "$IDENTICAL_MODEL_BYTES" = ignore ]; then
		sqlite3 "$tmp/$name.db" "SELECT name, model_bytes FROM variants ORDER BY id;" \
			> "$tmp/$name.bytes"
		sqlite3 "$tmp/$name.db" "UPDATE variants SET model_bytes = 0;"
	fi
	sqlite3 "$tmp/$name.db" .dump > "$tmp/$name.sql"
}

status=0
for t in "$@"; do
	for start in ${IDENTICAL_STARTS:-auto warm}; do
		dump "$old" old --start "$start" "$t"
		dump "$new" new --start "$start" "$t"
		rows=$(grep -c '^INSERT' "$tmp/new.sql" || true)
		if diff "$tmp/old.sql" "$tmp/new.sql" > "$tmp/diff"; then
			echo "$(basename "$t") --start $start: identical ($rows rows)"
			[ "$IDENTICAL_MODEL_BYTES" != ignore ] ||
				paste -d' ' "$tmp/old.bytes" "$tmp/new.bytes" | sed 's/^/  model_bytes old new: /'
		else
			echo "$(basename "$t") --start $start: DIFFERENT"
			head -20 "$tmp/diff"
			status=1
		fi
		rm -f "$tmp"/old.db "$tmp"/new.db
	done
done
exit $status
