// Message resource serialization.
#include "core/message_json.h"

#include "core/utf8.h"

namespace sb {

// Byte for byte what nlohmann's dump (ensure_ascii off, invalid UTF-8 replaced) writes: the
// API's responses were nlohmann's and clients may have compared bytes.
void append_json_string(std::string& out, std::string_view s) {
  if (!utf8::is_valid(s)) {  // rare: let nlohmann do its exact replacement
    out.append(nlohmann::json(std::string(s))
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  out.push_back('"');
  size_t plain = 0;  // start of the run of bytes that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(u, sizeof u);
      }
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out.push_back('"');
}

namespace {
nlohmann::json nullable(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

// Members of one object, written in the order given (callers give them sorted, as nlohmann's
// std::map-backed objects are).
class Members {
 public:
  explicit Members(std::string& out) : out_(out) { out_.push_back('{'); }
  ~Members() { out_.push_back('}'); }
  Members(const Members&) = delete;
  Members& operator=(const Members&) = delete;

  std::string& key(std::string_view k) {
    if (!first_) out_.push_back(',');
    first_ = false;
    out_.push_back('"');
    out_.append(k);  // our own keys: nothing to escape
    out_.append("\":");
    return out_;
  }
  void str(std::string_view k, std::string_view v) { append_json_string(key(k), v); }
  // A key from the outside world (metadata), escaped like any string.
  void any_key_str(std::string_view k, std::string_view v) {
    if (!first_) out_.push_back(',');
    first_ = false;
    append_json_string(out_, k);
    out_.push_back(':');
    append_json_string(out_, v);
  }
  void nullable_str(std::string_view k, const std::string& v) {
    v.empty() ? void(key(k).append("null")) : str(k, v);
  }
  void num(std::string_view k, int64_t v) { key(k).append(std::to_string(v)); }
  void opt_num(std::string_view k, const std::optional<int64_t>& v) {
    v ? num(k, *v) : void(key(k).append("null"));
  }
  void time(std::string_view k, const std::optional<TimeMs>& t) {
    t ? str(k, format_rfc3339(*t)) : void(key(k).append("null"));
  }

 private:
  std::string& out_;
  bool first_ = true;
};
}  // namespace

// The one definition of a message's JSON. Keys in byte order (as nlohmann's objects sort them).
void append_message_json(std::string& out, const Message& m) {
  Members o(out);
  o.str("account", m.account);
  o.num("attempts", m.attempts);
  // The batch this message is a row of (docs/batches.md).
  o.nullable_str("batch", m.batch);
  o.str("body", m.body);
  o.str("category", m.category);
  o.str("channel", m.media_urls.empty() ? "sms" : "mms");
  o.nullable_str("connector", m.connector);
  o.nullable_str("conversation_id", m.conversation_id);
  o.time("created_at", m.created_at);
  o.time("deferred_until", m.deferred_until);
  o.str("direction", to_string(m.direction));
  o.str("encoding", to_string(m.encoding));
  o.nullable_str("error_code", m.error_code);
  o.nullable_str("error_message", m.error_message);
  o.str("from", m.from);
  o.str("id", m.id);
  o.nullable_str("max_price", m.max_price);
  if (!m.media.empty()) {
    std::string& a = o.key("media");
    a.push_back('[');
    for (size_t i = 0; i < m.media.size(); ++i) {
      if (i) a.push_back(',');
      const MediaItem& item = m.media[i];
      Members mi(a);
      mi.nullable_str("content_type", item.content_type);
      // Re-hosted media (docs/media.md): our id and fetch state; the provider's URL stays out.
      if (!item.id.empty()) mi.nullable_str("error", item.error);
      if (!item.id.empty()) mi.str("id", item.id);
      mi.opt_num("size", item.size);
      if (!item.id.empty()) mi.str("state", item.state.empty() ? "pending" : item.state);
      mi.str("url", item.url);
    }
    a.push_back(']');
  }
  {
    std::string& a = o.key("media_urls");
    a.push_back('[');
    for (size_t i = 0; i < m.media_urls.size(); ++i) {
      if (i) a.push_back(',');
      append_json_string(a, m.media_urls[i]);
    }
    a.push_back(']');
  }
  {
    Members md(o.key("metadata"));  // a std::map: already in key order
    for (const auto& [k, v] : m.metadata) md.any_key_str(k, v);
  }
  // The sender pool that chose `from` (docs/pools.md).
  o.nullable_str("pool", m.pool);
  o.nullable_str("provider_message_id", m.provider_message_id);
  // Redaction: null until DELETE /v1/messages/{id}.
  if (m.redaction) {
    Members r(o.key("redaction"));
    r.time("at", m.redaction->at);
    r.nullable_str("error", m.redaction->error);
    r.str("provider", m.redaction->provider);
  } else {
    o.key("redaction").append("null");
  }
  o.num("segments", m.segments);
  o.time("send_at", m.send_at);
  if (m.smart_encoding) {
    o.key("smart_encoding").append(*m.smart_encoding ? "true" : "false");
  } else {
    o.key("smart_encoding").append("null");
  }
  o.str("status", to_string(m.status));
  o.nullable_str("status_callback", m.status_callback);
  o.str("to", m.to);
  o.time("updated_at", m.updated_at);
  o.opt_num("validity_period", m.validity_period_s);
}

std::string message_json(const Message& m) {
  std::string out;
  out.reserve(640 + m.body.size());
  append_message_json(out, m);
  return out;
}

nlohmann::json to_json(const Message& m) { return nlohmann::json::parse(message_json(m)); }

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
