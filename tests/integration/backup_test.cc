// switchboard backup: an online copy of a running SQLite gateway, taken while messages are being
// accepted, holds every message accepted before it started and opens as a database of its own.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "store/store.h"
#include "support/gateway.h"
#include "support/pg_database.h"

namespace sb::test {
namespace {

// The command with its stderr (where errors go) in the output.
CommandResult run_with_stderr(const std::vector<std::string>& argv) {
  std::string cmd = "exec";
  for (const auto& a : argv) cmd += " '" + a + "'";
  return run_command({"/bin/sh", "-c", cmd + " 2>&1"});
}

TEST(BackupTest, ACopyTakenUnderLoadHasEveryMessageAcceptedBeforeIt) {
  TestGateway gw(Backend::kSqlite);
  const std::string key = gw.create_key("acme");
  gw.start();
  std::vector<std::string> before;
  for (int i = 0; i < 100; ++i) {
    auto r = gw.post_json("/v1/messages", key,
                          {{"to", "+1202555" + std::to_string(1000 + i)}, {"body", "before"}});
    ASSERT_EQ(r.status, 202) << r.body;
    before.push_back(r.json["id"]);
  }
  // Sends go on while the copy is taken.
  std::atomic<bool> stop{false};
  std::atomic<int> during{0};
  std::thread load([&] {
    for (int i = 0; !stop; ++i) {
      auto r = gw.post_json("/v1/messages", key,
                            {{"to", "+1202555" + std::to_string(2000 + i % 1000)}, {"body", "during"}});
      if (r.status == 202) ++during;
    }
  });
  wait_until([&] { return during.load() >= 20; }, std::chrono::seconds(20));
  const std::string copy = gw.dir() + "/backup.db";
  auto r = run_command({switchboard_bin(), "backup", "--to", copy, "--config", gw.config_path()});
  stop = true;
  load.join();
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("integrity ok"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(copy + ".partial"));
  EXPECT_FALSE(std::filesystem::exists(copy + "-wal")) << "the copy stands alone";
  EXPECT_GT(during.load(), 20) << "sends were not held up by the backup";

  SystemClock clock;
  auto st = store::open_store("sqlite://" + copy, clock);
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto version = (*st)->schema_version();
  EXPECT_GT(version, 0);
  for (const auto& id : before) {
    auto m = (*st)->messages().get("acme", id);
    ASSERT_TRUE(m.ok());
    EXPECT_TRUE(m->has_value()) << id << " is missing from the copy";
  }
  // A bad destination is a clear error, and nothing is left behind.
  auto bad = run_with_stderr({switchboard_bin(), "backup", "--to",
                              gw.dir() + "/no/such/dir/x.db", "--config", gw.config_path()});
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_NE(bad.out.find("cannot create"), std::string::npos) << bad.out;
}

TEST(BackupTest, PostgresqlIsPointedToPgDump) {
  if (!pg_admin_url()) {
    if (pg_required()) FAIL() << "PostgreSQL is required (SWITCHBOARD_REQUIRE_PG=1)";
    GTEST_SKIP() << "no PostgreSQL test server";
  }
  TestGateway gw(Backend::kPostgres);
  auto r = run_with_stderr(
      {switchboard_bin(), "backup", "--to", gw.dir() + "/x", "--config", gw.config_path()});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("pg_dump"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace sb::test
