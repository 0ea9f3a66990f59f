/* The network commands of a graded script, parsed; see net_cmd.h. */
#include "checks/net_cmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "checks/lab_plan.h"

/* iproute2's lib/utils.c matches(): 0 ("matches") when word is a non-empty
 * prefix of keyword. Returned as a bool here. */
static bool matches(const char *word, const char *keyword)
{
	size_t n = strlen(word);
	return n > 0 && n <= strlen(keyword) && !strncmp(word, keyword, n);
}

static void refuse(struct net_cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(struct net_cmd *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	c->cls = NET_CMD_REFUSED;
	c->nops = 0;
}

int net_cmd_name_check(const char *name)
{
	size_t n = strnlen(name, NET_CMD_NAME_MAX);
	if (n >= NET_CMD_NAME_MAX)
		return -ENAMETOOLONG;
	if (!n || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || (*p >= '\t' && *p <= '\r'))
			return -EINVAL;
	return 0;
}

/* One decimal octet, no sign, no leading zero (inet_aton would read "010"
 * as octal: such an address is refused rather than guessed). */
static const char *octet(const char *p, int max, int *v)
{
	int n = 0, val = 0;
	while (p[n] >= '0' && p[n] <= '9' && n < 3)
		val = val * 10 + (p[n++] - '0');
	if (!n || (n > 1 && p[0] == '0') || val > max || (p[n] >= '0' && p[n] <= '9'))
		return NULL;
	*v = val;
	return p + n;
}

int net_cmd_cidr_check(const char *cidr)
{
	const char *p = cidr;
	int v;
	for (int i = 0; i < 4; i++) {
		if (!(p = octet(p, 255, &v)))
			return -EINVAL;
		if (i < 3 && *p++ != '.')
			return -EINVAL;
	}
	if (*p != '/' || !(p = octet(p + 1, 32, &v)) || v < 1 || *p)
		return -EINVAL;
	return 0;
}

/* A name for op from the command line, checked: false (and c refused) when
 * it is no link name. */
static bool take_name(struct net_cmd *c, char *dst, const char *word, const char *what)
{
	int r = net_cmd_name_check(word);
	if (r) {
		refuse(c, "'%.40s' is no %s name: %s", word, what,
		       r == -ENAMETOOLONG ? "over 15 bytes (IFNAMSIZ)" : "empty, '.', '..' or with '/', ':' or a space");
		return false;
	}
	snprintf(dst, NET_CMD_NAME_MAX, "%s", word);
	return true;
}

static struct net_op *add_op(struct net_cmd *c, enum net_op_kind k, const char *name)
{
	if (c->nops >= NET_CMD_MAX_OPS) {
		refuse(c, "more than %d changes in one command", NET_CMD_MAX_OPS);
		return NULL;
	}
	struct net_op *op = &c->ops[c->nops++];
	memset(op, 0, sizeof(*op));
	op->kind = k;
	snprintf(op->name, sizeof(op->name), "%s", name);
	c->cls = NET_CMD_CHANGE;
	return op;
}

/* ---- ip tuntap ----------------------------------------------------------- */

static void parse_tuntap(struct net_cmd *c, int argc, const char *const *argv)
{
	/* iproute2 ip/iptuntap.c do_iptuntap(): no word lists the taps */
	if (!argc || matches(argv[0], "show") || matches(argv[0], "list") || matches(argv[0], "lst")) {
		c->cls = NET_CMD_READ_ONLY;
		return;
	}
	bool add = matches(argv[0], "add");
	if (!add && !matches(argv[0], "delete")) {
		refuse(c, "ip tuntap %.40s: only add, del and show are the lab's", argv[0]);
		return;
	}
	char name[NET_CMD_NAME_MAX] = "";
	const char *mode = NULL;
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];
		bool last = i + 1 >= argc;
		if (matches(w, "mode") || !strcmp(w, "user") || !strcmp(w, "group") || !strcmp(w, "dev") ||
		    matches(w, "name")) {
			if (last) {
				refuse(c, "ip tuntap: %.40s needs a value", w);
				return;
			}
			const char *v = argv[++i];
			if (matches(w, "mode")) {
				mode = v;
				continue;
			}
			if (!strcmp(w, "user") || !strcmp(w, "group"))
				continue;  /* the grader gives every tap to the sandbox's uid (see net_agent.c) */
			w = v;
		} else if (w[0] == '-' || !strcmp(w, "pi") || !strcmp(w, "vnet_hdr") || !strcmp(w, "one_queue") ||
			   !strcmp(w, "multi_queue") || !strcmp(w, "numqueues")) {
			refuse(c, "ip tuntap %.40s: not an option of the lab's taps (mode tap, user, group)", w);
			return;
		}
		if (name[0]) {
			refuse(c, "ip tuntap: two names ('%s' and '%.40s')", name, w);
			return;
		}
		if (!take_name(c, name, w, "tap"))
			return;
	}
	if (!name[0]) {
		refuse(c, "ip tuntap %s: which tap? (ip tuntap %s NAME mode tap)", add ? "add" : "del", add ? "add" : "del");
		return;
	}
	/* iptuntap.c tries "tun" before "tap": "t" and "tu" are tun */
	if (!mode || matches(mode, "tun") || !matches(mode, "tap")) {
		refuse(c, "ip tuntap %s %s: the lab's taps are `mode tap`%s", add ? "add" : "del", name,
		       mode ? "" : " (iproute2 itself says: You failed to specify a tunnel mode)");
		return;
	}
	add_op(c, add ? NET_OP_TAP_ADD : NET_OP_TAP_DEL, name);
}

/* ---- ip link ------------------------------------------------------------- */

static void parse_link_add(struct net_cmd *c, int argc, const char *const *argv)
{
	char name[NET_CMD_NAME_MAX] = "";
	const char *type = NULL;
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		if (!strcmp(w, "type") || !strcmp(w, "name") || !strcmp(w, "dev")) {
			if (i + 1 >= argc) {
				refuse(c, "ip link add: %s needs a value", w);
				return;
			}
			if (!strcmp(w, "type")) {
				type = argv[++i];
				break;  /* what follows type is the kind's own options */
			}
			w = argv[++i];
		} else if (!strcmp(w, "link") || !strcmp(w, "netns") || !strcmp(w, "address") || !strcmp(w, "mtu") ||
			   w[0] == '-') {
			refuse(c, "ip link add ... %.40s: only `ip link add NAME type bridge` is the lab's", w);
			return;
		}
		if (name[0]) {
			refuse(c, "ip link add: two names ('%s' and '%.40s')", name, w);
			return;
		}
		if (!take_name(c, name, w, "link"))
			return;
	}
	int rest = 0;
	for (int i = 0; i < argc; i++)
		if (type && argv[i] == type)
			rest = argc - i - 1;
	if (!name[0] || !type || strcmp(type, "bridge") || rest) {
		refuse(c, "ip link add %s%s%.40s%s: only `ip link add NAME type bridge` is the lab's", name,
		       type ? " type " : "", type ? type : "", rest ? " ..." : "");
		return;
	}
	add_op(c, NET_OP_BRIDGE_ADD, name);
}

static void parse_link_del(struct net_cmd *c, int argc, const char *const *argv)
{
	char name[NET_CMD_NAME_MAX] = "";
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		if (!strcmp(w, "dev") || !strcmp(w, "type")) {
			if (i + 1 >= argc) {
				refuse(c, "ip link delete: %s needs a value", w);
				return;
			}
			if (!strcmp(w, "type")) {
				i++;
				continue;
			}
			w = argv[++i];
		} else if (w[0] == '-' || !strcmp(w, "group")) {
			refuse(c, "ip link delete %.40s: delete one link by its name", w);
			return;
		}
		if (name[0]) {
			refuse(c, "ip link delete: two names ('%s' and '%.40s')", name, w);
			return;
		}
		if (!take_name(c, name, w, "link"))
			return;
	}
	if (!name[0]) {
		refuse(c, "ip link delete: which link?");
		return;
	}
	add_op(c, NET_OP_LINK_DEL, name);
}

static void parse_link_set(struct net_cmd *c, int argc, const char *const *argv)
{
	char name[NET_CMD_NAME_MAX] = "";
	int i = 0;
	/* iplink.c iplink_parse(): the device is `dev NAME` or the first bare
	 * word; the settings may come before it, as in `ip link set up dev x` */
	struct { enum net_op_kind kind; char other[NET_CMD_NAME_MAX]; } want[NET_CMD_MAX_OPS];
	int nwant = 0;
	for (; i < argc; i++) {
		const char *w = argv[i];
		bool has_value = i + 1 < argc;
		if (nwant >= NET_CMD_MAX_OPS) {
			refuse(c, "more than %d changes in one command", NET_CMD_MAX_OPS);
			return;
		}
		if (!strcmp(w, "up") || !strcmp(w, "down") || !strcmp(w, "nomaster")) {
			want[nwant].kind = !strcmp(w, "up") ? NET_OP_LINK_UP : !strcmp(w, "down") ? NET_OP_LINK_DOWN
												  : NET_OP_NOMASTER;
			want[nwant++].other[0] = '\0';
			continue;
		}
		if (!strcmp(w, "master")) {
			if (!has_value) {
				refuse(c, "ip link set: master needs a bridge");
				return;
			}
			want[nwant].kind = NET_OP_MASTER;
			if (!take_name(c, want[nwant++].other, argv[++i], "bridge"))
				return;
			continue;
		}
		if (!strcmp(w, "dev")) {
			if (!has_value) {
				refuse(c, "ip link set: dev needs a name");
				return;
			}
			w = argv[++i];
		} else if (w[0] == '-' || !strcmp(w, "netns") || !strcmp(w, "name") || !strcmp(w, "address") ||
			   !strcmp(w, "mtu") || !strcmp(w, "type") || !strcmp(w, "group") || !strcmp(w, "alias") ||
			   !strcmp(w, "arp") || !strcmp(w, "promisc") || !strcmp(w, "txqueuelen")) {
			refuse(c, "ip link set ... %.40s: the lab's settings are up, down, master BRIDGE and nomaster", w);
			return;
		}
		if (name[0]) {
			refuse(c, "ip link set %s ... %.40s: the lab's settings are up, down, master BRIDGE and nomaster",
			       name, w);
			return;
		}
		if (!take_name(c, name, w, "link"))
			return;
	}
	if (!name[0] || !nwant) {
		refuse(c, "ip link set %s: %s", name, name[0] ? "what? (up, down, master BRIDGE, nomaster)" : "which link?");
		return;
	}
	for (int k = 0; k < nwant; k++) {
		struct net_op *op = add_op(c, want[k].kind, name);
		if (op)
			snprintf(op->other, sizeof(op->other), "%s", want[k].other);
	}
}

static void parse_link(struct net_cmd *c, int argc, const char *const *argv)
{
	/* iplink.c do_iplink(), in its order: add, set/change, replace,
	 * delete, show/lst/list; no word lists the links */
	if (!argc) {
		c->cls = NET_CMD_READ_ONLY;
		return;
	}
	const char *w = argv[0];
	if (matches(w, "add"))
		parse_link_add(c, argc - 1, argv + 1);
	else if (matches(w, "set") || matches(w, "change"))
		parse_link_set(c, argc - 1, argv + 1);
	else if (matches(w, "replace"))
		refuse(c, "ip link replace: make the lab's bridges with `ip link add NAME type bridge`");
	else if (matches(w, "delete"))
		parse_link_del(c, argc - 1, argv + 1);
	else if (matches(w, "show") || matches(w, "lst") || matches(w, "list"))
		c->cls = NET_CMD_READ_ONLY;
	else
		refuse(c, "ip link %.40s: only add, set, delete and show are the lab's", w);
}

/* ---- ip address ---------------------------------------------------------- */

static void parse_addr_change(struct net_cmd *c, bool add, int argc, const char *const *argv)
{
	char dev[NET_CMD_NAME_MAX] = "";
	char cidr[NET_CMD_CIDR_MAX] = "";
	const char *verb = add ? "add" : "del";
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		bool has_value = i + 1 < argc;
		if (!strcmp(w, "dev")) {
			if (!has_value) {
				refuse(c, "ip addr %s: dev needs a name", verb);
				return;
			}
			if (!take_name(c, dev, argv[++i], "link"))
				return;
			continue;
		}
		if (!strcmp(w, "broadcast") || !strcmp(w, "brd")) {
			if (!has_value) {
				refuse(c, "ip addr %s: %s needs a value", verb, w);
				return;
			}
			i++;  /* the kernel's broadcast address is not the lab's to check */
			continue;
		}
		if (!strcmp(w, "local")) {
			if (!has_value) {
				refuse(c, "ip addr %s: local needs an address", verb);
				return;
			}
			w = argv[++i];
		} else if (w[0] == '-' || !strcmp(w, "peer") || !strcmp(w, "remote") || !strcmp(w, "scope") ||
			   !strcmp(w, "label") || !strcmp(w, "metric") || !strcmp(w, "anycast") ||
			   !strcmp(w, "valid_lft") || !strcmp(w, "preferred_lft")) {
			refuse(c, "ip addr %s ... %.40s: the lab's form is `ip addr %s A.B.C.D/N dev NAME`", verb, w, verb);
			return;
		}
		if (cidr[0]) {
			refuse(c, "ip addr %s: two addresses ('%s' and '%.40s')", verb, cidr, w);
			return;
		}
		/* no /N is a host address to iproute2 (get_prefix: /32) */
		char buf[64];
		snprintf(buf, sizeof(buf), strchr(w, '/') ? "%.60s" : "%.50s/32", w);
		if (strlen(w) > 18 || net_cmd_cidr_check(buf)) {
			refuse(c, "ip addr %s %.40s: not an IPv4 address A.B.C.D/N (each part 0..255, N 1..32)", verb, w);
			return;
		}
		memcpy(cidr, buf, strlen(buf) + 1);  /* checked: at most 18 bytes */
	}
	if (!cidr[0] || !dev[0]) {
		refuse(c, "ip addr %s: the lab's form is `ip addr %s A.B.C.D/N dev NAME`", verb, verb);
		return;
	}
	struct net_op *op = add_op(c, add ? NET_OP_ADDR_ADD : NET_OP_ADDR_DEL, dev);
	if (op)
		snprintf(op->cidr, sizeof(op->cidr), "%s", cidr);
}

static void parse_addr_flush(struct net_cmd *c, int argc, const char *const *argv)
{
	char dev[NET_CMD_NAME_MAX] = "";
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		if (!strcmp(w, "dev")) {
			if (i + 1 >= argc) {
				refuse(c, "ip addr flush: dev needs a name");
				return;
			}
			w = argv[++i];
		} else if (w[0] == '-' || !strcmp(w, "scope") || !strcmp(w, "label") || !strcmp(w, "to") ||
			   !strcmp(w, "up") || !strcmp(w, "permanent") || !strcmp(w, "dynamic")) {
			refuse(c, "ip addr flush ... %.40s: the lab's form is `ip addr flush dev NAME`", w);
			return;
		}
		if (dev[0]) {
			refuse(c, "ip addr flush: two links ('%s' and '%.40s')", dev, w);
			return;
		}
		if (!take_name(c, dev, w, "link"))
			return;
	}
	if (!dev[0]) {
		/* iproute2 itself: "Flush requires arguments." */
		refuse(c, "ip addr flush: which link? (ip addr flush dev NAME)");
		return;
	}
	add_op(c, NET_OP_ADDR_FLUSH, dev);
}

static void parse_addr(struct net_cmd *c, int argc, const char *const *argv)
{
	/* ipaddress.c do_ipaddr(), in its order: add, change/chg, replace,
	 * delete, list/show/lst, flush; no word lists the addresses */
	if (!argc) {
		c->cls = NET_CMD_READ_ONLY;
		return;
	}
	const char *w = argv[0];
	bool ro = matches(w, "list") || matches(w, "show") || matches(w, "lst");
	if (!ro && !matches(w, "add") && !matches(w, "delete") && !matches(w, "flush")) {
		refuse(c, "ip addr %.40s: only add, del, flush and show are the lab's", w);
		return;
	}
	if (matches(w, "add"))
		parse_addr_change(c, true, argc - 1, argv + 1);
	else if (matches(w, "change") || !strcmp(w, "chg") || matches(w, "replace"))
		refuse(c, "ip addr %.40s: the lab adds addresses with `ip addr add A.B.C.D/N dev NAME`", w);
	else if (matches(w, "delete"))
		parse_addr_change(c, false, argc - 1, argv + 1);
	else if (ro)
		c->cls = NET_CMD_READ_ONLY;
	else if (matches(w, "flush"))
		parse_addr_flush(c, argc - 1, argv + 1);
	else
		refuse(c, "ip addr %.40s: only add, del, flush and show are the lab's", w);
}

/* ---- ip ------------------------------------------------------------------ */

/* ip's objects in ip/ip.c's cmds[] order (the first a word matches wins). */
static const char *const ip_objects[] = {
	"address", "addrlabel", "maddress", "route", "rule", "neighbor", "neighbour", "ntable", "ntbl",
	"link", "l2tp", "fou", "ila", "macsec", "tunnel", "tunl", "tuntap", "tap", "token", "tcpmetrics",
	"tcp_metrics", "monitor", "xfrm", "mroute", "mrule", "netns", "netconf", "vrf", "sr", "nexthop",
	"mptcp", "ioam", "stats", "help",
};

static void parse_ip(struct net_cmd *c, int argc, const char *const *argv)
{
	int i = 1;
	bool display_only = false;  /* an option that makes sense only for what is shown */
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i] + 1;
		if (o[0] == '-')
			o++;  /* ip.c: "--json" is "-json" */
		if (!strcmp(o, "4"))
			continue;
		if (!strcmp(o, "f") || !strcmp(o, "family")) {
			if (i + 1 >= argc) {
				refuse(c, "ip %s: needs a family", argv[i]);
				return;
			}
			display_only = display_only || strcmp(argv[++i], "inet");
			continue;
		}
		static const char *const shown[] = { "6", "j", "json", "p", "pretty", "d", "details", "s", "stats",
						     "statistics", "br", "brief", "o", "oneline", "c", "color",
						     "h", "human", "N", "Numeric" };
		bool ok = false;
		for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]) && !ok; k++)
			ok = !strcmp(o, shown[k]) || (!strncmp(o, "color=", 6) && !strcmp(shown[k], "color"));
		if (!ok) {
			refuse(c, "ip %.40s: not an option vlab passes on (-4, -6, -j, -p, -d, -s, -br, -o, -c, -f)", argv[i]);
			return;
		}
		if (!strcmp(o, "6"))
			display_only = true;
	}
	if (i >= argc) {
		refuse(c, "ip: which object? (link, addr, tuntap)");
		return;
	}
	const char *obj = NULL;
	for (size_t k = 0; k < sizeof(ip_objects) / sizeof(ip_objects[0]) && !obj; k++)
		if (matches(argv[i], ip_objects[k]))
			obj = ip_objects[k];
	int rest = argc - i - 1;
	const char *const *args = argv + i + 1;
	if (!obj)
		refuse(c, "ip %.40s: not an object of ip's", argv[i]);
	else if (!strcmp(obj, "address"))
		parse_addr(c, rest, args);
	else if (!strcmp(obj, "link"))
		parse_link(c, rest, args);
	else if (!strcmp(obj, "tuntap") || !strcmp(obj, "tap"))
		parse_tuntap(c, rest, args);
	else if (!strcmp(obj, "route") && (!rest || matches(args[0], "list") || matches(args[0], "show") ||
					     matches(args[0], "lst") || matches(args[0], "get")))
		c->cls = NET_CMD_READ_ONLY;
	else
		refuse(c, "ip %s%s%.40s: not part of the lab's network commands (tuntap, link, addr)", obj,
		       rest ? " " : "", rest ? args[0] : "");
	if (c->cls == NET_CMD_CHANGE && display_only)
		refuse(c, "ip -6/-f: the lab's changes are IPv4 (ip -4 or no option)");
}

/* ---- brctl --------------------------------------------------------------- */

static void parse_brctl(struct net_cmd *c, int argc, const char *const *argv)
{
	/* bridge-utils brctl/brctl_cmd.c: commands by strcmp, whole */
	if (argc < 2) {
		refuse(c, "brctl: which command? (addbr, delbr, addif, delif, show)");
		return;
	}
	const char *cmd = argv[1];
	int rest = argc - 2;
	const char *const *args = argv + 2;
	if (!strcmp(cmd, "show") || !strcmp(cmd, "showmacs") || !strcmp(cmd, "showstp")) {
		c->cls = NET_CMD_READ_ONLY;
		return;
	}
	bool addbr = !strcmp(cmd, "addbr"), delbr = !strcmp(cmd, "delbr");
	bool addif = !strcmp(cmd, "addif"), delif = !strcmp(cmd, "delif");
	if (addbr || delbr) {
		char name[NET_CMD_NAME_MAX];
		if (rest != 1) {
			refuse(c, "brctl %s takes one bridge", cmd);
			return;
		}
		if (take_name(c, name, args[0], "bridge"))
			add_op(c, addbr ? NET_OP_BRIDGE_ADD : NET_OP_BRIDGE_DEL, name);
		return;
	}
	if (addif || delif) {
		char br[NET_CMD_NAME_MAX], name[NET_CMD_NAME_MAX];
		if (rest < 2) {
			refuse(c, "brctl %s takes a bridge and its interfaces", cmd);
			return;
		}
		if (!take_name(c, br, args[0], "bridge"))
			return;
		for (int i = 1; i < rest; i++) {
			if (!take_name(c, name, args[i], "interface"))
				return;
			struct net_op *op = add_op(c, addif ? NET_OP_MASTER : NET_OP_DELIF, name);
			if (!op)
				return;
			snprintf(op->other, sizeof(op->other), "%s", br);
		}
		return;
	}
	refuse(c, "brctl %.40s: not part of the lab's network commands (addbr, delbr, addif, delif, show)", cmd);
}

void net_cmd_parse(int argc, const char *const *argv, struct net_cmd *out)
{
	memset(out, 0, sizeof(*out));
	out->cls = NET_CMD_REFUSED;
	const char *a0 = argc > 0 && argv[0] ? argv[0] : "";
	const char *base = strrchr(a0, '/');
	base = base ? base + 1 : a0;
	for (int i = 0; i < argc; i++) {
		if (!argv[i]) {
			refuse(out, "a command line with a hole in it");
			return;
		}
	}
	if (!strcmp(base, "ip")) {
		out->tool = NET_TOOL_IP;
		parse_ip(out, argc, argv);
	} else if (!strcmp(base, "brctl")) {
		out->tool = NET_TOOL_BRCTL;
		parse_brctl(out, argc, argv);
	} else {
		refuse(out, "'%.40s' is neither ip nor brctl", base);
	}
	if (out->cls != NET_CMD_CHANGE)
		out->nops = 0;
}

const char *net_op_kind_name(enum net_op_kind k)
{
	static const char *const names[] = {
		[NET_OP_TAP_ADD] = "tap add",       [NET_OP_TAP_DEL] = "tap del",
		[NET_OP_BRIDGE_ADD] = "bridge add", [NET_OP_BRIDGE_DEL] = "bridge del",
		[NET_OP_LINK_DEL] = "link del",     [NET_OP_LINK_UP] = "up",
		[NET_OP_LINK_DOWN] = "down",        [NET_OP_MASTER] = "master",
		[NET_OP_NOMASTER] = "nomaster",     [NET_OP_DELIF] = "delif",
		[NET_OP_ADDR_ADD] = "addr add",     [NET_OP_ADDR_DEL] = "addr del",
		[NET_OP_ADDR_FLUSH] = "addr flush",
	};
	return (unsigned)k < sizeof(names) / sizeof(names[0]) && names[k] ? names[k] : "?";
}

void net_op_describe(const struct net_op *op, char *buf, size_t n)
{
	snprintf(buf, n, "%s %s%s%s%s%s", net_op_kind_name(op->kind), op->name, op->other[0] ? " " : "", op->other,
		 op->cidr[0] ? " " : "", op->cidr);
}

bool net_lab_tap(const char *name)
{
	static const char *const taps[] = { LAB_VM1_E1000_TAP, LAB_VM1_VIRTIO_TAP, LAB_VM2_E1000_TAP, LAB_VM2_VIRTIO_TAP };
	for (size_t i = 0; i < sizeof(taps) / sizeof(taps[0]); i++)
		if (!strcmp(name, taps[i]))
			return true;
	return false;
}

bool net_lab_bridge(const char *name)
{
	return !strcmp(name, LAB_BR_E1000) || !strcmp(name, LAB_BR_VIRTIO);
}

#define LAB_LINKS "the lab's links are the taps tap0..tap3 and the bridges br0 and br1"

int net_op_allowed(const struct net_op *op, char *why, size_t n)
{
	bool tap = net_lab_tap(op->name), br = net_lab_bridge(op->name);
	switch (op->kind) {
	case NET_OP_TAP_ADD:
	case NET_OP_TAP_DEL:
		if (tap)
			return 0;
		snprintf(why, n, "%s is not one of the lab's taps (tap0..tap3)", op->name);
		return -EPERM;
	case NET_OP_BRIDGE_ADD:
	case NET_OP_BRIDGE_DEL:
		if (br)
			return 0;
		snprintf(why, n, "%s is not one of the lab's bridges (br0, br1)", op->name);
		return -EPERM;
	case NET_OP_MASTER:
	case NET_OP_DELIF:
		if (tap && net_lab_bridge(op->other))
			return 0;
		snprintf(why, n, "%s on %s: the lab puts its taps (tap0..tap3) on its bridges (br0, br1)", op->name,
			 op->other);
		return -EPERM;
	case NET_OP_NOMASTER:
		if (tap)
			return 0;
		snprintf(why, n, "%s is not one of the lab's taps (tap0..tap3)", op->name);
		return -EPERM;
	default:
		if (tap || br)
			return 0;
		snprintf(why, n, "%s is not one of the lab's links: " LAB_LINKS, op->name);
		return -EPERM;
	}
}
