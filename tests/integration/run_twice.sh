# `vlab run` (chapters 0-5 in one process) twice back to back, each exiting
# 0; then once with the run clock pinned (VLAB_TEST_RUN_CLOCK), so that every
# chapter starts in the same second: six run directories all the same, and a
# directory of the name the first chapter would take, left by "another run",
# neither reused nor written into. --emulated-kvm never: what is tested is
# the run directories (a chapter inside the emulated KVM host makes its own
# with the same rundir_create; ch4_exits.sh and ch5.sh run it), and three
# runs through the emulated host would cost three minutes.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "vlab run needs root here: chapters 2 and 3 make taps and /dev/net/tun is 0600"
require_taps
export VLAB_RUN_DIR=$SCRATCH/run

for i in 1 2; do
	"$VLAB" run --quiet --duration 1 --emulated-kvm never >run$i.txt 2>&1
	rc=$?
	[ $rc -eq 0 ] || die "vlab run number $i exited $rc: $(tail -n 5 run$i.txt)"
	grep -q "^vlab run: 6 chapter(s); all checks passed" run$i.txt || die "run $i: no summary line: $(tail -n 3 run$i.txt)"
done

now=$(date +%s)
stamp=$(date -d "@$now" +%Y%m%d-%H%M%S)
# vlab's pid is known before it runs: a subshell writes its own and then
# execs vlab; meanwhile the test leaves, as another run of that pid (before
# a reboot) would have, a directory at the name counter 000 would get
( echo "$BASHPID" >vlab.pid
  while [ ! -e go ]; do sleep 0.05; done
  VLAB_TEST_RUN_CLOCK=$now exec "$VLAB" run --quiet --duration 1 --emulated-kvm never --format json >pinned.json 2>pinned.err ) &
runner=$!
while [ ! -s vlab.pid ]; do sleep 0.05; done
theirs=$(printf '%s/%s-%07d-000' "$VLAB_RUN_DIR" "$stamp" "$(cat vlab.pid)")
mkdir -p "$theirs" && echo theirs >"$theirs/report.json"
touch go
wait "$runner"
rc=$?
[ $rc -eq 0 ] || die "vlab run with every chapter in one second exited $rc: $(tail -n 5 pinned.err)"
[ "$(jq length pinned.json)" = 6 ] || die "expected six chapter reports, got $(jq length pinned.json)"
ids=$(jq -r '.[].run_id' pinned.json)
[ "$(sort -u <<<"$ids" | wc -l)" = 6 ] || die "chapters shared a run id: $ids"
[ "$(cut -c1-15 <<<"$ids" | sort -u)" = "$stamp" ] || die "the run ids are not all of the pinned second $stamp: $ids"
grep -q -- '-000$' <<<"$ids" && die "a run took counter 000, which another run held: $ids"
for id in $ids; do
	[ -d "$VLAB_RUN_DIR/$id" ] || die "no run directory $id"
	assert_rundir_clean "$VLAB_RUN_DIR/$id"
	assert_no_qemu_of "$id"
done
[ "$(ls -A "$theirs")" = report.json ] || die "another run's directory got files: $(ls -A "$theirs")"
[ "$(cat "$theirs/report.json")" = theirs ] || die "another run's report was written over"
exit 0
