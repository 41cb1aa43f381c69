#!/bin/sh
# tc_wrap.sh - run trace-cmd where the kernel refuses access to its function-tracer controls.
# Some kernels (this project's among them) return EPERM for /proc/sys/kernel/ftrace_enabled
# and tracing/set_ftrace_*; trace-cmd 3.1 then refuses to record events, or crashes. Those
# files do not matter for recording events, so when they are locked trace-cmd runs in a
# private mount namespace where each is replaced by an empty file. Nothing outside the
# namespace changes.
T=/sys/kernel/tracing
locked=
for f in $T/set_ftrace_pid $T/set_ftrace_filter $T/set_ftrace_notrace $T/set_ftrace_notrace_pid; do
	[ -e "$f" ] && ! cat "$f" > /dev/null 2>&1 && locked=1
done
[ -z "$locked" ] && exec trace-cmd "$@"
S=$(mktemp -d)
echo 1 > "$S/ftrace_enabled"
for f in set_ftrace_pid set_ftrace_filter set_ftrace_notrace set_ftrace_notrace_pid; do : > "$S/$f"; done
exec unshare -m --propagation private sh -c '
	S=$0; T=/sys/kernel/tracing
	mount --bind "$S/ftrace_enabled" /proc/sys/kernel/ftrace_enabled 2>/dev/null
	for f in set_ftrace_pid set_ftrace_filter set_ftrace_notrace set_ftrace_notrace_pid; do
		[ -e "$T/$f" ] && mount --bind "$S/$f" "$T/$f"
	done
	trace-cmd "$@"; rc=$?; rm -rf "$S"; exit $rc' "$S" "$@"
