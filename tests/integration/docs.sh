# The man pages and the bash completion say what the option tables say:
# every option and operand of every command (as vlab-docgen lists them from
# the tables) is in `vlab CMD --help`, in vlab-CMD(1) and in the completion;
# every page renders without a warning (groff -ww, man --warnings, mandoc
# -T lint); the completion completes commands, options, their values and
# chapter numbers in a real bash; `make install` puts the binary, the
# manifest, the pages and the completion where they belong.
. "$VLAB_REPO/tests/integration/lib.bash"
build=$(dirname "$VLAB")
docgen=$build/vlab-docgen
[ -x "$docgen" ] || die "no $docgen: make docs builds it"
command -v groff >/dev/null || skip "groff (groff-base) is not installed"
command -v man >/dev/null || skip "man (man-db) is not installed"

"$docgen" options >options.txt || die "vlab-docgen options failed"
[ "$(wc -l <options.txt)" -gt 60 ] || die "too few options listed: $(wc -l <options.txt)"
cmds=$(cut -d' ' -f1 options.txt | sort -u)
for c in $(sed -n 's/^  \([a-z]*\)  .*/\1/p' <("$VLAB" --help)); do
	page=$build/man/vlab-$c.1
	[ -f "$page" ] || die "no man page for vlab $c ($page)"
	"$VLAB" "$c" --help >"help-$c.txt" || die "vlab $c --help exited $?"
	MANWIDTH=200 man -l "$page" 2>/dev/null | sed 's/\x08.//g' >"man-$c.txt"
	grep -q "^SYNOPSIS" "man-$c.txt" || die "vlab-$c(1) has no SYNOPSIS"
done
while read -r c opt; do
	word=${opt#--}
	grep -qe "$opt" "help-$c.txt" || die "vlab $c --help lacks $opt"
	grep -qe "$opt" "man-$c.txt" || die "vlab-$c(1) lacks $opt"
	case $opt in
	--*) grep -qe "$opt" "$build/completion/vlab" || die "the completion lacks vlab $c $opt" ;;
	*) [ -n "$word" ] ;;
	esac
done <options.txt
note "$(wc -l <options.txt) options of $(echo "$cmds" | wc -w) commands in --help, the pages and the completion"

# every page, rendered, warns about nothing
for page in "$build"/man/*.1; do
	out=$(groff -ww -man -z "$page" 2>&1) || die "groff failed on $page"
	[ -z "$out" ] || die "groff warns on $page: $out"
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	[ -z "$out" ] || die "man warns on $page: $out"
	if command -v mandoc >/dev/null; then
		out=$(mandoc -T lint -W warning "$page" 2>&1)
		[ -z "$out" ] || die "mandoc warns on $page: $out"
	fi
done
MANWIDTH=80 man -l "$build/man/vlab.1" 2>/dev/null | grep -q "vlab-grade(1)" || die "vlab(1) does not list vlab-grade(1)"

# no placeholder reaches a reader: no generated page holds @WORD@ (man vlab
# once showed "@OPTIONS@"), vlab(1) has its own OPTIONS, and docgen refuses a
# fragment with a placeholder it does not fill, naming the page
for page in "$build"/man/*.1; do
	! grep -nE '@[A-Z0-9_]+@' "$page" || die "$page holds a placeholder left unfilled"
done
MANWIDTH=80 man -l "$build/man/vlab.1" 2>/dev/null | sed 's/\x08.//g' >man-vlab.txt
grep -q "^OPTIONS" man-vlab.txt && grep -q -- "--version" man-vlab.txt || die "vlab(1) has no OPTIONS with --version"
printf '.SH DESCRIPTION\nx\n@OPTIONS@\n.SH SEE ALSO\n@SEE_ALSO@\n' >stray.1.in
if "$docgen" man vlab-list stray.1.in 2000-01-01 >stray.1 2>stray.err; then
	die "vlab-docgen accepted a fragment with @SEE_ALSO@"
fi
grep -q "vlab-list.*line 5.*@SEE_ALSO@" stray.err || die "vlab-docgen's refusal names no page, line and word: $(cat stray.err)"
printf '.SH DESCRIPTION\nx\n@OPTIONS@\n@COMMANDS@\n' >stray.1.in
"$docgen" man vlab-list stray.1.in 2000-01-01 >stray.1 2>stray.err && die "vlab-docgen filled @COMMANDS@ in a command's page"
"$docgen" man vlab stray.1.in 2000-01-01 >stray.1 2>stray.err || die "vlab-docgen refused vlab(1)'s placeholders: $(cat stray.err)"
note "no page holds @WORD@; vlab-docgen refuses one it does not fill"

# vlab-verify(1) says what each N reports, as verify.c does it (verify.sh and
# verify_two_vms.sh hold the reports to it): 1 alone, 1 and 2, 3 alone
MANWIDTH=200 man -l "$build/man/vlab-verify.1" 2>/dev/null | sed 's/\x08.//g' >man-verify.txt
! grep -q "chapters 1 to" man-verify.txt || die "vlab-verify(1) still says verify N reports chapters 1 to N"
for want in "vlab verify 1 chapter 1 alone" "vlab verify 2 chapters 1 and 2" "vlab verify 3 chapter 3 alone"; do
	tr -s ' \n' '  ' <man-verify.txt | grep -qF "$want" || die "vlab-verify(1) does not say '$want'"
done

# the completion, in a real bash
complete_words() { # complete_words WORD... : what TAB offers after them
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vlab; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$build/completion/vlab" "$@" | sort | tr '\n' ' '
}
expect_completion() { # expect_completion "WANT" WORD...
	local want=$1 got
	shift
	got=$(complete_words "$@")
	[ "$got" = "$want" ] || die "completing '$*': got '$got', want '$want'"
}
expect_completion "grade " vlab gr
expect_completion "chapter check clean console " vlab c
expect_completion "--format " vlab chapter 1 --for
expect_completion "json junit tap text " vlab run --format ""
# each command's own formats, in its completion, --help and page alike
expect_completion "json text " vlab list --format ""
expect_completion "json text " vlab check iperf --format ""
grep -q -- "--format FORMAT *how to print: text or json " help-list.txt || die "vlab list --help: $(grep -- --format help-list.txt)"
grep -q -- "how to print: text, json, junit or tap " help-grade.txt || die "vlab grade --help: $(grep -- --format help-grade.txt)"
tr -s ' \n' '  ' <man-list.txt | grep -q "how to print: text or json" || die "vlab-list(1) does not list its formats"
expect_completion "0 1 2 3 4 5 " vlab chapter ""
expect_completion "1 2 3 " vlab verify ""
expect_completion "boot " vlab chapter 1 --step bo
expect_completion "-j " vlab grade -j
expect_completion "merge " vlab report ""
expect_completion "export import " vlab image ""
expect_completion "default " vlab fetch def
expect_completion "iperf " vlab check ip
expect_completion "grade " vlab help gra

# make install, into a scratch root
san=
case $VLAB in */build/san/vlab) san=SANITIZE=address,undefined ;; esac
make -C "$VLAB_REPO" --no-print-directory -s install $san DESTDIR="$SCRATCH/root" PREFIX=/usr >install.log 2>&1 ||
	{ cat install.log; die "make install failed"; }
for f in bin/vlab share/vlab/profiles.manifest share/man/man1/vlab.1 share/man/man1/vlab-grade.1 \
	share/bash-completion/completions/vlab; do
	[ -s "$SCRATCH/root/usr/$f" ] || die "make install did not install /usr/$f"
done
[ "$(ls "$SCRATCH/root/usr/share/man/man1" | wc -l)" = "$(ls "$build/man" | wc -l)" ] || die "not every page installed"
"$SCRATCH/root/usr/bin/vlab" version | grep -q "^vlab " || die "the installed vlab does not run"
MANWIDTH=80 man -l "$SCRATCH/root/usr/share/man/man1/vlab-chapter.1" 2>/dev/null | grep -q -- "--boot-timeout" ||
	die "the installed vlab-chapter(1) does not render"
note "make install: binary, manifest, $(ls "$SCRATCH/root/usr/share/man/man1" | wc -l) pages, completion"
