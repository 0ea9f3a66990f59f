# vlab check strace FILE [--guest-memory SIZE]: a student's saved strace log judged
# by the same check as chapter 4 (ch4.strace_memory_region).
. "$VLAB_REPO/tests/integration/lib.bash"
f=$VLAB_REPO/tests/fixtures/strace
"$VLAB" check strace "$f/strace-shared-m256M.log" >out.txt || { cat out.txt; die "the lab's 256 MiB log must pass"; }
grep -q "256 MiB" out.txt || die "the verdict does not give the size"
"$VLAB" check strace "$f/strace-m256M-lab-ampersand.log" >/dev/null || die "the lab's &> log (qemu's stderr mixed in) must pass"
"$VLAB" check strace "$f/strace-m512M-f.log" >out.txt
[ $? -eq 1 ] || die "a 512 MiB log must fail the lab's 256 MiB"
grep -q "adds up to 512 MiB" out.txt || die "the failure does not say what was found"
"$VLAB" check strace --guest-memory 5G "$f/strace-m5G-f.log" --format json >out.json || die "--guest-memory 5G on a 5 GiB log must pass"
jq -e '.checks[0].status == "pass" and .metrics.ram_bytes == 5368709120' out.json >/dev/null || { cat out.json; die "json lacks the verdict or the bytes"; }
# --memory, the option's first spelling, is vlab grade's sandbox limit: one
# name, one meaning, so here it is the usual usage error
"$VLAB" check strace --format json --memory 5G "$f/strace-m5G-f.log" >out.json 2>err.txt
[ $? -eq 2 ] || die "--memory (grade's option) must be a usage error of vlab check"
grep -q "^vlab: unknown option '--memory'" err.txt || die "--memory: $(cat err.txt)"
grep -q "^usage: vlab check " err.txt || die "--memory: no usage line: $(cat err.txt)"
[ ! -s out.json ] || die "--memory: a report was printed: $(cat out.json)"
"$VLAB" check --help | grep -q -- "--guest-memory SIZE" || die "vlab check --help lacks --guest-memory"
! "$VLAB" check --help | grep -q -- "^  --memory" || die "vlab check --help has a row --memory, vlab grade's sandbox limit"
"$VLAB" check strace "$VLAB_REPO/README.md" >out.txt 2>err.txt
[ $? -eq 3 ] || die "a file that is not a strace log must exit 3"
grep -q "not a strace log" err.txt || die "the error does not say what is wrong"
"$VLAB" check strace --guest-memory lots "$f/strace-m5G-f.log" 2>err.txt
[ $? -eq 2 ] || die "a bad --guest-memory must be a usage error"
grep -q "^vlab: --guest-memory takes a size" err.txt || die "a bad --guest-memory: $(cat err.txt)"
