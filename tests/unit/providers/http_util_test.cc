// Shared wire helpers of the provider connectors.
#include "providers/transport/http_util.h"

#include <gtest/gtest.h>

namespace sb::providers {
namespace {

TEST(HttpUtil, BasicAuth) {
  // RFC 7617 example.
  EXPECT_EQ(basic_auth("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

TEST(HttpUtil, ClassifiesFailures) {
  HttpResponse r;
  r.status = 429;
  r.headers = {{"Retry-After", "7"}};
  auto f = classify_failure(r, 0, "20429", "Too Many Requests");
  EXPECT_EQ(f.kind, FailureKind::kRateLimited);
  EXPECT_EQ(*f.retry_after_ms, 7000);
  r.headers = {{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}};
  f = classify_failure(r, 1445412470000, "", "");
  EXPECT_EQ(*f.retry_after_ms, 10000);
  r.headers.clear();
  r.status = 503;
  EXPECT_EQ(classify_failure(r, 0, "", "").kind, FailureKind::kTransient);
  r.status = 401;
  EXPECT_EQ(classify_failure(r, 0, "", "").kind, FailureKind::kAuth);
  r.status = 400;
  f = classify_failure(r, 0, "21211", "Invalid 'To' Phone Number");
  EXPECT_EQ(f.kind, FailureKind::kPermanent);
  EXPECT_EQ(f.code, "21211");
  r.status = 0;
  r.timed_out = true;
  f = classify_failure(r, 0, "", "");
  EXPECT_EQ(f.kind, FailureKind::kTransient);
  EXPECT_EQ(f.code, "timeout");
}

}  // namespace
}  // namespace sb::providers
