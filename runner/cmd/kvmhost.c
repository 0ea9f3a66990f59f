/* `vlab kvmhost run [--] CMD [ARG...]` and `vlab kvmhost shell`: one
 * command, or a root shell, inside an emulated KVM host (runner/vm/kvmhost.h):
 * a TCG guest with AMD-V that has /dev/kvm where this host has none. `run`
 * exits with the command's status; vlab's own lines go to stderr, prefixed
 * "vlab kvmhost:", so the command's stdout stays its own (JSON included).
 *
 * Options come before the command: the first word after `run` that is not
 * an option of vlab's, or whatever follows `--`, starts it, and nothing
 * after it is vlab's. */
#include "runner/cmd/commands.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runner/exit_status.h"
#include "runner/util.h"
#include "runner/vm/kvmhost.h"

#define DEFAULT_BOOT_TIMEOUT_S 120
#define DEFAULT_RUN_TIMEOUT_S 3600
#define DEFAULT_SHELL_TIMEOUT_S (8 * 3600)

struct kvmhost_args {
	const char *sub;
	char **command;  /* run's, NULL-terminated */
	int64_t boot_s, timeout_s;
	bool quiet;
	const char *manifest;
};

/* Where the rows put --quiet and --manifest (parse_args starts it afresh). */
static struct kvmhost_args kargs;

static const struct opt kvmhost_opts[] = {
	{ OPT_OPERAND, "run CMD ARG...", 0, NULL, "run CMD (with its ARGs) inside and exit with its status",
	  COMPLETE_NONE, NULL, TO_LOOP },
	{ OPT_OPERAND, "shell", 0, NULL, "an interactive root shell inside", COMPLETE_WORDS, "run shell", TO_LOOP },
	OPT_LIKE(opt_boot_timeout, "120", TO_LOOP),
	/* stopped: sent SIGTERM */
	OPT_LIKE(opt_timeout, "3600; 28800 for shell", TO_LOOP),
	OPT_QUIET_TO(&kargs.quiet),
	OPT_MANIFEST_TO(&kargs.manifest),
	{ 0 },
};

static int seconds(const char *opt, const char *arg, int64_t max, int64_t *out)
{
	if (parse_i64(arg, 1, max, out))
		return command_usage_fail(&command_kvmhost, "--%s takes whole seconds from 1 to %lld, not '%s'", opt,
					  (long long)max, arg);
	return 0;
}

static int parse_args(int argc, char **argv, struct kvmhost_args *a)
{
	memset(a, 0, sizeof(*a));
	memset(&kargs, 0, sizeof(kargs));
	struct opt_parser p;
	opt_parser_init(&p, &command_kvmhost);
	int c, r = 0;
	while (!r && !a->command && (c = opt_next(&p, argc, argv)) > 0) {
		if (c == OPT_BOOT_TIMEOUT)
			r = seconds("boot-timeout", optarg, 3600, &a->boot_s);
		else if (c == OPT_TIMEOUT)
			r = seconds("timeout", optarg, 7 * 24 * 3600, &a->timeout_s);
		else if (c == 1 && !a->sub)
			a->sub = optarg;
		else if (c == 1 && !strcmp(a->sub, "run"))
			a->command = &argv[optind - 1]; /* the rest is the command's */
		else if (c == 1)
			return command_usage_fail(&command_kvmhost, "shell takes no command ('%s')", optarg);
	}
	a->quiet = kargs.quiet;
	a->manifest = kargs.manifest;
	if (r)
		return r;
	if (c < 0)
		return EXIT_USAGE;
	if (!a->command && optind < argc && a->sub && !strcmp(a->sub, "run"))
		a->command = &argv[optind]; /* after "--" */
	if (!a->sub)
		return command_usage_fail(&command_kvmhost, "%s", "run or shell?");
	if (strcmp(a->sub, "run") && strcmp(a->sub, "shell"))
		return command_usage_fail(&command_kvmhost, "no subcommand '%s' (run or shell)", a->sub);
	if (!strcmp(a->sub, "run") && (!a->command || !a->command[0]))
		return command_usage_fail(&command_kvmhost, "%s", "run which command?");
	if (!strcmp(a->sub, "shell") && optind < argc)
		return command_usage_fail(&command_kvmhost, "shell takes no command ('%s')", argv[optind]);
	return 0;
}

static int cmd_kvmhost(int argc, char **argv)
{
	struct kvmhost_args a;
	int r = parse_args(argc, argv, &a);
	if (r)
		return r;
	bool shell = !strcmp(a.sub, "shell");
	if (shell && !isatty(STDIN_FILENO) && !a.quiet)
		fprintf(stderr, "vlab kvmhost: standard input is not a terminal: the shell reads it, and its end ends "
				"the shell\n");
	struct kvmhost_opts o = {
		.argv = shell ? NULL : (const char *const *)a.command,
		.shell = shell,
		.out_fd = STDOUT_FILENO,
		.err_fd = STDERR_FILENO,
		.boot_timeout_ms = (a.boot_s ? a.boot_s : DEFAULT_BOOT_TIMEOUT_S) * 1000,
		.timeout_ms = (a.timeout_s ? a.timeout_s : shell ? DEFAULT_SHELL_TIMEOUT_S : DEFAULT_RUN_TIMEOUT_S) * 1000,
		.quiet = a.quiet,
		.extra_manifest = a.manifest,
		.out_tty = isatty(STDOUT_FILENO),
	};
	struct kvmhost_result res;
	fflush(stdout);
	r = kvmhost_run_argv(&o, &res);
	if (r && r != -EINTR)
		error_line("kvmhost: %s", res.why);
	return res.status;
}

const struct command command_kvmhost = {
	.name = "kvmhost",
	.run = cmd_kvmhost,
	.usage = "[options] run [--] CMD [ARG...] | [options] shell",
	.summary = "run a command, or a shell, in an emulated KVM host (no /dev/kvm needed)",
	.opts = kvmhost_opts,
	.epilogue = "With --manifest, the emulated host boots that manifest's default profile.\n"
		    "Exit status (run): the command's (128+N when a signal ended it, 127 when it was not found);\n"
		    "3 when the emulated host could not run it, 124 when --timeout ended it.\n",
	.needs = NEEDS_IMAGE,
	.operands_in_order = true,
};
