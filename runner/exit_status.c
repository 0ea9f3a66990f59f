/* usage_fail; see exit_status.h. */
#include "runner/exit_status.h"

#include <stdarg.h>
#include <stdio.h>

int usage_fail(const char *usage, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("vlab: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: vlab %s\n", usage);
	return EXIT_USAGE;
}
