/* checks/qemu_opt: one option's argument read into props directly, without
 * an argv around it: QemuOpts items, JSON and its refusal, the compat
 * chardev syntax, and release. (test_qemu_cmdline.c reads whole lines.) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/qemu_opt.h"

static struct qemu_opt opt_of(enum qemu_opt_kind kind, const char *word, const char *arg)
{
	struct qemu_opt o;
	memset(&o, 0, sizeof(o));
	o.kind = kind;
	o.word = word;
	o.arg = arg;
	return o;
}

static void test_items(void **state)
{
	struct qemu_opt o = opt_of(QOPT_CHARDEV, "-chardev", "socket,id=s0,path=a,,b,server,nowait");
	qemu_opt_read_items(&o, o.arg, "backend", true);
	assert_string_equal(qemu_opt_get(&o, "backend"), "socket");
	assert_string_equal(qemu_opt_get(&o, "id"), "s0");
	assert_string_equal(qemu_opt_get(&o, "path"), "a,b");
	assert_true(qemu_opt_get_bool(&o, "server", false));
	assert_false(qemu_opt_get_bool(&o, "wait", true));
	assert_true(o.props[o.nprops - 1].flag);
	qemu_opt_release(&o);
	assert_null(o.props);
	assert_int_equal(o.nprops, 0);
}

static void test_json(void **state)
{
	struct qemu_opt o = opt_of(QOPT_BLOCKDEV, "-blockdev",
				   " {\"driver\":\"qcow2\",\"node-name\":\"id0\",\"file\":{\"driver\":\"file\","
				   "\"filename\":\"ov.qcow2\"},\"read-only\":false}");
	char why[160] = "";
	assert_int_equal(qemu_opt_read_json_or_items(&o, "driver", false, why, sizeof(why)), 0);
	assert_string_equal(qemu_opt_get(&o, "driver"), "qcow2");
	assert_string_equal(qemu_opt_get(&o, "file.filename"), "ov.qcow2");
	assert_string_equal(qemu_opt_get(&o, "read-only"), "off");
	qemu_opt_release(&o);

	o = opt_of(QOPT_DEVICE, "-device", "{\"driver\": ");
	assert_int_equal(qemu_opt_read_json_or_items(&o, "driver", true, why, sizeof(why)), -EINVAL);
	assert_true(why[0] != '\0');
	assert_int_equal(o.nprops, 0);
	o = opt_of(QOPT_DEVICE, "-device", "{} ");
	assert_int_equal(qemu_opt_read_json_or_items(&o, "driver", true, why, sizeof(why)), 0);
	o = opt_of(QOPT_DEVICE, "-device", "[1]");
	/* not '{': items, the implied driver */
	assert_int_equal(qemu_opt_read_json_or_items(&o, "driver", true, why, sizeof(why)), 0);
	assert_string_equal(qemu_opt_get(&o, "driver"), "[1]");
	qemu_opt_release(&o);
}

static void test_compat_chardev(void **state)
{
	struct qemu_opt o = opt_of(QOPT_SERIAL, "-serial", "unix:serial.socket,server,nowait");
	qemu_opt_read_compat_chardev(&o, o.arg);
	assert_string_equal(qemu_opt_get(&o, "backend"), "socket");
	assert_string_equal(qemu_opt_get(&o, "path"), "serial.socket");
	assert_true(qemu_opt_get_bool(&o, "server", false));
	qemu_opt_release(&o);

	o = opt_of(QOPT_SERIAL, "-serial", "tcp:127.0.0.1:4444");
	qemu_opt_read_compat_chardev(&o, o.arg);
	assert_string_equal(qemu_opt_get(&o, "backend"), "tcp");
	assert_string_equal(qemu_opt_get(&o, "address"), "127.0.0.1:4444");
	char *t = qemu_opt_text_dup(&o);
	assert_string_equal(t, "-serial tcp:127.0.0.1:4444");
	free(t);
	qemu_opt_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_items),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_compat_chardev),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
