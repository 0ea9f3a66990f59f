#!/usr/bin/env bash
# Chapter 5 end to end (`vlab chapter 5 --format json`: vlab's own VMM on
# /dev/kvm, the hello guest's 37 exits, the stats fd and the tracepoints),
# RUNS times; prints a Markdown row: the wall time of the whole command and
# the guest's exits per second (exits / time spent inside KVM_RUN, the
# report's guest_exits_per_s), as medians with their range.
. "$(dirname "$0")/lib.bash"
runs=${RUNS:-21}
[ -e /dev/kvm ] || { echo "no /dev/kvm here: nothing to measure" >&2; exit 1; }
wall=() rate=() inkvm=()
for i in $(seq "$runs"); do
	t0=$(now_ms)
	out=$("$VLAB" chapter 5 --format json) || { echo "vlab chapter 5 failed" >&2; exit 1; }
	wall+=($(( $(now_ms) - t0 )))
	rate+=("$(jq -r '.metrics.guest_exits_per_s | floor' <<<"$out")")
	inkvm+=("$(jq -r '.metrics.kvm_run_us' <<<"$out")")
	echo "run $i: ${wall[-1]} ms, ${rate[-1]} exits/s, ${inkvm[-1]} us inside KVM_RUN" >&2
done
range() { sort -n | sed -n '1p;$p' | paste -sd- ; }
w=$(printf '%s\n' "${wall[@]}" | median)
r=$(printf '%s\n' "${rate[@]}" | median)
k=$(printf '%s\n' "${inkvm[@]}" | median)
echo "| chapter 5 | $runs | $w ms ($(printf '%s\n' "${wall[@]}" | range)) | $r ($(printf '%s\n' "${rate[@]}" | range)) | $(awk -v r="$r" 'BEGIN { printf "%.1f", 1e6 / r }') µs | $k µs |"
echo "machine: $(machine); KVM: $(ls /sys/module | grep -E '^kvm_(intel|amd|pvm)$' | paste -sd, -)"
