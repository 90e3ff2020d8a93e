# SPDX-License-Identifier: GPL-2.0
# Every slab allocation of every novax ioctl fails once (tools/faults/novax_faults: the open of
# the render node, GETPARAM, GEM_CREATE, GEM_INFO, GSP_ECHO, both PRIME ioctls, CREATE_DUMB,
# ADDFB2): each failure must give ENOMEM and the call must work right after. fail-nth is
# per task, so only the calls of the tool fail. Leaks are left to the kmemleak scan after the
# suites, reports to the kernel-log check. Needs CONFIG_FAILSLAB and
# CONFIG_FAULT_INJECTION_DEBUG_FS (the sanitizer kernel has them).
. /guest/lib.sh

F=/sys/kernel/debug/failslab
if [ ! -d $F ] || [ ! -e /proc/self/fail-nth ]; then
    skip ioctl-faults.sweep "no failslab fault injection in this kernel"
    exit 0
fi
sh /guest/load-drivers.sh
novax_nodes
if ! [ -c "$render" ] || ! [ -c "$card" ] || ! command -v novax_faults > /dev/null; then
    fail ioctl-faults.sweep "no novax nodes or no novax_faults"
    exit 0
fi

# Fail only what fail-nth selects, allocations that may sleep included, without stack dumps.
echo 0 > $F/probability
echo N > $F/ignore-gfp-wait
echo 0 > $F/verbose
novax_faults $render $card > /tmp/faults.log 2>&1
rc=$?
echo 1 > $F/ignore-gfp-wait
cat /tmp/faults.log
summary=$(tail -1 /tmp/faults.log)
# "novax_faults: T allocations failed in O operations, B bad"
total=$(echo "$summary" | sed -n 's/^novax_faults: \([0-9]*\) allocations failed in 9 operations, 0 bad$/\1/p')
if [ $rc = 0 ] && [ -n "$total" ] && [ "$total" -ge 9 ]; then
    pass ioctl-faults.sweep "$summary"
else
    fail ioctl-faults.sweep "exit $rc: $summary"
fi
grep '^\(ok \|BAD\) ' /tmp/faults.log | while read -r st name rest; do
    name=${name%:}
    if [ "$st" = ok ]; then pass "ioctl-faults.$name" "$rest"; else fail "ioctl-faults.$name" "$rest"; fi
done
[ -n "$total" ] && echo "NOVAX-FIGURE ioctl_faults_injected $total"
# Afterwards the device does everything a client uses.
device_works ioctl-faults.device-works "after the fault sweep"
