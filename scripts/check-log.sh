#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Scan a guest kernel log for reports that fail a run.
#   check-log.sh LOG          print the offending lines (with a little context), exit 1 if any
#   check-log.sh --count LOG  print the number of report lines (0 if none), exit 0
set -u
count=0
[ "${1:-}" = --count ] && { count=1; shift; }
log=$1
[ -r "$log" ] || { echo "check-log.sh: cannot read $log" >&2; exit 2; }
pattern='BUG:|WARNING:|Oops|Kernel panic|panicked at|KASAN|UBSAN|kmemleak: [0-9]+ new suspected|unreferenced object|possible circular locking|possible recursive locking|inconsistent lock state|INFO: task .* blocked for more than|rcu: INFO|detected stalls|general protection fault|Unable to handle|stack-protector|list_add corruption|list_del corruption|refcount_t: |ODEBUG:'
if [ "$count" = 1 ]; then
    grep -cE "$pattern" "$log"
    exit 0
fi
if grep -nE "$pattern" "$log" > /dev/null 2>&1; then
    echo "kernel log $log has reports:"
    grep -nE -A3 "$pattern" "$log" | head -60
    exit 1
fi
exit 0
