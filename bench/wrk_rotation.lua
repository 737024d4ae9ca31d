-- Shared by the wrk scripts that send messages (loaded with dofile, from the repository root):
-- a pool of requests to recipients rotating over a 10,000-number list (+1 415 555 xxxx),
-- formatted once in init so wrk spends its CPU sending rather than in Lua string formatting (on
-- a 2-core machine the load generator's CPU is taken from the server under test). Each wrk thread
-- starts at its own place in the list, so two threads do not send to the same recipient at the
-- same moment; SB_OFFSET (default 0) moves every thread's start, for several wrk processes
-- (bench/scaleout.sh runs one per instance). `make(n, to)` returns request n (wrk.format) for
-- recipient `to` given as digits without the "+" (14155550000 …).
function rotate_requests(pool, make)
  local requests = {}
  local counter = 0
  local threads = 0
  setup = function(thread)
    thread:set("first", threads * 7919)
    threads = threads + 1
  end
  init = function(args)
    counter = (first or 0) + tonumber(os.getenv("SB_OFFSET") or "0")
    for n = 0, pool - 1 do
      requests[n + 1] = make(n, string.format("1415%07d", 5550000 + n % 10000))
    end
  end
  request = function()
    counter = counter + 1
    return requests[counter % pool + 1]
  end
end
