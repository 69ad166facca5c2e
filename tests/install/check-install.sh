#!/bin/sh
# check-install.sh - `make install` into a temporary folder: the tree,
# the binary runs from there, and systemd-analyze accepts the unit.
set -u
top=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() {
    what=$1
    shift
    if "$@" >/dev/null 2>&1; then
        echo "ok - $what"
        passed=$((passed + 1))
    else
        echo "not ok - $what"
        failed=$((failed + 1))
    fi
}
make=${MAKE:-make}

check "make install with DESTDIR" \
    $make -s -C "$top" install DESTDIR="$work/root"
root=$work/root/usr/local
for f in bin/reflekt share/doc/reflekt/config.example \
    share/doc/reflekt/README.md share/doc/reflekt/SECURITY.md \
    share/man/man1/reflekt.1 share/man/man5/reflekt.conf.5 \
    lib/systemd/system/reflekt.service lib/sysusers.d/reflekt.conf; do
    check "installs $f" [ -f "$root/$f" ]
done
check "the binary is executable" [ -x "$root/bin/reflekt" ]
check "nothing outside PREFIX" sh -c \
    "[ \"\$(ls '$work/root')\" = usr ] && [ \"\$(ls '$work/root/usr')\" = local ]"
check "the unit names the installed path" \
    grep -q "^ExecStart=/usr/local/bin/reflekt " "$root/lib/systemd/system/reflekt.service"
check "no placeholder left" sh -c "! grep -q @BINDIR@ '$root/lib/systemd/system/reflekt.service'"
check "reflekt --version runs from the tree" sh -c \
    "'$root/bin/reflekt' --version | grep -q '^reflekt [0-9]'"

# PREFIX honoured, and the unit verified where its binary really is.
check "make install with PREFIX" \
    $make -s -C "$top" install PREFIX="$work/prefix"
unit=$work/prefix/lib/systemd/system/reflekt.service
check "the unit names PREFIX/bin/reflekt" \
    grep -q "^ExecStart=$work/prefix/bin/reflekt " "$unit"
if command -v systemd-analyze >/dev/null 2>&1; then
    # Documentation= is checked too: man must find the pages under PREFIX.
    MANPATH="$work/prefix/share/man:" systemd-analyze verify "$unit" \
        >"$work/verify.out" 2>&1
    status=$?
    cat "$work/verify.out"
    check "systemd-analyze verify accepts the unit" [ "$status" -eq 0 ]
    check "with nothing to say" [ ! -s "$work/verify.out" ]
    for key in "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" \
        "NoNewPrivileges=yes" "MemoryDenyWriteExecute=yes" \
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" \
        "SystemCallFilter=@system-service" "CapabilityBoundingSet=" \
        "StateDirectory=reflekt" "Type=notify" "Restart=on-failure"; do
        check "hardened: $key" grep -qx "$key" "$unit"
    done
    check "reload sends SIGHUP" grep -q '^ExecReload=.*kill -HUP "\$MAINPID"' "$unit"
else
    echo "SKIP: systemd-analyze not installed"
fi
for page in share/man/man1/reflekt.1 share/man/man5/reflekt.conf.5; do
    LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$root/$page" \
        >/dev/null 2>"$work/man.err"
    check "man -l renders $page without warnings" [ ! -s "$work/man.err" ]
done
echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
