// The /v1 API's registration, /v1/stats, and the health endpoints /healthz and /readyz.
#include "http/api.h"

#include <spdlog/spdlog.h>

#include "core/message_json.h"
#include "http/api_util.h"
#include "http/compliance_api.h"
#include "http/contacts_api.h"
#include "http/conversations_api.h"
#include "http/forwarding_api.h"
#include "http/messages_api.h"
#include "http/numbers_api.h"
#include "http/verifications_api.h"

namespace sb::http {

using nlohmann::json;

void register_api(Router& router, engine::Services& s) {
  router.add(
      "GET", "/healthz",
      [](Request&, Reply reply) { reply(Response::json(200, {{"status", "ok"}})); }, Run::kInline);
  router.add("GET", "/readyz", [&s](Request&, Reply reply) {
    // Ready means the database answers. Connectors are reported too: one whose credentials were
    // rejected (or that keeps failing) is "open" with the reason, and its messages wait.
    json connectors = json::array();
    bool degraded = false;
    for (const auto& c : s.gateway.connector_states()) {
      json j = {{"id", c.id}, {"circuit", to_string(c.circuit.state)}};
      if (c.circuit.state != engine::CircuitState::kClosed) {
        degraded = true;
        j["reason"] = c.circuit.reason;
        j["retry_at"] = format_rfc3339(c.circuit.retry_at);
      }
      connectors.push_back(std::move(j));
    }
    const auto ready = s.accounts.readiness();
    if (!ready.database_ok) {
      spdlog::warn("readyz: database unreachable: {}", ready.database_error);
      return reply(Response::json(503, {{"status", "unavailable"},
                                        {"checks",
                                         {{"database", {{"ok", false}, {"error", "unreachable"}}},
                                          {"connectors", connectors}}}}));
    }
    // Inbound messages for numbers no account owns wait for an operator (docs/webhooks.md).
    json webhooks = {{"unrouted_inbound", ready.unrouted_inbound}};
    reply(Response::json(200, {{"status", degraded ? "degraded" : "ready"},
                               {"checks", {{"database", {{"ok", true}}},
                                           {"connectors", connectors},
                                           {"webhooks", webhooks}}}}));
  });

  router.add("GET", "/v1/stats",
             authed(s.gateway, kScopeMessagesRead, [&s](Request&, const std::string& account, Reply reply) {
               auto counts = s.messages.count_by_status(account);
               if (!counts) return reply(Response::error(counts.error()));
               json by_status = json::object();
               int64_t total = 0;
               for (const auto& [status, n] : *counts) {
                 by_status[status] = n;
                 total += n;
               }
               reply(Response::json(
                   200, {{"messages", {{"total", total}, {"by_status", by_status}}}}));
             }));

  register_messages_api(router, s);
  register_conversations_api(router, s);
  register_contacts_api(router, s);
  register_compliance_api(router, s);
  register_verifications_api(router, s);
  register_numbers_api(router, s);
  register_forwarding_api(router, s);
  register_tools_api(router, s.gateway);
}

}  // namespace sb::http
