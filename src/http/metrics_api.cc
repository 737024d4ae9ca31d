// The metrics endpoint and who may read it: loopback clients, holders of the metrics token, and
// any client of the dedicated metrics listener when no token is set.
#include "http/metrics_api.h"

#include "core/crypto.h"
#include "core/metrics.h"

namespace sb::http {
namespace {

bool loopback(std::string_view address) {
  return address.rfind("127.", 0) == 0 || address == "::1" || address.rfind("::ffff:127.", 0) == 0;
}

}  // namespace

std::string metrics_refusal(const Request& req, const MetricsAccess& access) {
  if (!access.enabled) return "not_found";
  if (loopback(req.remote_address)) return "";
  if (access.token.empty()) return access.dedicated ? "" : "forbidden";
  const std::string auth = req.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() > kBearer.size() && auth.compare(0, kBearer.size(), kBearer) == 0 &&
      crypto::constant_time_equal(std::string_view(auth).substr(kBearer.size()), access.token)) {
    return "";
  }
  return "unauthorized";
}

void register_metrics_api(Router& router, MetricsAccess access) {
  router.add("GET", "/metrics", [access = std::move(access)](Request& req, Reply reply) {
    const std::string refused = metrics_refusal(req, access);
    if (refused == "not_found") {
      return reply(Response::error(Error::make("not_found", "metrics are disabled")));
    }
    if (refused == "unauthorized") {
      Response r = Response::error(
          Error::make("unauthorized", "metrics need Authorization: Bearer <metrics token>"));
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return reply(std::move(r));
    }
    if (refused == "forbidden") {
      return reply(Response::error(
          Error::make("forbidden",
                      "metrics are served to loopback clients only (see [metrics] token, "
                      "listen)")));
    }
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics::registry().render();
    reply(std::move(r));
  });
}

}  // namespace sb::http
