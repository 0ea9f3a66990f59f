/* The host table: what this host has for the lab, row by row, each with its
 * evidence, what it enables and how to fix it, judged from host facts (pure,
 * so every verdict is tested on fake roots); and the kind of host it is. */
#ifndef VLAB_HOST_TABLE_H
#define VLAB_HOST_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "runner/doctor/doctor_row.h"
#include "runner/doctor/host_facts.h"

#define DOCTOR_MAX_ROWS 32

/* The table for these facts; returns the number of rows (at most max). */
size_t doctor_rows(const struct doctor_facts *f, struct doctor_row *rows, size_t max);

/* "ok", "info", "warn", "missing" */
const char *doctor_status_name(enum doctor_status s);

/* Kinds of host and what works on each (README's "Which host" section). */
struct doctor_host_kind {
	const char *id;        /* "bare-metal", "nested-vm", "cloud-vm", "wsl2", "macos" */
	const char *name;
	const char *works;
};
extern const struct doctor_host_kind doctor_host_kinds[];
extern const size_t doctor_nhost_kinds;

/* Which of doctor_host_kinds this host looks like; why gets the evidence. */
const struct doctor_host_kind *doctor_host_kind_guess(const struct doctor_facts *f, char *why, size_t n);

#endif
