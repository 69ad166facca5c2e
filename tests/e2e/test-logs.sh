# The log: one logfmt line per event on stderr at every level, -v adding
# debug lines and -vv every HTTP exchange in and out, and never a token, a
# Socket Mode ticket, a sign-in link or a word of an answer, even at -vv.
. "$(dirname "$0")/lib.sh"
: "${FAKE_MATRIX:?FAKE_MATRIX must name the fake homeserver binary}"
: "${FAKE_SLACK:?FAKE_SLACK must name the fake Slack binary}"

# logfmt: level first, then key=value pairs, values bare or quoted.
logfmt() {
    ! grep -vE '^level=(error|warn|info|debug|trace)( [a-z_]+=("([^"\\]|\\.)*"|[^ "]+))+$' "$1"
}
secret_free() {
    ! grep -E 'bot-token|lena-token|xoxb-fake|xapp-fake|ticket=|[?&]t=|innspill|teamet' "$1"
}

check "fake homeserver up" fake_start "$FAKE_MATRIX"
fk user reflekt bot-token
fk user lena lena-token
export REFLEKT_MATRIX_HOMESERVER="http://127.0.0.1:$fake_port"
export REFLEKT_MATRIX_ACCESS_TOKEN=bot-token
"$REFLEKT" leader add lena --platform matrix --user @lena:localhost \
    --consultant anna --manager bob --tz Europe/Oslo --lang nb >/dev/null
"$REFLEKT" person link anna --platform console --user anna >/dev/null

# -vv, with the endpoint on: a question, an answer in two messages, a
# sign-in link for the consultant, a health check.
"$REFLEKT" -vv run --listen 127.0.0.1:0 </dev/null >run1.out 2>run1.err &
daemon_pid=$!
check "-vv: ready" wait_for run1.err 'msg="ready"' 5
port=$(sed -n 's/.*msg="listening".*port=\([0-9]*\).*/\1/p' run1.err)
"$REFLEKT" nudge lena >/dev/null
check "a direct room is opened" wait_for run1.err "direct room created" 5
fk invites @lena:localhost
room=$(head -n 1 fk.out)
fk join @lena:localhost "$room"
fk send @lena:localhost "$room" "Jeg ba teamet om innspill."
fk send @lena:localhost "$room" "Det ga meg mye å tenke på."
answered() {
    "$REFLEKT" export --leader lena --format json | grep -q innspill
}
check "both messages stored" eventually 5 answered
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null
check "-vv logs each outbound exchange" \
    wait_for run1.err 'level=trace msg="outbound" method=PUT url="http://127.0.0.1:[0-9]*/_matrix/client/v3/rooms/' 5
check "with its status and time" \
    grep -q 'msg="outbound" .* status=200 us=[0-9]* attempt=1' run1.err
check "and each inbound one" \
    wait_for run1.err 'level=trace msg="inbound" method=GET path="/healthz" status=200' 5
check "-vv includes debug lines" grep -q "^level=debug " run1.err
stop
check "every -vv line is logfmt" logfmt run1.err
check "no token and no answer at -vv" secret_free run1.err
check "the answer really was there to leak" answered

# A sign-in link handed out and used is not logged either.
REFLEKT_WEB_ALLOW_LOOPBACK=true "$REFLEKT" -vv run --listen 127.0.0.1:0 \
    </dev/null >run2.out 2>run2.err &
daemon_pid=$!
wait_for run2.err 'msg="ready"' 5
port=$(sed -n 's/.*msg="listening".*port=\([0-9]*\).*/\1/p' run2.err)
link=$(REFLEKT_HTTP_LISTEN=127.0.0.1:$port "$REFLEKT" console-link anna |
    head -n 1)
check "a sign-in link is handed out" \
    sh -c "printf '%s' '$link' | grep -q '/console/login?t='"
curl -s -o /dev/null "$link"
curl -s -o /dev/null -d "t=${link#*t=}" "http://127.0.0.1:$port/console/login"
check "its use is logged by path only" wait_for run2.err \
    'msg="inbound" method=POST path="/console/login" status=303' 5
stop
check "the link's token is a secret to look for" [ -n "${link#*t=}" ]
check "and it is not in the log" sh -c "! grep -qF '${link#*t=}' run2.err"
check "no sign-in token in the log" secret_free run2.err
check "every line logfmt" logfmt run2.err
fake_stop
unset REFLEKT_MATRIX_HOMESERVER REFLEKT_MATRIX_ACCESS_TOKEN

# Slack Socket Mode at -vv: the tokens and the socket's ticket stay out.
check "fake Slack up" fake_start "$FAKE_SLACK"
export REFLEKT_SLACK_BOT_TOKEN=xoxb-fake REFLEKT_SLACK_APP_TOKEN=xapp-fake
export REFLEKT_SLACK_API_BASE="http://127.0.0.1:$fake_port/api"
"$REFLEKT" -vv run </dev/null >run3.out 2>run3.err &
daemon_pid=$!
check "Slack at -vv: ready" wait_for run3.err 'msg="ready"' 10
check "apps.connections.open is logged" \
    grep -q 'msg="outbound" method=POST url=".*/api/apps.connections.open"' run3.err
stop
check "no token, no ticket" secret_free run3.err
check "every line logfmt" logfmt run3.err

# -v: debug, no trace; by default neither.
"$REFLEKT" -v run </dev/null >run4.out 2>run4.err &
daemon_pid=$!
wait_for run4.err 'msg="ready"' 10
stop
check "-v: debug lines" grep -q "^level=debug " run4.err
check "-v: no trace lines" sh -c '! grep -q "^level=trace " run4.err'
"$REFLEKT" run </dev/null >run5.out 2>run5.err &
daemon_pid=$!
wait_for run5.err 'msg="ready"' 10
stop
check "default: info and above only" \
    sh -c '! grep -qE "^level=(debug|trace) " run5.err'
check "and the line the issue shows" \
    grep -q '^level=info adapter=slack msg="signed in" team=' run5.err
check "logfmt" logfmt run5.err

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
