# vlab chapter 2 in its own network namespace: every check passes, the report
# carries the ping and HTTP numbers, nothing is left (no tap, no namespace, no
# qemu), and the host's own links and routes are untouched. In text, the HTTP
# step says which web server this image has before the student types one.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "chapter 2 makes a tap: needs root here (/dev/net/tun is 0600)"
require_taps
export VLAB_RUN_DIR=$SCRATCH/run
ip -o link show | awk -F': ' '{ print $2 }' | sort >links.before
ip route show >routes.before
"$VLAB" chapter 2 --format json >report.json
rc=$?
cat report.json
[ $rc -eq 0 ] || die "vlab chapter 2 exited $rc"
for id in ch2.tap_up ch2.nic_mac ch2.guest_ip ch2.ping_guest_to_host ch2.ping_host_to_guest \
	ch2.http_200 ch2.teardown_clean; do
	check_status report.json "$id" pass
done
jq -e '.checks[] | select(.id == "ch2.nic_mac") | .detail | test("e1000")' report.json >/dev/null ||
	die "nic_mac does not name the driver"
jq -e '.checks[] | select(.id == "ch2.http_200") | .detail | test("200")' report.json >/dev/null ||
	die "http_200 does not give the status"
argv=$(jq -r '.vms[0].argv | join(" ")' report.json)
case "$argv" in
*"-device e1000,netdev=hostnet0,id=net0,mac=52:54:00:8b:99:de -netdev tap,ifname=tap0,id=hostnet0"*) ;;
*) die "the NIC is not the lab's: $argv" ;;
esac
run=$(jq -r .run_id report.json)
assert_no_qemu_of "$run"
assert_rundir_clean "$VLAB_RUN_DIR/$run"
! ip netns list | grep -q "vlab-$run" || die "the namespace vlab-$run is left"

# in text, the HTTP step says before the student serves /root that the lab's
# python3 command is for the lab's Alpine image, and that this one has httpd
"$VLAB" chapter 2 --step http >text.txt 2>&1 || { cat text.txt; die "vlab chapter 2 --step http exited $?"; }
grep -q "The lab has you type \`python3 -m http.server 8000\` in /root; that is for the lab's" text.txt &&
	grep -q "profile alpine-lab, whose manifest line \`http python3\` says so" text.txt &&
	grep -q "This image (profile default) has no python3: here busybox's httpd serves /root instead" text.txt ||
	{ cat text.txt; die "the HTTP step does not say which server this image has"; }
[ "$(grep -n "has no python3" text.txt | cut -d: -f1)" -lt "$(grep -n "guest# httpd -p 8000 -h /root" text.txt | head -n 1 | cut -d: -f1)" ] ||
	die "the HTTP step shows httpd before it says why"
ip -o link show | awk -F': ' '{ print $2 }' | sort >links.after
ip route show >routes.after
diff links.before links.after || die "the host's links changed"
diff routes.before routes.after || die "the host's routes changed"
assert_image_pristine default
