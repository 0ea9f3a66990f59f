# vlab grade's class-wide progress line and default -j, cheaply (no guest
# boots: the submissions have no script, so each is judged at once):
# on a terminal (a pty made by script(1)) the line "graded N of M" is drawn
# on stderr and taken back with \r and erase-line before anything else is
# printed; where stderr is a file nothing of it is written. Without -j the
# first line says how many run at once and why; -j 1 says nothing of it.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "vlab grade makes its sandboxes as root"
command -v script >/dev/null || skip "script (util-linux) is not installed: no pty to grade on"
for s in a b c; do mkdir -p "subs/$s"; done

# not a terminal: no progress line, not a byte of it
"$VLAB" grade subs/* --out out-file >file.out 2>file.err
rc=$?
[ $rc = 0 ] || die "three submissions without a script: exit $rc, expected 0 (graded, scores 0)"
! grep -q 'graded [0-9]* of' file.out file.err || die "a progress line where stderr is a file: $(cat file.err)"
! grep -q $'\r' file.out file.err || die "a carriage return where stderr is a file"
# the default -j, said with its reason on the first line
head -n 1 file.out | grep -Eq '^vlab grade: 3 submissions, [0-9]+ at once \(-j [0-9]+: .*(CPU|memory|at most)' ||
	die "the first line does not say the -j chosen: $(head -n 1 file.out)"
"$VLAB" grade subs/* -j 1 --out out-j1 >j1.out 2>&1
! grep -q 'at once' j1.out || die "-j 1 given, yet the default was said"

# a terminal: script(1) gives vlab a pty; its bytes are kept raw
script -qfec "$VLAB grade subs/a subs/b subs/c --out out-tty" tty.raw >/dev/null 2>&1
grep -aq 'graded [0-3] of 3' tty.raw || die "no progress line on a terminal: $(tr -d '\033' <tty.raw | head -c 600)"
# every drawing starts with \r and erase-line, and the line is taken back
# (erase-line after it) before the results are printed
grep -aq $'\r\033\\[Kgraded' tty.raw || die "the progress line is not drawn in place"
tail -c +"$(grep -abo 'graded' tty.raw | tail -n 1 | cut -d: -f1)" tty.raw | grep -aq $'\r\033\\[K' ||
	die "the last progress line was not taken back"
grep -aq 'reports: ' tty.raw || die "the results are missing on the terminal"
# the reports are the same as without a terminal
cmp -s <(jq -S '[.submissions[] | [.submission, .score]]' out-file/class.json) \
	<(jq -S '[.submissions[] | [.submission, .score]]' out-tty/class.json) || die "the terminal's class report differs"
