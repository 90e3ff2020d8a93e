# SPDX-License-Identifier: GPL-2.0
# What `make run` shows in the guest: the kernel, its Rust support, our modules at work.
echo "== kernel"
uname -a
echo "== Rust support"
grep -q ' rust_begin_unwind\| _RNv' /proc/kallsyms 2>/dev/null && echo "kernel has Rust symbols"
dmesg | grep -iE 'rust' | head -5
echo "== novax modules"
ls /modules
for m in /modules/*.ko; do insmod "$m" && echo "loaded $(basename "$m")"; done
cat /proc/modules
dmesg | grep -E 'novax' | tail -20
