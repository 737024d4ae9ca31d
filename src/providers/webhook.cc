// Provider webhooks: a provider's verify/parse/reply behind one guard (see webhook.h).
#include "providers/webhook.h"

#include <strings.h>

#include <exception>

#include "providers/webhook_util.h"

namespace sb::providers {

namespace wu = webhook_util;

std::string WebhookRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

Result<void> verify_webhook(const WebhookSpec& spec, const WebhookSecrets& secrets,
                            const WebhookRequest& req, TimeMs now) {
  if (secrets.verification_disabled) return Ok();
  try {
    return spec.verify(secrets, req, now);
  } catch (const std::exception& e) {
    return wu::unverified(std::string("verification failed: ") + e.what());
  }
}

Result<WebhookEvent> parse_webhook(const WebhookSpec& spec, const WebhookRequest& req, TimeMs now) {
  try {
    return spec.parse(req, now);
  } catch (const std::exception& e) {
    // The readers never throw on bad input; this is the last line so nothing escapes to the caller.
    return wu::invalid("body", std::string("unreadable webhook: ") + e.what());
  }
}

WebhookReply webhook_reply(const WebhookSpec& spec, const WebhookRequest& req) {
  return spec.reply ? spec.reply(req) : WebhookReply{};
}

}  // namespace sb::providers
