// An account's credentials for the Twilio-compatible API (docs/twilio-compatibility.md): an
// account SID ("AC" + 32 lower-case hex) and an auth token, with the previous token still
// accepted after a rotation until it is dropped. The auth token also signs the Twilio-format
// requests the gateway makes to the account's apps (X-Twilio-Signature), so it is an HMAC key
// stored as it is (a hash cannot sign); it is shown only by `switchboard twilio-credentials`
// and never logged.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"

namespace sb {

struct TwilioCredentials {
  std::string account;
  std::string account_sid;
  std::string auth_token;
  std::optional<std::string> previous_token;  // accepted until dropped
  TimeMs created_at = 0;
  TimeMs rotated_at = 0;  // 0: never rotated
};

// Who a Twilio-compatible request authenticated as: the account, its SID (which the request's
// path must name), and whether it used an API key (which may not manage keys).
struct TwilioCaller {
  std::string account;
  std::string account_sid;
  bool api_key = false;
};

// An API key of the Twilio-compatible API ("SK" + 32 hex, with a secret shown once): HTTP Basic
// SK…:secret authenticates as its account. Only the secret's SHA-256 is stored: it is never read
// back.
struct TwilioApiKey {
  std::string sid;
  std::string account;
  std::string account_sid;  // the account's SID (when read)
  std::string friendly_name;
  std::string secret_hash;  // hex SHA-256 of the secret
  TimeMs created_at = 0;
};

}  // namespace sb
