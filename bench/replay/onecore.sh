#!/bin/sh
# bench/replay/onecore.sh: issue 14's one-variant figure, two builds side by side.
# One spb+all variant on one core (taskset -c 0, --threads 1, best of REPEAT runs a round),
# OLD and NEW interleaved for ROUNDS rounds on each trace, so the machine's swings (this guest's
# hypervisor moves a run's CPU time by 30% and more, in user time too) fall on both builds
# alike. Prints each round's variant_eps_min (trace events per second of the variant thread's
# CPU time), eps_user (of its user time alone) and eps_replay (events per second of the whole
# replay phase on the one core: decoding and applying), then the median of each over the
# rounds and the ratio NEW/OLD of the medians. No figure is asserted: instructions.sh gives the
# exact count, this the rate.
# usage: [START=auto] [ROUNDS=5] [REPEAT=3] [TRACES="a.fgt b.fgt"] bench/replay/onecore.sh OLD_BUILD NEW_BUILD
set -e
old=${1:?usage: onecore.sh OLD_BUILD NEW_BUILD}
new=${2:?usage: onecore.sh OLD_BUILD NEW_BUILD}
dir=$(dirname "$0")/../../traces
rounds=${ROUNDS:-5}
traces=${TRACES:-"$dir/pressure-reclaim.fgt $dir/pressure-pagecache.fgt"}
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in $traces; do
	name=$(basename "$t" .fgt)
	r=1
	while [ "$r" -le "$rounds" ]; do
		for b in old new; do
			eval build=\$$b
			line=$(taskset -c 0 "$build/bench_replay" --repeat "${REPEAT:-3}" --threads 1 \
				--variants spb+all --start "${START:-auto}" "$t" | tail -1)
			for f in variant_eps_min eps_user eps_replay; do
				echo "$line" | field $f >> "$tmp/$name.$b.$f"
			done
			printf '%s round=%d build=%s variant_eps_min=%s eps_user=%s eps_replay=%s\n' \
				"$name" "$r" "$b" "$(echo "$line" | field variant_eps_min)" \
				"$(echo "$line" | field eps_user)" "$(echo "$line" | field eps_replay)"
		done
		r=$((r + 1))
	done
	for f in variant_eps_min eps_user eps_replay; do
		mo=$(median < "$tmp/$name.old.$f")
		mn=$(median < "$tmp/$name.new.$f")
		printf '%s median %s: old %.2f M/s, new %.2f M/s, new/old %.3f\n' "$name" "$f" \
			"$(echo "$mo / 1000000" | bc -l)" "$(echo "$mn / 1000000" | bc -l)" \
			"$(echo "$mn / $mo" | bc -l)"
	done
done
