-- wrk's script for bench/web_bench.py: each thread repeats a sequence of requests from the plan that
-- BENCH_PLAN names (a Lua file web_bench.py writes). With `check`, each response's status is compared
-- with the one the rehearsal saw, and a redirect marked `follow` is followed with a GET, as a browser
-- does, carrying the messages cookie the redirect set. Run one connection per thread then: requests
-- of one thread go out one at a time, in order.

local plan = dofile(os.getenv("BENCH_PLAN"))
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  local sequence = plan.sequences[(id - 1) % #plan.sequences + 1]
  steps = {}
  for i, step in ipairs(sequence.steps) do
    steps[i] = { raw = wrk.format(step.method, step.path, step.headers, step.body), expect = step.expect, follow = step.follow }
  end
  follow_headers = sequence.follow_headers
  at = 0
  following = nil
  sent = nil
  unexpected = 0
  statuses = ""
  -- wrk calls the first thread's request() once before the run, to check it, and sends nothing.
  dry_run = id == 1
end

function request()
  if dry_run then
    dry_run = false
    return steps[1].raw
  end
  if following then
    sent = { expect = 200 }
    local raw = following
    following = nil
    return raw
  end
  at = at % #steps + 1
  sent = steps[at]
  return sent.raw
end

if plan.check then
  function response(status, headers, body)
    answered = (answered or 0) + 1
    if status ~= sent.expect then
      unexpected = unexpected + 1
      if #statuses < 200 then
        local said = string.match(body or "", 'message%-error"[^>]*>([^<]*)') or ""
        statuses = statuses .. "#" .. answered .. " thread " .. id .. " " .. (sent.follow == nil and "redirected" or "step " .. at) .. ": " .. status .. " " .. said .. ", "
      end
    end
    if sent.follow == true and status >= 300 and status < 400 then
      local location = string.gsub(headers["Location"] or "/", "^https?://[^/]+", "")
      local follow = {}
      for name, value in pairs(follow_headers) do follow[name] = value end
      local cookie = string.match(headers["Set-Cookie"] or "", "^(messages=[^;]*)")
      if cookie then follow["Cookie"] = follow["Cookie"] .. "; " .. cookie end
      following = wrk.format("GET", location, follow)
    end
  end
end

function done(summary, latency, requests)
  local unexpected_total, seen = 0, ""
  for _, thread in ipairs(threads) do
    unexpected_total = unexpected_total + (thread:get("unexpected") or 0)
    seen = seen .. (thread:get("statuses") or "")
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "errors": %d, "p50_us": %d, "p99_us": %d, "unexpected": %d, "statuses": "%s"}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect + errors.read + errors.write + errors.status + errors.timeout,
    latency:percentile(50), latency:percentile(99), unexpected_total, seen
  ))
end
