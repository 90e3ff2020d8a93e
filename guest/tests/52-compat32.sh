# SPDX-License-Identifier: GPL-2.0
# The compat ioctl path: novax_abi, built for x86_64 and as a static i386 binary (novax_abi32,
# gcc -m32), drives every novax ioctl and the generic ones a client uses (VERSION, GEM_CLOSE,
# PRIME, mmap at the >4 GiB fake offsets, dumb buffers and framebuffers) and prints what the
# kernel answered. Each transcript must be all "ok", and the two must be identical: a 32-bit
# client sees what a 64-bit one sees. A kernel without CONFIG_IA32_EMULATION cannot run it at all.
. /guest/lib.sh
sh /guest/load-drivers.sh

novax_nodes
if [ ! -c "$render" ] || [ ! -c "$card" ]; then
    fail compat32.nodes "no novax render and primary node"
    exit 0
fi

for bits in 64 32; do
    bin=novax_abi; [ $bits = 32 ] && bin=novax_abi32
    if ! command -v $bin > /dev/null; then
        fail compat32.run-$bits "$bin not in the guest"
        continue
    fi
    $bin "$render" "$card" > /tmp/abi$bits.txt 2>&1
    rc=$?
    n=$(grep -c '^ok ' /tmp/abi$bits.txt)
    if [ $rc = 0 ] && ! grep -q '^BAD' /tmp/abi$bits.txt && head -1 /tmp/abi$bits.txt | grep -q "^novax_abi: $bits-bit client"; then
        pass compat32.run-$bits "$n calls as specified"
    else
        fail compat32.run-$bits "exit $rc"
        cat /tmp/abi$bits.txt
    fi
done
if [ -s /tmp/abi64.txt ] && [ -s /tmp/abi32.txt ]; then
    # Everything but the banner (pointer width, sizeof(struct drm_version)).
    sed 1d /tmp/abi64.txt > /tmp/abi64.body
    sed 1d /tmp/abi32.txt > /tmp/abi32.body
    n=$(wc -l < /tmp/abi64.body)
    if [ "$n" -ge 40 ] && cmp -s /tmp/abi64.body /tmp/abi32.body; then
        pass compat32.same-transcript "$n lines; $(sed -n 1p /tmp/abi32.txt)"
    else
        fail compat32.same-transcript "$n lines"
        diff /tmp/abi64.body /tmp/abi32.body
    fi
else
    fail compat32.same-transcript "a transcript is missing"
fi
