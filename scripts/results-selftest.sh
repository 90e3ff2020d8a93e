#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Self-test of scripts/results.sh: only the SKIPs scripts/expected-skips lists, with a reason
# matching theirs, stay SKIPs; every other SKIP becomes a FAIL.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
RESULTS=$tmp/results EXPECTED_SKIPS=$tmp/expected
printf '# comment\nlisted\t^for a reason$\nglob*.name\t^[0-9]+ things$\n' > "$EXPECTED_SKIPS"
source "$(dirname "$0")/results.sh"
: > "$RESULTS"
record SKIP listed "for a reason" > /dev/null
record SKIP globbed.name "12 things" > /dev/null
record SKIP listed "another reason" > /dev/null
record SKIP listed > /dev/null
record SKIP unlisted "for a reason" > /dev/null
record PASS passed "3 s" > /dev/null
want='SKIP listed (for a reason)
SKIP globbed.name (12 things)
FAIL listed (unexpected SKIP, not in scripts/expected-skips: another reason)
FAIL listed (unexpected SKIP, not in scripts/expected-skips: no reason given)
FAIL unlisted (unexpected SKIP, not in scripts/expected-skips: for a reason)
PASS passed (3 s)'
if [ "$(cat "$RESULTS")" != "$want" ]; then
    echo "results.sh recorded:"; cat "$RESULTS"; echo "expected:"; echo "$want"
    exit 1
fi
# The real file parses: every non-comment line has a glob and a regex.
bad=$(grep -vE '^(#|$)' "$(dirname "$0")/expected-skips" | grep -cvP '^[^\t]+\t[^\t]+$')
[ "$bad" = 0 ] || { echo "scripts/expected-skips: $bad malformed lines"; exit 1; }
# The manifest: a declared result that never came and an undeclared one both FAIL; omitted
# names are not expected.
EXPECTED_RESULTS=$tmp/manifest
printf '# comment\npassed\nlisted\nglobbed.name\nunlisted\nnever.came\nomitted.one\n' > "$EXPECTED_RESULTS"
record PASS surprise > /dev/null
check_manifest '^omitted\.' > /dev/null && { echo "check_manifest passed a bad run"; exit 1; }
tail -2 "$RESULTS" > "$tmp/tail"
want='FAIL never.came (declared in scripts/expected-results, never reported)
FAIL surprise (not declared in scripts/expected-results)'
if [ "$(cat "$tmp/tail")" != "$want" ]; then
    echo "check_manifest recorded:"; cat "$tmp/tail"; echo "expected:"; echo "$want"
    exit 1
fi
: > "$RESULTS"
record PASS passed > /dev/null
printf 'passed\n' > "$EXPECTED_RESULTS"
check_manifest > /dev/null || { echo "check_manifest failed a complete run"; exit 1; }
echo "results.sh: 6 records and 2 manifest checks as expected"
