// Twilio-style SIDs for our ids.
#include "core/twilio_ids.h"

#include <gtest/gtest.h>

#include "core/ids.h"

namespace sb {
namespace {

TEST(TwilioIds, AMessageSidIsItsUlidInHexAndMapsBack) {
  EXPECT_EQ(twilio_message_sid("msg_00000000000000000000000001", false),
            "SM00000000000000000000000000000001");
  EXPECT_EQ(twilio_message_sid("msg_7ZZZZZZZZZZZZZZZZZZZZZZZZZ", true),
            "MMffffffffffffffffffffffffffffffff");
  for (int i = 0; i < 200; ++i) {
    const std::string id = new_id("msg_", 1'700'000'000'000 + i);
    const std::string sid = twilio_message_sid(id, i % 2);
    ASSERT_EQ(sid.size(), 34u);
    EXPECT_EQ(message_id_of_twilio_sid(sid), id);
  }
}

TEST(TwilioIds, AMessagingServiceSidIsItsPoolsUlidInHexAndMapsBack) {
  EXPECT_EQ(twilio_service_sid("pool_01JEQ0W8N4Y2T5R7V9B1CDXYZA"),
            "MG0193ae0e22a4f0b45c1f695858defbea");  // the example of docs/pools.md
  for (int i = 0; i < 50; ++i) {
    const std::string id = new_id("pool_", 1'700'000'000'000 + i);
    EXPECT_EQ(pool_id_of_twilio_sid(twilio_service_sid(id)), id);
  }
  EXPECT_FALSE(pool_id_of_twilio_sid("SM00000000000000000000000000000001"));  // a message's
  EXPECT_FALSE(pool_id_of_twilio_sid("MG123"));
  EXPECT_FALSE(message_id_of_twilio_sid("MG00000000000000000000000000000001"));
}

TEST(TwilioIds, SidsSortLikeTheirIds) {
  const std::string a = new_id("msg_", 1'700'000'000'000);
  const std::string b = new_id("msg_", 1'700'000'000'001);
  EXPECT_LT(twilio_message_sid(a, false), twilio_message_sid(b, false));
}

TEST(TwilioIds, WhatIsNotAMessageSidIsRefused) {
  EXPECT_FALSE(message_id_of_twilio_sid(""));
  EXPECT_FALSE(message_id_of_twilio_sid("SM123"));
  EXPECT_FALSE(message_id_of_twilio_sid("XX00000000000000000000000000000001"));
  EXPECT_FALSE(message_id_of_twilio_sid("SM0000000000000000000000000000000g"));
  EXPECT_TRUE(message_id_of_twilio_sid("SM000000000000000000000000000000AB"));  // either case
}

TEST(TwilioIds, AccountSids) {
  const std::string sid = new_twilio_account_sid();
  EXPECT_TRUE(is_twilio_account_sid(sid));
  EXPECT_NE(sid, new_twilio_account_sid());
  EXPECT_FALSE(is_twilio_account_sid("AC123"));
  EXPECT_FALSE(is_twilio_account_sid("SK" + sid.substr(2)));
}

}  // namespace
}  // namespace sb
