/* The lab's network namespace, shared by chapters 2 and 3. */
#include "runner/labnet.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "runner/cleanup.h"

void lab_net_keep(struct lab_net *ln)
{
	if (ln->net) {
		net_close(ln->net);
		ln->net = NULL;
	}
}

void lab_net_close(struct lab_net *ln)
{
	if (ln->net) {
		net_close(ln->net);
		ln->net = NULL;
	}
	if (ln->ns.fd >= 0) {
		ns_leave(&ln->ns);
		ns_remove(&ln->ns);
	}
}

static void close_cb(void *arg)
{
	lab_net_close(arg);
}

int lab_net_open(struct lab *lab, struct lab_net *ln, const char *what)
{
	char err[384];
	int r = ns_tun_usable(err, sizeof(err));
	if (r) {
		snprintf(lab->blocked, sizeof(lab->blocked), "%s: %s", what, err);
		return -EPERM;
	}
	r = ns_create(&ln->ns, lab->run_id, err, sizeof(err));
	if (r) {
		snprintf(lab->blocked, sizeof(lab->blocked), "cannot make the lab's network namespace: %s", err);
		return r == -ENOMEM ? r : -EPERM;
	}
	if (ln->ns.named)
		cleanup_ledger_note("netns %s", ln->ns.name);
	r = ns_enter(&ln->ns);
	if (!r)
		r = net_open(&ln->net);
	if (r) {
		snprintf(lab->blocked, sizeof(lab->blocked), "cannot enter the lab's network namespace: %s",
			 strerror(-r));
		lab_net_close(ln);
		return -EPERM;
	}
	/* registered before the chapter's links, so released after them */
	cleanup_add_callback(close_cb, ln, "lab network namespace");
	return 0;
}
