# SPDX-License-Identifier: GPL-2.0
# Lifetimes: module unload/reload cycles with a client holding the render node and a debugfs
# file open. The DRM module cannot go while a file is open (EBUSY); the core module can, which
# unplugs the DRM device under the open files: they fail cleanly and the device comes back on
# reload. Leaks are found by the kmemleak scan on the sanitizer kernel.
. /guest/lib.sh
CYCLES=${NOVAX_LIFETIME_CYCLES:-5}
sh /guest/load-drivers.sh

novax_minor() {
    for d in /sys/kernel/debug/dri/*/novax; do
        m=${d%/novax}; m=${m##*/}
        case $m in 12[89]|1[3-9][0-9]) echo $m; return ;; esac
    done
}

ok=0
i=1
while [ $i -le $CYCLES ]; do
    minor=$(novax_minor)
    [ -n "$minor" ] || { fail lifetimes.cycle$i "no novax device"; break; }
    exec 3<> /dev/dri/renderD$minor
    exec 4< /sys/kernel/debug/dri/$minor/novax/gsp_stats
    if rmmod novax 2> /dev/null; then
        fail lifetimes.cycle$i "novax unloaded while a file was open"
        break
    fi
    rmmod novax_core || { fail lifetimes.cycle$i "rmmod novax_core failed"; break; }
    if cat <&4 > /dev/null 2>&1; then
        fail lifetimes.cycle$i "debugfs read worked after the device went away"
        break
    fi
    insmod /modules/novax_core.ko || { fail lifetimes.cycle$i "reload failed"; break; }
    sleep 0.2
    novaxctl info > /dev/null 2>&1 || { fail lifetimes.cycle$i "device not back after reload"; break; }
    exec 3>&- 4<&-
    rmmod novax || { fail lifetimes.cycle$i "rmmod novax failed after closing"; break; }
    insmod /modules/novax.ko || { fail lifetimes.cycle$i "insmod novax failed"; break; }
    sleep 0.2
    novaxctl echo -n 20 > /dev/null 2>&1 || { fail lifetimes.cycle$i "echo failed after reload"; break; }
    ok=$i
    i=$((i + 1))
done
exec 3>&- 4<&- 2> /dev/null
if [ "$ok" = "$CYCLES" ]; then
    pass lifetimes.module-cycles "$CYCLES cycles survived"
else
    fail lifetimes.module-cycles "$ok of $CYCLES cycles"
fi
