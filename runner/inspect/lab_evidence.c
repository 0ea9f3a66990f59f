/* Gathering the evidence of a hand-built lab (runner/inspect/lab_evidence.h). */
#include "runner/inspect/lab_evidence.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "checks/ping_parse.h"
#include "checks/qmp_parse.h"
#include "checks/transcript.h"
#include "runner/cleanup.h"
#include "runner/vm/console.h"
#include "runner/vm/qmp.h"
#include "checks/lab_plan.h"
#include "runner/clock.h"

const char *const evidence_console_state_names[] = {
	[CON_NONE] = "none", [CON_FREE] = "free", [CON_SHELL] = "shell-open", [CON_HELD] = "held",
	[CON_BUSY] = "busy", [CON_SILENT] = "silent", [CON_UNUSABLE] = "unusable",
	[CON_CLOSED] = "closed",
};

void evidence_release(struct evidence *ev)
{
	if (ev->booted)
		console_close(ev->booted);
	ev->booted = NULL;
	http_result_release(&ev->http);
	sb_release(&ev->ping_out);
	for (size_t k = 0; k < ARRAY_SIZE(ev->only_out); k++)
		sb_release(&ev->only_out[k]);
}

/* The host side, from qemu's network namespace: the tap, vlab's ICMP echo
 * and the HTTP GET. */
void evidence_host(struct evidence *ev, struct qemu_ns *t)
{
	const struct qemu_cmdline *c = &ev->q->cmd;
	int64_t t0 = now_ms();
	struct qemu_nic nics[8];
	size_t n = qemu_cmdline_nics(c, nics, ARRAY_SIZE(nics));
	/* the tap qemu holds, else the one its command names, else the lab's */
	unsigned long *socks = NULL;
	size_t nsocks = 0;
	qemu_fds(ev->q->pid, &socks, &nsocks, ev->tap_held, sizeof(ev->tap_held));
	free(socks);
	const char *named = NULL;
	for (size_t i = 0; i < n && i < ARRAY_SIZE(nics) && !named; i++)
		if (nics[i].ifname && nics[i].type && !strcmp(nics[i].type, "tap"))
			named = nics[i].ifname;
	snprintf(ev->tap, sizeof(ev->tap), "%s", ev->tap_held[0] ? ev->tap_held : named ? named : LAB_TAP);

	if (qemu_ns_enter(t, &ev->ns))
		return;
	struct net *net;
	ev->tap_rc = net_open(&net);
	if (ev->tap_rc == 0) {
		ev->tap_rc = net_link_get(net, ev->tap, &ev->tap_info);
		net_close(net);
	}
	int64_t per = 1000 * ev->scale;
	ev->icmp_rc = icmp_ping(LAB_GUEST_IP, 3, 200, (int)per, &ev->icmp);
	if (!cleanup_stop_requested())
		ev->http_rc = http_get(LAB_HTTP_URL, 2000, 3000 * (long)ev->scale, &ev->http);
	else
		ev->http_rc = -EINTR;
	ev->host_ran = true;
	ev->t_host_ms = now_ms() - t0;
}

/* The console held by another client (ev->holder, "" unknown), said. */
static void console_held(struct evidence *ev)
{
	ev->con = CON_HELD;
	snprintf(ev->con_why, sizeof(ev->con_why), "the serial console is held by %s",
		 ev->holder[0] ? ev->holder : "another client");
}

/* Where the serial console is, and whether someone holds it, as /proc
 * tells before vlab connects. --socket names it when the command's is not
 * the one to use (the student's word is taken for it). */
void evidence_serial(struct evidence *ev, const char *socket_opt)
{
	const struct qemu_proc *q = ev->q;
	check_init(&ev->serial_verdict, "serial");
	ev->serial_ok = check_cmdline_serial(&ev->serial_verdict, &q->cmd);
	if (socket_opt) {
		ev->serial_ok = true;
		snprintf(ev->serial_path, sizeof(ev->serial_path), "%s", socket_opt);
		snprintf(ev->serial_connect, sizeof(ev->serial_connect), "%s", socket_opt);
	} else if (ev->serial_ok && qemu_serial_socket(q, ev->serial_path, sizeof(ev->serial_path), ev->serial_connect,
						       sizeof(ev->serial_connect)) == -EACCES) {
		ev->con = CON_UNUSABLE;
		text_printf(ev->con_why, sizeof(ev->con_why),
			    "the serial socket %s is relative to qemu's working directory, which vlab cannot read "
			    "(/proc/%d/cwd: %s): run vlab verify as root, as qemu runs, or name it with --socket",
			    ev->serial_path, (int)q->pid, strerror(-q->cwd_error));
		return;
	}
	if (!ev->serial_connect[0]) {
		ev->con = CON_NONE;
		snprintf(ev->con_why, sizeof(ev->con_why), "the VM has no serial console on a UNIX socket");
		return;
	}
	if (q->state && strchr("TtZX", q->state)) {
		ev->con = CON_UNUSABLE;
		snprintf(ev->con_why, sizeof(ev->con_why), "qemu is %s: nothing answers on its console",
			 q->state == 'Z' || q->state == 'X' ? "gone" : "stopped");
		return;
	}
	struct stat st;
	if (stat(ev->serial_connect, &st) < 0) {
		int e = errno;
		ev->con = CON_UNUSABLE;
		if (e == ENOENT)
			text_printf(ev->con_why, sizeof(ev->con_why), "the serial socket %s does not exist", ev->serial_path);
		else
			text_printf(ev->con_why, sizeof(ev->con_why), "cannot reach the serial socket %s: %s%s",
				 ev->serial_path, strerror(e),
				 e == EACCES ? " (run vlab verify as root, as qemu runs)" : "");
		return;
	}
	if (socket_held(q, ev->serial_connect, ev->holder, sizeof(ev->holder)) == 1) {
		console_held(ev);
	} else {
		ev->con = CON_FREE; /* as far as /proc tells: the connect has the last word */
	}
}

/* QMP, when the command has a socket no one holds. */
void evidence_qmp(struct evidence *ev)
{
	/* asked again (after a boot wait), its status is what it finds now;
	 * a memory size read before stands, should this ask fail */
	ev->qmp_ok = false;
	ev->qmp_note[0] = '\0';
	const char *p = ev->qmp_override ? ev->qmp_override : qemu_cmdline_qmp_path(&ev->q->cmd);
	if (!p) {
		snprintf(ev->qmp_note, sizeof(ev->qmp_note), "no QMP socket in the command");
		return;
	}
	if (ev->q->state && strchr("TtZX", ev->q->state)) {
		snprintf(ev->qmp_note, sizeof(ev->qmp_note), "qemu is not running: QMP not asked");
		return;
	}
	if (p[0] != '/' && !ev->q->cwd[0]) {
		snprintf(ev->qmp_note, sizeof(ev->qmp_note),
			 "the QMP socket %s is relative to qemu's working directory, which vlab cannot read", p);
		return;
	}
	char holder[96];
	connect_path(ev->q, p, ev->qmp_path, sizeof(ev->qmp_path));
	if (socket_held(ev->q, ev->qmp_path, holder, sizeof(holder)) == 1) {
		snprintf(ev->qmp_note, sizeof(ev->qmp_note), "the QMP socket %s is held by %s", p,
			 holder[0] ? holder : "another client");
		return;
	}
	struct qmp *qmp;
	/* the socket must be the qemu's own: a socket in a directory someone
	 * else can write may be served by anyone. Its greeting is waited for as
	 * long as the queries are (x4 under TCG): grading -j 2 on two busy cores
	 * saw a qemu greet after more than 2 s, and its QMP evidence missing */
	int r = qmp_connect_peer(&qmp, ev->qmp_path, ev->q->pid, ev->q->pid, 2000 * ev->scale);
	if (r == -EPERM) {
		snprintf(ev->qmp_note, sizeof(ev->qmp_note), "the QMP socket %s is served by another process, not by qemu "
			 "(pid %d)", p, (int)ev->q->pid);
		return;
	}
	if (r) {
		snprintf(ev->qmp_note, sizeof(ev->qmp_note), "cannot talk QMP on %s: %s", p, strerror(-r));
		return;
	}
	json_t *ret = NULL;
	if (qmp_execute(qmp, "query-status", NULL, &ret, NULL, 2000 * ev->scale) == 0 &&
	    qmp_parse_status(ret, ev->qmp_status, sizeof(ev->qmp_status), &ev->qmp_running) == 0)
		ev->qmp_ok = true;
	json_decref(ret);
	ret = NULL;
	if (qmp_execute(qmp, "query-memory-size-summary", NULL, &ret, NULL, 2000 * ev->scale) == 0 &&
	    qmp_parse_memory_summary(ret, &ev->qmp_base_memory, NULL) == 0)
		ev->qmp_memory_ok = true;
	json_decref(ret);
	qmp_close(qmp);
}

/* ---- the console ------------------------------------------------------- */

/* What the console's bytes so far say: a login prompt, a shell prompt, or
 * other text (busy); the last lines into seen. */
static enum console_state probe_classify(const struct strbuf *buf, char *seen, size_t n)
{
	enum console_state st = CON_BUSY;
	char *clean = xstrndup(buf->buf, buf->len);
	size_t cl = console_clean_output(clean, buf->len);
	clean[cl] = '\0';
	char *t = rtrim(xstrdup(clean));
	size_t tl = strlen(t);
	if (tl >= 6 && !strcmp(t + tl - 6, "login:"))
		st = CON_FREE;
	else if (cl >= 2 && clean[cl - 1] == ' ' && (clean[cl - 2] == '#' || clean[cl - 2] == '$'))
		st = CON_SHELL;
	transcript_last_lines(clean, 3, seen, n);
	free(t);
	free(clean);
	return st;
}

/* Press Enter and see what answers: a login prompt, a shell prompt, other
 * text, or nothing. The bytes read are the console's reply to our Enter:
 * nothing the student would have seen is consumed. Twice; and while qemu
 * is younger than BOOT_GRACE_MS (its guest may still be booting), again
 * every PROBE_MS until it is that old. */
static enum console_state probe_console(const struct evidence *ev, int fd, char *seen, size_t n)
{
	struct strbuf buf = STRBUF_INIT;
	enum console_state st = CON_SILENT;
	int64_t grace = ev->q->age_ms >= 0 && ev->q->age_ms < BOOT_GRACE_MS ? BOOT_GRACE_MS - ev->q->age_ms : 0;
	int64_t booting_until = now_ms() + grace;
	seen[0] = '\0';
	for (int attempt = 0; (attempt < 2 || ms_left(booting_until) > 0) && (st == CON_SILENT || st == CON_BUSY) &&
			      !cleanup_stop_requested();
	     attempt++) {
		if (send(fd, "\r", 1, MSG_NOSIGNAL) != 1) {
			st = CON_CLOSED;
			break;
		}
		int64_t deadline = now_ms() + PROBE_MS;
		while (ms_left(deadline) > 0 && !cleanup_stop_requested()) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int64_t left = ms_left(deadline);
			if (poll(&pfd, 1, (int)(left < 100 ? left : 100)) <= 0)
				continue;
			char chunk[4096];
			ssize_t got = read(fd, chunk, sizeof(chunk));
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (got <= 0) {
				st = CON_CLOSED;
				break;
			}
			sb_add(&buf, chunk, (size_t)got);
			if (buf.len > 64 * 1024)
				sb_remove_prefix(&buf, buf.len - 4096);
			st = probe_classify(&buf, seen, n);
			if (st == CON_FREE || st == CON_SHELL)
				break;
		}
		if (st == CON_CLOSED || st == CON_FREE || st == CON_SHELL)
			break;
	}
	sb_release(&buf);
	return st;
}

/* A guest command; on a broken console, say why and give up on the guest. */
static int guest_run(struct evidence *ev, struct console *con, const char *cmd, int64_t ms, struct strbuf *out)
{
	int status;
	int r = console_run(con, cmd, ms * ev->scale, out, &status);
	if (r && r != -EINTR && !ev->guest_error[0]) {
		snprintf(ev->guest_error, sizeof(ev->guest_error), "the guest stopped answering `%s` on the console (%s)",
			 cmd, strerror(-r));
		/* our own command: take it back, so the shell is left as found */
		if (r == -ETIMEDOUT)
			console_interrupt(con, 3000 * ev->scale);
	}
	return r;
}

/* Grading only: the lab's guest side of chapter 2, which is vlab's doing
 * and not the student's (their part is the NIC): the NIC with the lab's MAC
 * (else the first that is not lo) up with 10.0.0.10/24, and the HTTP server
 * on port 8000 serving /root. */
static void guest_setup(struct evidence *ev, struct console *con)
{
	struct strbuf out = STRBUF_INIT;
	char nic[32] = "", first[32] = "";
	/* the NIC modules load in the background at boot: a command with a NIC
	 * gets its NIC listed within 10 s (x4 under TCG), as chapter 2 waits */
	struct qemu_nic nics[2];
	bool wants = qemu_cmdline_nics(&ev->q->cmd, nics, ARRAY_SIZE(nics)) > 0;
	int64_t deadline = now_ms() + 10000 * ev->scale;
	for (;;) {
		if (guest_run(ev, con, LIST_NICS, 5000, &out))
			goto out;
		char *save = NULL, *list = xstrdup(sb_str(&out));
		for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char name[32], mac[32];
			if (sscanf(line, "%31s %31s", name, mac) != 2 || !strcmp(name, "lo"))
				continue;
			if (!first[0])
				snprintf(first, sizeof(first), "%s", name);
			if (!strcasecmp(mac, LAB_NIC_MAC))
				snprintf(nic, sizeof(nic), "%s", name);
		}
		free(list);
		if (first[0] || !wants || ms_left(deadline) <= 0 || cleanup_stop_requested())
			break;
		poll(NULL, 0, 300);
	}
	if (!nic[0])
		snprintf(nic, sizeof(nic), "%s", first);
	if (!nic[0]) {
		snprintf(ev->guest_setup_note, sizeof(ev->guest_setup_note), "the guest has no NIC to give " LAB_GUEST_CIDR);
		goto out;
	}
	/* the e1000 has carrier ~2 s after it is up (its watchdog period):
	 * the pings would lose their first packets to it, so the guest waits
	 * for it (up to 10 s) */
	char *cmd = xasprintf("ip link set %s up && ip addr add " LAB_GUEST_CIDR " dev %s && %s; for i in $(seq 100); do "
			      "[ \"$(cat /sys/class/net/%s/carrier 2>/dev/null)\" = 1 ] && break; sleep 0.1; done",
			      nic, nic, ev->guest_setup_http, nic);
	int r = guest_run(ev, con, cmd, 15000, &out);
	free(cmd);
	snprintf(ev->guest_setup_note, sizeof(ev->guest_setup_note), "vlab gave %s " LAB_GUEST_CIDR " and started the HTTP server%s%s",
		 nic, r ? ": " : "", r ? strerror(-r) : "");
out:
	sb_release(&out);
}

/* The read-only commands, in whatever shell we have. */
static void guest_commands(struct evidence *ev, struct console *con, const char *user)
{
	struct strbuf out = STRBUF_INIT;
	ev->asked = true;
	snprintf(ev->shell_user, sizeof(ev->shell_user), "%s", user);
	for (const char *const *cmd = ev->setup_cmds; cmd && *cmd && !strcmp(user, "root"); cmd++) {
		int status = 0;
		int r = console_run(con, *cmd, 30000 * ev->scale, &out, &status);
		if ((r || status) && !ev->guest_setup_note[0])
			text_printf(ev->guest_setup_note, sizeof(ev->guest_setup_note), "vlab's set-up in the guest %s: %s",
				    r ? "stopped" : "failed", r ? strerror(-r) : sb_str(&out));
		if (r && r != -EINTR && !ev->guest_error[0])
			snprintf(ev->guest_error, sizeof(ev->guest_error), "the guest stopped answering vlab's set-up on "
				 "the console (%s)", strerror(-r));
		if (r == -ETIMEDOUT)
			console_interrupt(con, 3000 * ev->scale);
		if (r)
			goto out;
	}
	/* the commands; once the last ran, around_cmd once more, and
	 * run_again_from may send the loop back (once) */
	bool again = false;
	const int max = (int)ARRAY_SIZE(ev->only_out);
	for (int k = 0; ev->only_cmds && k < max && ev->only_cmds[k];) {
		if (ev->around_cmd && !again)
			ev->around_cmd(ev->around_cmd_arg, k);
		if (guest_run(ev, con, ev->only_cmds[k], 15000, &ev->only_out[k]))
			goto out;
		ev->only_ran = ++k;
		if ((k < max && ev->only_cmds[k]) || again)
			continue;
		if (ev->around_cmd)
			ev->around_cmd(ev->around_cmd_arg, k);
		int from = ev->run_again_from ? ev->run_again_from(ev->run_again_arg, ev) : -1;
		if (from >= 0 && from < k) {
			again = true;
			k = from;
		}
	}
	if (ev->only_cmds)
		goto out;
	if (ev->guest_setup_http && !strcmp(user, "root") && ev->chapter > 1)
		guest_setup(ev, con);
	if (guest_run(ev, con, "cat /proc/mounts", 5000, &out))
		goto out;
	/* read: a root it cannot tell stays "", which the verdict reports */
	ev->mounts_ok = true;
	if (parse_root_mount(sb_str(&out), ev->root_dev, sizeof(ev->root_dev), ev->root_fstype,
			     sizeof(ev->root_fstype)))
		ev->root_dev[0] = ev->root_fstype[0] = '\0';
	if (guest_run(ev, con, "ip a s", 5000, &out))
		goto out;
	ev->ip_read = true;
	ev->nifs = parse_ip_addr_show(sb_str(&out), ev->ifs, ARRAY_SIZE(ev->ifs));
	if (ev->chapter < 2)
		goto out;
	if (guest_run(ev, con, LIST_NICS, 5000, &out))
		goto out;
	ev->nics_ok = true;
	char *save = NULL, *list = xstrdup(sb_str(&out));
	for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[32], mac[32], drv[64] = "";
		if (sscanf(line, "%31s %31s %63s", name, mac, drv) >= 2 && !strcasecmp(mac, LAB_NIC_MAC)) {
			snprintf(ev->nic_if, sizeof(ev->nic_if), "%s", name);
			snprintf(ev->nic_driver, sizeof(ev->nic_driver), "%s", drv);
		}
	}
	free(list);
	/* grading boots vlab's own image, whose busybox ping takes a
	 * fraction of a second as its interval: three pings in 0.4 s, not 2 s;
	 * verify asks the student's guest, whatever its ping */
	if (guest_run(ev, con,
		      ev->guest_setup_http ? "ping -c 3 -i 0.2 -W 2 " LAB_HOST_IP : "ping -c 3 -W 2 " LAB_HOST_IP, 15000,
		      &ev->ping_out))
		goto out;
	ev->ping_ran = true;
	if (guest_run(ev, con, "sha256sum /root/index.html", 5000, &out))
		goto out;
	if (out.len >= 64) {
		snprintf(ev->index_sha256, sizeof(ev->index_sha256), "%.64s", out.buf);
		if (!is_sha256_hex(ev->index_sha256))
			ev->index_sha256[0] = '\0';
	}
out:
	sb_release(&out);
}

/* Log in as user, ask who we are, run the commands when none ran yet, log
 * out. *rc: the login's result. */
static void login_session(struct evidence *ev, struct console *con, const char *user, const char *password, int *rc,
			  char *id, size_t idlen)
{
	int64_t t = 10000 * ev->scale;
	*rc = console_login_plain(con, user, password, t);
	if (*rc && *rc != -EACCES && !ev->guest_error[0])
		snprintf(ev->guest_error, sizeof(ev->guest_error), "logging in as %s on the console failed (%s)", user,
			 strerror(-*rc));
	if (*rc)
		return;
	struct strbuf out = STRBUF_INIT;
	int status;
	*rc = console_run(con, "id -un", 5000 * ev->scale, &out, &status);
	snprintf(id, idlen, "%s", sb_str(&out));
	rtrim(id);
	sb_release(&out);
	if (*rc)
		return;
	if (!ev->asked)
		guest_commands(ev, con, id);
	/* grading's last session: its guest is ended next, and what getty
	 * shows after it judges nothing */
	if (ev->guest_setup_http && !strcmp(user, LAB_STUDENT_USER)) {
		console_logout_nowait(con, t);
		return;
	}
	if (console_logout(con, t) && !ev->guest_error[0])
		snprintf(ev->guest_error, sizeof(ev->guest_error), "%s's shell did not give the login prompt back", user);
}

/* Until when vlab waits for qemu to take its console connection while no
 * other client holds the console. Grading's qemu has just started: a TCG
 * machine still being built on a loaded host (four guests of grading -j 2
 * and a sanitized vlab on two cores took over 4 s) has not reached the
 * main loop that accepts, so it may take the whole boot wait. A running
 * lab's qemu accepts at once: 2.5 s a unit, scaled as every other (x4). */
static int64_t accept_deadline(const struct evidence *ev)
{
	return now_ms() + (ev->boot_wait_ms > 0 ? ev->boot_wait_ms : 2500 * ev->scale);
}

enum accept_outcome { ACCEPTED, HELD, NOT_TAKEN };

/* Whether qemu accepted fd's connection. Not while another client holds
 * the console (its holder into ev->holder): vlab leaves before sending a
 * byte, or qemu would hand our Enter to the guest once they go. Not
 * accepted and no one holding it: qemu is late, and vlab waits on,
 * looking again each second, up to deadline. */
static enum accept_outcome serial_accepted(struct evidence *ev, int fd, int64_t deadline)
{
	for (;;) {
		int64_t left = ms_left(deadline);
		int r = unix_wait_accepted(fd, left < 1000 ? left : 1000);
		if (r != 0)
			return ACCEPTED; /* or sock_diag cannot tell: the reads have the last word */
		if (socket_held(ev->q, ev->serial_connect, ev->holder, sizeof(ev->holder)) == 1)
			return HELD;
		if (ms_left(deadline) <= 0 || cleanup_stop_requested())
			return NOT_TAKEN;
	}
}

/* A connection to the serial console that qemu (and no one else) serves
 * and that qemu accepted by accept_by (see accept_deadline); -1 with
 * ev->con and ev->con_why saying why not. */
static int serial_connect_accepted(struct evidence *ev, int64_t accept_by)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(ev->serial_connect);
	if (len >= sizeof(sa.sun_path)) {
		ev->con = CON_UNUSABLE;
		text_printf(ev->con_why, sizeof(ev->con_why),
			    "the serial socket %s is %zu bytes long, past what a UNIX socket address holds (%zu)",
			    ev->serial_path, len, sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, ev->serial_connect, len + 1);
	/* non-blocking: a full backlog is EAGAIN, not a hang */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		if (e == EAGAIN) {
			ev->con = CON_HELD;
			snprintf(ev->con_why, sizeof(ev->con_why),
				 "the serial console is held by another client, and more wait for it");
		} else {
			ev->con = CON_UNUSABLE;
			text_printf(ev->con_why, sizeof(ev->con_why), "cannot connect to the serial socket %s: %s",
				 ev->serial_path, strerror(e));
		}
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* the server must be the qemu judged, not a process of someone who
	 * can write the socket's directory */
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cred.pid != ev->q->pid) {
		close(fd);
		ev->con = CON_UNUSABLE;
		text_printf(ev->con_why, sizeof(ev->con_why), "the serial socket %s is served by %s, not by qemu (pid %d)",
			 ev->serial_path, cl == sizeof(cred) && cred.pid > 0 ? "another process" : "an unknown process",
			 (int)ev->q->pid);
		return -1;
	}
	int64_t t0 = now_ms();
	switch (serial_accepted(ev, fd, accept_by)) {
	case ACCEPTED:
		return fd;
	case HELD:
		console_held(ev);
		break;
	case NOT_TAKEN:
		/* qemu's main loop never came round to it. Grading waited the
		 * whole boot wait for a qemu it had just started: nothing of the
		 * guest showed, as with a console that stays silent. verify's
		 * shorter wait on a running lab proves no dead guest: it could
		 * not read the console */
		ev->con = ev->boot_wait_ms > 0 ? CON_SILENT : CON_UNUSABLE;
		snprintf(ev->con_why, sizeof(ev->con_why),
			 "qemu did not take vlab's connection to the serial console in %lld s, and no other client "
			 "held it",
			 (long long)((now_ms() - t0) / 1000));
		break;
	}
	close(fd);
	return -1;
}

/* A console that showed no prompt within the boot wait, said (r: the
 * wait's error) and closed. QMP is asked again: what the VM is now (paused
 * by -S, stopped on an I/O error, or running) is what the wait found, not
 * what it was before the wait. */
static void boot_silent(struct evidence *ev, struct console *con, int r)
{
	transcript_last_lines(console_tail(con), 3, ev->con_seen, sizeof(ev->con_seen));
	ev->con = CON_SILENT;
	snprintf(ev->con_why, sizeof(ev->con_why), "no login prompt on the serial console within %lld s (%s)",
		 (long long)(ev->boot_wait_ms / 1000), strerror(-r));
	console_close(con);
	evidence_qmp(ev);
}

/* Grading: the VM has just started, and its first "login:" may be a boot
 * away, due by boot_by. The console at that prompt (CON_FREE), or NULL,
 * said. */
static struct console *console_after_boot(struct evidence *ev, int fd, int64_t boot_by)
{
	struct console *con = NULL;
	if (console_from_fd(&con, fd, ev->transcript)) {
		ev->con = CON_UNUSABLE;
		text_printf(ev->con_why, sizeof(ev->con_why), "cannot use the serial socket %s", ev->serial_path);
		return NULL;
	}
	int r = console_wait_login_prompt(con, 3000, ms_left(boot_by));
	if (r == 0) {
		ev->con = CON_FREE;
		return con;
	}
	boot_silent(ev, con, r);
	return NULL;
}

/* What an Enter on the console showed, in words for the student. */
static void describe_probe(struct evidence *ev, const char *seen)
{
	snprintf(ev->con_seen, sizeof(ev->con_seen), "%s", seen);
	switch (ev->con) {
	case CON_FREE:
	case CON_SHELL:
		break;
	case CON_BUSY:
		text_printf(ev->con_why, sizeof(ev->con_why),
			    "the serial console %s answered vlab's Enters with neither a login prompt nor a shell "
			    "prompt (a program in the foreground?)",
			    ev->serial_path);
		break;
	case CON_SILENT:
		text_printf(ev->con_why, sizeof(ev->con_why),
			    "the serial console %s answered none of vlab's Enters in %d s, and no other client holds it",
			    ev->serial_path, 2 * PROBE_MS / 1000);
		break;
	default:
		text_printf(ev->con_why, sizeof(ev->con_why), "the serial socket %s closed while vlab waited for an answer",
			    ev->serial_path);
		break;
	}
}

/* A shell was left open: the read-only commands in it, no login. */
static void read_in_open_shell(struct evidence *ev, struct console *con)
{
	struct strbuf out = STRBUF_INIT;
	int status;
	char who[32] = "";
	if (console_run(con, "id -un", 5000 * ev->scale, &out, &status) == 0) {
		snprintf(who, sizeof(who), "%s", sb_str(&out));
		rtrim(who);
		guest_commands(ev, con, who);
	} else {
		snprintf(ev->guest_error, sizeof(ev->guest_error), "the open shell did not run `id -un`");
	}
	sb_release(&out);
	snprintf(ev->con_why, sizeof(ev->con_why), "a shell was already open on the console%s%s%s: not logged in again",
		 who[0] ? " (as " : "", who, who[0] ? ")" : "");
}

/* At a login prompt: root's session (the commands), then student's. */
static void read_in_logins(struct evidence *ev, struct console *con)
{
	ev->root_tried = true;
	login_session(ev, con, LAB_ROOT_USER, LAB_ROOT_PASSWORD, &ev->root_rc, ev->root_id, sizeof(ev->root_id));
	/* refused: getty comes back with a new prompt; any other failure
	 * is a broken console, where a second login would fare no better */
	if (ev->root_rc == -EACCES)
		console_wait_login_prompt(con, 1000, 10000 * ev->scale);
	if ((ev->root_rc == 0 || ev->root_rc == -EACCES) && !ev->only_cmds) {
		ev->student_tried = true;
		login_session(ev, con, LAB_STUDENT_USER, LAB_STUDENT_PASSWORD, &ev->student_rc, ev->student_id,
			      sizeof(ev->student_id));
	}
}

void evidence_await_boots(struct evidence *const *evs, size_t n)
{
	int64_t start = now_ms(), next_nudge = start + 3000;
	size_t left = 0;
	for (size_t k = 0; k < n; k++) {
		struct evidence *ev = evs[k];
		if (ev->con != CON_FREE || ev->boot_wait_ms <= 0 || ev->booted)
			continue;
		/* a qemu late to accept eats into the boot wait, not past it */
		int fd = serial_connect_accepted(ev, start + ev->boot_wait_ms);
		if (fd < 0)
			continue;
		if (console_from_fd(&ev->booted, fd, ev->transcript)) {
			ev->con = CON_UNUSABLE;
			text_printf(ev->con_why, sizeof(ev->con_why), "cannot use the serial socket %s", ev->serial_path);
			continue;
		}
		left++;
	}
	bool *at_prompt = xcalloc(n ? n : 1, sizeof(*at_prompt));
	while (left) {
		/* a short look at each console in turn (the bytes are kept, and
		 * "login:" is found on a later look); every 3 s an Enter makes
		 * getty say it again, as console_after_boot's wait does */
		bool nudge = now_ms() >= next_nudge;
		for (size_t k = 0; k < n; k++) {
			struct evidence *ev = evs[k];
			if (!ev->booted || at_prompt[k])
				continue;
			int r = console_wait_login_prompt(ev->booted, nudge ? 1 : 0, nudge ? 2 : 50);
			if (r == 0) {
				at_prompt[k] = true;
				left--;
			} else if (r != -ETIMEDOUT || now_ms() - start > ev->boot_wait_ms) {
				boot_silent(ev, ev->booted, r);
				ev->booted = NULL;
				left--;
			}
		}
		if (nudge)
			next_nudge = now_ms() + 3000;
	}
	free(at_prompt);
}

/* The guest over a console that vlab found free. */
static void read_guest(struct evidence *ev)
{
	struct console *con = NULL;
	if (ev->booted) {
		/* at "login:" (evidence_await_boots) */
		con = ev->booted;
		ev->booted = NULL;
		read_in_logins(ev, con);
		console_close(con);
		return;
	}
	/* grading: the accept and the boot share one wait */
	int64_t accept_by = accept_deadline(ev);
	int fd = serial_connect_accepted(ev, accept_by);
	if (fd < 0)
		return;
	if (ev->boot_wait_ms > 0) {
		if (!(con = console_after_boot(ev, fd, accept_by)))
			return;
	} else {
		char seen[sizeof(ev->con_seen)];
		ev->con = probe_console(ev, fd, seen, sizeof(seen));
		describe_probe(ev, seen);
		if (ev->con != CON_FREE && ev->con != CON_SHELL) {
			close(fd);
			return;
		}
		if (console_from_fd(&con, fd, NULL)) {
			ev->con = CON_UNUSABLE;
			text_printf(ev->con_why, sizeof(ev->con_why), "cannot use the serial socket %s", ev->serial_path);
			return;
		}
	}
	if (ev->con == CON_SHELL)
		read_in_open_shell(ev, con);
	else
		read_in_logins(ev, con);
	console_close(con);
}

/* The command boots a kernel with no -initrd, and an initrd.img lies in
 * the kernel's directory (where `vlab handout` puts the image's): its path
 * as the student names it, into ev->initrd_beside. */
static void initrd_beside_kernel(struct evidence *ev)
{
	const struct qemu_cmdline *c = &ev->q->cmd;
	ev->initrd_beside[0] = '\0';
	if (!c->kernel || c->initrd || ev->initrd_by_shim)
		return;
	const char *slash = strrchr(c->kernel, '/');
	char *named = slash ? xasprintf("%.*s/initrd.img", (int)(slash - c->kernel), c->kernel) : xstrdup("initrd.img");
	char *at = named[0] == '/' ? xasprintf("/proc/%d/root%s", (int)ev->q->pid, named)
				   : xasprintf("/proc/%d/cwd/%s", (int)ev->q->pid, named);
	struct stat st;
	if (stat(at, &st) == 0 && S_ISREG(st.st_mode))
		snprintf(ev->initrd_beside, sizeof(ev->initrd_beside), "%s", named);
	free(at);
	free(named);
}

void evidence_guest(struct evidence *ev)
{
	int64_t t0 = now_ms();
	if (ev->con == CON_FREE)
		read_guest(ev);
	/* what a console that never answered may come from */
	if (ev->con == CON_SILENT || ev->con == CON_CLOSED || ev->con == CON_BUSY)
		initrd_beside_kernel(ev);
	ev->qemu_gone = !qemu_proc_still_runs(ev->q);
	/* qemu closes its sockets on the way out: a console that closed on
	 * vlab is a qemu exiting, give it a moment to be gone (seen: SIGTERM
	 * closed the socket while /proc still had qemu running) */
	for (int64_t until = now_ms() + 1000; ev->con == CON_CLOSED && !ev->qemu_gone && ms_left(until) > 0;) {
		poll(NULL, 0, 20);
		ev->qemu_gone = !qemu_proc_still_runs(ev->q);
	}
	ev->t_guest_ms = now_ms() - t0;
}
