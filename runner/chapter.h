/* The engine's contract with the chapters: a chapter is data, a table of
 * steps. Each step has a title, a short explanation in vlab's own words,
 * the commands the student would type (host side and guest side) and the
 * function that does the work. The checks a step decides are the check
 * registry's rows of its chapter and step name (checks/check_registry.h). The engine declares
 * the shape here; chapters/ fills it in (adding a chapter touches chapters/
 * and the table in chapters/chapters.c). */
#ifndef VLAB_CHAPTER_H
#define VLAB_CHAPTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/host/kvm_where.h"

struct lab;
struct strbuf;

struct step {
	const char *name;             /* for --step: "boot" */
	const char *title;            /* "Boot the VM" */
	const char *explain;          /* two to four lines, vlab's words */
	const char *lab_section;      /* the lab text's section to redo when a check fails */
	const char *const *host_cmds; /* shown to the student; NULL-terminated, may be NULL */
	const char *const *guest_cmds;
	/* For a step whose words depend on the run, such as chapter 2's HTTP
	 * server (the image profile's `http` key): lines added after explain,
	 * and the guest commands instead of guest_cmds. NULL: the fixed ones. */
	void (*explain_for)(const struct lab *lab, struct strbuf *out);
	const char *const *(*guest_cmds_for)(const struct lab *lab);
	/* 0: go on. Negative: the chapter cannot go on (lab->blocked says why);
	 * -EINTR: a stop was requested. */
	int (*run)(struct lab *lab);
	/* What of the host's KVM it needs (KVM_NEED_NONE: nothing): where this
	 * host lacks it, the chapter runs inside the emulated KVM host
	 * (runner/host/kvm_where.h, runner/kvmhost_chapter.h). */
	enum kvm_need kvm;
};

/* An option of one chapter alone (chapter 3's --duration, chapter 4's
 * --seconds). The command's row (runner/cmd/lab_options.c) stores it in
 * the chapter's own variable, which the chapter reads; the emulated KVM
 * host's inner vlab is given it again from here (runner/kvmhost_chapter.c),
 * so the runner needs no word of any chapter's options. */
struct chapter_option {
	const char *name;             /* the long option as typed: "--duration"; NULL ends a table */
	int *number;                  /* a value's storage, 0 when not given; or NULL */
	bool *flag;                   /* a flag's storage; or NULL */
	/* the inner vlab gets the flag whatever the student said: chapter 4's
	 * --allow-module-reload, since the module inside is the emulated
	 * host's own and reloading it stops no one else's VM */
	bool set_in_emulated_host;
};

struct chapter {
	int number;
	const char *name;             /* "boot" */
	const char *title;
	const char *summary;          /* one line for `vlab list` */
	const struct step *steps;
	size_t nsteps;
	/* The chapter's own state between its steps: the engine gives each run
	 * state_size zeroed bytes in lab->chapter_state (NULL when 0) and frees
	 * them after teardown and cleanup, so nothing of a run outlives it. */
	size_t state_size;
	/* Before the first step (image, accelerator); an error here is the host's
	 * or the input's (exit 3): returns -ENOENT, -ENODEV... with lab->blocked. */
	int (*prepare)(struct lab *lab);
	/* Always runs, after the last step or a failure or a stop. */
	void (*teardown)(struct lab *lab);
	/* The chapter's own options (NULL: none), and what they add to the
	 * emulated KVM host's deadline for the chapter (NULL: nothing). */
	const struct chapter_option *options;
	int64_t (*emulated_extra_ms)(void);
};

extern const struct chapter *const chapters[];
extern const size_t nchapters;
const struct chapter *chapter_find(int number);
/* Every chapter's options back to "not given", before a command parses. */
void chapter_options_reset(void);

#endif
