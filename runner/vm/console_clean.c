/* The console's output filter: kernel log lines, escape sequences and CRs
 * out of what the guest printed, in a stream or all at once. */
#include "runner/vm/console_clean.h"

#include <stdbool.h>
#include <string.h>

/* A kernel log line is shorter than this (printk's LOG_LINE_MAX is 1024
 * with the prefix); an escape sequence too. */
#define KMSG_MAX 2048
#define ESC_MAX 64

/* Length of the escape sequence at p: ESC '[' parameters (0x30–0x3F),
 * intermediates (0x20–0x2F), final byte (0x40–0x7E) per ECMA-48; any other
 * ESC x is two bytes. 0 when the buffer ends before the sequence does; one
 * longer than ESC_MAX ends there (nothing real is that long). */
static size_t esc_len(const char *p, size_t n)
{
	size_t i;

	if (n < 2)
		return 0;
	if (p[1] != '[')
		return 2;
	if (n > ESC_MAX)
		n = ESC_MAX;
	for (i = 2; i < n && (unsigned char)p[i] >= 0x30 && (unsigned char)p[i] <= 0x3f; i++)
		;
	for (; i < n && (unsigned char)p[i] >= 0x20 && (unsigned char)p[i] <= 0x2f; i++)
		;
	if (i == n)
		return n == ESC_MAX ? n : 0;
	if ((unsigned char)p[i] >= 0x40 && (unsigned char)p[i] <= 0x7e)
		return i + 1;
	/* malformed: drop the introducer, keep the odd byte */
	return i;
}

/* A printk timestamp at p, as the kernel prints it ("[%5lu.%06lu]"): '[',
 * spaces, digits, '.', six digits, ']'. Returns its length, 0 when p is not
 * one, -1 when the buffer ends while it still could be. */
static int kmsg_prefix(const char *p, size_t n)
{
	size_t i = 1, d;

	while (i < n && p[i] == ' ' && i < 16)
		i++;
	for (d = 0; i < n && p[i] >= '0' && p[i] <= '9' && d < 12; i++, d++)
		;
	if (i == n)
		return -1;
	if (d == 0 || p[i] != '.')
		return 0;
	i++;
	for (d = 0; i < n && p[i] >= '0' && p[i] <= '9' && d < 6; i++, d++)
		;
	if (i == n)
		return -1;
	if (d != 6 || p[i] != ']')
		return 0;
	return (int)(i + 1);
}

size_t console_clean_stream(const char *in, size_t len, char *out, size_t *out_len, bool final)
{
	size_t i = 0, j = 0;

	while (i < len) {
		char c = in[i];

		if (c == '\r') {
			i++;
			continue;
		}
		if (c == '\x1b') {
			size_t n = esc_len(in + i, len - i);
			if (n == 0) {
				if (!final)
					break;
				i = len;
				break;
			}
			i += n;
			continue;
		}
		if (c == '[') {
			int k = kmsg_prefix(in + i, len - i);
			if (k < 0 && !final)
				break;
			if (k > 0) {
				/* the whole kernel line goes, what came before it
				 * on the same line stays */
				size_t rest = len - i - (size_t)k;
				const char *nl = memchr(in + i + k, '\n', rest < KMSG_MAX ? rest : KMSG_MAX);
				if (nl) {
					i = (size_t)(nl - in) + 1;
					continue;
				}
				if (rest < KMSG_MAX) {
					if (!final)
						break;
					i = len;
					break;
				}
				/* too long for a kernel line: text that only
				 * looks like one */
			}
		}
		out[j++] = c;
		i++;
	}
	*out_len = j;
	return i;
}

size_t console_clean_output(char *buf, size_t len)
{
	size_t out = 0;

	if (!buf)
		return 0;
	console_clean_stream(buf, len, buf, &out, true);
	return out;
}
