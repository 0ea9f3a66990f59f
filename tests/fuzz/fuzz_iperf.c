/* libFuzzer harness for the iperf3 report parser (JSON and text): any bytes
 * must parse without a crash, a leak or undefined behaviour, and what it
 * reports must hold together; the verdict and the comparison table must
 * take whatever it reports. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/iperf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iperf_result r;
	int rc = iperf_parse((const char *)data, size, &r);
	if (rc != 0 && !r.why[0])
		abort();
	/* every string is terminated within its field */
	if (memchr(r.version, 0, sizeof(r.version)) == NULL || memchr(r.server, 0, sizeof(r.server)) == NULL ||
	    memchr(r.error, 0, sizeof(r.error)) == NULL || memchr(r.why, 0, sizeof(r.why)) == NULL)
		abort();
	if (r.complete && (r.error[0] || (!r.sent.present && !r.received.present)))
		abort();
	if (!isfinite(r.sent.bits_per_second) || r.sent.bits_per_second < 0 || !isfinite(iperf_bps(&r)))
		abort();
	struct check_result v;
	check_init(&v, "iperf.run");
	check_iperf_run(&v, &r, rc);
	if (!v.done || (v.verdict != VERDICT_PASS && v.verdict != VERDICT_FAIL))
		abort();
	struct iperf_row row = { "x", rc ? NULL : &r };
	struct strbuf out = STRBUF_INIT;
	iperf_format_comparison(&out, &row, 1, 40, size % 2);
	sb_release(&out);
	return 0;
}
