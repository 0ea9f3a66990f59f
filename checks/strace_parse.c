/* strace ioctl log parser. */
#include "checks/strace_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Slots: KVM allows up to KVM_CAP_NR_MEMSLOTS (32764 here) but qemu uses a
 * handful; a slot number beyond this table is simply not tracked. */
#define MAX_SLOTS 512

struct slot {
	bool live, readonly;
	uint64_t gpa, size, uaddr;
};

struct parser {
	struct strace_summary *s;
	struct slot slots[MAX_SLOTS];
	/* an unfinished KVM_SET_USER_MEMORY_REGION per pid waits for its result */
	struct pending {
		long pid;
		bool used;
		char args[512];
		unsigned long line;
	} pending[16];
};

static const char *skip_spaces(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "9521  ", "12:34:56.789012 ", "1795635893.672560 " prefixes; returns where
 * the call starts, and the pid (-1 when there is no pid column). */
static const char *skip_prefix(const char *p, const char *end, long *pid)
{
	*pid = -1;
	const char *q = p;
	while (q < end && is_digit(*q))
		q++;
	/* a pid column is digits then blanks; a -ttt time has a '.' */
	if (q > p && q < end && (*q == ' ' || *q == '\t')) {
		*pid = strtol(p, NULL, 10);
		p = skip_spaces(q, end);
	}
	/* -t "12:34:56", -tt "12:34:56.123456", -ttt "1795635893.672560" */
	q = p;
	while (q < end && (is_digit(*q) || *q == ':' || *q == '.'))
		q++;
	if (q > p && q < end && *q == ' ' && (memchr(p, ':', (size_t)(q - p)) || memchr(p, '.', (size_t)(q - p))))
		p = skip_spaces(q, end);
	return p;
}

static void count_request(struct strace_summary *s, const char *name, size_t len)
{
	if (len >= sizeof(s->requests[0].name))
		len = sizeof(s->requests[0].name) - 1;
	for (size_t i = 0; i < s->nrequests; i++) {
		if (strlen(s->requests[i].name) == len && !memcmp(s->requests[i].name, name, len)) {
			s->requests[i].count++;
			return;
		}
	}
	if (s->nrequests < STRACE_MAX_REQUESTS) {
		memcpy(s->requests[s->nrequests].name, name, len);
		s->requests[s->nrequests].name[len] = '\0';
		s->requests[s->nrequests].count = 1;
		s->nrequests++;
	}
}

/* The value of "key=" in a decoded struct ("{slot=0, flags=0, ...}"). */
static bool field(const char *args, const char *key, uint64_t *v)
{
	size_t klen = strlen(key);
	for (const char *p = args; (p = strstr(p, key)); p += klen) {
		if ((p == args || p[-1] == '{' || p[-1] == ' ') && p[klen] == '=') {
			char *e;
			errno = 0;
			unsigned long long x = strtoull(p + klen + 1, &e, 0);
			if (errno || e == p + klen + 1)
				return false;
			*v = x;
			return true;
		}
	}
	return false;
}

/* The RAM now: group live writable slots by host address, blocks whose
 * ranges touch or lie within a legacy hole's distance (the 0xa0000-0x100000
 * area, 384 KiB) of each other being one; the largest block's span. */
static uint64_t ram_now(const struct parser *p)
{
	const uint64_t hole = 384 * 1024;
	struct { uint64_t lo, hi; } r[MAX_SLOTS];
	size_t n = 0;
	for (size_t i = 0; i < MAX_SLOTS; i++) {
		const struct slot *sl = &p->slots[i];
		if (!sl->live || sl->readonly || !sl->size)
			continue;
		r[n].lo = sl->uaddr;
		r[n].hi = sl->uaddr + sl->size;
		n++;
	}
	/* insertion sort by start: a handful of slots */
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0 && r[j].lo < r[j - 1].lo; j--) {
			uint64_t lo = r[j].lo, hi = r[j].hi;
			r[j] = r[j - 1];
			r[j - 1].lo = lo;
			r[j - 1].hi = hi;
		}
	}
	uint64_t best = 0;
	for (size_t i = 0; i < n;) {
		uint64_t lo = r[i].lo, hi = r[i].hi;
		size_t j = i + 1;
		while (j < n && r[j].lo <= hi + hole) {
			if (r[j].hi > hi)
				hi = r[j].hi;
			j++;
		}
		if (hi - lo > best)
			best = hi - lo;
		i = j;
	}
	return best;
}

static void apply_region(struct parser *p, const char *args, bool failed, unsigned long line)
{
	struct strace_summary *s = p->s;
	uint64_t slot, gpa = 0, size, uaddr = 0;
	if (!field(args, "slot", &slot) || !field(args, "memory_size", &size))
		return;
	field(args, "guest_phys_addr", &gpa);
	field(args, "userspace_addr", &uaddr);
	/* the slot number's low 16 bits; the high ones name the address space
	 * (KVM_SET_USER_MEMORY_REGION in api.rst): SMM's space is not RAM */
	bool other_as = (slot >> 16) != 0;
	bool ro = strstr(args, "KVM_MEM_READONLY") != NULL;
	s->region_calls++;
	if (s->nregions < STRACE_MAX_REGION_CALLS) {
		struct strace_region_call *c = &s->regions[s->nregions++];
		c->slot = (unsigned)slot;
		c->readonly = ro;
		c->guest_phys_addr = gpa;
		c->memory_size = size;
		c->userspace_addr = uaddr;
		c->failed = failed;
		c->line = line;
	}
	if (failed || other_as || (slot & 0xffff) >= MAX_SLOTS)
		return;
	struct slot *sl = &p->slots[slot & 0xffff];
	/* memory_size 0 deletes the slot */
	sl->live = size != 0;
	sl->readonly = ro;
	sl->gpa = gpa;
	sl->size = size;
	sl->uaddr = uaddr;
	uint64_t ram = ram_now(p);
	if (ram > s->ram_bytes)
		s->ram_bytes = ram;
}

/* " = 0", " = -1 EINVAL (...)", or nothing yet */
static int result_of(const char *p, const char *end, bool *failed)
{
	const char *eq = NULL;
	for (const char *q = p; q + 2 < end; q++)
		if (q[0] == ' ' && q[1] == '=' && q[2] == ' ')
			eq = q;
	if (!eq)
		return -1;
	const char *v = skip_spaces(eq + 2, end);
	*failed = v < end && *v == '-';
	return 0;
}

static struct pending *pending_for(struct parser *p, long pid, bool create)
{
	for (size_t i = 0; i < 16; i++)
		if (p->pending[i].used && p->pending[i].pid == pid)
			return &p->pending[i];
	if (!create)
		return NULL;
	for (size_t i = 0; i < 16; i++) {
		if (!p->pending[i].used) {
			p->pending[i].used = true;
			p->pending[i].pid = pid;
			return &p->pending[i];
		}
	}
	return NULL;
}

static void parse_line(struct parser *p, const char *line, const char *end, unsigned long lineno)
{
	struct strace_summary *s = p->s;
	long pid;
	const char *q = skip_prefix(line, end, &pid);
	static const char resumed[] = "<... ioctl resumed>";
	if ((size_t)(end - q) >= sizeof(resumed) - 1 && !memcmp(q, resumed, sizeof(resumed) - 1)) {
		struct pending *pd = pending_for(p, pid, false);
		bool failed = false;
		if (pd) {
			result_of(q, end, &failed);
			apply_region(p, pd->args, failed, pd->line);
			pd->used = false;
		}
		return;
	}
	if ((size_t)(end - q) < 6 || memcmp(q, "ioctl(", 6))
		return;
	s->ioctl_calls++;
	/* the fd, with -y its path in <...> (which may hold commas) */
	const char *a = q + 6;
	while (a < end && *a != ',' && *a != '<')
		a++;
	if (a < end && *a == '<') {
		int depth = 0;
		for (; a < end; a++) {
			if (*a == '<')
				depth++;
			else if (*a == '>' && --depth == 0)
				break;
		}
		a++;
	}
	if (a >= end || *a != ',')
		return;
	a = skip_spaces(a + 1, end);
	const char *name = a;
	while (a < end && (*a == '_' || (*a >= 'A' && *a <= 'Z') || is_digit(*a)))
		a++;
	size_t nlen = (size_t)(a - name);
	if (nlen < 4 || memcmp(name, "KVM_", 4))
		return;
	s->kvm_calls++;
	count_request(s, name, nlen);
	static const char smr[] = "KVM_SET_USER_MEMORY_REGION";
	/* KVM_SET_USER_MEMORY_REGION2 (Linux 6.8) has the same fields and more */
	if (nlen < sizeof(smr) - 1 || memcmp(name, smr, sizeof(smr) - 1))
		return;
	const char *open = memchr(a, '{', (size_t)(end - a));
	if (!open)
		return;
	const char *close = memchr(open, '}', (size_t)(end - open));
	size_t alen = (size_t)((close ? close + 1 : end) - open);
	char args[512];
	if (alen >= sizeof(args))
		alen = sizeof(args) - 1;
	memcpy(args, open, alen);
	args[alen] = '\0';
	bool failed = false;
	if (close && result_of(close, end, &failed) == 0) {
		apply_region(p, args, failed, lineno);
	} else {
		/* "<unfinished ...>", or the log stops here */
		struct pending *pd = pending_for(p, pid, true);
		if (pd) {
			memcpy(pd->args, args, alen + 1);
			pd->line = lineno;
		}
	}
}

int strace_parse(const char *text, size_t len, struct strace_summary *out)
{
	struct parser *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	p->s = out;
	const char *end = text + len;
	for (const char *line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *eol = nl ? nl : end;
		out->lines++;
		parse_line(p, line, eol, out->lines);
		line = nl ? nl + 1 : end;
	}
	/* a call left unfinished at the end: the log was cut; the region it
	 * asked for most likely happened (qemu does not retry these) */
	for (size_t i = 0; i < 16; i++) {
		if (p->pending[i].used) {
			out->cut_off = true;
			apply_region(p, p->pending[i].args, false, p->pending[i].line);
		}
	}
	free(p);
	return out->ioctl_calls ? 0 : -ENOENT;
}

unsigned long strace_request_count(const struct strace_summary *s, const char *name)
{
	for (size_t i = 0; i < s->nrequests; i++)
		if (!strcmp(s->requests[i].name, name))
			return s->requests[i].count;
	return 0;
}
