#!/bin/sh
# tests/run-integration.sh - starts the "test" stack (PostgreSQL, the
# sanitizer build under spawn-fcgi, nginx on 127.0.0.1:8013), runs each
# integration binary against it, stops the stack, then fails the run on
# what the service left behind: a sanitizer report (ASan, UBSan, and
# LeakSanitizer, which reports when a worker, the master or the runner
# exits: at a recycle after MAX_REQUESTS, a reload, and the stop here), a
# worker that died, or one the master had to kill.
# Not here: the assertions (tests/integration/test_*.c).
set -u
BIN=$1; shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOGS=${TEST_LOGS:-$ROOT/build/test-logs}
SAN_LOG=$ROOT/var/test/log/san
# The service (master, workers, runner, migrate: what app/stack.sh starts,
# also when a test restarts it) runs with LeakSanitizer; the test binaries
# and the commands they run themselves do not (their leaks are the tests').
export IMAGEGEN_SAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$SAN_LOG
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}:log_path=$SAN_LOG
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1:log_path=$SAN_LOG
# Leaks of the libraries' own process-wide state (each entry says why).
export LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp:print_suppressions=0
export WORKERS=${WORKERS:-3} MAX_REQUESTS=${MAX_REQUESTS:-500}
# A stopping worker is killed after 8 s: before stack.sh gives up on the
# master (10 s), so that the kill is logged and fails the run.
export GRACEFUL_TIMEOUT_S=8
# The third origin (https://aaa...a.example, 4400 a's) makes a header set
# over 4 KiB (tests/integration/test_safety.c).
export CORS_ORIGINS="https://app.example, http://localhost:3000, https://$(printf '%4400s' '' | tr ' ' a).example"
export BODY_MAX_BYTES=65536 LOG_LEVEL=info
export OLLAMA_TIMEOUT_MS=${OLLAMA_TIMEOUT_MS:-1500} OLLAMA_CONNECT_MS=500
export POLL_INTERVAL_MS=100 POLL_TIMEOUT_S=5 PROVIDER_TIMEOUT_MS=2000
export CIRCUIT_FAILURES=3 CIRCUIT_COOLDOWN_S=2 GENERATE_TIMEOUT_S=15
export RETRY_AFTER_CAP_S=2 IMAGE_MAX_BYTES=16777216
# localhost is allowed as an image host (stack.sh adds 127.0.0.1), so
# that test_ssrf sees an allowed name resolving to loopback refused when
# curl connects.
export PROVIDER_ALLOWED_HOSTS=cdn.leonardo.ai,im.runware.ai,localhost
# A database that stops answering is given up after 3 + 2 s (test_db_hang).
export DB_STATEMENT_TIMEOUT_MS=3000
# A killed runner's jobs are taken over after 2 s (the drills).
export RUNNER_LEASE_S=2
# Webhooks: signed with a test secret, the loopback receiver allowed,
# tried again after 200 ms (tests/integration/test_webhook.c).
export WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
export WEBHOOK_ALLOW_PRIVATE=127.0.0.1 WEBHOOK_RETRY_MS=200
export IMAGEGEN_ROOT="$ROOT" IMAGEGEN_STACK=test IMAGEGEN_BIN="$BIN"
# Ports: HTTP_PORT, PG_PORT and SB_BASE move the whole test stack (two
# checkouts can run their tests side by side).
export HTTP_PORT=${HTTP_PORT:-8013} PG_PORT=${PG_PORT:-54339} SB_BASE=${SB_BASE:-18110}
export IMAGEGEN_TEST_URL="http://127.0.0.1:$HTTP_PORT"
export IMAGEGEN_TEST_DB="postgresql://imagegen@127.0.0.1:$PG_PORT/imagegen"
sh "$ROOT/app/stack.sh" down test >/dev/null 2>&1
trap 'sh "$ROOT/app/stack.sh" down test >/dev/null 2>&1' EXIT INT TERM
rm -rf "$ROOT/var/test/log" "$ROOT/var/test/storage" \
    "$ROOT/var/test/run/circuits"
if ! sh "$ROOT/app/stack.sh" up test "$BIN"; then
	tail -n 30 "$ROOT/var/test/log/"*.log
	mkdir -p "$LOGS"; echo "0 1 0" >"$LOGS/integration.count"
	echo "integration: 0 passed, 1 failed"; exit 1
fi
# Every test request carries this admin key of project "default" (tests
# that check keys send their own; tests/helpers/itest.c).
IMAGEGEN_TEST_KEY=$(cd "$ROOT" && DATABASE_URL=$IMAGEGEN_TEST_DB \
    ASAN_OPTIONS=$IMAGEGEN_SAN_OPTIONS "$BIN" \
    -e /dev/null keys create --project default --scopes admin \
    --name itest --rate-per-min 0 --max-inflight 0 2>/dev/null)
export IMAGEGEN_TEST_KEY
# Tests call the sandbox far more than 60 times a minute: no default rate
# limit here (test_selection sets its own to test the limiter).
psql -q "$IMAGEGEN_TEST_DB" -c "UPDATE provider_configs SET rate_per_min = 0" >/dev/null
# Rate counts of an earlier run in this same minute would be counted
# again (the circuit file, this host's count, starts empty).
psql -q "$IMAGEGEN_TEST_DB" -c "DELETE FROM provider_rate" >/dev/null
sh "$ROOT/tests/run-unit.sh" -l integration -j 1 "$@"
rc=$?
# Leak reports come when the processes exit: stop them first. A process
# still running after the stop is killed there and never reports.
sh "$ROOT/app/stack.sh" down test >/dev/null 2>&1
# Sanitizer reports of the stack's processes (stderr is /dev/null under
# spawn-fcgi, so they go to files).
if ls "$SAN_LOG".* >/dev/null 2>&1; then
	echo "FAIL  sanitizer reports from the running service" \
	    "($(ls "$SAN_LOG".* | wc -l) in var/test/log/san.PID; the first ones):"
	for f in $(ls "$SAN_LOG".* | head -n 3); do
		grep -v '^ *$\|^=*$' "$f" | head -n 16 | sed 's/^/      /'
	done
	echo "0 1 0" >"$LOGS/sanitizer.count"
	rc=1
fi
# The runner's own sanitizer reports and crashes count the same.
if cat "$ROOT/var/test/log/"runner*.out 2>/dev/null |
    grep -E 'AddressSanitizer|runtime error' >/dev/null; then
	echo "FAIL  the runner reported:"
	head -n 40 "$ROOT/var/test/log/"runner*.out
	echo "0 1 0" >"$LOGS/runner.count"
	rc=1
fi
# A worker that died by itself (not the kill -9 of the drills) is a bug.
if grep -E 'died \((exit status|signal [0-8]\b|signal 1[0-9])' \
    "$ROOT/var/test/log/imagegen.log" >/dev/null 2>&1; then
	echo "FAIL  workers died during the tests:"
	grep -E 'died \(' "$ROOT/var/test/log/imagegen.log" | grep -v 'signal 9)' | head -n 10
	echo "0 1 0" >"$LOGS/worker-deaths.count"
	rc=1
fi
# A worker the master killed ("... killing it", app/master.c: it did not
# stop within GRACEFUL_TIMEOUT_S) hid what it leaked or left half done.
if grep -E 'killing it' "$ROOT/var/test/log/imagegen.log" >/dev/null 2>&1; then
	echo "FAIL  the master killed workers that did not stop in time:"
	grep -E 'killing it' "$ROOT/var/test/log/imagegen.log" | head -n 10
	echo "0 1 0" >"$LOGS/worker-kills.count"
	rc=1
fi
# A master that did not get to "stopped" was killed by stack.sh (10 s):
# whatever it or its workers had to report is lost.
started=$(grep -c '"role":"master","msg":"master started' \
    "$ROOT/var/test/log/imagegen.log" 2>/dev/null)
stopped=$(grep -c '"role":"master","msg":"stopped"' \
    "$ROOT/var/test/log/imagegen.log" 2>/dev/null)
if [ "${started:-0}" != "${stopped:-0}" ]; then
	echo "FAIL  the master did not stop by itself ($started started," \
	    "$stopped stopped): stack.sh killed it after 10 s"
	echo "0 1 0" >"$LOGS/master-stop.count"
	rc=1
fi
exit $rc
