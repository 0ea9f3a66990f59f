/* `vlab --sandbox-init STATUS_FD SCRIPT`: the first process of vlab's in a
 * grading sandbox (runner/grade/sandbox.h says what the sandbox is). It
 * runs inside the jail, as the script's uid, and only forks the script,
 * writes the script's wait status to STATUS_FD for the worker outside, and
 * reaps whatever else ends in the pid namespace until the worker ends it.
 * Kept apart from the code that builds the jail from outside
 * (sandbox.c, sandbox_launch.c) and from the uid claim (sandbox_uid.c):
 * what of vlab's runs inside is this and the shims the script calls
 * (shim.c for qemu, shim_net.c for ip and brctl). */
#ifndef VLAB_GRADE_SANDBOX_INIT_H
#define VLAB_GRADE_SANDBOX_INIT_H

/* Never returns but by exit; 125 for arguments that are not the worker's. */
int sandbox_init_main(int argc, char **argv);

#endif
