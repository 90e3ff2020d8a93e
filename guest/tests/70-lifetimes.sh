# SPDX-License-Identifier: GPL-2.0
# Lifetimes: the device goes away under busy clients and comes back, NOVAX_LIFETIME_CYCLES times
# for each way of losing it: unloading and reloading the core module, and unbinding and
# rebinding the core PCI driver. novax_lifetime (tools/lifetime/novax_lifetime.c) holds two
# clients of the render node, mapped GEM objects, an exported and mapped dma-buf and debugfs
# files open across each cycle and checks what every one of them does afterwards; it prints its
# own NOVAX-RESULT lines and a NOVAX-FIGURE line. On the emulated GPU it also checks, each
# cycle, that the driver halted the GSP once and then left the device alone until the replug:
# lifetimes.{module,unbind}.gsp-halted, .no-doorbells-after-halt and
# .no-register-writes-after-halt, from the emulator's STATS counters (a FAIL gives the counts;
# Documentation/gpu/novax-gsp.rst, "After the halt"). The DRM module itself cannot go while a file
# is open (EBUSY: the module owns the file operations); once everything is closed it can.
# Leaks are found by the kmemleak scan on the sanitizer kernel.
. /guest/lib.sh
CYCLES=${NOVAX_LIFETIME_CYCLES:-3}
sh /guest/load-drivers.sh

novax_minor() {
    for d in /sys/kernel/debug/dri/*/novax; do
        m=${d%/novax}; m=${m##*/}
        case $m in 12[89]|1[3-9][0-9]) echo $m; return ;; esac
    done
}

minor=$(novax_minor)
if [ -z "$minor" ]; then
    fail lifetimes.novax-device "no novax render node"
    exit 1
fi
exec 3<> /dev/dri/renderD$minor
if rmmod novax 2> /dev/null; then
    fail lifetimes.drm-module-pinned "novax unloaded while a file was open"
    insmod /modules/novax.ko
else
    pass lifetimes.drm-module-pinned
fi
exec 3>&-

if ! command -v novax_lifetime > /dev/null; then
    skip lifetimes.cycles "novax_lifetime not in the guest (make -C tools)"
    exit 0
fi

novax_lifetime -N module -n $CYCLES --unplug 'rmmod novax_core' \
    --replug 'insmod /modules/novax_core.ko' || NOVAX_FAILED=1

# Nothing holds the DRM module any more: it unloads, and a reloaded one works.
if rmmod novax && insmod /modules/novax.ko && sleep 0.2 && novaxctl echo -n 5 > /dev/null; then
    pass lifetimes.drm-module-reload
else
    fail lifetimes.drm-module-reload "rmmod/insmod novax or echo failed after the cycles"
    sh /guest/load-drivers.sh
fi

novax_lifetime -N unbind -n $CYCLES --unbind || NOVAX_FAILED=1
[ $NOVAX_FAILED = 0 ]
