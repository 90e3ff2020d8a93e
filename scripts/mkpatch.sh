#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Write patches/NAME.patch from edited copies of upstream files.
#
#   scripts/mkpatch.sh NAME "Subject line" path/in/kernel ...
#
# Each path is diffed from build/pristine/<path> (an untouched 6.12 tree, unpacked on first use)
# to build/patchwork/<path> (your edited copy; seeded from pristine when missing).
source "$(dirname "$0")/lib.sh"

name=$1 subject=$2; shift 2
P=$BUILD/pristine W=$BUILD/patchwork
if [ ! -f "$P/Makefile" ]; then
    mkdir -p "$P" && tar -xf "$KERNEL_TARBALL" -C "$P" --strip-components=1
fi
out=$TOP/patches/$name.patch
{
    echo "$subject"
    echo
    for f in "$@"; do
        if [ ! -f "$W/$f" ]; then
            mkdir -p "$(dirname "$W/$f")" && cp "$P/$f" "$W/$f"
            echo "seeded $W/$f: edit it and run again" >&2
        fi
        (cd "$BUILD" && diff -u --label "a/$f" --label "b/$f" "pristine/$f" "patchwork/$f") || true
    done
} > "$out"
echo "wrote $out" >&2
