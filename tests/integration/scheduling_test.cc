// End-to-end: scheduled messages (across a restart, cancel), quiet hours, verification codes.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <vector>
#include <thread>

#include "core/clock.h"
#include "core/form.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string hhmm(int minutes) {
  minutes = ((minutes % 1440) + 1440) % 1440;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

// A quiet window that contains "now" in New York whatever its UTC offset (-5 or -4): from six
// to three hours before the current UTC time of day.
std::string quiet_window_now_in_new_york() {
  const int64_t utc_min = (SystemClock::instance().now_ms() / 60'000) % 1440;
  return "start = \"" + hhmm(static_cast<int>(utc_min) - 6 * 60) + "\"\nend = \"" +
         hhmm(static_cast<int>(utc_min) - 3 * 60) + "\"\n";
}

class SchedulingTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && !pg_admin_url()) {
      if (pg_required()) FAIL() << "SWITCHBOARD_TEST_PG_URL is required";
      GTEST_SKIP() << "no PostgreSQL (set SWITCHBOARD_TEST_PG_URL)";
    }
    const std::string extra =
        "[messages]\nmin_schedule_ahead_s = 1\nphone_timezones = \"" SB_SOURCE_DIR
        "/data/phone-timezones.txt\"\n"
        "[verifications]\nmin_ttl_seconds = 1\nsends_per_hour = 3\nmax_checks = 3\n"
        "[[quiet_hours]]\naccount = \"acme\"\ntimezone = \"UTC\"\n" +
        quiet_window_now_in_new_york();
    gw_ = std::make_unique<TestGateway>(GetParam(), extra);
    acme_ = gw_->create_key("acme");
    other_ = gw_->create_key("other");
    gw_->start();
  }

  HttpResult send(const json& body) { return gw_->post_json("/v1/messages", acme_, body); }

  std::string in(std::chrono::milliseconds d) {
    return format_rfc3339(SystemClock::instance().now_ms() + d.count());
  }

  int submissions(const std::string& id) { return gw_->sim_submissions(id); }

  std::unique_ptr<TestGateway> gw_;
  std::string acme_, other_;
};

TEST_P(SchedulingTest, SendAtOutsideTheAllowedRangeIsRejected) {
  for (const std::string& when :
       std::vector<std::string>{in(-60s), format_rfc3339(SystemClock::instance().now_ms() + 36LL * 86'400'000), "soon"}) {
    auto r = send({{"to", "+14155550123"}, {"body", "x"}, {"send_at", when}});
    EXPECT_EQ(r.status, 422) << when << " " << r.body;
    EXPECT_EQ(r.json["error"]["code"], "invalid_send_at");
    EXPECT_EQ(r.json["error"]["field"], "send_at");
  }
  auto bad = send({{"to", "+14155550123"}, {"body", "x"}, {"category", "spam"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json["error"]["field"], "category");
}

TEST_P(SchedulingTest, ScheduledMessageWaitsThenIsSentOnceAcrossARestart) {
  auto r = send({{"to", "+14155550123"}, {"body", "later"}, {"send_at", in(4s)}});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.json["id"];
  EXPECT_EQ(r.json["status"], "scheduled");
  EXPECT_FALSE(r.json["send_at"].is_null());
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(gw_->get("/v1/messages/" + id, acme_).json["status"], "scheduled");
  EXPECT_EQ(submissions(id), 0);

  EXPECT_EQ(gw_->terminate(), 0);
  gw_->start();
  json done = gw_->wait_for_status(id, acme_, "delivered");
  ASSERT_EQ(done["status"], "delivered") << done.dump();
  EXPECT_EQ(submissions(id), 1);
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(submissions(id), 1) << "sent once";
}

TEST_P(SchedulingTest, CancelStopsAScheduledMessage) {
  auto r = send({{"to", "+14155550123"}, {"body", "never"}, {"send_at", in(2s)}});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.json["id"];
  auto c = gw_->post_json("/v1/messages/" + id + "/cancel", acme_, json::object());
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.json["status"], "canceled");
  auto again = gw_->post_json("/v1/messages/" + id + "/cancel", acme_, json::object());
  EXPECT_EQ(again.status, 200) << "idempotent";
  EXPECT_EQ(gw_->post_json("/v1/messages/" + id + "/cancel", other_, json::object()).status, 404);
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(gw_->get("/v1/messages/" + id, acme_).json["status"], "canceled");
  EXPECT_EQ(submissions(id), 0);

  auto sent = send({{"to", "+14155550123"}, {"body", "now"}});
  const std::string sent_id = sent.json["id"];
  gw_->wait_for_status(sent_id, acme_, "delivered");
  auto late = gw_->post_json("/v1/messages/" + sent_id + "/cancel", acme_, json::object());
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(late.json["error"]["code"], "not_cancelable");
}

// A batch's rows meet quiet hours as single messages do (docs/batches.md).
TEST_P(SchedulingTest, AMarketingBatchIsHeldInQuietHoursATransactionalOneIsNot) {
  const auto batch = [&](const std::string& category, const std::string& to) {
    auto r = gw_->post_json("/v1/batches", acme_,
                            {{"body", "{{what}}"}, {"category", category},
                             {"recipients", {{{"to", to}, {"variables", {{"what", category}}}}}}});
    EXPECT_EQ(r.status, 202) << r.body;
    json m;
    wait_until(
        [&] {
          auto list = gw_->get("/v1/messages?to=" + url_encode(to), acme_);
          if (list.json["data"].empty()) return false;
          m = list.json["data"][0];
          return true;
        },
        20s);
    return m;
  };
  const json held = batch("marketing", "+12025550124");  // New York, inside the window now
  EXPECT_EQ(held["status"], "queued");
  EXPECT_TRUE(held["deferred_until"].is_string()) << held.dump();
  EXPECT_EQ(held["category"], "marketing");
  const json now = batch("transactional", "+12025550125");
  EXPECT_TRUE(now["deferred_until"].is_null()) << now.dump();
  EXPECT_EQ(gw_->wait_for_status(now["id"], acme_, "delivered")["status"], "delivered");
}

TEST_P(SchedulingTest, QuietHoursHoldMarketingButNotTransactional) {
  // +1 202 is New York, inside the configured window now.
  auto m = send({{"to", "+12025550123"}, {"body", "sale!"}, {"category", "marketing"}});
  ASSERT_EQ(m.status, 202) << m.body;
  EXPECT_EQ(m.json["category"], "marketing");
  EXPECT_EQ(m.json["status"], "queued");
  ASSERT_TRUE(m.json["deferred_until"].is_string()) << m.body;
  const auto until = parse_rfc3339(m.json["deferred_until"].get<std::string>());
  ASSERT_TRUE(until);
  // The window ends 2 h (EST) or 1 h (EDT) from now, less the seconds of the current minute.
  EXPECT_GT(*until, SystemClock::instance().now_ms() + 50 * 60'000);

  auto t = send({{"to", "+12025550123"}, {"body", "your order shipped"}});
  ASSERT_EQ(t.status, 202);
  EXPECT_TRUE(t.json["deferred_until"].is_null());
  EXPECT_EQ(gw_->wait_for_status(t.json["id"], acme_, "delivered")["status"], "delivered");
  const json held = gw_->get("/v1/messages/" + m.json["id"].get<std::string>(), acme_).json;
  EXPECT_EQ(held["status"], "queued");
  EXPECT_EQ(held["deferred_until"], m.json["deferred_until"]);
}

TEST_P(SchedulingTest, VerificationCodeIsApprovedOnceAndOnlyWithTheRightCode) {
  auto v = gw_->post_json("/v1/verifications", acme_,
                          {{"to", "+14155550123"}, {"template", "Code: {code}"}});
  ASSERT_EQ(v.status, 201) << v.body;
  EXPECT_EQ(v.json["status"], "pending");
  EXPECT_EQ(v.json["to"], "+14155550123");
  EXPECT_TRUE(v.json["expires_at"].is_string());
  const std::string message_id = v.json["message_id"];
  json msg = gw_->get("/v1/messages/" + message_id, acme_).json;
  const std::string body = msg["body"];
  ASSERT_EQ(body.rfind("Code: ", 0), 0u) << body;
  const std::string code = body.substr(6);
  EXPECT_EQ(code.size(), 6u);

  const auto check = [&](const std::string& key, const std::string& c) {
    return gw_->post_json("/v1/verifications/check", key, {{"to", "+1 415 555 0123"}, {"code", c}});
  };
  const std::string wrong = code == "000000" ? "111111" : "000000";
  EXPECT_EQ(check(acme_, wrong).json["status"], "denied");
  EXPECT_EQ(check(other_, code).json["status"], "denied") << "tenant isolation";
  auto ok = check(acme_, code);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.json["status"], "approved");
  EXPECT_EQ(check(acme_, code).json["status"], "denied") << "single use";
}

TEST_P(SchedulingTest, VerificationExpiresAndLimitsChecks) {
  auto v = gw_->post_json("/v1/verifications", acme_,
                          {{"to", "+14155550124"}, {"ttl_seconds", 1}, {"code_length", 4}});
  ASSERT_EQ(v.status, 201) << v.body;
  std::string body =
      gw_->get("/v1/messages/" + v.json["message_id"].get<std::string>(), acme_).json["body"];
  std::string code = body.substr(body.size() - 4);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(gw_->post_json("/v1/verifications/check", acme_,
                           {{"to", "+14155550124"}, {"code", code}})
                .json["status"],
            "denied")
      << "expired";

  v = gw_->post_json("/v1/verifications", acme_, {{"to", "+14155550125"}});
  ASSERT_EQ(v.status, 201) << v.body;
  body = gw_->get("/v1/messages/" + v.json["message_id"].get<std::string>(), acme_).json["body"];
  code = body.substr(body.size() - 6);
  const std::string wrong = code == "000000" ? "111111" : "000000";
  for (int i = 0; i < 3; ++i) {  // max_checks = 3
    EXPECT_EQ(gw_->post_json("/v1/verifications/check", acme_,
                             {{"to", "+14155550125"}, {"code", wrong}})
                  .json["status"],
              "denied");
  }
  EXPECT_EQ(gw_->post_json("/v1/verifications/check", acme_,
                           {{"to", "+14155550125"}, {"code", code}})
                .json["status"],
            "denied")
      << "attempt limit reached: even the right code is denied";
}

TEST_P(SchedulingTest, VerificationSendsAreRateLimitedPerRecipient) {
  for (int i = 0; i < 3; ++i) {  // sends_per_hour = 3
    EXPECT_EQ(gw_->post_json("/v1/verifications", acme_, {{"to", "+14155550126"}}).status, 201);
  }
  auto limited = gw_->post_json("/v1/verifications", acme_, {{"to", "+14155550126"}});
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(limited.json["error"]["code"], "rate_limited");
  const std::string retry = limited.header("Retry-After");
  ASSERT_FALSE(retry.empty());
  EXPECT_GT(std::stoi(retry), 3000);
  EXPECT_LE(std::stoi(retry), 3600);
  EXPECT_EQ(gw_->post_json("/v1/verifications", other_, {{"to", "+14155550126"}}).status, 201)
      << "per account";
  auto bad = gw_->post_json("/v1/verifications", acme_, {{"to", "+14155550127"}, {"code_length", 3}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json["error"]["field"], "code_length");
}

INSTANTIATE_TEST_SUITE_P(Backends, SchedulingTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::test
