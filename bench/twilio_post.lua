-- wrk script: POST /2010-04-01/Accounts/{AccountSid}/Messages.json (the Twilio-compatible API),
-- form-encoded as Twilio's SDKs send it, with a rotating pool of recipients.
local auth = os.getenv("SB_TWILIO_AUTH")  -- "Basic base64(AccountSid:AuthToken)"
local path = os.getenv("SB_TWILIO_PATH")  -- "/2010-04-01/Accounts/AC.../Messages.json"
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded", ["Authorization"] = auth }
dofile("bench/wrk_rotation.lua")
rotate_requests(tonumber(os.getenv("SB_POOL") or "10000"), function(n, to)
  return wrk.format("POST", path, headers,
    string.format("To=%%2B%s&From=%%2B12025550100&Body=bench+message+%d+from+wrk", to, n))
end)

dofile("bench/wrk_result.lua")  -- done(): the RESULT line
