/* The qemu and sudo shims of `vlab grade`; see shim.h. */
#include "runner/grade/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runner/util.h"
#include "runner/exit_status.h"

static void add_arg(struct shim_result *r, const char *s)
{
	r->argv = xrealloc(r->argv, sizeof(char *) * (size_t)(r->argc + 2));
	r->argv[r->argc++] = xstrdup(s);
	r->argv[r->argc] = NULL;
}

static void note(struct shim_result *r, const char *what, const char *why)
{
	if (r->nchanges >= SHIM_MAX_CHANGES)
		return;
	struct shim_change *c = &r->changes[r->nchanges++];
	snprintf(c->what, sizeof(c->what), "%s", what);
	snprintf(c->why, sizeof(c->why), "%s", why);
}

/* "-enable-kvm" and "--enable-kvm" are the same option to qemu. */
static bool is_opt(const char *word, const char *name)
{
	if (word[0] != '-')
		return false;
	word += word[1] == '-' ? 2 : 1;
	return !strcmp(word, name);
}

/* Replace "accel=kvm" (or "accel=kvm:tcg") in a -machine argument by
 * accel=tcg; NULL when it names none. */
static char *machine_to_tcg(const char *arg)
{
	const char *p = strstr(arg, "accel=");
	if (!p || (p != arg && p[-1] != ','))
		return NULL;
	const char *v = p + 6, *end = strchr(v, ',');
	size_t vl = end ? (size_t)(end - v) : strlen(v);
	if (!memmem(v, vl, "kvm", 3))
		return NULL;
	return xasprintf("%.*saccel=tcg%s", (int)(p - arg), arg, end ? end : "");
}

void shim_adapt(const char *const *argv, int argc, const struct shim_config *cfg, struct shim_result *out)
{
	memset(out, 0, sizeof(*out));
	const char *why = cfg->tcg_why ? cfg->tcg_why : "this host has no KVM a standard guest boots on";
	bool has_initrd = false;
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (i > 0 && is_opt(w, "initrd"))
			has_initrd = true;
		if (i == 0 || !cfg->to_tcg) {
			add_arg(out, w);
			continue;
		}
		if (is_opt(w, "enable-kvm")) {
			note(out, "-enable-kvm -> -accel tcg", why);
			add_arg(out, "-accel");
			add_arg(out, "tcg");
			continue;
		}
		if (is_opt(w, "accel") && next && (starts_with(next, "kvm") || strstr(next, "accel=kvm"))) {
			char what[160];
			snprintf(what, sizeof(what), "-accel %.100s -> -accel tcg", next);
			note(out, what, why);
			add_arg(out, w);
			add_arg(out, "tcg");
			i++;
			continue;
		}
		if ((is_opt(w, "machine") || is_opt(w, "M")) && next) {
			char *m = machine_to_tcg(next);
			if (m) {
					char what[160];
				snprintf(what, sizeof(what), "%s %.60s -> %s %.60s", w, next, w, m);
				note(out, what, why);
				add_arg(out, w);
				add_arg(out, m);
				free(m);
				i++;
				continue;
			}
		}
		if (is_opt(w, "cpu") && next && (!strcmp(next, "host") || starts_with(next, "host,"))) {
			char *m = xasprintf("max%s", next + 4);
			char what[160];
			snprintf(what, sizeof(what), "-cpu %.60s -> -cpu %.60s", next, m);
			note(out, what, "-cpu host exists only under KVM; max is TCG's closest model");
			add_arg(out, w);
			add_arg(out, m);
			free(m);
			i++;
			continue;
		}
		add_arg(out, w);
	}
	if (cfg->initrd && !has_initrd) {
		char what[160];
		const char *base = strrchr(cfg->initrd, '/');
		snprintf(what, sizeof(what), "added -initrd %.120s", base ? base + 1 : cfg->initrd);
		note(out, what,
		     "this image's kernel has virtio_blk and ext4 as modules, loaded from its initrd (the lab's Alpine "
		     "kernel needs none)");
		add_arg(out, "-initrd");
		add_arg(out, cfg->initrd);
	}
	/* QEMU's e1000 emulates the PHY's link autonegotiation: a guest that
	 * brings its NIC up right after the driver probed it waits for the
	 * driver's next watchdog run, 2 s later, for its carrier (measured
	 * here under TCG: 2.06 s with it, 0.07 s without). Grading brings the
	 * NIC up right after the login; the NIC's model, MAC and tap, all
	 * that is judged, are the student's. */
	bool e1000 = false;
	for (int i = 1; i < argc && cfg->e1000_link_at_once && !e1000; i++)
		e1000 = strstr(argv[i], "e1000") != NULL;
	if (e1000) {
		note(out, "added -global e1000.autonegotiation=off",
		     "the e1000's emulated autonegotiation holds the guest's carrier back for 2 s; grading does not wait for it");
		add_arg(out, "-global");
		add_arg(out, "e1000.autonegotiation=off");
	}
	if (cfg->qmp_path) {
		char *q = xasprintf("unix:%s,server=on,wait=off", cfg->qmp_path);
		note(out, "added -qmp (a QMP socket of the grader's)",
		     "the grader asks QEMU itself what the VM is made of (memory, run state)");
		add_arg(out, "-qmp");
		add_arg(out, q);
		free(q);
	}
}

void shim_result_release(struct shim_result *r)
{
	for (int i = 0; i < r->argc; i++)
		free(r->argv[i]);
	free(r->argv);
	memset(r, 0, sizeof(*r));
}

bool shim_name(const char *argv0, const char **which)
{
	const char *base = strrchr(argv0, '/');
	base = base ? base + 1 : argv0;
	static const char *const names[] = { SHIM_QEMU_NAME, SHIM_SUDO_NAME, SHIM_IP_NAME, SHIM_BRCTL_NAME };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(base, names[i])) {
			*which = names[i];
			return true;
		}
	}
	return false;
}

/* The record of qemu number n, for the exec argv res (made with its QMP path). */
static json_t *record_json(int argc, char **argv, const struct shim_result *res, const char *qmp,
			   const char *errpath, const char *cwd)
{
	json_t *rec = json_object(), *a = json_array(), *e = json_array(), *ch = json_array();
	for (int i = 0; i < argc; i++)
		json_array_append_new(a, json_string(argv[i]));
	for (int i = 0; i < res->argc; i++)
		json_array_append_new(e, json_string(res->argv[i]));
	for (int i = 0; i < res->nchanges; i++)
		json_array_append_new(ch, json_pack("{s:s, s:s}", "what", res->changes[i].what, "why", res->changes[i].why));
	json_object_set_new(rec, "argv", a);
	json_object_set_new(rec, "exec_argv", e);
	json_object_set_new(rec, "changes", ch);
	json_object_set_new(rec, "qmp", json_string(qmp));
	json_object_set_new(rec, "stderr", json_string(errpath));
	json_object_set_new(rec, "cwd", json_string(cwd));
	json_object_set_new(rec, "pid", json_integer(getpid()));
	return rec;
}

/* Publish the record as dir/qemu-N.json with the first free N: written to a
 * fresh temporary file (mkostemp), then link()ed, which fails on a name
 * taken. Everything else of qemu number N is named by N too (qmp-N.sock,
 * qemu-N.stderr), so no two qemus of a script, even one reusing the pid of
 * an earlier one, ever share a file. On success res holds the exec argv. */
static int publish(const char *dir, int argc, char **argv, struct shim_config *cfg, struct shim_result *res,
		   char *errpath, size_t errlen, int *seq)
{
	char cwd[PATH_MAX], qmp[PATH_MAX], tmp[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "?");
	snprintf(tmp, sizeof(tmp), "%s/.qemu-record.XXXXXX", dir);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	int r = -EEXIST;
	for (int n = 1; n < 1000 && r == -EEXIST; n++) {
		snprintf(qmp, sizeof(qmp), "%s/qmp-%d.sock", dir, n);
		snprintf(errpath, errlen, "%s/qemu-%d.stderr", dir, n);
		cfg->qmp_path = qmp;
		shim_adapt((const char *const *)argv, argc, cfg, res);
		json_t *rec = record_json(argc, argv, res, qmp, errpath, cwd);
		int d = json_dump_file(rec, tmp, JSON_INDENT(2));
		json_decref(rec);
		if (d < 0) {
			r = -EIO;
			break;
		}
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/qemu-%d.json", dir, n);
		if (link(tmp, path) == 0) {
			*seq = n;
			r = 0;
		} else {
			r = -errno;
		}
		if (r)
			shim_result_release(res);
	}
	unlink(tmp);
	return r;
}

/* Tell the grader over its channel (SHIM_FD_ENV) that record seq is this
 * process's: the kernel attaches this process's pid to the message
 * (SO_PASSCRED on the grader's end), which no script can forge, and the
 * grader checks that pid's executable and command line before it answers.
 * Wait for the answer a while (a script reading the channel too may take
 * it), then go on either way; the channel is closed before qemu runs. */
#define SHIM_ANSWER_WAIT_MS 30000

static void announce(int seq)
{
	const char *env = getenv(SHIM_FD_ENV);
	int64_t fd;
	if (!env || parse_i64(env, 3, 1023, &fd))
		return;
	char msg[32];
	int n = snprintf(msg, sizeof(msg), "qemu-%d", seq);
	if (send((int)fd, msg, (size_t)n, MSG_NOSIGNAL) == n) {
		struct pollfd p = { .fd = (int)fd, .events = POLLIN };
		char ack;
		/* until the grader has looked at this process (it checks that
		 * the announcing pid is this shim, run with the recorded command
		 * line, before it answers). The answer goes to whichever shim of
		 * the sandbox reads first, so one may go on early, woken by
		 * another's answer: the grader then finds it exec'd already and
		 * takes it when it runs exactly its record (sandbox_run.c,
		 * shim_became_qemu). The wait is bounded, for a grader gone. */
		if (poll(&p, 1, SHIM_ANSWER_WAIT_MS) > 0)
			(void)!recv((int)fd, &ack, 1, MSG_DONTWAIT);  /* none left: another reader took it */
	}
	close((int)fd);
}

int shim_qemu_main(int argc, char **argv)
{
	const char *dir = getenv("VLAB_SHIM_DIR"), *real = getenv("VLAB_SHIM_QEMU");
	if (!dir || !real) {
		error_line("called as %s outside `vlab grade` (VLAB_SHIM_DIR and VLAB_SHIM_QEMU unset): "
				"run the real qemu-system-x86_64 instead", SHIM_QEMU_NAME);
		return 127;
	}
	const char *accel = getenv("VLAB_SHIM_ACCEL");
	struct shim_config cfg = {
		.to_tcg = accel && !strcmp(accel, "tcg"),
		.tcg_why = getenv("VLAB_SHIM_ACCEL_WHY"),
		.initrd = getenv("VLAB_SHIM_INITRD"),
		.e1000_link_at_once = true,
	};
	if (cfg.initrd && !*cfg.initrd)
		cfg.initrd = NULL;
	struct shim_result res;
	char errpath[PATH_MAX];
	int seq = 0;
	int r = publish(dir, argc, argv, &cfg, &res, errpath, sizeof(errpath), &seq);
	if (r) {
		error_line("the qemu shim cannot record this command in %s: %s", dir, strerror(-r));
		return 127;
	}
	announce(seq);
	int fd = open(errpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, 2);
		close(fd);
	}
	/* what the real qemu should not have of a grader's: the channel, and
	 * the loader's variables (the qemu judged is the real one) */
	static const char *const drop[] = { "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "LD_DEBUG", "LD_PROFILE",
					    "LD_BIND_NOW", "LD_ORIGIN_PATH", "LD_DYNAMIC_WEAK", "GCONV_PATH", "MALLOC_TRACE",
					    SHIM_FD_ENV, SHIM_NET_FD_ENV };
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		unsetenv(drop[i]);
	execv(real, res.argv);
	error_line("cannot run %s: %s", real, strerror(errno));
	shim_result_release(&res);
	return 127;
}

int shim_sudo_main(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (strcmp(argv[i], "-E") && strcmp(argv[i], "-H") && strcmp(argv[i], "-n")) {
			error_line("sudo %s: under `vlab grade` sudo runs its command as is and takes only "
					"-E, -H, -n", argv[i]);
			return 1;
		}
	}
	if (i >= argc) {
		error_line("sudo: no command");
		return 1;
	}
	execvp(argv[i], argv + i);
	error_line("sudo: %s: %s", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
