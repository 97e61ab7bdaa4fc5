#!/bin/sh
# tests/faults/load.sh - the long load drill of make check-deep: wrk with
# 256 connections for LOAD_SECONDS (default 30) on /health and on
# POST /unified/validate-prompt (with a client key) against the test
# stack; zero non-2xx and
# zero socket errors must hold. Prints the figures; exit 1 if violated.
# Not here: throughput targets (make bench prints those).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$ROOT/build/rel/imagegen}
SECS=${LOAD_SECONDS:-30}
export WORKERS=${WORKERS:-4} MAX_REQUESTS=${MAX_REQUESTS:-10000} LOG_LEVEL=warn
sh "$ROOT/app/stack.sh" down test >/dev/null 2>&1
trap 'sh "$ROOT/app/stack.sh" down test >/dev/null 2>&1' EXIT INT TERM
sh "$ROOT/app/stack.sh" up test "$BIN" >/dev/null || exit 1
# The test stack asks for client keys: one with a limit far above the
# load, so that every request is counted as a busy integration's are.
WRK_KEY=$(cd "$ROOT" && AUTH=on DATABASE_URL=postgresql://imagegen@127.0.0.1:54339/imagegen \
    "$BIN" -e /dev/null keys create --project default --name load \
    --rate-per-min 10000000 --max-inflight 0 2>/dev/null) || exit 1
export WRK_KEY
body=$(mktemp)
printf '{"prompt":"a lighthouse at dusk, oil painting, dramatic light","method":"local"}' >"$body"
fail=0
drill() {
	name=$1; url=$2; file=${3:-}
	line=$(WRK_BODY_FILE=$file wrk -t2 -c256 -d"${SECS}s" \
	    -s "$ROOT/bench/wrk/report.lua" "$url" 2>&1 | grep '^WRK')
	n2=$(echo "$line" | sed -n 's/.*non2xx=\([0-9]*\).*/\1/p')
	se=$(echo "$line" | sed -n 's/.*sockerr=\([0-9]*\).*/\1/p')
	if [ -n "$n2" ] && [ "$n2" = 0 ] && [ "$se" = 0 ]; then
		echo "ok    load $name, 256 connections, ${SECS}s: ${line#WRK }"
	else
		echo "FAIL  load $name: ${line:-no wrk summary}"; fail=1
	fi
}
drill health "http://127.0.0.1:8013/health?cached=1"
if curl -sf -o /dev/null -H 'Content-Type: application/json' --data @"$body" \
    -H "Authorization: Bearer $WRK_KEY" \
    http://127.0.0.1:8013/unified/validate-prompt; then
	drill validate-prompt "http://127.0.0.1:8013/unified/validate-prompt" "$body"
else
	echo "FAIL  load validate-prompt: the endpoint does not answer 2xx"; fail=1
fi
rm -f "$body"
exit $fail
