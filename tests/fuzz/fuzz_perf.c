/* libFuzzer harness for the perf kvm stat report parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "checks/perf_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct perf_report r;
	int rc = perf_report_parse((const char *)data, size, &r);
	if (rc && r.nrows)
		abort();
	if (r.nrows > PERF_MAX_REASONS)
		abort();
	(void)perf_cr_exits(&r);
	return 0;
}
