// The words our messages are described with in Twilio's dialect, shared by the Twilio-compatible
// API's responses and the Twilio-format requests the gateway makes to apps
// (docs/twilio-compatibility.md).
#pragma once

#include <optional>
#include <string_view>

#include "core/message.h"

namespace sb {

inline constexpr std::string_view kTwilioApiVersion = "2010-04-01";

// Twilio's status word for ours (accepted → queued, expired → failed).
std::string_view twilio_status_word(Status s);

// Twilio's integer error code for a message's error: the provider's own when it is a number,
// 21610 for an opted-out recipient, 30001 for an expired one, 30008 (unknown) otherwise;
// nullopt when the message has no error.
std::optional<int> twilio_error_code(const Message& m);

// "outbound-reply" for a message an app's answer to a forward sent, "inbound", "outbound-api".
std::string_view twilio_direction(const Message& m);

}  // namespace sb
