/* Every file of every fuzz seed corpus (tests/fuzz/corpus/NAME/) replayed
 * through its libFuzzer harness (tests/fuzz/fuzz_NAME.c), built here with
 * the normal compiler, so `make test-unit` (and its sanitized run) checks
 * the corpus without clang or libFuzzer. A harness aborts on anything
 * wrong; a corpus directory without a row below fails the test, so a new
 * corpus cannot go unreplayed. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/util.h"
#include "runner/files.h"

/* Each harness under a name of its own (they all define libFuzzer's entry). */
#define LLVMFuzzerTestOneInput fuzz_iperf_one
#include "tests/fuzz/fuzz_iperf.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_strace_one
#include "tests/fuzz/fuzz_strace.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_kvmstats_one
#include "tests/fuzz/fuzz_kvmstats.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_qemu_cmdline_one
#include "tests/fuzz/fuzz_qemu_cmdline.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_perf_one
#include "tests/fuzz/fuzz_perf.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_ept_state_one
#include "tests/fuzz/fuzz_ept_state.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_class_one
#include "tests/fuzz/fuzz_class.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_rubric_one
#include "tests/fuzz/fuzz_rubric.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_manifest_one
#include "tests/fuzz/fuzz_manifest.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_sha256sums_one
#include "tests/fuzz/fuzz_sha256sums.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_untrusted_text_one
#include "tests/fuzz/fuzz_untrusted_text.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_net_cmd_one
#include "tests/fuzz/fuzz_net_cmd.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_conclusions_one
#include "tests/fuzz/fuzz_conclusions.c"
#undef LLVMFuzzerTestOneInput

static const struct {
	const char *corpus;
	int (*one)(const uint8_t *data, size_t size);
} harnesses[] = {
	{ "iperf", fuzz_iperf_one },
	{ "strace", fuzz_strace_one },
	{ "untrusted_text", fuzz_untrusted_text_one },
	{ "kvmstats", fuzz_kvmstats_one },
	{ "qemu_cmdline", fuzz_qemu_cmdline_one },
	{ "perf", fuzz_perf_one },
	{ "ept_state", fuzz_ept_state_one },
	{ "class", fuzz_class_one },
	{ "rubric", fuzz_rubric_one },
	{ "manifest", fuzz_manifest_one },
	{ "sha256sums", fuzz_sha256sums_one },
	{ "net_cmd", fuzz_net_cmd_one },
	{ "conclusions", fuzz_conclusions_one },
};

#define CORPUS_DIR FIXTURES "/../fuzz/corpus"

static size_t replay_dir(const char *name, int (*one)(const uint8_t *, size_t))
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/%s", CORPUS_DIR, name);
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		fail_msg("cannot read the corpus '%s': %s", dir, strerror(errno));
	size_t replayed = 0;
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			char path[1024];
			snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
			struct strbuf sb = STRBUF_INIT;
			if (read_file(path, &sb))
				fail_msg("cannot read '%s'", path);
			/* said first: a harness that aborts ends the program here */
			print_message("%s/%s\n", name, ents[i]->d_name);
			/* the exact bytes, in a buffer of their size (as libFuzzer
			 * gives them), so reading past the end is caught */
			uint8_t *copy = xmalloc(sb.len ? sb.len : 1);
			memcpy(copy, sb_str(&sb), sb.len);
			assert_int_equal(one(copy, sb.len), 0);
			free(copy);
			sb_release(&sb);
			replayed++;
		}
		free(ents[i]);
	}
	free(ents);
	return replayed;
}

static void test_every_corpus(void **state)
{
	(void)state;
	struct dirent **ents;
	int n = scandir(CORPUS_DIR, &ents, NULL, alphasort);
	if (n < 0)
		fail_msg("cannot read '%s': %s", CORPUS_DIR, strerror(errno));
	size_t dirs = 0;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		if (name[0] != '.') {
			size_t h = 0;
			while (h < ARRAY_SIZE(harnesses) && strcmp(harnesses[h].corpus, name))
				h++;
			if (h == ARRAY_SIZE(harnesses))
				fail_msg("the corpus '%s' has no harness in test_fuzz_corpus.c", name);
			if (!replay_dir(name, harnesses[h].one))
				fail_msg("the corpus '%s' is empty", name);
			dirs++;
		}
		free(ents[i]);
	}
	free(ents);
	/* and every harness has its corpus */
	assert_int_equal(dirs, ARRAY_SIZE(harnesses));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
