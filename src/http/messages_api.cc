// Message redaction over HTTP, and the served OpenAPI description.
#include "http/messages_api.h"

#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "core/message_json.h"
#include "http/api_util.h"

namespace sb::http {
namespace {

// Generated from docs/openapi.yaml by scripts/openapi_to_json.py (see CMakeLists.txt).
constexpr std::string_view kOpenApiJson =
#include "openapi_json.inc"
    ;

void redact_message(engine::Gateway& gw, Request& req, const std::string& account, Reply reply) {
  const std::string& id = req.params["id"];
  const auto not_found = [&] {
    reply(Response::error(Error::make("not_found", "no message " + id + " in this account", "id")));
  };
  if (!is_valid_id(id, "msg_")) return not_found();
  auto r = gw.store().redact_message(account, id, gw.clock().now_ms());
  if (!r) return reply(Response::error(r.error()));
  switch (r->outcome) {
    case store::RedactOutcome::kNotFound:
      return not_found();
    case store::RedactOutcome::kInFlight: {
      // The provider request carrying the body is under way: its outcome decides whether the
      // provider holds a copy, so redaction waits for it (seconds at most).
      Response resp = Response::error(Error::make(
          "message_in_flight",
          "message " + id + " is being handed to its provider; retry in a few seconds", "id"));
      resp.headers.emplace_back("Retry-After", "2");
      return reply(std::move(resp));
    }
    case store::RedactOutcome::kRedacted:
      spdlog::info("message {} redacted (provider copy: {}, media files removed: {})", id,
                   r->message.redaction->provider, r->orphaned_media.size());
      // After the commit: a crash in between leaves a file no row reaches (never served).
      gw.remove_media_files(r->orphaned_media);
      if (r->message.status == Status::kCanceled) gw.dequeued(id);  // it was waiting to be sent
      break;
    case store::RedactOutcome::kAlreadyRedacted:
      break;
  }
  reply(Response::json(200, to_json(r->message, gw.store().list_events(id))));
}

}  // namespace

std::string_view openapi_json() { return kOpenApiJson; }

void register_messages_api(Router& router, engine::Gateway& gw) {
  router.add("DELETE", "/v1/messages/{id}",
             authed(gw, [&gw](Request& req, const std::string& account, Reply reply) {
               redact_message(gw, req, account, std::move(reply));
             }));
  router.add(
      "GET", "/v1/openapi.json",
      [](Request&, Reply reply) {
        Response resp;
        resp.status = 200;
        resp.content_type = "application/json";
        resp.body = std::string(kOpenApiJson);
        reply(std::move(resp));
      },
      Run::kInline);
}

}  // namespace sb::http
