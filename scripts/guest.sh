#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the test kernel in QEMU (TCG), run one shell command in the guest, print its output and
# exit with its exit status.
#
#   guest.sh [--kernel main|debug] [--name NAME] [--timeout SECONDS] [--kunit]
#            [--emu "EMULATOR ARGS"] [--no-emu] --cmd 'COMMAND' [FILE...]
#
# FILEs are copied into the guest's PATH (/guest/bin) with their shared libraries. The kernel log
# (serial console) is kept in build/guest/NAME/console.log, the command output in output.log.
# Exit status: the command's, or 124 if the guest did not finish in time, 125 if it died without
# reporting one.
source "$(dirname "$0")/lib.sh"

variant=main name=run timeout=${GUEST_TIMEOUT:-600} cmd= kunit=0
emu_args=${EMU_ARGS:-} emu=auto
while [ $# -gt 0 ]; do
    case "$1" in
    --kernel) variant=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --cmd) cmd=$2; shift 2 ;;
    --kunit) kunit=1; shift ;;
    --emu) emu_args=$2; emu=1; shift 2 ;;
    --no-emu) emu=0; shift ;;
    --) shift; break ;;
    -*) die "unknown option $1" ;;
    *) break ;;
    esac
done
[ -n "$cmd" ] || die "--cmd is required"

KDIR=$(kernel_dir "$variant")
[ -f "$KDIR/arch/x86/boot/bzImage" ] || die "no kernel in $KDIR: run scripts/kernel.sh $variant"
dir=$BUILD/guest/$name
rm -rf "$dir" && mkdir -p "$dir"
printf '%s\n' "$cmd" > "$dir/cmd"
"$TOP/scripts/initramfs.sh" "$dir/initramfs.cpio.gz" "$KDIR" "$dir/cmd" "$@"

append="console=ttyS0 panic=-1 oops=panic printk.devkmsg=on"
[ "$kunit" = 1 ] || append+=" kunit.enable=0"
# 2 GiB: novax_limits maps and touches a 1 GiB object (the initramfs lives in RAM too). The
# RAM is a shared file that the emulator maps as well: the emulated GPU reaches guest memory by
# guest-physical address, as a real one does by bus address (no vIOMMU on `pc`). tmpfs keeps it
# off the disk; its pages are allocated as the guest touches them, so it needs room for all
# 2 GiB (a container's 64 MiB /dev/shm would SIGBUS QEMU): else the file goes to the build
# directory, in the page cache.
ram_dir=/dev/shm
avail_kib=$(df -Pk "$ram_dir" 2>/dev/null | awk 'NR == 2 {print $4}')
if ! [ -d "$ram_dir" ] || ! [ -w "$ram_dir" ] || [ "${avail_kib:-0}" -lt $((3 << 20)) ]; then
    ram_dir=$dir
fi
ram=$ram_dir/novax-ram-$name-$$
emu_pid=
cleanup() {
    [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null
    wait 2>/dev/null || true
    rm -f "$ram"
}
trap cleanup EXIT
truncate -s 2G "$ram"
qemu_args=(-accel tcg -cpu max -m 2G -smp 2 -no-reboot -display none -monitor none
    -object "memory-backend-file,id=ram0,size=2G,mem-path=$ram,share=on"
    -machine "pc,memory-backend=ram0"
    -kernel "$KDIR/arch/x86/boot/bzImage" -initrd "$dir/initramfs.cpio.gz" -append "$append"
    -serial "file:$dir/console.log" -serial "file:$dir/output.log")

EMU_BIN=$TOP/tools/target/release/novax-emu
if [ "$emu" = 1 ] || { [ "$emu" = auto ] && [ -x "$EMU_BIN" ]; }; then
    [ -x "$EMU_BIN" ] || die "emulator not built: $EMU_BIN"
    # shellcheck disable=SC2086
    "$EMU_BIN" --socket "$dir/ivshmem.sock" --log "$dir/emu.log" --guest-ram "$ram" $emu_args &
    emu_pid=$!
    for _ in $(seq 100); do [ -S "$dir/ivshmem.sock" ] && break; sleep 0.1; done
    [ -S "$dir/ivshmem.sock" ] || die "emulator did not start (see $dir/emu.log)"
    qemu_args+=(-chardev "socket,path=$dir/ivshmem.sock,id=novaxgpu"
        -device "ivshmem-doorbell,chardev=novaxgpu,vectors=2")
fi

start=$(date +%s)
set +e
timeout --foreground -k 5 "$timeout" qemu-system-x86_64 "${qemu_args[@]}" < /dev/null > "$dir/qemu.log" 2>&1
qrc=$?
set -e
secs=$(($(date +%s) - start))

rc=$(sed -n 's/^NOVAX-EXIT \([0-9]*\).*/\1/p' "$dir/output.log" | tail -1)
sed '/^NOVAX-EXIT /d' "$dir/output.log"
if [ "$qrc" = 124 ]; then
    echo "guest: timed out after ${timeout}s (kernel log: $dir/console.log)" >&2
    exit 124
fi
if [ -z "$rc" ]; then
    echo "guest: no exit status reported (qemu exit $qrc; kernel log: $dir/console.log)" >&2
    tail -20 "$dir/console.log" >&2
    exit 125
fi
echo "guest: '$name' finished in ${secs}s, exit $rc (kernel log: $dir/console.log)" >&2
exit "$rc"
