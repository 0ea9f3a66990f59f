/* `vlab console [VM]`: this terminal on a VM's serial console, in raw
 * mode (runner/vm/attach.h); Ctrl-] detaches.
 *
 * Which console; the first that applies:
 *   --socket PATH   that socket, as this shell names it
 *   --pid PID       that qemu's: the UNIX socket of the chardev its
 *                   isa-serial uses, reached through /proc/PID/cwd as vlab
 *                   verify reaches it (so `ip netns exec`'s mounts and a
 *                   relative path= do not matter)
 *   --run RUN_ID    that vlab run's VM, and nothing else
 *   a live vlab run's VM (its vlab or its kept VMs still run)
 *   the lab built by hand, found as vlab verify finds it
 *                   (runner/inspect/qemu_find.h): the one qemu vlab did not
 *                   start; with chapter 3's two VMs up, the one of VM's role;
 *                   several otherwise: they are listed, --pid picks (exit 2)
 *   a vlab run left behind (its socket is likely dead: said when connecting)
 *
 * QEMU's socket chardev serves one client. A second connect() succeeds
 * into the listen backlog and then hangs there silent, and what it types
 * reaches the guest once the first client leaves. So before connecting to
 * a socket that a qemu serves vlab looks who holds it (socket_held(): "held
 * by socat (pid 42)") and exits 3 saying so. A race, or a /proc vlab may
 * not read (not root), is caught after connect(): until qemu accepts, vlab
 * sends nothing, and it gives up after 1 s (4 s under TCG), as verify does.
 */
#include "runner/cmd/commands.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "runner/exit_status.h"
#include "runner/inspect/qemu_find.h"
#include "runner/inspect/qemu_proc.h"
#include "runner/proc.h"
#include "runner/rundir.h"
#include "runner/run_ledger.h"
#include "runner/util.h"
#include "runner/vm/attach.h"

static const struct opt console_opts[] = {
	{ OPT_OPERAND, "VM", 0, NULL, "vm1 (the default) or vm2", COMPLETE_WORDS, "vm1 vm2", TO_LOOP },
	{ OPT_RUN, "run", 0, "RUN_ID",
	  "only that vlab run's VM (default: a live run, else a lab built by hand, else the newest run)", COMPLETE_RUN,
	  NULL, TO_LOOP },
	OPT_LIKE(opt_pid, NULL, TO_LOOP),
	OPT_LIKE(opt_socket, NULL, TO_LOOP),
	{ 0 },
};

struct console_args {
	const char *vm, *run_id, *socket;
	int64_t pid;
	bool vm_named;
};

/* The console chosen. */
struct target {
	char label[64];        /* "vm1", "qemu pid 42", for the student */
	char shown[PATH_MAX];  /* the socket as the student names it */
	char conn[PATH_MAX];   /* what vlab connects to */
	pid_t qemu;            /* the qemu serving it; 0: not known (vlab's --manual relay) */
	int scale;             /* the accept wait's: x4 under TCG, as verify's */
};

static int parse_args(int argc, char **argv, struct console_args *a)
{
	memset(a, 0, sizeof(*a));
	a->vm = "vm1";
	struct opt_parser p;
	opt_parser_init(&p, &command_console);
	int c;
	while ((c = opt_next(&p, argc, argv)) > 0) {
		if (c == OPT_RUN)
			a->run_id = optarg;
		else if (c == OPT_PID && parse_i64(optarg, 1, INT_MAX, &a->pid))
			return command_usage_fail(&command_console, "--pid takes a process id, not '%s'", optarg);
		else if (c == OPT_SOCKET)
			a->socket = optarg;
	}
	if (c < 0)
		return EXIT_USAGE;
	/* the last VM named wins, as it always did */
	for (int i = optind; i < argc; i++) {
		if (strcmp(argv[i], "vm1") && strcmp(argv[i], "vm2"))
			return command_usage_fail(&command_console, "the VM is vm1 or vm2, not '%s'", argv[i]);
		a->vm = argv[i];
		a->vm_named = true;
	}
	if (a->pid && a->socket)
		return command_usage_fail(&command_console, "--pid and --socket each name the console: give one");
	if ((a->pid || a->socket) && (a->run_id || a->vm_named))
		return command_usage_fail(&command_console, "--%s names the console itself: drop %s",
					  a->pid ? "pid" : "socket", a->run_id ? "--run" : "the VM");
	if (a->socket && strlen(a->socket) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return command_usage_fail(&command_console, "--socket '%s' is too long for a UNIX socket path", a->socket);
	return 0;
}

/* qemu q's serial console into t; 0, or the exit status, said. */
static int target_of_qemu(const struct qemu_proc *q, struct target *t)
{
	t->qemu = q->pid;
	t->scale = q->cmd.accel == QACCEL_KVM ? 1 : 4;
	snprintf(t->label, sizeof(t->label), "qemu pid %d", (int)q->pid);
	int r = qemu_serial_socket(q, t->shown, sizeof(t->shown), t->conn, sizeof(t->conn));
	if (r == -ENOENT)
		return say_error(EXIT_HOST,
				 "qemu pid %d has no serial console on a UNIX socket (-device isa-serial,chardev=serial0 "
				 "-chardev socket,id=serial0,path=serial.socket,server,nowait): nothing to attach to",
				 (int)q->pid);
	if (r)
		return say_error(EXIT_HOST,
				 "qemu pid %d's serial socket %s is relative to its working directory, which vlab cannot "
				 "read (/proc/%d/cwd: %s): run vlab console as root, as qemu runs, or name it with --socket",
				 (int)q->pid, t->shown, (int)q->pid, strerror(-q->cwd_error));
	if (q->state == 'T' || q->state == 't')
		return say_error(EXIT_HOST, "qemu pid %d is stopped: nothing answers on its console (kill -CONT %d)",
				 (int)q->pid, (int)q->pid);
	if (q->state == 'Z' || q->state == 'X')
		return say_error(EXIT_HOST, "qemu pid %d is gone: it has no console any more", (int)q->pid);
	return 0;
}

/* A socket path (a run's, or --socket's) into t. */
static void target_of_path(const char *path, const char *label, struct target *t)
{
	snprintf(t->shown, sizeof(t->shown), "%s", path);
	snprintf(t->conn, sizeof(t->conn), "%s", path);
	snprintf(t->label, sizeof(t->label), "%s", label);
}

/* The VM of a lab built by hand; -ENOENT (unsaid) when no qemu of one runs,
 * else 0 or the exit status, said. */
static int target_handbuilt(struct qemu_proc *all, size_t n, const struct console_args *a, struct target *t)
{
	struct qemu_found f;
	int role = strcmp(a->vm, "vm2") ? 0 : 1;
	int r = qemu_find_vm(all, n, role, a->vm_named, &f);
	if (r == 0)
		return target_of_qemu(f.q, t);
	if (r == -EEXIST)
		return command_usage_fail(&command_console,
					  "several qemu processes run (pids %s), and they are not chapter 3's VM1 and VM2: "
					  "choose one with --pid",
					  f.pids);
	if (r == -EXDEV)
		return say_error(EXIT_HOST, "no %s of a lab built by hand: the one qemu vlab did not start (pid %d) is %s",
				 a->vm, (int)f.q->pid,
				 role ? "not chapter 3's VM2: `vlab console` attaches to it"
				      : "chapter 3's VM2: `vlab console vm2` attaches to it");
	return -ENOENT;
}

/* A chapter that runs inside the emulated KVM host (of run_id, else a
 * live one) has its VMs in there, where no socket of theirs is reachable
 * from here: said, and true. */
static bool kvmhost_refusal(const char *run_id)
{
	struct run *runs;
	size_t n;
	char what[64], id[128];
	if (runs_load(&runs, &n))
		return false;
	bool found = runs_find_kvmhost(runs, n, run_id, what, sizeof(what), id, sizeof(id));
	runs_release(runs, n);
	if (found)
		error_line("run %s runs %s inside the emulated KVM host: its VMs' consoles are in there, out of vlab "
			   "console's reach (they go when the chapter ends; `vlab kvmhost shell` gives a KVM host to work "
			   "in by hand)",
			   id, what);
	return found;
}

/* The console to attach to, into t; 0, or the exit status, said. */
static int find_target(struct qemu_proc *all, size_t n, const struct console_args *a, struct target *t)
{
	char path[PATH_MAX];
	if (a->socket) {
		target_of_path(a->socket, a->socket, t);
		return 0;
	}
	if (a->pid) {
		const struct qemu_proc *q = qemu_find_pid(all, n, a->pid);
		if (!q)
			return say_error(EXIT_HOST, "pid %lld is no qemu process (`pgrep -a qemu` lists them)",
					 (long long)a->pid);
		return target_of_qemu(q, t);
	}
	if (attach_find_socket(a->vm, a->run_id, !a->run_id, path, sizeof(path)) == 0) {
		target_of_path(path, a->vm, t);
		return 0;
	}
	if (kvmhost_refusal(a->run_id))
		return EXIT_HOST;
	if (a->run_id)
		return say_error(EXIT_HOST, "no console of '%s' in run %s: `vlab status` lists the runs", a->vm,
				 a->run_id);
	int r = target_handbuilt(all, n, a, t);
	if (r != -ENOENT)
		return r;
	if (attach_find_socket(a->vm, NULL, false, path, sizeof(path)) == 0) {
		target_of_path(path, a->vm, t);
		return 0;
	}
	return say_error(EXIT_HOST,
			 "no console of '%s': no vlab run in %s has one and no qemu of a lab built by hand runs: start "
			 "a lab with `vlab chapter 1 --keep`, or your own VM; --pid PID or --socket PATH names one",
			 a->vm, rundir_base());
}

/* Connected to t, and accepted by its server: 0 and *fd, or the exit
 * status, said. A console someone holds is said before connecting. */
static int connect_target(struct qemu_proc *all, size_t n, struct target *t, int *fd)
{
	int held = -ENOENT;
	char holder[96] = "";
	const struct qemu_proc *q = t->qemu ? qemu_find_pid(all, n, t->qemu)
					    : qemu_find_serving(all, n, t->conn, &held, holder, sizeof(holder));
	if (t->qemu && q)
		held = socket_held(q, t->conn, holder, sizeof(holder));
	else if (q)
		t->scale = q->cmd.accel == QACCEL_KVM ? 1 : 4;
	if (q)
		t->qemu = q->pid;
	if (held == 1)
		return say_error(EXIT_HOST,
				 "the serial console %s is held by %s: QEMU serves one client at a time; detach or end "
				 "that one, then try again",
				 t->shown, holder[0] ? holder : "another client");
	/* the server must be that qemu, not a process of someone who can
	 * write the socket's directory */
	int r = unix_connect_peer(t->conn, t->qemu, t->qemu, 2000, fd);
	if (r == -EPERM)
		return say_error(EXIT_HOST, "the socket %s is served by another process, not by qemu pid %d", t->shown,
				 (int)t->qemu);
	if (r == -ETIMEDOUT)
		return say_error(EXIT_HOST, "the serial console %s is held by another client, and more wait for it",
				 t->shown);
	if (r)
		return say_error(EXIT_HOST, "cannot connect to '%s': %s", t->shown, strerror(-r));
	/* not accepted: someone got there first; leave before sending a byte,
	 * or qemu would hand it to the guest once they go */
	if (unix_wait_accepted(*fd, 1000 * (t->scale ? t->scale : 4)) == 0) {
		close(*fd);
		return say_error(EXIT_HOST, "the serial console %s is held by another client (it did not take vlab's "
					    "connection): detach or end that one, then try again",
				 t->shown);
	}
	return 0;
}

static int cmd_console(int argc, char **argv)
{
	struct console_args a;
	int r = parse_args(argc, argv, &a);
	if (r)
		return r;
	struct qemu_proc *all;
	size_t n;
	r = qemu_procs_find(&all, &n);
	if (r)
		return say_error(EXIT_INTERNAL, "cannot read /proc: %s", strerror(-r));
	struct target t;
	memset(&t, 0, sizeof(t));
	int fd = -1;
	r = find_target(all, n, &a, &t);
	if (!r)
		r = connect_target(all, n, &t, &fd);
	for (size_t i = 0; i < n; i++)
		qemu_proc_release(&all[i]);
	free(all);
	if (r)
		return r;
	error_line("connected to %s (%s); press Ctrl-] to detach\r", t.label, t.shown);
	r = attach_terminal(fd);
	close(fd);
	if (r == -EPIPE)
		fprintf(stderr, "\nvlab: the console closed (the VM stopped?)\n");
	else
		fprintf(stderr, "\nvlab: detached from %s\n", t.label);
	return r == -EPIPE ? EXIT_HOST : 0;
}

const struct command command_console = {
	.name = "console",
	.run = cmd_console,
	.usage = "[VM] [--run RUN_ID] [--pid PID] [--socket PATH]",
	.summary = "attach this terminal to a VM's serial console (Ctrl-] detaches)",
	.opts = console_opts,
};
