// The message resource's JSON text against an independent construction with nlohmann (the way
// it was built before the send path wrote it directly): the same bytes for every field shape,
// escapes, non-ASCII text, invalid UTF-8, metadata keys, media and redaction.
#include "core/message_json.h"

#include <gtest/gtest.h>

namespace sb {
namespace {

using nlohmann::json;

json nullable(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }
json opt_time(const std::optional<TimeMs>& t) {
  return t ? json(format_rfc3339(*t)) : json(nullptr);
}

// The oracle: nlohmann objects (std::map: keys sorted) dumped as Response::json dumps.
std::string reference(const Message& m) {
  json j = {
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
      {"validity_period", m.validity_period_s ? json(*m.validity_period_s) : json(nullptr)},
      {"attempts", m.attempts},
      {"conversation_id", nullable(m.conversation_id)},
      {"pool", nullable(m.pool)},
      {"batch", nullable(m.batch)},
      {"send_at", opt_time(m.send_at)},
      {"category", m.category},
      {"max_price", nullable(m.max_price)},
      {"smart_encoding", m.smart_encoding ? json(*m.smart_encoding) : json(nullptr)},
      {"deferred_until", opt_time(m.deferred_until)},
      {"redaction", nullptr},
  };
  if (!m.media.empty()) {
    json media = json::array();
    for (const auto& item : m.media) {
      json i = {{"url", item.url},
                {"content_type", nullable(item.content_type)},
                {"size", item.size ? json(*item.size) : json(nullptr)}};
      if (!item.id.empty()) {
        i["id"] = item.id;
        i["state"] = item.state.empty() ? "pending" : item.state;
        i["error"] = nullable(item.error);
      }
      media.push_back(std::move(i));
    }
    j["media"] = std::move(media);
  }
  if (m.redaction) {
    j["redaction"] = {{"at", format_rfc3339(m.redaction->at)},
                      {"provider", m.redaction->provider},
                      {"error", nullable(m.redaction->error)}};
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Message plain() {
  Message m;
  m.id = "msg_01JD0000000000000000000000";
  m.account = "acme";
  m.direction = Direction::kOutbound;
  m.from = "+12025550100";
  m.to = "+14155550123";
  m.body = "hello";
  m.status = Status::kQueued;
  m.segments = 1;
  m.created_at = 1'700'000'000'123;
  m.updated_at = 1'700'000'000'456;
  m.category = "transactional";
  return m;
}

TEST(MessageJsonTest, SameBytesAsTheNlohmannConstruction) {
  std::vector<Message> cases;
  cases.push_back(plain());
  {
    Message m = plain();  // every optional set, escapes and non-ASCII everywhere
    m.body = "quote \" backslash \\ newline \n tab \t cr \r bell \x07 del \x7f é 🎉 \u2028";
    m.encoding = Encoding::kUcs2;
    m.direction = Direction::kInbound;
    m.status = Status::kDelivered;
    m.media_urls = {"https://example.com/a.png", "https://example.com/b\"c.jpg"};
    m.error_code = "30003";
    m.error_message = "Unreachable \"handset\"";
    m.metadata = {{"order", "42"}, {"Zeta", "last?"}, {"a\"b", "x\\y"}, {"ünï", "cödé"}};
    m.connector = "twilio-main";
    m.provider_message_id = "SM123";
    m.status_callback = "https://app.example.com/cb?x=1&y=2";
    m.validity_period_s = 3600;
    m.attempts = 3;
    m.conversation_id = "conv_abc";
    m.pool = "pool_01JD0000000000000000000000";
    m.batch = "batch_01JD0000000000000000000000";
    m.send_at = 1'700'000'100'000;
    m.category = "marketing";
    m.max_price = "0.05";
    m.smart_encoding = false;
    m.deferred_until = 1'700'000'200'000;
    m.media = {
        MediaItem{"https://gw/v1/media/med_1", "image/png", 1234, "med_1", "src", "ready", ""},
        MediaItem{"https://gw/v1/media/med_2", "", std::nullopt, "med_2", "src", "", ""},
        MediaItem{"https://gw/v1/media/med_3", "", std::nullopt, "med_3", "src", "failed",
                  "too large"},
        MediaItem{"https://provider/raw", "audio/amr", std::nullopt, "", "", "", ""}};
    m.redaction = Message::Redaction{1'700'000'300'000, "failed", "provider said no"};
    cases.push_back(m);
  }
  {
    Message m = plain();  // invalid UTF-8 (never accepted by the API, but never a crash either)
    m.body = std::string("bad \xff\xfe bytes \xc3");
    m.metadata = {{std::string("k\xff"), std::string("v\xc0\xaf")}};
    m.smart_encoding = true;
    m.redaction = Message::Redaction{1'700'000'300'000, "done", ""};
    cases.push_back(m);
  }
  {
    Message m = plain();  // every control character
    m.body.clear();
    for (int c = 0; c < 0x20; ++c) m.body.push_back(static_cast<char>(c));
    cases.push_back(m);
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(message_json(cases[i]), reference(cases[i])) << "case " << i;
    EXPECT_EQ(to_json(cases[i]).dump(-1, ' ', false, json::error_handler_t::replace),
              reference(cases[i]))
        << "case " << i;
  }
}

}  // namespace
}  // namespace sb
