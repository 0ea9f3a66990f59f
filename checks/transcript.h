/* What a student typed on the serial console and what came back, read from
 * a console transcript (pure: cleaned text in, outputs out). This is the
 * evidence of --manual mode, where vlab only watches. */
#ifndef VLAB_TRANSCRIPT_H
#define VLAB_TRANSCRIPT_H

#include <stddef.h>

#include "runner/util.h"

/* The outputs of every run of cmd in the cleaned transcript text (see
 * console_clean_output): a prompt line whose command is exactly cmd starts
 * one; its output is the lines up to the next prompt or "login:" line.
 * Appends up to max outputs to outs (each a strbuf to release); returns how
 * many were found (may exceed max). */
size_t transcript_outputs(const char *text, const char *cmd, struct strbuf *outs, size_t max);
/* The same for every command line that starts with prefix and contains
 * what ("ping", "10.0.0.1" finds `ping 10.0.0.1` and `ping -c 3 10.0.0.1`);
 * what may be NULL. */
size_t transcript_outputs_like(const char *text, const char *prefix, const char *what, struct strbuf *outs,
			       size_t max);

/* The last non-empty lines (at most `lines`) of cleaned console text, for
 * messages: joined with " | ", spaces at their ends dropped, cut with
 * "..." (text_printf) to fit n bytes. "" when there are none. */
void transcript_last_lines(const char *text, int lines, char *out, size_t n);

#endif
