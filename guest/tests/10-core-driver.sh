# SPDX-License-Identifier: GPL-2.0
# The novax core driver binds to the emulated GPU, identifies it, boots the GSP queues, takes
# GSP interrupts and creates the auxiliary device; unbind/rebind and unload/reload work.
. /guest/lib.sh

emu_bdf() {
    for d in /sys/bus/pci/devices/*; do
        [ "$(cat $d/vendor)" = 0x1af4 ] && [ "$(cat $d/device)" = 0x1110 ] && basename $d && return
    done
}

bdf=$(emu_bdf)
if [ -z "$bdf" ]; then
    skip core.emulated-gpu-present "no ivshmem device (emulator not running)"
    exit 0
fi
pass core.emulated-gpu-present

for m in novax novax_core; do grep -q "^$m " /proc/modules && rmmod $m; done
check core.insmod insmod /modules/novax_core.ko
check core.bound test -e /sys/bus/pci/drivers/novax_core/$bdf
check core.chip-logged dmesg_has 'novax_core [0-9a-f:.]+: AD102, Ada, rev a1: GSP firmware 570\.144\.0'
check core.aux-device ls -d /sys/bus/auxiliary/devices/novax_core.drm.0
irqs=$(awk '/novax-gsp/ {s=0; for (i=2; i<NF; i++) if ($i ~ /^[0-9]+$/) s+=$i; print s}' /proc/interrupts)
if [ "${irqs:-0}" -gt 0 ]; then pass core.gsp-interrupts; else fail core.gsp-interrupts "none in /proc/interrupts"; fi

# Unbind and rebind through sysfs: the GSP is halted and booted afresh.
dmesg -c > /dev/null
check core.unbind sh -c "echo $bdf > /sys/bus/pci/drivers/novax_core/unbind"
if [ -e /sys/bus/auxiliary/devices/novax_core.drm.0 ]; then fail core.aux-removed; else pass core.aux-removed; fi
check core.rebind sh -c "echo $bdf > /sys/bus/pci/drivers/novax_core/bind"
check core.rebind-booted dmesg_has 'novax_core [0-9a-f:.]+: AD102, Ada, rev a1: GSP firmware'

# What the reload prints, not what the rebind printed before.
dmesg -c > /dev/null
check core.rmmod rmmod novax_core
check core.reinsmod insmod /modules/novax_core.ko
check core.reloaded-booted dmesg_has 'novax_core [0-9a-f:.]+: AD102, Ada, rev a1: GSP firmware'
