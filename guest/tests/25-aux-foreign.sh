# SPDX-License-Identifier: GPL-2.0
# A device the novax DRM driver matches but the novax core driver did not create: the C module
# novax_aux_selftest (drivers/gpu/drm/novax/novax_aux_selftest.c) adds novax_core.drm.4096, a
# bare auxiliary_device with no shared data behind it. novax's probe must refuse it (ENOENT
# from auxiliary::Device::shared_data) without reading past the allocation (the sanitizer
# kernel's KASAN would report it), the real device keeps working, and unloading removes it.
. /guest/lib.sh

m=/modules/novax_aux_selftest.ko
dev=/sys/bus/auxiliary/devices/novax_core.drm.4096
if [ ! -f $m ]; then
    fail aux-foreign.module-present "$m missing"
    exit 1
fi
sh /guest/load-drivers.sh
dmesg -c > /dev/null
if ! insmod $m; then
    fail aux-foreign.insmod
    exit 1
fi
pass aux-foreign.insmod
check aux-foreign.device-created test -e $dev
if [ -e $dev/driver ]; then
    fail aux-foreign.refused "a driver bound to it: $(readlink $dev/driver)"
else
    pass aux-foreign.refused
fi
check aux-foreign.refusal-logged dmesg_has 'novax novax_core\.drm\.4096: not created by novax_core \(error -2\)'
check aux-foreign.probe-error dmesg_has 'novax_core\.drm\.4096: probe with driver novax failed with error -2'
# The core driver's own device is untouched.
real=$(ls -d /sys/bus/auxiliary/devices/novax_core.drm.* | grep -v '\.4096$' | head -1)
check aux-foreign.real-device-bound test -e "$real/driver"
if command -v novaxctl > /dev/null; then
    check aux-foreign.real-device-works sh -c 'novaxctl echo -n 3 > /dev/null'
else
    fail aux-foreign.real-device-works "novaxctl not in the guest"
fi
check aux-foreign.rmmod rmmod novax_aux_selftest
if [ -e $dev ]; then fail aux-foreign.device-removed; else pass aux-foreign.device-removed; fi
[ $NOVAX_FAILED = 0 ]
