# The walking skeleton's proof: enrol, nudge, answer through the console,
# stop with SIGTERM, find the answer in the export.
. "$(dirname "$0")/lib.sh"

"$REFLEKT" --db x.db leader add lena --platform console --user lena \
    --consultant anna --manager bob --tz Europe/Oslo --lang en >enrol.out
check "leader add" grep -q "enrolled lena" enrol.out
"$REFLEKT" --db x.db nudge lena >nudge.out
check "nudge" grep -q "is due now" nudge.out
{
    sleep 2
    echo "lena: I will ask my team what they need from me."
    sleep 2
} | timeout 10 "$REFLEKT" --db x.db run >run.out 2>run.err
rc=$?
check "daemon stopped by SIGTERM from timeout (124)" [ "$rc" -eq 124 ]
check "question shown on the console" grep -q "^to lena: " run.out
check "buttons shown" grep -q "\[Skip\] \[Snooze\]" run.out
check "thanks after the answer" grep -q "saved" run.out
check "clean stop logged" grep -q 'msg="stopped"' run.err
check "answer text never logged" sh -c '! grep -q "ask my team" run.err'
"$REFLEKT" --db x.db export --format json >export.json
check "answer in the JSON export" \
    grep -q '"answer": "I will ask my team what they need from me."' \
    export.json
check "status answered" grep -q '"status": "answered"' export.json
check "RFC 3339 UTC times" \
    grep -qE '"sent_at": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"' export.json
finish
