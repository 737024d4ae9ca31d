// UTF-8 validation and decoding, strict (no overlongs, surrogates or code points past U+10FFFF).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::utf8 {

// Byte offset of the first invalid sequence, or nullopt when `s` is valid UTF-8.
std::optional<size_t> find_invalid(std::string_view s);
inline bool is_valid(std::string_view s) { return !find_invalid(s).has_value(); }
// Decodes valid UTF-8 (call is_valid first) into code points.
std::vector<char32_t> decode(std::string_view s);
void append(std::string& out, char32_t cp);

// Decodes the code point starting at s[i] and advances i past it. `s` must be valid UTF-8 (call
// is_valid first) and i < s.size(); no checks are made, which keeps the hot loops cheap.
inline char32_t next_unchecked(std::string_view s, size_t& i) {
  const auto b = [&](size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[k])); };
  const char32_t c = b(i);
  if (c < 0x80) {
    i += 1;
    return c;
  }
  if (c < 0xE0) {
    const char32_t cp = ((c & 0x1F) << 6) | (b(i + 1) & 0x3F);
    i += 2;
    return cp;
  }
  if (c < 0xF0) {
    const char32_t cp = ((c & 0x0F) << 12) | ((b(i + 1) & 0x3F) << 6) | (b(i + 2) & 0x3F);
    i += 3;
    return cp;
  }
  const char32_t cp =
      ((c & 0x07) << 18) | ((b(i + 1) & 0x3F) << 12) | ((b(i + 2) & 0x3F) << 6) | (b(i + 3) & 0x3F);
  i += 4;
  return cp;
}

}  // namespace sb::utf8
