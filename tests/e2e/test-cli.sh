# The command line: every error names what was wrong and exits non-zero,
# a failed command leaves the database as it was, and the review, export
# and audit commands show what they should.
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

add() {
    "$REFLEKT" leader add "$@"
}

check "unknown command" fails 2 'unknown command "frobnicate"' \
    "$REFLEKT" frobnicate
check "unknown option" fails 2 'unknown option "--colour"' \
    "$REFLEKT" --colour run
check "missing option" fails 2 "\-\-tz is required" add lena --platform \
    console --user lena --consultant anna --manager bob --lang nb
check "bad time zone" fails 2 'unknown time zone "Europe/Olso"' add lena \
    --platform console --user lena --consultant anna --manager bob \
    --tz Europe/Olso --lang nb
check "bad language" fails 2 '\-\-lang must be nb, sv or en, not "de"' add \
    lena --platform console --user lena --consultant anna --manager bob \
    --tz Europe/Oslo --lang de
check "bad cadence" fails 2 'is not an iCalendar RRULE' add lena \
    --platform console --user lena --consultant anna --manager bob \
    --tz Europe/Oslo --lang nb --cadence "every tuesday"
check "unknown platform" fails 2 'unknown platform "irc"' add lena \
    --platform irc --user lena --consultant anna --manager bob \
    --tz Europe/Oslo --lang nb
check "bad handle" fails 2 'handle "le na"' add "le na" --platform console \
    --user lena --consultant anna --manager bob --tz Europe/Oslo --lang nb
check "bad working hours" fails 2 'end before they start' add lena \
    --platform console --user lena --consultant anna --manager bob \
    --tz Europe/Oslo --lang nb --hours 17:00-08:00
"$REFLEKT" leader list >list.out
check "nothing stored by the failed commands" [ "$(wc -l <list.out)" -eq 1 ]

check "enrol" add lena --platform console --user lena --consultant anna \
    --manager bob --tz Europe/Oslo --lang nb \
    --cadence "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;BYHOUR=10"
check "enrol a Swede" add lars --platform console --user lars \
    --consultant anna --manager bob --tz Europe/Stockholm --lang sv --org kommun
check "same handle twice" fails 1 'a person named "lena" already exists' \
    add lena --platform console --user other --consultant anna \
    --manager bob --tz Europe/Oslo --lang nb
check "same platform user twice" fails 1 'console user "lena" is already' \
    add lena2 --platform console --user lena --consultant anna \
    --manager bob --tz Europe/Oslo --lang nb
"$REFLEKT" leader list >list.out
check "list shows both" [ "$(wc -l <list.out)" -eq 3 ]
check "the database is readable by its owner only" \
    [ "$(stat -c %a "$REFLEKT_DB")" = 600 ]
check "list shows the next question at 10:00" grep -q "lena .* 10:00" list.out

# Far enough ahead that no pre-session question falls due during the test.
session_day=$(date -d '+40 days' +%Y-%m-%d)
check "session" "$REFLEKT" session add lena --at "$session_day 13:00" \
    --theme small-steps
check "session with a bad date" fails 2 '\-\-at must be "YYYY-MM-DD HH:MM"' \
    "$REFLEKT" session add lena --at "8.12.2026"
check "session with an unknown theme" fails 2 'unknown theme "cooking"' \
    "$REFLEKT" session add lena --at "$session_day 14:00" --theme cooking
check "session for nobody" fails 1 'no leader "nobody"' \
    "$REFLEKT" session add nobody --at "$session_day 14:00"

check "pause" "$REFLEKT" leader pause lars --until 2099-01-01
"$REFLEKT" leader list >list.out
check "paused shown" grep -q "lars .*2099-01-01" list.out
check "pause in the past refused" fails 1 "has already passed" \
    "$REFLEKT" leader pause lars --until 2001-01-01
check "resume" "$REFLEKT" leader resume lars
check "summer pause per organisation" "$REFLEKT" org summer kommun \
    06-20..08-10
check "bad summer pause" fails 2 "is not MM-DD..MM-DD" \
    "$REFLEKT" org summer kommun July

check "nudge" "$REFLEKT" nudge lena
printf 'lena: Jeg prøvde å delegere mer.\nlena: Det gikk bedre enn jeg trodde.\n' >input
timeout "$((3 * scale))" "$REFLEKT" run <input >run.out 2>run.err
"$REFLEKT" review lena >review.md
check "review heading" grep -q "^# Reflections: lena" review.md
check "review quotes the answer" grep -q "^> Jeg prøvde å delegere mer." \
    review.md
check "review keeps every message" grep -q "^> Det gikk bedre" review.md
check "review names the next session" grep -q "Next session: $session_day 13:00" \
    review.md
check "review counts" grep -q "1 question: 1 answered" review.md
check "review of nobody" fails 1 'no leader "nobody"' "$REFLEKT" review nobody

"$REFLEKT" export --format csv >export.csv
check "csv header" grep -q "^handle,prompt,question,due_at,sent_at,status,answer,shared" export.csv
check "csv row" grep -q '^"lena",.*,answered,"Jeg prøvde' export.csv
"$REFLEKT" export --format md --leader lars >export.md
check "md export of one leader" grep -q "^# Reflections: lars" export.md
check "md export shows no other leader" sh -c '! grep -q lena export.md'
check "export needs a format" fails 2 "usage: reflekt export" \
    "$REFLEKT" export
check "export of nobody" fails 1 'no leader "nobody"' \
    "$REFLEKT" export --leader nobody --format json

"$REFLEKT" audit >audit.out
check "audit: review logged" grep -q "review .*lena" audit.out
check "audit: export logged" grep -q "export .*lars" audit.out

printf '[schedule]\n# a comment\n\ncadance = weekly\n' >bad.conf
check "config error names file and line" fails 1 \
    'bad.conf:4: unknown key "cadance" in \[schedule\]' \
    "$REFLEKT" --config bad.conf leader list
check "missing config file" fails 1 'nope.conf: cannot open' \
    "$REFLEKT" --config nope.conf leader list
check "bad environment value" fails 1 'REFLEKT_SCHEDULE_WEEKLY_CAP' \
    env REFLEKT_SCHEDULE_WEEKLY_CAP=many "$REFLEKT" leader list
check "a Matrix leader needs a Matrix user id" fails 2 \
    'must be a Matrix user id such as @lena:example.org' add mia \
    --platform matrix --user mia --consultant anna --manager bob \
    --tz Europe/Oslo --lang nb
printf '[matrix]\nhomeserver = https://matrix.example.org\naccess_token = syt_secret\n' >secret.conf
chmod 644 secret.conf
"$REFLEKT" --config secret.conf leader list >/dev/null 2>secret.err
check "a secret in a file others can read draws a warning" \
    grep -q "holds secrets but others may read it" secret.err
check "the secret itself is never printed" sh -c '! grep -q syt_secret secret.err'
chmod 600 secret.conf
"$REFLEKT" --config secret.conf leader list >/dev/null 2>secret.err
check "no warning once only the owner can read it" \
    sh -c '! grep -q "holds secrets" secret.err'
check "a homeserver must be a URL" fails 1 \
    'homeserver must be an http:// or https:// URL' \
    env REFLEKT_MATRIX_HOMESERVER=matrix.example.org "$REFLEKT" leader list
echo "not a database" >junk.db
check "not a database" fails 1 'junk.db: ' "$REFLEKT" --db junk.db leader list
check "the junk file is left alone" grep -q "not a database" junk.db
finish
