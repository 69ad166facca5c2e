#!/bin/sh
# scale.sh REFLEKT [LEADERS] [DUE] - reflekt with many enrolled leaders, on
# the console adapter (in-process: what is measured is the engine and
# storage, not a network platform).
#   1. start-up: from exec to "reflekt running", and to the adapters up;
#   2. memory after start (smaps_rollup: private dirty, anonymous);
#   3. idle wake-ups: context switches over 30 s with nothing due;
#   4. DUE questions falling due at once (a command-line change the daemon
#      notices): time until the last one is handed to the adapter;
#   5. DUE answer lines written to the adapter at once: time until the last
#      is committed (counted in SQLite).
# Leaders are cloned in SQL from one enrolled by the command line, with
# their first questions spread over the next 24 hours.
set -u
reflekt=$1
leaders=${2:-100000}
due=${3:-10000}
work=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    exec 3>&- 2>/dev/null
    [ -n "${SCALE_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
export REFLEKT_DB="$work/scale.db"
unset REFLEKT_CONFIG REFLEKT_FAULT

now_ms() {
    date +%s%3N
}

# until_ms CMD...: wait (up to 120 s) until CMD succeeds; prints the time.
until_ms() {
    i=0
    while ! "$@" 2>/dev/null && [ $i -lt 12000 ]; do
        sleep 0.01
        i=$((i + 1))
    done
    now_ms
}

"$reflekt" leader add l0 --platform console --user l0 --consultant c0 \
    --manager m0 --tz Europe/Oslo --lang nb >/dev/null || exit 1
t0=$(now_ms)
sqlite3 "$REFLEKT_DB" <<SQL || exit 1
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
                        WHERE i < $leaders - 1)
INSERT INTO person (name, created_at)
  SELECT 'l' || i, strftime('%s', 'now') FROM n;
-- One consultant and one manager per ten leaders.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
                        WHERE i < $leaders / 10 - 1)
INSERT INTO person (name, created_at)
  SELECT 'c' || i, 0 FROM n UNION ALL SELECT 'm' || i, 0 FROM n;
INSERT INTO role (person_id, role)
  SELECT id, 'leader' FROM person WHERE name GLOB 'l[0-9]*' AND name != 'l0';
INSERT INTO role (person_id, role)
  SELECT id, 'consultant' FROM person WHERE name GLOB 'c[0-9]*'
  AND name != 'c0';
INSERT INTO role (person_id, role)
  SELECT id, 'manager' FROM person WHERE name GLOB 'm[0-9]*' AND name != 'm0';
INSERT INTO identity (person_id, platform, user_id)
  SELECT id, 'console', name FROM person
  WHERE name GLOB 'l[0-9]*' AND name != 'l0';
INSERT INTO engagement (leader_id, identity_id, consultant_id, manager_id,
    org_id, lang, tz, country, cadence, dtstart, work_from, work_to,
    work_days, weekly_cap, paused, paused_until, next_due_at, created_at)
  SELECT p.id, i.id,
    (SELECT id FROM person WHERE name = 'c' || (CAST(substr(p.name, 2) AS
      INTEGER) / 10)),
    (SELECT id FROM person WHERE name = 'm' || (CAST(substr(p.name, 2) AS
      INTEGER) / 10)),
    e.org_id, e.lang, e.tz, 'none', e.cadence, e.dtstart, 0, 1439, 254,
    e.weekly_cap, 0, 0,
    strftime('%s', 'now') + 3600 + (p.id * 7919) % 86400, e.created_at
  FROM person p JOIN identity i ON i.person_id = p.id, engagement e
  WHERE e.id = 1 AND p.name != 'l0';
-- Any hour and any day, so that questions due now go now.
UPDATE engagement SET next_due_at = strftime('%s', 'now') + 7200,
    country = 'none', work_from = 0, work_to = 1439, work_days = 254
  WHERE id = 1;
COMMIT;
SQL
echo "seeded $leaders leaders in $(( $(now_ms) - t0 )) ms; database $(du -m "$REFLEKT_DB" | cut -f1) MB"

mkfifo "$work/in"
t0=$(now_ms)
"$reflekt" run <"$work/in" >"$work/out" 2>"$work/err" &
pid=$!
exec 3>"$work/in"
t1=$(until_ms grep -q "reflekt running" "$work/err")
echo "start-up: $((t1 - t0)) ms to \"reflekt running\" ($leaders leaders)"
sleep 1
awk '/^Rss|^Private_Dirty|^Anonymous/ {printf "memory after start: %s %.1f MB\n", $1, $2 / 1024}' \
    "/proc/$pid/smaps_rollup"

sw() {
    awk '/ctxt_switches/ {s += $2} END {print s}' "/proc/$pid/status"
}
a=$(sw)
sleep "${SCALE_IDLE_S:-30}"
b=$(sw)
echo "idle: $((b - a)) wake-ups in ${SCALE_IDLE_S:-30} s (context switches; nothing due for an hour)"

# cpu_ms: the daemon's CPU time so far (user + system), in ms.
cpu_ms() {
    awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' \
        "/proc/$pid/stat"
}

# DUE questions due now, as a command-line change would make them.
c0=$(cpu_ms)
t0=$(now_ms)
sqlite3 "$REFLEKT_DB" "UPDATE engagement SET next_due_at = strftime('%s', 'now')
    WHERE id <= $due" || exit 1
sent() {
    [ "$(grep -c '^to l' "$work/out")" -ge "$due" ]
}
t1=$(until_ms sent)
echo "questions: $due due at once, all handed to the adapter after $((t1 - t0)) ms ($(grep -c '^to l' "$work/out") lines; $(( $(cpu_ms) - c0 )) ms CPU)"
awk '/^Rss|^Private_Dirty|^Anonymous/ {printf "memory after the questions: %s %.1f MB\n", $1, $2 / 1024}' \
    "/proc/$pid/smaps_rollup"

# DUE answers at once: one line from each leader asked.
sed -n 's/^to \(l[0-9]*\):.*/\1: Jeg prøvde å lytte mer enn jeg snakket i dag./p' \
    "$work/out" >"$work/answers"
stored() {
    [ "$(sqlite3 "$REFLEKT_DB" 'SELECT count(*) FROM response')" -ge "$due" ]
}
c0=$(cpu_ms)
t0=$(now_ms)
cat "$work/answers" >&3
t1=$(until_ms stored)
n=$(sqlite3 "$REFLEKT_DB" 'SELECT count(*) FROM response')
echo "answers: $due written at once, $n committed after $((t1 - t0)) ms ($(( $(cpu_ms) - c0 )) ms CPU)"
kill -TERM "$pid"
wait "$pid"
pid=""
grep -q 'msg="stopped"' "$work/err" || { echo "no clean stop"; exit 1; }
