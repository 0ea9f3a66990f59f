/* EPT/NPT off and back on (see ept.h for the order of things). */
#include "runner/host/ept.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/proc.h"
#include "runner/rundir.h"
#include "runner/util.h"
#include "runner/files.h"

/* A load or unload that takes longer than this is reported, not waited for
 * forever (a module's init can hang on broken hardware). */
#define LOADER_TIMEOUT_MS 60000

static bool value_on(const char *v)
{
	return !strcmp(v, "Y") || !strcmp(v, "1");
}

int ept_probe(const char *root, struct ept_module *m)
{
	memset(m, 0, sizeof(*m));
	if (path_exists_at(root, "/sys/module/kvm_intel")) {
		m->vendor = EPT_INTEL;
		snprintf(m->module, sizeof(m->module), "kvm_intel");
		snprintf(m->param, sizeof(m->param), "ept");
	} else if (path_exists_at(root, "/sys/module/kvm_amd")) {
		m->vendor = EPT_AMD;
		snprintf(m->module, sizeof(m->module), "kvm_amd");
		snprintf(m->param, sizeof(m->param), "npt");
	} else {
		m->vendor = path_exists_at(root, "/sys/module/kvm_pvm") ? EPT_PVM : EPT_NONE;
		return -ENOENT;
	}
	char path[96], refcnt[32];
	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", m->module, m->param);
	int r = read_line_at(root, path, m->value, sizeof(m->value));
	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", m->module);
	if (read_line_at(root, path, refcnt, sizeof(refcnt)) == 0)
		m->refcnt = strtol(refcnt, NULL, 10);
	if (r || !ept_value_valid(m->value))
		return -EINVAL;
	m->enabled = value_on(m->value);
	return 0;
}

int ept_reload_decide(const struct ept_module *m, int probe_rc, bool is_root, bool allowed, char *why, size_t n)
{
	why[0] = '\0';
	if (m->vendor == EPT_PVM) {
		snprintf(why, n, "this host's KVM is kvm_pvm (paravirtual, no VT-x/AMD-V): it has no ept/npt "
				 "parameter to turn off");
		return -ENODEV;
	}
	if (m->vendor == EPT_NONE) {
		snprintf(why, n, "neither kvm_intel nor kvm_amd is loaded: no ept/npt parameter to turn off");
		return -ENODEV;
	}
	if (probe_rc) {
		snprintf(why, n, "/sys/module/%s/parameters/%s is unreadable or holds '%s', not Y/N/1/0", m->module,
			 m->param, m->value);
		return -ENODEV;
	}
	if (!is_root) {
		snprintf(why, n, "reloading %s with %s=0 needs root (run vlab as root)", m->module, m->param);
		return -EPERM;
	}
	if (!allowed) {
		snprintf(why, n, "reloading %s with %s=0 stops every KVM guest on this host: vlab does it only "
				 "with --allow-module-reload",
			 m->module, m->param);
		return -ECANCELED;
	}
	if (m->refcnt > 0) {
		snprintf(why, n, "%s is in use (refcnt %ld: another process has /dev/kvm open or runs a VM); "
				 "vlab reloads it only when nothing else holds KVM",
			 m->module, m->refcnt);
		return -EBUSY;
	}
	return 0;
}

void ept_env_default(struct ept_env *env, const char *root)
{
	static char *state;
	if (!state)
		state = xasprintf("%s/%s", rundir_base(), EPT_STATE_NAME);
	const char *loader = getenv("VLAB_MODPROBE");
	env->root = root ? root : "";
	env->loader = loader && *loader ? loader : "modprobe";
	env->state_path = state;
}

bool ept_restore_pending(const struct ept_env *env)
{
	return access(env->state_path, F_OK) == 0;
}

/* Run the loader to the end (proc_run_to_end): a module half-loaded because
 * the user pressed Ctrl-C would leave the host worse off. Its own process
 * group keeps the terminal's SIGINT away from it; no parent-death signal, so
 * a SIGKILLed vlab does not cut it short either. */
static int run_loader(const struct ept_env *env, const char *const *args, char *why, size_t n)
{
	const char *argv[8];
	size_t k = 0;
	argv[k++] = env->loader;
	for (size_t i = 0; args[i] && k < 7; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	struct strbuf cmd = STRBUF_INIT, out = STRBUF_INIT;
	for (size_t i = 0; argv[i]; i++)
		sb_addf(&cmd, "%s%s", i ? " " : "", argv[i]);
	int st = 0;
	int r = proc_run_to_end(argv, LOADER_TIMEOUT_MS, &out, &st);
	if (r == -ETIMEDOUT) {
		snprintf(why, n, "`%s` did not finish in %d s", cmd.buf, LOADER_TIMEOUT_MS / 1000);
	} else if (r) {
		snprintf(why, n, "cannot run `%s`: %s", cmd.buf, strerror(-r));
	} else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		char desc[96];
		proc_describe_status(st, desc, sizeof(desc));
		char *msg = xstrdup(sb_str(&out));
		rtrim(msg);
		char *nl = strrchr(msg, '\n');
		snprintf(why, n, "`%s` %s%s%s", cmd.buf, desc, msg[0] ? ": " : "", nl ? nl + 1 : msg);
		free(msg);
		r = -EIO;
	}
	if (r)
		r = -EIO;
	sb_release(&out);
	sb_release(&cmd);
	return r;
}

static int write_state(const struct ept_env *env, const struct ept_module *m)
{
	struct ept_state s;
	memset(&s, 0, sizeof(s));
	snprintf(s.module, sizeof(s.module), "%s", m->module);
	snprintf(s.param, sizeof(s.param), "%s", m->param);
	snprintf(s.original, sizeof(s.original), "%s", m->value);
	s.pid = (long)getpid();
	s.start = proc_start_time(getpid());
	char *text = ept_state_format(&s);
	char *dir = xstrdup(env->state_path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir_p(dir, 0700);
	}
	free(dir);
	int r = write_file_atomic(env->state_path, text, strlen(text), 0600);
	free(text);
	return r;
}

/* Unload, then load with param=value, then read it back. */
static int reload(const struct ept_env *env, const char *module, const char *param, const char *value,
		  bool stop_after_unload, char *why, size_t n)
{
	char root_mod[64];
	snprintf(root_mod, sizeof(root_mod), "/sys/module/%s", module);
	if (path_exists_at(env->root, root_mod)) {
		const char *unload[] = { "-r", module, NULL };
		int r = run_loader(env, unload, why, n);
		if (r)
			return r;
	}
	/* A stop between the two: do not load the experiment's setting, go
	 * straight to the restore (the caller's). */
	if (stop_after_unload && cleanup_stop_requested()) {
		snprintf(why, n, "stopped after %s was unloaded; it is loaded again with its original setting",
			 module);
		return -EINTR;
	}
	char arg[32];
	snprintf(arg, sizeof(arg), "%s=%s", param, value);
	const char *load[] = { module, arg, NULL };
	int r = run_loader(env, load, why, n);
	if (r)
		return r;
	struct ept_module now;
	int pr = ept_probe(env->root, &now);
	if (pr || strcmp(now.module, module) || value_on(now.value) != value_on(value)) {
		snprintf(why, n, "%s loaded with %s, but /sys/module/%s/parameters/%s reads '%s'", module, arg,
			 module, param, pr ? "(nothing)" : now.value);
		return -EPROTO;
	}
	return 0;
}

int ept_set(const struct ept_env *env, const struct ept_module *m, bool enabled, char *why, size_t n)
{
	why[0] = '\0';
	struct ept_module now;
	if (ept_probe(env->root, &now) == 0 && now.refcnt > 0) {
		snprintf(why, n, "%s is in use (refcnt %ld): stop every VM and close /dev/kvm first", now.module,
			 now.refcnt);
		return -EBUSY;
	}
	if (!ept_restore_pending(env)) {
		int r = write_state(env, m);
		if (r) {
			snprintf(why, n, "cannot write the restore state file %s: %s (nothing was changed)",
				 env->state_path, strerror(-r));
			return -EIO;
		}
	}
	/* "0"/"1" are read by both the bool (kstrtobool) and the older int
	 * form of the parameter. */
	return reload(env, m->module, m->param, enabled ? "1" : "0", true, why, n);
}

int ept_restore(const struct ept_env *env, char *msg, size_t n)
{
	msg[0] = '\0';
	struct strbuf sb = STRBUF_INIT;
	int r = read_file(env->state_path, &sb);
	if (r == -ENOENT) {
		sb_release(&sb);
		return 1;
	}
	struct ept_state s;
	if (r == 0)
		r = ept_state_parse(sb_str(&sb), sb.len, &s);
	sb_release(&sb);
	if (r) {
		snprintf(msg, n, "the restore state file %s is unreadable or not vlab's (%s): check /sys/module/"
				 "kvm_intel/parameters/ept or kvm_amd/parameters/npt by hand, then remove it",
			 env->state_path, strerror(-r));
		return r;
	}
	struct ept_module now;
	int pr = ept_probe(env->root, &now);
	if (pr == 0 && !strcmp(now.module, s.module) && value_on(now.value) == value_on(s.original)) {
		unlink(env->state_path);
		snprintf(msg, n, "%s %s=%s as it was (read back %s)", s.module, s.param, s.original, now.value);
		return 0;
	}
	if (pr == 0 && now.refcnt > 0) {
		snprintf(msg, n, "%s %s=%s must go back to %s=%s, but %s is in use (refcnt %ld): stop the VMs, "
				 "then run `vlab clean`",
			 s.module, s.param, now.value, s.param, s.original, s.module, now.refcnt);
		return -EBUSY;
	}
	char why[320];
	r = reload(env, s.module, s.param, s.original, false, why, sizeof(why));
	if (r) {
		snprintf(msg, n, "%s %s=%s was not restored: %s; run `vlab clean` as root to try again", s.module,
			 s.param, s.original, why);
		return r;
	}
	ept_probe(env->root, &now);
	unlink(env->state_path);
	snprintf(msg, n, "%s %s=%s restored (read back %s)", s.module, s.param, s.original, now.value);
	return 0;
}

int ept_restore_if_pending(const char *root, char *msg, size_t n)
{
	struct ept_env env;
	ept_env_default(&env, root);
	msg[0] = '\0';
	if (!ept_restore_pending(&env))
		return 1;
	struct strbuf sb = STRBUF_INIT;
	struct ept_state s;
	if (read_file(env.state_path, &sb) == 0 && ept_state_parse(sb_str(&sb), sb.len, &s) == 0 && s.pid > 0 &&
	    s.pid != (long)getpid() && s.start && proc_start_time((pid_t)s.pid) == s.start) {
		sb_release(&sb);
		snprintf(msg, n, "%s %s is off for chapter 4 in vlab pid %ld, which puts it back itself when it "
				 "ends",
			 s.module, s.param, s.pid);
		return -EALREADY;
	}
	sb_release(&sb);
	if (geteuid() != 0) {
		snprintf(msg, n, "a KVM module reload is not undone yet (%s): run `sudo vlab clean` to restore "
				 "ept/npt",
			 env.state_path);
		return -EPERM;
	}
	return ept_restore(&env, msg, n);
}
