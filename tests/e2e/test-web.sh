# The web console over HTTP: sign-in by link (once, 15 minutes) and by
# password, sessions and CSRF, the role table on every page, the audit
# trail, a cadence with its preview, sessions and notes, an .ics import from
# a file and from an address, the digest in chat, and `console` in chat.
. "$(dirname "$0")/lib.sh"

enrol lena
"$REFLEKT" leader add ola --platform console --user ola --consultant siv \
    --manager bob --tz Europe/Oslo --lang en >/dev/null
"$REFLEKT" person link anna --platform console --user anna >/dev/null
mkfifo in
REFLEKT_WEB_ALLOW_LOOPBACK=true REFLEKT_WEB_DIGEST_BEFORE=1h \
    "$REFLEKT" run --listen 127.0.0.1:0 <in >out 2>err &
daemon_pid=$!
exec 3>in
check "listening" wait_for err 'msg="listening"'
port=$(sed -n 's/.*msg="listening".* port=\([0-9]*\).*/\1/p' err | head -n 1)
base="http://127.0.0.1:$port"
export REFLEKT_HTTP_LISTEN="127.0.0.1:$port"

# code ARGS...: the status; the body goes to ./body, headers to ./head.
code() {
    curl -s -o body -D head -w '%{http_code}' -H 'Accept-Language: en' "$@"
}
link() {
    "$REFLEKT" console-link "$1" | head -n 1
}
token() {
    printf '%s\n' "$1" | sed 's/.*t=//'
}
# sign_in NAME: a cookie jar for NAME in ./NAME.jar.
sign_in() {
    t=$(token "$(link "$1")")
    curl -s -o /dev/null -c "$1.jar" -d "t=$t" "$base/console/login"
}
csrf() {
    curl -s -b "$1.jar" "$base/console/leaders" |
        sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1
}

# An answer to read.
"$REFLEKT" nudge lena >/dev/null
wait_for out "^to lena:" 3
echo "lena: Jeg prøvde å lytte mer enn jeg snakket." >&3
wait_for out "saved" 3
echo "lena: <script>alert(1)</script> & <b>bold</b>" >&3
wait_count err "answer stored" 2 3

# ---- sign-in by link ----
l=$(link anna)
check "console-link prints a full URL" \
    sh -c "printf '%s' '$l' | grep -q '^http://127.0.0.1:$port/console/login?t='"
check "a leader gets no link" sh -c "! '$REFLEKT' console-link lena 2>/dev/null"
check "no one: clear error" sh -c \
    "'$REFLEKT' console-link nobody 2>&1 | grep -q 'no one called'"
check "signed out: sent to sign in" [ "$(code "$base/console/leaders")" = 303 ]
check "opening the link does not spend it" [ "$(code "$l")" = 200 ]
check "the page asks to continue" grep -q 'id="continue"' body
t=$(token "$l")
check "continue signs in" \
    [ "$(code -c anna.jar -d "t=$t" "$base/console/login")" = 303 ]
check "cookie HttpOnly, SameSite=Strict" \
    grep -qi '^Set-Cookie: reflekt=.*HttpOnly; SameSite=Strict' head
check "no Secure flag on plain http" sh -c '! grep -qi "Set-Cookie: reflekt=.*Secure" head'
check "the link again: refused" [ "$(code -d "t=$t" "$base/console/login")" = 403 ]
check "it says why" grep -q "used already or has expired" body
check "a made-up link: refused" \
    [ "$(code -d "t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
        "$base/console/login")" = 403 ]
l2=$(link anna)
sqlite3 "$REFLEKT_DB" "UPDATE web_link SET expires_at = 1 WHERE used_at = 0"
check "an expired link: refused" \
    [ "$(code -d "t=$(token "$l2")" "$base/console/login")" = 403 ]
check "sign-in audited" sh -c "'$REFLEKT' audit | grep -q 'web:anna.*sign-in'"
check "the token never reaches the log" sh -c "! grep -q '$t' err"

# ---- pages and the role table ----
check "my leaders" [ "$(code -b anna.jar "$base/console/leaders")" = 200 ]
check "lists lena" grep -q '/console/leader/lena"' body
check "not ola" sh -c '! grep -q "/console/leader/ola" body'
check "security headers" grep -qi "^Content-Security-Policy: default-src 'none'" head
check "no caching" grep -qi "^Cache-Control: no-store" head
check "timeline" [ "$(code -b anna.jar "$base/console/leader/lena?lang=en")" = 200 ]
check "shows the answer" grep -q "Jeg prøvde å lytte mer" body
check "markup in an answer is shown as text" \
    grep -q "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" body
check "and never as markup" sh -c '! grep -q "<script>alert\|<b>bold" body'
check "timeline audited" sh -c "'$REFLEKT' audit | grep -q 'web:anna.*web-timeline.*lena'"
check "digest" [ "$(code -b anna.jar "$base/console/leader/lena/digest")" = 200 ]
check "digest has the answer" grep -q "Jeg prøvde å lytte mer" body
check "another consultant's leader: 403" \
    [ "$(code -b anna.jar "$base/console/leader/ola")" = 403 ]
check "an unknown leader: the same 403" \
    [ "$(code -b anna.jar "$base/console/leader/nobody")" = 403 ]
check "not found: 404" [ "$(code -b anna.jar "$base/console/nowhere")" = 404 ]
check "stylesheet" [ "$(code "$base/console/style.css")" = 200 ]
check "print styles" grep -q "@media print" body

sign_in bob
check "manager: sent to participation" \
    [ "$(code -b bob.jar "$base/console/leader/lena")" = 303 ]
check "manager: timeline refused" \
    [ "$(code -b bob.jar "$base/console/leader/lena/digest")" = 403 ]
check "participation" \
    [ "$(code -b bob.jar "$base/console/leader/lena/participation")" = 200 ]
check "no answer text for the manager" sh -c '! grep -q "lytte mer" body'
check "consultant: no cadence page" \
    [ "$(code -b anna.jar "$base/console/leader/lena/settings")" = 403 ]

# ---- an administrator ----
check "person admin makes an administrator" sh -c \
    "'$REFLEKT' person admin kari | grep -q '^kari is an administrator'"
check "granting is audited" sh -c "'$REFLEKT' audit | grep -q 'admin-grant.*kari'"
sign_in kari
check "admin: the list" [ "$(code -b kari.jar "$base/console/leaders")" = 200 ]
check "holds every leader" sh -c 'grep -q "<td>lena</td>" body &&
    grep -q "<td>ola</td>" body'
check "with no link into their pages" sh -c '! grep -q "/console/leader/" body'
check "and no answer text" sh -c '! grep -q "lytte mer" body'
check "admin: a timeline refused" \
    [ "$(code -b kari.jar "$base/console/leader/lena")" = 403 ]
check "admin: a digest refused" \
    [ "$(code -b kari.jar "$base/console/leader/lena/digest")" = 403 ]
check "a second grant changes nothing" sh -c "'$REFLEKT' person admin kari >/dev/null"
check "--remove withdraws it" sh -c \
    "'$REFLEKT' person admin kari --remove | grep -q 'no longer'"
check "and signs them out" [ "$(code -b kari.jar "$base/console/leaders")" = 303 ]
check "withdrawing is audited" sh -c "'$REFLEKT' audit | grep -q 'admin-remove.*kari'"
check "withdrawing twice: said plainly" sh -c \
    "! '$REFLEKT' person admin kari --remove 2>adm.err &&
        grep -q 'kari is not an administrator' adm.err"
check "a bad name: said plainly" sh -c \
    "! '$REFLEKT' person admin 'k ari' 2>adm.err && grep -q 'must be 1-63' adm.err"

# ---- CSRF ----
check "a form without its token: 403" \
    [ "$(code -b anna.jar -d "do=add&date=2030-01-10&time=10:00" \
        "$base/console/leader/lena/sessions")" = 403 ]
check "a wrong token: 403" \
    [ "$(code -b anna.jar -d "csrf=x&do=add&date=2030-01-10&time=10:00" \
        "$base/console/leader/lena/sessions")" = 403 ]
check "nothing added" [ "$(sqlite3 "$REFLEKT_DB" 'SELECT count(*) FROM session')" = 0 ]

# ---- sessions, themes, notes ----
ca=$(csrf anna)
check "add a session" [ "$(code -b anna.jar \
    -d "csrf=$ca&do=add&date=2030-01-10&time=10:00&theme:small-steps=1" \
    "$base/console/leader/lena/sessions")" = 303 ]
check "stored with its theme" [ "$(sqlite3 "$REFLEKT_DB" \
    "SELECT theme FROM session")" = small-steps ]
check "a past date: refused" [ "$(code -b anna.jar \
    -d "csrf=$ca&do=add&date=2001-01-10&time=10:00" \
    "$base/console/leader/lena/sessions")" = 400 ]
check "a bad date: refused" [ "$(code -b anna.jar \
    -d "csrf=$ca&do=add&date=soon&time=10:00" \
    "$base/console/leader/lena/sessions")" = 400 ]
sid=$(sqlite3 "$REFLEKT_DB" "SELECT id FROM session")
check "a private note" [ "$(code -b anna.jar \
    -d "csrf=$ca&do=note&session=$sid&note=Ask+about+the+team+meeting" \
    "$base/console/leader/lena/sessions")" = 303 ]
check "note stored" [ "$(sqlite3 "$REFLEKT_DB" "SELECT body FROM session_note")" \
    = "Ask about the team meeting" ]
check "note shown" sh -c "curl -s -b anna.jar '$base/console/leader/lena/sessions' | grep -q 'Ask about the team meeting'"
check "ola's session is not anna's to note" [ "$(code -b anna.jar \
    -d "csrf=$ca&do=note&session=999&note=x" \
    "$base/console/leader/lena/sessions")" = 404 ]
check "own question" [ "$(code -b anna.jar \
    -d "csrf=$ca&do=add&kind=open&text=What+surprised+you+this+week%3F" \
    "$base/console/leader/lena/questions")" = 303 ]
check "own question stored" [ "$(sqlite3 "$REFLEKT_DB" \
    "SELECT text FROM own_prompt")" = "What surprised you this week?" ]

# ---- an .ics file ----
cat >cal.ics <<'ICS'
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//reflekt test//EN
BEGIN:VEVENT
UID:s1@test
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Oslo:20270301T090000
DTEND;TZID=Europe/Oslo:20270301T100000
SUMMARY:Coaching lena
END:VEVENT
BEGIN:VEVENT
UID:s2@test
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Oslo:20270401T090000
SUMMARY:Coaching lena
END:VEVENT
BEGIN:VEVENT
UID:other@test
DTSTAMP:20260101T000000Z
DTSTART:20270402T090000Z
SUMMARY:Dentist
END:VEVENT
END:VCALENDAR
ICS
check "import a file" [ "$(code -b anna.jar -F "csrf=$ca" -F do=import \
    -F "ics=@cal.ics;type=text/calendar" -F match=lena \
    "$base/console/leader/lena/sessions")" = 303 ]
check "two sessions from the calendar" [ "$(sqlite3 "$REFLEKT_DB" \
    "SELECT count(*) FROM session WHERE uid IS NOT NULL")" = 2 ]
check "at the local hour" [ "$(sqlite3 "$REFLEKT_DB" \
    "SELECT at FROM session WHERE uid = 's1@test'")" = 1803888000 ]
sed 's/20270401T090000/20270402T100000/' cal.ics >moved.ics
check "import again: moved" [ "$(code -b anna.jar -F "csrf=$ca" -F do=import \
    -F "ics=@moved.ics" -F match=lena "$base/console/leader/lena/sessions")" = 303 ]
check "moved, not doubled" [ "$(sqlite3 "$REFLEKT_DB" \
    "SELECT count(*) FROM session WHERE uid IS NOT NULL")" = 2 ]
printf 'not a calendar\n' >bad.ics
check "not a calendar: 400" [ "$(code -b anna.jar -F "csrf=$ca" -F do=import \
    -F "ics=@bad.ics" "$base/console/leader/lena/sessions")" = 400 ]
check "it says why" grep -q "BEGIN:VCALENDAR" body
check "import audited" sh -c "'$REFLEKT' audit | grep -q 'web-ics-import.*lena.*file: 2 added'"
# From an address: the calendar is served on loopback.
mkdir www && cp cal.ics www/
python3 -m http.server --bind 127.0.0.1 0 --directory www >www.log 2>&1 &
www_pid=$!
wait_for www.log "Serving HTTP" 5
wport=$(sed -n 's/.*port \([0-9]*\).*/\1/p' www.log | head -n 1)
sqlite3 "$REFLEKT_DB" "DELETE FROM session WHERE uid IS NOT NULL"
check "import from an address" [ "$(code -b anna.jar -F "csrf=$ca" -F do=import \
    -F "url=http://127.0.0.1:$wport/cal.ics" -F match=lena \
    "$base/console/leader/lena/sessions")" = 303 ]
check "the address's sessions" [ "$(sqlite3 "$REFLEKT_DB" \
    "SELECT count(*) FROM session WHERE uid IS NOT NULL")" = 2 ]
check "the address is kept" [ "$(sqlite3 "$REFLEKT_DB" \
    "SELECT ics_url FROM engagement WHERE ics_url IS NOT NULL")" = \
    "http://127.0.0.1:$wport/cal.ics" ]
check "a file: address refused" [ "$(code -b anna.jar -F "csrf=$ca" -F do=import \
    -F "url=file:///etc/passwd" "$base/console/leader/lena/sessions")" = 400 ]
kill "$www_pid" 2>/dev/null

# ---- a manager's cadence ----
cb=$(csrf bob)
form="csrf=$cb&every=2&day=3&at=10:00&from=08:00&to=16:00&day:MO=1&day:TU=1&day:WE=1&day:TH=1&day:FR=1&cap=2"
check "preview" [ "$(code -b bob.jar -d "$form&do=preview" \
    "$base/console/leader/lena/settings?lang=en")" = 200 ]
check "five times" [ "$(grep -o '<li>[^<]*</li>' body | grep -c '10:00')" = 5 ]
# Thursdays, but one moved past Christmas to the next working day.
check "Thursdays, holidays kept" \
    [ "$(grep -o '<li>[^<]*</li>' body | grep -c Thursday)" -ge 4 ]
check "preview saves nothing" [ "$(sqlite3 "$REFLEKT_DB" \
    "SELECT cadence FROM engagement e JOIN person p ON p.id = e.leader_id WHERE p.name = 'lena'")" \
    != "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=10;BYMINUTE=0" ]
check "bad hours refused" [ "$(code -b bob.jar \
    -d "csrf=$cb&every=1&day=1&at=09:00&from=17:00&to=08:00&day:MO=1&cap=2&do=save" \
    "$base/console/leader/lena/settings")" = 400 ]
check "save" [ "$(code -b bob.jar -d "$form&do=save" \
    "$base/console/leader/lena/settings")" = 303 ]
check "saved" [ "$(sqlite3 "$REFLEKT_DB" \
    "SELECT cadence || ' ' || work_from || ' ' || work_to FROM engagement e JOIN person p ON p.id = e.leader_id WHERE p.name = 'lena'")" \
    = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=10;BYMINUTE=0 480 960" ]
check "cadence audited" sh -c "'$REFLEKT' audit | grep -q 'web:bob.*web-settings.*lena'"
check "a pause" [ "$(code -b bob.jar -d "$form&paused=on&until=2031-01-01&do=save" \
    "$base/console/leader/lena/settings")" = 303 ]
check "paused" [ "$(sqlite3 "$REFLEKT_DB" \
    "SELECT paused FROM engagement e JOIN person p ON p.id = e.leader_id WHERE p.name = 'lena'")" = 1 ]

# ---- sign out, idle ----
check "sign out" [ "$(code -b bob.jar -c bob.jar -d "csrf=$cb" "$base/console/logout")" = 200 ]
check "signed out" [ "$(code -b bob.jar "$base/console/leaders")" = 303 ]
sqlite3 "$REFLEKT_DB" "UPDATE web_session SET seen_at = seen_at - 3600"
check "idle session ended" [ "$(code -b anna.jar "$base/console/leaders")" = 303 ]
check "told it ended" grep -qi "^Location: /console/login?ended=1" head

# ---- password ----
printf 'a long enough secret\n' | "$REFLEKT" person password anna >/dev/null 2>&1
check "password sign-in" [ "$(code -c pw.jar \
    -d "name=anna&password=a+long+enough+secret" "$base/console/login")" = 303 ]
check "wrong password refused" [ "$(code \
    -d "name=anna&password=wrong+secret+here" "$base/console/login")" = 403 ]
check "the password session works" \
    [ "$(code -b pw.jar "$base/console/leaders")" = 200 ]
# A session ends 12 hours after sign-in, however busy.
sqlite3 "$REFLEKT_DB" "UPDATE web_session SET created_at = created_at - 43260
    WHERE created_at = (SELECT max(created_at) FROM web_session)"
check "a session older than 12 hours ended" \
    [ "$(code -b pw.jar "$base/console/leaders")" = 303 ]
# Five wrong passwords lock the name for a minute, the right one included.
for i in 2 3 4 5; do
    code -d "name=anna&password=wrong+secret+$i" "$base/console/login" \
        >/dev/null
done
check "after five wrong passwords: refused" [ "$(code -c lock.jar \
    -d "name=anna&password=a+long+enough+secret" "$base/console/login")" = 403 ]
check "it says to wait" grep -q "Too many wrong passwords" body
check "and no session" sh -c '! grep -qi "^Set-Cookie: reflekt=" head'
check "a crash writes no core file" \
    grep -q "^Max core file size  *0  *0 " "/proc/$daemon_pid/limits"

# ---- chat: console and the digest ----
# A reload keeps the endpoint reflekt listens on (given by --listen).
kill -HUP "$daemon_pid"
check "configuration reloaded" wait_for err 'msg="configuration reloaded"' 5
echo "anna: console" >&3
check "console in chat gives a link" wait_for out "console/login?t=" 5
echo "anna: status" >&3
check "status in chat" wait_for out "lena" 3
TZ=Europe/Oslo "$REFLEKT" session add lena --at "$(TZ=Europe/Oslo date -d '+40 minutes' '+%Y-%m-%d %H:%M')" >/dev/null
check "digest in chat" wait_for out "lytte mer" 10
check "digest audited" sh -c "'$REFLEKT' audit | grep -q 'anna.*digest-chat.*lena'"

kill -TERM "$daemon_pid"
wait "$daemon_pid"
check "clean stop" [ $? -eq 0 ]
daemon_pid=""
exec 3>&-
check "no answer text in the log" sh -c '! grep -q "lytte mer" err'

# Behind a TLS proxy ([web] public_url https://...) the cookie is Secure.
REFLEKT_WEB_PUBLIC_URL=https://reflekt.example.org \
    "$REFLEKT" run --listen 127.0.0.1:0 </dev/null >out2 2>err2 &
daemon_pid=$!
check "listening again" wait_for err2 'msg="listening"'
port=$(sed -n 's/.*msg="listening".* port=\([0-9]*\).*/\1/p' err2 | head -n 1)
base="http://127.0.0.1:$port"
t=$(token "$(link anna)")
check "signed in behind https" \
    [ "$(code -c tls.jar -d "t=$t" "$base/console/login")" = 303 ]
check "the cookie is Secure" \
    grep -qi '^Set-Cookie: reflekt=.*HttpOnly; SameSite=Strict; Secure' head
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""
finish
