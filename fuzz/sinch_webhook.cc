// Sinch SMS ("xms") callbacks (JSON): inbound MO messages and delivery reports, and their HMAC or
// Basic authentication: providers/sinch/sinch_webhook.h. Input: a request (fuzz_support.h),
// JSON body.
#include "providers/sinch/sinch_webhook.h"

#include "webhook_checks.h"

using namespace sb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto req = fuzz::webhook_input(data, size, "sinch", "application/json");

  providers::WebhookSecrets hmac;
  hmac.provider = "sinch";
  hmac.hmac_secret = "fuzz-hmac-secret-not-in-any-input";
  FUZZ_CHECK(!providers::sinch::verify_webhook(hmac, req, fuzz::kFuzzNow).ok());
  providers::WebhookSecrets basic;
  basic.provider = "sinch";
  basic.basic_username = "fuzz-user-not-in-any-input";
  basic.basic_password = "fuzz-password-not-in-any-input";
  FUZZ_CHECK(!providers::sinch::verify_webhook(basic, req, fuzz::kFuzzNow).ok());

  auto ev = providers::sinch::parse_webhook(req, fuzz::kFuzzNow);
  if (ev) fuzz::check_event(*ev);
  return 0;
}
