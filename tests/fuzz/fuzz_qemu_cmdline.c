/* libFuzzer harness for the qemu command-line parser and the /proc parsers
 * (checks/qemu_cmdline.c with qemu_opt.c, its views and verdicts in
 * qemu_devices.c and qemu_cmdline_verdicts.c, checks/procfs_parse.c, and the
 * two-VM plan's views of a command line, checks/two_vm_plan.c, and the
 * verdicts of a hand-built lab on it, checks/handbuilt_lab.c): any bytes,
 * read as /proc/PID/cmdline, must parse without a crash, a leak or undefined
 * behaviour, every view and verdict of the result must work, and the /proc
 * parsers must take the same bytes as text. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/check_registry.h"
#include "checks/handbuilt_lab.h"
#include "checks/lab_plan.h"
#include "checks/procfs_parse.h"
#include "checks/qemu_cmdline_verdicts.h"
#include "checks/two_vm_plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Chapters 1 and 2's verdicts on the command line, the guest's side
 * either not read (a held console) or read with the same bytes as its
 * answers: every check must get a verdict. */
static void judge_as_handbuilt(const struct qemu_cmdline *c, const char *text, bool asked)
{
	static const char *const ids[] = { CHECK_CH1_QEMU_RUNNING,	  CHECK_CH1_MEMORY_256M,
					   CHECK_CH1_SERIAL_LOGIN_ROOT,	  CHECK_CH1_ROOTFS_VIRTIO_BLK,
					   CHECK_CH1_SERIAL_LOGIN_STUDENT, CHECK_CH1_ONLY_LOOPBACK,
					   CHECK_CH2_TAP_UP,		  CHECK_CH2_NIC_MAC,
					   CHECK_CH2_GUEST_IP,		  CHECK_CH2_PING_GUEST_TO_HOST,
					   CHECK_CH2_PING_HOST_TO_GUEST,   CHECK_CH2_HTTP_200 };
	struct check_result checks[12], serial;
	for (size_t i = 0; i < 12; i++)
		check_init(&checks[i], ids[i]);
	check_init(&serial, "serial");
	bool serial_ok = check_cmdline_serial(&serial, c);
	struct ip_iface ifs[4];
	int nifs = asked ? parse_ip_addr_show(text, ifs, 4) : 0;
	struct lab_facts f = {
		.cmd = c, .pid = 1, .state = 'S', .qmp_status = "", .ns_name = "", .ns_error = "", .tap = LAB_TAP,
		.tap_held = "", .tap_rc = -ENODEV, .icmp_rc = -EHOSTUNREACH, .http_rc = -ECONNREFUSED,
		.serial_ok = serial_ok, .serial_verdict = &serial, .serial_path = "serial.socket",
		.con = asked ? CON_FREE : CON_HELD, .con_why = asked ? "" : "held by socat (pid 2)", .asked = asked,
		.shell_user = "root", .guest_error = "", .root_tried = asked, .student_tried = asked,
		.root_id = "root", .student_id = "student", .mounts_ok = asked, .root_dev = text, .root_fstype = "ext4",
		.ip_read = asked, .ifs = ifs, .nifs = nifs > 0 ? nifs : 0, .nics_ok = asked, .nic_if = "eth0",
		.nic_driver = "e1000", .ping_ran = asked, .ping_out = text, .index_sha256 = "",
	};
	check_registry_judge_lab(&f, checks, 12);
	for (size_t i = 0; i < 12; i++)
		if (!checks[i].done)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qemu_cmdline c;
	int r = qemu_cmdline_parse_proc((const char *)data, size, &c);
	if (r && r != -EINVAL)
		abort();
	if (r == 0) {
		if (c.argc < 1 || (c.memory && c.memory->kind != QOPT_MEMORY))
			abort();
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < c.nopts; i++) {
			qemu_opt_text(&c.opts[i], &sb);
			if (c.opts[i].argi < 1 || c.opts[i].argi >= c.argc)
				abort();
		}
		sb_release(&sb);
		struct qemu_serial s;
		char why[256];
		if (qemu_cmdline_serial(&c, &s, why, sizeof(why)) == 0 && (!s.path || !s.chardev))
			abort();
		struct qemu_nic nics[4];
		size_t n = qemu_cmdline_nics(&c, nics, 4);
		for (size_t i = 0; i < n && i < 4; i++)
			if (nics[i].device && !nics[i].model && qemu_opt_get(nics[i].device, "driver"))
				abort();
		struct qemu_disk d;
		if (qemu_cmdline_virtio_disk(&c, &d) == 0 && (!d.file || !d.backend))
			abort();
		qemu_cmdline_qmp_path(&c);
		char diffs[4][QEMU_DIFFERENCE_MAX];
		qemu_cmdline_differences(&c, diffs, 4);
		struct check_result res;
		check_init(&res, "x");
		check_cmdline_lab_vm(&res, &c, 1, 'S', NULL, false);
		check_init(&res, "x");
		check_cmdline_lab_vm(&res, &c, 1, 'S', "paused", false);
		check_init(&res, "x");
		check_cmdline_memory(&res, &c, LAB_MEMORY_BYTES);
		check_init(&res, "x");
		check_cmdline_rootfs(&res, &c, NULL, NULL, "not read");
		check_init(&res, "x");
		check_cmdline_rootfs(&res, &c, "/dev/vda", "ext4", NULL);
		check_init(&res, "x");
		check_cmdline_serial(&res, &c);
		check_init(&res, "x");
		check_cmdline_no_nic(&res, &c);
		check_init(&res, "x");
		check_cmdline_nic(&res, &c, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
		for (int v = 0; v < 2; v++) {
			if (two_vm_role_score(&c, &two_vm_roles[v]) < 0)
				abort();
			check_init(&res, "x");
			two_vm_check_cmdline(&res, &c, &two_vm_roles[v]);
		}
		char note[512];
		if (two_vm_append_note(&c, note, sizeof(note)) >= sizeof(note))
			abort();
		/* the same bytes as the guest's answers, NUL-terminated */
		char *text = malloc(size + 1);
		if (!text)
			abort();
		memcpy(text, data, size);
		text[size] = 0;
		judge_as_handbuilt(&c, text, false);
		judge_as_handbuilt(&c, text, true);
		free(text);
		char p[64];
		if (c.append)
			qemu_path_resolve("/cwd", c.append, p, sizeof(p));
		qemu_cmdline_release(&c);
	}
	/* the same bytes as /proc text */
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct unix_sock us[4];
	size_t nus;
	if (procfs_parse_net_unix(text, us, 4, &nus) == 0)
		for (size_t i = 0; i < nus && i < 4; i++)
			if (strlen(us[i].path) >= sizeof(us[i].path))
				abort();
	unsigned long ino;
	procfs_parse_socket_link(text, &ino);
	char ifname[16], st;
	if (procfs_parse_tun_iff(text, ifname, sizeof(ifname)) == 0 && !ifname[0])
		abort();
	procfs_parse_stat_state(text, &st);
	int l = procfs_tcp_listening(text, 5201);
	if (l < -EINVAL || l > 1)
		abort();
	free(text);
	return 0;
}
