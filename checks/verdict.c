/* Verdict helpers. */
#include "checks/verdict.h"

#include "runner/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void check_init(struct check_result *r, const char *id)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->verdict = VERDICT_ERROR;
}

static void set(struct check_result *r, enum verdict v, const char *hint, const char *fmt, va_list ap)
	PRINTF_LIKE(4, 0);
static void set(struct check_result *r, enum verdict v, const char *hint, const char *fmt, va_list ap)
{
	r->verdict = v;
	r->done = true;
	text_vprintf(r->detail, sizeof(r->detail), fmt, ap);
	text_printf(r->hint, sizeof(r->hint), "%s", hint ? hint : "");
}

void check_pass(struct check_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set(r, VERDICT_PASS, NULL, fmt, ap);
	va_end(ap);
}

void check_fail(struct check_result *r, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set(r, VERDICT_FAIL, hint, fmt, ap);
	va_end(ap);
}

void check_skip(struct check_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set(r, VERDICT_SKIP, NULL, fmt, ap);
	va_end(ap);
}

void check_error(struct check_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set(r, VERDICT_ERROR, NULL, fmt, ap);
	va_end(ap);
}

void text_prefix(char *buf, size_t n, const char *prefix)
{
	char *was = xasprintf("%s", buf);
	text_printf(buf, n, "%s: %s", prefix, was);
	free(was);
}

void check_settle_undecided(struct check_result *r)
{
	if (!r->done)
		check_error(r, "vlab gave no verdict for this check (a bug in vlab)");
}

void check_detail_prefix(struct check_result *r, const char *prefix)
{
	text_prefix(r->detail, sizeof(r->detail), prefix);
}

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_PASS:
		return "pass";
	case VERDICT_FAIL:
		return "fail";
	case VERDICT_SKIP:
		return "skip";
	case VERDICT_ERROR:
		return "error";
	}
	return "error";
}
