/* runner/util: sizes as qemu -m spells them, numbers, strbuf, files,
 * sha256, directories. */
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

#include "checks/verdict.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "runner/files.h"
#include "runner/sha256.h"
#include "tests/unit/unit_helpers.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static char *at(void **state, const char *rel)
{
	return xasprintf("%s/%s", (const char *)*state, rel);
}

/* ---- parse_size ---- */

static void test_parse_size_good(void **state)
{
	static const struct {
		const char *s;
		bool mib;
		uint64_t bytes;
	} cases[] = {
		{ "256", true, 256 * MiB },
		{ "256", false, 256 },
		{ "256M", true, 256 * MiB },
		{ "256M", false, 256 * MiB },
		{ "256m", true, 256 * MiB },
		{ "0.25G", true, 256 * MiB },
		{ "0.25g", false, 256 * MiB },
		{ ".25G", true, 256 * MiB },
		{ "268435456B", true, 256 * MiB },
		{ "268435456b", true, 256 * MiB },
		{ "256MiB", true, 256 * MiB },
		{ "256Mib", true, 256 * MiB },
		/* "MB" is taken as MiB too (qemu itself takes only "M") */
		{ "256MB", true, 256 * MiB },
		{ "256mb", true, 256 * MiB },
		{ "262144K", true, 256 * MiB },
		{ "262144KiB", true, 256 * MiB },
		{ "1G", true, GiB },
		{ "1GiB", true, GiB },
		{ "1.5G", true, 3 * GiB / 2 },
		{ "4T", true, 4ULL << 40 },
		{ "2P", true, 2ULL << 50 },
		{ "1E", true, 1ULL << 60 },
		{ "15E", true, 15ULL << 60 },
		{ "0.5K", false, 512 },
		{ "1.", true, MiB },
		{ "0", true, 0 },
		{ "0B", true, 0 },
		{ "  64M", true, 64 * MiB },  /* leading blanks, as strtod */
		{ "007", false, 7 },
		{ "0.0009765625M", false, 1024 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t b = 12345;

		if (parse_size(cases[i].s, cases[i].mib, &b))
			fail_msg("parse_size(\"%s\") failed", cases[i].s);
		if (b != cases[i].bytes)
			fail_msg("parse_size(\"%s\", %d) = %llu, want %llu", cases[i].s, cases[i].mib,
				 (unsigned long long)b, (unsigned long long)cases[i].bytes);
	}
}

static void test_parse_size_bad(void **state)
{
	static const struct {
		const char *s;
		int rc;
	} cases[] = {
		{ "", -EINVAL },
		{ "   ", -EINVAL },
		{ "-1", -EINVAL },
		{ "-0", -EINVAL },
		{ "+5", -EINVAL },
		{ " -5M", -EINVAL },
		{ "12X", -EINVAL },
		{ "M", -EINVAL },
		{ ".", -EINVAL },
		{ "0x100", -EINVAL },
		{ "0X1p4", -EINVAL },
		{ "1e3", -EINVAL },
		{ "1e400", -EINVAL },
		{ "inf", -EINVAL },
		{ "nan", -EINVAL },
		{ "256 M", -EINVAL },
		{ "256M ", -EINVAL },
		{ "256MiBs", -EINVAL },
		{ "256Mi", -EINVAL },
		{ "256iB", -EINVAL },
		{ "256BB", -EINVAL },   /* a byte has no "B" after it */
		{ "256BiB", -EINVAL },
		{ "1,5G", -EINVAL },
		{ "1.3B", -EINVAL },    /* a fraction of a byte */
		{ "0.1M", -EINVAL },    /* 104857.6 bytes */
		{ "99999999999E", -ERANGE },
		{ "16E", -ERANGE },     /* 2^64 */
		{ "18446744073709551616", -ERANGE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t b = 777;
		int rc;

		rc = parse_size(cases[i].s, true, &b);
		if (rc != cases[i].rc)
			fail_msg("parse_size(\"%s\") = %d, want %d", cases[i].s, rc, cases[i].rc);
		assert_int_equal(b, 777);  /* untouched on error */
	}
	assert_int_equal(parse_size(NULL, true, &(uint64_t){ 0 }), -EINVAL);

	/* a bare 1.5 is 1.5 MiB for -m, but 1.5 bytes otherwise */
	uint64_t b = 777;
	assert_int_equal(parse_size("1.5", true, &b), 0);
	assert_int_equal(b, 3 * MiB / 2);
	b = 777;
	assert_int_equal(parse_size("1.5", false, &b), -EINVAL);
	assert_int_equal(b, 777);
}

/* ---- format_size ---- */

static void test_format_size(void **state)
{
	static const struct {
		uint64_t bytes;
		const char *text;
	} cases[] = {
		{ 268435456, "256 MiB" },
		{ 4096, "4 KiB" },
		{ 1000, "1000 B" },
		{ 0, "0 B" },
		{ 1, "1 B" },
		{ 1023, "1023 B" },
		{ 1024, "1 KiB" },
		{ 1025, "1025 B" },
		{ 3 * GiB / 2, "1536 MiB" },  /* whole numbers of the largest unit that divides */
		{ 512 * MiB, "512 MiB" },
		{ GiB, "1 GiB" },
		{ 10 * MiB, "10 MiB" },
		{ 10239, "10239 B" },
		{ 10241, "10.0 KiB" },        /* past 10240 units, one decimal of the largest unit */
		{ 123456789, "117.7 MiB" },
		{ (1ULL << 40) + 1, "1.0 TiB" },
		{ 1ULL << 60, "1 EiB" },
		{ UINT64_MAX, "16.0 EiB" },
	};
	char out[32];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(out, 'x', sizeof(out));
		format_size(cases[i].bytes, out, sizeof(out));
		assert_string_equal(out, cases[i].text);
	}
	/* truncated to the buffer, still terminated */
	format_size(268435456, out, 4);
	assert_string_equal(out, "256");
}

static void test_size_round_trip(void **state)
{
	static const uint64_t sizes[] = { 256 * MiB, 4096, 1000, 3 * GiB / 2, 1ULL << 50 };
	char text[32], spec[40];
	uint64_t b;

	/* what format_size prints for whole units, parse_size reads back */
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		format_size(sizes[i], text, sizeof(text));
		char *sp = strchr(text, ' ');
		assert_non_null(sp);
		snprintf(spec, sizeof(spec), "%.*s%s", (int)(sp - text), text, sp + 1);
		assert_int_equal(parse_size(spec, false, &b), 0);
		assert_int_equal(b, sizes[i]);
	}
}

/* ---- parse_i64 / parse_u64 ---- */

static void test_parse_i64(void **state)
{
	int64_t v = 0;

	assert_int_equal(parse_i64("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_i64("-5", -10, 10, &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(parse_i64("+7", 0, 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(parse_i64("9223372036854775807", INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(parse_i64("-9223372036854775808", INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == INT64_MIN);

	v = 99;
	assert_int_equal(parse_i64("101", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_i64("-1", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_i64("9223372036854775808", INT64_MIN, INT64_MAX, &v), -ERANGE);
	assert_int_equal(parse_i64("-9223372036854775809", INT64_MIN, INT64_MAX, &v), -ERANGE);
	assert_int_equal(parse_i64("12a", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_i64("12 ", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_i64("0x10", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_i64("", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_i64("-", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_i64(NULL, 0, 100, &v), -EINVAL);
	assert_int_equal(v, 99);
}

static void test_parse_u64(void **state)
{
	uint64_t v = 0;

	assert_int_equal(parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64("0042", &v), 0);
	assert_int_equal(v, 42);

	v = 99;
	assert_int_equal(parse_u64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(parse_u64("-1", &v), -EINVAL);
	assert_int_equal(parse_u64("+1", &v), -EINVAL);
	/* strtoull would skip the blank and negate: 2^64 - 5 */
	assert_int_equal(parse_u64(" -5", &v), -EINVAL);
	assert_int_equal(parse_u64("\t1", &v), -EINVAL);
	assert_int_equal(parse_u64("1 ", &v), -EINVAL);
	assert_int_equal(parse_u64("1k", &v), -EINVAL);
	assert_int_equal(parse_u64("", &v), -EINVAL);
	assert_int_equal(parse_u64(NULL, &v), -EINVAL);
	assert_int_equal(v, 99);
}

/* ---- strbuf ---- */

static void test_strbuf(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	/* empty, never allocated: "" and not NULL */
	assert_string_equal(sb_str(&sb), "");
	assert_int_equal(sb.len, 0);
	sb_reset(&sb);
	sb_remove_prefix(&sb, 3);
	assert_string_equal(sb_str(&sb), "");

	/* grown but still empty: terminated all the same */
	sb_grow(&sb, 100);
	assert_non_null(sb.buf);
	assert_true(sb.cap >= 101);
	assert_string_equal(sb_str(&sb), "");
	sb_release(&sb);

	sb_adds(&sb, "hello");
	sb_add(&sb, ", world", 1);
	assert_string_equal(sb.buf, "hello,");
	assert_int_equal(sb.len, 6);
	sb_addf(&sb, " %d-%s", 42, "x");
	assert_string_equal(sb_str(&sb), "hello, 42-x");
	assert_int_equal(sb.len, strlen("hello, 42-x"));
	assert_true(sb.cap > sb.len);

	sb_remove_prefix(&sb, 7);
	assert_string_equal(sb.buf, "42-x");
	assert_int_equal(sb.len, 4);
	sb_remove_prefix(&sb, 0);
	assert_string_equal(sb.buf, "42-x");
	sb_remove_prefix(&sb, 4);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
	sb_adds(&sb, "ab");
	sb_remove_prefix(&sb, 100);
	assert_string_equal(sb.buf, "");

	sb_adds(&sb, "again");
	size_t cap = sb.cap;
	sb_reset(&sb);
	assert_string_equal(sb_str(&sb), "");
	assert_int_equal(sb.len, 0);
	assert_int_equal(sb.cap, cap);  /* keeps its memory */

	/* bytes, NULs included */
	sb_add(&sb, "a\0b", 3);
	assert_int_equal(sb.len, 3);
	assert_memory_equal(sb.buf, "a\0b", 4);
	sb_add(&sb, NULL, 0);
	assert_int_equal(sb.len, 3);

	sb_release(&sb);
	assert_null(sb.buf);
	assert_int_equal(sb.len, 0);
	assert_int_equal(sb.cap, 0);
	assert_string_equal(sb_str(&sb), "");
}

static void test_strbuf_growth(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char big[10001];

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 1000; i++)
		sb_addf(&sb, "%d,", i % 10);
	assert_int_equal(sb.len, 2000);
	assert_int_equal(sb.buf[1998], '9');
	sb_addf(&sb, "%s", big);
	assert_int_equal(sb.len, 12000);
	assert_int_equal(strlen(sb.buf), 12000);
	assert_int_equal(sb.buf[11999], 'z');
	sb_release(&sb);

	char *s = xasprintf("%s-%05d", "n", 42);
	assert_string_equal(s, "n-00042");
	free(s);
	s = xasprintf("%s", "");
	assert_string_equal(s, "");
	free(s);
}

static void test_rtrim_starts_with(void **state)
{
	char a[] = "line \t\r\n\n";
	char b[] = "\r\n";
	char c[] = "  keep leading";

	assert_string_equal(rtrim(a), "line");
	assert_string_equal(rtrim(b), "");
	assert_string_equal(rtrim(c), "  keep leading");
	assert_true(starts_with("flags\t: x", "flags"));
	assert_true(starts_with("x", ""));
	assert_false(starts_with("fla", "flags"));
	assert_false(starts_with("Flags", "flags"));
}

static void test_time(void **state)
{
	int64_t t = now_ms();

	assert_true(t > 0);
	assert_true(now_ms() >= t);
	assert_int_equal(ms_left(t - 5), 0);
	assert_int_equal(ms_left(0), 0);
	int64_t left = ms_left(now_ms() + 10000);
	assert_true(left > 9000 && left <= 10000);
}

/* ---- files ---- */

static void test_file_round_trip(void **state)
{
	char *path = at(state, "data.bin");
	unsigned char data[100000];
	struct strbuf sb = STRBUF_INIT;
	struct stat st;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + i / 256);
	assert_int_equal(write_file_atomic(path, data, sizeof(data), 0600), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, sizeof(data));
	assert_int_equal(read_file(path, &sb), 0);
	assert_int_equal(sb.len, sizeof(data));
	assert_memory_equal(sb.buf, data, sizeof(data));
	assert_int_equal(sb.buf[sb.len], '\0');

	/* replaced whole; read_file appends to what sb holds */
	assert_int_equal(write_file_atomic(path, "abc", 3, 0644), 0);
	sb_reset(&sb);
	sb_adds(&sb, ">");
	assert_int_equal(read_file(path, &sb), 0);
	assert_string_equal(sb.buf, ">abc");

	/* empty file */
	assert_int_equal(write_file_atomic(path, "", 0, 0644), 0);
	sb_release(&sb);
	assert_int_equal(read_file(path, &sb), 0);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb_str(&sb), "");
	sb_release(&sb);

	/* the temp file beside it is gone */
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	assert_false(path_exists(tmp));
	free(tmp);
	free(path);
}

/* A temporary file is always a fresh one: a file that another writer (or an
 * earlier process with this pid) left at the old fixed name "PATH.tmp.PID"
 * is neither opened nor truncated, and two temporaries are never one. */
static void test_tmp_beside_is_fresh(void **state)
{
	char *path = at(state, "report.json");
	char *old = xasprintf("%s.tmp.%ld", path, (long)getpid());
	assert_int_equal(write_file_atomic(old, "theirs", 6, 0600), 0);
	char *t1, *t2;
	int fd1 = open_tmp_beside(path, 0640, &t1), fd2 = open_tmp_beside(path, 0640, &t2);
	assert_true(fd1 >= 0 && fd2 >= 0);
	assert_string_not_equal(t1, t2);
	assert_string_not_equal(t1, old);
	struct stat st;
	assert_int_equal(fstat(fd1, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	close(fd1);
	close(fd2);
	unlink(t1);
	unlink(t2);
	free(t1);
	free(t2);
	assert_int_equal(write_file_atomic(path, "mine", 4, 0644), 0);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(old, &sb), 0);
	assert_string_equal(sb_str(&sb), "theirs");
	sb_release(&sb);
	assert_int_equal(read_file(path, &sb), 0);
	assert_string_equal(sb_str(&sb), "mine");
	sb_release(&sb);
	free(old);
	free(path);
}

static void test_file_errors(void **state)
{
	char *missing_dir = at(state, "no/such/file");
	char *missing = at(state, "nothing");
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(write_file_atomic(missing_dir, "x", 1, 0644), -ENOENT);
	assert_int_equal(read_file(missing, &sb), -ENOENT);
	assert_int_equal(sb.len, 0);
	assert_int_equal(read_file((const char *)*state, &sb), -EISDIR);
	sb_release(&sb);
	assert_false(path_exists(missing));
	assert_true(path_exists((const char *)*state));
	free(missing_dir);
	free(missing);
}

static void test_sha256(void **state)
{
	char *path = at(state, "abc");
	char hex[65];

	assert_int_equal(write_file_atomic(path, "abc", 3, 0644), 0);
	assert_int_equal(sha256_file(path, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(is_sha256_hex(hex));

	assert_int_equal(write_file_atomic(path, "", 0, 0644), 0);
	assert_int_equal(sha256_file(path, hex), 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

	/* more than one read buffer (64 KiB): 200000 times 'a' */
	char *big = xmalloc(200000);
	memset(big, 'a', 200000);
	assert_int_equal(write_file_atomic(path, big, 200000, 0644), 0);
	free(big);
	assert_int_equal(sha256_file(path, hex), 0);
	assert_string_equal(hex, "2287d207f24a941ff3b56c04c8a25ad56b63e3023207b3bb5b4ac0c9869d74be");

	memset(hex, 'x', sizeof(hex));
	assert_int_equal(sha256_file((const char *)*state, hex), -EISDIR);
	free(path);
	path = at(state, "missing");
	assert_int_equal(sha256_file(path, hex), -ENOENT);
	free(path);
}

static void test_sha256_buf(void **state)
{
	char hex[65];
	sha256_buf("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_buf("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_paths_overlap(void **state)
{
	assert_true(paths_overlap("/a/b", "/a/b"));
	assert_true(paths_overlap("/a/b", "/a/b/c"));
	assert_true(paths_overlap("/a/b/c", "/a/b"));
	assert_true(paths_overlap("/", "/a"));
	assert_false(paths_overlap("/a/b", "/a/bc"));
	assert_false(paths_overlap("/a/bc", "/a/b"));
	assert_false(paths_overlap("/x", "/y/x"));
}

static void test_is_sha256_hex(void **state)
{
	const char *good = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	char buf[80];

	assert_true(is_sha256_hex(good));
	assert_true(is_sha256_hex("0000000000000000000000000000000000000000000000000000000000000000"));
	assert_false(is_sha256_hex(""));
	snprintf(buf, sizeof(buf), "%.63s", good);
	assert_false(is_sha256_hex(buf));
	snprintf(buf, sizeof(buf), "%s0", good);
	assert_false(is_sha256_hex(buf));
	snprintf(buf, sizeof(buf), "%s", good);
	buf[0] = 'B';
	assert_false(is_sha256_hex(buf));
	buf[0] = 'g';
	assert_false(is_sha256_hex(buf));
	buf[0] = ' ';
	assert_false(is_sha256_hex(buf));
}

/* ---- directories ---- */

static void test_mkdir_p_remove_tree(void **state)
{
	char *deep = at(state, "a/b/c/d");
	char *top = at(state, "a");
	char *file = at(state, "a/b/file");
	char *under_file = at(state, "a/b/file/sub");
	char *outside = at(state, "outside");
	char *kept = at(state, "outside/kept");
	char *link = at(state, "a/b/c/link");
	char *trailing = at(state, "t/u/");
	struct stat st;

	assert_int_equal(mkdir_p(deep, 0700), 0);
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(mkdir_p(deep, 0700), 0);  /* already there */
	assert_int_equal(mkdir_p(trailing, 0755), 0);
	assert_true(path_exists(trailing));
	assert_int_equal(mkdir_p("/", 0755), 0);

	/* a file in the way */
	assert_int_equal(write_file_atomic(file, "f", 1, 0644), 0);
	assert_int_equal(mkdir_p(file, 0755), -ENOTDIR);
	assert_int_equal(mkdir_p(under_file, 0755), -ENOTDIR);
	assert_int_equal(mkdir_p("", 0755), -ENOENT);

	/* remove_tree does not follow a symlink out of the tree */
	assert_int_equal(mkdir_p(outside, 0755), 0);
	assert_int_equal(write_file_atomic(kept, "k", 1, 0644), 0);
	assert_int_equal(symlink(outside, link), 0);
	assert_int_equal(remove_tree(top), 0);
	assert_false(path_exists(top));
	assert_true(path_exists(kept));

	/* gone already; a plain file */
	assert_int_equal(remove_tree(top), 0);
	assert_int_equal(remove_tree(kept), 0);
	assert_false(path_exists(kept));

	free(deep);
	free(top);
	free(file);
	free(under_file);
	free(outside);
	free(kept);
	free(link);
	free(trailing);
}

static void test_mkdir_p_relative(void **state)
{
	char cwd[4096];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir((const char *)*state), 0);
	assert_int_equal(mkdir_p("rel/x", 0755), 0);
	assert_true(path_exists("rel/x"));
	assert_int_equal(remove_tree("rel"), 0);
	assert_false(path_exists("rel"));
	assert_int_equal(chdir(cwd), 0);
}

/* text_printf: what fits is written whole; what does not ends in "...",
 * never cut without a mark, and the buffer is always terminated. */
static void test_text_printf(void **state)
{
	(void)state;
	char b[16];
	assert_true(text_printf(b, sizeof(b), "%s %d", "tap", 0));
	assert_string_equal(b, "tap 0");
	assert_true(text_printf(b, sizeof(b), "%s", "exactly 15 byte"));
	assert_string_equal(b, "exactly 15 byte");
	assert_false(text_printf(b, sizeof(b), "%s", "sixteen bytes.."  "x"));
	assert_int_equal(strlen(b), sizeof(b) - 1);
	assert_string_equal(b, "sixteen byte...");
	char tiny[3];
	assert_false(text_printf(tiny, sizeof(tiny), "%s", "abcdef"));
	assert_string_equal(tiny, "ab");
	struct check_result r;
	check_init(&r, "x.long");
	char *long_text = xcalloc(1, 3000);
	memset(long_text, 'a', 2999);
	check_fail(&r, long_text, "%s", long_text);
	assert_int_equal(strlen(r.detail), sizeof(r.detail) - 1);
	assert_string_equal(r.detail + sizeof(r.detail) - 4, "...");
	assert_string_equal(r.hint + sizeof(r.hint) - 4, "...");
	free(long_text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_printf),
		cmocka_unit_test(test_parse_size_good),
		cmocka_unit_test(test_parse_size_bad),
		cmocka_unit_test(test_format_size),
		cmocka_unit_test(test_size_round_trip),
		cmocka_unit_test(test_parse_i64),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_strbuf_growth),
		cmocka_unit_test(test_rtrim_starts_with),
		cmocka_unit_test(test_time),
		cmocka_unit_test_setup_teardown(test_file_round_trip, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_file_errors, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_tmp_beside_is_fresh, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_sha256, scratch_setup, scratch_teardown),
		cmocka_unit_test(test_is_sha256_hex),
		cmocka_unit_test(test_sha256_buf),
		cmocka_unit_test(test_paths_overlap),
		cmocka_unit_test_setup_teardown(test_mkdir_p_remove_tree, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_p_relative, scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
