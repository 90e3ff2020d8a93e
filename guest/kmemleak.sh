# SPDX-License-Identifier: GPL-2.0
# After the suites (sanitizer kernel): unload our modules, scan for leaks, and fail on any
# unreferenced object (they are printed to the kernel log, which the host also checks).
. /guest/lib.sh
f=/sys/kernel/debug/kmemleak
if [ ! -e $f ]; then
    skip kmemleak.scan "no kmemleak in this kernel"
    exit 0
fi
for m in novax novax_core; do rmmod $m 2>/dev/null; done
echo scan > $f
sleep 6
echo scan > $f
leaks=$(grep -c '^unreferenced object' $f)
if [ "$leaks" = 0 ]; then
    pass kmemleak.scan
else
    fail kmemleak.scan "$leaks unreferenced objects"
    cat $f | head -60
fi
