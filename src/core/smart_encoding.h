// Smart encoding: Unicode look-alikes (curly quotes, long dashes, odd spaces...) to GSM-7.
#pragma once

#include <string>
#include <string_view>

namespace sb {

struct SmartEncoded {
  std::string body;  // the text after replacement
  int replaced = 0;  // code points replaced (or removed)
};

// The GSM-7 replacement for `cp` under Twilio's Smart Encoding table, or nullptr when the table
// has no entry. An empty string means the code point is dropped (zero-width and control chars).
const char* smart_replacement(char32_t cp);

// Replaces every code point of valid UTF-8 `body` that the table lists; everything else is copied.
// The result may still contain non-GSM characters (emoji, CJK...); callers decide what to do then.
SmartEncoded smart_encode(std::string_view body);

}  // namespace sb
