// An app's TwiML answer to a Twilio-format forward (engine/twilio_requests.h, parse_twiml):
// XML through expat, DOCTYPEs refused. Properties: a read answer has at most
// kMaxTwimlMessages <Message> verbs of at most kMaxTwimlMedia media each, all text valid UTF-8;
// reading is deterministic. Input: the response body.
#include "engine/twilio_requests.h"
#include "fuzz_support.h"

using namespace sb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = fuzz::as_text(data, size);
  auto messages = engine::parse_twiml(body);
  if (!messages) {
    FUZZ_CHECK(messages.error().code == "invalid_twiml");
    return 0;
  }
  FUZZ_CHECK(messages->size() <= engine::kMaxTwimlMessages);
  for (const auto& m : *messages) {
    FUZZ_CHECK(m.media_urls.size() <= engine::kMaxTwimlMedia);
    FUZZ_CHECK(fuzz::valid_utf8(m.body));
    FUZZ_CHECK(fuzz::valid_utf8(m.to) && fuzz::valid_utf8(m.from) && fuzz::valid_utf8(m.action));
    for (const auto& u : m.media_urls) FUZZ_CHECK(fuzz::valid_utf8(u));
  }
  auto again = engine::parse_twiml(body);
  FUZZ_CHECK(again && again->size() == messages->size());
  return 0;
}
