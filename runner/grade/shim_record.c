/* The shim's records, read and verified; see shim_record.h. */
#include "runner/grade/shim_record.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner/grade/shim.h"
#include "runner/proc.h"
#include "runner/util.h"
#include "runner/files.h"

void record_release(struct record *rec)
{
	free(rec->argv);
	json_decref(rec->json);
	memset(rec, 0, sizeof(*rec));
}

int record_load(int shim_fd, const char *shim_dir, int seq, struct record *rec, char *refused, size_t n)
{
	memset(rec, 0, sizeof(*rec));
	char name[32];
	snprintf(name, sizeof(name), "qemu-%d.json", seq);
	struct strbuf sb = STRBUF_INIT;
	mode_t type;
	bool cut;
	int r = read_untrusted_at(shim_fd, name, SHIM_FILE_CAP, &sb, &cut, &type);
	if (r == -ENOENT) {
		sb_release(&sb);
		return r;
	}
	if (r) {
		snprintf(refused, n, "%s in the shim's directory is %s, not a record the shim wrote", name,
			 untrusted_refusal(r, type)[0] ? untrusted_refusal(r, type) : strerror(-r));
		sb_release(&sb);
		return r;
	}
	json_error_t e;
	rec->json = cut ? NULL : json_loadb(sb.buf ? sb.buf : "", sb.len, 0, &e);
	sb_release(&sb);
	json_t *argv = json_object_get(rec->json, "argv");
	size_t na = json_array_size(argv);
	if (!rec->json || !na || na > 4096) {
		snprintf(refused, n, "%s in the shim's directory is not a record the shim wrote (%s)", name,
			 cut ? "over 1 MiB" : !rec->json ? "not JSON" : "no command line");
		record_release(rec);
		return -EBADMSG;
	}
	rec->argv = xcalloc(na + 1, sizeof(char *));
	for (size_t i = 0; i < na; i++) {
		const char *s = json_string_value(json_array_get(argv, i));
		rec->argv[i] = s ? s : "";
	}
	rec->argc = (int)na;
	snprintf(rec->qmp, sizeof(rec->qmp), "%s/qmp-%d.sock", shim_dir, seq);
	snprintf(rec->stderr_path, sizeof(rec->stderr_path), "%s/qemu-%d.stderr", shim_dir, seq);
	rec->present = true;
	return 0;
}

void last_line_at(int dirfd, const char *name, char *out, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	out[0] = '\0';
	if (read_untrusted_at(dirfd, name, SHIM_FILE_CAP, &sb, NULL, NULL) == 0) {
		char *t = rtrim(sb.buf ? sb.buf : (char *)"");
		char *nl = strrchr(t, '\n');
		snprintf(out, n, "%s", nl ? nl + 1 : t);
	}
	sb_release(&sb);
}

bool process_exe_is(pid_t pid, const char *exe)
{
	char p[64], buf[PATH_MAX];
	snprintf(p, sizeof(p), "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(p, buf, sizeof(buf) - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return !strcmp(buf, exe);
}

bool shim_process_is(const char *vlab_exe, pid_t pid, const struct record *rec)
{
	if (!process_exe_is(pid, vlab_exe))
		return false;
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)pid);
	struct strbuf sb = STRBUF_INIT;
	bool same = read_file(p, &sb) == 0;
	const char *a = sb.buf ? sb.buf : "", *end = a + sb.len;
	int i = 0;
	for (; same && a < end && i < rec->argc; i++, a += strlen(a) + 1)
		same = !strcmp(a, rec->argv[i]);
	same = same && a >= end && i == rec->argc;
	sb_release(&sb);
	return same;
}

int record_verified(const char *real_qemu, const struct accel_decision *accel, const struct record *rec,
		    const char *initrd, pid_t qpid, char *why, size_t n)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)qpid);
	struct strbuf sb = STRBUF_INIT;
	if (qpid <= 0 || read_file(p, &sb) || !sb.len) {
		sb_release(&sb);
		return -1;
	}
	if (!process_exe_is(qpid, real_qemu)) {
		sb_release(&sb);
		if (proc_gone(qpid))
			return -1;
		snprintf(why, n, "the process the record names (pid %d) is not %s", (int)qpid, real_qemu);
		return 0;
	}
	struct shim_config cfg = {
		.to_tcg = accel->accel != ACCEL_KVM,
		.tcg_why = accel->reason,
		.initrd = initrd,
		.qmp_path = rec->qmp,
		.e1000_link_at_once = true,
	};
	struct shim_result res;
	shim_adapt(rec->argv, rec->argc, &cfg, &res);
	int verdict = 1, i = 0;
	const char *a = sb.buf, *end = sb.buf + sb.len;
	for (; a < end && i < res.argc; i++, a += strlen(a) + 1) {
		if (strcmp(a, res.argv[i])) {
			snprintf(why, n, "argument %d of the running qemu is '%.80s', but the record makes it '%.80s'", i, a,
				 res.argv[i]);
			verdict = 0;
			break;
		}
	}
	if (verdict && (a < end || i < res.argc)) {
		snprintf(why, n, "the running qemu has %s arguments than the record makes", a < end ? "more" : "fewer");
		verdict = 0;
	}
	shim_result_release(&res);
	sb_release(&sb);
	return verdict;
}

/* Whether name is one of the shims' files: qemu-N.json, qemu-N.stderr or
 * net-N.json (the ip and brctl shims' records), N from 1 to 999. */
static bool is_shim_file(const char *nm)
{
	int64_t num;
	char digits[16];
	bool net = starts_with(nm, "net-");
	if (!starts_with(nm, "qemu-") && !net)
		return false;
	const char *dash = nm + (net ? 4 : 5), *dot = strchr(dash, '.');
	if (!dot || (size_t)(dot - dash) >= sizeof(digits) || (strcmp(dot, ".json") && (net || strcmp(dot, ".stderr"))))
		return false;
	snprintf(digits, sizeof(digits), "%.*s", (int)(dot - dash), dash);
	return !parse_i64(digits, 1, 999, &num);
}

void keep_shim_files(int shim_fd, const char *outdir, json_t *adaptations)
{
	DIR *d = shim_fd >= 0 ? fdopendir(dup(shim_fd)) : NULL;
	int out_dir = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	while (d && out_dir >= 0 && (de = readdir(d))) {
		const char *nm = de->d_name;
		if (!is_shim_file(nm))
			continue;
		int cr = copy_untrusted_at(shim_fd, nm, SHIM_FILE_CAP, out_dir, nm, 0644);
		mode_t type = 0;
		struct stat fst;
		if (cr && fstatat(shim_fd, nm, &fst, AT_SYMLINK_NOFOLLOW) == 0)
			type = fst.st_mode & S_IFMT;
		if (cr)
			json_array_append_new(adaptations, json_sprintf("%s in the shim's directory is %s: not kept", nm,
									 untrusted_refusal(cr, type)[0] ? untrusted_refusal(cr, type) : strerror(-cr)));
	}
	if (d)
		closedir(d);
	if (out_dir >= 0)
		close(out_dir);
}
