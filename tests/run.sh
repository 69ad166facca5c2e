#!/bin/sh
# run.sh BUILD REFLEKT - run every unit test binary in BUILD/tests and every
# end-to-end script in tests/e2e against the reflekt binary REFLEKT.
# Prints each suite's result and a closing "N passed, N failed" line; the
# totals also go to BUILD/test-results for tests/summary.sh.
# VALGRIND=1 runs the unit tests under valgrind memcheck.
set -u
build=$1
reflekt=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
passed=0
failed=0
failures=""
log=$build/test-logs
# Tests talk to servers on 127.0.0.1: never through a proxy.
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
mkdir -p "$log"

count() {
    # The last "N passed, N failed" line of a suite's output.
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
    if [ -z "$line" ]; then
        echo "0 1"
    else
        echo "$line" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed.*/\1 \2/'
    fi
}

run_suite() {
    name=$1
    shift
    out=$log/$name.log
    "$@" >"$out" 2>&1
    rc=$?
    set -- $(count "$out")
    p=$1
    f=$2
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # crashed or exited non-zero without saying why
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        failures="$failures $name"
        echo "FAIL $name ($p passed, $f failed; log: $out)"
        grep -E 'not ok|check failed|==|!=|ERROR|runtime error|FAIL' "$out" |
            head -n 20 | sed 's/^/    /'
    else
        echo "ok   $name ($p passed)"
    fi
}

for t in "$build"/tests/test-*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    if [ "${VALGRIND:-0}" = 1 ]; then
        run_suite "$name" valgrind -q --error-exitcode=99 --leak-check=full \
            --errors-for-leak-kinds=definite "$t"
    else
        run_suite "$name" "$t"
    fi
done

for t in tests/e2e/test-*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    REFLEKT=$reflekt FAKE_MATRIX=$(pwd)/$build/tests/fake-matrix-server \
        FAKE_SLACK=$(pwd)/$build/tests/fake-slack-server \
        FAKE_TEAMS=$(pwd)/$build/tests/fake-teams-server \
        run_suite "$name" sh "$t"
done

echo "$passed $failed" >"$build/test-results"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
