/* `vlab status` and `vlab clean`: what vlab has running or left behind, read
 * from the ledgers ("resources") in the run directories, and its removal.
 * Only what a ledger records is ever touched: a student's own tap0 or
 * qemu is never vlab's to remove. */
#ifndef VLAB_STATUS_H
#define VLAB_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum ledger_kind { LEDGER_OWNER, LEDGER_PROCESS, LEDGER_FILE, LEDGER_DIR, LEDGER_TREE, LEDGER_NETNS, LEDGER_KEPT,
		   LEDGER_LINK };

struct ledger_entry {
	enum ledger_kind kind;
	pid_t pid;                   /* owner, process */
	unsigned long long start;    /* its start time, to tell a recycled pid apart */
	char what[64];               /* process: "vm1" */
	char path[4096];             /* file, dir, tree; netns, link: its name */
	int ifindex;                 /* link: the index it had when vlab made it */
};

struct ledger {
	struct ledger_entry *entries;
	size_t n;
};

/* Parse a ledger's text (pure). Lines it does not know are skipped (a newer
 * vlab may write more); malformed known lines give -EINVAL. */
int ledger_parse(const char *text, struct ledger *out);
void ledger_release(struct ledger *l);

/* Whether the run in dir is live: its ledger names a process that still
 * runs (the vlab at work, or a VM it kept). */
bool run_dir_live(const char *dir);

int cmd_status(int argc, char **argv);
int cmd_clean(int argc, char **argv);
/* `vlab shell`: a shell in the newest lab's network namespace. */
int cmd_shell(int argc, char **argv);

#endif
