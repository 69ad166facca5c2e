# The question library from the command line (list, show, check, own
# questions) and a network group end to end: three members are asked for
# their challenge before the meeting, two share it, the consultant's digest
# lists all three and the group's channel gets the two as the agenda.
. "$(dirname "$0")/lib.sh"

"$REFLEKT" prompts check >check.out
check "the library checks" grep -q "^12 themes, " check.out
"$REFLEKT" prompts list --format json >list.json
# The JSON read back by SQLite's own JSON functions (sqlite3 is a build
# tool here already): every entry has id, theme, kind and three texts.
shape=$(sqlite3 :memory: "SELECT count(*), sum(json_type(value, '\$.id') =
    'text' AND json_type(value, '\$.theme') = 'text' AND json_type(value,
    '\$.kind') = 'text' AND json_type(value, '\$.text.nb') = 'text' AND
    json_type(value, '\$.text.sv') = 'text' AND json_type(value,
    '\$.text.en') = 'text') FROM json_each(readfile('list.json'))")
echo "# prompts list --format json: $shape (questions, well-formed)"
check "list --format json is the documented shape" sh -c \
    "n=\${1%|*}; [ \"\$n\" -ge 96 ] && [ \"\$1\" = \"\$n|\$n\" ]" sh "$shape"
"$REFLEKT" prompts list --theme small-steps --lang sv >sv.out
check "list in Swedish, one theme" grep -q "^small-steps-01 .*veckan" sv.out
"$REFLEKT" prompts show next-session-07 >show.out
check "show gives all three languages" sh -c \
    'grep -q "^  nb  Nettverksgruppen" show.out &&
     grep -q "^  sv  Nätverksgruppen" show.out &&
     grep -q "^  en  Your network group" show.out'
cat >mine.json <<'JSON'
{"theme": "mine", "questions": [
  {"id": "mine-01", "kind": "open",
   "text": {"nb": "Hva?", "sv": "Vad?", "en": "What?"}},
  {"id": "mine-02", "kind": "commitment",
   "text": {"nb": "Hva?", "sv": "Vad?", "en": "What?"},
   "recall": {"nb": "«{answer}»?", "sv": "”{anwser}”?", "en": "“{answer}”?"}}
]}
JSON
"$REFLEKT" prompts check mine.json >mine.out 2>mine.err
rc=$?
check "a broken file is refused with its line" sh -c \
    '[ "$1" -eq 1 ] && grep -q "mine.json:4: question \"mine-02\": recall.sv must hold {answer}" mine.err' sh "$rc"

# Everyone may be written to at any hour, so the test runs at any hour.
member() {
    "$REFLEKT" leader add "$1" --platform console --user "$1" \
        --consultant anna --manager bob --tz Europe/Oslo --lang nb \
        --hours 00:00-23:59 --days MO,TU,WE,TH,FR,SA,SU --holidays none \
        >/dev/null
}
quiet() {
    "$@" >/dev/null
}
member lena
member mia
member ola
check "own question for a leader" sh -c \
    '"$REFLEKT" prompts add --leader lena --kind scale \
        --followup "Hva skal til for ett steg opp?" \
        "Fra 1 til 5: hvor trygg er du på planen?" | grep -q "^own-1 "'
check "own question for an unknown group refused" sh -c \
    '! "$REFLEKT" prompts add --group nord "Hva?" 2>/dev/null'
check "group added" quiet "$REFLEKT" group add nord --consultant anna \
    --tz Europe/Oslo --lang nb --platform console --channel "#nord"
check "same group twice refused" sh -c \
    '! "$REFLEKT" group add nord --consultant anna --tz Europe/Oslo \
        --lang nb 2>/dev/null'
for m in lena mia ola; do
    check "$m joins" quiet "$REFLEKT" group join nord "$m"
done
"$REFLEKT" prompts own >own.out
check "own questions listed" grep -q "^own-1 .*leader .*lena .*scale" own.out
check "an own question removed" quiet "$REFLEKT" prompts remove own-1
check "a new one never takes a removed one's number" sh -c \
    '"$REFLEKT" prompts add --leader lena "Hva lærte du av Kari?" |
        grep -q "^own-2 "'
check "an empty theme list refused" sh -c \
    '! "$REFLEKT" group meeting nord --at "2030-01-01 10:00" --theme "" \
        2>/dev/null'
check "leave and join again" sh -c \
    '"$REFLEKT" group leave nord ola >/dev/null &&
     "$REFLEKT" group join nord ola >/dev/null'

# The meeting two days from now (to the minute): the challenge is due at
# once.  The agenda goes out a few seconds from now.
now=$(date +%s)
meet=$(( now / 60 * 60 + 2 * 86400 ))
at=$(TZ=Europe/Oslo date -d "@$meet" '+%Y-%m-%d %H:%M')
before=$(( meet - now - 12 * scale ))
cat >reflekt.conf <<CONF
[schedule]
agenda_before = ${before}s
CONF
export REFLEKT_CONFIG="$work/reflekt.conf"
check "meeting added" sh -c \
    "\"$REFLEKT\" group meeting nord --at \"$at\" | grep -q 'for 3 members'"

mkfifo in
"$REFLEKT" run <in >out 2>err &
daemon_pid=$!
exec 3>in
check "daemon running" wait_for err "reflekt running"
check "three members asked for a challenge" wait_count out \
    "^to .*: Nettverksgruppen\|^to .*: Snart er det\|^to .*: Hvis du fikk" 3 5
echo "lena: Vi holder ikke møtetidene." >&3
check "asked whether the group may see it" wait_for out "Skriv \`del\`" 3
echo "lena: del" >&3
echo "mia: Sykefraværet i teamet." >&3
echo "mia: del" >&3
echo "ola: Noe jeg vil holde for meg selv." >&3
check "two agreed to share" wait_count out "kommer med på agendaen" 2 3
"$REFLEKT" group digest nord >digest.md
check "the digest lists all three" sh -c \
    'grep -q "^## lena" digest.md && grep -q "^## mia" digest.md &&
     grep -q "^## ola" digest.md &&
     grep -q "3 challenges brought, 2 on the agenda" digest.md'
check "the digest marks what is private" grep -q "For the consultant only" \
    digest.md
check "the agenda reaches the group's channel" wait_for out \
    "^to #nord: Utfordringer til nettverksmøtet" $((15 * scale))
check "with the two shared challenges" sh -c \
    'grep -q "lena: «Vi holder ikke møtetidene.»" out &&
     grep -q "mia: «Sykefraværet i teamet.»" out'
check "and not the private one" sh -c '! grep -q "for meg selv" out'
"$REFLEKT" audit >audit.out
check "digest, shares and agenda audited" sh -c \
    'grep -q group-digest audit.out && grep -q share-with-group audit.out &&
     grep -q agenda-posted audit.out'
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""
finish
