/* Time as vlab's waits measure it, and the tick every wait loop gives the
 * UI (its spinner and elapsed time: runner/report.c hangs them on it). */
#ifndef VLAB_CLOCK_H
#define VLAB_CLOCK_H

#include <stdint.h>

/* Monotonic clock in milliseconds. */
int64_t now_ms(void);
/* Remaining ms until deadline (never below 0). */
int64_t ms_left(int64_t deadline_ms);

/* Every wait loop (console, QMP, processes, sockets) calls idle_tick() about
 * every 100 ms while it waits: the UI hangs its spinner and elapsed time on
 * it. The tick must be cheap and must not call back into waits. */
void idle_set_tick(void (*fn)(void));
void idle_tick(void);

#endif
