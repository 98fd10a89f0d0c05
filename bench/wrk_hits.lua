-- wrk script for bench/load.py's churn run: cycles through the paths given after "--", counts the
-- answers served from a cache (X-Cache: hit from the site, HIT from Varnish), and prints the run's
-- figures as one JSON line, latencies in microseconds.

local paths, threads = {}, {}
local next_path = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for i, path in ipairs(args) do
    paths[i] = path
  end
  next_path = math.random(math.max(#paths, 1)) - 1
  answers, hits = 0, 0
end

function request()
  next_path = next_path % #paths + 1
  return wrk.format(nil, paths[next_path])
end

function response(status, headers, body)
  answers = answers + 1
  local cache = headers["X-Cache"] or headers["x-cache"] or ""
  if string.lower(cache) == "hit" then
    hits = hits + 1
  end
end

function done(summary, latency, requests)
  local answered, served_from_cache = 0, 0
  for _, thread in ipairs(threads) do
    answered = answered + thread:get("answers")
    served_from_cache = served_from_cache + thread:get("hits")
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "answers": %d, "hits": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d}\n',
    summary.requests, summary.duration, answered, served_from_cache, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max
  ))
end
