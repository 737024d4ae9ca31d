// Strict UTF-8 validation and decoding (core/utf8.h), which every text the gateway accepts goes
// through. Checked against an independent reading of RFC 3629's table: the same verdict and the
// same first bad offset; valid text decodes (decode, next_unchecked) to code points that
// re-encode (append) to the same bytes.
#include "core/utf8.h"

#include "fuzz_support.h"

using namespace sb;

namespace {

// Length of the well-formed sequence at s[i] (RFC 3629 section 4 / Unicode table 3-7), or 0.
size_t sequence_length(std::string_view s, size_t i) {
  const auto at = [&](size_t k) -> int {
    return k < s.size() ? static_cast<unsigned char>(s[k]) : -1;
  };
  const int b0 = at(i);
  const auto in = [](int b, int lo, int hi) { return b >= lo && b <= hi; };
  if (in(b0, 0x00, 0x7F)) return 1;
  if (in(b0, 0xC2, 0xDF)) return in(at(i + 1), 0x80, 0xBF) ? 2 : 0;
  if (b0 == 0xE0) return in(at(i + 1), 0xA0, 0xBF) && in(at(i + 2), 0x80, 0xBF) ? 3 : 0;
  if (in(b0, 0xE1, 0xEC) || in(b0, 0xEE, 0xEF)) {
    return in(at(i + 1), 0x80, 0xBF) && in(at(i + 2), 0x80, 0xBF) ? 3 : 0;
  }
  if (b0 == 0xED) return in(at(i + 1), 0x80, 0x9F) && in(at(i + 2), 0x80, 0xBF) ? 3 : 0;
  if (b0 == 0xF0) {
    return in(at(i + 1), 0x90, 0xBF) && in(at(i + 2), 0x80, 0xBF) && in(at(i + 3), 0x80, 0xBF)
               ? 4 : 0;
  }
  if (in(b0, 0xF1, 0xF3)) {
    return in(at(i + 1), 0x80, 0xBF) && in(at(i + 2), 0x80, 0xBF) && in(at(i + 3), 0x80, 0xBF)
               ? 4 : 0;
  }
  if (b0 == 0xF4) {
    return in(at(i + 1), 0x80, 0x8F) && in(at(i + 2), 0x80, 0xBF) && in(at(i + 3), 0x80, 0xBF)
               ? 4 : 0;
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view s = fuzz::as_text(data, size);
  std::optional<size_t> first_bad;
  size_t count = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t n = sequence_length(s, i);
    if (n == 0) {
      first_bad = i;
      break;
    }
    i += n;
    ++count;
  }
  FUZZ_CHECK(utf8::find_invalid(s) == first_bad);
  FUZZ_CHECK(utf8::is_valid(s) == !first_bad);
  if (first_bad) {
    // The valid prefix is valid on its own.
    FUZZ_CHECK(utf8::is_valid(s.substr(0, *first_bad)));
    return 0;
  }
  const std::vector<char32_t> cps = utf8::decode(s);
  FUZZ_CHECK(cps.size() == count);
  std::string again;
  size_t i = 0;
  for (char32_t cp : cps) {
    FUZZ_CHECK(cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF));
    FUZZ_CHECK(utf8::next_unchecked(s, i) == cp);
    utf8::append(again, cp);
  }
  FUZZ_CHECK(i == s.size());
  FUZZ_CHECK(again == s);
  return 0;
}
