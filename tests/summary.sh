#!/bin/sh
# tests/summary.sh - make test's last lines, from what the runners wrote
# into LOGS (build/test-logs): "test: N passed, N failed, N skipped;
# fuzz: N targets, N failed", the skipped tests with their reasons, and
# how long make test took.
# Usage: summary.sh START_EPOCH_S [RUNNER_EXIT...]; exit 1 when a count
# has failures, a runner exited non-zero, or no count was written at all.
# Not here: running anything (run-unit.sh, run-integration.sh,
# run-fuzz.sh), building (Makefile).
set -u
t0=$1; shift
runners_ok=true
for rc in "$@"; do [ "$rc" = 0 ] || runners_ok=false; done
logs=${TEST_LOGS:-build/test-logs}
counts=$(cat "$logs"/*.count 2>/dev/null)
set -- $(echo "$counts" | awk 'NF { p += $1; f += $2; s += $3; n++ }
    END { print p + 0, f + 0, s + 0, n + 0 }')
pass=$1 fail=$2 skip=$3 n=$4
set -- $(cat "$logs/fuzz.totals" 2>/dev/null || echo 0 0 0 0)
ft=$1 ff=$2
[ "$ft" -gt 0 ] || ff=$((ff + 1))
echo "test: $pass passed, $fail failed, $skip skipped; fuzz: $ft targets, $ff failed"
if [ "$skip" -gt 0 ]; then
	echo "skipped:"
	cat "$logs"/*.skips 2>/dev/null | sed 's/^/  /'
fi
secs=$(( $(date +%s) - t0 ))
verdict=passed
[ "$fail" = 0 ] && [ "$ff" = 0 ] && [ "$n" -gt 0 ] && $runners_ok ||
    verdict=FAILED
printf 'make test: %s in %d min %02d s\n' "$verdict" $((secs / 60)) $((secs % 60))
[ "$verdict" = passed ]
