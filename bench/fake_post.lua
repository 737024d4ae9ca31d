-- wrk script: POST a Twilio-shaped send straight to bench/fake_provider (its own request rate is
-- the baseline for bench/dispatch.sh).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "To=%2B14155550123&From=%2B12025550100&Body=bench+message"

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors_status=%d errors_connect=%d errors_timeout=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(99), latency.max))
end
