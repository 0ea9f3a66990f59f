/* `vlab doctor`: the host table printed, with the exit status it implies. */
#ifndef VLAB_CMD_DOCTOR_H
#define VLAB_CMD_DOCTOR_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "runner/doctor/host_table.h"

/* The table as text (colour on a terminal unless NO_COLOR), or as JSON. */
void doctor_print_text(FILE *out, const struct doctor_facts *f, const struct doctor_row *rows, size_t nrows);
json_t *doctor_json(const struct doctor_facts *f, const struct doctor_row *rows, size_t nrows);
/* 0 when chapter 1 can run here, EXIT_HOST when an essential row is missing. */
int doctor_exit_status(const struct doctor_row *rows, size_t nrows);

/* The command: --format text|json, --probe, --root DIR (hidden), --help.
 * 0, 2 usage, 3 something essential missing, 128+signal when stopped.
 * Its usage, summary and option lines, for main.c's command table too. */

#endif
