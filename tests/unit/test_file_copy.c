/* runner/grade/file_copy: the second VM's rootfs copy. A file copied whole
 * (larger than one copy_file_range round of a pipe, with a hole) and
 * handed to the uid; what it must refuse: a source that is a link (it
 * could name a host file), a FIFO (it would block), a destination that is
 * there (a link the script planted would be written through), leaving no
 * half copy. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/grade/file_copy.h"
#include "runner/util.h"
#include "runner/files.h"

static char dir[64];
static int dfd = -1;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vlab-test-copy.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return dfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	close(dfd);
	return remove_tree(dir) < 0 ? -1 : 0;
}

static void test_copies_whole(void **state)
{
	(void)state;
	int fd = openat(dfd, "src", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	char block[4096];
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (char)(i * 7);
	for (int k = 0; k < 600; k++)
		assert_int_equal(write(fd, block, sizeof(block)), (ssize_t)sizeof(block));
	/* a hole, then the last bytes */
	assert_true(lseek(fd, 1 << 20, SEEK_CUR) > 0);
	assert_int_equal(write(fd, "end", 3), 3);
	close(fd);
	assert_int_equal(file_copy_new(dfd, "src", dfd, "dst", getuid()), 0);
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	char *pa = xasprintf("%s/src", dir), *pb = xasprintf("%s/dst", dir);
	assert_int_equal(read_file(pa, &a), 0);
	assert_int_equal(read_file(pb, &b), 0);
	assert_int_equal(a.len, b.len);
	assert_int_equal(memcmp(a.buf, b.buf, a.len), 0);
	struct stat st;
	assert_int_equal(stat(pb, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(st.st_uid, getuid());
	sb_release(&a);
	sb_release(&b);
	free(pa);
	free(pb);
	/* never over a file that is there */
	assert_int_equal(file_copy_new(dfd, "src", dfd, "dst", getuid()), -EEXIST);
}

static void test_refuses(void **state)
{
	(void)state;
	int fd = openat(dfd, "real", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	/* a source that is a link */
	assert_int_equal(symlinkat("real", dfd, "link"), 0);
	assert_int_equal(file_copy_new(dfd, "link", dfd, "out1", getuid()), -ELOOP);
	assert_int_equal(faccessat(dfd, "out1", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	/* a FIFO: refused without blocking */
	assert_int_equal(mkfifoat(dfd, "fifo", 0600), 0);
	assert_int_equal(file_copy_new(dfd, "fifo", dfd, "out2", getuid()), -EINVAL);
	assert_int_equal(faccessat(dfd, "out2", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	/* a destination that is a link to elsewhere: not written through */
	assert_int_equal(symlinkat("real", dfd, "planted"), 0);
	assert_int_equal(file_copy_new(dfd, "real", dfd, "planted", getuid()), -EEXIST);
	/* a source that is not there */
	assert_int_equal(file_copy_new(dfd, "nothing", dfd, "out3", getuid()), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_copies_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
