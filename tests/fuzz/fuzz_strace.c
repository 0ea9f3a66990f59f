/* libFuzzer harness for the strace ioctl log parser: any bytes must parse
 * without a crash, a leak or undefined behaviour, and what it reports must
 * hold together. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "checks/strace_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strace_summary s;
	int r = strace_parse((const char *)data, size, &s);
	if (r != 0 && s.ioctl_calls)
		abort();
	if (s.kvm_calls > s.ioctl_calls || s.region_calls > s.kvm_calls || s.nregions > STRACE_MAX_REGION_CALLS)
		abort();
	return 0;
}
