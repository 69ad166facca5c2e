# Nothing lost, nothing doubled: the daemon is killed with SIGKILL before
# and after committing a batch of answers, restarted, and every answer ends
# up stored exactly once.  The console adapter reads a replayable input file
# here: its lines go over in batches, and the file offset they reach moves
# in the same commit, so a batch is either taken whole or offered again.
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

# Run 1 dies with the batch that brings the 3rd answer, before its commit.
REFLEKT_FAULT=crash-before-commit:3 timeout "$((10 * scale))" \
    "$REFLEKT" run <input >run1.out 2>run1.err
rc=$?
check "run 1 killed by SIGKILL (137)" [ "$rc" -eq 137 ]
"$REFLEKT" export --format csv >export1.csv
check "nothing of the uncommitted batch stored" \
    [ "$(count export1.csv 'of my answer')" -eq 0 ]
# Run 2 takes the lines again, commits them, and dies before replying.
REFLEKT_FAULT=crash-after-commit:3 timeout "$((10 * scale))" \
    "$REFLEKT" run <input >run2.out 2>run2.err
rc=$?
check "run 2 killed by SIGKILL (137)" [ "$rc" -eq 137 ]
check "no reply went out before the commit" [ ! -s run2.out ]
# Run 3 finds the file read to its end; SIGTERM stops it cleanly.
timeout "$((3 * scale))" "$REFLEKT" run <input >run3.out 2>run3.err
check "run 3 stopped cleanly" grep -q 'msg="stopped"' run3.err
check "the committed batch is not offered again" \
    sh -c "! grep -q 'duplicate event ignored' run3.err"

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
