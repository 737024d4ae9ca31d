// Smart encoding against rows of Twilio's documented table.
#include "core/smart_encoding.h"

#include <gtest/gtest.h>

#include <string>

#include "core/segments.h"

namespace sb {
namespace {

// Rows taken from https://www.twilio.com/docs/messaging/services/smart-encoding-char-list and the
// SmartEncodingMap of Twilio's calculator (npm sms-segments-calculator 1.3.0).
TEST(SmartEncoding, DocumentedRows) {
  struct Row {
    char32_t cp;
    const char* gsm;
  };
  const Row rows[] = {
      {0x00AB, "\""}, {0x00BB, "\""}, {0x201C, "\""},  {0x201D, "\""},  {0x02BA, "\""},
      {0x301E, "\""}, {0xFF02, "\""}, {0x2018, "'"},   {0x2019, "'"},   {0x02BC, "'"},
      {0x00B4, "'"},  {0x0060, "'"},  {0x2013, "-"},   {0x2014, "-"},   {0x2015, "-"},
      {0x2010, "-"},  {0x2022, "-"},  {0x2026, "..."}, {0x00BC, "1/4"}, {0x00BD, "1/2"},
      {0x00F7, "/"},  {0x2044, "/"},  {0xFF01, "!"},   {0x203C, "!!"},  {0x2039, "<"},
      {0x203A, ">"},  {0xFF10, "0"},  {0xFF19, "9"},   {0xFF21, "A"},   {0x1D00, "A"},
      {0x02DC, "~"},  {0xFF3B, "["},  {0x3001, ","},   {0x3002, "."},   {0x0009, "       "},
      {0x200B, ""},   {0xFEFF, ""},   {0x2060, ""},    {0x0000, ""},
  };
  for (const Row& r : rows) {
    const char* got = smart_replacement(r.cp);
    ASSERT_NE(got, nullptr) << std::hex << static_cast<unsigned>(r.cp);
    EXPECT_STREQ(got, r.gsm) << std::hex << static_cast<unsigned>(r.cp);
  }
}

TEST(SmartEncoding, SpacesBecomeOneSpace) {
  // Deliberate: the npm map has two spaces here, the documented table one (see smart_encoding.cc).
  for (char32_t cp : {0x00A0, 0x2002, 0x2003, 0x2009, 0x200A, 0x202F, 0x205F, 0x3000}) {
    EXPECT_STREQ(smart_replacement(cp), " ") << std::hex << static_cast<unsigned>(cp);
  }
}

TEST(SmartEncoding, LeavesOtherCharactersAlone) {
  EXPECT_EQ(smart_replacement(U'a'), nullptr);
  EXPECT_EQ(smart_replacement(U'é'), nullptr);  // already GSM-7
  EXPECT_EQ(smart_replacement(U'ç'), nullptr);  // not in Twilio's table: stays UCS-2
  EXPECT_EQ(smart_replacement(0x1F600), nullptr);
  const SmartEncoded e = smart_encode("plain ç 😀");
  EXPECT_EQ(e.body, "plain ç 😀");
  EXPECT_EQ(e.replaced, 0);
}

TEST(SmartEncoding, EncodesWholeBody) {
  const SmartEncoded e = smart_encode("\u2018quoted\u2019\u00A0\u2014\u200Bx\u2026");
  EXPECT_EQ(e.body, "'quoted' -x...");
  EXPECT_EQ(e.replaced, 6);
}

TEST(SmartEncoding, EveryReplacementIsGsm7) {
  // The point of the table: whatever it produces must be encodable in GSM-7.
  for (char32_t cp = 0; cp < 0x10000; ++cp) {
    const char* rep = smart_replacement(cp);
    if (rep == nullptr) continue;
    const SegmentInfo info = analyze_segments(rep);
    EXPECT_EQ(info.encoding, Encoding::kGsm7) << std::hex << static_cast<unsigned>(cp);
  }
}

}  // namespace
}  // namespace sb
