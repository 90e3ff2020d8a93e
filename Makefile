# SPDX-License-Identifier: GPL-2.0
# novax: the two commands are `make run` and `make test`; both install what is missing first.

SHELL := /bin/bash
GUEST_CMD ?= sh /guest/demo.sh
GUEST_FILES ?=
KERNEL ?= main

.PHONY: run test deps kernel kernel-debug tools guest clean distclean

run: deps kernel tools
	@scripts/guest.sh --kernel $(KERNEL) --name run --cmd '$(GUEST_CMD)' $(GUEST_FILES)

test:
	@scripts/test.sh

deps:
	@scripts/deps.sh

kernel: deps
	@scripts/kernel.sh main

kernel-debug: deps
	@scripts/kernel.sh debug

tools: deps
	@if [ -f tools/Cargo.toml ]; then cd tools && cargo build --release --workspace; fi

# Run any command in the guest: make guest GUEST_CMD='...' GUEST_FILES='...'
guest:
	@scripts/guest.sh --kernel $(KERNEL) --name run --cmd '$(GUEST_CMD)' $(GUEST_FILES)

clean:
	rm -rf build/guest build/logs build/igt build/test-results.txt

distclean:
	rm -rf build tools/target
