// Provider webhooks: dispatch by provider name to each provider's verify/parse (see webhook.h).
#include "providers/webhook.h"

#include <exception>
#include <strings.h>

#include "providers/signalwire/signalwire_webhook.h"
#include "providers/sinch/sinch_webhook.h"
#include "providers/telnyx/telnyx_webhook.h"
#include "providers/twilio/twilio_webhook.h"
#include "providers/voicemeup/voicemeup_webhook.h"
#include "providers/webhook_util.h"

namespace sb::providers {

namespace wu = webhook_util;

std::string WebhookRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

Result<void> verify_webhook(const WebhookSecrets& secrets, const WebhookRequest& req, TimeMs now) {
  if (secrets.verification_disabled) return Ok();
  try {
    const std::string& p = secrets.provider;
    if (p == "twilio") return twilio::verify_webhook(secrets, req);
    if (p == "signalwire") return signalwire::verify_webhook(secrets, req);
    if (p == "telnyx") return telnyx::verify_webhook(secrets, req, now);
    if (p == "sinch") return sinch::verify_webhook(secrets, req, now);
    if (p == "voicemeup") return voicemeup::verify_webhook(secrets, req);
    if (p == "sim") {
      return wu::unverified("the sim provider signs nothing: set verify_webhooks = false");
    }
    return wu::unverified("not configured: unknown provider '" + p + "'");
  } catch (const std::exception& e) {
    return wu::unverified(std::string("verification failed: ") + e.what());
  }
}

Result<WebhookEvent> parse_webhook(std::string_view provider, const WebhookRequest& req,
                                   TimeMs now) {
  try {
    if (provider == "twilio") {
      if (wu::is_json_body(req.header("Content-Type"), req.body)) {
        return wu::invalid("body", "Twilio messaging webhooks are form-encoded");
      }
      return twilio::parse_form_webhook(req, now);
    }
    if (provider == "signalwire") return signalwire::parse_webhook(req, now);
    if (provider == "telnyx") return telnyx::parse_webhook(req, now);
    if (provider == "sinch") return sinch::parse_webhook(req, now);
    if (provider == "voicemeup") return voicemeup::parse_webhook(req, now);
    if (provider == "sim") return wu::invalid("provider", "the sim provider sends no webhooks");
    return wu::invalid("provider", "unknown provider '" + std::string(provider) + "'");
  } catch (const std::exception& e) {
    // The readers never throw on bad input; this is the last line so nothing escapes to the caller.
    return wu::invalid("body", std::string("unreadable webhook: ") + e.what());
  }
}

WebhookReply webhook_reply(std::string_view provider, const WebhookRequest& req) {
  if (provider == "twilio" || provider == "signalwire") {
    if (!wu::is_json_body(req.header("Content-Type"), req.body)) {
      return twilio::empty_twiml_reply();
    }
  }
  return WebhookReply{};
}

}  // namespace sb::providers
