# The layout's rules hold (scripts/measure-structure, on the objects of the
# vlab under test): no source file over 800 lines, no function over 100, no
# cycle between modules by include or by call, none between directories by
# include, checks/ pure, nothing outside runner/cmd/ including a command, no
# long option defined in two rows, and no check id named in more than two
# files besides its definition.
. "$VLAB_REPO/tests/integration/lib.bash"
command -v nm >/dev/null || skip "nm (binutils) is not installed"
"$VLAB_REPO/scripts/measure-structure" "$(dirname "$VLAB")" || die "a rule of the layout is broken (above)"
