/* Parsers for QMP "return" values; see qmp_parse.h.
 *
 * Every member is looked up with a type check first: a reply from another
 * qemu version (or a hand-made test) may have any shape, and a checker must
 * answer -EINVAL, not crash. jansson already refuses integers beyond int64
 * when parsing, so the only number checks left here are sign and range.
 */
#include "checks/qmp_parse.h"

#include <errno.h>
#include <string.h>

/* Bridges nest; a JSON value built by hand could nest them deeper than any
 * machine (PCI has 256 bus numbers), so the walk stops well before the stack
 * could matter. */
#define PCI_MAX_BRIDGE_DEPTH 32

/* -ENOENT when absent (the caller decides whether that is allowed). */
static int get_u64(const json_t *obj, const char *key, uint64_t max, uint64_t *out)
{
	const json_t *v = json_object_get(obj, key);
	json_int_t i;

	if (!v)
		return -ENOENT;
	if (!json_is_integer(v))
		return -EINVAL;
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > max)
		return -EINVAL;
	*out = (uint64_t)i;
	return 0;
}

static int get_uint(const json_t *obj, const char *key, unsigned max, unsigned *out)
{
	uint64_t v;
	int r = get_u64(obj, key, max, &v);

	if (r == 0)
		*out = (unsigned)v;
	return r;
}

/* Copies a string member into dst (dst is "" when the member is absent:
 * -ENOENT). A string with an embedded NUL ("\u0000") is refused: C would
 * silently cut it. */
static int get_str(const json_t *obj, const char *key, char *dst, size_t n)
{
	const json_t *v = json_object_get(obj, key);
	const char *s;
	size_t len;

	if (n)
		dst[0] = '\0';
	if (!v)
		return -ENOENT;
	if (!json_is_string(v))
		return -EINVAL;
	s = json_string_value(v);
	len = json_string_length(v);
	if (strlen(s) != len)
		return -EINVAL;
	if (len >= n)
		return -ENAMETOOLONG;
	memcpy(dst, s, len + 1);
	return 0;
}

static int get_bool(const json_t *obj, const char *key, bool *out)
{
	const json_t *v = json_object_get(obj, key);

	if (!v)
		return -ENOENT;
	if (!json_is_boolean(v))
		return -EINVAL;
	*out = json_is_true(v);
	return 0;
}

/* A mandatory member's absence is a malformed value. */
static int required(int r)
{
	return r == -ENOENT ? -EINVAL : r;
}

/* An optional member may be absent. */
static int optional(int r)
{
	return r == -ENOENT ? 0 : r;
}

int qmp_parse_memory_summary(const json_t *ret, uint64_t *base_memory, uint64_t *plugged_memory)
{
	uint64_t base = 0, plugged = 0;
	int r;

	if (!json_is_object(ret))
		return -EINVAL;
	r = required(get_u64(ret, "base-memory", UINT64_MAX, &base));
	if (r)
		return r;
	/* "*plugged-memory" is optional in qapi/machine.json (absent when the
	 * machine has no memory hotplug); 0 is what it means then. */
	r = optional(get_u64(ret, "plugged-memory", UINT64_MAX, &plugged));
	if (r)
		return r;
	if (base_memory)
		*base_memory = base;
	if (plugged_memory)
		*plugged_memory = plugged;
	return 0;
}

int qmp_parse_status(const json_t *ret, char *status, size_t n, bool *running)
{
	char buf[64];
	bool run = false;
	int r;

	if (!json_is_object(ret))
		return -EINVAL;
	/* RunState names are short ("finish-migrate" is the longest). */
	r = required(get_str(ret, "status", buf, sizeof(buf)));
	if (r)
		return r;
	r = required(get_bool(ret, "running", &run));
	if (r)
		return r;
	if (status) {
		if (strlen(buf) >= n)
			return -ENAMETOOLONG;
		memcpy(status, buf, strlen(buf) + 1);
	}
	if (running)
		*running = run;
	return 0;
}

/* One PciDeviceInfo (qapi/pci.json). Limits are the PCI spec's: 8-bit bus,
 * 5-bit device (slot), 3-bit function, 16-bit ids; qemu's "class" is the
 * 16-bit word at PCI_CLASS_DEVICE (base class and subclass). */
static int parse_pci_dev(const json_t *o, struct pci_dev *d)
{
	const json_t *id, *cls;
	int r;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(o))
		return -EINVAL;
	if ((r = required(get_uint(o, "bus", 0xff, &d->bus))) ||
	    (r = required(get_uint(o, "slot", 0x1f, &d->slot))) ||
	    (r = required(get_uint(o, "function", 0x7, &d->function))))
		return r;
	id = json_object_get(o, "id");
	if (!json_is_object(id))
		return -EINVAL;
	if ((r = required(get_uint(id, "vendor", 0xffff, &d->vendor))) ||
	    (r = required(get_uint(id, "device", 0xffff, &d->device))))
		return r;
	cls = json_object_get(o, "class_info");
	if (!json_is_object(cls))
		return -EINVAL;
	if ((r = required(get_uint(cls, "class", 0xffff, &d->class_code))))
		return r;
	/* "desc" is optional: qemu only knows names for some classes. */
	if ((r = optional(get_str(cls, "desc", d->desc, sizeof(d->desc)))))
		return r;
	return required(get_str(o, "qdev_id", d->qdev_id, sizeof(d->qdev_id)));
}

static int parse_pci_devices(const json_t *arr, struct pci_dev *devs, size_t max,
			     size_t *n, int depth)
{
	const json_t *o, *bridge, *below;
	struct pci_dev d;
	size_t i;
	int r;

	if (!json_is_array(arr) || depth > PCI_MAX_BRIDGE_DEPTH)
		return -EINVAL;
	json_array_foreach(arr, i, o) {
		r = parse_pci_dev(o, &d);
		if (r)
			return r;
		if (*n >= max)
			return -ENOSPC;
		devs[(*n)++] = d;
		/* PciBridgeInfo: {"bus": PciBusInfo, "*devices": [...]} */
		bridge = json_object_get(o, "pci_bridge");
		if (!bridge)
			continue;
		if (!json_is_object(bridge))
			return -EINVAL;
		below = json_object_get(bridge, "devices");
		if (!below)
			continue;
		r = parse_pci_devices(below, devs, max, n, depth + 1);
		if (r)
			return r;
	}
	return 0;
}

int qmp_parse_pci(const json_t *ret, struct pci_dev *devs, size_t max, size_t *n)
{
	const json_t *bus;
	size_t i;
	int r;

	if (!n)
		return -EINVAL;
	*n = 0;
	if (!json_is_array(ret) || (max && !devs))
		return -EINVAL;
	/* [PciInfo]: one {"bus": N, "devices": [...]} per root bus */
	json_array_foreach(ret, i, bus) {
		if (!json_is_object(bus))
			return -EINVAL;
		r = parse_pci_devices(json_object_get(bus, "devices"), devs, max, n, 0);
		if (r)
			return r;
	}
	return 0;
}

/* BlockDeviceInfo (qapi/block-core.json), the "inserted" medium. */
static int parse_inserted(const json_t *ins, struct block_dev *d)
{
	const json_t *image;
	int r;

	if (!json_is_object(ins))
		return -EINVAL;
	d->inserted = true;
	if ((r = required(get_str(ins, "file", d->file, sizeof(d->file)))) ||
	    (r = required(get_str(ins, "drv", d->drv, sizeof(d->drv)))) ||
	    (r = required(get_bool(ins, "ro", &d->read_only))) ||
	    (r = optional(get_str(ins, "node-name", d->node_name, sizeof(d->node_name)))))
		return r;
	r = get_str(ins, "backing_file", d->backing_file, sizeof(d->backing_file));
	if (r != -ENOENT)
		return r;
	/* QEMU 7.2 sets both "backing_file" and "image": {"backing-filename"};
	 * the second is the ImageInfo one, kept as a fallback should a version
	 * drop the older member. */
	image = json_object_get(ins, "image");
	if (!image)
		return 0;
	if (!json_is_object(image))
		return -EINVAL;
	return optional(get_str(image, "backing-filename", d->backing_file,
				sizeof(d->backing_file)));
}

int qmp_parse_block(const json_t *ret, struct block_dev *devs, size_t max, size_t *n)
{
	const json_t *o, *ins;
	struct block_dev *d;
	size_t i;
	int r;

	if (!n)
		return -EINVAL;
	*n = 0;
	if (!json_is_array(ret) || (max && !devs))
		return -EINVAL;
	json_array_foreach(ret, i, o) {
		if (!json_is_object(o))
			return -EINVAL;
		if (*n >= max)
			return -ENOSPC;
		/* Fill in place (struct block_dev is 8 KiB: no copy on the
		 * stack); count it only once it parsed. */
		d = &devs[*n];
		memset(d, 0, sizeof(*d));
		if ((r = required(get_str(o, "device", d->device, sizeof(d->device)))) ||
		    (r = optional(get_str(o, "qdev", d->qdev, sizeof(d->qdev)))))
			return r;
		ins = json_object_get(o, "inserted");
		if (ins && (r = parse_inserted(ins, d)))
			return r;
		(*n)++;
	}
	return 0;
}

/* The value of the stat called name in one StatsResult's "stats". */
static int find_stat(const json_t *stats, const char *name, uint64_t *val)
{
	const json_t *s, *sname;
	size_t i;

	if (!json_is_array(stats))
		return -EINVAL;
	json_array_foreach(stats, i, s) {
		if (!json_is_object(s))
			return -EINVAL;
		sname = json_object_get(s, "name");
		if (!json_is_string(sname))
			return -EINVAL;
		if (strcmp(json_string_value(sname), name) != 0)
			continue;
		/* StatsValue is an alternate of uint64 and [uint64]; a
		 * histogram cannot be summed as a counter. */
		return required(get_u64(s, "value", UINT64_MAX, val));
	}
	return -ENOENT;
}

int qmp_parse_stats_sum(const json_t *ret, const char *name, uint64_t *sum, unsigned *nvcpus)
{
	const json_t *o, *provider, *path;
	uint64_t total = 0, v;
	unsigned count = 0;
	size_t i;
	int r;

	if (!json_is_array(ret) || !name)
		return -EINVAL;
	json_array_foreach(ret, i, o) {
		if (!json_is_object(o))
			return -EINVAL;
		provider = json_object_get(o, "provider");
		if (!json_is_string(provider))
			return -EINVAL;
		if (strcmp(json_string_value(provider), "kvm") != 0)
			continue;
		/* qemu's kvm-all.c gives vCPU results the CPU's QOM path and
		 * the VM-wide result none: an unfiltered query-stats reply
		 * mixes both, and only the vCPUs have per-vCPU counters. */
		path = json_object_get(o, "qom-path");
		if (!path)
			continue;
		if (!json_is_string(path))
			return -EINVAL;
		r = find_stat(json_object_get(o, "stats"), name, &v);
		if (r)
			return r;
		if (v > UINT64_MAX - total)
			return -ERANGE;
		total += v;
		count++;
	}
	if (!count)
		return -ENOENT;
	if (sum)
		*sum = total;
	if (nvcpus)
		*nvcpus = count;
	return 0;
}
