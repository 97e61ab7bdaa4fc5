#!/bin/sh
# tests/run-fuzz.sh - make test's fuzzing: each libFuzzer driver over its
# committed corpus (tests/fuzz/corpus/NAME/, read only) and then for
# FUZZ_QUICK_SECONDS (default 2) more, ASan and UBSan halting on the
# first report (the drivers are built with -fno-sanitize-recover=all).
# New inputs go to a scratch folder, crash inputs to LOGS/fuzz-NAME-*,
# so the committed corpus stays as it is. Prints ok/FAIL per driver, then
# "fuzz: N targets, N failed, N corpus inputs, N runs"; writes the same
# figures to LOGS/fuzz.totals ("targets failed inputs runs").
# Usage: run-fuzz.sh driver...; exit 1 when one failed or none ran.
# Not here: building them (Makefile), the long runs (check-deep.sh).
set -u
SECS=${FUZZ_QUICK_SECONDS:-2}
logs=${TEST_LOGS:-build/test-logs}
scratch=build/fuzz-scratch
mkdir -p "$logs"
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
n=0; bad=0; inputs=0; runs=0
for f in "$@"; do
	name=$(basename "$f" | sed 's/^fuzz_//')
	corpus=tests/fuzz/corpus/$name
	log=$logs/fuzz-$name.log
	n=$((n + 1))
	rm -rf "${scratch:?}/$name" "$logs/fuzz-$name-"*
	mkdir -p "$scratch/$name"
	if [ ! -x "$f" ]; then
		printf 'FAIL  fuzz %-10s (not built: see the build output)\n' "$name"
		bad=$((bad + 1)); continue
	fi
	c=$(ls "$corpus" 2>/dev/null | wc -l)
	t0=$(date +%s)
	# libFuzzer writes new inputs into the first folder only.
	"$f" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$logs/fuzz-$name-" "$scratch/$name" \
	    $( [ "$c" = 0 ] || echo "$corpus" ) >"$log" 2>&1
	rc=$?
	r=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
	if [ "$rc" = 0 ] && [ -n "$r" ]; then
		printf 'ok    fuzz %-10s corpus %4s inputs, %7s runs in %ss\n' \
		    "$name" "$c" "$r" "$(( $(date +%s) - t0 ))"
		inputs=$((inputs + c)); runs=$((runs + r))
	else
		printf 'FAIL  fuzz %-10s (exit %s; input: %s)\n' "$name" "$rc" \
		    "$(ls "$logs/fuzz-$name-"* 2>/dev/null | head -n 1)"
		grep -B2 -A20 'ERROR\|runtime error\|SUMMARY' "$log" | head -n 30 |
		    sed 's/^/      /'
		bad=$((bad + 1))
	fi
done
rm -rf "$scratch"
echo "$n $bad $inputs $runs" >"$logs/fuzz.totals"
echo "fuzz: $n targets, $bad failed, $inputs corpus inputs, $runs runs"
[ "$bad" = 0 ] && [ "$n" -gt 0 ]
