/* runner/inspect/qemu_find: which running qemu is the lab built by hand,
 * as verify, console and shell find it (vlab's own qemus left out, several
 * told apart only as chapter 3's two VMs), and where a qemu's serial
 * console is; on the command lines of tests/fixtures/cmdline/. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/inspect/qemu_find.h"
#include "runner/util.h"
#include "runner/files.h"

/* A qemu as qemu_proc_load() would read it: pid, fixture command line,
 * working directory, whether vlab started it. */
static void load(struct qemu_proc *q, pid_t pid, const char *fixture, const char *cwd, bool vlab_own)
{
	memset(q, 0, sizeof(*q));
	char *p = xasprintf("%s/cmdline/%s.cmdline", FIXTURES, fixture);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(p, &sb), 0);
	assert_int_equal(qemu_cmdline_parse_proc(sb.buf, sb.len, &q->cmd), 0);
	sb_release(&sb);
	free(p);
	q->pid = pid;
	snprintf(q->cwd, sizeof(q->cwd), "%s", cwd);
	q->vlab_own = vlab_own;
}

static void release(struct qemu_proc *all, size_t n)
{
	for (size_t i = 0; i < n; i++)
		qemu_proc_release(&all[i]);
}

static void test_handbuilt(void **state)
{
	(void)state;
	struct qemu_proc all[3];
	struct qemu_found f;
	/* vlab's own qemu beside the student's: the student's */
	load(&all[0], 100, "vlab-ch2", "/run/vlab/r", true);
	load(&all[1], 101, "lab-ch2", "/home/s", false);
	assert_int_equal(qemu_find_handbuilt(all, 2, &f), 0);
	assert_ptr_equal(f.q, &all[1]);
	assert_int_equal(f.nvlab, 1);
	/* only vlab's: none, and it says there was one of vlab's */
	assert_int_equal(qemu_find_handbuilt(all, 1, &f), -ENOENT);
	assert_null(f.q);
	assert_int_equal(f.nvlab, 1);
	assert_int_equal(qemu_find_handbuilt(all, 0, &f), -ENOENT);
	/* two of the student's: both named, none chosen */
	load(&all[2], 102, "lab-ch1", "/home/s", false);
	assert_int_equal(qemu_find_handbuilt(all, 3, &f), -EEXIST);
	assert_null(f.q);
	assert_string_equal(f.pids, "101, 102");
	assert_ptr_equal(qemu_find_pid(all, 3, 100), &all[0]);
	assert_null(qemu_find_pid(all, 3, 99));
	release(all, 3);
}

static void test_vm_roles(void **state)
{
	(void)state;
	struct qemu_proc all[4];
	struct qemu_found f;
	/* chapter 3's two VMs and a qemu of vlab's: each by its role */
	load(&all[0], 200, "vlab-ch2", "/run/vlab/r", true);
	load(&all[1], 202, "course-vm2", "/home/s", false);
	load(&all[2], 201, "course-vm1", "/home/s", false);
	assert_int_equal(qemu_find_vm(all, 3, 0, false, &f), 0);
	assert_int_equal(f.q->pid, 201);
	assert_int_equal(qemu_find_vm(all, 3, 1, true, &f), 0);
	assert_int_equal(f.q->pid, 202);
	/* a third of the student's that is no VM of chapter 3 does not stop it */
	load(&all[3], 203, "lab-ch1", "/home/s", false);
	assert_int_equal(qemu_find_vm(all, 4, 1, true, &f), 0);
	assert_int_equal(f.q->pid, 202);
	/* chapter 2's VM and chapter 1's: not chapter 3's pair, so ask */
	struct qemu_proc two[2];
	load(&two[0], 301, "lab-ch2", "/home/s", false);
	load(&two[1], 302, "lab-ch1", "/home/s", false);
	assert_int_equal(qemu_find_vm(two, 2, 0, false, &f), -EEXIST);
	assert_null(f.q);
	assert_string_equal(f.pids, "301, 302");
	/* the lone qemu is VM1 (the lab of one VM): vm2 named is not it */
	assert_int_equal(qemu_find_vm(two, 1, 0, true, &f), 0);
	assert_int_equal(f.q->pid, 301);
	assert_int_equal(qemu_find_vm(two, 1, 1, true, &f), -EXDEV);
	assert_int_equal(f.q->pid, 301);
	/* the lone qemu that is plainly VM2: vm1 named is not it, no name is */
	assert_int_equal(qemu_find_vm(&all[1], 1, 0, true, &f), -EXDEV);
	assert_int_equal(qemu_find_vm(&all[1], 1, 0, false, &f), 0);
	assert_int_equal(f.q->pid, 202);
	assert_int_equal(qemu_find_vm(&all[1], 1, 1, true, &f), 0);
	assert_int_equal(qemu_find_vm(all, 1, 0, false, &f), -ENOENT);
	release(two, 2);
	release(all, 4);
}

static void test_two_vms_by_pid(void **state)
{
	(void)state;
	struct qemu_proc all[3];
	struct qemu_proc *vm[2];
	char why[512], left[4][200];
	size_t nleft, nc;
	/* --pid may name qemus vlab started; without, they are left out */
	load(&all[0], 401, "course-vm1", "/run/vlab/r", true);
	load(&all[1], 402, "course-vm2", "/run/vlab/r", true);
	load(&all[2], 403, "lab-ch1", "/home/s", false);
	int64_t want[] = { 402, 401 };
	assert_int_equal(qemu_find_two_vms(all, 3, want, 2, vm, why, sizeof(why), left, 4, &nleft, &nc), 0);
	assert_int_equal(nc, 2);
	assert_int_equal(vm[0]->pid, 401);
	assert_int_equal(vm[1]->pid, 402);
	assert_int_equal(qemu_find_two_vms(all, 3, NULL, 0, vm, why, sizeof(why), left, 4, &nleft, &nc), -ENOENT);
	assert_int_equal(nc, 1);
	assert_null(vm[1]);
	release(all, 3);
}

static void test_serial_socket(void **state)
{
	(void)state;
	struct qemu_proc q;
	char shown[4096], conn[4096];
	/* path= relative to qemu's cwd: shown as the student would name it,
	 * reached through /proc (the same across `ip netns exec`'s mounts) */
	load(&q, 4242, "lab-ch2", "/home/s/lab", false);
	assert_int_equal(qemu_serial_socket(&q, shown, sizeof(shown), conn, sizeof(conn)), 0);
	assert_string_equal(shown, "/home/s/lab/serial.socket");
	assert_string_equal(conn, "/proc/4242/cwd/serial.socket");
	/* the cwd unreadable (not root): the path as written, nothing to reach */
	q.cwd[0] = '\0';
	assert_int_equal(qemu_serial_socket(&q, shown, sizeof(shown), conn, sizeof(conn)), -EACCES);
	assert_string_equal(shown, "serial.socket");
	assert_string_equal(conn, "");
	qemu_proc_release(&q);
	/* no isa-serial on a socket: nothing */
	load(&q, 4243, "no-isa-serial", "/home/s", false);
	assert_int_equal(qemu_serial_socket(&q, shown, sizeof(shown), conn, sizeof(conn)), -ENOENT);
	assert_string_equal(conn, "");
	qemu_proc_release(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handbuilt),
		cmocka_unit_test(test_vm_roles),
		cmocka_unit_test(test_two_vms_by_pid),
		cmocka_unit_test(test_serial_socket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
