# Readiness under systemd (Type=notify): READY=1 only once every platform
# connection is up, STATUS naming the ones still connecting; RELOADING=1
# and READY=1 around a reload; STOPPING=1 at the end.  A listener on a
# datagram socket stands in for systemd's NOTIFY_SOCKET.
. "$(dirname "$0")/lib.sh"
: "${FAKE_MATRIX:?FAKE_MATRIX must name the fake homeserver binary}"
: "${FAKE_SLACK:?FAKE_SLACK must name the fake Slack binary}"

# notify_listen LOG: one line per message received, newlines as " | ".
notify_listen() {
    rm -f "$work/notify.sock"
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", " | ") + "\n")
' "$work/notify.sock" "$1" >notify.out &
    notify_pid=$!
    wait_for notify.out bound 5
}
notify_stop() {
    kill "$notify_pid" 2>/dev/null
    wait "$notify_pid" 2>/dev/null
}
export NOTIFY_SOCKET="$work/notify.sock"

# The console alone is up as soon as it starts.
notify_listen console.log
"$REFLEKT" run </dev/null >run0.out 2>run0.err &
daemon_pid=$!
check "console only: READY=1" wait_for console.log "READY=1 | STATUS=running" 5
check "and the log says ready" wait_for run0.err 'msg="ready" adapters=1' 5
stop
check "STOPPING=1 at the end" grep -q "^STOPPING=1" console.log
notify_stop

# Matrix: not ready while the homeserver fails, ready once signed in.
check "fake homeserver up" fake_start "$FAKE_MATRIX"
fk user reflekt bot-token
fk fault 500 /account/whoami 1000000
export REFLEKT_MATRIX_HOMESERVER="http://127.0.0.1:$fake_port"
export REFLEKT_MATRIX_ACCESS_TOKEN=bot-token
printf '[reflekt]\nlog_level = info\n' >reflekt.conf
notify_listen matrix.log
"$REFLEKT" --config reflekt.conf run </dev/null >run1.out 2>run1.err &
daemon_pid=$!
check "STATUS names the platform still connecting" \
    wait_for matrix.log "STATUS=connecting to matrix" 5
check "the homeserver fails" wait_for run1.err "whoami" 8
check "not ready while it does" sh -c '! grep -q "READY=1" matrix.log'
fk fault 500 /account/whoami 0
check "READY=1 once connected" wait_for matrix.log "READY=1" 10
check "after the connection was made" grep -q 'msg="connected"' run1.err
check "ready once" [ "$(count matrix.log READY=1)" = 1 ]

kill -HUP "$daemon_pid"
check "a reload: RELOADING=1" wait_for matrix.log "RELOADING=1" 5
check "then READY=1 again" wait_count matrix.log "READY=1" 2 5
check "in that order" sh -c \
    'grep -n . matrix.log | grep -A1 RELOADING=1 | tail -n 1 | grep -q READY=1'

# A reload of a broken file keeps the old one and says so.
printf '[reflekt]\nno_such_key = 1\n' >reflekt.conf
kill -HUP "$daemon_pid"
check "a failed reload is still READY=1, with the reason" wait_for matrix.log \
    "READY=1 | STATUS=configuration not reloaded" 5
stop
check "STOPPING=1" grep -q "^STOPPING=1" matrix.log
notify_stop
fake_stop
unset REFLEKT_MATRIX_HOMESERVER REFLEKT_MATRIX_ACCESS_TOKEN

# Slack with Socket Mode: signed in is not enough; ready once a socket said
# hello.  Slack drops the first connections.
check "fake Slack up" fake_start "$FAKE_SLACK"
fk fault reset apps.connections.open 3
export REFLEKT_SLACK_BOT_TOKEN=xoxb-fake REFLEKT_SLACK_APP_TOKEN=xapp-fake
export REFLEKT_SLACK_API_BASE="http://127.0.0.1:$fake_port/api"
export REFLEKT_CONSOLE_ENABLED=false
notify_listen slack.log
"$REFLEKT" run </dev/null >run2.out 2>run2.err &
daemon_pid=$!
check "Slack: READY=1" wait_for slack.log "READY=1" 20
check "only after Socket Mode said hello" \
    grep -q 'msg="Socket Mode connected"' run2.err
check "while connecting, STATUS said so" \
    grep -q "STATUS=connecting to slack" slack.log
stop
notify_stop

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
