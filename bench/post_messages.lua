-- wrk script: POST /v1/messages with a rotating pool of recipients (a 10,000-number list).
-- The requests are formatted once, in init, so wrk spends its CPU sending rather than in Lua
-- string formatting (on a 2-core machine the load generator's CPU is taken from the server).
local key = os.getenv("SB_KEY")
local pool = tonumber(os.getenv("SB_POOL") or "10000")
local requests = {}
local counter = 0
local threads = 0

-- Each wrk thread starts at its own place in the list, so two threads do not send to the same
-- recipient at the same moment.
setup = function(thread)
  thread:set("first", threads * 7919)
  threads = threads + 1
end

init = function(args)
  counter = first or 0
  for n = 0, pool - 1 do
    local to = string.format("+1415%07d", 5550000 + n % 10000) -- +1415555xxxx
    local body = string.format('{"to":"%s","body":"bench message %d from wrk"}', to, n)
    requests[n + 1] = wrk.format("POST", "/v1/messages",
      { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }, body)
  end
end

request = function()
  counter = counter + 1
  return requests[counter % pool + 1]
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors_status=%d errors_connect=%d errors_timeout=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(99), latency.max))
end
