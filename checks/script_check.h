/* The file a student handed in as their script, looked at before it is run:
 * what would stop the kernel from running it, said in the student's terms
 * (CRLF line ends from Windows, no #! line, a binary, not executable).
 * Pure: the file's first bytes and mode in, a verdict out. */
#ifndef VLAB_SCRIPT_CHECK_H
#define VLAB_SCRIPT_CHECK_H

#include <stddef.h>

/* How many of the file's first bytes script_check wants. */
#define SCRIPT_CHECK_HEAD 512

/* name: the file's name, for the sentences. 0 when it can run; -1 with why
 * ("runqemu_single_vm.sh has CRLF line ends ...") and *hint set. */
int script_check(const char *name, const unsigned char *head, size_t n, unsigned mode, char *why, size_t wn,
		 const char **hint);

#endif
