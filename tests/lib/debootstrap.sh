# debootstrap.sh - a minimal Debian root for the checks against real peers
# and the package (sourced, POSIX sh; the caller defines skip and peers).
#
# peer_debootstrap SUITE DIR LOG: debootstrap SUITE (minbase) into DIR from
# the mirror apt uses here, with Debian's own debootstrap package fetched
# into $peers/debootstrap; calls skip with the reason when it cannot.
peer_debootstrap() {
    mirror=$(awk '/^URIs:/ {print $2; exit}' \
        /etc/apt/sources.list.d/debian.sources 2>/dev/null)
    [ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' \
        /etc/apt/sources.list 2>/dev/null)
    [ -n "$mirror" ] || skip "no Debian mirror in the apt configuration"
    mkdir -p "$peers/debootstrap"
    (
        cd "$peers/debootstrap" &&
            { ls debootstrap_*.deb >/dev/null 2>&1 ||
                apt-get download debootstrap >/dev/null 2>&1; } &&
            dpkg -x debootstrap_*.deb root
    ) || skip "cannot download debootstrap"
    rm -rf "$2"
    DEBOOTSTRAP_DIR=$peers/debootstrap/root/usr/share/debootstrap \
        "$peers/debootstrap/root/usr/sbin/debootstrap" --variant=minbase \
        "$1" "$2" "$mirror" >"$3" 2>&1 ||
        skip "debootstrap of $1 failed (see $3)"
    cp /etc/resolv.conf "$2/etc/resolv.conf"
}
