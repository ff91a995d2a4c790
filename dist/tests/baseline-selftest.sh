#!/bin/sh
# The baseline check must fail, naming the symbol, on a binary built without the fix: a small C
# program calling hypot and linking libstdc++ dynamically, as a plain link on Debian 12 does
# (hypot@GLIBC_2.35; libstdc++.so.6 is not in the baseline).
# Usage: baseline-selftest.sh BASELINE
set -eu
baseline=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '#include <math.h>\n#include <stdio.h>\nint main(int argc, char **argv) { printf("%%f\\n", hypot(argc, 4.0)); return 0; }\n' > "$work/plain.c"
cc -O1 -o "$work/plain" "$work/plain.c" -lm -lstdc++ -Wl,--no-as-needed -lstdc++
set +e
python3 "$(dirname "$0")/../check-baseline.py" "$baseline" "$work/plain" > "$work/out" 2>&1
code=$?
set -e
fail=0
[ $code -eq 1 ] || { echo "FAIL: check-baseline exited $code on a plain Debian 12 link (expected 1)"; fail=1; }
grep -q 'hypot@GLIBC_2.35 is newer than the EL9 baseline GLIBC_2.34' "$work/out" || { echo "FAIL: check-baseline does not name hypot@GLIBC_2.35"; fail=1; }
grep -q 'needs libstdc++.so.6, which is not in the EL9 baseline' "$work/out" || { echo "FAIL: check-baseline does not name libstdc++.so.6"; fail=1; }
[ $fail -eq 0 ] || { cat "$work/out"; exit 1; }
echo "baseline self-test: a plain link fails the check, naming hypot@GLIBC_2.35 and libstdc++.so.6"
