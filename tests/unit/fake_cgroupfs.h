/* A fake cgroup v2 filesystem for tests/unit/test_cgroup.c: plain
 * directories and files below a temporary directory, written through
 * runner/grade/cgroup.c's cgroup_fs_ops, that answer as the kernel's
 * cgroupfs does where vlab's layout depends on it (kernel/cgroup/cgroup.c,
 * Documentation/admin-guide/cgroup-v2.rst):
 *
 *   - the no-internal-process rule, both ways: a group other than the
 *     hierarchy's root that holds processes refuses a controller turned on
 *     in its cgroup.subtree_control (EBUSY), and a group with controllers
 *     on in its cgroup.subtree_control takes no process (EBUSY);
 *   - a controller turned on must be offered in the group's
 *     cgroup.controllers (ENOENT), and cannot be turned off while a child
 *     has it on (EBUSY);
 *   - a new group gets cgroup.procs, cgroup.subtree_control and a
 *     cgroup.controllers of what its parent turned on, and a controller's
 *     files (memory.max, ...) exist only where it is offered (ENOENT);
 *   - a process is in one group at a time: moving it takes it out of the
 *     one it was in;
 *   - a group with processes or children cannot be removed (EBUSY).
 *
 * Include after <cmocka.h> and tests/unit/unit_helpers.h. */
#ifndef VLAB_TEST_FAKE_CGROUPFS_H
#define VLAB_TEST_FAKE_CGROUPFS_H

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner/grade/cgroup.h"
#include "runner/util.h"
#include "runner/files.h"

/* The fake hierarchy's root group (the rule spares it, as the kernel's). */
static char fake_hier[512];

/* The kernel lists controllers in this order. */
static const char *const fake_order[] = { "cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc" };

static char *fake_read(const char *dir, const char *file)
{
	char *p = xasprintf("%s/%s", dir, file);
	struct strbuf sb = STRBUF_INIT;
	int r = read_file(p, &sb);
	free(p);
	if (r) {
		sb_release(&sb);
		return xstrdup("");
	}
	return sb.buf ? sb.buf : xstrdup("");
}

static int fake_put(const char *dir, const char *file, const char *text)
{
	char *p = xasprintf("%s/%s", dir, file);
	int r = write_file_atomic(p, text, strlen(text), 0644);
	free(p);
	return r;
}

static bool fake_word(const char *list, const char *w)
{
	char *padded = xasprintf(" %s ", list), *want = xasprintf(" %s ", w);
	for (char *c = padded; *c; c++)
		if (*c == '\n')
			*c = ' ';
	bool yes = strstr(padded, want) != NULL;
	free(padded);
	free(want);
	return yes;
}

static bool fake_has(const char *dir, const char *file, const char *word)
{
	char *t = fake_read(dir, file);
	bool yes = fake_word(t, word);
	free(t);
	return yes;
}

static bool fake_nonempty(const char *dir, const char *file)
{
	char *t = fake_read(dir, file);
	bool yes = strspn(t, " \n") != strlen(t);
	free(t);
	return yes;
}

/* Whether any child group of dir has ctl on in its subtree_control (or,
 * ctl NULL, whether dir has any child group). */
static bool fake_child_has(const char *dir, const char *ctl)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool yes = false;
	while (d && !yes && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		char *c = xasprintf("%s/%s", dir, de->d_name);
		yes = !ctl || fake_has(c, "cgroup.subtree_control", ctl);
		free(c);
	}
	if (d)
		closedir(d);
	return yes;
}

/* pid taken out of whichever group below dir lists it. */
static void fake_drop_pid(const char *dir, const char *pid)
{
	char *procs = fake_read(dir, "cgroup.procs");
	if (fake_word(procs, pid)) {
		struct strbuf sb = STRBUF_INIT;
		char *save = NULL;
		for (char *t = strtok_r(procs, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
			if (strcmp(t, pid))
				sb_addf(&sb, "%s\n", t);
		fake_put(dir, "cgroup.procs", sb_str(&sb));
		sb_release(&sb);
	}
	free(procs);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		char *c = xasprintf("%s/%s", dir, de->d_name);
		fake_drop_pid(c, pid);
		free(c);
	}
	if (d)
		closedir(d);
}

static int fake_move(const char *dir, const char *pid)
{
	if (strcmp(dir, fake_hier) && fake_nonempty(dir, "cgroup.subtree_control"))
		return -EBUSY;
	fake_drop_pid(fake_hier, pid);
	char *procs = fake_read(dir, "cgroup.procs");
	char *next = xasprintf("%s%s\n", procs, pid);
	int r = fake_put(dir, "cgroup.procs", next);
	free(next);
	free(procs);
	return r;
}

static int fake_subtree_control(const char *dir, const char *text)
{
	bool on[ARRAY_SIZE(fake_order)];
	char *cur = fake_read(dir, "cgroup.subtree_control"), *words = xstrdup(text), *save = NULL;
	bool turned_on = false;
	int r = 0;
	for (size_t i = 0; i < ARRAY_SIZE(fake_order); i++)
		on[i] = fake_word(cur, fake_order[i]);
	for (char *w = strtok_r(words, " \n", &save); w && !r; w = strtok_r(NULL, " \n", &save)) {
		size_t i = 0;
		while (i < ARRAY_SIZE(fake_order) && strcmp(w + 1, fake_order[i]))
			i++;
		if ((w[0] != '+' && w[0] != '-') || i == ARRAY_SIZE(fake_order))
			r = -EINVAL;
		else if (w[0] == '+' && !fake_has(dir, "cgroup.controllers", fake_order[i]))
			r = -ENOENT;
		else if (w[0] == '-' && on[i] && fake_child_has(dir, fake_order[i]))
			r = -EBUSY;
		else {
			turned_on |= w[0] == '+' && !on[i];
			on[i] = w[0] == '+';
		}
	}
	if (!r && turned_on && strcmp(dir, fake_hier) && fake_nonempty(dir, "cgroup.procs"))
		r = -EBUSY;
	if (!r) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < ARRAY_SIZE(fake_order); i++)
			if (on[i])
				sb_addf(&sb, "%s%s", sb.len ? " " : "", fake_order[i]);
		r = fake_put(dir, "cgroup.subtree_control", sb_str(&sb));
		sb_release(&sb);
	}
	free(words);
	free(cur);
	return r;
}

static int fake_write(const char *dir, const char *file, const char *text)
{
	if (!strcmp(file, "cgroup.procs"))
		return fake_move(dir, text);
	if (!strcmp(file, "cgroup.subtree_control"))
		return fake_subtree_control(dir, text);
	char ctl[16];
	size_t l = strcspn(file, ".");
	snprintf(ctl, sizeof(ctl), "%.*s", (int)l, file);
	if (strcmp(ctl, "cgroup") && !fake_has(dir, "cgroup.controllers", ctl))
		return -ENOENT; /* no such file where the controller is not offered */
	return fake_put(dir, file, text);
}

static int fake_mkdir(const char *path)
{
	if (mkdir(path, 0755) < 0)
		return -errno;
	char *parent = xstrdup(path);
	*strrchr(parent, '/') = '\0';
	char *offered = fake_read(parent, "cgroup.subtree_control");
	int r = fake_put(path, "cgroup.procs", "");
	if (!r)
		r = fake_put(path, "cgroup.subtree_control", "");
	if (!r)
		r = fake_put(path, "cgroup.controllers", offered);
	free(offered);
	free(parent);
	return r;
}

static int fake_rmdir(const char *path)
{
	if (access(path, F_OK) < 0)
		return -errno;
	if (fake_nonempty(path, "cgroup.procs") || fake_child_has(path, NULL))
		return -EBUSY;
	DIR *d = opendir(path);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_type == DT_REG) {
			char *f = xasprintf("%s/%s", path, de->d_name);
			unlink(f);
			free(f);
		}
	}
	if (d)
		closedir(d);
	return rmdir(path) < 0 ? -errno : 0;
}

static const struct cgroup_fs_ops fake_cgroupfs = { fake_write, fake_mkdir, fake_rmdir };

/* A fake hierarchy at hier (its root offering and turning on cpu, memory
 * and pids) with vlab's own group OWN below it, holding members (a
 * newline-separated list of pids); the fake in cgroup.c's place. */
static void fake_cgroupfs_start(const char *hier, const char *own, const char *members)
{
	snprintf(fake_hier, sizeof(fake_hier), "%s", hier);
	assert_int_equal(mkdir_p(own, 0755), 0);
	assert_int_equal(fake_put(hier, "cgroup.controllers", "cpuset cpu io memory pids\n"), 0);
	assert_int_equal(fake_put(hier, "cgroup.subtree_control", "cpu memory pids\n"), 0);
	assert_int_equal(fake_put(hier, "cgroup.procs", strcmp(own, hier) ? "1\n" : members), 0);
	if (strcmp(own, hier)) {
		assert_int_equal(fake_put(own, "cgroup.controllers", "cpu memory pids\n"), 0);
		assert_int_equal(fake_put(own, "cgroup.subtree_control", ""), 0);
		assert_int_equal(fake_put(own, "cgroup.procs", members), 0);
	}
	cgroup_set_fs_ops(&fake_cgroupfs);
}

static void fake_cgroupfs_stop(void)
{
	cgroup_set_fs_ops(NULL);
	fake_hier[0] = '\0';
}

#endif
