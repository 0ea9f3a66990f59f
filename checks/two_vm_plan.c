/* The two-VM lab's plan and verdicts on its command lines; see two_vm_plan.h. */
#include "checks/two_vm_plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runner/util.h"
#include "checks/lab_plan.h"

#define LAB_SECTION_CH3 "lab chapter 3, \"Virtualized Vs Paravirtualized I/O\""

/* The course's runqemu_two_vms.sh: QEMU_OPTS1 and QEMU_OPTS2, and the
 * addresses its chapter gives the guests. */
const struct two_vm_role two_vm_roles[2] = {
	{ "VM1", LAB_ROOTFS_NAME, "serial_vm1.socket",
	  { { "e1000", "e1000", LAB_VM1_E1000_MAC, LAB_VM1_E1000_TAP, LAB_BR_E1000, LAB_VM1_E1000_CIDR },
	    { "virtio", "virtio-net-pci", LAB_VM1_VIRTIO_MAC, LAB_VM1_VIRTIO_TAP, LAB_BR_VIRTIO, LAB_VM1_VIRTIO_CIDR } } },
	{ "VM2", LAB_ROOTFS2_NAME, "serial_vm2.socket",
	  { { "e1000", "e1000", LAB_VM2_E1000_MAC, LAB_VM2_E1000_TAP, LAB_BR_E1000, LAB_VM2_E1000_CIDR },
	    { "virtio", "virtio-net-pci", LAB_VM2_VIRTIO_MAC, LAB_VM2_VIRTIO_TAP, LAB_BR_VIRTIO, LAB_VM2_VIRTIO_CIDR } } },
};

static const char *base_name(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;
	return s ? s + 1 : path;
}

int two_vm_role_score(const struct qemu_cmdline *c, const struct two_vm_role *role)
{
	struct qemu_nic nics[8];
	size_t n = qemu_cmdline_nics(c, nics, ARRAY_SIZE(nics));
	if (n > ARRAY_SIZE(nics))
		n = ARRAY_SIZE(nics);
	int score = 0;
	for (size_t k = 0; k < 2; k++) {
		bool mac = false, tap = false;
		for (size_t i = 0; i < n; i++) {
			mac |= nics[i].mac && !strcasecmp(nics[i].mac, role->nic[k].mac);
			tap |= nics[i].ifname && !strcmp(nics[i].ifname, role->nic[k].tap);
		}
		score += 2 * mac + tap;
	}
	struct qemu_serial s;
	if (qemu_cmdline_serial(c, &s, NULL, 0) == 0 && s.path && !strcmp(base_name(s.path), role->serial))
		score++;
	struct qemu_disk d;
	if (qemu_cmdline_virtio_disk(c, &d) == 0 && d.file && !strcmp(base_name(d.file), role->rootfs))
		score++;
	return score;
}

int two_vm_pair(const struct two_vm_candidate *cands, size_t n, int out[2], char *why, size_t whylen,
		char left[][200], size_t maxleft, size_t *nleft)
{
	out[0] = out[1] = -1;
	*nleft = 0;
	why[0] = '\0';
	int *score = xcalloc(n * 2 + 1, sizeof(int));
	for (size_t i = 0; i < n; i++)
		for (int r = 0; r < 2; r++)
			score[i * 2 + (size_t)r] = two_vm_role_score(cands[i].cmd, &two_vm_roles[r]);
	int ret = 0;
	for (int r = 0; r < 2 && !ret; r++) {
		/* a qemu takes the role it fits better; the best of those wins */
		int best = -1, tie = -1;
		for (size_t i = 0; i < n; i++) {
			int mine = score[i * 2 + (size_t)r], other = score[i * 2 + (size_t)(1 - r)];
			if (mine == 0 || mine < other || (mine == other && r == 1))
				continue;
			if (best < 0 || mine > score[(size_t)best * 2 + (size_t)r]) {
				best = (int)i;
				tie = -1;
			} else if (mine == score[(size_t)best * 2 + (size_t)r]) {
				tie = (int)i;
			}
		}
		if (best < 0) {
			snprintf(why, whylen, "no running qemu is the lab's %s (no NIC with %s or %s, no %s on %s or %s)",
				 two_vm_roles[r].name, two_vm_roles[r].nic[0].mac, two_vm_roles[r].nic[1].mac, "NIC",
				 two_vm_roles[r].nic[0].tap, two_vm_roles[r].nic[1].tap);
			ret = -ENOENT;
		} else if (tie >= 0) {
			snprintf(why, whylen, "two qemus fit the lab's %s equally well (pid %d and pid %d): name them with "
					      "--pid VM1_PID --pid VM2_PID",
				 two_vm_roles[r].name, (int)cands[best].pid, (int)cands[tie].pid);
			ret = -EEXIST;
		} else {
			out[r] = best;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if ((int)i == out[0] || (int)i == out[1])
			continue;
		if (*nleft < maxleft) {
			int s1 = score[i * 2], s2 = score[i * 2 + 1];
			if (!s1 && !s2)
				snprintf(left[*nleft], 200, "pid %d is no VM of the two-VM lab (none of its MACs, taps, serial "
							    "socket or rootfs): left out",
					 (int)cands[i].pid);
			else
				snprintf(left[*nleft], 200, "pid %d fits the lab's %s less well than pid %d: left out",
					 (int)cands[i].pid, two_vm_roles[s1 >= s2 ? 0 : 1].name,
					 out[s1 >= s2 ? 0 : 1] >= 0 ? (int)cands[out[s1 >= s2 ? 0 : 1]].pid : 0);
		}
		(*nleft)++;
	}
	free(score);
	return ret;
}

/* One planned NIC: 0 and a summary, or -1 and r failed. */
static int check_nic(struct check_result *r, const struct qemu_cmdline *c, const struct two_vm_role *role,
		     const struct two_vm_nic *want, struct strbuf *summary)
{
	char *hint = xasprintf("give %s `-device %s,netdev=ID,mac=%s -netdev tap,ifname=%s,id=ID` as the course's "
			       "runqemu_two_vms.sh does (" LAB_SECTION_CH3 ")",
			       role->name, want->model, want->mac, want->tap);
	struct qemu_nic found;
	const struct qemu_nic *nic = qemu_cmdline_nic_by_mac(c, want->mac, &found) ? &found : NULL;
	int ret = -1;
	struct strbuf t = STRBUF_INIT;
	if (nic && nic->device)
		qemu_opt_text(nic->device, &t);
	if (!nic) {
		check_fail(r, hint, "%s has no NIC with MAC %s (its %s NIC on %s)", role->name, want->mac, want->link,
			   want->tap);
	} else if (!nic->model || strcmp(nic->model, want->model)) {
		check_fail(r, hint, "`%s` is %s %s; %s's NIC with MAC %s is a %s", sb_str(&t),
			   nic->model ? "a" : "a NIC without", nic->model ? nic->model : "model", role->name, want->mac,
			   want->model);
	} else if (!nic->type || strcmp(nic->type, "tap")) {
		check_fail(r, hint, "`%s` is on %s, not a tap: %s's %s NIC goes on %s (%s)", sb_str(&t),
			   nic->type ? nic->type : "no -netdev", role->name, want->link, want->tap, want->bridge);
	} else if (!nic->ifname || strcmp(nic->ifname, want->tap)) {
		struct strbuf b = STRBUF_INIT;
		if (nic->backend)
			qemu_opt_text(nic->backend, &b);
		check_fail(r, hint, "`%s` is on `%s`: %s's %s NIC goes on %s (%s)", sb_str(&t), sb_str(&b), role->name,
			   want->link, want->tap, want->bridge);
		sb_release(&b);
	} else {
		sb_addf(summary, ", %s %s on %s", want->model, want->mac, want->tap);
		ret = 0;
	}
	sb_release(&t);
	free(hint);
	return ret;
}

void two_vm_check_cmdline(struct check_result *r, const struct qemu_cmdline *c, const struct two_vm_role *role)
{
	struct check_result part;
	check_init(&part, r->id);
	check_cmdline_memory(&part, c, LAB_MEMORY_BYTES);
	if (part.verdict != VERDICT_PASS) {
		*r = part;
		return;
	}
	struct qemu_disk d;
	if (qemu_cmdline_virtio_disk(c, &d) < 0) {
		check_fail(r, "boot it from a virtio-blk disk: `-device virtio-blk-pci,drive=ID -blockdev "
			      "file,node-name=ID,filename=FILE` (" LAB_SECTION_CH3 ")",
			   "%s has no virtio-blk disk with a file", role->name);
		return;
	}
	check_init(&part, r->id);
	if (!check_cmdline_serial(&part, c)) {
		*r = part;
		return;
	}
	struct strbuf summary = STRBUF_INIT;
	struct qemu_serial s;
	qemu_cmdline_serial(c, &s, NULL, 0);
	sb_addf(&summary, "%s: 256 MiB, virtio-blk on %s, isa-serial on %s", role->name, d.file, s.path ? s.path : "?");
	for (int k = 0; k < 2; k++) {
		if (check_nic(r, c, role, &role->nic[k], &summary)) {
			sb_release(&summary);
			return;
		}
	}
	check_pass(r, "%s", sb_str(&summary));
	sb_release(&summary);
}

static bool has_addr(const struct ip_iface *i, const char *cidr)
{
	for (int k = 0; k < i->naddrs; k++)
		if (!strcmp(i->addrs[k], cidr))
			return true;
	return false;
}

/* Whose address cidr is in the plan: the NIC it belongs to, NULL none. */
static const struct two_vm_nic *planned_owner(const char *cidr, const struct two_vm_role **role)
{
	for (int v = 0; v < 2; v++)
		for (int k = 0; k < 2; k++)
			if (!strcmp(two_vm_roles[v].nic[k].cidr, cidr)) {
				*role = &two_vm_roles[v];
				return &two_vm_roles[v].nic[k];
			}
	return NULL;
}

/* One guest's NICs against its plan: 0 and a summary, -1 and r failed. */
static int check_guest(struct check_result *r, const struct two_vm_role *role, const struct ip_iface *ifs, size_t n,
		       struct strbuf *summary)
{
	const char *hint = "in each guest, give each NIC (found by its MAC: `ip a s`) the lab's address: `ip addr add "
			   "ADDRESS dev IFACE && ip link set IFACE up` (" LAB_SECTION_CH3 ")";
	for (int k = 0; k < 2; k++) {
		const struct two_vm_nic *want = &role->nic[k];
		const struct ip_iface *i = NULL;
		for (size_t j = 0; j < n && !i; j++)
			if (!strcasecmp(ifs[j].mac, want->mac))
				i = &ifs[j];
		if (!i) {
			check_fail(r, hint, "%s has no interface with MAC %s (its %s NIC, on %s): is its driver loaded?",
				   role->name, want->mac, want->link, want->tap);
			return -1;
		}
		if (!has_addr(i, want->cidr)) {
			const struct two_vm_role *owner_role = NULL;
			const struct two_vm_nic *owner = NULL;
			for (int a = 0; a < i->naddrs && !owner; a++)
				owner = planned_owner(i->addrs[a], &owner_role);
			if (owner && owner_role == role && owner != want)
				check_fail(r, hint,
					   "the links are crossed in %s: %s (%s NIC, %s, on %s) has %s, the %s link's "
					   "address; %s belongs on it",
					   role->name, i->name, want->link, want->mac, want->bridge, owner->cidr,
					   owner->link, want->cidr);
			else if (owner)
				check_fail(r, hint, "%s's %s (%s NIC, %s) has %s, which is %s's; %s belongs on it",
					   role->name, i->name, want->link, want->mac, owner->cidr, owner_role->name,
					   want->cidr);
			else
				check_fail(r, hint, "%s's %s (%s NIC, %s) has %s%s; the lab gives it %s", role->name,
					   i->name, want->link, want->mac, i->naddrs ? "" : "no IPv4 address",
					   i->naddrs ? i->addrs[0] : "", want->cidr);
			return -1;
		}
		if (!i->up) {
			check_fail(r, hint, "%s's %s (%s NIC, %s) has %s but is down: `ip link set %s up`", role->name,
				   i->name, want->link, want->mac, want->cidr, i->name);
			return -1;
		}
		sb_addf(summary, "%s%s %s (%s) %s", summary->len ? ", " : "", role->name, i->name, want->link,
			want->cidr);
	}
	return 0;
}

void two_vm_check_addresses(struct check_result *r, const struct ip_iface *const ifs[2], const size_t nifs[2],
			    const char *const not_read[2])
{
	struct strbuf summary = STRBUF_INIT;
	for (int v = 0; v < 2; v++) {
		if (not_read[v])
			continue;
		if (check_guest(r, &two_vm_roles[v], ifs[v], nifs[v], &summary)) {
			sb_release(&summary);
			return;
		}
	}
	if (not_read[0] && not_read[1])
		check_skip(r, "neither guest was asked: VM1: %s; VM2: %s", not_read[0], not_read[1]);
	else if (not_read[0] || not_read[1])
		check_skip(r, "%s's guest was not asked: %s; %s", not_read[0] ? "VM1" : "VM2",
			   not_read[0] ? not_read[0] : not_read[1], sb_str(&summary));
	else
		check_pass(r, "%s", sb_str(&summary));
	sb_release(&summary);
}

void two_vm_check_bridges(struct check_result *r, const struct net_link_info *links, size_t nlinks)
{
	const struct ch3_bridge want[2] = {
		{ "br0", "10.0.0.1/24", { two_vm_roles[0].nic[0].tap, two_vm_roles[1].nic[0].tap }, true, true },
		{ "br1", "10.0.1.1/24", { two_vm_roles[0].nic[1].tap, two_vm_roles[1].nic[1].tap }, true, true },
	};
	check_bridges(r, links, nlinks, want, 2);
}

static bool held(const char *const *taps, size_t n, const char *tap)
{
	for (size_t i = 0; i < n; i++)
		if (taps[i] && !strcmp(taps[i], tap))
			return true;
	return false;
}

void two_vm_check_taps(struct check_result *r, const char *const taps[2][4], const size_t ntaps[2],
		       const pid_t pids[2])
{
	for (int v = 0; v < 2; v++) {
		for (int k = 0; k < 2; k++) {
			const char *tap = two_vm_roles[v].nic[k].tap;
			if (held(taps[v], ntaps[v], tap))
				continue;
			if (held(taps[1 - v], ntaps[1 - v], tap))
				check_fail(r, "start each qemu with its own taps, as the course's runqemu_two_vms.sh does",
					   "%s is held by %s's qemu (pid %d), not by %s's (pid %d)", tap,
					   two_vm_roles[1 - v].name, (int)pids[1 - v], two_vm_roles[v].name, (int)pids[v]);
			else
				check_fail(r, "qemu attaches to a tap in the network namespace it runs in: start it "
					      "where the taps are",
					   "%s's qemu (pid %d) holds no %s (its %s NIC's tap)", two_vm_roles[v].name,
					   (int)pids[v], tap, two_vm_roles[v].nic[k].link);
			return;
		}
	}
	check_pass(r, "VM1's qemu (pid %d) holds tap0 and tap1, VM2's (pid %d) tap2 and tap3", (int)pids[0],
		   (int)pids[1]);
}

/* VM2's address (no prefix) on the link named name, "" none. */
static void vm2_host(const char *name, char *out, size_t n)
{
	out[0] = '\0';
	for (int k = 0; k < 2; k++)
		if (!strcmp(two_vm_roles[1].nic[k].link, name))
			snprintf(out, n, "%.*s", (int)strcspn(two_vm_roles[1].nic[k].cidr, "/"), two_vm_roles[1].nic[k].cidr);
}

void two_vm_check_iperf_file(struct check_result *r, const struct two_vm_nic *link, const char *option,
			     const char *file, const struct iperf_result *res, int parse_rc)
{
	if (!file) {
		check_skip(r, "no saved client run of the %s link: give %s FILE (what `iperf3 -c` printed in VM1, its "
			      "text or -J)",
			   link->link, option);
		return;
	}
	check_iperf_run(r, res, parse_rc);
	if (r->verdict != VERDICT_PASS) {
		char *d = xstrdup(r->detail);
		snprintf(r->detail, sizeof(r->detail), "%s: %s", file, d);
		free(d);
		return;
	}
	char want[32], other[32];
	vm2_host(link->link, want, sizeof(want));
	vm2_host(strcmp(link->link, "e1000") ? "e1000" : "virtio", other, sizeof(other));
	char *hint = xasprintf("in VM1: iperf3 -c %s (VM2's %s address), and save what it prints (" LAB_SECTION_CH3 ")",
			       want, link->link);
	char *run = xstrdup(r->detail);
	if (res->role != IPERF_ROLE_CLIENT)
		check_fail(r, hint, "%s is %s's report; give the client's (VM1's `iperf3 -c`)", file,
			   res->role == IPERF_ROLE_SERVER ? "the server" : "no side");
	else if (!strcmp(res->server, want))
		check_pass(r, "%s: %s", file, run);
	else if (!strcmp(res->server, other))
		check_fail(r, hint, "%s connected to %s, VM2's address on the other link: that run went over the %s "
				    "link, not the %s link",
			   file, res->server, strcmp(link->link, "e1000") ? "e1000" : "virtio", link->link);
	else
		check_fail(r, hint, "%s connected to %s%s; VM2's %s address is %s", file,
			   res->server[0] ? res->server : "a host it does not name", "", link->link, want);
	free(run);
	free(hint);
}

void two_vm_check_iperf_server(struct check_result *r, int tcp_rc, int tcp6_rc, const char *not_read)
{
	if (not_read)
		check_skip(r, "VM2's guest was not asked: %s", not_read);
	else if (tcp_rc == 1 || tcp6_rc == 1)
		check_pass(r, "an iperf3 server listens in VM2 (port 5201, in its /proc/net/%s)",
			   tcp6_rc == 1 ? "tcp6" : "tcp");
	else if (tcp_rc < 0 && tcp6_rc < 0)
		check_fail(r, NULL, "VM2's /proc/net/tcp could not be read");
	else
		check_fail(r, "in VM2: iperf3 -s -D (as a daemon, so the console stays free) (" LAB_SECTION_CH3 ")",
			   "nothing listens on port 5201 in VM2: no iperf3 server runs there");
}

/* The value of key= in a kernel command line, into out ("" when absent). */
static void append_value(const char *append, const char *key, char *out, size_t n)
{
	out[0] = '\0';
	size_t kl = strlen(key);
	for (const char *p = append; p && *p;) {
		while (*p == ' ')
			p++;
		const char *end = strchr(p, ' ');
		size_t l = end ? (size_t)(end - p) : strlen(p);
		if (l > kl && !strncmp(p, key, kl) && p[kl] == '=')
			snprintf(out, n, "%.*s", (int)(l - kl - 1), p + kl + 1);
		p += l;
	}
}

size_t two_vm_append_note(const struct qemu_cmdline *c, char *out, size_t n)
{
	out[0] = '\0';
	if (!c->append)
		return 0;
	char console[64];
	append_value(c->append, "console", console, sizeof(console));
	int w = 0;
	if (console[0] && strncmp(console, "ttyS", 4)) {
		w = snprintf(out, n,
			     "the kernel command line has console=%s, a console this VM does not have (it has no "
			     "virtio console, and %s names no device): the kernel's messages go nowhere; the lab still "
			     "works because the guest's getty runs on ttyS0, the isa-serial port on the socket",
			     console, console);
	} else if (!strcmp(c->append, "root=/dev/vda")) {
		w = snprintf(out, n,
			     "the kernel command line is only `root=/dev/vda`: the course's runqemu_two_vms.sh writes "
			     "`-append \"root=/dev/vda loglevel=15 console=hvc0i\"` inside its QEMU_OPTS string, whose "
			     "quotes end -append's argument at the first space (bash takes loglevel=15 and "
			     "console=hvc0i for variables of its own); the kernel then picks its own default console, "
			     "and the lab works all the same: the guest's getty runs on ttyS0, the isa-serial port on "
			     "the socket");
	}
	return w > 0 ? (size_t)w : 0;
}
