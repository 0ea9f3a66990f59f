/* The runs of iperf3's in one log (pure: bytes in, byte ranges out), so
 * that each is judged on its own (vlab check iperf) rather than the last
 * alone. Told apart from the captures of tests/fixtures/iperf (README:
 * "Several runs in one log"). */
#ifndef VLAB_CHECKS_IPERF_RUNS_H
#define VLAB_CHECKS_IPERF_RUNS_H

#include <stddef.h>

/* The runs a log holds, when it holds several (iperf3 run twice, its output
 * appended to one file): each a byte range of buf to give iperf_parse(), in
 * order. *spans is allocated (free() it); the count is at least 1: a log in
 * which no run can be told apart is one span, the whole of it.
 *   - JSON: iperf3 -J objects one after another. What does not parse, from
 *     there on, is one last span. A server's object that holds only its
 *     "interrupt" error (stopped while it waited for a client) is no run.
 *   - text: a run begins at its "Connecting to host" (client) or "Accepted
 *     connection from" (server) line, with the server's banner before it.
 *     iperf3 writes errors to unbuffered stderr and its report to stdout,
 *     so with `>>log 2>&1` a run's error (an interrupt, a peer gone) comes
 *     before its report and on a terminal after it: an error line goes to
 *     the run it follows if that run has neither ended ("iperf Done.") nor
 *     had an error, else to the next run. An error that comes before any
 *     report ("unable to connect to server") is a run by itself. A server's
 *     interrupt after a finished test, with no report after it, is the
 *     server stopped while it waited: no run's.
 * Each span's line is that of its Connecting/Accepted line, its error line
 * or its '{' (1-based, in buf); label is the Connecting/Accepted line's
 * text, or "started " and the JSON's start.timestamp.time, else "" (a run
 * that is only an error: its verdict names the error). */
struct iperf_span {
	size_t offset, len;
	int line;
	char label[96];
};
size_t iperf_split_runs(const char *buf, size_t len, struct iperf_span **spans);

#endif
