// GET /metrics: the metrics registry in the Prometheus text format (docs/operations.md#metrics).
#pragma once

#include <string>

#include "http/router.h"

namespace sb::http {

struct MetricsAccess {
  bool enabled = true;
  // Clients other than loopback ones present it as `Authorization: Bearer <token>`.
  std::string token;
  // The dedicated metrics listener ([metrics] listen): without a token, every client that can
  // reach it may scrape. On the main listener only loopback clients may scrape without one.
  bool dedicated = false;
};

// Whether `req` may read the metrics: "" when it may, else the refusing error code
// ("unauthorized" when a token would let it in, "forbidden" when nothing would, "not_found"
// when metrics are off).
std::string metrics_refusal(const Request& req, const MetricsAccess& access);

void register_metrics_api(Router& router, MetricsAccess access);

}  // namespace sb::http
