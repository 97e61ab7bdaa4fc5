#!/bin/sh
# tests/run-unit.sh - runs each criterion unit-test binary, prints ok/FAIL
# per file and a closing "N passed, N failed" line; exit 1 on any failure.
# Not here: building them (Makefile), the stack (run-integration.sh).
set -u
pass=0; fail=0; failed=""
mkdir -p build/test-logs
for t in "$@"; do
	log=build/test-logs/$(echo "$t" | tr / _).log
	if "$t" --jobs 2 >"$log" 2>&1; then
		printf 'ok    %s  (%s)\n' "$t" "$(tail -n 1 "$log" | sed 's/^\[====\] //')"
		pass=$((pass + 1))
	else
		printf 'FAIL  %s\n' "$t"; sed 's/^/      /' "$log" | tail -n 40
		fail=$((fail + 1)); failed="$failed $t"
	fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" = 0 ]
