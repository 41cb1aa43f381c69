#!/bin/bash
# foreign_test.sh FRAGTRACE offline|live - captures made by other tools, and traces without
# snapshots (issue 15).
#   offline: import --text / --perf of small texts written here: the host flags and their
#     strict parsing, the progress bar, perf syntax and lost lines, replay with --mem and --layout (the result
#     table and the database say the layout was supplied), the first pfn outside the layout
#     as an error, bad --mem / --layout values, an older database gaining traces.layout.
#   live (root, tracefs, trace-cmd and/or perf): a short real workload captured by trace-cmd
#     (through tc_wrap.sh) and by perf record -e 'kmem:*', each imported: info shows the
#     host's release, page size and CPUs; replays under the six presets with --mem and with
#     --layout; fragtrace snapshot + import --snapshots replays from the snapshot (spb: a placed start).
. "$(dirname "$0")/lib.sh"
MODE=${2:-offline}
HERE=$(cd "$(dirname "$0")" && pwd)

# The one field of `fragtrace info --json` FILE named $2, as text.
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# replay_ok NAME TRACE ARGS...: the six presets, the layout said to be supplied, in the table
# and in the database.
replay_ok() {
	local name=$1 t=$2
	shift 2
	if "$F" replay -q --db "$W/$name.db" "$@" "$t" >"$W/$name.out" 2>&1; then
		n=$(grep -cE '^  (mainline|spb|spb\+demand|spb\+demand\+supply|spb\+proactive|spb\+all) ' "$W/$name.out")
		[ "$n" = 6 ] && ok "$name: six presets replayed" || fail "$name: $n preset rows: $(cat "$W/$name.out")"
		grep -q "memory layout supplied: " "$W/$name.out" && grep -q "cold start" "$W/$name.out" &&
			ok "$name: the table says the layout was supplied, cold start" ||
			fail "$name: the table does not say the layout was supplied: $(head -4 "$W/$name.out")"
		l=$(sqlite3 "$W/$name.db" "SELECT layout FROM traces")
		case "$l" in "supplied: "*) ok "$name: traces.layout = $l" ;; *) fail "$name: traces.layout = '$l'" ;; esac
	else
		fail "$name: replay $*: $(cat "$W/$name.out")"
	fi
}

offline() {
	# ftrace text, as trace_pipe prints it: pfns up to 5 GiB (in ZONE_NORMAL of an 8G host)
	{
		echo "# tracer: nop"
		for i in $(seq 0 199); do
			pfn=$((1048576 + 262144 + i * 8))
			printf '            sh-%d [%03d] ..... %d.%06d: mm_page_alloc: page=0x0 pfn=0x%x order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n' \
				$((100 + i % 7)) $((i % 2)) $((10 + i / 100)) $((i * 1000 % 1000000)) $pfn
			printf '            sh-%d [%03d] ..... %d.%06d: kmalloc: call_site=f+0x1 ptr=0xffff888100%06x bytes_req=64 bytes_alloc=64 gfp_flags=GFP_KERNEL node=-1 accounted=false\n' \
				$((100 + i % 7)) $((i % 2)) $((10 + i / 100)) $((i * 1000 % 1000000 + 1)) $((i * 64))
		done
		for i in $(seq 0 99); do
			printf '            sh-%d [%03d] ..... %d.%06d: mm_page_free: page=0x0 pfn=0x%x order=0\n' \
				101 0 12 $((i * 10)) $((1048576 + 262144 + i * 8))
		done
	} >"$W/pipe.txt"
	"$F" import --text --release 6.1.0-test --arch x86_64 --page-size 4096 --cpus 4 --clock local \
		-o "$W/pipe.fgt" "$W/pipe.txt" >"$W/imp.out" 2>&1 || fail "import --text with host flags: $(cat "$W/imp.out")"
	"$F" info --json "$W/pipe.fgt" >"$W/pipe.json" || fail "info of the text import"
	[ "$(json_field "$W/pipe.json" kernel_release)" = 6.1.0-test ] &&
		[ "$(json_field "$W/pipe.json" page_size)" = 4096 ] &&
		[ "$(json_field "$W/pipe.json" cpu_count)" = 4 ] &&
		[ "$(json_field "$W/pipe.json" trace_clock)" = local ] &&
		[ "$(json_field "$W/pipe.json" arch)" = x86_64 ] &&
		ok "import --text: --release, --arch, --page-size, --cpus, --clock reach the header" ||
		fail "import --text host flags: $(cat "$W/pipe.json")"
	"$F" info "$W/pipe.fgt" | grep -q "Linux 6.1.0-test x86_64, 4 CPUs, page size 4096" &&
		ok "info shows the release, CPUs and page size" || fail "info: $("$F" info "$W/pipe.fgt" | head -3)"

	# the replay's progress bar, on a terminal only, and not with -q (issue 17)
	if command -v script >/dev/null; then
		script -qc "'$F' import -o '$W/tty.fgt' '$W/pipe.txt'" /dev/null >"$W/tty.out" 2>&1
		grep -q "pipe.txt \[==============================\] 100%" "$W/tty.out" &&
			ok "import shows the progress bar on a terminal" || fail "no progress bar: $(cat -A "$W/tty.out" | head -3)"
		script -qc "'$F' import -q -o '$W/tty2.fgt' '$W/pipe.txt'" /dev/null >"$W/tty2.out" 2>&1
		grep -q "\[====" "$W/tty2.out" && fail "import -q still shows a bar" || ok "import -q: no bar"
		grep -q "\[====" "$W/imp.out" && fail "a bar when stderr is not a terminal" || ok "no bar off a terminal"
	else
		echo "SKIP (part): no script(1) to give import a terminal"
	fi

	# strict numbers: exit 2, one line, nothing written
	for bad in "--page-size 4095" "--page-size 4k" "--page-size 0" "--page-size 2097152" \
		"--cpus 0" "--cpus 1x" "--cpus -1" "--cpus 65537" "--release" "--text --perf"; do
		# shellcheck disable=SC2086
		"$F" import $bad -o "$W/bad.fgt" "$W/pipe.txt" >/dev/null 2>"$W/bad.err"
		rc=$?
		[ $rc = 2 ] && [ ! -e "$W/bad.fgt" ] && ok "import $bad: usage error" ||
			fail "import $bad: exit $rc, $(cat "$W/bad.err")"
	done
	"$F" import -o "$W/none.fgt" /etc/hostname >/dev/null 2>"$W/none.err"
	[ $? = 1 ] && grep -q "no line is an event" "$W/none.err" && ok "a file that is no capture is refused" ||
		fail "non-capture input: $(cat "$W/none.err")"

	# perf script text (auto-detected), a lost line, a generic event
	{
		echo "# ========"
		echo "# os release : 6.18.0-perf"
		echo "# arch : x86_64"
		echo "# nrcpus avail : 3"
		echo "# total memory : 8000000 kB"
		echo "# ========"
		echo "#"
		for i in $(seq 0 99); do
			printf '   kworker/u8:2-ev %d [%03d] %d.%06d: kmem:mm_page_alloc: page=0x0 pfn=0x%x order=0 migratetype=0 gfp_flags=GFP_KERNEL\n' \
				77 $((i % 3)) 20 $((i * 100)) $((1048576 + 4096 + i))
		done
		echo '            perf 17062 [001]    20.010001: PERF_RECORD_LOST lost 25'
		echo '       Web Content 900 [000]    20.020000: kmem:rss_stat: mm_id=1 curr=1 type=MM_FILEPAGES size=4096B'
		echo '            perf 17062 [001]    20.030000:                    kmem:kfree: call_site=x+0x1 ptr=0xffff888100e4d120'
	} >"$W/perf.txt"
	"$F" import -o "$W/perf.fgt" "$W/perf.txt" >"$W/perf.out" 2>&1 || fail "import of perf text: $(cat "$W/perf.out")"
	"$F" info --json "$W/perf.fgt" >"$W/perf.json" 2>/dev/null || fail "info of the perf import"
	[ "$(json_field "$W/perf.json" kernel_release)" = 6.18.0-perf ] &&
		[ "$(json_field "$W/perf.json" cpu_count)" = 3 ] &&
		[ "$(json_field "$W/perf.json" page_size)" = 4096 ] &&
		ok "perf header: release, CPUs; x86_64 page size" || fail "perf header: $(cat "$W/perf.json")"
	python3 - "$W/perf.json" <<'EOF' && ok "perf events: 100 page allocs, a kfree, a generic kmem:rss_stat, 25 lost" || fail "perf events: $(cat "$W/perf.json")"
import json, sys
j = json.load(open(sys.argv[1]))
e = j["events_by_type"]
assert e["kmem:mm_page_alloc"] == 100, e
assert e["kmem:kfree"] == 1, e
assert e["kmem:rss_stat"] == 1, e
assert j["lost_events"] == 25 and j["lost_markers"] == 1, j
EOF
	"$F" import --perf -o "$W/perf2.fgt" "$W/perf.txt" >/dev/null 2>&1 || fail "import --perf"
	"$F" import --text -o "$W/perf3.fgt" "$W/perf.txt" >/dev/null 2>&1
	"$F" info --json "$W/perf3.fgt" 2>/dev/null | grep -q '"kmem:mm_page_alloc":0' &&
		ok "--text reads ftrace syntax only (perf lines are not its events)" || fail "--text on perf text"

	# replay without snapshots: the old error says what to give
	"$F" replay -q --db '' "$W/pipe.fgt" >/dev/null 2>"$W/nosnap.err"
	[ $? = 1 ] && grep -q -- "--mem SIZE or --layout ZONEINFO" "$W/nosnap.err" &&
		ok "no snapshots, no layout: the error names --mem and --layout" || fail "no-layout error: $(cat "$W/nosnap.err")"
	replay_ok mem8g "$W/pipe.fgt" --mem 8G
	replay_ok mem2n "$W/pipe.fgt" --mem 16G,2
	# a zoneinfo of the same host, as saved from /proc
	cat >"$W/zoneinfo" <<'EOF'
Node 0, zone      DMA
        min      10
        low      13
        spanned  4095
        present  3998
  start_pfn:           1
Node 0, zone    DMA32
        min      2115
        low      2887
        spanned  1044480
        present  782336
  start_pfn:           4096
Node 0, zone   Normal
        min      14769
        low      20163
        spanned  1310720
        present  1310720
  start_pfn:           1048576
EOF
	replay_ok layout "$W/pipe.fgt" --layout "$W/zoneinfo"
	grep -q "host: 8.0 GiB present" "$W/layout.out" && ok "--layout: 8 GiB present from the zoneinfo" ||
		fail "--layout host size: $(grep host: "$W/layout.out")"

	# the first pfn outside the layout is an error naming it; pfns in the PCI hole too
	"$F" replay -q --db '' --mem 1G "$W/pipe.fgt" >/dev/null 2>"$W/out.err"
	[ $? = 1 ] && grep -q "names pfn 1310720 (0x140000), outside the memory of --mem 1G" "$W/out.err" &&
		ok "--mem too small: the first pfn outside is named" || fail "outside error: $(cat "$W/out.err")"
	sed 's/pfn=0x140000 /pfn=0xc0000 /' "$W/pipe.txt" >"$W/hole.txt"
	"$F" import --text -o "$W/hole.fgt" "$W/hole.txt" >/dev/null 2>&1
	"$F" replay -q --db '' --mem 8G "$W/hole.fgt" >/dev/null 2>"$W/hole.err"
	[ $? = 1 ] && grep -q "names pfn 786432 " "$W/hole.err" &&
		ok "a pfn in the 3-4 GiB hole is outside the --mem layout" || fail "hole pfn: $(cat "$W/hole.err")"

	# bad values
	for bad in "--mem 100M" "--mem 8Q" "--mem 8G,0" "--mem 8G,17" "--mem 2G,4" "--mem 8G,x" \
		"--mem 8G --layout $W/zoneinfo" "--mem 8G --start warm"; do
		# shellcheck disable=SC2086
		"$F" replay -q --db '' $bad "$W/pipe.fgt" >/dev/null 2>"$W/bad.err"
		rc=$?
		[ $rc = 2 ] && ok "replay $bad: usage error" || fail "replay $bad: exit $rc, $(cat "$W/bad.err")"
	done
	"$F" replay -q --db '' --layout /etc/hostname "$W/pipe.fgt" >/dev/null 2>"$W/bad.err"
	[ $? = 1 ] && grep -q "no zone in it" "$W/bad.err" && ok "--layout of a non-zoneinfo: one clear line" ||
		fail "--layout non-zoneinfo: $(cat "$W/bad.err")"

	# a database made before traces.layout gains it; old rows read as captured
	sed -e '/^  layout  /,/^);/{/^);/!d}' -e 's/^\(  slab_events_dropped .*DEFAULT 0\),/\1/' \
		"$HERE/../schema.sql" | sqlite3 "$W/old.db" 2>"$W/old.err" ||
		fail "making an old database: $(cat "$W/old.err")"
	sqlite3 "$W/old.db" "INSERT INTO traces(path, file_bytes, events, duration_s, lost_events, lost_markers, complete_file) VALUES ('old', 0, 0, 0, 0, 0, 1)"
	if sqlite3 "$W/old.db" "SELECT layout FROM traces" >/dev/null 2>&1; then
		fail "the old database already has traces.layout"
	fi
	"$F" replay -q --db "$W/old.db" -V mainline --mem 8G "$W/pipe.fgt" >/dev/null 2>"$W/old.err" ||
		fail "replay into an old database: $(cat "$W/old.err")"
	[ "$(sqlite3 "$W/old.db" "SELECT group_concat(layout, '|') FROM traces ORDER BY id")" = "captured|supplied: --mem 8G,1" ] &&
		ok "an older database gains traces.layout" ||
		fail "old database layouts: $(sqlite3 "$W/old.db" "SELECT layout FROM traces")"
}

# Live: a real workload under trace-cmd and under perf.
WORKLOAD="mkdir -p $W/wl; for i in \$(seq 1 300); do echo x > $W/wl/f\$i; done; rm -rf $W/wl; ls -R /usr/share/doc > /dev/null; head -c 8000000 /dev/zero | cat > /dev/null"

# host_mem: a --mem that covers this host's pfns (its highest spanned pfn, less the 1 GiB
# PCI hole, rounded up to GiB).
host_mem() {
	awk '/spanned/ { s = $2 } /start_pfn/ { if ($2 + s > m) m = $2 + s } END {
		g = int((m * 4096 - 1073741824) / 1073741824) + 1; if (g < 1) g = 1; print g "G" }' /proc/zoneinfo
}

check_host() { # NAME TRACE
	"$F" info --json "$2" >"$W/$1.json" 2>/dev/null || { fail "$1: info"; return; }
	rel=$(json_field "$W/$1.json" kernel_release)
	ps=$(json_field "$W/$1.json" page_size)
	cpus=$(json_field "$W/$1.json" cpu_count)
	[ "$rel" = "$(uname -r)" ] && ok "$1: info shows the release $rel" || fail "$1: release '$rel', host $(uname -r)"
	[ "$ps" = "$(getconf PAGESIZE)" ] && ok "$1: page size $ps" || fail "$1: page size $ps"
	[ "$cpus" = "$(nproc --all)" ] || [ "$cpus" = "$(nproc)" ] && ok "$1: $cpus CPUs" || fail "$1: $cpus CPUs, host $(nproc --all)"
}

live() {
	[ "$(id -u)" = 0 ] || { echo "SKIP: foreign_live needs root to capture with trace-cmd and perf"; exit 77; }
	[ -w /sys/kernel/tracing/events/kmem/enable ] || { echo "SKIP: no writable tracefs at /sys/kernel/tracing"; exit 77; }
	have_tc=$(command -v trace-cmd)
	have_perf=
	perf list 'kmem:mm_page_alloc' 2>/dev/null | grep -q mm_page_alloc && have_perf=1
	[ -n "$have_tc$have_perf" ] || { echo "SKIP: neither trace-cmd nor perf (Debian linux-perf) is installed"; exit 77; }
	cp /proc/zoneinfo "$W/host.zoneinfo"
	MEM=$(host_mem)
	"$F" snapshot -o "$W/host.snap" >"$W/snap.out" 2>&1 || fail "fragtrace snapshot: $(cat "$W/snap.out")"
	"$F" info "$W/host.snap" | grep -q "start/pagemap" && ok "snapshot holds the start page map" ||
		fail "snapshot: $("$F" info "$W/host.snap" | tail -5)"

	if [ -n "$have_tc" ]; then
		# trace-cmd -b leaves the top buffer's size changed: put it back after
		bufkb=$(sed 's/[^0-9].*//' /sys/kernel/tracing/buffer_size_kb)
		(cd "$W" && "$HERE/tc_wrap.sh" record -q -b 8192 -e kmem:mm_page_alloc -e kmem:mm_page_free \
			-e kmem:mm_page_free_batched -e kmem:kmem_cache_alloc -e kmem:kmem_cache_free \
			-e kmem:kmalloc -e kmem:kfree -o "$W/tc.dat" sh -c "$WORKLOAD" >"$W/tc.out" 2>&1) ||
			fail "trace-cmd record: $(tail -3 "$W/tc.out")"
		[ -n "$bufkb" ] && echo "$bufkb" >/sys/kernel/tracing/buffer_size_kb
		"$F" import -o "$W/tc.fgt" "$W/tc.dat" >"$W/tci.out" 2>&1 || fail "import trace.dat: $(cat "$W/tci.out")"
		check_host trace-cmd "$W/tc.fgt"
		[ "$(json_field "$W/trace-cmd.json" trace_clock)" = "$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/tracing/trace_clock)" ] &&
			ok "trace-cmd: the trace clock in use" || fail "trace-cmd clock: $(json_field "$W/trace-cmd.json" trace_clock)"
		replay_ok tc-mem "$W/tc.fgt" --mem "$MEM"
		replay_ok tc-layout "$W/tc.fgt" --layout "$W/host.zoneinfo"
		"$F" import --snapshots "$W/host.snap" -o "$W/tcs.fgt" "$W/tc.dat" >"$W/tcs.out" 2>&1 ||
			fail "import --snapshots: $(cat "$W/tcs.out")"
		if "$F" replay -q --db "$W/tcs.db" -V spb "$W/tcs.fgt" >"$W/tcs.rep" 2>&1; then
			grep -qE "(warm|auto) start" "$W/tcs.rep" &&
				[ "$(sqlite3 "$W/tcs.db" "SELECT mode FROM variant_start")" = placed ] &&
				[ "$(sqlite3 "$W/tcs.db" "SELECT layout FROM traces")" = captured ] &&
				ok "import --snapshots: started from the snapshot (placed) on the captured layout" ||
				fail "import --snapshots replay: $(head -4 "$W/tcs.rep")"
		else
			fail "replay of import --snapshots: $(cat "$W/tcs.rep")"
		fi
	else
		echo "SKIP (part): trace-cmd is not installed"
	fi

	if [ -n "$have_perf" ]; then
		perf record -q -e 'kmem:*' -a -o "$W/perf.data" -- sh -c "$WORKLOAD" >"$W/pr.out" 2>&1 ||
			fail "perf record: $(tail -3 "$W/pr.out")"
		perf script --header -I --show-lost-events -i "$W/perf.data" >"$W/perf.txt" 2>"$W/ps.err" ||
			fail "perf script: $(tail -3 "$W/ps.err")"
		rm -f "$W/perf.data"
		"$F" import -o "$W/perf.fgt" "$W/perf.txt" >"$W/pi.out" 2>&1 || fail "import perf script: $(cat "$W/pi.out")"
		check_host perf "$W/perf.fgt"
		want=$(grep -c ' kmem:mm_page_alloc: ' "$W/perf.txt")
		got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events_by_type"].get("kmem:mm_page_alloc", 0))' "$W/perf.json")
		[ "$want" -gt 0 ] && [ "$got" = "$want" ] && ok "perf: $got mm_page_alloc, as perf script printed" ||
			fail "perf: $got mm_page_alloc imported, perf script printed $want"
		replay_ok perf-mem "$W/perf.fgt" --mem "$MEM"
		replay_ok perf-layout "$W/perf.fgt" --layout "$W/host.zoneinfo"
	else
		echo "SKIP (part): perf is not installed (Debian linux-perf) or has no kmem events"
	fi
}

case $MODE in
offline) offline ;;
live) live ;;
*) echo "usage: foreign_test.sh FRAGTRACE offline|live"; exit 2 ;;
esac
finish "foreign_test $MODE"
