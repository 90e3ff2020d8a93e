# SPDX-License-Identifier: GPL-2.0
# Ioctl fuzzing, bounded: our UAPI-aware fuzzer with a fixed seed (repeatable), then Debian's
# trinity pointed at the novax render node. The kernel log is checked by the host afterwards.
# Prints "NOVAX-FIGURE fuzz_cases N" (novax_fuzz's calls, from its summary) and "NOVAX-FIGURE
# trinity_drm_ioctls N" (trinity's ioctls that reached the DRM core) for the robustness figures
# of scripts/test.sh.
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

# The novax render node: the one whose DRM debugfs directory has our files.
node=
for d in /sys/kernel/debug/dri/*/novax; do
    m=${d%/novax}; m=${m##*/}
    [ "$m" -ge 128 ] 2> /dev/null && [ -c /dev/dri/renderD$m ] && node=/dev/dri/renderD$m && break
done
if command -v trinity > /dev/null && [ -n "$node" ]; then
    # trinity refuses to run as root without --dangerous. Its "pseudo" fd provider opens the
    # victim files (-V), so the fds it passes to ioctl() are the novax node or its test files
    # (without the "testfile" provider its children crash at once); -a 64 because the guest
    # kernel has no 32-bit syscalls. The DRM core's debug log (drm.debug=0x1, not on the
    # console) tells how many ioctls trinity's processes really got to the DRM core.
    cd /tmp
    dmesg -c > /dev/null
    echo 0x1 > /sys/module/drm/parameters/debug
    # -D: its debug output is where trinity reports children that died of a signal.
    timeout -s KILL $((SECS + 10)) trinity --dangerous -D -a 64 -C 2 -c ioctl \
        --enable-fds=pseudo,testfile -V "$node" -N 20000 -l off > /tmp/trinity.log 2>&1
    rc=$?
    # The time limit kills trinity's main process only: its children would live on with the node
    # open (and the novax module pinned for the scripts after this one).
    for i in 1 2 3 4 5 6 7 8 9 10; do
        left=
        for p in /proc/[0-9]*; do
            case $(cat $p/comm 2> /dev/null) in
            trinity*) left="$left ${p#/proc/}" ;;
            esac
        done
        [ -z "$left" ] && break
        kill -KILL $left 2> /dev/null
        sleep 0.2
    done
    [ -n "$left" ] && fail fuzz.trinity-reaped "trinity processes left:$left"
    echo 0 > /sys/module/drm/parameters/debug
    ioctls=$(dmesg | grep -c 'comm="trinity')
    segv=$(grep -c 'Segmentation fault' /tmp/trinity.log)
    calls=$(grep -c '\] ioctl(' /tmp/trinity.log)
    enosys=$(grep -c '\] ioctl(.*Function not implemented' /tmp/trinity.log)
    echo "NOVAX-FIGURE trinity_drm_ioctls $ioctls"
    if ! [ -c "$node" ] || ! novax_fuzz -s 1 -t 1 -j 1 > /dev/null 2>&1; then
        fail fuzz.trinity "device broken after trinity (exit $rc)"
        tail -20 /tmp/trinity.log
    elif [ "$ioctls" -ge 100 ]; then
        pass fuzz.trinity "$ioctls DRM ioctls on $node; device still works"
    else
        # Debian's trinity 2023.01 does not get far here: it makes a few ioctl calls a second,
        # and nearly all of them come back ENOSYS without reaching the DRM core (also with
        # /dev/null as the victim, so not because of the node).
        [ $rc = 137 ] && rc="137, killed at the time limit: its buffered log may be cut short"
        skip fuzz.trinity "only $ioctls of trinity's $calls ioctl calls reached the DRM core, $enosys came back ENOSYS, $segv children died of SIGSEGV (exit $rc)"
    fi
else
    skip fuzz.trinity "trinity or novax render node missing"
fi
