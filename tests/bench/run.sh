#!/bin/sh
# run.sh BUILD - the figures in BENCHMARKS.md, on this machine.
#   1. outbound requests/s through bot/http.c at concurrency 1, 8 and 64;
#   2. inbound requests/s that parse JSON and commit one row before the
#      answer, by group commit and with one commit per request (wrk, 64
#      connections, 5 s), and that every answered request is in SQLite;
#   3. the daemon's memory after one second idle;
#   4. the Matrix path through the fake homeserver (bench-matrix);
#   5. scale (scale.sh): start-up, memory and idle wake-ups with
#      BENCH_LEADERS (100,000) leaders, and 10,000 questions and answers at
#      once.
#   6. acknowledgement latency (ack.sh): signed Slack events at a steady
#      1,000 answers/s for 10 s, open loop, against the Events API.
set -u
build=$1
bin=$build/tests/bench-http
reflekt=$(pwd)/$build/reflekt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=${BENCH_RUNS:-3}

median() {
    sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

echo "== outbound: N=20000 POSTs to a loopback server, $runs runs each"
for c in 1 8 64; do
    for r in $(seq "$runs"); do
        "$bin" out "$c" 20000 | sed -n 's/.*req_per_s=\([0-9]*\).*/\1/p'
    done | median | sed "s/^/out c=$c median req\/s: /"
done

cat >"$work/post.lua" <<'LUA'
counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
    counter = counter + 1
    return wrk.format(nil, nil, nil,
        '{"type":"event_callback","id":"' .. counter .. '","event":' ..
        '{"type":"message","text":"Jeg har tenkt på det."}}')
end
LUA

inbound() {
    route=$1
    for r in $(seq "$runs"); do
        rm -f "$work"/db*
        port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
        "$bin" serve "$port" "$work/db" >"$work/serve.log" 2>&1 &
        pid=$!
        sleep 0.3
        wrk -t1 -c64 -d5s -s "$work/post.lua" "http://127.0.0.1:$port$route" \
            >"$work/wrk.out" 2>&1
        kill -TERM "$pid"
        wait "$pid"
        reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$work/wrk.out")
        rate=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$work/wrk.out")
        p99=$(sed -n 's/^ *Latency *[^ ]* *[^ ]* *\([^ ]*\).*/\1/p' "$work/wrk.out")
        rows=$(sqlite3 "$work/db" "select count(*) from event")
        errs=$(grep -c "Non-2xx" "$work/wrk.out")
        echo "$rate $reqs $rows $errs" >>"$work/result-${route#/}"
        [ "$rows" -ge "$reqs" ] || echo "LOST: $reqs answered, $rows stored"
    done
    sort -n "$work/result-${route#/}" | awk -v r="$route" \
        '{a[NR]=$0} END {split(a[int((NR+1)/2)], m, " ");
          printf "in %s c=64 median durable req/s: %.0f (answered %s, rows %s, non-2xx lines %s)\n", r, m[1], m[2], m[3], m[4]}'
}

echo "== inbound: wrk -t1 -c64 -d5s, JSON parsed and one row committed (WAL, synchronous=FULL) before each answer"
inbound /events
inbound /events-single

echo "== Matrix: 1,000 leaders x 5 answer messages through the fake homeserver (in-process), $runs runs"
for r in $(seq "$runs"); do
    "$build/tests/bench-matrix" 1000 5
done

echo "== idle memory of reflekt run (console adapter, --listen), after 1 s"
mkfifo "$work/in"
"$reflekt" --db "$work/idle.db" run --listen 127.0.0.1:0 <"$work/in" \
    >/dev/null 2>&1 &
pid=$!
exec 3>"$work/in"
sleep 1
awk '/^Rss|^Pss|^Private_Clean|^Private_Dirty|^Anonymous/ {printf "%s %d kB\n", $1, $2}' \
    "/proc/$pid/smaps_rollup"
awk '/^Private_Clean|^Private_Dirty/ {s += $2} END {printf "private total: %.1f MB\n", s / 1024}' \
    "/proc/$pid/smaps_rollup"
kill -TERM "$pid"
wait "$pid"
exec 3>&-

echo "== scale: ${BENCH_LEADERS:-100000} leaders on the console adapter, 10,000 questions and answers at once"
sh "$(dirname "$0")/scale.sh" "$reflekt" "${BENCH_LEADERS:-100000}" 10000

echo "== ack: Slack Events API, 50 leaders, a steady 1,000 answers/s for 10 s (open loop), $runs runs"
for r in $(seq "$runs"); do
    sh "$(dirname "$0")/ack.sh" "$reflekt" "$build/tests/fake-slack-server" \
        "$build/tests/bench-ack" 1000 10 50 | grep latency
done
