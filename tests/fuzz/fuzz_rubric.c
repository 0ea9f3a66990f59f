/* libFuzzer harness for the rubric parser and scoring (checks/rubric.c): any
 * bytes must parse or be refused with a message, never crash; a rubric that
 * parses must score any verdicts within its own maximum. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/rubric.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rubric r;
	static struct score s;
	char err[256];
	int rc = rubric_parse((const char *)data, size, "fuzz", &r, err, sizeof(err));
	if (rc) {
		if (!err[0])
			abort();
		return 0;
	}
	if (r.nitems < 1 || r.nitems > RUBRIC_MAX_ITEMS)
		abort();
	/* verdicts that depend on the input's bytes */
	struct check_result res[RUBRIC_MAX_ITEMS];
	for (int i = 0; i < r.nitems; i++) {
		check_init(&res[i], r.items[i].id);
		unsigned v = size ? data[(size_t)i % size] % 5 : 0;
		if (v < 4) {
			res[i].done = true;
			res[i].verdict = (enum verdict)v;
		}
		if (r.items[i].parent >= i)
			abort();
	}
	rubric_score(&r, res, (size_t)r.nitems, &s);
	if (s.points < 0 || s.points > s.max_points || s.max_points > rubric_max_points(&r))
		abort();
	if (s.npass + s.nfail + s.nparent_failed + s.nskip + s.nerror != r.nitems)
		abort();
	return 0;
}
