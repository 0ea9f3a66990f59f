/* The handed-in script, before it runs (see script_check.h). */
#include "checks/script_check.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int script_check(const char *name, const unsigned char *head, size_t n, unsigned mode, char *why, size_t wn,
		 const char **hint)
{
	*hint = NULL;
	if (!S_ISREG(mode)) {
		snprintf(why, wn, "%s is %s, not a file", name, S_ISLNK(mode) ? "a symbolic link" :
								S_ISDIR(mode) ? "a directory" : "a special file");
		*hint = "hand in the script itself";
		return -1;
	}
	if (!n) {
		snprintf(why, wn, "%s is empty", name);
		*hint = "hand in your completed script";
		return -1;
	}
	if (n >= 4 && !memcmp(head, "\177ELF", 4)) {
		snprintf(why, wn, "%s is an ELF binary, not a shell script", name);
		*hint = "hand in the shell script with the qemu command, not a program";
		return -1;
	}
	if (memchr(head, '\0', n)) {
		snprintf(why, wn, "%s holds binary data, not a shell script", name);
		*hint = "hand in the shell script as plain text";
		return -1;
	}
	if (n < 2 || head[0] != '#' || head[1] != '!') {
		/* head is not NUL-terminated: the first line's length from n */
		const unsigned char *nl = memchr(head, '\n', n);
		size_t first = nl ? (size_t)(nl - head) : n;
		snprintf(why, wn, "%s has no #! line, so the kernel cannot run it (it starts with \"%.*s\")", name,
			 (int)(first > 24 ? 24 : first), (const char *)head);
		*hint = "make #!/bin/bash the script's first line";
		return -1;
	}
	const unsigned char *eol = memchr(head, '\n', n);
	if (eol && eol > head && eol[-1] == '\r') {
		snprintf(why, wn, "%s has CRLF line ends (saved on Windows): the kernel looks for an interpreter "
				  "named \"%.*s\\r\"",
			 name, (int)(eol - head - 3 > 40 ? 40 : eol - head - 3), (const char *)head + 2);
		*hint = "convert it with dos2unix (or save it with LF line ends)";
		return -1;
	}
	if (!(mode & S_IXUSR)) {
		snprintf(why, wn, "%s is not executable (mode %04o)", name, mode & 07777);
		*hint = "chmod +x it (the lab runs it as ./" "runqemu_single_vm.sh)";
		return -1;
	}
	return 0;
}
