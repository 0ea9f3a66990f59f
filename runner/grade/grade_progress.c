/* The progress line (runner/grade/grade_progress.h). */
#include "runner/grade/grade_progress.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "runner/util.h"

static void duration(char *buf, size_t n, int64_t ms)
{
	int64_t s = (ms + 500) / 1000;
	if (s < 60)
		snprintf(buf, n, "%d s", (int)s);
	else if (s < 3600)
		snprintf(buf, n, "%d min %02d s", (int)(s / 60), (int)(s % 60));
	else
		snprintf(buf, n, "%d h %02d min", (int)(s / 3600), (int)(s / 60 % 60));
}

void grade_progress_format(char *buf, size_t n, int done, int total, int64_t t0, const int64_t *ends, int nends,
			   int64_t now)
{
	/* the pace: between the window's first and last ends, or, before
	 * there are two, since the start */
	int64_t per = 0;
	if (nends >= 2 && ends[nends - 1] > ends[0])
		per = (ends[nends - 1] - ends[0]) / (nends - 1);
	else if (done > 0 && now > t0)
		per = (now - t0) / done;
	if (done >= total) {
		char took[32];
		duration(took, sizeof(took), now - t0);
		snprintf(buf, n, "graded %d of %d in %s", done, total, took);
		return;
	}
	if (!per) {
		snprintf(buf, n, "graded %d of %d", done, total);
		return;
	}
	char left[32];
	duration(left, sizeof(left), per * (total - done));
	snprintf(buf, n, "graded %d of %d \xc2\xb7 %d.%d s a submission \xc2\xb7 about %s left", done, total,
		 (int)(per / 1000), (int)(per % 1000 / 100), left);
}

void grade_progress_begin(struct grade_progress *p, int total, int64_t now)
{
	memset(p, 0, sizeof(*p));
	p->total = total;
	p->t0 = now;
	p->on = isatty(STDERR_FILENO) == 1;
}

void grade_progress_done(struct grade_progress *p, int64_t now)
{
	p->done++;
	if (p->nends == GRADE_PROGRESS_WINDOW) {
		memmove(p->ends, p->ends + 1, sizeof(p->ends[0]) * (GRADE_PROGRESS_WINDOW - 1));
		p->nends--;
	}
	p->ends[p->nends++] = now;
	p->drawn_at = 0; /* redraw at the next tick */
}

void grade_progress_clear(struct grade_progress *p)
{
	if (!p->on || !p->drawn)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->drawn = false;
}

void grade_progress_tick(struct grade_progress *p, int64_t now)
{
	if (!p->on || (p->drawn && p->drawn_at && now - p->drawn_at < 1000))
		return;
	char line[160];
	grade_progress_format(line, sizeof(line), p->done, p->total, p->t0, p->ends, p->nends, now);
	/* one terminal row: a line that wraps cannot be taken back with \r */
	struct winsize ws;
	size_t cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 ? ws.ws_col - 1 : 79;
	size_t len = strlen(line), chars = 0, cut = len;
	for (size_t i = 0; i < len; i++) {
		if (((unsigned char)line[i] & 0xc0) != 0x80 && chars++ == cols) {
			cut = i;
			break;
		}
	}
	fprintf(stderr, "\r\033[K%.*s", (int)cut, line);
	fflush(stderr);
	p->drawn = true;
	p->drawn_at = now;
}
