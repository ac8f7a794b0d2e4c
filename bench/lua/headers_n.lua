-- The peer's wrk script (shared/peers/django-helpdesk/lua/bench.lua) with one addition: __N__ is
-- also replaced in header values, so every request can carry its own Idempotency-Key.
-- Used by bench/wrk_run.py; bench.sh scenarios keep using the peer's script unchanged.
-- Configured through environment:
--   WRK_METHOD      GET or POST
--   WRK_PATH        request path (may contain __N__)
--   WRK_BODY        body template (may contain __N__, replaced by a unique id per request)
--   WRK_HEADERS     extra headers separated by "\n" ("Name: value"; values may contain __N__)
--   WRK_MAX_PER_THREAD  stop a thread after this many responses (0 = only the duration bounds it)
--   WRK_RUN_ID      prefix making __N__ unique across runs
-- Prints one line "WRKJSON {...}" at the end with throughput, percentiles and status counts.

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end

function init(args)
  method = os.getenv("WRK_METHOD") or "GET"
  path_t = os.getenv("WRK_PATH") or "/"
  body_t = os.getenv("WRK_BODY")
  run_id = os.getenv("WRK_RUN_ID") or "r"
  max_per_thread = tonumber(os.getenv("WRK_MAX_PER_THREAD") or "0") or 0
  hdrs = {}
  local raw = os.getenv("WRK_HEADERS") or ""
  for line in string.gmatch(raw, "[^\n]+") do
    local k, v = string.match(line, "^%s*([^:]+):%s*(.*)$")
    if k then hdrs[k] = v end
  end
  counter = 0
  responses = 0
  codes = {}
end

function request()
  counter = counter + 1
  local uid = run_id .. "-" .. thread_id .. "-" .. counter
  local p = string.gsub(path_t, "__N__", uid)
  local b = nil
  if body_t and body_t ~= "" then b = string.gsub(body_t, "__N__", uid) end
  local h = {}
  for k, v in pairs(hdrs) do h[k] = string.gsub(v, "__N__", uid) end
  return wrk.format(method, p, h, b)
end

function response(status, headers, body)
  responses = responses + 1
  local k = tostring(status)
  codes[k] = (codes[k] or 0) + 1
  if max_per_thread > 0 and responses >= max_per_thread then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local agg = {}
  for _, t in ipairs(threads) do
    local c = t:get("codes") or {}
    for k, v in pairs(c) do agg[k] = (agg[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(agg) do table.insert(parts, string.format('"%s":%d', k, v)) end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    'WRKJSON {"requests":%d,"seconds":%.3f,"rps":%.2f,"p50_ms":%.2f,"p90_ms":%.2f,"p95_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f,"mean_ms":%.2f,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_timeout":%d,"non_2xx_3xx":%d,"codes":{%s}}\n',
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
    e.connect, e.read, e.write, e.timeout, e.status, table.concat(parts, ",")))
end
