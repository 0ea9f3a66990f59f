/* Text that vlab did not write (a submission's script output, a guest's
 * console, qemu's stderr, a command line) made safe to put in a report or a
 * log that a person or a program reads.
 *
 * A terminal obeys escape sequences, a CI log obeys workflow commands, an
 * XML parser rejects most control characters and a spreadsheet runs
 * formulas, so bytes from a submission never reach any of them as they are.
 * What is escaped stays visible: a byte b becomes the four characters \xHH,
 * so a grader can still see that the script printed ESC [ 2 J. Raw captures
 * (script.log, console.log) keep their bytes as evidence; only what is
 * printed from them goes through here.
 *
 * Escaped: C0 controls (0x00-0x1f) except newline and tab when kept, DEL
 * (0x7f), C1 controls written in UTF-8 (U+0080-U+009F: some terminals read
 * U+009B as CSI), and every byte that is not part of valid UTF-8 (overlong
 * forms, surrogates, past U+10FFFF, cut sequences). Valid UTF-8 text is
 * copied as it is. A backslash is not escaped: the output is for reading,
 * not for decoding back. */
#ifndef VLAB_UNTRUSTED_TEXT_H
#define VLAB_UNTRUSTED_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "runner/util.h"

enum untrusted_text_flags {
	UT_KEEP_NEWLINE = 1 << 0, /* '\n' passes (multi-line bodies) */
	UT_KEEP_TAB = 1 << 1,	  /* '\t' passes */
};

/* The length of the valid UTF-8 sequence at s (1-4), or 0 when the bytes at
 * s (n of them, n >= 1) do not start one. */
size_t utf8_sequence_len(const unsigned char *s, size_t n);

/* true when s[0..n) holds nothing untrusted_text_append would change */
bool untrusted_text_is_clean(const char *s, size_t n, unsigned flags);

/* s[0..n) appended to sb, escaped as above. */
void untrusted_text_append(struct strbuf *sb, const char *s, size_t n, unsigned flags);

/* The NUL-terminated s written to f, escaped as above (NULL writes nothing). */
void untrusted_text_fputs(FILE *f, const char *s, unsigned flags);

#endif
