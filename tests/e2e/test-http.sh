# The daemon's inbound endpoint: `run --listen`, /healthz, /metrics, and
# refusals with the right status; a bad address stops the start clearly.
. "$(dirname "$0")/lib.sh"

enrol lena
mkfifo in
"$REFLEKT" run --listen 127.0.0.1:0 <in >out 2>err &
daemon_pid=$!
exec 3>in
check "listening logged" wait_for err 'msg="listening"'
port=$(sed -n 's/.*msg="listening".* port=\([0-9]*\).*/\1/p' err | head -n 1)
check "a port was chosen" [ -n "$port" ]
base="http://127.0.0.1:$port"

code() {
    curl -s -o body -w '%{http_code}' "$@"
}

check "healthz 200" [ "$(code "$base/healthz")" = 200 ]
check "healthz says ok" grep -q "^ok" body
"$REFLEKT" nudge lena >/dev/null
wait_for out "^to lena:" 3
echo "lena: Et svar." >&3
wait_for out "saved" 3
check "metrics 200" [ "$(code "$base/metrics")" = 200 ]
check "metrics: prompts sent" grep -q "^reflekt_prompts_sent_total 1$" body
check "metrics: answers stored" grep -q "^reflekt_answers_stored_total 1$" body
check "metrics: queue depth" grep -q "^reflekt_queue_depth 0$" body
check "metrics: inbound by status" \
    grep -q 'reflekt_inbound_requests_total{status="2xx"} 1' body
check "unknown path 404" [ "$(code "$base/nowhere")" = 404 ]
check "wrong method 405" [ "$(code -X POST "$base/healthz")" = 405 ]
check "a refusal is logged" grep -q 'inbound request refused" status=405' err
check "answer text not logged" sh -c '! grep -q "Et svar" err'

kill -TERM "$daemon_pid"
wait "$daemon_pid"
check "clean stop" [ $? -eq 0 ]
daemon_pid=""
exec 3>&-

"$REFLEKT" run --listen 127.0.0.1 </dev/null >out2 2>err2
check "a bad listen address is refused" [ $? -ne 0 ]
check "and named" grep -q 'listen address "127.0.0.1" is not HOST:PORT' err2
printf '[http]\nlisten = 127.0.0.1:0\n' >reflekt.conf
timeout "$((2 * scale))" "$REFLEKT" --config reflekt.conf run </dev/null \
    >out3 2>err3
check "the listen key in the config file works" grep -q 'msg="listening"' err3
finish
