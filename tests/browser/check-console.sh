#!/bin/sh
# check-console.sh REFLEKT - the web console in a real browser: Debian's
# Chromium, headless, driven by Playwright (npm playwright-core, installed
# once into REFLEKT_PEERS, default /var/cache/reflekt-peers or, where that
# cannot be written, ~/.cache/reflekt-peers, and kept between runs; it
# never downloads a browser of its own).
#
# Three leaders are enrolled with the CLI and answer their questions
# through the console adapter, as in chat: an answer, a commitment and its
# follow-up, a skipped question and a score.  The answers are then moved
# back into the past weeks, so the pages show a few weeks of work, and
# reflekt runs with its inbound endpoint on a free loopback port while
# tests/browser/console.mjs signs in by link as the consultant and the
# manager and goes through the pages (see there for what is checked).
#
# REFLEKT_SCREENSHOTS=DIR also saves PNGs of the main pages into DIR.
# Where Chromium, node, npm, sqlite3 or playwright-core cannot be had it
# prints "SKIP: <reason>" and exits 0.  The last line is
# "browser: N passed, M failed".
set -u
reflekt=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
chromium=${REFLEKT_CHROMIUM:-/usr/bin/chromium}
peers=${REFLEKT_PEERS:-/var/cache/reflekt-peers}
shots=${REFLEKT_SCREENSHOTS:-}
passed=0
failed=0
daemon_pid=""
work=$(mktemp -d "${TMPDIR:-/tmp}/reflekt-browser.XXXXXX")
# Tests talk to reflekt on 127.0.0.1: never through a proxy.
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

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

cleanup() {
    exec 3>&-
    [ -n "$daemon_pid" ] && stop_pid "$daemon_pid"
    daemon_pid=""
    if [ "$failed" -eq 0 ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

skip() {
    echo "SKIP: $*"
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
    echo "browser: $passed passed, $failed failed"
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

if [ -n "$shots" ]; then
    if ! mkdir -p "$shots"; then
        echo "cannot make $shots for the screenshots"
        exit 1
    fi
    shots=$(cd "$shots" && pwd)
fi
[ -x "$chromium" ] || skip "no Chromium at $chromium (make deps installs" \
    "Debian's chromium)"
command -v node >/dev/null || skip "node is not installed"
command -v npm >/dev/null || skip "npm is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"

# ---- Playwright, installed once and cached ----------------------------------
# playwright-core only: it drives the Chromium above and has no browser
# download of its own.
if ! mkdir -p "$peers" 2>/dev/null || [ ! -w "$peers" ]; then
    peers=$HOME/.cache/reflekt-peers
fi
pwdir=$peers/playwright
if [ ! -f "$pwdir/node_modules/playwright-core/package.json" ]; then
    echo "# installing playwright-core into $pwdir"
    mkdir -p "$pwdir" 2>/dev/null || skip "cannot create $pwdir"
    (
        cd "$pwdir" &&
            { [ -f package.json ] || npm init -y; } &&
            PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 timeout 600 \
                npm install --no-audit --no-fund playwright-core
    ) >"$peers/playwright-install.log" 2>&1 ||
        skip "npm cannot install playwright-core" \
            "(see $peers/playwright-install.log)"
    [ -f "$pwdir/node_modules/playwright-core/package.json" ] ||
        skip "playwright-core is not in $pwdir"
fi

cd "$work" || exit 1
db=$work/console.db
export REFLEKT_DB="$db"
unset REFLEKT_CONFIG REFLEKT_FAULT REFLEKT_CONSOLE_INPUT \
    REFLEKT_CONSOLE_ENABLED REFLEKT_WEB_PUBLIC_URL REFLEKT_HTTP_LISTEN

sql() {
    sqlite3 -cmd ".timeout 5000" "$db" "$1"
}
# cli ARGS...: reflekt's CLI, what it says kept in cli.out.
cli() {
    "$reflekt" "$@" >>cli.out 2>&1
}

# ---- the leaders, their sessions and their questions ------------------------
# lena has no public holidays, so that a preview of Thursdays shows only
# Thursdays in any season (Ascension Day is always one).
check "lena is enrolled, with kari as consultant and per as manager" \
    cli leader add lena --platform console --user lena \
    --consultant kari --manager per --tz Europe/Oslo --lang nb \
    --holidays none
check "ola is enrolled, with siv as consultant and per as manager" \
    cli leader add ola --platform console --user ola \
    --consultant siv --manager per --tz Europe/Oslo --lang nb
check "jonas is enrolled, with kari as consultant and tone as manager" \
    cli leader add jonas --platform console --user jonas \
    --consultant kari --manager tone --tz Europe/Oslo --lang en
need
next=$(date -d "+16 days" +%Y-%m-%d)
check "lena's next session is planned" \
    cli session add lena --at "$next 09:00" --theme small-steps
jnext=$(date -d "+23 days" +%Y-%m-%d)
check "and jonas's" \
    cli session add jonas --at "$jnext 13:00"

# The consultant's own questions come before the library's, oldest first,
# so the leaders are asked these, in this order; a commitment's follow-up
# comes right after it.
own() {
    cli prompts add "$@"
}
check "kari's own questions for lena are added" own --leader lena \
    "Tenk tilbake på uka som har gått. Hvilket øyeblikk som leder er du mest fornøyd med?"
own --leader lena --kind commitment \
    "Hva vil du gjøre annerledes i neste avdelingsmøte? Velg én konkret ting."
own --leader lena \
    "Hvem i gruppa di har du gitt minst oppmerksomhet den siste tiden – og hvorfor?"
own --leader lena --kind scale \
    "På en skala fra 1 til 5: hvor godt klarte du å beskytte tiden til det viktigste denne uka?"
own --leader lena \
    "Hva har du lært om deg selv som leder siden forrige samling?"
own --leader jonas \
    "What did you say no to this week, and what did that make room for?"
own --leader jonas --kind commitment \
    "Which one conversation will you have before we meet next?"
own --leader ola \
    "Hva fikk teamet ditt til denne uka som du vil at flere skal vite om?"

# ---- the leaders answer, as in chat -----------------------------------------
mkfifo chat
"$reflekt" -v run <chat >chat.out 2>answers.log &
daemon_pid=$!
exec 3>chat
check "reflekt runs with the console adapter" \
    wait_for answers.log 'msg="reflekt running"' 10
need

# ask HANDLE: a question due now, sent; its delivery id in $delivery.
ask() {
    delivery=$("$reflekt" nudge "$1" | sed -n 's/^question \([0-9]*\) .*/\1/p')
    [ -n "$delivery" ] &&
        wait_for answers.log "msg=\"question sent\" leader=$1 delivery=$delivery " 20
}
# says HANDLE TEXT: the leader answers (one message).
says() {
    echo "$1: $2" >&3
    wait_for answers.log "msg=\"answer stored\" leader=$1 delivery=$delivery " 10
}
# skips HANDLE: the leader presses Skip.
skipped() {
    [ "$(sql "SELECT state FROM delivery WHERE id = $delivery")" = skipped ]
}
skips() {
    echo "$1: [skip]" >&3
    within 10 skipped
}
lena_ids=""
lena() { # lena ANSWER|--skip: asked, and answered or skipped
    ask lena || return 1
    lena_ids="$lena_ids $delivery"
    if [ "$1" = --skip ]; then skips lena; else says lena "$1"; fi
}
answer1="Budsjettmøtet på torsdag. Jeg lot Mari legge fram tallene selv i stedet for å gjøre det for henne, og hun svarte på spørsmålene bedre enn jeg ville gjort. Det var vanskelig å sitte stille, men det var riktig."
check "lena answers her first question" lena "$answer1"
check "she commits to one thing" lena "Jeg skal åpne møtet med å spørre hva folk trenger fra meg denne uka, før vi går gjennom statuslista."
check "and says how it went when she is asked" lena "Bedre enn jeg trodde. Det ble stille i starten, men så sa Jonas at han trenger færre avbrytelser i fokustiden. Vi har lagt inn to møtefrie formiddager i uka."
check "she skips a question" lena --skip
check "she gives a score" lena "3 – to av fem dager gikk til brannslukking, men fredagen holdt jeg fri."
check "and answers the latest" lena "At jeg ofte svarer før jeg har hørt ferdig. Når jeg venter litt lenger, kommer det bedre forslag fra gruppa enn fra meg."
need
check "the follow-up quotes her commitment" [ "$(sql "SELECT count(*)
    FROM delivery WHERE kind = 'recall' AND question LIKE '%hva folk trenger%'")" = 1 ]
check "the score is stored" \
    [ "$(sql "SELECT count(*) FROM delivery WHERE score = 3")" = 1 ]
jonas_ids=""
jonas() { # jonas ANSWER: asked, and answered
    ask jonas && jonas_ids="$jonas_ids $delivery" && says jonas "$1"
}
check "jonas answers in English" jonas "A third status meeting. It gave me Wednesday afternoon back, and I finally sat down with the two new hires for an hour each."
check "and commits to a conversation" jonas "The one with Priya about the release schedule that I have been putting off since August."
check "ola is asked" ask ola
ola_ids=$delivery
check "and answers" says ola "Vi leverte integrasjonen en uke før fristen, og det var Sara og Ahmed som fant den siste feilen i testingen."
exec 3>&-
stop_pid "$daemon_pid"
daemon_pid=""
need

# ---- a few weeks of it ------------------------------------------------------
# Each leader's questions move back to their Tuesdays at 09:00, one a week,
# oldest first, answered a few hours later; lena's last session is on the
# Thursday before her first question.
tuesday() { # tuesday N: the Nth Tuesday before today, 09:00 Oslo time
    day=$(TZ=Europe/Oslo date -d yesterday +%Y-%m-%d)
    while [ "$(date -d "$day" +%u)" != 2 ]; do
        day=$(date -d "$day -1 day" +%Y-%m-%d)
    done
    day=$(date -d "$day -$((($1 - 1) * 7)) days" +%Y-%m-%d)
    TZ=Europe/Oslo date -d "$day 09:00" +%s
}
# move WEEKS DELIVERY...: the deliveries back to their Tuesdays.
move() {
    weeks=$1
    shift
    for d in "$@"; do
        t=$(tuesday "$weeks")
        later=$((t + 3600 * (weeks % 5 + 1) + 60 * (weeks * 7 % 50)))
        echo "UPDATE delivery SET due_at = $t, sent_at = $t,
            action_at = CASE WHEN action_at IS NULL THEN NULL ELSE $later END,
            answered_at = CASE WHEN answered_at IS NULL THEN NULL
                ELSE $later END WHERE id = $d;
            UPDATE response SET received_at = $later WHERE delivery_id = $d;"
        weeks=$((weeks - 1))
    done
}
first=$(tuesday 6)
# shellcheck disable=SC2086 # the lists of ids are split on purpose
{
    echo "BEGIN;"
    move 6 $lena_ids
    move 3 $jonas_ids
    move 1 $ola_ids
    echo "INSERT INTO session (engagement_id, at, theme, digest_state)
        SELECT e.id, $((first - 5 * 86400 + 4 * 3600)), 'small-steps', 'none'
        FROM engagement e JOIN person p ON p.id = e.leader_id
        WHERE p.name = 'lena';
    INSERT INTO session_note (session_id, body, updated_at)
        SELECT max(id), 'Lena vil delegere mer og snakke mindre i møtene. Avtalt: Mari tar budsjettet. Følg opp møtekulturen.', $((first - 5 * 86400 + 6 * 3600))
        FROM session;
    COMMIT;"
} >backdate.sql
check "the answers are moved into the past weeks" sqlite3 "$db" ".read backdate.sql"
need

# ---- reflekt with its console -----------------------------------------------
free_port() {
    node -e 'const s = require("net").createServer();
        s.listen(0, "127.0.0.1", () => {
            console.log(s.address().port); s.close(); });'
}
port=$(free_port)
export REFLEKT_HTTP_LISTEN="127.0.0.1:$port" REFLEKT_WEB_ALLOW_LOOPBACK=true
"$reflekt" -v run </dev/null >console.out 2>console.log &
daemon_pid=$!
check "reflekt listens on 127.0.0.1:$port" \
    wait_for console.log "msg=\"listening\".* port=$port" 10
need

set -- "$here/console.mjs"
[ -n "$shots" ] && set -- "$@" --screenshots "$shots"
REFLEKT="$reflekt" REFLEKT_PLAYWRIGHT="$pwdir" REFLEKT_CHROMIUM="$chromium" \
    REFLEKT_WORK="$work" REFLEKT_BASE="http://127.0.0.1:$port" \
    REFLEKT_ANSWER="$answer1" \
    timeout $((300 * ${REFLEKT_TIME_SCALE:-1})) node "$@" >browser.out 2>&1
rc=$?
cat browser.out
p=$(grep -c '^ok - ' browser.out)
f=$(grep -c '^not ok - ' browser.out)
passed=$((passed + p))
failed=$((failed + f))
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    failed=$((failed + 1))
    echo "not ok - console.mjs ran to its end (exit status $rc)"
fi

no_answers() {
    ! grep -q "Mari legge fram\|third status meeting" console.log answers.log
}
check "no answer text in reflekt's logs" no_answers
kill -TERM "$daemon_pid"
gone() {
    ! kill -0 "$daemon_pid" 2>/dev/null
}
if within 10 gone; then
    wait "$daemon_pid"
    rc=$?
    daemon_pid=""
else
    rc=timeout
fi
check "reflekt stops cleanly on SIGTERM" [ "$rc" = 0 ]
echo "browser: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
