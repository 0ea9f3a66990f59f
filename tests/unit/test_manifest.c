/* runner/manifest: the real assets/profiles.manifest, the copy compiled into
 * vlab, hashes, overrides, and every malformed shape the parser refuses, each
 * with the line it names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/fetch/manifest.h"
#include "runner/util.h"
#include "runner/files.h"
#include "tests/unit/unit_helpers.h"

#define REPO_ROOT FIXTURES "/../.."
#define PROFILES_MANIFEST REPO_ROOT "/assets/profiles.manifest"

#define SHA_A "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_B "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_C "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* A minimal valid profile body, for the error cases to vary. */
#define BODY "kernel k\nrootfs r\nappend console=ttyS0\nlogin root toor\n"

static char *read_all(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	if (read_file(path, &sb) < 0)
		fail_msg("cannot read '%s'", path);
	return sb.buf;
}

/* 1-based number of the line that starts with what */
static int line_of(const char *text, const char *what)
{
	const char *at = strstr(text, what);
	int line = 1;

	assert_non_null(at);
	for (const char *c = text; c < at; c++)
		if (*c == '\n')
			line++;
	return line;
}

static void check_builtin_profiles(const struct manifest *m)
{
	const struct image_profile *p;

	assert_int_equal(m->nprofiles, 3);

	p = manifest_find(m, "default");
	assert_non_null(p);
	assert_ptr_equal(p, &m->profiles[0]);
	assert_string_equal(p->name, "default");
	assert_string_equal(p->description,
			    "Debian 12 kernel booted as an uncompressed PVH vmlinux, busybox rootfs with iperf3");
	assert_string_equal(p->kernel.name, "vmlinux");
	assert_string_equal(p->kernel.sha256, "");
	assert_string_equal(p->initrd.name, "initrd.img");
	assert_string_equal(p->initrd.sha256, "");
	assert_string_equal(p->rootfs.name, "rootfs.ext4");
	assert_string_equal(p->rootfs.sha256, "");
	assert_string_equal(p->append, "root=/dev/vda rw console=ttyS0 loglevel=4");
	assert_null(p->lab_append);
	assert_int_equal(p->nlogins, 2);
	assert_string_equal(p->logins[0].user, "root");
	assert_string_equal(p->logins[0].password, "toor");
	assert_string_equal(p->logins[1].user, "student");
	assert_string_equal(p->logins[1].password, "student");
	assert_int_equal(p->http, HTTP_BUSYBOX);
	/* the line of "profile default" in the file itself */
	assert_int_equal(p->line, line_of(builtin_profiles_manifest, "profile default\n"));

	p = manifest_find(m, "lab-compat");
	assert_non_null(p);
	assert_string_equal(p->name, "lab-compat");
	assert_true(starts_with(p->description, "the default guest laid out as the lab has it: alpine-bzImage"));
	assert_string_equal(p->kernel.name, "alpine-bzImage");
	assert_string_equal(p->initrd.name, "initrd.img");
	assert_string_equal(p->rootfs.name, "simple_alpine_rootfs1.ext4");
	assert_string_equal(p->append, "root=/dev/vda loglevel=15 console=ttyS0");
	assert_string_equal(p->lab_append, "root=/dev/vda loglevel=15 console=hvc0");
	assert_int_equal(p->nlogins, 2);
	assert_string_equal(p->logins[0].user, "root");
	assert_string_equal(p->logins[1].password, "student");
	assert_int_equal(p->http, HTTP_BUSYBOX);
	assert_int_equal(p->line, line_of(builtin_profiles_manifest, "profile lab-compat\n"));

	/* the lab's own files, imported by hand: no initrd, python3's server */
	p = manifest_find(m, "alpine-lab");
	assert_non_null(p);
	assert_string_equal(p->kernel.name, "alpine-bzImage");
	assert_null(p->initrd.name);
	assert_string_equal(p->rootfs.name, "simple_alpine_rootfs1.ext4");
	assert_string_equal(p->kernel.sha256, "");
	assert_string_equal(p->lab_append, "root=/dev/vda loglevel=15 console=hvc0");
	assert_int_equal(p->http, HTTP_PYTHON3);
	assert_int_equal(p->nlogins, 2);

	assert_null(manifest_find(m, "Default"));
	assert_null(manifest_find(m, ""));
}

static void test_profiles_manifest(void **state)
{
	char *text = read_all(PROFILES_MANIFEST);
	struct manifest m = { .nprofiles = 0 };
	char err[256] = "";

	assert_int_equal(manifest_parse(text, "assets/profiles.manifest", &m, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	check_builtin_profiles(&m);
	manifest_release(&m);
	assert_int_equal(m.nprofiles, 0);
	free(text);
}

static void test_builtin_is_the_file(void **state)
{
	char *text = read_all(PROFILES_MANIFEST);
	struct manifest m = { .nprofiles = 0 };
	char err[256] = "";

	/* generated from the file at build time, byte for byte */
	assert_string_equal(builtin_profiles_manifest, text);
	assert_int_equal(manifest_parse(builtin_profiles_manifest, "builtin", &m, err, sizeof(err)), 0);
	check_builtin_profiles(&m);
	manifest_release(&m);
	free(text);
}

static void test_hashes(void **state)
{
	static const char text[] =
		"profile p1\n"
		"kernel vmlinux " SHA_A "\n"
		"initrd initrd.img\t" SHA_B "\n"
		"rootfs rootfs.ext4   " SHA_C "   \n"
		"append root=/dev/vda  rw\n"
		"login root toor\n"
		"http python3\n"
		"end\n";
	struct manifest m = { .nprofiles = 0 };
	char err[256] = "";
	const struct image_profile *p;

	assert_int_equal(manifest_parse(text, "built", &m, err, sizeof(err)), 0);
	p = manifest_find(&m, "p1");
	assert_non_null(p);
	assert_string_equal(p->kernel.sha256, SHA_A);
	assert_string_equal(p->initrd.sha256, SHA_B);
	assert_string_equal(p->rootfs.name, "rootfs.ext4");
	assert_string_equal(p->rootfs.sha256, SHA_C);
	/* the value keeps its inner spacing */
	assert_string_equal(p->append, "root=/dev/vda  rw");
	assert_int_equal(p->http, HTTP_PYTHON3);
	assert_null(p->description);
	assert_int_equal(p->nlogins, 1);
	manifest_release(&m);
}

static void test_no_initrd(void **state)
{
	struct manifest m = { .nprofiles = 0 };
	char err[256] = "";

	assert_int_equal(manifest_parse("profile x\n" BODY "end", "t", &m, err, sizeof(err)), 0);
	assert_int_equal(m.nprofiles, 1);
	assert_null(m.profiles[0].initrd.name);
	assert_string_equal(m.profiles[0].initrd.sha256, "");
	assert_int_equal(m.profiles[0].http, HTTP_BUSYBOX);
	manifest_release(&m);
}

static void test_comments_blank_crlf(void **state)
{
	static const char text[] =
		"# comment\r\n"
		"\r\n"
		"   \t\r\n"
		"  profile  sp_1\r\n"
		"\t# indented comment\r\n"
		"\tkernel\t k \r\n"
		"rootfs r\r\n"
		"append console=ttyS0 \r\n"
		"\r\n"
		"login root toor\r\n"
		"description a # is not a comment here\r\n"
		"end\r\n";
	struct manifest m = { .nprofiles = 0 };
	char err[256] = "";
	const struct image_profile *p;

	/* rtrim() drops the \r of each line, so CRLF files parse */
	assert_int_equal(manifest_parse(text, "crlf", &m, err, sizeof(err)), 0);
	p = manifest_find(&m, "sp_1");
	assert_non_null(p);
	assert_int_equal(p->line, 4);
	assert_string_equal(p->kernel.name, "k");
	assert_string_equal(p->append, "console=ttyS0");
	assert_string_equal(p->logins[0].password, "toor");
	assert_string_equal(p->description, "a # is not a comment here");
	manifest_release(&m);

	/* nothing but comments: no profiles, no error */
	assert_int_equal(manifest_parse("# a\n\n#b", "c", &m, err, sizeof(err)), 0);
	assert_int_equal(m.nprofiles, 0);
	assert_int_equal(manifest_parse("", "c", &m, err, sizeof(err)), 0);
	assert_int_equal(m.nprofiles, 0);
}

static void test_same_name_replaces(void **state)
{
	static const char text[] =
		"profile a\nkernel k1\nrootfs r1\nappend x\nlogin root toor\nend\n"
		"profile b\nkernel kb\nrootfs rb\nappend x\nlogin root toor\nend\n"
		"profile a\nkernel k2\nrootfs r2\nappend y\nlogin root pw\nlogin student student\nend\n";
	struct manifest m = { .nprofiles = 0 };
	char err[256] = "";
	const struct image_profile *p;

	assert_int_equal(manifest_parse(text, "t", &m, err, sizeof(err)), 0);
	assert_int_equal(m.nprofiles, 2);
	p = manifest_find(&m, "a");
	assert_ptr_equal(p, &m.profiles[0]);  /* keeps its place */
	assert_string_equal(p->kernel.name, "k2");
	assert_string_equal(p->append, "y");
	assert_int_equal(p->nlogins, 2);
	assert_string_equal(p->logins[0].password, "pw");
	assert_int_equal(p->line, 13);
	assert_string_equal(manifest_find(&m, "b")->kernel.name, "kb");
	manifest_release(&m);
}

static void test_later_manifest_overrides(void **state)
{
	struct manifest m = { .nprofiles = 0 };
	char err[256] = "";
	const struct image_profile *p;

	assert_int_equal(manifest_parse(builtin_profiles_manifest, "builtin", &m, err, sizeof(err)), 0);
	assert_int_equal(manifest_parse("profile default\nkernel bzImage " SHA_A "\nrootfs disk.ext4\n"
					"append root=/dev/vda\nlogin root secret\nend\n"
					"profile extra\n" BODY "end\n",
					"/etc/vlab/profiles.manifest", &m, err, sizeof(err)), 0);
	assert_int_equal(m.nprofiles, 4);
	p = manifest_find(&m, "default");
	assert_string_equal(p->kernel.name, "bzImage");
	assert_string_equal(p->kernel.sha256, SHA_A);
	assert_null(p->initrd.name);
	assert_null(p->description);
	assert_string_equal(manifest_find(&m, "lab-compat")->kernel.name, "alpine-bzImage");
	assert_non_null(manifest_find(&m, "extra"));
	manifest_release(&m);
}

static void test_max_profiles(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct manifest m = { .nprofiles = 0 };
	char err[256] = "";
	int i;

	for (i = 0; i < MANIFEST_MAX_PROFILES; i++)
		sb_addf(&sb, "profile p%d\n" BODY "end\n", i);
	assert_int_equal(manifest_parse(sb.buf, "many", &m, err, sizeof(err)), 0);
	assert_int_equal(m.nprofiles, MANIFEST_MAX_PROFILES);

	/* full: a known name still replaces, a new one is refused */
	assert_int_equal(manifest_parse("profile p3\n" BODY "end\n", "more", &m, err, sizeof(err)), 0);
	assert_int_equal(m.nprofiles, MANIFEST_MAX_PROFILES);
	assert_int_equal(manifest_parse("\nprofile p99\n" BODY "end\n", "more", &m, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "more:2: more than 16 profiles");
	manifest_release(&m);

	/* in one text: line 6 * 16 + 1 opens the seventeenth */
	sb_addf(&sb, "profile p%d\n" BODY "end\n", i);
	assert_int_equal(manifest_parse(sb.buf, "many", &m, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "many:97: more than 16 profiles");
	assert_int_equal(m.nprofiles, MANIFEST_MAX_PROFILES);
	manifest_release(&m);  /* ASan: what was stored before the error is freed */
	sb_release(&sb);
}

static void test_max_logins(void **state)
{
	struct manifest m = { .nprofiles = 0 };
	char err[256] = "";

	assert_int_equal(manifest_parse("profile x\n" BODY "login a a\nlogin b b\nlogin c c\nend\n", "t", &m, err,
					sizeof(err)), 0);
	assert_int_equal(m.profiles[0].nlogins, PROFILE_MAX_LOGINS);
	manifest_release(&m);
	assert_int_equal(manifest_parse("profile x\n" BODY "login a a\nlogin b b\nlogin c c\nlogin d d\nend\n", "t",
					&m, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t:9: more than 4 logins");
	assert_int_equal(m.nprofiles, 0);
}

/* ---- malformed ---- */

static void test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *err;  /* the whole message */
	} cases[] = {
		{ "kernel k\n", "m:1: 'kernel' outside a profile block" },
		{ "# c\nend\n", "m:2: 'end' outside a profile block" },
		{ "profile x\n" BODY "end\nappend y\n", "m:7: 'append' outside a profile block" },
		{ "profile x\n" BODY "version 2\nend\n", "m:6: unknown key 'version'" },
		{ "profile x\nKernel k\n", "m:2: unknown key 'Kernel'" },
		{ "profile x\n" BODY, "m:1: profile 'x' is not closed with 'end'" },
		{ "\n\nprofile x\n" BODY "login student student", "m:3: profile 'x' is not closed with 'end'" },
		{ "profile x\n" BODY "profile y\n", "m:6: 'profile' inside profile 'x' (missing 'end')" },
		{ "profile X\n", "m:1: bad profile name 'X' (use a-z, 0-9, '-', '_')" },
		{ "profile a.b\n", "m:1: bad profile name 'a.b' (use a-z, 0-9, '-', '_')" },
		{ "profile a b\n", "m:1: bad profile name 'a b' (use a-z, 0-9, '-', '_')" },
		{ "profile\n", "m:1: bad profile name '' (use a-z, 0-9, '-', '_')" },
		{ "profile x\n" BODY "end extra\n", "m:6: unexpected 'extra' after 'end'" },
		{ "profile x\nkernel\n", "m:2: 'kernel' needs a value" },
		{ "profile x\nkernel ../vmlinux\n", "m:2: 'kernel': bad file name '../vmlinux' (a plain name, no '/')" },
		{ "profile x\nrootfs /abs/rootfs.ext4\n",
		  "m:2: 'rootfs': bad file name '/abs/rootfs.ext4' (a plain name, no '/')" },
		{ "profile x\ninitrd ..\n", "m:2: 'initrd': bad file name '..' (a plain name, no '/')" },
		{ "profile x\ninitrd .\n", "m:2: 'initrd': bad file name '.' (a plain name, no '/')" },
		{ "profile x\nkernel k " SHA_A "0\n",
		  "m:2: 'kernel': sha256 '" SHA_A "0' is not 64 lower-case hex digits" },
		{ "profile x\nkernel k abc\n", "m:2: 'kernel': sha256 'abc' is not 64 lower-case hex digits" },
		{ "profile x\nkernel k BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD\n",
		  "m:2: 'kernel': sha256 'BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD' is not 64 "
		  "lower-case hex digits" },
		{ "profile x\nrootfs r ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n",
		  "m:2: 'rootfs': sha256 'ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' is not 64 "
		  "lower-case hex digits" },
		{ "profile x\nkernel k " SHA_A " extra\n", "m:2: 'kernel': unexpected 'extra' after the sha256" },
		{ "profile x\nlogin root\n", "m:2: 'login' takes a user and a password" },
		{ "profile x\nlogin root toor x\n", "m:2: 'login' takes a user and a password" },
		{ "profile x\nkernel k\nrootfs r\nappend a\nlogin student student\nlogin root toor\nend\n",
		  "m:1: profile 'x': the first login must be root" },
		{ "profile x\nrootfs r\nappend a\nlogin root toor\nend\n", "m:1: profile 'x' has no 'kernel'" },
		{ "\nprofile x\nkernel k\nappend a\nlogin root toor\nend\n", "m:2: profile 'x' has no 'rootfs'" },
		{ "profile x\nkernel k\nrootfs r\nlogin root toor\nend\n", "m:1: profile 'x' has no 'append'" },
		{ "profile x\nkernel k\nrootfs r\nappend a\nend\n", "m:1: profile 'x' has no 'login'" },
		{ "profile x\nkernel k\nkernel k2\n", "m:3: 'kernel' given twice" },
		{ "profile x\ninitrd i\nrootfs r\ninitrd i\n", "m:4: 'initrd' given twice" },
		{ "profile x\nhttp nginx\n", "m:2: 'http' is busybox or python3, not 'nginx'" },
		{ "profile x\nhttp Busybox\n", "m:2: 'http' is busybox or python3, not 'Busybox'" },
		{ "profile x\nappend\n", "m:2: 'append' needs a value" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct manifest m = { .nprofiles = 0 };
		char err[512] = "";

		if (manifest_parse(cases[i].text, "m", &m, err, sizeof(err)) != -EINVAL)
			fail_msg("case %zu parsed: %s", i, cases[i].text);
		assert_string_equal(err, cases[i].err);
		manifest_release(&m);
	}
}

static void test_error_keeps_earlier_profiles(void **state)
{
	struct manifest m = { .nprofiles = 0 };
	char err[256] = "";

	assert_int_equal(manifest_parse("profile good\n" BODY "end\nprofile bad\nkernel /k\n", "/etc/x.manifest", &m,
					err, sizeof(err)), -EINVAL);
	assert_contains(err, "/etc/x.manifest:8: ");
	assert_int_equal(m.nprofiles, 1);
	assert_non_null(manifest_find(&m, "good"));
	assert_null(manifest_find(&m, "bad"));
	manifest_release(&m);
}

static void test_error_buffer(void **state)
{
	struct manifest m = { .nprofiles = 0 };
	char small[12];

	/* a short buffer truncates, a NULL one is allowed */
	memset(small, 'x', sizeof(small));
	assert_int_equal(manifest_parse("bogus\n", "origin", &m, small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "origin:1: '");
	assert_int_equal(manifest_parse("bogus\n", "a-very-long-origin-name", &m, small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "a-very-long");
	assert_int_equal(manifest_parse("bogus\n", "origin", &m, NULL, 0), -EINVAL);
	assert_int_equal(m.nprofiles, 0);
}

/* What manifest_write_profile writes, manifest_parse reads back as the same
 * profile (the cache's and an exported mirror's manifests rely on it). */
static void test_write_round_trip(void **state)
{
	struct manifest m = { .nprofiles = 0 }, back = { .nprofiles = 0 };
	struct strbuf sb = STRBUF_INIT;
	char err[256] = "";

	assert_int_equal(manifest_parse(builtin_profiles_manifest, "builtin", &m, err, sizeof(err)), 0);
	snprintf(m.profiles[1].kernel.sha256, 65, "%s", SHA_A);
	for (int i = 0; i < m.nprofiles; i++)
		manifest_write_profile(&sb, &m.profiles[i]);
	assert_int_equal(manifest_parse(sb_str(&sb), "written", &back, err, sizeof(err)), 0);
	assert_int_equal(back.nprofiles, m.nprofiles);
	for (int i = 0; i < m.nprofiles; i++) {
		const struct image_profile *a = &m.profiles[i], *b = &back.profiles[i];
		assert_string_equal(a->name, b->name);
		assert_string_equal(a->description, b->description);
		assert_string_equal(a->kernel.name, b->kernel.name);
		assert_string_equal(a->kernel.sha256, b->kernel.sha256);
		assert_true((a->initrd.name == NULL) == (b->initrd.name == NULL));
		assert_string_equal(a->rootfs.name, b->rootfs.name);
		assert_string_equal(a->append, b->append);
		assert_true((a->lab_append == NULL) == (b->lab_append == NULL));
		assert_int_equal(a->nlogins, b->nlogins);
		assert_string_equal(a->logins[a->nlogins - 1].password, b->logins[b->nlogins - 1].password);
		assert_int_equal(a->http, b->http);
	}
	assert_string_equal(manifest_find(&back, "lab-compat")->kernel.sha256, SHA_A);
	sb_release(&sb);
	manifest_release(&back);
	manifest_release(&m);
}

/* The emulated KVM host's files are optional keys of their own, kept by
 * role beside the guest's, written back and copied like them. */
static void test_kvmhost_files(void **state)
{
	static const char text[] = "profile k\n" BODY "kvmhost-initrd kh.img " SHA_A "\n"
				   "kvmhost-modules kh-mods.cpio.gz\nend\n";
	struct manifest m = { .nprofiles = 0 }, back = { .nprofiles = 0 };
	struct strbuf sb = STRBUF_INIT;
	char err[256] = "";

	assert_int_equal(manifest_parse(text, "t", &m, err, sizeof(err)), 0);
	const struct image_profile *p = &m.profiles[0];
	assert_string_equal(p->kvmhost_initrd.name, "kh.img");
	assert_string_equal(p->files[ROLE_KVMHOST_INITRD].sha256, SHA_A);
	assert_string_equal(p->files[ROLE_KVMHOST_MODULES].name, "kh-mods.cpio.gz");
	assert_string_equal(p->kvmhost_modules.sha256, "");
	assert_string_equal(image_role_names[ROLE_KVMHOST_MODULES], "kvmhost-modules");
	manifest_write_profile(&sb, p);
	assert_non_null(strstr(sb_str(&sb), "kvmhost-initrd kh.img " SHA_A "\nkvmhost-modules kh-mods.cpio.gz\n"));
	assert_int_equal(manifest_parse(sb_str(&sb), "written", &back, err, sizeof(err)), 0);
	assert_string_equal(back.profiles[0].kvmhost_initrd.sha256, SHA_A);
	assert_string_equal(back.profiles[0].kvmhost_modules.name, "kh-mods.cpio.gz");
	/* given twice, or with a path, like any file */
	manifest_release(&back);
	assert_int_equal(manifest_parse("profile k\n" BODY "kvmhost-initrd a\nkvmhost-initrd b\nend\n", "t", &back, err,
					sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t:7: 'kvmhost-initrd' given twice");
	assert_int_equal(manifest_parse("profile k\n" BODY "kvmhost-modules ../m\nend\n", "t", &back, err, sizeof(err)),
			 -EINVAL);
	/* the builtin default profile names them; lab-compat does not */
	manifest_release(&back);
	assert_int_equal(manifest_parse(builtin_profiles_manifest, "builtin", &back, err, sizeof(err)), 0);
	assert_string_equal(manifest_find(&back, "default")->kvmhost_initrd.name, "kvmhost-initrd.img");
	assert_string_equal(manifest_find(&back, "default")->kvmhost_modules.name, "kvmhost-modules.cpio.gz");
	assert_null(manifest_find(&back, "lab-compat")->kvmhost_initrd.name);
	sb_release(&sb);
	manifest_release(&back);
	manifest_release(&m);
}

/* manifest_put_profile copies: the source can go, the copy stays */
static void test_put_profile(void **state)
{
	struct manifest m = { .nprofiles = 0 }, src = { .nprofiles = 0 };
	char err[256] = "";

	assert_int_equal(manifest_parse("profile a\n" BODY "end\nprofile b\n" BODY "end\n", "o", &m, err, sizeof(err)), 0);
	assert_int_equal(manifest_parse("profile b\nkernel new " SHA_C "\nrootfs r\nappend x\nlogin root pw\nend\n", "o",
					&src, err, sizeof(err)), 0);
	assert_int_equal(manifest_put_profile(&m, &src.profiles[0]), 0);
	manifest_release(&src);
	assert_int_equal(m.nprofiles, 2);
	assert_string_equal(manifest_find(&m, "b")->kernel.name, "new");
	assert_string_equal(manifest_find(&m, "b")->kernel.sha256, SHA_C);
	manifest_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profiles_manifest),
		cmocka_unit_test(test_builtin_is_the_file),
		cmocka_unit_test(test_hashes),
		cmocka_unit_test(test_no_initrd),
		cmocka_unit_test(test_comments_blank_crlf),
		cmocka_unit_test(test_same_name_replaces),
		cmocka_unit_test(test_later_manifest_overrides),
		cmocka_unit_test(test_max_profiles),
		cmocka_unit_test(test_max_logins),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_keeps_earlier_profiles),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_write_round_trip),
		cmocka_unit_test(test_put_profile),
		cmocka_unit_test(test_kvmhost_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
