// Outgoing HTTP notifications to apps (status callbacks, inbound forwards), their attempts, and
// the per-account secret that signs them.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"

namespace sb {

// An outgoing HTTP notification to an app (status callback or inbound forward), retried until
// acknowledged.
struct Delivery {
  std::string id;
  std::string account;
  std::string message_id;
  std::string kind;  // "status_callback" | "forward"
  std::string url;
  std::string payload;  // JSON body (status callbacks); "" for forwards, built at attempt time
  int attempts = 0;
  TimeMs created_at = 0;
  TimeMs next_attempt_at = 0;
  // The HTTP method (forwards may use GET); a delivery listing also fills the rest.
  std::string method = "POST";
  // "" (Switchboard's JSON and Switchboard-Signature) | "twilio" (Twilio's form parameters and
  // X-Twilio-Signature; a forward's answer is read as TwiML).
  std::string format;
  std::string state;  // pending | delivered | failed
  int last_status = 0;
  std::string last_error;
  TimeMs updated_at = 0;
};

// One attempt at a delivery, as logged for GET /v1/messages/{id}/deliveries.
struct DeliveryAttempt {
  std::string delivery_id;
  int attempt = 0;  // 1-based
  TimeMs at = 0;
  int64_t duration_ms = 0;
  int http_status = 0;           // 0: no response (see error)
  std::string error;             // transport error, HTTP error, or why an app's reply was not sent
  std::string response_excerpt;  // the start of the response body (bounded by the sender)
  std::string reply_message_id;  // forwards: the reply the app's answer sent
};

// An account's webhook signing secret: an HMAC key, so stored as it is (a hash cannot sign); it
// is shown only to its account and never logged.
struct SigningSecret {
  std::string account;
  std::string secret;
  TimeMs created_at = 0;
};

}  // namespace sb
