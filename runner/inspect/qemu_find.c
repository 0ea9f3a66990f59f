/* Finding the lab's qemu among those running (runner/inspect/qemu_find.h). */
#include "runner/inspect/qemu_find.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/two_vm_plan.h"
#include "runner/util.h"

struct qemu_proc *qemu_find_pid(struct qemu_proc *all, size_t n, int64_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (all[i].pid == pid)
			return &all[i];
	return NULL;
}

int qemu_find_handbuilt(struct qemu_proc *all, size_t n, struct qemu_found *f)
{
	memset(f, 0, sizeof(*f));
	struct qemu_proc *last = NULL;
	for (size_t i = 0; i < n; i++) {
		if (all[i].vlab_own) {
			f->nvlab++;
			continue;
		}
		f->ncands++;
		last = &all[i];
		size_t used = strlen(f->pids);
		snprintf(f->pids + used, sizeof(f->pids) - used, "%s%d", used ? ", " : "", (int)all[i].pid);
	}
	if (f->ncands == 1)
		f->q = last;
	return f->ncands == 1 ? 0 : f->ncands ? -EEXIST : -ENOENT;
}

int qemu_find_two_vms(struct qemu_proc *all, size_t n, const int64_t *want, int nwant, struct qemu_proc *out[2],
		      char *why, size_t whylen, char left[][200], size_t maxleft, size_t *nleft, size_t *ncands)
{
	struct two_vm_candidate *cands = xcalloc(n + 1, sizeof(*cands));
	struct qemu_proc **of = xcalloc(n + 1, sizeof(*of));
	size_t nc = 0;
	for (size_t i = 0; i < n; i++) {
		bool wanted = !nwant;
		for (int w = 0; w < nwant; w++)
			wanted |= all[i].pid == want[w];
		/* a qemu vlab started counts only when a --pid names it */
		if (wanted && (nwant || !all[i].vlab_own)) {
			of[nc] = &all[i];
			cands[nc].pid = all[i].pid;
			cands[nc++].cmd = &all[i].cmd;
		}
	}
	int role[2];
	int r = two_vm_pair(cands, nc, role, why, whylen, left, maxleft, nleft);
	for (int v = 0; v < 2; v++)
		out[v] = role[v] >= 0 ? of[role[v]] : NULL;
	*ncands = nc;
	free(of);
	free(cands);
	return r;
}

int qemu_find_vm(struct qemu_proc *all, size_t n, int role, bool named, struct qemu_found *f)
{
	int r = qemu_find_handbuilt(all, n, f);
	if (r == 0) {
		/* a lab of one VM is VM1, the lab's own first; unless it is
		 * plainly chapter 3's VM2 */
		int lone = two_vm_role_score(&f->q->cmd, &two_vm_roles[1]) >
					   two_vm_role_score(&f->q->cmd, &two_vm_roles[0])
				   ? 1
				   : 0;
		return named && lone != role ? -EXDEV : 0;
	}
	if (r == -ENOENT)
		return r;
	struct qemu_proc *vm[2];
	char why[512], left[8][200];
	size_t nleft, nc;
	/* only chapter 3's two VMs, both found, tell several qemus apart */
	if (qemu_find_two_vms(all, n, NULL, 0, vm, why, sizeof(why), left, ARRAY_SIZE(left), &nleft, &nc))
		return -EEXIST;
	f->q = vm[role];
	return 0;
}

struct qemu_proc *qemu_find_serving(struct qemu_proc *all, size_t n, const char *conn, int *held, char *holder,
				    size_t holderlen)
{
	*held = -ENOENT;
	holder[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		/* -ENOENT: no listener of qemu's is that file; -EACCES: not
		 * known, and so not known to be qemu's either */
		int r = socket_held(&all[i], conn, holder, holderlen);
		if (r >= 0) {
			*held = r;
			return &all[i];
		}
	}
	return NULL;
}
