# SPDX-License-Identifier: GPL-2.0
# Every allocation of a probe fails once: a fault-injection sweep over binding the novax core
# driver (which creates the auxiliary device and so probes the DRM driver in the same task, with
# its DRM registration and debugfs files). For N = 1, 2, ... the N-th slab allocation of the
# task that writes the PCI bind file fails (/proc/self/fail-nth, failslab with GFP_KERNEL
# allocations included); the sweep ends at the first N the bind no longer reaches. After each
# step the device is unbound again; at the end a clean bind must give a working device. Oopses,
# KASAN reports and lockdep splats fail the kernel-log check; leaks the kmemleak scan that
# follows the suites on the sanitizer kernel. Needs CONFIG_FAILSLAB and
# CONFIG_FAULT_INJECTION_DEBUG_FS (the sanitizer kernel has them).
. /guest/lib.sh

F=/sys/kernel/debug/failslab
if [ ! -d $F ] || [ ! -e /proc/self/fail-nth ]; then
    skip probe-faults.sweep "no failslab fault injection in this kernel"
    exit 0
fi
bdf=
for d in /sys/bus/pci/devices/*; do
    [ "$(cat $d/vendor)" = 0x1af4 ] && [ "$(cat $d/device)" = 0x1110 ] && bdf=${d##*/}
done
if [ -z "$bdf" ]; then
    fail probe-faults.sweep "no emulated GPU"
    exit 1
fi
sh /guest/load-drivers.sh
drv=/sys/bus/pci/drivers/novax_core
aux_bound() { ls -d /sys/bus/auxiliary/drivers/novax/novax_core.drm.* > /dev/null 2>&1; }

# Fail only what fail-nth selects (probability 0 turns the random failures off), including
# allocations that may sleep, without a stack dump per failure.
echo 0 > $F/probability
echo N > $F/ignore-gfp-wait
echo 0 > $F/verbose

[ -e $drv/$bdf ] && echo $bdf > $drv/unbind
n=0 injected=0 core_failed=0 drm_failed=0 max=${NOVAX_PROBE_FAULTS_MAX:-1500}
done_at=
while [ $n -lt $max ]; do
    n=$((n + 1))
    # The write to fail-nth and the bind are builtins of this shell: the probe runs in this
    # task, so its allocations count.
    echo $n > /proc/self/fail-nth
    echo $bdf > $drv/bind 2> /dev/null
    read left < /proc/self/fail-nth
    echo 0 > /proc/self/fail-nth
    if [ "$left" != 0 ]; then
        # Fewer than n allocations: the whole probe ran without a fault.
        done_at=$n
        break
    fi
    injected=$((injected + 1))
    if [ -e $drv/$bdf ]; then
        aux_bound || drm_failed=$((drm_failed + 1))
        echo $bdf > $drv/unbind
    else
        core_failed=$((core_failed + 1))
    fi
done
echo 1 > $F/ignore-gfp-wait
echo "NOVAX-FIGURE probe_faults_injected $injected"

if [ -n "$done_at" ]; then
    pass probe-faults.sweep "$injected allocations failed one at a time: the core probe failed $core_failed times, the DRM probe $drm_failed times"
else
    fail probe-faults.sweep "the probe still allocated after $max injected failures"
fi
# A clean bind after the sweep: the driver, the GSP and the DRM device work.
[ -e $drv/$bdf ] || echo $bdf > $drv/bind
check probe-faults.rebind test -e $drv/$bdf
check probe-faults.drm-bound aux_bound
if command -v novaxctl > /dev/null; then
    check probe-faults.device-works sh -c 'novaxctl echo -n 3 > /dev/null'
else
    fail probe-faults.device-works "novaxctl not in the guest"
fi
[ $NOVAX_FAILED = 0 ]
