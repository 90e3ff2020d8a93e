#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prepare and build a kernel tree with novax overlaid: kernel.sh [main|debug]
#
# 1. Unpack Debian's linux-source-6.12 (or copy KERNEL_SRC) into build/linux-<variant> once and
#    check its version.
# 2. Overlay our files at their kernel paths, copying only files whose content changed so that
#    make rebuilds only what changed; files we stopped shipping are removed again.
# 3. Apply patches/*.patch quilt-style: a patch already applied is left alone, a changed patch is
#    reverted in its old form and applied in its new form.
# 4. Configure from tinyconfig + kernel/novax.config (+ kernel/debug.config for the debug
#    variant) when any of those inputs changed, and check every requested option took effect.
# 5. Build bzImage and modules.
source "$(dirname "$0")/lib.sh"

variant=${1:-main}
KDIR=$(kernel_dir "$variant")
STATE=$KDIR/.novax
OVERLAY_DIRS=(rust drivers include Documentation samples)

unpack() {
    [ -f "$STATE/unpacked" ] && return
    rm -rf "$KDIR" "$KDIR.tmp"
    mkdir -p "$KDIR.tmp"
    if [ -n "${KERNEL_SRC:-}" ]; then
        log "copying kernel tree from $KERNEL_SRC"
        rsync -a --exclude .git "$KERNEL_SRC/" "$KDIR.tmp/"
    else
        [ -f "$KERNEL_TARBALL" ] || die "$KERNEL_TARBALL missing: run scripts/deps.sh"
        log "unpacking $KERNEL_TARBALL"
        tar -xf "$KERNEL_TARBALL" -C "$KDIR.tmp" --strip-components=1
    fi
    mv "$KDIR.tmp" "$KDIR"
    mkdir -p "$STATE/applied"
    touch "$STATE/unpacked"
}

check_version() {
    local v
    v=$(make -s -C "$KDIR" kernelversion)
    case "$v" in
    6.12.*) ;;
    *) die "kernel tree is $v, novax needs 6.12.y" ;;
    esac
    [ "$v" = "$KERNEL_VERSION_EXPECTED" ] ||
        log "note: kernel $v differs from the tested $KERNEL_VERSION_EXPECTED"
    echo "$v" > "$STATE/version"
}

overlay() {
    local new=$STATE/overlay.new changed=0 f
    : > "$new"
    for d in "${OVERLAY_DIRS[@]}"; do
        [ -d "$TOP/$d" ] || continue
        (cd "$TOP" && find "$d" -type f ! -name '*.o' ! -name '.*' | sort) >> "$new"
    done
    while read -r f; do
        if ! cmp -s "$TOP/$f" "$KDIR/$f"; then
            mkdir -p "$(dirname "$KDIR/$f")"
            cp "$TOP/$f" "$KDIR/$f"
            changed=$((changed + 1))
        fi
    done < "$new"
    # Remove what an earlier overlay put there and we no longer ship.
    if [ -f "$STATE/overlay" ]; then
        comm -23 <(sort "$STATE/overlay") <(sort "$new") | while read -r f; do
            rm -f "$KDIR/$f"
        done
    fi
    mv "$new" "$STATE/overlay"
    log "overlay: $(wc -l < "$STATE/overlay") files, $changed updated"
}

apply_patches() {
    local p name old
    # Revert applied patches that changed or disappeared, newest first.
    for old in $(ls -r "$STATE/applied" 2>/dev/null); do
        if ! cmp -s "$STATE/applied/$old" "$TOP/patches/$old"; then
            log "reverting old $old"
            patch -d "$KDIR" -p1 -R -s < "$STATE/applied/$old" ||
                die "cannot revert $old: remove $KDIR and run again"
            rm "$STATE/applied/$old"
        fi
    done
    for p in "$TOP"/patches/*.patch; do
        [ -e "$p" ] || continue
        name=$(basename "$p")
        [ -f "$STATE/applied/$name" ] && continue
        log "applying $name"
        patch -d "$KDIR" -p1 -s --no-backup-if-mismatch < "$p" || die "$name does not apply"
        cp "$p" "$STATE/applied/$name"
    done
}

configure() {
    local frags=("$TOP/kernel/novax.config") sum line opt val have
    [ "$variant" = debug ] && frags+=("$TOP/kernel/debug.config")
    [ "$variant" = kcsan ] && frags+=("$TOP/kernel/kcsan.config")
    # Kconfig files come from the overlay and patches; include them in the stamp.
    sum=$( (cat "${frags[@]}"; cat "$TOP"/patches/*.patch 2>/dev/null;
        find "$TOP/drivers" "$TOP/rust" -name Kconfig -exec cat {} + 2>/dev/null;
        echo "$variant") | sha256sum | cut -d' ' -f1)
    if [ -f "$KDIR/.config" ] && [ "$(cat "$STATE/config.sum" 2>/dev/null)" = "$sum" ]; then
        return
    fi
    log "configuring ($variant): tinyconfig + ${frags[*]##*/}"
    kmake "$variant" -s tinyconfig >/dev/null
    "$KDIR/scripts/kconfig/merge_config.sh" -m -O "$KDIR" "$KDIR/.config" "${frags[@]}" >/dev/null
    kmake "$variant" -s olddefconfig >/dev/null
    kmake "$variant" -s rustavailable >/dev/null || die "Rust is not available to the kernel build"
    for f in "${frags[@]}"; do
        while read -r line; do
            case "$line" in CONFIG_*=*) ;; *) continue ;; esac
            opt=${line%%=*}; val=${line#*=}
            have=$(grep -E "^$opt=" "$KDIR/.config" | cut -d= -f2- || true)
            if [ "$val" = n ]; then
                [ -z "$have" ] || die "$opt should be off, is $have (dependencies?)"
            else
                [ "$have" = "$val" ] || die "$opt=$val requested, .config has '${have:-not set}'"
            fi
        done < "$f"
    done
    echo "$sum" > "$STATE/config.sum"
}

unpack
check_version
overlay
apply_patches
configure
log "building kernel ($variant, -j$JOBS)"
start=$(date +%s)
kmake "$variant" bzImage modules
log "kernel ($variant) built in $(($(date +%s) - start)) s"
