// send_at validation and the quiet-hours policy (rules, categories), with an injected clock.
#include "engine/scheduling.h"

#include <gtest/gtest.h>

#include "core/clock.h"

namespace sb::engine {
namespace {

TimeMs at(const char* s) { return parse_rfc3339(s).value_or(0); }

TEST(SendAtTest, AcceptsOnlyTheAllowedRange) {
  ManualClock clock(at("2025-01-15T12:00:00Z"));
  const TimeMs now = clock.now_ms();
  const int64_t min_s = 60, max_s = 35 * 86'400;
  EXPECT_TRUE(validate_send_at(now + 60'000, now, min_s, max_s));
  EXPECT_TRUE(validate_send_at(now + max_s * 1000, now, min_s, max_s));
  for (TimeMs bad : {now - 1000, now, now + 59'999, now + max_s * 1000 + 1}) {
    auto r = validate_send_at(bad, now, min_s, max_s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "invalid_send_at");
    EXPECT_EQ(r.error().field, "send_at");
  }
  // The test knob: one second ahead is enough.
  EXPECT_TRUE(validate_send_at(now + 1000, now, 1, max_s));
}

class QuietHoursPolicyTest : public ::testing::Test {
 protected:
  QuietHoursPolicyTest()
      : q_({{"acme", "", true, {21 * 60, 8 * 60}, "America/Chicago"},
            {"acme", "+12025550101", false, {21 * 60, 8 * 60}, "UTC"},
            {"other", "", true, {22 * 60, 7 * 60}, "UTC"}},
           *PhoneTimezones::parse("1202|America/New_York\n1310|America/Los_Angeles\n")) {}

  Message msg(std::string category, std::string to = "+12025550123",
              std::string from = "+12025550100", std::string account = "acme") {
    Message m;
    m.account = std::move(account);
    m.from = std::move(from);
    m.to = std::move(to);
    m.category = std::move(category);
    return m;
  }

  QuietHours q_;
};

TEST_F(QuietHoursPolicyTest, MarketingInsideTheRecipientsWindowIsHeld) {
  ManualClock clock(at("2025-01-15T22:30:00-05:00"));  // 22:30 in New York
  EXPECT_EQ(q_.hold_until(msg("marketing"), clock.now_ms()), at("2025-01-16T08:00:00-05:00"));
  // The same instant is 19:30 in Los Angeles: not held.
  EXPECT_FALSE(q_.hold_until(msg("marketing", "+13105550123"), clock.now_ms()));
  clock.set(at("2025-01-16T08:00:00-05:00"));
  EXPECT_FALSE(q_.hold_until(msg("marketing"), clock.now_ms()));
}

TEST_F(QuietHoursPolicyTest, TransactionalIsNeverHeld) {
  EXPECT_FALSE(q_.hold_until(msg("transactional"), at("2025-01-15T22:30:00-05:00")));
}

TEST_F(QuietHoursPolicyTest, NumberOverrideBeatsTheAccountRule) {
  ASSERT_NE(q_.rule_for("acme", "+12025550101"), nullptr);
  EXPECT_FALSE(q_.rule_for("acme", "+12025550101")->enabled);
  EXPECT_FALSE(q_.hold_until(msg("marketing", "+12025550123", "+12025550101"),
                             at("2025-01-15T22:30:00-05:00")));
  EXPECT_EQ(q_.rule_for("nobody", "+1"), nullptr);
  EXPECT_FALSE(q_.hold_until(msg("marketing", "+12025550123", "+1", "nobody"),
                             at("2025-01-15T22:30:00-05:00")));
}

TEST_F(QuietHoursPolicyTest, UnknownPrefixAndShortCodesUseTheRulesZone) {
  // +44 is not in the table: the account's zone (Chicago, UTC-6) decides.
  EXPECT_EQ(q_.hold_until(msg("marketing", "+442071234567"), at("2025-01-15T22:30:00-06:00")),
            at("2025-01-16T08:00:00-06:00"));
  EXPECT_EQ(q_.hold_until(msg("marketing", "12025"), at("2025-01-15T22:30:00-06:00")),
            at("2025-01-16T08:00:00-06:00"));
}

}  // namespace
}  // namespace sb::engine
