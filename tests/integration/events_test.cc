// The live event stream (GET /v1/events) against the real binary, read by an independent
// WebSocket client (npm `ws`, tests/sdk/events_stream.js): thousands of events through random
// disconnects and resumes with none lost or repeated, another account's events never arriving, a
// slow client cut off while sends go on, and an event written by one instance reaching a client
// of another on PostgreSQL.
#include <gtest/gtest.h>

#include "support/gateway.h"
#include "support/pg_database.h"

namespace sb::test {
namespace {

CommandResult run_stream(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/node",
                                   std::string(SB_SOURCE_DIR) + "/tests/sdk/events_stream.js"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, {{"NODE_PATH", std::string(SB_SOURCE_DIR) + "/tests/sdk/node_modules"}});
}

TEST(EventsTest, ThousandsOfEventsThroughRandomDisconnectsNoneLostOrRepeated) {
  TestGateway gw(Backend::kSqlite);
  const std::string acme = gw.create_key("acme");
  const std::string other = gw.create_key("other");
  gw.start();
  // 2,000 messages: six events each (created, conversation, queued, sending, sent, delivered).
  auto r = run_stream({"resume", gw.base_url(), gw.base_url(), acme, other, "2000"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("events stream: ok"), std::string::npos) << r.out;
  std::cout << r.out;
}

TEST(EventsTest, ASlowClientIsCutOffWhileSendsGoOn) {
  TestGateway gw(Backend::kSqlite, "[events]\nqueue_limit = 20\n");
  const std::string acme = gw.create_key("acme");
  gw.start();
  auto r = run_stream({"slow", gw.base_url(), acme, "400"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("events stream: ok"), std::string::npos) << r.out;
  EXPECT_NE(gw.server_log().find("too slow: resume with after="), std::string::npos);
}

// A batch's progress reaches the stream as batch.progress, from accepted to completed.
TEST(EventsTest, ABatchReportsItsProgressToTheEnd) {
  TestGateway gw(Backend::kSqlite);
  const std::string acme = gw.create_key("acme");
  gw.start();
  auto r = run_stream({"batch", gw.base_url(), acme, "300"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("events stream: ok"), std::string::npos) << r.out;
  std::cout << r.out;
}

TEST(EventsTest, AnEventWrittenByOneInstanceReachesAClientOfAnother) {
  if (!pg_admin_url()) {
    if (pg_required()) FAIL() << "PostgreSQL is required (SWITCHBOARD_REQUIRE_PG=1)";
    GTEST_SKIP() << "no PostgreSQL test server";
  }
  TestGateway a(Backend::kPostgres);
  const std::string acme = a.create_key("acme");
  const std::string other = a.create_key("other");
  a.start();
  TestGateway b(Backend::kPostgres, {}, {}, a.database_url());
  b.start();
  auto r = run_stream({"resume", a.base_url(), b.base_url(), acme, other, "300"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("events stream: ok"), std::string::npos) << r.out;
}

TEST(EventsTest, ThePlainHttpAnswersSayWhatIsWrong) {
  TestGateway gw(Backend::kSqlite);
  const std::string acme = gw.create_key("acme");
  gw.start();
  auto plain = gw.get("/v1/events", acme);
  EXPECT_EQ(plain.status, 426) << plain.body;
  EXPECT_EQ(plain.json["error"]["code"], "upgrade_required");
  EXPECT_EQ(gw.get("/v1/events", "").status, 401);
  auto bad = gw.get("/v1/events?after=yesterday", acme);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json["error"]["field"], "after");
}

}  // namespace
}  // namespace sb::test
