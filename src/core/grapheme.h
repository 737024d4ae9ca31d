// Extended grapheme clusters (UAX #29): what a user perceives as one character.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sb::grapheme {

// Grapheme_Cluster_Break classes, plus Extended_Pictographic (always GCB=Other in Unicode) as its
// own class because rule GB11 needs it. The order is shared with tools/gen_grapheme_table.cc.
enum class Gcb : uint8_t {
  kOther,
  kCr,
  kLf,
  kControl,
  kExtend,
  kZwj,
  kRegionalIndicator,
  kPrepend,
  kSpacingMark,
  kL,
  kV,
  kT,
  kLv,
  kLvt,
  kExtPict,
  kConjunctConsonant,  // Indic_Conjunct_Break=Consonant (otherwise Other)
  kConjunctLinker,     // Indic_Conjunct_Break=Linker, the viramas (otherwise Extend)
};

// Class of a code point, per Unicode 15.0 (the table in grapheme_table.inc).
Gcb property(char32_t cp);

// Feeds code points one at a time and says whether a cluster boundary falls before each.
// Implements every rule of UAX #29 (GB1-GB13, GB999): CR LF, controls, Hangul syllables,
// Extend/ZWJ/SpacingMark/Prepend, Indic conjuncts (GB9c, Unicode 15.1, with Indic_Conjunct_Break
// derived from Unicode 15.0 data), emoji ZWJ sequences (GB11) and regional-indicator pairs.
class Breaker {
 public:
  // True when a boundary lies before `cp` (always true for the first code point).
  bool feed(char32_t cp);

 private:
  Gcb prev_ = Gcb::kOther;
  bool started_ = false;
  int ri_run_ = 0;         // regional indicators immediately before the current position
  bool pict_ext_ = false;  // text so far ends in ExtPict Extend*
  bool pict_zwj_ = false;  // text so far ends in ExtPict Extend* ZWJ
  // GB9c: 0 = outside a conjunct, 1 = after Consonant [Extend]*, 2 = a Linker has been seen since.
  int conjunct_ = 0;
};

// Number of extended grapheme clusters in valid UTF-8.
size_t count(std::string_view utf8);

// The clusters of valid UTF-8, as views into `utf8`.
std::vector<std::string_view> split(std::string_view utf8);

}  // namespace sb::grapheme
