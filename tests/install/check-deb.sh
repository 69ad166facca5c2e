#!/bin/sh
# check-deb.sh DEB VERSION - the Debian package on a clean Debian 12 root,
# under a real systemd.
#
# lintian first (no error, no warning).  Then a minimal Debian 12 root is debootstrapped once (REFLEKT_PEERS, default
# /var/cache/reflekt-peers, kept between runs and never installed into);
# each run copies it, installs the package there with apt (its
# dependencies come from the mirror), checks the files, the user and the
# configuration's owner, then boots the root's own systemd as PID 1 of new
# PID and mount namespaces and checks the service: started with its
# hardening in force, ready, a question sent through it, reloaded,
# restarted after a crash, stopped, and finally the package purged with the
# database kept.  Where root, namespaces or the mirror cannot be had it
# prints "SKIP: <reason>" and exits 0.
set -u
. "$(dirname "$0")/../lib/debootstrap.sh"
deb=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
version=$2
peers=${REFLEKT_PEERS:-/var/cache/reflekt-peers}
clean=$peers/bookworm-root
work=$(mktemp -d "${TMPDIR:-/tmp}/reflekt-deb.XXXXXX")
root=$work/root
init_pid=""
passed=0
failed=0

skip() {
    echo "SKIP: $*"
    rm -rf "$work"
    exit 0
}

cleanup() {
    if [ -n "$init_pid" ]; then
        kill -KILL "$init_pid" 2>/dev/null
        # The namespaces (and their mounts) go with their last process.
        i=0
        while kill -0 "$init_pid" 2>/dev/null && [ $i -lt 50 ]; do
            sleep 0.1
            i=$((i + 1))
        done
    fi
    if [ "$failed" -eq 0 ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

check() {
    name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok - $name"
    else
        failed=$((failed + 1))
        echo "not ok - $name"
    fi
}

# eventually SECONDS COMMAND...: until the command succeeds.
eventually() {
    ev_limit=$(($1 * 10))
    shift
    ev_i=0
    while [ "$ev_i" -lt "$ev_limit" ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
        ev_i=$((ev_i + 1))
    done
    return 1
}

[ "$(id -u)" = 0 ] || skip "needs root for debootstrap, chroot and namespaces"
[ -f "$deb" ] || skip "no package at $1 (make deb)"
unshare --pid --fork --mount true 2>/dev/null ||
    skip "cannot make PID and mount namespaces here"

# ---- the package by Debian's rules ------------------------------------
if command -v lintian >/dev/null; then
    lintian --fail-on error,warning "$deb" >"$work/lintian.txt" 2>&1
    check "lintian: no error and no warning" [ $? -eq 0 ]
    grep -E '^(E|W):' "$work/lintian.txt"
else
    echo "SKIP: lintian is not installed (make deps)"
fi

# ---- a clean Debian 12 root, built once --------------------------------
if [ ! -x "$clean/usr/bin/apt-get" ] || [ ! -f "$clean/.reflekt-clean" ]; then
    echo "# debootstrapping a clean Debian 12 root in $clean"
    peer_debootstrap bookworm "$clean" "$peers/bookworm.log"
    chroot "$clean" apt-get update -q >>"$peers/bookworm.log" 2>&1 ||
        skip "apt-get update in the clean root failed"
    touch "$clean/.reflekt-clean"
fi

# ---- the package, installed with apt -----------------------------------
cp -a "$clean" "$root"
cp "$deb" "$root/tmp/"
name=$(basename "$deb")
check "apt installs the package and its dependencies" chroot "$root" \
    sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends /tmp/$name >/tmp/install.log 2>&1"
[ "$failed" -eq 0 ] || { tail -n 20 "$root/tmp/install.log"; exit 1; }
check "reflekt --version runs there" \
    [ "$(chroot "$root" reflekt --version)" = "reflekt $version" ]
installed() {
    chroot "$root" dpkg -s "$1" 2>/dev/null | grep -q "^Status: .* installed"
}
check "libwebsockets' libuv plugin came with it" \
    installed libwebsockets-evlib-uv
check "the service's own user" \
    sh -c "chroot '$root' getent passwd reflekt | grep -q ':/usr/sbin/nologin$'"
owner() {
    [ "$(chroot "$root" stat -c '%U %a' "$1")" = "$2" ]
}
check "/etc/reflekt is the service's alone" owner /etc/reflekt "reflekt 700"
check "and so is its configuration" owner /etc/reflekt/reflekt.conf \
    "reflekt 600"
check "which keeps the database in the state directory" grep -qx \
    "db = /var/lib/reflekt/reflekt.db" "$root/etc/reflekt/reflekt.conf"
check "the unit is enabled" \
    [ -L "$root/etc/systemd/system/multi-user.target.wants/reflekt.service" ]
check "the man pages are installed" \
    [ -f "$root/usr/share/man/man5/reflekt.conf.5.gz" ]

# ---- systemd as PID 1 of its own namespaces ------------------------------
cat >"$work/boot.sh" <<EOF
set -e
mount --make-rprivate /
mount --bind '$root' '$root'
mount -t proc proc '$root/proc'
mount --rbind /sys '$root/sys'
mount -t tmpfs -o mode=755 tmpfs '$root/run'
mount -t tmpfs tmpfs '$root/tmp'
mount --rbind /dev '$root/dev'
cd '$root'
mkdir -p .oldroot
pivot_root . .oldroot
umount -l /.oldroot
exec env container=reflekt-check /lib/systemd/systemd --system
EOF
unshare --pid --fork --mount --uts --ipc --kill-child sh "$work/boot.sh" \
    >"$work/boot.log" 2>&1 &
unshare_pid=$!
find_init() {
    init_pid=$(pgrep -P "$unshare_pid" -x systemd)
    [ -n "$init_pid" ]
}
eventually 10 find_init || { cat "$work/boot.log"; skip "systemd did not start"; }
ns() {
    nsenter -t "$init_pid" -m -p -u -i "$@"
}
booted() {
    case $(ns systemctl is-system-running 2>/dev/null) in
    running | degraded) return 0 ;;
    *) return 1 ;;
    esac
}
check "systemd boots the root" eventually 60 booted
active() {
    [ "$(ns systemctl show -p ActiveState --value reflekt)" = active ]
}
check "reflekt.service is active" eventually 30 active
check "and told systemd it is ready" \
    [ "$(ns systemctl show -p StatusText --value reflekt)" = running ]
pid=$(ns systemctl show -p MainPID --value reflekt)
status() {
    ns grep "^$1:" "/proc/$pid/status" | awk '{print $2}'
}
check "it runs as the reflekt user" \
    [ "$(ns stat -c %U "/proc/$pid")" = reflekt ]
check "with no capabilities" [ "$(status CapEff)" = 0000000000000000 ]
check "no new privileges" [ "$(status NoNewPrivs)" = 1 ]
check "a system call filter" [ "$(status Seccomp)" = 2 ]
check "and /usr read-only (ProtectSystem=strict)" ns nsenter -t "$pid" -m \
    sh -c '! touch /usr/reflekt-probe 2>/dev/null'
check "its database is in the state directory, its own" [ \
    "$(ns stat -c '%U %a' /var/lib/reflekt/reflekt.db)" = "reflekt 600" ]
ns systemd-analyze security reflekt --no-pager >"$work/security.txt" 2>&1
check "systemd-analyze security rates it OK or better" \
    grep -qE "Overall exposure level for reflekt.service: [0-9.]+ (SAFE|OK)" \
    "$work/security.txt"

# An administrator's commands, as the service's user, on the live database.
as_reflekt() {
    ns runuser -u reflekt -- \
        env REFLEKT_CONFIG=/etc/reflekt/reflekt.conf reflekt "$@" >/dev/null
}
refused() {
    ! "$@" 2>/dev/null
}
check "a leader enrolled from the command line" as_reflekt leader add lena \
    --platform console --user lena --consultant anna --manager bob \
    --tz Europe/Oslo --lang en
check "and nudged" as_reflekt nudge lena
asked() {
    ns journalctl -u reflekt --no-pager -o cat | grep -q "^to lena: "
}
check "the service sends the question (the console, in the journal)" \
    eventually 20 asked
check "a backup of the live database" as_reflekt backup \
    /var/lib/reflekt/nightly.db
check "restore refuses while the service runs" \
    refused as_reflekt restore /var/lib/reflekt/nightly.db --yes

check "systemctl reload" ns systemctl reload reflekt
reloaded() {
    ns journalctl -u reflekt --no-pager -o cat |
        grep -q 'msg="configuration reloaded"'
}
check "reloads the configuration" eventually 10 reloaded
check "without a restart" \
    [ "$(ns systemctl show -p MainPID --value reflekt)" = "$pid" ]

ns sh -c "kill -KILL $pid"
restarted() {
    new=$(ns systemctl show -p MainPID --value reflekt)
    [ "$new" != 0 ] && [ "$new" != "$pid" ] && active
}
check "a crash is restarted" eventually 30 restarted
check "the restart sends nothing twice" \
    [ "$(ns journalctl -u reflekt --no-pager -o cat | grep -c '^to lena: ')" = 1 ]

check "systemctl stop" ns systemctl stop reflekt
check "stops cleanly" \
    [ "$(ns systemctl show -p ExecMainStatus --value reflekt)" = 0 ]

check "the package purges" ns sh -c \
    'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q reflekt >/dev/null 2>&1'
check "the configuration's overrides are gone" \
    [ -z "$(ns dpkg-statoverride --list | grep reflekt)" ]
check "the reflections are kept" ns test -s /var/lib/reflekt/reflekt.db

echo "deb: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
