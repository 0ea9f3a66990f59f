#!/usr/bin/env bash
# Grading throughput: a class of COUNT submissions (default 20: the TA's
# reference and the five one-mistake fixtures of tests/fixtures/grade/, in
# turn), chapters 1-2 under TCG, graded with -j 1 and then -j 2 (each
# RUNS times, alternating); prints the wall times, the speed-up, and a
# Markdown row. Needs root (vlab grade's sandboxes).
. "$(dirname "$0")/lib.bash"
count=${COUNT:-20}
runs=${RUNS:-1}
work=$(mktemp -d "${TMPDIR:-/tmp}/vlab-bench-grade.XXXXXX")
keep=0
trap '[ $keep = 1 ] || rm -rf "$work"' EXIT
kinds=(reference wrong-memory wrong-mac no-nic no-serial typo)
for i in $(seq "$count"); do
	k=${kinds[$(( (i - 1) % ${#kinds[@]} ))]}
	d=$(printf '%s/subs/s%02d-%s' "$work" "$i" "$k")
	mkdir -p "$d"
	if [ "$k" = reference ]; then
		cp "$repo/assets/lab/reference/runqemu_single_vm.sh" "$d/"
	else
		cp "$repo/tests/fixtures/grade/$k/runqemu_single_vm.sh" "$d/"
	fi
done
j1=() j2=()
for r in $(seq "$runs"); do
	for j in 1 2; do
		t0=$(now_ms)
		"$VLAB" grade "$work"/subs/* -j "$j" --out "$work/out-j$j" --format json >"$work/j$j.json" ||
			{ echo "vlab grade -j $j failed" >&2; exit 1; }
		ms=$(( $(now_ms) - t0 ))
		[ "$j" = 1 ] && j1+=("$ms") || j2+=("$ms")
		echo "run $r: -j $j: $ms ms, scores $(jq -r '[.submissions[].score] | join(" ")' "$work/j$j.json")" >&2
	done
done
a=$(printf '%s\n' "${j1[@]}" | median)
b=$(printf '%s\n' "${j2[@]}" | median)
same=$(diff <(jq -c '[.submissions[] | [.submission, .score]]' "$work/j1.json") \
	<(jq -c '[.submissions[] | [.submission, .score]]' "$work/j2.json") >/dev/null && echo same || echo DIFFERENT)
[ "$same" = same ] || { keep=1; echo "scores differ: the reports are kept in $work" >&2; }
echo "| $count submissions (ch 1-2, TCG) | $runs | $a ms | $b ms | $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')× | scores $same |"
echo "machine: $(machine)"
