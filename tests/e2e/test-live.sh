# A running daemon: command-line changes reach it within a second, chat
# commands work through the console, SIGHUP reloads the configuration (and
# refuses a broken one without stopping), SIGTERM stops it cleanly.
. "$(dirname "$0")/lib.sh"

cat >reflekt.conf <<CONF
[reflekt]
log_level = info
CONF
export REFLEKT_CONFIG="$work/reflekt.conf"
mkfifo in
"$REFLEKT" run <in >out 2>err &
daemon_pid=$!
exec 3>in
check "daemon running" wait_for err "reflekt running"

enrol lena nb
start=$(date +%s%N)
"$REFLEKT" nudge lena >/dev/null
check "a nudge reaches the running daemon" wait_for out "^to lena:" 3
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
echo "# nudge to question: ${ms} ms"
check "within a second (x$scale)" [ "$ms" -lt $((1000 * scale)) ]

echo "lena: Jeg har tenkt på det." >&3
check "answer thanked" wait_for out "lagret" 3
echo "lena: hjelp" >&3
check "help in Norwegian" wait_for out "hopp over" 3
echo "lena: språk en" >&3
check "language switched" wait_for out "English" 3
echo "lena: history" >&3
check "own history shown" wait_for out "Jeg har tenkt på det." 3
echo "mallory: hei" >&3
check "stranger told they are not enrolled" \
    wait_for out "^to mallory:" 3
echo "this line has no handle" >&3
check "a malformed line is refused with a reason" \
    wait_for out "expected \"HANDLE: text\"" 3

enrol lars sv
"$REFLEKT" leader pause lars --until 2099-01-01 >/dev/null
"$REFLEKT" nudge lars >/dev/null
check "a leader enrolled while running is reached" wait_for out "^to lars:" 3

echo "log_level = debug" >>reflekt.conf
kill -HUP "$daemon_pid"
check "SIGHUP reloads the configuration" wait_for err "configuration reloaded" 3
echo "cadance = weekly" >>reflekt.conf
kill -HUP "$daemon_pid"
check "a broken configuration is refused on reload" \
    wait_for err 'reflekt.conf:4: unknown key \\"cadance' 3
check "the daemon goes on after a refused reload" kill -0 "$daemon_pid"
printf '[reflekt]\nlog_level = info\n' >reflekt.conf

"$REFLEKT" audit >audit.out
check "the leader's history read is audited" grep -q "read-own-history" \
    audit.out

kill -TERM "$daemon_pid"
wait "$daemon_pid"
rc=$?
daemon_pid=""
check "SIGTERM stops with status 0" [ "$rc" -eq 0 ]
check "stop logged" grep -q 'msg="stopped"' err
exec 3>&-
"$REFLEKT" export --leader lena --format json >export.json
check "answer kept" grep -q "Jeg har tenkt på det." export.json
finish
