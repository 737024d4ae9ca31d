-- wrk script for bench/kannel.sh: Kannel's sendsms interface (smsbox), the same load as
-- post_messages.lua sends to Switchboard: one sender, a 10,000-number recipient list rotating,
-- a short text.
local user = os.getenv("KANNEL_USER") or "bench"
local pass = os.getenv("KANNEL_PASS") or "bench"
-- Appended to every request (bench/smpp.sh: "&dlr-mask=3" asks for delivery reports).
local extra = os.getenv("KANNEL_EXTRA") or ""
dofile("bench/wrk_rotation.lua")
rotate_requests(10000, function(n, to)
  return wrk.format("GET", string.format(
    "/cgi-bin/sendsms?username=%s&password=%s&from=12025550100&to=%s&text=bench+message+%d+from+wrk%s",
    user, pass, to, n, extra))
end)

dofile("bench/wrk_result.lua")  -- done(): the RESULT line
