#!/bin/sh
# tests/run-unit.sh - runs criterion test binaries: prints ok/FAIL per
# file, then "LABEL: N passed, N failed" counting tests (from criterion's
# synthesis line; a binary that dies before it counts as one failure).
# Usage: run-unit.sh [-l LABEL] [-j JOBS] binary...; exit 1 on any failure.
# Not here: building them (Makefile), the stack (run-integration.sh).
set -u
label=unit; jobs=2
while getopts l:j: o; do
	case $o in l) label=$OPTARG ;; j) jobs=$OPTARG ;; *) exit 64 ;; esac
done
shift $((OPTIND - 1))
logs=${TEST_LOGS:-build/test-logs}
mkdir -p "$logs"
files_bad=0; tpass=0; tfail=0
for t in "$@"; do
	log=$logs/$(echo "$t" | tr / _).log
	"$t" --jobs "$jobs" >"$log" 2>&1
	rc=$?
	syn=$(grep 'Synthesis:' "$log" | tail -n 1)
	tp=$(echo "$syn" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	tf=$(echo "$syn" | sed -n 's/.*Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1 \2/p' | awk '{ print $1 + $2 }')
	[ -n "$tp" ] || { tp=0; tf=1; }
	# Criterion runs each test in a child whose sanitizer report does not
	# change the verdict: read the log.
	if grep -q 'ERROR: LeakSanitizer\|ERROR: AddressSanitizer\|runtime error:' "$log"; then
		rc=1; tf=$((${tf:-0} + 1))
	fi
	[ "$rc" = 0 ] || [ "${tf:-0}" -gt 0 ] || tf=1
	tpass=$((tpass + tp)); tfail=$((tfail + tf))
	if [ "$rc" = 0 ]; then
		printf 'ok    %s  (%s)\n' "$t" "$tp tests"
	else
		printf 'FAIL  %s\n' "$t"
		grep -v '^\[----\] *$' "$log" | sed 's/^/      /' | head -n 60
		files_bad=$((files_bad + 1))
	fi
done
echo "$tpass $tfail" >"$logs/$label.count"
echo "$label: $tpass passed, $tfail failed"
[ "$files_bad" = 0 ]
