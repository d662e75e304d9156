-- wrk script for bench/run: builds one scenario's requests and prints a JSON summary.
-- BENCH_SCENARIO  bare | me | login
-- BENCH_TOKEN     access token for "me"
-- BENCH_PASSWORD, BENCH_USERS  password and count of the users bench-001@example.com ... for "login"

local scenario = os.getenv("BENCH_SCENARIO") or "bare"

wrk.headers["Accept"] = "application/json"

if scenario == "me" then
  -- A fixed request: wrk builds it once and replays it.
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
elseif scenario == "login" then
  local password = os.getenv("BENCH_PASSWORD")
  local users = tonumber(os.getenv("BENCH_USERS") or "1")
  local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
  local next_offset = 0
  local sent = 0

  -- Runs in the main Lua state once per thread; each thread starts at a different user.
  function setup(thread)
    thread:set("offset", next_offset)
    next_offset = next_offset + 7
  end

  -- Successive logins go to different users, as real sign-ins do: one user's row would
  -- make every login wait on the same row lock.
  function request()
    sent = sent + 1
    local n = (offset + sent) % users + 1
    local body = string.format('{"email":"bench-%03d@example.com","password":"%s"}', n, password)
    return wrk.format("POST", nil, headers, body)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p90":%d,"p95":%d,"p99":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99)
  ))
end
