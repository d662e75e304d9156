-- wrk script for bench/run: builds one scenario's requests and prints a JSON summary.
-- BENCH_SCENARIO  login | refresh | any other name: a GET of wrk's URL
-- BENCH_TOKEN     access token sent as a Bearer token by the GETs (none when empty)
-- BENCH_PASSWORD, BENCH_USERS  password and count of the users bench-001@example.com ... for "login"
-- BENCH_REFRESH_FILE, BENCH_THREADS  unused refresh tokens, one a line, shared out among the
--                 threads, for "refresh"

local scenario = os.getenv("BENCH_SCENARIO") or "bare"
local json_headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }

wrk.headers["Accept"] = "application/json"

-- Runs in the main Lua state once per thread: number the threads.
local threads_started = 0
function setup(thread)
  thread:set("thread_no", threads_started)
  threads_started = threads_started + 1
end

if scenario == "login" then
  local password = os.getenv("BENCH_PASSWORD")
  local users = tonumber(os.getenv("BENCH_USERS") or "1")
  local sent = 0

  -- Successive logins go to different users, as real sign-ins do: one user's row would
  -- make every login wait on the same row lock. Each thread starts at a different user.
  function request()
    sent = sent + 1
    local n = (thread_no * 7 + sent) % users + 1
    local body = string.format('{"email":"bench-%03d@example.com","password":"%s"}', n, password)
    return wrk.format("POST", nil, json_headers, body)
  end
elseif scenario == "refresh" then
  -- Each refresh token works once: rotation blacklists it. Every thread keeps a pool of its
  -- own, takes a token per request and puts back the one each answer brings, as a client does.
  local pool = {}
  -- wrk calls request() once in the first thread to check it builds a request, and never
  -- sends that one: it must not spend a token.
  local verifying = false

  function init(args)
    local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
    local line = 0
    for token in io.lines(os.getenv("BENCH_REFRESH_FILE")) do
      if line % threads == thread_no then table.insert(pool, token) end
      line = line + 1
    end
    verifying = thread_no == 0
  end

  function request()
    if verifying then
      verifying = false
      return wrk.format("GET", "/api/v1/health")
    end
    -- An empty pool means refreshes failed: a spent token makes that a counted 401.
    local token = table.remove(pool) or "spent"
    return wrk.format("POST", nil, json_headers, string.format('{"refresh":"%s"}', token))
  end

  function response(status, headers, body)
    if status == 200 then
      local token = string.match(body, '"refresh"%s*:%s*"([^"]+)"')
      if token then table.insert(pool, token) end
    end
  end
else
  -- A fixed request: wrk builds it once and replays it.
  local token = os.getenv("BENCH_TOKEN") or ""
  if token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
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
