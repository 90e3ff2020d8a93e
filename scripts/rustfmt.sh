#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rustfmt over our kernel Rust (the files we overlay), with the kernel's .rustfmt.toml, as
# `make rustfmt`/`rustfmtcheck` would: rustfmt.sh [--check]
source "$(dirname "$0")/lib.sh"
cd "$TOP"
mapfile -t files < <(find rust drivers -name '*.rs' 2>/dev/null | sort)
[ ${#files[@]} -gt 0 ] || exit 0
rustfmt --edition 2021 --config-path "$TOP/scripts/kernel-rustfmt.toml" "$@" "${files[@]}"
