#!/bin/sh
# bench/model: allocator-model speed and memory for a 256 GiB host, both policies, one run;
# then a 4 TiB model (needs about 5 GiB of RAM).
# usage: bench/model/run.sh [BUILD_DIR] [OPS]
set -e
build=${1:-build}
"$build/bench_model" --gib 256 --ops "${2:-20000000}"
"$build/bench_model" --4tib --ops 5000000
