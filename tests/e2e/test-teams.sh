# The Teams adapter end to end against the fake Bot Framework (token
# authority, OpenID keys, connector, and the channel that POSTs signed
# activities): bearer tokens refused in every way they can be wrong, the
# app installed and the reference kept, a question as an Adaptive Card, an
# answer in two messages with an edit and a delete, Skip pressed on the next
# card, "reflekt ..." for the manager and the consultant, a redelivered
# activity, Microsoft out of reach at start, rotated keys, a renewed token,
# a lost chat opened again, a chat opened for someone who never wrote, and
# a SIGKILL between commit and answer: nothing lost, nothing doubled.
. "$(dirname "$0")/lib.sh"
: "${FAKE_TEAMS:?FAKE_TEAMS must name the fake Bot Framework binary}"

LENA=8f3c2a7e-4b1d-4c9a-9e2f-1d6b5a0c7e31
BOB=1b2c3d4e-0000-4000-8000-00000000b0b0
ANNA=2c3d4e5f-0000-4000-8000-0000000a22a0
MAL=3d4e5f60-0000-4000-8000-0000000ba1a0
TOR=4e5f6071-0000-4000-8000-0000000070a0

check "fake Bot Framework up" fake_start "$FAKE_TEAMS"
fk user $LENA lena Europe/Oslo
fk user $BOB bob Europe/Oslo
fk user $ANNA anna Europe/Stockholm
fk user $MAL mallory -
fk user $TOR tor Europe/Oslo

export REFLEKT_TEAMS_APP_ID=11111111-2222-3333-4444-555555555555
export REFLEKT_TEAMS_APP_PASSWORD=fake-teams-secret
export REFLEKT_TEAMS_TENANT_ID=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
export REFLEKT_TEAMS_LOGIN_BASE="http://127.0.0.1:$fake_port"
export REFLEKT_TEAMS_OPENID_URL="http://127.0.0.1:$fake_port/openid"
export REFLEKT_TEAMS_SERVICE_URL="http://127.0.0.1:$fake_port/connector/"
export REFLEKT_TEAMS_ALLOW_LOOPBACK=true
export REFLEKT_CONSOLE_ENABLED=false

check "a Teams leader is enrolled by Entra object id" \
    "$REFLEKT" leader add lena --platform teams --user $LENA \
    --consultant anna --manager bob --tz Europe/Oslo --lang nb
check "something else is refused, saying what is wanted" sh -c '! "$REFLEKT" \
    leader add x --platform teams --user lena@example.org --consultant anna \
    --manager bob --tz Europe/Oslo --lang nb 2>err.out &&
    grep -q "Entra object id" err.out'
check "a Teams leader needs --tz" sh -c '! "$REFLEKT" leader add y \
    --platform teams --user '$MAL' --consultant anna --manager bob \
    --lang nb 2>err.out && grep -q "tz is required" err.out'
"$REFLEKT" leader add tor --platform teams --user $TOR --consultant anna \
    --manager bob --tz Europe/Oslo --lang nb >/dev/null
check "the manager's account is linked" \
    "$REFLEKT" person link bob --platform teams --user $BOB
check "the consultant's too" \
    "$REFLEKT" person link anna --platform teams --user $ANNA

"$REFLEKT" run </dev/null >run0.out 2>run0.err
check "Teams without the inbound endpoint is refused" [ $? -ne 0 ]
check "saying so" grep -q "needs the inbound endpoint" run0.err
REFLEKT_TEAMS_APP_PASSWORD=wrong "$REFLEKT" run --listen 127.0.0.1:0 \
    </dev/null >run0.out 2>run0.err
check "a refused app password stops reflekt with an error" [ $? -ne 0 ]
check "and says which settings" grep -q \
    "Microsoft refused the Teams app credentials (invalid_client.*REFLEKT_TEAMS_APP_PASSWORD" \
    run0.err
check "the password is not in the log" sh -c '! grep -q "fake-teams-secret\|=wrong" run0.err'

# start: the daemon on the same port as before (the fake's deliveries,
# retries included, keep finding it), or a new one the first time.
start() {
    "$REFLEKT" run --listen "127.0.0.1:${hport:-0}" </dev/null \
        >>run.out 2>>"$log" &
    daemon_pid=$!
    wait_for "$log" "msg=\"listening\"" 5
    if [ -z "${hport:-}" ]; then
        hport=$(sed -n 's/.*msg="listening".*port=\([0-9]*\).*/\1/p' "$log")
        fk bot "http://127.0.0.1:$hport/teams/messages"
    fi
}
# settled AAD ID: the card was updated and has no buttons any more.
settled() {
    posts_of "$1" &&
        grep "^$2	" posts.out | awk -F '	' '$2 > 0 && $5 == "-"' | grep -q .
}
wait_settled() {
    eventually 6 settled "$1" "$2"
}
# status: the HTTP status the last delivery ended with.
status() {
    cut -d ' ' -f 1 fk.out
}
# delivered COMMAND...: a person's action reached reflekt and was taken.
delivered() {
    fk "$@" && [ "$(status)" = 200 ]
}

# ---- a conversation -------------------------------------------------------
log=run1.err
start
check "the signing keys are loaded" wait_for run1.err "signing keys loaded" 5
check "a connector token is obtained" \
    wait_for run1.err "connector token obtained" 5
for kind in none sig iss aud expired kid alg-none hs256 serviceurl future; do
    fk badtoken $kind $LENA "forged words $kind"
    check "a token that is wrong ($kind) gets 401" [ "$(status)" = 401 ]
done
fk badtoken endorse $LENA "forged words endorse"
check "a key not endorsed for Teams gets 403" [ "$(status)" = 403 ]
check "each refusal is logged with its reason" \
    wait_for run1.err "request refused\" status=401 error=\"token issuer" 2

check "the app is installed" delivered install $LENA
check "and the conversation reference stored" sh -c "sqlite3 '$REFLEKT_DB' \
    \"select conversation from identity where user_id = '$LENA'\" |
    grep -q 'connector/ $REFLEKT_TEAMS_TENANT_ID a:conv-$LENA'"
"$REFLEKT" nudge lena >/dev/null
check "the question arrives as a card" wait_posts $LENA 1
q1=$(head -n 1 posts.out | cut -f 1)
check "with Skip and Snooze" grep -q "	Hopp over,Utsett$" posts.out
fk post-json $LENA "$q1"
check "whose buttons carry the delivery id" \
    grep -q '"data":{"action":"skip","delivery":[0-9]' fk.out
check "the first answer message is taken" \
    delivered say $LENA "Jeg ba teamet om innspill."
first=$(cut -d ' ' -f 3 fk.out)
check "and the second" delivered say $LENA "Det ga meg mye å tenke på."
second=$(cut -d ' ' -f 3 fk.out)
check "the answer is thanked" wait_posts $LENA 2
check "the card settles: buttons gone" wait_settled $LENA "$q1"
check "a third message" delivered say $LENA "Slett meg."
third=$(cut -d ' ' -f 3 fk.out)
check "deleted again" delivered delete $LENA "$third"
check "an edit is taken" delivered edit $LENA "$first" \
    "Jeg ba hele teamet om innspill."
check "an activity Teams delivers again is answered" \
    delivered redeliver "$second"
check "and recognised" wait_for run1.err "duplicate event ignored" 5

check "the manager asks for status" delivered say $BOB "reflekt status"
check "and is answered in the chat" wait_posts $BOB 1
check "with participation, not words" \
    grep -q "lena\*\*: 1 sendt, 1 besvart, 0 hoppet over" posts.out
check "someone not linked is told how" delivered say $MAL "reflekt status"
check "in their chat" wait_posts $MAL 1
check "about person link" grep -q "person link" posts.out
check "the consultant nudges" delivered say $ANNA "reflekt nudge lena"
check "and hears it is on its way" wait_posts $ANNA 1
check "to lena" grep -q "på vei til lena" posts.out
check "the nudged card arrives" wait_posts $LENA 3
q2=$(tail -n 1 posts.out | cut -f 1)
fk post-json $LENA "$q2"
d2=$(sed -n 's/.*"action":"skip","delivery":\([0-9]*\).*/\1/p' fk.out)
check "Skip is pressed on it" delivered submit $LENA "$q2" \
    "{\"action\":\"skip\",\"delivery\":$d2}"
check "the card shows it was skipped" wait_settled $LENA "$q2"
check "a stranger's hello gets one explanation" \
    delivered say $MAL "hei"
check "in their chat" wait_posts $MAL 2
check "secrets never logged" sh -c '! grep -q "fake-teams-secret\|fake-at-" run1.err'
check "answer text never logged" sh -c '! grep -q "innspill" run1.err'
stop
check "clean stop" [ $rc -eq 0 ]
"$REFLEKT" export --leader lena --format json >export1.json
check "both messages stored, the first as edited" grep -q \
    '"answer": "Jeg ba hele teamet om innspill.\\nDet ga meg mye å tenke på."' \
    export1.json
check "the second question skipped" grep -q '"status": "skipped"' export1.json
check "the deleted message is not part of the answer" \
    sh -c '! grep -q "Slett meg" export1.json'
check "nothing from a refused token was stored" \
    sh -c '! grep -q "forged words" export1.json'

# ---- Microsoft out of reach at start; keys rotated; token renewed --------
fk fault down openid 3
fk fault down token 2
fk token-ttl 4
log=run2.err
start
check "the key set is fetched again with backoff" \
    wait_for run2.err "cannot get the signing keys; trying again" 5
fk say $LENA "Før nøklene."
check "until keys are known a request gets 401" [ "$(status)" = 401 ]
check "and /healthz answers meanwhile" \
    sh -c "curl -sf http://127.0.0.1:$hport/healthz | grep -q ok"
check "the keys arrive" wait_for run2.err "signing keys loaded" 20
check "and the token" wait_for run2.err "connector token obtained" 20
fk calls token
t1=$(cat fk.out)
check "a short-lived token is renewed before it runs out" \
    wait_count run2.err "connector token obtained" 2 10
# Microsoft rolls its keys some time after reflekt fetched them.
sleep 5
fk rotate
check "a token from a rotated key is taken" \
    delivered say $LENA "Etter nye nøkler."
check "after fetching the key set again" \
    wait_for run2.err "fetching the key set again" 5
"$REFLEKT" nudge tor >/dev/null
check "someone who never wrote gets a chat opened" wait_posts $TOR 1
fk calls create
check "by creating the conversation" [ "$(cat fk.out)" -ge 1 ]
fk forget $LENA
"$REFLEKT" nudge lena >/dev/null
check "a chat that is gone is opened again" \
    wait_for run2.err "ConversationNotFound" 5
check "and the card arrives there" sh -c "sqlite3 '$REFLEKT_DB' \
    \"select conversation from identity where user_id = '$LENA'\" |
    grep -q 'a:conv-$LENA-2'"
fk fault limit connector 1
"$REFLEKT" nudge tor >/dev/null
check "a 429 from the connector is waited out" wait_posts $TOR 2
check "and logged" wait_for run2.err "rate limited; waiting" 5
fk block $LENA
"$REFLEKT" nudge lena >/dev/null
check "a blocked bot is said plainly" \
    wait_for run2.err "blocked reflekt or removed the app" 5
fk unblock $LENA
stop

# ---- a SIGKILL between the commit and the 200 ---------------------------
log=run3.err
REFLEKT_FAULT=crash-after-commit start
wait_for run3.err "signing keys loaded" 5
posts_of $LENA
n=$(grep -c . posts.out)
"$REFLEKT" nudge lena >/dev/null
check "a question is open" wait_posts $LENA $((n + 1))
fk_start say $LENA "Svar rett før krasjet."
check "the daemon died between commit and answer" died
log=run4.err
start
check "Teams delivers it again to the restarted daemon" fk_wait 30
check "where it is taken" [ "$(status)" = 200 ]
check "as a known event" wait_for run4.err "duplicate event ignored" 5
posts_of $LENA
before=$(grep -c . posts.out)
kill -KILL "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
daemon_pid=""
log=run5.err
start
wait_for run5.err "connector token obtained" 5
sleep 1
posts_of $LENA
check "a restart sends no question twice" \
    [ "$(grep -c . posts.out)" -eq "$before" ]
stop
"$REFLEKT" export --leader lena --format json >export2.json
check "stored exactly once" \
    [ "$(grep -c "Svar rett før krasjet." export2.json)" -eq 1 ]
check "the earlier answer too" \
    [ "$(grep -c "Det ga meg mye å tenke på." export2.json)" -eq 1 ]

finish
