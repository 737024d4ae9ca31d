// Per-sender throughput limits hold under a burst, measured where the carrier received them.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <future>
#include <set>

#include "core/form.h"
#include "providers/transport/http_util.h"
#include "support/fake_provider.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Sends `n` messages at once (body(i) for the i-th) and waits until each is delivered; returns
// their ids (empty when one was refused or not delivered in time: the caller asserts the count).
std::set<std::string> send_burst(TestGateway& gw, const std::string& key, int n,
                                 const std::function<json(int)>& body) {
  std::vector<std::future<std::string>> futures;
  for (int i = 0; i < n; ++i) {
    futures.push_back(std::async(std::launch::async, [&, i] {
      auto r = gw.post_json("/v1/messages", key, body(i));
      return r.status == 202 ? r.json["id"].get<std::string>() : std::string();
    }));
  }
  std::set<std::string> ids;
  for (auto& f : futures) ids.insert(f.get());
  if (ids.size() != static_cast<size_t>(n) || ids.count("")) return {};
  for (const auto& id : ids) {
    if (gw.wait_for_status(id, key, "delivered", 30s)["status"] != "delivered") return {};
  }
  return ids;
}

// The simulated carrier's accepted submissions of `ids`, from its journal.
std::vector<json> accepted_submissions(const TestGateway& gw, const std::set<std::string>& ids) {
  std::vector<json> out;
  std::ifstream in(gw.sim_journal());
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, false);
    if (j.is_object() && j["op"] == "submit" && j["result"] == "accepted" &&
        ids.count(j["message_id"])) {
      out.push_back(std::move(j));
    }
  }
  return out;
}

// The most of `at` (sorted times in ms) inside any window of one second less `jitter_ms`: what a
// carrier counting sends by its own clock sees, less the delivery's jitter. The limiter never lets
// a send go before 1/rate after the previous one (the simulated carrier's journal, taken where
// the send is handed over, shows it to the millisecond); after an HTTP hop on a loaded 2-core
// machine a request can reach the provider tens of milliseconds late while the next is on time.
constexpr int64_t kHttpJitterMs = 50;
// Under AddressSanitizer a send can be handed over 100+ ms late while the next is on time, which
// squeezes more into its window, and a loaded sanitizer build starts slowly: the rate is the
// Release build's to prove. The sanitizer build allows two more in a second and does not hold
// the rate's lower bounds.
#ifdef __SANITIZE_ADDRESS__
constexpr long kMaxPerSecond = 12;
constexpr long kMinFirstSecond = 0;
constexpr double kMinRate = 0.0;
#else
constexpr long kMaxPerSecond = 10;
constexpr long kMinFirstSecond = 95;
constexpr double kMinRate = 95.0;
#endif
template <typename T>
long busiest_second(const std::vector<T>& at, T jitter_ms) {
  long most = 0;
  for (size_t i = 0; i < at.size(); ++i) {
    const auto end = std::lower_bound(at.begin(), at.end(), at[i] + 1000 - jitter_ms);
    most = std::max<long>(most, end - (at.begin() + static_cast<long>(i)));
  }
  return most;
}

TEST(DispatcherThroughput, ABurstForA10PerSecondSenderLeavesAt10PerSecond) {
  TestGateway gw(Backend::kSqlite,
                 "[[numbers]]\nnumber = \"+12025550160\"\naccount = \"acme\"\nconnector = \"sim\"\n"
                 "throughput = 10\n");
  const std::string key = gw.create_key("acme");
  gw.start();
  constexpr int kMessages = 40;
  const std::set<std::string> ids = send_burst(gw, key, kMessages, [](int i) {
    return json{{"to", "+14155550123"}, {"from", "+12025550160"},
                {"body", "burst " + std::to_string(i)}};
  });
  ASSERT_EQ(ids.size(), static_cast<size_t>(kMessages));
  std::vector<int64_t> at;
  for (const auto& j : accepted_submissions(gw, ids)) at.push_back(j["at"]);
  ASSERT_EQ(at.size(), static_cast<size_t>(kMessages));
  std::sort(at.begin(), at.end());
  // 40 messages at 10/s take at least 3.9 s from the first to the last...
  EXPECT_GE(at.back() - at.front(), 3'800);
  // ...and no one-second window, the first one included, carries more than 10 (the simulated
  // carrier's journal rounds to the millisecond).
  EXPECT_LE(busiest_second<int64_t>(at, 1), kMaxPerSecond);
  // Waiting for a slot is not an attempt.
  auto m = gw.get("/v1/messages/" + *ids.rbegin(), key);
  EXPECT_EQ(m.json["attempts"], 1);
}

// A running gateway whose account acme has ten numbers at 10 msg/s each on the simulated carrier
// and the pool "ten" of them (not sticky); `key` gets acme's API key.
std::unique_ptr<TestGateway> gateway_with_pool_of_ten(std::string& key) {
  std::string toml;
  std::vector<std::string> numbers;
  for (int i = 0; i < 10; ++i) {
    numbers.push_back("+1202555017" + std::to_string(i));
    toml += "[[numbers]]\nnumber = \"" + numbers.back() +
            "\"\naccount = \"acme\"\nconnector = \"sim\"\nthroughput = 10\n";
  }
  auto gw = std::make_unique<TestGateway>(Backend::kSqlite, toml);
  key = gw->create_key("acme");
  gw->start();
  auto made = gw->post_json("/v1/pools", key,
                            {{"name", "ten"}, {"numbers", numbers}, {"sticky", false}});
  EXPECT_EQ(made.status, 201) << made.body;
  return gw;
}

// A sender pool's rate is the sum of its numbers' limits, each limit holding (docs/pools.md):
// ten numbers at 10 msg/s each carry a 200-message burst at 100 msg/s, 20 from each number, no
// number above 10 in any one-second window.
TEST(DispatcherThroughput, APoolOfTenNumbersAt10PerSecondCarries100PerSecond) {
  std::string key;
  const auto gateway = gateway_with_pool_of_ten(key);
  TestGateway& gw = *gateway;
  constexpr int kMessages = 200;
  const std::set<std::string> ids = send_burst(gw, key, kMessages, [](int i) {
    return json{{"to", "+1415555" + std::to_string(1000 + i)},
                {"pool", "ten"},
                {"body", "burst " + std::to_string(i)}};
  });
  ASSERT_EQ(ids.size(), static_cast<size_t>(kMessages));
  std::map<std::string, std::vector<int64_t>> by_number;
  std::vector<int64_t> all;
  for (const auto& j : accepted_submissions(gw, ids)) {
    by_number[j.value("from", "")].push_back(j["at"]);
    all.push_back(j["at"]);
  }
  ASSERT_EQ(all.size(), static_cast<size_t>(kMessages));
  ASSERT_EQ(by_number.size(), 10u);
  for (auto& [number, at] : by_number) {
    EXPECT_EQ(at.size(), 20u) << number;  // the pool takes turns
    std::sort(at.begin(), at.end());
    EXPECT_LE(busiest_second<int64_t>(at, 1), kMaxPerSecond) << number;
  }
  std::sort(all.begin(), all.end());
  // 200 at 100/s: at least 1.9 s from the first to the last (each number's 20 take 1.9 s).
  EXPECT_GE(all.back() - all.front(), 1'800);
  std::printf("pool of 10 x 10 msg/s: %d messages in %lld ms (%.1f msg/s)\n", kMessages,
              static_cast<long long>(all.back() - all.front()),
              1000.0 * (kMessages - 1) / static_cast<double>(all.back() - all.front()));
}

// A batch through that pool (docs/batches.md): 1,000 rows of a CSV leave at 100 msg/s from the
// first second, no number above its 10 in any one-second window, timed where the simulated
// carrier received them. (Over HTTP to a fake provider on a loaded 2-core machine a number's
// requests can bunch after leaving on time, the send threads being late: the limiter spaces
// sends as they are handed to the connector; ABurstOnATwilioConnector... measures the wire.)
TEST(DispatcherThroughput, AThousandRowBatchThroughAPoolOfTenLeavesAt100PerSecond) {
  std::string key;
  const auto gateway = gateway_with_pool_of_ten(key);
  TestGateway& gw = *gateway;
  constexpr int kRows = 1000;
  std::string csv = "to,n\n";
  for (int i = 0; i < kRows; ++i) {
    csv += "+1415555" + std::to_string(1000 + i) + "," + std::to_string(i) + "\n";
  }
  auto r = gw.request("POST", "/v1/batches?pool=ten&body=Reminder%20%7B%7Bn%7D%7D", key, csv,
                      {{"Content-Type", "text/csv"}});
  ASSERT_EQ(r.status, 202) << r.body;
  const auto submitted = [&] {
    std::vector<json> out;
    std::ifstream in(gw.sim_journal());
    for (std::string line; std::getline(in, line);) {
      json j = json::parse(line, nullptr, false);
      if (j.is_object() && j["op"] == "submit" && j["result"] == "accepted") out.push_back(j);
    }
    return out;
  };
  ASSERT_TRUE(wait_until([&] { return submitted().size() >= kRows; }, 60s));
  std::map<std::string, std::vector<int64_t>> by_number;
  std::vector<int64_t> all;
  for (const auto& j : submitted()) {
    by_number[j.value("from", "")].push_back(j["at"]);
    all.push_back(j["at"]);
  }
  ASSERT_EQ(all.size(), static_cast<size_t>(kRows));
  ASSERT_EQ(by_number.size(), 10u);
  for (auto& [number, at] : by_number) {
    EXPECT_EQ(at.size(), 100u) << number;
    std::sort(at.begin(), at.end());
    EXPECT_LE(busiest_second<int64_t>(at, 1), kMaxPerSecond) << number;
  }
  std::sort(all.begin(), all.end());
  const double rate = 1000.0 * (kRows - 1) / static_cast<double>(all.back() - all.front());
  const auto first_second =
      std::lower_bound(all.begin(), all.end(), all.front() + 1000) - all.begin();
  std::printf("batch of %d through a pool of 10 x 10 msg/s: %lld ms, %.1f msg/s; %ld in the "
              "first second\n",
              kRows, static_cast<long long>(all.back() - all.front()), rate,
              static_cast<long>(first_second));
  EXPECT_GE(rate, kMinRate);  // 100 msg/s ± 5 %...
  EXPECT_LE(rate, 105.0);
  EXPECT_GE(first_second, kMinFirstSecond);  // ...from the first second
  EXPECT_LE(first_second, 105);
}

// Messages a rate-limited number was asked to send, one after another, leave in that order.
// Each acceptance wakes a claiming thread, so consecutive messages are usually claimed by
// different threads: their places in the number's line must follow the order they were claimed
// in, not which thread got the CPU first, and a message whose slot has come must still wait for
// one ahead of it whose deferral was written late. Under CPU load (two busy loops on the two
// cores) each of the two faults put sends out of order in 19 of 20 runs.
TEST(DispatcherThroughput, ARateLimitedNumberSendsInTheOrderItWasAsked) {
  TestGateway gw(Backend::kSqlite,
                 "[[numbers]]\nnumber = \"+12025550160\"\naccount = \"acme\"\nconnector = \"sim\"\n"
                 "throughput = 100\n");
  const std::string key = gw.create_key("acme");
  gw.start();
  constexpr int kMessages = 60;
  std::vector<std::string> ids;
  for (int i = 0; i < kMessages; ++i) {
    auto r = gw.post_json("/v1/messages", key,
                          {{"to", "+14155550123"}, {"from", "+12025550160"},
                           {"body", "in order " + std::to_string(i)}});
    ASSERT_EQ(r.status, 202) << r.body;
    ids.push_back(r.json["id"]);
  }
  for (const auto& id : ids) {
    ASSERT_EQ(gw.wait_for_status(id, key, "delivered", 30s)["status"], "delivered") << id;
  }
  std::vector<std::string> sent;
  std::ifstream in(gw.sim_journal());
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, false);
    if (j.is_object() && j["op"] == "submit" && j["result"] == "accepted") {
      sent.push_back(j["message_id"]);
    }
  }
  ASSERT_EQ(sent.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSERT_EQ(sent[i], ids[i]) << "send " << i << " left out of order";
  }
}

// A message canceled while it waits for its slot (by the cancel endpoint, or by redacting it
// before it was sent) gives its place up at once: the number's next message leaves at its own
// slot (2 s after the first), not when the canceled one's place goes stale (2 s past its own
// slot at +1 s: the third would leave ~3 s after the first; measured 3,001 ms without the fix).
class CanceledWhileWaiting : public ::testing::TestWithParam<bool> {};  // true: by redaction

TEST_P(CanceledWhileWaiting, DoesNotHoldUpTheNumber) {
  TestGateway gw(Backend::kSqlite,
                 "[[numbers]]\nnumber = \"+12025550160\"\naccount = \"acme\"\nconnector = \"sim\"\n"
                 "throughput = 1\n");
  const std::string key = gw.create_key("acme");
  gw.start();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto r = gw.post_json("/v1/messages", key,
                          {{"to", "+14155550123"}, {"from", "+12025550160"},
                           {"body", "line " + std::to_string(i)}});
    ASSERT_EQ(r.status, 202) << r.body;
    ids.push_back(r.json["id"]);
  }
  // By the time the first has been sent, the dispatcher has (all but surely) claimed the second
  // and given it the next slot, 1 s on; were it canceled before that, the third would take it.
  ASSERT_EQ(gw.wait_for_status(ids[0], key, "delivered", 10s)["status"], "delivered");
  // A 409 means the dispatcher held the message that instant (giving its claim back until its
  // slot): ask again, as a client would.
  HttpResult canceled;
  ASSERT_TRUE(wait_until(
      [&] {
        canceled = GetParam()
                       ? gw.request("DELETE", "/v1/messages/" + ids[1], key)
                       : gw.post_json("/v1/messages/" + ids[1] + "/cancel", key, json::object());
        return canceled.status != 409;
      },
      5s));
  ASSERT_EQ(canceled.status, 200) << canceled.body;
  ASSERT_EQ(canceled.json["status"], "canceled");
  ASSERT_EQ(gw.wait_for_status(ids[2], key, "delivered", 30s)["status"], "delivered");

  std::map<std::string, int64_t> submitted;
  std::ifstream in(gw.sim_journal());
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, false);
    if (j.is_object() && j["op"] == "submit" && j["result"] == "accepted") {
      submitted[j["message_id"]] = j["at"];
    }
  }
  ASSERT_EQ(submitted.size(), 2u);
  ASSERT_TRUE(submitted.count(ids[0]) && submitted.count(ids[2]));
  const int64_t gap = submitted[ids[2]] - submitted[ids[0]];
  EXPECT_GE(gap, 995);  // the rate still holds
  EXPECT_LT(gap, 2'500) << "the canceled message's place held the number up";
}

INSTANTIATE_TEST_SUITE_P(DispatcherThroughput, CanceledWhileWaiting, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Redacted" : "Canceled"; });

// The same burst measured where a real provider would see it: the number is on a Twilio connector
// whose API is a loopback fake, and the limit is checked against the fake's receive times.
TEST(DispatcherThroughput, ABurstOnATwilioConnectorReachesTheProviderAt10PerSecond) {
  std::atomic<int> next_sid{0};  // outlives the fake's handler threads
  FakeProvider fake;
  // Twilio's documented 201 (twilio-python test_message.py, as in provider_twilio_test.cc) with
  // a sid of its own per request, so each message gets its own provider id.
  fake.set_responder([&](const RecordedRequest& req) {
    if (req.method != "POST") return FakeReply{200, "{}"};
    char sid[40];
    std::snprintf(sid, sizeof sid, "SM%032x", next_sid.fetch_add(1) + 1);
    const json to = sb::form_decode(req.body).at(0).second;
    return FakeReply{
        201,
        json{{"account_sid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, {"api_version", "2010-04-01"},
             {"direction", "outbound-api"}, {"error_code", nullptr}, {"from", "+12025550161"},
             {"num_segments", "1"}, {"sid", sid}, {"status", "queued"}, {"to", to}}
            .dump()};
  });
  ASSERT_EQ(setenv("SB_TEST_TWILIO_TOKEN", "your_auth_token", 1), 0);
  TestGateway gw(Backend::kSqlite,
                 "[[connectors]]\nid = \"tw\"\nprovider = \"twilio\"\nbase_url = \"" +
                     fake.base_url() +
                     "\"\ntimeout_ms = 5000\naccount_sid = \"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n"
                     "auth_token = \"${SB_TEST_TWILIO_TOKEN}\"\n"
                     "[[numbers]]\nnumber = \"+12025550161\"\naccount = \"acme\"\n"
                     "connector = \"tw\"\nthroughput = 10\n");
  const std::string key = gw.create_key("acme");
  gw.start();
  constexpr int kMessages = 40;
  std::vector<std::future<std::string>> futures;
  for (int i = 0; i < kMessages; ++i) {
    futures.push_back(std::async(std::launch::async, [&, i] {
      auto r = gw.post_json("/v1/messages", key,
                            {{"to", "+14155550123"}, {"from", "+12025550161"},
                             {"body", "burst " + std::to_string(i)}});
      return r.status == 202 ? r.json["id"].get<std::string>() : std::string();
    }));
  }
  std::set<std::string> ids;
  for (auto& f : futures) ids.insert(f.get());
  ASSERT_EQ(ids.size(), static_cast<size_t>(kMessages));
  ASSERT_FALSE(ids.count(""));

  auto posts = [&] {
    std::vector<RecordedRequest> out;
    for (auto& r : fake.requests()) {
      if (r.method == "POST") out.push_back(std::move(r));
    }
    return out;
  };
  ASSERT_TRUE(wait_until([&] { return posts().size() >= kMessages; }, 30s)) << posts().size();
  // Every message reaches `sent` with the sid the fake gave it.
  std::set<std::string> provider_ids;
  for (const auto& id : ids) {
    json m = gw.wait_for_status(id, key, "sent", 10s);
    ASSERT_EQ(m["status"], "sent") << m.dump();
    provider_ids.insert(m.value("provider_message_id", ""));
    EXPECT_EQ(m["attempts"], 1) << id;  // waiting for a slot is not an attempt
  }
  EXPECT_EQ(provider_ids.size(), static_cast<size_t>(kMessages));
  EXPECT_FALSE(provider_ids.count(""));
  wait_until([] { return false; }, 300ms);  // a duplicate would show up by now

  // Each message was created at the provider exactly once.
  const auto reqs = posts();
  ASSERT_EQ(reqs.size(), static_cast<size_t>(kMessages));
  std::set<std::string> bodies;
  for (const auto& r : reqs) {
    std::string to, body;
    for (const auto& [k, v] : sb::form_decode(r.body)) {
      if (k == "To") to = v;
      if (k == "Body") body = v;
    }
    EXPECT_EQ(to, "+14155550123");
    bodies.insert(body);
  }
  EXPECT_EQ(bodies.size(), static_cast<size_t>(kMessages));

  // The provider's receive times, in ms from the first request.
  std::vector<int64_t> at;
  for (const auto& r : reqs) {
    at.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(r.at - reqs.front().at).count());
  }
  std::sort(at.begin(), at.end());
  // 40 messages at 10/s span ~3.9 s at the provider (allowing for HTTP jitter)...
  EXPECT_GE(at.back() - at.front(), 3'500);
  // ...and no one-second window, the first one included, carries more than 10.
  EXPECT_LE(busiest_second<int64_t>(at, kHttpJitterMs), kMaxPerSecond);
  std::printf("busiest second at the provider %ld, in 1000 - %lld ms %ld\n",
              busiest_second<int64_t>(at, 0), static_cast<long long>(kHttpJitterMs),
              busiest_second<int64_t>(at, kHttpJitterMs));
}

}  // namespace
}  // namespace sb::test
