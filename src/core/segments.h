// SMS encoding and segmentation: GSM 03.38 7-bit (basic + extension table) or UCS-2/UTF-16.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sb {

enum class Encoding { kGsm7, kUcs2 };
std::string_view to_string(Encoding e);

struct SegmentInfo {
  Encoding encoding = Encoding::kGsm7;
  int segments = 0;               // 0 for an empty body
  int total_units = 0;            // septets (GSM-7) or UTF-16 code units (UCS-2)
  std::vector<int> units_per_segment;
  std::vector<std::string> parts;  // UTF-8 text of each part
  std::vector<std::string> non_gsm_characters;  // distinct characters that forced UCS-2
};

// Septet cost of a code point in GSM-7: 1 (basic table), 2 (extension table, escaped), 0 (not GSM).
int gsm7_cost(char32_t cp);

// Analyzes a valid UTF-8 body. Single-part limits are 160 septets / 70 code units; concatenated
// parts carry 153 septets / 67 code units. Escape pairs and surrogate pairs are never split.
SegmentInfo analyze_segments(std::string_view utf8_body);

}  // namespace sb
