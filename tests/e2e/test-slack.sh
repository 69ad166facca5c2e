# The Slack adapter end to end against the fake Slack, over Socket Mode and
# over the Events API: enrolment with the time zone from Slack, a question
# with buttons, an answer in two messages and an edit, Skip pressed on the
# next question, /reflekt for the manager and the consultant, a refreshed
# connection, forged and stale requests refused, a 429 waited out, and
# SIGKILLs between commit and acknowledgement and between post and record:
# nothing lost, nothing doubled.
. "$(dirname "$0")/lib.sh"
: "${FAKE_SLACK:?FAKE_SLACK must name the fake Slack binary}"

check "fake Slack up" fake_start "$FAKE_SLACK"
port=$fake_port

# posts_of USER: the bot's posts (ts, updates, text) into posts.out.
# updated TS: whether the bot's post TS has been changed by chat.update.
updated() {
    posts_of U1LENA && grep "^$1	" posts.out | cut -f 2 | grep -qv '^0$'
}
wait_updated() {
    eventually 6 updated "$1"
}
refused() {
    ! fk "$@"
}
# conns N: until the fake counts N open Socket Mode connections.
has_conns() {
    fk stats && grep -q "connections $1 " fk.out
}
conns() {
    eventually 5 has_conns "$1"
}

fk user U1LENA lena Europe/Oslo
fk user U2BOB bob Europe/Oslo
fk user U3ANNA anna Europe/Stockholm
fk user U4MALLORY mallory -
export REFLEKT_SLACK_BOT_TOKEN=xoxb-fake
export REFLEKT_SLACK_APP_TOKEN=xapp-fake
export REFLEKT_SLACK_API_BASE="http://127.0.0.1:$port/api"
export REFLEKT_CONSOLE_ENABLED=false

"$REFLEKT" leader add lena --platform slack --user U1LENA \
    --consultant anna --manager bob --lang nb >add.out 2>add.err
check "enrolment asks Slack for the time zone" \
    grep -q "time zone from Slack: Europe/Oslo" add.out
check "and uses it" sh -c '"$REFLEKT" leader list | grep -q "lena .*Europe/Oslo"'
check "a Slack id that is not one is refused" sh -c '! "$REFLEKT" leader add \
    x --platform slack --user lena --consultant anna --manager bob \
    --lang nb 2>err.out && grep -q "Slack member id" err.out'
check "someone without a time zone needs --tz" sh -c '! "$REFLEKT" leader \
    add mal --platform slack --user U4MALLORY --consultant anna \
    --manager bob --lang nb 2>err.out && grep -q "give --tz" err.out'
check "the manager's account is linked" \
    "$REFLEKT" person link bob --platform slack --user U2BOB
check "the consultant's too" \
    "$REFLEKT" person link anna --platform slack --user U3ANNA
check "an unknown person is not" sh -c '! "$REFLEKT" person link nobody \
    --platform slack --user U9 2>/dev/null'

REFLEKT_SLACK_BOT_TOKEN=xoxb-wrong "$REFLEKT" run </dev/null \
    >run0.out 2>run0.err
check "a refused token stops reflekt with an error" [ $? -ne 0 ]
check "and says which setting" grep -q \
    "Slack refused the bot token (invalid_auth); check \[slack\] bot_token" \
    run0.err

start() {
    "$REFLEKT" run "$@" </dev/null >>run.out 2>>"$log" &
    daemon_pid=$!
}
# ---- Socket Mode --------------------------------------------------------
log=run1.err
start
check "Socket Mode connects" wait_for run1.err "Socket Mode connected" 5
check "tokens never logged" sh -c '! grep -q "xoxb-fake\|xapp-fake" run1.err'
"$REFLEKT" nudge lena >/dev/null
check "the question arrives in the DM" wait_posts U1LENA 1
q1=$(head -n 1 posts.out | cut -f 1)
fk post-meta U1LENA "$q1"
check "carrying its delivery id in the metadata" \
    grep -q '"delivery_id"' fk.out
fk say U1LENA "Jeg ba teamet om innspill."
first=$(cat fk.out)
check "the first answer message is acknowledged" [ -n "$first" ]
fk say U1LENA "Det ga meg mye å tenke på."
check "the answer is thanked" wait_posts U1LENA 2
fk say U1LENA "Slett meg."
third=$(cat fk.out)
fk delete U1LENA "$third"
check "a deleted message is acknowledged" [ $? -eq 0 ]
check "the question settles (buttons replaced)" wait_updated "$q1"
fk edit U1LENA "$first" "Jeg ba hele teamet om innspill."
check "an edit is acknowledged" [ $? -eq 0 ]
fk command U2BOB "status"
check "/reflekt status for the manager" \
    grep -q "lena\*: 1 sendt, 1 besvart, 0 hoppet over" fk.out
fk command U2BOB "nudge lena"
check "a manager cannot nudge" grep -q "konsulent" fk.out
fk command U4MALLORY "status"
check "someone not linked is told how" grep -q "person link" fk.out
fk command U3ANNA "nudge lena"
check "the consultant can" grep -q "på vei til lena" fk.out
check "the nudged question arrives" wait_posts U1LENA 3
q2=$(tail -n 1 posts.out | cut -f 1)
fk press U1LENA "$q2" skip
check "Skip is pressed on it" [ $? -eq 0 ]
check "and answered in the DM" wait_posts U1LENA 4
check "the question shows it was skipped" wait_updated "$q2"
check "its buttons are gone" refused press U1LENA "$q2" skip
fk disconnect refresh_requested
check "a refresh opens a new connection" \
    wait_count run1.err "Socket Mode connected" 2 5
check "and closes the old one" conns 1
stop

# Slack out of reach at start: retried with backoff while the endpoint
# serves; several Socket Mode connections when asked for.
fk fault reset auth.test 7
log=run1b.err
REFLEKT_SLACK_CONNECTIONS=2 start --listen 127.0.0.1:0
wait_for run1b.err "msg=\"listening\"" 5
hp=$(sed -n 's/.*msg="listening".*port=\([0-9]*\).*/\1/p' run1b.err)
check "while Slack is out of reach the endpoint answers" \
    sh -c "curl -sf http://127.0.0.1:$hp/healthz | grep -q ok"
check "auth.test is tried again with backoff" \
    wait_for run1b.err "adapter=slack msg=\"auth.test failed" 15
check "and reflekt signs in once Slack answers" \
    wait_for run1b.err "adapter=slack msg=\"signed in\"" 20
check "with two Socket Mode connections" \
    wait_count run1b.err "Socket Mode connected" 2 5
check "both open at the fake" conns 2
fk drop
check "dropped links are opened again" \
    wait_count run1b.err "Socket Mode connected" 4 10
stop
check "clean stop" [ $rc -eq 0 ]
"$REFLEKT" export --leader lena --format json >export1.json
check "both messages stored, the first as edited" grep -q \
    '"answer": "Jeg ba hele teamet om innspill.\\nDet ga meg mye å tenke på."' \
    export1.json
check "the second question skipped" grep -q '"status": "skipped"' export1.json
check "the deleted message is not part of the answer" \
    sh -c '! grep -q "Slett meg" export1.json'
check "answer text never logged" sh -c '! grep -q "innspill" run1.err'

# A SIGKILL after the commit, before the envelope's ack: Slack sends it
# again and it is stored once.
log=run2.err
REFLEKT_FAULT=crash-after-commit start
wait_for run2.err "Socket Mode connected" 5
"$REFLEKT" nudge lena >/dev/null
wait_posts U1LENA 5
fk_start say U1LENA "Svar rett før krasjet."
check "the daemon died between commit and ack" died
log=run3.err
start
check "after a restart Slack's retry is acknowledged" fk_wait 20
check "the retried envelope is a known event" \
    wait_for run3.err "duplicate event ignored" 5
stop

# A SIGKILL after chat.postMessage, before it is recorded: the restart
# finds the question in the DM's history instead of posting it again.
posts_of U1LENA
before=$(wc -l <posts.out)
fk calls chat.postMessage
calls_before=$(cat fk.out)
log=run4.err
REFLEKT_FAULT=crash-after-send start
wait_for run4.err "Socket Mode connected" 5
"$REFLEKT" nudge lena >/dev/null
died
log=run5.err
start
# It looks a few seconds after the start, once anything the killed process
# had in flight has landed.
check "the restart finds the question already posted" \
    wait_for run5.err "question found already posted" 15
stop
posts_of U1LENA
check "posted once, not twice" [ "$(wc -l <posts.out)" -eq $((before + 1)) ]
fk calls chat.postMessage
check "one chat.postMessage for it" [ "$(cat fk.out)" -eq $((calls_before + 1)) ]

# ---- Events API ---------------------------------------------------------
unset REFLEKT_SLACK_APP_TOKEN
export REFLEKT_SLACK_SIGNING_SECRET=fake-signing-secret
log=run6.err
start --listen 127.0.0.1:0
wait_for run6.err "msg=\"listening\"" 5
hport=$(sed -n 's/.*msg="listening".*port=\([0-9]*\).*/\1/p' run6.err | tail -n 1)
check "the Events API is on" wait_for run6.err "events_api=on" 5
fk deliver "http://127.0.0.1:$hport/slack"
check "Slack's URL verification is answered" fk verify
fk fault limit chat.postMessage 1
"$REFLEKT" nudge lena >/dev/null
posts_of U1LENA
n=$(wc -l <posts.out)
check "a question over the Events API, after a 429" wait_posts U1LENA $((n + 1))
check "the 429 was waited out" wait_for run6.err "rate limited; waiting" 5
q3=$(tail -n 1 posts.out | cut -f 1)
fk say U1LENA "Svar over Events API."
check "a signed event is taken" [ $? -eq 0 ]
fk command U2BOB "cadence lena FREQ=WEEKLY;BYDAY=TH;BYHOUR=10"
check "the manager sets the cadence" grep -q "torsdag" fk.out
"$REFLEKT" nudge lena >/dev/null
check "one more question" wait_posts U1LENA $((n + 3))
q4=$(tail -n 1 posts.out | cut -f 1)
fk press U1LENA "$q4" snooze
check "Snooze is pressed over the Events API" [ $? -eq 0 ]

body='{"type":"event_callback","event_id":"EvFORGED","event":{"type":"message","channel_type":"im","channel":"D1LENA","user":"U1LENA","text":"forged words","ts":"1.1"}}'
now=$(date +%s)
forged=$(curl -s -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/json' \
    -H "X-Slack-Request-Timestamp: $now" \
    -H 'X-Slack-Signature: v0=0000000000000000000000000000000000000000000000000000000000000000' \
    --data "$body" "http://127.0.0.1:$hport/slack/events")
check "a forged signature gets 401" [ "$forged" = 401 ]
sig=$(printf 'v0:%s:%s' $((now - 600)) "$body" |
    openssl dgst -sha256 -hmac fake-signing-secret | sed 's/.* //')
stale=$(curl -s -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/json' \
    -H "X-Slack-Request-Timestamp: $((now - 600))" \
    -H "X-Slack-Signature: v0=$sig" \
    --data "$body" "http://127.0.0.1:$hport/slack/events")
check "a replayed (stale) request gets 401" [ "$stale" = 401 ]
nosig=$(curl -s -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/json' --data "$body" \
    "http://127.0.0.1:$hport/slack/events")
check "no signature gets 401" [ "$nosig" = 401 ]
stop
"$REFLEKT" export --leader lena --format json >export2.json
check "nothing forged was stored" sh -c '! grep -q "forged words" export2.json'
check "the Events API answer was" grep -q "Svar over Events API." export2.json
check "the snoozed question waits" grep -q '"status": "snoozed"' export2.json

# A SIGKILL between commit and the HTTP answer: Slack retries with
# X-Slack-Retry-Num and the retry is stored once.
log=run7.err
REFLEKT_FAULT=crash-after-commit start --listen "127.0.0.1:$hport"
wait_for run7.err "events_api=on" 5
fk_start say U1LENA "Enda en tanke."
died
log=run8.err
start --listen "127.0.0.1:$hport"
check "Slack's retry reaches the restarted daemon" fk_wait 20
check "recognised as a retry" \
    wait_for run8.err "delivery retried by Slack" 5
stop
"$REFLEKT" export --leader lena --format json >export3.json
check "stored exactly once" [ "$(grep -c "Enda en tanke." export3.json)" -eq 1 ]
check "and the earlier one too" [ "$(grep -c "Svar rett før krasjet." export3.json)" -eq 1 ]
check "no token or signing secret in any log" sh -c \
    '! grep -l "xoxb-fake\|xapp-fake\|fake-signing-secret" run*.err'

finish
