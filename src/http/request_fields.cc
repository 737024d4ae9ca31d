// What requests carry, read and checked: JSON object bodies, their string and metadata fields,
// the limit parameter, Idempotency-Key and prices.
#include "http/request_fields.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/clock.h"
#include "core/utf8.h"

namespace sb::http {

Result<nlohmann::json> parse_json_object(std::string_view text) {
  using nlohmann::json;
  if (auto bad = utf8::find_invalid(text)) {
    return Error::make("invalid_utf8",
                       "request body is not valid UTF-8 (byte " + std::to_string(*bad) + ")");
  }
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    // parse_error for bad syntax, and out_of_range for a number no double holds (1e400): both
    // are the client's malformed body.
    return Error::make("invalid_json", std::string("request body is not valid JSON: ") + e.what());
  }
  if (!j.is_object()) return Error::make("invalid_json", "request body must be a JSON object");
  return j;
}

Result<nlohmann::json> json_body(const Request& req) {
  std::string ct = req.header("content-type");
  for (auto& c : ct) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string media = ct.substr(0, ct.find(';'));
  const bool json_type = media == "application/json" || media.empty();
  const bool curl_default = media == "application/x-www-form-urlencoded" &&
                            req.body.find_first_not_of(" \t\r\n") != std::string::npos &&
                            req.body[req.body.find_first_not_of(" \t\r\n")] == '{';
  if (!json_type && !curl_default) {
    return Error::make("unsupported_media_type",
                       "send the request body as application/json (got " + media + ")",
                       "Content-Type");
  }
  return parse_json_object(req.body);
}

Result<void> only_fields(const nlohmann::json& body,
                         std::initializer_list<std::string_view> known) {
  for (const auto& [k, _] : body.items()) {
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      return Error::make("unknown_field", "unknown field '" + k + "'", k);
    }
  }
  return Ok();
}

Error type_error(const std::string& field, std::string_view expected) {
  return Error::make("invalid_type", field + " must be " + std::string(expected), field);
}

Result<std::optional<std::string>> string_field(const nlohmann::json& j, const char* name,
                                                bool required) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (required) return Error::make("missing_field", std::string(name) + " is required", name);
    return std::optional<std::string>{};
  }
  if (!it->is_string()) return type_error(name, "a string");
  return std::optional<std::string>{it->get<std::string>()};
}

Result<TimeMs> parse_send_at(std::string_view text) {
  auto t = parse_rfc3339(text);
  if (!t) {
    return Error::make("invalid_send_at",
                       "send_at must be an RFC 3339 time such as 2026-01-31T09:00:00Z", "send_at");
  }
  return *t;
}

Result<int> limit_param(const Request& req) {
  auto v = req.query_param("limit");
  if (!v) return 50;
  char* end = nullptr;
  const long n = std::strtol(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || n < 1 || n > 1000) {
    return Error::make("invalid_parameter", "limit must be an integer from 1 to 1000", "limit");
  }
  return static_cast<int>(n);
}

Result<Metadata> parse_metadata(const nlohmann::json& value) {
  if (!value.is_object()) return type_error("metadata", "an object of string values");
  if (value.size() > 50) {
    return Error::make("invalid_metadata", "metadata may hold at most 50 keys", "metadata");
  }
  Metadata out;
  for (const auto& [k, v] : value.items()) {
    const std::string field = "metadata." + k;
    if (!v.is_string()) return type_error(field, "a string");
    if (k.empty() || k.size() > 64 || v.get_ref<const std::string&>().size() > 512) {
      return Error::make("invalid_metadata",
                         "metadata keys are 1-64 bytes and values at most 512 bytes", field);
    }
    out[k] = v.get<std::string>();
  }
  return out;
}

Result<std::string> idempotency_key(const Request& req) {
  std::string key = req.header("idempotency-key");
  if (key.size() > 255) {
    return Error::make("invalid_idempotency_key", "Idempotency-Key is longer than 255 characters",
                       "Idempotency-Key");
  }
  for (unsigned char c : key) {
    if (c < 0x21 || c > 0x7E) {
      return Error::make("invalid_idempotency_key",
                         "Idempotency-Key must be printable ASCII without spaces",
                         "Idempotency-Key");
    }
  }
  return key;
}

bool valid_price(const std::string& v) {
  const auto point = v.find('.');
  const std::string whole = v.substr(0, point);
  const std::string frac = point == std::string::npos ? "" : v.substr(point + 1);
  const auto digits = [](const std::string& d) {
    return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || whole.size() > 6 || !digits(whole) || !digits(frac) || frac.size() > 4) {
    return false;
  }
  if (point != std::string::npos && frac.empty()) return false;
  return v.find_first_not_of("0.") != std::string::npos;
}

}  // namespace sb::http
