#!/bin/sh
# tests/check-deep.sh - make check-deep: each libFuzzer driver for
# FUZZ_SECONDS (default 60) on its corpus under tests/fuzz/corpus/NAME/
# (new inputs are kept there, to be committed; crash inputs go to
# build/deep-logs), ASan and UBSan halting on the first report as in
# make test's short runs (tests/run-fuzz.sh), then valgrind memcheck over
# every unit test binary (plain build), demanding zero errors and zero definite leaks,
# then the security tests and fault drills with their figures.
# Prints what ran and for how long. Usage: check-deep.sh "fuzzers" "tests"
# Not here: building (Makefile).
set -u
FUZZERS=$1; UNITS=$2
SECS=${FUZZ_SECONDS:-60}
LOGS=build/deep-logs; mkdir -p "$LOGS"
pass=0; fail=0
for f in $FUZZERS; do
	name=$(basename "$f" | sed 's/^fuzz_//')
	corpus=tests/fuzz/corpus/$name; mkdir -p "$corpus"
	t0=$(date +%s)
	if ASAN_OPTIONS=halt_on_error=1 \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    "$f" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$LOGS/$name-" "$corpus" >"$LOGS/fuzz-$name.log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "$LOGS/fuzz-$name.log" | tail -n 1)
		printf 'ok    fuzz %-12s %4ss  %s, corpus %s files\n' "$name" \
		    "$(( $(date +%s) - t0 ))" "$runs" "$(ls "$corpus" | wc -l)"
		pass=$((pass + 1))
	else
		printf 'FAIL  fuzz %-12s (crash input in %s)\n' "$name" "$LOGS"
		grep -A15 'ERROR\|SUMMARY' "$LOGS/fuzz-$name.log" | head -n 30
		fail=$((fail + 1))
	fi
done
for t in $UNITS; do
	name=$(echo "$t" | tr / _)
	t0=$(date +%s)
	# Criterion forks a process per test: follow them (--no-fork would be
	# simpler but hides per-test cleanup).
	if valgrind --quiet --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite --trace-children=yes \
	    --track-fds=no "$t" --jobs 1 >"$LOGS/vg-$name.log" 2>&1; then
		printf 'ok    valgrind %-48s %3ss\n' "$t" "$(( $(date +%s) - t0 ))"
		pass=$((pass + 1))
	else
		printf 'FAIL  valgrind %s\n' "$t"
		grep -B2 -A12 'ERROR SUMMARY\|definitely lost\|Invalid' "$LOGS/vg-$name.log" | head -n 40
		fail=$((fail + 1))
	fi
done
if sh tests/faults/load.sh build/rel/imagegen; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
fi
# Security and fault figures, counted by the tests that check them, each
# on a fresh test stack: auth, CSRF and SSRF cases, faults survived,
# records lost.
SEC="build/san/tests/unit/lib/gen/test_fetch build/san/tests/integration/test_auth
build/san/tests/integration/test_browser build/san/tests/integration/test_ssrf"
rm -rf "$LOGS/security"
if TEST_LOGS=$LOGS/security sh tests/run-integration.sh build/san/imagegen \
    $SEC >"$LOGS/security.log" 2>&1; then
	pass=$((pass + 1))
	ssrf_http=$(sed -n 's/.*Tested: \([0-9]*\).*/\1/p' \
	    "$LOGS/security/build_san_tests_integration_test_ssrf.log")
	cat "$LOGS/security/"*.log | grep -E '^(auth|csrf|SSRF) cases: ' |
	    sed "s/^SSRF cases: \(.*\)/SSRF cases: \1 URL checks + $ssrf_http through nginx/"
else
	printf 'FAIL  security tests\n'; tail -n 40 "$LOGS/security.log"
	fail=$((fail + 1))
fi
if sh tests/faults/drills.sh build/san/imagegen >"$LOGS/drills.log" 2>&1; then
	pass=$((pass + 1))
else
	printf 'FAIL  fault drills\n'; grep -v '^ok ' "$LOGS/drills.log" | head -n 40
	fail=$((fail + 1))
fi
grep -E '^(faults survived|records lost): ' "$LOGS/drills.log"
echo "check-deep: $pass passed, $fail failed"
[ "$fail" = 0 ]
