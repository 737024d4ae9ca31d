// Request ids (X-Request-Id) and who may read /metrics.
#include "http/request_id.h"

#include <gtest/gtest.h>

#include "http/metrics_api.h"

namespace sb::http {
namespace {

TEST(RequestIdTest, SaneIdsAreKeptOthersReplaced) {
  EXPECT_EQ(request_id_for("abc-123"), "abc-123");
  EXPECT_EQ(request_id_for("with space ok"), "with space ok");
  EXPECT_EQ(request_id_for(std::string(128, 'x')), std::string(128, 'x'));
  for (const std::string& bad : {std::string(), std::string(129, 'x'), std::string("a\nb"),
                                std::string("tab\there"), std::string("caf\xc3\xa9"),
                                std::string("nul\0x", 5)}) {
    const std::string id = request_id_for(bad);
    EXPECT_NE(id, bad);
    EXPECT_EQ(id.size(), 16u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  }
  EXPECT_NE(request_id_for(""), request_id_for(""));
}

Request from(std::string address, std::string auth = {}) {
  Request r;
  r.remote_address = std::move(address);
  if (!auth.empty()) r.headers.emplace_back("authorization", std::move(auth));
  return r;
}

TEST(MetricsAccessTest, LoopbackTokenOrDedicatedListener) {
  const MetricsAccess main{true, "", false};
  EXPECT_EQ(metrics_refusal(from("127.0.0.1"), main), "");
  EXPECT_EQ(metrics_refusal(from("127.8.9.1"), main), "");
  EXPECT_EQ(metrics_refusal(from("::1"), main), "");
  EXPECT_EQ(metrics_refusal(from("::ffff:127.0.0.1"), main), "");
  EXPECT_EQ(metrics_refusal(from("10.0.0.5"), main), "forbidden");
  EXPECT_EQ(metrics_refusal(from("10.0.0.5", "Bearer x"), main), "forbidden");
  EXPECT_EQ(metrics_refusal(from("::ffff:10.0.0.5"), main), "forbidden");

  const MetricsAccess token{true, "t0ken", false};
  EXPECT_EQ(metrics_refusal(from("10.0.0.5"), token), "unauthorized");
  EXPECT_EQ(metrics_refusal(from("10.0.0.5", "Bearer t0ke"), token), "unauthorized");
  EXPECT_EQ(metrics_refusal(from("10.0.0.5", "Basic t0ken"), token), "unauthorized");
  EXPECT_EQ(metrics_refusal(from("10.0.0.5", "Bearer t0ken"), token), "");
  EXPECT_EQ(metrics_refusal(from("127.0.0.1"), token), "");

  EXPECT_EQ(metrics_refusal(from("10.0.0.5"), {true, "", true}), "");
  EXPECT_EQ(metrics_refusal(from("10.0.0.5"), {true, "t0ken", true}), "unauthorized");
  EXPECT_EQ(metrics_refusal(from("127.0.0.1"), {false, "", false}), "not_found");
}

}  // namespace
}  // namespace sb::http
