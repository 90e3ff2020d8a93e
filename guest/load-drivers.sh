# SPDX-License-Identifier: GPL-2.0
# Load the novax drivers (core, then DRM) if they are not loaded yet. Quiet on success.
for m in novax_core novax; do
    grep -q "^$m " /proc/modules && continue
    [ -f /modules/$m.ko ] || { echo "load-drivers: /modules/$m.ko missing" >&2; continue; }
    insmod /modules/$m.ko || echo "load-drivers: insmod $m failed" >&2
done
# Give the DRM node a moment to appear (udev-less devtmpfs creates it synchronously, but the
# auxiliary bind may still be running).
for _ in 1 2 3 4 5 6 7 8 9 10; do
    ls /dev/dri/renderD* >/dev/null 2>&1 && break
    sleep 0.2
done
