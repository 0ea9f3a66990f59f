/* The one JUnit XML writer; see junit.h for the shape and why. */
#include "runner/junit.h"

#include <string.h>

#include "runner/untrusted_text.h"
#include "runner/util.h"

/* XML 1.0 text: the five specials escaped. XML 1.0 cannot carry most C0
 * controls at all, not even as character references
 * (https://www.w3.org/TR/xml/#charsets), so they, DEL, C1 controls and
 * invalid UTF-8 become the visible text \xHH (runner/untrusted_text.h);
 * newline and tab stay. */
static void xml_escape(FILE *f, const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	untrusted_text_append(&sb, s, strlen(s), UT_KEEP_NEWLINE | UT_KEEP_TAB);
	for (const char *p = sb_str(&sb); *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fputc(*p, f);
		}
	}
	sb_release(&sb);
}

/* The short message attribute of an outcome: detail's first line, at most
 * n - 1 bytes, cut between UTF-8 sequences. */
#define JUNIT_MESSAGE_MAX 200
static void short_message(const char *detail, char *out, size_t n)
{
	size_t len = strcspn(detail, "\n");
	if (len >= n) {
		len = n - 1;
		/* not in the middle of a UTF-8 sequence */
		while (len && ((unsigned char)detail[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(out, detail, len);
	out[len] = '\0';
}

enum junit_outcome junit_outcome_of(const char *status)
{
	if (!strcmp(status, "pass"))
		return JUNIT_PASS;
	if (!strcmp(status, "fail") || !strcmp(status, "parent_failed"))
		return JUNIT_FAILURE;
	if (!strcmp(status, "skip"))
		return JUNIT_SKIPPED;
	return JUNIT_ERROR;
}

void junit_count(struct junit_counts *c, const char *status)
{
	c->tests++;
	switch (junit_outcome_of(status)) {
	case JUNIT_FAILURE:
		c->failures++;
		break;
	case JUNIT_ERROR:
		c->errors++;
		break;
	case JUNIT_SKIPPED:
		c->skipped++;
		break;
	case JUNIT_PASS:
		break;
	}
}

/* A <failure>/<error>/<skipped> (tag) with its short message attribute,
 * and the text, then "hint: " and the hint (when not ""), in its body. */
static void outcome(FILE *f, const char *tag, const char *message, const char *detail, const char *hint)
{
	fprintf(f, "<%s message=\"", tag);
	xml_escape(f, message);
	fputs("\">", f);
	xml_escape(f, detail);
	if (*hint) {
		fputs(*detail ? "\nhint: " : "hint: ", f);
		xml_escape(f, hint);
	}
	fprintf(f, "</%s>", tag);
}

void junit_begin(FILE *f, const char *name, const struct junit_counts *all, double seconds)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", f);
	xml_escape(f, name);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n", all->tests, all->failures,
		all->errors, seconds);
}

void junit_suite_begin(FILE *f, const char *name, const struct junit_counts *c, double seconds,
		       const char *timestamp, const struct junit_property *props, size_t nprops)
{
	fputs("  <testsuite name=\"", f);
	xml_escape(f, name);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\" timestamp=\"",
		c->tests, c->failures, c->errors, c->skipped, seconds);
	xml_escape(f, timestamp);
	fputs("\">\n", f);
	if (!nprops)
		return;
	fputs("    <properties>\n", f);
	for (size_t p = 0; p < nprops; p++) {
		fputs("      <property name=\"", f);
		xml_escape(f, props[p].name);
		fputs("\" value=\"", f);
		xml_escape(f, props[p].value ? props[p].value : "");
		fputs("\"/>\n", f);
	}
	fputs("    </properties>\n", f);
}

void junit_case(FILE *f, const struct junit_case *c)
{
	fputs("    <testcase classname=\"", f);
	xml_escape(f, c->classname);
	fputs("\" name=\"", f);
	xml_escape(f, c->name);
	fprintf(f, "\" time=\"%.3f\">\n", c->seconds);
	static const char *const tags[] = { [JUNIT_FAILURE] = "failure", [JUNIT_ERROR] = "error",
					    [JUNIT_SKIPPED] = "skipped" };
	enum junit_outcome o = junit_outcome_of(c->status);
	if (o != JUNIT_PASS) {
		char msg[JUNIT_MESSAGE_MAX];
		short_message(c->message, msg, sizeof(msg));
		fputs("      ", f);
		outcome(f, tags[o], msg, c->text, c->hint);
		fputc('\n', f);
	}
	if (c->system_out) {
		fputs("      <system-out>", f);
		xml_escape(f, c->system_out);
		fputs("</system-out>\n", f);
	}
	fputs("    </testcase>\n", f);
}

void junit_suite_end(FILE *f)
{
	fputs("  </testsuite>\n", f);
}

void junit_end(FILE *f)
{
	fputs("</testsuites>\n", f);
	fflush(f);
}
