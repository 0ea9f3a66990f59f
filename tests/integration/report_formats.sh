# --format junit validates against a JUnit schema, --format tap is read by a
# real TAP harness (prove), both for a passing and a failing chapter; and the
# text output matches its snapshots on a terminal and off it, in UTF-8 and
# not (UPDATE_SNAPSHOTS=1 rewrites them).
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
command -v xmllint >/dev/null || skip "xmllint (libxml2-utils) is not installed"
command -v prove >/dev/null || skip "prove (perl) is not installed"
export VLAB_RUN_DIR=$SCRATCH/run
xsd=$VLAB_REPO/tests/fixtures/junit/junit.xsd

"$VLAB" chapter 1 --accel tcg --format junit >pass.xml || die "chapter 1 failed"
xmllint --noout --schema "$xsd" pass.xml || die "the JUnit report does not validate"
[ "$(xmllint --xpath 'string(/testsuites/@tests)' pass.xml)" = 6 ] || die "not 6 testcases"
[ "$(xmllint --xpath 'string(/testsuites/@failures)' pass.xml)" = 0 ] || die "failures in a passing run"

"$VLAB" chapter 1 --accel tcg --format tap >pass.tap || die "chapter 1 failed"
prove -e cat pass.tap || die "prove rejects the passing TAP report"

# a failing chapter: the wrong root password
mkdir -p alt
ln -s "$(image_dir)/default" alt/default
sed -e '/^profile default$/,/^end$/ s/^login root toor$/login root wrong/' "$(image_dir)/manifest" >alt/manifest
"$VLAB" chapter 1 --accel tcg --manifest alt/manifest --format junit >fail.xml
[ $? -eq 1 ] || die "a failing chapter must exit 1"
xmllint --noout --schema "$xsd" fail.xml || die "the failing JUnit report does not validate"
[ "$(xmllint --xpath 'string(/testsuites/@failures)' fail.xml)" = 3 ] || die "expected 3 failures"
xmllint --xpath 'string(//testcase[@name="ch1.serial_login_root"]/failure/@message)' fail.xml | grep -q "Login incorrect" ||
	die "the failure message lacks what was seen"
"$VLAB" chapter 1 --accel tcg --manifest alt/manifest --format tap >fail.tap
prove -e cat fail.tap >prove.txt 2>&1 && die "prove accepted a failing TAP report"
cat prove.txt
grep -q "Failed 3/6" prove.txt || die "prove does not count 3 failures of 6"

# text snapshots: paths, times and the spinner's redraws normalised
normalise() {
	sed -E -e "s#$VLAB_RUN_DIR/[0-9]{8}-[0-9]{6}-[0-9]+(-[0-9]+)?#RUNDIR#g" -e "s#$(image_dir)#IMAGEDIR#g" \
		-e 's/[0-9]+\.[0-9] s/N.N s/g' -e 's/\r[^\r]*\x1b\[K//g' -e 's/\r$//'
}
snap() { # snap NAME -- command...
	local name=$1
	shift 2
	"$@" | normalise >"$name.txt"
	local want="$VLAB_REPO/tests/fixtures/snapshots/$name.txt"
	if [ "${UPDATE_SNAPSHOTS:-}" = 1 ]; then
		mkdir -p "$(dirname "$want")"
		cp "$name.txt" "$want"
	fi
	diff -u "$want" "$name.txt" || die "text output differs from the snapshot $name"
}
snap ch1-plain-ascii -- env LANG=C LC_ALL=C "$VLAB" chapter 1 --accel tcg
snap ch1-plain-utf8 -- env LANG=C.UTF-8 LC_ALL=C.UTF-8 "$VLAB" chapter 1 --accel tcg --quiet
# on a terminal (script gives vlab a pty): colour, and the spinner line
snap ch1-tty-utf8 -- env LANG=C.UTF-8 LC_ALL=C.UTF-8 script -qec "$VLAB chapter 1 --accel tcg --quiet" /dev/null
snap ch1-tty-nocolor -- env NO_COLOR=1 LANG=C LC_ALL=C script -qec "$VLAB chapter 1 --accel tcg --quiet" /dev/null
# a wait line is cleared before anything is written over it: the step's
# next words clear it, and the engine ends one a step leaves (runner/step.h)
env NO_COLOR=1 LANG=C LC_ALL=C script -qec "$VLAB chapter 1 --accel tcg" /dev/null >tty-raw.txt
grep -q $'s)\x1b\[K' tty-raw.txt || die "no wait line was drawn on a terminal"
perl -0ne 'exit(/\(\d+\.\d s\)\x1b\[K(?!\r)/ ? 1 : 0)' tty-raw.txt ||
	die "words were written over a wait line: $(perl -0ne 'print $& if /[^\n]*\(\d+\.\d s\)\x1b\[K(?!\r)[^\n]*/' tty-raw.txt | cat -v)"
