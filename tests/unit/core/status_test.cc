// The status state machine, ids and time formats.
#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/ids.h"
#include "core/status.h"

namespace sb {
namespace {

TEST(StatusMachine, ForwardProgressIsAllowed) {
  EXPECT_TRUE(can_transition(Status::kAccepted, Status::kQueued));
  EXPECT_TRUE(can_transition(Status::kQueued, Status::kSending));
  EXPECT_TRUE(can_transition(Status::kSending, Status::kSent));
  EXPECT_TRUE(can_transition(Status::kSent, Status::kDelivered));
  EXPECT_TRUE(can_transition(Status::kSent, Status::kUndelivered));
  EXPECT_TRUE(can_transition(Status::kSending, Status::kFailed));
  EXPECT_TRUE(can_transition(Status::kSending, Status::kDelivered));  // skipped reports
}

TEST(StatusMachine, RegressionsAndFinalStatusesAreRejected) {
  EXPECT_FALSE(can_transition(Status::kDelivered, Status::kSent));
  EXPECT_FALSE(can_transition(Status::kDelivered, Status::kUndelivered));
  EXPECT_FALSE(can_transition(Status::kFailed, Status::kDelivered));
  EXPECT_FALSE(can_transition(Status::kSent, Status::kSending));
  EXPECT_FALSE(can_transition(Status::kSent, Status::kQueued));
  EXPECT_FALSE(can_transition(Status::kSent, Status::kSent));
  EXPECT_FALSE(can_transition(Status::kReceived, Status::kDelivered));
  EXPECT_FALSE(can_transition(Status::kQueued, Status::kReceived));
}

TEST(StatusMachine, RetryAndCancelEdges) {
  EXPECT_TRUE(can_transition(Status::kSending, Status::kQueued));
  EXPECT_TRUE(can_transition(Status::kQueued, Status::kCanceled));
  EXPECT_TRUE(can_transition(Status::kScheduled, Status::kCanceled));
  EXPECT_FALSE(can_transition(Status::kSending, Status::kCanceled));
  EXPECT_FALSE(can_transition(Status::kSent, Status::kCanceled));
}

TEST(StatusMachine, NamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(Status::kReceived); ++i) {
    const auto s = static_cast<Status>(i);
    EXPECT_EQ(parse_status(to_string(s)), s);
  }
  EXPECT_FALSE(parse_status("bogus").has_value());
  EXPECT_TRUE(is_final(Status::kExpired));
  EXPECT_FALSE(is_final(Status::kSent));
}

TEST(Ids, SortByTimeAndValidate) {
  const std::string a = new_id("msg_", 1'700'000'000'000);
  const std::string b = new_id("msg_", 1'700'000'000'001);
  EXPECT_LT(a, b);
  EXPECT_EQ(a.size(), 30u);
  EXPECT_TRUE(is_valid_id(a, "msg_"));
  EXPECT_FALSE(is_valid_id(a, "key_"));
  EXPECT_FALSE(is_valid_id("msg_abc", "msg_"));
  EXPECT_NE(new_id("msg_", 5), new_id("msg_", 5));
}

TEST(Ids, AUlidIsItsBitsAndBack) {
  const std::string id = new_id("msg_", 1'700'000'000'000);
  const auto bits = ulid_bits(std::string_view(id).substr(4));
  ASSERT_TRUE(bits);
  EXPECT_EQ(static_cast<uint64_t>(*bits >> 80), 1'700'000'000'000u);  // the time, on top
  EXPECT_EQ("msg_" + ulid_text(*bits), id);
  EXPECT_FALSE(ulid_bits("0000000000000000000000000"));   // 25 digits
  EXPECT_FALSE(ulid_bits("0000000000000000000000000U"));  // not Crockford base32
  EXPECT_FALSE(ulid_bits(std::string(25, '0') + '\0'));
}

TEST(Ids, SameMillisecondIdsSortInCreationOrder) {
  std::string prev = new_id("msg_", 1'700'000'000'500);
  for (int i = 0; i < 10'000; ++i) {
    const std::string next = new_id("msg_", 1'700'000'000'500);
    ASSERT_LT(prev, next) << i;
    ASSERT_TRUE(is_valid_id(next, "msg_"));
    prev = next;
  }
}

TEST(Time, Rfc3339RoundTripsAndRejectsGarbage) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(parse_rfc3339("2023-11-14T22:13:20.123Z"), 1'700'000'000'123);
  EXPECT_EQ(parse_rfc3339("2023-11-14T23:13:20+01:00"), 1'700'000'000'000);
  EXPECT_EQ(parse_rfc3339("2023-11-14T22:13:20Z"), 1'700'000'000'000);
  EXPECT_FALSE(parse_rfc3339("2023-02-30T00:00:00Z").has_value());
  EXPECT_FALSE(parse_rfc3339("yesterday").has_value());
  EXPECT_FALSE(parse_rfc3339("2023-11-14T22:13:20").has_value());
  EXPECT_FALSE(parse_rfc3339("2023-11-14T22:13:20Zjunk").has_value());
}

}  // namespace
}  // namespace sb
