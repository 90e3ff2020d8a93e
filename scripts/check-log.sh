#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Scan a guest kernel log for reports that fail a run: check-log.sh LOG
# Prints the offending lines (with a little context) and exits 1 if there are any.
set -u
log=$1
pattern='BUG:|WARNING:|Oops|Kernel panic|panicked at|KASAN|UBSAN|kmemleak: [0-9]+ new suspected|unreferenced object|possible circular locking|possible recursive locking|inconsistent lock state|INFO: task .* blocked for more than|rcu: INFO|detected stalls|general protection fault|Unable to handle|stack-protector|list_add corruption|list_del corruption|refcount_t: |ODEBUG:'
if grep -nE "$pattern" "$log" > /dev/null 2>&1; then
    echo "kernel log $log has reports:"
    grep -nE -A3 "$pattern" "$log" | head -60
    exit 1
fi
exit 0
