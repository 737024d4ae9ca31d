// GSM 03.38 tables and the splitter.
#include "core/segments.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "core/grapheme.h"
#include "core/smart_encoding.h"
#include "core/utf8.h"

namespace sb {
namespace {

// Cost of U+0000..U+00FF: GSM 03.38 default alphabet (3GPP TS 23.038 6.2.1) and its extension
// table (6.2.1.1, reached through ESC, hence 2 septets). Built once at compile time.
constexpr std::array<unsigned char, 256> make_latin_costs() {
  std::array<unsigned char, 256> t{};
  for (char32_t c = 0x20; c < 0x7F; ++c) t[c] = 1;
  t[U'`'] = 0;  // not in the default alphabet
  for (char32_t c : {U'^', U'{', U'}', U'\\', U'[', U'~', U']', U'|', U'\f'}) t[c] = 2;
  t[U'\n'] = 1;
  t[U'\r'] = 1;
  for (char32_t c :
       {U'£', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç', U'Ø', U'ø', U'Å', U'å', U'Æ', U'æ', U'ß',
        U'É', U'¤', U'¡', U'Ä', U'Ö', U'Ñ', U'Ü', U'§', U'¿', U'ä', U'ö', U'ñ', U'ü', U'à'}) {
    t[c] = 1;
  }
  return t;
}
constexpr std::array<unsigned char, 256> kLatinCost = make_latin_costs();

int ucs2_units(char32_t cp) { return cp > 0xFFFF ? 2 : 1; }

std::string error_offset_message(size_t offset) {
  return "body is not valid UTF-8 (first bad byte at offset " + std::to_string(offset) + ")";
}

// Collects the distinct grapheme clusters that contain a non-GSM code point. Only runs for UCS-2
// bodies, so it can afford a second pass.
std::vector<std::string> non_gsm_clusters(std::string_view body) {
  std::vector<std::string> out;
  for (std::string_view cluster : grapheme::split(body)) {
    bool gsm = true;
    size_t i = 0;
    while (gsm && i < cluster.size()) gsm = gsm7_cost(utf8::next_unchecked(cluster, i)) != 0;
    if (!gsm && std::find(out.begin(), out.end(), cluster) == out.end()) out.emplace_back(cluster);
  }
  return out;
}

}  // namespace

std::string_view to_string(Encoding e) { return e == Encoding::kGsm7 ? "GSM-7" : "UCS-2"; }

int gsm7_cost(char32_t cp) {
  if (cp < 0x100) return kLatinCost[cp];
  switch (cp) {
    // The Greek capitals of the default alphabet that are not look-alikes of Latin letters.
    case U'Δ':
    case U'Φ':
    case U'Γ':
    case U'Λ':
    case U'Ω':
    case U'Π':
    case U'Ψ':
    case U'Σ':
    case U'Θ':
    case U'Ξ':
      return 1;
    case U'€':
      return 2;
    default:
      return 0;
  }
}

SegmentInfo analyze_segments(std::string_view body) {
  SegmentInfo info;
  if (body.empty()) return info;

  // Pass 1: encoding, unit totals and character counts. Pure ASCII runs take the short branch.
  int gsm_units = 0;
  int ucs_units = 0;
  int code_points = 0;
  bool gsm = true;
  // Printable ASCII and LF only: every code point is then its own cluster, no counting needed.
  bool one_cluster_each = true;
  for (size_t i = 0; i < body.size();) {
    const char32_t cp = utf8::next_unchecked(body, i);
    const int cost = gsm7_cost(cp);
    gsm = gsm && cost != 0;
    one_cluster_each = one_cluster_each && ((cp >= 0x20 && cp < 0x7F) || cp == U'\n');
    gsm_units += cost;
    ucs_units += ucs2_units(cp);
    ++code_points;
  }
  info.encoding = gsm ? Encoding::kGsm7 : Encoding::kUcs2;
  info.total_units = gsm ? gsm_units : ucs_units;
  info.code_points = code_points;
  info.characters = one_cluster_each ? code_points : static_cast<int>(grapheme::count(body));
  if (!gsm) info.non_gsm_characters = non_gsm_clusters(body);

  const int single = gsm ? kGsm7SingleSegment : kUcs2SingleSegment;
  if (info.total_units <= single) {
    info.units_per_part = single;
    info.segments = 1;
    info.parts.emplace_back(body);
    info.units_per_segment.push_back(info.total_units);
    return info;
  }

  // Pass 2: greedy split. `boundary` is the last cluster boundary seen inside the current part
  // (== start when there is none yet); cutting there keeps the cluster together in the next part.
  const int limit = gsm ? kGsm7MultiSegment : kUcs2MultiSegment;
  info.units_per_part = limit;
  const size_t expected = static_cast<size_t>(info.total_units / limit + 1);
  info.parts.reserve(expected);
  info.units_per_segment.reserve(expected);
  grapheme::Breaker breaker;
  size_t start = 0;
  size_t boundary = 0;
  int used = 0;
  int used_at_boundary = 0;
  for (size_t i = 0; i < body.size();) {
    const size_t at = i;
    const char32_t cp = utf8::next_unchecked(body, i);
    const int cost = gsm ? gsm7_cost(cp) : ucs2_units(cp);
    if (breaker.feed(cp)) {
      boundary = at;
      used_at_boundary = used;
    }
    while (used + cost > limit) {
      if (boundary > start) {
        info.parts.emplace_back(body.substr(start, boundary - start));
        info.units_per_segment.push_back(used_at_boundary);
        used -= used_at_boundary;
        start = boundary;
      } else {
        // The cluster began this part and is longer than a segment: cut between code points.
        info.parts.emplace_back(body.substr(start, at - start));
        info.units_per_segment.push_back(used);
        used = 0;
        start = boundary = at;
      }
      used_at_boundary = 0;
    }
    used += cost;
  }
  info.parts.emplace_back(body.substr(start));
  info.units_per_segment.push_back(used);
  info.segments = static_cast<int>(info.parts.size());
  return info;
}

Result<SegmentReport> segment_body(std::string_view body, const SegmentOptions& options) {
  if (const auto bad = utf8::find_invalid(body)) {
    return Error::make("invalid_utf8", error_offset_message(*bad), "body");
  }
  SegmentReport report;
  report.smart_encoding = options.smart_encoding;
  if (options.smart_encoding) {
    SmartEncoded encoded = smart_encode(body);
    if (encoded.replaced > 0) {
      SegmentInfo info = analyze_segments(encoded.body);
      if (info.encoding == Encoding::kGsm7) {
        report.info = std::move(info);
        report.body = std::move(encoded.body);
        report.smart_encoding_applied = true;
        report.replaced_characters = encoded.replaced;
        return report;
      }
    }
  }
  report.info = analyze_segments(body);
  report.body = std::string(body);
  return report;
}

Result<void> validate_body(std::string_view body, std::string_view field) {
  if (const auto bad = utf8::find_invalid(body)) {
    return Error::make("invalid_utf8", error_offset_message(*bad), std::string(field));
  }
  if (body.empty()) return Error::make("empty_body", "body must not be empty", std::string(field));
  // Every cluster has at least one byte, so short bodies need no counting.
  if (body.size() > static_cast<size_t>(kMaxBodyCharacters)) {
    const size_t n = grapheme::count(body);
    if (n > static_cast<size_t>(kMaxBodyCharacters)) {
      return Error::make("body_too_long",
                         "body has " + std::to_string(n) + " characters; the limit is " +
                             std::to_string(kMaxBodyCharacters),
                         std::string(field));
    }
  }
  return Ok();
}

nlohmann::json to_json(const SegmentReport& r) {
  const SegmentInfo& s = r.info;
  return nlohmann::json{
      {"encoding", to_string(s.encoding)},
      {"segments", s.segments},
      {"characters", s.characters},
      {"code_points", s.code_points},
      {"total_units", s.total_units},
      {"units_per_part", s.units_per_part},
      {"units_per_segment", s.units_per_segment},
      {"parts", s.parts},
      {"non_gsm_characters", s.non_gsm_characters},
      {"body", r.body},
      {"smart_encoding", r.smart_encoding},
      {"smart_encoding_applied", r.smart_encoding_applied},
      {"replaced_characters", r.replaced_characters},
      {"max_characters", kMaxBodyCharacters},
  };
}

}  // namespace sb
