/* The monotonic clock and the wait loops' tick; see clock.h. */
#include "runner/clock.h"

#include <stddef.h>
#include <time.h>

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ms_left(int64_t deadline_ms)
{
	int64_t left = deadline_ms - now_ms();
	return left > 0 ? left : 0;
}

static void (*tick_fn)(void);

void idle_set_tick(void (*fn)(void))
{
	tick_fn = fn;
}

void idle_tick(void)
{
	if (tick_fn)
		tick_fn();
}
