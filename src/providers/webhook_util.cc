// Shared helpers for the provider webhook readers (see webhook_util.h).
#include "providers/webhook_util.h"

#include <cctype>

#include "providers/transport/http_util.h"

namespace sb::providers::webhook_util {

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_json_body(std::string_view content_type, std::string_view body) {
  const std::string ct = to_lower(content_type);
  if (!ct.empty()) return ct.find("json") != std::string::npos;
  for (char c : body) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' || c == '[';
  }
  return false;
}

std::optional<json> parse_object(std::string_view body) {
  json j = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  return j;
}

namespace {
const json* member(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}
}  // namespace

std::optional<std::string> scalar(const json& j, std::string_view key) {
  const json* m = member(j, key);
  if (m == nullptr) return std::nullopt;
  if (m->is_string()) return m->get<std::string>();
  if (m->is_number_integer()) return std::to_string(m->get<int64_t>());
  return std::nullopt;
}

const json* object_member(const json& j, std::string_view key) {
  const json* m = member(j, key);
  return m != nullptr && m->is_object() ? m : nullptr;
}

const json* array_member(const json& j, std::string_view key) {
  const json* m = member(j, key);
  return m != nullptr && m->is_array() ? m : nullptr;
}

std::optional<int64_t> count(const json& j, std::string_view key) {
  const json* m = member(j, key);
  if (m == nullptr) return std::nullopt;
  if (m->is_number_unsigned()) {
    const uint64_t v = m->get<uint64_t>();
    if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  if (m->is_number_integer()) {
    const int64_t v = m->get<int64_t>();
    return v >= 0 ? std::optional<int64_t>(v) : std::nullopt;
  }
  if (m->is_string()) return parse_uint(m->get_ref<const std::string&>());
  return std::nullopt;
}

std::optional<int64_t> parse_uint(std::string_view s) {
  if (s.empty() || s.size() > 18 || !all_digits(s)) return std::nullopt;
  int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Built with append: GCC 12 at -O3 warns (-Wrestrict, a known false positive) on
// "literal" + std::string.
std::string prefixed(std::string_view prefix, std::string_view number) {
  std::string out;
  out.reserve(prefix.size() + number.size());
  out.append(prefix).append(number);
  return out;
}

std::string plus_international(std::string_view number) {
  if (all_digits(number) && number.size() >= 8 && number.size() <= 15) {
    return prefixed("+", number);
  }
  return std::string(number);
}

std::string plus_nanp(std::string_view number) {
  if (all_digits(number)) {
    if (number.size() == 10) return prefixed("+1", number);
    if (number.size() == 11 && number[0] == '1') return prefixed("+", number);
  }
  return std::string(number);
}

std::optional<std::string> query_param(std::string_view url, std::string_view name) {
  const size_t q = url.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = url.substr(q + 1);
  if (const size_t hash = query.find('#'); hash != std::string_view::npos) {
    query = query.substr(0, hash);
  }
  for (const auto& [k, v] : form_decode(query)) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::vector<std::string> url_port_variants(std::string_view url) {
  std::vector<std::string> out{std::string(url)};
  std::string_view default_port;
  size_t authority_start = 0;
  if (url.substr(0, 8) == "https://") {
    default_port = ":443";
    authority_start = 8;
  } else if (url.substr(0, 7) == "http://") {
    default_port = ":80";
    authority_start = 7;
  } else {
    return out;
  }
  size_t authority_end = url.find_first_of("/?#", authority_start);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  const std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  // The host may be an IPv6 literal in brackets; a port follows the last ':' after any ']'.
  const size_t bracket = authority.rfind(']');
  const size_t colon = authority.rfind(':');
  const bool has_port =
      colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
  const size_t at = authority.rfind('@');  // userinfo, rare but legal
  if (has_port && at != std::string_view::npos && colon < at) return out;
  if (!has_port) {
    std::string v(url.substr(0, authority_end));
    v += default_port;
    v += url.substr(authority_end);
    out.push_back(std::move(v));
  } else if (authority.substr(colon) == default_port) {
    std::string v(url.substr(0, authority_start + colon));
    v += url.substr(authority_end);
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<TimeMs> parse_time(const json& j, std::string_view key) {
  const json* m = member(j, key);
  if (m == nullptr || !m->is_string()) return std::nullopt;
  return parse_rfc3339(m->get_ref<const std::string&>());
}

}  // namespace sb::providers::webhook_util
