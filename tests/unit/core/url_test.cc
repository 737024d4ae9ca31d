// url_problem: the syntax every client-given URL must have (status callbacks, forwarding, media).
#include "core/url.h"

#include <gtest/gtest.h>

namespace sb {
namespace {

TEST(UrlTest, HttpRuleTakesAbsoluteHttpUrlsWithAHost) {
  for (const char* ok : {"http://example.com", "https://example.com/a?b=c#d",
                         "https://user:pw@example.com/x", "http://[::1]:8080/", "https://exämple.com/"}) {
    EXPECT_FALSE(url_problem(ok, UrlRule::kHttp)) << ok;
  }
  for (const char* bad : {"ftp://example.com", "example.com", "http://", "https:///path",
                          "http://?q", "http://exa mple.com", "http://example.com/\x7f",
                          "http://example.com/\n"}) {
    EXPECT_TRUE(url_problem(bad, UrlRule::kHttp)) << bad;
  }
  EXPECT_EQ(url_problem("https://e.com/" + std::string(2048, 'a'), UrlRule::kHttp),
            "must be at most 2048 bytes");
}

TEST(UrlTest, AppEndpointRuleAlsoRefusesCredentialsFragmentsNonAsciiAndBadPorts) {
  for (const char* ok : {"https://app.example.com/sms", "http://127.0.0.1:65535/cb",
                         "http://[::1]:8080/cb", "https://app.example.com:443/x?y=1"}) {
    EXPECT_FALSE(url_problem(ok, UrlRule::kAppEndpoint)) << ok;
  }
  EXPECT_EQ(url_problem("https://user:pw@app.example.com/", UrlRule::kAppEndpoint),
            "must not contain user credentials");
  EXPECT_EQ(url_problem("https://app.example.com/#top", UrlRule::kAppEndpoint),
            "must not contain a fragment");
  EXPECT_EQ(url_problem("https://exämple.com/", UrlRule::kAppEndpoint),
            "must not contain spaces, control or non-ASCII bytes");
  for (const char* port : {"http://a.com:/", "http://a.com:65536/", "http://a.com:8x/",
                           "http://a.com:123456/"}) {
    EXPECT_EQ(url_problem(port, UrlRule::kAppEndpoint), "has an invalid port") << port;
  }
  EXPECT_EQ(url_problem("http://:80/", UrlRule::kAppEndpoint), "must name a host");
}

}  // namespace
}  // namespace sb
