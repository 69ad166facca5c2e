#!/bin/sh
# summary.sh RESULTS... - add up the totals tests/run.sh wrote.
passed=0
failed=0
for f in "$@"; do
    [ -f "$f" ] || { failed=$((failed + 1)); continue; }
    read -r p q <"$f"
    passed=$((passed + p))
    failed=$((failed + q))
done
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
