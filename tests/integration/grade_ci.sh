# vlab grade in CI mode, with the environment a runner gives a step (files
# and directories in the scratch directory): under GitHub Actions, --self on
# the course-shaped reference and on a copy with -m 512M, run from inside the
# folder as a workflow does (the reports go to $RUNNER_TEMP/vlab-grades, not
# into the repository): the job summary (the score, the failed checks'
# details), the ::error annotation on the -m line of the script (its number
# found in the fixture), the step outputs and a JUnit file xmllint accepts;
# a script printing workflow commands, an ESC sequence, a CR and a C1 CSI:
# no line of vlab's output starts a command vlab did not write, no "##[" is
# anywhere, no control byte is raw; under GitLab, sections opened and closed
# in pairs with valid names; outside CI, --self . with the default --out is
# still refused, saying the fix.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "vlab grade makes its sandboxes as root"
command -v jq >/dev/null || skip "jq is not installed"
command -v xmllint >/dev/null || skip "xmllint is not installed (libxml2-utils)"

require_grading

# outside CI: --self . would write the reports inside the folder
mkdir -p plain && cp "$VLAB_REPO/assets/lab/reference/runqemu_single_vm.sh" plain/
(cd plain && env -u GITHUB_ACTIONS -u GITLAB_CI "$VLAB" grade --self . 2>../plain.err); rc=$?
[ $rc = 2 ] && grep -q "overlaps the submission" plain.err && grep -q -- "--out ../vlab-grades" plain.err ||
	die "--self . outside CI: exit $rc, $(cat plain.err)"
[ ! -e plain/vlab-grades/plain/report.json ] || die "reports were written into the submission"

# a GitHub runner's step environment
mkdir -p runner_temp
export GITHUB_ACTIONS=true RUNNER_TEMP=$PWD/runner_temp
unset GITLAB_CI GITHUB_WORKSPACE

# the wrong-memory submission: the reference with -m 512M, every other line kept
mkdir -p wrong && sed 's/-m 256M/-m 512M/' "$VLAB_REPO/assets/lab/reference/runqemu_single_vm.sh" >wrong/runqemu_single_vm.sh
chmod +x wrong/runqemu_single_vm.sh
m_line=$(grep -n -- '^[[:space:]]*-m 512M' wrong/runqemu_single_vm.sh | cut -d: -f1)
[ -n "$m_line" ] && [ "$(grep -c -- '-m 512M' wrong/runqemu_single_vm.sh)" = 1 ] || die "the fixture has no single -m 512M line"
(cd wrong && GITHUB_WORKSPACE=$PWD GITHUB_STEP_SUMMARY=../wrong.md GITHUB_OUTPUT=../wrong.out \
	"$VLAB" grade --self . >../wrong.log 2>&1) || die "--self on wrong exited $?: $(tail -5 wrong.log)"
out=$RUNNER_TEMP/vlab-grades
report=$out/wrong/report.json
[ -f "$report" ] || die "no report in $out: $(ls -R "$RUNNER_TEMP")"
[ ! -e wrong/vlab-grades ] || die "reports were written into the repository"
[ "$(jq -r '"\(.score)/\(.max_score)"' "$report")" = 85/100 ] || die "wrong scored $(jq -c '[.score, .max_score]' "$report")"
# the annotation on the script's -m line, as GitHub expects it: the path from
# the repository's root, the line, the title (its ':' escaped as %3A)
grep -q "^::error file=runqemu_single_vm.sh,line=$m_line,title=ch1.cmdline_memory%3A 0/10 points::" wrong.log ||
	die "no annotation on line $m_line: $(grep '^::error' wrong.log)"
grep -q '^::error title=ch1.memory_256m%3A 0/5 points::' wrong.log || die "no annotation for the VM's memory check"
grep -q "reports in $out" wrong.log || die "the log does not say where the reports are"
# the summary: the score, each failed check's detail (the Markdown read
# back: backslash escapes and the five entities undone)
unmd() { sed -e 's/\\\([][!"#$%&'"'"'()*+,./:;<=>?@\\^_`{|}~-]\)/\1/g' -e 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&#39;/'"'"'/g; s/&amp;/\&/g' "$1"; }
unmd wrong.md >wrong.plain.md
grep -q '^## vlab grade: wrong: 85/100 points' wrong.plain.md || die "summary: $(head -3 wrong.md)"
grep -q '2 of 17 checks failed' wrong.plain.md || die "summary does not count the failures: $(cat wrong.md)"
for id in ch1.cmdline_memory ch1.memory_256m; do
	detail=$(jq -r --arg id "$id" '.checks[] | select(.id == $id) | .detail' "$report")
	[ -n "$detail" ] && grep -qF -- "$detail" wrong.plain.md || die "summary lacks $id's detail '$detail': $(cat wrong.md)"
done
# failed first: the failed table comes before the passed checks
[ "$(grep -n 'ch1.cmdline_memory' wrong.plain.md | head -1 | cut -d: -f1)" -lt "$(grep -n 'ch1.cmdline_kvm' wrong.plain.md | head -1 | cut -d: -f1)" ] ||
	die "the failed checks are not first: $(cat wrong.md)"
grep -qx 'score=85' wrong.out && grep -qx 'max_score=100' wrong.out && grep -qx "reports=$out" wrong.out ||
	die "step outputs: $(cat wrong.out)"
xmllint --noout "$out/class.junit.xml" || die "class.junit.xml is not well-formed"
xmllint --noout --schema "$VLAB_REPO/tests/fixtures/junit/junit.xsd" "$out/class.junit.xml" 2>/dev/null ||
	die "class.junit.xml does not validate"

# the course-shaped reference: full marks, no annotation
mkdir -p good && cp "$VLAB_REPO/assets/lab/reference/runqemu_single_vm.sh" good/
(cd good && GITHUB_WORKSPACE=$PWD GITHUB_STEP_SUMMARY=../good.md GITHUB_OUTPUT=../good.out \
	"$VLAB" grade --self . >../good.log 2>&1) || die "--self on good exited $?: $(tail -5 good.log)"
grep -q '^## vlab grade: good: 100/100 points' good.md || die "good's summary: $(head -3 good.md)"
grep -q 'All 17 checks passed' good.md || die "good's summary: $(cat good.md)"
grep -qx 'score=100' good.out || die "good's outputs: $(cat good.out)"
! grep -q '^::error' good.log || die "annotations for full marks: $(grep '^::error' good.log)"

# a script whose output tries to be the runner's commands
mkdir -p hostile
cat >hostile/runqemu_single_vm.sh <<'S'
#!/bin/bash
printf '::warning::x\n'
printf '  ::add-mask::secret\n'
printf '::stop-commands::tok\n'
printf '##[error]x\n'
printf 'text ##[group]inline\n'
printf 'esc \033[2J here\n'
printf 'cr\r::error::after a CR\n'
printf '\302\233''31m a C1 CSI\n'
printf '\t::notice::after a tab\n'
printf '::error file=runqemu_single_vm.sh,line=1::forged last line\n'
exit 1
S
chmod +x hostile/runqemu_single_vm.sh
# what vlab writes itself: its groups, and annotations whose properties are
# its own (file=, line=, title= with ':' and ',' escaped)
own_command='^::(group::vlab grade: the feedback, every check$|group::what runqemu_single_vm\.sh printed \(its last 40 lines\)$|endgroup::$|error (file=[^:,]*,(line=[0-9]+,)?)?title=[^:,]*::)'
scan() {
	local line trimmed n=0
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		trimmed=${line#"${line%%[![:space:]]*}"}
		case $trimmed in
		::*) [[ $trimmed =~ $own_command ]] || die "$1:$n starts a workflow command: $trimmed" ;;
		esac
	done <"$1"
	! grep -qF '##[' "$1" || die "$1 holds '##[': $(grep -nF '##[' "$1")"
	! LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$1" ||
		die "$1 holds a raw control byte: $(LC_ALL=C grep -nP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$1" | cat -v)"
}
(cd hostile && GITHUB_WORKSPACE=$PWD GITHUB_STEP_SUMMARY=../hostile.md GITHUB_OUTPUT=../hostile.out \
	"$VLAB" grade --self . --timeout 20 >../hostile.log 2>&1) || die "--self on hostile exited $?: $(tail -5 hostile.log)"
scan hostile.log
# and each printed line did reach the log, neutralised
for want in ':\x3awarning:\x3ax' ':\x3aadd-mask:\x3asecret' ':\x3astop-commands:\x3atok' '#\x23[error]x' \
	'text #\x23[group]inline' 'esc \x1b[2J here' 'cr\x0d:\x3aerror:\x3aafter a CR' '\xc2\x9b31m a C1 CSI' \
	':\x3aerror file=runqemu_single_vm.sh,line=1:\x3aforged last line'; do
	grep -qF -- "$want" hostile.log || die "the log does not show '$want': $(cat hostile.log)"
done
# the reports: no raw control byte or invalid UTF-8 in any file vlab wrote
# (the raw captures, script.log, console.log and qemu's stderr, keep theirs
# as evidence); the writers' escaping itself is test_report_consumers's
reports=$(find runner_temp/vlab-grades -type f ! -name script.log ! -name console.log ! -name '*.stderr' | sort)
[ "$(echo "$reports" | grep -c 'class\.\(tap\|csv\|junit\.xml\|html\|json\)$')" = 5 ] ||
	die "not every class report was written: $reports"
for f in $reports; do
	! LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$f" ||
		die "$f holds a raw control byte: $(LC_ALL=C grep -nP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$f" | cat -v)"
	iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1 || die "$f is not valid UTF-8"
done
# the summary: nothing of the script's raw in it either
tags=$(grep -o '<[^>]*>' hostile.md | sort -u | grep -vx '<details>\|</details>\|<summary>\|</summary>')
[ -z "$tags" ] || die "HTML in the summary that vlab did not write: $tags"
grep -qF 'forged last line' hostile.md || die "the summary does not show the script's last line: $(cat hostile.md)"
! LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]' hostile.md || die "a raw control byte in the summary"

# GitLab: the same script, its sections in pairs with valid names, the
# reports in a new directory under $TMPDIR
mkdir -p tmp
(cd hostile && env -u GITHUB_ACTIONS GITLAB_CI=true TMPDIR=$SCRATCH/tmp "$VLAB" grade --self . --timeout 20 \
	>../gitlab.log 2>&1) || die "--self under GitLab exited $?: $(tail -5 gitlab.log)"
[ ! -s gitlab.md ] || die "a summary file without one asked for"
open=() n_sections=0
while IFS= read -r line; do
	if [[ $line =~ ^$'\e'\[0Ksection_start:[0-9]+:([^[:cntrl:][]*)(\[collapsed=true\])?$'\r'$'\e'\[0K ]]; then
		name=${BASH_REMATCH[1]}
		[[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || die "an invalid section name '$name'"
		open+=("$name")
		n_sections=$((n_sections + 1))
	elif [[ $line =~ ^$'\e'\[0Ksection_end:[0-9]+:([A-Za-z0-9_.-]+)$'\r'$'\e'\[0K$ ]]; then
		name=${BASH_REMATCH[1]}
		[ ${#open[@]} -gt 0 ] && [ "${open[-1]}" = "$name" ] || die "section_end $name closes nothing open"
		unset 'open[-1]'
	elif LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]' <<<"$line"; then
		die "a control byte outside a section marker: $(cat -v <<<"$line")"
	fi
done <gitlab.log
[ "$n_sections" -ge 2 ] && [ ${#open[@]} = 0 ] || die "sections: $n_sections opened, ${#open[@]} left open: $(cat -v gitlab.log)"
gl_out=$(sed -n 's/^vlab grade: reports in \([^ ]*\) .*/\1/p' gitlab.log)
case $gl_out in "$SCRATCH"/tmp/vlab-grades.??????) ;; *) die "GitLab's reports went to '$gl_out'" ;; esac
xmllint --noout "$gl_out/class.junit.xml" || die "GitLab: class.junit.xml is not well-formed"
echo "GitHub: summary, annotation on line $m_line, outputs, JUnit; hostile output neutralised; GitLab sections paired"
