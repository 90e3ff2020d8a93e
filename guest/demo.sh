# SPDX-License-Identifier: GPL-2.0
# What `make run` shows in the guest: the kernel and its Rust support, the emulated GPU, the novax
# drivers bound to it, `novaxctl info`, an echo RPC round, a debugfs dump and a GPU VA space.
echo "== kernel"
uname -a
grep -c ' _RN' /proc/kallsyms | sed 's/^/Rust symbols in the kernel: /'
echo "== PCI devices"
for d in /sys/bus/pci/devices/*; do
    echo "$(basename $d) $(cat $d/vendor):$(cat $d/device) class $(cat $d/class) driver $(basename "$(readlink $d/driver 2>/dev/null)" 2>/dev/null)"
done
echo "== loading the novax drivers"
sh /guest/load-drivers.sh
grep novax /proc/modules
dmesg | grep -E 'novax' | tail -10
echo "== DRM nodes"
ls -l /dev/dri 2>/dev/null
ls /sys/bus/auxiliary/devices 2>/dev/null
if command -v novaxctl >/dev/null; then
    echo "== novaxctl info"
    novaxctl info
    echo "== novaxctl echo -n 200"
    novaxctl echo -n 200
    echo "== novaxctl debugfs"
    novaxctl debugfs
    echo "== novaxctl vm --map 1MiB (a VA space of its own, one object mapped twice)"
    novaxctl vm --map 1MiB
fi
if command -v drm_info >/dev/null; then
    echo "== drm_info (Debian's, unmodified)"
    drm_info 2>&1 | head -20
fi
