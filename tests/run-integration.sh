#!/bin/sh
# tests/run-integration.sh - starts the "test" stack (PostgreSQL, the
# sanitizer build under spawn-fcgi, nginx on 127.0.0.1:8013), runs each
# integration binary against it, always stops the stack after.
# Not here: the assertions (tests/integration/test_*.c).
set -u
BIN=$1; shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export WORKERS=${WORKERS:-3} MAX_REQUESTS=${MAX_REQUESTS:-500}
export CORS_ORIGINS="https://app.example, http://localhost:3000"
export BODY_MAX_BYTES=65536 LOG_LEVEL=info
export IMAGEGEN_ROOT="$ROOT" IMAGEGEN_STACK=test IMAGEGEN_BIN="$BIN"
sh "$ROOT/app/stack.sh" down test >/dev/null 2>&1
trap 'sh "$ROOT/app/stack.sh" down test >/dev/null 2>&1' EXIT INT TERM
rm -rf "$ROOT/var/test/log" "$ROOT/var/test/storage"
if ! sh "$ROOT/app/stack.sh" up test "$BIN"; then
	tail -n 30 "$ROOT/var/test/log/"*.log
	echo "integration: 0 passed, 1 failed"; exit 1
fi
pass=0; fail=0
mkdir -p "$ROOT/build/test-logs"
for t in "$@"; do
	log=$ROOT/build/test-logs/$(echo "$t" | tr / _).log
	# One job: these tests share one stack and some stop parts of it.
	if "$t" --jobs 1 >"$log" 2>&1; then
		printf 'ok    %s  (%s)\n' "$t" "$(tail -n 1 "$log" | sed 's/^\[====\] //')"
		pass=$((pass + 1))
	else
		printf 'FAIL  %s\n' "$t"; sed 's/^/      /' "$log" | tail -n 40
		fail=$((fail + 1))
	fi
done
if grep -l 'ERROR: AddressSanitizer\|runtime error:' "$ROOT/var/test/log/imagegen.log" >/dev/null 2>&1; then
	echo "FAIL  sanitizer reports in var/test/log/imagegen.log:"
	grep -A20 'ERROR: AddressSanitizer\|runtime error:' "$ROOT/var/test/log/imagegen.log" | head -n 60
	fail=$((fail + 1))
fi
echo "integration: $pass passed, $fail failed"
[ "$fail" = 0 ]
