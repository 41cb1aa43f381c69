#!/bin/sh
# bench/format: .fgt size and speed against the ftrace/trace-cmd layout, same events, one run.
# usage: bench/format/run.sh [BUILD_DIR] [EVENTS]
set -e
build=${1:-build}
"$build/bench_format" "${2:-10000000}" 1
