# SPDX-License-Identifier: GPL-2.0
# The Rust debugfs abstraction, end to end: novax_debugfs_selftest's files read and write as
# documented, bad writes fail with EINVAL and change nothing, and files held open across rmmod
# fail cleanly afterwards (no oops), with the directory gone.
. /guest/lib.sh

m=/modules/novax_debugfs_selftest.ko
d=/sys/kernel/debug/novax_debugfs_selftest
if [ ! -f $m ]; then
    fail debugfs.module-present "$m missing"
    exit 1
fi
pass debugfs.module-present

# eq NAME EXPECTED ACTUAL
eq() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}

# write_fails NAME TEXT FILE: writing TEXT to FILE fails with EINVAL.
write_fails() {
    if (echo "$2" > "$3") 2> /tmp/dfs-err; then
        fail "$1" "write of '$2' succeeded"
    elif grep -q 'Invalid argument' /tmp/dfs-err; then
        pass "$1"
    else
        fail "$1" "unexpected error: $(cat /tmp/dfs-err)"
    fi
}

check debugfs.insmod insmod $m
check debugfs.init-ran dmesg_has 'novax_debugfs_selftest: loaded: debugfs directory created'
check debugfs.dir-present test -d $d

# Owned read-only file.
eq debugfs.answer 42 "$(cat $d/answer)"
# Read-only: mode 0400, and even root (who may open it for writing) cannot write it: the file
# has no store, so a write fails with EINVAL and the value stays.
eq debugfs.answer-mode 400 "$(stat -c %a $d/answer)"
write_fails debugfs.answer-read-only 1 $d/answer
eq debugfs.answer-unchanged 42 "$(cat $d/answer)"

# Owned read-write file.
eq debugfs.counter-initial 0 "$(cat $d/counter)"
check debugfs.counter-write sh -c "echo 5 > $d/counter"
eq debugfs.counter-written 5 "$(cat $d/counter)"
check debugfs.counter-hex sh -c "echo 0x20 > $d/counter"
eq debugfs.counter-hex-value 32 "$(cat $d/counter)"
write_fails debugfs.counter-garbage garbage $d/counter
write_fails debugfs.counter-overflow 4294967296 $d/counter
eq debugfs.counter-unchanged 32 "$(cat $d/counter)"
# More than 4 KiB in one write.
if head -c 5000 /dev/zero | tr '\0' '1' | dd of=$d/counter bs=5000 count=1 2> /tmp/dfs-err; then
    fail debugfs.counter-overlong "write succeeded"
elif grep -q 'Invalid argument' /tmp/dfs-err; then
    pass debugfs.counter-overlong
else
    fail debugfs.counter-overlong "unexpected error: $(cat /tmp/dfs-err)"
fi
# Not UTF-8.
if printf '\377\376' | dd of=$d/counter bs=2 count=1 2> /tmp/dfs-err; then
    fail debugfs.counter-not-utf8 "write succeeded"
elif grep -q 'Invalid argument' /tmp/dfs-err; then
    pass debugfs.counter-not-utf8
else
    fail debugfs.counter-not-utf8 "unexpected error: $(cat /tmp/dfs-err)"
fi
eq debugfs.counter-still-unchanged 32 "$(cat $d/counter)"

# Read-write callback file validating its value.
eq debugfs.limit-initial 100 "$(cat $d/limit)"
check debugfs.limit-write sh -c "echo 1000 > $d/limit"
eq debugfs.limit-written 1000 "$(cat $d/limit)"
write_fails debugfs.limit-too-big 1001 $d/limit
write_fails debugfs.limit-garbage garbage $d/limit
eq debugfs.limit-unchanged 1000 "$(cat $d/limit)"

# Scope: several files over one object.
check debugfs.scope-dir test -d $d/stats
eq debugfs.scope-scale 3 "$(cat $d/stats/scale)"
eq debugfs.scope-summary "hits=0 scale=3" "$(cat $d/stats/summary)"
check debugfs.scope-bump sh -c "echo 2 > $d/stats/bump"
eq debugfs.scope-hits 6 "$(cat $d/stats/hits)"
check debugfs.scope-hits-write sh -c "echo 10 > $d/stats/hits"
eq debugfs.scope-summary-after "hits=10 scale=3" "$(cat $d/stats/summary)"
write_fails debugfs.scope-bump-garbage x $d/stats/bump

# Files held open across rmmod: afterwards reads and writes fail with EIO, closing is fine.
exec 3< $d/answer
exec 4< $d/stats/summary
exec 5> $d/counter
check debugfs.rmmod rmmod novax_debugfs_selftest
check debugfs.drop-ran dmesg_has 'novax_debugfs_selftest: unloading: removing the debugfs files'
if cat <&3 > /tmp/dfs-out 2> /tmp/dfs-err; then
    fail debugfs.read-after-rmmod "read succeeded: $(cat /tmp/dfs-out)"
elif grep -q 'Input/output error' /tmp/dfs-err; then
    pass debugfs.read-after-rmmod
else
    fail debugfs.read-after-rmmod "unexpected error: $(cat /tmp/dfs-err)"
fi
if cat <&4 > /tmp/dfs-out 2> /tmp/dfs-err; then
    fail debugfs.scope-read-after-rmmod "read succeeded: $(cat /tmp/dfs-out)"
elif grep -q 'Input/output error' /tmp/dfs-err; then
    pass debugfs.scope-read-after-rmmod
else
    fail debugfs.scope-read-after-rmmod "unexpected error: $(cat /tmp/dfs-err)"
fi
if (echo 1 >&5) 2> /tmp/dfs-err; then
    fail debugfs.write-after-rmmod "write succeeded"
elif grep -q 'Input/output error' /tmp/dfs-err; then
    pass debugfs.write-after-rmmod
else
    fail debugfs.write-after-rmmod "unexpected error: $(cat /tmp/dfs-err)"
fi
exec 3<&- 4<&- 5>&-
if [ -e $d ]; then fail debugfs.dir-gone; else pass debugfs.dir-gone; fi
if grep -q '^novax_debugfs_selftest ' /proc/modules; then fail debugfs.module-gone; else pass debugfs.module-gone; fi
# Loading again works (the names are free), and unloading with nothing open.
check debugfs.reload insmod $m
eq debugfs.reload-answer 42 "$(cat $d/answer)"
check debugfs.reload-rmmod rmmod novax_debugfs_selftest
if dmesg | grep -qE 'BUG:|WARNING:|Oops|general protection|KASAN'; then
    fail debugfs.no-kernel-errors "$(dmesg | grep -E 'BUG:|WARNING:|Oops|general protection|KASAN' | head -3)"
else
    pass debugfs.no-kernel-errors
fi
[ $NOVAX_FAILED = 0 ]
