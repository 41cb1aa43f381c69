#!/bin/bash
# Record the bundled sample traces (root, a built fragtrace). Each stays under 8 MB.
# usage: traces/record.sh [FRAGTRACE]
set -eu
F=${1:-build/fragtrace}
OUT=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"; [ -n "${CG:-}" ] && rmdir "$CG" 2> /dev/null || true' EXIT

# A memory cgroup of 96 MiB, so that creating files makes the kernel reclaim and shrink slab.
CG=/sys/fs/cgroup/memory/fragtrace-sample
mkdir -p "$CG"
echo $((96 << 20)) > "$CG/memory.limit_in_bytes"

sync; echo 3 > /proc/sys/vm/drop_caches
# files-slab: 30,000 files of 512 bytes in 64 directories (shell builtins only), listed with
# their attributes twice, read back, then deleted.
"$F" record -q --max-size 7.5 -o "$OUT/files-slab.fgt" -- sh -c "
	echo \$\$ > $CG/tasks
	for d in \$(seq 0 63); do mkdir -p $W/d\$d; done
	i=0; while [ \$i -lt 30000 ]; do printf '%0512d' 0 > $W/d\$((i % 64))/f\$i; i=\$((i + 1)); done
	ls -lR $W > /dev/null; ls -lR $W > /dev/null
	cat $W/d*/f* > /dev/null
	rm -rf $W/d*" || true

sync; echo 3 > /proc/sys/vm/drop_caches
# pagecache-anon: read /usr/share/doc and /usr/lib through the page cache, then sort 300 MiB
# of zeros (anonymous memory allocated and freed), twice.
"$F" record -q --max-size 7.5 -o "$OUT/pagecache-anon.fgt" -- sh -c "
	tar cf - /usr/share/doc 2> /dev/null | cat > /dev/null
	cat /usr/lib/x86_64-linux-gnu/*.so* > /dev/null 2>&1
	for r in 1 2; do head -c 300M /dev/zero | sort > /dev/null; done" || true
sync; echo 3 > /proc/sys/vm/drop_caches
# metadata-walk: a cold metadata walk of /usr (dentry and inode caches grow) beside 512 MiB
# streamed through a pipe (pipe buffers allocated and freed).
"$F" record -q --max-size 7.5 -o "$OUT/metadata-walk.fgt" -- sh -c "
	find /usr -xdev > /dev/null 2>&1 &
	head -c 512M /dev/zero | tail -c 1 > /dev/null
	wait" || true
ls -l "$OUT"/*.fgt
