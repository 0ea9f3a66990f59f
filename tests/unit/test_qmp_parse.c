/* checks/qmp_parse: real QEMU 7.2 replies (tests/fixtures/qmp, see its
 * README), hand-made malformed values, and every fixture mutated member by
 * member to shapes the schema does not allow. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/qmp_parse.h"
#include "runner/util.h"

#define QMP_FIXTURES FIXTURES "/qmp/"

/* The "return" member of a fixture (new reference). */
static json_t *load_return(const char *name)
{
	json_error_t err;
	json_t *doc, *ret;
	char path[512];

	snprintf(path, sizeof(path), "%s%s", QMP_FIXTURES, name);
	doc = json_load_file(path, 0, &err);
	if (!doc)
		fail_msg("cannot load '%s': %s (line %d)", path, err.text, err.line);
	ret = json_incref(json_object_get(doc, "return"));
	json_decref(doc);
	assert_non_null(ret);
	return ret;
}

static json_t *parse(const char *text)
{
	json_error_t err;
	/* JSON_ALLOW_NUL: qmp_classify loads without it, so a "\u0000"
	 * from the socket never gets this far, but a json_t built in
	 * memory may hold one */
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);

	if (!j)
		fail_msg("bad test json '%s': %s", text, err.text);
	return j;
}

struct bad_case {
	const char *json;
	int rc;
};

/* ---- query-memory-size-summary ---- */

static void test_memory_fixture(void **state)
{
	json_t *ret = load_return("query-memory-size-summary-256M.json");
	uint64_t base = 1, plugged = 1;

	assert_int_equal(qmp_parse_memory_summary(ret, &base, &plugged), 0);
	assert_int_equal(base, 268435456);
	assert_int_equal(plugged, 0);
	/* either output may be left out */
	assert_int_equal(qmp_parse_memory_summary(ret, NULL, NULL), 0);
	json_decref(ret);
}

static void test_memory_shapes(void **state)
{
	static const struct bad_case cases[] = {
		{ "{\"base-memory\": 1073741824}", 0 },  /* plugged-memory is optional */
		{ "{\"base-memory\": 9223372036854775807, \"plugged-memory\": 5}", 0 },
		{ "{}", -EINVAL },
		{ "[]", -EINVAL },
		{ "[{\"base-memory\": 1}]", -EINVAL },
		{ "null", -EINVAL },
		{ "\"268435456\"", -EINVAL },
		{ "{\"base-memory\": \"268435456\"}", -EINVAL },
		{ "{\"base-memory\": -1}", -EINVAL },
		{ "{\"base-memory\": 2.5e8}", -EINVAL },
		{ "{\"base-memory\": null}", -EINVAL },
		{ "{\"base-memory\": 1, \"plugged-memory\": -5}", -EINVAL },
		{ "{\"base-memory\": 1, \"plugged-memory\": true}", -EINVAL },
		{ "{\"plugged-memory\": 1}", -EINVAL },
	};
	uint64_t base, plugged;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *j = parse(cases[i].json);

		base = plugged = 77;
		if (qmp_parse_memory_summary(j, &base, &plugged) != cases[i].rc)
			fail_msg("'%s': want %d", cases[i].json, cases[i].rc);
		if (cases[i].rc)
			assert_true(base == 77 && plugged == 77); /* untouched on error */
		json_decref(j);
	}
	json_t *j = parse(cases[1].json);
	assert_int_equal(qmp_parse_memory_summary(j, &base, &plugged), 0);
	assert_int_equal(base, INT64_MAX);
	assert_int_equal(plugged, 5);
	json_decref(j);
	assert_int_equal(qmp_parse_memory_summary(NULL, &base, &plugged), -EINVAL);
}

/* ---- query-status ---- */

static void test_status_fixtures(void **state)
{
	static const struct {
		const char *file, *status;
		bool running;
	} cases[] = {
		{ "query-status-prelaunch.json", "prelaunch", false },
		{ "query-status-paused.json", "paused", false },
		{ "query-status-running.json", "running", true },
	};
	char status[32];
	bool running;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *ret = load_return(cases[i].file);

		running = !cases[i].running;
		assert_int_equal(qmp_parse_status(ret, status, sizeof(status), &running), 0);
		assert_string_equal(status, cases[i].status);
		assert_int_equal(running, cases[i].running);
		json_decref(ret);
	}
}

static void test_status_shapes(void **state)
{
	static const struct bad_case cases[] = {
		{ "{\"status\": \"running\", \"running\": true}", 0 },
		{ "{\"status\": \"running\"}", -EINVAL },
		{ "{\"running\": true}", -EINVAL },
		{ "{\"status\": 1, \"running\": true}", -EINVAL },
		{ "{\"status\": \"running\", \"running\": \"true\"}", -EINVAL },
		{ "{\"status\": \"running\", \"running\": 1}", -EINVAL },
		{ "{\"status\": \"run\\u0000ning\", \"running\": true}", -EINVAL },
		{ "{\"status\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"running\": true}", -ENAMETOOLONG },
		{ "{}", -EINVAL },
		{ "[]", -EINVAL },
		{ "[{\"status\": \"running\", \"running\": true}]", -EINVAL },
	};
	char status[32];
	bool running;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *j = parse(cases[i].json);

		if (qmp_parse_status(j, status, sizeof(status), &running) != cases[i].rc)
			fail_msg("'%s': want %d", cases[i].json, cases[i].rc);
		json_decref(j);
	}
	/* the caller's buffer is too small for "running" */
	json_t *j = parse(cases[0].json);
	assert_int_equal(qmp_parse_status(j, status, 7, &running), -ENAMETOOLONG);
	assert_int_equal(qmp_parse_status(j, status, 8, &running), 0);
	assert_string_equal(status, "running");
	assert_int_equal(qmp_parse_status(j, NULL, 0, NULL), 0);
	json_decref(j);
	assert_int_equal(qmp_parse_status(NULL, status, sizeof(status), &running), -EINVAL);
}

/* ---- query-pci ---- */

struct want_pci {
	unsigned bus, slot, function, vendor, device, class_code;
	const char *desc, *qdev_id;
};

static void check_pci(const char *file, const struct want_pci *want, size_t nwant)
{
	json_t *ret = load_return(file);
	struct pci_dev devs[16];
	size_t n = 99, i;

	assert_int_equal(qmp_parse_pci(ret, devs, ARRAY_SIZE(devs), &n), 0);
	assert_int_equal(n, nwant);
	for (i = 0; i < n; i++) {
		assert_int_equal(devs[i].bus, want[i].bus);
		assert_int_equal(devs[i].slot, want[i].slot);
		assert_int_equal(devs[i].function, want[i].function);
		assert_int_equal(devs[i].vendor, want[i].vendor);
		assert_int_equal(devs[i].device, want[i].device);
		assert_int_equal(devs[i].class_code, want[i].class_code);
		assert_string_equal(devs[i].desc, want[i].desc);
		assert_string_equal(devs[i].qdev_id, want[i].qdev_id);
	}
	json_decref(ret);
}

/* The PIIX4 machine's fixed devices (i440FX host bridge, PIIX3 ISA and IDE,
 * PIIX4 ACPI/PM) in every i440fx capture. */
#define PC_BASE \
	{ 0, 0, 0, 0x8086, 0x1237, 0x0600, "Host bridge", "" }, \
	{ 0, 1, 0, 0x8086, 0x7000, 0x0601, "ISA bridge", "" }, \
	{ 0, 1, 1, 0x8086, 0x7010, 0x0101, "IDE controller", "" }, \
	{ 0, 1, 3, 0x8086, 0x7113, 0x0680, "Bridge", "" }

static void test_pci_fixture_shared(void **state)
{
	static const struct want_pci want[] = {
		PC_BASE,
		{ 0, 2, 0, 0x1af4, 0x1001, 0x0100, "SCSI controller", "" },     /* virtio-blk */
		{ 0, 3, 0, 0x8086, 0x100e, 0x0200, "Ethernet controller", "" }, /* e1000 */
		{ 0, 4, 0, 0x1af4, 0x1000, 0x0200, "Ethernet controller", "" }, /* virtio-net */
	};

	check_pci("query-pci-tcg.json", want, ARRAY_SIZE(want));
}

static void test_pci_fixture_prelaunch(void **state)
{
	static const struct want_pci want[] = {
		PC_BASE,
		{ 0, 2, 0, 0x1af4, 0x1001, 0x0100, "SCSI controller", "" },
	};

	check_pci("query-pci-prelaunch-tcg.json", want, ARRAY_SIZE(want));
}

static void test_pci_fixture_bridge(void **state)
{
	static const struct want_pci want[] = {
		PC_BASE,
		{ 0, 2, 0, 0x1b36, 0x0001, 0x0604, "PCI bridge", "br0" },
		/* behind the bridge, on its secondary bus */
		{ 1, 3, 0, 0x1af4, 0x1001, 0x0100, "SCSI controller", "disk0" },
	};

	check_pci("query-pci-bridge-tcg.json", want, ARRAY_SIZE(want));
}

static void test_pci_full(void **state)
{
	json_t *ret = load_return("query-pci-bridge-tcg.json");
	struct pci_dev devs[6];
	size_t n;

	/* full inside the bridge */
	assert_int_equal(qmp_parse_pci(ret, devs, 5, &n), -ENOSPC);
	assert_int_equal(n, 5);
	assert_string_equal(devs[4].qdev_id, "br0");
	assert_int_equal(qmp_parse_pci(ret, devs, 6, &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(qmp_parse_pci(ret, NULL, 0, &n), -ENOSPC);
	assert_int_equal(n, 0);
	assert_int_equal(qmp_parse_pci(ret, NULL, 3, &n), -EINVAL);
	assert_int_equal(qmp_parse_pci(ret, devs, 6, NULL), -EINVAL);
	json_decref(ret);
}

#define DEV(fields) "[{\"bus\": 0, \"devices\": [" fields "]}]"
#define OKDEV "\"bus\": 0, \"slot\": 3, \"function\": 0, \"qdev_id\": \"nic0\", " \
	"\"id\": {\"vendor\": 32902, \"device\": 4110}"
#define OKCLS "\"class_info\": {\"class\": 512, \"desc\": \"Ethernet controller\"}"

static void test_pci_shapes(void **state)
{
	static const struct bad_case cases[] = {
		{ "[]", 0 },
		{ DEV(""), 0 },
		{ DEV("{" OKDEV ", " OKCLS "}"), 0 },
		{ DEV("{" OKDEV ", \"class_info\": {\"class\": 512}}"), 0 }, /* desc optional */
		{ DEV("{" OKDEV ", " OKCLS ", \"pci_bridge\": {\"bus\": {}}}"), 0 }, /* no devices */
		{ "{}", -EINVAL },
		{ "null", -EINVAL },
		{ "[[]]", -EINVAL },
		{ "[{\"bus\": 0}]", -EINVAL },
		{ "[{\"bus\": 0, \"devices\": {}}]", -EINVAL },
		{ DEV("[]"), -EINVAL },
		{ DEV("7"), -EINVAL },
		{ DEV("{" OKDEV "}"), -EINVAL },
		{ DEV("{" OKDEV ", \"class_info\": []}"), -EINVAL },
		{ DEV("{" OKDEV ", \"class_info\": {\"desc\": \"x\"}}"), -EINVAL },
		{ DEV("{" OKDEV ", \"class_info\": {\"class\": 65536}}"), -EINVAL },
		{ DEV("{" OKDEV ", \"class_info\": {\"class\": 512, \"desc\": 5}}"), -EINVAL },
		{ DEV("{\"bus\": 0, \"slot\": 3, \"function\": 0, \"qdev_id\": \"\", " OKCLS "}"), -EINVAL },
		{ DEV("{\"bus\": 0, \"slot\": 3, \"function\": 0, \"qdev_id\": \"\", \"id\": 5, " OKCLS "}"), -EINVAL },
		{ DEV("{\"bus\": 0, \"slot\": 3, \"function\": 0, \"qdev_id\": \"\", \"id\": {\"vendor\": 65536, \"device\": 1}, " OKCLS "}"), -EINVAL },
		{ DEV("{\"bus\": 0, \"slot\": 3, \"function\": 0, \"qdev_id\": \"\", \"id\": {\"vendor\": 1}, " OKCLS "}"), -EINVAL },
		{ DEV("{\"bus\": 0, \"slot\": 32, \"function\": 0, \"qdev_id\": \"\", \"id\": {\"vendor\": 1, \"device\": 1}, " OKCLS "}"), -EINVAL },
		{ DEV("{\"bus\": 0, \"slot\": 3, \"function\": 8, \"qdev_id\": \"\", \"id\": {\"vendor\": 1, \"device\": 1}, " OKCLS "}"), -EINVAL },
		{ DEV("{\"bus\": 256, \"slot\": 3, \"function\": 0, \"qdev_id\": \"\", \"id\": {\"vendor\": 1, \"device\": 1}, " OKCLS "}"), -EINVAL },
		{ DEV("{\"bus\": -1, \"slot\": 3, \"function\": 0, \"qdev_id\": \"\", \"id\": {\"vendor\": 1, \"device\": 1}, " OKCLS "}"), -EINVAL },
		{ DEV("{\"bus\": 9223372036854775807, \"slot\": 3, \"function\": 0, \"qdev_id\": \"\", \"id\": {\"vendor\": 1, \"device\": 1}, " OKCLS "}"), -EINVAL },
		{ DEV("{\"bus\": \"0\", \"slot\": 3, \"function\": 0, \"qdev_id\": \"\", \"id\": {\"vendor\": 1, \"device\": 1}, " OKCLS "}"), -EINVAL },
		{ DEV("{\"slot\": 3, \"function\": 0, \"qdev_id\": \"\", \"id\": {\"vendor\": 1, \"device\": 1}, " OKCLS "}"), -EINVAL },
		{ DEV("{\"bus\": 0, \"slot\": 3, \"function\": 0, \"id\": {\"vendor\": 1, \"device\": 1}, " OKCLS "}"), -EINVAL },
		{ DEV("{\"bus\": 0, \"slot\": 3, \"function\": 0, \"qdev_id\": null, \"id\": {\"vendor\": 1, \"device\": 1}, " OKCLS "}"), -EINVAL },
		{ DEV("{\"bus\": 0, \"slot\": 3, \"function\": 0, \"qdev_id\": \"a\\u0000b\", \"id\": {\"vendor\": 1, \"device\": 1}, " OKCLS "}"), -EINVAL },
		{ DEV("{\"bus\": 0, \"slot\": 3, \"function\": 0, \"qdev_id\": \"0123456789012345678901234567890123456789012345678901234567890123\", \"id\": {\"vendor\": 1, \"device\": 1}, " OKCLS "}"), -ENAMETOOLONG },
		{ DEV("{" OKDEV ", " OKCLS ", \"pci_bridge\": []}"), -EINVAL },
		{ DEV("{" OKDEV ", " OKCLS ", \"pci_bridge\": {\"devices\": {}}}"), -EINVAL },
		{ DEV("{" OKDEV ", " OKCLS ", \"pci_bridge\": {\"devices\": [1]}}"), -EINVAL },
	};
	struct pci_dev devs[4];
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *j = parse(cases[i].json);
		int rc = qmp_parse_pci(j, devs, ARRAY_SIZE(devs), &n);

		if (rc != cases[i].rc)
			fail_msg("case %zu '%s': got %d, want %d", i, cases[i].json, rc, cases[i].rc);
		json_decref(j);
	}
	/* the longest qdev_id that fits: 63 characters */
	json_t *j = parse(DEV("{\"bus\": 0, \"slot\": 3, \"function\": 0, \"qdev_id\": \"012345678901234567890123456789012345678901234567890123456789012\", \"id\": {\"vendor\": 1, \"device\": 1}, " OKCLS "}"));
	assert_int_equal(qmp_parse_pci(j, devs, ARRAY_SIZE(devs), &n), 0);
	assert_int_equal(strlen(devs[0].qdev_id), 63);
	json_decref(j);
}

/* Bridges nested deeper than any machine has: refused, not recursed into. */
static void test_pci_deep_bridges(void **state)
{
	json_t *root = parse("[{\"bus\": 0, \"devices\": []}]");
	json_t *devices = json_object_get(json_array_get(root, 0), "devices");
	struct pci_dev devs[64];
	size_t n, depth;

	for (depth = 0; depth < 40; depth++) {
		json_t *d = parse("{" OKDEV ", " OKCLS ", \"pci_bridge\": {\"bus\": {}, \"devices\": []}}");

		json_array_append_new(devices, d);
		devices = json_object_get(json_object_get(d, "pci_bridge"), "devices");
	}
	assert_int_equal(qmp_parse_pci(root, devs, ARRAY_SIZE(devs), &n), -EINVAL);
	json_decref(root);
}

/* ---- query-block ---- */

static void test_block_qcow2_backing(void **state)
{
	json_t *ret = load_return("query-block-blockdev-qcow2-backing-raw.json");
	struct block_dev devs[2];
	size_t n;

	assert_int_equal(qmp_parse_block(ret, devs, ARRAY_SIZE(devs), &n), 0);
	assert_int_equal(n, 1);
	/* -blockdev has no legacy drive name: the device is known by its QOM path */
	assert_string_equal(devs[0].device, "");
	assert_string_equal(devs[0].qdev, "/machine/peripheral-anon/device[0]/virtio-backend");
	assert_string_equal(devs[0].node_name, "id0");
	assert_string_equal(devs[0].file, "/tmp/qcap/ov.qcow2");
	assert_string_equal(devs[0].backing_file, "/tmp/qcap/base.raw");
	assert_string_equal(devs[0].drv, "qcow2");
	assert_true(devs[0].inserted);
	assert_false(devs[0].read_only);
	json_decref(ret);
}

static void test_block_file_raw(void **state)
{
	json_t *ret = load_return("query-block-blockdev-file-raw.json");
	struct block_dev devs[1];
	size_t n;

	assert_int_equal(qmp_parse_block(ret, devs, ARRAY_SIZE(devs), &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(devs[0].device, "");
	assert_string_equal(devs[0].qdev, "/machine/peripheral-anon/device[0]/virtio-backend");
	assert_string_equal(devs[0].node_name, "id0");
	assert_string_equal(devs[0].file, "/tmp/qcap/base.raw");
	assert_string_equal(devs[0].backing_file, "");
	/* a bare protocol node: the driver is "file", not "raw" */
	assert_string_equal(devs[0].drv, "file");
	assert_true(devs[0].inserted);
	assert_false(devs[0].read_only);
	json_decref(ret);
}

static void test_block_ro_id(void **state)
{
	json_t *ret = load_return("query-block-blockdev-qcow2-ro-id.json");
	struct block_dev devs[1];
	size_t n;

	assert_int_equal(qmp_parse_block(ret, devs, ARRAY_SIZE(devs), &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(devs[0].device, "");
	/* with id=disk0 the QOM path is under /machine/peripheral */
	assert_string_equal(devs[0].qdev, "/machine/peripheral/disk0/virtio-backend");
	assert_string_equal(devs[0].file, "/tmp/qcap/ov.qcow2");
	assert_string_equal(devs[0].backing_file, "/tmp/qcap/base.raw");
	assert_string_equal(devs[0].drv, "qcow2");
	assert_true(devs[0].read_only);
	json_decref(ret);
}

static void test_block_full(void **state)
{
	json_t *ret = load_return("query-block-blockdev-file-raw.json");
	struct block_dev devs[1];
	size_t n = 5;

	assert_int_equal(qmp_parse_block(ret, NULL, 0, &n), -ENOSPC);
	assert_int_equal(n, 0);
	assert_int_equal(qmp_parse_block(ret, NULL, 1, &n), -EINVAL);
	assert_int_equal(qmp_parse_block(ret, devs, 1, NULL), -EINVAL);
	json_decref(ret);
}

/* An empty drive (a CD-ROM without a disc) and the backing-file fallback. */
static void test_block_empty_and_fallback(void **state)
{
	json_t *j = parse("[{\"device\": \"ide1-cd0\", \"locked\": false, \"removable\": true,"
			  " \"type\": \"unknown\", \"tray_open\": false, \"io-status\": \"ok\"},"
			  " {\"device\": \"\", \"inserted\": {\"file\": \"/a.qcow2\", \"drv\": \"qcow2\", \"ro\": true,"
			  " \"image\": {\"filename\": \"/a.qcow2\", \"backing-filename\": \"/b.raw\"}}}]");
	struct block_dev devs[2];
	size_t n;

	assert_int_equal(qmp_parse_block(j, devs, 2, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(devs[0].device, "ide1-cd0");
	assert_false(devs[0].inserted);
	assert_string_equal(devs[0].qdev, "");
	assert_string_equal(devs[0].file, "");
	assert_true(devs[1].inserted);
	assert_string_equal(devs[1].node_name, "");
	assert_string_equal(devs[1].backing_file, "/b.raw");
	json_decref(j);
}

#define INS(fields) "[{\"device\": \"\", \"inserted\": {" fields "}}]"

static void test_block_shapes(void **state)
{
	static const struct bad_case cases[] = {
		{ "[]", 0 },
		{ "[{\"device\": \"\"}]", 0 },
		{ INS("\"file\": \"/x\", \"drv\": \"raw\", \"ro\": false"), 0 },
		{ "{}", -EINVAL },
		{ "null", -EINVAL },
		{ "[[]]", -EINVAL },
		{ "[{}]", -EINVAL },
		{ "[{\"device\": 0}]", -EINVAL },
		{ "[{\"device\": \"\", \"qdev\": 5}]", -EINVAL },
		{ "[{\"device\": \"\", \"inserted\": []}]", -EINVAL },
		{ "[{\"device\": \"\", \"inserted\": null}]", -EINVAL },
		{ "[{\"device\": \"\", \"inserted\": {}}]", -EINVAL },
		{ INS("\"drv\": \"raw\", \"ro\": false"), -EINVAL },
		{ INS("\"file\": \"/x\", \"ro\": false"), -EINVAL },
		{ INS("\"file\": \"/x\", \"drv\": \"raw\""), -EINVAL },
		{ INS("\"file\": \"/x\", \"drv\": \"raw\", \"ro\": 0"), -EINVAL },
		{ INS("\"file\": [\"/x\"], \"drv\": \"raw\", \"ro\": false"), -EINVAL },
		{ INS("\"file\": \"/x\", \"drv\": \"raw\", \"ro\": false, \"node-name\": {}"), -EINVAL },
		{ INS("\"file\": \"/x\", \"drv\": \"raw\", \"ro\": false, \"backing_file\": 1"), -EINVAL },
		{ INS("\"file\": \"/x\", \"drv\": \"raw\", \"ro\": false, \"image\": 1"), -EINVAL },
		{ INS("\"file\": \"/x\", \"drv\": \"raw\", \"ro\": false, \"image\": {\"backing-filename\": 1}"), -EINVAL },
		{ INS("\"file\": \"/x\", \"drv\": \"a-driver-name-longer-than-31-bytes\", \"ro\": false"), -ENAMETOOLONG },
	};
	struct block_dev *devs = calloc(2, sizeof(*devs));
	size_t i, n;

	assert_non_null(devs);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *j = parse(cases[i].json);
		int rc = qmp_parse_block(j, devs, 2, &n);

		if (rc != cases[i].rc)
			fail_msg("case %zu '%s': got %d, want %d", i, cases[i].json, rc, cases[i].rc);
		json_decref(j);
	}
	free(devs);
}

/* A filename of exactly PATH_MAX - 1 bytes fits; one more does not. */
static void test_block_long_path(void **state)
{
	struct block_dev devs[1];
	char *path = malloc(4097);
	json_t *j;
	size_t n;

	assert_non_null(path);
	memset(path, 'a', 4096);
	path[0] = '/';
	path[4095] = '\0';
	j = json_pack("[{s:s, s:{s:s, s:s, s:b}}]", "device", "", "inserted",
		      "file", path, "drv", "raw", "ro", 0);
	assert_int_equal(qmp_parse_block(j, devs, 1, &n), 0);
	assert_int_equal(strlen(devs[0].file), 4095);
	json_decref(j);
	path[4095] = 'a';
	path[4096] = '\0';
	j = json_pack("[{s:s, s:{s:s, s:s, s:b}}]", "device", "", "inserted",
		      "file", path, "drv", "raw", "ro", 0);
	assert_int_equal(qmp_parse_block(j, devs, 1, &n), -ENAMETOOLONG);
	assert_int_equal(n, 0);
	json_decref(j);
	free(path);
}

/* ---- query-stats ---- */

static void test_stats_fixture(void **state)
{
	json_t *ret = load_return("query-stats-vcpu-kvm_pvm.json");
	uint64_t sum = 0;
	unsigned nv = 0;

	assert_int_equal(qmp_parse_stats_sum(ret, "exits", &sum, &nv), 0);
	assert_int_equal(sum, 4011);
	assert_int_equal(nv, 1);
	assert_int_equal(qmp_parse_stats_sum(ret, "insn_emulation", &sum, &nv), 0);
	assert_int_equal(sum, 3059559);
	assert_int_equal(qmp_parse_stats_sum(ret, "io_exits", &sum, &nv), 0);
	assert_int_equal(sum, 0);
	assert_int_equal(qmp_parse_stats_sum(ret, "no_such_stat", &sum, &nv), -ENOENT);
	/* a histogram and a boolean are no counters */
	assert_int_equal(qmp_parse_stats_sum(ret, "halt_wait_hist", &sum, &nv), -EINVAL);
	assert_int_equal(qmp_parse_stats_sum(ret, "guest_mode", &sum, &nv), -EINVAL);
	assert_int_equal(qmp_parse_stats_sum(ret, NULL, &sum, &nv), -EINVAL);
	assert_int_equal(qmp_parse_stats_sum(ret, "exits", NULL, NULL), 0);
	json_decref(ret);

	/* TCG: no provider, an empty list */
	ret = load_return("query-stats-vcpu-tcg.json");
	assert_int_equal(qmp_parse_stats_sum(ret, "exits", &sum, &nv), -ENOENT);
	json_decref(ret);
}

/* Four vCPUs made from the real one, plus a VM-wide entry (no qom-path) as an
 * unfiltered query-stats reply carries. */
static void test_stats_several_vcpus(void **state)
{
	json_t *one = load_return("query-stats-vcpu-kvm_pvm.json");
	json_t *ret = json_array();
	uint64_t sum;
	unsigned nv, i;
	char path[64];

	for (i = 0; i < 4; i++) {
		json_t *cpu = json_deep_copy(json_array_get(one, 0));

		snprintf(path, sizeof(path), "/machine/unattached/device[%u]", i);
		json_object_set_new(cpu, "qom-path", json_string(path));
		json_array_append_new(ret, cpu);
	}
	json_array_append_new(ret, parse("{\"provider\": \"kvm\", \"stats\": [{\"name\": \"exits\", \"value\": 1000000}]}"));
	json_array_append_new(ret, parse("{\"provider\": \"other\", \"qom-path\": \"/x\", \"stats\": [{\"name\": \"exits\", \"value\": 5}]}"));
	assert_int_equal(qmp_parse_stats_sum(ret, "exits", &sum, &nv), 0);
	assert_int_equal(sum, 4 * 4011);
	assert_int_equal(nv, 4);
	json_decref(ret);
	json_decref(one);
}

#define VCPU(stats) "{\"provider\": \"kvm\", \"qom-path\": \"/machine/unattached/device[0]\", \"stats\": " stats "}"

static void test_stats_shapes(void **state)
{
	static const struct bad_case cases[] = {
		{ "[" VCPU("[{\"name\": \"exits\", \"value\": 3}]") "]", 0 },
		{ "[" VCPU("[{\"name\": \"exits\", \"value\": 9223372036854775807}]") ","
		      VCPU("[{\"name\": \"exits\", \"value\": 9223372036854775807}]") "]", 0 },
		{ "[" VCPU("[{\"name\": \"exits\", \"value\": 9223372036854775807}]") ","
		      VCPU("[{\"name\": \"exits\", \"value\": 9223372036854775807}]") ","
		      VCPU("[{\"name\": \"exits\", \"value\": 9223372036854775807}]") "]", -ERANGE },
		{ "[]", -ENOENT },
		{ "[" VCPU("[]") "]", -ENOENT },
		{ "[" VCPU("[{\"name\": \"exits\", \"value\": 3}]") "," VCPU("[{\"name\": \"other\", \"value\": 3}]") "]", -ENOENT },
		{ "[{\"provider\": \"kvm\", \"stats\": [{\"name\": \"exits\", \"value\": 3}]}]", -ENOENT },
		{ "{}", -EINVAL },
		{ "null", -EINVAL },
		{ "[5]", -EINVAL },
		{ "[{}]", -EINVAL },
		{ "[{\"provider\": 1, \"qom-path\": \"/x\", \"stats\": []}]", -EINVAL },
		{ "[{\"provider\": \"kvm\", \"qom-path\": 1, \"stats\": []}]", -EINVAL },
		{ "[{\"provider\": \"kvm\", \"qom-path\": \"/x\"}]", -EINVAL },
		{ "[" VCPU("{}") "]", -EINVAL },
		{ "[" VCPU("[3]") "]", -EINVAL },
		{ "[" VCPU("[{\"value\": 3}]") "]", -EINVAL },
		{ "[" VCPU("[{\"name\": 1, \"value\": 3}]") "]", -EINVAL },
		{ "[" VCPU("[{\"name\": \"exits\"}]") "]", -EINVAL },
		{ "[" VCPU("[{\"name\": \"exits\", \"value\": -3}]") "]", -EINVAL },
		{ "[" VCPU("[{\"name\": \"exits\", \"value\": 3.5}]") "]", -EINVAL },
		{ "[" VCPU("[{\"name\": \"exits\", \"value\": \"3\"}]") "]", -EINVAL },
		{ "[" VCPU("[{\"name\": \"exits\", \"value\": [1, 2]}]") "]", -EINVAL },
	};
	uint64_t sum;
	unsigned nv;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *j = parse(cases[i].json);
		int rc = qmp_parse_stats_sum(j, "exits", &sum, &nv);

		if (rc != cases[i].rc)
			fail_msg("case %zu '%s': got %d, want %d", i, cases[i].json, rc, cases[i].rc);
		json_decref(j);
	}
	json_t *j = parse(cases[1].json);
	assert_int_equal(qmp_parse_stats_sum(j, "exits", &sum, &nv), 0);
	assert_true(sum == (uint64_t)INT64_MAX * 2);
	assert_int_equal(nv, 2);
	json_decref(j);
}

/* ---- every parser on every fixture, mutated ---- */

/* Each parser on j, with room enough for any fixture; all must answer 0 or a
 * negative errno, and (under ASan/UBSan) touch nothing they should not. */
static void run_all_parsers(const json_t *j)
{
	static struct block_dev blocks[8];
	struct pci_dev pcis[32];
	uint64_t a, b;
	unsigned nv;
	char status[32];
	bool running;
	size_t n;

	assert_true(qmp_parse_memory_summary(j, &a, &b) <= 0);
	assert_true(qmp_parse_status(j, status, sizeof(status), &running) <= 0);
	assert_true(qmp_parse_pci(j, pcis, ARRAY_SIZE(pcis), &n) <= 0);
	assert_true(n <= ARRAY_SIZE(pcis));
	assert_true(qmp_parse_block(j, blocks, ARRAY_SIZE(blocks), &n) <= 0);
	assert_true(n <= ARRAY_SIZE(blocks));
	assert_true(qmp_parse_stats_sum(j, "exits", &a, &nv) <= 0);
}

struct slot {
	json_t *parent; /* object or array */
	char *key;      /* a copy: deleting the member frees jansson's */
	size_t index;
};

static void collect(json_t *j, struct slot **slots, size_t *n, size_t *cap)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_object(j)) {
		json_object_foreach(j, key, v) {
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 64;
				*slots = realloc(*slots, *cap * sizeof(**slots));
				assert_non_null(*slots);
			}
			(*slots)[(*n)++] = (struct slot){ j, xstrdup(key), 0 };
			collect(v, slots, n, cap);
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 64;
				*slots = realloc(*slots, *cap * sizeof(**slots));
				assert_non_null(*slots);
			}
			(*slots)[(*n)++] = (struct slot){ j, NULL, i };
			collect(v, slots, n, cap);
		}
	}
}

static void test_mutated_fixtures(void **state)
{
	static const char *const files[] = {
		"query-memory-size-summary-256M.json", "query-status-running.json",
		"query-pci-tcg.json", "query-pci-bridge-tcg.json",
		"query-block-blockdev-qcow2-backing-raw.json", "query-block-blockdev-file-raw.json",
		"query-stats-vcpu-kvm_pvm.json",
	};
	static const char *const replacements[] = {
		"null", "true", "-1", "0", "9223372036854775807", "-9223372036854775808",
		"1e300", "\"\"", "\"x\"", "[]", "{}", "[{}]", "[[]]",
	};
	size_t f, s, r;

	for (f = 0; f < ARRAY_SIZE(files); f++) {
		json_t *ret = load_return(files[f]);
		struct slot *slots = NULL;
		size_t n = 0, cap = 0;

		run_all_parsers(ret);
		collect(ret, &slots, &n, &cap);
		for (s = 0; s < n; s++) {
			json_t *orig = slots[s].key ? json_object_get(slots[s].parent, slots[s].key)
						    : json_array_get(slots[s].parent, slots[s].index);

			/* keep the original (and so the key string) alive */
			json_incref(orig);
			for (r = 0; r < ARRAY_SIZE(replacements); r++) {
				json_t *rep = parse(replacements[r]);

				if (slots[s].key)
					json_object_set_new(slots[s].parent, slots[s].key, rep);
				else
					json_array_set_new(slots[s].parent, slots[s].index, rep);
				run_all_parsers(ret);
			}
			/* and the member gone */
			if (slots[s].key) {
				json_object_del(slots[s].parent, slots[s].key);
				run_all_parsers(ret);
			}
			if (slots[s].key)
				json_object_set(slots[s].parent, slots[s].key, orig);
			else
				json_array_set(slots[s].parent, slots[s].index, orig);
			json_decref(orig);
		}
		for (s = 0; s < n; s++)
			free(slots[s].key);
		free(slots);
		json_decref(ret);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_fixture),
		cmocka_unit_test(test_memory_shapes),
		cmocka_unit_test(test_status_fixtures),
		cmocka_unit_test(test_status_shapes),
		cmocka_unit_test(test_pci_fixture_shared),
		cmocka_unit_test(test_pci_fixture_prelaunch),
		cmocka_unit_test(test_pci_fixture_bridge),
		cmocka_unit_test(test_pci_full),
		cmocka_unit_test(test_pci_shapes),
		cmocka_unit_test(test_pci_deep_bridges),
		cmocka_unit_test(test_block_qcow2_backing),
		cmocka_unit_test(test_block_file_raw),
		cmocka_unit_test(test_block_ro_id),
		cmocka_unit_test(test_block_full),
		cmocka_unit_test(test_block_empty_and_fallback),
		cmocka_unit_test(test_block_shapes),
		cmocka_unit_test(test_block_long_path),
		cmocka_unit_test(test_stats_fixture),
		cmocka_unit_test(test_stats_several_vcpus),
		cmocka_unit_test(test_stats_shapes),
		cmocka_unit_test(test_mutated_fixtures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
