-- wrk script: POST a Twilio-shaped send straight to bench/fake_provider (its own request rate is
-- the baseline for bench/dispatch.sh).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "To=%2B14155550123&From=%2B12025550100&Body=bench+message"

dofile("bench/wrk_result.lua")  -- done(): the RESULT line
