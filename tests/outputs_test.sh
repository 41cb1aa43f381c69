#!/bin/bash
# outputs_test.sh - no command destroys a user's file (issue 17): an output that is one of the
# command's inputs is refused, symlinks, device nodes and directories at an output's name are
# never written through or replaced, a foreign SQLite file is not turned into a results
# database, a read-only database is reported, and an interrupted write leaves the previous
# file and no temporary behind.
# usage: outputs_test.sh FRAGTRACE [NO_TMPFILE_PRELOAD]
. "$(dirname "$0")/lib.sh"

sum() { cksum < "$1"; }
# expect_refused WHAT FILE CMD...: CMD exits 1 with one "fragtrace: " line, FILE is unchanged.
expect_refused() {
	local what=$1 file=$2 before
	shift 2
	before=$(sum "$file")
	"$@" > "$W/out" 2> "$W/err"
	local rc=$?
	if [ $rc = 1 ] && [ "$(sum "$file")" = "$before" ] && grep -q "^fragtrace[ a-z]*: " "$W/err"; then
		ok "$what: refused ($(grep '^fragtrace[ a-z]*: ' "$W/err" | tail -1))"
	else
		fail "$what: exit $rc, $file $([ "$(sum "$file")" = "$before" ] && echo unchanged || echo CHANGED): $(cat "$W/err")"
	fi
}
events() { "$F" info "$1" 2> /dev/null | sed -n 's/^ *events: *\([0-9,]*\).*/\1/p' | head -1; }

"$F" synth --workload slab-growth --mem 256M --duration 2 -o "$W/s.fgt" > /dev/null ||
	fail "synth"
"$F" replay -q --db "$W/pristine.db" -V mainline "$W/s.fgt" > /dev/null || fail "replay"
DB=$W/r.db
fresh_db() { rm -f "$DB"* && cp "$W/pristine.db" "$DB"; }

# Defect 1: report exports onto the database they read.
fresh_db
expect_refused "report --html DB" "$DB" "$F" report -q --html "$DB" "$DB"
fresh_db
expect_refused "report --perfetto DB" "$DB" "$F" report -q --perfetto "$DB" "$DB"
fresh_db
ln "$DB" "$W/hard.db"
expect_refused "report --html through a hard link" "$DB" "$F" report -q --html "$W/hard.db" "$DB"
fresh_db
ln -s r.db "$W/sym.db"
expect_refused "report --html through a symlink" "$DB" "$F" report -q --html "$W/sym.db" "$DB"
mkdir "$W/csv" && cp "$W/pristine.db" "$W/csv/variants.csv"
expect_refused "report --csv into the database's directory" "$W/csv/variants.csv" \
	"$F" report -q --csv "$W/csv" "$W/csv/variants.csv"
"$F" report -q --html "$W/r.html" "$W/pristine.db" && grep -q "</html>" "$W/r.html" && ok "report --html still works" ||
	fail "report --html to a new file"
chmod 640 "$W/r.html"
"$F" report -q --html "$W/r.html" "$W/pristine.db" && [ "$(stat -c %a "$W/r.html")" = 640 ] &&
	ok "a replaced file keeps its mode" || fail "mode after replacing: $(stat -c %a "$W/r.html")"

# Defect 2: import onto its own input (directly, through a hard link, from standard input).
fresh_txt() { rm -f "$W/x.txt" && cp "$(dirname "$0")/fuzz_text_seeds/report.txt" "$W/x.txt"; }
fresh_txt
expect_refused "import --text -o X X" "$W/x.txt" "$F" import --text -o "$W/x.txt" "$W/x.txt"
fresh_txt
ln "$W/x.txt" "$W/x-link.txt"
expect_refused "import --text through a hard link" "$W/x.txt" \
	"$F" import --text -o "$W/x-link.txt" "$W/x.txt"
fresh_txt
expect_refused "import --text -o X - < X" "$W/x.txt" \
	sh -c '"$1" import --text -o "$2" - < "$2"' sh "$F" "$W/x.txt"
fresh_txt
"$F" import --text -o "$W/x.fgt" "$W/x.txt" > /dev/null && [ "$(events "$W/x.fgt")" != 0 ] &&
	ok "import --text to a new file" || fail "import --text to a new file"

# Defect 4: recover never writes through a symlink, never replaces a device node, and its
# temporary never collides with the input.
n_s=$(events "$W/s.fgt")
echo "unrelated" > "$W/victim"
vsum=$(sum "$W/victim")
cp "$W/s.fgt" "$W/rec.fgt"
ln -s victim "$W/rec.fgt.recover"
ln -s victim "$W/out.fgt.recover"
"$F" recover "$W/rec.fgt" > /dev/null 2> "$W/err" && [ "$(events "$W/rec.fgt")" = "$n_s" ] &&
	[ "$(sum "$W/victim")" = "$vsum" ] && [ -L "$W/rec.fgt.recover" ] &&
	ok "recover FILE with a symlink at FILE.recover: victim untouched" ||
	fail "recover FILE with a symlink planted: $(cat "$W/err")"
"$F" recover -o "$W/out.fgt" "$W/rec.fgt" > /dev/null 2> "$W/err" &&
	[ "$(events "$W/out.fgt")" = "$n_s" ] && [ "$(sum "$W/victim")" = "$vsum" ] &&
	ok "recover -o OUT with a symlink at OUT.recover: victim untouched" ||
	fail "recover -o OUT with a symlink planted: $(cat "$W/err")"
ln -s victim "$W/link.fgt"
expect_refused "recover -o SYMLINK" "$W/victim" "$F" recover -o "$W/link.fgt" "$W/rec.fgt"
[ -L "$W/link.fgt" ] || fail "recover replaced the symlink"
ln "$W/rec.fgt" "$W/rec-hard.fgt"
expect_refused "recover -o HARDLINK-OF-INPUT" "$W/rec.fgt" \
	"$F" recover -o "$W/rec-hard.fgt" "$W/rec.fgt"
if [ "$(id -u)" = 0 ]; then
	mknod "$W/full" c 1 7
	expect_refused "recover -o a device node" "$W/victim" "$F" recover -o "$W/full" "$W/rec.fgt"
	[ -c "$W/full" ] && ok "the device node is still a character device" ||
		fail "recover replaced the device node"
else
	echo "skip: recover -o a device node needs root (mknod)"
fi
mkfifo "$W/fifo"
expect_refused "recover -o a FIFO" "$W/victim" "$F" recover -o "$W/fifo" "$W/rec.fgt"
[ -p "$W/fifo" ] || fail "recover replaced the FIFO"
mkdir "$W/adir"
expect_refused "recover -o a directory" "$W/victim" "$F" recover -o "$W/adir" "$W/rec.fgt"
ls "$W" | grep -q '^\.fragtrace-' && fail "temporaries left: $(ls -a "$W")" ||
	ok "no temporary left behind"

# A 4095-character path (PATH_MAX - 1): no truncation can make the temporary the input.
long=$W
while [ $((4095 - ${#long})) -gt 230 ]; do
	long=$long/$(printf 'd%.0s' $(seq 200))
done
mkdir -p "$long"
long=$long/$(printf 'f%.0s' $(seq $((4095 - ${#long} - 1))))
cp "$W/s.fgt" "$long"
[ ${#long} = 4095 ] || fail "test setup: path of ${#long} characters"
"$F" recover "$long" > /dev/null 2> "$W/err" && [ "$(events "$long")" = "$n_s" ] &&
	ok "recover on a 4095-character path keeps its $n_s events" ||
	fail "recover on a 4095-character path: $(events "$long") events: $(cut -c1-200 "$W/err")"

# Defect 11: replay --db on an SQLite file that is not fragtrace's leaves it byte for byte.
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE notes(t TEXT)"); c.execute("INSERT INTO notes VALUES (1)"); c.commit()' "$W/foreign.db"
expect_refused "replay --db on a foreign SQLite file" "$W/foreign.db" \
	"$F" replay -q --db "$W/foreign.db" -V mainline "$W/s.fgt"
[ ! -e "$W/foreign.db-wal" ] && [ "$(head -c 20 "$W/foreign.db" | tail -c 2 | od -An -tu1 | tr -d ' ')" = 11 ] &&
	ok "no -wal, still a rollback-journal database" || fail "the foreign database was switched to WAL"
"$F" replay -q --db "$W/new.db" -V mainline "$W/s.fgt" > /dev/null &&
	"$F" replay -q --db "$W/new.db" -V mainline "$W/s.fgt" > /dev/null &&
	[ "$("$F" report -a "$W/new.db" | grep -c 's.fgt (run')" = 2 ] &&
	ok "a new database is created, then added to" || fail "replay into a new database"
: > "$W/empty.db"
"$F" replay -q --db "$W/empty.db" -V mainline "$W/s.fgt" > /dev/null && ok "an empty file becomes a database" ||
	fail "replay into an empty file"

# ... and report reads a database on a read-only mount.
if [ "$(id -u)" = 0 ] && mkdir "$W/ro" && mount -t tmpfs -o size=16m tmpfs "$W/ro" 2> /dev/null; then
	trap 'umount "$W/ro" 2> /dev/null; rm -rf "$W"' EXIT
	cp "$W/pristine.db" "$W/ro/r.db" && mount -o remount,ro "$W/ro"
	"$F" report "$W/ro/r.db" > "$W/out" 2> "$W/err" && grep -q "mainline" "$W/out" &&
		ok "report on a read-only mount" || fail "report on a read-only mount: $(cat "$W/err")"
	umount "$W/ro"
else
	echo "skip: report on a read-only mount needs root and a tmpfs mount"
fi

# SIGTERM in the middle of a long write (synth) leaves the previous file whole and no temporary.
# sigterm_test DIR [env...]: once with unnamed temporaries, once with the named fallback.
sigterm_test() {
	local dir=$1 what=$2 seen=$3 before pid rc
	shift 3
	mkdir "$dir" && cp "$W/s.fgt" "$dir/out.fgt"
	before=$(sum "$dir/out.fgt")
	env "$@" "$F" synth --workload mixed --mem 16G --duration 3600 -o "$dir/out.fgt" > /dev/null 2>&1 &
	pid=$!
	# Wait (bounded, not timed) until it holds a file in the directory open for writing.
	for _ in $(seq 2000); do
		ls -l /proc/$pid/fd 2> /dev/null | grep -q "$dir/$seen" && break
		kill -0 $pid 2> /dev/null || break
		sleep 0.01
	done
	ls -l /proc/$pid/fd 2> /dev/null | grep -q "$dir/$seen" ||
		fail "SIGTERM during synth ($what): never saw $dir/$seen* open"
	kill -TERM $pid 2> /dev/null
	wait $pid
	rc=$?
	[ $rc = 143 ] && [ "$(sum "$dir/out.fgt")" = "$before" ] && [ "$(ls -A "$dir")" = out.fgt ] &&
		ok "SIGTERM during synth ($what): previous file intact, no temporary" ||
		fail "SIGTERM during synth ($what): exit $rc, $(ls -A "$dir" | tr '\n' ' ')"
}
sigterm_test "$W/sig" "unnamed temporary" "#"
if [ -n "${2:-}" ]; then
	nt="LD_PRELOAD=$2 ASAN_OPTIONS=verify_asan_link_order=0"
	sigterm_test "$W/sig2" "named temporary" ".fragtrace-" $nt
	mkdir "$W/nt" && cp "$W/s.fgt" "$W/nt/out.fgt"
	env $nt "$F" synth --workload slab-growth --mem 256M --duration 1 -o "$W/nt/out.fgt" > /dev/null &&
		[ "$(ls -A "$W/nt")" = out.fgt ] && [ "$(events "$W/nt/out.fgt")" != "$n_s" ] &&
		ok "named temporary renamed into place" || fail "named temporary: $(ls -A "$W/nt")"
	ln -s ../victim "$W/nt/link.fgt"
	expect_refused "named temporary: recover -o SYMLINK" "$W/victim" \
		env $nt "$F" recover -o "$W/nt/link.fgt" "$W/s.fgt"
fi

# record writes in place (docs/capture.md) but never through a symlink.
if [ "$(id -u)" = 0 ] && [ -d /sys/kernel/tracing/events/kmem ]; then
	ln -s victim "$W/rec-link.fgt"
	expect_refused "record -o SYMLINK" "$W/victim" "$F" record -q -o "$W/rec-link.fgt" --duration 1
	[ -L "$W/rec-link.fgt" ] || fail "record replaced the symlink"
else
	echo "skip: record -o SYMLINK needs root and tracefs"
fi

finish outputs
