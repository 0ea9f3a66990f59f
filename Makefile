# vlab — build, test, guest image.
#
#   make                 build ./vlab (objects under build/)
#   make test            the whole suite: unit tests (plain and sanitized) and
#                        the integration tests that boot real guests
#   make image           the default guest image (only when its inputs change)
#   make run             install missing packages, build, image, run the lab
#   make SANITIZE=address,undefined   an instrumented build under build/san/
#   make install PREFIX=/usr/local   the binary, the manifest, the man pages
#                        and the bash completion
#
# Quiet unless V=1; warnings are errors unless WERROR=0.

.DEFAULT_GOAL := all
VERSION := 0.1.0
PREFIX  ?= /usr/local
CC      ?= cc
PKG_CONFIG ?= pkg-config

ifdef SANITIZE
BUILD ?= build/san
else
BUILD ?= build
endif
IMAGE_DIR ?= build/image

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIBS_PC := libcurl libnl-3.0 libnl-route-3.0 jansson libcrypto libseccomp
PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS_PC))
PC_LIBS   := $(shell $(PKG_CONFIG) --libs $(LIBS_PC)) -lm
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka)

WARNINGS := -Wall -Wextra -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
	-Wshadow -Wwrite-strings -Wno-unused-parameter
ifneq ($(WERROR),0)
WARNINGS += -Werror
endif

CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) -I. $(PC_CFLAGS) \
	-DVLAB_VERSION='"$(VERSION)"' -MMD -MP
ALL_LDFLAGS := $(LDFLAGS)
ifdef SANITIZE
ALL_CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif

# One object per line; main.o is kept apart so unit tests can link the rest.
OBJS += runner/util.o
OBJS += runner/clock.o
OBJS += runner/files.o
OBJS += runner/sha256.o
OBJS += runner/proc.o
OBJS += runner/cleanup.o
OBJS += runner/fetch/manifest.o
OBJS += runner/fetch/image.o
OBJS += runner/vm/vm.o
OBJS += runner/vm/qmp.o
OBJS += runner/vm/console.o
OBJS += runner/vm/console_clean.o
OBJS += runner/host/host.o
OBJS += runner/host/kvm_where.o
OBJS += runner/lab.o
OBJS += runner/manual.o
OBJS += runner/step.o
OBJS += runner/engine.o
OBJS += runner/kvmhost_chapter.o
OBJS += runner/exit_status.o
OBJS += runner/report.o
OBJS += runner/junit.o
OBJS += runner/rundir.o
OBJS += runner/vm/vmrun.o
OBJS += runner/net/net.o
OBJS += runner/net/ns.o
OBJS += runner/labnet.o
OBJS += runner/doctor/host_facts.o
OBJS += runner/doctor/host_table.o
OBJS += runner/doctor/sandbox_userns.o
OBJS += runner/cmd/doctor.o
OBJS += runner/run_ledger.o
OBJS += runner/cmd/status.o
OBJS += runner/cmd/clean.o
OBJS += runner/cmd/shell.o
OBJS += runner/cmd/kvmhost.o
OBJS += runner/vm/attach.o
OBJS += runner/cmd/console.o
OBJS += runner/vm/relay.o
OBJS += runner/vm/vmm.o
OBJS += runner/vm/kvmhost_plan.o
OBJS += runner/vm/kvmhost_proto.o
OBJS += runner/vm/kvmhost.o
OBJS += runner/vm/kvmhost_run.o
OBJS += runner/vm/kvmhost_agent.o
OBJS += runner/host/tracepoint.o
OBJS += runner/host/ept.o
OBJS += runner/grade/class_html.o
OBJS += checks/ept_state.o
OBJS += checks/class_report.o
OBJS += checks/script_check.o
OBJS += chapters/chapters.o
OBJS += chapters/ch1_boot.o
OBJS += chapters/ch2_nic.o
OBJS += chapters/ch4_kvm.o
OBJS += chapters/ch4_exits_count.o
OBJS += chapters/ch5_kvm_api.o
OBJS += checks/verdict.o
OBJS += checks/guest_parse.o
OBJS += checks/qmp_parse.o
OBJS += checks/ch1.o
OBJS += checks/icmp.o
OBJS += runner/net/icmp_echo.o
OBJS += runner/net/http_get.o
OBJS += checks/ping_parse.o
OBJS += checks/ch2.o
OBJS += checks/transcript.o
OBJS += checks/exits.o
OBJS += checks/qemu_opt.o
OBJS += checks/qemu_cmdline.o
OBJS += checks/qemu_devices.o
OBJS += checks/qemu_cmdline_verdicts.o
OBJS += checks/procfs_parse.o
OBJS += checks/handbuilt_lab.o
OBJS += runner/inspect/qemu_proc.o
OBJS += runner/inspect/qemu_find.o
OBJS += runner/inspect/lab_evidence.o
OBJS += runner/inspect/lab_verdicts.o
OBJS += runner/inspect/grading_evidence.o
OBJS += runner/inspect/two_vm_evidence.o
OBJS += runner/inspect/two_vm_verdicts.o
OBJS += runner/cmd/verify.o
OBJS += runner/cmd/options.o
OBJS += runner/cmd/commands.o
OBJS += runner/cmd/lab_options.o
OBJS += runner/cmd/chapter.o
OBJS += runner/cmd/run.o
OBJS += runner/cmd/list.o
OBJS += checks/strace_parse.o
OBJS += checks/ch4.o
OBJS += checks/perf_parse.o
OBJS += checks/ch4_saved.o
OBJS += checks/conclusions.o
OBJS += chapters/ch3_iperf.o
OBJS += chapters/ch3_manual.o
OBJS += chapters/ch3_plan.o
OBJS += checks/iperf.o
OBJS += checks/iperf_runs.o
OBJS += checks/ch3.o
OBJS += checks/two_vm_plan.o
OBJS += checks/net_cmd.o
OBJS += checks/handbuilt_two_vms.o
OBJS += checks/check_kinds.o
OBJS += runner/cmd/check.o
OBJS += checks/check_registry.o
OBJS += checks/rubric.o
OBJS += checks/grade_cmdline.o
OBJS += runner/grade/shim.o
OBJS += runner/grade/cgroup.o
OBJS += runner/grade/scratch_disk.o
OBJS += runner/grade/seccomp_filter.o
OBJS += runner/grade/sandbox.o
OBJS += runner/grade/sandbox_init.o
OBJS += runner/grade/sandbox_uid.o
OBJS += runner/grade/sandbox_launch.o
OBJS += runner/grade/shim_net.o
OBJS += runner/grade/net_agent.o
OBJS += runner/grade/grade_report.o
OBJS += runner/grade/shim_record.o
OBJS += runner/grade/submission_checks.o
OBJS += runner/grade/saved_work.o
OBJS += runner/grade/submission_run.o
OBJS += runner/grade/sandbox_run.o
OBJS += runner/grade/two_vm_run.o
OBJS += runner/grade/two_vm_guests.o
OBJS += runner/grade/file_copy.o
OBJS += runner/grade/grading_run.o
OBJS += runner/grade/grade_progress.o
OBJS += runner/grade/grade_jobs.o
OBJS += runner/cmd/grade.o
OBJS += runner/cmd/grade_ci.o
OBJS += runner/grade/ci_report.o
OBJS += runner/grade/ci_script_line.o
OBJS += runner/grade/class_merge.o
OBJS += runner/cmd/report.o
OBJS += runner/grade/capped_log.o
OBJS += runner/untrusted_text.o
OBJS += runner/handout.o
OBJS += runner/ci_template.o
OBJS += runner/assets.o
OBJS += runner/cmd/handout.o
OBJS += runner/fetch/config.o
OBJS += runner/fetch/fetch.o
OBJS += runner/fetch/cache.o
OBJS += runner/fetch/mirror.o
OBJS += runner/cmd/fetch.o
OBJS += chapters/ch0_setup.o

MAIN_OBJ := runner/cmd/main.o

# The profiles manifest is compiled in, so vlab knows its profiles before any
# image is built.
OBJS += gen/builtin_manifest.o
$(BUILD)/gen/builtin_manifest.c: assets/profiles.manifest
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q){ echo '/* generated from assets/profiles.manifest */'; \
	  echo '#include "runner/fetch/manifest.h"'; \
	  echo 'const char builtin_profiles_manifest[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; \
	  echo ';'; } > $@
# The handout, the reference solution and the built-in rubrics, compiled in.
OBJS += gen/lab_assets.o
EMBEDDED_ASSETS := assets/lab/runqemu_single_vm.sh assets/lab/runqemu_two_vms.sh assets/lab/connect_to_socket.sh \
	$(addprefix assets/lab/reference/,runqemu_single_vm.sh runqemu_two_vms.sh iperf_e1000.json iperf_virtio.json \
	  strace.log perf_ept_on.txt perf_ept_off.txt conclusions.txt) \
	assets/rubric/default.rubric assets/rubric/lab.rubric \
	assets/ci/github-self.yml assets/ci/gitlab-self.yml assets/ci/github-class.yml assets/ci/gitlab-class.yml
$(BUILD)/gen/lab_assets.c: scripts/embed-assets $(EMBEDDED_ASSETS)
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)scripts/embed-assets $(EMBEDDED_ASSETS) > $@
$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

B_OBJS := $(addprefix $(BUILD)/,$(OBJS))
B_MAIN := $(BUILD)/$(MAIN_OBJ)
LIBVLAB := $(BUILD)/libvlab.a

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.DELETE_ON_ERROR:
# keep test objects between runs (they are intermediates of a chained rule)
.SECONDARY:
.PHONY: all test test-unit test-integration image run install clean deps fuzz docs

all: vlab docs

ifdef SANITIZE
vlab: $(BUILD)/vlab
else
vlab: $(BUILD)/vlab
	$(Q)cp $< $@.tmp && mv -f $@.tmp $@
endif

$(BUILD)/vlab: $(B_MAIN) $(LIBVLAB)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PC_LIBS)

$(LIBVLAB): $(B_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIBVLAB)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBVLAB) $(PC_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -DFIXTURES='"$(CURDIR)/tests/fixtures"' -c -o $@ $<

# Unit tests that need KVM: where there is no /dev/kvm, make test runs them
# inside the emulated KVM host through UNIT_KVMHOST (a vlab binary), so they
# run instead of skipping (scripts/run-unit-tests).
KVM_UNIT_TESTS := test_vmm
UNIT_KVMHOST ?=
test-unit: $(UNIT_BINS)
	$(Q)VLAB_UNIT_KVM_TESTS="$(KVM_UNIT_TESTS)" VLAB_UNIT_KVMHOST="$(UNIT_KVMHOST)" \
		scripts/run-unit-tests $(UNIT_BINS)

test-integration: vlab docs image
	$(Q)VLAB=$(CURDIR)/$(BUILD)/vlab scripts/run-integration-tests

# The README's test command. Unit tests plain, then the whole suite, integration
# included, under AddressSanitizer and UBSan (vlab's own code is what is
# instrumented; qemu and the guest are not).
test:
	$(Q)$(MAKE) --no-print-directory vlab image
	$(Q)$(MAKE) --no-print-directory test-unit UNIT_KVMHOST=$(CURDIR)/build/vlab
	@# the sanitized binary by its path: asked for as `vlab`, make took it for
	@# an intermediate file and, with ./vlab newer, did not build it
	$(Q)$(MAKE) --no-print-directory SANITIZE=address,undefined build/san/vlab
	$(Q)$(MAKE) --no-print-directory SANITIZE=address,undefined test-unit test-integration \
		UNIT_KVMHOST=$(CURDIR)/build/san/vlab

# make fuzz: each libFuzzer harness tests/fuzz/fuzz_NAME.c, built with clang
# into build/fuzz/ and run for FUZZ_TIME seconds from its seed corpus
# tests/fuzz/corpus/NAME/ (make fuzz FUZZ=iperf runs one). What it finds goes
# to build/fuzz/corpus-NAME/, crashes to build/fuzz/crash-NAME-*: the seed
# corpus changes only by hand, and make test-unit replays it through the same
# harnesses (tests/unit/test_fuzz_corpus.c) under the normal build.
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
# what each harness links besides itself
FUZZ_SRCS_iperf := checks/iperf.c checks/iperf_runs.c checks/verdict.c runner/util.c
FUZZ_SRCS_strace := checks/strace_parse.c
FUZZ_SRCS_untrusted_text := runner/untrusted_text.c runner/util.c
FUZZ_SRCS_perf := checks/perf_parse.c
FUZZ_SRCS_conclusions := checks/conclusions.c checks/iperf.c checks/verdict.c runner/util.c
FUZZ_SRCS_ept_state := checks/ept_state.c runner/util.c
FUZZ_SRCS_class := checks/class_report.c runner/grade/class_html.c runner/untrusted_text.c runner/util.c
FUZZ_SRCS_rubric := checks/rubric.c checks/verdict.c runner/util.c
FUZZ_SRCS_manifest := runner/fetch/manifest.c runner/util.c
FUZZ_SRCS_sha256sums := runner/fetch/config.c runner/files.c runner/util.c
FUZZ_SRCS_kvmstats := checks/exits.c checks/verdict.c runner/util.c
FUZZ_SRCS_net_cmd := checks/net_cmd.c
FUZZ_SRCS_qemu_cmdline := checks/qemu_opt.c checks/qemu_cmdline.c checks/qemu_devices.c checks/qemu_cmdline_verdicts.c \
	checks/procfs_parse.c checks/two_vm_plan.c checks/ch3.c checks/iperf.c \
	checks/check_registry.c checks/handbuilt_lab.c checks/handbuilt_two_vms.c checks/ch1.c checks/ch2.c checks/ping_parse.c checks/guest_parse.c checks/icmp.c \
	checks/verdict.c runner/util.c
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-I. $(PC_CFLAGS)
# the harnesses link the pure parts (runner/util.c holds no file I/O, no
# digest): jansson is the one library a parser of theirs uses
FUZZ_LIBS := $(shell $(PKG_CONFIG) --libs jansson) -lm

fuzz: $(FUZZ:%=build/fuzz/fuzz_%)
	$(Q)set -e; for n in $(FUZZ); do \
		mkdir -p build/fuzz/corpus-$$n; \
		echo "  FUZZ    $$n ($(FUZZ_TIME) s)"; \
		build/fuzz/fuzz_$$n -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			-artifact_prefix=build/fuzz/crash-$$n- build/fuzz/corpus-$$n tests/fuzz/corpus/$$n; \
	done

.SECONDEXPANSION:
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRCS_$$*)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ $(FUZZ_LIBS)

# The man pages and the bash completion, generated from the same command and
# option tables as --help (runner/cmd/options.h) by vlab-docgen, which links
# the library; the pages' prose is assets/man/*.1.in.
DOCGEN := $(BUILD)/vlab-docgen
MAN_DATE := 2026-12-03
MAN_PAGES := $(patsubst assets/man/%.1.in,$(BUILD)/man/%.1,$(wildcard assets/man/*.1.in))
COMPLETION := $(BUILD)/completion/vlab

$(DOCGEN): $(BUILD)/runner/cmd/docgen.o $(LIBVLAB)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PC_LIBS)

$(BUILD)/man/%.1: assets/man/%.1.in $(DOCGEN)
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)$(DOCGEN) man $* $< $(MAN_DATE) >$@.tmp && mv -f $@.tmp $@

$(COMPLETION): $(DOCGEN)
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)$(DOCGEN) completion >$@.tmp && mv -f $@.tmp $@

docs: $(MAN_PAGES) $(COMPLETION)

image:
	$(Q)assets/image/build-image $(IMAGE_DIR)

deps:
	$(Q)scripts/install-deps

run: deps
	$(Q)$(MAKE) --no-print-directory vlab image
	$(Q)./vlab run

install: vlab docs
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/vlab $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0755 $(BUILD)/vlab $(DESTDIR)$(PREFIX)/bin/vlab
	install -m 0644 assets/profiles.manifest $(DESTDIR)$(PREFIX)/share/vlab/profiles.manifest
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(COMPLETION) $(DESTDIR)$(PREFIX)/share/bash-completion/completions/vlab

clean:
	rm -rf build/*.a build/runner build/chapters build/checks build/tests build/san build/fuzz build/vlab vlab \
		build/vlab-docgen build/man build/completion

# vlab-docgen's object too: it reads struct step and the tables, and a stale
# one (a header changed under it) writes a completion from the wrong layout
-include $(B_OBJS:.o=.d) $(B_MAIN:.o=.d) $(UNIT_BINS:=.d) $(BUILD)/runner/cmd/docgen.d
