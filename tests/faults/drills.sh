#!/bin/sh
# tests/faults/drills.sh - the fault drills (tests/faults/test_*) against
# the test stack, summed up for make check-deep:
#   faults survived: N   (each passing drill survived its fault; a drill
#                         that injects several prints its own count)
#   records lost: N      (jobs a drill saw end without their record)
# Usage: drills.sh SAN_BINARY (ports from HTTP_PORT, PG_PORT, SB_BASE).
# Exit 1 when a drill failed or a record was lost.
# Not here: the drills themselves (tests/faults/*.c), building (Makefile).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-build/san/imagegen}
cd "$ROOT" || exit 1
bins=$(ls build/san/tests/faults/test_* 2>/dev/null | grep -v '\.d$')
[ -n "$bins" ] || { echo "drills.sh: build the drills first" >&2; exit 1; }
rm -f build/test-logs/build_san_tests_faults_*.log
sh tests/run-integration.sh "$BIN" $bins
rc=$?
passed=$(cut -d' ' -f1 build/test-logs/integration.count 2>/dev/null || echo 0)
logs=$(ls build/test-logs/build_san_tests_faults_*.log)
# A drill printing "faults survived: K" is one passing test standing for K.
extra=$(cat $logs | sed -n 's/^faults survived: \([0-9]*\)$/\1/p' |
    awk '{ s += $1 - 1 } END { print s + 0 }')
lost=$(cat $logs | sed -n 's/^records lost: \([0-9]*\)$/\1/p' |
    awk '{ s += $1 } END { print s + 0 }')
grep -q '^records lost: ' $logs || { lost="unknown (no drill counted)"; rc=1; }
echo "faults survived: $((passed + extra))"
echo "records lost: $lost"
[ "$rc" = 0 ] && [ "$lost" = 0 ]
