# SPDX-License-Identifier: GPL-2.0
# Helpers for in-guest test scripts (busybox sh). Every check prints exactly one line
# "NOVAX-RESULT PASS|FAIL|SKIP <name>" that the host counts (scripts/test.sh).

NOVAX_FAILED=0

pass() { echo "NOVAX-RESULT PASS $1${2:+ ($2)}"; }
fail() { echo "NOVAX-RESULT FAIL $1${2:+ ($2)}"; NOVAX_FAILED=1; }
skip() { echo "NOVAX-RESULT SKIP $1${2:+ ($2)}"; }

# check NAME COMMAND...: pass if COMMAND succeeds.
check() {
    name=$1; shift
    if "$@"; then pass "$name"; else fail "$name" "'$*' failed"; fi
}

# dmesg_has PATTERN: the kernel log has a line matching PATTERN (extended regex).
dmesg_has() { dmesg | grep -qE "$1"; }

# novax_nodes: set render and card to the novax render and primary nodes (the DRM minors whose
# debugfs directory has our novax/ files), or leave them empty.
novax_nodes() {
    render= card=
    for d in /sys/kernel/debug/dri/*/novax; do
        m=${d%/novax}; m=${m##*/}
        if [ "$m" -ge 128 ] 2> /dev/null && [ "$m" -lt 192 ]; then
            [ -c /dev/dri/renderD$m ] && render=/dev/dri/renderD$m
        elif [ "$m" -lt 64 ] 2> /dev/null && [ -c /dev/dri/card$m ]; then
            card=/dev/dri/card$m
        fi
    done
}

# device_works RESULT WHEN: RESULT passes if the device still does everything a client uses
# (novax_abi on $render and $card: every novax ioctl, GEM create/mmap/write/read, PRIME, a GSP
# echo, dumb buffers and framebuffers, errnos included); else it fails, saying WHEN.
device_works() {
    if [ -c "$render" ] && [ -c "$card" ] && novax_abi $render $card > /tmp/abi-works.txt 2>&1; then
        pass "$1" "$(grep -c '^ok ' /tmp/abi-works.txt) calls as specified"
    else
        fail "$1" "$2"
        grep -v '^ok ' /tmp/abi-works.txt | head -20
    fi
}
