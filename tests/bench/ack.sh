#!/bin/sh
# ack.sh REFLEKT FAKE_SLACK BENCH_ACK [RATE] [SECONDS] [LEADERS] - how long
# Slack waits for reflekt's answer to an event at a steady rate.
#
# The fake Slack serves the Web API; reflekt runs the Events API on
# 127.0.0.1 with LEADERS leaders, each with an open question.  bench-ack
# then posts signed message events from them at RATE per second for
# SECONDS, open loop, and reports the latency percentiles from each
# request's due time to its 200 (sent only after the commit).  Afterwards
# every answer must be in SQLite exactly once.  The fake Slack refuses
# chat.postMessage beyond 300 a minute, as Slack paces a workspace, and
# the run fails if reflekt's own pacing ever let it refuse one.
set -u
reflekt=$1
fake=$2
client=$3
rate=${4:-1000}
seconds=${5:-10}
leaders=${6:-50}
work=$(mktemp -d)
pid=""
fpid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    exec 4>&- 2>/dev/null
    [ -n "$fpid" ] && kill "$fpid" 2>/dev/null && wait "$fpid" 2>/dev/null
    [ -n "${ACK_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
reflekt=$(realpath "$reflekt"); fake=$(realpath "$fake"); client=$(realpath "$client")
cd "$work" || exit 1
export REFLEKT_DB="$work/ack.db"
unset REFLEKT_CONFIG REFLEKT_FAULT

# until SECONDS COMMAND...: poll every 0.1 s.
until_ok() {
    n=$(($1 * 10))
    shift
    while ! "$@" 2>/dev/null; do
        n=$((n - 1))
        [ "$n" -gt 0 ] || return 1
        sleep 0.1
    done
}
seq_no=0
fk() {
    seq_no=$((seq_no + 1))
    echo "$*" >&4
    until_ok 10 grep -q "^ok $seq_no\$" fake.out
}

mkfifo ctl
"$fake" <ctl >fake.out 2>fake.err &
fpid=$!
exec 4>ctl
until_ok 10 grep -q "^port " fake.out || { echo "no fake Slack"; exit 1; }
fport=$(sed -n 's/^port //p' fake.out)
i=0
while [ "$i" -lt "$leaders" ]; do
    fk user "U0BENCH$i" "b$i" Europe/Oslo || exit 1
    "$reflekt" leader add "b$i" --platform slack --user "U0BENCH$i" \
        --consultant anna --manager bob --tz Europe/Oslo --lang nb \
        >/dev/null || exit 1
    i=$((i + 1))
done

export REFLEKT_SLACK_BOT_TOKEN=xoxb-fake
export REFLEKT_SLACK_SIGNING_SECRET=bench-signing-secret
export REFLEKT_SLACK_API_BASE="http://127.0.0.1:$fport/api"
export REFLEKT_CONSOLE_ENABLED=false
"$reflekt" run --listen 127.0.0.1:0 </dev/null >run.out 2>run.err &
pid=$!
until_ok 10 grep -q "events_api=on" run.err || { echo "no Events API"; exit 1; }
hport=$(sed -n 's/.*msg="listening".*port=\([0-9]*\).*/\1/p' run.err | head -n 1)

# Every leader's question out first, at reflekt's pace for Slack.
fk limit chat.postMessage 300 || exit 1
t0=$(date +%s%3N)
i=0
while [ "$i" -lt "$leaders" ]; do
    "$reflekt" nudge "b$i" >/dev/null || exit 1
    i=$((i + 1))
done
asked() {
    fk calls chat.postMessage &&
        [ "$(tail -n 2 fake.out | head -n 1)" -ge "$leaders" ]
}
until_ok 120 asked || { echo "questions not sent"; exit 1; }
echo "pace: $leaders questions handed to Slack in $(( $(date +%s%3N) - t0 )) ms"

"$client" "http://127.0.0.1:$hport/slack/events" bench-signing-secret \
    "$leaders" "$rate" "$seconds"
status=$?
fk stats || exit 1
limited=$(sed -n 's/.* limited \([0-9]*\).*/\1/p' fake.out | tail -n 1)
echo "pace: $limited calls refused by Slack's limit of 300 a minute"
[ "$limited" -eq 0 ] || status=1
stored=$(sqlite3 "$REFLEKT_DB" "SELECT count(*) FROM response")
want=$((rate * (seconds + 1)))
echo "ack: $want answers sent, $stored stored"
[ "$stored" -eq "$want" ] || status=1
exit $status
