/* libFuzzer harness for the EPT/NPT restore state file parser: whatever it
 * accepts names kvm_intel/ept or kvm_amd/npt and a valid value, and formats
 * back to text that parses to the same. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/ept_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ept_state s, back;
	if (ept_state_parse((const char *)data, size, &s))
		return 0;
	int intel = !strcmp(s.module, "kvm_intel") && !strcmp(s.param, "ept");
	int amd = !strcmp(s.module, "kvm_amd") && !strcmp(s.param, "npt");
	if ((!intel && !amd) || !ept_value_valid(s.original))
		abort();
	char *text = ept_state_format(&s);
	if (ept_state_parse(text, strlen(text), &back) || strcmp(back.original, s.original) || back.pid != s.pid ||
	    back.start != s.start)
		abort();
	free(text);
	return 0;
}
