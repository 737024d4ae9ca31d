// The JSON API (/v1) and health endpoints, registered on a Router.
#pragma once

#include <string_view>

#include "engine/services.h"
#include "http/request_fields.h"
#include "http/router.h"

namespace sb::http {

// Registers every /v1 route (messages, conversations, contacts, compliance, verifications,
// numbers, signing secret, stats, the text and number tools) and /healthz, /readyz. Each calls
// engine operations from `services`, never the store.
void register_api(Router& router, engine::Services& services);

// Registers POST /v1/segments and POST /v1/lookup (API key required; CPU only, run inline).
void register_tools_api(Router& router, engine::Gateway& gateway);

// The 200 answer of POST /v1/segments for a parsed request object {"body": string (required),
// "smart_encoding": bool (optional, default `default_smart`)}: to_json(SegmentReport). Errors:
// unknown_field, missing_field, invalid_type, invalid_utf8 (field "body"). Shared with
// `switchboard segments`, so the CLI and the API answer alike.
Result<nlohmann::json> segments_answer(const nlohmann::json& request, bool default_smart = false);

// The 200 answer of POST /v1/lookup for a parsed request object {"number": string (required),
// "region": string (optional: ISO 3166 code, any case; default `default_region`)}:
// to_json(LookupResult); an invalid number is an answer (valid false, reason), not an error.
// Errors: unknown_field, missing_field, invalid_type, invalid_utf8 (field "number"),
// invalid_parameter (field "region": not a region libphonenumber knows). Shared with
// `switchboard phone`.
Result<nlohmann::json> lookup_answer(const nlohmann::json& request,
                                     std::string_view default_region);


}  // namespace sb::http
