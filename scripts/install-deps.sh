#!/bin/sh
# Install the Debian packages fragtrace needs to build (and, with --test, to test), when they
# are missing. As root with apt-get: installs them. Otherwise: prints the exact command and fails.
# usage: install-deps.sh [--test]
set -e
PKGS="cmake make pkg-config libtracefs-dev libtraceevent-dev libtracecmd-dev libzstd-dev \
libsqlite3-dev"
# the tests: clang for ASan/UBSan and libFuzzer, the sqlite3 shell and python3 to check results,
# trace-cmd, linux-perf and zstd for the import and format tests, chromium to render the HTML
# report, slurm-wlm and munge for the single-node Slurm cluster of the fleet test
[ "${1:-}" = --test ] && PKGS="$PKGS sqlite3 python3 clang libclang-rt-14-dev zstd trace-cmd bc \
chromium linux-perf slurm-wlm munge"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "fragtrace: installing missing packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null
	exit 0
fi
echo "fragtrace: missing packages:$missing" >&2
echo "fragtrace: run: sudo apt-get install -y$missing" >&2
exit 1
