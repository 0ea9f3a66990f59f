#!/usr/bin/env bash
# Chapter 2 end to end (`vlab chapter 2 --quiet`, its own namespace, tap, an
# e1000, pings, HTTP), RUNS times, with the chapter-1 floor
# (bench/ch1-floor.sh) run beside it; prints a Markdown row.
. "$(dirname "$0")/lib.bash"
runs=${RUNS:-5}
floor=() ours=()
for i in $(seq "$runs"); do
	floor+=("$(bash "$repo/bench/ch1-floor.sh")")
	t0=$(now_ms)
	"$VLAB" chapter 2 --accel tcg --quiet >/dev/null || { echo "vlab chapter 2 failed" >&2; exit 1; }
	ours+=($(( $(now_ms) - t0 )))
	echo "run $i: chapter-1 floor ${floor[-1]} ms, vlab chapter 2 ${ours[-1]} ms" >&2
done
f=$(printf '%s\n' "${floor[@]}" | median)
v=$(printf '%s\n' "${ours[@]}" | median)
echo "| chapter 2 | $runs | $f ms (chapter 1's floor) | $v ms | $(awk -v v="$v" -v f="$f" 'BEGIN { printf "%.2f", v / f }') |"
echo "machine: $(machine)"
