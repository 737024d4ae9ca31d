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
      {"channel", m.media_urls.empty() ? "sms" : "mms"},
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
      {"conversation_id", nullable(m.conversation_id)},
      // Scheduling and quiet hours.
      {"send_at", m.send_at ? nlohmann::json(format_rfc3339(*m.send_at)) : nlohmann::json(nullptr)},
      {"category", m.category},
      {"max_price", nullable(m.max_price)},
      {"smart_encoding",
       m.smart_encoding ? nlohmann::json(*m.smart_encoding) : nlohmann::json(nullptr)},
      {"deferred_until", m.deferred_until ? nlohmann::json(format_rfc3339(*m.deferred_until))
                                          : nlohmann::json(nullptr)},
  };
  if (!m.media.empty()) {
    nlohmann::json media = nlohmann::json::array();
    for (const auto& item : m.media) {
      nlohmann::json j = {{"url", item.url},
                          {"content_type", nullable(item.content_type)},
                          {"size", item.size ? nlohmann::json(*item.size) : nlohmann::json(nullptr)}};
      // Re-hosted media (docs/media.md): our id and fetch state; the provider's URL stays out.
      if (!item.id.empty()) {
        j["id"] = item.id;
        j["state"] = item.state.empty() ? "pending" : item.state;
        j["error"] = nullable(item.error);
      }
      media.push_back(std::move(j));
    }
    j["media"] = std::move(media);
  }
  // Redaction (issue #6): null until DELETE /v1/messages/{id}.
  j["redaction"] = nullptr;
  if (m.redaction) {
    j["redaction"] = {{"at", format_rfc3339(m.redaction->at)},
                      {"provider", m.redaction->provider},
                      {"error", nullable(m.redaction->error)}};
  }
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
  if (!e.raw_payload.empty()) j["raw_payload"] = e.raw_payload;
  return j;
}

nlohmann::json to_json(const Message& m, const std::vector<MessageEvent>& events) {
  nlohmann::json j = to_json(m);
  nlohmann::json ev = nlohmann::json::array();
  for (const auto& e : events) ev.push_back(to_json(e));
  j["events"] = std::move(ev);
  return j;
}

std::string message_preview(const Message& m) {
  if (m.body.empty()) return m.media_urls.empty() ? std::string() : "[media]";
  size_t chars = 0;
  size_t i = 0;
  for (; i < m.body.size(); ++i) {
    const auto c = static_cast<unsigned char>(m.body[i]);
    if ((c & 0xC0) != 0x80 && chars++ == 100) break;  // a lead byte starts a code point
  }
  return m.body.substr(0, i);
}

}  // namespace sb
