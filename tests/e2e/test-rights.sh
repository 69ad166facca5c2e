# A leader's rights: the export holds everything reflekt keeps about them
# (answers, edits, the consultant's note, the audit rows), erasure leaves
# no trace of them in the database file, answers older than their
# organisation's retention limit go, and only consultants, managers and
# admins get a web console password.
. "$(dirname "$0")/lib.sh"

# fails CODE PATTERN COMMAND...: exits with CODE and says PATTERN.
fails() {
    code=$1
    pattern=$2
    shift 2
    "$@" >cmd.out 2>cmd.err
    rc=$?
    if [ "$rc" -ne "$code" ]; then
        echo "# exit $rc, wanted $code: $*" >&2
        cat cmd.err >&2
        return 1
    fi
    grep -q -- "$pattern" cmd.err || {
        echo "# no \"$pattern\" in:" >&2
        cat cmd.err >&2
        return 1
    }
}

db() {
    sqlite3 "$REFLEKT_DB" "$@"
}

# absent FILE TEXT: FILE (which may be missing) holds no byte string TEXT.
absent() {
    [ ! -e "$1" ] || [ "$(grep -a -c -- "$2" "$1")" -eq 0 ]
}

present() {
    ! absent "$@"
}

# answer LINES: a short daemon run that sends what is due and reads LINES
# ("HANDLE: text", one a line) as the leaders' answers.  Each run reads a
# new file: the console resumes a file it has read before where it left off.
runs=0
answer() {
    runs=$((runs + 1))
    printf '%s\n' "$@" >"input.$runs"
    timeout "$((3 * scale))" "$REFLEKT" run <"input.$runs" >run.out 2>run.err
}

add() {
    "$REFLEKT" leader add "$1" --platform console --user "$1" \
        --consultant "${2:-anna}" --manager bob --tz Europe/Oslo --lang en \
        --org "${3:-default}" >/dev/null
}

# ---- export ------------------------------------------------------------
add zelda
add lars
"$REFLEKT" nudge zelda >/dev/null
"$REFLEKT" nudge lars >/dev/null
answer "zelda: Zebra-secret answer" "lars: Lars keeps this answer"
check "the answer is stored" \
    [ "$(db "SELECT count(*) FROM response WHERE body = 'Zebra-secret answer'")" -eq 1 ]
# The console has no edits; an edit as the platforms store it.
db "INSERT INTO response_edit (response_id, body, replaced_at)
      SELECT id, body, received_at + 60 FROM response
      WHERE body = 'Zebra-secret answer';
    UPDATE response SET body = 'Zebra-secret answer, edited'
      WHERE body = 'Zebra-secret answer';"
"$REFLEKT" session add zelda --at "$(date -d '+40 days' +%Y-%m-%d) 13:00" \
    >/dev/null
# No command writes notes yet; the web console will.
db "INSERT INTO session_note (session_id, body, updated_at)
      SELECT s.id, 'Zebra-note: private to the consultant', 1800000000
      FROM session s JOIN engagement e ON e.id = s.engagement_id
      JOIN person p ON p.id = e.leader_id WHERE p.name = 'zelda'"
"$REFLEKT" group add circle --consultant anna --tz Europe/Oslo --lang en \
    >/dev/null
"$REFLEKT" group join circle zelda >/dev/null
"$REFLEKT" prompts add --leader zelda "Zebra-own: what did you try?" \
    >/dev/null
"$REFLEKT" review zelda >/dev/null

check "export" sh -c '"$REFLEKT" leader export zelda >export.json'
check "export is one JSON document" \
    [ "$(sqlite3 :memory: "SELECT json_valid(readfile('export.json'))")" = 1 ]
check "export names the leader" grep -q '^  "handle": "zelda",' export.json
check "export has the roles" grep -q '"leader"' export.json
check "export has the identity" grep -q '"platform": "console"' export.json
check "export has the engagement" grep -q '"working_hours": "08:00-17:00"' \
    export.json
check "export has the answer" \
    grep -q '"text": "Zebra-secret answer, edited"' export.json
check "export has the edit history" \
    grep -q '"old_text": "Zebra-secret answer"' export.json
check "export has the consultant's note" \
    grep -q '"text": "Zebra-note: private to the consultant"' export.json
check "export has the group" grep -q '"circle"' export.json
check "export has the own question" \
    grep -q '"text": "Zebra-own: what did you try?"' export.json
check "export has the audit rows" grep -q '"action": "review"' export.json
check "export times are RFC 3339 UTC" \
    grep -q '"updated_at": "2027-01-15T08:00:00Z"' export.json
check "export shows no other leader" sh -c '! grep -q -i lars export.json'
"$REFLEKT" audit >audit.out
check "the export is audited" grep -q "leader-export .*zelda" audit.out
check "export of nobody" fails 1 'no leader "nobody"' \
    "$REFLEKT" leader export nobody

# ---- erase ---------------------------------------------------------------
db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
check "the file holds the handle before" present "$REFLEKT_DB" zelda
check "and the answer" present "$REFLEKT_DB" Zebra-secret
db .dump >before.sql
check "erase without --yes asks for it" fails 2 \
    "add --yes to erase zelda for good" "$REFLEKT" leader erase zelda
check "and says what would go" grep -q "1 answer (1 edit), 1 question" cmd.out
db .dump >after.sql
check "erase without --yes changes nothing" cmp -s before.sql after.sql
check "erase of nobody" fails 1 'no leader "nobody"' \
    "$REFLEKT" leader erase nobody --yes
check "erase" sh -c '"$REFLEKT" leader erase zelda --yes >erase.out'
check "erase says what went" \
    grep -q "^erased zelda: 1 answer, 1 question, 1 session$" erase.out
db .dump >dump.sql
check "no trace of the handle in the database" \
    sh -c '! grep -q -i zelda dump.sql'
check "no trace of the answer, note or question" \
    sh -c '! grep -q -i zebra dump.sql'
check "the other leader's answer stays" grep -q "Lars keeps this answer" dump.sql
db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
check "no trace of the handle in the file" absent "$REFLEKT_DB" zelda
check "no trace of the answer in the file" absent "$REFLEKT_DB" Zebra
check "no trace in the write-ahead log" absent "$REFLEKT_DB-wal" zelda
"$REFLEKT" audit >audit.out
check "the erasure is audited" grep -q "leader-erase" audit.out
check "the audit log keeps who read" grep -q "review" audit.out
check "the audit log names no one erased" sh -c '! grep -q zelda audit.out'
"$REFLEKT" leader list >list.out
check "the leader is gone" sh -c '! grep -q zelda list.out'

# A leader who is also another leader's consultant stays a person.
add kari
add mira kari
check "erase a consultant's leader role" \
    sh -c '"$REFLEKT" leader erase kari --yes >erase.out'
check "and say the person stays" grep -q "kari is also consultant" erase.out
check "kari stays mira's consultant" \
    [ "$(db "SELECT c.name FROM engagement e JOIN person l ON l.id = e.leader_id
             JOIN person c ON c.id = e.consultant_id WHERE l.name = 'mira'")" = kari ]
check "kari is no longer a leader" \
    [ "$(db "SELECT group_concat(role) FROM role r JOIN person p
             ON p.id = r.person_id WHERE p.name = 'kari'")" = consultant ]

# ---- retention -----------------------------------------------------------
add olga anna kommune
add per anna firma
"$REFLEKT" nudge olga >/dev/null
"$REFLEKT" nudge per >/dev/null
answer "olga: Old-reflection" "olga: New-reflection" "per: Firma-reflection"
db "UPDATE response SET received_at = received_at - 90 * 86400
      WHERE body IN ('Old-reflection', 'Firma-reflection')"
check "retention of nowhere" fails 1 \
    'no organisation "nowhere"; organisations: default firma kommune' \
    "$REFLEKT" org retention nowhere 3
check "retention of 0 months" fails 2 "from 1 to 120, or none" \
    "$REFLEKT" org retention kommune 0
check "retention of 121 months" fails 2 "from 1 to 120" \
    "$REFLEKT" org retention kommune 121
check "retention of one month" \
    sh -c '"$REFLEKT" org retention kommune 1 >retention.out'
check "applied at once" grep -q "1 older answer deleted" retention.out
check "the old answer is gone" \
    [ "$(db "SELECT count(*) FROM response WHERE body = 'Old-reflection'")" -eq 0 ]
check "the new answer stays" \
    [ "$(db "SELECT count(*) FROM response WHERE body = 'New-reflection'")" -eq 1 ]
check "another organisation keeps its answers" \
    [ "$(db "SELECT count(*) FROM response WHERE body = 'Firma-reflection'")" -eq 1 ]
check "the question stays, answered" \
    [ "$(db "SELECT d.state FROM delivery d JOIN engagement e
             ON e.id = d.engagement_id JOIN person p ON p.id = e.leader_id
             WHERE p.name = 'olga'")" = answered ]
"$REFLEKT" audit >audit.out
check "the sweep is audited" \
    grep -q "reflekt .*retention .*1 answer older than 1 month" audit.out
# The daemon sweeps when it starts.
db "UPDATE response SET received_at = received_at - 90 * 86400
      WHERE body = 'New-reflection'"
printf '[reflekt]\nlog_level = info\n' >info.conf
REFLEKT_CONFIG=$work/info.conf timeout "$((3 * scale))" "$REFLEKT" run \
    </dev/null >run.out 2>run.err
check "the daemon sweeps at start" \
    [ "$(db "SELECT count(*) FROM response WHERE body = 'New-reflection'")" -eq 0 ]
check "and logs the count" grep -q 'retention limit deleted" answers=1' run.err
check "never the text" sh -c '! grep -q "New-reflection" run.err'
check "retention none" sh -c '"$REFLEKT" org retention kommune none >retention.out'
check "keeps answers" grep -q "none; answers are kept" retention.out

# ---- passwords -----------------------------------------------------------
pw() {
    "$REFLEKT" person password "$@" <pw.txt >pw.out
}
echo "correct horse battery staple" >pw.txt
check "set a consultant's password" pw anna
check "stored as Argon2id" \
    [ "$(db "SELECT substr(password, 1, 10) FROM person WHERE name = 'anna'")" = '$argon2id$' ]
db .dump >dump.sql
check "never the password itself" sh -c '! grep -q "horse battery" dump.sql'
check "a leader has none" fails 1 "olga is a leader" pw olga
check "nor does nobody" fails 1 'no person "nobody"' pw nobody
echo "too short" >pw.txt
check "a short password is refused" fails 2 "at least 12 characters" pw anna
awk 'BEGIN { while (n++ < 300) printf "x"; print "" }' >pw.txt
check "a long password is refused" fails 2 "longer than 256 bytes" pw anna
: >pw.txt
check "no password at all is refused" fails 2 "no password on standard input" \
    pw anna
check "the stored one is unchanged" \
    [ "$(db "SELECT password LIKE '\$argon2id\$%' FROM person WHERE name = 'anna'")" -eq 1 ]
check "clear it" pw anna --clear
check "cleared" \
    [ "$(db "SELECT password IS NULL FROM person WHERE name = 'anna'")" -eq 1 ]
"$REFLEKT" audit >audit.out
check "setting is audited" grep -q "password-set .*anna" audit.out
check "clearing is audited" grep -q "password-clear .*anna" audit.out
finish
