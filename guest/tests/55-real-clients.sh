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
    card=$(ls -d /sys/class/drm/renderD${node##*renderD}/device/drm/card* 2>/dev/null | head -1)
    drm_info /dev/dri/${card##*/} > /tmp/drm_info.log 2>&1
    if grep -q 'novax' /tmp/drm_info.log; then
        pass clients.drm_info "names the novax driver"
    else
        # drm_info 2.4.0 (Debian 12) gives up on any node whose KMS resources it cannot read,
        # and novax, like vgem, is a render-only driver without KMS.
        skip clients.drm_info "drm_info 2.4.0 needs KMS: $(head -1 /tmp/drm_info.log)"
    fi
else
    skip clients.drm_info "drm_info not in the guest"
fi
