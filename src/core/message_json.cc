// Message resource serialization.
#include "core/message_json.h"

namespace sb {

namespace {
nlohmann::json nullable(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}
}  // namespace

nlohmann::json to_json(const Message& m) {
  nlohmann::json j = {
      {"id", m.id},
      {"account", m.account},
      {"direction", to_string(m.direction)},
      {"from", m.from},
      {"to", m.to},
      {"body", m.body},
      {"media_urls", m.media_urls},
      {"status", to_string(m.status)},
      {"segments", m.segments},
      {"encoding", to_string(m.encoding)},
      {"created_at", format_rfc3339(m.created_at)},
      {"updated_at", format_rfc3339(m.updated_at)},
      {"error_code", nullable(m.error_code)},
      {"error_message", nullable(m.error_message)},
      {"metadata", m.metadata},
      {"connector", nullable(m.connector)},
      {"provider_message_id", nullable(m.provider_message_id)},
      {"status_callback", nullable(m.status_callback)},
      {"validity_period", m.validity_period_s ? nlohmann::json(*m.validity_period_s)
                                              : nlohmann::json(nullptr)},
      {"attempts", m.attempts},
  };
  return j;
}

nlohmann::json to_json(const MessageEvent& e) {
  nlohmann::json j = {{"type", e.type},
                      {"status", to_string(e.status)},
                      {"at", format_rfc3339(e.at)},
                      {"applied", e.applied},
                      {"provider_status", nullable(e.provider_status)},
                      {"error_code", nullable(e.error_code)},
                      {"error_message", nullable(e.error_message)}};
  if (!e.detail.empty()) j["detail"] = e.detail;
  return j;
}

nlohmann::json to_json(const Message& m, const std::vector<MessageEvent>& events) {
  nlohmann::json j = to_json(m);
  nlohmann::json ev = nlohmann::json::array();
  for (const auto& e : events) ev.push_back(to_json(e));
  j["events"] = std::move(ev);
  return j;
}

}  // namespace sb
