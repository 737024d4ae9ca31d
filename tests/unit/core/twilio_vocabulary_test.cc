// Twilio's words for our statuses, error codes and directions.
#include "core/twilio_vocabulary.h"

#include <gtest/gtest.h>

namespace sb {
namespace {

TEST(TwilioVocabulary, StatusesAndErrorCodes) {
  EXPECT_EQ(twilio_status_word(Status::kAccepted), "queued");
  EXPECT_EQ(twilio_status_word(Status::kExpired), "failed");
  EXPECT_EQ(twilio_status_word(Status::kReceived), "received");
  Message m;
  EXPECT_FALSE(twilio_error_code(m));
  m.error_code = "30003";
  EXPECT_EQ(twilio_error_code(m), 30003);
  m.error_code = "recipient_opted_out";
  EXPECT_EQ(twilio_error_code(m), 21610);
  m.error_code = "provider_rejected";
  EXPECT_EQ(twilio_error_code(m), 30008);
  m.error_code.clear();
  m.status = Status::kExpired;
  EXPECT_EQ(twilio_error_code(m), 30001);
}

TEST(TwilioVocabulary, RepliesToForwardsAreOutboundReplies) {
  Message m;
  EXPECT_EQ(twilio_direction(m), "outbound-api");
  m.metadata["forward_reply"] = "dlv_1";
  EXPECT_EQ(twilio_direction(m), "outbound-reply");
  m.direction = Direction::kInbound;
  EXPECT_EQ(twilio_direction(m), "inbound");
}

}  // namespace
}  // namespace sb
