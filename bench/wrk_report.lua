-- wrk script for bench/load.py: cycles through the paths given after "--" (one path if one is given)
-- and prints the run's figures as one JSON line, latencies in microseconds.

local paths = {}
local next_path = 0

function init(args)
  for i, path in ipairs(args) do
    paths[i] = path
  end
  -- Each wrk thread starts at a different place in the list.
  next_path = math.random(math.max(#paths, 1)) - 1
end

function request()
  if #paths == 0 then
    return wrk.format()
  end
  next_path = next_path % #paths + 1
  return wrk.format(nil, paths[next_path])
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max
  ))
end
