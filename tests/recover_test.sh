#!/bin/bash
# recover_test.sh - damaged traces: recover keeps every intact chunk and counts what it
# dropped, every reader reads an intact trace whose end section or index is damaged, and recover
# repairs index-less synthetic traces of every workload.
# usage: recover_test.sh FRAGTRACE TRACES_DIR
. "$(dirname "$0")/lib.sh"

u32() { od -An -t u4 -j "$2" -N4 "$1" | tr -d ' '; }
u64() { od -An -t u8 -j "$2" -N8 "$1" | tr -d ' '; }
json() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" "$1" | head -1; }
# flip FILE BYTE BIT
flip() {
	local v
	v=$(od -An -t u1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((v ^ (1 << $3))))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2> /dev/null
}
# offsets of the sections of one kind (2 metadata, 3 chunk): their skippable frame magic
sections() { grep -obUaP "\\x5$2\\x2a\\x4d\\x18" "$1" | cut -d: -f1; }

# 1. one flipped bit in chunk 0 of a bundled trace: recover keeps chunks 1.. exactly
T=$D/metadata-walk.fgt
cp "$T" "$W/mw.fgt"
c0=$(sections "$W/mw.fgt" 3 | head -1)
c0_events=$(u32 "$W/mw.fgt" $((c0 + 48)))
flip "$W/mw.fgt" $((c0 + 8 + 68 + 5000)) 2
"$F" info --json "$T" > "$W/orig.json"
total=$(json "$W/orig.json" events)
"$F" recover -o "$W/mw-rec.fgt" "$W/mw.fgt" > "$W/out" 2> "$W/err" || fail "recover of a damaged chunk 0"
grep -q "dropped bytes $c0 to .*chunk 0.*$c0_events events in 1 chunks lost" "$W/err" &&
	ok "recover reports the dropped chunk" || { fail "no report of the dropped chunk"; cat "$W/err"; }
grep -q "$(printf "%'d" $((total - c0_events)) 2> /dev/null || echo $((total - c0_events))) intact events kept" "$W/out" ||
	grep -q "intact events kept" "$W/out" || fail "recover summary: $(cat "$W/out")"
"$F" info --json "$W/mw-rec.fgt" > "$W/rec.json" || fail "info on the recovered trace"
[ "$(json "$W/rec.json" lost_events)" = "$c0_events" ] && ok "dropped events counted as lost" ||
	fail "lost events $(json "$W/rec.json" lost_events), want $c0_events"
grep -q '"complete":true' "$W/rec.json" || fail "recovered trace has no index"
"$F" dump "$T" | tail -n +$((c0_events + 1)) > "$W/want.txt"
"$F" dump "$W/mw-rec.fgt" > "$W/got.txt"
head -1 "$W/got.txt" | grep -q "LOST $c0_events EVENTS" || fail "no lost marker first: $(head -1 "$W/got.txt")"
tail -n +2 "$W/got.txt" | cmp -s - "$W/want.txt" &&
	ok "recover kept all $((total - c0_events)) events of the intact chunks exactly" ||
	fail "recovered events differ from the intact chunks' ($(wc -l < "$W/got.txt") lines)"
cmp -s "$W/mw.fgt" "$W/mw-rec.fgt" && fail "recover -o changed nothing"

# 2. a damaged snapshot: recover names it and keeps the others
cp "$T" "$W/snap.fgt"
m=$(sections "$W/snap.fgt" 2 | sed -n 2p)
nlen=$(od -An -t u2 -j $((m + 32)) -N2 "$W/snap.fgt" | tr -d ' ')
name=$(dd if="$W/snap.fgt" bs=1 skip=$((m + 34)) count="$nlen" 2> /dev/null)
flip "$W/snap.fgt" $((m + 8 + 28 + 2 + nlen + 4 + 20)) 1
nmeta=$("$F" info "$T" | sed -n '/^snapshots:/,$p' | grep -c '^  ')
"$F" recover -o "$W/snap-rec.fgt" "$W/snap.fgt" > "$W/out" 2> "$W/err" || fail "recover with a damaged snapshot"
grep -q "dropped snapshot '$name': .*byte $m" "$W/err" && ok "recover names the dropped snapshot $name" ||
	{ fail "dropped snapshot $name not reported"; cat "$W/err"; }
got=$("$F" info "$W/snap-rec.fgt" | sed -n '/^snapshots:/,$p' | grep -c '^  ')
[ "$got" = $((nmeta - 1)) ] && ok "the other $got snapshots kept" || fail "$got snapshots kept of $nmeta"

# 3. the end section and the index descriptor: a flipped bit leaves every command working
# (test_trace_corrupt flips every bit of both; this runs the commands)
cp "$D/pagecache-anon.fgt" "$W/s.fgt"
size=$(stat -c %s "$W/s.fgt")
index=$(u64 "$W/s.fgt" $((size - 60 + 32)))
events=$("$F" info --json "$W/s.fgt" | sed -n 's/.*"events":\([0-9]*\).*/\1/p' | head -1)
bad=0
for pos in $((size - 60)) $((size - 9)) $((index + 20)); do
	cp "$W/s.fgt" "$W/f.fgt"
	flip "$W/f.fgt" $pos 3
	"$F" info --json "$W/f.fgt" > "$W/i.json" 2> "$W/err" && [ "$(json "$W/i.json" events)" = "$events" ] ||
		{ bad=1; fail "info after a flip at byte $pos"; }
	grep -q "warning: $W/f.fgt: damaged at byte [0-9]" "$W/err" || { bad=1; fail "no warning for byte $pos"; }
	[ "$("$F" dump "$W/f.fgt" 2> /dev/null | wc -l)" = "$events" ] || { bad=1; fail "dump after a flip at $pos"; }
	"$F" check "$W/f.fgt" > /dev/null 2>&1 || { bad=1; fail "check after a flip at $pos"; }
	"$F" recover -o "$W/f-rec.fgt" "$W/f.fgt" > /dev/null 2>&1 || { bad=1; fail "recover after a flip at $pos"; }
	"$F" info --json "$W/f-rec.fgt" 2> "$W/err" | grep -q '"complete":true' && [ ! -s "$W/err" ] ||
		{ bad=1; fail "recover did not rebuild the index after a flip at $pos"; }
done
[ $bad = 0 ] && ok "a damaged end section or index: info, dump, check, recover read all $events events"

# 4. index-less synthetic traces of every workload: recover repairs each
for w in slab-growth pagecache-churn anon-thp mixed; do
	"$F" synth --workload $w --mem 512M --duration 2 -o "$W/$w.fgt" > /dev/null || { fail "synth $w"; continue; }
	n=$("$F" info --json "$W/$w.fgt" | sed -n 's/.*"events":\([0-9]*\).*/\1/p' | head -1)
	size=$(stat -c %s "$W/$w.fgt")
	truncate -s "$(u64 "$W/$w.fgt" $((size - 60 + 32)))" "$W/$w.fgt"
	"$F" recover "$W/$w.fgt" > /dev/null 2> "$W/err" || { fail "recover of index-less $w: $(tail -1 "$W/err")"; continue; }
	"$F" info --json "$W/$w.fgt" > "$W/i.json" 2> "$W/err"
	[ "$(json "$W/i.json" events)" = "$n" ] && grep -q '"complete":true' "$W/i.json" &&
		ok "index-less $w: recover restored all $n events" || fail "index-less $w: $(cat "$W/err")"
done
finish recover_test
