-- wrk script for one fixed GET request, replayed as is (wrk builds it once).
-- LOAD_AGENT  User-Agent, which marks this run's rows in log.ApiRequest
-- LOAD_TOKEN  access token sent as "Authorization: Bearer", if set

wrk.headers["Accept"] = "application/json"
wrk.headers["User-Agent"] = os.getenv("LOAD_AGENT") or "eventlead-load"
local token = os.getenv("LOAD_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'LOAD_RESULT {"requests":%d,"duration_us":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"mean":%.1f,"max":%d,"p50":%d,"p95":%d,"p99":%d}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(95), latency:percentile(99)
  ))
end
