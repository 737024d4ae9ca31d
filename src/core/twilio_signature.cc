// X-Twilio-Signature (see twilio_signature.h).
#include "core/twilio_signature.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "core/crypto.h"

namespace sb {

std::string twilio_signed_params(const FormFields& params, TwilioParamOrder order) {
  // Sorted by index into `params`, so no name or value is copied until the one output string.
  std::vector<size_t> at(params.size());
  std::iota(at.begin(), at.end(), size_t{0});
  if (order == TwilioParamOrder::kTwilio) {
    // By name, then value; a value repeated under one name counts once.
    std::sort(at.begin(), at.end(), [&](size_t a, size_t b) { return params[a] < params[b]; });
    at.erase(std::unique(at.begin(), at.end(),
                         [&](size_t a, size_t b) { return params[a] == params[b]; }),
             at.end());
  } else {
    // By name; one name's values in the order received, repeats kept.
    std::stable_sort(at.begin(), at.end(),
                     [&](size_t a, size_t b) { return params[a].first < params[b].first; });
  }
  size_t size = 0;
  for (size_t i : at) size += params[i].first.size() + params[i].second.size();
  std::string out;
  out.reserve(size);
  for (size_t i : at) {
    out += params[i].first;
    out += params[i].second;
  }
  return out;
}

std::string twilio_signature_of(std::string_view key, std::string_view url,
                                std::string_view signed_params) {
  std::string data;
  data.reserve(url.size() + signed_params.size());
  data += url;
  data += signed_params;
  return crypto::base64(crypto::hmac_sha1(key, data));
}

std::string twilio_signature(std::string_view key, std::string_view url, const FormFields& params,
                             TwilioParamOrder order) {
  return twilio_signature_of(key, url, twilio_signed_params(params, order));
}

}  // namespace sb
