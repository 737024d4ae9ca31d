// VoiceMeUp SMS/MMS webhooks (JSON or form), split-MMS parts included, and their path-secret and
// source-address check: providers/voicemeup/voicemeup_webhook.h. Input: a request
// (fuzz_support.h) whose Path-Secret and Remote-Addr lines stand for the URL's secret segment and
// the peer; JSON body unless a Content-Type line says otherwise.
#include "providers/voicemeup/voicemeup_webhook.h"

#include "webhook_checks.h"

using namespace sb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto req = fuzz::webhook_input(data, size, "voicemeup", "application/json");

  // VoiceMeUp signs nothing: the request is genuine exactly when it carries the secret (and, with
  // an allow-list, comes from a listed address). The secret is in the seed corpus on purpose.
  providers::WebhookSecrets secrets;
  secrets.provider = "voicemeup";
  secrets.path_secret = "vmu-secret-0123456789";
  const bool secret_ok = req.path_secret == secrets.path_secret;
  FUZZ_CHECK(providers::voicemeup::verify_webhook(secrets, req, fuzz::kFuzzNow).ok() == secret_ok);
  secrets.allow_ips = {"203.0.113.7", "2001:db8::7"};
  const bool addr_ok = req.remote_addr == "203.0.113.7" || req.remote_addr == "2001:db8::7";
  FUZZ_CHECK(providers::voicemeup::verify_webhook(secrets, req, fuzz::kFuzzNow).ok() ==
             (secret_ok && addr_ok));
  secrets.path_secret.clear();  // not configured: nothing is genuine
  FUZZ_CHECK(!providers::voicemeup::verify_webhook(secrets, req, fuzz::kFuzzNow).ok());

  auto ev = providers::voicemeup::parse_webhook(req, fuzz::kFuzzNow);
  if (ev) {
    fuzz::check_event(*ev);
    if (ev->part) FUZZ_CHECK(ev->kind == providers::WebhookEvent::Kind::kInbound);
  }
  return 0;
}
