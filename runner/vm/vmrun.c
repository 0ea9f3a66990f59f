/* A lab VM's life. */
#include "runner/vm/vmrun.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/host/host.h"
#include "runner/vm/console.h"
#include "runner/proc.h"
#include "runner/vm/qmp.h"
#include "runner/vm/relay.h"
#include "runner/clock.h"
#include "runner/files.h"

void artifact_add(struct artifact *list, int *n, const char *name, const char *path)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(list[i].name, name)) {
			free(list[i].path);
			list[i].path = xstrdup(path);
			return;
		}
	if (*n < LAB_MAX_ARTIFACTS)
		list[(*n)++] = (struct artifact){ name, xstrdup(path) };
}

/* Whether the guest runs at hardware speed: under KVM, but not the KVM of
 * the emulated KVM host (runner/host/host.h), whose AMD-V QEMU emulates
 * under TCG: every exit there, the serial console's bytes included, costs
 * what TCG's work does or more, so its waits are TCG's. Inside it a console
 * given KVM's 5 s for `ps` ran out of time in the middle of the output, and
 * chapter 4 ended in ERROR ("stopped answering on the console"). */
static bool at_hardware_speed(const struct vm_run_ctx *run)
{
	return run->accel->accel == ACCEL_KVM && !host_kvm_emulated();
}

int64_t vmrun_boot_timeout_ms(const struct vm_run_ctx *run)
{
	if (run->boot_timeout_ms > 0)
		return run->boot_timeout_ms;
	/* TCG boots in ~2.2 s on an idle CI machine (measured on the 2-core kvm_pvm machines vlab is tested on); a loaded
	 * 2-core machine running two guests can take many times that. */
	return at_hardware_speed(run) ? 30000 : 90000;
}

int64_t vmrun_cmd_timeout_ms(const struct vm_run_ctx *run, int64_t kvm_ms)
{
	return at_hardware_speed(run) ? kvm_ms : kvm_ms * 4;
}

/* Why vlab changes a kernel command-line parameter of the lab's. */
static const char *append_reason(const char *key)
{
	if (!strcmp(key, "console"))
		return "with -nodefaults the VM has no virtio console (hvc0); its only console is the "
		       "isa-serial port ttyS0, the one wired to the UNIX socket";
	if (!strcmp(key, "loglevel"))
		return "fewer kernel messages on the console that vlab reads and types into";
	if (!strcmp(key, "rw"))
		return "mount / read-write at once (writes land in the run's overlay, not in the image)";
	return "as the image profile asks";
}

static size_t key_len(const char *tok)
{
	return strcspn(tok, "= ");
}

static bool find_token(const char *line, const char *key, size_t klen, const char **tok, size_t *len)
{
	for (const char *p = line; *p;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n && key_len(p) == klen && !strncmp(p, key, klen)) {
			*tok = p;
			*len = n;
			return true;
		}
		p += n;
	}
	return false;
}

/* One note per parameter that differs between the lab's line and vlab's. */
static void note_append_changes(struct vm_spec *s, const char *lab_line, const char *ours)
{
	const char *lines[2] = { lab_line, ours };
	for (int pass = 0; pass < 2; pass++) {
		for (const char *p = lines[pass]; *p;) {
			while (*p == ' ')
				p++;
			size_t n = strcspn(p, " ");
			if (!n)
				break;
			size_t k = key_len(p);
			const char *other_tok;
			size_t other_len;
			bool in_other = find_token(lines[!pass], p, k, &other_tok, &other_len);
			char *key = xstrndup(p, k);
			char *what = NULL;
			if (!in_other)
				what = pass == 0 ? xasprintf("-append: %.*s removed", (int)n, p)
						 : xasprintf("-append: %.*s added", (int)n, p);
			else if (pass == 0 && (other_len != n || strncmp(other_tok, p, n)))
				what = xasprintf("-append: %.*s -> %.*s", (int)n, p, (int)other_len, other_tok);
			if (what)
				vm_spec_note(s, what, append_reason(key));
			free(what);
			free(key);
			p += n;
		}
	}
}

int vmrun_prepare(const struct vm_run_ctx *run, struct vm *vm, const char *name, const struct nic_spec *nics,
		  int nnics)
{
	const struct image *img = run->image;
	const struct image_profile *p = img->profile;
	struct vm_spec *s = &vm->spec;
	/* a VM slot may be prepared again (chapter 4's steps each run one): what
	 * the last run left of it goes first */
	vm_release(vm);
	vm->pid = 0;
	vm->exit_desc[0] = '\0';
	vm->login_prompt_ms = 0;
	vm->at_login_prompt = false;
	vm->logged_in_as[0] = '\0';
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	const char *lab_append = p->lab_append ? p->lab_append : LAB_APPEND;

	/* the lab's command, with the profile's file names as the student has them */
	vm_spec_lab(s, p->kernel.name, p->rootfs.name, lab_append);
	for (int i = 0; i < nnics; i++)
		vm_spec_add_nic(s, nics[i].model, nics[i].mac, nics[i].dev_id, nics[i].netdev_id, nics[i].ifname);
	struct vm_argv lab_argv;
	int r = vm_build_argv(s, &lab_argv);
	if (r)
		return r;
	struct strbuf sb = STRBUF_INIT;
	vm_format_command(&lab_argv, true, &sb);
	vm->lab_command = sb.buf;
	vm_argv_release(&lab_argv);

	/* what vlab changes, and why */
	vm->serial_path = xasprintf("%s/%s.serial.sock", run->run_dir, name);
	vm->qmp_path = xasprintf("%s/%s.qmp.sock", run->run_dir, name);
	vm->overlay = xasprintf("%s/%s.overlay.qcow2", run->run_dir, name);
	vm->stderr_path = xasprintf("%s/%s.qemu.log", run->run_dir, name);
	vm->transcript_path = xasprintf("%s/%s.console.log", run->run_dir, name);

	if (run->accel->accel == ACCEL_TCG) {
		s->accel = ACCEL_TCG;
		vm_spec_set(&s->cpu, NULL);
		char *why = xasprintf("%s; -cpu host exists only under KVM, so QEMU's default CPU model is used",
				      run->accel->reason);
		vm_spec_note(s, "-enable-kvm -cpu host -> -accel tcg", why);
		free(why);
	}
	vm_spec_set(&s->kernel, img->kernel);
	if (img->initrd) {
		vm_spec_set(&s->initrd, img->initrd);
		vm_spec_note(s, "-initrd added",
			     "this kernel has virtio_blk and ext4 as modules: a small initramfs loads them, "
			     "then mounts /dev/vda as the root file system");
	}
	if (strcmp(lab_append, p->append))
		note_append_changes(s, lab_append, p->append);
	vm_spec_set(&s->append, p->append);
	s->disk = DISK_QCOW2;
	vm_spec_set(&s->disk_path, vm->overlay);
	vm_spec_note(s, "-blockdev file,... -> a qcow2 overlay over the image",
		     "the image stays pristine: this run's writes go to its own copy-on-write overlay, "
		     "deleted at the end");
	vm_spec_set(&s->serial_socket, vm->serial_path);
	s->chardev_short_bools = false;
	vm_spec_note(s, "serial.socket -> the run directory; server,nowait -> server=on,wait=off",
		     "each run gets its own socket; QEMU 6.0 deprecated the short-form booleans and warns about them");
	vm_spec_set(&s->qmp_socket, vm->qmp_path);
	vm_spec_note(s, "-qmp added",
		     "vlab asks QEMU itself for the memory size, the block devices and the PCI devices "
		     "over its machine protocol (QMP)");
	return vm_build_argv(s, &vm->argv);
}

bool vm_alive(struct vm *vm)
{
	if (vm->pid <= 0)
		return false;
	int st;
	if (proc_exited(vm->pid, &st)) {
		proc_describe_status(st, vm->exit_desc, sizeof(vm->exit_desc));
		vm->pid = -vm->pid; /* remember it ran, but never signal it again */
		cleanup_forget(vm->pid_handle);
		vm->pid_handle = -1;
		return false;
	}
	return true;
}

char *vm_stderr_tail(const struct vm *vm, int n)
{
	struct strbuf sb = STRBUF_INIT;
	if (!vm->stderr_path || read_file(vm->stderr_path, &sb) || !sb.len) {
		sb_release(&sb);
		return xstrdup("");
	}
	rtrim(sb.buf);
	sb.len = strlen(sb.buf);
	const char *p = sb.buf + sb.len;
	int lines = 0;
	while (p > sb.buf && lines < n) {
		p--;
		if (*p == '\n')
			lines++;
	}
	if (*p == '\n')
		p++;
	char *tail = xstrdup(p);
	sb_release(&sb);
	return tail;
}

static int qemu_died(const struct vm_run_ctx *run, struct vm *vm)
{
	/* The socket goes away a moment before the process does: reap it, so
	 * every later look agrees that it is gone. */
	int st;
	if (vm->pid > 0 && proc_wait(vm->pid, 3000, &st) == 0) {
		proc_describe_status(st, vm->exit_desc, sizeof(vm->exit_desc));
		cleanup_forget(vm->pid_handle);
		vm->pid_handle = -1;
		vm->pid = -vm->pid;
	}
	char *tail = vm_stderr_tail(vm, 5);
	snprintf(run->blocked, run->blocked_len, "qemu (%s) exited during boot%s%s", vm->name,
		 *tail ? ": " : "", tail);
	free(tail);
	return -EPIPE;
}

char *vm_cpu_fallback(const char *cpu, const char *qemu_stderr)
{
	if (!cpu || !qemu_stderr || strcmp(cpu, "host"))
		return NULL;
	if (!strstr(qemu_stderr, "failed to set MSR 0x10a"))
		return NULL;
	return xstrdup("host,-arch-capabilities");
}

/* Spawn qemu, then attach the serial console first (the login prompt must
 * not be lost) and QMP. */
static int spawn_and_attach(const struct vm_run_ctx *run, struct vm *vm)
{
	struct spawn_opts o = SPAWN_OPTS_INIT;
	o.argv = (const char *const *)vm->argv.v;
	o.stdout_path = vm->stderr_path;
	o.stderr_path = vm->stderr_path;
	o.own_pgrp = true;
	o.die_with_parent = !run->keep;
	int r = proc_spawn(&o, &vm->pid);
	if (r) {
		snprintf(run->blocked, run->blocked_len, "cannot start '%s': %s", vm->argv.v[0],
			 r == -ENOENT ? "not found (install qemu-system-x86)" : strerror(-r));
		return r;
	}
	vm->spawned_ms = now_ms();
	vm->pid_handle = cleanup_add_process(vm->pid, vm->name);

	r = console_connect(&vm->con, vm->serial_path, vm->transcript_path, vm->pid, 10000);
	if (r == -EPIPE || !vm_alive(vm))
		return qemu_died(run, vm);
	if (r) {
		if (r != -EINTR)
			snprintf(run->blocked, run->blocked_len, "cannot connect to the serial socket '%s': %s",
				 vm->serial_path, strerror(-r));
		return r;
	}
	r = qmp_connect(&vm->qmp, vm->qmp_path, vm->pid, 10000);
	if (r == -EPIPE || !vm_alive(vm))
		return qemu_died(run, vm);
	if (r && r != -EINTR)
		snprintf(run->blocked, run->blocked_len, "cannot talk QMP on '%s': %s", vm->qmp_path,
			 strerror(-r));
	return r;
}

int vmrun_create_overlay(const struct vm_run_ctx *run, struct vm *vm)
{
	/* The overlay: qcow2 over the read-only base (qemu-img opens the base
	 * only to read its size). */
	const char *const mk[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw",
				   "-b", run->image->rootfs, vm->overlay, NULL };
	struct strbuf out = STRBUF_INIT;
	int st = 0;
	vm->overlay_handle = cleanup_add_path(RES_FILE, vm->overlay);
	int r = proc_run(mk, 30000, &out, &st);
	if (r || !WIFEXITED(st) || WEXITSTATUS(st)) {
		if (r == -EINTR) {
			sb_release(&out);
			return r;
		}
		snprintf(run->blocked, run->blocked_len, "cannot create the overlay '%s': %s", vm->overlay,
			 r == -ENOENT ? "qemu-img not found (install qemu-utils)" : r ? strerror(-r) : rtrim(out.buf));
		sb_release(&out);
		return r ? r : -EIO;
	}
	sb_release(&out);
	return 0;
}

int vmrun_start(const struct vm_run_ctx *run, struct vm *vm)
{
	int r = vmrun_create_overlay(run, vm);
	if (r)
		return r;
	vm->serial_handle = cleanup_add_path(RES_FILE, vm->serial_path);
	vm->qmp_handle = cleanup_add_path(RES_FILE, vm->qmp_path);
	/* the first VM's names are the ones chapters 1 and 2 report; a second
	 * VM's (chapter 3) carry its name (artifact names are static) */
	bool second = vm == run->second_vm;
	artifact_add(run->artifacts, run->nartifacts, second ? "vm2.console" : "console", vm->transcript_path);
	artifact_add(run->artifacts, run->nartifacts, second ? "vm2.qemu_log" : "qemu_log", vm->stderr_path);
	r = spawn_and_attach(run, vm);
	if (r != -EPIPE)
		return r;
	/* QEMU 7.2 with -cpu host aborts on some KVMs ("failed to set MSR
	 * 0x10a", seen with kvm_pvm): try once more without the
	 * CPUID bit behind that MSR, and say so. */
	char *tail = vm_stderr_tail(vm, 20);
	char *cpu = vm_cpu_fallback(vm->spec.cpu, tail);
	free(tail);
	if (!cpu)
		return r;
	char *what = xasprintf("-cpu %s -> -cpu %s", vm->spec.cpu, cpu);
	vm_spec_note(&vm->spec, what, "QEMU aborted with 'failed to set MSR 0x10a' (IA32_ARCH_CAPABILITIES): "
				     "this KVM refuses that MSR, so the CPU model goes without it");
	free(what);
	vm_spec_set(&vm->spec.cpu, cpu);
	free(cpu);
	vm_argv_release(&vm->argv);
	r = vm_build_argv(&vm->spec, &vm->argv);
	if (r)
		return r;
	run->blocked[0] = '\0';
	vm->exit_desc[0] = '\0';
	vm->pid = 0;
	return spawn_and_attach(run, vm);
}

int vmrun_wait_login(const struct vm_run_ctx *run, struct vm *vm)
{
	int r = console_wait_login_prompt(vm->con, 1000, vmrun_boot_timeout_ms(run));
	if (r == 0 && !vm->login_prompt_ms)
		vm->login_prompt_ms = now_ms();
	vm->at_login_prompt = r == 0;
	return r;
}

int vmrun_wait_logins(const struct vm_run_ctx *run, struct vm *const *vms, int n)
{
	int64_t deadline = now_ms() + vmrun_boot_timeout_ms(run);
	int64_t next_nudge = now_ms() + 1000;
	int left = n;
	for (int i = 0; i < n; i++)
		left -= vms[i]->login_prompt_ms != 0;
	while (left) {
		bool nudge = now_ms() >= next_nudge;
		for (int i = 0; i < n; i++) {
			struct vm *vm = vms[i];
			if (vm->login_prompt_ms)
				continue;
			/* a short look at each console in turn: the bytes are
			 * kept, and "login:" found on a later look. Once a
			 * second, an Enter makes getty say it again, in case
			 * the first prompt was missed (vm_wait_login's nudge) */
			int r = console_wait_login_prompt(vm->con, nudge ? 1 : 0, nudge ? 2 : 50);
			if (r == 0) {
				vm->login_prompt_ms = now_ms();
				vm->at_login_prompt = true;
				left--;
			} else if (r != -ETIMEDOUT) {
				return r;
			} else if (now_ms() > deadline) {
				return -ETIMEDOUT;
			}
		}
		if (nudge)
			next_nudge = now_ms() + 1000;
	}
	return 0;
}

int vmrun_login(const struct vm_run_ctx *run, struct vm *vm, const char *user, const char *password)
{
	int64_t t = vmrun_cmd_timeout_ms(run, 10000);
	int r;
	if (vm->logged_in_as[0]) {
		r = console_logout(vm->con, t);
		if (r)
			return r;
		vm->logged_in_as[0] = '\0';
	} else if (!vm->at_login_prompt) {
		/* after a refused login the next prompt may already be here */
		r = console_wait_login_prompt(vm->con, 1000, t);
		if (r)
			return r;
	}
	/* a prompt vm_wait_login() just saw is used as it is: waiting for
	 * another costs getty's reprint after a nudge, a second a login */
	vm->at_login_prompt = false;
	r = console_login(vm->con, user, password, t);
	if (r == 0)
		snprintf(vm->logged_in_as, sizeof(vm->logged_in_as), "%s", user);
	return r;
}

int vmrun_run(const struct vm_run_ctx *run, struct vm *vm, const char *cmd, int64_t timeout_ms,
	      struct strbuf *out, int *status)
{
	int r = console_run(vm->con, cmd, timeout_ms, out, status);
	/* the chapter cannot go on without the console: say so once, here */
	if (r && r != -EINTR)
		snprintf(run->blocked, run->blocked_len, "%s stopped answering on the console (%s); see %s",
			 vm->name, strerror(-r), vm->transcript_path);
	return r;
}

void vmrun_stop(struct vm *vm)
{
	if (vm->qmp && vm_alive(vm)) {
		json_t *ret = NULL;
		/* quit answers, then qemu exits on its own; a short wait is enough */
		if (qmp_execute(vm->qmp, "quit", NULL, &ret, NULL, 2000) == 0)
			proc_wait(vm->pid, 3000, NULL);
		json_decref(ret);
	}
	if (vm->qmp) {
		qmp_close(vm->qmp);
		vm->qmp = NULL;
	}
	if (vm->con) {
		console_close(vm->con);
		vm->con = NULL;
	}
	if (vm->pid_handle >= 0)
		cleanup_release(vm->pid_handle);
	vm->pid_handle = -1;
	const int handles[] = { vm->serial_handle, vm->qmp_handle, vm->overlay_handle };
	for (size_t i = 0; i < ARRAY_SIZE(handles); i++)
		if (handles[i] >= 0)
			cleanup_release(handles[i]);
	vm->serial_handle = vm->qmp_handle = vm->overlay_handle = -1;
}

void vm_detach(struct vm *vm)
{
	if (vm->qmp)
		qmp_close(vm->qmp);
	if (vm->con)
		console_close(vm->con);
	vm->qmp = NULL;
	vm->con = NULL;
}

void vm_release(struct vm *vm)
{
	vm_spec_release(&vm->spec);
	vm_argv_release(&vm->argv);
	free(vm->lab_command);
	free(vm->overlay);
	free(vm->serial_path);
	free(vm->qmp_path);
	free(vm->stderr_path);
	free(vm->transcript_path);
	vm->lab_command = vm->overlay = vm->serial_path = vm->qmp_path = NULL;
	vm->stderr_path = vm->transcript_path = NULL;
}

char *vmrun_relay_path(const struct vm_run_ctx *run, const struct vm *vm)
{
	return xasprintf("%s/%s.console.sock", run->run_dir, vm->name);
}

int vmrun_relay_until_enter(const struct vm_run_ctx *run, struct vm *const *vms, int n, struct strbuf *texts)
{
	struct relay_console cons[RELAY_MAX];
	char *relays[RELAY_MAX];
	if (n < 1 || n > RELAY_MAX)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		relays[i] = vmrun_relay_path(run, vms[i]);
		cons[i] = (struct relay_console){ relays[i], console_fd(vms[i]->con),
						  open(vms[i]->transcript_path,
						       O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600) };
	}
	int rc = relay_consoles_until_enter(cons, n, STDIN_FILENO);
	for (int i = 0; i < n; i++) {
		free(relays[i]);
		if (cons[i].transcript_fd >= 0)
			close(cons[i].transcript_fd);
	}
	if (rc == -EINTR)
		return rc;
	if (rc == -EPIPE) {
		snprintf(run->blocked, run->blocked_len, "qemu closed the console (the VM stopped)");
		return rc;
	}
	if (rc) {
		snprintf(run->blocked, run->blocked_len, "cannot serve the console: %s", strerror(-rc));
		return rc;
	}
	for (int i = 0; i < n; i++) {
		struct strbuf *text = &texts[i];
		read_file(vms[i]->transcript_path, text);
		if (text->len)
			text->len = console_clean_output(text->buf, text->len);
		sb_grow(text, 0);
		text->buf[text->len] = '\0';
	}
	return 0;
}
