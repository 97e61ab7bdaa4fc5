# bench/extra/queue.sh - sourced by bench/run.sh (OUT, VAR, ROOT, RUNS,
# DUR, CONN, row, field, ratio, wrk_median and the running bench stack):
# the figures of many generations waiting at once.
# - QUEUE_N (1000) synchronous POST /unified/generate (runware_ai sandbox
#   at QUEUE_LATENCY_MS = 5000 per call: create + image download ~ 10 s)
#   fired at once by bench/extra/conc.py: wall, answered 200, wall / one
#   generation alone; the same against the peer run as ONE uvicorn process
#   (its own instance on :8026, behind this nginx on :8027); the sandbox
#   alone doing the same calls (the floor on this machine).
# - while ours are in flight: GET /health p50/p99 (200 requests 20 ms
#   apart from 1 s after the burst) and the RSS summed over every
#   build/rel/imagegen process (peak), per in-flight generation.
# - enqueue: wrk on POST /unified/generate with Prefer: respond-async
#   (the runner paused: the enqueue alone) against validate-prompt's req/s.
# Every step has a timeout (60 s per request): it prints what it measured.
# Not here: pass/fail (figures only); the limits of nginx or the sandbox
# (reported in the rows, not changed).
QN=${QUEUE_N:-1000}
QLAT=${QUEUE_LATENCY_MS:-5000}
QSB=http://127.0.0.1:18122
QPEER_PORT=8026
QPROXY_PORT=8027
QPY=/usr/bin/python3
QCONC="$ROOT/bench/extra/conc.py"
QGEN=http://127.0.0.1:8023/unified/generate
QDB="postgresql://imagegen@127.0.0.1:54349/imagegen"
q_body=$OUT/queue_gen.json
q_task=$OUT/queue_task.json
printf '{"prompt":"a red fox in snow, watercolor","provider":"runware_ai","fallback":false}' >"$q_body"
printf '[{"taskType":"imageInference","taskUUID":"5f0c6a43-2b7e-4c1d-9a55-0d6e8f1b2c3a","positivePrompt":"a red fox in snow, watercolor","model":"runware:101@1","width":1024,"height":1024,"numberResults":1,"outputType":"URL","outputFormat":"PNG"}]' >"$q_task"

# qj FILE FILTER: a value from a JSON file, empty when absent.
qj() { jq -r "($2) // empty" "$1" 2>/dev/null || true; }
# q_one URL: seconds one synchronous generation takes (empty on failure).
q_one() {
	curl -s -o "$OUT/queue_one.out" -w '%{http_code} %{time_total}\n' -m 60 \
	    -X POST -H 'Content-Type: application/json' --data @"$q_body" \
	    "$1" 2>/dev/null | awk '$1 == 200 { print $2 }' || true
}
q_faults() {
	if [ "$1" -gt 0 ]; then
		curl -s -o /dev/null -m 5 -X POST "$QSB/__sandbox/faults" \
		    -d "{\"latency_ms\":$1}" || true
	else
		curl -s -o /dev/null -m 5 -X DELETE "$QSB/__sandbox/faults" || true
	fi
}
# Kernel counters of the loopback listen queues (SYNs dropped when full).
q_overflows() {
	awk '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) n[i] = $i; h = 1 }
	    else for (i = 1; i <= NF; i++) if (n[i] == "ListenOverflows")
	    v = $i } END { print v + 0 }' /proc/net/netstat 2>/dev/null || echo 0
}
# Total RSS (kB) of every build/rel/imagegen process of this stack (the
# bench database in its environment), master, workers and runner.
q_rss() {
	pids=$(pgrep -f 'build/rel/imagegen' 2>/dev/null || true)
	[ -n "$pids" ] || { echo 0; return; }
	mine=$(for p in $pids; do echo "/proc/$p/environ"; done |
	    xargs grep -l -a ':54349/imagegen' 2>/dev/null || true)
	[ -n "$mine" ] || mine=$(for p in $pids; do echo "/proc/$p/environ"; done)
	echo "$mine" | sed 's/environ$/status/' | xargs cat 2>/dev/null |
	    awk '/^VmRSS/ { s += $2 } END { print s + 0 }'

}
q_stop_peer() {
	if [ -f "$VAR/run/peer1.pid" ]; then
		kill "$(cat "$VAR/run/peer1.pid")" 2>/dev/null || true
	fi
	rm -f "$VAR/run/peer1.pid"
}
# Descriptors the sandbox has open (libmicrohttpd with select(): a new
# connection on descriptor 1024 or above is refused).
q_sbfds() {
	ls "/proc/$(cat "$VAR/run/sandbox.pid" 2>/dev/null)/fd" 2>/dev/null |
	    wc -l || true
}
# q_sb_fresh: restart the sandbox, so that no idle keep-alive connection
# (generate.sh's batches leave 16 per worker) holds its descriptors, and
# wait until it answers.
q_sb_fresh() {
	p=$(cat "$VAR/run/sandbox.pid" 2>/dev/null || true)
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null || true
	i=0
	while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	sh "$ROOT/app/stack.sh" up bench "$BIN" >/dev/null 2>&1 || true
}
# q_sb_settle: wait (at most 20 s) until the sandbox holds under 100
# descriptors: the connections of a burst just ended are closing.
q_sb_settle() {
	i=0
	while [ "$(q_sbfds)" -ge 100 ] && [ $i -lt 100 ]; do
		sleep 0.2; i=$((i + 1))
	done
}
q_cleanup() {
	q_stop_peer
	rm -f "$VAR/run/peer1.pid" "$VAR/nginx/extra/queue.conf"
	rm -rf "$VAR/peer1-storage"
	[ -n "${q_runner:-}" ] && kill -CONT "$q_runner" 2>/dev/null || true
	q_faults 0
}
trap 'q_cleanup; cleanup' EXIT INT TERM

# No limiter or cap in the way: the figures are about holding N at once.
psql -q "$QDB" -c "UPDATE provider_configs SET rate_per_min = 0" \
    >/dev/null 2>&1 || true
psql -q "$QDB" -c "UPDATE provider_configs SET max_concurrent = NULL" \
    >/dev/null 2>&1 || true
q_sb_fresh
q_faults 0
q_refused() { grep -c 'not less than FD_SETSIZE' "$VAR/log/sandbox.log" 2>/dev/null || true; }
sb_ref0=$(q_refused)

# --- the peer, one process: uvicorn --workers 1 behind this nginx --------
(
	cd "$ROOT/bench/peer" || exit 1
	ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
	export PEER_STORAGE_DIR="$VAR/peer1-storage" \
	    RUNWARE_BASE_URL="$QSB/v1" RUNWARE_API_KEY=sandbox-key \
	    DATABASE_URL="$QDB" PEER_HTTP_CLIENTS="${PEER_HTTP_CLIENTS:-32}"
	exec $QPY -m uvicorn app:app --host 127.0.0.1 \
	    --port $QPEER_PORT --workers 1 --backlog 4096 \
	    --log-level warning --no-access-log >"$VAR/log/peer1.log" 2>&1
) &
echo $! >"$VAR/run/peer1.pid"
cat >"$VAR/nginx/extra/queue.conf" <<CONF
server {
	listen 127.0.0.1:$QPROXY_PORT;
	location / {
		proxy_pass http://127.0.0.1:$QPEER_PORT;
		proxy_read_timeout 120s;
	}
}
CONF
nginx -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -s reload || true
for i in $(seq 1 100); do
	curl -sf -o /dev/null "http://127.0.0.1:$QPROXY_PORT/health" && break
	sleep 0.2
done
q_one "http://127.0.0.1:$QPROXY_PORT/unified/generate" >/dev/null # warm-up
q_faults "$QLAT"
sbfd_peer=$(q_sbfds)
peer_one=$(q_one "http://127.0.0.1:$QPROXY_PORT/unified/generate")
ov0=$(q_overflows)
$QPY "$QCONC" --n "$QN" --timeout 60 --body "$q_body" \
    "http://127.0.0.1:$QPROXY_PORT/unified/generate" \
    >"$OUT/queue_peer.json" 2>>"$OUT/queue.err" || true
ov_peer=$(( $(q_overflows) - ov0 ))
# Its idle keep-alive connections hold sandbox descriptors: stop it now.
q_stop_peer
rm -f "$VAR/nginx/extra/queue.conf"
nginx -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -s reload || true
q_sb_settle

# --- the sandbox alone: N create calls, then N image downloads -----------
q_img=$(curl -s -m 60 -X POST -H 'Authorization: Bearer sandbox-key' \
    -H 'Content-Type: application/json' --data @"$q_task" "$QSB/v1" |
    jq -r '.data[0].imageURL // empty' 2>/dev/null || true)
$QPY "$QCONC" --n "$QN" --timeout 60 --body "$q_task" \
    -H 'Authorization: Bearer sandbox-key' "$QSB/v1" \
    >"$OUT/queue_sb_create.json" 2>>"$OUT/queue.err" || true
if [ -n "$q_img" ]; then
	$QPY "$QCONC" --n "$QN" --timeout 60 "$q_img" \
	    >"$OUT/queue_sb_image.json" 2>>"$OUT/queue.err" || true
fi
q_sb_settle

# --- ours: one alone, then N at once with /health and RSS sampled --------
ours_one=$(q_one "$QGEN")
sbfd_ours=$(q_sbfds)
rss_base=$(q_rss)
ov0=$(q_overflows)
$QPY "$QCONC" --n "$QN" --timeout 60 --body "$q_body" "$QGEN" \
    >"$OUT/queue_ours.json" 2>>"$OUT/queue.err" &
q_burst=$!
$QPY "$QCONC" --probe --n 200 --gap 20 --delay 1 --timeout 5 --max-s 55 \
    "http://127.0.0.1:8023/health" >"$OUT/queue_health.json" \
    2>>"$OUT/queue.err" &
q_probe=$!
rss_peak=$rss_base
while kill -0 "$q_burst" 2>/dev/null; do
	r=$(q_rss)
	[ "$r" -gt "$rss_peak" ] && rss_peak=$r
	sleep 0.25
done
wait "$q_burst" || true
wait "$q_probe" || true
ov_ours=$(( $(q_overflows) - ov0 ))
q_faults 0
# What was left behind (abandoned at the timeout) drains now, at 0 ms:
# go on when one generation is quick again (at most 120 s).
q_drain() {
	t=0
	while [ "$t" -lt 120 ]; do
		s=$(q_one "$QGEN")
		[ -n "$s" ] && awk -v s="$s" 'BEGIN { exit !(s < 2) }' && return 0
		sleep 1; t=$((t + 2))
	done
}
q_drain

# --- enqueue (Prefer: respond-async) against validate-prompt -------------
# What is measured is the enqueue (check, INSERT, NOTIFY, 202): the runner
# is paused meanwhile (else the same 2 cores also run every job queued),
# and the jobs queued are deleted before it resumes.
rm -f "$OUT/enqueue.runs"
q_runner=$(cat "$VAR/run/runner.pid" 2>/dev/null || true)
[ -n "$q_runner" ] && kill -STOP "$q_runner" 2>/dev/null || true
for r in $(seq 1 "$RUNS"); do
	WRK_BODY_FILE=$q_body wrk -t2 -c"$CONN" -d"${DUR}s" --latency \
	    -H 'Prefer: respond-async' -s "$ROOT/bench/wrk/report.lua" \
	    "$QGEN" 2>&1 | grep '^WRK' >>"$OUT/enqueue.runs" || true
done
# The floor under it: PostgreSQL alone running the same kind of INSERT
# (project, job row with its JSON, NOTIFY; prepared) from pgbench with
# as many clients as wrk, on the same 2 cores, in the scope of every
# project (row-level security) as the service's own statements are.
q_pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -n 1)
cat >"$OUT/enqueue_pg.sql" <<'SQL'
WITH j AS (INSERT INTO generation_jobs (id, project_id, status, requested_provider, prompt_original, prompt_meta, params, created_at, deadline) VALUES (gen_random_uuid(), imagegen_project_ensure('default'), 'queued', 'runware_ai', 'a red fox in snow, watercolor', jsonb_build_object('prompt_validation', jsonb_build_object('method', 'none', 'original_length', 29, 'optimized_length', 29, 'optimization_time', 0.0, 'preserved_keywords', jsonb_build_array('watercolor'), 'fallback_reason', NULL, 'fallback_detail', NULL)), jsonb_build_object('provider', 'runware_ai', 'fallback', false, 'size_given', false, 'project_id', 'default', 'width', 1024, 'height', 1024, 'aspect_ratio', NULL, 'num_images', 1, 'seed', NULL, 'model', NULL, 'style', NULL, 'negative_prompt', NULL), now(), now() + interval '180 seconds') RETURNING id) SELECT pg_notify('imagegen_jobs', '') FROM j;
SQL
pg_tps=""
[ -n "$q_pgbench" ] && pg_tps=$(PGOPTIONS='-c imagegen.project=*' "$q_pgbench" -n -M prepared -c "$CONN" -j 2 \
    -T "$DUR" -f "$OUT/enqueue_pg.sql" "$QDB" 2>/dev/null |
    sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n 1)
PGOPTIONS='-c imagegen.project=*' \
    psql -q "$QDB" -c "DELETE FROM generation_jobs WHERE status = 'queued'" \
    >/dev/null 2>&1 || true
[ -n "$q_runner" ] && kill -CONT "$q_runner" 2>/dev/null || true
sort -t= -k3 -n "$OUT/enqueue.runs" | awk -v n="$RUNS" \
    'NR == int((n + 1) / 2)' | sed 's/^WRK //' >"$OUT/enqueue"
[ -s "$OUT/validate" ] || wrk_median validate \
    "http://127.0.0.1:8023/unified/validate-prompt" "$OUT/short.json" || true
q_drain
q_cleanup
trap cleanup EXIT INT TERM
sb_ref=$(( $(q_refused) - ${sb_ref0:-0} ))

# --- rows ------------------------------------------------------------------
ours_wall=$(qj "$OUT/queue_ours.json" .wall_s)
peer_wall=$(qj "$OUT/queue_peer.json" .wall_s)
sb_c=$(qj "$OUT/queue_sb_create.json" .wall_s)
sb_i=$(qj "$OUT/queue_sb_image.json" .wall_s)
enq=$(field enqueue rps 2>/dev/null || true)
qn() { v=$(field "$1" "$2" 2>/dev/null || true); echo "${v:-0}"; }
enq_err=$(( $(qn enqueue non2xx) + $(qn enqueue sockerr) ))
val=$(field validate rps 2>/dev/null || true)
q_codes() { qj "$1" '.codes | to_entries | map("\(.key):\(.value)") | join(",")'; }
q_errs() { qj "$1" '.errors | to_entries | map("\(.key):\(.value)") | join(",")'; }
{
	row "one generation alone at $QLAT ms/call" "$(awk -v s="${ours_one:-0}" 'BEGIN { printf "%.2f", s }')" "s"
	row "$QN sync generations at 5 s/call: wall (goal <= 1.3 x one)" "${ours_wall:-n/a}" "s"
	row "  wall / one generation" "$(ratio "${ours_wall:-0}" "${ours_one:-0}")" "ratio"
	row "  answered 200" "$(qj "$OUT/queue_ours.json" .ok)" "of $QN"
	row "  status codes (0 = no answer)" "$(q_codes "$OUT/queue_ours.json")" ""
	row "  client errors" "$(q_errs "$OUT/queue_ours.json")" ""
	row "  p50 / p99 latency of those answered 2xx" "$(qj "$OUT/queue_ours.json" .p50_s) / $(qj "$OUT/queue_ours.json" .p99_s)" "s"
	row "  loopback listen overflows during the burst" "$ov_ours" "count"
	row "  sandbox descriptors open before it (refuses >= 1024)" "$sbfd_ours" "count"
	row "peer: one generation alone" "$(awk -v s="${peer_one:-0}" 'BEGIN { printf "%.2f", s }')" "s"
	row "peer (FastAPI+httpx, 1 process): wall" "${peer_wall:-n/a}" "s"
	row "  peer answered 200" "$(qj "$OUT/queue_peer.json" .ok)" "of $QN"
	row "  peer loopback listen overflows" "$ov_peer" "count"
	row "  sandbox descriptors open before it" "$sbfd_peer" "count"
	row "ours / peer (goal <= 1)" "$(ratio "${ours_wall:-0}" "${peer_wall:-0}")" "ratio"
	row "connections the sandbox refused (descriptor >= 1024)" "$sb_ref" "count"
	row "sandbox alone: $QN creates, then $QN image GETs (floor)" "$(awk -v a="${sb_c:-0}" -v b="${sb_i:-0}" 'BEGIN { printf "%.2f", a + b }')" "s"
	row "/health p50 during the $QN" "$(qj "$OUT/queue_health.json" .p50_ms)" "ms"
	row "/health p99 during the $QN (goal < 50)" "$(qj "$OUT/queue_health.json" .p99_ms)" "ms"
	row "  /health answered 200" "$(qj "$OUT/queue_health.json" .ok)" "of $(qj "$OUT/queue_health.json" .n)"
	row "RSS of all imagegen processes before the burst" "$(awk -v k="$rss_base" 'BEGIN { printf "%.1f", k / 1024 }')" "MB"
	row "RSS of all imagegen processes at peak (goal < 300)" "$(awk -v k="$rss_peak" 'BEGIN { printf "%.1f", k / 1024 }')" "MB"
	row "KB per in-flight generation" "$(awk -v a="$rss_peak" -v b="$rss_base" -v n="$QN" 'BEGIN { printf "%.1f", (a - b) / n }')" "KB"
	row "enqueue (Prefer: respond-async) req/s" "${enq:-n/a}" "req/s"
	row "  enqueue latency p99" "$(field enqueue p99_ms 2>/dev/null || true)" "ms"
	row "  enqueue non-2xx + socket errors" "$enq_err" "count"
	row "  validate-prompt req/s (same run)" "${val:-n/a}" "req/s"
	row "enqueue / validate-prompt (goal >= 0.5)" "$(ratio "${enq:-0}" "${val:-0}")" "ratio"
	row "  PostgreSQL alone, the same INSERT (pgbench)" "${pg_tps:-n/a}" "tx/s"
	row "  enqueue / PostgreSQL alone" "$(ratio "${enq:-0}" "${pg_tps:-0}")" "ratio"
} >>"$OUT/extra.rows"
