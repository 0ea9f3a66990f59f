#!/usr/bin/env bash
# Chapter 1, vlab end to end against its floor (bench/ch1-floor.sh), RUNS
# times each, interleaved; prints the medians and the ratio as a Markdown
# table row for bench/RESULTS.md.
. "$(dirname "$0")/lib.bash"
runs=${RUNS:-5}
floor=() ours=()
for i in $(seq "$runs"); do
	floor+=("$(bash "$repo/bench/ch1-floor.sh")")
	t0=$(now_ms)
	"$VLAB" chapter 1 --accel tcg --quiet >/dev/null || { echo "vlab chapter 1 failed" >&2; exit 1; }
	ours+=($(( $(now_ms) - t0 )))
	echo "run $i: floor ${floor[-1]} ms, vlab ${ours[-1]} ms" >&2
done
f=$(printf '%s\n' "${floor[@]}" | median)
v=$(printf '%s\n' "${ours[@]}" | median)
echo "| chapter 1 | $runs | $f ms | $v ms | $(awk -v v="$v" -v f="$f" 'BEGIN { printf "%.2f", v / f }') |"
echo "machine: $(machine)"
