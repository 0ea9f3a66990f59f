/* The command line's part of each check: verdicts on its static shape
 * against the lab's VM, and the differences no check fails. */
#include "checks/qemu_cmdline_verdicts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runner/util.h"
#include "checks/lab_plan.h"

const char *append_param(const char *line, const char *key, size_t *len)
{
	const char *found = NULL;
	size_t kl = strlen(key);
	for (const char *p = line; p && *p;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			found = p + kl + 1;
			*len = n - kl - 1;
		}
		p += n;
	}
	return found;
}

size_t qemu_cmdline_differences(const struct qemu_cmdline *c, char out[][QEMU_DIFFERENCE_MAX], size_t max)
{
	size_t n = 0;
#define DIFF(...)                                                   \
	do {                                                        \
		if (n < max)                                        \
			snprintf(out[n], sizeof(out[n]), __VA_ARGS__); \
		n++;                                                \
	} while (0)

	if (c->accel != QACCEL_KVM && c->accel_from[0])
		DIFF("`%s` instead of the lab's -enable-kvm: the guest runs under %s, right by hand where KVM "
		     "cannot run it (see `vlab doctor`); " LAB_TCG_HAND_IN,
		     c->accel_from, c->accel_name);
	else if (c->accel != QACCEL_KVM)
		DIFF("no -enable-kvm: the guest runs under qemu's default accelerator, %s, right by hand where KVM "
		     "cannot run it (see `vlab doctor`); " LAB_TCG_HAND_IN,
		     c->accel_name);
	else if (strcmp(c->accel_from, "-enable-kvm"))
		DIFF("`%s` instead of -enable-kvm: the same accelerator", c->accel_from);
	if (!c->cpu)
		DIFF("no -cpu: QEMU's default CPU model instead of the lab's -cpu host%s",
		     c->accel != QACCEL_KVM ? " (keep -cpu host in the script you hand in)" : "");
	else if (strcmp(c->cpu, "host"))
		DIFF("`-cpu %s` instead of the lab's -cpu host%s", c->cpu,
		     c->accel != QACCEL_KVM ? " (keep -cpu host in the script you hand in)" : "");
	if (!c->nodefaults)
		DIFF("no -nodefaults: QEMU adds its default devices (a VGA card, a NIC unless one is given, ...)");
	if (c->initrd)
		DIFF("`-initrd %s` added (the lab's kernel needs none)", c->initrd);
	size_t len = 0;
	const char *console = c->append ? append_param(c->append, "console", &len) : NULL;
	if (console && (len != 4 || strncmp(console, "hvc0", 4)))
		DIFF("console=%.*s instead of the lab's console=hvc0 in -append", (int)len, console);
	struct qemu_disk d;
	if (qemu_cmdline_virtio_disk(c, &d) == 0) {
		char *t = qemu_opt_text_dup(d.backend);
		if (!d.device)
			DIFF("`%s` instead of -device virtio-blk-pci with -blockdev file: the same virtio disk", t);
		else if (d.driver && strcmp(d.driver, "file"))
			DIFF("`%s`: the disk is a %s image, not the lab's raw file node", t, d.driver);
		free(t);
	}
	struct qemu_serial s;
	if (qemu_cmdline_serial(c, &s, NULL, 0) == 0 && !s.device) {
		char *t = qemu_opt_text_dup(s.chardev);
		DIFF("`%s` instead of -device isa-serial with -chardev socket: the same serial port", t);
		free(t);
	}
	if (qemu_cmdline_qmp_path(c))
		DIFF("a QMP socket (%s): vlab asks QEMU itself through it", qemu_cmdline_qmp_path(c));
#undef DIFF
	return n;
}

/* ---- verdicts ---------------------------------------------------------- */

#define HINT_SERIAL "-device isa-serial,chardev=serial0 -chardev socket,id=serial0,path=serial.socket,server,nowait"
#define HINT_DISK "-device virtio-blk-pci,drive=id0 -blockdev file,node-name=id0,filename=simple_alpine_rootfs1.ext4"
#define HINT_NIC "-device e1000,netdev=hostnet0,id=net0,mac=" LAB_NIC_MAC " -netdev tap,ifname=" LAB_TAP ",id=hostnet0"

void check_cmdline_lab_vm(struct check_result *r, const struct qemu_cmdline *c, int pid, char state,
			  const char *qmp_status, bool qmp_running)
{
	if (state == 'Z' || state == 'X') {
		check_fail(r, "start the VM again (sudo ./runqemu_single_vm.sh) and read what qemu prints",
			   "qemu (pid %d) has exited; its parent has not collected it yet", pid);
		return;
	}
	if (state == 'T' || state == 't') {
		char *hint = xasprintf("in qemu's terminal type `fg`, or run `kill -CONT %d`", pid);
		check_fail(r, hint, "qemu (pid %d) is stopped (Ctrl-Z in its terminal?): the VM does not run", pid);
		free(hint);
		return;
	}
	if (!c->kernel) {
		check_fail(r, "boot the lab's kernel: -kernel alpine-bzImage (" LAB_SECTION_CH1 ")",
			   "qemu (pid %d) has no -kernel: it is not the lab's VM, which boots a kernel directly", pid);
		return;
	}
	if (qmp_status && !qmp_running) {
		check_fail(r, "the VM was started paused (-S?) or has stopped; it must be running",
			   "qemu (pid %d) is up but QMP says the VM is '%s'", pid, qmp_status);
		return;
	}
	if (!qmp_status && c->paused) {
		check_fail(r, "leave out -S: it starts the VM paused until a monitor says 'cont'",
			   "qemu (pid %d) was started with -S: the VM waits, paused, for a 'cont'", pid);
		return;
	}
	struct strbuf d = STRBUF_INIT;
	sb_addf(&d, "qemu (pid %d) runs the lab's VM: -kernel %s, accelerator %s", pid, c->kernel, c->accel_name);
	if (c->accel_from[0])
		sb_addf(&d, " (%s)", c->accel_from);
	else
		sb_adds(&d, " (qemu's default)");
	if (qmp_status)
		sb_addf(&d, "; QMP query-status: %s", qmp_status);
	check_pass(r, "%s", d.buf);
	sb_release(&d);
}

void check_cmdline_memory(struct check_result *r, const struct qemu_cmdline *c, uint64_t wanted)
{
	char want[32], seen[32];
	format_size(wanted, want, sizeof(want));
	char *hint = xasprintf("give the VM -m %lluM, as the lab's command does (" LAB_SECTION_CH1 ")",
			       (unsigned long long)(wanted >> 20));
	if (!c->memory) {
		check_fail(r, hint, "no -m: qemu's default is 128 MiB; the lab asks for %s", want);
	} else {
		char *t = qemu_opt_text_dup(c->memory);
		format_size(c->memory_bytes, seen, sizeof(seen));
		if (!c->memory_bytes)
			check_fail(r, hint, "`%s`: not a size vlab can read; the lab asks for %s", t, want);
		else if (c->memory_bytes != wanted)
			check_fail(r, hint, "`%s` gives the guest %s; the lab asks for %s", t, seen, want);
		else
			check_pass(r, "`%s`: %s", t, seen);
		free(t);
	}
	free(hint);
}

void check_cmdline_rootfs(struct check_result *r, const struct qemu_cmdline *c, const char *root_dev,
			  const char *root_fstype, const char *not_read)
{
	const char *hint = "attach the rootfs as the lab does: " HINT_DISK " and boot with root=/dev/vda (" LAB_SECTION_CH1 ")";
	struct qemu_disk d;
	if (qemu_cmdline_virtio_disk(c, &d)) {
		const struct qemu_opt *other = qemu_cmdline_nth(c, QOPT_DISK, 0);
		if (!other)
			other = qemu_cmdline_nth(c, QOPT_DRIVE, 0);
		if (!other)
			other = qemu_cmdline_nth(c, QOPT_BLOCKDEV, 0);
		if (other) {
			char *t = qemu_opt_text_dup(other);
			check_fail(r, hint, "`%s` is no virtio-blk disk: the guest would not see it as /dev/vda", t);
			free(t);
		} else {
			check_fail(r, hint, "the VM has no disk: no -device virtio-blk-pci bound to a -blockdev");
		}
		return;
	}
	size_t len = 0;
	const char *root = c->append ? append_param(c->append, "root", &len) : NULL;
	if (root && (len != 8 || strncmp(root, "/dev/vda", 8))) {
		check_fail(r, "the virtio disk is /dev/vda in the guest: -append \"root=/dev/vda ...\"",
			   "`-append \"%s\"` has root=%.*s: the virtio disk is /dev/vda", c->append, (int)len, root);
		return;
	}
	struct strbuf det = STRBUF_INIT;
	char *bt = qemu_opt_text_dup(d.backend);
	if (d.device) {
		char *dt = qemu_opt_text_dup(d.device);
		sb_addf(&det, "`%s` is bound to `%s` (%s)", dt, bt, d.file);
		free(dt);
	} else {
		sb_addf(&det, "`%s` is a virtio-blk disk on %s", bt, d.file);
	}
	free(bt);
	if (root_dev) {
		if (strcmp(root_dev, "/dev/vda")) {
			check_fail(r, hint, "%s, but the guest's / is %s (%s), not /dev/vda", det.buf,
				   *root_dev ? root_dev : "unknown", root_fstype && *root_fstype ? root_fstype : "?");
			sb_release(&det);
			return;
		}
		if (!root_fstype || strcmp(root_fstype, "ext4")) {
			check_fail(r, "the lab's rootfs is an ext4 image", "%s, but /dev/vda is mounted on / as %s, not ext4",
				   det.buf, root_fstype && *root_fstype ? root_fstype : "?");
			sb_release(&det);
			return;
		}
		sb_adds(&det, "; in the guest / is ext4 on /dev/vda");
	} else if (not_read && *not_read) {
		sb_addf(&det, "; the guest's /proc/mounts was not read: %s", not_read);
	}
	check_pass(r, "%s", det.buf);
	sb_release(&det);
}

bool check_cmdline_serial(struct check_result *r, const struct qemu_cmdline *c)
{
	struct qemu_serial s;
	char why[512];
	if (qemu_cmdline_serial(c, &s, why, sizeof(why)) == 0)
		return true;
	check_fail(r, "give the VM the lab's serial console: " HINT_SERIAL " (" LAB_SECTION_CH1 ")",
		   "%s", why);
	return false;
}

void check_cmdline_no_nic(struct check_result *r, const struct qemu_cmdline *c)
{
	struct qemu_nic nics[4];
	size_t n = qemu_cmdline_nics(c, nics, ARRAY_SIZE(nics));
	if (!n) {
		check_pass(r, "the command gives the VM no NIC");
		return;
	}
	if (!nics[0].device) {
		check_fail(r, "add -nodefaults, as the lab's command has it",
			   "no -nodefaults: QEMU adds its default NIC (an e1000 on user-mode networking)");
		return;
	}
	char *t = qemu_opt_text_dup(nics[0].device);
	check_fail(r, "chapter 1's VM has no NIC: leave out -device e1000/-netdev (chapter 2 adds them)",
		   "the command gives the VM %s NIC%s: `%s`", n == 1 ? "a" : "more than one", n == 1 ? "" : "s", t);
	free(t);
}

void check_cmdline_nic(struct check_result *r, const struct qemu_cmdline *c, const char *model, const char *mac,
		       const char *ifname)
{
	char *hint = xasprintf("give the VM the lab's NIC: " HINT_NIC " (" LAB_SECTION_CH2 ")");
	struct qemu_nic nics[8], by_mac;
	size_t n = qemu_cmdline_nics(c, nics, ARRAY_SIZE(nics));
	if (n > ARRAY_SIZE(nics))
		n = ARRAY_SIZE(nics);
	const struct qemu_nic *nic = qemu_cmdline_nic_by_mac(c, mac, &by_mac) ? &by_mac : NULL;
	if (!nic) {
		/* the student's NIC of the lab's model, else their first */
		for (size_t i = 0; i < n && !nic; i++)
			if (nics[i].model && !strcmp(nics[i].model, model))
				nic = &nics[i];
		if (!nic && n)
			nic = &nics[0];
		if (!nic) {
			check_fail(r, hint, "the VM has no NIC: the command has no -device %s with a -netdev tap", model);
		} else if (!nic->device) {
			check_fail(r, hint, "no NIC option: the VM's only NIC is QEMU's default one (user-mode "
					    "networking, MAC 52:54:00:12:34:56), not %s", mac);
		} else {
			char *t = qemu_opt_text_dup(nic->device);
			if (nic->mac)
				check_fail(r, hint, "`%s`: its MAC is %s; the lab asks for %s", t, nic->mac, mac);
			else
				check_fail(r, hint, "`%s` has no mac=: qemu gives it 52:54:00:12:34:56; the lab asks for %s",
					   t, mac);
			free(t);
		}
		free(hint);
		return;
	}
	char *dt = qemu_opt_text_dup(nic->device);
	if (!nic->model || strcmp(nic->model, model)) {
		check_fail(r, hint, "`%s`: a %s NIC; the lab's is an emulated Intel %s", dt,
			   nic->model ? nic->model : "default", model);
	} else if (!nic->backend) {
		check_fail(r, hint, "`%s` is bound to no -netdev (netdev=%s): the NIC has no host side", dt,
			   nic->netdev_id ? nic->netdev_id : "");
	} else {
		char *bt = qemu_opt_text_dup(nic->backend);
		if (!nic->type || strcmp(nic->type, "tap")) {
			const char *what = nic->type && !strcmp(nic->type, "user")
						   ? "user-mode networking (slirp), not a tap: the guest is not on " LAB_TAP
						   : "not a tap";
			check_fail(r, hint, "`%s`: %s; the lab asks for -netdev tap,ifname=%s", bt, what, ifname);
		} else if (!nic->ifname) {
			check_fail(r, hint, "`%s` has no ifname=: qemu makes a new tap of its own instead of using %s",
				   bt, ifname);
		} else if (strcmp(nic->ifname, ifname)) {
			check_fail(r, hint, "`%s`: the tap is %s; the lab's is %s", bt, nic->ifname, ifname);
		} else if (nic->device == nic->backend) {
			check_pass(r, "`%s`: an %s NIC with %s on tap %s", dt, model, mac, ifname);
		} else {
			check_pass(r, "`%s` on `%s`", dt, bt);
		}
		free(bt);
	}
	free(dt);
	free(hint);
}
