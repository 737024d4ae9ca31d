// Request helpers, the error -> status table.
#include "http/types.h"

#include <unordered_map>

namespace sb::http {

std::string Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

Response Response::json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::json_text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

int status_for(const std::string& code) {
  static const std::unordered_map<std::string, int> kTable = {
      // 400: the request cannot be read
      {"invalid_json", 400},
      {"invalid_utf8", 400},
      {"invalid_request", 400},
      {"missing_field", 400},
      {"invalid_type", 400},
      {"unknown_field", 400},
      {"invalid_parameter", 400},
      {"invalid_idempotency_key", 400},
      {"bad_request", 400},
      // 401/403/404/405/409
      {"unauthorized", 401},
      {"forbidden", 403},
      {"not_found", 404},
      {"method_not_allowed", 405},
      {"upgrade_required", 426},
      {"idempotency_conflict", 409},
      // 413/415/431
      {"payload_too_large", 413},
      {"unsupported_media_type", 415},
      {"headers_too_large", 431},
      // 422: readable but not acceptable
      {"invalid_phone_number", 422},
      {"from_not_owned", 422},
      {"not_simulated", 422},
      {"no_sender", 422},
      {"body_too_long", 422},
      {"missing_content", 422},
      {"too_many_media", 422},
      {"invalid_media_url", 422},
      {"invalid_url", 422},
      {"url_refused", 422},
      {"invalid_validity_period", 422},
      {"invalid_metadata", 422},
      {"mms_not_supported", 422},
      {"invalid_method", 422},  // forwarding: forwarding.method
      {"invalid_format", 422},  // forwarding.format
      {"invalid_friendly_name", 422},
      {"invalid_conversations", 422},  // PATCH /v1/numbers: conversations
      // scheduling, quiet hours, verifications
      {"not_cancelable", 409},
      {"invalid_send_at", 422},
      {"invalid_max_price", 422},
      {"invalid_category", 422},
      {"invalid_code_length", 422},
      {"invalid_ttl", 422},
      {"invalid_template", 422},
      // batches (docs/batches.md)
      {"invalid_csv", 400},
      {"missing_column", 422},
      {"unknown_variable", 422},
      {"empty_batch", 422},
      {"too_many_rows", 413},
      {"invalid_state", 409},
      // 422, compliance (opt-outs, auto-replies)
      {"recipient_opted_out", 422},
      {"invalid_scope", 422},
      {"number_not_owned", 422},
      {"invalid_match", 422},
      {"invalid_pattern", 422},
      {"invalid_regex", 422},
      {"too_many_rules", 422},
      // contacts and conversation actions
      {"contact_exists", 409},
      {"user_exists", 409},
      {"cannot_disable_self", 409},
      {"invalid_email", 422},
      {"invalid_role", 422},
      {"weak_password", 422},
      // API keys
      {"invalid_expiry", 422},
      {"ambiguous_key", 409},
      {"invalid_contact", 422},
      {"invalid_name", 422},
      {"immutable_field", 422},
      // sender pools (docs/pools.md)
      {"name_taken", 409},
      {"invalid_numbers", 422},
      {"duplicate_number", 422},
      {"unknown_pool", 422},
      {"no_capable_sender", 422},
      {"conflicting_fields", 422},
      // media re-hosting (docs/media.md)
      {"media_url_refused", 422},
      {"media_pending", 409},
      {"media_failed", 409},
      {"media_url_invalid", 403},
      {"media_unavailable", 503},
      // 429/5xx
      // DELETE /v1/messages/{id} while the message is being sent
      {"message_in_flight", 409},
      // numbers: provider-side number configuration
      {"not_supported", 422},
      {"provider_error", 502},
      {"rate_limited", 429},
      // provider webhooks in: unknown connector (not_found), bad signature, unreadable body,
      // not stored (the provider retries)
      {"webhook_unverified", 403},
      {"invalid_webhook", 400},
      {"storage_unavailable", 503},
      {"internal_error", 500},
      {"storage_error", 503},
      {"storage_full", 503},
      {"commit_unknown", 503},
      {"database_unavailable", 503},
      {"shutting_down", 503},
  };
  auto it = kTable.find(code);
  return it == kTable.end() ? 400 : it->second;
}

Response Response::error(const Error& e) {
  nlohmann::json err = {{"code", e.code}, {"message", e.message}};
  err["field"] = e.field.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.field);
  Response r = json(status_for(e.code), {{"error", err}});
  if (e.retry_after_s) r.headers.emplace_back("Retry-After", std::to_string(*e.retry_after_s));
  return r;
}

}  // namespace sb::http
