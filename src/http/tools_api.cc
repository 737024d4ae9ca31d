// POST /v1/segments and POST /v1/lookup: the segment calculator and the number lookup.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <initializer_list>

#include "core/phone.h"
#include "core/segments.h"
#include "core/utf8.h"
#include "http/api.h"
#include "http/api_util.h"

namespace sb::http {
namespace {

using nlohmann::json;

Result<void> only_known_fields(const json& j, std::initializer_list<std::string_view> known) {
  for (const auto& [k, _] : j.items()) {
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      return Error::make("unknown_field", "unknown field '" + k + "'", k);
    }
  }
  return Ok();
}

// A required string field, checked for valid UTF-8 (requests parsed from text already are; a
// CLI argument may not be).
Result<std::string> required_string(const json& j, const std::string& name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    return Error::make("missing_field", name + " is required", name);
  }
  if (!it->is_string()) return type_error(name, "a string");
  const auto& s = it->get_ref<const std::string&>();
  if (auto bad = utf8::find_invalid(s)) {
    return Error::make("invalid_utf8",
                       name + " is not valid UTF-8 (byte " + std::to_string(*bad) + ")", name);
  }
  return s;
}

// Runs `answer` on the request body and replies 200 with its object, or the error.
template <typename Answer>
void reply_with(const Request& req, const Reply& reply, const char* what, Answer&& answer) {
  auto body = json_body(req);
  if (!body) return reply(Response::error(body.error()));
  auto result = answer(*body);
  if (!result) {
    spdlog::debug("api: {} rejected: {} ({})", what, result.error().code, result.error().field);
    return reply(Response::error(result.error()));
  }
  reply(Response::json(200, *result));
}

}  // namespace

Result<json> segments_answer(const json& request, bool default_smart) {
  if (auto ok = only_known_fields(request, {"body", "smart_encoding"}); !ok) return ok.error();
  auto body = required_string(request, "body");
  if (!body) return body.error();
  SegmentOptions options{default_smart};
  if (auto it = request.find("smart_encoding"); it != request.end() && !it->is_null()) {
    if (!it->is_boolean()) return type_error("smart_encoding", "true or false");
    options.smart_encoding = it->get<bool>();
  }
  auto report = segment_body(*body, options);
  if (!report) return report.error();
  return to_json(*report);
}

Result<json> lookup_answer(const json& request, std::string_view default_region) {
  if (auto ok = only_known_fields(request, {"number", "region"}); !ok) return ok.error();
  auto number = required_string(request, "number");
  if (!number) return number.error();
  std::string region(default_region);
  if (auto it = request.find("region"); it != request.end() && !it->is_null()) {
    if (!it->is_string()) return type_error("region", "a string (ISO 3166 code such as \"GB\")");
    region = it->get<std::string>();
  }
  for (auto& c : region) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!is_supported_region(region)) {
    // An unknown region is a mistake in the request, not an invalid number.
    return Error::make(
        "invalid_parameter",
        "unknown region '" + region + "'; use an ISO 3166 code such as \"US\" or \"GB\"", "region");
  }
  return to_json(lookup(*number, region));
}

void register_tools_api(Router& router, engine::Gateway& gw) {
  // Inline, like POST /v1/messages: the work is CPU-only (microseconds); only an uncached key
  // lookup touches the database.
  router.add("POST", "/v1/segments",
             authed(gw, kScopeNone,
                    [](Request& req, const std::string&, Reply reply) {
                      reply_with(req, reply, "segments",
                                 [](const json& j) { return segments_answer(j); });
                    }),
             Run::kInline);
  router.add("POST", "/v1/lookup",
             authed(gw, kScopeNone,
                    [&gw](Request& req, const std::string&, Reply reply) {
                      reply_with(req, reply, "lookup", [&gw](const json& j) {
                        return lookup_answer(j, gw.options().default_region);
                      });
                    }),
             Run::kInline);
}

}  // namespace sb::http
