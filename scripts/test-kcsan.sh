#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The in-guest suites on the KCSAN kernel (kernel/kcsan.config): builds what they need (the
# kernel in build/linux-kcsan, the tools and IGT tests as make test does), runs them in one
# guest boot and checks the kernel log, where a data race is a "BUG: KCSAN:" report. Ends with
# "N passed, N failed, N skipped" like make test. Not part of make test (CI time).
source "$(dirname "$0")/lib.sh"
set +e
LOGS=$BUILD/logs
RESULTS=$BUILD/test-kcsan-results.txt
mkdir -p "$LOGS"
: > "$RESULTS"
source "$TOP/scripts/results.sh"

step() { # step NAME COMMAND...
    local name=$1 t0; shift
    t0=$(date +%s)
    log "$name"
    if "$@" > "$LOGS/kcsan-$name.log" 2>&1; then
        record PASS "kcsan.$name" "$(($(date +%s) - t0)) s"
    else
        tail -25 "$LOGS/kcsan-$name.log" | sed 's/^/    | /'
        record FAIL "kcsan.$name" "$(($(date +%s) - t0)) s, see build/logs/kcsan-$name.log"
        return 1
    fi
}

T0=$(date +%s)
step deps "$TOP/scripts/deps.sh" || exit 1
step tools bash -c "cd '$TOP/tools' && cargo build --release --workspace --locked &&
    make -C '$TOP/tools' O='$BUILD/ctools' && make -C '$TOP/igt-tests' O='$BUILD/igt'" || exit 1
step kernel-build "$TOP/scripts/kernel.sh" kcsan || exit 1
guest_files=()
for f in "$BUILD"/igt/novax_* "$BUILD"/ctools/novax_* "$TOP/tools/target/release/novaxctl" \
    /usr/bin/drm_info /usr/bin/drmdevice /usr/bin/trinity; do
    [ -x "$f" ] && guest_files+=("$f")
done
step guest-suites "$TOP/scripts/guest.sh" --kernel kcsan --name suites-kcsan --timeout 2400 \
    --cmd 'sh /guest/run-tests.sh' "${guest_files[@]}"
collect_guest guest-kcsan "$BUILD/guest/suites-kcsan/output.log"
step kernel-log-clean "$TOP/scripts/check-log.sh" "$BUILD/guest/suites-kcsan/console.log"

pass=$(grep -c '^PASS' "$RESULTS") failed=$(grep -c '^FAIL' "$RESULTS") skipped=$(grep -c '^SKIP' "$RESULTS")
log "KCSAN run done in $(($(date +%s) - T0)) s; results in $RESULTS"
[ "$failed" = 0 ] || { echo "failures:"; grep '^FAIL' "$RESULTS" | sed 's/^/  /'; }
echo "$pass passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
