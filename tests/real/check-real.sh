#!/bin/sh
# check-real.sh REFLEKT - the Matrix flow against a real Synapse homeserver.
#
# Debian 12 has no matrix-synapse package; Debian unstable does.  This
# script debootstraps a minimal unstable root outside the repository
# (REFLEKT_PEERS, default /var/cache/reflekt-peers, kept between runs),
# installs matrix-synapse from Debian's packages into it, runs it with
# chroot on 127.0.0.1:18008 only, and drives reflekt against it: a leader
# enrolled, a direct room opened, the question answered in two messages and
# an edit, a SIGKILL before a sync batch's commit, and the answer stored
# exactly once.  Where root, debootstrap or the package cannot be had it
# prints "SKIP: <reason>" and exits 0.
set -u
. "$(dirname "$0")/../lib/debootstrap.sh"
reflekt=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
peers=${REFLEKT_PEERS:-/var/cache/reflekt-peers}
root=$peers/sid-root
port=18008
hs=http://127.0.0.1:$port
passed=0
failed=0
synapse_pid=""
daemon_pid=""
work=$(mktemp -d "${TMPDIR:-/tmp}/reflekt-real.XXXXXX")

skip() {
    echo "SKIP: $*"
    rm -rf "$work"
    exit 0
}

cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
    if [ -n "$synapse_pid" ]; then
        kill "$synapse_pid" 2>/dev/null
        wait "$synapse_pid" 2>/dev/null
    fi
    if [ "$failed" -eq 0 ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

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

[ "$(id -u)" = 0 ] || skip "needs root for debootstrap and chroot"
command -v curl >/dev/null || skip "curl is not installed"

# ---- the peer, built once and cached --------------------------------------
if [ ! -x "$root/usr/bin/python3" ] ||
    ! chroot "$root" python3 -c 'import synapse' 2>/dev/null; then
    echo "# building a Debian unstable root with matrix-synapse in $root"
    peer_debootstrap sid "$root" "$peers/debootstrap.log"
    chroot "$root" /bin/sh -c 'export DEBIAN_FRONTEND=noninteractive;
        apt-get -o Acquire::Check-Valid-Until=false update -q &&
        apt-get install -y -q --no-install-recommends matrix-synapse' \
        >"$peers/synapse-install.log" 2>&1 ||
        skip "matrix-synapse could not be installed (see $peers/synapse-install.log)"
fi

# ---- a fresh homeserver for this run --------------------------------------
rm -rf "$root/srv/synapse"
mkdir -p "$root/srv/synapse"
chroot "$root" /bin/sh -c 'cd /srv/synapse && python3 -m synapse.app.homeserver \
    --server-name localhost --config-path /srv/synapse/homeserver.yaml \
    --generate-config --report-stats=no --data-directory /srv/synapse' \
    >"$work/generate.log" 2>&1 || skip "synapse could not generate a config"
# Our own configuration, keeping the generated secrets: loopback only, no
# federation, and a low message rate limit so the 429 path is exercised.
yaml=$root/srv/synapse/homeserver.yaml
secrets=$(grep -E '^(registration_shared_secret|macaroon_secret_key|form_secret):' "$yaml")
cat >"$yaml" <<YAML
server_name: "localhost"
pid_file: /srv/synapse/homeserver.pid
listeners:
  - port: $port
    type: http
    tls: false
    bind_addresses: ['127.0.0.1']
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: /srv/synapse/homeserver.db
log_config: "/srv/synapse/localhost.log.config"
media_store_path: /srv/synapse/media_store
$secrets
report_stats: false
signing_key_path: "/srv/synapse/localhost.signing.key"
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
url_preview_enabled: false
presence:
  enabled: false
enable_registration: false
rc_message:
  per_second: 1
  burst_count: 3
YAML
chroot "$root" /bin/sh -c 'cd /srv/synapse && exec python3 -m \
    synapse.app.homeserver --config-path /srv/synapse/homeserver.yaml' \
    >"$work/synapse.log" 2>&1 &
synapse_pid=$!
i=0
until curl -sf "$hs/_matrix/client/versions" >/dev/null; do
    i=$((i + 1))
    if [ $i -gt 300 ]; then
        check "synapse starts (see $work/synapse.log)" false
        exit 1
    fi
    sleep 0.2
done
for u in reflekt lena; do
    chroot "$root" synapse_register_new_matrix_user \
        -c /srv/synapse/homeserver.yaml -u "$u" -p "pass-$u" --no-admin \
        "$hs" >>"$work/register.log" 2>&1 ||
        skip "cannot register users (see $work/register.log)"
done

json_field() { # json_field FIELD: a string field from JSON on stdin
    sed -n "s/.*\"$1\" *: *\"\\([^\"]*\\)\".*/\\1/p" | head -n 1
}
login() {
    curl -s -X POST "$hs/_matrix/client/v3/login" -d \
        "{\"type\":\"m.login.password\",\"identifier\":{\"type\":\"m.id.user\",\"user\":\"$1\"},\"password\":\"pass-$1\",\"device_id\":\"DEV$1\"}" |
        json_field access_token
}
bot_token=$(login reflekt)
lena_token=$(login lena)
check "both users log in" [ -n "$bot_token" ] && [ -n "$lena_token" ]
lena() { # lena METHOD PATH [BODY]: as the leader, waiting out 429s
    for try in 1 2 3 4 5 6 7 8 9 10; do
        out=$(curl -s -X "$1" -H "Authorization: Bearer $lena_token" \
            "$hs/_matrix/client/v3$2" ${3:+-d "$3"})
        case $out in
        *M_LIMIT_EXCEEDED*) sleep 1 ;;
        *) break ;;
        esac
    done
    printf '%s\n' "$out"
}

# ---- reflekt against it ----------------------------------------------------
cd "$work" || exit 1
export REFLEKT_DB="$work/real.db" REFLEKT_CONSOLE_ENABLED=false
export REFLEKT_MATRIX_HOMESERVER=$hs REFLEKT_MATRIX_ACCESS_TOKEN=$bot_token
"$reflekt" leader add lena --platform matrix --user @lena:localhost \
    --consultant anna --manager bob --tz Europe/Oslo --lang en >/dev/null
start() {
    "$reflekt" -v run </dev/null >>run.out 2>>"$1" &
    daemon_pid=$!
}
wait_log() { # wait_log FILE PATTERN SECONDS
    i=0
    while ! grep -q -- "$2" "$1" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt $(($3 * 10)) ] && return 1
        sleep 0.1
    done
}
start run1.err
check "reflekt accepts the token" wait_log run1.err "access token accepted" 10
"$reflekt" nudge lena >/dev/null
check "a direct room is created" wait_log run1.err "direct room created" 15
room=""
i=0
while [ -z "$room" ] && [ $i -lt 100 ]; do
    room=$(lena GET "/sync?timeout=1000" | tr -d '\n' |
        sed -n 's/.*"invite" *: *{ *"\(![^"]*\)".*/\1/p')
    i=$((i + 1))
done
check "the leader is invited" [ -n "$room" ]
enc=$(printf '%s' "$room" | sed 's/!/%21/; s/:/%3A/')
lena POST "/join/$enc" "{}" >/dev/null
check "the question is sent" wait_log run1.err "question sent" 30
ev1=$(lena PUT "/rooms/$enc/send/m.room.message/t1" \
    '{"msgtype":"m.text","body":"I asked my team what they need."}' |
    json_field event_id)
lena PUT "/rooms/$enc/send/m.room.message/t2" \
    '{"msgtype":"m.text","body":"They want more time with me."}' >/dev/null
lena PUT "/rooms/$enc/send/m.room.message/t3" \
    "{\"msgtype\":\"m.text\",\"body\":\"* I asked the whole team.\",\"m.new_content\":{\"msgtype\":\"m.text\",\"body\":\"I asked the whole team.\"},\"m.relates_to\":{\"rel_type\":\"m.replace\",\"event_id\":\"$ev1\"}}" >/dev/null
check "the answer is stored" wait_log run1.err "answer edited" 20
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""
"$reflekt" export --leader lena --format json >export.json
check "export shows both messages, the first as edited" grep -q \
    '"answer": "I asked the whole team.\\nThey want more time with me."' \
    export.json

REFLEKT_FAULT=crash-before-commit start run2.err
wait_log run2.err "connected" 10
lena PUT "/rooms/$enc/send/m.room.message/t4" \
    '{"msgtype":"m.text","body":"One more thought after the crash."}' >/dev/null
i=0
while kill -0 "$daemon_pid" 2>/dev/null && [ $i -lt 300 ]; do
    sleep 0.1
    i=$((i + 1))
done
kill -0 "$daemon_pid" 2>/dev/null && kill -TERM "$daemon_pid"
wait "$daemon_pid"
rc=$?
daemon_pid=""
check "killed before the commit (137)" [ "$rc" -eq 137 ]
start run3.err
wait_log run3.err "answer stored" 20
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""
"$reflekt" export --leader lena --format csv >export.csv
check "the answer after the crash is stored exactly once" \
    [ "$(grep -o 'One more thought after the crash.' export.csv | wc -l)" -eq 1 ]
check "no question was sent twice" [ "$(grep -c 'question sent' run1.err run2.err run3.err | awk -F: '{s+=$2} END {print s}')" -eq 1 ]
echo "real: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
