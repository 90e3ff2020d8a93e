# SPDX-License-Identifier: GPL-2.0
# The Rust DRM abstractions end to end, through the novax_drm_selftest module: a render node
# answering the novax ioctls, GEM objects with mmap and PRIME, fdinfo, the module pinned while
# a file is open, unplug with files open (ioctls fail with ENODEV, the device data lives until
# the last file is closed), and unloading. The ioctls are made by novax_drmtest
# (tools/drmtest/novax_drmtest.c), which prints its own NOVAX-RESULT lines.
. /guest/lib.sh

m=/modules/novax_drm_selftest.ko
tool=$(command -v novax_drmtest)
mod=novax_drm_selftest
if [ ! -f $m ]; then
    fail drm.module-present "$m missing"
    exit 1
fi
pass drm.module-present
if ! insmod $m; then
    fail drm.insmod
    exit 1
fi
pass drm.insmod
node=$(dmesg | sed -n "s/.*$mod: render node \(renderD[0-9]*\).*/\1/p" | tail -1)
if [ -z "$node" ] || [ ! -c /dev/dri/$node ]; then
    fail drm.render-node "no render node (dmesg: '$node')"
    rmmod $mod
    exit 1
fi
pass drm.render-node
check drm.sysfs-parent test -e /sys/devices/$mod/drm/$node

if [ -z "$tool" ]; then
    skip drm.ioctls "novax_drmtest not in the guest (make -C tools)"
else
    "$tool" run /dev/dri/$node > /tmp/novax_drmtest.out || true
    cat /tmp/novax_drmtest.out
    check drm.objects-freed dmesg_has "$mod: object of 4096 bytes freed"
    if grep -q 'PASS drm-selftest.prime-import-foreign-close' /tmp/novax_drmtest.out; then
        check drm.imported-object-freed dmesg_has "$mod: object of 12288 bytes freed"
    fi
fi

# An open file: fdinfo, and the module cannot be unloaded under it.
exec 3<> /dev/dri/$node
check drm.fdinfo-driver grep -q "^drm-driver:[[:space:]]*$mod" /proc/$$/fdinfo/3
check drm.fdinfo-driver-lines grep -q "^novax-selftest-file:[[:space:]]*[0-9]" /proc/$$/fdinfo/3
if rmmod $mod 2>/dev/null; then
    fail drm.rmmod-refused-while-open "rmmod succeeded with a file open"
    exit 1
fi
pass drm.rmmod-refused-while-open
check drm.still-loaded grep -q "^$mod " /proc/modules

if [ -n "$tool" ]; then
    # Unplug (what a driver unbind does) while fd 3 is open.
    "$tool" unplug /dev/dri/$node || true
    check drm.unplugged dmesg_has "$mod: unplugged on request of file"
    if [ -e /dev/dri/$node ]; then fail drm.node-gone; else pass drm.node-gone; fi
    if dmesg_has "$mod: device data dropped"; then
        fail drm.data-alive-while-open "dropped with fd 3 still open"
    else
        pass drm.data-alive-while-open
    fi
    "$tool" enodev 3 || true
fi
exec 3>&-
if [ -n "$tool" ]; then
    check drm.data-dropped-at-last-close dmesg_has "$mod: device data dropped after [0-9]+ opens"
fi

check drm.rmmod rmmod $mod
if grep -q "^$mod " /proc/modules; then fail drm.gone; else pass drm.gone; fi
check drm.parent-gone test ! -e /sys/devices/$mod
exit $NOVAX_FAILED
