# bench/extra/timings.sh - sourced by bench/run.sh (OUT, ROOT, row and the
# running bench stack): the figures the tests used to assert as timings
# (tests assert behaviour; these are printed, never judged):
# - a batch of 8 at 1 s sandbox latency: wall (test_batch asserted
#   < 4 s; it now asserts the sandbox served the 8 calls at once; the
#   unit test_http's six 1 s transfers over curl multi are the same
#   overlap, one layer down);
# - 4 calls of 1 s through max_concurrent = 2: the batch's batch_time
#   (test_selection asserted >= 1.9 s; now the sandbox's most at once, 2);
# - weights 3:1 among equals: runware_ai's share of TIM_DRAWS "auto"
#   first choices of dry runs (test_selection asserted a band; now
#   weight 0 and 1:1);
# - an async generation: ms from its 202 until its row says "running"
#   (test_generate_db read it within 0.45 s; now while the call is in
#   flight at the sandbox), median of 5.
# provider_configs is saved first and put back after.
# Not here: pass/fail (figures only).
TIM_URL=${TIM_URL:-http://127.0.0.1:8023}
TIM_SB=${TIM_SB:-18120}
TIM_DB=${TIM_DB:-postgresql://imagegen@127.0.0.1:54349/imagegen}
TIM_DRAWS=${TIM_DRAWS:-200}
tim_sbg=http://127.0.0.1:$((TIM_SB + 3))
tim_auth=${TIM_KEY:+Authorization: Bearer $TIM_KEY}
tim_sql() { psql -q -At "$TIM_DB" -c "$1"; }
# tim_post PATH BODY [HEADER]: curl's "CODE SECONDS", the answer in $OUT/tim.out.
tim_post() {
	curl -s -m 60 -o "$OUT/tim.out" -w '%{http_code} %{time_total}\n' \
	    -X POST -H 'Content-Type: application/json' ${tim_auth:+-H "$tim_auth"} \
	    ${3:+-H "$3"} -d "$2" "$TIM_URL$1"
}
tim_fault() { curl -s -o /dev/null -X POST "$tim_sbg/__sandbox/faults" -d "$1"; }
tim_one='{"prompt":"a paper boat","provider":"gemini","fallback":false}'
tim_batch() { jq -cn --argjson n "$1" --argjson one "$tim_one" '{requests: [range($n) | $one]}'; }

tim_sql "DROP TABLE IF EXISTS tim_configs_saved" >/dev/null 2>&1
tim_sql "CREATE TABLE tim_configs_saved AS SELECT * FROM provider_configs" >/dev/null
tim_sql "UPDATE provider_configs SET rate_per_min = 0" >/dev/null

tim_fault '{"latency_ms":1000}'
tim_b8=$(tim_post /unified/generate/batch "$(tim_batch 8)" | awk '{ print $2 }')
tim_b8ok=$(jq -r '.succeeded // empty' "$OUT/tim.out" 2>/dev/null)
tim_sql "UPDATE provider_configs SET max_concurrent = 2 WHERE provider = 'gemini'" >/dev/null
tim_post /unified/generate/batch "$(tim_batch 4)" >/dev/null
tim_cap=$(jq -r '.batch_time // empty' "$OUT/tim.out" 2>/dev/null)
tim_sql "UPDATE provider_configs SET max_concurrent = NULL WHERE provider = 'gemini'" >/dev/null

# The row's status while Gemini thinks for 1 s: polled every 10 ms.
: >"$OUT/tim_running.ms"
for i in 1 2 3 4 5; do
	tim_post /unified/generate "$tim_one" 'Prefer: respond-async' >/dev/null
	id=$(jq -r '.generation_id // empty' "$OUT/tim.out" 2>/dev/null)
	[ -n "$id" ] || continue
	t0=$(date +%s%N)
	for k in $(seq 1 300); do
		st=$(curl -s ${tim_auth:+-H "$tim_auth"} "$TIM_URL/unified/jobs/$id" | jq -r '.status // empty')
		[ "$st" = running ] || [ "$st" = completed ] && break
		sleep 0.01
	done
	[ "$st" = running ] && echo $(( ($(date +%s%N) - t0) / 1000000 )) >>"$OUT/tim_running.ms"
	sleep 1.1	# its call ends before the next one
done
curl -s -o /dev/null -X DELETE "$tim_sbg/__sandbox/faults"

tim_sql "UPDATE provider_configs SET enabled = provider IN ('runware_ai', 'gemini'), priority = 10, weight = CASE provider WHEN 'runware_ai' THEN 3 ELSE 1 END" >/dev/null
tim_rw=0; tim_n=0
for i in $(seq 1 "$TIM_DRAWS"); do
	r=$(curl -s -m 30 -X POST -H 'Content-Type: application/json' ${tim_auth:+-H "$tim_auth"} \
	    -d '{"prompt":"a blue boat","width":512,"height":512}' \
	    "$TIM_URL/unified/generate?dry_run=1" | jq -r '.candidates[0].provider // empty')
	[ -n "$r" ] || continue
	tim_n=$((tim_n + 1))
	[ "$r" = runware_ai ] && tim_rw=$((tim_rw + 1))
done
tim_sql "DELETE FROM provider_configs" >/dev/null
tim_sql "INSERT INTO provider_configs SELECT * FROM tim_configs_saved" >/dev/null
tim_sql "DROP TABLE tim_configs_saved" >/dev/null
{
	row "batch of 8 at 1 s latency: wall" "$tim_b8" "s"
	row "  items answered 200" "${tim_b8ok:-0}" "of 8"
	row "4 calls of 1 s, max_concurrent 2: batch_time (>= 2)" "${tim_cap:-}" "s"
	row "weights 3:1: runware_ai first (expect 0.75)" "$(awk -v a="$tim_rw" -v n="$tim_n" 'BEGIN { printf "%.3f", n ? a / n : 0 }')" "share of $tim_n"
	row "async job: 202 -> row running, median" "$(sort -n "$OUT/tim_running.ms" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')" "ms"
} >>"$OUT/extra.rows"
