# SPDX-License-Identifier: GPL-2.0
# Shared settings of the novax harness scripts (sourced, not run).

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${NOVAX_BUILD:-$TOP/build}
# Tools installed once per machine and reused by every clone (bindgen, reconstructed Rust source).
CACHE=${NOVAX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/novax}

# The kernel we build against: Debian's linux-source-6.12, or any 6.12 tree given as KERNEL_SRC.
KERNEL_TARBALL=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
KERNEL_VERSION_EXPECTED=${KERNEL_VERSION_EXPECTED:-6.12.117}

# bindgen 0.69.5 is proven to lay out 6.12's structs right; 0.73.2 is proven wrong (task_struct
# padding): see shared design notes and the FFI layout self-test.
BINDGEN_VERSION=${BINDGEN_VERSION:-0.69.5}
BINDGEN_ROOT=$CACHE/bindgen-$BINDGEN_VERSION
LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
export LIBCLANG_PATH

RUST_LIB_ROOT=$CACHE/rust-src-$(rustc --version | awk '{print $2}')

JOBS=${JOBS:-$(($(nproc) + 1))}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Kernel build variants: "main" (gcc, the default), "debug" (clang + sanitizers) and "kcsan"
# (gcc + the concurrency sanitizer, `make test-kcsan` only).
kernel_dir() { echo "$BUILD/linux-${1:-main}"; }

kmake_args() {
    local variant=${1:-main}
    local args=(-C "$(kernel_dir "$variant")" -j"$JOBS"
        BINDGEN="$BINDGEN_ROOT/bin/bindgen" RUST_LIB_SRC="$RUST_LIB_ROOT/library")
    [ "$variant" = debug ] && args+=(LLVM=-19)
    # Clippy builds all Rust (clippy-driver also generates code), so the normal build is the lint
    # run too and switching it on/off never forces a rebuild. NOVAX_CLIPPY=0 turns it off.
    [ "${NOVAX_CLIPPY:-1}" = 1 ] && args+=(CLIPPY=1)
    printf '%s\n' "${args[@]}"
}

kmake() {
    local variant=$1; shift
    local args; mapfile -t args < <(kmake_args "$variant")
    make "${args[@]}" "$@"
}
