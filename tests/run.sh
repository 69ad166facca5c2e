#!/bin/sh
# run.sh BUILD REFLEKT - run every unit test binary in BUILD/tests and every
# end-to-end script in tests/e2e against the reflekt binary REFLEKT.
# Prints each suite's result and a closing "N passed, N failed" line; the
# totals also go to BUILD/test-results for tests/summary.sh.
# VALGRIND=1 runs the unit tests and reflekt in the end-to-end tests under
# valgrind memcheck; E2E="crash proof" runs only those end-to-end tests,
# E2E=0 none of them, UNIT=0 no unit tests, and RESULTS=FILE takes the totals instead.
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
    [ -x "$t" ] && [ "${UNIT:-1}" = 1 ] || continue
    name=$(basename "$t")
    if [ "${VALGRIND:-0}" = 1 ]; then
        T_VALGRIND=1 run_suite "$name" valgrind -q --error-exitcode=99 --leak-check=full \
            --errors-for-leak-kinds=definite "$t"
    else
        run_suite "$name" "$t"
    fi
done

# Under valgrind the end-to-end tests run reflekt through a wrapper, with
# their timeouts stretched; E2E picks some ("crash proof").
if [ "${VALGRIND:-0}" = 1 ]; then
    export REFLEKT_VG_BIN=$reflekt REFLEKT_VG_LOGS=$(pwd)/$log/valgrind
    export REFLEKT_TIME_SCALE=${REFLEKT_TIME_SCALE:-10}
    rm -rf "$REFLEKT_VG_LOGS"
    mkdir -p "$REFLEKT_VG_LOGS"
    reflekt=$(pwd)/tests/valgrind/reflekt
fi
for t in tests/e2e/test-*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    [ "${E2E:-}" = 0 ] && continue
    if [ -n "${E2E:-}" ]; then
        case " $E2E " in *" ${name#test-} "*) ;; *) continue ;; esac
    fi
    REFLEKT=$reflekt FAKE_MATRIX=$(pwd)/$build/tests/fake-matrix-server \
        FAKE_SLACK=$(pwd)/$build/tests/fake-slack-server \
        FAKE_TEAMS=$(pwd)/$build/tests/fake-teams-server \
        run_suite "$name" sh "$t"
done

if [ "${VALGRIND:-0}" = 1 ]; then
    bad=$(find "$REFLEKT_VG_LOGS" -name 'vg.*' -size +0 | wc -l)
    all=$(find "$REFLEKT_VG_LOGS" -name 'vg.*' | wc -l)
    if [ "$bad" -eq 0 ]; then
        passed=$((passed + 1))
        echo "ok   valgrind: $all reflekt processes, no errors, no definite leaks"
    else
        failed=$((failed + 1))
        echo "FAIL valgrind: $bad of $all reflekt processes reported errors:"
        find "$REFLEKT_VG_LOGS" -name 'vg.*' -size +0 | head -n 3 |
            xargs head -n 30 | sed 's/^/    /'
    fi
fi
echo "$passed $failed" >"${RESULTS:-$build/test-results}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
