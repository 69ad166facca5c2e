#!/bin/sh
# demo.sh REFLEKT - reflekt end to end on the embedded default (a SQLite
# file and the console adapter): a consultant enrols a leader and nudges
# her, she answers in two messages, asks for her history, and the
# consultant reads the digest.  Everything happens in a scratch folder.
set -eu
reflekt=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$(mktemp -d "${TMPDIR:-/tmp}/reflekt-demo.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir"
export REFLEKT_DB="$dir/reflekt.db"

step() {
    printf '\n\033[1m== %s\033[0m\n' "$1"
}

step "The consultant enrols Lena and sets the next session"
echo "\$ reflekt leader add lena --platform console --user lena --consultant anna --manager bob --tz Europe/Oslo --lang en"
"$reflekt" leader add lena --platform console --user lena --consultant anna \
    --manager bob --tz Europe/Oslo --lang en
next=$(date -d "+14 days" +%Y-%m-%d)
echo "\$ reflekt session add lena --at \"$next 09:00\" --theme small-steps"
"$reflekt" session add lena --at "$next 09:00" --theme small-steps
echo "\$ reflekt nudge lena"
"$reflekt" nudge lena

step "reflekt runs; Lena answers in the console (lines 'lena: ...')"
{
    sleep 1
    echo "lena: I kept Thursday morning free of meetings for the first time."
    sleep 1
    echo "lena: It felt awkward, but I finally planned the team day."
    sleep 1
    echo "lena: history"
    sleep 1
} | timeout 6 "$reflekt" run 2>daemon.log || true

step "The consultant reads the digest before the session"
echo "\$ reflekt review lena"
"$reflekt" review lena

step "Try it yourself"
cat <<TXT
  ./reflekt --db demo.db leader add you --platform console --user you \\
      --consultant anna --manager bob --tz Europe/Oslo --lang en
  ./reflekt --db demo.db nudge you
  ./reflekt --db demo.db run      # then type:  you: my answer   (Ctrl-C stops)
TXT
