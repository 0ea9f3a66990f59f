/* chapters/ch2_nic: what chapter 2's HTTP step prints before the student
 * serves /root, read back from standard output as the engine prints it
 * (ui_step_begin). The lab's `python3 -m http.server 8000` runs only in the
 * lab's own Alpine image (profile alpine-lab, `http python3` in the built-in
 * manifest); vlab's busybox images serve with httpd, and the text says so
 * before the command, chosen by the profile's `http` key. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/chapter.h"
#include "runner/lab.h"
#include "runner/report.h"
#include "runner/util.h"
#include "runner/files.h"
#include "runner/fetch/manifest.h"
#include "tests/unit/unit_helpers.h"

/* What the engine prints as chapter 2's "http" step begins, on an image of
 * this built-in profile, in text mode. */
static char *http_step_text(const char *profile)
{
	struct manifest *m = xcalloc(1, sizeof(*m));
	char err[256];
	assert_int_equal(manifest_parse(builtin_profiles_manifest, "builtin", m, err, sizeof(err)), 0);
	const struct chapter *ch = chapter_find(2);
	assert_non_null(ch);
	size_t i = 0;
	while (i < ch->nsteps && strcmp(ch->steps[i].name, "http"))
		i++;
	assert_true(i < ch->nsteps);

	struct lab_options opt = { 0 };
	opt.format = FORMAT_TEXT;
	struct lab *lab = xcalloc(1, sizeof(*lab));
	lab_init(lab, ch, &opt);
	lab->image.profile = manifest_find(m, profile);
	assert_non_null(lab->image.profile);

	char path[] = "/tmp/vlab-test-ch2-text.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stdout);
	int saved = dup(1);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, 1), 1);
	ui_step_begin(lab, &ch->steps[i], (int)i);
	fflush(stdout);
	assert_int_equal(dup2(saved, 1), 1);
	close(saved);
	close(fd);

	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(path, &sb), 0);
	unlink(path);
	char *text = xstrdup(sb_str(&sb));
	sb_release(&sb);
	lab->image.profile = NULL;
	lab_release(lab);
	free(lab);
	manifest_release(m);
	free(m);
	return text;
}

/* Where needle first is in hay; fails when it is not there. */
static size_t at(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);
	if (!p)
		fail_msg("'%s' does not contain '%s'", hay, needle);
	return (size_t)(p - hay);
}

static void test_busybox_image_says_httpd_before_the_command(void **state)
{
	(void)state;
	static const char *const busybox[] = { "default", "lab-compat" };
	for (size_t k = 0; k < ARRAY_SIZE(busybox); k++) {
		char *text = http_step_text(busybox[k]);
		size_t lab_cmd = at(text, "The lab has you type `python3 -m http.server 8000` in /root");
		at(text, "own Alpine image (profile alpine-lab, whose manifest line `http python3` says so).");
		char *ours = xasprintf("This image (profile %s) has no python3: here busybox's httpd serves /root",
				       busybox[k]);
		size_t says = at(text, ours);
		size_t typed = at(text, "guest# httpd -p 8000 -h /root\n");
		/* the explanation comes before the command the student types */
		assert_true(lab_cmd < typed && says < typed);
		/* and no python3 command is offered to type in this image */
		assert_null(strstr(text, "guest# python3"));
		free(ours);
		free(text);
	}
}

static void test_alpine_lab_image_types_the_labs_command(void **state)
{
	(void)state;
	char *text = http_step_text("alpine-lab");
	size_t says = at(text, "This image (profile alpine-lab, whose manifest line is `http python3`) has python3");
	size_t cd = at(text, "guest# cd /root\n");
	size_t serve = at(text, "guest# python3 -m http.server 8000\n");
	assert_true(says < cd && cd < serve);
	assert_null(strstr(text, "httpd"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_busybox_image_says_httpd_before_the_command),
		cmocka_unit_test(test_alpine_lab_image_types_the_labs_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
