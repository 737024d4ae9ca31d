// Twilio-format requests to apps: the parameters Twilio sends, its signature (checked with the
// verifier the twilio provider uses on Twilio's own webhooks), and TwiML answers.
#include "engine/twilio_requests.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/message_json.h"
#include "core/twilio_ids.h"
#include "core/twilio_signature.h"

namespace sb::engine {
namespace {

std::string value(const FormFields& f, const std::string& name) {
  for (const auto& [k, v] : f) {
    if (k == name) return v;
  }
  return "<absent>";
}

std::string header_value(const Headers& h, const std::string& name) {
  for (const auto& [k, v] : h) {
    if (k == name) return v;
  }
  return "<absent>";
}

Message inbound() {
  Message m;
  m.id = "msg_01JD0000000000000000000000";
  m.direction = Direction::kInbound;
  m.status = Status::kReceived;
  m.from = "+14155550123";
  m.to = "+12025550100";
  m.body = "hi & bye";
  m.segments = 1;
  m.media_urls = {"https://gw.example/v1/media/med_1"};
  m.media = {{"https://gw.example/v1/media/med_1", "image/png", 10}};
  return m;
}

TEST(TwilioRequests, InboundParametersAreTwilios) {
  const auto f = twilio_inbound_params(inbound(), "AC" + std::string(32, 'a'));
  const std::string sid = twilio_message_sid("msg_01JD0000000000000000000000", false);
  EXPECT_EQ(value(f, "MessageSid"), sid);
  EXPECT_EQ(value(f, "SmsSid"), sid);
  EXPECT_EQ(value(f, "SmsMessageSid"), sid);
  EXPECT_EQ(value(f, "AccountSid"), "AC" + std::string(32, 'a'));
  EXPECT_EQ(value(f, "From"), "+14155550123");
  EXPECT_EQ(value(f, "To"), "+12025550100");
  EXPECT_EQ(value(f, "Body"), "hi & bye");
  EXPECT_EQ(value(f, "NumMedia"), "1");
  EXPECT_EQ(value(f, "NumSegments"), "1");
  EXPECT_EQ(value(f, "MediaUrl0"), "https://gw.example/v1/media/med_1");
  EXPECT_EQ(value(f, "MediaContentType0"), "image/png");
  EXPECT_EQ(value(f, "SmsStatus"), "received");
  EXPECT_EQ(value(f, "ApiVersion"), "2010-04-01");
  EXPECT_EQ(value(f, "FromCountry"), "US");
  EXPECT_EQ(value(f, "MessageStatus"), "<absent>");
}

TEST(TwilioRequests, StatusParametersReportTheStatusOfTheirMoment) {
  Message m = inbound();
  m.direction = Direction::kOutbound;
  m.status = Status::kDelivered;  // the message now; the payload reports `undelivered`
  m.error_code = "30003";
  const nlohmann::json payload = {
      {"type", "message.status"}, {"status", "undelivered"}, {"message", to_json(m)}};
  auto f = twilio_status_params(payload.dump(), "ACx");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(value(*f, "MessageStatus"), "undelivered");
  EXPECT_EQ(value(*f, "SmsStatus"), "undelivered");
  EXPECT_EQ(value(*f, "ErrorCode"), "30003");
  EXPECT_EQ(value(*f, "AccountSid"), "ACx");
  EXPECT_EQ(value(*f, "Body"), "<absent>");  // Twilio's status callbacks carry no body

  m.error_code.clear();
  const nlohmann::json ok = {{"status", "sent"}, {"message", to_json(m)}};
  f = twilio_status_params(ok.dump(), "ACx");
  ASSERT_TRUE(f);
  EXPECT_EQ(value(*f, "ErrorCode"), "<absent>");
  EXPECT_FALSE(twilio_status_params("{}", "ACx"));
  EXPECT_FALSE(twilio_status_params("not json", "ACx"));
}

TEST(TwilioRequests, PostsAreSignedOverTheUrlAndSortedParameters) {
  Delivery d;
  d.id = "dlv_1";
  d.url = "https://app.example.com/sms?tenant=7";
  const FormFields params = {{"To", "+1 202"}, {"Body", "a+b=c&d"}};
  const HttpRequest req = twilio_request(d, params, "token", 5000);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, d.url);
  EXPECT_EQ(req.timeout_ms, 5000);
  EXPECT_EQ(form_decode(req.body), params);
  EXPECT_EQ(header_value(req.headers, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(header_value(req.headers, "I-Twilio-Idempotency-Token"), "dlv_1");
  EXPECT_EQ(header_value(req.headers, "X-Twilio-Signature"),
            twilio_signature("token", d.url, form_decode(req.body)));
}

TEST(TwilioRequests, GetsCarryTheParametersInTheSignedUrl) {
  Delivery d;
  d.id = "dlv_2";
  d.method = "GET";
  d.url = "https://app.example.com/sms?tenant=7";
  const HttpRequest req = twilio_request(d, {{"Body", "hi"}}, "token", 5000);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url, "https://app.example.com/sms?tenant=7&Body=hi");
  EXPECT_TRUE(req.body.empty());
  EXPECT_EQ(header_value(req.headers, "X-Twilio-Signature"), twilio_signature("token", req.url, {}));
}

TEST(TwilioRequests, TwimlMessagesWithTextBodyMediaAndAttributes) {
  auto r = parse_twiml(R"(<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Message>  Plain &amp; simple  </Message>
  <Message to="+14155550999" from="+12025550101" action="https://app.example/status" method="POST">
    <Body>With media</Body>
    <Media>https://cdn.example/a.png</Media>
    <Media> https://cdn.example/b.png </Media>
  </Message>
</Response>)");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].body, "Plain & simple");
  EXPECT_TRUE((*r)[0].to.empty());
  EXPECT_EQ((*r)[1].body, "With media");
  EXPECT_EQ((*r)[1].to, "+14155550999");
  EXPECT_EQ((*r)[1].from, "+12025550101");
  EXPECT_EQ((*r)[1].action, "https://app.example/status");
  EXPECT_EQ((*r)[1].media_urls,
            (std::vector<std::string>{"https://cdn.example/a.png", "https://cdn.example/b.png"}));
}

TEST(TwilioRequests, EmptyAnswersAskForNothing) {
  for (const char* body : {"", "  \n", "<Response/>", "<?xml version=\"1.0\"?><Response></Response>"}) {
    auto r = parse_twiml(body);
    ASSERT_TRUE(r) << body << ": " << r.error().message;
    EXPECT_TRUE(r->empty()) << body;
  }
}

TEST(TwilioRequests, InvalidTwimlSaysWhatIsWrong) {
  const auto error = [](std::string_view body) {
    auto r = parse_twiml(body);
    EXPECT_FALSE(r) << body;
    if (r) return std::string();
    EXPECT_EQ(r.error().code, "invalid_twiml");
    return r.error().message;
  };
  EXPECT_NE(error("<Response><Message>unclosed</Response>").find("not well-formed"),
            std::string::npos);
  EXPECT_NE(error("{\"reply\": {}}").find("not well-formed"), std::string::npos);
  EXPECT_NE(error("<Reply><Message>x</Message></Reply>").find("<Reply>"), std::string::npos);
  EXPECT_NE(error("<Response><Dial>+1</Dial></Response>").find("<Dial>"), std::string::npos);
  EXPECT_NE(error("<Response><Redirect>https://x</Redirect></Response>").find("<Redirect>"),
            std::string::npos);
  EXPECT_NE(error("<Response><Message><Say>x</Say></Message></Response>").find("<Say>"),
            std::string::npos);
  EXPECT_NE(error("<Response><Message method=\"GET\">x</Message></Response>").find("POST"),
            std::string::npos);
  std::string many = "<Response>";
  for (int i = 0; i < 11; ++i) many += "<Message>x</Message>";
  EXPECT_NE(error(many + "</Response>").find("more than 10"), std::string::npos);
  std::string media = "<Response><Message>";
  for (int i = 0; i < 11; ++i) media += "<Media>https://x/" + std::to_string(i) + "</Media>";
  EXPECT_NE(error(media + "</Message></Response>").find("<Media>"), std::string::npos);
}

TEST(TwilioRequests, EntitiesAreNeverExpanded) {
  // The billion-laughs shape: refused at its DOCTYPE, before any expansion.
  const std::string bomb = R"(<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<Response><Message>&b;</Message></Response>)";
  auto r = parse_twiml(bomb);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("DOCTYPE"), std::string::npos) << r.error().message;
  auto external = parse_twiml(
      R"(<!DOCTYPE r SYSTEM "file:///etc/passwd"><Response><Message>x</Message></Response>)");
  EXPECT_FALSE(external);
}

}  // namespace
}  // namespace sb::engine
