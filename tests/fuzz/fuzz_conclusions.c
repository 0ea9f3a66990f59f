/* libFuzzer harness for the chapter-3 conclusions parser (untrusted text a
 * student wrote): it must end, keep its sentences NUL-terminated within
 * their buffers, and claim only with a sentence to show for it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/conclusions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nic_conclusion c;
	nic_conclusion_parse((const char *)data, size, &c);
	if (c.claim > NIC_CLAIM_CONFLICT)
		abort();
	if (memchr(c.sentence, '\0', sizeof(c.sentence)) == NULL ||
	    memchr(c.other_sentence, '\0', sizeof(c.other_sentence)) == NULL)
		abort();
	if (c.claim != NIC_CLAIM_NONE && (c.line < 1 || !c.nclaims))
		abort();
	if (c.claim == NIC_CLAIM_CONFLICT && c.other_line < 1)
		abort();
	if (c.factor < 0)
		abort();
	return 0;
}
