// Status callbacks reach the app's URL, retried with back-off until acknowledged.
#include <gtest/gtest.h>

#include <mutex>

#include "http/server.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The app's side: records every callback; answers 500 to the first `failures` requests.
class CallbackReceiver {
 public:
  explicit CallbackReceiver(int failures) : failures_(failures) {
    router_.add("POST", "/hook", [this](http::Request& req, http::Reply reply) {
      std::lock_guard lk(mu_);
      received_.push_back({json::parse(req.body, nullptr, false), req.header("switchboard-attempt"),
                           req.header("content-type")});
      if (static_cast<int>(received_.size()) <= failures_) {
        return reply(http::Response::json(500, {{"error", "try again"}}));
      }
      reply(http::Response::json(200, {{"ok", true}}));
    });
    http::ServerOptions o;
    o.port = 0;
    o.io_threads = 1;
    o.handler_threads = 1;
    server_ = std::make_unique<http::Server>(o, router_);
    server_->start();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook"; }
  struct Hit {
    json body;
    std::string attempt;
    std::string content_type;
  };
  std::vector<Hit> hits() {
    std::lock_guard lk(mu_);
    return received_;
  }

 private:
  int failures_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::mutex mu_;
  std::vector<Hit> received_;
};

class CallbackTest : public ::testing::Test {};

TEST_F(CallbackTest, EveryStatusChangeIsPostedAndFailedPostsAreRetried) {
  CallbackReceiver app(/*failures=*/2);
  TestGateway gw(Backend::kSqlite, "[callbacks]\nretry_base_ms = 50\nretry_max_ms = 200\n");
  const std::string key = gw.create_key("acme");
  gw.start();
  auto r = gw.post_json("/v1/messages", key,
                        {{"to", "+14155550123"}, {"body", "cb"}, {"status_callback", app.url()}});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.json["id"];

  // Acknowledged callbacks: sent and delivered (each once), after two refused attempts.
  ASSERT_TRUE(wait_until(
      [&] {
        auto hits = app.hits();
        std::set<std::string> statuses;
        for (const auto& h : hits) statuses.insert(h.body["status"].get<std::string>());
        return statuses.count("sent") && statuses.count("delivered") && hits.size() >= 4;
      },
      20s))
      << [&] {
           std::string s;
           for (const auto& h : app.hits()) s += h.body.dump() + " attempt " + h.attempt + "\n";
           return s;
         }();
  auto hits = app.hits();
  int retries = 0;
  for (const auto& h : hits) {
    EXPECT_EQ(h.content_type, "application/json");
    EXPECT_EQ(h.body["type"], "message.status");
    EXPECT_EQ(h.body["message"]["id"], id);
    EXPECT_EQ(h.body["message"]["status"], h.body["status"]);
    if (h.attempt != "1") ++retries;
  }
  EXPECT_GE(retries, 2);  // the two refused deliveries came back
  // Nothing is delivered twice once acknowledged.
  wait_until([] { return false; }, 300ms);
  hits = app.hits();
  EXPECT_EQ(hits.size(), 4u);  // 2 statuses + 2 refused attempts
  // The first two hits were refused (whichever status they carried); every status is
  // acknowledged exactly once after that.
  std::map<std::string, int> per_status;
  for (size_t i = 2; i < hits.size(); ++i) per_status[hits[i].body["status"]]++;
  EXPECT_EQ(per_status["sent"], 1);
  EXPECT_EQ(per_status["delivered"], 1);
}

}  // namespace
}  // namespace sb::test
