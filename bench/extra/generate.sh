# bench/extra/generate.sh - sourced by bench/run.sh (OUT, VAR, ROOT and
# the running bench stack): the generation figures.
# - service overhead: POST /unified/generate (gemini, sandbox at zero
#   latency) vs the same sandbox call made directly with curl, p50 of
#   GEN_N sequential requests each; the difference is our cost per image
#   (prompt checks, plan, record writes, image decode, sniff, sha256,
#   fsync'ed atomic write, JSON answer).
# - concurrency: 64 generate requests at once with 1 s sandbox latency:
#   wall time and throughput against the ideal latency x ceil(64/workers).
# - batch: POST /unified/generate/batch of 16 at 1 s sandbox latency:
#   wall time (the items run at once in one worker, over curl multi).
GEN_N=${GEN_N:-40}
SBG=http://127.0.0.1:18123
gen_body='{"prompt":"a red fox in snow, watercolor","provider":"gemini","fallback":false}'
sb_body='{"contents":[{"role":"user","parts":[{"text":"a red fox in snow, watercolor"}]}],"generationConfig":{"responseModalities":["IMAGE"],"imageConfig":{"aspectRatio":"1:1"}}}'
p50() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# The figures are about our cost, not the limiter: no rate_per_min here.
psql -q "postgresql://imagegen@127.0.0.1:54349/imagegen" \
    -c "UPDATE provider_configs SET rate_per_min = 0" >/dev/null
curl -s -X DELETE "$SBG/__sandbox/faults" >/dev/null
for i in $(seq 1 "$GEN_N"); do
	curl -s -o /dev/null -w '%{time_total}\n' -X POST \
	    -H 'Content-Type: application/json' -d "$gen_body" \
	    http://127.0.0.1:8023/unified/generate
done | awk '{ print $1 * 1000 }' >"$OUT/gen_ours.ms"
for i in $(seq 1 "$GEN_N"); do
	curl -s -o /dev/null -w '%{time_total}\n' -X POST \
	    -H 'Content-Type: application/json' -H 'x-goog-api-key: sandbox-key' \
	    -d "$sb_body" "$SBG/v1beta/models/gemini-2.5-flash-image:generateContent"
done | awk '{ print $1 * 1000 }' >"$OUT/gen_direct.ms"
ours=$(p50 <"$OUT/gen_ours.ms"); direct=$(p50 <"$OUT/gen_direct.ms")
curl -s -X POST "$SBG/__sandbox/faults" -d '{"latency_ms":1000}' >/dev/null
t0=$(date +%s%N)
seq 1 64 | xargs -P 64 -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST \
    -H 'Content-Type: application/json' -d "$gen_body" \
    http://127.0.0.1:8023/unified/generate >"$OUT/gen_conc.codes"
t1=$(date +%s%N)
batch_body=$(jq -cn --argjson n 16 --argjson one "$gen_body" \
    '{requests: [range($n) | $one]}')
for i in 1 2 3; do
	curl -s -o "$OUT/gen_batch.json" -w '%{time_total}\n' -X POST \
	    -H 'Content-Type: application/json' -d "$batch_body" \
	    http://127.0.0.1:8023/unified/generate/batch
done | sort -n | awk 'NR == 2' >"$OUT/gen_batch.s"
batch_ok=$(jq -r '.succeeded' "$OUT/gen_batch.json")
curl -s -X DELETE "$SBG/__sandbox/faults" >/dev/null
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
ideal=$(( (64 + W - 1) / W ))
ok=$(grep -c '^200$' "$OUT/gen_conc.codes")
{
	row "generate p50 through nginx (gemini sandbox, 0 ms)" "$ours" "ms"
	row "same sandbox call direct with curl, p50" "$direct" "ms"
	row "service overhead per image, p50 (goal < 5)" "$(awk -v a="$ours" -v b="$direct" 'BEGIN { printf "%.2f", a - b }')" "ms"
	row "64 concurrent generates at 1 s latency: wall" "$wall" "s"
	row "  ideal: 1 s x ceil(64 / $W workers)" "$ideal" "s"
	row "  throughput" "$(awk -v w="$wall" 'BEGIN { printf "%.2f", 64 / w }')" "gen/s"
	row "  answered 200" "$ok" "of 64"
	row "batch of 16 at 1 s latency, median of 3 (goal < 1.3)" "$(awk '{ printf "%.3f", $1 }' "$OUT/gen_batch.s")" "s"
	row "  items answered 200" "$batch_ok" "of 16"
} >>"$OUT/extra.rows"
