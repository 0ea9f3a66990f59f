/* The console's output filter (console.h includes it): what a check reads
 * of the guest's output, without the kernel's log lines, terminal escapes
 * and CRs. */
#ifndef VLAB_CONSOLE_CLEAN_H
#define VLAB_CONSOLE_CLEAN_H

#include <stdbool.h>
#include <stddef.h>

/* Remove kernel log lines ("[  1.234567] ...\n", also when they start in the
 * middle of a line), ANSI/VT100 escape sequences (ESC [ ... final byte, as
 * busybox's cursor query ESC[6n) and CRs in place; returns the new length.
 * Pure, exposed for tests. */
size_t console_clean_output(char *buf, size_t len);

/* The same, streaming: reads in[0..len), writes to out (which may be in: it
 * never writes ahead of what it has read), sets *out_len and returns how
 * much of in it consumed. Unless final, it stops before a construct the
 * buffer ends inside (half an escape, a timestamp or a kernel line without
 * its newline yet): the caller keeps the rest for the next bytes. */
size_t console_clean_stream(const char *in, size_t len, char *out, size_t *out_len, bool final);

#endif
