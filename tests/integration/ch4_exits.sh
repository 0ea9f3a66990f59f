# Chapter 4 step 2 for real, inside the emulated KVM host (--emulated-kvm
# always, so on any host, and without --allow-module-reload: kvm_amd in
# there is nobody else's): VM exits counted with npt on, kvm_amd reloaded
# with npt=0, CR-access exits counted (write_cr3: KVM shadows the guest's
# page tables), none with npt on, npt=Y put back. First a SIGINT while that
# reload runs: the inner run restores npt and ends, the machine powers off,
# vlab exits 130, and nothing is left (no qemu, socket, appended initramfs,
# ledger, nor an EPT/NPT restore state that this host's `vlab clean` or
# `vlab doctor` would act on); the run after it passes. This host's own KVM
# modules are never touched. (kvm_intel's EPT path cannot be emulated, TCG
# having no VMX: ch4_ept_fake.sh tests it on a fake sysfs.)
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
[ -f "$(image_dir)/default/kvmhost-initrd.img" ] ||
	skip "no emulated KVM host in $(image_dir) (make image builds kvmhost-initrd.img)"
# the emulated host runs this host's /usr: perf and strace come from here
command -v perf >/dev/null || skip "perf is not installed (linux-perf): chapter 4 counts exits with perf kvm stat"
command -v strace >/dev/null || skip "strace is not installed (step 1 runs as step 2's set-up)"
export VLAB_RUN_DIR=$SCRATCH/run
host_npt() { cat /sys/module/kvm_amd/parameters/npt /sys/module/kvm_intel/parameters/ept 2>/dev/null; }
before=$(host_npt)

# what a finished or stopped run leaves: its files, nothing running
assert_all_gone() {
	assert_no_qemu_of "$VLAB_RUN_DIR"
	assert_rundir_clean "$VLAB_RUN_DIR"
	local left
	left=$(find "$VLAB_RUN_DIR" \( -name resources -o -name kvmhost-initrd.img -o -name 'ept-restore.state*' \) -print)
	[ -z "$left" ] || die "left behind: $left"
	[ "$(host_npt)" = "$before" ] || die "this host's KVM module changed: '$before' -> '$(host_npt)'"
	"$VLAB" status >status.txt 2>&1
	grep -q "^nothing: no vlab run" status.txt || { cat status.txt; die "vlab status lists something"; }
	"$VLAB" clean >clean.txt 2>&1
	! grep -q "KVM module" clean.txt || { cat clean.txt; die "vlab clean acted on a KVM module"; }
}

# 1. SIGINT while kvm_amd is being reloaded inside (text: its live lines say when)
"$VLAB" chapter 4 --step exits --seconds 2 --emulated-kvm always >int.out 2>int.err &
pid=$!
# as long as vlab itself waits: the chapter's deadline inside (300 s + 4 x
# --seconds) and, when the emulated host wedged or locked up, one retry
for _ in $(seq 1 6600); do
	grep -q 'host\$ modprobe -r kvm_amd && modprobe kvm_amd npt=0' int.out 2>/dev/null && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
grep -q 'modprobe -r kvm_amd' int.out || { cat int.out int.err; die "the reload never started"; }
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || { tail -n 20 int.out int.err; die "SIGINT during the reload: exit $rc, not 130"; }
# the inner vlab put npt back itself before the machine powered off
grep -q "kvm_amd npt=Y \(restored\|as it was\)" int.err || { cat int.err; die "no word of npt=Y put back inside"; }
grep -q "stopped by signal 2" int.err || die "no word of the stop"
assert_all_gone

# 2. the next run: every check of the step passes, CR-access exits with npt=0 and none with npt=1
"$VLAB" chapter 4 --step exits --seconds 3 --emulated-kvm always --format json >report.json 2>stderr.txt
rc=$?
[ $rc -eq 0 ] || { cat report.json stderr.txt; die "vlab chapter 4 --step exits inside exited $rc"; }
for id in ch4.exits_counted ch4.cr_exits_ept_off ch4.ept_restored; do
	check_status report.json "$id" pass
done
[ "$(jq -r .kvm_host report.json)" = emulated-amd-v ] || die "kvm_host: $(jq -r .kvm_host report.json)"
jq -e '.checks[] | select(.id == "ch4.cr_exits_ept_off") | .detail | test("with npt off, none with it on")' \
	report.json >/dev/null || die "the CR-access detail: $(jq -c '.checks[1]' report.json)"
run=$(jq -r .run_id report.json)
cr() { awk '$1 ~ /cr[0-9]/ { n += $2 } END { print n + 0 }' "$(jq -r ".artifacts.$1" report.json)"; }
off=$(cr perf_report_ept_off) on=$(cr perf_report_ept_on)
[ "$off" -gt 0 ] && [ "$on" -eq 0 ] || die "CR-access exits in perf's reports: $off with npt off, $on with npt on"
for a in perf_report_ept_on perf_report_ept_off strace_log kvmhost_console_log; do
	f=$(jq -r ".artifacts.$a" report.json)
	case $f in "$VLAB_RUN_DIR/$run/"*) ;; *) die "artifact $a is not in this host's run directory: $f" ;; esac
	[ -s "$f" ] || die "artifact $a is empty or missing: $f"
done
note "CR-access exits in $(jq -r '.metrics.exits_per_s | floor' report.json) exits/s: $off with npt off, $on with npt on"
assert_all_gone
assert_image_pristine default
