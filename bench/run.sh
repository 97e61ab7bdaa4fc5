#!/bin/sh
# bench/run.sh - make bench: starts the "bench" stack (nginx 127.0.0.1:8023,
# imagegen release build, PostgreSQL), the architecture floor (bench/floor.c
# behind the same nginx on :8024) and the peer (FastAPI/uvicorn, proxied on
# :8024/peer/), drives each with wrk over loopback and prints one table:
# metric, value, unit, with ratios measured in the same run. Stops all after.
# Not here: pass/fail decisions (benchmarks print figures; tests assert).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/rel/imagegen
FLOOR=$ROOT/build/rel/bench-floor
VAR=$ROOT/var/bench
RUNS=${BENCH_RUNS:-3}
DUR=${BENCH_SECONDS:-5}
CONN=${BENCH_CONNECTIONS:-64}
W=${WORKERS:-$(( $(nproc) * 2 ))}
PEER_PORT=8025
export WORKERS=$W MAX_REQUESTS=${MAX_REQUESTS:-1000000}
OUT=$VAR/results
stack() { sh "$ROOT/app/stack.sh" "$@"; }

cleanup() {
	[ -f "$VAR/run/floor.pid" ] && kill "$(cat "$VAR/run/floor.pid")" 2>/dev/null
	[ -f "$VAR/run/peer.pid" ] && kill "$(cat "$VAR/run/peer.pid")" 2>/dev/null
	rm -f "$VAR/nginx/extra/bench.conf" "$VAR/run/floor.pid" "$VAR/run/peer.pid"
	stack down bench >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM
stack down bench >/dev/null 2>&1 || true
stack up bench "$BIN" >/dev/null
rm -rf "$OUT"; mkdir -p "$OUT"

# The floor: same worker count, its own socket, same nginx.
rm -f "$VAR/run/floor.sock"
spawn-fcgi -s "$VAR/run/floor.sock" -M 0666 -P "$VAR/run/floor.pid" \
    -- "$FLOOR" "$W" >/dev/null
# The peer: uvicorn with the same number of worker processes.
(cd "$ROOT/bench/peer" && DATABASE_URL="postgresql://imagegen@127.0.0.1:54349/imagegen" \
    /usr/bin/python3 -m uvicorn app:app --host 127.0.0.1 --port $PEER_PORT \
    --workers "$W" --log-level warning --no-access-log \
    >"$VAR/log/peer.log" 2>&1 & echo $! >"$VAR/run/peer.pid")
cat >"$VAR/nginx/extra/bench.conf" <<CONF
server {
	listen 127.0.0.1:8024;
	location = /floor { fastcgi_pass unix:$VAR/run/floor.sock; include /etc/nginx/fastcgi_params; }
	location /peer/ { proxy_pass http://127.0.0.1:$PEER_PORT/; }
}
CONF
nginx -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -s reload
for i in $(seq 1 100); do
	curl -sf -o /dev/null http://127.0.0.1:8024/peer/health && break
	sleep 0.2
done

# wrk_median NAME URL [BODYFILE]: RUNS runs, prints the median run's line.
wrk_median() {
	name=$1; url=$2; body=${3:-}
	for r in $(seq 1 "$RUNS"); do
		WRK_BODY_FILE=$body wrk -t2 -c"$CONN" -d"${DUR}s" --latency \
		    -s "$ROOT/bench/wrk/report.lua" "$url" 2>&1 |
		    grep '^WRK' >>"$OUT/$name.runs"
	done
	sort -t= -k3 -n "$OUT/$name.runs" | awk -v n="$RUNS" \
	    'NR == int((n + 1) / 2)' | sed 's/^WRK //' >"$OUT/$name"
}
row() { printf '%-52s %14s  %s\n' "$1" "$2" "$3"; }
field() { sed -n "s/.*$2=\([^ ]*\).*/\1/p" "$OUT/$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

printf '{"prompt":"a red fox in the snow, watercolor, soft morning light, highly detailed","optimize":true,"method":"local"}' >"$OUT/short.json"

wrk_median ceiling "http://127.0.0.1:8023/__ceiling"
wrk_median floor "http://127.0.0.1:8024/floor"
wrk_median health "http://127.0.0.1:8023/health?cached=1"
wrk_median peer_health "http://127.0.0.1:8024/peer/health?cached=1"
if curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
    --data @"$OUT/short.json" http://127.0.0.1:8023/unified/validate-prompt; then
	wrk_median validate "http://127.0.0.1:8023/unified/validate-prompt" "$OUT/short.json"
	wrk_median peer_validate "http://127.0.0.1:8024/peer/unified/validate-prompt" "$OUT/short.json"
fi
# Issue figures: validate-prompt with a 500- and an 8,000-character prompt
# (local method), and the compressor alone.
python3 - "$OUT" <<'PY'
import json, sys
unit = ("A lighthouse keeper walks the rocky shore at dusk, oil painting, "
        "golden hour, waves on weathered stones, seagulls above the pier. ")
for n in (500, 8000):
    text = (unit * (n // len(unit) + 1))[:n].strip()
    text = text + "x" * (n - len(text))
    with open("%s/p%d.json" % (sys.argv[1], n), "w") as f:
        json.dump({"prompt": text, "method": "local"}, f)
PY
wrk_median validate500 "http://127.0.0.1:8023/unified/validate-prompt" "$OUT/p500.json"
wrk_median validate8000 "http://127.0.0.1:8023/unified/validate-prompt" "$OUT/p8000.json"
"$ROOT/build/rel/bench-compress" >"$OUT/compress"
"$ROOT/build/rel/bench-metrics" >"$OUT/metrics"
for extra in "$ROOT"/bench/extra/*.sh; do
	[ -f "$extra" ] && OUT=$OUT VAR=$VAR ROOT=$ROOT . "$extra"
done

echo
echo "imagegen bench: $W workers, wrk -t2 -c$CONN -d${DUR}s, median of $RUNS runs, loopback, $(nproc) cores"
row metric value unit
for t in ceiling floor health peer_health validate peer_validate validate500 validate8000; do
	[ -f "$OUT/$t" ] || continue
	row "$t requests/s" "$(field $t rps)" "req/s"
	row "$t latency p50" "$(field $t p50_ms)" "ms"
	row "$t latency p99" "$(field $t p99_ms)" "ms"
	row "$t non-2xx + socket errors" "$(( $(field $t non2xx) + $(field $t sockerr) ))" "count"
done
row "health ours/floor (goal >= 0.85)" "$(ratio "$(field health rps)" "$(field floor rps)")" "ratio"
row "health ours/ceiling" "$(ratio "$(field health rps)" "$(field ceiling rps)")" "ratio"
row "health ours/peer (goal >= 20)" "$(ratio "$(field health rps)" "$(field peer_health rps)")" "ratio"
row "  floor/peer: the most any FastCGI handler reaches" "$(ratio "$(field floor rps)" "$(field peer_health rps)")" "ratio"
row "  ceiling/peer: the most anything behind nginx reaches" "$(ratio "$(field ceiling rps)" "$(field peer_health rps)")" "ratio"
if [ -f "$OUT/validate" ]; then
	row "validate-prompt ours/floor (goal >= 0.6)" "$(ratio "$(field validate rps)" "$(field floor rps)")" "ratio"
	row "validate-prompt ours/ceiling" "$(ratio "$(field validate rps)" "$(field ceiling rps)")" "ratio"
	row "validate-prompt ours/peer (goal >= 20)" "$(ratio "$(field validate rps)" "$(field peer_validate rps)")" "ratio"
fi
row "local compressor, 10,000-char prompt, median (goal < 1000)" "$(awk '/^compress_10k_prompt_us/ { print $2 }' "$OUT/compress")" "us"
row "local compressor, 10,000-char prompt, p99" "$(awk '/^compress_10k_p99_us/ { print $2 }' "$OUT/compress")" "us"
row "local compressor runs" "$(awk '/^compress_10k_runs/ { print $2 }' "$OUT/compress")" "count"
# What GET /metrics costs each request: one count and one histogram
# observation in the shared mapping (3 relaxed atomic adds).
while read -r k v; do
	row "metrics: counting one request, ${k#metrics_request_ns_}" "$v" "ns"
done <"$OUT/metrics"
[ -f "$OUT/extra.rows" ] && cat "$OUT/extra.rows"

# Memory after at least 100,000 requests (the runs above made them).
total=0
for t in health validate validate500 validate8000; do
	[ -f "$OUT/$t.runs" ] && total=$((total + $(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^requests=/) { sub("requests=", "", $i); s += $i } } END { print s + 0 }' "$OUT/$t.runs")))
done
if [ "$total" -lt 100000 ]; then
	wrk -t2 -c"$CONN" -d10s "http://127.0.0.1:8023/health?cached=1" >/dev/null 2>&1
	total="$total+"
fi
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
mpid=$(cat "$VAR/run/imagegen.pid")
row "requests served before RSS reading" "$total" "count"
row "RSS master" "$(rss "$mpid")" "kB"
maxw=0
for p in $(pgrep -P "$mpid"); do
	r=$(rss "$p"); [ "$r" -gt "$maxw" ] && maxw=$r
	row "RSS worker $p (goal < 10240)" "$r" "kB"
done
row "RSS largest worker (goal < 10240)" "$maxw" "kB"
# Sum of a process and its children.
tree_rss() {
	t=$(rss "$1")
	for c in $(pgrep -P "$1"); do t=$((t + $(rss "$c"))); done
	echo "$t"
}
row "RSS PostgreSQL (postmaster + backends)" "$(tree_rss "$(head -n 1 "$VAR/pg/data/postmaster.pid")")" "kB"
row "RSS nginx (master + workers)" "$(tree_rss "$(cat "$VAR/nginx/nginx.pid")")" "kB"

# Client keys: the same validate-prompt through a stack that asks for
# them (restarted with AUTH=on), with a key whose requests are counted (a
# limit far above the load) and one without a limit (not counted).
stack down bench >/dev/null 2>&1 || true
BENCH_AUTH=on stack up bench "$BIN" >/dev/null
bench_key() {
	(cd "$ROOT" && AUTH=on DATABASE_URL="postgresql://imagegen@127.0.0.1:54349/imagegen" \
	    "$BIN" -e /dev/null keys create --project default --name bench \
	    --rate-per-min "$1" --max-inflight 0 2>/dev/null)
}
WRK_KEY=$(bench_key 10000000); export WRK_KEY
wrk_median validate_keyed "http://127.0.0.1:8023/unified/validate-prompt" "$OUT/short.json"
WRK_KEY=$(bench_key 0)
wrk_median validate_keyed_free "http://127.0.0.1:8023/unified/validate-prompt" "$OUT/short.json"
unset WRK_KEY
if [ -f "$OUT/validate" ]; then
	row "validate-prompt with a counted key, requests/s" "$(field validate_keyed rps)" "req/s"
	row "validate-prompt with a counted key / no keys" "$(ratio "$(field validate_keyed rps)" "$(field validate rps)")" "ratio"
	row "validate-prompt with an unlimited key / no keys" "$(ratio "$(field validate_keyed_free rps)" "$(field validate rps)")" "ratio"
	row "validate-prompt keyed non-2xx + socket errors" "$(( $(field validate_keyed non2xx) + $(field validate_keyed sockerr) ))" "count"
fi
