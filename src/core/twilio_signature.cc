// X-Twilio-Signature (see twilio_signature.h).
#include "core/twilio_signature.h"

#include <algorithm>
#include <map>
#include <vector>

#include "core/crypto.h"

namespace sb {

std::string twilio_signature(std::string_view key, std::string_view url, const FormFields& params,
                             TwilioParamOrder order) {
  std::map<std::string, std::vector<std::string>> by_name;
  for (const auto& [k, v] : params) by_name[k].push_back(v);
  std::string data(url);
  for (auto& [name, values] : by_name) {
    if (order == TwilioParamOrder::kTwilio) {
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
    }
    for (const auto& v : values) {
      data += name;
      data += v;
    }
  }
  return crypto::base64(crypto::hmac_sha1(key, data));
}

}  // namespace sb
