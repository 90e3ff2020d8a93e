# SPDX-License-Identifier: GPL-2.0
# Fuzzing, bounded: our UAPI-aware ioctl fuzzer with a fixed seed (repeatable), then Debian's
# trinity pointed at the novax nodes, with the same seed. The kernel log is checked by the host
# afterwards. Prints "NOVAX-FIGURE fuzz_cases N" (novax_fuzz's calls, from its summary) and
# "NOVAX-FIGURE trinity_novax_calls N" (trinity's syscalls on novax fds, from its log) for the
# robustness figures of scripts/test.sh.
. /guest/lib.sh
sh /guest/load-drivers.sh
SEED=${NOVAX_FUZZ_SEED:-20261123}
SECS=${NOVAX_FUZZ_SECONDS:-20}

novax_nodes

# works_after NAME: after the fuzzer NAME, the device still does everything a client uses.
works_after() { device_works fuzz.$1-device-works "after $1"; }

# novax_fuzz on the render node (4 threads), then on the primary node (2 threads, half the time).
if command -v novax_fuzz > /dev/null && [ -c "$render" ] && [ -c "$card" ]; then
    for target in render:$render:4:$SECS primary:$card:2:$(((SECS + 1) / 2)); do
        IFS=: read name dev threads secs <<EOT
$target
EOT
        if novax_fuzz -s $SEED -t $secs -j $threads -d $dev > /tmp/fuzz.log 2>&1; then
            pass fuzz.novax-$name "$(tail -1 /tmp/fuzz.log)"
            tail -1 /tmp/fuzz.log
        else
            fail fuzz.novax-$name "$(tail -1 /tmp/fuzz.log)"
            cat /tmp/fuzz.log
        fi
        # "novax_fuzz: seed S, N calls, E errors, T threads, D s"
        n=$(sed -n 's/^novax_fuzz: seed [0-9]*, \([0-9]*\) calls,.*/\1/p' /tmp/fuzz.log | tail -1)
        [ -n "$n" ] && echo "NOVAX-FIGURE fuzz_cases $n"
        works_after novax-$name
    done
else
    fail fuzz.novax "novax_fuzz or the novax nodes missing"
fi

# pids_named PATTERN: the pids of the processes whose name (comm) matches the shell PATTERN.
pids_named() {
    for p in /proc/[0-9]*; do
        case $(cat $p/comm 2> /dev/null) in
        $1) printf '%s ' ${p#/proc/} ;;
        esac
    done
}

# trinity, pointed at novax: its "pseudo" fd provider opens every file under the victim path
# (-V), here 48 copies of the render node and 16 of the primary node, so that most fds it passes
# to the syscalls are novax files (its "testfile" provider adds 20 plain files; without it its
# children die at once of SIGSEGV). The syscalls are those that take an fd and cannot block on a
# DRM file. -X: as nobody, which also skips its 10 s countdown for root. -D logs each call with
# its fd, which is how the calls on novax fds are counted.
#
# Debian's trinity 2023.01 is built without its DRM ioctl group and never issues an ioctl of
# type 'd', which drm_ioctl() of Linux 6.12 refuses with ENOTTY before any table lookup: trinity
# fuzzes the DRM file operations (open, release, ioctl entry, mmap, lseek, fcntl, dup, write,
# fsync) on novax, not the novax ioctl handlers, which are novax_fuzz's job above.

if ! command -v trinity > /dev/null || [ -z "$render" ] || [ -z "$card" ]; then
    skip fuzz.trinity "trinity or the novax nodes missing"
else
    victims=/tmp/trinity-victims work=/tmp/trinity-work
    rm -rf $victims $work && mkdir -p $victims $work && chmod 755 $victims && chmod 777 $work
    node_copy() { # node_copy NODE NAME
        mknod -m 666 "$victims/$2" c $((0x$(stat -c %t "$1"))) $((0x$(stat -c %T "$1")))
    }
    for i in $(seq 0 47); do node_copy $render render$i; done
    for i in $(seq 0 15); do node_copy $card card$i; done
    grep -q '^nobody:' /etc/passwd 2> /dev/null ||
        echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >> /etc/passwd
    calls=
    for c in ioctl mmap lseek fcntl newfstat dup dup2 dup3 write writev pwrite64 fsync fdatasync; do
        calls="$calls -c $c"
    done
    cd $work
    dmesg -c > /dev/null
    # The DRM core's debug log (drm.debug=0x1, not on the console) tells how many times
    # trinity's processes opened a novax node and how many ioctls got past the type check.
    echo 0x1 > /sys/module/drm/parameters/debug
    timeout -s KILL $((SECS + 40)) trinity -X -D -a 64 -C 2 -s $SEED $calls \
        --enable-fds=pseudo,testfile -V $victims -N $((SECS * 300)) -l off \
        > /tmp/trinity.log 2>&1 &
    tpid=$!
    # The fds trinity opened on the victims, from the fd table of trinity-main: it opens them
    # all before it forks its children, which inherit them, and it makes no syscalls of the
    # fuzzing itself (the children dup fds to other numbers, so their tables are not the
    # reference). Its table is read as long as trinity runs and the largest reading kept: an
    # early one may be taken while the fds are still being opened, and on the sanitizer kernel
    # the children's lives are so short that a sample also waiting for one missed them all.
    : > /tmp/trinity-fds
    while kill -0 $tpid 2> /dev/null; do
        for p in $(pids_named 'trinity-main'); do
            ls -l /proc/$p/fd 2> /dev/null | sed -n "s|.* \([0-9]*\) -> $victims/.*|\1|p" |
                sort -un > /tmp/trinity-fds.now
            [ $(wc -l < /tmp/trinity-fds.now) -gt $(wc -l < /tmp/trinity-fds) ] &&
                mv /tmp/trinity-fds.now /tmp/trinity-fds
        done
        sleep 0.1
    done
    wait $tpid
    rc=$?
    cd /tmp
    # The time limit kills trinity's main process only: its children would live on with the
    # node open (and the novax module pinned for the scripts after this one).
    for i in 1 2 3 4 5 6 7 8 9 10; do
        left=$(pids_named 'trinity*')
        [ -z "$left" ] && break
        kill -KILL $left 2> /dev/null
        sleep 0.2
    done
    [ -n "$left" ] && fail fuzz.trinity-reaped "trinity processes left: $left"
    echo 0 > /sys/module/drm/parameters/debug
    opens=$(dmesg | grep -c 'drm_open_helper\] comm="trinity')
    # One line per ioctl that got past the type check: the ioctl's description (with "dev="),
    # or "invalid ioctl" for an unknown number (failing ones log a "ret=" line as well).
    ioctls=$(dmesg | grep -cE 'drm_ioctl\] (comm="trinity[^"]*" pid=[0-9]*, dev=|invalid ioctl: comm="trinity)')
    fds=$(tr '\n' '|' < /tmp/trinity-fds | sed 's/|$//')
    total=$(grep -c '^\[child[0-9]*:[0-9]*\] \[[0-9]*\] [a-z0-9_]*(' /tmp/trinity.log)
    novax=0
    # The fd argument is "fd" (mmap's is its fifth), "oldfd" (dup2, dup3) or "fildes" (dup).
    [ -n "$fds" ] && novax=$(grep -cE "^\[child[0-9]*:[0-9]*\] \[[0-9]*\] [a-z0-9_]*\(([^)]*, )?(fd|oldfd|fildes)=($fds)[,)]" /tmp/trinity.log)
    novax_ioctls=0
    [ -n "$fds" ] && novax_ioctls=$(grep -cE "^\[child[0-9]*:[0-9]*\] \[[0-9]*\] ioctl\(fd=($fds)," /tmp/trinity.log)
    echo "NOVAX-FIGURE trinity_novax_calls $novax"
    echo "trinity: $total calls, $novax on novax fds ($novax_ioctls ioctls, $ioctls past the DRM type check), $opens opens of novax nodes (exit $rc)"
    rm -rf $victims $work
    works_after trinity
    if ! [ -c "$render" ] || ! novax_fuzz -s 1 -t 1 -j 1 > /dev/null 2>&1; then
        fail fuzz.trinity "device broken after trinity (exit $rc)"
        grep -v '^\[child' /tmp/trinity.log | tail -20
    elif [ "$novax" -lt $((SECS * 25)) ] || [ "$opens" -lt 32 ]; then
        # Fewer calls than expected: trinity did not run as designed (killed early, no log).
        fail fuzz.trinity "only $novax of trinity's $total calls were on novax fds, $opens opens (exit $rc)"
        grep -v '^\[child' /tmp/trinity.log | tail -20
    else
        pass fuzz.trinity "$novax calls on novax fds ($novax_ioctls ioctls, $ioctls past the DRM type check), $opens opens; device still works"
    fi
fi
exit $NOVAX_FAILED
