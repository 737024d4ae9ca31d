// GSM 03.38 tables and the splitter.
#include "core/segments.h"

#include <algorithm>

#include "core/utf8.h"

namespace sb {

std::string_view to_string(Encoding e) { return e == Encoding::kGsm7 ? "GSM-7" : "UCS-2"; }

int gsm7_cost(char32_t cp) {
  // GSM 03.38 basic character set (the 128 code points of the default alphabet).
  static constexpr char32_t kBasic[] = {
      U'@', U'£', U'$', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç', U'\n', U'Ø', U'ø', U'\r', U'Å', U'å',
      U'Δ', U'_', U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ', U'Σ', U'Θ', U'Ξ', U'Æ', U'æ', U'ß', U'É',
      U' ', U'!', U'"', U'#', U'¤', U'%', U'&', U'\'', U'(', U')', U'*', U'+', U',', U'-', U'.', U'/',
      U'0', U'1', U'2', U'3', U'4', U'5', U'6', U'7', U'8', U'9', U':', U';', U'<', U'=', U'>', U'?',
      U'¡', U'A', U'B', U'C', U'D', U'E', U'F', U'G', U'H', U'I', U'J', U'K', U'L', U'M', U'N', U'O',
      U'P', U'Q', U'R', U'S', U'T', U'U', U'V', U'W', U'X', U'Y', U'Z', U'Ä', U'Ö', U'Ñ', U'Ü', U'§',
      U'¿', U'a', U'b', U'c', U'd', U'e', U'f', U'g', U'h', U'i', U'j', U'k', U'l', U'm', U'n', U'o',
      U'p', U'q', U'r', U's', U't', U'u', U'v', U'w', U'x', U'y', U'z', U'ä', U'ö', U'ñ', U'ü', U'à'};
  static constexpr char32_t kExtension[] = {U'\f', U'^', U'{', U'}', U'\\', U'[', U'~', U']', U'|',
                                            U'€'};
  // ASCII fast path: everything printable is basic except the extension characters and '`'.
  if (cp < 0x80) {
    if (std::find(std::begin(kExtension), std::end(kExtension), cp) != std::end(kExtension)) return 2;
    if (cp == U'`') return 0;
    if (cp >= 0x20 || cp == U'\n' || cp == U'\r') return 1;
    return cp == U'\f' ? 2 : 0;
  }
  if (std::find(std::begin(kBasic), std::end(kBasic), cp) != std::end(kBasic)) return 1;
  if (cp == U'€') return 2;
  return 0;
}

SegmentInfo analyze_segments(std::string_view body) {
  SegmentInfo info;
  const std::vector<char32_t> cps = utf8::decode(body);
  if (cps.empty()) return info;

  std::vector<int> cost(cps.size());
  bool gsm = true;
  for (size_t i = 0; i < cps.size(); ++i) {
    cost[i] = gsm7_cost(cps[i]);
    if (cost[i] == 0) {
      gsm = false;
      std::string ch;
      utf8::append(ch, cps[i]);
      if (std::find(info.non_gsm_characters.begin(), info.non_gsm_characters.end(), ch) ==
          info.non_gsm_characters.end()) {
        info.non_gsm_characters.push_back(std::move(ch));
      }
    }
  }
  if (!gsm) {
    info.encoding = Encoding::kUcs2;
    for (size_t i = 0; i < cps.size(); ++i) cost[i] = cps[i] > 0xFFFF ? 2 : 1;
  }
  int total = 0;
  for (int c : cost) total += c;
  info.total_units = total;
  const int single = gsm ? 160 : 70;
  const int multi = gsm ? 153 : 67;
  const int limit = total <= single ? single : multi;

  std::string part;
  int used = 0;
  for (size_t i = 0; i < cps.size(); ++i) {
    if (used + cost[i] > limit) {
      info.parts.push_back(std::move(part));
      info.units_per_segment.push_back(used);
      part.clear();
      used = 0;
    }
    utf8::append(part, cps[i]);
    used += cost[i];
  }
  info.parts.push_back(std::move(part));
  info.units_per_segment.push_back(used);
  info.segments = static_cast<int>(info.parts.size());
  return info;
}

}  // namespace sb
