/* The check registry; see check_registry.h. */
#include "checks/check_registry.h"

#include <string.h>

#include "checks/handbuilt_lab.h"
#include "checks/handbuilt_two_vms.h"
#include "checks/lab_plan.h"

#define CH EARNED_CHAPTER
#define VE EARNED_VERIFY
#define GR EARNED_GRADE
#define CK EARNED_CHECK
#define STUDENT EVIDENCE_STUDENT
#define VLAB EVIDENCE_VLAB

/* A chapter's rows in its steps' order, but where grading decides a run's
 * checks their order is that run's: a run fails its checks in this order
 * when it cannot go on, and chapter 3's host checks come before its guests'.
 * The evidence of a graded row is what rubrics are held to: vlab gives the
 * guest its address and starts its HTTP server, and makes tap0, so those
 * checks prove vlab's steps worked on the student's VM, not the student's
 * own work. Each row names its first field (.id) so that it may leave out
 * the verdicts it has none of. */
const struct check_row check_registry[] = {
	/* chapter 0: the host and the image, before any VM */
	{ .id = CHECK_CH0_HOST_READY, 0, "host", "the host has what the lab needs (vlab doctor's essentials)", VLAB, CH,
	  GRADED_BY_NONE },
	{ .id = CHECK_CH0_IMAGE_PRESENT, 0, "image", "the image profile's files are present", VLAB, CH, GRADED_BY_NONE },
	{ .id = CHECK_CH0_IMAGE_VERIFIED, 0, "verify", "the image's files match the manifest's checksums", VLAB, CH,
	  GRADED_BY_NONE },

	/* chapter 1: the recorded command line, read before the VM runs (grading only) */
	{ .id = CHECK_CH1_CMDLINE_KVM, 1, NULL, "the command asks for KVM: -enable-kvm or -accel kvm", STUDENT, GR,
	  GRADED_BY_CMDLINE },
	{ .id = CHECK_CH1_CMDLINE_CPU_HOST, 1, NULL, "the command passes the host's CPU through: -cpu host", STUDENT, GR,
	  GRADED_BY_CMDLINE },
	{ .id = CHECK_CH1_CMDLINE_MEMORY, 1, NULL, "the command gives the guest 256 MiB: -m in any spelling", STUDENT, GR,
	  GRADED_BY_CMDLINE },
	{ .id = CHECK_CH1_CMDLINE_VIRTIO_BLK, 1, NULL, "a virtio-blk-pci device bound to the rootfs's block node", STUDENT,
	  GR, GRADED_BY_CMDLINE },
	{ .id = CHECK_CH1_CMDLINE_SERIAL_SOCKET, 1, NULL, "an isa-serial device bound to a UNIX-socket chardev", STUDENT,
	  GR, GRADED_BY_CMDLINE },
	{ .id = CHECK_CH2_CMDLINE_NIC, 2, NULL, "an e1000 with mac 52:54:00:8b:99:de on a tap netdev (tap0)", STUDENT, GR,
	  GRADED_BY_CMDLINE },

	/* chapter 1: the running VM */
	{ .id = CHECK_CH1_QEMU_RUNNING, 1, "boot", "the script's qemu runs the lab's VM (QMP query-status)", STUDENT,
	  CH | VE | GR, GRADED_BY_VM, .on_lab = handbuilt_qemu_running,
	  .while_running = true },
	{ .id = CHECK_CH1_MEMORY_256M, 1, "boot", "the running VM has 256 MiB (QMP)", STUDENT, CH | VE | GR,
	  GRADED_BY_VM, .on_lab = handbuilt_memory_256m },
	{ .id = CHECK_CH1_ROOTFS_VIRTIO_BLK, 1, "explore", "the guest's / is ext4 on /dev/vda", STUDENT, CH | VE | GR,
	  GRADED_BY_VM, .on_lab = handbuilt_rootfs_virtio_blk },
	{ .id = CHECK_CH1_SERIAL_LOGIN_ROOT, 1, "login-root", "root logs in over the serial socket", STUDENT, CH | VE | GR,
	  GRADED_BY_VM, .on_lab = handbuilt_login_root },
	{ .id = CHECK_CH1_SERIAL_LOGIN_STUDENT, 1, "login-student", "student logs in over the serial socket", STUDENT,
	  CH | VE | GR, GRADED_BY_VM, .on_lab = handbuilt_login_student },
	{ .id = CHECK_CH1_ONLY_LOOPBACK, 1, "explore", "the chapter 1 VM has no NIC: only lo in the guest", STUDENT,
	  CH | VE | EARNED_VERIFY_OWN_VM,
	  GRADED_BY_NONE, .on_lab = handbuilt_only_loopback },

	/* chapter 2: a NIC on tap0 */
	{ .id = CHECK_CH2_TAP_UP, 2, "tap", "tap0 is up with 10.0.0.1/24 (vlab made it, as the lab's host side)", VLAB,
	  CH | VE | GR, GRADED_BY_VM, .on_lab = handbuilt_tap_up },
	{ .id = CHECK_CH2_NIC_MAC, 2, "nic", "the guest has an e1000 NIC with the lab's MAC", STUDENT, CH | VE | GR,
	  GRADED_BY_VM, .on_lab = handbuilt_nic_mac },
	{ .id = CHECK_CH2_GUEST_IP, 2, "address", "the guest's NIC has 10.0.0.10/24 (vlab set it)", VLAB, CH | VE | GR,
	  GRADED_BY_VM, .on_lab = handbuilt_guest_ip },
	{ .id = CHECK_CH2_PING_GUEST_TO_HOST, 2, "ping", "the guest pings 10.0.0.1 over the student's NIC", VLAB,
	  CH | VE | GR, GRADED_BY_VM, .on_lab = handbuilt_ping_guest_to_host },
	{ .id = CHECK_CH2_PING_HOST_TO_GUEST, 2, "ping", "vlab pings 10.0.0.10 from tap0's side", VLAB, CH | VE | GR,
	  GRADED_BY_VM, .on_lab = handbuilt_ping_host_to_guest },
	{ .id = CHECK_CH2_HTTP_200, 2, "http", "GET http://10.0.0.10:8000/ from the host (vlab started the server)", VLAB,
	  CH | VE | GR, GRADED_BY_VM, .on_lab = handbuilt_http_200 },
	/* verify tears nothing down */
	{ .id = CHECK_CH2_TEARDOWN_CLEAN, 2, "teardown", "the VM, tap0 and the lab's namespace are gone after teardown",
	  VLAB, CH, GRADED_BY_NONE },

	/* chapter 3: two VMs on two bridges; the qemus as the host sees them */
	{ .id = CHECK_CH3_VM1_COMMAND_LINE, 3, NULL,
	  "runqemu_two_vms.sh's VM1: 256 MiB, virtio-blk, serial socket, e1000 on tap0 and virtio-net on tap1 with "
	  "the lab's MACs",
	  STUDENT, VE | GR, GRADED_BY_TWO_VMS_HOST,
	  .on_two_vms = two_vm_vm1_command_line },
	{ .id = CHECK_CH3_VM2_COMMAND_LINE, 3, NULL,
	  "runqemu_two_vms.sh's VM2: the same with its own rootfs, e1000 on tap2 and virtio-net on tap3", STUDENT,
	  VE | GR, GRADED_BY_TWO_VMS_HOST,
	  .on_two_vms = two_vm_vm2_command_line },
	{ .id = CHECK_CH3_BRIDGES, 3, "bridges", "the script's bridges: br0 joins tap0 and tap2, br1 tap1 and tap3, all up",
	  STUDENT, CH | VE | GR, GRADED_BY_TWO_VMS_HOST,
	  .on_two_vms = two_vm_bridges },
	{ .id = CHECK_CH3_TAPS_ATTACHED, 3, NULL, "each tap is held by the qemu whose command line names it", STUDENT,
	  VE | GR, GRADED_BY_TWO_VMS_HOST,
	  .on_two_vms = two_vm_taps_attached },
	/* the guests, over the links */
	{ .id = CHECK_CH3_GUEST_ADDRESSES, 3, NULL, "each guest's NICs hold the plan's addresses (vlab set them, by MAC)",
	  VLAB, VE | GR, GRADED_BY_TWO_VMS_GUEST,
	  .on_two_vms = two_vm_guest_addresses },
	{ .id = CHECK_CH3_PING_E1000_LINK, 3, "ping", "VM1 pings VM2's 10.0.0.11 over the e1000 link (br0) both ways",
	  STUDENT, CH | VE | GR, GRADED_BY_TWO_VMS_GUEST,
	  .on_two_vms = two_vm_ping_e1000_link },
	{ .id = CHECK_CH3_PING_VIRTIO_LINK, 3, "ping", "VM1 pings VM2's 10.0.1.11 over the virtio link (br1) both ways",
	  STUDENT, CH | VE | GR, GRADED_BY_TWO_VMS_GUEST,
	  .on_two_vms = two_vm_ping_virtio_link },
	{ .id = CHECK_CH3_IPERF_SERVER, 3, NULL, "an iperf3 server listens in VM2 (vlab started it)", VLAB, VE | GR,
	  GRADED_BY_TWO_VMS_GUEST,
	  .on_two_vms = two_vm_iperf_server },
	{ .id = CHECK_CH3_IPERF_E1000, 3, "iperf", "VM1's iperf3 client over the e1000 link completes (vlab ran it)",
	  STUDENT, CH | VE | GR, GRADED_BY_TWO_VMS_GUEST,
	  .on_two_vms = two_vm_iperf_e1000 },
	{ .id = CHECK_CH3_IPERF_VIRTIO, 3, "iperf", "VM1's iperf3 client over the virtio link completes (vlab ran it)",
	  STUDENT, CH | VE | GR, GRADED_BY_TWO_VMS_GUEST,
	  .on_two_vms = two_vm_iperf_virtio },
	{ .id = CHECK_CH3_VIRTIO_FASTER, 3, "compare", "the virtio-net link is faster than the e1000 one", STUDENT,
	  CH | VE | GR, GRADED_BY_TWO_VMS_GUEST,
	  .on_two_vms = two_vm_virtio_faster },
	/* chapter 3's saved work */
	{ .id = CHECK_IPERF_RUN, 3, NULL, "a saved iperf3 client's output (text or -J) is a complete run", STUDENT, CK,
	  GRADED_BY_NONE,
	  .kind = "iperf" },
	{ .id = CHECK_CH3_IPERF_SAVED, 3, NULL, "the saved iperf3 JSON (iperf*.json) is a complete run", STUDENT, GR,
	  GRADED_BY_SAVED,
	  .kind = "iperf", .saved = &(const struct check_saved){ "iperf", ".json", "iperf3's JSON (iperf*.json)", true } },
	{ .id = CHECK_CH3_CONCLUSIONS, 3, NULL,
	  "the conclusions written down (conclusions.txt) name the NIC the student's own iperf3 runs found faster",
	  STUDENT, GR, GRADED_BY_CONCLUSIONS },

	/* chapter 4: KVM from the host's side; grading reads the saved logs */
	{ .id = CHECK_CH4_STRACE_MEMORY_REGION, 4, "strace", "the saved strace.log shows the 256 MiB memory region",
	  STUDENT, CH | GR | CK, GRADED_BY_SAVED,
	  .kind = "strace",
	  .saved = &(const struct check_saved){ "strace", ".log", "strace log of qemu (strace.log)", false } },
	{ .id = CHECK_CH4_EXITS_COUNTED, 4, "exits", "the saved perf kvm stat report (perf*.txt) counts VM exits", STUDENT,
	  CH | GR | CK, GRADED_BY_SAVED,
	  .kind = "perf",
	  .saved = &(const struct check_saved){ "perf", ".txt", "perf kvm stat report (perf*.txt)", false } },
	{ .id = CHECK_CH4_CR_EXITS_EPT_OFF, 4, "exits",
	  "the saved perf reports with EPT/NPT on and off (perf_ept_on.txt, perf_ept_off.txt): CR-access exits up "
	  "with it off",
	  STUDENT, CH | GR, GRADED_BY_EPT_PAIR },
	{ .id = CHECK_CH4_EPT_RESTORED, 4, "exits", "EPT/NPT is back on as it was after the chapter", VLAB, CH,
	  GRADED_BY_NONE },

	/* chapter 5: a VM of vlab's own through the KVM API */
	{ .id = CHECK_CH5_IO_EXITS, 5, "run", "the guest's port I/O reaches the VMM as KVM_EXIT_IO with its message",
	  STUDENT, CH, GRADED_BY_NONE },
	{ .id = CHECK_CH5_HLT_EXIT, 5, "run", "the guest stops with KVM_EXIT_HLT", STUDENT, CH, GRADED_BY_NONE },
	{ .id = CHECK_CH5_STATS_AGREE, 5, "count", "the VMM's own exit counts agree with KVM's statistics", STUDENT, CH,
	  GRADED_BY_NONE },
};
const size_t ncheck_registry = sizeof(check_registry) / sizeof(check_registry[0]);

const struct check_row *check_registry_find(const char *id)
{
	for (size_t i = 0; id && i < ncheck_registry; i++)
		if (!strcmp(check_registry[i].id, id))
			return &check_registry[i];
	return NULL;
}

const char *check_evidence_name(enum check_evidence e)
{
	return e == EVIDENCE_VLAB ? "vlab" : "student";
}

size_t check_registry_ids(enum check_graded_by by, const char **ids, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < ncheck_registry; i++) {
		if (check_registry[i].graded_by != by)
			continue;
		if (n < max)
			ids[n] = check_registry[i].id;
		n++;
	}
	return n;
}

size_t check_registry_step_ids(int chapter, const char *step, const char **ids, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; step && i < ncheck_registry; i++) {
		const struct check_row *row = &check_registry[i];
		if (row->chapter != chapter || !row->step || strcmp(row->step, step) || !(row->earned & EARNED_CHAPTER))
			continue;
		if (n < max)
			ids[n] = row->id;
		n++;
	}
	return n;
}

bool check_registry_in_step(const char *id, int chapter, const char *step)
{
	const struct check_row *row = check_registry_find(id);
	return row && row->chapter == chapter && row->step && step && !strcmp(row->step, step) &&
	       (row->earned & EARNED_CHAPTER);
}

void check_registry_judge_lab(const struct lab_facts *f, struct check_result *checks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct check_row *row = check_registry_find(checks[i].id);
		if (row && row->on_lab)
			row->on_lab(&checks[i], f);
	}
}

const char *check_registry_kind_id(const char *kind)
{
	for (size_t i = 0; kind && i < ncheck_registry; i++)
		if (check_registry[i].kind && !strcmp(check_registry[i].kind, kind) &&
		    (check_registry[i].earned & EARNED_CHECK))
			return check_registry[i].id;
	return NULL;
}

void check_registry_judge_two_vms(const struct two_vm_facts *f, struct check_result *checks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct check_row *row = check_registry_find(checks[i].id);
		if (row && row->on_two_vms)
			row->on_two_vms(&checks[i], f);
	}
}
