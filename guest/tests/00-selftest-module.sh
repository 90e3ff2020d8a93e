# SPDX-License-Identifier: GPL-2.0
# The Rust sample module built from our overlay loads, runs and unloads.
. /guest/lib.sh

m=/modules/novax_selftest.ko
if [ ! -f $m ]; then
    fail selftest.module-present "$m missing"
else
    pass selftest.module-present
    check selftest.insmod insmod $m
    check selftest.init-ran dmesg_has 'novax_selftest: loaded: Rust module from the novax overlay, sum 55'
    check selftest.listed grep -q '^novax_selftest ' /proc/modules
    check selftest.rmmod rmmod novax_selftest
    check selftest.drop-ran dmesg_has 'novax_selftest: unloaded: 10 numbers freed'
    if grep -q '^novax_selftest ' /proc/modules; then fail selftest.gone; else pass selftest.gone; fi
fi
