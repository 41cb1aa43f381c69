# lib.sh - what the shell tests share: FRAGTRACE and TRACES_DIR from the arguments, a scratch
# directory removed on exit, and ok/fail counting. Source it; end with `finish NAME`.
set -u
F=$1
D=${2:-}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
passes=0
# ok [WHAT]: a check passed (printed when WHAT is given)
ok() {
	passes=$((passes + 1))
	[ $# = 0 ] || echo "ok: $*"
}
finish() {
	[ $fails = 0 ] && echo "$1: all $passes checks pass" && exit 0
	echo "$1: $fails failures"
	exit 1
}
