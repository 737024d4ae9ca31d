// Per-sender throughput limits hold under a burst, measured where the carrier received them.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <set>

#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

TEST(DispatcherThroughput, ABurstForA10PerSecondSenderLeavesAt10PerSecond) {
  TestGateway gw(Backend::kSqlite,
                 "[[numbers]]\nnumber = \"+12025550160\"\naccount = \"acme\"\nconnector = \"sim\"\n"
                 "throughput = 10\n");
  const std::string key = gw.create_key("acme");
  gw.start();
  constexpr int kMessages = 40;
  std::vector<std::future<std::string>> futures;
  for (int i = 0; i < kMessages; ++i) {
    futures.push_back(std::async(std::launch::async, [&, i] {
      auto r = gw.post_json("/v1/messages", key,
                            {{"to", "+14155550123"}, {"from", "+12025550160"},
                             {"body", "burst " + std::to_string(i)}});
      return r.status == 202 ? r.json["id"].get<std::string>() : std::string();
    }));
  }
  std::set<std::string> ids;
  for (auto& f : futures) ids.insert(f.get());
  ASSERT_EQ(ids.size(), static_cast<size_t>(kMessages));
  ASSERT_FALSE(ids.count(""));
  for (const auto& id : ids) {
    ASSERT_EQ(gw.wait_for_status(id, key, "delivered", 30s)["status"], "delivered") << id;
  }

  std::vector<int64_t> at;
  std::ifstream in(gw.sim_journal());
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, false);
    if (j.is_object() && j["op"] == "submit" && j["result"] == "accepted" &&
        ids.count(j["message_id"])) {
      at.push_back(j["at"]);
    }
  }
  ASSERT_EQ(at.size(), static_cast<size_t>(kMessages));
  std::sort(at.begin(), at.end());
  // 40 messages at 10/s take at least 3.9 s from the first to the last...
  EXPECT_GE(at.back() - at.front(), 3'800);
  // ...and no one-second window, the first one included, carries more than 10 (+1 for a send
  // that waited behind a claim batch).
  for (size_t i = 0; i < at.size(); ++i) {
    const auto end = std::lower_bound(at.begin(), at.end(), at[i] + 1000);
    EXPECT_LE(end - (at.begin() + static_cast<long>(i)), 11) << "window starting at send " << i;
  }
  // Waiting for a slot is not an attempt.
  auto m = gw.get("/v1/messages/" + *ids.rbegin(), key);
  EXPECT_EQ(m.json["attempts"], 1);
}

}  // namespace
}  // namespace sb::test
