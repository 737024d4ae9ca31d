-- wrk script: POST /v1/messages with a rotating pool of recipients (a 10,000-number list).
local counter = 0
local key = os.getenv("SB_KEY")
local pool = tonumber(os.getenv("SB_POOL") or "10000")

request = function()
  counter = counter + 1
  local n = counter % pool
  local to = string.format("+1415%07d", 5550000 + n % 10000) -- +1415555xxxx
  local body = string.format('{"to":"%s","body":"bench message %d from wrk"}', to, counter)
  return wrk.format("POST", "/v1/messages",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }, body)
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors_status=%d errors_connect=%d errors_timeout=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(99), latency.max))
end
