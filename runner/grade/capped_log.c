/* A log with a cap (see capped_log.h). */
#include "runner/grade/capped_log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/util.h"
#include "runner/clock.h"

static void relay_main(int in, int out, int report, uint64_t cap)
{
	char buf[65536];
	uint64_t total = 0, kept = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (uint64_t)n;
		if (kept < cap) {
			size_t take = (uint64_t)n < cap - kept ? (size_t)n : (size_t)(cap - kept);
			ssize_t w = write(out, buf, take);
			if (w > 0)
				kept += (uint64_t)w;
		}
	}
	if (total > kept)
		dprintf(out, "\n[vlab: the output went on: %llu bytes in all, the first %llu kept]\n",
			(unsigned long long)total, (unsigned long long)kept);
	if (write(report, &total, sizeof(total)) < 0)
		_exit(1);
	_exit(0);
}

int capped_log_start(const char *path, uint64_t cap, struct capped_log *cl)
{
	memset(cl, 0, sizeof(*cl));
	cl->write_fd = cl->result_fd = -1;
	cl->handle = -1;
	int data[2], result[2];
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return -errno;
	if (pipe2(data, O_CLOEXEC) < 0) {
		int e = errno;
		close(out);
		return -e;
	}
	if (pipe2(result, O_CLOEXEC) < 0) {
		int e = errno;
		close(out);
		close(data[0]);
		close(data[1]);
		return -e;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(out);
		close(data[0]);
		close(data[1]);
		close(result[0]);
		close(result[1]);
		return -e;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* its own group: a signal to the grader's group is the grader's */
		setpgid(0, 0);
		close(data[1]);
		close(result[0]);
		relay_main(data[0], out, result[1], cap);
	}
	setpgid(pid, pid);
	close(out);
	close(data[0]);
	close(result[1]);
	cl->relay = pid;
	cl->handle = cleanup_add_process(pid, "output relay");
	/* close-on-exec stays: the writer dup2s it onto 1 and 2, and nothing
	 * else vlab execs may hold the pipe open */
	cl->write_fd = data[1];
	cl->result_fd = result[0];
	return 0;
}

int capped_log_finish(struct capped_log *cl, int64_t timeout_ms, uint64_t *total)
{
	*total = 0;
	if (cl->write_fd >= 0) {
		close(cl->write_fd);
		cl->write_fd = -1;
	}
	int rc = 0;
	struct pollfd p = { cl->result_fd, POLLIN, 0 };
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		int left = (int)ms_left(deadline);
		int r = poll(&p, 1, left > 0 ? left : 0);
		if (r > 0) {
			if (read(cl->result_fd, total, sizeof(*total)) != sizeof(*total))
				*total = 0;
			break;
		}
		if (r < 0 && errno == EINTR)
			continue;
		rc = -ETIMEDOUT;
		break;
	}
	close(cl->result_fd);
	cl->result_fd = -1;
	cleanup_release(cl->handle); /* waits for it; kills it only if it lingers */
	cl->handle = -1;
	return rc;
}
