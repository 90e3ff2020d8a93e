# SPDX-License-Identifier: GPL-2.0
# Real DRM clients that no one here wrote, unmodified from Debian, against the novax device:
# libdrm's drmdevice (drmGetDevices2 enumeration) and drm_info.
. /guest/lib.sh
sh /guest/load-drivers.sh

node=
for n in /sys/class/drm/renderD*; do
    # The novax render node is the one whose DRM debugfs directory has our files.
    minor=${n##*renderD}
    [ -d /sys/kernel/debug/dri/$minor/novax ] && node=/dev/dri/renderD$minor && break
done
if [ -z "$node" ]; then
    fail clients.novax-node "no novax render node"
    exit 0
fi
pass clients.novax-node
check clients.debugfs-name grep -q '^novax ' /sys/kernel/debug/dri/${node##*renderD}/name

if command -v drmdevice > /dev/null; then
    drmdevice > /tmp/drmdevice.log 2>&1
    if grep -q "nodes\[2\] $node" /tmp/drmdevice.log && grep -q 'vendor_id     1af4' /tmp/drmdevice.log; then
        pass clients.drmdevice "lists $node on PCI 1af4:1110"
    else
        fail clients.drmdevice "$node not listed"
        cat /tmp/drmdevice.log
    fi
else
    skip clients.drmdevice "drmdevice (libdrm-tests) not in the guest"
fi

if command -v drm_info > /dev/null; then
    # drm_info enumerates every DRM device (libdrm's drmGetDevices2) and prints the KMS state of
    # each primary node; novax's primary node has an empty mode configuration (drm/kms.rs).
    card=$(ls -d /sys/class/drm/renderD${node##*renderD}/device/drm/card* 2>/dev/null | head -1)
    card=${card##*/}
    drm_info > /tmp/drm_info.log 2>&1
    sed -n "/^Node: \/dev\/dri\/$card\$/,/^Node: /p" /tmp/drm_info.log > /tmp/drm_info.novax
    if [ -z "$card" ]; then
        fail clients.drm_info "no primary node next to $node"
    elif grep -q '^├───Driver: novax (novax: NVIDIA GSP GPUs (Rust)) version 0\.1\.0' /tmp/drm_info.novax &&
        grep -q 'Device: PCI 1af4:1110' /tmp/drm_info.novax &&
        grep -q 'Available nodes: primary, render' /tmp/drm_info.novax; then
        pass clients.drm_info "lists /dev/dri/$card: driver novax 0.1.0, PCI 1af4:1110, primary and render nodes"
    else
        fail clients.drm_info "novax not listed by drm_info"
        cat /tmp/drm_info.log
    fi
    # The JSON output of the same, for the novax node alone.
    if drm_info -j /dev/dri/$card > /tmp/drm_info.json 2>&1 &&
        tr -d ' \n' < /tmp/drm_info.json | grep -q '"driver":{"name":"novax"'; then
        pass clients.drm_info-json
    else
        fail clients.drm_info-json "$(head -c 300 /tmp/drm_info.json)"
    fi
else
    skip clients.drm_info "drm_info not in the guest"
fi
