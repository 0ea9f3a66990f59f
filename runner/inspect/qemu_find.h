/* Which running qemu is the lab built by hand, as `vlab verify`, `vlab
 * console` and `vlab shell` find it: among the qemus qemu_procs_find()
 * listed, the one vlab did not start (vlab's own are left out unless a
 * --pid names one); for chapter 3, VM1 and VM2 told apart by their command
 * lines (checks/two_vm_plan.h). Pure over that list, but for
 * qemu_find_serving, which reads /proc. The callers word what is said. */
#ifndef VLAB_INSPECT_QEMU_FIND_H
#define VLAB_INSPECT_QEMU_FIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runner/inspect/qemu_proc.h"

/* The qemu with that pid among all; NULL when it is none of them. */
struct qemu_proc *qemu_find_pid(struct qemu_proc *all, size_t n, int64_t pid);

/* What looking for the lab's qemu found. */
struct qemu_found {
	struct qemu_proc *q;  /* the one; NULL when none or several */
	size_t ncands;        /* qemus vlab did not start: the candidates */
	size_t nvlab;         /* qemus vlab started, left out */
	char pids[256];       /* the candidates' pids, "41, 42" */
};

/* The one qemu vlab did not start. 0 (f->q); -ENOENT none runs; -EEXIST
 * several do (f->pids). */
int qemu_find_handbuilt(struct qemu_proc *all, size_t n, struct qemu_found *f);

/* Chapter 3: VM1 and VM2 among want's qemus (every pid in want is one of
 * all: the caller checked), else among those vlab did not start; into
 * out[0] and out[1], NULL for a role no qemu fits. two_vm_pair()'s return,
 * why, left and nleft; *ncands how many were paired. */
int qemu_find_two_vms(struct qemu_proc *all, size_t n, const int64_t *want, int nwant, struct qemu_proc *out[2],
		      char *why, size_t whylen, char left[][200], size_t maxleft, size_t *nleft, size_t *ncands);

/* The qemu of one VM of a lab built by hand: role 0 (vm1) or 1 (vm2),
 * named: whether the student named that VM (else vm1 by default). The lone
 * qemu vlab did not start is VM1 unless its command line fits chapter 3's
 * VM2 better; among several, chapter 3's VM of that role when both of its
 * VMs are there (qemu_find_two_vms). 0 (f->q); -ENOENT none runs; -EEXIST
 * several, and they are not chapter 3's two VMs (f->pids); -EXDEV the lone one is the other VM and this one was
 * named (f->q is that other). */
int qemu_find_vm(struct qemu_proc *all, size_t n, int role, bool named, struct qemu_found *f);

/* The qemu whose listening socket is the file at conn (matched by file
 * identity: socket_held()); NULL when none of all serves it. Its
 * socket_held() answer in *held, the holder named in holder. */
struct qemu_proc *qemu_find_serving(struct qemu_proc *all, size_t n, const char *conn, int *held, char *holder,
				    size_t holderlen);

#endif
