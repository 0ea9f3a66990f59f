# SIGINT while the VM boots and while the HTTP check runs: no tap, namespace,
# qemu or socket is left; and two chapter-2 runs at once each get their own
# namespace and both pass.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "chapter 2 makes a tap: needs root here (/dev/net/tun is 0600)"
require_taps
export VLAB_RUN_DIR=$SCRATCH/run

interrupt_when() { # interrupt_when FILE-PATTERN TEXT-IN-CONSOLE
	rm -rf "$VLAB_RUN_DIR"
	"$VLAB" chapter 2 --format json >report.json 2>stderr.txt &
	local pid=$! i
	for i in $(seq 600); do
		if [ -n "$2" ]; then
			grep -qs -- "$2" "$VLAB_RUN_DIR"/*/vm1.console.log && break
		else
			ls "$VLAB_RUN_DIR"/*/$1 >/dev/null 2>&1 && break
		fi
		sleep 0.05
	done
	kill -INT "$pid"
	wait "$pid"
	local rc=$?
	cat stderr.txt
	[ $rc -eq 130 ] || die "SIGINT: expected exit 130, got $rc"
	sleep 0.3
	assert_no_qemu_of "$VLAB_RUN_DIR"
	for d in "$VLAB_RUN_DIR"/*/; do assert_rundir_clean "$d"; done
	if ip netns list | grep -q '^vlab-'; then
		ip netns list
		# only namespaces of this test's runs count: their ids are in the run dir
		for d in "$VLAB_RUN_DIR"/*/; do
			! ip netns list | grep -q "vlab-$(basename "$d")" || die "namespace of $(basename "$d") left"
		done
	fi
}
interrupt_when vm1.qmp.sock ""
# during the HTTP check: the guest has started its server
interrupt_when "" "httpd -p 8000"

# two at once
rm -rf "$VLAB_RUN_DIR"
"$VLAB" chapter 2 --format json >a.json 2>a.err &
a=$!
"$VLAB" chapter 2 --format json >b.json 2>b.err &
b=$!
wait $a; ra=$?
wait $b; rb=$?
cat a.err b.err
[ $ra -eq 0 ] || { cat a.json; die "the first of two runs exited $ra"; }
[ $rb -eq 0 ] || { cat b.json; die "the second of two runs exited $rb"; }
[ "$(jq -r .run_id a.json)" != "$(jq -r .run_id b.json)" ] || die "two runs shared a run id"
