/* A small QMP client (QEMU Machine Protocol, JSON over a UNIX socket).
 *
 * The protocol (qemu docs/interop/qmp-spec): on connect the server sends a
 * greeting {"QMP": {...}}; the client sends {"execute": "qmp_capabilities"};
 * afterwards each {"execute": CMD, "arguments": {...}, "id": N} gets exactly
 * one {"return": ...} or {"error": {"class", "desc"}} carrying the same id,
 * and asynchronous {"event": ...} messages may arrive at any time in between.
 * Messages are separated by newlines ("\r\n" from qemu).
 */
#ifndef VLAB_QMP_H
#define VLAB_QMP_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

struct qmp;

/* Connect (retrying until the socket is served or the deadline passes, giving
 * up with -EPIPE if watch_pid > 0 has exited), read the greeting and
 * negotiate capabilities. */
int qmp_connect(struct qmp **out, const char *path, pid_t watch_pid, int64_t timeout_ms);
/* The same, and the QMP server must be process peer (SO_PEERCRED): -EPERM
 * when another process serves the socket. */
int qmp_connect_peer(struct qmp **out, const char *path, pid_t watch_pid, pid_t peer, int64_t timeout_ms);
/* Same over an already connected fd (tests: a socketpair). Takes the fd. */
int qmp_from_fd(struct qmp **out, int fd, int64_t timeout_ms);
void qmp_close(struct qmp *q);

/* Execute cmd with optional args (borrowed, may be NULL). On success *result
 * is the new reference to the "return" value. On a QMP error returns -EREMOTEIO
 * and, when errdesc is given, *errdesc = "Class: desc" (malloc'd). Events that
 * arrive meanwhile are counted and kept (the last 16) and skipped. */
int qmp_execute(struct qmp *q, const char *cmd, json_t *args, json_t **result,
		char **errdesc, int64_t timeout_ms);
/* Number of async events seen so far and the name of the most recent. */
unsigned qmp_events_seen(const struct qmp *q);
const char *qmp_last_event(const struct qmp *q);

/* Pure helpers for tests and for checks/. */
enum qmp_msg_kind { QMP_MSG_INVALID, QMP_MSG_GREETING, QMP_MSG_RETURN, QMP_MSG_ERROR, QMP_MSG_EVENT };
/* Classify one message (one line of JSON). *obj gets the parsed message (new
 * reference; NULL for invalid). */
enum qmp_msg_kind qmp_classify(const char *line, size_t len, json_t **obj);

#endif
