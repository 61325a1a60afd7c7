-- POST the bodies of the file named by BODIES (one JSON body per line), in turn, so every request
-- checks a different card and no per-text cache could flatter the figure. The requests are built
-- once in init(), so wrk spends no Lua time per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local requests = {}
local next_one = 1

function init(args)
  local path = os.getenv("BODIES") or error("BODIES: a file of JSON bodies, one per line")
  local n = 0
  for line in io.lines(path) do
    if #line > 0 then
      n = n + 1
      requests[n] = wrk.format(nil, nil, nil, line)
    end
  end
  if n == 0 then error(path .. " has no bodies") end
  -- Each wrk thread starts at its own offset, so threads do not walk in step.
  next_one = math.random(n)
end

function request()
  local r = requests[next_one]
  next_one = next_one % #requests + 1
  return r
end

-- One machine-readable line for run.sh: requests/s, latency percentiles in microseconds, errors.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT rps=%.0f p50_us=%d p90_us=%d p99_us=%d max_us=%d requests=%d errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status))
end
