// The Twilio-compatible API (docs/twilio-compatibility.md): Twilio's 2010-04-01 REST dialect over
// the same engine operations as /v1, so code written for Twilio's SDKs works with its base URL
// changed. Authenticated with HTTP Basic AccountSid:AuthToken (`switchboard twilio-credentials`).
#pragma once

#include "engine/media.h"
#include "engine/services.h"
#include "http/router.h"

namespace sb::http {

// Registers, under /2010-04-01/Accounts/{AccountSid}: GET {AccountSid}.json; POST and GET
// Messages.json; GET, POST (redact, cancel) and DELETE Messages/{Sid}.json; GET
// IncomingPhoneNumbers.json and IncomingPhoneNumbers/{Sid}.json.
// `media_files`: where re-hosted media are read from for the media content URL.
void register_twilio_api(Router& router, engine::Services& services,
                         const engine::MediaFiles& media_files);

}  // namespace sb::http
