// Helpers the per-provider webhook readers share (internal to the providers module): error
// builders, safe JSON field access that never throws, number normalization, URL query lookup.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/ascii.h"
#include "core/clock.h"
#include "core/result.h"

namespace sb::providers::webhook_util {

using json = nlohmann::json;

inline constexpr std::string_view kUnverified = "webhook_unverified";
inline constexpr std::string_view kInvalid = "invalid_webhook";

inline Error unverified(std::string message) {
  return Error::make(std::string(kUnverified), std::move(message));
}
inline Error invalid(std::string field, std::string message) {
  return Error::make(std::string(kInvalid), std::move(message), std::move(field));
}

// True when the request carries JSON: a JSON Content-Type, or (none given) a body starting '{'.
bool is_json_body(std::string_view content_type, std::string_view body);

// Parses `body` as a JSON object; nullopt when it is not valid JSON or not an object.
std::optional<json> parse_object(std::string_view body);

// The member `key` of object `j` when it is a string; integers are given in decimal. nullopt when
// absent, null, or another type.
std::optional<std::string> scalar(const json& j, std::string_view key);
// The member as an object/array pointer, nullptr when absent or of another type.
const json* object_member(const json& j, std::string_view key);
const json* array_member(const json& j, std::string_view key);
// A count or size member: a non-negative integer given as a JSON integer or a decimal string;
// nullopt otherwise (a negative number included: no provider means one, and a negative size or
// segment count must not reach the message).
std::optional<int64_t> count(const json& j, std::string_view key);

// Parses an optional non-negative decimal integer (no sign, no spaces); nullopt when malformed.
std::optional<int64_t> parse_uint(std::string_view s);

bool all_digits(std::string_view s);
// "+<digits>" for a bare international number (8-15 digits); anything else unchanged (short codes,
// already-prefixed numbers, alphanumeric senders).
std::string plus_international(std::string_view number);
// NANP without '+': 10 digits -> "+1<digits>", 11 digits starting with 1 -> "+<digits>";
// anything else unchanged.
std::string plus_nanp(std::string_view number);

// The value of query parameter `name` in `url` (percent-decoded); nullopt when absent.
std::optional<std::string> query_param(std::string_view url, std::string_view name);

// The URL spellings Twilio-style validators accept for one URL: as given, plus the same URL with
// the scheme's default port (:443 for https, :80 for http) added when absent or removed when
// present.
std::vector<std::string> url_port_variants(std::string_view url);

// A provider time: RFC 3339, or nullopt.
std::optional<TimeMs> parse_time(const json& j, std::string_view key);

// Case-insensitive ASCII comparison (core/ascii.h).
using ::sb::iequals;
std::string to_lower(std::string_view s);

}  // namespace sb::providers::webhook_util
