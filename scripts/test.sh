#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run every test the project has and print one closing line "N passed, N failed, N skipped".
#
# Stages: dependencies; host cargo tests of tools/; host IGT harness self-test; kernel build with
# CONFIG_WERROR and clippy (CLIPPY=1); rustfmt on our kernel Rust; a guest boot running KUnit
# (Rust doctests, our suites: the FFI layout self-test); a guest boot running the in-guest suites;
# and a scan of every guest kernel log for BUG/WARNING/Oops/panic/sanitizer reports.
# Every stage's output is kept in build/logs/; the robustness figures of each guest suite run
# (fuzz cases, GSP faults injected, unplug cycles, kernel reports) also in build/logs/figures.txt.
source "$(dirname "$0")/lib.sh"
set +e

LOGS=$BUILD/logs
RESULTS=$BUILD/test-results.txt
mkdir -p "$LOGS"
: > "$RESULTS"

source "$TOP/scripts/results.sh"

# stage NAME COMMAND...: run COMMAND with output in build/logs/NAME.log; one result.
stage() {
    local name=$1; shift
    local t0=$(date +%s)
    log "$name"
    if "$@" > "$LOGS/$name.log" 2>&1; then
        record PASS "$name" "$(($(date +%s) - t0)) s"
        return 0
    fi
    tail -25 "$LOGS/$name.log" | sed 's/^/    | /'
    record FAIL "$name" "$(($(date +%s) - t0)) s, see build/logs/$name.log"
    return 1
}

# Count KUnit (KTAP) test cases of a console log: indented "ok N name" / "not ok N name",
# recorded as PREFIX.name (PREFIX defaults to kunit).
collect_kunit() { # collect_kunit LOG [PREFIX]
    local line status name n=0 prefix=${2:-kunit}
    while IFS= read -r line; do
        # The serial console ends its lines with CR LF: the CR is not part of a name.
        line=${line%$'\r'}
        line=${line#*] }
        case "$line" in
        "    ok "*|"    not ok "*) ;;
        *) continue ;;
        esac
        n=$((n + 1))
        if [[ "$line" =~ ^\ +(not\ )?ok\ [0-9]+\ ([^ #]+)(.*)$ ]]; then
            name=${BASH_REMATCH[2]} status=PASS
            [ -n "${BASH_REMATCH[1]}" ] && status=FAIL
            if [[ "${BASH_REMATCH[3]}" == *"# SKIP"* ]]; then
                record SKIP "$prefix.$name" "${BASH_REMATCH[3]#*# SKIP}"
                continue
            fi
            record "$status" "$prefix.$name"
        fi
    done < <(sed -n '/KTAP version/,$p' "$1")
    [ "$n" -gt 0 ] || record FAIL "$prefix.ran" "no KUnit results in $1"
}

check_guest_log() { # check_guest_log NAME
    stage "kernel-log-clean.$1" "$TOP/scripts/check-log.sh" "$BUILD/guest/$1/console.log"
}

# The robustness figures of a guest run, summed from its "NOVAX-FIGURE KEY N" lines, with the
# number of kernel report lines in its console log: one line on the terminal and appended to
# build/logs/figures.txt. Not a test result.
figures() { # figures NAME LABEL
    local dir=$BUILD/guest/$1 reports line
    reports=$("$TOP/scripts/check-log.sh" --count "$dir/console.log") || reports='?'
    line=$(awk -v label="$2" -v reports="$reports" '
        { sub(/\r$/, "") }
        $1 == "NOVAX-FIGURE" && $3 ~ /^[0-9]+$/ { n[$2] += $3 }
        END {
            s = sprintf("robustness (%s): %d fuzz cases, ", label, n["fuzz_cases"])
            if ("trinity_novax_calls" in n)
                s = s sprintf("%d trinity calls on novax fds, ", n["trinity_novax_calls"])
            if ("probe_faults_injected" in n)
                s = s sprintf("%d probe allocations failed, ", n["probe_faults_injected"])
            if ("ioctl_faults_injected" in n)
                s = s sprintf("%d ioctl allocations failed, ", n["ioctl_faults_injected"])
            s = s sprintf("%d GSP faults injected, %d unplug cycles survived " \
                "(%d novax_lifetime, %d novax_unbind), %s kernel reports", \
                n["gsp_faults_injected"], n["lifetime_cycles"] + n["unbind_cycles"], \
                n["lifetime_cycles"], n["unbind_cycles"], reports)
            print s
        }' "$dir/output.log")
    printf '  %s\n' "$line"
    echo "$(date -u +%FT%TZ) $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null) $line" \
        >> "$LOGS/figures.txt"
}

T0=$(date +%s)
stage deps "$TOP/scripts/deps.sh" || { echo "0 passed, 1 failed"; exit 1; }
stage results-selftest "$TOP/scripts/results-selftest.sh"

# Host: userspace crates and the IGT harness self-test.
if [ -f "$TOP/tools/Cargo.toml" ]; then
    log "cargo test (tools/)"
    (cd "$TOP/tools" && cargo test --release --workspace --locked 2>&1) > "$LOGS/cargo-test.log"
    crc=$?
    while read -r name st; do
        record "$st" "cargo.$name"
    done < <(sed -nE 's/^test (.+) \.\.\. (ok|FAILED|ignored)$/\1 \2/p' "$LOGS/cargo-test.log" |
        sed -e 's/ ok$/ PASS/' -e 's/ FAILED$/ FAIL/' -e 's/ ignored$/ SKIP/' | tr -s ' ' | awk '{print $1, $NF}')
    [ $crc = 0 ] || record FAIL cargo-test "exit $crc, see build/logs/cargo-test.log"
    stage cargo-build-tools bash -c "cd '$TOP/tools' && cargo build --release --workspace --locked"
    stage cargo-clippy-tools bash -c \
        "cd '$TOP/tools' && cargo clippy --release --workspace --all-targets --locked -- -D warnings"
    stage cargo-fmt-tools bash -c "cd '$TOP/tools' && cargo fmt --all --check"
fi
if [ -f "$TOP/igt-tests/Makefile" ]; then
    stage igt-build make -C "$TOP/igt-tests" O="$BUILD/igt"
    stage igt-harness-selftest make -C "$TOP/igt-tests" O="$BUILD/igt" check
fi
stage ctools-build make -C "$TOP/tools" O="$BUILD/ctools"

# Kernel: CONFIG_WERROR and clippy in one build (kmake passes CLIPPY=1, see lib.sh).
stage kernel-build-main "$TOP/scripts/kernel.sh" main || {
    echo "$(grep -c '^PASS' "$RESULTS") passed, $(grep -c '^FAIL' "$RESULTS") failed"; exit 1; }
stage clippy-clean bash -c "! grep -nE '^(warning|error)(\[|:)' '$LOGS/kernel-build-main.log'"
stage rustfmt "$TOP/scripts/rustfmt.sh" --check
stage ffi-layout-complete "$TOP/scripts/ffi-layout-complete.sh" "$(kernel_dir main)"

# Guest: KUnit at boot (Rust doctests and our suites), then the suites of the novax core and DRM modules,
# which run when it loads.
KUNIT_CMD='insmod /modules/novax_core.ko && insmod /modules/novax.ko && rmmod novax && rmmod novax_core'
stage guest-kunit "$TOP/scripts/guest.sh" --kunit --name kunit --cmd "$KUNIT_CMD"
collect_kunit "$BUILD/guest/kunit/console.log"
check_guest_log kunit

# Files the in-guest suites need: our IGT-style tests, novaxctl, and real clients no one here
# wrote (drm_info, libdrm's drmdevice).
guest_files=()
for f in "$BUILD"/igt/novax_* "$BUILD"/ctools/novax_* "$TOP/tools/target/release/novaxctl" /usr/bin/drm_info \
    /usr/bin/drmdevice /usr/bin/trinity; do
    [ -x "$f" ] && guest_files+=("$f")
done

# Guest: the in-guest suites, on the main kernel.
stage guest-suites "$TOP/scripts/guest.sh" --name suites --timeout 900 --cmd 'sh /guest/run-tests.sh' \
    "${guest_files[@]}"
collect_guest guest "$BUILD/guest/suites/output.log"
check_guest_log suites
figures suites "main kernel"

# The benchmark once, briefly, as a smoke test: every measurement must run (no figures are
# judged; `make bench` measures).
stage guest-bench-smoke "$TOP/scripts/guest.sh" --name bench-smoke --timeout 600 \
    --cmd 'sh /guest/load-drivers.sh && novax_bench -s' "${guest_files[@]}"
check_guest_log bench-smoke

# The sanitizer kernel (clang, KASAN, lockdep, DEBUG_OBJECTS, kmemleak): the same suites again,
# then a kmemleak scan. NOVAX_DEBUG_KERNEL=0 skips it (e.g. for a quick local run).
if [ "${NOVAX_DEBUG_KERNEL:-1}" = 1 ]; then
    if stage kernel-build-debug "$TOP/scripts/kernel.sh" debug; then
        stage guest-kunit-debug "$TOP/scripts/guest.sh" --kernel debug --kunit --name kunit-debug \
            --cmd "$KUNIT_CMD"
        collect_kunit "$BUILD/guest/kunit-debug/console.log" kunit-debug
        check_guest_log kunit-debug
        stage guest-suites-debug "$TOP/scripts/guest.sh" --kernel debug --name suites-debug --timeout 1800 \
            --cmd 'sh /guest/run-tests.sh; sh /guest/kmemleak.sh' "${guest_files[@]}"
        collect_guest guest-debug "$BUILD/guest/suites-debug/output.log"
        check_guest_log suites-debug
        figures suites-debug "sanitizer kernel"
    fi
else
    record SKIP kernel-build-debug "NOVAX_DEBUG_KERNEL=0"
fi

# Every declared result must have arrived, and nothing undeclared (scripts/expected-results;
# regenerate it from a complete green run:
#   awk '$2 != "manifest" {print $2}' build/test-results.txt | sort -u > scripts/expected-results).
omit='^$'
[ "${NOVAX_DEBUG_KERNEL:-1}" = 1 ] ||
    omit='^(kunit-debug\.|guest-debug\.|kernel-log-clean\.(kunit|suites)-debug$|guest-(kunit|suites)-debug$)'
log "manifest (scripts/expected-results)"
check_manifest "$omit" && record PASS manifest "$(grep -cvE '^(#|$)' "$TOP/scripts/expected-results") declared results arrived"

pass=$(grep -c '^PASS' "$RESULTS") failed=$(grep -c '^FAIL' "$RESULTS") skipped=$(grep -c '^SKIP' "$RESULTS")
log "all tests done in $(($(date +%s) - T0)) s; results in $RESULTS"
[ "$failed" = 0 ] || { echo "failures:"; grep '^FAIL' "$RESULTS" | sed 's/^/  /'; }
# The reports behind a failed kernel-log check, again at the end, where a CI log's tail shows them.
for f in $(awk '$1 == "FAIL" && $2 ~ /^kernel-log-clean\./ {print $2}' "$RESULTS"); do
    echo "$f:"
    head -40 "$LOGS/$f.log" | sed 's/^/  | /'
done
echo "$pass passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
