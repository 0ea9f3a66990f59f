/* runner/config: the config file and sha256 lists, as a course publishes
 * them (sha256sum's text and binary forms, BSD's form), and what each
 * refuses with the line it names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/fetch/config.h"

#define H1 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define H2 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static int parse_cfg(const char *text, struct vlab_config *c, char *err)
{
	return config_parse(text, strlen(text), "cfg", c, err, 256);
}

static void test_config_mirror(void **state)
{
	struct vlab_config c;
	char err[256] = "";
	assert_int_equal(parse_cfg("# the course\n\n  mirror   https://labs.example.edu/vlab/  \n", &c, err), 0);
	assert_string_equal(c.mirror, "https://labs.example.edu/vlab/");
	assert_int_equal(c.mirror_line, 3);
	/* CRLF, no final newline, the later line wins */
	assert_int_equal(parse_cfg("mirror http://a/\r\nmirror file:///srv/m", &c, err), 0);
	assert_string_equal(c.mirror, "file:///srv/m");
	assert_int_equal(c.mirror_line, 2);
	assert_int_equal(parse_cfg("", &c, err), 0);
	assert_string_equal(c.mirror, "");
}

static void test_config_errors(void **state)
{
	struct vlab_config c;
	char err[256];
	assert_int_equal(parse_cfg("mirror\n", &c, err), -EINVAL);
	assert_string_equal(err, "cfg:1: 'mirror' needs a URL");
	assert_int_equal(parse_cfg("\nmirror http://a http://b\n", &c, err), -EINVAL);
	assert_string_equal(err, "cfg:2: 'mirror' takes one URL, no spaces");
	assert_int_equal(parse_cfg("mirrors http://a\n", &c, err), -EINVAL);
	assert_string_equal(err, "cfg:1: unknown key 'mirrors' (known: mirror)");
	const char nul[] = "mirror http://a\0b\n";
	assert_int_equal(config_parse(nul, sizeof(nul) - 1, "cfg", &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "cfg:1: a NUL byte in the line");
	char *long_url = malloc(2100);
	memset(long_url, 'a', 2099);
	long_url[2099] = '\0';
	char *text = malloc(2200);
	snprintf(text, 2200, "mirror http://%s\n", long_url);
	assert_int_equal(parse_cfg(text, &c, err), -EINVAL);
	assert_non_null(strstr(err, "longer than 1023 bytes"));
	free(text);
	free(long_url);
}

static void test_sums_forms(void **state)
{
	struct sha256sums s;
	char err[256] = "";
	const char text[] = "# published by the course\n" H1 "  alpine-bzImage\n"
			    "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855 *dl/simple_alpine_rootfs1.ext4\n"
			    "SHA256 (other file) = " H1 "\n";
	assert_int_equal(sha256sums_parse(text, strlen(text), "SUMS", &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(sha256sums_find(&s, "alpine-bzImage"), H1);
	/* upper case taken, kept lower; the directory dropped; binary mark */
	assert_string_equal(sha256sums_find(&s, "simple_alpine_rootfs1.ext4"), H2);
	assert_string_equal(sha256sums_find(&s, "other file"), H1);
	assert_null(sha256sums_find(&s, "vmlinux"));
}

static void test_sums_errors(void **state)
{
	struct sha256sums s;
	char err[256];
	const char *const bad[][2] = {
		{ "abc  name\n", "SUMS:1: not a sha256 line ('HEX  NAME', as sha256sum prints)" },
		{ H1 "\n", "SUMS:1: no file name, or one too long" },
		{ H1 "  dir/\n", "SUMS:1: no file name, or one too long" },
		{ "\n\nSHA256 (x) = 12\n", "SUMS:3: not 'SHA256 (NAME) = 64 hex digits'" },
		{ "g" H1 " x\n", "SUMS:1: not a sha256 line ('HEX  NAME', as sha256sum prints)" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sha256sums_parse(bad[i][0], strlen(bad[i][0]), "SUMS", &s, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, bad[i][1]);
	}
	/* more entries than fit */
	char text[SHA256SUMS_MAX * 80 + 200] = "";
	for (int i = 0; i <= SHA256SUMS_MAX; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), H1 "  f%d\n", i);
	assert_int_equal(sha256sums_parse(text, strlen(text), "SUMS", &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(s.n, SHA256SUMS_MAX);
	assert_non_null(strstr(err, "more than 32 files"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_mirror),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_sums_forms),
		cmocka_unit_test(test_sums_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
