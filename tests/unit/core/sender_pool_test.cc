// Sender pools: the name rule and the choice of a sender (core/sender_pool.h).
#include "core/sender_pool.h"

#include <gtest/gtest.h>

#include <map>

using namespace sb;

namespace {

PoolSender us(std::string number) {
  PoolSender s;
  s.region = "US";
  s.area_code = nanp_area_code(number);
  s.number = std::move(number);
  return s;
}

PoolSender in_region(std::string number, std::string region) {
  PoolSender s;
  s.number = std::move(number);
  s.region = std::move(region);
  s.area_code = nanp_area_code(s.number);
  return s;
}

}  // namespace

TEST(PoolName, LettersDigitsAndAFewMarks) {
  for (const char* ok : {"reminders", "Clinic 2", "a.b-c_d", "7"}) {
    EXPECT_TRUE(check_pool_name(ok).ok()) << ok;
  }
  for (const char* bad : {"", " lead", "-x", "emoji😀", "tab\tx", "pool_01J"}) {
    auto r = check_pool_name(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "invalid_name");
    EXPECT_EQ(r.error().field, "name");
  }
  EXPECT_FALSE(check_pool_name(std::string(65, 'a')).ok());
  EXPECT_TRUE(check_pool_name(std::string(64, 'a')).ok());
}

TEST(PoolChoice, AreaCodes) {
  EXPECT_EQ(nanp_area_code("+14155550123"), "415");
  EXPECT_EQ(nanp_area_code("+442079460958"), "");
  EXPECT_EQ(nanp_area_code("12345"), "");
}

TEST(PoolChoice, TakesTurnsSoEveryNumberCarriesItsShare) {
  const std::vector<PoolSender> senders = {us("+14155550001"), us("+14155550002"),
                                           us("+14155550003")};
  std::map<std::string, int> count;
  for (uint64_t turn = 0; turn < 300; ++turn) {
    ++count[*choose_sender(senders, {"US", "212"}, std::nullopt, true, turn)];
  }
  ASSERT_EQ(count.size(), 3u);
  for (const auto& [_, n] : count) EXPECT_EQ(n, 100);
}

TEST(PoolChoice, GeomatchPrefersAreaCodeThenCountry) {
  const std::vector<PoolSender> senders = {in_region("+14155550001", "US"),
                                           in_region("+12125550002", "US"),
                                           in_region("+16135550003", "CA"),
                                           in_region("+442079460004", "GB")};
  for (uint64_t turn = 0; turn < 8; ++turn) {
    EXPECT_EQ(*choose_sender(senders, {"US", "212"}, std::nullopt, true, turn), "+12125550002");
    EXPECT_EQ(*choose_sender(senders, {"CA", "416"}, std::nullopt, true, turn), "+16135550003");
    EXPECT_EQ(*choose_sender(senders, {"GB", ""}, std::nullopt, true, turn), "+442079460004");
  }
  // A US recipient with no same-area sender: the two US numbers take turns.
  std::map<std::string, int> us_only;
  for (uint64_t turn = 0; turn < 10; ++turn) {
    ++us_only[*choose_sender(senders, {"US", "305"}, std::nullopt, true, turn)];
  }
  EXPECT_EQ(us_only, (std::map<std::string, int>{{"+12125550002", 5}, {"+14155550001", 5}}));
  // No sender in the recipient's country: every sender is as good.
  std::map<std::string, int> anywhere;
  for (uint64_t turn = 0; turn < 8; ++turn) {
    ++anywhere[*choose_sender(senders, {"FR", ""}, std::nullopt, true, turn)];
  }
  EXPECT_EQ(anywhere.size(), 4u);
  // Without geomatch, every sender takes its turn whatever the recipient.
  std::map<std::string, int> plain;
  for (uint64_t turn = 0; turn < 8; ++turn) {
    ++plain[*choose_sender(senders, {"US", "212"}, std::nullopt, false, turn)];
  }
  EXPECT_EQ(plain.size(), 4u);
}

TEST(PoolChoice, StickySenderWinsWhileItCanSend) {
  std::vector<PoolSender> senders = {us("+14155550001"), us("+12125550002")};
  // Sticky beats the area-code match.
  EXPECT_EQ(*choose_sender(senders, {"US", "212"}, "+14155550001", true, 1), "+14155550001");
  // Its connector down: another sender, until it recovers.
  senders[0].can_send = false;
  EXPECT_EQ(*choose_sender(senders, {"US", "415"}, "+14155550001", true, 0), "+12125550002");
  // No longer in the pool: chosen afresh.
  EXPECT_EQ(*choose_sender({us("+12125550002")}, {"US", "415"}, "+14155550001", true, 0),
            "+12125550002");
}

TEST(PoolChoice, FailingSendersOnlyAsALastResortAndNeverIncapableOnes) {
  std::vector<PoolSender> senders = {us("+14155550001"), us("+14155550002")};
  senders[0].can_send = false;
  for (uint64_t turn = 0; turn < 4; ++turn) {
    EXPECT_EQ(*choose_sender(senders, {"US", "415"}, std::nullopt, true, turn), "+14155550002");
  }
  // Every sender failing: the message still gets one (it waits for its connector).
  senders[1].can_send = false;
  EXPECT_TRUE(choose_sender(senders, {"US", "415"}, std::nullopt, true, 0).has_value());
  // Capability (MMS) is never relaxed, sticky or not.
  senders[0].capable = senders[1].capable = false;
  EXPECT_FALSE(choose_sender(senders, {"US", "415"}, "+14155550001", true, 0).has_value());
  senders[1].capable = true;
  EXPECT_EQ(*choose_sender(senders, {"US", "415"}, "+14155550001", true, 0), "+14155550002");
}

TEST(PoolChoice, JsonShowsTheDefinition) {
  SenderPool p;
  p.id = "pool_01JD0000000000000000000000";
  p.name = "reminders";
  p.numbers = {"+14155550001", "+14155550002"};
  p.geomatch = false;
  const auto j = pool_json(p);
  EXPECT_EQ(j["id"], p.id);
  EXPECT_EQ(j["name"], "reminders");
  EXPECT_EQ(j["numbers"].size(), 2u);
  EXPECT_EQ(j["sticky"], true);
  EXPECT_EQ(j["geomatch"], false);
  EXPECT_EQ(j["fallback"], true);
  EXPECT_FALSE(j.contains("account"));
}
