# SPDX-License-Identifier: GPL-2.0
# Module autoloading from device aliases: both modules carry the aliases of their ID tables
# (kernel::module_device_table!), depmod collects them, and modprobe of the devices' modaliases
# loads novax_core for the GPU and then novax for the auxiliary device novax_core creates, with
# no insmod. The walk does what udev or mdev do with uevents: every device's modalias (the
# auxiliary bus has no modalias file, only MODALIAS= in its uevent) goes to modprobe.
. /guest/lib.sh

mdir=/lib/modules/$(uname -r)
for m in novax novax_core; do grep -q "^$m " /proc/modules && rmmod $m; done
mkdir -p "$mdir"
cp /modules/novax_core.ko /modules/novax.ko "$mdir/"
check autoload.depmod depmod
check autoload.modules-alias grep -q '^alias auxiliary:novax_core.drm novax$' "$mdir/modules.alias"
# busybox modinfo needs modules.dep, so this comes after depmod.
core_alias=$(modinfo -F alias "$mdir/novax_core.ko" 2>/dev/null | tr '\n' ' ')
drm_alias=$(modinfo -F alias "$mdir/novax.ko" 2>/dev/null | tr '\n' ' ')
case "$core_alias" in
*'pci:v000010DEd*sv*sd*bc03sc*i*'*'pci:v00001AF4d00001110sv*sd*bc*sc*i*'* | \
*'pci:v00001AF4d00001110sv*sd*bc*sc*i*'*'pci:v000010DEd*sv*sd*bc03sc*i*'*)
    pass autoload.core-aliases ;;
*) fail autoload.core-aliases "modinfo: '$core_alias'" ;;
esac
case "$drm_alias" in
'auxiliary:novax_core.drm ') pass autoload.drm-alias ;;
*) fail autoload.drm-alias "modinfo: '$drm_alias'" ;;
esac


# modprobe every device's modalias once; returns after the walk.
walk() {
    for f in /sys/bus/*/devices/*/modalias; do
        [ -r "$f" ] && modprobe -q "$(cat "$f")" 2> /dev/null
    done
    for f in /sys/bus/*/devices/*/uevent; do
        a=$(sed -n 's/^MODALIAS=//p' "$f" 2> /dev/null)
        [ -n "$a" ] && modprobe -q "$a" 2> /dev/null
    done
    return 0
}

loaded() { grep -q "^$1 " /proc/modules; }

walk
if loaded novax_core; then pass autoload.core-loaded; else fail autoload.core-loaded; fi
# novax_core's probe creates novax_core.drm.<n>; the next walk sees its MODALIAS.
for _ in 1 2 3 4 5; do
    ls -d /sys/bus/auxiliary/devices/novax_core.drm.* > /dev/null 2>&1 && break
    sleep 0.2
done
walk
if loaded novax; then pass autoload.drm-loaded; else fail autoload.drm-loaded; fi
bound=
for _ in 1 2 3 4 5 6 7 8 9 10; do
    for d in /sys/bus/auxiliary/devices/novax_core.drm.*; do
        [ -e "$d/driver" ] && bound=$d
    done
    [ -n "$bound" ] && break
    sleep 0.2
done
if [ -n "$bound" ]; then pass autoload.drm-bound; else fail autoload.drm-bound "no bound novax_core.drm.*"; fi
rm -rf "$mdir"
sh /guest/load-drivers.sh
[ $NOVAX_FAILED = 0 ]
