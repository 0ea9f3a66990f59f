#!/usr/bin/env bash
# Chapter 3, vlab end to end (`vlab chapter 3 --duration DURATION`) against
# its floor (bench/ch3-floor.sh: two boots in parallel + 2 x DURATION), RUNS
# times each, interleaved; prints the medians and the ratio as a Markdown
# table row for bench/RESULTS.md, then the medians of vlab's own metrics.
. "$(dirname "$0")/lib.bash"
runs=${RUNS:-5}
export DURATION=${DURATION:-2}
floor=() ours=() boot=() e1000=() virtio=()
for i in $(seq "$runs"); do
	floor+=("$(bash "$repo/bench/ch3-floor.sh")")
	t0=$(now_ms)
	"$VLAB" chapter 3 --accel tcg --duration "$DURATION" --format json >/tmp/vlab-bench-ch3.json ||
		{ echo "vlab chapter 3 failed" >&2; exit 1; }
	ours+=($(( $(now_ms) - t0 )))
	boot+=("$(jq -r .metrics.boot_to_login_ms /tmp/vlab-bench-ch3.json)")
	e1000+=("$(jq -r .metrics.iperf_e1000_bps /tmp/vlab-bench-ch3.json)")
	virtio+=("$(jq -r .metrics.iperf_virtio_bps /tmp/vlab-bench-ch3.json)")
	echo "run $i: floor ${floor[-1]} ms, vlab ${ours[-1]} ms (both at login ${boot[-1]} ms)" >&2
done
rm -f /tmp/vlab-bench-ch3.json
f=$(printf '%s\n' "${floor[@]}" | median)
v=$(printf '%s\n' "${ours[@]}" | median)
echo "| chapter 3, --duration $DURATION | $runs | $f ms | $v ms | $(awk -v v="$v" -v f="$f" 'BEGIN { printf "%.2f", v / f }') |"
echo "vlab's boot to both logins (median): $(printf '%s\n' "${boot[@]}" | median) ms"
echo "iperf3 e1000 / virtio (medians): $(printf '%s\n' "${e1000[@]}" | median) / $(printf '%s\n' "${virtio[@]}" | median) bit/s"
echo "machine: $(machine)"
