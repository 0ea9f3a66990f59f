/* libFuzzer harness for the class report: grade results as JSON (merged from
 * many machines' files) through class_stats_compute and the HTML writer. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "checks/class_report.h"
#include "runner/grade/class_html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL);
	if (!j)
		return 0;
	struct class_stats s;
	char why[256];
	if (class_stats_compute(j, &s, why, sizeof(why)) == 0) {
		if (s.count != json_array_size(j) || s.nchecks > CLASS_MAX_CHECKS)
			abort();
		unsigned binned = 0;
		for (int i = 0; i < CLASS_HISTOGRAM_BINS; i++)
			binned += s.histogram[i];
		if (binned + s.regrade > s.count)
			abort();
		FILE *f = fopen("/dev/null", "w");
		if (f) {
			class_write_html(f, &s, j, "fuzz");
			fclose(f);
		}
		class_stats_release(&s);
	}
	json_decref(j);
	return 0;
}
