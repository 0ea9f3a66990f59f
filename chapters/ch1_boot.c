/* Chapter 1: boot a VM with a kernel, an ext4 rootfs on virtio-blk and a
 * serial console on a UNIX socket; log in over the socket; look around. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/chapter.h"
#include "checks/ch1.h"
#include "checks/guest_parse.h"
#include "checks/qmp_parse.h"
#include "checks/transcript.h"
#include "runner/cleanup.h"
#include "runner/vm/console.h"
#include "runner/vm/qmp.h"
#include "runner/vm/relay.h"
#include "runner/report.h"
#include "runner/step.h"
#include "runner/lab.h"
#include "runner/manual.h"
#include "checks/lab_plan.h"

/* Chapter 1 of the lab text, for "redo" hints. */
#define LAB_CH1 "lab chapter 1, \"Build a simple QEMU + KVM Virtual Machine\""

static int ch1_prepare(struct lab *lab);
static void ch1_teardown(struct lab *lab);
static int judge_rootfs(struct lab *lab, const char *dev, const char *fstype);

/* QMP "return" of cmd into *ret; ERROR verdict on r when QMP fails. */
static int qmp_query(struct vm *vm, const char *cmd, json_t **ret, struct check_result *r)
{
	char *err = NULL;
	int rc = qmp_execute(vm->qmp, cmd, NULL, ret, &err, 5000);
	if (rc && rc != -EINTR && r)
		check_error(r, "QMP %s failed: %s", cmd, err ? err : strerror(-rc));
	free(err);
	return rc;
}

static int step_boot(struct lab *lab)
{
	struct vm *vm = &lab->vms[0];
	lab->nvms = 1;
	struct check_result *running = lab_check(lab, CHECK_CH1_QEMU_RUNNING);
	struct check_result *memory = lab_check(lab, CHECK_CH1_MEMORY_256M);
	int r = vm_prepare(lab, vm, "vm1", NULL, 0);
	if (r) {
		lab_block(lab, r, "cannot build the qemu command: %s", strerror(-r));
		check_error(running, "%s", lab->blocked);
		return r;
	}
	ui_note(lab, "The lab's command, with this image's file names:");
	ui_command(lab, "host", vm->lab_command);
	ui_note(lab, "What vlab changes, and why:");
	for (int i = 0; i < vm->spec.nnotes; i++)
		ui_note(lab, "  * %s: %s", vm->spec.notes[i].what, vm->spec.notes[i].why);
	struct strbuf cmd = STRBUF_INIT;
	vm_format_command(&vm->argv, true, &cmd);
	ui_note(lab, "The command vlab runs:");
	ui_command(lab, "host", cmd.buf);
	sb_release(&cmd);

	r = lab_boot_vms(lab, &vm, 1, BOOT_STARTED);
	if (r == -EINTR)
		return r;
	if (r) {
		if (vm->pid == 0) {
			check_fail(running, NULL, "%s", lab->blocked); /* never started */
		} else {
			char *tail = vm_stderr_tail(vm, 5);
			bool alive = vm_alive(vm);
			check_qemu_running(running, alive, NULL, false, vm->exit_desc[0] ? vm->exit_desc : "exited during boot",
					   tail);
			free(tail);
		}
		return r;
	}

	json_t *ret = NULL;
	char status[32] = "";
	bool is_running = false;
	if (qmp_query(vm, "query-status", &ret, running) == 0) {
		if (qmp_parse_status(ret, status, sizeof(status), &is_running))
			check_error(running, "QMP query-status gave an unexpected reply");
		else
			check_qemu_running(running, vm_alive(vm), status, is_running, NULL, NULL);
	}
	json_decref(ret);
	ret = NULL;
	uint64_t base = 0;
	if (qmp_query(vm, "query-memory-size-summary", &ret, memory) == 0) {
		if (qmp_parse_memory_summary(ret, &base, NULL))
			check_error(memory, "QMP query-memory-size-summary gave an unexpected reply");
		else
			check_memory(memory, base, LAB_MEMORY_BYTES);
	}
	json_decref(ret);
	return 0;
}

/* Log in and ask the guest who we are; the verdict goes to id. */
static int login_as(struct lab *lab, int which, const char *id)
{
	struct vm *vm = &lab->vms[0];
	struct check_result *r = lab_check(lab, id);
	const struct image_profile *p = lab->image.profile;
	if (which >= p->nlogins) {
		check_skip(r, "image profile '%s' has no second account", p->name);
		return 0;
	}
	const struct login *l = &p->logins[which];
	ui_note(lab, "Logging in as %s on %s", l->user, vm->serial_path);
	ui_wait_begin(lab, "logging in");
	int rc = vm_login(lab, vm, l->user, l->password);
	struct strbuf out = STRBUF_INIT;
	int status = -1;
	if (rc == 0)
		rc = vm_run(lab, vm, "id -un", lab_cmd_timeout_ms(lab, 5000), &out, &status);
	check_login(r, l->user, rc, out.buf, vm->transcript_path);
	sb_release(&out);
	if (rc && rc != -EACCES) {
		return lab_block(lab, rc, "the serial console stopped answering (%s); see %s", strerror(-rc),
				 vm->transcript_path);
	}
	return 0;
}

/* --manual: the student types, vlab relays and watches, then judges from
 * the transcript of what the guest printed and from QMP. */
static const char *const manual_cmds[] = {
	LAB_ROOT_USER, LAB_ROOT_PASSWORD, "id -un", "ls /", "ip a s", "cat /proc/mounts", "exit", LAB_STUDENT_USER, LAB_STUDENT_PASSWORD, "id -un", NULL,
};

/* The last output of cmd in the transcript; 0 when the student ran it. */
static int typed_output(const char *text, const char *cmd, struct strbuf *out)
{
	struct strbuf outs[8];
	memset(outs, 0, sizeof(outs));
	size_t n = transcript_outputs(text, cmd, outs, ARRAY_SIZE(outs));
	size_t kept = n < ARRAY_SIZE(outs) ? n : ARRAY_SIZE(outs);
	if (kept)
		sb_adds(out, sb_str(&outs[kept - 1]));
	for (size_t i = 0; i < kept; i++)
		sb_release(&outs[i]);
	return n ? 0 : -ENOENT;
}

static void judge_manual_login(struct lab *lab, const char *text, const char *user, const char *id)
{
	check_transcript_login(lab_check(lab, id), text, user);
}

static int manual_session(struct lab *lab)
{
	struct vm *vm = &lab->vms[0];
	struct strbuf raw = STRBUF_INIT;
	int rc = vm_manual_session(lab, vm, manual_cmds, &raw);
	if (rc) {
		sb_release(&raw);
		return rc;
	}
	const char *text = raw.buf;
	judge_manual_login(lab, text, "root", CHECK_CH1_SERIAL_LOGIN_ROOT);
	judge_manual_login(lab, text, "student", CHECK_CH1_SERIAL_LOGIN_STUDENT);

	struct strbuf out = STRBUF_INIT;
	struct check_result *lo = lab_check(lab, CHECK_CH1_ONLY_LOOPBACK);
	if (typed_output(text, "ip a s", &out) == 0) {
		struct ip_iface ifs[8];
		check_only_loopback(lo, ifs, parse_ip_addr_show(sb_str(&out), ifs, ARRAY_SIZE(ifs)));
	} else {
		check_fail(lo, "type `ip a s` in `vlab console`", "the console transcript shows no `ip a s`");
	}
	sb_reset(&out);
	char dev[256] = "", fstype[64] = "";
	if (typed_output(text, "cat /proc/mounts", &out) == 0) {
		parse_root_mount(sb_str(&out), dev, sizeof(dev), fstype, sizeof(fstype));
		rc = judge_rootfs(lab, dev, fstype);
	} else {
		check_fail(lab_check(lab, CHECK_CH1_ROOTFS_VIRTIO_BLK), "type `cat /proc/mounts` in `vlab console`",
			   "the console transcript shows no `cat /proc/mounts`");
	}
	sb_release(&out);
	sb_release(&raw);
	return rc;
}

static int step_login_root(struct lab *lab)
{
	struct vm *vm = &lab->vms[0];
	if (lab->opt->manual)
		return manual_session(lab);
	ui_note(lab, "Waiting for the guest's login prompt on the serial socket (deadline %lld s)",
		(long long)(lab_boot_timeout_ms(lab) / 1000));
	ui_wait_begin(lab, "the guest is booting");
	int rc = vm_wait_login(lab, vm);
	if (rc) {
		struct check_result *r = lab_check(lab, CHECK_CH1_SERIAL_LOGIN_ROOT);
		if (rc == -EPIPE || !vm_alive(vm)) {
			char *tail = vm_stderr_tail(vm, 5);
			lab_block(lab, rc, "qemu exited before the login prompt%s%s", *tail ? ": " : "", tail);
			free(tail);
			check_fail(r, "read the console transcript and qemu's log", "%s", lab->blocked);
		} else {
			lab_block(lab, rc, "the guest printed no 'login:' within %lld s; see the transcript %s",
				  (long long)(lab_boot_timeout_ms(lab) / 1000), vm->transcript_path);
			check_fail(r, "check the kernel command line's console= (ttyS0 is the serial port) and that "
				      "the rootfs boots",
				   "%s", lab->blocked);
		}
		return rc;
	}
	lab_metric(lab, "boot_to_login_ms", (double)(vm->login_prompt_ms - vm->spawned_ms));
	ui_note(lab, "login: prompt after %.1f s", (double)(vm->login_prompt_ms - vm->spawned_ms) / 1000.0);
	return login_as(lab, 0, CHECK_CH1_SERIAL_LOGIN_ROOT);
}

/* ch1.rootfs_virtio_blk from the guest's root mount and QMP's view of the
 * VM's disks and PCI devices. */
static int judge_rootfs(struct lab *lab, const char *dev, const char *fstype)
{
	struct vm *vm = &lab->vms[0];
	struct check_result *rootfs = lab_check(lab, CHECK_CH1_ROOTFS_VIRTIO_BLK);
	json_t *ret = NULL;
	struct block_dev blocks[8];
	struct pci_dev pci[32];
	size_t nb = 0, np = 0;
	if (qmp_query(vm, "query-block", &ret, rootfs))
		return 0;
	int pr = qmp_parse_block(ret, blocks, ARRAY_SIZE(blocks), &nb);
	json_decref(ret);
	ret = NULL;
	if (pr && pr != -ENOSPC) {
		check_error(rootfs, "QMP query-block gave an unexpected reply");
		return 0;
	}
	if (qmp_query(vm, "query-pci", &ret, rootfs))
		return 0;
	pr = qmp_parse_pci(ret, pci, ARRAY_SIZE(pci), &np);
	json_decref(ret);
	if (pr && pr != -ENOSPC) {
		check_error(rootfs, "QMP query-pci gave an unexpected reply");
		return 0;
	}
	check_rootfs_virtio_blk(rootfs, dev, fstype, blocks, nb, pci, np, lab->image.rootfs);
	return 0;
}

static int step_explore(struct lab *lab)
{
	struct vm *vm = &lab->vms[0];
	if (lab->opt->manual)
		return 0; /* judged from the transcript after the student's session */
	struct check_result *rootfs = lab_check(lab, CHECK_CH1_ROOTFS_VIRTIO_BLK);
	struct check_result *lo = lab_check(lab, CHECK_CH1_ONLY_LOOPBACK);
	int64_t t = lab_cmd_timeout_ms(lab, 5000);
	if (strcmp(vm->logged_in_as, "root")) {
		check_fail(rootfs, NULL, "not checked: no root shell on the console");
		check_fail(lo, NULL, "not checked: no root shell on the console");
		return 0;
	}
	struct strbuf out = STRBUF_INIT;
	int status;
	int rc = vm_run(lab, vm, "ls /", t, &out, &status);
	if (rc)
		goto console_broke;
	ui_note(lab, "`ls /` printed:");
	ui_output(lab, out.buf);

	sb_reset(&out);
	rc = vm_run(lab, vm, "ip a s", t, &out, &status);
	if (rc)
		goto console_broke;
	ui_note(lab, "`ip a s` printed:");
	ui_output(lab, out.buf);
	struct ip_iface ifs[8];
	int n = parse_ip_addr_show(sb_str(&out), ifs, ARRAY_SIZE(ifs));
	check_only_loopback(lo, ifs, n);

	sb_reset(&out);
	rc = vm_run(lab, vm, "cat /proc/mounts", t, &out, &status);
	if (rc)
		goto console_broke;
	char dev[256] = "", fstype[64] = "";
	parse_root_mount(sb_str(&out), dev, sizeof(dev), fstype, sizeof(fstype));
	sb_release(&out);

	return judge_rootfs(lab, dev, fstype);

console_broke:
	sb_release(&out);
	return rc; /* vm_run said why in lab->blocked */
}

static int step_login_student(struct lab *lab)
{
	if (lab->opt->manual)
		return 0;
	return login_as(lab, 1, CHECK_CH1_SERIAL_LOGIN_STUDENT);
}

static const char *const root_cmds[] = { LAB_ROOT_USER, LAB_ROOT_PASSWORD, "id -un", NULL };
static const char *const explore_cmds[] = { "ls /", "ip a s", "cat /proc/mounts", NULL };
static const char *const student_cmds[] = { "exit", LAB_STUDENT_USER, LAB_STUDENT_PASSWORD, "id -un", NULL };

static const struct step ch1_steps[] = {
	{
		.name = "boot",
		.title = "Boot the VM",
		.explain =
			"QEMU is the whole machine here: -nodefaults leaves out every device QEMU would add on its\n"
			"own (VGA, a NIC, a floppy), so the VM has only what the command names. The rootfs file\n"
			"becomes a disk through virtio-blk, a paravirtual device the guest drives without emulated\n"
			"hardware; the serial port is wired to a UNIX socket, a two-way pipe we can attach to.",
		.lab_section = LAB_CH1,
		.run = step_boot,
	},
	{
		.name = "login-root",
		.title = "Log in as root over the serial socket",
		.explain =
			"The guest's getty prints \"login:\" on ttyS0, which QEMU carries to the socket. Whatever the\n"
			"guest prints while nobody is attached is lost, so vlab attaches at once and presses Enter\n"
			"if the first prompt went by. This is what the lab's connect_to_socket.sh (socat) does.",
		.lab_section = LAB_CH1,
		.guest_cmds = root_cmds,
		.run = step_login_root,
	},
	{
		.name = "explore",
		.title = "Look around: ls / and ip a s",
		.explain =
			"The root file system is the ext4 image on /dev/vda. `ip a s` lists the network\n"
			"interfaces: only the loopback, since this VM has no network device yet (chapter 2 adds one).",
		.lab_section = LAB_CH1,
		.guest_cmds = explore_cmds,
		.run = step_explore,
	},
	{
		.name = "login-student",
		.title = "Log in as student",
		.explain = "The image has an unprivileged account too; logging out returns the console to getty.",
		.lab_section = LAB_CH1,
		.guest_cmds = student_cmds,
		.run = step_login_student,
	},
};

const struct chapter chapter_boot = {
	.number = 1,
	.name = "boot",
	.title = "Boot a VM: kernel, ext4 rootfs on virtio-blk, serial console on a UNIX socket",
	.summary = "boot the lab VM (256 MiB), log in over its serial socket, look around",
	.steps = ch1_steps,
	.nsteps = sizeof(ch1_steps) / sizeof(ch1_steps[0]),
	.prepare = ch1_prepare,
	.teardown = ch1_teardown,
};

static int ch1_prepare(struct lab *lab)
{
	return lab_prepare_image(lab);
}

static void ch1_teardown(struct lab *lab)
{
	lab_vms_end(lab);
}
