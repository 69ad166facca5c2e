# lib.sh - shared helpers for the end-to-end tests (sourced, POSIX sh).
#
# Each test runs in its own temporary folder, removed on success and kept
# (with the daemon's logs) on failure.  check prints "ok" or "not ok" lines
# and the script ends with "N passed, N failed", which tests/run.sh reads.
set -u
: "${REFLEKT:?REFLEKT must name the reflekt binary}"
# Sanitizer builds run slower; timeouts scale with this factor.
scale=${REFLEKT_TIME_SCALE:-1}
work=$(mktemp -d "${TMPDIR:-/tmp}/reflekt-e2e.XXXXXX")
passed=0
failed=0
daemon_pid=""

cleanup() {
    if [ -n "$daemon_pid" ]; then
        kill "$daemon_pid" 2>/dev/null
        wait "$daemon_pid" 2>/dev/null
    fi
    if [ "$failed" -eq 0 ]; then
        rm -rf "$work"
    else
        echo "kept $work for inspection"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

cd "$work" || exit 1
export REFLEKT_DB="$work/test.db"
unset REFLEKT_CONFIG REFLEKT_FAULT

ok() {
    passed=$((passed + 1))
    echo "ok - $1"
}

not_ok() {
    failed=$((failed + 1))
    echo "not ok - $1"
}

# check NAME COMMAND...: the command must succeed.
check() {
    name=$1
    shift
    if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# wait_for FILE PATTERN [SECONDS]: until grep finds PATTERN in FILE.
wait_for() {
    limit=$(( ${3:-5} * scale * 10 ))
    i=0
    while [ "$i" -lt "$limit" ]; do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# wait_count FILE PATTERN N [SECONDS]: until PATTERN matches N lines.
wait_count() {
    limit=$(( ${4:-5} * scale * 10 ))
    i=0
    while [ "$i" -lt "$limit" ]; do
        [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# count FILE PATTERN: number of matching lines.
count() {
    grep -c -- "$2" "$1" 2>/dev/null || true
}

# fake_start BINARY: start a fake platform that takes one command per line
# on a fifo and prints "port N" once listening; sets fake_port.
fake_start() {
    mkfifo ctl
    "$1" <ctl >fake.out 2>fake.err &
    fake_pid=$!
    exec 4>ctl
    trap 'exec 4>&-; kill $fake_pid 2>/dev/null; cleanup' EXIT
    wait_for fake.out "^port " || return 1
    fake_port=$(sed -n 's/^port //p' fake.out)
    fake_seq=0
}

# fake_stop: stop the fake platform, so another may start in this test.
fake_stop() {
    exec 4>&-
    kill "$fake_pid" 2>/dev/null
    wait "$fake_pid" 2>/dev/null
    rm -f ctl fake.out
}

# fk COMMAND...: run a fake's command and wait for its "ok SEQ" (or "err
# SEQ what"); what it printed goes to fk.out.  fk_start and fk_wait
# [SECONDS] do the same in two steps, so a script can act in between.
fk_start() {
    fake_seq=$((fake_seq + 1))
    fake_before=$(wc -l <fake.out)
    echo "$*" >&4
}
fk_wait() {
    wait_for fake.out "^\(ok\|err\) $fake_seq\( \|\$\)" "${1:-8}" || return 1
    tail -n +"$((fake_before + 1))" fake.out |
        grep -v "^\(ok\|err\) $fake_seq\( \|\$\)" >fk.out
    grep -q "^ok $fake_seq\$" fake.out
}
fk() {
    fk_start "$@"
    fk_wait
}

# eventually SECONDS COMMAND...: until the command succeeds, polled every
# 0.1 s (SECONDS scaled like every timeout here).
eventually() {
    ev_limit=$(($1 * scale * 10))
    shift
    ev_i=0
    while [ "$ev_i" -lt "$ev_limit" ]; do
        "$@" && return 0
        sleep 0.1
        ev_i=$((ev_i + 1))
    done
    return 1
}

# posts_of USER: the fake's "posts USER" lines into posts.out;
# wait_posts USER N: until there are at least N.
posts_of() {
    fk posts "$1" && cp fk.out posts.out
}
has_posts() {
    posts_of "$1" && [ "$(grep -c . posts.out)" -ge "$2" ]
}
wait_posts() {
    eventually 6 has_posts "$@"
}

# died: wait (up to 5 s) for a daemon set to crash; true when it did, and
# a daemon still alive then is killed.  stop: SIGTERM, wait, rc = status.
died() {
    eventually 5 sh -c "! kill -0 $daemon_pid 2>/dev/null"
    if kill -KILL "$daemon_pid" 2>/dev/null; then
        wait "$daemon_pid"
        daemon_pid=""
        return 1
    fi
    wait "$daemon_pid"
    rc=$?
    daemon_pid=""
    [ $rc -ne 0 ]
}
stop() {
    kill -TERM "$daemon_pid"
    wait "$daemon_pid"
    rc=$?
    daemon_pid=""
    return $rc
}

enrol() {
    "$REFLEKT" leader add "$1" --platform console --user "$1" \
        --consultant anna --manager bob --tz Europe/Oslo --lang "${2:-en}" \
        >/dev/null
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
