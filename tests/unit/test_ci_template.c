/* Filling the CI templates (runner/ci_template.h): placeholders replaced,
 * other @ kept, unknown placeholders and values that would break or expand
 * inside a workflow's YAML refused; and the embedded templates themselves
 * hold only placeholders this vlab fills. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/assets.h"
#include "runner/ci_template.h"

static const struct ci_values good = { .profile = "default", .mirror = "https://course.example.org/vlab/", .shards = 3 };

static char *fill(const char *text, const struct ci_values *v, char *err, size_t n)
{
	err[0] = '\0';
	return ci_template_fill(text, v, err, n);
}

static void test_fill_replaces_each_placeholder(void **state)
{
	char err[256];
	char *s = fill("p=@PROFILE@ m=\"@MIRROR@\" n=@SHARDS@ [@SHARD_LIST@] @PROFILE@@SHARDS@", &good, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(s, "p=default m=\"https://course.example.org/vlab/\" n=3 [1, 2, 3] default3");
	free(s);
	struct ci_values one = good;
	one.shards = 1;
	s = fill("[@SHARD_LIST@]/@SHARDS@", &one, err, sizeof(err));
	assert_string_equal(s, "[1]/1");
	free(s);
	one.shards = CI_MAX_SHARDS;
	s = fill("@SHARD_LIST@", &one, err, sizeof(err));
	assert_true(strncmp(s, "1, 2, 3, ", 9) == 0);
	assert_non_null(strstr(s, ", 199, 200"));
	assert_null(strstr(s, "201"));
	free(s);
}

static void test_fill_keeps_other_at_signs(void **state)
{
	char err[256];
	const char *text = "uses: actions/checkout@v4\nmail a@b.c @ @@ @lower@ @A-B@ trailing@\n@";
	char *s = fill(text, &good, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(s, text);
	free(s);
	s = fill("", &good, err, sizeof(err));
	assert_string_equal(s, "");
	free(s);
	/* an @ right before a placeholder */
	s = fill("x@@SHARDS@", &good, err, sizeof(err));
	assert_string_equal(s, "x@3");
	free(s);
}

static void test_fill_refuses_unknown_placeholder(void **state)
{
	char err[256];
	assert_null(fill("a @PROFILE@ b @TOKEN@ c", &good, err, sizeof(err)));
	assert_non_null(strstr(err, "@TOKEN@"));
	assert_non_null(strstr(err, "does not fill"));
}

static void test_fill_refuses_bad_values(void **state)
{
	char err[256];
	static const char *const bad_mirrors[] = {
		"https://x/${{ secrets.TOKEN }}", /* GitHub would evaluate it */
		"https://x/$CI_JOB_TOKEN",        /* GitLab would expand it */
		"https://x/\"\nrun: evil",        /* out of the quoted scalar */
		"https://x/a\\b", "https://x/`id`", "https://x/a b", "https://x/\x7f", "https://x/'", "https://x/\xc3\xa9",
		"ftp://x/", "https://", "", "course.example.org",
	};
	for (size_t i = 0; i < sizeof(bad_mirrors) / sizeof(bad_mirrors[0]); i++) {
		struct ci_values v = good;
		v.mirror = bad_mirrors[i];
		assert_null(fill("@MIRROR@", &v, err, sizeof(err)));
		assert_non_null(strstr(err, "mirror"));
	}
	struct ci_values v = good;
	v.profile = "a\"b";
	assert_null(fill("@PROFILE@", &v, err, sizeof(err)));
	assert_non_null(strstr(err, "image profile"));
	v = good;
	v.shards = 0;
	assert_null(fill("x", &v, err, sizeof(err)));
	v.shards = CI_MAX_SHARDS + 1;
	assert_null(fill("x", &v, err, sizeof(err)));
	/* file:// mirrors are vlab fetch's too */
	v = good;
	v.mirror = "file:///srv/vlab/";
	char *s = fill("@MIRROR@", &v, err, sizeof(err));
	assert_string_equal(s, "file:///srv/vlab/");
	free(s);
}

static void test_value_check_bytes(void **state)
{
	char why[160];
	/* every byte alone, after a harmless prefix: only printable ASCII
	 * other than quote, backslash, $, backtick and ' passes (a URL
	 * percent-encodes the rest) */
	for (int b = 1; b < 256; b++) {
		char s[4] = { 'a', (char)b, 'z', 0 };
		int want = (b > ' ' && b < 0x7f && !strchr("\"\\$`'", b)) ? 0 : -1;
		assert_int_equal(ci_value_check(s, why, sizeof(why)), want);
	}
}

static void test_embedded_templates_fill(void **state)
{
	char err[256];
	static const enum ci_forge kinds[] = { CI_FORGE_GITHUB, CI_FORGE_GITLAB };
	for (size_t k = 0; k < 2; k++) {
		for (int cls = 0; cls < 2; cls++) {
			const struct embedded_asset *a = asset_find(ci_template_asset(kinds[k], cls));
			assert_non_null(a);
			char *s = fill(a->text, &good, err, sizeof(err));
			assert_non_null(s);
			assert_non_null(strstr(s, "\"https://course.example.org/vlab/\""));
			assert_non_null(strstr(s, "\"default\""));
			if (cls)
				assert_non_null(strstr(s, kinds[k] == CI_FORGE_GITHUB ? "shard: [1, 2, 3]" : "parallel: 3"));
			free(s);
		}
	}
	assert_string_equal(ci_template_dest(CI_FORGE_GITHUB, false), ".github/workflows/vlab.yml");
	assert_string_equal(ci_template_dest(CI_FORGE_GITLAB, true), ".gitlab-ci.yml");
	assert_null(ci_template_asset(CI_FORGE_NONE, false));
	enum ci_forge got;
	assert_int_equal(ci_forge_parse("github", &got), 0);
	assert_int_equal(got, CI_FORGE_GITHUB);
	assert_int_equal(ci_forge_parse("GitHub", &got), -1);
	assert_int_equal(ci_forge_parse("", &got), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_replaces_each_placeholder),
		cmocka_unit_test(test_fill_keeps_other_at_signs),
		cmocka_unit_test(test_fill_refuses_unknown_placeholder),
		cmocka_unit_test(test_fill_refuses_bad_values),
		cmocka_unit_test(test_value_check_bytes),
		cmocka_unit_test(test_embedded_templates_fill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
