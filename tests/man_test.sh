#!/bin/sh
# man_test.sh FRAGTRACE SRCDIR BUILDDIR CMAKE - the man pages against the program, and the install
# rules. The commands come from `fragtrace --help` and the options from each `fragtrace SUB --help`,
# so a new subcommand or option without its page or its entry fails here. Then `cmake --install`
# of the build into a scratch DESTDIR must put the binary, schema.sql and every page in place.
. "$(dirname "$0")/lib.sh"
S=$2 B=$3 CMAKE=${4:-cmake}
M=$S/docs/man

# The page as plain text: font escapes dropped, \- as -.
page_text() { sed -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\-/-/g' -e 's/\\&//g' "$1"; }

# Every option a help text shows: --long, and -x when a lone letter (not -SYSTEM:EVENT).
help_options() {
	grep -oE -- '(^|[][ ,|(])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[][ ,|(]//' |
		grep -E -- '^(--[A-Za-z]|-[A-Za-z]$)' | sort -u
}

has_option() { # FILE OPTION
	page_text "$1" | grep -qE -- "(^|[^A-Za-z0-9-])$2([^A-Za-z0-9-]|\$)"
}

check_page() { # PAGE HELPTEXTFILE WHAT
	[ -f "$1" ] || { fail "$3: no man page $1"; return; }
	n=0
	for o in $(help_options <"$2"); do
		n=$((n + 1))
		has_option "$1" "$o" || fail "$3: '$o' from --help is not in $(basename "$1")"
	done
	[ $n -gt 0 ] || fail "$3: no options found in --help"
	if command -v groff >/dev/null; then
		w=$(groff -man -ww -z "$1" 2>&1)
		[ -z "$w" ] || fail "$(basename "$1"): groff warns: $w"
	fi
}

"$F" --help >"$W/help" || fail "fragtrace --help exits non-zero"
cmds=$(sed -n '/^Commands:/,/^$/s/^ \{1,\}\([a-z][a-z-]*\) .*/\1/p' "$W/help")
[ "$(echo "$cmds" | wc -w)" -ge 9 ] || fail "fewer than 9 commands in fragtrace --help: $cmds"
check_page "$M/fragtrace.1" "$W/help" "fragtrace"
for c in $cmds; do
	page_text "$M/fragtrace.1" | grep -q "^\.B $c\$" || fail "fragtrace.1 does not list '$c'"
	"$F" "$c" --help >"$W/help.$c" 2>&1 || fail "fragtrace $c --help exits non-zero"
	check_page "$M/fragtrace-$c.1" "$W/help.$c" "fragtrace $c"
	grep -q "fragtrace\\\\-$c (1)" "$M/fragtrace.1" || fail "fragtrace.1 does not refer to fragtrace-$c(1)"
done
for p in "$M"/fragtrace-*.1; do
	c=$(basename "$p" .1 | sed 's/^fragtrace-//')
	echo "$cmds" | grep -qx "$c" || fail "$(basename "$p") documents '$c', not a command"
done
ok "man pages cover every command and option of --help ($(echo $cmds | wc -w) commands)"

# The install rules, into a scratch root.
R=$W/root
if DESTDIR=$R "$CMAKE" --install "$B" --prefix /usr >"$W/install.log" 2>&1; then
	for f in bin/fragtrace share/fragtrace/schema.sql share/man/man1/fragtrace.1; do
		[ -f "$R/usr/$f" ] || fail "cmake --install did not install $f"
	done
	for c in $cmds; do
		[ -f "$R/usr/share/man/man1/fragtrace-$c.1" ] ||
			fail "cmake --install did not install fragtrace-$c.1"
	done
	cmp -s "$S/schema.sql" "$R/usr/share/fragtrace/schema.sql" || fail "installed schema.sql differs"
	"$R/usr/bin/fragtrace" --version | grep -q '^fragtrace ' || fail "installed fragtrace does not run"
	ok "cmake --install puts the binary, schema.sql and $(ls "$R/usr/share/man/man1" | wc -l) man pages in place"
else
	fail "cmake --install failed: $(cat "$W/install.log")"
fi
finish man
