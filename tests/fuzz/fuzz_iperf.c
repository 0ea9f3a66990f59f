/* libFuzzer harness for the iperf3 report parser (JSON and text): any bytes
 * must parse without a crash, a leak or undefined behaviour, and what it
 * reports must hold together; the verdict and the comparison table must
 * take whatever it reports; a log split into runs (iperf_split_runs) must
 * give spans inside it, in order, each of which parses. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/iperf.h"
#include "checks/iperf_runs.h"

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
	/* the runs of a log: at least one, in order, inside the input, apart,
	 * each one the parser takes */
	struct iperf_span *spans;
	size_t n = iperf_split_runs((const char *)data, size, &spans);
	if (n < 1)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (spans[i].offset > size || spans[i].len > size - spans[i].offset || spans[i].line < 1 ||
		    !memchr(spans[i].label, 0, sizeof(spans[i].label)))
			abort();
		if (i && spans[i].offset < spans[i - 1].offset + spans[i - 1].len)
			abort();
		rc = iperf_parse((const char *)data + spans[i].offset, spans[i].len, &r);
		check_init(&v, "iperf.run");
		check_iperf_run(&v, &r, rc);
		if (!v.done)
			abort();
	}
	free(spans);
	return 0;
}
