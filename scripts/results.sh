# SPDX-License-Identifier: GPL-2.0
# Recording test results, sourced by scripts/test.sh (and by scripts/results-selftest.sh).
#
# record PASS|FAIL|SKIP NAME [DETAIL] appends "STATUS NAME (DETAIL)" to $RESULTS and prints it,
# with the detail (a stage's time, a failure's reason), on the terminal.
#
# A SKIP needs a reason, and is allowed only if scripts/expected-skips lists it: a line
# "NAME-GLOB<TAB>REASON-ERE" whose glob matches the name and whose extended regular expression
# matches the reason. Any other SKIP is recorded as a FAIL that says so: a test that silently
# stopped running must not look like one that was never meant to run.

EXPECTED_SKIPS=${EXPECTED_SKIPS:-$(dirname "${BASH_SOURCE[0]}")/expected-skips}

skip_expected() { # skip_expected NAME REASON
    local pat re
    [ -n "$2" ] || return 1
    while IFS=$'\t' read -r pat re; do
        [[ -z "$pat" || "$pat" == \#* ]] && continue
        # shellcheck disable=SC2053 # the pattern is a glob on purpose
        [[ "$1" == $pat && "$2" =~ $re ]] && return 0
    done < "$EXPECTED_SKIPS"
    return 1
}

record() { # record PASS|FAIL|SKIP NAME [DETAIL]
    local st=$1 name=$2 detail=${3:-}
    if [ "$st" = SKIP ] && ! skip_expected "$name" "$detail"; then
        st=FAIL detail="unexpected SKIP, not in scripts/expected-skips: ${detail:-no reason given}"
    fi
    echo "$st $name${detail:+ ($detail)}" >> "$RESULTS"
    case $st in
    PASS) printf '  \033[32mPASS\033[0m %s%s\n' "$name" "${detail:+ ($detail)}" ;;
    FAIL) printf '  \033[31mFAIL\033[0m %s%s\n' "$name" "${detail:+ ($detail)}" ;;
    SKIP) printf '  \033[33mSKIP\033[0m %s%s\n' "$name" "${detail:+ ($detail)}" ;;
    esac
}

# Count "NOVAX-RESULT" lines of a guest run.
collect_guest() { # collect_guest PREFIX OUTPUT
    local st name rest
    while read -r _ st name rest; do
        # Details come as "(text)", and guest lines end in CR.
        rest=${rest%$'\r'} name=${name%$'\r'}
        rest=${rest#(} rest=${rest%)}
        record "$st" "$1.$name" "$rest"
    done < <(grep '^NOVAX-RESULT ' "$2")
}

# The manifest: scripts/expected-results declares every result a full run produces, one name per
# line. check_manifest records a FAIL for each declared name that never arrived (a script that
# stopped early, a binary with no output, a suite whose driver did not bind) and for each result
# that is not declared (so that the manifest stays the list of what runs). Names matching the
# ERE OMIT (e.g. the sanitizer kernel's, when NOVAX_DEBUG_KERNEL=0) are not expected.
EXPECTED_RESULTS=${EXPECTED_RESULTS:-$(dirname "${BASH_SOURCE[0]}")/expected-results}

check_manifest() { # check_manifest [OMIT-ERE]
    local omit=${1:-'^$'} name got want missing=0 undeclared=0
    if [ ! -r "$EXPECTED_RESULTS" ]; then
        record FAIL manifest "no $EXPECTED_RESULTS"
        return 1
    fi
    got=$(awk '{print $2}' "$RESULTS" | sort -u)
    want=$(grep -vE '^(#|$)' "$EXPECTED_RESULTS" | grep -vE "$omit" | sort -u)
    while read -r name; do
        [ -n "$name" ] || continue
        record FAIL "$name" "declared in scripts/expected-results, never reported"
        missing=$((missing + 1))
    done < <(comm -13 <(echo "$got") <(echo "$want"))
    while read -r name; do
        [ -n "$name" ] || continue
        record FAIL "$name" "not declared in scripts/expected-results"
        undeclared=$((undeclared + 1))
    done < <(comm -23 <(echo "$got") <(grep -vE '^(#|$)' "$EXPECTED_RESULTS" | sort -u))
    [ $missing = 0 ] && [ $undeclared = 0 ]
}
