// Twilio's inbound-message and status-callback webhooks (form posts) and their X-Twilio-Signature
// check: providers/twilio/twilio_webhook.h. Input: a request (fuzz_support.h), form body.
#include "providers/twilio/twilio_webhook.h"

#include "webhook_checks.h"

using namespace sb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto req =
      fuzz::webhook_input(data, size, "twilio", "application/x-www-form-urlencoded");

  providers::WebhookSecrets secrets;
  secrets.provider = "twilio";
  secrets.signing_key = "fuzz-auth-token-not-in-any-input";
  FUZZ_CHECK(!providers::twilio::verify_webhook(secrets, req, fuzz::kFuzzNow).ok());
  // Both parameter layouts, with a signature header the input chose.
  const std::string signature = req.header("X-Twilio-Signature");
  FUZZ_CHECK(!providers::twilio::check_signature(secrets.signing_key, req, signature, true).ok());

  auto ev = providers::twilio::parse_twilio_webhook(req, fuzz::kFuzzNow);
  if (ev) fuzz::check_event(*ev);
  // The form reader SignalWire shares accepts what Twilio's does (and JSON bodies it leaves to
  // SignalWire's own reader).
  auto form = providers::twilio::parse_form_webhook(req, fuzz::kFuzzNow);
  if (form) fuzz::check_event(*form);
  if (ev) FUZZ_CHECK(form.ok() && form->dedupe_key == ev->dedupe_key);
  return 0;
}
