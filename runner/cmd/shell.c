/* `vlab shell [RUN_ID]`: a shell inside a lab's network namespace.
 *
 * Which namespace; the first that applies:
 *   --pid PID   that qemu's (/proc/PID/ns/net): a lab built by hand
 *   RUN_ID      that vlab run's (/run/netns/vlab-RUNID), and nothing else
 *   a vlab run's namespace that is up (a live run first, then the newest)
 *   the lab built by hand, found as vlab verify finds it
 *               (runner/inspect/qemu_find.h): the one qemu vlab did not
 *               start; several, all in one namespace (chapter 3's two VMs),
 *               that one; several in different namespaces: listed, and
 *               --pid picks (exit 2)
 *
 * A qemu in the namespace vlab already runs in (the lab done in the host's
 * own namespace, as the lab text does it) has nothing to enter: vlab says
 * so and runs the shell all the same, so that `vlab shell` does what it
 * says whichever way the student built the lab.
 *
 * Only the network namespace is entered (setns on this thread, then exec):
 * /sys stays the host's, unlike under `ip netns exec`; ip, ping and curl
 * ask the kernel through sockets and see the lab's namespace.
 */
#include "runner/cmd/commands.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/lab_plan.h"
#include "runner/exit_status.h"
#include "runner/inspect/qemu_find.h"
#include "runner/inspect/qemu_proc.h"
#include "runner/run_ledger.h"
#include "runner/rundir.h"
#include "runner/util.h"

static const struct opt shell_opts[] = {
	{ OPT_OPERAND, "RUN_ID", 0, NULL, "the vlab run whose namespace (default: the live run, else the newest)",
	  COMPLETE_RUN, NULL, TO_LOOP },
	/* the network namespace that qemu runs in */
	OPT_LIKE(opt_pid, NULL, TO_LOOP),
	{ 0 },
};

#define TRY_CH2                                                                                                    \
	"the lab's host side is " LAB_HOST_IP " (" LAB_TAP "), its guest " LAB_GUEST_IP                             \
	"; try `ping " LAB_GUEST_IP "` or `curl " LAB_HTTP_URL "`. `exit` leaves.\n"
#define TRY_CH3                                                                                                    \
	"chapter 3's guests are VM1 " LAB_GUEST_IP " and VM2 " LAB_VM2_E1000_IP " on " LAB_BR_E1000                \
	" (10.0.1.x on " LAB_BR_VIRTIO "); try `bridge link` or `ping " LAB_VM2_E1000_IP "`. `exit` leaves.\n"

/* The shell, run; returns only when it could not be. */
static int run_shell(void)
{
	const char *sh = getenv("SHELL");
	if (!sh || !*sh)
		sh = "/bin/sh";
	char *const args[] = { (char *)sh, NULL };
	execvp(sh, args);
	return say_error(EXIT_HOST, "cannot run '%s': %s", sh, strerror(errno));
}

/* A vlab run's namespace /run/netns/name, entered, and the shell. */
static int shell_in_run(const char *name, const char *run_id)
{
	char *path = xasprintf("/run/netns/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		return say_error(EXIT_HOST, "cannot enter the network namespace '%s': %s", name, strerror(errno));
	close(fd);
	fprintf(stderr, "vlab: a shell in the network namespace %s (run %s): " TRY_CH2, name, run_id);
	setenv("VLAB_NETNS", name, 1);
	return run_shell();
}

/* Where the shell is, what qemu holds there, and what to try. */
static void greet(const struct qemu_proc *q, const struct qemu_ns *t, const struct qemu_ns_said *said)
{
	char taps[4][16];
	size_t nt = qemu_taps(q->pid, taps, ARRAY_SIZE(taps));
	struct strbuf held = STRBUF_INIT;
	for (size_t i = 0; i < nt; i++)
		sb_addf(&held, "%s%s", i ? ", " : "", taps[i]);
	char where[256];
	if (t->same && said->kind == QEMU_NS_HOST)
		snprintf(where, sizeof(where),
			 "qemu pid %d runs in the host's network namespace, where vlab is already: nothing to enter, a "
			 "shell right here",
			 (int)q->pid);
	else if (t->same)
		snprintf(where, sizeof(where),
			 "qemu pid %d runs in vlab's own network namespace (%s): nothing to enter, a shell right here",
			 (int)q->pid, said->id);
	else if (said->kind == QEMU_NS_NAMED)
		snprintf(where, sizeof(where), "a shell in the network namespace %s, where qemu pid %d runs", said->id,
			 (int)q->pid);
	else
		snprintf(where, sizeof(where), "a shell in qemu %d's network namespace (%s; `ip netns` has no name for it)",
			 (int)q->pid, said->id);
	fprintf(stderr, "vlab: %s; qemu holds %s.\n%s", where, nt ? held.buf : "no tap (chapter 1's VM has no NIC)",
		!nt ? "`exit` leaves.\n" : nt > 1 ? TRY_CH3 : TRY_CH2);
	sb_release(&held);
}

/* qemu q's network namespace, entered, and the shell. */
static int shell_in_qemu(const struct qemu_proc *q)
{
	struct qemu_ns t;
	struct qemu_ns_said said;
	memset(&said, 0, sizeof(said));
	int r = qemu_ns_open(q->pid, &t, &said);
	if (!r)
		r = qemu_ns_enter(&t, &said);
	if (r)
		return say_error(EXIT_HOST, "cannot enter qemu pid %d's network namespace (/proc/%d/ns/net: %s): run vlab "
					    "shell as root, as qemu runs",
				 (int)q->pid, (int)q->pid, strerror(-r));
	greet(q, &t, &said);
	if (said.kind == QEMU_NS_NAMED)
		setenv("VLAB_NETNS", said.id, 1);
	else
		unsetenv("VLAB_NETNS");
	/* the namespace's fds are close-on-exec: the shell keeps only its place */
	return run_shell();
}

/* Whether every qemu vlab did not start runs in one network namespace. */
static bool one_namespace(const struct qemu_proc *all, size_t n)
{
	ino_t first = 0;
	for (size_t i = 0; i < n; i++) {
		if (all[i].vlab_own)
			continue;
		char p[64];
		struct stat st;
		snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)all[i].pid);
		if (stat(p, &st) < 0 || (first && st.st_ino != first))
			return false;
		first = st.st_ino;
	}
	return true;
}

/* --pid's qemu, else the lab built by hand: its namespace, and the shell. */
static int shell_handbuilt(int64_t pid)
{
	struct qemu_proc *all;
	size_t n;
	int r = qemu_procs_find(&all, &n);
	if (r)
		return say_error(EXIT_INTERNAL, "cannot read /proc: %s", strerror(-r));
	struct qemu_found f;
	memset(&f, 0, sizeof(f));
	if (pid) {
		f.q = qemu_find_pid(all, n, pid);
		r = f.q ? 0 : say_error(EXIT_HOST, "pid %lld is no qemu process (`pgrep -a qemu` lists them)", (long long)pid);
	} else {
		r = qemu_find_handbuilt(all, n, &f);
		if (r == -EEXIST && one_namespace(all, n)) {
			for (size_t i = 0; i < n && !f.q; i++)
				f.q = all[i].vlab_own ? NULL : &all[i];
			r = 0;
		}
		if (r == -EEXIST)
			r = command_usage_fail(&command_shell,
					       "several qemu processes run (pids %s) in different network namespaces: "
					       "choose one with --pid",
					       f.pids);
		else if (r == -ENOENT)
			r = say_error(EXIT_HOST,
				      "no lab network namespace is up and no qemu of a lab built by hand runs: start one "
				      "with `vlab chapter 2 --keep` (as root), or your own VM; --pid PID names a qemu");
	}
	if (!r)
		r = shell_in_qemu(f.q);
	for (size_t i = 0; i < n; i++)
		qemu_proc_release(&all[i]);
	free(all);
	return r;
}

static int cmd_shell(int argc, char **argv)
{
	struct opt_parser p;
	opt_parser_init(&p, &command_shell);
	int64_t pid = 0;
	int c;
	while ((c = opt_next(&p, argc, argv)) > 0)
		if (c == OPT_PID && parse_i64(optarg, 1, INT_MAX, &pid))
			return command_usage_fail(&command_shell, "--pid takes a process id, not '%s'", optarg);
	if (c < 0)
		return EXIT_USAGE;
	if (optind + 1 < argc)
		return command_usage_fail(&command_shell, "unexpected '%s'", argv[optind + 1]);
	const char *only = optind < argc ? argv[optind] : NULL;
	if (pid && only)
		return command_usage_fail(&command_shell, "RUN_ID picks a vlab run, --pid a qemu: give one");
	if (pid)
		return shell_handbuilt(pid);
	struct run *runs;
	size_t n;
	if (runs_load(&runs, &n))
		return say_error(EXIT_HOST, "cannot read '%s'", rundir_base());
	char name[4096], run_id[128];
	bool found = runs_find_netns(runs, n, only, name, sizeof(name), run_id, sizeof(run_id));
	runs_release(runs, n);
	if (found)
		return shell_in_run(name, run_id);
	if (only)
		return say_error(EXIT_HOST, "run %s has no network namespace up: `vlab status` lists the runs", only);
	return shell_handbuilt(0);
}

const struct command command_shell = {
	.name = "shell",
	.run = cmd_shell,
	.usage = "[RUN_ID] [--pid PID]",
	.summary = "a shell inside the lab's network namespace, to ping and curl the guests",
	.opts = shell_opts,
};
