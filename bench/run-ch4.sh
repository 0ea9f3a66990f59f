#!/usr/bin/env bash
# Chapter 4 step 1 end to end (`vlab chapter 4 --quiet`: qemu with KVM under
# strace -f until its first KVM_RUN plus 1 s, then the log parsed), RUNS
# times; prints a Markdown row for bench/RESULTS.md.
. "$(dirname "$0")/lib.bash"
runs=${RUNS:-5}
ours=()
for i in $(seq "$runs"); do
	t0=$(now_ms)
	"$VLAB" chapter 4 --quiet >/dev/null || { echo "vlab chapter 4 failed" >&2; exit 1; }
	ours+=($(( $(now_ms) - t0 )))
	echo "run $i: ${ours[-1]} ms" >&2
done
echo "| chapter 4 step 1 | $runs | $(printf '%s\n' "${ours[@]}" | median) ms |"
echo "machine: $(machine)"
