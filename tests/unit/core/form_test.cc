// Percent-encoding and form bodies.
#include "core/form.h"

#include <gtest/gtest.h>

namespace sb {
namespace {

TEST(Form, EncodingRoundTripsAndRepeatsKeys) {
  const FormFields f = {{"To", "+14155550123"}, {"Body", "hi & bye = 100%"},
                        {"MediaUrl", "https://x.test/a.png"}, {"MediaUrl", "https://x.test/b.png"}};
  const std::string enc = form_encode(f);
  EXPECT_EQ(enc,
            "To=%2B14155550123&Body=hi%20%26%20bye%20%3D%20100%25&MediaUrl=https%3A%2F%2Fx.test%2Fa."
            "png&MediaUrl=https%3A%2F%2Fx.test%2Fb.png");
  EXPECT_EQ(form_decode(enc), f);
  EXPECT_EQ(form_decode("a=1+2&b=%zz&c"), (FormFields{{"a", "1 2"}, {"b", "%zz"}, {"c", ""}}));
}

TEST(Form, SpacesArriveAsPlusOrPercentAndUtf8SurvivesDecoding) {
  // python-requests sends '+', the Node SDK (qs) '%20'.
  EXPECT_EQ(form_decode("Body=h%C3%A9llo+%26+x&B=a%20b&&DateSent%3C=2026-01-01"),
            (FormFields{{"Body", "h\xC3\xA9llo & x"}, {"B", "a b"}, {"DateSent<", "2026-01-01"}}));
}

TEST(Form, PathsKeepPlusQueriesDoNot) {
  EXPECT_EQ(url_decode("/a+b/%2B1", false), "/a+b/+1");
  EXPECT_EQ(url_decode("a+b%2", true), "a b%2");
}

}  // namespace
}  // namespace sb
