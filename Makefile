# SPDX-License-Identifier: GPL-2.0
# novax: the two commands are `make run` and `make test`; both install what is missing first.

SHELL := /bin/bash
GUEST_CMD ?= sh /guest/demo.sh
GUEST_FILES ?=
KERNEL ?= main

# What `make run` copies into the guest besides GUEST_FILES.
RUN_FILES = $(wildcard tools/target/release/novaxctl build/ctools/novax_bench build/ctools/novax_fuzz \
	build/ctools/novax_lifetime build/ctools/novax_abi build/ctools/novax_abi32 \
	/usr/bin/drm_info)

.PHONY: run test test-kcsan deps kernel kernel-debug tools guest bench fuzz clean distclean

# The main job: the guest with the emulated GPU and the drivers loaded, then GUEST_CMD (default:
# the demo). Its exit status is GUEST_CMD's.
run: deps kernel tools
	@scripts/guest.sh --kernel $(KERNEL) --name run \
		--cmd 'sh /guest/load-drivers.sh; $(GUEST_CMD)' $(RUN_FILES) $(GUEST_FILES)

test:
	@scripts/test.sh

# The guest suites on a KCSAN kernel (build/linux-kcsan); not part of `make test`.
test-kcsan:
	@scripts/test-kcsan.sh

deps:
	@scripts/deps.sh

kernel: deps
	@scripts/kernel.sh main

kernel-debug: deps
	@scripts/kernel.sh debug

tools: deps
	@cd tools && cargo build --release --locked --workspace
	@$(MAKE) -s -C tools O=$(CURDIR)/build/ctools

# Benchmarks against C peers in one guest boot; results in build/bench.txt. Fails if the guest
# or a measurement failed, or the kernel log has a report.
bench: deps kernel tools
	@set -o pipefail; scripts/guest.sh --kernel $(KERNEL) --name bench --timeout 1200 \
		--cmd 'sh /guest/load-drivers.sh && novax_bench' \
		$(RUN_FILES) | tee build/bench.txt; rc=$$?; \
	scripts/check-log.sh build/guest/bench/console.log && exit $$rc

# A longer fuzzing run of guest/tests/60-fuzz.sh (novax_fuzz, then trinity on the novax nodes):
# FUZZ_SECONDS each (default 600), with FUZZ_SEED (default: the time, printed) for both.
FUZZ_SECONDS ?= 600
FUZZ_SEED ?=
fuzz: deps kernel tools
	@seed=$(if $(FUZZ_SEED),$(FUZZ_SEED),$$(date +%s)); echo "fuzz seed $$seed"; \
	scripts/guest.sh --kernel $(KERNEL) --name fuzz --timeout $$((2 * $(FUZZ_SECONDS) + 300)) \
		--cmd "NOVAX_FUZZ_SECONDS=$(FUZZ_SECONDS) NOVAX_FUZZ_SEED=$$seed sh /guest/tests/60-fuzz.sh" \
		$(RUN_FILES) $(wildcard /usr/bin/trinity); rc=$$?; \
	scripts/check-log.sh build/guest/fuzz/console.log && exit $$rc

# Run any command in the guest: make guest GUEST_CMD='...' GUEST_FILES='...'
guest:
	@scripts/guest.sh --kernel $(KERNEL) --name run --cmd '$(GUEST_CMD)' $(RUN_FILES) $(GUEST_FILES)

clean:
	rm -rf build/guest build/logs build/igt build/ctools build/test-results.txt

distclean:
	rm -rf build tools/target
