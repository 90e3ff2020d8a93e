#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the build, the guest and the tests need, skipping what is already there:
# Debian packages, the pinned bindgen-cli, and the Rust library source rebuilt from rust-docs.
source "$(dirname "$0")/lib.sh"

PACKAGES=(
    linux-source-6.12 build-essential flex bison bc libelf-dev libssl-dev cpio kmod rsync
    clang-19 libclang-19-dev lld-19 llvm-19
    qemu-system-x86 busybox-static
    libdrm-dev libdrm-tests drm-info trinity pkg-config gcc-multilib
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    [ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    log "Debian packages: all ${#PACKAGES[@]} present"
fi

command -v cargo >/dev/null || die "cargo not found: install Rust with rustup"
if [ "$("$BINDGEN_ROOT/bin/bindgen" --version 2>/dev/null | awk '{print $2}')" != "$BINDGEN_VERSION" ]; then
    log "installing bindgen-cli $BINDGEN_VERSION into $BINDGEN_ROOT (a few minutes)"
    cargo install "bindgen-cli@$BINDGEN_VERSION" --locked --root "$BINDGEN_ROOT" --force
else
    log "bindgen-cli $BINDGEN_VERSION present"
fi

if [ ! -f "$RUST_LIB_ROOT/.complete" ]; then
    log "rebuilding the Rust library source from rust-docs into $RUST_LIB_ROOT"
    rm -rf "$RUST_LIB_ROOT"
    python3 "$TOP/scripts/rust-lib-src.py" "$(rustc --print sysroot)" "$RUST_LIB_ROOT"
    touch "$RUST_LIB_ROOT/.complete"
else
    log "Rust library source present ($RUST_LIB_ROOT)"
fi
