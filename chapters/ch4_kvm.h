/* Chapter 4's own options, stored by `vlab chapter`'s rows
 * (runner/cmd/lab_options.c) and read by chapters/ch4_kvm.c. */
#ifndef VLAB_CH4_KVM_H
#define VLAB_CH4_KVM_H

#include <stdbool.h>

/* how long step 2 counts VM exits when --seconds is not given */
#define CH4_COUNT_SECONDS_DEFAULT 10

struct ch4_options {
	int count_seconds;          /* --seconds: VM exits counted (step 2); 0: the default */
	bool allow_module_reload;   /* --allow-module-reload: step 2 may reload kvm_intel/kvm_amd */
};
extern struct ch4_options ch4_options;

#endif
