/* The EPT/NPT restore state file's text. */
#include "checks/ept_state.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "runner/util.h"

bool ept_value_valid(const char *v)
{
	return !strcmp(v, "Y") || !strcmp(v, "N") || !strcmp(v, "1") || !strcmp(v, "0");
}

int ept_state_parse(const char *text, size_t len, struct ept_state *out)
{
	memset(out, 0, sizeof(*out));
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t l = eol ? (size_t)(eol - p) : (size_t)(end - p);
		const char *eq = memchr(p, '=', l);
		if (l && p[0] != '#' && eq) {
			size_t klen = (size_t)(eq - p), vlen = l - klen - 1;
			const char *v = eq + 1;
			char *dst = NULL;
			size_t cap = 0;
			if (klen == 6 && !memcmp(p, "module", 6)) {
				dst = out->module;
				cap = sizeof(out->module);
			} else if (klen == 5 && !memcmp(p, "param", 5)) {
				dst = out->param;
				cap = sizeof(out->param);
			} else if (klen == 8 && !memcmp(p, "original", 8)) {
				dst = out->original;
				cap = sizeof(out->original);
			} else if ((klen == 3 && !memcmp(p, "pid", 3)) || (klen == 5 && !memcmp(p, "start", 5))) {
				char num[24];
				if (vlen && vlen < sizeof(num)) {
					memcpy(num, v, vlen);
					num[vlen] = '\0';
					if (klen == 3)
						out->pid = strtol(num, NULL, 10);
					else
						out->start = strtoull(num, NULL, 10);
				}
			}
			if (dst) {
				if (vlen >= cap || memchr(v, '\0', vlen))
					return -EINVAL;
				memcpy(dst, v, vlen);
				dst[vlen] = '\0';
			}
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	bool intel = !strcmp(out->module, "kvm_intel") && !strcmp(out->param, "ept");
	bool amd = !strcmp(out->module, "kvm_amd") && !strcmp(out->param, "npt");
	if ((!intel && !amd) || !ept_value_valid(out->original))
		return -EINVAL;
	return 0;
}

char *ept_state_format(const struct ept_state *s)
{
	return xasprintf("# vlab: the KVM module parameter to put back (written before the module was reloaded;\n"
			 "# `vlab clean` or `vlab doctor` restores it if vlab was killed)\n"
			 "module=%s\nparam=%s\noriginal=%s\npid=%ld\nstart=%llu\n",
			 s->module, s->param, s->original, s->pid, s->start);
}
