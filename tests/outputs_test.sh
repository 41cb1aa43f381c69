#!/bin/bash
# outputs_test.sh - no command destroys a user's file (issue 17): an output that is one of the
# command's inputs is refused, symlinks, device nodes and directories at an output's name are
# never written through or replaced, a foreign SQLite file is not turned into a results
# database, a read-only database is reported, and an interrupted write leaves the previous
# file and no temporary behind.
# usage: outputs_test.sh FRAGTRACE
. "$(dirname "$0")/lib.sh"

sum() { cksum < "$1"; }
# expect_refused WHAT FILE CMD...: CMD exits 1 with one "fragtrace: " line, FILE is unchanged.
expect_refused() {
	local what=$1 file=$2 before
	shift 2
	before=$(sum "$file")
	"$@" > "$W/out" 2> "$W/err"
	local rc=$?
	if [ $rc = 1 ] && [ "$(sum "$file")" = "$before" ] && grep -q "^fragtrace: " "$W/err"; then
		ok "$what: refused ($(grep '^fragtrace: ' "$W/err" | head -1))"
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

finish outputs
