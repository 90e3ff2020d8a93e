# SPDX-License-Identifier: GPL-2.0
# An unprivileged render client: uid/gid 65534 (nobody, through su) runs novax_abi on
# the render node, as a desktop user does through a node udev made 0666. The guest has no udev
# (devtmpfs makes /dev/dri/* 0600 root), so the client gets a 0666 copy of the node (same
# device number) in /tmp. Proves what it claims: the client's own banner says uid 65534, it
# cannot open the real 0600 node (EACCES: it really is unprivileged), every render call answers
# as for root, and the primary-node-only calls are not its to make.
. /guest/lib.sh
sh /guest/load-drivers.sh

check unpriv.root-dir-755 test "$(stat -c %a /)" = 755
novax_nodes
if ! [ -c "$render" ] || ! command -v novax_abi > /dev/null; then
    fail unpriv.setup "render node or novax_abi missing"
    exit 0
fi
grep -q '^nobody:' /etc/passwd 2> /dev/null ||
    echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >> /etc/passwd
copy=/tmp/unpriv-renderD
rm -f $copy
mknod -m 666 $copy c $((0x$(stat -c %t $render))) $((0x$(stat -c %T $render)))
# as_nobody CMD: CMD (a shell command line) as uid/gid 65534, environment (PATH) kept.
as_nobody() { su -s /bin/sh nobody -c "$1"; }

# The real node is 0600 root: nobody must not get in.
as_nobody "id -u; exec 3<> $render" > /tmp/unpriv-open.out 2>&1
if [ "$(head -1 /tmp/unpriv-open.out)" = 65534 ] && grep -q 'Permission denied' /tmp/unpriv-open.out; then
    pass unpriv.real-node-refused "uid 65534: $(sed -n 2p /tmp/unpriv-open.out)"
else
    fail unpriv.real-node-refused "$(tr '\n' ' ' < /tmp/unpriv-open.out)"
fi
as_nobody "novax_abi $copy -" > /tmp/unpriv.txt 2>&1
rc=$?
if [ $rc = 0 ] && head -1 /tmp/unpriv.txt | grep -q 'uid 65534$' && ! grep -q '^BAD' /tmp/unpriv.txt &&
    [ "$(grep -c '^ok ' /tmp/unpriv.txt)" -ge 30 ]; then
    pass unpriv.render-client "$(grep -c '^ok ' /tmp/unpriv.txt) calls as specified, $(head -1 /tmp/unpriv.txt | sed 's/.*, //')"
else
    fail unpriv.render-client "exit $rc"
    cat /tmp/unpriv.txt
fi
rm -f $copy
