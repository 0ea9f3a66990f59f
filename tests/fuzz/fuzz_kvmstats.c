/* libFuzzer harness for the KVM binary stats parser (checks/exits.c): any
 * bytes must parse without a crash, a leak or undefined behaviour, and the
 * parser's answers must hold together: a file that parses names a length
 * that covers it, every name is a string, a full list and a cut one agree,
 * and a file compared with itself grew by nothing. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/exits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kvm_stat all[128], few[4];
	size_t n = 0, nfew = 0, need = 0, data_len = 0;
	int r = kvm_stats_parse(data, size, all, 128, &n);
	int rfew = kvm_stats_parse(data, size, few, 4, &nfew);
	if (r != 0 && r != -ENOSPC && r != -EBADMSG)
		abort();
	if (n > 128 || nfew > 4 || (r == -EBADMSG && n))
		abort();
	/* the cut list is the full one's head */
	if ((r == -EBADMSG) != (rfew == -EBADMSG) || nfew > n)
		abort();
	for (size_t i = 0; i < nfew; i++)
		if (memcmp(&few[i], &all[i], sizeof(few[i])))
			abort();
	for (size_t i = 0; i < n; i++)
		if (!memchr(all[i].name, '\0', sizeof(all[i].name)) || all[i].size == 0)
			abort();

	char id[KVM_STAT_NAME_MAX];
	int rid = kvm_stats_id(data, size, id, sizeof(id));
	if (rid != 0 && rid != -EBADMSG)
		abort();
	int rext = kvm_stats_extent(data, size, &need, &data_len);
	if (rext != 0 && rext != -EAGAIN && rext != -EBADMSG)
		abort();
	/* what parses, with its id, is all there: nothing more to read */
	if (r != -EBADMSG && rid == 0 && (rext != 0 || need > size))
		abort();
	if (rext == -EAGAIN && need <= size)
		abort();

	struct stats_delta d;
	memset(&d, 0, sizeof(d));
	kvm_stats_delta(all, n, all, n, &d);
	if (d.exits || d.io_exits || d.mmio_exits || d.halt_exits)
		abort();
	return 0;
}
