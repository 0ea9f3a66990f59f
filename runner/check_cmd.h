/* `vlab check KIND FILE...`: one verifier on files a student hands in, so a
 * grader can judge them without re-running the lab. Each KIND is a row of a
 * small table (checks/saved_files.c): its name, its check id, and a function
 * from the file's bytes to a verdict, metrics and facts. iperf is the first;
 * strace and perf add a row each (and a line to CHECK_OPTIONS, which a unit
 * test holds to the table).
 *
 * Exit status: 0 every file passed, 1 one failed, 3 a file could not be read
 * or is not what KIND reads (JSON: "reason" "unreadable" or "unrecognized"),
 * 2 a usage error. */
#ifndef VLAB_CHECK_CMD_H
#define VLAB_CHECK_CMD_H

#include "checks/saved_files.h"

#define CHECK_USAGE "KIND FILE... [--format text|json] [--memory SIZE]"
#define CHECK_SUMMARY "judge saved files a student hands in (iperf3 -J output, a strace log of qemu, perf kvm stat report)"
#define CHECK_OPTIONS                                                                              \
	"  KIND                    what the files are:\n"                                           \
	"                            iperf   an iperf3 run, as `iperf3 -c SERVER -J` (or -s) printed it\n" \
	"                            strace  qemu's ioctls, as `strace -f -e trace=ioctl -o FILE qemu ...` wrote them\n" \
	"                            perf    VM exits, as `perf kvm stat report` printed them\n"       \
	"  --memory SIZE           strace: the RAM the log must show (default 256M)\n"                  \
	"  FILE                    a file to judge; - reads standard input\n"                        \
	"  --format text|json      how to print (default text)\n"

int cmd_check(int argc, char **argv);

#endif
