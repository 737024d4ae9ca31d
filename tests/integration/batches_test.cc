// Batches against the real binary (docs/batches.md): a CSV upload becomes one message per valid
// row (invalid rows, opted-out recipients and duplicates counted and reported by row), JSON
// recipients and dry runs, bad uploads refused naming the row or field with nothing stored, an
// upload over the cap refused from its Content-Length, pause, resume and cancel, and a kill -9
// while rows are being materialised leaving every valid row exactly one message.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "core/clock.h"
#include "core/form.h"
#include "support/api_error.h"
#include "support/gateway.h"
#include "support/pg_database.h"

namespace sb::test {
namespace {

using nlohmann::json;

const Headers kCsv{{"Content-Type", "text/csv"}};

class BatchesTest : public testing::Test {
 protected:
  void start(std::string extra_toml = {}) {
    gw_ = std::make_unique<TestGateway>(Backend::kSqlite, std::move(extra_toml));
    acme_ = gw_->create_key("acme");
    other_ = gw_->create_key("other");
    gw_->start();
  }
  void SetUp() override { start(); }

  HttpResult upload_csv(const std::string& csv, const std::string& query) {
    return gw_->request("POST", "/v1/batches?" + query, acme_, csv, kCsv);
  }
  // Waits until the batch's status is `status` (and, when given, `delivered` of its messages
  // are: reports can come after the last message left); returns the batch.
  json wait_batch(const std::string& id, const std::string& status,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30),
                  std::optional<int> delivered = std::nullopt) {
    json last;
    wait_until(
        [&] {
          last = gw_->get("/v1/batches/" + id, acme_).json;
          return last["status"] == status &&
                 (!delivered || last["counts"]["delivered"] == *delivered);
        },
        timeout);
    return last;
  }

  std::unique_ptr<TestGateway> gw_;
  std::string acme_, other_;
};

// The simulated carrier of `gw` (its journal) accepted `messages` messages, each once.
void expect_each_submitted_once(const TestGateway& gw, int messages) {
  std::map<std::string, int> submissions;
  std::ifstream journal(gw.sim_journal());
  for (std::string line; std::getline(journal, line);) {
    const json j = json::parse(line, nullptr, false);
    if (j.is_object() && j["op"] == "submit" && j["result"] == "accepted") {
      ++submissions[j["message_id"]];
    }
  }
  EXPECT_EQ(submissions.size(), static_cast<size_t>(messages));
  int doubled = 0;
  for (const auto& [message, n] : submissions) doubled += n > 1;
  EXPECT_EQ(doubled, 0);
}

TEST_F(BatchesTest, CsvRowsBecomeOneMessageEachWithTheRestCountedByRow) {
  ASSERT_EQ(gw_->post_json("/v1/opt-outs", acme_, {{"number", "+12125550104"}}).status, 201);
  // Rows 2-8 (the header is row 1): three good rows, a bad number, a duplicate of row 2 written
  // another way, an opted-out recipient, and a quoted name with a comma.
  const std::string csv =
      "to,name\n"
      "+12125550101,Ann\n"
      "+12125550102,Bob\n"
      "not a number,Carl\n"
      "(212) 555-0101,Ann again\n"
      "+12125550104,Dee\n"
      "\"+12125550105\",\"Eve, Jr.\"\n"
      "+12125550106,Fay\n";
  auto r = upload_csv(csv, "from=%2B12025550100&body=" + url_encode("Hi {{name}}, see you at 9"));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.json["id"];
  EXPECT_EQ(id.rfind("batch_", 0), 0u);
  EXPECT_EQ(r.json["counts"]["total"], 7);
  EXPECT_EQ(r.json["source"], "csv");
  EXPECT_EQ(r.json["columns"], json({"to", "name"}));

  const json done = wait_batch(id, "completed", std::chrono::seconds(30), 4);
  ASSERT_EQ(done["status"], "completed") << done.dump();
  const json& c = done["counts"];
  EXPECT_EQ(c["total"], 7);
  EXPECT_EQ(c["invalid"], 1);
  EXPECT_EQ(c["duplicates"], 1);
  EXPECT_EQ(c["opted_out"], 1);
  EXPECT_EQ(c["delivered"], 4) << done.dump();
  EXPECT_EQ(c["queued"], 0);
  ASSERT_EQ(done["errors"].size(), 1u) << done.dump();
  EXPECT_EQ(done["errors"][0]["row"], 4);
  EXPECT_EQ(done["errors"][0]["field"], "to");
  EXPECT_EQ(done["errors"][0]["code"], "invalid_phone_number");

  // The messages: each names its batch, carries its row's variables, and went out once.
  auto list = gw_->get("/v1/messages?limit=100", acme_);
  std::map<std::string, std::string> bodies;
  for (const auto& m : list.json["data"]) {
    if (m["batch"] != id) continue;
    bodies[m["to"]] = m["body"];
    EXPECT_EQ(gw_->sim_submissions(m["id"]), 1) << m.dump();
  }
  EXPECT_EQ(bodies, (std::map<std::string, std::string>{
                        {"+12125550101", "Hi Ann, see you at 9"},
                        {"+12125550102", "Hi Bob, see you at 9"},
                        {"+12125550105", "Hi Eve, Jr., see you at 9"},
                        {"+12125550106", "Hi Fay, see you at 9"}}));

  // Listed, and invisible to another account.
  auto batches = gw_->get("/v1/batches", acme_);
  ASSERT_EQ(batches.json["data"].size(), 1u) << batches.body;
  EXPECT_EQ(batches.json["data"][0]["id"], id);
  EXPECT_TRUE(gw_->get("/v1/batches", other_).json["data"].empty());
  EXPECT_EQ(gw_->get("/v1/batches/" + id, other_).status, 404);
  EXPECT_EQ(gw_->request("POST", "/v1/batches/" + id + "/cancel", other_).status, 404);
  // A completed batch has nothing left to cancel.
  expect_error(gw_->request("POST", "/v1/batches/" + id + "/cancel", acme_), 409, "invalid_state",
               "id");
}

// A `contact_id` column instead of `to`: each row goes to the contact's number; an unknown id (or
// another account's contact) is that row's error.
TEST_F(BatchesTest, AContactIdColumnSendsToTheAccountsContacts) {
  auto ann = gw_->post_json("/v1/contacts", acme_, {{"number", "+12125550161"}, {"name", "Ann"}});
  ASSERT_EQ(ann.status, 201) << ann.body;
  auto theirs = gw_->post_json("/v1/contacts", other_, {{"number", "+12125550162"}, {"name", "B"}});
  ASSERT_EQ(theirs.status, 201) << theirs.body;
  const std::string csv = "contact_id,slot\n" + ann.json["id"].get<std::string>() +
                          ",9:00\ncon_nope,9:30\n" + theirs.json["id"].get<std::string>() +
                          ",10:00\n";
  auto r = upload_csv(csv, "body=" + url_encode("See you at {{slot}}"));
  ASSERT_EQ(r.status, 202) << r.body;
  const json done = wait_batch(r.json["id"], "completed", std::chrono::seconds(30), 1);
  EXPECT_EQ(done["counts"]["delivered"], 1) << done.dump();
  EXPECT_EQ(done["counts"]["invalid"], 2);
  ASSERT_EQ(done["errors"].size(), 2u);
  EXPECT_EQ(done["errors"][0]["field"], "contact_id");
  EXPECT_EQ(done["errors"][0]["code"], "not_found");
  EXPECT_EQ(done["errors"][1]["row"], 4);
  auto sent = gw_->get("/v1/messages?to=" + url_encode("+12125550161"), acme_);
  ASSERT_EQ(sent.json["data"].size(), 1u);
  EXPECT_EQ(sent.json["data"][0]["body"], "See you at 9:00");
}

TEST_F(BatchesTest, ErrorsArePagedByRow) {
  std::string csv = "to\n";
  for (int i = 0; i < 5; ++i) csv += "abc" + std::to_string(i) + "\n";  // none is a number
  csv += "+12125550190\n";
  auto r = upload_csv(csv, "body=Hello");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.json["id"];
  wait_batch(id, "completed", std::chrono::seconds(30), 1);
  auto page1 = gw_->get("/v1/batches/" + id + "?errors_limit=2", acme_).json;
  ASSERT_EQ(page1["errors"].size(), 2u) << page1.dump();
  EXPECT_EQ(page1["errors"][0]["row"], 2);
  EXPECT_EQ(page1["errors_next"], 3);
  auto page3 = gw_->get("/v1/batches/" + id + "?errors_limit=2&errors_after=5", acme_).json;
  ASSERT_EQ(page3["errors"].size(), 1u) << page3.dump();
  EXPECT_EQ(page3["errors"][0]["row"], 6);
  EXPECT_TRUE(page3["errors_next"].is_null());
  EXPECT_EQ(page3["counts"]["invalid"], 5);
  EXPECT_EQ(page3["counts"]["delivered"], 1);
}

TEST_F(BatchesTest, BadUploadsAreRefusedNamingTheRowOrFieldAndNothingIsStored) {
  const std::string q = "body=" + url_encode("Hi {{name}}");
  expect_error(upload_csv("phone,name\n+12125550101,Ann\n", q), 422, "missing_column", "to");
  expect_error(upload_csv("to,name\n+12125550101,Ann\n+12125550102\n", q), 400, "invalid_csv",
               "rows[3]");
  expect_error(upload_csv("to,name\n+12125550101,\"Ann\n", q), 400, "invalid_csv", "rows[2]");
  expect_error(upload_csv(std::string("to,name\n+12125550101,An\xff\n"), q), 400, "invalid_utf8",
               "rows[2].name");
  auto unknown = upload_csv("to,first\n+12125550101,Ann\n", q);
  expect_error(unknown, 422, "unknown_variable", "variables.name");
  EXPECT_NE(unknown.json["error"]["message"].get<std::string>().find("every row"),
            std::string::npos);
  expect_error(upload_csv("to,name\n", q), 422, "empty_batch", "rows");
  expect_error(upload_csv("", q), 422, "empty_batch", "body");
  expect_error(upload_csv("to\n+12125550101\n", "body=" + url_encode("Hi {{name")), 422,
               "invalid_template", "body");
  expect_error(upload_csv("to\n+12125550101\n", "body=Hi&from=%2B12025550199"), 422,
               "from_not_owned", "from");
  expect_error(upload_csv("to\n+12125550101\n", "body=Hi&pool=nope"), 422, "unknown_pool",
               "pool");
  expect_error(upload_csv("to\n+12125550101\n", "body=Hi&colour=red"), 400, "unknown_field",
               "colour");
  expect_error(upload_csv("to\n+12125550101\n", "body=Hi&dry_run=maybe"), 400,
               "invalid_parameter", "dry_run");
  // JSON: a recipient without a variable the body uses is named.
  auto json_unknown = gw_->post_json(
      "/v1/batches", acme_,
      {{"body", "Hi {{name}}"},
       {"recipients",
        {{{"to", "+12125550101"}, {"variables", {{"name", "Ann"}}}}, {{"to", "+12125550102"}}}}});
  expect_error(json_unknown, 422, "unknown_variable", "recipients[1].variables.name");
  expect_error(gw_->post_json("/v1/batches", acme_, {{"body", "Hi"}}), 400, "missing_field",
               "recipients");
  expect_error(gw_->post_json("/v1/batches", acme_,
                              {{"body", "Hi"}, {"recipients", {{{"to", 5}}}}}),
               400, "missing_field", "recipients[0].to");
  EXPECT_TRUE(gw_->get("/v1/batches", acme_).json["data"].empty());
}

// Sends only a request head announcing `length` body bytes and returns the response's status
// line: an upload over the cap is refused before any of it is sent.
std::string head_only_upload(const std::string& base_url, const std::string& key,
                             uint64_t length) {
  const auto colon = base_url.rfind(':');
  const int port = std::stoi(base_url.substr(colon + 1));
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "connect failed";
  }
  const std::string head = "POST /v1/batches?body=Hi HTTP/1.1\r\nHost: localhost\r\n"
                           "Authorization: Bearer " + key +
                           "\r\nContent-Type: text/csv\r\nContent-Length: " +
                           std::to_string(length) + "\r\n\r\nto\n";
  (void)::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string got;
  char buf[4096];
  while (got.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return got.substr(0, got.find("\r\n"));
}

TEST_F(BatchesTest, AnUploadOverTheCapIsRefusedFromItsLengthAndNothingIsStored) {
  start("[batches]\nmax_upload_bytes = 4096\n");
  // 2 GB announced: refused at once, before any body byte is read.
  EXPECT_EQ(head_only_upload(gw_->base_url(), acme_, uint64_t{2} << 30),
            "HTTP/1.1 413 Payload Too Large");
  // A body over the cap sent whole: refused too.
  std::string csv = "to,name\n";
  while (csv.size() < 8192) csv += "+12125550101,Ann\n";
  auto r = gw_->request("POST", "/v1/batches?body=Hi", acme_, csv, kCsv);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(r.json["error"]["code"], "payload_too_large") << r.body;
  EXPECT_NE(r.json["error"]["message"].get<std::string>().find("4096"), std::string::npos);
  // Under the cap it goes; other routes keep the server's body limit.
  EXPECT_EQ(upload_csv("to\n+12125550101\n", "body=Hi").status, 202);
  EXPECT_EQ(gw_->get("/v1/batches", acme_).json["data"].size(), 1u);
  // The spool directory keeps nothing once requests are done.
  EXPECT_EQ(gw_->server_log().find("cannot create an upload file"), std::string::npos);
}

// An upload that cannot be spooled (here: no such directory; a full disk alike) is the gateway's
// failure, 503 to retry, not the client's; nothing is stored.
TEST_F(BatchesTest, AnUploadThatCannotBeSpooledIsRetryableAndStoresNothing) {
  start("[batches]\nspool_dir = \"/nonexistent/switchboard-spool\"\n");
  auto r = upload_csv("to\n+12125550101\n", "body=Hi");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.json["error"]["code"], "storage_unavailable") << r.body;
  EXPECT_TRUE(gw_->get("/v1/batches", acme_).json["data"].empty());
  EXPECT_NE(gw_->server_log().find("cannot create an upload file"), std::string::npos);
}

TEST_F(BatchesTest, JsonRecipientsAndADryRunThatSendsNothing) {
  const json recipients = {
      {{"to", "+12125550101"}, {"variables", {{"name", "Ann"}}}},
      {{"to", "+12125550102"}, {"variables", {{"name", "Zoë 🎉"}}}},
      {{"to", "nope"}, {"variables", {{"name", "Nobody"}}}},
      {{"to", "+1 212 555 0101"}, {"variables", {{"name", "Ann"}}}},
  };
  auto dry = gw_->post_json("/v1/batches", acme_,
                            {{"body", "Hello {{name}}"}, {"recipients", recipients},
                             {"dry_run", true}});
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(dry.json["dry_run"], true);
  EXPECT_EQ(dry.json["counts"]["total"], 4);
  EXPECT_EQ(dry.json["counts"]["messages"], 2);
  EXPECT_EQ(dry.json["counts"]["invalid"], 1);
  EXPECT_EQ(dry.json["counts"]["duplicates"], 1);
  EXPECT_EQ(dry.json["segments"]["by_encoding"], json({{"GSM-7", 1}, {"UCS-2", 1}}));
  EXPECT_EQ(dry.json["segments"]["total"], 2);
  ASSERT_EQ(dry.json["errors"].size(), 1u);
  EXPECT_EQ(dry.json["errors"][0]["row"], 2);
  ASSERT_EQ(dry.json["preview"].size(), 2u);
  EXPECT_EQ(dry.json["preview"][1]["body"], "Hello Zoë 🎉");
  EXPECT_EQ(dry.json["preview"][1]["encoding"], "UCS-2");
  EXPECT_TRUE(gw_->get("/v1/batches", acme_).json["data"].empty());
  EXPECT_TRUE(gw_->get("/v1/messages", acme_).json["data"].empty());
  // The same as CSV, dry.
  auto csv_dry = upload_csv("to,name\n+12125550101,Ann\n+12125550102,Bo\n",
                            "dry_run=true&body=" + url_encode("Hello {{name}}"));
  ASSERT_EQ(csv_dry.status, 200) << csv_dry.body;
  EXPECT_EQ(csv_dry.json["counts"]["messages"], 2);

  // Sent for real, without removing duplicates.
  auto made = gw_->post_json("/v1/batches", acme_,
                             {{"body", "Hello {{name}}"}, {"recipients", recipients},
                              {"deduplicate", false}});
  ASSERT_EQ(made.status, 202) << made.body;
  EXPECT_EQ(made.json["source"], "json");
  const json done = wait_batch(made.json["id"], "completed", std::chrono::seconds(30), 3);
  EXPECT_EQ(done["counts"]["delivered"], 3) << done.dump();
  EXPECT_EQ(done["counts"]["duplicates"], 0);
  EXPECT_EQ(done["errors"][0]["field"], "to");
}

TEST_F(BatchesTest, PauseHoldsResumeReleasesAndCancelStopsWhatHasNotLeft) {
  // Scheduled an hour ahead: nothing leaves while the test looks.
  const std::string at = format_rfc3339(SystemClock::instance().now_ms() + 3'600'000);
  std::string csv = "to\n";
  for (int i = 0; i < 30; ++i) csv += "+1212555" + std::to_string(1000 + i) + "\n";
  auto r = upload_csv(csv, "body=Reminder&send_at=" + url_encode(at));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.json["id"];
  json b = wait_batch(id, "sending");
  EXPECT_EQ(b["counts"]["queued"], 30) << b.dump();
  EXPECT_EQ(b["send_at"], at);

  auto paused = gw_->request("POST", "/v1/batches/" + id + "/pause", acme_);
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_EQ(paused.json["status"], "paused");
  // Pausing again changes nothing.
  EXPECT_EQ(gw_->request("POST", "/v1/batches/" + id + "/pause", acme_).json["status"], "paused");
  auto resumed = gw_->request("POST", "/v1/batches/" + id + "/resume", acme_);
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(resumed.json["status"], "sending");
  // Still scheduled for its time.
  auto list = gw_->get("/v1/messages?limit=1", acme_);
  ASSERT_EQ(list.json["data"].size(), 1u);
  EXPECT_EQ(list.json["data"][0]["status"], "scheduled");

  auto canceled = gw_->request("POST", "/v1/batches/" + id + "/cancel", acme_);
  ASSERT_EQ(canceled.status, 200) << canceled.body;
  EXPECT_EQ(canceled.json["status"], "canceling");
  b = wait_batch(id, "canceled");
  EXPECT_EQ(b["counts"]["canceled"], 30) << b.dump();
  EXPECT_FALSE(b["finished_at"].is_null());
  EXPECT_EQ(gw_->request("POST", "/v1/batches/" + id + "/cancel", acme_).status, 200);
  expect_error(gw_->request("POST", "/v1/batches/" + id + "/resume", acme_), 409,
               "invalid_state", "id");
  EXPECT_EQ(gw_->request("POST", "/v1/batches/batch_nope/pause", acme_).status, 404);
}

TEST_F(BatchesTest, KillsDuringMaterialisationAndSendingLeaveEveryValidRowOneMessageSentOnce) {
  // A short lease, so the restarted instance takes the batch over soon.
  start("[batches]\nlease_ms = 2000\n");
  // 10,000 rows: every 100th a bad number, every 100th (another) a duplicate of the row before.
  std::string csv = "to,n\n";
  int valid = 0;
  for (int i = 0; i < 10'000; ++i) {
    if (i % 100 == 99) {
      csv += "bad,\n";
    } else if (i % 100 == 49) {
      csv += "+1646" + std::to_string(2000000 + i - 1) + "," + std::to_string(i) + "\n";
    } else {
      csv += "+1646" + std::to_string(2000000 + i) + "," + std::to_string(i) + "\n";
      ++valid;
    }
  }
  auto r = upload_csv(csv, "body=" + url_encode("Row {{n}}"));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.json["id"];
  const auto batch = [&] { return gw_->get("/v1/batches/" + id + "?errors_limit=0", acme_).json; };
  // Killed once some rows are messages (or at once, if it is that fast)...
  wait_until([&] { return batch()["rows_processed"] > 0; }, std::chrono::seconds(30));
  const json first = batch();
  gw_->kill9();
  gw_->start();
  // ...and again once messages are leaving.
  wait_until([&] { return batch()["counts"]["delivered"] > 100; }, std::chrono::seconds(60));
  const json second = batch();
  gw_->kill9();
  gw_->start();
  std::printf("killed at %s rows materialised, then at %s delivered\n",
              first["rows_processed"].dump().c_str(), second["counts"]["delivered"].dump().c_str());

  const json done = wait_batch(id, "completed", std::chrono::seconds(120));
  ASSERT_EQ(done["status"], "completed") << done.dump();
  const json& c = done["counts"];
  EXPECT_EQ(c["total"], 10'000);
  EXPECT_EQ(c["invalid"], 100);
  EXPECT_EQ(c["duplicates"], 100);
  // Every message left; a delivery report the simulated carrier still owed when it was killed
  // may not have come (the message stays sent).
  EXPECT_EQ(c["sent"].get<int>() + c["delivered"].get<int>(), valid) << done.dump();
  EXPECT_EQ(done["rows_processed"], 10'000);
  // The carrier got each message once.
  expect_each_submitted_once(*gw_, valid);
}

// Two instances on one PostgreSQL: the one materialising a batch is killed, the other takes it
// over once its lease runs out; every row is one message. (Scheduled ahead: what is tested is
// materialisation. Sending once across instances is the dispatcher's, tests/faults/; here each
// instance would have its own simulated carrier, which the other cannot ask what it accepted.)
TEST(BatchesOnPostgres, AnotherInstanceFinishesTheBatchOfOneKilledMidway) {
  if (!pg_admin_url()) {
    if (pg_required()) FAIL() << "PostgreSQL is required (SWITCHBOARD_REQUIRE_PG=1)";
    GTEST_SKIP() << "no PostgreSQL test server";
  }
  TestGateway a(Backend::kPostgres, "[batches]\nlease_ms = 2000\n");
  const std::string key = a.create_key("acme");
  a.start();
  TestGateway b(Backend::kPostgres, "[batches]\nlease_ms = 2000\n", {}, a.database_url());
  b.start();
  std::string csv = "to\n";
  for (int i = 0; i < 5'000; ++i) csv += "+1646" + std::to_string(3000000 + i) + "\n";
  const std::string at = format_rfc3339(SystemClock::instance().now_ms() + 3'600'000);
  auto r = a.request("POST", "/v1/batches?body=Hello&send_at=" + url_encode(at), key, csv, kCsv);
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.json["id"];
  wait_until([&] { return b.get("/v1/batches/" + id, key).json["rows_processed"] > 0; },
             std::chrono::seconds(30));
  a.kill9();
  json done;
  wait_until(
      [&] {
        done = b.get("/v1/batches/" + id, key).json;
        return done["status"] == "sending";
      },
      std::chrono::seconds(60));
  ASSERT_EQ(done["status"], "sending") << done.dump();
  EXPECT_EQ(done["rows_processed"], 5'000);
  EXPECT_EQ(done["counts"]["queued"], 5'000) << done.dump();
}

}  // namespace
}  // namespace sb::test
