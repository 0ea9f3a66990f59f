#!/usr/bin/env bash
# Grading a class: COUNT copies (default 24) of the course-shaped reference
# (assets/lab/reference: chapters 1-2, full marks) graded at vlab's default
# -j (chosen from this machine) and at -j 1, RUNS times each, alternating,
# under TCG. Prints the -j chosen, seconds a submission for each, the
# ratio, whether every submission scored the same in both, and a Markdown
# row. CPU=1 also gives the CPU seconds a submission (the grading's
# processes in a cpuacct cgroup of their own, cgroup v1). Needs root (vlab
# grade's sandboxes).
# FULL=1: instead, COUNT whole-lab references (assets/lab/reference: both
# scripts and the saved files, graded --rubric lab, 100 points) and COUNT
# chapters 1-2 references, each class at vlab's default -j for it, RUNS
# times each, alternating in one run of this script: seconds a submission
# for each and their ratio (the target: a whole-lab submission at most 2.5x
# a chapters 1-2 one); with CPU=1 the CPU seconds of each too.
. "$(dirname "$0")/lib.bash"
count=${COUNT:-24}
runs=${RUNS:-1}
work=$(mktemp -d "${TMPDIR:-/tmp}/vlab-bench-grade.XXXXXX")
keep=0
trap '[ $keep = 1 ] || rm -rf "$work"' EXIT
for i in $(seq "$count"); do
	d=$(printf '%s/subs/s%03d' "$work" "$i")
	mkdir -p "$d"
	cp "$repo/assets/lab/reference/runqemu_single_vm.sh" "$d/"
	if [ "${FULL:-0}" = 1 ]; then
		d=$(printf '%s/full/f%03d' "$work" "$i")
		mkdir -p "$d"
		cp -r "$repo/assets/lab/reference/." "$d/"
		rm "$d/README.md"
	fi
done
cpuacct=/sys/fs/cgroup/cpuacct
# grade LABEL ARGS...: one grading of the class; prints "WALL_MS CPU_MS"
grade() {
	local label=$1 cg="" t0 ms cpu=0
	shift
	if [ "${CPU:-0}" = 1 ] && [ -d "$cpuacct" ]; then
		cg=$cpuacct/vlab-bench-grade-$$
		mkdir "$cg"
	fi
	t0=$(now_ms)
	bash -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs"; shift; exec "$@"' _ "$cg" \
		"$VLAB" grade "$work"/"${SUBS:-subs}"/* "$@" --out "$work/out-$label" >"$work/$label.txt" 2>&1 ||
		{ cat "$work/$label.txt" >&2; echo "vlab grade ($label) failed" >&2; exit 1; }
	ms=$(($(now_ms) - t0))
	if [ -n "$cg" ]; then
		cpu=$(($(cat "$cg/cpuacct.usage") / 1000000))
		rmdir "$cg"
	fi
	echo "$ms $cpu"
}
per() { awk -v ms="$1" -v n="$count" 'BEGIN { printf "%.2f", ms / 1000 / n }'; }
chosen_j() { sed -n 's/^vlab grade: [0-9]* submissions, [0-9]* at once (-j \(.*\))$/\1/p' "$work/$1.txt"; }
if [ "${FULL:-0}" = 1 ]; then
	ch12=() lab=() ch12_cpu=() lab_cpu=()
	for r in $(seq "$runs"); do
		read -r ms cpu < <(grade ch12)
		ch12+=("$ms") ch12_cpu+=("$cpu")
		echo "run $r: $count chapters 1-2 references, default -j ($(chosen_j ch12)): $ms ms, $cpu ms CPU" >&2
		read -r ms cpu < <(SUBS=full grade lab --rubric lab)
		lab+=("$ms") lab_cpu+=("$cpu")
		echo "run $r: $count whole-lab references (--rubric lab), default -j ($(chosen_j lab)): $ms ms, $cpu ms CPU" >&2
	done
	a=$(printf '%s\n' "${ch12[@]}" | median)
	b=$(printf '%s\n' "${lab[@]}" | median)
	full12=$(jq '[.submissions[] | select(.score == .max_score)] | length' "$work/out-ch12/class.json")
	scores_lab=$(jq -r '[.submissions[] | .score] | map(tostring) | join(",")' "$work/out-lab/class.json")
	ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')
	echo "chapters 1-2: $(per "$a") s a submission (-j $(chosen_j ch12)), $full12/$count full marks"
	echo "whole lab:    $(per "$b") s a submission (-j $(chosen_j lab)), scores $scores_lab of 100"
	echo "ratio:        ${ratio}x (target: at most 2.5x)"
	# how often the one timing verdict came out the other way, and the
	# rates it compared (the last run's class)
	faster=$(jq -r '[.submissions[] | .checks[] | select(.id == "ch3.virtio_faster") | .status] | map(select(. == "pass")) | length' "$work/out-lab/class.json")
	echo "ch3.virtio_faster: passed in $faster of $count"
	jq -r '.submissions[] | .checks[] | select(.id == "ch3.virtio_faster") | "  \(.status): \(.detail)"' "$work/out-lab/class.json"
	if [ "${CPU:-0}" = 1 ]; then
		ca=$(printf '%s\n' "${ch12_cpu[@]}" | median)
		cb=$(printf '%s\n' "${lab_cpu[@]}" | median)
		echo "CPU seconds a submission: whole lab $(per "$cb"), chapters 1-2 $(per "$ca"), ratio $(awk -v a="$ca" -v b="$cb" 'BEGIN { printf "%.2f", b / a }')x"
	fi
	echo "| $count whole-lab vs $count ch 1-2 references (TCG) | $runs | -j $(chosen_j lab | cut -d: -f1) / -j $(chosen_j ch12 | cut -d: -f1) | $(per "$b") s | $(per "$a") s | ${ratio}× | lab scores $scores_lab |"
	echo "machine: $(machine)"
	exit 0
fi
dj=() d_cpu=() j1=() j1_cpu=()
for r in $(seq "$runs"); do
	read -r ms cpu < <(grade default)
	dj+=("$ms") d_cpu+=("$cpu")
	chosen=$(sed -n 's/^vlab grade: [0-9]* submissions, [0-9]* at once (-j \(.*\))$/\1/p' "$work/default.txt")
	echo "run $r: default -j ($chosen): $ms ms, $cpu ms CPU" >&2
	read -r ms cpu < <(grade j1 -j 1)
	j1+=("$ms") j1_cpu+=("$cpu")
	echo "run $r: -j 1: $ms ms, $cpu ms CPU" >&2
done
scores() { jq -c '[.submissions[] | [.submission, .score]]' "$1/class.json"; }
same=$(diff <(scores "$work/out-default") <(scores "$work/out-j1") >/dev/null && echo same || echo DIFFERENT)
[ "$same" = same ] || { keep=1; echo "scores differ: the reports are kept in $work" >&2; }
full=$(jq '[.submissions[] | select(.score == .max_score)] | length' "$work/out-default/class.json")
a=$(printf '%s\n' "${dj[@]}" | median)
b=$(printf '%s\n' "${j1[@]}" | median)
cpu_note=""
if [ "${CPU:-0}" = 1 ]; then
	cpu_note=" | $(per "$(printf '%s\n' "${d_cpu[@]}" | median)") / $(per "$(printf '%s\n' "${j1_cpu[@]}" | median)") CPU s"
fi
echo "| $count course-shaped references (ch 1-2, TCG) | $runs | -j ${chosen%%:*} | $(per "$a") s | $(per "$b") s | $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')× | $full/$count full marks, scores $same$cpu_note |"
echo "chosen: -j $chosen"
echo "machine: $(machine)"
