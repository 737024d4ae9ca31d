-- wrk script: POST pre-signed Twilio inbound webhooks (bench/gen_twilio_webhooks.py), each one
-- once: threads take alternate lines, so every request is a new message (no dedupe shortcut).
local threads = {}
local counter = 0

setup = function(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

init = function(args)
  local nthreads = tonumber(os.getenv("SB_THREADS") or "2")
  reqs = {}
  local i = 0
  for line in io.lines(os.getenv("SB_WEBHOOKS")) do
    if i % nthreads == tid then
      local tab = line:find("\t", 1, true)
      table.insert(reqs, { sig = line:sub(1, tab - 1), body = line:sub(tab + 1) })
    end
    i = i + 1
  end
  path = os.getenv("SB_PATH")
end

request = function()
  counter = counter + 1
  local r = reqs[(counter - 1) % #reqs + 1]
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = r.sig,
    ["I-Twilio-Idempotency-Token"] = tostring(counter),
  }, r.body)
end

dofile("bench/wrk_result.lua")  -- done(): the RESULT line
