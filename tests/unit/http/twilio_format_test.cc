// The Twilio dialect's shapes: dates, times, statuses, error codes, page links.
#include "http/twilio_format.h"

#include <gtest/gtest.h>

namespace sb::http::twilio {
namespace {

using nlohmann::json;

TEST(TwilioFormat, DatesAreRfc2822InGmt) {
  // 2015-07-30T20:12:31Z, the example of Twilio's own fixtures.
  EXPECT_EQ(rfc2822(1'438'287'151'000), "Thu, 30 Jul 2015 20:12:31 +0000");
  EXPECT_EQ(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 +0000");
}

TEST(TwilioFormat, TimesAreDatesOrInstants) {
  auto day = parse_twilio_time("2015-07-30");
  ASSERT_TRUE(day);
  EXPECT_TRUE(day->date_only);
  EXPECT_EQ(day->at, 1'438'214'400'000);
  auto at = parse_twilio_time("2015-07-30T20:12:31Z");
  ASSERT_TRUE(at);
  EXPECT_FALSE(at->date_only);
  EXPECT_EQ(at->at, 1'438'287'151'000);
  EXPECT_FALSE(parse_twilio_time("yesterday"));
  EXPECT_FALSE(parse_twilio_time("2015-13-45"));
}

TEST(TwilioFormat, OurErrorsMapToTwiliosCodes) {
  const auto code = [](const char* c, const char* field = "") {
    return twilio_error(Error::make(c, "m", field));
  };
  EXPECT_EQ(code("unauthorized").code, 20003);
  EXPECT_EQ(code("unauthorized").status, 401);
  EXPECT_EQ(code("not_found").status, 404);
  EXPECT_EQ(code("invalid_phone_number", "to").code, 21211);
  EXPECT_EQ(code("invalid_phone_number", "from").code, 21212);
  EXPECT_EQ(code("missing_field", "To").code, 21604);
  EXPECT_EQ(code("recipient_opted_out").code, 21610);
  EXPECT_EQ(code("recipient_opted_out").status, 400);  // Twilio's validation status, not 422
  EXPECT_EQ(code("rate_limited").status, 429);
  EXPECT_EQ(code("not_cancelable").code, 409);  // no Twilio code: the HTTP status
  auto r = error_response(Error::make("not_found", "no such message"));
  EXPECT_EQ(r.status, 404);
  const json body = json::parse(r.body);
  EXPECT_EQ(body, (json{{"code", 20404},
                        {"message", "no such message"},
                        {"more_info", "https://www.twilio.com/docs/errors/20404"},
                        {"status", 404}}));
}

TEST(TwilioFormat, PagesLinkByPathWithTheirFilters) {
  PageLinks l;
  l.path = "/2010-04-01/Accounts/AC1/Messages.json";
  l.filters = {{"To", "+14155550123"}};
  l.page_size = 2;
  l.page = 1;
  l.page_token = "PAa";
  l.next_page_token = "PAb";
  const json p = page_json("messages", json::array({1, 2}), l);
  EXPECT_EQ(p["uri"], l.path + "?To=%2B14155550123&PageSize=2&Page=1&PageToken=PAa");
  EXPECT_EQ(p["first_page_uri"], l.path + "?To=%2B14155550123&PageSize=2&Page=0");
  EXPECT_EQ(p["next_page_uri"], l.path + "?To=%2B14155550123&PageSize=2&Page=2&PageToken=PAb");
  EXPECT_EQ(p["start"], 2);
  EXPECT_EQ(p["end"], 3);
  l.next_page_token.reset();
  EXPECT_TRUE(page_json("messages", json::array(), l)["next_page_uri"].is_null());
}

TEST(TwilioFormat, BooleansInEitherCase) {
  EXPECT_EQ(parse_bool("True"), true);
  EXPECT_EQ(parse_bool("false"), false);
  EXPECT_FALSE(parse_bool("yes"));
}

}  // namespace
}  // namespace sb::http::twilio
