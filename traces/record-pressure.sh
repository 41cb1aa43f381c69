#!/bin/bash
# Record a bundled pressure trace (root, a built fragtrace, python3): an anonymous balloon
# leaves about 1.6 GiB free, then the workload writes a big file (page cache; reclaim starts),
# creates small files (dentry, inode and ext4_inode_cache grow under reclaim; the shrinkers
# run), walks them twice, reads the big file back and deletes everything. Run it under
# `flock /work/wt/pressure.lock` on a shared machine. Bounded: the balloon is the OOM killer's
# first victim (oom_score_adj 1000) and is removed on every exit.
# usage: traces/record-pressure.sh FRAGTRACE OUT.fgt BIG_MB NR_FILES [record options...]
# The workload prints each phase's start (CLOCK_MONOTONIC, the trace clock) on stderr.
# Environment: PREFILL_MB=N writes N MiB of page cache (a file, synced) after the balloon and
# before recording, so the traced window starts under pressure instead of spending most of the
# --max-size budget filling free memory; READ_BACK=0 skips reading the big file back; MAX_MB
# (default 7.5) is --max-size, reached before the workload ends when the host is busy (the
# trace then stops there, complete, with its end snapshot).
set -eu
F=$1 OUT=$2 BIG=$3 NF=$4 RB=${READ_BACK:-1} MAX=${MAX_MB:-7.5} PRE=${PREFILL_MB:-0}
shift 4
W=$(mktemp -d)
BP=
trap '[ -n "$BP" ] && kill $BP 2> /dev/null; wait 2> /dev/null; rm -rf "$W"' EXIT

sync; echo 3 > /proc/sys/vm/drop_caches
# The balloon: private anonymous memory touched 64 MiB at a time until MemFree is down to
# 1.6 GiB (other processes may allocate meanwhile, so it never overshoots by more than a step).
python3 -c '
import mmap, signal
open("/proc/self/oom_score_adj", "w").write("1000")
def free_mb():
    for l in open("/proc/meminfo"):
        if l.startswith("MemFree:"): return int(l.split()[1]) // 1024
held = []
while free_mb() > 1640 + 64:
    m = mmap.mmap(-1, 64 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    for i in range(0, 64 << 20, 4096): m[i] = 1
    held.append(m)
print("ready", flush=True)
signal.pause()' > "$W/balloon" &
BP=$!
while ! grep -q ready "$W/balloon"; do sleep 0.5; kill -0 $BP; done
grep MemFree /proc/meminfo
if [ "$PRE" -gt 0 ]; then
	dd if=/dev/zero of="$W/prefill" bs=1M count="$PRE" status=none conv=fsync
	grep MemFree /proc/meminfo
fi

"$F" record -q --max-size "$MAX" -o "$OUT" "$@" -- timeout 120 python3 -c '
import os, sys, time
def phase(name): print("phase %s %.3f" % (name, time.monotonic()), file=sys.stderr, flush=True)
root, big_mb, nfiles, read_back = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
big = os.path.join(root, "big")
phase("write")
with open(big, "wb") as f:
    for i in range(big_mb): f.write(b"y" * (1 << 20))
dirs = [os.path.join(root, "d%d" % i) for i in range(64)]
phase("create")
for d in dirs: os.makedirs(d)
for i in range(nfiles):
    with open(os.path.join(dirs[i % 64], "f%d" % i), "wb") as f: f.write(b"x" * 512)
phase("walk")
for r in range(2):
    for d in dirs:
        for e in os.scandir(d): e.stat()
phase("read" if read_back else "delete")
if read_back:
    with open(big, "rb") as f:
        while f.read(1 << 20): pass
    phase("delete")
for i in range(nfiles): os.unlink(os.path.join(dirs[i % 64], "f%d" % i))
os.unlink(big)
phase("done")' "$W" "$BIG" "$NF" "$RB"
ls -l "$OUT"
