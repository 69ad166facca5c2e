# Backup while the daemon takes answers, and restore: the copy is whole
# and holds every answer committed before it began; a restore refuses a
# running daemon, a damaged file and a newer schema, asks for --yes, and
# leaves the database as it was whenever it refuses.
. "$(dirname "$0")/lib.sh"

answers() {
    sqlite3 "$1" "SELECT count(*) FROM response"
}

enrol lena
"$REFLEKT" nudge lena >/dev/null
mkfifo in
"$REFLEKT" run <in >out 2>err &
daemon_pid=$!
exec 3>in
check "question sent" wait_for out "^to lena:" 5

# A writer keeps answering while backups are taken.
(
    i=1
    while [ "$i" -le 400 ]; do
        echo "lena: part $i of a long answer"
        i=$((i + 1))
        [ $((i % 20)) -eq 0 ] && sleep 0.05
    done
) >&3 &
writer=$!
eventually 5 sh -c "[ \$(sqlite3 '$REFLEKT_DB' 'SELECT count(*) FROM response') -ge 20 ]"
before=$(answers "$REFLEKT_DB")
check "backup while answers arrive" "$REFLEKT" backup copy1.db
check "the copy passes integrity_check" \
    [ "$(sqlite3 copy1.db 'PRAGMA integrity_check')" = ok ]
check "and holds every answer committed before it began" \
    [ "$(answers copy1.db)" -ge "$before" ]
check "the copy is one file" [ ! -e copy1.db-wal ]
check "only its owner can read it" \
    [ "$(stat -c %a copy1.db)" = 600 ]
before2=$(answers "$REFLEKT_DB")
check "a second backup replaces the first" "$REFLEKT" backup copy1.db
check "with no fewer answers" [ "$(answers copy1.db)" -ge "$before2" ]
wait "$writer"
eventually 5 sh -c "[ \$(sqlite3 '$REFLEKT_DB' 'SELECT count(*) FROM response') -ge 400 ]"
check "every answer stored" [ "$(answers "$REFLEKT_DB")" -eq 400 ]
check "backups are audited" sh -c "'$REFLEKT' audit | grep -q 'backup.*copy1.db'"
check "the database itself is not a backup target" \
    sh -c "! '$REFLEKT' backup '$REFLEKT_DB' 2>/dev/null"
check "a folder that does not exist: a clear error" sh -c \
    "! '$REFLEKT' backup no/such/dir/x.db 2>e.out && grep -q 'backup failed' e.out"

check "restore refused while reflekt runs" \
    sh -c "! '$REFLEKT' restore copy1.db --yes 2>e.out"
check "it says so" grep -q "in use by a running reflekt; stop it first" e.out
check "a second daemon on the same database is refused" \
    sh -c "! timeout 20 '$REFLEKT' run </dev/null >/dev/null 2>e2.out"
check "and says why" grep -q "in use by a running reflekt" e2.out

kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""
exec 3>&-

# Refusals leave the database as it is.
printf 'not a database at all, just words\n' >junk.db
check "a damaged file is refused" sh -c "! '$REFLEKT' restore junk.db --yes 2>e.out"
check "naming what is wrong" grep -q "junk.db" e.out
cp copy1.db newer.db
sqlite3 newer.db "PRAGMA user_version = 99"
check "a newer schema is refused" sh -c "! '$REFLEKT' restore newer.db --yes 2>e.out"
check "saying so" grep -q "newer than this reflekt" e.out
check "without --yes nothing is replaced" sh -c "! '$REFLEKT' restore copy1.db 2>e.out"
check "it asks for --yes" grep -q "add --yes" e.out
check "the database is untouched" [ "$(answers "$REFLEKT_DB")" -eq 400 ]

backup_n=$(answers copy1.db)
check "restore" "$REFLEKT" restore copy1.db --yes
check "the database holds the copy's answers" \
    [ "$(answers "$REFLEKT_DB")" -eq "$backup_n" ]
check "and passes integrity_check" \
    [ "$(sqlite3 "$REFLEKT_DB" 'PRAGMA integrity_check')" = ok ]
check "restores are audited" sh -c "'$REFLEKT' audit | grep -q 'restore.*copy1.db'"
timeout -s TERM "$((3 * scale))" "$REFLEKT" run </dev/null >out2 2>err2
check "reflekt runs on the restored database" grep -q 'msg="stopped"' err2
finish
