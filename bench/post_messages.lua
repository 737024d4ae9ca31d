-- wrk script: POST /v1/messages with a rotating pool of recipients (a 10,000-number list).
local key = os.getenv("SB_KEY")
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. (key or "") }
dofile("bench/wrk_rotation.lua")
rotate_requests(tonumber(os.getenv("SB_POOL") or "10000"), function(n, to)
  return wrk.format("POST", "/v1/messages", headers,
    string.format('{"to":"+%s","body":"bench message %d from wrk"}', to, n))
end)

dofile("bench/wrk_result.lua")  -- done(): the RESULT line
