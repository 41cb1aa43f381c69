#!/bin/bash
# import_test.sh - record a workload with `trace-cmd record`, import the trace.dat, and check
# that the per-event counts of `fragtrace info` equal those of `trace-cmd report`, that lost
# events are accounted for, and that no kernel virtual address survives the import.
# usage: import_test.sh FRAGTRACE
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then echo "SKIP: import_test needs root to record with trace-cmd"; exit 77; fi
command -v trace-cmd > /dev/null || { echo "SKIP: trace-cmd is not installed"; exit 77; }
EV="-e kmem:mm_page_alloc -e kmem:mm_page_free -e kmem:kmem_cache_alloc -e kmem:kmem_cache_free -e kmem:kmalloc -e kmem:kfree -e sched:sched_process_exec"
( cd "$W" && "$HERE/tc_wrap.sh" record -q -b 16384 $EV -o "$W/tc.dat" \
	sh -c "mkdir -p $W/d; for i in \$(seq 1 2000); do echo x > $W/d/f\$i; done; rm -rf $W/d; ls -R /usr/share > /dev/null" \
	> "$W/tc.out" 2>&1 ) || { cat "$W/tc.out"; fail "trace-cmd record"; }
"$F" import -o "$W/imp.fgt" "$W/tc.dat" > "$W/imp.out" || fail "import"
cat "$W/imp.out"
trace-cmd report -i "$W/tc.dat" 2> /dev/null > "$W/report.txt"
"$F" info --json "$W/imp.fgt" > "$W/info.json" || fail "info on the import"
for ev in mm_page_alloc mm_page_free kmem_cache_alloc kmem_cache_free kmalloc kfree sched_process_exec; do
	want=$(grep -c " $ev: " "$W/report.txt")
	got=$(grep -o "\"[a-z]*:$ev\":[0-9]*" "$W/info.json" | head -1 | cut -d: -f3)
	[ "${got:-0}" = "$want" ] && echo "ok: $ev $want" || fail "$ev: trace-cmd report $want, fragtrace ${got:-0}"
done
[ "$want" -gt 0 ] || fail "sched_process_exec (a generic record) never seen"
if "$F" dump "$W/imp.fgt" | grep -qE '0xffff[0-9a-f]{10,}'; then
	fail "kernel virtual addresses survived the import"
fi
# The same recording as text, through `trace-cmd report`
"$F" import --text -o "$W/text.fgt" "$W/report.txt" > /dev/null || fail "import --text"
"$F" info --json "$W/text.fgt" > "$W/text.json" || fail "info on the text import"
for ev in mm_page_alloc mm_page_free kmem_cache_alloc kmem_cache_free kmalloc kfree; do
	want=$(grep -o "\"[a-z]*:$ev\":[0-9]*" "$W/info.json" | head -1 | cut -d: -f3)
	got=$(grep -o "\"[a-z]*:$ev\":[0-9]*" "$W/text.json" | head -1 | cut -d: -f3)
	[ "${got:-0}" = "${want:-0}" ] && echo "ok: text $ev $want" || fail "text $ev: ${got:-0}, binary ${want:-0}"
done
"$F" dump "$W/imp.fgt" --events mm_page_alloc | awk '{ print $6 }' | head -200 > "$W/gfp.bin"
"$F" dump "$W/text.fgt" --events mm_page_alloc | awk '{ print $6 }' | head -200 > "$W/gfp.text"
cmp -s "$W/gfp.bin" "$W/gfp.text" && echo "ok: text gfp flags turn back into the same bits" ||
	fail "text gfp flags differ: $(diff "$W/gfp.bin" "$W/gfp.text" | head -3)"
if "$F" dump "$W/text.fgt" | grep -qE '0xffff[0-9a-f]{10,}'; then
	fail "kernel virtual addresses survived the text import"
fi
finish import_test
