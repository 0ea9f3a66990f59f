/* --manual: vlab holds qemu's serial socket itself and serves the console
 * again on a socket of its own (VM.console.sock), for `vlab console` or
 * socat. Every byte passes through vlab, and what the guest sends lands in
 * the transcript, so the checks can read what the student did; vlab itself
 * types nothing into the guest. */
#ifndef VLAB_RELAY_H
#define VLAB_RELAY_H

/* Several VMs' consoles at once (chapter 3 serves vm1 and vm2): each on its
 * own listen_path, one client each, as above. At most RELAY_MAX. */
#define RELAY_MAX 4
struct relay_console {
	const char *listen_path;  /* "RUN_DIR/vm1.console.sock" */
	int serial_fd;            /* qemu's serial socket, connected */
	int transcript_fd;        /* -1: none */
};
int relay_consoles_until_enter(const struct relay_console *cons, int n, int stdin_fd);

#endif
