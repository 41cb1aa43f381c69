#!/bin/bash
# fleet_slurm_test.sh - `fragtrace fleet submit --slurm` on a real single-node Slurm cluster that
# the test starts under its scratch directory: munged with its own key and socket, slurmctld and
# slurmd as root with a slurm.conf written here (proctrack/linuxproc, task/none, cons_tres, free
# ports, state, spool and logs in scratch). It submits the array (one task per unit) over the two
# smallest bundled traces x the six presets, waits for the dependent merge job, and checks that
# the merged database equals a local `fragtrace replay` of the same units row for row (timing
# aside), that `fleet status` reports every task completed, and that every daemon is stopped by
# its pid at the end. Skips (exit 77, saying why) without root or Slurm; never passes untested.
# With FLEET_BENCH=1 (bench/fleet/run.sh) it takes every bundled trace, runs the local replay
# first and alone, and prints both wall times.
# usage: fleet_slurm_test.sh FRAGTRACE TRACES_DIR
. "$(dirname "$0")/lib.sh"
CANON="$(dirname "$0")/db_canon.py"
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "not root: slurmctld and slurmd run as root here"
for t in munged slurmctld slurmd sbatch squeue sinfo python3 sqlite3 bc; do
	command -v $t > /dev/null || skip "$t is not installed (Debian: slurm-wlm, munge)"
done
D=$(cd "$D" && pwd) # the fleet's jobs name traces by absolute path: so does the local replay
TRACES="$D/pagecache-anon.fgt $D/metadata-walk.fgt"
BENCH=${FLEET_BENCH:-0}
[ "$BENCH" = 1 ] && TRACES=$(ls "$D"/*.fgt)
NT=$(echo $TRACES | wc -w)

S=$W/slurm
mkdir -p "$S/state" "$S/spool" "$S/log" "$S/munge" && chmod 700 "$S" "$S/munge"
pids=""
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2> /dev/null; }
stop_daemons() {
	for p in $pids; do kill "$p" 2> /dev/null; done
	for p in $pids; do
		for _ in $(seq 50); do alive "$p" || break; sleep 0.1; done
		kill -9 "$p" 2> /dev/null
	done
	rm -rf "$W"
}
trap stop_daemons EXIT

# munge: its own key and socket
head -c 1024 /dev/urandom > "$S/munge/munge.key" && chmod 600 "$S/munge/munge.key"
SOCK=$S/munge/munge.sock
munged -F --force --socket="$SOCK" --key-file="$S/munge/munge.key" \
	--pid-file="$S/munge/munged.pid" --log-file="$S/log/munged.log" \
	--seed-file="$S/munge/munged.seed" > "$S/log/munged.out" 2>&1 &
pids="$pids $!"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || skip "munged did not start: $(tail -3 "$S/log/munged.out" "$S/log/munged.log" 2> /dev/null)"

# two free TCP ports for slurmctld and slurmd
free_port() {
	local p
	for p in $(seq "$1" $(($1 + 500))); do
		ss -Hltn "sport = :$p" 2> /dev/null | grep -q . || { echo "$p"; return; }
	done
}
base=$((30000 + $$ % 20000))
CPORT=$(free_port $base)
DPORT=$(free_port $((CPORT + 1)))
NODE=$(hostname -s)
CPUS=$(nproc)
cat > "$S/slurm.conf" << EOF
ClusterName=fragtrace-test
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$CPORT
SlurmdPort=$DPORT
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SlurmctldTimeout=30
SlurmdTimeout=30
MaxArraySize=10000
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=fleet Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$S/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" > "$S/log/slurmctld.out" 2>&1 &
pids="$pids $!"
slurmd -D -f "$SLURM_CONF" -N "$NODE" > "$S/log/slurmd.out" 2>&1 &
pids="$pids $!"
up=0
for _ in $(seq 150); do
	sinfo -h -o %t 2> /dev/null | grep -qx 'idle' && { up=1; break; }
	sleep 0.2
done
[ $up = 1 ] || skip "Slurm did not start (node not idle in 30 s): $(tail -2 "$S/log/slurmctld.log" "$S/log/slurmd.log" 2> /dev/null | tr '\n' ' ')"
ok "single-node Slurm up (ctld port $CPORT, slurmd port $DPORT)"

FL=$W/fleet
now() { date +%s.%N; }
if [ "$BENCH" = 1 ]; then
	t0=$(now)
	# shellcheck disable=SC2086
	"$F" replay -q --db "$W/local.db" $TRACES > /dev/null || fail "local replay"
	local_s=$(echo "$(now) - $t0" | bc)
fi
t0=$(now)
# shellcheck disable=SC2086
"$F" fleet submit --slurm --dir "$FL" --sbatch=--time=10 $TRACES > "$W/submit" 2> "$W/err" ||
	fail "fleet submit: $(cat "$W/err")"
grep -q "$((NT * 6)) tasks: $NT traces x 6 variants" "$W/submit" && ok "submitted: $(cat "$W/submit")" ||
	fail "submit said: $(cat "$W/submit")"
read -r _ merge_id < <(sed -n 2p "$FL/fleet.jobs")

# local replay of the same units meanwhile (the merge needs the cluster, not this)
# shellcheck disable=SC2086
[ "$BENCH" = 1 ] || "$F" replay -q --threads 1 --db "$W/local.db" $TRACES > /dev/null ||
	fail "local replay"

# wait for the merge job to leave the queue (bounded: a hung cluster fails, not hangs)
for _ in $(seq $([ "$BENCH" = 1 ] && echo 7200 || echo 600)); do
	[ -z "$(squeue -h -j "$merge_id" 2> /dev/null)" ] && break
	sleep 0.5
done
slurm_s=$(echo "$(now) - $t0" | bc)
[ "$BENCH" = 1 ] && printf 'fleet bench: %d traces x 6 presets on %d CPUs: local replay %.1f s, Slurm (submit to merged) %.1f s, ratio %.2f\n' \
	"$NT" "$CPUS" "$local_s" "$slurm_s" "$(echo "$slurm_s / $local_s" | bc -l)"
"$F" fleet status --dir "$FL" > "$W/status" 2>&1
grep -q "$((NT * 6)) of $((NT * 6)) task databases" "$W/status" && grep -q "fleet.db present" "$W/status" &&
	ok "fleet status: $(tr '\n' ' ' < "$W/status")" || fail "fleet status: $(cat "$W/status")"
[ -s "$FL/fleet.db" ] || fail "no merged database; merge log: $(cat "$FL"/logs/merge-* 2> /dev/null | tail -3)"

python3 "$CANON" "$W/local.db" > "$W/local.txt" && python3 "$CANON" "$FL/fleet.db" > "$W/fleet.txt" &&
	[ "$(grep -c '^variants ' "$W/fleet.txt")" = $((NT * 6)) ] && cmp -s "$W/local.txt" "$W/fleet.txt" &&
	ok "merged fleet database = local replay, row for row ($(wc -l < "$W/fleet.txt") rows)" ||
	fail "fleet differs from local: $(diff "$W/local.txt" "$W/fleet.txt" | head -5)"
[ "$(sqlite3 "$FL/fleet.db" 'SELECT count(*) FROM runs')" = $((NT * 6)) ] &&
	[ "$(sqlite3 "$FL/fleet.db" 'SELECT count(*) FROM traces')" = "$NT" ] &&
	ok "$((NT * 6)) job runs over $NT deduplicated traces" || fail "runs/traces in fleet.db"

"$F" report "$FL/fleet.db" --fleet > "$W/report" 2>&1 && grep -q "Fleet" "$W/report" &&
	ok "fleet report reads the merged database" || fail "fleet report: $(head -5 "$W/report")"

stop_daemons_checked() {
	for p in $pids; do kill "$p" 2> /dev/null; done
	for p in $pids; do
		for _ in $(seq 100); do alive "$p" || break; sleep 0.1; done
		alive "$p" && fail "daemon $p still running"
	done
	pids=""
}
stop_daemons_checked
ok "munged, slurmctld and slurmd stopped"
finish fleet_slurm
