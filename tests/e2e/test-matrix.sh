# The Matrix adapter end to end against the fake homeserver: a direct room
# is opened for an enrolled leader, the question arrives with its quick
# reactions, two answer messages and an edit are stored, strangers and
# encrypted rooms are handled, and a SIGKILL before the commit of a sync
# batch loses nothing and doubles nothing.
. "$(dirname "$0")/lib.sh"
: "${FAKE_MATRIX:?FAKE_MATRIX must name the fake homeserver binary}"

check "fake homeserver up" fake_start "$FAKE_MATRIX"
port=$fake_port

fk user reflekt bot-token
fk user lena lena-token
fk user mallory mallory-token
export REFLEKT_MATRIX_HOMESERVER="http://127.0.0.1:$port"
export REFLEKT_MATRIX_ACCESS_TOKEN=bot-token
export REFLEKT_CONSOLE_ENABLED=false

"$REFLEKT" leader add lena --platform matrix --user @lena:localhost \
    --consultant anna --manager bob --tz Europe/Oslo --lang nb >/dev/null

start() {
    "$REFLEKT" run </dev/null >>run.out 2>>"$1" &
    daemon_pid=$!
    wait_for "$1" "access token accepted" 5
}

REFLEKT_MATRIX_ACCESS_TOKEN=wrong-token "$REFLEKT" run </dev/null \
    >run0.out 2>run0.err &
daemon_pid=$!
check "a wrong token is refused plainly" \
    wait_for run0.err "homeserver refused the access token (M_UNKNOWN_TOKEN)" 5
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""
check "the token is checked at start" start run1.err
check "and the token never logged" sh -c '! grep -q bot-token run1.err'
"$REFLEKT" nudge lena >/dev/null
check "a direct room is opened for the leader" \
    wait_for run1.err "direct room created" 5
fk invites @lena:localhost
room=$(head -n 1 fk.out)
check "the leader is invited to it" [ -n "$room" ]
fk join @lena:localhost "$room"

question_seen() {
    fk messages "$room" @reflekt:localhost && [ -s fk.out ]
}
i=0
while ! question_seen && [ $i -lt $((50 * scale)) ]; do
    sleep 0.1
    i=$((i + 1))
done
check "the question arrives in the room" question_seen
question=$(head -n 1 fk.out)
fk reactions "$room" @reflekt:localhost
check "with skip and snooze reactions" [ "$(cat fk.out)" = 2 ]
fk direct @reflekt:localhost
check "the room is recorded in m.direct" grep -q "@lena:localhost" fk.out

fk send @lena:localhost "$room" "Jeg ba teamet om innspill."
first=$(cat fk.out)
fk send @lena:localhost "$room" "Det ga meg mye å tenke på."
i=0
while [ $i -lt $((50 * scale)) ]; do
    fk messages "$room" @reflekt:localhost
    grep -q "lagret" fk.out && break
    sleep 0.1
    i=$((i + 1))
done
check "the answer is thanked in the room" grep -q "lagret" fk.out
fk edit @lena:localhost "$room" "$first" "Jeg ba hele teamet om innspill."
sleep 1

fk dm @mallory:localhost @reflekt:localhost
check "an invite from a stranger is declined" \
    wait_for run1.err "invite from someone not enrolled declined" 5
# A stranger writing in a room reflekt is in gets one explanation.
fk join @mallory:localhost "$room" >/dev/null 2>&1
fk send @lena:localhost "$room" "hjelp"
wait_for run1.err 'command=help' 5
fk messages "$room" @reflekt:localhost
check "help in the leader's language" grep -q "hopp over" fk.out

kill -TERM "$daemon_pid"
wait "$daemon_pid"
check "clean stop" [ $? -eq 0 ]
daemon_pid=""
"$REFLEKT" export --leader lena --format json >export1.json
check "both messages stored, the first as edited" grep -q \
    '"answer": "Jeg ba hele teamet om innspill.\\nDet ga meg mye å tenke på."' \
    export1.json
check "answer text never logged" sh -c '! grep -q "innspill" run1.err'

# A SIGKILL after the sync response, before its commit: the batch is
# fetched again from the old token and stored once.
REFLEKT_FAULT=crash-before-commit start run2.err
fk send @lena:localhost "$room" "En tanke til etter krasjet."
i=0
while kill -0 "$daemon_pid" 2>/dev/null && [ $i -lt $((50 * scale)) ]; do
    sleep 0.1
    i=$((i + 1))
done
wait "$daemon_pid"
rc=$?
daemon_pid=""
check "killed before the commit (137)" [ "$rc" -eq 137 ]
start run3.err
sleep 2
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""
"$REFLEKT" export --leader lena --format csv >export2.csv
check "the message after the crash is stored exactly once" \
    [ "$(grep -o 'En tanke til etter krasjet.' export2.csv | wc -l)" -eq 1 ]
fk messages "$room" @reflekt:localhost
check "the question was sent exactly once" \
    [ "$(grep -cxF -- "$question" fk.out)" -eq 1 ]
fk stats
check "every send created at most one event" \
    sh -c "awk '{ if (\$4 > \$2) exit 1 }' fk.out"

# Deletions, a rate limit, a homeserver in trouble, and quick reactions.
start run5.err
"$REFLEKT" nudge lena >/dev/null
check "a second question goes out" wait_count run5.err 'question sent' 1 10
fk fault 500 /sync 3
fk fault limit /send/m.room.message 1
# A reaction reflekt ignores wakes the pending /sync; the next three fail.
fk react @lena:localhost "$room" "\$q" "👍"
wait_for run5.err "sync failed" 5
fk send @lena:localhost "$room" "Kort svar som jeg angrer på."
regret=$(cat fk.out)
check "the homeserver's 500s on /sync are waited out" \
    wait_for run5.err 'msg="answer stored"' 20
check "three sync failures, then the answer" sh -c \
    "grep -n 'sync failed\|answer stored' run5.err | tail -n 4 |
     cut -d: -f2- | tr '\n' ' ' | grep -q 'sync failed.*sync failed.*sync failed.*answer stored'"

check "the reply after a 429 arrived (M_LIMIT_EXCEEDED waited)" \
    wait_for run5.err "rate limited; waiting as asked" 5
fk redact @lena:localhost "$room" "$regret"
check "a deletion takes the message back" \
    wait_for run5.err "answer message deleted" 10
"$REFLEKT" nudge lena >/dev/null
check "a third question goes out" wait_count run5.err 'question sent' 2 10
fk react @lena:localhost "$room" "\$q" "⏭"
check "the skip reaction skips the question" \
    wait_for run5.err "command=skip" 5
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""
"$REFLEKT" export --leader lena --format csv >export3.csv
check "the deleted text is gone" sh -c '! grep -q "angrer" export3.csv'
check "an answer whose only message was deleted counts as retracted" \
    grep -q ",retracted," export3.csv
check "the reacted question counts as skipped" grep -q ",skipped," export3.csv

# Down while a leader writes more than a sync's timeline holds: the
# skipped events are paged back, and every message is stored once.
"$REFLEKT" nudge lena >/dev/null
start run6.err
check "a question before the outage" wait_count run6.err 'question sent' 1 10
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""
for n in $(seq 1 60); do
    fk send @lena:localhost "$room" "Melding nummer $n mens reflekt sov."
done
start run7.err
check "the limited timeline is paged back" \
    wait_for run7.err "a room skipped events; fetching them" 10
wait_count run7.err 'msg="answer stored"' 60 20
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""
"$REFLEKT" export --leader lena --format csv >export4.csv
check "all 60 messages written during the outage are stored" \
    [ "$(grep -o 'Melding nummer [0-9]* mens' export4.csv | sort -u | wc -l)" -eq 60 ]
check "each exactly once" \
    [ "$(grep -o 'Melding nummer [0-9]* mens' export4.csv | wc -l)" -eq 60 ]
grep -o 'Melding nummer [0-9]*' export4.csv | awk '{print $3}' >order.txt
check "in the order they were written" sort -n -c order.txt

# An encrypted direct room: reflekt says it cannot read it, and the next
# question opens a clean room.
fk dm @lena:localhost @reflekt:localhost encrypted
enc=$(cat fk.out)
start run4.err
i=0
while [ $i -lt $((50 * scale)) ]; do
    fk messages "$enc" @reflekt:localhost
    [ -s fk.out ] && break
    sleep 0.1
    i=$((i + 1))
done
check "an encrypted room gets a plain notice" grep -q "kryptert" fk.out
check "and a log line" grep -q "encrypted" run4.err
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""
finish
