#!/bin/bash
# record_test.sh - `fragtrace record` on the live kernel: a real workload (files created and
# stat'ed under a small memory cgroup so slab shrinkers run, page-cache reads), then the trace
# is checked: every default event type present, event counts (in total, per type and per CPU)
# equal to the instance's per-CPU "read events", no event of the recorder's own tasks (listed
# from /proc while it records, its page map and compression included) while the workload it
# started is traced, no kernel address in it, both snapshots, the instance gone,
# the host's own tracing state unchanged. Then SIGINT, SIGTERM, a double SIGINT and SIGKILL at
# random moments: a valid trace each time, and after SIGKILL a recoverable one whose instance
# `record --cleanup` removes; SIGSEGV and SIGABRT leave no instance behind.
# usage: record_test.sh FRAGTRACE
. "$(dirname "$0")/lib.sh"
T=/sys/kernel/tracing
if [ "$(id -u)" != 0 ]; then echo "SKIP: record_test needs root (live tracefs)"; exit 77; fi
if [ ! -d $T/instances ] && ! mount -t tracefs nodev $T 2>/dev/null; then
	echo "SKIP: no tracefs at $T"; exit 77
fi
state() { for f in tracing_on buffer_size_kb current_tracer trace_clock set_event; do
	echo "$f: $(cat $T/$f 2>/dev/null)"; done; ls $T/instances | grep -v '^fragtrace-'; }
cleanup() {
	[ -n "${CG:-}" ] && [ -d "$CG" ] && rmdir "$CG" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
# fragtrace instances are left out of the comparison: a recorder removes the instances of
# recorders that died (SIGKILL, a CI timeout), and whether one is left on this machine from
# before is not this run's doing. That none of ours survives is checked on its own below.
ls $T/instances | grep '^fragtrace-' | sort > "$W/frag.before"
[ -s "$W/frag.before" ] && echo "note: instances from earlier recorders, to be removed if their process is gone: $(tr '\n' ' ' < "$W/frag.before")"
state > "$W/state.before"

# A memory cgroup small enough that creating files makes the kernel shrink slab caches.
CG=
if [ -d /sys/fs/cgroup/memory ]; then
	CG=/sys/fs/cgroup/memory/fragtrace-test-$$
	mkdir "$CG" && echo $((48 << 20)) > "$CG/memory.limit_in_bytes" || CG=
	JOIN="echo \$\$ > $CG/tasks"
elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	CG=/sys/fs/cgroup/fragtrace-test-$$
	mkdir "$CG" && echo $((48 << 20)) > "$CG/memory.max" || CG=
	JOIN="echo \$\$ > $CG/cgroup.procs"
fi
[ -z "$CG" ] && JOIN=: && echo "note: no memory cgroup; shrinker events may not fire"
WORK="$JOIN; mkdir -p $W/files; for i in \$(seq 1 15000); do echo x > $W/files/f\$i; stat $W/files/f\$i > /dev/null; done; cat /usr/lib/x86_64-linux-gnu/*.so* > /dev/null 2>&1; rm -rf $W/files"

"$F" record -q -o "$W/live.fgt" -- sh -c "$WORK"
rc=$?
[ $rc = 0 ] && ok "record with a workload exits 0" || fail "record exited $rc"
"$F" info --json "$W/live.fgt" > "$W/info.json" || fail "info on the recording"
for ev in mm_page_alloc mm_page_alloc_zone_locked mm_page_free mm_page_free_batched \
	mm_page_pcpu_drain kmem_cache_alloc kmem_cache_free kmalloc kfree \
	mm_shrink_slab_start mm_shrink_slab_end; do
	grep -q "\"[a-z]*:$ev\":[1-9]" "$W/info.json" || fail "no $ev events"
done
# kswapd's wake and sleep are recorded (the memcg's direct reclaim seldom wakes it) and replay
# takes its reclaim windows from them, one run per wake, not from GFP_KERNEL shrink_slab events
wakes=$(grep -o '"vmscan:mm_vmscan_kswapd_wake":[0-9]*' "$W/info.json" | cut -d: -f3)
"$F" check "$W/live.fgt" > "$W/check.txt" 2>&1
grep -q "kswapd windows: its wake events, ${wakes:-0} runs" "$W/check.txt" &&
	ok "replay's kswapd windows come from the ${wakes:-0} wake events" ||
	fail "kswapd windows not from the wake events: $(grep 'kswapd windows' "$W/check.txt")"
# Zone samples (every 500 ms by default): there, as many as capture/keepup counts, in time order
# and inside the recording's time span, each zone's free pages and per-CPU counts within its
# managed pages; and check compares mainline with them
"$F" dump --snapshot capture/zone_samples.0 "$W/live.fgt" > "$W/zs.txt" 2> /dev/null ||
	fail "no capture/zone_samples.0"
nkeep=$("$F" dump --snapshot capture/keepup "$W/live.fgt" | awk '/^zone_samples:/ { print $2 }')
span=$("$F" info "$W/live.fgt" | sed -n 's/^time span: .*(\([0-9.]*\) \.\. \([0-9.]*\)).*/\1 \2/p')
zs=$(for p in $(seq 0 99); do "$F" dump --snapshot capture/zone_samples.$p "$W/live.fgt" 2> /dev/null || break; done |
	awk -v span="$span" '
	BEGIN { split(span, s, " "); lo = s[1] * 1e9 - 1e6; hi = s[2] * 1e9 + 1e6 }
	/^fragtrace-zone-samples 1 / { nz = 0; next }
	/^zone / { nz++; managed[nz] = substr($5, 9) + 0; cpus[nz] = substr($7, 6) + 0; next }
	{ n++; if ($1 > $2 || $1 < prev || $1 < lo || $2 > hi) bad++; prev = $2; k = 3
	  for (z = 1; z <= nz; z++) {
		if ($k > managed[z]) bad++
		pcp = 0; for (c = 0; c < cpus[z]; c++) pcp += $(k + 1 + 2 * c)
		if (pcp > managed[z] || pcp < 0) bad++
		k += 1 + 2 * cpus[z] }
	  if (k != NF + 1) bad++ }
	END { print n + 0, bad + 0 }')
read -r zn zbad <<< "$zs"
[ "${zn:-0}" -ge 2 ] && [ "$zn" = "$nkeep" ] && [ "${zbad:-1}" = 0 ] &&
	ok "$zn zone samples, in time order inside the trace's span ($span), free and per-CPU pages within each zone's managed" ||
	fail "zone samples: $zs (keepup $nkeep, span $span): $(head -3 "$W/zs.txt")"
grep -q "zone samples: $zn from" "$W/check.txt" && grep -q "drift_N0_Normal_free_mean" "$W/check.txt" &&
	ok "check compares mainline with the $zn zone samples" ||
	fail "check without the zone samples: $(grep 'zone samples' "$W/check.txt")"
grep -q '"kmem:mm_page_alloc_extfrag":[1-9]' "$W/info.json" && ok "extfrag events too" ||
	echo "note: no mm_page_alloc_extfrag in this run (it needs a fallback to happen)"
events=$(sed -n 's/.*"events":\([0-9]*\).*/\1/p' "$W/info.json" | head -1)
markers=$(sed -n 's/.*"lost_markers":\([0-9]*\).*/\1/p' "$W/info.json" | head -1)
# the per-type counts the recorder wrote, lost markers aside
by_type=$(sed -n 's/.*"events_by_type":{\([^}]*\)}.*/\1/p' "$W/info.json" | tr ',' '\n' |
	grep -v '"lost"' | awk -F: '{ s += $NF } END { print s + 0 }')
late=$("$F" dump --snapshot capture/keepup "$W/live.fgt" | awk '/^late_events:/ { print $2 }')
[ -n "$late" ] || fail "no capture/keepup snapshot"
late=${late:-0}
read_start=$("$F" dump --snapshot start/cpu_stats "$W/live.fgt" | awk '/read events/ {s += $3} END {print s + 0}')
read_end=$("$F" dump --snapshot end/cpu_stats "$W/live.fgt" | awk '/read events/ {s += $3} END {print s + 0}')
# every event the kernel handed over is in the trace, or (read after a later one had been
# written) a lost marker of one event counted in capture/keepup's late_events
if [ "$((read_end - read_start))" = "$((events - markers + late))" ]; then
	ok "$events events = the instance's per-CPU read counts ($((read_end - read_start))) less $markers lost markers plus $late late"
else
	fail "events $events - markers $markers + late $late != read events $((read_end - read_start))"
fi
if [ "$by_type" = "$((read_end - read_start - late))" ]; then
	ok "the per-type counts add up to the instance's read events ($by_type)"
else
	fail "per-type counts add up to $by_type, the instance read $((read_end - read_start - late))"
fi
if "$F" dump "$W/live.fgt" | grep -qE '0xffff[0-9a-f]{10,}'; then
	fail "kernel virtual addresses in the trace"
else
	ok "no kernel virtual address in $events events"
fi
for s in start/pagemap end/pagemap start/zoneinfo end/slabinfo start/slab_attributes; do
	grep -q "\"$s\"" "$W/info.json" || fail "snapshot $s missing"
done
# the host's module parameters, or "not loaded" when the kernel lacks the file
params_ok=1
for p in page_reporting/parameters/page_reporting_order:page_reporting_order \
	page_alloc/parameters/shuffle:page_alloc_shuffle; do
	file=/sys/module/${p%%:*}
	want=$(cat "$file" 2> /dev/null || echo "not loaded")
	got=$("$F" dump --snapshot "start/${p#*:}" "$W/live.fgt")
	[ "$got" = "$want" ] || { fail "start/${p#*:} is '$got', $file reads '$want'"; params_ok=0; }
done
[ $params_ok = 0 ] || ok "start/page_reporting_order and start/page_alloc_shuffle as the host's files say"
# the per-size THP settings (kernels with mTHP, 6.8 and later), as the host's files say
mthp=/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled
if [ -r "$mthp" ]; then
	want="hugepages-2048kB enabled: $(cat "$mthp")"
	got=$("$F" dump --snapshot start/thp_sizes "$W/live.fgt" | grep '^hugepages-2048kB enabled:')
	[ "$got" = "$want" ] && ok "start/thp_sizes has the per-size settings" ||
		fail "start/thp_sizes has '$got', $mthp reads '${want#*: }'"
else
	echo "skip: no per-size THP settings on this kernel ($mthp)"
fi
# Per CPU, from the events themselves; and no slab object event of any of the recorder's tasks
# while its page events are there (its pages and per-CPU list refills are the host's: kept out,
# they left pages free to the trace that the host held, record_end_test), and the workload's own
# shell is there (the recorder's child must stay traced). A short recording
# (its page map, snapshots and compression included), so that dumping it stays quick on a busy
# host; the recorder runs in the background so that its tasks can be listed while it records.
"$F" record -q -o "$W/own.fgt" -- sh -c "echo \$\$ > $W/workload.pid; i=0; while [ \$i -lt 300 ]; do ls /usr/lib > /dev/null; echo \$i > $W/own.tmp; i=\$((i + 1)); done" &
rec=$!
while kill -0 $rec 2> /dev/null; do
	ls /proc/$rec/task 2> /dev/null
	sleep 0.1
done | sort -u > "$W/recorder.tids"
wait $rec || fail "the short recording exited $?"
late=$("$F" dump --snapshot capture/keepup "$W/own.fgt" | awk '/^late_events:/ { print $2 }')
"$F" dump "$W/own.fgt" | awk -v tids="$(tr '\n' ' ' < "$W/recorder.tids")" -v wl="$(cat "$W/workload.pid")" '
	BEGIN { n = split(tids, t, " "); for (i = 1; i <= n; i++) rec[t[i]] = 1 }
	{ p = $1; sub(/.*-/, "", p); c = $2; gsub(/[^0-9]/, "", c) }
	$4 == "lost:" { next }
	{ per[c + 0]++; if (p == wl) mine++ }
	p in rec && $4 ~ /^(kmem_cache_alloc|kmem_cache_free|kmalloc|kfree):$/ { own++ }
	p in rec && $4 ~ /^mm_page_/ { ownpages++ }
	END { for (c in per) print "cpu", c, per[c]; print "own", own + 0; print "workload", mine + 0
	      print "ownpages", ownpages + 0 }' > "$W/dump.counts"
own=$(awk '$1 == "own" { print $2 }' "$W/dump.counts")
ownpages=$(awk '$1 == "ownpages" { print $2 }' "$W/dump.counts")
mine=$(awk '$1 == "workload" { print $2 }' "$W/dump.counts")
[ "$own" = 0 ] && ok "no slab object event of the recorder's tasks ($(tr '\n' ' ' < "$W/recorder.tids"))" ||
	fail "$own slab object events of the recorder's own tasks ($(tr '\n' ' ' < "$W/recorder.tids"))"
# it writes its trace file: page cache pages, allocated in its own context
[ "${ownpages:-0}" -gt 0 ] && ok "the recorder's page events are traced: $ownpages" ||
	fail "no page event of the recorder's tasks: its pages and per-CPU list refills are missing"
[ "${mine:-0}" -gt 0 ] && ok "the workload (pid $(cat "$W/workload.pid")) is traced: $mine events" ||
	fail "no event of the workload's pid $(cat "$W/workload.pid")"
if [ "$late" = 0 ]; then
	for c in $(awk '$1 == "cpu" { print $2 }' "$W/dump.counts"); do
		got=$(awk -v c="$c" '$1 == "cpu" && $2 == c { print $3 }' "$W/dump.counts")
		r0=$("$F" dump --snapshot start/cpu_stats "$W/own.fgt" | awk -v c="cpu$c:" '$1 ~ /^cpu/ { on = $1 == c } on && /read events/ { print $3 }')
		r1=$("$F" dump --snapshot end/cpu_stats "$W/own.fgt" | awk -v c="cpu$c:" '$1 ~ /^cpu/ { on = $1 == c } on && /read events/ { print $3 }')
		[ "$got" = "$((r1 - r0))" ] && ok "cpu$c: $got events = its read events" ||
			fail "cpu$c: $got events in the trace, the instance read $((r1 - r0))"
	done
else
	echo "note: $late events arrived late; the per-CPU check is left to the totals above"
fi
# other recorders running on this machine meanwhile are alive: only a dead recorder's counts
left=$(ls $T/instances | grep '^fragtrace-' | sort | comm -13 "$W/frag.before" - |
	while read -r i; do kill -0 "${i#fragtrace-}" 2> /dev/null || echo "$i"; done)
[ -n "$left" ] && fail "an instance was left behind: $left" || ok "instance removed"
state > "$W/state.after"
diff "$W/state.before" "$W/state.after" > /dev/null && ok "host tracing state unchanged" ||
	fail "tracing state changed: $(diff "$W/state.before" "$W/state.after")"

# Signals at random moments during a steady load.
LOAD=": record_test_load_$$; while :; do cat /usr/lib/x86_64-linux-gnu/*.so* > /dev/null 2>&1; ls -R /usr/share > /dev/null; done"
for sig in INT TERM INTINT KILL; do
	"$F" record -q -o "$W/$sig.fgt" -- sh -c "$LOAD" 2> "$W/$sig.err" &
	pid=$!
	# wait until it records (the trace file exists once setup is done), then a random moment;
	# setup reads the page map and the snapshots, minutes on a loaded machine (30 s was too
	# short under make test beside other jobs: SIGKILL then came before the file existed)
	for i in $(seq 1 6000); do [ -s "$W/$sig.fgt" ] && break; sleep 0.1; done
	[ -s "$W/$sig.fgt" ] || fail "SIG$sig: the recorder wrote no trace file in 600 s"
	sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.5 + r / 32768 * 2 }')"
	case $sig in
	INTINT) kill -INT $pid; sleep 0.05; kill -INT $pid ;;
	*) kill -$sig $pid ;;
	esac
	wait $pid 2> /dev/null
	# SIGKILL orphans the workload: stop this run's loop and what it runs, nobody else's
	for p in $(pgrep -f "record_test_load_$$"); do
		kill -STOP "$p"; pkill -P "$p"; kill -KILL "$p"
	done 2> /dev/null
	if [ $sig = KILL ]; then
		"$F" info --json "$W/$sig.fgt" | grep -q '"complete":false' &&
			ok "SIGKILL: the cut trace reads, marked incomplete" || fail "SIGKILL: cut trace unreadable"
		"$F" recover "$W/$sig.fgt" > /dev/null || fail "recover after SIGKILL"
		"$F" info --json "$W/$sig.fgt" | grep -q '"complete":true' &&
			ok "SIGKILL: recovered trace is complete" || fail "SIGKILL: not complete after recover"
		killed=$pid
		[ -d $T/instances/fragtrace-$killed ] && echo "note: SIGKILL left its instance (expected)"
	else
		"$F" info --json "$W/$sig.fgt" > "$W/$sig.json" 2> "$W/$sig.info.err" &&
			grep -q '"complete":true' "$W/$sig.json" &&
			ok "SIG$sig: trace finalised ($(sed -n 's/.*"events":\([0-9]*\).*/\1/p' "$W/$sig.json" | head -1) events)" ||
			fail "SIG$sig: trace not valid: $(cat "$W/$sig.err" "$W/$sig.json")"
	fi
done
out=$("$F" record --cleanup) || fail "record --cleanup exited $?"
[ -d $T/instances/fragtrace-$killed ] && fail "record --cleanup left the killed recorder's instance" ||
	ok "record --cleanup removed the killed recorder's instance ($out)"
case "$out" in *fragtrace-$killed*) ok "--cleanup names what it removed" ;;
*) [ -n "$(grep -x "fragtrace-$killed" "$W/frag.before")" ] || echo "note: --cleanup said: $out" ;; esac
"$F" record -q -o "$W/after.fgt" -d 0.5 --no-snapshots > /dev/null || fail "record after SIGKILL"
# The command's exit code, unless a limit ended the command first (then the recording succeeded).
"$F" record -q -o "$W/limit.fgt" -d 0.5 --no-snapshots -- sleep 30 > /dev/null &&
	ok "--duration ends the command first: exit 0" || fail "--duration ending the command: exit $?"
# A command that ignores SIGTERM is killed after the grace period, not waited for forever.
timeout 120 "$F" record -q -o "$W/noterm.fgt" -d 0.5 --no-snapshots -- \
	sh -c 'trap "" TERM; while :; do sleep 0.1; done' > /dev/null 2> "$W/noterm.err"
rc=$?
[ $rc = 0 ] && grep -q "did not exit .* after SIGTERM: killed" "$W/noterm.err" &&
	"$F" info --json "$W/noterm.fgt" | grep -q '"complete":true' &&
	ok "a command ignoring SIGTERM is killed at the end, the trace complete" ||
	fail "command ignoring SIGTERM: exit $rc, $(cat "$W/noterm.err")"
"$F" record -q -o "$W/exit3.fgt" --no-snapshots -- sh -c "exit 3" > /dev/null
rc=$?
[ $rc = 3 ] && ok "the command's own exit code (3)" || fail "command exit 3 gave $rc"

# A crash (SIGSEGV, SIGABRT) removes the instance although the ring-buffer files are open.
for sig in SEGV ABRT; do
	"$F" record -q --no-snapshots -o "$W/$sig.fgt" -- sh -c ": record_test_crash_$$; sleep 30" 2> /dev/null &
	pid=$!
	for i in $(seq 1 300); do [ -s "$W/$sig.fgt" ] && break; sleep 0.1; done
	sleep 0.5
	kill -$sig $pid
	wait $pid 2> /dev/null
	pkill -f "record_test_crash_$$" 2> /dev/null
	[ -d $T/instances/fragtrace-$pid ] && fail "SIG$sig left instance fragtrace-$pid" ||
		ok "SIG$sig: the crashed recorder's instance is gone"
done
state > "$W/state.crash"
diff "$W/state.before" "$W/state.crash" > /dev/null && ok "host tracing state unchanged after the crashes" ||
	fail "tracing state changed: $(diff "$W/state.before" "$W/state.crash")"

# No tracefs mounted: record mounts one for the run and unmounts it after (the host's state
# includes its mounts). Only when nothing else holds this machine's tracefs mount.
if umount $T 2> /dev/null; then
	if grep -q " tracefs " /proc/mounts; then
		echo "note: another tracefs mount remains; the unmount check is skipped"
	else
		"$F" record -q -o "$W/mount.fgt" -d 0.3 --no-snapshots > /dev/null 2> "$W/mount.err" &&
			ok "record with no tracefs mounted" || fail "record with no tracefs: $(cat "$W/mount.err")"
		grep -q " tracefs " /proc/mounts && fail "record left tracefs mounted" ||
			ok "record unmounted the tracefs it mounted"
	fi
	grep -q " $T tracefs " /proc/mounts || mount -t tracefs nodev $T || fail "cannot remount $T"
else
	echo "note: tracefs at $T is busy; the mount check is skipped"
fi
finish record_test
