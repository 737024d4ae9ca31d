// SMS encoding and segmentation: GSM 03.38 7-bit (basic + extension table) or UCS-2/UTF-16.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sb {

enum class Encoding { kGsm7, kUcs2 };
// "GSM-7" or "UCS-2" (the names Twilio and the SMPP world use).
std::string_view to_string(Encoding e);

// Units per segment (3GPP TS 23.040): a lone segment carries 140 octets; a concatenated part loses
// 6 octets to the user data header.
inline constexpr int kGsm7SingleSegment = 160;  // septets
inline constexpr int kGsm7MultiSegment = 153;
inline constexpr int kUcs2SingleSegment = 70;  // UTF-16 code units
inline constexpr int kUcs2MultiSegment = 67;

// The most user-perceived characters (extended grapheme clusters) a body may have; the same cap
// Twilio applies to a message body. See docs/text-and-numbers.md for why clusters are counted.
inline constexpr int kMaxBodyCharacters = 1600;

struct SegmentInfo {
  Encoding encoding = Encoding::kGsm7;
  int segments = 0;     // 0 for an empty body
  int total_units = 0;  // septets (GSM-7) or UTF-16 code units (UCS-2)
  std::vector<int> units_per_segment;
  std::vector<std::string> parts;  // UTF-8 text of each part; concatenated they give the body
  // Distinct user-perceived characters (grapheme clusters) holding a code point outside GSM-7,
  // in order of first appearance, so a UI can highlight what forced UCS-2.
  std::vector<std::string> non_gsm_characters;
  int characters = 0;      // extended grapheme clusters: what the 1600 limit counts
  int code_points = 0;     // Unicode scalar values
  int units_per_part = 0;  // the segment capacity used: 160/153 (GSM-7) or 70/67 (UCS-2)
};

// Septet cost of a code point in GSM-7: 1 (basic table), 2 (extension table, escaped), 0 (not GSM).
int gsm7_cost(char32_t cp);

// Analyzes a valid UTF-8 body (check with utf8::is_valid or use segment_body). The whole body is
// GSM-7 when every code point is in the basic or extension table, else UCS-2. Single-part limits
// are 160 septets / 70 code units; concatenated parts carry 153 septets / 67 code units. Parts are
// filled greedily and never split an escape pair or a surrogate pair; a cut is moved back to the
// last grapheme-cluster boundary in the part (so ZWJ emoji, flags, skin tones, combining marks and
// CRLF stay whole) unless the cluster started the part, i.e. is itself longer than a segment.
SegmentInfo analyze_segments(std::string_view utf8_body);

struct SegmentOptions {
  bool smart_encoding = false;  // apply Twilio's Smart Encoding table first (see smart_encoding.h)
};

// Everything POST /v1/segments answers.
struct SegmentReport {
  SegmentInfo info;                     // of `body` below
  std::string body;                     // the text that would be sent
  bool smart_encoding = false;          // requested
  bool smart_encoding_applied = false;  // the body was changed by smart encoding
  int replaced_characters = 0;          // code points smart encoding replaced or dropped
};

// Validates and analyzes a message body. Errors: "invalid_utf8" (field "body", message gives the
// byte offset). With smart encoding the replacements are kept only when they make the whole body
// GSM-7, as Twilio does: if an emoji or other non-GSM character remains the message is UCS-2
// anyway, and the original text is then both cheaper or equal and truer to what the user wrote.
Result<SegmentReport> segment_body(std::string_view body, const SegmentOptions& options = {});

// For the send path: valid UTF-8, not empty, at most kMaxBodyCharacters clusters. Errors:
// "invalid_utf8", "empty_body", "body_too_long", all with field `field`.
Result<void> validate_body(std::string_view body, std::string_view field = "body");

// The JSON object of POST /v1/segments (and `switchboard segments --json`):
// {"encoding","segments","characters","code_points","total_units","units_per_part",
//  "units_per_segment":[..],"parts":[..],"non_gsm_characters":[..],"body",
//  "smart_encoding","smart_encoding_applied","replaced_characters","max_characters"}
nlohmann::json to_json(const SegmentReport& report);

}  // namespace sb
