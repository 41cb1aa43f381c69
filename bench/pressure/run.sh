#!/bin/bash
# bench/pressure/run.sh - the project's memory-pressure workload: a host short of memory whose
# dentry/inode slabs and page cache keep growing, so reclaim and the slab shrinkers run all the
# time. Used by bench/capture (recording under pressure) and by the fidelity work.
#
# Usage (root; ALWAYS under the shared lock, see /work/wt/HELPER-RULES.md):
#   flock /work/wt/pressure.lock bench/pressure/run.sh
#   flock /work/wt/pressure.lock fragtrace record -o p.fgt -- bench/pressure/run.sh
#   PRESSURE_BURNERS=2 PRESSURE_SECONDS=60 flock /work/wt/pressure.lock bench/pressure/run.sh
# Environment (defaults):
#   PRESSURE_FREE_MIB=1536   MemAvailable the balloon leaves (never below 1536)
#   PRESSURE_SECONDS=120     time bound of the slab/page-cache rounds (the balloon's inflation,
#                            about 10-20 s for 20 GiB, comes before it)
#   PRESSURE_ROUNDS=0        0: rounds until PRESSURE_SECONDS (time-bounded); N > 0: exactly N
#                            full rounds (a fixed amount of work, for slowdown figures), with
#                            PRESSURE_SECONDS only as a safety bound; a run that hits it says
#                            "pressure: time bound hit" and its work line is not comparable
#   PRESSURE_FILES=200000    files per round (512 B each, 256 dirs, stat'ed twice, read once)
#   PRESSURE_CACHE_MIB=3072  page cache written and read back twice per round
#   PRESSURE_BURNERS=0       CPU-bound processes running beside it for the whole run
#   PRESSURE_DIR=/tmp        where its private mktemp directory goes
# Phases: (1) compile pressure.c; (2) balloon: anonymous memory, every page touched,
# oom_score_adj 1000, until MemAvailable is PRESSURE_FREE_MIB (it gives memory back if the
# host runs lower); (3) rounds until PRESSURE_SECONDS (or PRESSURE_ROUNDS rounds):
# create+stat+read PRESSURE_FILES files,
# write+read PRESSURE_CACHE_MIB of page cache (the file is deleted after each round). The
# rounds' small files stay until the end: deleting 50k files under this pressure took 182 s
# (unlink reads back the evicted inodes), so they go after the balloon is gone (about 1 GiB of
# disk per 200k files per round). Prints one line per round on stderr. Everything (processes,
# files) is removed on exit, Ctrl-C or SIGTERM, balloon first.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
FREE_MIB=${PRESSURE_FREE_MIB:-1536}
SECONDS_BOUND=${PRESSURE_SECONDS:-120}
NFILES=${PRESSURE_FILES:-200000}
CACHE_MIB=${PRESSURE_CACHE_MIB:-3072}
BURNERS=${PRESSURE_BURNERS:-0}
ROUNDS=${PRESSURE_ROUNDS:-0}
[ "$FREE_MIB" -ge 1536 ] 2> /dev/null || { echo "pressure: PRESSURE_FREE_MIB must be >= 1536" >&2; exit 2; }
[ "$(id -u)" = 0 ] || echo "pressure: note: not root; oom_score_adj 1000 still applies to the balloon" >&2

W=$(mktemp -d "${PRESSURE_DIR:-/tmp}/pressure.XXXXXX") || exit 1
PIDS=""
cleanup() {
	trap - EXIT INT TERM
	for p in $PIDS; do kill "$p" 2> /dev/null; done
	for p in $PIDS; do wait "$p" 2> /dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cc -O2 -Wall -Wextra -Werror -o "$W/pressure" "$HERE/pressure.c" || exit 1
ts() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(ts)" 'BEGIN { printf "%.2f", b - a }'; }

t0=$(ts)
# The balloon's own bound: its inflation, then the rounds plus a margin.
"$W/pressure" balloon "$FREE_MIB" $((SECONDS_BOUND + 60)) "$W/ready" &
PIDS="$PIDS $!"
balloon=$!
for _ in $(seq 1 1200); do
	[ -e "$W/ready" ] && break
	kill -0 $balloon 2> /dev/null || { echo "pressure: the balloon exited early" >&2; exit 1; }
	sleep 0.1
done
[ -e "$W/ready" ] || { echo "pressure: the balloon did not inflate in 120 s" >&2; exit 1; }
echo "pressure: balloon inflated in $(since "$t0") s" >&2

for _ in $(seq 1 "$BURNERS"); do
	"$W/pressure" burn "$SECONDS_BOUND" &
	PIDS="$PIDS $!"
done

t1=$(ts)
end=$(awk -v a="$t1" -v s="$SECONDS_BOUND" 'BEGIN { printf "%.0f", a + s }')
round=0
hit=0
while [ "$(date +%s)" -lt "$end" ]; do
	[ "$ROUNDS" -gt 0 ] && [ "$round" -ge "$ROUNDS" ] && break
	round=$((round + 1))
	r=$(ts)
	timeout $((end - $(date +%s) + 1)) "$W/pressure" files "$W/files$round" "$NFILES"
	f=$(since "$r")
	r=$(ts)
	[ "$(date +%s)" -lt "$end" ] && timeout $((end - $(date +%s) + 1)) "$W/pressure" cache "$W/cache" "$CACHE_MIB"
	c=$(since "$r")
	rm -f "$W/cache"
	[ "$(date +%s)" -ge "$end" ] && hit=1
	echo "pressure: round $round: files ${f} s, page cache ${c} s, MemAvailable $(awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo) MiB" >&2
done
work=$(since "$t1")
echo "pressure: $round rounds in $work s" >&2
if [ "$ROUNDS" -gt 0 ]; then
	[ "$hit" = 1 ] && echo "pressure: time bound hit (PRESSURE_SECONDS=$SECONDS_BOUND): the work was cut short" >&2
	echo "pressure: work of $ROUNDS rounds ($NFILES files, $CACHE_MIB MiB each): $work s" >&2
fi
