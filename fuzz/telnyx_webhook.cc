// Telnyx API v2 messaging webhooks (JSON) and their Ed25519 signature check:
// providers/telnyx/telnyx_webhook.h. Input: a request (fuzz_support.h), JSON body.
#include "providers/telnyx/telnyx_webhook.h"

#include "webhook_checks.h"

using namespace sb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto req = fuzz::webhook_input(data, size, "telnyx", "application/json");

  providers::WebhookSecrets secrets;
  secrets.provider = "telnyx";
  // An Ed25519 public key whose private key nobody has (32 bytes, base64).
  secrets.public_key = "Zm96ei1wdWJsaWMta2V5LW5vdC1pbi1hbnktaW5wdXQ=";
  FUZZ_CHECK(!providers::telnyx::verify_webhook(secrets, req, fuzz::kFuzzNow).ok());

  auto ev = providers::telnyx::parse_webhook(req, fuzz::kFuzzNow);
  if (ev) fuzz::check_event(*ev);
  return 0;
}
