# vlab grade --network script: a script's ip and brctl commands applied by
# the grader in the sandbox's network namespace. No guest boots: the scripts
# do the network part only and print what they built.
#   course:  the course's runqemu_two_vms.sh (tests/fixtures/netcmds), its
#            lines up to the qemus, under `set -e`: taps, bridges and
#            addresses exactly as it asks, its deletes of what is not there
#            succeeding
#   swapped: tap2 on br1 and tap1 on br0, a wrong address: kept as written
#            (graded wrong later, never corrected)
#   evil:    a dummy link, eth0, lo, a netns, ip -n, a tap outside the lab's
#            names: each refused with "vlab: refused:" and status 1,
#            recorded, nothing of it made; and ip's own errors (a tap that
#            exists) with ip's own words and status
# After each: the host's links and named network namespaces as before.
. "$VLAB_REPO/tests/integration/lib.bash"
[ "$(id -u)" = 0 ] || skip "vlab grade makes its sandboxes as root"
command -v jq >/dev/null || skip "jq is not installed"
require_image
require_grading

host_links() { ip -o link show | awk -F': ' '{ print $2 }' | sort; }
host_netns() { ls /run/netns 2>/dev/null | sort; }
host_links >links.before
host_netns >netns.before

course="$VLAB_REPO/tests/fixtures/netcmds/runqemu_two_vms.sh"
[ -f "$course" ] || die "no $course"

mkdir -p subs/course subs/swapped subs/evil
{
	echo '#!/bin/bash'
	echo 'set -e'
	# the course's script, every line up to its qemus
	sed '1d; /^QEMU_OPTS1=/,$d' "$course"
	echo 'ip -j link show >links.json'
	echo 'ip -j -4 addr show >addrs.json'
	echo 'cat links.json; echo; cat addrs.json; echo'
	echo 'brctl show'
	echo 'echo NETWORK-DONE'
} >subs/course/runqemu_single_vm.sh

cat >subs/swapped/runqemu_single_vm.sh <<'EOF'
#!/bin/bash
set -e
for i in 0 1 2 3; do ip tuntap add dev tap$i mode tap; ip l s tap$i up; done
ip link add br0 type bridge
ip link add name br1 type bridge
ip link set dev tap0 master br0
ip link set dev tap2 master br1
brctl addif br0 tap1 tap3
ip -4 addr add 10.0.0.7/24 dev br0
ip address add 192.168.50.1/24 dev br1
ip link set br0 up
echo SWAPPED-DONE
EOF

cat >subs/evil/runqemu_single_vm.sh <<'EOF'
#!/bin/bash
try() { "$@" 2>>refusals.txt; echo "rc=$? $*"; }
try ip link add evil type dummy
try ip link set eth0 up
try ip link set lo down
try ip netns add x
try ip -n x link set tap0 up
try ip tuntap add vlabevil0 mode tap
try brctl addbr vlabevil1
try /usr/sbin/ip link add vlabevil2 type bridge
try /sbin/ip tuntap add tap0 mode tap
try ip tuntap add tap0 mode tap
try ip link add br0 type bridge
try ip link add br0 type bridge
try brctl addbr br0
try ip link set tap9 up
try ip link set tap1 up
try ip link del tap3
try brctl addif br0 tap0
try brctl addif br0 tap0
try brctl delbr br0
cat refusals.txt
echo EVIL-DONE
EOF
chmod +x subs/*/runqemu_single_vm.sh

"$VLAB" grade --network script --timeout 60 --out out subs/course subs/swapped subs/evil \
	>grade.out 2>&1 || true
[ -f out/course/report.json ] || die "no report for course: $(tail -5 grade.out)"

# the course's network part ran to its end under set -e
grep -q NETWORK-DONE out/course/script.log || die "the course's script did not finish: $(tail -20 out/course/script.log)"
grep -q "vlab: refused" out/course/script.log && die "the course's script met a refusal: $(grep refused out/course/script.log)"
# what the kernel holds (netns.json, read by the worker over rtnetlink), and
# what iproute2 itself printed in the sandbox (links.json), agree with the
# course's plan
link() { jq -r --arg n "$2" ".links[] | select(.name == \$n) | $3" "out/$1/netns.json"; }
for t in tap0 tap2; do [ "$(link course $t .master)" = br0 ] || die "course: $t not on br0"; done
for t in tap1 tap3; do [ "$(link course $t .master)" = br1 ] || die "course: $t not on br1"; done
for l in tap0 tap1 tap2 tap3 br0 br1; do
	[ "$(link course $l .up)" = true ] || die "course: $l not up"
done
[ "$(link course tap0 .kind)" = tun ] || die "course: tap0 is no tap"
[ "$(link course br0 .kind)" = bridge ] || die "course: br0 is no bridge"
[ "$(link course br0 '.addresses | join(",")')" = 10.0.0.1/24 ] || die "course: br0's address"
[ "$(link course br1 '.addresses | join(",")')" = 10.0.1.1/24 ] || die "course: br1's address"
sed -n '/^\[{"ifindex"/p' out/course/script.log | head -1 >course-links.json
[ "$(jq -r '.[] | select(.ifname == "tap2") | .master' course-links.json)" = br0 ] ||
	die "ip -j link show in the sandbox: tap2's master is not br0"
grep -q "^br1" out/course/script.log || die "brctl show in the sandbox lists no br1"
# each command recorded: the shim's records, the grader's log
jq -s -e 'map(select(.argv == ["brctl","addif","br0","tap2"] and .status == 0)) | length == 1' out/course/net-commands.jsonl >/dev/null ||
	die "the grader's log lacks brctl addif br0 tap2"
n=$(ls out/course/net-*.json | grep -c 'net-[0-9]*\.json$')
[ "$n" -ge 24 ] || die "course: $n records, fewer than the script's network commands"
# 4 tuntap add, 4 link set up; for each bridge addbr, 2 addif, set up, addr add
jq -s -e 'map(select(.class == "change" and .outcome.status == 0)) | length == 18' out/course/net-*.json >/dev/null ||
	die "course: not its 18 changes recorded with status 0"

# a wrong layout is kept as written
grep -q SWAPPED-DONE out/swapped/script.log || die "swapped did not finish: $(tail -20 out/swapped/script.log)"
[ "$(link swapped tap2 .master)" = br1 ] || die "swapped: tap2 is not on br1"
[ "$(link swapped tap1 .master)" = br0 ] || die "swapped: tap1 is not on br0"
[ "$(link swapped tap3 .master)" = br0 ] || die "swapped: tap3 is not on br0"
[ "$(link swapped br0 '.addresses | join(",")')" = 10.0.0.7/24 ] || die "swapped: br0's wrong address was not kept"
[ "$(link swapped br1 '.addresses | join(",")')" = 192.168.50.1/24 ] || die "swapped: br1's address"
[ "$(link swapped br1 .up)" = false ] || die "swapped: br1 was never set up"

# refusals: status 1, one line, recorded; nothing made
log=out/evil/script.log
grep -q EVIL-DONE $log || die "evil did not finish: $(tail -20 $log)"
rc_of() { grep -F -x "rc=$1 $2" $log >/dev/null || die "evil: '$2' did not end with $1: $(grep -F " $2" $log)"; }
rc_of 1 "ip link add evil type dummy"
rc_of 1 "ip link set eth0 up"
rc_of 1 "ip link set lo down"
rc_of 1 "ip netns add x"
rc_of 1 "ip -n x link set tap0 up"
rc_of 1 "ip tuntap add vlabevil0 mode tap"
rc_of 1 "brctl addbr vlabevil1"
rc_of 1 "/usr/sbin/ip link add vlabevil2 type bridge"
rc_of 0 "/sbin/ip tuntap add tap0 mode tap"
# ip's and brctl's own words and statuses for real failures
rc_of 1 "ip tuntap add tap0 mode tap"
rc_of 0 "ip link add br0 type bridge"
rc_of 2 "ip link add br0 type bridge"
rc_of 1 "brctl addbr br0"
rc_of 1 "ip link set tap9 up"   # not a lab name: refused
rc_of 1 "ip link set tap1 up"
rc_of 0 "ip link del tap3"
rc_of 0 "brctl addif br0 tap0"
rc_of 1 "brctl addif br0 tap0"
rc_of 0 "brctl delbr br0"
grep -q "vlab: refused: .*evil" $log || die "evil: no refusal naming evil"
grep -q "ioctl(TUNSETIFF): Device or resource busy" $log || die "evil: no iproute2 words for a tap that exists"
grep -q "RTNETLINK answers: File exists" $log || die "evil: no iproute2 words for a bridge that exists"
grep -q 'Cannot find device "tap1"' $log || die "evil: no iproute2 words for a missing link"
grep -q "device tap0 is already a member of a bridge" $log || die "evil: no brctl words for addif twice"
# the refusals are recorded
jq -s -e 'map(select(.class == "refused" and (.argv | index("evil")))) | length == 1' out/evil/net-*.json >/dev/null ||
	die "evil: the dummy link's refusal is not recorded"
jq -s -e 'map(select(.class == "refused" and .argv[1] == "netns" and .outcome.status == 1)) | length == 1' \
	out/evil/net-*.json >/dev/null || die "evil: ip netns add is not recorded as refused"
# nothing of the refused made in the sandbox; br0 deleted, tap0 made
names=$(jq -r '.links[].name' out/evil/netns.json | sort | tr '\n' ' ')
[ "$names" = "lo tap0 " ] || die "evil: the sandbox's links are '$names', not lo and tap0"

# the host is as it was: links, named namespaces
host_links >links.after
host_netns >netns.after
diff links.before links.after >/dev/null || die "host links changed: $(diff links.before links.after)"
diff netns.before netns.after >/dev/null || die "host netns changed: $(diff netns.before netns.after)"
ip -o link show | grep -E 'vlabevil|evil' && die "an evil link reached the host"

# without --network script (chapters 1-2) nothing of a script's is applied
mkdir -p subs1/one
cat >subs1/one/runqemu_single_vm.sh <<'EOF'
#!/bin/bash
ip tuntap add tap1 mode tap; echo "rc=$?"
ip -j link show
EOF
chmod +x subs1/one/runqemu_single_vm.sh
"$VLAB" grade --timeout 30 --out out1 subs1/one >grade1.out 2>&1 || true
grep -q "^rc=1$" out1/one/script.log || die "chapters 1-2: ip tuntap add was not refused: $(cat out1/one/script.log)"
grep -q "vlab: refused: in this grading vlab makes tap0 itself" out1/one/script.log || die "chapters 1-2: no refusal line"
grep -q '"ifname":"tap1"' out1/one/script.log && die "chapters 1-2: tap1 was made"
grep -q '"ifname":"tap0"' out1/one/script.log || die "chapters 1-2: vlab's tap0 is not there"
[ ! -e out1/one/netns.json ] || die "chapters 1-2: netns.json written"
host_links >links.after1
diff links.before links.after1 >/dev/null || die "host links changed: $(diff links.before links.after1)"
echo "ok"
