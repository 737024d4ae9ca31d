-- wrk script: GET /healthz, the same HTTP stack with no database work (baseline).
dofile("bench/wrk_result.lua")  -- done(): the RESULT line
