/* Chapter 1's verdicts. */
#include "checks/ch1.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/transcript.h"

void check_qemu_running(struct check_result *r, bool alive, const char *qmp_status, bool qmp_running,
			const char *exit_desc, const char *stderr_tail)
{
	if (!alive) {
		check_fail(r, "run the qemu command by hand and read its error; a typo in an option or a wrong "
			      "file name makes qemu exit at once",
			   "qemu is not running (%s)%s%s", exit_desc && *exit_desc ? exit_desc : "exited",
			   stderr_tail && *stderr_tail ? ": " : "", stderr_tail ? stderr_tail : "");
		return;
	}
	if (!qmp_running) {
		check_fail(r, "the VM was started paused (-S?) or has stopped; it must be running",
			   "qemu is up but the VM is '%s'", qmp_status && *qmp_status ? qmp_status : "not running");
		return;
	}
	check_pass(r, "qemu is running; QMP query-status: %s", qmp_status ? qmp_status : "running");
}

void check_memory(struct check_result *r, uint64_t base_memory, uint64_t wanted)
{
	char seen[32], want[32];
	format_size(base_memory, seen, sizeof(seen));
	format_size(wanted, want, sizeof(want));
	if (base_memory == wanted) {
		check_pass(r, "QMP query-memory-size-summary: base-memory %llu bytes = %s",
			   (unsigned long long)base_memory, seen);
		return;
	}
	char *hint = xasprintf("give the VM -m %lluM", (unsigned long long)(wanted >> 20));
	check_fail(r, hint, "the guest has %s (%llu bytes) of RAM; the lab asks for %s", seen,
		   (unsigned long long)base_memory, want);
	free(hint);
}

static bool is_virtio_blk_pci(const struct pci_dev *d)
{
	/* Red Hat's virtio vendor id 0x1af4: 0x1001 is the transitional
	 * virtio-blk, 0x1042 the modern-only one (virtio spec 1.1, 4.1.2.1) */
	return d->vendor == 0x1af4 && (d->device == 0x1001 || d->device == 0x1042);
}

void check_rootfs_virtio_blk(struct check_result *r, const char *root_dev, const char *root_fstype,
			     const struct block_dev *blocks, size_t nblocks,
			     const struct pci_dev *pci, size_t npci, const char *image_path)
{
	const char *hint = "attach the rootfs as the lab does: -device virtio-blk-pci,drive=id0 "
			   "-blockdev file,node-name=id0,filename=ROOTFS and boot with root=/dev/vda";
	if (!root_dev || !*root_dev) {
		check_fail(r, hint, "could not tell what the guest mounted on /");
		return;
	}
	if (strcmp(root_dev, "/dev/vda")) {
		check_fail(r, hint, "the guest's / is %s (%s), not /dev/vda", root_dev, root_fstype);
		return;
	}
	if (strcmp(root_fstype, "ext4")) {
		check_fail(r, "the lab's rootfs is an ext4 image", "/dev/vda is mounted on / as %s, not ext4",
			   root_fstype);
		return;
	}
	const struct pci_dev *blk = NULL;
	for (size_t i = 0; i < npci && !blk; i++)
		if (is_virtio_blk_pci(&pci[i]))
			blk = &pci[i];
	if (!blk) {
		check_fail(r, hint, "/ is ext4 on /dev/vda, but QMP query-pci shows no virtio-blk device");
		return;
	}
	const struct block_dev *b = NULL;
	for (size_t i = 0; i < nblocks && !b; i++) {
		if (!blocks[i].inserted || !strstr(blocks[i].qdev, "virtio"))
			continue;
		if (!image_path || !strcmp(blocks[i].file, image_path) || !strcmp(blocks[i].backing_file, image_path))
			b = &blocks[i];
	}
	if (!b) {
		check_fail(r, hint, "QMP query-block shows no virtio block backend on '%s'",
			   image_path ? image_path : "the rootfs");
		return;
	}
	if (b->backing_file[0])
		check_pass(r, "/ is ext4 on /dev/vda; QMP: virtio-blk %04x:%04x at %02x.%x, node '%s' = %s overlay over %s",
			   blk->vendor, blk->device, blk->slot, blk->function, b->node_name, b->drv, b->backing_file);
	else
		check_pass(r, "/ is ext4 on /dev/vda; QMP: virtio-blk %04x:%04x at %02x.%x, node '%s' = %s",
			   blk->vendor, blk->device, blk->slot, blk->function, b->node_name, b->file);
}

void check_login(struct check_result *r, const char *user, int login_status, const char *id_output,
		 const char *transcript)
{
	const char *t = transcript ? transcript : "the console transcript";
	if (login_status == -EACCES) {
		char *hint = xasprintf("the lab's accounts are root/toor and student/student; see %s", t);
		check_fail(r, hint, "the guest answered 'Login incorrect' for %s", user);
		free(hint);
		return;
	}
	if (login_status == -ETIMEDOUT) {
		char *hint = xasprintf("read %s for what the guest printed", t);
		check_fail(r, hint, "no shell prompt for %s before the deadline", user);
		free(hint);
		return;
	}
	if (login_status) {
		check_fail(r, NULL, "logging in as %s failed: %s", user, strerror(-login_status));
		return;
	}
	char seen[64];
	snprintf(seen, sizeof(seen), "%s", id_output ? id_output : "");
	rtrim(seen);
	if (strcmp(seen, user)) {
		check_fail(r, NULL, "logged in, but `id -un` says '%s', not '%s'", seen, user);
		return;
	}
	check_pass(r, "logged in as %s over the serial socket; `id -un` = %s", user, seen);
}

void check_only_loopback(struct check_result *r, const struct ip_iface *ifs, int n)
{
	if (n < 0) {
		check_fail(r, NULL, "`ip a s` printed no interface list");
		return;
	}
	bool lo = false;
	struct strbuf others = STRBUF_INIT;
	for (int i = 0; i < n; i++) {
		if (!strcmp(ifs[i].name, "lo"))
			lo = true;
		else
			sb_addf(&others, "%s%s", others.len ? ", " : "", ifs[i].name);
	}
	if (others.len)
		check_fail(r, "chapter 1's VM has no NIC: leave out -device e1000/-netdev (-nodefaults removes "
			      "QEMU's default NIC)",
			   "the guest has more than lo: %s", others.buf);
	else if (!lo)
		check_fail(r, NULL, "the guest has no lo interface");
	else
		check_pass(r, "`ip a s` lists only lo: this VM has no network device");
	sb_release(&others);
}

void check_transcript_login(struct check_result *r, const char *transcript, const char *user)
{
	struct strbuf outs[16];
	memset(outs, 0, sizeof(outs));
	size_t n = transcript_outputs(transcript, "id -un", outs, ARRAY_SIZE(outs));
	bool seen = false;
	for (size_t i = 0; i < n && i < ARRAY_SIZE(outs); i++) {
		char who[64];
		snprintf(who, sizeof(who), "%s", sb_str(&outs[i]));
		if (!strcmp(rtrim(who), user))
			seen = true;
		sb_release(&outs[i]);
	}
	if (seen) {
		check_pass(r, "the console transcript shows a login as %s (`id -un` printed %s)", user, user);
	} else {
		char *hint = xasprintf("in `vlab console`, log in as %s and type `id -un`", user);
		check_fail(r, hint, "the console transcript shows no `id -un` printing %s", user);
		free(hint);
	}
}
