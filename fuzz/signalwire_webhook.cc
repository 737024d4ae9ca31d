// SignalWire's webhooks: LaML form posts (Twilio-shaped) and the REST API's JSON status
// callbacks, and their X-SignalWire-Signature check: providers/signalwire/signalwire_webhook.h.
// Input: a request (fuzz_support.h); without a Content-Type line the body is read as JSON.
#include "providers/signalwire/signalwire_webhook.h"

#include "providers/twilio/twilio_webhook.h"
#include "webhook_checks.h"

using namespace sb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto req = fuzz::webhook_input(data, size, "signalwire", "application/json");

  providers::WebhookSecrets secrets;
  secrets.provider = "signalwire";
  secrets.signing_key = "fuzz-signing-key-not-in-any-input";
  FUZZ_CHECK(!providers::signalwire::verify_webhook(secrets, req, fuzz::kFuzzNow).ok());

  auto ev = providers::signalwire::parse_webhook(req, fuzz::kFuzzNow);
  if (ev) fuzz::check_event(*ev);
  // The reply matches the body's kind: TwiML to a form, JSON to JSON.
  const auto reply = providers::twilio::laml_reply(req);
  FUZZ_CHECK(reply.status == 200);
  FUZZ_CHECK(reply.content_type == (providers::signalwire::is_json_webhook(req)
                                        ? "application/json"
                                        : "text/xml"));
  return 0;
}
