#!/bin/sh
# run.sh SECONDS FUZZER... - run each libFuzzer target for SECONDS on its
# corpus (tests/fuzz/corpus/<name>), in a scratch copy so the kept corpus
# stays small.  Any crash fails the run and is kept as crash-* in the corpus
# folder, to become a regression test.
set -u
seconds=$1
shift
status=0
for f in "$@"; do
    name=$(basename "$f" | sed 's/^fuzz-//')
    seeds=tests/fuzz/corpus/$name
    work=$(mktemp -d)
    cp "$seeds"/* "$work"/ 2>/dev/null
    dict=tests/fuzz/$name.dict
    set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$seeds/" -print_final_stats=1
    [ -f "$dict" ] && set -- "$@" -dict="$dict"
    if "$f" "$@" "$work" >"$work.log" 2>&1; then
        runs=$(grep -E 'stat::number_of_executed_units' "$work.log" |
            awk '{print $2}')
        echo "ok   fuzz-$name ($runs runs in ${seconds}s)"
    else
        echo "FAIL fuzz-$name: see $work.log"
        tail -n 30 "$work.log"
        status=1
    fi
    rm -rf "$work"
done
exit $status
