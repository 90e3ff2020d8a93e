#!/bin/sh
# SPDX-License-Identifier: MIT
# Self-test of the IGT-style harness: runs lib/selftest_harness.c's binary in many ways and
# checks exit codes, IGT output lines, NOVAX-RESULT lines, --list-subtests and --run-subtest.
#   selftest.sh PATH/TO/selftest_harness
# Ends with "N passed, N failed" and exits non-zero if any check failed.
bin=$1
[ -x "$bin" ] || { echo "usage: $0 SELFTEST_BINARY" >&2; exit 2; }
name=$(basename "$bin")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() {
    failed=$((failed + 1)); echo "not ok - $1${2:+: $2}"
    echo "  --- stdout:"; sed 's/^/  | /' "$tmp/out"; echo "  --- stderr:"; sed 's/^/  | /' "$tmp/err"
}

# run ARGS...: run the binary with NOVAX_RESULTS=1 (unless RESULTS= is set), keep output, $rc.
run() {
    NOVAX_RESULTS=${RESULTS-1} "$bin" "$@" > "$tmp/out" 2> "$tmp/err"
    rc=$?
}

# expect_rc DESC RC: the last run exited RC.
expect_rc() { if [ "$rc" = "$2" ]; then ok "$1: exit $2"; else not_ok "$1: exit $2" "got $rc"; fi; }
# expect_line DESC FILE LINE: FILE (out|err) of the last run has exactly the line LINE.
expect_line() {
    if grep -qxF -- "$3" "$tmp/$2"; then ok "$1: '$3'"; else not_ok "$1: '$3'" "missing in std$2"; fi
}
# expect_match DESC FILE REGEX: FILE of the last run has a line matching the extended REGEX.
expect_match() {
    if grep -qE -- "$3" "$tmp/$2"; then ok "$1: /$3/"; else not_ok "$1: /$3/" "no match in std$2"; fi
}
# expect_count DESC N REGEX: stdout of the last run has N lines matching REGEX.
expect_count() {
    n=$(grep -cE -- "$3" "$tmp/out")
    if [ "$n" = "$2" ]; then ok "$1: $2 x /$3/"; else not_ok "$1: $2 x /$3/" "got $n"; fi
}

all="pass fixture-state fail-assert fail-eq fail-eq-u64 fail-f skip-require skip-require-f
skip-direct crash-segv timeout fork-pass fork-fail fork-timeout ioctl-ok ioctl-err
ioctl-wrong-errno formatted-0 formatted-1 late-a late-b"

# --list-subtests: every name, in order, nothing else, no fixture runs.
run --list-subtests
expect_rc list 0
printf '%s\n' $all > "$tmp/want"
if cmp -s "$tmp/want" "$tmp/out"; then ok "list: exact subtest list"; else not_ok "list: exact subtest list" "$(diff "$tmp/want" "$tmp/out" | tr '\n' ' ')"; fi
SELFTEST_FIXTURE=fail run --list-subtests
expect_rc "list does not run fixtures" 0
run --list-subtests --run-subtest 'fork-*'
expect_count "list with filter" 3 '^fork-'

# One passing subtest.
run --run-subtest pass
expect_rc pass 0
expect_line pass out "Starting subtest: pass"
expect_match pass out '^Subtest pass: SUCCESS \([0-9]+\.[0-9]{3}s\)$'
expect_line pass out "NOVAX-RESULT PASS $name.pass"
expect_count pass 1 '^NOVAX-RESULT '
expect_match pass out '^IGT-Version: '
RESULTS= run --run-subtest pass
expect_count "no NOVAX-RESULT without NOVAX_RESULTS=1" 0 '^NOVAX-RESULT'

run --run-subtest=fixture-state
expect_rc "fixture state reaches subtests" 0

# Failures of each kind: exit 98, IGT messages, one FAIL line with the location.
run --run-subtest fail-eq
expect_rc fail-eq 98
expect_match fail-eq out '^Subtest fail-eq: FAIL \('
expect_match fail-eq err 'CRITICAL: Test assertion failure function .*, file .*selftest_harness\.c:[0-9]+:'
expect_match fail-eq err 'CRITICAL: Failed assertion: 1 == 2$'
expect_match fail-eq err 'CRITICAL: error: 1 != 2$'
expect_match fail-eq out "^NOVAX-RESULT FAIL $name\\.fail-eq \\(.*selftest_harness\\.c:[0-9]+: 1 == 2\\)$"
run --run-subtest fail-eq-u64
expect_rc fail-eq-u64 98
expect_match fail-eq-u64 err 'error: 0x200000000 != 0x400000000'
run --run-subtest fail-assert
expect_rc fail-assert 98
expect_match fail-assert err 'Failed assertion: fixture_value == 41'
run --run-subtest fail-f
expect_match fail-f err 'CRITICAL: custom message here$'
run --run-subtest crash-segv
expect_rc crash 98
expect_match crash out '^Subtest crash-segv: CRASH \('
expect_line crash err "Received signal SIGSEGV."
expect_match crash out "^NOVAX-RESULT FAIL $name\\.crash-segv \\(received signal SIGSEGV\\)$"
run --run-subtest timeout
expect_rc timeout 98
expect_match timeout out '^Subtest timeout: TIMEOUT \(1\.[0-9]{3}s\)$'
expect_match timeout out "^NOVAX-RESULT FAIL $name\\.timeout \\(timed out: sleeping\\)$"
run --run-subtest ioctl-wrong-errno
expect_rc "ioctl wrong errno" 98
expect_match "ioctl wrong errno" err 'failed with EBADF \(Bad file descriptor\), expected EINVAL'

# Skips: exit 77 when nothing passed, reason in the result line.
run --run-subtest skip-require
expect_rc skip 77
expect_match skip out '^Subtest skip-require: SKIP'
expect_line skip out "Test requirement: getpid() < 0"
expect_line skip out "NOVAX-RESULT SKIP $name.skip-require (getpid() < 0)"
run --run-subtest skip-require-f
expect_line skip-f out "NOVAX-RESULT SKIP $name.skip-require-f (needs unobtainium)"
run --run-subtest skip-direct
expect_line skip-direct out "NOVAX-RESULT SKIP $name.skip-direct (skipped on purpose)"
run --run-subtest 'pass,skip-*'
expect_rc "pass and skips" 0
expect_count "pass and skips" 4 '^NOVAX-RESULT '

# Children.
run --run-subtest fork-pass
expect_rc fork-pass 0
run --run-subtest fork-fail
expect_rc fork-fail 98
expect_match fork-fail err 'child 1 \(pid [0-9]+\) failed with exit code 98'
run --run-subtest fork-timeout
expect_rc fork-timeout 98
expect_match fork-timeout err 'timed out: sleeping child'

# ioctl helpers.
run --run-subtest 'ioctl-ok,ioctl-err'
expect_rc "ioctl ok and expected errno" 0
expect_count "ioctl ok and expected errno" 2 '^NOVAX-RESULT PASS '

# Filtering: globs, lists, exclusion, unknown names.
run --run-subtest 'formatted-*'
expect_rc glob 0
expect_line glob out "NOVAX-RESULT PASS $name.formatted-0"
expect_line glob out "NOVAX-RESULT PASS $name.formatted-1"
run --run-subtest 'formatted-*,!formatted-1'
expect_count exclusion 1 '^NOVAX-RESULT '
run --run-subtest no-such-subtest
expect_rc "unknown subtest" 79
run --no-such-option
expect_rc "unknown option" 79
SELFTEST_BAD_NAME=1 run --list-subtests
expect_rc "invalid subtest name aborts" 112

# A failure does not stop later subtests.
run --run-subtest 'fail-assert,pass'
expect_rc "fail then pass" 98
expect_line "fail then pass" out "NOVAX-RESULT PASS $name.pass"

# Fixtures: a skip skips the later subtests, a failure fails them; earlier ones are unaffected.
SELFTEST_FIXTURE=skip run --run-subtest 'pass,late-*'
expect_rc "fixture skip" 0
expect_line "fixture skip" out "Subtest late-a: SKIP"
expect_line "fixture skip" out "NOVAX-RESULT SKIP $name.late-b (fixture: fixture skip requested)"
SELFTEST_FIXTURE=skip run --run-subtest 'late-*'
expect_rc "fixture skip only" 77
SELFTEST_FIXTURE=fail run --run-subtest 'pass,late-*'
expect_rc "fixture fail" 98
expect_line "fixture fail" out "NOVAX-RESULT PASS $name.pass"
expect_match "fixture fail" out "^NOVAX-RESULT FAIL $name\\.late-a \\(fixture: .*selftest_harness\\.c:[0-9]+: strcmp"

# Everything: one result line per subtest, with the expected outcome counts.
run
expect_rc "full run" 98
expect_count "full run" 21 '^NOVAX-RESULT '
expect_count "full run" 9 '^NOVAX-RESULT PASS '
expect_count "full run" 9 '^NOVAX-RESULT FAIL '
expect_count "full run" 3 '^NOVAX-RESULT SKIP '
expect_count "full run" 21 '^Subtest .*: (SUCCESS|FAIL|SKIP|CRASH|TIMEOUT) \('

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
