/* vlab's exit statuses, and the small set of ways vlab says what went
 * wrong: a usage error (usage_fail), an error that ends a command
 * (say_error), a line on the way (error_line). Each is one line "vlab:
 * WHAT" on stderr, naming the thing and, where there is one, the fix.
 * Every command returns one of these statuses (or 128+signal when a stop
 * request ended it); vlab(1) says what each means ("EXIT STATUS"). */
#ifndef VLAB_EXIT_STATUS_H
#define VLAB_EXIT_STATUS_H

#include <stdarg.h>

#include "checks/verdict.h"

enum {
	EXIT_PASS = 0,
	EXIT_CHECK_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_HOST = 3,      /* the host lacks what is needed, or an input is unusable */
	EXIT_INTERNAL = 4,
};

/* A run's overall verdict as its exit status: PASS and SKIP (the host
 * lacked something, said in the report) 0, FAIL 1, ERROR (vlab broke) 4.
 * Every command that ends on checks' verdicts maps them here. */
int exit_status_of_verdict(enum verdict v);

/* A usage error: "vlab: WHAT" and "usage: vlab USAGE" on stderr; returns
 * EXIT_USAGE. usage is the command and its synopsis ("grade SUBMISSION..."). */
int usage_fail(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int usage_vfail(const char *usage, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* "vlab: WHAT" on stderr; returns status, for `return say_error(EXIT_HOST,
 * "...")`. */
int say_error(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "vlab: WHAT" on stderr, when the command goes on (or its status is
 * decided elsewhere). */
void error_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
