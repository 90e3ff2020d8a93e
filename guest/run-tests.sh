# SPDX-License-Identifier: GPL-2.0
# Run in-guest test scripts (default: all of /guest/tests/*.sh), each in its own shell so that
# one script's failure does not stop the others.
rc=0
scripts=${*:-/guest/tests/*.sh}
for t in $scripts; do
    echo "--- $t"
    sh "$t" || rc=1
done
exit $rc
