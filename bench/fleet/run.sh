#!/bin/sh
# bench/fleet: the bundled traces x the six presets on this one node, as a plain local replay
# (both CPUs, one process) against `fragtrace fleet submit --slurm` (one array task per unit on
# a single-node Slurm cluster started for the run, then the merge job), wall time of each and
# the ratio. Needs root, slurm-wlm and munge (tests/fleet_slurm_test.sh starts the cluster and
# checks that both give the same database).
# usage: bench/fleet/run.sh [BUILD_DIR]
set -e
build=${1:-build}
dir=$(cd "$(dirname "$0")/../.." && pwd)
FLEET_BENCH=1 "$dir/tests/fleet_slurm_test.sh" "$(cd "$build" && pwd)/fragtrace" "$dir/traces"
