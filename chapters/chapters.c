/* The chapters, in order. An explicit list, not constructors: the order is
 * visible here and tests link only what they use. */
#include "runner/chapter.h"

extern const struct chapter chapter_setup;
extern const struct chapter chapter_boot;
extern const struct chapter chapter_nic;
extern const struct chapter chapter_iperf;
extern const struct chapter chapter_kvm;
extern const struct chapter chapter_kvm_api;

const struct chapter *const chapters[] = {
	&chapter_setup,
	&chapter_boot,
	&chapter_nic,
	&chapter_iperf,
	&chapter_kvm,
	&chapter_kvm_api,
};
const size_t nchapters = sizeof(chapters) / sizeof(chapters[0]);

const struct chapter *chapter_find(int number)
{
	for (size_t i = 0; i < nchapters; i++)
		if (chapters[i]->number == number)
			return chapters[i];
	return 0;
}

void chapter_options_reset(void)
{
	for (size_t i = 0; i < nchapters; i++)
		for (const struct chapter_option *o = chapters[i]->options; o && o->name; o++) {
			if (o->number)
				*o->number = 0;
			if (o->flag)
				*o->flag = false;
		}
}
