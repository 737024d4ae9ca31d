-- wrk script for bench/kannel.sh: Kannel's sendsms interface (smsbox), the same load as
-- post_messages.lua sends to Switchboard: one sender, a 10,000-number recipient list rotating,
-- a short text.
local user = os.getenv("KANNEL_USER") or "bench"
local pass = os.getenv("KANNEL_PASS") or "bench"
dofile("bench/wrk_rotation.lua")
rotate_requests(10000, function(n, to)
  return wrk.format("GET", string.format(
    "/cgi-bin/sendsms?username=%s&password=%s&from=12025550100&to=%s&text=bench+message+%d+from+wrk",
    user, pass, to, n))
end)

dofile("bench/wrk_result.lua")  -- done(): the RESULT line
