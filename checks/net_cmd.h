/* The network commands a graded script runs (`ip`, `brctl`), parsed into a
 * small request the grader can judge and apply: which link, which bridge,
 * which address. Pure: no I/O. The shims of runner/grade/shim_net.c parse
 * with it, and the grader parses again from the process's own command line
 * (never from what the sandbox wrote).
 *
 * What is understood is what the course's runqemu_two_vms.sh and its
 * variants write:
 *   ip tuntap add|del [dev|name] NAME mode tap [user U] [group G]
 *   ip link add [name] NAME type bridge
 *   ip link del|delete [dev] NAME
 *   ip link set [dev] NAME {up | down | master BR | nomaster}...
 *   ip addr|address add|del A.B.C.D/N dev NAME
 *   ip addr flush dev NAME
 *   brctl addbr|delbr BR;  brctl addif|delif BR IF...
 * and, answered by the real program since they need no privilege,
 *   ip [OPTIONS] link|addr|route [show|list|lst ...], ip a, brctl show ...
 * Anything else is refused (NET_CMD_REFUSED, with why).
 *
 * Abbreviations are iproute2's: a word matches a keyword it is a non-empty
 * prefix of (lib/utils.c matches()), tried in ip's own order, so `ip l s
 * tap0 up` is `ip link set`, `ip a` is `ip address` and `ip tun` is `ip
 * tunnel` (refused), not tuntap. brctl takes its commands whole (strcmp).
 * Top-level options: -4, and for what is only shown, -6, -j/-json,
 * -p/-pretty, -d/-details, -s/-stats, -br/-brief, -o/-oneline, -c/-color,
 * -f/-family F. -n/-netns, -b/-batch, -force, -rc and the rest are refused.
 *
 * Names are checked as the kernel checks them (dev_valid_name(): 1..15
 * bytes, no '/', ':' or whitespace, not "." or ".."); addresses are IPv4
 * a.b.c.d/len, each byte 0..255 in plain decimal, len 1..32. */
#ifndef VLAB_CHECKS_NET_CMD_H
#define VLAB_CHECKS_NET_CMD_H

#include <stdbool.h>
#include <stddef.h>

#define NET_CMD_MAX_OPS 8
#define NET_CMD_NAME_MAX 16   /* IFNAMSIZ */
#define NET_CMD_CIDR_MAX 19   /* "255.255.255.255/32" */

enum net_tool { NET_TOOL_IP, NET_TOOL_BRCTL };

enum net_op_kind {
	NET_OP_TAP_ADD,      /* ip tuntap add NAME mode tap */
	NET_OP_TAP_DEL,      /* ip tuntap del NAME mode tap */
	NET_OP_BRIDGE_ADD,   /* ip link add NAME type bridge; brctl addbr NAME */
	NET_OP_BRIDGE_DEL,   /* brctl delbr NAME (a bridge that is down) */
	NET_OP_LINK_DEL,     /* ip link del NAME */
	NET_OP_LINK_UP,
	NET_OP_LINK_DOWN,
	NET_OP_MASTER,       /* ip link set NAME master OTHER; brctl addif OTHER NAME */
	NET_OP_NOMASTER,     /* ip link set NAME nomaster */
	NET_OP_DELIF,        /* brctl delif OTHER NAME: NAME must be OTHER's */
	NET_OP_ADDR_ADD,
	NET_OP_ADDR_DEL,
	NET_OP_ADDR_FLUSH,
};

struct net_op {
	enum net_op_kind kind;
	char name[NET_CMD_NAME_MAX];    /* the link acted on */
	char other[NET_CMD_NAME_MAX];   /* the bridge (MASTER, DELIF) */
	char cidr[NET_CMD_CIDR_MAX];    /* ADDR_ADD, ADDR_DEL */
};

enum net_cmd_class {
	NET_CMD_REFUSED,     /* not understood or not allowed: why says which */
	NET_CMD_READ_ONLY,   /* only shows: the real program answers it */
	NET_CMD_CHANGE,      /* ops[0..nops) for the grader, in order */
};

struct net_cmd {
	enum net_cmd_class cls;
	enum net_tool tool;
	struct net_op ops[NET_CMD_MAX_OPS];
	int nops;
	char why[200];       /* REFUSED: "ip netns: not part of the lab's network commands" */
};

/* argv[0]'s last path part says the tool ("ip", "brctl"); argv[1..argc)
 * the command. Never fails: what is not understood is NET_CMD_REFUSED. */
void net_cmd_parse(int argc, const char *const *argv, struct net_cmd *out);

/* The kernel's rule for a link name (dev_valid_name), plus a length:
 * 0, -EINVAL or -ENAMETOOLONG. */
int net_cmd_name_check(const char *name);
/* IPv4 "a.b.c.d/len" as net_cmd_parse takes it: 0 or -EINVAL. */
int net_cmd_cidr_check(const char *cidr);

/* "tap add tap0", "master tap2 br1", "addr add 10.0.0.1/24 br0": one op in
 * words, for records and logs. */
void net_op_describe(const struct net_op *op, char *buf, size_t n);
const char *net_op_kind_name(enum net_op_kind k);

/* The lab's links a graded script may make and change (chapter 3's plan,
 * checks/lab_plan.h): taps tap0..tap3, bridges br0 and br1. 0 when op is
 * on lab-named links of the right kinds (any address: a wrong one is
 * graded wrong, so it is applied); otherwise -EPERM and why names the
 * link and what the lab calls its links. */
int net_op_allowed(const struct net_op *op, char *why, size_t n);
bool net_lab_tap(const char *name);
bool net_lab_bridge(const char *name);

#endif
