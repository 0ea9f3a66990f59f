/* One row of vlab doctor's host table (host_table.h makes them; a row
 * judged elsewhere, as sandbox_userns.h's, fills one too). */
#ifndef VLAB_DOCTOR_ROW_H
#define VLAB_DOCTOR_ROW_H

#include <stdbool.h>

enum doctor_status { DOCTOR_OK, DOCTOR_INFO, DOCTOR_WARN, DOCTOR_MISSING };

struct doctor_row {
	char name[32];
	enum doctor_status status;
	bool essential;        /* chapter 1 cannot run without it */
	char detail[640];      /* the evidence */
	char enables[320];     /* what it is for in the lab */
	char fix[320];         /* one line; "" when nothing to do */
};

#endif
