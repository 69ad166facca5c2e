# Nothing lost, nothing doubled: the daemon is killed with SIGKILL between
# committing an answer and acknowledging it, restarted, and every answer
# ends up stored exactly once.  The console adapter reads a replayable
# input file here: like a platform, it delivers again what was not acked.
. "$(dirname "$0")/lib.sh"

enrol lena
"$REFLEKT" nudge lena >/dev/null
: >input
# First run: send the question, then stop.
timeout -s TERM "$((2 * scale))" "$REFLEKT" run <input >run0.out 2>run0.err
check "question sent before the answers arrive" grep -q "^to lena:" run0.out

for i in 1 2 3 4 5 6 7 8 9 10; do
    echo "lena: part $i of my answer" >>input
done

# Run 1 dies right after committing the 3rd answer, before its ack.
REFLEKT_FAULT=crash-after-commit:3 timeout "$((10 * scale))" \
    "$REFLEKT" run <input >run1.out 2>run1.err
rc=$?
check "run 1 killed by SIGKILL (137)" [ "$rc" -eq 137 ]
# Run 2 takes the un-acked line again, then dies after two more answers.
REFLEKT_FAULT=crash-after-commit:3 timeout "$((10 * scale))" \
    "$REFLEKT" run <input >run2.out 2>run2.err
rc=$?
check "run 2 killed by SIGKILL (137)" [ "$rc" -eq 137 ]
check "the un-acked event came again and was ignored" \
    grep -q "duplicate event ignored" run2.err
# Run 3 finishes the file; SIGTERM stops it cleanly.
timeout "$((3 * scale))" "$REFLEKT" run <input >run3.out 2>run3.err
check "run 3 stopped cleanly" grep -q 'msg="stopped"' run3.err

"$REFLEKT" export --format csv >export.csv
for i in 1 2 3 4 5 6 7 8 9 10; do
    n=$(grep -o "part $i of my answer" export.csv | wc -l)
    check "part $i stored exactly once" [ "$n" -eq 1 ]
done
check "parts kept in order" sh -c \
    "tr '\n' ' ' <export.csv | grep -q 'part 1 of my answer part 2 .* part 10 of'"
check "one question, asked once" [ "$(count export.csv '^"lena"')" -eq 1 ]
question=$(grep -m 1 "^to lena:" run0.out)
cat run0.out run1.out run2.out run3.out >all.out
check "no question sent twice across restarts" \
    [ "$(grep -cxF -- "$question" all.out)" -eq 1 ]
finish
