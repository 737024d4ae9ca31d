// What requests carry, read and checked: JSON object bodies and their fields, the limit parameter,
// Idempotency-Key and prices. Pure functions of the request (no engine, no I/O), shared by the
// /v1 handlers and the CLI tools.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/message.h"
#include "core/result.h"
#include "http/types.h"

namespace sb::http {

// Parses request-body text as one JSON object. Errors, all without a field: invalid_utf8 (the
// message gives the byte offset), invalid_json (unparsable, or not an object).
Result<nlohmann::json> parse_json_object(std::string_view text);

// Reads a request's JSON object body, accepting application/json, no Content-Type, and (for
// `curl -d` convenience) a JSON object sent as application/x-www-form-urlencoded. Errors:
// unsupported_media_type (field Content-Type), then those of parse_json_object.
Result<nlohmann::json> json_body(const Request& req);

// unknown_field (naming it) for the first key of a JSON object that is not in `known`.
Result<void> only_fields(const nlohmann::json& body, std::initializer_list<std::string_view> known);

// An invalid_type error: "`field` must be `expected`", naming the field.
Error type_error(const std::string& field, std::string_view expected);

// A string field of a JSON object: nullopt when absent or null; missing_field when `required`
// and absent; invalid_type when not a string.
Result<std::optional<std::string>> string_field(const nlohmann::json& j, const char* name,
                                                bool required);

// A message's or batch's `send_at`: an RFC 3339 time (invalid_send_at, field send_at).
Result<TimeMs> parse_send_at(std::string_view text);

// The `limit` query parameter of list endpoints: 1..1000, default 50 (invalid_parameter).
Result<int> limit_param(const Request& req);

// The Idempotency-Key header of a send: "" when absent; invalid_idempotency_key when longer than
// 255 characters or not printable ASCII without spaces.
Result<std::string> idempotency_key(const Request& req);

// A max_price (Twilio's MaxPrice): digits, an optional point and 1-4 decimals, not zero ("0.05").
bool valid_price(const std::string& v);

// Message and contact metadata: an object of at most 50 string values, keys 1-64 bytes, values
// at most 512 bytes. Errors: invalid_type, invalid_metadata (naming metadata or metadata.<key>).
Result<Metadata> parse_metadata(const nlohmann::json& value);

}  // namespace sb::http
