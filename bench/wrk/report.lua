-- bench/wrk/report.lua - wrk script: optional POST body from the file in
-- $WRK_BODY_FILE, optional client key in $WRK_KEY (Authorization: Bearer),
-- and one machine-readable summary line at the end.
local f = os.getenv("WRK_BODY_FILE")
if f and f ~= "" then
	local h = io.open(f, "rb")
	wrk.method = "POST"
	wrk.body = h:read("*a")
	h:close()
	wrk.headers["Content-Type"] = "application/json"
end
local key = os.getenv("WRK_KEY")
if key and key ~= "" then
	wrk.headers["Authorization"] = "Bearer " .. key
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
	    "WRK requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d sockerr=%d\n",
	    summary.requests, summary.requests / (summary.duration / 1e6),
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
	    e.status, e.connect + e.read + e.write + e.timeout))
end
