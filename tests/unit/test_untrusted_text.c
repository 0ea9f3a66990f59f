/* runner/untrusted_text: what a submission printed, escaped visibly for
 * reports and logs; valid UTF-8 text kept as it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/untrusted_text.h"
#include "runner/util.h"
#include "tests/unit/unit_helpers.h"

static char *escaped(const char *s, size_t n, unsigned flags)
{
	struct strbuf sb = STRBUF_INIT;
	untrusted_text_append(&sb, s, n, flags);
	char *out = xstrdup(sb_str(&sb));
	sb_release(&sb);
	return out;
}

#define EXPECT(in, flags, want)                                               \
	do {                                                                  \
		char *got_ = escaped(in, sizeof(in) - 1, flags);              \
		assert_string_equal(got_, want);                              \
		assert_int_equal(untrusted_text_is_clean(in, sizeof(in) - 1, flags), \
				 strcmp(in, want) == 0 && sizeof(in) - 1 == strlen(in)); \
		free(got_);                                                   \
	} while (0)

static void test_plain_text_kept(void **state)
{
	(void)state;
	EXPECT("qemu-system-x86_64 -m 256M", 0, "qemu-system-x86_64 -m 256M");
	/* UTF-8: é (2 bytes), € (3), 😀 (4) */
	EXPECT("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	EXPECT("", 0, "");
}

/* what a script that clears the screen and colours its output prints */
static void test_escape_sequences_visible(void **state)
{
	(void)state;
	EXPECT("\x1b[2J\x1b[31mFAIL\x1b[0m", 0, "\\x1b[2J\\x1b[31mFAIL\\x1b[0m");
	EXPECT("a\rb", 0, "a\\x0db");
	EXPECT("bell\x07", 0, "bell\\x07");
	EXPECT("del\x7f", 0, "del\\x7f");
	/* U+009B, a one-character CSI for some terminals, in UTF-8 */
	EXPECT("x\xc2\x9b" "2J", 0, "x\\xc2\\x9b2J");
	/* U+00A0 is not a control */
	EXPECT("\xc2\xa0", 0, "\xc2\xa0");
}

static void test_newline_and_tab_by_flag(void **state)
{
	(void)state;
	EXPECT("a\nb\tc", 0, "a\\x0ab\\x09c");
	EXPECT("a\nb\tc", UT_KEEP_NEWLINE, "a\nb\\x09c");
	EXPECT("a\nb\tc", UT_KEEP_NEWLINE | UT_KEEP_TAB, "a\nb\tc");
}

static void test_invalid_utf8_escaped(void **state)
{
	(void)state;
	EXPECT("\xff", 0, "\\xff");
	EXPECT("\xc0\xaf", 0, "\\xc0\\xaf");		     /* overlong '/' */
	EXPECT("\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf");	     /* overlong, 3 bytes */
	EXPECT("\xed\xa0\x80", 0, "\\xed\\xa0\\x80");	     /* surrogate D800 */
	EXPECT("\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80"); /* past 10FFFF */
	EXPECT("ab\xe2\x82", 0, "ab\\xe2\\x82");		     /* cut at the end */
	EXPECT("\xe2(x", 0, "\\xe2(x");			     /* cut in the middle */
}

static void test_nul_inside(void **state)
{
	(void)state;
	char *got = escaped("a\0b", 3, 0);
	assert_string_equal(got, "a\\x00b");
	free(got);
}

static void test_fputs(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	untrusted_text_fputs(f, "ok \x1b]0;title\x07 done\n", UT_KEEP_NEWLINE);
	untrusted_text_fputs(f, NULL, 0);
	untrusted_text_fputs(f, "plain", 0);
	fclose(f);
	assert_string_equal(buf, "ok \\x1b]0;title\\x07 done\nplain");
	free(buf);
}

/* The output of any input is clean under the same flags, and clean input is
 * its own output: walk every 1- and 2-byte string and a few 3- and 4-byte
 * ones around the UTF-8 boundaries. */
static void test_output_always_clean(void **state)
{
	(void)state;
	unsigned char in[4];
	for (unsigned a = 0; a < 256; a++)
		for (unsigned b = 0; b < 256; b++) {
			in[0] = (unsigned char)a;
			in[1] = (unsigned char)b;
			for (size_t n = 1; n <= 2; n++)
				for (unsigned flags = 0; flags < 4; flags++) {
					char *out = escaped((char *)in, n, flags);
					assert_true(untrusted_text_is_clean(out, strlen(out), flags));
					if (untrusted_text_is_clean((char *)in, n, flags))
						assert_memory_equal(out, in, n);
					free(out);
				}
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_kept),	  cmocka_unit_test(test_escape_sequences_visible),
		cmocka_unit_test(test_newline_and_tab_by_flag), cmocka_unit_test(test_invalid_utf8_escaped),
		cmocka_unit_test(test_nul_inside),	  cmocka_unit_test(test_fputs),
		cmocka_unit_test(test_output_always_clean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
