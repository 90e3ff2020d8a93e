# SPDX-License-Identifier: GPL-2.0
# Run the IGT-style tests (every novax_* binary in /guest/bin, built from igt-tests/) one after
# another. Each binary prints its own "NOVAX-RESULT" line per subtest (NOVAX_RESULTS=1); this
# script adds a FAIL line for a binary that crashed, timed out or failed without printing any.
# novax_unbind is destructive (it unbinds and rebinds the drivers), so it runs last.
. /guest/lib.sh

# Seconds one binary may take before it is killed (the guest runs under TCG: be generous).
IGT_TIMEOUT=${IGT_TIMEOUT:-300}

# Load the drivers if an earlier script has not (or has unloaded them).
for m in novax_core novax; do
    if ! grep -q "^$m " /proc/modules && [ -f /modules/$m.ko ]; then
        insmod /modules/$m.ko || echo "50-igt: insmod $m failed"
    fi
done

bins=
for b in /guest/bin/novax_*; do
    [ -x "$b" ] || continue
    case $(basename "$b") in
    novax_unbind) ;;
    novax_fuzz|novax_bench|novax_drmtest|novax_lifetime|novax_abi|novax_abi32|novax_faults) ;; # tools, not IGT tests
    *) bins="$bins $b" ;;
    esac
done
[ -x /guest/bin/novax_unbind ] && bins="$bins /guest/bin/novax_unbind"

if [ -z "$bins" ]; then
    skip igt.binaries "no novax_* IGT binaries in /guest/bin"
    exit 0
fi

run_bin() { # run_bin BINARY: with a time limit if busybox has timeout
    if command -v timeout > /dev/null; then
        NOVAX_RESULTS=1 timeout "$IGT_TIMEOUT" "$1"
    else
        NOVAX_RESULTS=1 "$1"
    fi
}

out=/tmp/igt-output.$$ rcfile=/tmp/igt-rc.$$
for b in $bins; do
    name=$(basename "$b")
    echo "--- igt: $name"
    # Stream the output (a guest that times out still shows how far it got) and keep a copy
    # to count the result lines; the exit status travels through a file past the pipe.
    { run_bin "$b" 2>&1; echo $? > "$rcfile"; } | tee "$out"
    rc=$(cat "$rcfile")
    results=$(grep -c '^NOVAX-RESULT ' "$out")
    # 0 success, 77 all skipped, 98 failures (already reported by their result lines).
    case "$rc" in
    0|77) [ "$results" -gt 0 ] || skip "igt.$name" "exit $rc without any subtest result" ;;
    98) [ "$results" -gt 0 ] || fail "igt.$name" "exit 98 without any subtest result" ;;
    124|137|143) fail "igt.$name" "killed after ${IGT_TIMEOUT}s (exit $rc)" ;;
    *)
        if [ "$rc" -gt 128 ]; then
            fail "igt.$name" "crashed: signal $((rc - 128)) after $results results"
        else
            fail "igt.$name" "exit $rc after $results results"
        fi
        ;;
    esac
done
rm -f "$out" "$rcfile"
