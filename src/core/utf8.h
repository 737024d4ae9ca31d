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
// Number of code points in valid UTF-8.
size_t count_code_points(std::string_view s);

}  // namespace sb::utf8
