// X-Twilio-Signature: how Twilio (and SignalWire's LaML API) sign the requests they make to an
// app. The twilio provider checks it on webhooks that come in; the gateway signs its own
// Twilio-format requests to apps with it (docs/twilio-compatibility.md).
#pragma once

#include <string>
#include <string_view>

#include "core/form.h"

namespace sb {

// How repeated parameters are laid out in the signed string.
enum class TwilioParamOrder {
  kTwilio,     // Twilio's validators: values of one name de-duplicated and sorted
  kAsReceived  // SignalWire's SDK: values kept in the order received, duplicates kept
};

// base64(HMAC-SHA1(key, url + name1 + value1 + ...)), parameters sorted by name (byte order).
// A GET request's parameters are in the URL, so it is signed with no parameters.
std::string twilio_signature(std::string_view key, std::string_view url, const FormFields& params,
                             TwilioParamOrder order = TwilioParamOrder::kTwilio);

// The same in two steps, for a verifier that tries several URLs (with and without the default
// port) against one body: the parameters' part of the signed string (name1 + value1 + ...,
// sorted as `order` says), built once, then the signature for each URL.
std::string twilio_signed_params(const FormFields& params,
                                 TwilioParamOrder order = TwilioParamOrder::kTwilio);
std::string twilio_signature_of(std::string_view key, std::string_view url,
                                std::string_view signed_params);

}  // namespace sb
