# SPDX-License-Identifier: GPL-2.0
# Ioctl fuzzing, bounded: our UAPI-aware fuzzer with a fixed seed (repeatable), then Debian's
# trinity pointed at the novax render node. The kernel log is checked by the host afterwards.
# Prints the number of calls each made as "NOVAX-FIGURE fuzz_cases N" and "NOVAX-FIGURE
# trinity_calls N" (from their closing summaries) for the robustness figures of scripts/test.sh.
. /guest/lib.sh
sh /guest/load-drivers.sh
SEED=${NOVAX_FUZZ_SEED:-20261123}
SECS=${NOVAX_FUZZ_SECONDS:-20}

if command -v novax_fuzz > /dev/null; then
    if novax_fuzz -s $SEED -t $SECS -j 4 > /tmp/fuzz.log 2>&1; then
        pass fuzz.novax "$(tail -1 /tmp/fuzz.log)"
        tail -1 /tmp/fuzz.log
    else
        fail fuzz.novax "$(tail -1 /tmp/fuzz.log)"
        cat /tmp/fuzz.log
    fi
    # "novax_fuzz: seed S, N calls, E errors, T threads, D s"
    n=$(sed -n 's/^novax_fuzz: seed [0-9]*, \([0-9]*\) calls,.*/\1/p' /tmp/fuzz.log | tail -1)
    [ -n "$n" ] && echo "NOVAX-FIGURE fuzz_cases $n"
else
    skip fuzz.novax "novax_fuzz not in the guest"
fi

node=
for n in /dev/dri/renderD*; do
    [ -e "$n" ] && node=$n && break
done
if command -v trinity > /dev/null && [ -n "$node" ]; then
    # trinity refuses to run as root without --dangerous; -V limits file descriptors to the node.
    cd /tmp
    timeout -s KILL $((SECS + 30)) trinity --dangerous -q -C 2 -c ioctl -V "$node" -N 20000 \
        > /tmp/trinity.log 2>&1
    rc=$?
    # "Ran N syscalls. Successes: S  Failures: F", if trinity got as far as its summary.
    n=$(sed -n 's/.*Ran \([0-9]*\) syscalls\..*/\1/p' /tmp/trinity.log | tail -1)
    [ -n "$n" ] && echo "NOVAX-FIGURE trinity_calls $n"
    if [ -c "$node" ] && novax_fuzz -s 1 -t 1 -j 1 > /dev/null 2>&1; then
        pass fuzz.trinity "exit $rc; $(grep -c . /tmp/trinity.log) log lines; device still works"
    else
        fail fuzz.trinity "device broken after trinity (exit $rc)"
        tail -20 /tmp/trinity.log
    fi
else
    skip fuzz.trinity "trinity or render node missing"
fi
