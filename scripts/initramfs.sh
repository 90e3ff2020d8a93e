#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build a guest initramfs: initramfs.sh OUT.cpio.gz KDIR CMDFILE [FILE...]
#
# Contents: busybox, guest/init, the novax modules from KDIR under /modules, guest/ (tests and
# helpers) under /guest, CMDFILE as /guest/cmd, and every extra FILE under /guest/bin together
# with the shared libraries it needs (found with ldd), so dynamically linked clients run too.
source "$(dirname "$0")/lib.sh"

out=$1 kdir=$2 cmdfile=$3; shift 3
root=$(mktemp -d)
# mktemp makes it 0700, and it becomes the guest's /: non-root users must get past it.
chmod 755 "$root"
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,modules,guest/bin,usr/bin,etc}
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
cp "$TOP/guest/init" "$root/init"
chmod +x "$root/init"
cp -r "$TOP/guest/." "$root/guest/"
cp "$cmdfile" "$root/guest/cmd"
echo 'root:x:0:0:root:/tmp:/bin/sh' > "$root/etc/passwd"

# Modules we build (everything under drivers/gpu with a .ko).
find "$kdir/drivers/gpu" -name '*.ko' -exec cp {} "$root/modules/" \; 2>/dev/null || true

copy_libs() {
    local lib
    for lib in $(ldd "$1" 2>/dev/null | grep -oE '/[^ ]+' || true); do
        [ -e "$root$lib" ] && continue
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
}

for f in "$@"; do
    src=$f
    [ -e "$src" ] || src=$(command -v "$f" 2>/dev/null) || die "guest file not found: $f"
    cp -L "$src" "$root/guest/bin/"
    copy_libs "$src"
done

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
