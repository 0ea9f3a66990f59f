#!/usr/bin/env bash
# Chapters 4 and 5 through vlab's emulated KVM host, against the same work
# done by hand, in one run. vlab: `vlab chapter 5 --format json` and
# `vlab chapter 4 --format json` with --emulated-kvm always (chapter 4 with
# kvm_amd's reload, npt=0 and back, inside). The floor, by hand: vlab's
# initramfs and module tree concatenated with cat, a plan written here, the
# same qemu-system-x86_64 command (TCG -cpu max, 2 vCPUs, 2 GiB, the same
# kernel, the same 9p shares) and, in place of vlab's agent, a shell script
# that runs the same inner `vlab chapter N` (its output to files on the
# share, no virtio-serial relay) and copies /run/vlab back. Runs alternate,
# floor then vlab. Rows: the whole command's wall time, the boot (qemu's
# start to the inner command's: vlab's kvmhost_boot_ms; the floor's agent
# script's first write on the share, by its mtime), qemu's peak memory.
# RUNS (default 5) runs of chapter 5, RUNS4 (default 3) of chapter 4.
. "$(dirname "$0")/lib.bash"
runs=${RUNS:-5}
runs4=${RUNS4:-3}
command -v /usr/bin/time >/dev/null || { echo "GNU time (/usr/bin/time) is needed for the floor's peak memory" >&2; exit 1; }
for f in vmlinux kvmhost-initrd.img kvmhost-modules.cpio.gz; do
	[ -f "$IMAGE_DIR/default/$f" ] || { echo "no $IMAGE_DIR/default/$f: make image" >&2; exit 1; }
done
vlab_real=$(readlink -f "$VLAB")
work=$(mktemp -d /tmp/vlab-bench-kvmhost.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/res" "$work/json"
export VLAB_RUN_DIR=$work/run
cd "$repo" || exit 1

# The plan's lines for the host's root, as vlab's are: symlinks as they are,
# /etc read-only, /usr under an overlay (it holds /usr/lib/modules), and the
# source tree (the working directory, vlab's binary, the image).
plan_root() {
	local p t
	for p in /bin /sbin /lib /lib32 /lib64 /libx32; do
		if [ -L "$p" ]; then t=$(readlink "$p") && echo "link $p $t"; fi
	done
	echo "share vlab0 /etc ro"
	echo "share vlab1 $repo ro"
	echo "share vlab2 /usr overlay"
}

# floor N OUT CMD...: the inner command by hand; its wall time (ms), boot
# (ms), qemu's peak memory (KiB) and status into OUT, its stdout in OUT.json
floor() {
	local n=$1 out=$2 d=$work/floor.$1
	shift 2
	mkdir -p "$d/guest/runs"
	local t0 qstart
	t0=$(now_ms)
	cat "$IMAGE_DIR/default/kvmhost-initrd.img" "$IMAGE_DIR/default/kvmhost-modules.cpio.gz" >"$d/initrd.img"
	{ plan_root; echo "modules /usr/lib/modules"; echo "rundir $d/guest"; echo "agent $d/guest/agent"; } >"$d/guest/plan"
	cat >"$d/guest/agent" <<EOF
#!/bin/sh
: >"\$2/started"
cd "$repo" || exit 1
env -i PATH="$(dirname "$vlab_real"):/usr/sbin:/usr/bin:/sbin:/bin" HOME=/root VLAB_RUN_DIR=/run/vlab \\
	VLAB_KVM_HOST=emulated-amd-v VLAB_IMAGE_DIR="$IMAGE_DIR" $* >"\$2/out" 2>"\$2/err" </dev/null
echo \$? >"\$2/status"
cp -r /run/vlab/. "\$2/runs/"
EOF
	chmod +x "$d/guest/agent"
	local shares=() tag path mode
	while read -r kind tag path mode; do
		[ "$kind" = share ] || continue
		shares+=(-virtfs "local,path=$path,mount_tag=$tag,security_model=none,readonly=on,multidevs=remap")
	done <"$d/guest/plan"
	qstart=$(now_ms)
	timeout 900 /usr/bin/time -f %M -o "$d/maxrss" qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
		-machine q35,accel=tcg -cpu max -m 2G -smp 2 -kernel "$IMAGE_DIR/default/vmlinux" -initrd "$d/initrd.img" \
		-append "console=ttyS0 rdinit=/init panic=-1 softlockup_panic=1 quiet" \
		-chardev "file,id=console,path=$d/console.log" -serial chardev:console "${shares[@]}" \
		-virtfs "local,path=$d/guest,mount_tag=vlabrun,security_model=none,multidevs=remap" >"$d/qemu.log" 2>&1
	local t1 started
	t1=$(now_ms)
	started=$(stat -c %.3Y "$d/guest/started" 2>/dev/null | tr -d .)
	echo "$((t1 - t0)) $((started - qstart)) $(cat "$d/maxrss") $(cat "$d/guest/status" 2>/dev/null || echo none)" >"$out"
	cp "$d/guest/out" "$work/json/${out##*/}.json"
}

# ours OUT CHAPTER: vlab's run; the same fields into OUT, its JSON in OUT.json
ours() {
	local out=$1 t0 t1 rc
	t0=$(now_ms)
	local json=$work/json/${out##*/}.json
	"$VLAB" chapter "$2" --format json --emulated-kvm always >"$json" 2>"$json.err"
	rc=$?
	t1=$(now_ms)
	echo "$((t1 - t0)) $(jq -r '.metrics.kvmhost_boot_ms' "$json") $(jq -r '.metrics.kvmhost_qemu_peak_rss_kb' "$json") $rc" >"$out"
}

check() { # check FILE: the run passed
	local json=$work/json/${1##*/}.json
	if [ "$(cut -d' ' -f4 "$1")" != 0 ] || [ "$(jq -r .result "$json")" != pass ]; then
		echo "a run did not pass: $1: $(cat "$1") $(jq -c '[.checks[] | {id, status}]' "$json")" >&2
		exit 1
	fi
}

i=0 lockups_floor=0 lockups_vlab=0
for ch in 5 4; do
	n=$runs
	[ "$ch" = 4 ] && n=$runs4
	inner="vlab chapter $ch --format json --emulated-kvm never"
	[ "$ch" = 4 ] && inner="$inner --allow-module-reload"
	for r in $(seq "$n"); do
		i=$((i + 1))
		floor "$i" "$work/res/f$ch.$r" "$inner"
		# a lockup of the emulated host (see vlab-kvmhost(1)): by hand, as
		# vlab does, the run is done again once, and counted
		if grep -q "soft lockup" "$work/floor.$i/console.log" 2>/dev/null; then
			echo "chapter $ch run $r: the floor's emulated host locked up; again, once" >&2
			lockups_floor=$((lockups_floor + 1))
			i=$((i + 1))
			floor "$i" "$work/res/f$ch.$r" "$inner"
		fi
		check "$work/res/f$ch.$r"
		ours "$work/res/v$ch.$r" "$ch"
		check "$work/res/v$ch.$r"
		[ "$(jq -r '.metrics.kvmhost_lockups_retried // 0' "$work/json/v$ch.$r.json")" = 0 ] ||
			lockups_vlab=$((lockups_vlab + 1))
		echo "chapter $ch run $r: floor $(cat "$work/res/f$ch.$r"), vlab $(cat "$work/res/v$ch.$r") (ms, boot ms, KiB, status)" >&2
	done
done

field() { cat "$@" | cut -d' ' -f"$field_no" | median; }
row() { # row NAME CH
	local fw vw fb vb fm vm
	field_no=1 fw=$(field "$work"/res/f"$2".*) vw=$(field "$work"/res/v"$2".*)
	field_no=3 fm=$(field "$work"/res/f"$2".*) vm=$(field "$work"/res/v"$2".*)
	echo "| $1 | $(ls "$work"/res/v"$2".* | wc -l) | $fw ms | $vw ms | $(awk -v a="$vw" -v b="$fw" 'BEGIN { printf "%.2f", a / b }') | $((fm / 1024)) MiB | $((vm / 1024)) MiB |"
}
echo "| benchmark | runs | floor (median) | vlab (median) | vlab/floor | floor qemu peak | vlab qemu peak |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
row "chapter 5 through the emulated host" 5
row "chapter 4 (npt reload) through it" 4
field_no=2
fb=$(field "$work"/res/f[45].*) vb=$(field "$work"/res/v[45].*)
echo "| boot to the inner command (all runs) | $((runs + runs4)) | $fb ms | $vb ms | $(awk -v a="$vb" -v b="$fb" 'BEGIN { printf "%.2f", a / b }') | | |"
echo "lockups of the emulated host, each run again once: floor $lockups_floor, vlab $lockups_vlab (of $((runs + runs4)) runs each)"
echo "machine: $(machine); /dev/kvm: $([ -e /dev/kvm ] && echo present || echo none)"
