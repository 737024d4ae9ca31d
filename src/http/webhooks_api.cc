// POST /webhooks/{connector} (and /webhooks/{connector}/{segment}: the status alias, or
// VoiceMeUp's secret path): provider callbacks in, through the engine's WebhookProcessor.
#include "http/webhooks_api.h"

#include <spdlog/spdlog.h>

namespace sb::http {

void register_webhooks(Router& router, engine::WebhookProcessor& processor,
                       std::string public_url) {
  while (!public_url.empty() && public_url.back() == '/') public_url.pop_back();
  auto handle = [&processor, public_url](Request& req, Reply reply) {
    providers::WebhookRequest w;
    w.method = req.method;
    // Providers sign the URL they called: our public base plus the path and query as received.
    w.url = public_url + req.target;
    w.headers = std::move(req.headers);
    w.body = std::move(req.body);
    w.remote_addr = req.remote_address;
    if (auto it = req.params.find("segment"); it != req.params.end()) w.path_secret = it->second;
    processor.handle(req.params.at("connector"), std::move(w),
                     [reply = std::move(reply)](Result<providers::WebhookReply> out) {
                       // Refusals take the one error shape and status table; an accepted
                       // webhook gets the provider's own answer (Twilio's empty TwiML, say).
                       if (!out) return reply(Response::error(out.error()));
                       Response r;
                       r.status = out->status;
                       r.content_type = out->content_type;
                       r.body = std::move(out->body);
                       reply(std::move(r));
                     });
  };
  // Inline: verification and parsing are CPU only and the commit is asynchronous (the webhook
  // group commit replies), so a handler thread would only add two thread switches.
  router.add("POST", "/webhooks/{connector}", handle, Run::kInline);
  router.add("POST", "/webhooks/{connector}/{segment}", handle, Run::kInline);
}

}  // namespace sb::http
