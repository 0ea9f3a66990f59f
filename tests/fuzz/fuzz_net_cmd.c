/* libFuzzer harness for the ip/brctl command parser (checks/net_cmd.h):
 * the bytes are an argv, words separated by NUL as /proc/PID/cmdline holds
 * it (what the grader parses). Any argv must parse without a crash, a leak
 * or undefined behaviour, and what it yields must hold together: a change
 * has 1..NET_CMD_MAX_OPS ops on names the kernel takes, addresses that are
 * a.b.c.d/len; a refusal says why. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/net_cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	const char *argv[64];
	int argc = 0;
	for (size_t i = 0; i <= size && argc < 64;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	struct net_cmd c;
	net_cmd_parse(argc, argv, &c);
	if (c.cls == NET_CMD_REFUSED && !c.why[0])
		abort();
	if (c.cls != NET_CMD_CHANGE && c.nops)
		abort();
	if (c.cls == NET_CMD_CHANGE && (c.nops < 1 || c.nops > NET_CMD_MAX_OPS))
		abort();
	for (int k = 0; k < c.nops; k++) {
		const struct net_op *op = &c.ops[k];
		if (net_cmd_name_check(op->name) || (op->other[0] && net_cmd_name_check(op->other)))
			abort();
		if ((op->kind == NET_OP_ADDR_ADD || op->kind == NET_OP_ADDR_DEL) && net_cmd_cidr_check(op->cidr))
			abort();
		char why[200], d[80];
		net_op_allowed(op, why, sizeof(why));
		net_op_describe(op, d, sizeof(d));
	}
	free(buf);
	return 0;
}
