/* Static checks of a recorded qemu command line; see grade_cmdline.h. */
#include "checks/grade_cmdline.h"
#include "checks/lab_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void check_grade_kvm(struct check_result *r, const struct qemu_cmdline *c)
{
	if (c->accel == QACCEL_KVM)
		check_pass(r, "`%s`: the VM asks for KVM", c->accel_from[0] ? c->accel_from : "kvm");
	else if (c->accel_from[0])
		/* the student ran it by hand under TCG, as verify and the handout
		 * allow: say which words to hand in, not only that it is wrong */
		check_fail(r, "write the lab's -enable-kvm in the script you hand in (" LAB_SECTION_CH1 "); " LAB_TCG_GRADE_NOTE,
			   "the command runs the VM under %s (%s), not KVM", c->accel_name[0] ? c->accel_name : "tcg",
			   c->accel_from);
	else
		check_fail(r, "add -enable-kvm (or -accel kvm) to the command, as the lab's does (" LAB_SECTION_CH1 ")",
			   "the command runs the VM under %s (%s), not KVM", c->accel_name[0] ? c->accel_name : "tcg",
			   c->accel_from[0] ? c->accel_from : "qemu's default: no -enable-kvm or -accel");
}

void check_grade_cpu_host(struct check_result *r, const struct qemu_cmdline *c)
{
	const char *hint = c->accel != QACCEL_KVM
				   ? "write the lab's -cpu host in the script you hand in (" LAB_SECTION_CH1 "); " LAB_TCG_GRADE_NOTE
				   : "pass the host's CPU model through: -cpu host (" LAB_SECTION_CH1 ")";
	if (!c->cpu)
		check_fail(r, hint, "no -cpu: qemu's default CPU model (qemu64), not the host's");
	else if (!strcmp(c->cpu, "host") || starts_with(c->cpu, "host,"))
		check_pass(r, "`-cpu %s`", c->cpu);
	else
		check_fail(r, hint, "`-cpu %s` is not the host's CPU model", c->cpu);
}

void check_grade_memory(struct check_result *r, const struct qemu_cmdline *c)
{
	check_cmdline_memory(r, c, LAB_MEMORY_BYTES);
}

void check_grade_virtio_blk(struct check_result *r, const struct qemu_cmdline *c, const char *rootfs_file)
{
	const char *hint = "attach the rootfs as the lab does: -device virtio-blk-pci,drive=id0 -blockdev "
			   "file,node-name=id0,filename=" LAB_ROOTFS_FILE " (" LAB_SECTION_CH1 ")";
	struct qemu_disk d;
	if (qemu_cmdline_virtio_disk(c, &d)) {
		/* say what the student did write, when anything */
		check_init(r, r->id);
		check_cmdline_rootfs(r, c, NULL, NULL, NULL);
		if (r->verdict != VERDICT_FAIL)
			check_fail(r, hint, "no virtio-blk-pci device bound to a block node with a file");
		return;
	}
	const char *base = strrchr(d.file, '/');
	base = base ? base + 1 : d.file;
	struct strbuf t = STRBUF_INIT;
	if (d.device) {
		qemu_opt_text(d.device, &t);
		sb_adds(&t, "` bound to `");
	}
	qemu_opt_text(d.backend, &t);
	if (strcmp(base, rootfs_file))
		check_fail(r, hint, "`%s`: its file is %s, not the lab's rootfs %s", t.buf, d.file, rootfs_file);
	else
		check_pass(r, "`%s`: a virtio-blk disk on %s", t.buf, d.file);
	sb_release(&t);
}

void check_grade_serial_socket(struct check_result *r, const struct qemu_cmdline *c)
{
	struct qemu_serial s;
	if (!check_cmdline_serial(r, c))
		return;
	qemu_cmdline_serial(c, &s, NULL, 0);
	struct strbuf t = STRBUF_INIT;
	if (s.device) {
		qemu_opt_text(s.device, &t);
		sb_adds(&t, "` bound to `");
	}
	qemu_opt_text(s.chardev, &t);
	check_pass(r, "`%s`: a UNIX socket at %s that qemu serves", t.buf, s.path ? s.path : "?");
	sb_release(&t);
}

void check_grade_nic(struct check_result *r, const struct qemu_cmdline *c)
{
	check_cmdline_nic(r, c, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
}
