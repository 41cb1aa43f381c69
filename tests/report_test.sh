#!/bin/bash
# report_test.sh - `fragtrace report` on a database built from a bundled trace: the terminal
# table, the views, CSV, the HTML report (well-formed, one series per variant in each chart, one
# map per variant with one cell per region, rendered by headless Chromium to a PNG that is not
# blank), the Perfetto JSON (parses, names every variant), and errors.
# usage: report_test.sh FRAGTRACE TRACES_DIR
. "$(dirname "$0")/lib.sh"
command -v sqlite3 > /dev/null || { echo "SKIP: sqlite3 is not installed"; exit 77; }

DB=$W/r.db
"$F" replay -q --db "$DB" -V mainline -V spb -V spb+all "$D/metadata-walk.fgt" > /dev/null ||
	fail "replay metadata-walk"
"$F" replay -q --db "$DB" --start cold -V mainline -V spb+all "$D/pagecache-anon.fgt" > /dev/null ||
	fail "replay pagecache-anon"

"$F" report "$DB" > "$W/out" 2> "$W/err" || fail "report: $(cat "$W/err")"
grep -q "metadata-walk.fgt (run 1" "$W/out" && grep -q "pagecache-anon.fgt (run 2" "$W/out" &&
	[ "$(grep -c '^  spb+all ' "$W/out")" = 2 ] && ok "tables for both traces" ||
	fail "report tables: $(cat "$W/out")"
"$F" report --run 2 "$DB" | grep -q "metadata-walk" && fail "--run 2 printed run 1" || ok "--run selects"

[ "$(sqlite3 "$DB" 'SELECT count(*) FROM variant_comparison')" = 5 ] &&
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM equilibrium_by_variant')" = 5 ] &&
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM data_loss_summary')" = 5 ] &&
	[ "$(sqlite3 "$DB" "SELECT variant FROM trigger_effectiveness WHERE run_id = 1")" = "spb+all" ] &&
	ok "views" || fail "views"

"$F" report -q --csv "$W/csv" "$DB" || fail "csv"
n=$(sqlite3 "$DB" 'SELECT count(*) FROM samples')
[ "$(($(wc -l < "$W/csv/samples.csv") - 1))" = "$n" ] && head -1 "$W/csv/variants.csv" | grep -q "final_tainted" &&
	ok "csv: $n samples" || fail "csv rows"

"$F" report -q --html "$W/r.html" --perfetto "$W/r.json" "$DB" || fail "html/perfetto"
python3 - "$W/r.html" "$DB" << 'EOF' && ok "HTML well-formed, one series per variant, maps complete" || fail "HTML structure"
import sqlite3, sys, xml.etree.ElementTree as ET
ns = {"h": "http://www.w3.org/1999/xhtml", "s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
db = sqlite3.connect(sys.argv[2])
runs = [r[0] for r in db.execute("SELECT id FROM runs WHERE complete = 1 ORDER BY id")]
sections = root.findall(".//h:section", ns)
assert len(sections) == len(runs), (len(sections), runs)
for run in runs:
    names = [r[0] for r in db.execute(
        "SELECT name FROM variants WHERE run_id = ? ORDER BY position", (run,))]
    for chart in ("tainted-%d" % run, "slab-%d" % run):
        svg = root.find(".//s:svg[@id='%s']" % chart, ns)
        assert svg is not None, chart
        series = [p.get("data-variant") for p in svg.findall("s:polyline", ns)]
        assert series == names, (chart, series, names)
        for p in svg.findall("s:polyline", ns):
            assert len(p.get("points").split()) >= 20, chart
    for name, spbs in db.execute("SELECT name, spbs FROM variants WHERE run_id = ?", (run,)):
        maps = [m for m in root.iter("{http://www.w3.org/2000/svg}svg")
                if m.get("class") == "spbmap" and m.get("data-variant") == name]
        assert maps, name
        cells = [c for m in maps for c in m.iter("{http://www.w3.org/2000/svg}rect")]
        assert len(cells) >= spbs, (name, len(cells), spbs)
EOF
python3 - "$W/r.json" "$DB" << 'EOF' && ok "Perfetto JSON parses and names every variant" || fail "Perfetto JSON"
import json, sqlite3, sys
trace = json.load(open(sys.argv[1]))
events = trace["traceEvents"]
counters = [e for e in events if e["ph"] == "C"]
assert counters and all("ts" in e and "value" in e["args"] for e in counters)
tracks = {e["name"] for e in counters}
db = sqlite3.connect(sys.argv[2])
for (name,) in db.execute("SELECT name FROM variants"):
    assert name + ": tainted SPBs" in tracks, name
procs = [e for e in events if e["ph"] == "M" and e["name"] == "process_name"]
assert len(procs) == 2
EOF

# Baseline and verdict read back: spb by default, --baseline, a note when the run has no spb.
diffcol() { grep "^  $1 " "$2" | head -1 | cut -c54-58 | tr -d ' '; }
"$F" report --run 1 "$DB" > "$W/t1"
[ "$(diffcol spb "$W/t1")" = "-" ] && [ "$(diffcol mainline "$W/t1")" != "-" ] &&
	[ "$(grep -c '^  verdict: ' "$W/t1")" = 1 ] && ok "report: diff against spb, one verdict" ||
	fail "report baseline: $(cat "$W/t1")"
"$F" report --run 1 --baseline mainline "$DB" > "$W/t1"
[ "$(diffcol mainline "$W/t1")" = "-" ] && [ "$(diffcol spb "$W/t1")" != "-" ] &&
	ok "report --baseline mainline" || fail "report --baseline: $(cat "$W/t1")"
"$F" report --run 2 "$DB" | grep -q "^  note: the baseline 'spb' is not in this run; diff is against mainline" &&
	ok "report: a note when the baseline is missing" || fail "missing-baseline note"
grep -q '<p class="verdict">verdict: ' "$W/r.html" && ok "HTML has the verdict" || fail "HTML verdict"
# Identical series stay visible: distinct dashes and a note naming them.
"$F" synth --workload mixed --mem 512M --duration 2 -o "$W/syn.fgt" > /dev/null || fail "synth"
"$F" replay -q --db "$W/o.db" -V mainline -V mainline "$W/syn.fgt" > /dev/null || fail "replay twice mainline"
"$F" report -q --html "$W/o.html" "$W/o.db" || fail "overlap html"
python3 - "$W/o.html" << 'EOF' && ok "overlapping lines: distinct dashes and a note" || fail "overlap"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
S = "{http://www.w3.org/2000/svg}"
H = "{http://www.w3.org/1999/xhtml}"
for svg in root.iter(S + "svg"):
    if svg.get("class") != "chart":
        continue
    dashes = [p.get("stroke-dasharray") for p in svg.iter(S + "polyline")]
    assert len(dashes) == 2 and len(set(dashes)) == 2, dashes
notes = [p.text for p in root.iter(H + "p") if p.get("class") == "overlap"]
assert len(notes) == 2 and all("lines overlap: mainline, mainline" in n for n in notes), notes
verdict = [p.text for p in root.iter(H + "p") if p.get("class") in ("verdict", "note")]
assert verdict and "no trigger fired and memory never ran short" in verdict[-1], verdict
EOF

# Rendered by a real browser: the PNG must not be blank.
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
	echo "SKIP: chromium is not installed (make test installs it as root: apt-get install chromium)"
else
	shot() {
		(cd "$W" && timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu \
			--hide-scrollbars --window-size=1100,1600 --screenshot="$2" "file://$1" \
			> /dev/null 2>&1)
	}
	echo '<html><body></body></html>' > "$W/blank.html"
	shot "$W/r.html" "$W/r.png"
	shot "$W/blank.html" "$W/blank.png"
	python3 - "$W/r.png" "$W/blank.png" << 'EOF' && ok "Chromium renders the report (non-blank PNG)" || fail "rendering"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, width = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        width, height = struct.unpack(">II", body[:8])
    if kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
assert width >= 1000 and height >= 1000, (width, height)
# a blank page compresses to almost nothing and has a handful of byte values; a page of tables,
# charts and maps has many, and compresses far less well than the same page left blank
blank = open(sys.argv[2], "rb").read()
distinct = len(set(raw))
print("png %dx%d: %d bytes (blank page %d), %d distinct byte values"
      % (width, height, len(data), len(blank), distinct))
assert distinct > 50 and len(data) > 3 * len(blank)
EOF
fi

# Hostile strings: from a trace (header, addresses line, path) and from a database edited by hand.
MKH=${3:-}
if [ -z "$MKH" ]; then
	echo "SKIP: hostile-input checks need mkhostile (the third argument)"
else
	HT="$W/a<script>\"'b.fgt"
	"$F" synth -q --workload mixed --mem 512M --duration 2 -o "$W/s.fgt" > /dev/null 2>&1 ||
		"$F" synth --workload mixed --mem 512M --duration 2 -o "$W/s.fgt" > /dev/null ||
		fail "synth for the hostile trace"
	"$MKH" "$W/s.fgt" "$HT" || fail "mkhostile"
	"$F" replay -q --db "$W/h.db" -V mainline -V spb "$HT" > "$W/h.table" 2> "$W/err" ||
		fail "replay of the hostile trace: $(cat "$W/err")"
	cp "$DB" "$W/h2.db"
	EV="'<script>alert(5)</script>\"><svg onload=alert(6)>]]>' || char(27) || '[31m' || char(1) || CAST(x'ff' AS TEXT)"
	sqlite3 "$W/h2.db" "UPDATE variants SET name = name || $EV;
		UPDATE traces SET arch = $EV, kernel = $EV, addresses = $EV, path = path || $EV;
		UPDATE runs SET started_at = $EV, start_mode = $EV;
		UPDATE equilibrium SET reached = 0, reason = $EV;
		UPDATE spb_final SET class = '\"><script>x</script>' WHERE region = 0;
		UPDATE counters SET name = '=HYPERLINK(1)' || $EV WHERE name = 'pgalloc_normal';
		UPDATE counters SET name = '@SUM(1)' || name WHERE name = 'slab_pages_allocated';" ||
		fail "editing the database"
	for db in "$W/h.db" "$W/h2.db"; do
		rm -rf "$W/hc"
		"$F" report "$db" > "$W/h.txt" 2>&1 &&
			"$F" report -q --html "$W/h.html" --perfetto "$W/h.json" --csv "$W/hc" "$db" ||
			fail "report on $db"
		python3 - "$W/h.html" "$W/h.json" "$W/hc" "$W/h.txt" << 'EOF2' && ok "$(basename "$db"): hostile strings escaped in HTML, JSON, CSV, table" || fail "hostile strings in $db's report"
import csv, glob, json, sys, xml.etree.ElementTree as ET
html_path, json_path, csv_dir, txt = sys.argv[1:]
raw = open(html_path, "rb").read()
raw.decode("utf-8")                      # strict: no invalid UTF-8 got through
assert b"\x1b" not in raw and b"\x01" not in raw and b"\x07" not in raw
root = ET.parse(html_path).getroot()     # well-formed XML
tags = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "section",
        "table", "thead", "tbody", "tr", "th", "td", "div", "span", "svg", "rect", "line",
        "text", "polyline"}
attrs = {"xmlns", "lang", "charset", "class", "id", "width", "height", "viewBox", "x", "y",
         "x1", "y1", "x2", "y2", "text-anchor", "transform", "data-variant", "stroke", "points",
         "fill-opacity", "stroke-dasharray", "title"}
found = set()
for el in root.iter():
    tag = el.tag.split("}")[-1]
    assert tag in tags, "element %r" % tag
    for a in el.attrib:
        assert a.split("}")[-1] in attrs and not a.lower().startswith("on"), "attribute %r" % a
    if el.get("class"):
        for c in el.get("class").split():
            assert c.isidentifier() or c.replace("-", "").isalnum(), "class %r" % c
    found.add("".join(el.itertext()))
text = "\n".join(found)
assert "<script>alert(" in text, "the hostile text is shown, escaped"
assert b"&lt;script&gt;alert(" in raw
t = json.load(open(json_path))
jraw = open(json_path, "rb").read()
jraw.decode("utf-8")
assert b"<" not in jraw and b"\x1b" not in jraw, "JSON escapes < and control characters"
names = " ".join(e["name"] for e in t["traceEvents"]) + " ".join(
    e["args"].get("name", "") for e in t["traceEvents"] if e["ph"] == "M")
assert "<script>" in names
for f in glob.glob(csv_dir + "/*.csv"):
    data = open(f, "rb").read()
    data.decode("utf-8")
    for row in csv.reader(open(f, newline="")):
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@"):
                float(cell)              # only numbers may start like a formula
t = open(txt, "rb").read()
assert b"\x1b" not in t and b"\x01" not in t, "terminal table escapes control characters"
EOF2
	done
	grep -q $'\x1b' "$W/h.table" && fail "replay's table prints a raw escape" || ok "replay's table escapes"
fi

# Errors: one line naming the file, exit 1; bad usage exit 2.
"$F" report "$W/nonexistent.db" 2> "$W/err"
[ $? = 1 ] && grep -q "nonexistent.db" "$W/err" && ok "missing database" || fail "missing database"
echo "not a database" > "$W/junk.db"
"$F" report "$W/junk.db" 2> "$W/err"
[ $? = 1 ] && grep -q "junk.db" "$W/err" && [ "$(wc -l < "$W/err")" = 1 ] && ok "not a database" ||
	fail "junk database: $(cat "$W/err")"
"$F" report --run 99 "$DB" 2> "$W/err"
[ $? = 1 ] && grep -q "no run 99" "$W/err" && ok "unknown run" || fail "unknown run"
"$F" report --run x "$DB" 2> /dev/null
[ $? = 2 ] && ok "bad --run is a usage error" || fail "bad --run"
"$F" report 2> /dev/null
[ $? = 2 ] || fail "report without a database"

finish report_test
