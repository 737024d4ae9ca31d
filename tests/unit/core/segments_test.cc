// Segmentation table: encodings, 160/153 and 70/67 boundaries, escapes, surrogates and clusters.
#include "core/segments.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sb {
namespace {

std::string rep(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

const std::string kFamily =
    "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466";  // 11 units
const std::string kUsFlag = "\U0001F1FA\U0001F1F8";                // 4 units
const std::string kThumbMedium = "\U0001F44D\U0001F3FD";           // 4 units

struct Case {
  const char* name;
  std::string body;
  Encoding encoding;
  std::vector<int> units;  // per segment; its size is the segment count
  int characters;          // grapheme clusters
};

// Expected encoding, segment count and per-segment units come from Twilio's segment calculator
// (npm sms-segments-calculator 1.3.0, SegmentedMessage), run on the same bodies, except where a
// row says "ours": Twilio's calculator splits CRLF into two characters, we keep it whole.
// `characters` is the UAX #29 cluster count (Node 20 Intl.Segmenter agrees on every row).
std::vector<Case> cases() {
  return {
      {"gsm_160", rep("a", 160), Encoding::kGsm7, {160}, 160},
      {"gsm_161", rep("a", 161), Encoding::kGsm7, {153, 8}, 161},
      {"gsm_306_is_2x153", rep("a", 306), Encoding::kGsm7, {153, 153}, 306},
      {"gsm_307", rep("a", 307), Encoding::kGsm7, {153, 153, 1}, 307},
      {"gsm_459_is_3x153", rep("a", 459), Encoding::kGsm7, {153, 153, 153}, 459},
      {"gsm_460", rep("a", 460), Encoding::kGsm7, {153, 153, 153, 1}, 460},
      {"euro_80_fills_160", rep("€", 80), Encoding::kGsm7, {160}, 80},
      {"euro_81_escape_not_split", rep("€", 81), Encoding::kGsm7, {152, 10}, 81},
      {"escape_at_boundary", rep("a", 152) + "{" + rep("a", 10), Encoding::kGsm7, {152, 12}, 163},
      {"form_feed_is_escaped", rep("a", 159) + "\f", Encoding::kGsm7, {153, 8}, 160},
      {"crlf_kept_whole_ours",
       rep("a", 152) + "\r\n" + rep("a", 10),
       Encoding::kGsm7,
       {152, 12},
       163},
      {"greek_capitals_in_gsm", "ΔΦΓΛΩΠΨΣΘΞ", Encoding::kGsm7, {10}, 10},
      {"greek_lookalike_capitals_not_gsm", "ΑΒΓ", Encoding::kUcs2, {3}, 3},
      {"accented_latin_in_gsm", "àéèìòùÄÖÑÜäöñüÅåÇÉØøÆæß¿¡£¥§¤", Encoding::kGsm7, {29}, 29},
      {"accented_latin_not_gsm", "áíóúâêçő", Encoding::kUcs2, {8}, 8},
      {"every_extension_char", "^{}\\[~]|€\f", Encoding::kGsm7, {20}, 10},
      {"ucs2_70", "ç" + rep("a", 69), Encoding::kUcs2, {70}, 70},
      {"ucs2_71", "ç" + rep("a", 70), Encoding::kUcs2, {67, 4}, 71},
      {"ucs2_134_is_2x67", rep("ç", 134), Encoding::kUcs2, {67, 67}, 134},
      {"ucs2_135", rep("ç", 135), Encoding::kUcs2, {67, 67, 1}, 135},
      {"ucs2_201_is_3x67", rep("ç", 201), Encoding::kUcs2, {67, 67, 67}, 201},
      {"ucs2_202", rep("ç", 202), Encoding::kUcs2, {67, 67, 67, 1}, 202},
      {"emoji_35_fills_70", rep("😀", 35), Encoding::kUcs2, {70}, 35},
      {"surrogate_pair_not_split", "a" + rep("😀", 35), Encoding::kUcs2, {67, 4}, 36},
      {"emoji_at_boundary_moves", rep("a", 66) + "😀" + rep("a", 10), Encoding::kUcs2, {66, 12}, 77},
      {"emoji_exactly_fills_part", rep("ç", 65) + "😀" + rep("ç", 6), Encoding::kUcs2, {67, 6}, 72},
      {"zwj_family_kept_whole",
       rep("a", 60) + kFamily + rep("a", 10),
       Encoding::kUcs2,
       {60, 21},
       71},
      {"flags_pairs_kept_whole", rep(kUsFlag, 18), Encoding::kUcs2, {64, 8}, 18},
      {"flag_after_odd_start", "a" + rep(kUsFlag, 18), Encoding::kUcs2, {65, 8}, 19},
      {"skin_tone_kept_whole",
       rep("a", 65) + kThumbMedium + rep("b", 5),
       Encoding::kUcs2,
       {65, 9},
       71},
      {"combining_mark_kept_whole",
       rep("a", 66) + "e\u0301" + rep("a", 5),
       Encoding::kUcs2,
       {66, 7},
       72},
      {"variation_selector_kept_whole",
       rep("a", 66) + "❤\uFE0F" + rep("a", 5),
       Encoding::kUcs2,
       {66, 7},
       72},
  };
}

TEST(Segments, Table) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const SegmentInfo info = analyze_segments(c.body);
    EXPECT_EQ(info.encoding, c.encoding);
    EXPECT_EQ(info.units_per_segment, c.units);
    EXPECT_EQ(info.segments, static_cast<int>(c.units.size()));
    EXPECT_EQ(info.characters, c.characters);
    int total = 0;
    for (int u : c.units) total += u;
    EXPECT_EQ(info.total_units, total);
    std::string joined;
    for (const auto& p : info.parts) joined += p;
    EXPECT_EQ(joined, c.body) << "parts must concatenate back to the body";
  }
}

TEST(Segments, EmptyBody) {
  const SegmentInfo info = analyze_segments("");
  EXPECT_EQ(info.segments, 0);
  EXPECT_TRUE(info.parts.empty());
}

TEST(Segments, PartsHoldWholeClusters) {
  const SegmentInfo info = analyze_segments(rep("a", 60) + kFamily + rep("a", 10));
  ASSERT_EQ(info.parts.size(), 2u);
  EXPECT_EQ(info.parts[0], rep("a", 60));
  EXPECT_EQ(info.parts[1], kFamily + rep("a", 10));
  EXPECT_EQ(info.units_per_part, kUcs2MultiSegment);
}

TEST(Segments, ClusterLongerThanAPartIsCutBetweenCodePoints) {
  // 40 combining marks on one base: a single 41-unit cluster, twice; no boundary to fall back on
  // inside the second part, so it is cut between code points (never inside a surrogate pair).
  const std::string zalgo = "a" + rep("\u0301", 40);
  const SegmentInfo info = analyze_segments(zalgo + zalgo);
  EXPECT_EQ(info.units_per_segment, (std::vector<int>{41, 41}));
  const SegmentInfo long_one = analyze_segments("a" + rep("\u0301", 100));
  EXPECT_EQ(long_one.units_per_segment, (std::vector<int>{67, 34}));
  EXPECT_EQ(long_one.characters, 1);
}

TEST(Segments, NonGsmCharactersAreDistinctClusters) {
  const SegmentInfo info = analyze_segments("ça ç " + kFamily + " " + kFamily + " é`");
  EXPECT_EQ(info.encoding, Encoding::kUcs2);
  EXPECT_EQ(info.non_gsm_characters, (std::vector<std::string>{"ç", kFamily, "`"}));
}

TEST(Segments, Gsm7CostTable) {
  EXPECT_EQ(gsm7_cost(U'A'), 1);
  EXPECT_EQ(gsm7_cost(U'@'), 1);
  EXPECT_EQ(gsm7_cost(U'\n'), 1);
  EXPECT_EQ(gsm7_cost(U'`'), 0);
  EXPECT_EQ(gsm7_cost(0x7F), 0);   // DEL is not in the default alphabet
  EXPECT_EQ(gsm7_cost(U'\t'), 0);  // nor is TAB
  EXPECT_EQ(gsm7_cost(0x1B), 0);   // ESC is the escape itself, not a character
  for (char32_t c : {U'^', U'{', U'}', U'\\', U'[', U'~', U']', U'|', U'€', U'\f'}) {
    EXPECT_EQ(gsm7_cost(c), 2) << static_cast<unsigned>(c);
  }
  EXPECT_EQ(gsm7_cost(U'ç'), 0);
  EXPECT_EQ(gsm7_cost(U'Ç'), 1);
  EXPECT_EQ(gsm7_cost(U'α'), 0);
}

TEST(SegmentBody, InvalidUtf8IsAnError) {
  const auto r = segment_body("ok \xC3\x28 bad");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_utf8");
  EXPECT_EQ(r.error().field, "body");
  EXPECT_NE(r.error().message.find("offset 3"), std::string::npos);
  EXPECT_FALSE(segment_body("\xED\xA0\x80").ok());  // an encoded surrogate
  EXPECT_FALSE(segment_body("\xC0\xAF").ok());      // an overlong '/'
}

TEST(SegmentBody, SmartEncodingMakesGsm) {
  // Twilio's calculator with smartEncoding=true gives GSM-7, 1 segment for this body.
  const auto r = segment_body("\u201CHello\u201D \u2014 it\u2019s 5\u00A0pm\u2026", {true});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->smart_encoding_applied);
  EXPECT_EQ(r->body, "\"Hello\" - it's 5 pm...");
  EXPECT_EQ(r->replaced_characters, 6);
  EXPECT_EQ(r->info.encoding, Encoding::kGsm7);
}

TEST(SegmentBody, SmartEncodingKeepsOriginalWhenStillUcs2) {
  const auto r = segment_body("\u201CHi\u201D 😀", {true});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->smart_encoding_applied);
  EXPECT_EQ(r->body, "\u201CHi\u201D 😀");
  EXPECT_EQ(r->info.encoding, Encoding::kUcs2);
}

TEST(SegmentBody, SmartEncodingOffLeavesBody) {
  const auto r = segment_body("\u201CHi\u201D");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->smart_encoding);
  EXPECT_EQ(r->info.encoding, Encoding::kUcs2);
}

TEST(SegmentBody, Json) {
  const auto r = segment_body(rep("a", 161));
  ASSERT_TRUE(r.ok());
  const nlohmann::json j = to_json(*r);
  EXPECT_EQ(j["encoding"], "GSM-7");
  EXPECT_EQ(j["segments"], 2);
  EXPECT_EQ(j["units_per_segment"], nlohmann::json::array({153, 8}));
  EXPECT_EQ(j["parts"].size(), 2u);
  EXPECT_EQ(j["characters"], 161);
  EXPECT_EQ(j["non_gsm_characters"], nlohmann::json::array());
  EXPECT_EQ(j["smart_encoding_applied"], false);
  EXPECT_EQ(j["max_characters"], 1600);
}

TEST(ValidateBody, CountsClustersNotCodePoints) {
  EXPECT_TRUE(validate_body(rep("a", 1600)).ok());
  EXPECT_EQ(validate_body(rep("a", 1601)).error().code, "body_too_long");
  // 1600 family emoji are 11,200 code points but 1600 characters as users see them.
  EXPECT_TRUE(validate_body(rep(kFamily, 1600)).ok());
  EXPECT_EQ(validate_body(rep(kFamily, 1601)).error().code, "body_too_long");
  EXPECT_EQ(validate_body("").error().code, "empty_body");
  EXPECT_EQ(validate_body("\xFF", "messages[0].body").error().field, "messages[0].body");
}

}  // namespace
}  // namespace sb
