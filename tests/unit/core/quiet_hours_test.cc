// Quiet-hours window math: explicit instants across midnight, US DST changes and multi-zone
// prefixes; the phone-prefix time-zone table.
#include "core/quiet_hours.h"

#include <gtest/gtest.h>

#include "core/clock.h"

namespace sb {
namespace {

TimeMs at(const char* rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  EXPECT_TRUE(t) << rfc3339;
  return t.value_or(0);
}

const QuietWindow kNight{21 * 60, 8 * 60};  // 21:00-08:00
const std::vector<std::string> kNewYork{"America/New_York"};

TEST(QuietHoursTest, ParsesClockTimes) {
  EXPECT_EQ(parse_clock_time("00:00"), 0);
  EXPECT_EQ(parse_clock_time("21:30"), 21 * 60 + 30);
  EXPECT_EQ(parse_clock_time("23:59"), 23 * 60 + 59);
  for (const char* bad : {"24:00", "7:00", "07:60", "0700", "07:00 ", "ab:cd", ""}) {
    EXPECT_FALSE(parse_clock_time(bad)) << bad;
  }
}

TEST(QuietHoursTest, KnowsSystemZones) {
  EXPECT_TRUE(is_known_time_zone("America/New_York"));
  EXPECT_TRUE(is_known_time_zone("UTC"));
  EXPECT_FALSE(is_known_time_zone("Mars/Olympus_Mons"));
  EXPECT_FALSE(is_known_time_zone(""));
}

TEST(QuietHoursTest, LateEveningIsHeldUntilMorningNextDay) {
  // 22:30 in New York (EST, UTC-5) -> 08:00 the next day.
  EXPECT_EQ(quiet_hold_until(at("2025-01-15T22:30:00-05:00"), kNewYork, kNight, "UTC"),
            at("2025-01-16T08:00:00-05:00"));
  // After midnight, before the end: the same local day.
  EXPECT_EQ(quiet_hold_until(at("2025-01-16T06:15:00-05:00"), kNewYork, kNight, "UTC"),
            at("2025-01-16T08:00:00-05:00"));
}

TEST(QuietHoursTest, DaytimeAndTheWindowEdges) {
  EXPECT_FALSE(quiet_hold_until(at("2025-01-15T12:00:00-05:00"), kNewYork, kNight, "UTC"));
  EXPECT_FALSE(quiet_hold_until(at("2025-01-15T08:00:00-05:00"), kNewYork, kNight, "UTC"));
  EXPECT_FALSE(quiet_hold_until(at("2025-01-15T20:59:59.999-05:00"), kNewYork, kNight, "UTC"));
  EXPECT_EQ(quiet_hold_until(at("2025-01-15T21:00:00-05:00"), kNewYork, kNight, "UTC"),
            at("2025-01-16T08:00:00-05:00"));
  EXPECT_TRUE(in_quiet_window(at("2025-01-15T23:59:59-05:00"), "America/New_York", kNight));
  EXPECT_TRUE(in_quiet_window(at("2025-01-16T00:00:00-05:00"), "America/New_York", kNight));
  EXPECT_FALSE(in_quiet_window(at("2025-01-16T08:00:00-05:00"), "America/New_York", kNight));
}

TEST(QuietHoursTest, EmptyWindowNeverHolds) {
  EXPECT_FALSE(quiet_hold_until(at("2025-01-15T23:00:00Z"), {"UTC"}, {600, 600}, "UTC"));
}

TEST(QuietHoursTest, WindowWithinOneDay) {
  const QuietWindow lunch{12 * 60, 14 * 60};
  EXPECT_EQ(quiet_hold_until(at("2025-06-01T13:00:00Z"), {"UTC"}, lunch, "UTC"),
            at("2025-06-01T14:00:00Z"));
  EXPECT_FALSE(quiet_hold_until(at("2025-06-01T11:59:00Z"), {"UTC"}, lunch, "UTC"));
  EXPECT_FALSE(quiet_hold_until(at("2025-06-01T14:00:00Z"), {"UTC"}, lunch, "UTC"));
  EXPECT_FALSE(quiet_hold_until(at("2025-06-01T23:30:00Z"), {"UTC"}, lunch, "UTC"));
}

TEST(QuietHoursTest, SpringForwardNightIsAnHourShorter) {
  // 2025-03-09 02:00 EST -> 03:00 EDT in New York. 22:00 EST -> 08:00 EDT is 9 hours.
  const TimeMs now = at("2025-03-08T22:00:00-05:00");
  const auto until = quiet_hold_until(now, kNewYork, kNight, "UTC");
  EXPECT_EQ(until, at("2025-03-09T08:00:00-04:00"));
  EXPECT_EQ(*until - now, 9 * 3'600'000);
}

TEST(QuietHoursTest, EndInsideTheSpringForwardGapIsTheJump) {
  // The window ends at 02:30, which does not exist on 2025-03-09 in New York: it opens when the
  // clock jumps (02:00 EST = 03:00 EDT = 07:00Z).
  const QuietWindow w{22 * 60, 2 * 60 + 30};
  EXPECT_EQ(quiet_hold_until(at("2025-03-08T23:00:00-05:00"), kNewYork, w, "UTC"),
            at("2025-03-09T07:00:00Z"));
}

TEST(QuietHoursTest, FallBackNightIsAnHourLonger) {
  // 2025-11-02 02:00 EDT -> 01:00 EST. 22:00 EDT -> 08:00 EST is 11 hours.
  const TimeMs now = at("2025-11-01T22:00:00-04:00");
  const auto until = quiet_hold_until(now, kNewYork, kNight, "UTC");
  EXPECT_EQ(until, at("2025-11-02T08:00:00-05:00"));
  EXPECT_EQ(*until - now, 11 * 3'600'000);
  // In the repeated hour (01:30 EST, the second time 01:30 is read): still held until 08:00.
  EXPECT_EQ(quiet_hold_until(at("2025-11-02T01:30:00-05:00"), kNewYork, kNight, "UTC"),
            at("2025-11-02T08:00:00-05:00"));
}

TEST(QuietHoursTest, EndInsideTheRepeatedHourIsItsFirstOccurrence) {
  const QuietWindow w{22 * 60, 60 + 30};  // ends 01:30, which happens twice on 2025-11-02
  EXPECT_EQ(quiet_hold_until(at("2025-11-01T23:00:00-04:00"), kNewYork, w, "UTC"),
            at("2025-11-02T01:30:00-04:00"));
}

TEST(QuietHoursTest, SeveralZonesUseTheMostRestrictiveReading) {
  const std::vector<std::string> both{"America/New_York", "America/Los_Angeles"};
  // 07:00 in New York, 04:00 in Los Angeles: wait for 08:00 in Los Angeles.
  EXPECT_EQ(quiet_hold_until(at("2025-01-15T12:00:00Z"), both, kNight, "UTC"),
            at("2025-01-15T08:00:00-08:00"));
  // 20:30 New York, 17:30 Los Angeles: outside in both.
  EXPECT_FALSE(quiet_hold_until(at("2025-01-16T01:30:00Z"), both, kNight, "UTC"));
  // 21:30 New York: held until 08:00 the next morning in Los Angeles.
  EXPECT_EQ(quiet_hold_until(at("2025-01-16T02:30:00Z"), both, kNight, "UTC"),
            at("2025-01-16T08:00:00-08:00"));
  // Order of the zones does not matter.
  const std::vector<std::string> reversed{"America/Los_Angeles", "America/New_York"};
  EXPECT_EQ(quiet_hold_until(at("2025-01-16T02:30:00Z"), reversed, kNight, "UTC"),
            at("2025-01-16T08:00:00-08:00"));
}

TEST(QuietHoursTest, NoCommonOpeningFallsBackToTheFallbackZone) {
  // Guam (UTC+10) and Pago Pago (UTC-11) are 3 hours apart around the clock: a 22-hour window
  // (08:00-06:00) in both covers the whole day, so the fallback zone alone decides.
  const std::vector<std::string> spread{"Pacific/Guam", "Pacific/Pago_Pago"};
  const QuietWindow long_night{8 * 60, 6 * 60};
  EXPECT_EQ(quiet_hold_until(at("2025-01-15T12:00:00Z"), spread, long_night, "UTC"),
            at("2025-01-16T06:00:00Z"));
  // The usual night leaves a common opening (22:00Z-08:00Z): 23:00Z is not held.
  EXPECT_FALSE(quiet_hold_until(at("2025-01-15T23:00:00Z"), spread, kNight, "UTC"));
}

TEST(QuietHoursTest, NoZonesUsesTheFallbackZone) {
  EXPECT_EQ(quiet_hold_until(at("2025-01-15T22:30:00+01:00"), {}, kNight, "Europe/Paris"),
            at("2025-01-16T08:00:00+01:00"));
}

TEST(QuietHoursTest, ManualClockCrossesMidnightWithoutSleeping) {
  ManualClock clock(at("2025-01-15T20:59:00-05:00"));
  EXPECT_FALSE(quiet_hold_until(clock.now_ms(), kNewYork, kNight, "UTC"));
  clock.advance(3 * 3'600'000);  // 23:59
  const auto until = quiet_hold_until(clock.now_ms(), kNewYork, kNight, "UTC");
  ASSERT_TRUE(until);
  clock.set(*until);
  EXPECT_FALSE(quiet_hold_until(clock.now_ms(), kNewYork, kNight, "UTC"));
}

TEST(PhoneTimezonesTest, LongestPrefixWins) {
  auto t = PhoneTimezones::parse(
      "# comment\n\n1|America/New_York&America/Los_Angeles\n1202|America/New_York\r\n"
      "1208201|America/Denver\n");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->size(), 3u);
  EXPECT_EQ(t->zones_for("+12025550100"), std::vector<std::string>{"America/New_York"});
  EXPECT_EQ(t->zones_for("+12082015555"), std::vector<std::string>{"America/Denver"});
  EXPECT_EQ(t->zones_for("+13105550100"),
            (std::vector<std::string>{"America/New_York", "America/Los_Angeles"}));
  EXPECT_TRUE(t->zones_for("+442071234567").empty());
  EXPECT_EQ(t->zones_for("12025550100"), std::vector<std::string>{"America/New_York"});
}

TEST(PhoneTimezonesTest, RejectsBadLines) {
  EXPECT_FALSE(PhoneTimezones::parse("1|Mars/Base\n"));
  EXPECT_FALSE(PhoneTimezones::parse("abc|UTC\n"));
  EXPECT_FALSE(PhoneTimezones::parse("1 America/New_York\n"));
  EXPECT_FALSE(PhoneTimezones::load("/nonexistent/phone-timezones.txt"));
}

TEST(PhoneTimezonesTest, ShippedTableLoads) {
  auto t = PhoneTimezones::load(std::string(SB_SOURCE_DIR) + "/data/phone-timezones.txt");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_GT(t->size(), 3000u);
  EXPECT_EQ(t->zones_for("+12025550100"), std::vector<std::string>{"America/New_York"});
  EXPECT_EQ(t->zones_for("+14155550100"), std::vector<std::string>{"America/Los_Angeles"});
  EXPECT_EQ(t->zones_for("+998901234567"), std::vector<std::string>{"Asia/Tashkent"});
}

}  // namespace
}  // namespace sb
