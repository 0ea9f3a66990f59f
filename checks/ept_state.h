/* The EPT/NPT restore state file (runner/host/ept.h writes it before reloading
 * kvm_intel/kvm_amd; `vlab clean` and `vlab doctor` read it after a
 * SIGKILL). Pure: text in, struct out, and back. */
#ifndef VLAB_EPT_STATE_H
#define VLAB_EPT_STATE_H

#include <stdbool.h>
#include <stddef.h>

/* The state file: which parameter to put back, and its original value. */
struct ept_state {
	char module[16];
	char param[8];
	char original[8];
	long pid;          /* the vlab that wrote it */
	unsigned long long start;  /* and its start time (proc_start_time): a recycled pid is not it */
};

/* Pure. 0, or -EINVAL unless the text names kvm_intel/ept or kvm_amd/npt and
 * a value of Y, N, 1 or 0 (the file decides what vlab loads as root: nothing
 * else is accepted). */
int ept_state_parse(const char *text, size_t len, struct ept_state *out);
/* A value sysfs prints for ept/npt: Y, N (bool) or 1, 0 (older int). */
bool ept_value_valid(const char *v);
/* The file's text (malloc'd). */
char *ept_state_format(const struct ept_state *s);

#endif
