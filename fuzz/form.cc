// Percent-encoding and application/x-www-form-urlencoded bodies and query strings
// (core/form.h): what every form webhook, the Twilio-compatible API and request targets go
// through. Properties: decoding never fails; encoding writes only unreserved characters and
// escapes, and decoding it gives the input back; a decoded form re-encodes to a form that decodes
// to the same fields. Input: any bytes, read as a form body and as one value.
#include <algorithm>

#include "core/form.h"
#include "fuzz_support.h"

using namespace sb;

namespace {

// Every byte unreserved, a %XX escape, or one of `separators`.
bool unreserved_or_escape(std::string_view encoded, std::string_view separators = "") {
  for (size_t i = 0; i < encoded.size(); ++i) {
    const unsigned char c = encoded[i];
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') continue;
    if (separators.find(static_cast<char>(c)) != std::string_view::npos) continue;
    if (c != '%' || i + 2 >= encoded.size() ||
        !std::isxdigit(static_cast<unsigned char>(encoded[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(encoded[i + 2]))) {
      return false;
    }
    i += 2;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::as_text(data, size);

  const std::string encoded = url_encode(in);
  FUZZ_CHECK(unreserved_or_escape(encoded));
  FUZZ_CHECK(url_decode(encoded, false) == in);
  FUZZ_CHECK(url_decode(encoded, true) == in);
  // Decoding only ever shortens.
  FUZZ_CHECK(url_decode(in, true).size() <= in.size());
  FUZZ_CHECK(url_decode(in, false).size() <= in.size());

  const FormFields fields = form_decode(in);
  FUZZ_CHECK(fields.size() <= static_cast<size_t>(std::count(in.begin(), in.end(), '&')) + 1);
  const std::string body = form_encode(fields);
  FUZZ_CHECK(unreserved_or_escape(body, "&="));
  FUZZ_CHECK(form_decode(body) == fields);
  FUZZ_CHECK(form_encode(form_decode(body)) == body);
  return 0;
}
