/* The grader's side of the ip and brctl shims (shim.h): a process of the
 * grading worker's, root, in the sandbox's network namespace (the worker
 * made it, sandbox.h), that applies a script's network changes there.
 *
 * For each "net-N" on the shim's network channel it takes the sender's pid
 * from the kernel (SO_PASSCRED), requires that process to be vlab's binary
 * (by device and inode: the shims are reached through binds too), reads the
 * command line from /proc/PID/cmdline (never from the record the sandbox
 * wrote), parses it (checks/net_cmd.h), refuses the whole command when one
 * op is not on the lab's links (net_op_allowed), else applies the ops in
 * order over rtnetlink and /dev/net/tun (runner/net/net.h: no ip or brctl
 * is run) and answers on the socket the shim sent along: ip's or brctl's
 * own status and words for a real failure (a tap that exists: "ioctl
 * (TUNSETIFF): Device or resource busy", 1), "vlab: refused: ..." and 1 for
 * a refusal. Each command goes to the log as one JSON line.
 *
 * What it makes lives in the sandbox's network namespace, which no name
 * and no descriptor outside the worker and this process holds: it goes,
 * with every tap and bridge in it, when both end (a SIGKILLed worker
 * included: this process dies with its parent). */
#ifndef VLAB_NET_AGENT_H
#define VLAB_NET_AGENT_H

#include <stdbool.h>
#include <sys/types.h>

#include "checks/net_cmd.h"

struct net;

struct net_agent {
	pid_t pid;   /* 0: none */
};

/* Fork the agent on chan (the grader's end of the network channel; this
 * process's copy is closed here). Taps are made for tap_owner (so the
 * sandbox's qemu attaches without CAP_NET_ADMIN). log_fd: where the JSON
 * lines go (-1: none; closed here). 0 or -errno. */
int net_agent_start(struct net_agent *a, int chan, const char *vlab_exe, uid_t tap_owner, int log_fd);
/* After the sandbox is stopped (the channel's other ends are gone, so the
 * agent is ending): wait for it up to timeout_ms, then SIGKILL. */
void net_agent_stop(struct net_agent *a, int timeout_ms);

/* One op applied through n, the words and status ip (or brctl, by tool)
 * gives for what it does: 0 and "" on success. Exposed for tests. */
int net_agent_apply(struct net *n, enum net_tool tool, const struct net_op *op, uid_t tap_owner, char *msg,
		    size_t len);

#endif
