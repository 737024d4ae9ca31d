// Grapheme cluster boundaries (UAX #29).
#include "core/grapheme.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sb::grapheme {
namespace {

struct Case {
  const char* name;
  std::string text;
  size_t clusters;
};

// Expected counts: Node 20's Intl.Segmenter (ICU 78) on the same strings; the code also matched
// ICU 72's BreakIterator on 400,000 random strings when written (see tools/gen_grapheme_table.cc).
TEST(Grapheme, CountTable) {
  const std::vector<Case> cases = {
      {"ascii", "hello", 5},
      {"empty", "", 0},
      {"crlf_is_one", "\r\n", 1},
      {"cr_lf_lf", "\r\n\n", 2},
      {"lf_cr_is_two", "\n\r", 2},
      {"combining_marks", "e\u0301\u0302x", 2},
      {"precomposed", "\u00E9", 1},
      {"zwj_family", "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466", 1},
      {"zwj_with_skin_tone", "\U0001F469\U0001F3FD\u200D\U0001F4BB", 1},
      {"skin_tone", "\U0001F44D\U0001F3FD", 1},
      {"flag_pair", "\U0001F1FA\U0001F1F8", 1},
      {"two_flags_and_odd_ri", "\U0001F1FA\U0001F1F8\U0001F1EB\U0001F1F7\U0001F1E9", 3},
      {"subdivision_flag_tags",
       "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", 1},
      {"variation_selector", "\u2764\uFE0F", 1},
      {"keycap", "1\uFE0F\u20E3", 1},
      {"hangul_jamo", "\u1100\u1161\u11A8", 1},
      {"hangul_syllables", "\uD55C\uAE00", 2},
      {"devanagari_conjunct_gb9c", "\u0915\u094D\u0937\u093F", 1},
      {"prepend", "\u0600\u0661", 1},
      {"thai_sara_am_spacing_mark", "\u0E01\u0E33", 1},
      {"control_splits", "a\u0001\u0301", 3},  // GB4/GB5: a control stands alone
      {"zwj_without_pictographic_before", "a\u200D\U0001F600", 2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(count(c.text), c.clusters);
    EXPECT_EQ(split(c.text).size(), c.clusters);
  }
}

TEST(Grapheme, SplitReturnsTheClusters) {
  const std::string text = "a\r\nb\U0001F1FA\U0001F1F8e\u0301";
  const std::vector<std::string_view> want = {"a", "\r\n", "b", "\U0001F1FA\U0001F1F8", "e\u0301"};
  EXPECT_EQ(split(text), want);
}

TEST(Grapheme, Properties) {
  EXPECT_EQ(property(U'a'), Gcb::kOther);
  EXPECT_EQ(property(U'\r'), Gcb::kCr);
  EXPECT_EQ(property(0x200D), Gcb::kZwj);
  EXPECT_EQ(property(0x0301), Gcb::kExtend);
  EXPECT_EQ(property(0x1F3FB), Gcb::kExtend);  // skin-tone modifiers are Extend since Unicode 11
  EXPECT_EQ(property(0x1F1E6), Gcb::kRegionalIndicator);
  EXPECT_EQ(property(0x1F600), Gcb::kExtPict);
  EXPECT_EQ(property(0xAC00), Gcb::kLv);
  EXPECT_EQ(property(0xAC01), Gcb::kLvt);
  EXPECT_EQ(property(0x10FFFF), Gcb::kOther);
}

}  // namespace
}  // namespace sb::grapheme
