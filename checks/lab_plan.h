/* The lab's plan in one place: what the lab text builds, as vlab checks
 * it. Chapters, verify, grading and the handout take these names from
 * here, and nothing else spells them: the check ids (each one's chapter,
 * step, title, evidence and where it may be earned are its row in
 * checks/check_registry.c), the
 * addresses, MACs and taps, the guest's memory and accounts, and the file
 * names a student's script uses. Plain data, below everything (checks/
 * uses it as much as runner/). */
#ifndef VLAB_CHECKS_LAB_PLAN_H
#define VLAB_CHECKS_LAB_PLAN_H

/* ---- check ids (their rows: checks/check_registry.c) --------------------- */
#define CHECK_CH0_HOST_READY           "ch0.host_ready"
#define CHECK_CH0_IMAGE_PRESENT        "ch0.image_present"
#define CHECK_CH0_IMAGE_VERIFIED       "ch0.image_verified"
#define CHECK_CH1_QEMU_RUNNING         "ch1.qemu_running"
#define CHECK_CH1_MEMORY_256M          "ch1.memory_256m"
#define CHECK_CH1_SERIAL_LOGIN_ROOT    "ch1.serial_login_root"
#define CHECK_CH1_ROOTFS_VIRTIO_BLK    "ch1.rootfs_virtio_blk"
#define CHECK_CH1_ONLY_LOOPBACK        "ch1.only_loopback"
#define CHECK_CH1_SERIAL_LOGIN_STUDENT "ch1.serial_login_student"
#define CHECK_CH2_TAP_UP               "ch2.tap_up"
#define CHECK_CH2_NIC_MAC              "ch2.nic_mac"
#define CHECK_CH2_GUEST_IP             "ch2.guest_ip"
#define CHECK_CH2_PING_GUEST_TO_HOST   "ch2.ping_guest_to_host"
#define CHECK_CH2_PING_HOST_TO_GUEST   "ch2.ping_host_to_guest"
#define CHECK_CH2_HTTP_200             "ch2.http_200"
#define CHECK_CH2_TEARDOWN_CLEAN       "ch2.teardown_clean"
#define CHECK_CH3_BRIDGES              "ch3.bridges"
#define CHECK_CH3_PING_E1000_LINK      "ch3.ping_e1000_link"
#define CHECK_CH3_PING_VIRTIO_LINK     "ch3.ping_virtio_link"
#define CHECK_CH3_IPERF_E1000          "ch3.iperf_e1000"
#define CHECK_CH3_IPERF_VIRTIO         "ch3.iperf_virtio"
#define CHECK_CH3_VIRTIO_FASTER        "ch3.virtio_faster"
#define CHECK_CH4_STRACE_MEMORY_REGION "ch4.strace_memory_region"
#define CHECK_CH4_EXITS_COUNTED        "ch4.exits_counted"
#define CHECK_CH4_CR_EXITS_EPT_OFF     "ch4.cr_exits_ept_off"
#define CHECK_CH4_EPT_RESTORED         "ch4.ept_restored"
#define CHECK_CH5_IO_EXITS             "ch5.io_exits"
#define CHECK_CH5_HLT_EXIT             "ch5.hlt_exit"
#define CHECK_CH5_STATS_AGREE          "ch5.stats_agree"

/* ---- check ids only grading decides: the recorded command line, read
 * before the VM runs, the saved iperf3 runs of a submission and what its
 * student concluded from them --------------------------------------------- */
#define CHECK_CH1_CMDLINE_CPU_HOST      "ch1.cmdline_cpu_host"
#define CHECK_CH1_CMDLINE_KVM           "ch1.cmdline_kvm"
#define CHECK_CH1_CMDLINE_MEMORY        "ch1.cmdline_memory"
#define CHECK_CH1_CMDLINE_SERIAL_SOCKET "ch1.cmdline_serial_socket"
#define CHECK_CH1_CMDLINE_VIRTIO_BLK    "ch1.cmdline_virtio_blk"
#define CHECK_CH2_CMDLINE_NIC           "ch2.cmdline_nic"
#define CHECK_CH3_IPERF_SAVED           "ch3.iperf_saved"
#define CHECK_CH3_CONCLUSIONS           "ch3.conclusions"

/* ---- check ids only `vlab verify 3` decides (the two VMs built by hand) - */
#define CHECK_CH3_VM1_COMMAND_LINE "ch3.vm1_command_line"
#define CHECK_CH3_VM2_COMMAND_LINE "ch3.vm2_command_line"
#define CHECK_CH3_TAPS_ATTACHED    "ch3.taps_attached"
#define CHECK_CH3_GUEST_ADDRESSES  "ch3.guest_addresses"
#define CHECK_CH3_IPERF_SERVER     "ch3.iperf_server"

/* ---- the id only `vlab check iperf FILE` decides (a saved iperf3 run; no
 * chapter's, so no chN. prefix) -------------------------------------------- */
#define CHECK_IPERF_RUN "iperf.run"

/* ---- chapters 1-2: one VM ------------------------------------------------ */
#define LAB_MEMORY_MIB 256                     /* -m 256M */
#define LAB_MEMORY_BYTES (256ULL << 20)
#define LAB_TAP "tap0"                         /* -netdev tap,ifname=tap0 */
#define LAB_HOST_IP "10.0.0.1"                 /* the tap's address */
#define LAB_HOST_CIDR "10.0.0.1/24"
#define LAB_GUEST_IP "10.0.0.10"
#define LAB_GUEST_CIDR "10.0.0.10/24"
#define LAB_NIC_MODEL "e1000"                  /* -device e1000,...,mac= */
#define LAB_NIC_MAC "52:54:00:8b:99:de"
#define LAB_HTTP_PORT 8000                     /* busybox httpd -p 8000 -h /root */
#define LAB_HTTP_URL "http://10.0.0.10:8000/"
#define LAB_ROOT_USER "root"                   /* the image's two accounts */
#define LAB_ROOT_PASSWORD "toor"
#define LAB_STUDENT_USER "student"
#define LAB_STUDENT_PASSWORD "student"

/* ---- chapter 3: two VMs, two links: br0 joins the e1000s (10.0.0.0/24),
 * br1 the virtio-nets (10.0.1.0/24); VM1's NICs keep chapter 2's e1000 ---- */
#define LAB_BR_E1000 "br0"
#define LAB_BR_E1000_CIDR "10.0.0.1/24"
#define LAB_BR_VIRTIO "br1"
#define LAB_BR_VIRTIO_CIDR "10.0.1.1/24"
#define LAB_VM1_E1000_MAC LAB_NIC_MAC
#define LAB_VM1_E1000_TAP "tap0"
#define LAB_VM1_E1000_CIDR LAB_GUEST_CIDR
#define LAB_VM1_VIRTIO_MAC "52:54:00:8b:99:df"
#define LAB_VM1_VIRTIO_TAP "tap1"
#define LAB_VM1_VIRTIO_CIDR "10.0.1.10/24"
#define LAB_VM2_E1000_MAC "52:54:00:8b:99:ce"
#define LAB_VM2_E1000_TAP "tap2"
#define LAB_VM2_E1000_IP "10.0.0.11"
#define LAB_VM2_E1000_CIDR "10.0.0.11/24"
#define LAB_VM2_VIRTIO_MAC "52:54:00:8b:99:cf"
#define LAB_VM2_VIRTIO_TAP "tap3"
#define LAB_VM2_VIRTIO_IP "10.0.1.11"
#define LAB_VM2_VIRTIO_CIDR "10.0.1.11/24"
#define LAB_IPERF_PORT 5201                    /* iperf3 -s */

/* ---- the lab's names for the image's files (lab text, chapter 1): what a
 * student's runqemu_single_vm.sh names them, what `vlab handout` writes and
 * what a grading sandbox shows the script ---------------------------------- */
#define LAB_KERNEL_NAME "alpine-bzImage"
#define LAB_ROOTFS_NAME "simple_alpine_rootfs1.ext4"
/* chapter 3's second VM's (the course's runqemu_two_vms.sh copies the
 * first to it when it is missing) */
#define LAB_ROOTFS2_NAME "simple_alpine_rootfs2.ext4"
#define LAB_INITRD_NAME "initrd.img"

/* ---- the lab text's sections, named where a check's hint sends a student - */
#define LAB_SECTION_CH1 "lab chapter 1, \"Build a simple QEMU + KVM Virtual Machine\""

/* One accelerator policy, said alike by verify, grading's feedback, the
 * handout and doctor: by hand, where KVM cannot run the lab's guest (no
 * /dev/kvm, or a paravirtual KVM such as kvm_pvm that a standard Linux
 * guest does not boot on), the student types -accel tcg in place of the
 * lab's -enable-kvm -cpu host; the script handed in keeps the lab's
 * words, and vlab grade runs it under TCG where the grading host needs it
 * (its shim rewrites the accelerator and says so in the feedback). */
#define LAB_KVM_WORDS "-enable-kvm -cpu host"
#define LAB_TCG_BY_HAND "-accel tcg"
#define LAB_TCG_HAND_IN "keep " LAB_KVM_WORDS " in the script you hand in: vlab grade runs it under TCG where " \
			"the grading host needs it"
#define LAB_TCG_POLICY "by hand where KVM cannot run the guest (`vlab doctor` says), type " LAB_TCG_BY_HAND \
		       " in place of " LAB_KVM_WORDS "; " LAB_TCG_HAND_IN
/* grading's feedback, to a script that says TCG: the lab's words go in */
#define LAB_TCG_GRADE_NOTE LAB_TCG_BY_HAND " is for running it by hand where KVM cannot run the guest (`vlab " \
			   "doctor` says); vlab grade runs the lab's words under TCG where the grading host needs it"
#define LAB_SECTION_CH2 "lab chapter 2, \"Add a network device to the VM\""

#endif
