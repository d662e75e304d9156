-- wrk script for bench/load/run: a weighted mix of the back office's requests.
--
-- LOAD_DATA names a Lua file written by bench/load/mixed.py (users, their access tokens and
-- companies, refresh tokens per thread, the weighted schedule, this phase's marks).
-- Every request carries the phase's User-Agent and an X-Request-ID that encodes the phase,
-- the request kind, the thread and a counter. The server echoes the id, so each response is
-- matched to its request: that gives per-kind status counts and latencies, and the requests
-- still unanswered when wrk stops (the server answers and logs them all the same).
-- done() prints one line, "LOAD_RESULT {json}", for the Python side.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } load_timespec;
  int clock_gettime(int clock_id, load_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("load_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000000 + math.floor(tonumber(clock.tv_nsec) / 1000)
end

local data = dofile(os.getenv("LOAD_DATA"))
local KINDS = { "login", "refresh", "me", "company", "invitation_list", "invitation_create" }
local KIND_INDEX = {}
for i, name in ipairs(KINDS) do KIND_INDEX[name] = i end
local schedule = {}
for i, name in ipairs(data.schedule) do schedule[i] = KIND_INDEX[name] end

-- Main state: number the threads and keep them for done().
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end

-- Thread state from here on. done() reads a thread's results with thread:get, which in
-- wrk 4.1 copies strings and numbers safely but not tables (its table copy pops one value
-- too many, and crashes on nested tables). So each counter is a global number, and the
-- global string "counters" lists their names; "in_flight" lists the unanswered request ids.
counters, in_flight = "", ""
local pending, pending_count, pool, offset, n = {}, 0, {}, 0, 0

local function bump(name)
  local value = _G[name]
  if value == nil then
    counters = counters .. " " .. name
    value = 0
  end
  _G[name] = value + 1
end

local function list_in_flight()
  local ids = {}
  for id in pairs(pending) do ids[#ids + 1] = id end
  in_flight = table.concat(ids, " ")
end

-- Latency buckets: 0.1 ms wide below 100 ms, 1 ms wide above (counted in 0.1 ms units).
local function bucket(us)
  if us < 100000 then return math.floor(us / 100) end
  return math.floor(us / 1000) * 10
end

-- wrk calls request() once in the first thread, right after init(), only to check that it
-- builds a valid request; that one is never sent, so it must not be counted.
local verifying = false

function init(args)
  for _, token in ipairs(data.refresh[thread_no] or {}) do table.insert(pool, token) end
  offset = (thread_no - 1) * 7
  verifying = thread_no == 1
end

function request()
  if verifying then
    verifying = false
    return wrk.format("GET", "/api/v1/health")
  end
  n = n + 1
  local slot = offset + n
  local kind = schedule[slot % #schedule + 1]
  -- Each refresh token works once; if every one is in flight, read the profile instead.
  if kind == 2 and #pool == 0 then kind = 3 end
  -- Walks the users at a different pace than the schedule, so every kind reaches every user.
  local user = data.users[(slot + math.floor(n / #schedule)) % #data.users + 1]
  local id = string.format("%s-%04x-%04x-0000-%012x", data.tag, kind, thread_no, n)
  local headers = {
    ["Accept"] = "application/json",
    ["User-Agent"] = data.agent,
    ["X-Request-ID"] = id,
  }
  local method, path, body = "GET", nil, nil
  if kind == 1 then
    method, path = "POST", "/api/v1/auth/login"
    body = string.format('{"email":"%s","password":"%s"}', user.email, data.password)
  elseif kind == 2 then
    method, path = "POST", "/api/v1/auth/token/refresh"
    body = string.format('{"refresh":"%s"}', table.remove(pool))
  elseif kind == 3 then
    path = "/api/v1/users/me"
  elseif kind == 4 then
    path = "/api/v1/companies/" .. user.company
  elseif kind == 5 then
    path = "/api/v1/companies/" .. user.company .. "/invitations"
  else
    method, path = "POST", "/api/v1/companies/" .. user.company .. "/invitations"
    -- Unique per request across threads and phases, so no create meets a pending invitation.
    body = string.format('{"email":"%s-t%d-%d@example.com","role":"company_user"}', data.email_prefix, thread_no, n)
  end
  if kind ~= 1 and kind ~= 2 then
    headers["Authorization"] = "Bearer " .. user.access
  end
  if body then headers["Content-Type"] = "application/json" end
  bump("sent_" .. kind)
  pending[id] = now_us()
  list_in_flight()
  return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
  local id = headers["X-Request-ID"] or headers["X-Request-Id"] or headers["x-request-id"]
  local started = id and pending[id]
  if not started then
    bump("unmatched")
    return
  end
  pending[id] = nil
  list_in_flight()
  local kind = tonumber(string.sub(id, 10, 13), 16)
  bump("status_" .. kind .. "_" .. status)
  bump("latency_" .. kind .. "_" .. bucket(now_us() - started))
  if kind == 2 and status == 200 then
    local token = string.match(body, '"refresh"%s*:%s*"([^"]+)"')
    if token then table.insert(pool, token) end
  end
end

-- Main state again: add up the threads and print the summary as JSON.

local function percentiles(histogram)
  local keys, total = {}, 0
  for key, count in pairs(histogram) do
    keys[#keys + 1] = key
    total = total + count
  end
  if total == 0 then return {} end
  table.sort(keys)
  local result, seen, wanted = {}, 0, { p50 = 50, p95 = 95, p99 = 99 }
  for _, key in ipairs(keys) do
    seen = seen + histogram[key]
    for name, p in pairs(wanted) do
      if result[name] == nil and seen >= total * p / 100 then
        local width = key < 1000 and 100 or 1000
        result[name] = key * 100 + width / 2  -- The bucket's middle, in microseconds.
      end
    end
  end
  return result
end

local function encode(value)
  local kind = type(value)
  if kind == "number" then
    if value == math.floor(value) then return string.format("%d", value) end
    return string.format("%.1f", value)
  end
  if kind == "string" then return '"' .. value .. '"' end
  local parts = {}
  for key, item in pairs(value) do parts[#parts + 1] = '"' .. tostring(key) .. '":' .. encode(item) end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local kinds, histograms, ids, unmatched = {}, {}, {}, 0
  for i, name in ipairs(KINDS) do
    kinds[name] = { sent = 0, answered = 0, statuses = {} }
    histograms[i] = {}
  end
  for _, thread in ipairs(threads) do
    for name in string.gmatch(thread:get("counters"), "%S+") do
      local count = thread:get(name)
      local kind, rest = string.match(name, "^%a+_(%d+)_(%d+)$")
      if name == "unmatched" then
        unmatched = unmatched + count
      elseif string.match(name, "^sent_") then
        local k = kinds[KINDS[tonumber(string.sub(name, 6))]]
        k.sent = k.sent + count
      elseif string.match(name, "^status_") then
        local k = kinds[KINDS[tonumber(kind)]]
        k.answered = k.answered + count
        k.statuses[rest] = (k.statuses[rest] or 0) + count
      else
        local h = histograms[tonumber(kind)]
        h[tonumber(rest)] = (h[tonumber(rest)] or 0) + count
      end
    end
    for id in string.gmatch(thread:get("in_flight"), "%S+") do ids[#ids + 1] = id end
  end
  for i, name in ipairs(KINDS) do
    kinds[name].latency_us = percentiles(histograms[i])
  end
  local e = summary.errors
  io.write("LOAD_RESULT " .. encode({
    requests = summary.requests,
    duration_us = summary.duration,
    errors = { connect = e.connect, read = e.read, write = e.write, status = e.status, timeout = e.timeout },
    latency_us = {
      mean = latency.mean, max = latency.max,
      p50 = latency:percentile(50), p95 = latency:percentile(95), p99 = latency:percentile(99),
    },
    kinds = kinds,
    in_flight = table.concat(ids, " "),
    unmatched = unmatched,
  }) .. "\n")
end
