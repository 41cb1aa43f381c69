#!/bin/sh
# symbols_test.sh FRAGTRACE LIBDIR [NM] - private stays private. The model and replay libraries
# export only their prefixed API (model_*, slab_*; replay_*): the kernel-named functions inside
# them (expand, shrink_slab, ...) must not be global symbols of a library others link. And the
# report reader does not need the replay engine or the model: none of its undefined symbols is
# one they define, and the results writer (replay's) is not in it.
. "$(dirname "$0")/lib.sh"
NM=${3:-nm}

# Global symbols a library defines (compiler-generated sanitizer ones aside).
globals() {
	"$NM" -g --defined-only "$1" 2>/dev/null | awk 'NF == 3 { print $3 }' |
		grep -vE '^(__odr_asan_gen_|__asan_|__ubsan_|__sancov_|__llvm_)' | sort -u
}

check_lib() { # NAME ALLOWED-PREFIX-REGEX
	lib=$D/lib$1.a
	[ -f "$lib" ] || { fail "$lib: not built"; return; }
	all=$(globals "$lib")
	[ -n "$all" ] || { fail "$1: no global symbols at all (nm failed?)"; return; }
	bad=$(echo "$all" | grep -vE "^($2)")
	if [ -n "$bad" ]; then
		fail "$1 exports $(echo "$bad" | wc -l) symbols outside $2: $(echo $bad | cut -c1-300)"
	else
		ok "$1: $(echo "$all" | wc -l) global symbols, all $2"
	fi
}

check_lib fragtrace_model 'model_|slab_'
check_lib fragtrace_replay 'replay_'

# The reader's undefined symbols against what replay and the model define.
if [ -f "$D/libfragtrace_report.a" ]; then
	"$NM" -u "$D/libfragtrace_report.a" | awk '{ print $NF }' | sort -u >"$W/report.u"
	{ globals "$D/libfragtrace_replay.a"; globals "$D/libfragtrace_model.a"; } | sort -u >"$W/engine"
	globals "$D/libfragtrace_report.a" | grep -q '^results_db_write' &&
		fail "the report library holds the results writer (results_db.c), which needs replay"
	both=$(comm -12 "$W/report.u" "$W/engine")
	[ -z "$both" ] && ok "report needs nothing of replay or the model" ||
		fail "report uses the replay engine or the model: $(echo $both | cut -c1-300)"
else
	fail "$D/libfragtrace_report.a: not built"
fi
finish symbols
