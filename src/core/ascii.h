// ASCII case-insensitive comparison, for protocol words (HTTP schemes and headers' values, SMPP
// receipt fields) that are ASCII by definition and must not depend on the locale.
#pragma once

#include <string_view>

namespace sb {

inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Whether `a` and `b` are equal ignoring ASCII case.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace sb
