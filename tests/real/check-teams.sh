#!/bin/sh
# check-teams.sh REFLEKT FAKE_TEAMS_SERVER - the Teams flow against
# Microsoft's own emulator, the Microsoft 365 Agents Playground.
#
# The Playground (npm @microsoft/m365agentsplayground, installed once into
# REFLEKT_PEERS, default /var/cache/reflekt-peers, and kept between runs)
# runs headless on 127.0.0.1.  It plays the leader's Teams client and the
# connector reflekt replies to, but it signs nothing, so its activities go
# through the fake Teams' relay, which adds a signed RS256 token; the fake
# is also the token authority and the key set reflekt trusts:
#
#   Playground --POST--> fake /relay --signed--> reflekt /teams/messages
#   reflekt --token from the fake--> the Playground's connector (serviceUrl)
#
# Checked: the app installed and the conversation reference stored; a
# nudged question arriving as a card with Skip and Snooze; an answer typed
# in the Playground stored and the card settled in place; Skip pressed on
# the next card; one button press delivered twice and taken once; in the
# Playground's own log, every activity answered 200 and every call reflekt
# made accepted; and a press on an old copy of a settled card changing
# nothing but its own question.  Where node, npm or the package cannot be
# had it prints "SKIP: <reason>" and exits 0.
set -u
reflekt=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
fake=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
here=$(cd "$(dirname "$0")" && pwd)
stream_js=$here/playground-stream.mjs
peers=${REFLEKT_PEERS:-/var/cache/reflekt-peers}
pgdir=$peers/playground
cli=$pgdir/node_modules/@microsoft/m365agentsplayground/cli.js
cid="reflekt-teams-chat" # the Playground's personal chat, fixed
app_id=11111111-2222-3333-4444-555555555555
tenant=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
passed=0
failed=0
fake_pid=""
pg_pid=""
ws_pid=""
daemon_pid=""
work=$(mktemp -d "${TMPDIR:-/tmp}/reflekt-teams.XXXXXX")

# stop_pid PID: TERM, then KILL if it is still there after 5 s.
stop_pid() {
    kill "$1" 2>/dev/null || return 0
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

stop_all() {
    [ -n "$daemon_pid" ] && stop_pid "$daemon_pid"
    [ -n "$ws_pid" ] && stop_pid "$ws_pid"
    [ -n "$pg_pid" ] && stop_pid "$pg_pid"
    if [ -n "$fake_pid" ]; then
        exec 4>&-
        stop_pid "$fake_pid"
    fi
    daemon_pid="" ws_pid="" pg_pid="" fake_pid=""
}

cleanup() {
    stop_all
    if [ "$failed" -eq 0 ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

skip() {
    echo "SKIP: $*"
    stop_all
    rm -rf "$work"
    trap - EXIT
    exit 0
}

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

# need: when the last check failed, the steps after it cannot run.
need() {
    [ "$failed" -eq 0 ] && return 0
    echo "# giving up: the steps after this one need it"
    echo "real: $passed passed, $failed failed"
    exit 1
}

# within SECONDS COMMAND...: until COMMAND succeeds, by the wall clock
# (SECONDS times REFLEKT_TIME_SCALE, for slow builds).
within() {
    end=$(($(date +%s) + $1 * ${REFLEKT_TIME_SCALE:-1} + 1))
    shift
    until "$@"; do
        [ "$(date +%s)" -ge "$end" ] && return 1
        sleep 0.1
    done
}
# wait_for FILE PATTERN SECONDS: until grep finds PATTERN in FILE.
wait_for() {
    within "$3" grep -q -- "$2" "$1" 2>/dev/null
}

command -v node >/dev/null || skip "node is not installed"
command -v npm >/dev/null || skip "npm is not installed"
command -v curl >/dev/null || skip "curl is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
[ -x "$fake" ] || skip "no fake Teams server at $fake"

# ---- the peer, installed once and cached ----------------------------------
if [ ! -f "$cli" ]; then
    echo "# installing the Microsoft 365 Agents Playground into $pgdir"
    mkdir -p "$pgdir" 2>/dev/null || skip "cannot create $pgdir"
    (
        cd "$pgdir" &&
            { [ -f package.json ] || npm init -y; } &&
            timeout 600 npm install --no-audit --no-fund \
                @microsoft/m365agentsplayground
    ) >"$peers/playground-install.log" 2>&1 ||
        skip "npm cannot install @microsoft/m365agentsplayground" \
            "(see $peers/playground-install.log)"
    [ -f "$cli" ] || skip "the Playground package has no cli.js"
fi

# The stream needs a WebSocket client: Node 22 has one, Node 20 behind a flag.
ws_flag=""
if ! node -e 'process.exit(typeof WebSocket === "function" ? 0 : 1)' \
    2>/dev/null; then
    node --experimental-websocket \
        -e 'process.exit(typeof WebSocket === "function" ? 0 : 1)' \
        2>/dev/null || skip "this node ($(node --version)) has no WebSocket"
    ws_flag=--experimental-websocket
fi

cd "$work" || exit 1
mkdir pg
db=$work/teams.db
export REFLEKT_CONFIG="$work/reflekt.conf" REFLEKT_DB="$db"
unset REFLEKT_FAULT REFLEKT_CONSOLE_ENABLED

# free_port: a port nobody listens on now, on any interface (the
# Playground binds all of them).
free_port() {
    node -e 'const s = require("net").createServer();
        s.listen(0, () => { console.log(s.address().port); s.close(); });'
}
# field FILE EXPR: a value from a JSON file (EXPR on the parsed object j).
field() {
    node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1],
        "utf8")); const v = eval(process.argv[2]);
        if (v === undefined || v === null) process.exit(1);
        console.log(v);' "$1" "$2" 2>/dev/null
}

# ---- the fake: token authority, key set, and the signing relay -------------
mkfifo ctl
"$fake" <ctl >fake.out 2>fake.err &
fake_pid=$!
exec 4>ctl
seq=0
# ft COMMAND...: a fake-Teams command; true when it answered "ok".
ft() {
    seq=$((seq + 1))
    echo "$*" >&4
    wait_for fake.out "^\(ok\|err\) $seq\( \|\$\)" 10 &&
        grep -q "^ok $seq\$" fake.out
}
check "the fake Teams is up" wait_for fake.out "^port " 10
need
fport=$(sed -n 's/^port //p' fake.out)

# ---- the Playground, headless ----------------------------------------------
pg_port=$(free_port)
(
    cd pg &&
        TEAMSAPPTESTER_BROWSER=none \
            M365_AGENTS_PLAYGROUND_LOGFILE="$work/playground.log" \
            exec node "$cli" -e "http://127.0.0.1:$fport/relay" -c msteams \
            --conversation-id "$cid" --dt -p "$pg_port"
) >playground.out 2>&1 </dev/null &
pg_pid=$!
check "the Playground starts (see playground.out)" \
    wait_for playground.out "Listening on" 30
need
# It takes another port when the one asked for is taken: believe what it says.
pg_port=$(sed -n 's/.*Listening on \([0-9]*\).*/\1/p' playground.out | head -n 1)
pg=http://127.0.0.1:$pg_port
pong() {
    [ "$(curl -s "$pg/_debug/ping")" = pong ]
}
check "it answers /_debug/ping" within 10 pong
need
# Asking for the configuration makes it probe the endpoint (the relay).
curl -s "$pg/_internal/v1/config" >pg-config.json
curl -s "$pg/_internal/v1/customActivities/template?conversationId=$cid" \
    >pg-template.json
aad=$(field pg-config.json 'j.config.currentUser.aadObjectId')
user=$(field pg-config.json 'j.config.currentUser.id')
pg_tenant=$(field pg-config.json 'j.config.tenantId')
chat=$(field pg-config.json 'j.config.personalChat.id')
surl=$(field pg-template.json 'j.serviceUrl')
bot=$(field pg-template.json 'JSON.stringify(j.recipient)')
check "its personal chat is ours" [ "$chat" = "$cid" ]
check "its user has an Entra object id" [ -n "$aad" ]
check "and a Teams user id" [ -n "$user" ]
loopback_url() {
    case $surl in http://localhost:* | http://127.0.0.1:*) ;; *) return 1 ;; esac
}
check "its connector is on this machine" loopback_url
need

# What the Playground shows: reflekt's messages, as they come and change.
node $ws_flag "$stream_js" watch \
    "ws://127.0.0.1:$pg_port/_ws_conversation/v1/conversations/stream" \
    "$work/stream.jsonl" 2>stream.err &
ws_pid=$!
check "its message stream is open" wait_for stream.jsonl '"stream":"open"' 10
need

# ---- reflekt ---------------------------------------------------------------
# service_url: where reflekt would open a chat it knows nothing of; the
# Playground's connector, so nothing ever leaves this machine.
cat >reflekt.conf <<CONF
[reflekt]
db = $db
language = en
[http]
listen = 127.0.0.1:0
[console]
enabled = false
[teams]
app_id = $app_id
app_password = fake-teams-secret
tenant_id = $tenant
login_base = http://127.0.0.1:$fport
openid_url = http://127.0.0.1:$fport/openid
service_url = $surl/
allow_loopback = true
CONF
chmod 600 reflekt.conf
check "the Playground's user is enrolled as a Teams leader" \
    "$reflekt" leader add lena --platform teams --user "$aad" \
    --consultant anna --manager bob --tz Europe/Oslo --lang en >add.out
need
"$reflekt" -v run </dev/null >run.out 2>run.err &
daemon_pid=$!
check "reflekt loads the fake's signing keys" \
    wait_for run.err "adapter=teams msg=\"signing keys loaded\"" 10
check "and gets a connector token from it" \
    wait_for run.err "adapter=teams msg=\"connector token obtained\"" 10
wait_for run.err 'msg="listening"' 10
rport=$(sed -n 's/.*msg="listening".*port=\([0-9]*\).*/\1/p' run.err |
    head -n 1)
check "the relay points at reflekt" \
    ft relay "http://127.0.0.1:$rport/teams/messages"
need

sql() {
    sqlite3 -cmd ".timeout 5000" "$db" "$1"
}
is_sql() { # is_sql SQL VALUE
    [ "$(sql "$1")" = "$2" ]
}
wait_sql() { # wait_sql SQL VALUE SECONDS
    within "$3" is_sql "$1" "$2"
}
list() {
    node "$stream_js" list "$work/stream.jsonl"
}
listed() { # listed PATTERN N: N stream lines match PATTERN
    [ "$(list | grep -c -- "$1")" -eq "$2" ]
}
post() { # post PATH JSON: to the Playground; prints the HTTP status
    curl -s -o post.out -w '%{http_code}' -X POST \
        -H 'Content-Type: application/json' "$pg$1" -d "$2"
}
says() { # says TEXT: the Playground's user types TEXT (no quotes in it)
    [ "$(post "/_conversation/v1/conversations/$cid/messages" "$(printf \
        '{"from":{"id":"%s"},"text":"%s","textFormat":"plain"}' \
        "$user" "$1")")" = 200 ]
}
submit() { # submit CARD DATA: the user submits CARD with the button's DATA
    [ "$(post /_conversation/v1/submit "$(printf \
        '{"conversation":{"id":"%s"},"from":{"id":"%s"},%s}' "$cid" "$user" \
        "\"replyToId\":\"$1\",\"value\":$2")")" = 200 ]
}
press() { # press CARD ACTION: the user presses the card's button
    data=$(node "$stream_js" data "$work/stream.jsonl" "$1" "$2") &&
        submit "$1" "$data"
}
nudge() { # nudge: a question due now; its delivery id in $delivery
    delivery=$("$reflekt" nudge lena | sed -n 's/^question \([0-9]*\) .*/\1/p')
    [ -n "$delivery" ]
}
# card_of DELIVERY: the id of the message whose buttons carry DELIVERY.
card_of() {
    list | awk -F '\t' -v d="$1" '$1 == "createMessage" &&
        $3 ~ ("=skip:" d ",") { print $2; exit }'
}
has_card() {
    [ -n "$(card_of "$1")" ]
}
# settled CARD NOTE: the card was updated in place, buttons gone, NOTE shown.
settled() {
    list | awk -F '\t' -v id="$1" -v note="$2" '$1 == "updateMessage" &&
        $2 == id && $3 == "-" && index($4, note) { found = 1 }
        END { exit !found }'
}
# shows CARD TEXT: the card as sent shows TEXT (reflekt's bold marks aside).
shows() {
    list | awk -F '\t' -v id="$1" '$1 == "createMessage" && $2 == id' |
        tr -d '*' | grep -qF -- "$2"
}

# ---- 1. the app is installed -----------------------------------------------
check "the Playground sends the installation" \
    [ "$(post "/_debug/conversation/$cid/installation" '{}')" = 200 ]
check "reflekt takes it as the app installed for a leader" \
    wait_for run.err 'adapter=teams msg="app installed" leader=yes' 10
need
ref="$surl $pg_tenant $cid"
check "the leader's conversation reference is stored" wait_sql \
    "SELECT conversation FROM identity WHERE platform = 'teams' AND user_id = '$aad'" \
    "$ref" 5
check "and kept as the cursor ref:<object id>" wait_sql \
    "SELECT value FROM cursor WHERE adapter = 'teams' AND key = 'ref:$aad'" \
    "$ref" 5

# ---- 2. a question arrives as a card ---------------------------------------
check "a question is nudged" nudge
d1=$delivery
check "reflekt sends it" \
    wait_for run.err "msg=\"question sent\" leader=lena delivery=$d1 " 20
check "the Playground shows a card for it" within 10 has_card "$d1"
need
card1=$(card_of "$d1")
check "with the buttons Skip and Snooze, carrying the delivery" \
    listed "^createMessage	$card1	Skip=skip:$d1,Snooze=snooze:$d1	" 1
check "the card's id is recorded on the delivery" wait_sql \
    "SELECT state || ' ' || platform_msg_id FROM delivery WHERE id = $d1" \
    "sent $card1" 5
q1=$(sql "SELECT replace(question, '*', '') FROM delivery WHERE id = $d1" |
    head -n 1)
check "the card shows the question" shows "$card1" "$q1"

# ---- 3. an answer typed in the Playground ----------------------------------
answer="I asked my team what they need from me this week."
check "the answer is typed" says "$answer"
check "reflekt stores it" \
    wait_for run.err "msg=\"answer stored\" leader=lena delivery=$d1 " 10
check "once, in the response table" wait_sql \
    "SELECT count(*) FROM response WHERE delivery_id = $d1 AND body = '$answer'" \
    1 5
check "the question counts as answered" wait_sql \
    "SELECT state FROM delivery WHERE id = $d1" answered 5
check "the card is settled in place, its buttons gone" \
    within 10 settled "$card1" "Answered"
check "and the leader is thanked" \
    within 10 listed "^createMessage	[^	]*	-	Thank you" 1

# ---- 4. Skip pressed on the next question ----------------------------------
check "a second question is nudged" nudge
d2=$delivery
check "it arrives as a new card" within 20 has_card "$d2"
need
card2=$(card_of "$d2")
check "Skip is pressed on it" press "$card2" skip
check "reflekt records the question as skipped" wait_sql \
    "SELECT state FROM delivery WHERE id = $d2" skipped 10
check "the card shows it was skipped" within 10 settled "$card2" "Skipped"
check "and the leader is told when the next one comes" \
    within 10 listed "^createMessage	[^	]*	-	No problem, we'll skip" 1
check "the first answer is untouched" is_sql \
    "SELECT state || ' ' || (SELECT count(*) FROM response
        WHERE delivery_id = $d1) FROM delivery WHERE id = $d1" "answered 1"

# ---- 5. one button press delivered twice -----------------------------------
check "a third question is nudged" nudge
d3=$delivery
check "it arrives as a card" within 20 has_card "$d3"
need
card3=$(card_of "$d3")
snooze=$(node "$stream_js" data "$work/stream.jsonl" "$card3" snooze)
act_id=reflekt-press-$d3-$$
# The activity the Playground sends for a press, with an id of our own.
activity=$(printf '{"type":"message","id":"%s","channelId":"msteams",%s}' \
    "$act_id" "$(printf '%s' \
        "\"serviceUrl\":\"$surl\",\"recipient\":$bot," \
        "\"from\":{\"id\":\"$user\",\"aadObjectId\":\"$aad\"}," \
        "\"conversation\":{\"id\":\"$cid\"," \
        "\"conversationType\":\"personal\",\"tenantId\":\"$pg_tenant\"}," \
        "\"channelData\":{\"tenant\":{\"id\":\"$pg_tenant\"}}," \
        "\"replyToId\":\"$card3\",\"value\":$snooze")")
replies=$(list | grep -c '^createMessage	[^	]*	-	')
check "Snooze pressed, the activity delivered once" \
    [ "$(post /_internal/v1/customActivities "$activity")" = 200 ]
check "reflekt records the question as snoozed" wait_sql \
    "SELECT state FROM delivery WHERE id = $d3" snoozed 10
check "and says when it comes back" \
    within 10 listed "^createMessage	[^	]*	-	Of course" 1
check "the same activity delivered again" \
    [ "$(post /_internal/v1/customActivities "$activity")" = 200 ]
check "is known to reflekt" \
    wait_for run.err 'adapter=teams msg="duplicate event ignored" leader=lena' 10
sleep 1 # time for a second reply, were one to be sent
check "recorded once under its activity id" \
    is_sql "SELECT count(*) FROM event WHERE event_id = 'teams:$cid:$act_id'" 1
check "one reply, no second one" \
    listed '^createMessage	[^	]*	-	' $((replies + 1))
check "the card settled once" listed "^updateMessage	$card3	" 1
check "the question stays snoozed" \
    is_sql "SELECT state FROM delivery WHERE id = $d3" snoozed

# ---- the Playground's own account --------------------------------------------
# It logs every activity it sent to reflekt (to "User Application") and
# every connector call reflekt made (from it), each with the status.
grep '"to":"User Application"' playground.log >pg-in.log
grep '"from":"User Application"' playground.log >pg-out.log
# all_answered FILE N STATUS: N lines, each with an answer matching STATUS.
all_answered() {
    [ "$(wc -l <"$1")" -eq "$2" ] &&
        [ "$(grep -c "\"response\":{\"statusCode\":$3[,}]" "$1")" -eq "$2" ]
}
check "the Playground sent reflekt 6 activities, each answered 200" \
    all_answered pg-in.log 6 200
check "reflekt made 9 connector calls (3 cards, 3 replies, 3 updates), all taken" \
    all_answered pg-out.log 9 '20[01]'

# ---- 6. a press on a card that is no longer open --------------------------
# Removing the buttons (the PUT) changes what clients show, but Teams does
# not refuse a submit from a client still showing the old card, so a press
# names its question (data.delivery) and may change that question only.
check "Skip pressed on the second card's old copy" \
    submit "$card2" "{\"action\":\"skip\",\"delivery\":$d2}"
answered7() {
    [ "$(grep '"to":"User Application"' playground.log |
        grep -c '"response":{"statusCode":200[,}]')" -eq 7 ]
}
check "reflekt answers it 200" within 10 answered7
sleep 1 # time for what it would change
check "the snoozed third question is left alone" \
    is_sql "SELECT state FROM delivery WHERE id = $d3" snoozed
check "its card is not changed again" listed "^updateMessage	$card3	" 1
check "the second question stays skipped" \
    is_sql "SELECT state FROM delivery WHERE id = $d2" skipped

no_secret() {
    ! grep -q 'fake-teams-secret\|Bearer ey' run.err
}
check "no secret in reflekt's log" no_secret
check "no answer text in reflekt's log" eval '! grep -q "asked my team" run.err'
kill -TERM "$daemon_pid"
gone() {
    ! kill -0 "$daemon_pid" 2>/dev/null
}
if within 10 gone; then
    wait "$daemon_pid"
    rc=$?
else
    rc=timeout
fi
check "reflekt stops cleanly on SIGTERM" [ "$rc" = 0 ]
[ "$rc" = timeout ] || daemon_pid=""
stop_all
check "the Playground is gone" eval "! curl -s -m 2 '$pg/_debug/ping' >/dev/null"
echo "real: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
