// The send body's parser (POST /v1/messages and conversation replies).
#include "http/send_request.h"

#include <set>

#include "core/crypto.h"
#include "core/ids.h"
#include "http/request_fields.h"

namespace sb::http {

using nlohmann::json;

Result<engine::SendRequest> parse_send_request(const Request& req) {
  auto body = json_body(req);
  if (!body) return body.error();
  return parse_send_json(*body, req);
}

Result<engine::SendRequest> parse_send_json(const json& j, const Request& req) {
  engine::SendRequest r;
  static const std::set<std::string> kKnown = {"to",       "from",            "body",
                                               "media_urls", "status_callback", "validity_period",
                                               "metadata",
                                               // scheduling and quiet hours
                                               "send_at",  "category",
                                               // provider options
                                               "max_price", "smart_encoding",
                                               // contacts: instead of `to`
                                               "contact_id",
                                               // a sender pool instead of `from`
                                               "pool"};
  for (const auto& [k, _] : j.items()) {
    if (!kKnown.count(k)) return Error::make("unknown_field", "unknown field '" + k + "'", k);
  }
  const auto str = [&](const char* name, bool required) { return string_field(j, name, required); };
  // Exactly one of `to` and `contact_id` (the account's contact; Gateway::send resolves it).
  auto to = str("to", false);
  if (!to) return to.error();
  auto contact = str("contact_id", false);
  if (!contact) return contact.error();
  if (*to && *contact) {
    return Error::make("invalid_contact", "give either to or contact_id, not both", "contact_id");
  }
  if (!*to && !*contact) {
    return Error::make("missing_field", "to (or contact_id) is required", "to");
  }
  if (*contact) {
    if (!is_contact_id(**contact)) {
      return Error::make("invalid_contact", "contact_id is not a contact id (ct_...)",
                         "contact_id");
    }
    r.contact_id = **contact;
  } else {
    r.to = **to;
  }
  auto from = str("from", false);
  if (!from) return from.error();
  r.from = *from;
  auto pool = str("pool", false);
  if (!pool) return pool.error();
  if (*from && *pool) {
    return Error::make("conflicting_fields", "give `from` or `pool`, not both", "pool");
  }
  r.pool = *pool;
  auto text = str("body", false);
  if (!text) return text.error();
  r.body = text->value_or("");
  auto cb = str("status_callback", false);
  if (!cb) return cb.error();
  r.status_callback = cb->value_or("");
  if (auto it = j.find("media_urls"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return type_error("media_urls", "an array of URL strings");
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) {
        return type_error("media_urls[" + std::to_string(i) + "]", "a URL string");
      }
      r.media_urls.push_back((*it)[i].get<std::string>());
    }
  }
  if (auto it = j.find("max_price"); it != j.end() && !it->is_null()) {
    // A decimal amount in the account's currency: a JSON number or string, > 0, at most 4
    // decimals (Twilio's MaxPrice). Kept as written so no binary rounding creeps in.
    std::string v = it->is_string() ? it->get<std::string>()
                    : it->is_number() ? it->dump()
                                      : std::string();
    if (!it->is_string() && !it->is_number()) return type_error("max_price", "a decimal amount");
    if (!valid_price(v)) {
      return Error::make("invalid_max_price",
                         "max_price must be a positive decimal amount with at most 4 decimals, "
                         "such as \"0.05\"",
                         "max_price");
    }
    r.max_price = v;
  }
  if (auto it = j.find("smart_encoding"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return type_error("smart_encoding", "true or false");
    r.smart_encoding = it->get<bool>();
  }
  if (auto it = j.find("validity_period"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer()) return type_error("validity_period", "an integer (seconds)");
    r.validity_period_s = it->get<int64_t>();
  }
  if (auto it = j.find("metadata"); it != j.end() && !it->is_null()) {
    auto metadata = parse_metadata(*it);
    if (!metadata) return metadata.error();
    r.metadata = std::move(*metadata);
  }
  // Scheduling and quiet hours (docs/scheduling.md).
  auto send_at = str("send_at", false);
  if (!send_at) return send_at.error();
  if (*send_at) {
    auto t = parse_send_at(**send_at);
    if (!t) return t.error();
    r.send_at = *t;
  }
  auto category = str("category", false);
  if (!category) return category.error();
  if (*category) {
    if (**category != "transactional" && **category != "marketing") {
      return Error::make("invalid_category", "category must be transactional or marketing",
                         "category");
    }
    r.category = **category;
  }
  auto key = idempotency_key(req);
  if (!key) return key.error();
  if (!key->empty()) {
    r.idempotency_key = *key;
    // Canonical form: nlohmann::json objects keep keys sorted, so field order and whitespace
    // do not change the hash.
    r.request_hash = crypto::hex(crypto::sha256(j.dump()));
  }
  return r;
}

}  // namespace sb::http
