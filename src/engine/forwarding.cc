// Forward requests (payload, query string, signature) and app replies.
#include "engine/forwarding.h"

#include <future>
#include <set>

#include "core/crypto.h"
#include "core/message_json.h"
#include "engine/gateway.h"
#include "providers/transport/http_util.h"

namespace sb::engine {

using nlohmann::json;

bool ready_to_forward(const Message& m, TimeMs now) {
  if (now - m.created_at >= kMaxMediaWaitMs) return true;
  for (const auto& item : m.media) {
    if (!item.id.empty() && item.state == "pending") return false;
  }
  return true;
}

std::string signature_header(std::string_view secret, int64_t unix_s,
                             std::string_view signed_part) {
  const std::string ts = std::to_string(unix_s);
  std::string data = ts;
  data.push_back('.');
  data.append(signed_part);
  return std::string("t=").append(ts).append(",v1=").append(
      crypto::hex(crypto::hmac_sha256(secret, data)));
}

json forward_payload(const Message& m, const std::optional<Contact>& contact) {
  json j = to_json(m);
  j["contact"] = contact ? json{{"id", contact->id},
                                {"number", contact->number},
                                {"name", contact->name}}
                         : json(nullptr);
  return j;
}

std::string forward_query(const Message& m, const std::optional<Contact>& contact) {
  sb::FormFields f = {{"id", m.id},
                             {"direction", std::string(to_string(m.direction))},
                             {"from", m.from},
                             {"to", m.to},
                             {"body", m.body},
                             {"status", std::string(to_string(m.status))},
                             {"segments", std::to_string(m.segments)},
                             {"created_at", format_rfc3339(m.created_at)},
                             {"conversation_id", m.conversation_id},
                             {"num_media", std::to_string(m.media_urls.size())}};
  for (size_t i = 0; i < m.media_urls.size(); ++i) {
    f.emplace_back(std::string("media_url_").append(std::to_string(i)), m.media_urls[i]);
    const std::string type = i < m.media.size() ? m.media[i].content_type : "";
    f.emplace_back(std::string("media_content_type_").append(std::to_string(i)), type);
  }
  if (contact) {
    f.emplace_back("contact_id", contact->id);
    f.emplace_back("contact_name", contact->name);
  }
  return sb::form_encode(f);
}

HttpRequest forward_request(const Delivery& d, const std::string& payload,
                            const std::string& secret, int64_t unix_s, int timeout_ms) {
  HttpRequest req;
  req.method = d.method == "GET" ? "GET" : "POST";
  req.timeout_ms = timeout_ms;
  req.headers = {{"Switchboard-Event", d.kind == "forward" ? "message.received" : "message.status"},
                 {"Switchboard-Delivery", d.id},
                 {"Switchboard-Attempt", std::to_string(d.attempts)}};
  if (req.method == "GET") {
    // The signed string is the whole query as sent: the URL's own parameters, then ours.
    req.url = d.url;
    const auto q = d.url.find('?');
    std::string query = q == std::string::npos ? "" : d.url.substr(q + 1);
    if (!query.empty() && !payload.empty()) {
      query.push_back('&');
      req.url.push_back('&');
    } else if (q == std::string::npos) {
      req.url.push_back('?');
    }
    query.append(payload);
    req.url.append(payload);
    req.headers.emplace_back("Switchboard-Signature", signature_header(secret, unix_s, query));
  } else {
    req.url = d.url;
    req.body = payload;
    req.headers.emplace_back("Content-Type", "application/json");
    req.headers.emplace_back("Switchboard-Signature", signature_header(secret, unix_s, payload));
  }
  return req;
}

Result<std::optional<AppReply>> parse_app_reply(std::string_view body) {
  const auto invalid = [](const std::string& message, const std::string& field) {
    return Error::make("invalid_reply", message, field);
  };
  if (body.size() > kMaxReplyBytes) {
    return invalid("the response is larger than " + std::to_string(kMaxReplyBytes) +
                       " bytes; a reply was not read",
                   "reply");
  }
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::optional<AppReply>();  // no reply asked
  auto it = j.find("reply");
  if (it == j.end() || it->is_null()) return std::optional<AppReply>();
  if (!it->is_object()) return invalid("reply must be an object", "reply");
  static const std::set<std::string> kKnown = {"body", "media_urls"};
  AppReply r;
  for (const auto& [k, v] : it->items()) {
    if (!kKnown.count(k)) return invalid("unknown field 'reply." + k + "'", "reply." + k);
  }
  if (auto b = it->find("body"); b != it->end() && !b->is_null()) {
    if (!b->is_string()) return invalid("reply.body must be a string", "reply.body");
    r.body = b->get<std::string>();
  }
  if (auto media = it->find("media_urls"); media != it->end() && !media->is_null()) {
    if (!media->is_array()) return invalid("reply.media_urls must be an array", "reply.media_urls");
    for (size_t i = 0; i < media->size(); ++i) {
      if (!(*media)[i].is_string()) {
        return invalid("reply.media_urls items must be strings",
                       std::string("reply.media_urls[").append(std::to_string(i)).append("]"));
      }
      r.media_urls.push_back((*media)[i].get<std::string>());
    }
  }
  return std::optional<AppReply>(std::move(r));
}

std::string excerpt(std::string_view body, size_t max) {
  if (body.size() <= max) return std::string(body);
  size_t n = max;
  // Back up over continuation bytes (10xxxxxx) so a multi-byte character is not cut in half.
  while (n > 0 && (static_cast<unsigned char>(body[n]) & 0xC0) == 0x80) --n;
  return std::string(body.substr(0, n));
}

Result<std::string> send_app_reply(Gateway& gw, const Message& in, const AppReply& reply,
                                   const std::string& delivery_id, size_t index,
                                   std::chrono::milliseconds timeout) {
  SendRequest req;
  req.to = reply.to.empty() ? in.from : reply.to;
  req.from = reply.from.empty() ? in.to : reply.from;
  req.body = reply.body;
  req.media_urls = reply.media_urls;
  req.status_callback = reply.status_callback;
  req.callback_format = reply.callback_format;
  req.metadata = {{"forward_reply", delivery_id}, {"in_reply_to", in.id}};
  // The delivery id (and the reply's place in the answer) names the reply: a retried attempt
  // (after a crash between the send and the attempt's record) replays the stored reply instead
  // of sending another.
  req.idempotency_key = std::string("forward-reply:").append(delivery_id);
  if (index > 0) req.idempotency_key.append(":").append(std::to_string(index));
  req.request_hash = req.idempotency_key;
  auto promise = std::make_shared<std::promise<Result<store::InsertResult>>>();
  auto future = promise->get_future();
  gw.send(in.account, req,
          [promise](Result<store::InsertResult> r) { promise->set_value(std::move(r)); });
  if (future.wait_for(timeout) != std::future_status::ready) {
    return Error::make("reply_timeout", "the reply was not stored in time; it may still be sent");
  }
  auto r = future.get();
  if (!r) return r.error();
  if (r->kind == store::InsertKind::kConflict) {
    return Error::make("idempotency_conflict", "another message uses this delivery's reply key");
  }
  return r->message.id;
}

}  // namespace sb::engine
