/* The error lines of runner/exit_status.h. */
#include "runner/exit_status.h"

#include <stdarg.h>
#include <stdio.h>

int usage_vfail(const char *usage, const char *fmt, va_list ap)
{
	fputs("vlab: ", stderr);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nusage: vlab %s\n", usage);
	return EXIT_USAGE;
}

int usage_fail(const char *usage, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = usage_vfail(usage, fmt, ap);
	va_end(ap);
	return r;
}

static void vsay(const char *fmt, va_list ap)
{
	fputs("vlab: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int say_error(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	return status;
}

void error_line(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

int exit_status_of_verdict(enum verdict v)
{
	switch (v) {
	case VERDICT_PASS:
	case VERDICT_SKIP:
		return EXIT_PASS;
	case VERDICT_FAIL:
		return EXIT_CHECK_FAILED;
	case VERDICT_ERROR:
		break;
	}
	return EXIT_INTERNAL;
}
