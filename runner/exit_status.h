/* vlab's exit statuses, and the one way a command says it was called wrong.
 * Every command returns one of these (or 128+signal when a stop request
 * ended it); the README says what each means to a user ("Exit status"). */
#ifndef VLAB_EXIT_STATUS_H
#define VLAB_EXIT_STATUS_H

enum {
	EXIT_PASS = 0,
	EXIT_CHECK_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_HOST = 3,      /* the host lacks what is needed, or an input is unusable */
	EXIT_INTERNAL = 4,
};

/* A usage error: "vlab: WHAT" and "usage: vlab USAGE" on stderr; returns
 * EXIT_USAGE. usage is the command and its synopsis ("grade SUBMISSION..."). */
int usage_fail(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
