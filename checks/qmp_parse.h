/* Pure parsers from the "return" value of a QMP reply (qmp_execute's *result)
 * to plain C structs. No I/O; never crash on any JSON shape.
 *
 * Shapes follow qemu's QAPI schema (qapi/machine.json, qapi/pci.json,
 * qapi/block-core.json, qapi/run-state.json, qapi/stats.json) and were checked
 * against real QEMU 7.2 replies kept in tests/fixtures/qmp/.
 *
 * All return 0, -EINVAL for a malformed value (wrong type, missing mandatory
 * member, negative or out-of-range number), -ENAMETOOLONG when a string does
 * not fit its field, -ENOSPC when the caller's array is full, and -ENOENT
 * when a thing asked for by name is absent.
 */
#ifndef VLAB_QMP_PARSE_H
#define VLAB_QMP_PARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* query-memory-size-summary: {"base-memory": N, "plugged-memory": N?}.
 * plugged-memory is 0 when absent. Either pointer may be NULL. */
int qmp_parse_memory_summary(const json_t *ret, uint64_t *base_memory, uint64_t *plugged_memory);

/* query-status: {"status": "running"|"paused"|"prelaunch"|..., "running": bool}.
 * status (n bytes) and running may be NULL. */
int qmp_parse_status(const json_t *ret, char *status, size_t n, bool *running);

/* One function of a PCI device, from query-pci. */
struct pci_dev {
	unsigned bus, slot, function;
	unsigned vendor, device;   /* "id": {"vendor", "device"} */
	unsigned class_code;       /* "class_info": {"class"}: base class << 8 | subclass, 0x0200 = Ethernet */
	char qdev_id[64];          /* the -device id=, "" when none was given */
	char desc[64];             /* "class_info": {"desc"}, "" when qemu has none */
};

/* query-pci: every device on every root bus, bridges included, then the
 * devices behind each bridge ("pci_bridge": {"devices": [...]}), in qemu's
 * order. *n is the number stored (also on -ENOSPC). */
int qmp_parse_pci(const json_t *ret, struct pci_dev *devs, size_t max, size_t *n);

/* One block backend, from query-block. */
struct block_dev {
	char device[64];           /* legacy -drive id; "" for a -blockdev node */
	char qdev[128];            /* the attached device: its id, or its QOM path such as
	                            * "/machine/peripheral-anon/device[0]/virtio-backend";
	                            * "" when nothing is attached */
	char node_name[64];        /* "inserted": {"node-name"}: the top node's name */
	char file[4096];           /* "inserted": {"file"}: the top image's filename */
	char backing_file[4096];   /* "inserted": {"backing_file"}, "" without a backing file */
	char drv[32];              /* "inserted": {"drv"}: "qcow2", "raw", "file"... */
	bool inserted;             /* false: an empty drive; the strings above it are "" */
	bool read_only;            /* "inserted": {"ro"} */
};

/* query-block. *n is the number stored (also on -ENOSPC). */
int qmp_parse_block(const json_t *ret, struct block_dev *devs, size_t max, size_t *n);

/* query-stats {"target": "vcpu"}: the sum of the counter called name over the
 * vCPU entries of provider "kvm" (those with a "qom-path"); *nvcpus is how many
 * were summed. -ENOENT when there is no such vCPU entry (TCG answers []) or an
 * entry lacks the counter; -EINVAL when the counter is not a number (a
 * histogram); -ERANGE if the sum overflows. */
int qmp_parse_stats_sum(const json_t *ret, const char *name, uint64_t *sum, unsigned *nvcpus);

#endif
