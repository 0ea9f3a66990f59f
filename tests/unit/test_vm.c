/* runner/vm: the lab's command as a spec, the argv it builds, and how that
 * argv is shown to a student. The displayed line is checked by splitting it
 * back into words, once with a small shell-word splitter here and once with
 * /bin/sh itself, so "quoted only when needed" is held to what a shell does. */
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
#include "runner/vm/vm.h"

#define LAB_KERNEL "alpine-bzImage"
#define LAB_ROOTFS "simple_alpine_rootfs1.ext4"
#define LAB_APPEND "root=/dev/vda loglevel=15 console=hvc0"

/* The lab's chapter 1 command, as its text gives it. */
static const char lab_line[] =
	"qemu-system-x86_64 -nodefaults -nographic -enable-kvm -cpu host -m 256M -kernel \"alpine-bzImage\" "
	"-device virtio-blk-pci,drive=id0 -blockdev file,node-name=id0,filename=simple_alpine_rootfs1.ext4 "
	"-device isa-serial,chardev=serial0 -chardev socket,id=serial0,path=serial.socket,server,nowait "
	"-append \"root=/dev/vda loglevel=15 console=hvc0\"";

/* What a shell makes of lab_line, word by word. */
static const char *const lab_argv[] = {
	"qemu-system-x86_64", "-nodefaults", "-nographic", "-enable-kvm", "-cpu", "host", "-m", "256M",
	"-kernel", "alpine-bzImage",
	"-device", "virtio-blk-pci,drive=id0",
	"-blockdev", "file,node-name=id0,filename=simple_alpine_rootfs1.ext4",
	"-device", "isa-serial,chardev=serial0",
	"-chardev", "socket,id=serial0,path=serial.socket,server,nowait",
	"-append", "root=/dev/vda loglevel=15 console=hvc0",
};

/* Chapter 2 adds the NIC before -append. */
static const char *const ch2_argv[] = {
	"qemu-system-x86_64", "-nodefaults", "-nographic", "-enable-kvm", "-cpu", "host", "-m", "256M",
	"-kernel", "alpine-bzImage",
	"-device", "virtio-blk-pci,drive=id0",
	"-blockdev", "file,node-name=id0,filename=simple_alpine_rootfs1.ext4",
	"-device", "isa-serial,chardev=serial0",
	"-chardev", "socket,id=serial0,path=serial.socket,server,nowait",
	"-device", "e1000,netdev=hostnet0,id=net0,mac=52:54:00:8b:99:de",
	"-netdev", "tap,ifname=tap0,id=hostnet0",
	"-append", "root=/dev/vda loglevel=15 console=hvc0",
};

/* ---- a POSIX shell's word splitting, for the characters shell_quote uses ---- */

struct words {
	char *w[VM_MAX_ARGS * 2];
	int n;
};

static void words_release(struct words *ws)
{
	for (int i = 0; i < ws->n; i++)
		free(ws->w[i]);
	ws->n = 0;
}

/* Blanks separate words; '...' is literal; "..." keeps everything but
 * \" \\ \$ \` and backslash-newline; outside quotes a backslash quotes the
 * next character and backslash-newline disappears. Fails the test on an
 * unterminated quote or on characters this splitter does not model
 * (unquoted $ ` ; & | < > ( ) * ? [ ~ # and so on). */
static void split_words(const char *line, struct words *ws)
{
	const char *p = line;

	ws->n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || (p[0] == '\\' && p[1] == '\n'))
			p += *p == '\\' ? 2 : 1;
		if (!*p)
			return;
		struct strbuf w = STRBUF_INIT;
		sb_adds(&w, "");
		while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
			if (*p == '\'') {
				const char *q = strchr(p + 1, '\'');
				if (!q)
					fail_msg("unterminated '...' in %s", line);
				sb_add(&w, p + 1, (size_t)(q - p - 1));
				p = q + 1;
			} else if (*p == '"') {
				for (p++; *p != '"'; p++) {
					if (!*p)
						fail_msg("unterminated \"...\" in %s", line);
					if (*p == '$' || *p == '`')
						fail_msg("unescaped %c inside \"...\" in %s", *p, line);
					if (*p == '\\' && p[1] == '\n') {
						p++;
						continue;
					}
					if (*p == '\\' && strchr("\"\\$`", p[1]))
						p++;
					sb_add(&w, p, 1);
				}
				p++;
			} else if (*p == '\\') {
				if (!p[1])
					fail_msg("trailing backslash in %s", line);
				if (p[1] != '\n')
					sb_add(&w, p + 1, 1);
				p += 2;
			} else {
				if (strchr("$`;&|<>()*?[]~#!{}", *p))
					fail_msg("unquoted '%c' in %s", *p, line);
				sb_add(&w, p, 1);
				p++;
			}
		}
		assert_true(ws->n < (int)ARRAY_SIZE(ws->w));
		ws->w[ws->n++] = w.buf;
	}
}

/* /bin/sh's own reading of line: printf '%s\0' LINE */
static void sh_words(const char *line, struct words *ws)
{
	struct strbuf cmd = STRBUF_INIT, out = STRBUF_INIT;
	char buf[4096];
	size_t n;

	sb_addf(&cmd, "printf '%%s\\0' %s", line);
	FILE *f = popen(cmd.buf, "r");
	assert_non_null(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&out, buf, n);
	assert_int_equal(pclose(f), 0);
	ws->n = 0;
	for (size_t off = 0; off < out.len; off += strlen(out.buf + off) + 1) {
		assert_true(ws->n < (int)ARRAY_SIZE(ws->w));
		ws->w[ws->n++] = xstrdup(out.buf + off);
	}
	sb_release(&cmd);
	sb_release(&out);
}

static void assert_words(const struct words *ws, const char *const *want, int nwant)
{
	for (int i = 0; i < ws->n && i < nwant; i++)
		assert_string_equal(ws->w[i], want[i]);
	assert_int_equal(ws->n, nwant);
}

static void assert_argv(const struct vm_argv *a, const char *const *want, int nwant)
{
	for (int i = 0; i < a->n && i < nwant; i++)
		assert_string_equal(a->v[i], want[i]);
	assert_int_equal(a->n, nwant);
	assert_null(a->v[a->n]);
}

/* Index of the first argv element equal to s, or -1. */
static int argv_find(const struct vm_argv *a, const char *s)
{
	for (int i = 0; i < a->n; i++)
		if (!strcmp(a->v[i], s))
			return i;
	return -1;
}

static int argv_count(const struct vm_argv *a, const char *s)
{
	int c = 0;

	for (int i = 0; i < a->n; i++)
		c += !strcmp(a->v[i], s);
	return c;
}

static char *quoted(const char *w)
{
	struct strbuf sb = STRBUF_INIT;

	shell_quote(w, &sb);
	return sb.buf ? sb.buf : xstrdup("");
}

/* ---- the lab's command ---- */

static void test_lab_argv(void **state)
{
	struct vm_spec s;
	struct vm_argv a;
	struct words ws;

	vm_spec_lab(&s, LAB_KERNEL, LAB_ROOTFS, LAB_APPEND);
	assert_int_equal(vm_build_argv(&s, &a), 0);
	assert_argv(&a, lab_argv, (int)ARRAY_SIZE(lab_argv));

	/* and it is what a shell makes of the lab's text */
	split_words(lab_line, &ws);
	assert_words(&ws, lab_argv, (int)ARRAY_SIZE(lab_argv));
	words_release(&ws);

	vm_argv_release(&a);
	assert_int_equal(a.n, 0);
	assert_null(a.v[0]);
	vm_spec_release(&s);
	assert_null(s.qemu);
}

static void test_ch2_nic_argv(void **state)
{
	struct vm_spec s;
	struct vm_argv a;

	vm_spec_lab(&s, LAB_KERNEL, LAB_ROOTFS, LAB_APPEND);
	vm_spec_add_nic(&s, "e1000", "52:54:00:8b:99:de", "net0", "hostnet0", "tap0");
	assert_int_equal(s.nnics, 1);
	assert_int_equal(vm_build_argv(&s, &a), 0);
	assert_argv(&a, ch2_argv, (int)ARRAY_SIZE(ch2_argv));
	vm_argv_release(&a);
	vm_spec_release(&s);
}

static void test_format_single_line(void **state)
{
	struct vm_spec s;
	struct vm_argv a;
	struct strbuf line = STRBUF_INIT;
	struct words ws;

	vm_spec_lab(&s, LAB_KERNEL, LAB_ROOTFS, LAB_APPEND);
	assert_int_equal(vm_build_argv(&s, &a), 0);
	vm_format_command(&a, false, &line);

	/* The lab's text byte for byte, except that shell_quote leaves the
	 * kernel's name bare: it needs no quotes (the lab's are redundant). */
	assert_string_equal(line.buf,
		"qemu-system-x86_64 -nodefaults -nographic -enable-kvm -cpu host -m 256M -kernel alpine-bzImage "
		"-device virtio-blk-pci,drive=id0 -blockdev file,node-name=id0,filename=simple_alpine_rootfs1.ext4 "
		"-device isa-serial,chardev=serial0 -chardev socket,id=serial0,path=serial.socket,server,nowait "
		"-append \"root=/dev/vda loglevel=15 console=hvc0\"");
	assert_null(strchr(line.buf, '\n'));

	/* read back by a shell, it is the argv qemu gets */
	split_words(line.buf, &ws);
	assert_words(&ws, (const char *const *)a.v, a.n);
	words_release(&ws);
	sh_words(line.buf, &ws);
	assert_words(&ws, lab_argv, (int)ARRAY_SIZE(lab_argv));
	words_release(&ws);

	sb_release(&line);
	vm_argv_release(&a);
	vm_spec_release(&s);
}

static void test_format_multiline(void **state)
{
	struct vm_spec s;
	struct vm_argv a;
	struct strbuf text = STRBUF_INIT;
	struct words ws;

	vm_spec_lab(&s, LAB_KERNEL, LAB_ROOTFS, LAB_APPEND);
	vm_spec_add_nic(&s, "e1000", "52:54:00:8b:99:de", "net0", "hostnet0", "tap0");
	assert_int_equal(vm_build_argv(&s, &a), 0);
	vm_format_command(&a, true, &text);

	/* one option per line; a -device and its backend share a line */
	assert_string_equal(text.buf,
		"qemu-system-x86_64 \\\n"
		"        -nodefaults \\\n"
		"        -nographic \\\n"
		"        -enable-kvm \\\n"
		"        -cpu host \\\n"
		"        -m 256M \\\n"
		"        -kernel alpine-bzImage \\\n"
		"        -device virtio-blk-pci,drive=id0 -blockdev file,node-name=id0,filename=simple_alpine_rootfs1.ext4 \\\n"
		"        -device isa-serial,chardev=serial0 -chardev socket,id=serial0,path=serial.socket,server,nowait \\\n"
		"        -device e1000,netdev=hostnet0,id=net0,mac=52:54:00:8b:99:de -netdev tap,ifname=tap0,id=hostnet0 \\\n"
		"        -append \"root=/dev/vda loglevel=15 console=hvc0\"");

	/* the continuations disappear when a shell reads it */
	split_words(text.buf, &ws);
	assert_words(&ws, ch2_argv, (int)ARRAY_SIZE(ch2_argv));
	words_release(&ws);
	sh_words(text.buf, &ws);
	assert_words(&ws, ch2_argv, (int)ARRAY_SIZE(ch2_argv));
	words_release(&ws);

	sb_release(&text);
	vm_argv_release(&a);
	vm_spec_release(&s);
}

/* ---- what vlab changes ---- */

static void test_tcg_no_cpu(void **state)
{
	struct vm_spec s;
	struct vm_argv a;
	int i;

	vm_spec_lab(&s, LAB_KERNEL, LAB_ROOTFS, LAB_APPEND);
	s.accel = ACCEL_TCG;
	vm_spec_set(&s.cpu, NULL);
	assert_null(s.cpu);
	assert_int_equal(vm_build_argv(&s, &a), 0);
	i = argv_find(&a, "-accel");
	assert_int_equal(i, 3);  /* where -enable-kvm was */
	assert_string_equal(a.v[i + 1], "tcg");
	assert_int_equal(argv_find(&a, "-enable-kvm"), -1);
	assert_int_equal(argv_find(&a, "-cpu"), -1);
	assert_string_equal(a.v[i + 2], "-m");
	/* three words (-enable-kvm -cpu host) became two (-accel tcg) */
	assert_int_equal(a.n, (int)ARRAY_SIZE(lab_argv) - 1);
	vm_argv_release(&a);
	vm_spec_release(&s);
}

static void test_kvm_other_cpu(void **state)
{
	struct vm_spec s;
	struct vm_argv a;
	int i;

	vm_spec_lab(&s, LAB_KERNEL, LAB_ROOTFS, LAB_APPEND);
	vm_spec_set(&s.cpu, "max");
	assert_int_equal(vm_build_argv(&s, &a), 0);
	i = argv_find(&a, "-cpu");
	assert_true(i > 0);
	assert_string_equal(a.v[i + 1], "max");
	assert_string_equal(a.v[i - 1], "-enable-kvm");
	vm_argv_release(&a);
	vm_spec_release(&s);
}

static void test_qcow2_disk(void **state)
{
	struct vm_spec s;
	struct vm_argv a;
	int i;

	vm_spec_lab(&s, LAB_KERNEL, LAB_ROOTFS, LAB_APPEND);
	s.disk = DISK_QCOW2;
	vm_spec_set(&s.disk_path, "/run/vlab/x/vm1.overlay.qcow2");
	assert_int_equal(vm_build_argv(&s, &a), 0);
	i = argv_find(&a, "-blockdev");
	assert_true(i > 0);
	assert_string_equal(a.v[i + 1],
			    "driver=qcow2,node-name=id0,file.driver=file,file.filename=/run/vlab/x/vm1.overlay.qcow2");
	assert_string_equal(a.v[i - 2], "-device");
	assert_string_equal(a.v[i - 1], "virtio-blk-pci,drive=id0");
	vm_argv_release(&a);
	vm_spec_release(&s);
}

static void test_vlab_additions(void **state)
{
	struct vm_spec s;
	struct vm_argv a;
	int i;

	vm_spec_lab(&s, "/img/vmlinux", "/img/rootfs.ext4", "root=/dev/vda rw console=ttyS0");
	vm_spec_set(&s.initrd, "/img/initrd.img");
	vm_spec_set(&s.qmp_socket, "/run/vlab/r/vm1.qmp.sock");
	vm_spec_set(&s.pidfile, "/run/vlab/r/vm1.pid");
	vm_spec_set(&s.name, "vlab-vm1");
	vm_spec_set(&s.serial_socket, "/run/vlab/r/vm1.serial.sock");
	s.chardev_short_bools = false;
	assert_int_equal(vm_build_argv(&s, &a), 0);

	i = argv_find(&a, "-initrd");
	assert_string_equal(a.v[i - 2], "-kernel");
	assert_string_equal(a.v[i + 1], "/img/initrd.img");
	i = argv_find(&a, "-chardev");
	assert_string_equal(a.v[i + 1], "socket,id=serial0,path=/run/vlab/r/vm1.serial.sock,server=on,wait=off");

	/* -append, then vlab's own additions last */
	const char *const tail[] = {
		"-append", "root=/dev/vda rw console=ttyS0",
		"-qmp", "unix:/run/vlab/r/vm1.qmp.sock,server=on,wait=off",
		"-pidfile", "/run/vlab/r/vm1.pid",
		"-name", "vlab-vm1",
	};
	int first = a.n - (int)ARRAY_SIZE(tail);
	assert_true(first > 0);
	for (size_t k = 0; k < ARRAY_SIZE(tail); k++)
		assert_string_equal(a.v[first + (int)k], tail[k]);
	assert_null(a.v[a.n]);
	vm_argv_release(&a);
	vm_spec_release(&s);
}

static void test_no_serial(void **state)
{
	struct vm_spec s;
	struct vm_argv a;

	vm_spec_lab(&s, LAB_KERNEL, LAB_ROOTFS, LAB_APPEND);
	vm_spec_set(&s.serial_socket, NULL);
	vm_spec_set(&s.append, NULL);
	s.nodefaults = false;
	s.nographic = false;
	assert_int_equal(vm_build_argv(&s, &a), 0);
	assert_int_equal(argv_find(&a, "-chardev"), -1);
	assert_int_equal(argv_count(&a, "-device"), 1);
	assert_int_equal(argv_find(&a, "-append"), -1);
	assert_int_equal(argv_find(&a, "-nodefaults"), -1);
	assert_int_equal(argv_find(&a, "-nographic"), -1);
	assert_string_equal(a.v[a.n - 2], "-blockdev");
	vm_argv_release(&a);
	vm_spec_release(&s);
}

static void test_nics_capped(void **state)
{
	struct vm_spec s;
	struct vm_argv a;
	char mac[18], ifname[16], id[16];
	int i;

	vm_spec_lab(&s, LAB_KERNEL, LAB_ROOTFS, LAB_APPEND);
	for (i = 0; i < VM_MAX_NICS + 2; i++) {
		snprintf(mac, sizeof(mac), "52:54:00:00:00:%02x", i);
		snprintf(ifname, sizeof(ifname), "tap%d", i);
		snprintf(id, sizeof(id), "hostnet%d", i);
		vm_spec_add_nic(&s, "virtio-net-pci", mac, "", id, ifname);
	}
	assert_int_equal(s.nnics, VM_MAX_NICS);
	assert_string_equal(s.nics[VM_MAX_NICS - 1].ifname, "tap3");
	assert_int_equal(vm_build_argv(&s, &a), 0);
	assert_int_equal(argv_count(&a, "-netdev"), VM_MAX_NICS);
	assert_int_equal(argv_find(&a, "tap,ifname=tap4,id=hostnet4"), -1);
	i = argv_find(&a, "tap,ifname=tap3,id=hostnet3");
	assert_true(i > 0);
	assert_string_equal(a.v[i + 1], "-append");
	vm_argv_release(&a);
	vm_spec_release(&s);
}

static void test_nic_fields_truncated(void **state)
{
	struct vm_spec s;

	vm_spec_lab(&s, LAB_KERNEL, LAB_ROOTFS, LAB_APPEND);
	vm_spec_add_nic(&s, "e1000", "52:54:00:8b:99:de:ff:ff", "net0", "hostnet0",
			"a-tap-name-far-too-long-for-ifnamsiz");
	assert_string_equal(s.nics[0].mac, "52:54:00:8b:99:de");
	assert_int_equal(strlen(s.nics[0].ifname), sizeof(s.nics[0].ifname) - 1);
	vm_spec_release(&s);
}

static void test_missing_fields(void **state)
{
	static const size_t fields[] = {
		offsetof(struct vm_spec, qemu), offsetof(struct vm_spec, memory),
		offsetof(struct vm_spec, kernel), offsetof(struct vm_spec, disk_path),
		offsetof(struct vm_spec, blk_node),
	};

	for (size_t k = 0; k < ARRAY_SIZE(fields); k++) {
		struct vm_spec s;
		struct vm_argv a;

		vm_spec_lab(&s, LAB_KERNEL, LAB_ROOTFS, LAB_APPEND);
		vm_spec_set((char **)((char *)&s + fields[k]), NULL);
		a.n = 7;
		assert_int_equal(vm_build_argv(&s, &a), -EINVAL);
		assert_int_equal(a.n, 0);
		assert_null(a.v[0]);
		vm_spec_release(&s);
	}
}

static void test_notes(void **state)
{
	struct vm_spec s;
	char what[32];

	vm_spec_lab(&s, LAB_KERNEL, LAB_ROOTFS, LAB_APPEND);
	vm_spec_note(&s, "-enable-kvm -> -accel tcg", "KVM here is kvm_pvm");
	assert_int_equal(s.nnotes, 1);
	assert_string_equal(s.notes[0].what, "-enable-kvm -> -accel tcg");
	assert_string_equal(s.notes[0].why, "KVM here is kvm_pvm");
	for (int i = 1; i < VM_MAX_NOTES + 3; i++) {
		snprintf(what, sizeof(what), "note %d", i);
		vm_spec_note(&s, what, "why");
	}
	assert_int_equal(s.nnotes, VM_MAX_NOTES);
	assert_string_equal(s.notes[VM_MAX_NOTES - 1].what, "note 11");
	vm_spec_release(&s);  /* ASan: every note freed */
	assert_int_equal(s.nnotes, 0);
}

static void test_spec_set_replaces(void **state)
{
	char *f = NULL;

	vm_spec_set(&f, "one");
	assert_string_equal(f, "one");
	vm_spec_set(&f, "two");
	assert_string_equal(f, "two");
	/* the value may be the field itself */
	vm_spec_set(&f, f);
	assert_string_equal(f, "two");
	vm_spec_set(&f, NULL);
	assert_null(f);
}

/* ---- shell_quote ---- */

static void test_shell_quote(void **state)
{
	static const struct {
		const char *word, *shown;
	} cases[] = {
		{ "alpine-bzImage", "alpine-bzImage" },
		{ "file,node-name=id0,filename=/a/b.ext4", "file,node-name=id0,filename=/a/b.ext4" },
		{ "unix:/r/q.sock,server=on,wait=off", "unix:/r/q.sock,server=on,wait=off" },
		{ "a+b@c%d_e", "a+b@c%d_e" },
		{ "root=/dev/vda loglevel=15 console=hvc0", "\"root=/dev/vda loglevel=15 console=hvc0\"" },
		{ "it's", "\"it's\"" },                  /* a lone ' fits in "..." */
		{ "a;b", "\"a;b\"" },
		{ "*", "\"*\"" },
		{ "~root", "\"~root\"" },
		{ "#x", "\"#x\"" },
		{ "", "\"\"" },                          /* an empty word still shows */
		{ "$HOME", "'$HOME'" },
		{ "say \"hi\"", "'say \"hi\"'" },
		{ "a`b`", "'a`b`'" },
		{ "back\\slash", "'back\\slash'" },
		{ "bang!", "'bang!'" },
		{ "tab\there", "'tab\there'" },
		{ "line\nbreak", "'line\nbreak'" },
		{ "it's $5", "'it'\\''s $5'" },
		{ "''", "\"''\"" },
		{ "'$'", "''\\''$'\\'''" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *q = quoted(cases[i].word);
		struct words ws;

		assert_string_equal(q, cases[i].shown);
		/* and /bin/sh reads it back as the one word it was */
		sh_words(q, &ws);
		assert_int_equal(ws.n, 1);
		assert_string_equal(ws.w[0], cases[i].word);
		words_release(&ws);
		free(q);
	}
}

static void test_shell_quote_appends(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	sb_adds(&sb, "x=");
	shell_quote("a b", &sb);
	sb_adds(&sb, " ");
	shell_quote("c", &sb);
	assert_string_equal(sb.buf, "x=\"a b\" c");
	sb_release(&sb);
}

static void test_format_odd_words(void **state)
{
	struct vm_spec s;
	struct vm_argv a;
	struct strbuf line = STRBUF_INIT;
	struct words ws;

	/* paths a student may well have: spaces, quotes, a dollar */
	vm_spec_lab(&s, "/home/me/my kernels/bzImage", "/tmp/it's $HOME.ext4", "console=ttyS0 x=\"y\"");
	assert_int_equal(vm_build_argv(&s, &a), 0);
	vm_format_command(&a, false, &line);
	sh_words(line.buf, &ws);
	assert_words(&ws, (const char *const *)a.v, a.n);
	words_release(&ws);
	sb_reset(&line);
	vm_format_command(&a, true, &line);
	sh_words(line.buf, &ws);
	assert_words(&ws, (const char *const *)a.v, a.n);
	words_release(&ws);
	sb_release(&line);
	vm_argv_release(&a);
	vm_spec_release(&s);
}

static void test_format_empty_argv(void **state)
{
	struct vm_argv a = { .n = 0 };
	struct strbuf sb = STRBUF_INIT;

	a.v[0] = NULL;
	vm_format_command(&a, true, &sb);
	assert_string_equal(sb_str(&sb), "");
	sb_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lab_argv),
		cmocka_unit_test(test_ch2_nic_argv),
		cmocka_unit_test(test_format_single_line),
		cmocka_unit_test(test_format_multiline),
		cmocka_unit_test(test_tcg_no_cpu),
		cmocka_unit_test(test_kvm_other_cpu),
		cmocka_unit_test(test_qcow2_disk),
		cmocka_unit_test(test_vlab_additions),
		cmocka_unit_test(test_no_serial),
		cmocka_unit_test(test_nics_capped),
		cmocka_unit_test(test_nic_fields_truncated),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_notes),
		cmocka_unit_test(test_spec_set_replaces),
		cmocka_unit_test(test_shell_quote),
		cmocka_unit_test(test_shell_quote_appends),
		cmocka_unit_test(test_format_odd_words),
		cmocka_unit_test(test_format_empty_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
