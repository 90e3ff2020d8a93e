#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The FFI layout self-test covers what our Rust touches: every C struct that our Rust in rust/
# and drivers/ names through `bindings::` (a `pub struct` of the build's bindgen output) must
# have its size in rust/helpers/ffi_layout.c, unless it is listed below as one our Rust only
# passes by pointer to C (never reads, writes, embeds or builds). Run after a kernel build:
#   ffi-layout-complete.sh KDIR
source "$(dirname "$0")/lib.sh"
kdir=${1:-$(kernel_dir main)}
gen=$kdir/rust/bindings/bindings_generated.rs
[ -r "$gen" ] || die "no bindgen output in $kdir (build the kernel first)"

# Pointer-only: handed to or received from C as an opaque pointer.
POINTER_ONLY='
dentry
dma_buf_attachment
drm_framebuffer
drm_printer
iosys_map
kunit
lock_class_key
scatterlist
vm_area_struct
'
cd "$TOP"
mapfile -t files < <(git ls-files 'rust/*.rs' 'drivers/*.rs')
used=$(grep -ohE 'bindings::[A-Za-z_][A-Za-z0-9_]*' "${files[@]}" | sed 's/^bindings:://' | sort -u)
structs=$(grep -oE '^pub struct [A-Za-z_][A-Za-z0-9_]*' "$gen" | awk '{print $3}' | sort -u)
sized=$(grep -oE '^\s*SIZE\([a-z_0-9]+\)' rust/helpers/ffi_layout.c | sed -E 's/.*SIZE\(//; s/\)//' | sort -u)
named=$(comm -12 <(echo "$used") <(echo "$structs"))
missing=$(comm -23 <(echo "$named") <(echo "$sized") | grep -vxF -f <(echo "$POINTER_ONLY" | grep .) || true)
# A pointer-only entry our Rust no longer names is stale.
stale=$(comm -13 <(echo "$named") <(echo "$POINTER_ONLY" | grep . | sort -u))
echo "$(echo "$named" | grep -c .) C structs named by our Rust: $(comm -12 <(echo "$named") <(echo "$sized") | grep -c .) in the layout table, $(echo "$POINTER_ONLY" | grep -c .) pointer-only"
rc=0
if [ -n "$missing" ]; then
    echo "not in rust/helpers/ffi_layout.c (nor pointer-only):"; echo "$missing" | sed 's/^/  /'
    rc=1
fi
if [ -n "$stale" ]; then
    echo "pointer-only entries our Rust no longer names:"; echo "$stale" | sed 's/^/  /'
    rc=1
fi
exit $rc
