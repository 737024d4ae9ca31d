// Contacts and conversation actions through the real binary: the contacts API (create, list and
// search with a cursor, read, rename, delete) with its validation errors and tenant isolation,
// sending to a contact_id, replying in a conversation, marking one read, and conversation
// counts that stay exact under concurrent inbound webhooks and outbound replies.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <vector>

#include "providers/transport/http_util.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kAccountSid[] = "ACcccccccccccccccccccccccccccccccc";
constexpr char kOurs[] = "+12025550100";   // acme, sim
constexpr char kPhone[] = "+14155550123";  // a customer

// Inbound arrives on a Twilio-shaped connector with verification off; replies leave through the
// sim connector the numbers are configured on.
std::string contacts_toml() {
  return std::string("[[connectors]]\nid = \"inb\"\nprovider = \"twilio\"\n") +
         "base_url = \"http://127.0.0.1:9\"\naccount_sid = \"" + kAccountSid +
         "\"\nauth_token = \"unused\"\nverify_webhooks = false\n";
}

class ContactsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && !pg_admin_url()) {
      if (pg_required()) FAIL() << "SWITCHBOARD_TEST_PG_URL is required";
      GTEST_SKIP() << "no PostgreSQL (set SWITCHBOARD_TEST_PG_URL)";
    }
    gw_ = std::make_unique<TestGateway>(GetParam(), contacts_toml());
    acme_ = gw_->create_key("acme");
    other_ = gw_->create_key("other");
    gw_->start();
  }

  HttpResult inbound(const std::string& from, const std::string& body,
                     const std::string& to = kOurs) {
    static std::atomic<int> n{0};
    char sid[40];
    std::snprintf(sid, sizeof sid, "SM%032d", ++n + static_cast<int>(::getpid() % 100000) * 1000);
    const std::string form =
        "MessageSid=" + std::string(sid) + "&AccountSid=" + kAccountSid +
        "&From=" + sb::url_encode(from) + "&To=" + sb::url_encode(to) +
        "&Body=" + sb::url_encode(body) + "&NumMedia=0&SmsStatus=received";
    return gw_->request("POST", "/webhooks/inb", "", form,
                        {{"Content-Type", "application/x-www-form-urlencoded"}});
  }

  HttpResult patch(const std::string& path, const std::string& key, const json& body) {
    return gw_->request("PATCH", path, key, body.dump(), {{"Content-Type", "application/json"}});
  }

  // The only conversation of acme (created by an inbound message from kPhone).
  json only_conversation() {
    auto r = gw_->get("/v1/conversations", acme_);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["data"].size(), 1u) << r.body;
    return r.json["data"].empty() ? json::object() : r.json["data"][0];
  }

  static void expect_error(const HttpResult& r, int status, const std::string& code,
                           const json& field, const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.body;
    EXPECT_EQ(r.json["error"]["code"], code) << what << ": " << r.body;
    EXPECT_EQ(r.json["error"]["field"], field) << what << ": " << r.body;
  }

  std::unique_ptr<TestGateway> gw_;
  std::string acme_, other_;
};

TEST_P(ContactsTest, CreateReadUpdateDeleteWithValidationAndTenantIsolation) {
  auto created = gw_->post_json(
      "/v1/contacts", acme_,
      {{"number", "(415) 555-0123"}, {"name", "Ada Lovelace"}, {"metadata", {{"crm", "42"}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json["id"];
  EXPECT_EQ(id.rfind("ct_", 0), 0u);
  EXPECT_EQ(created.json["number"], kPhone) << "normalized with the default region";
  EXPECT_EQ(created.json["name"], "Ada Lovelace");
  EXPECT_EQ(created.json["metadata"]["crm"], "42");
  EXPECT_TRUE(created.json["created_at"].is_string());
  EXPECT_EQ(created.json["created_at"], created.json["updated_at"]);

  // The number is unique per account, whatever its spelling.
  auto dup = gw_->post_json("/v1/contacts", acme_, {{"number", "+1 415 555 0123"}, {"name", "x"}});
  expect_error(dup, 409, "contact_exists", "number", "duplicate number");
  EXPECT_NE(dup.json["error"]["message"].get<std::string>().find(id), std::string::npos);
  auto theirs = gw_->post_json("/v1/contacts", other_, {{"number", kPhone}, {"name", "B"}});
  ASSERT_EQ(theirs.status, 201) << theirs.body;
  EXPECT_NE(theirs.json["id"], id);

  // Validation.
  expect_error(gw_->post_json("/v1/contacts", acme_, {{"name", "n"}}), 400, "missing_field",
               "number", "no number");
  expect_error(gw_->post_json("/v1/contacts", acme_, {{"number", "12"}}), 422,
               "invalid_phone_number", "number", "bad number");
  expect_error(gw_->post_json("/v1/contacts", acme_, {{"number", 14155550124}}), 400,
               "invalid_type", "number", "number not a string");
  expect_error(gw_->post_json("/v1/contacts", acme_, {{"number", "+14155550124"}, {"name", 7}}),
               400, "invalid_type", "name", "name not a string");
  expect_error(gw_->post_json("/v1/contacts", acme_, {{"number", "+14155550124"}, {"name", ""}}),
               422, "invalid_name", "name", "empty name");
  expect_error(
      gw_->post_json("/v1/contacts", acme_, {{"number", "+14155550124"}, {"metadata", {{"k", 1}}}}),
      400, "invalid_type", "metadata.k", "metadata value not a string");
  expect_error(gw_->post_json("/v1/contacts", acme_,
                              {{"number", "+14155550124"}, {"metadata", {{"", "v"}}}}),
               422, "invalid_metadata", "metadata.", "empty metadata key");
  expect_error(gw_->post_json("/v1/contacts", acme_, {{"number", "+14155550124"}, {"nick", "x"}}),
               400, "unknown_field", "nick", "unknown field");
  expect_error(
      gw_->request("POST", "/v1/contacts", acme_, "{", {{"Content-Type", "application/json"}}), 400,
      "invalid_json", nullptr, "unreadable body");
  EXPECT_EQ(gw_->post_json("/v1/contacts", "", {{"number", "+14155550124"}}).status, 401);

  // Read: 404 for another account's id and for ids that are not contact ids.
  auto got = gw_->get("/v1/contacts/" + id, acme_);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json, created.json);
  expect_error(gw_->get("/v1/contacts/" + id, other_), 404, "not_found", "id", "other's read");
  expect_error(gw_->get("/v1/contacts/nope", acme_), 404, "not_found", "id", "malformed id");

  // Update: name and metadata; the number (and id) are immutable.
  auto renamed = patch("/v1/contacts/" + id, acme_, {{"name", "Ada King"}});
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(renamed.json["name"], "Ada King");
  EXPECT_EQ(renamed.json["metadata"]["crm"], "42") << "metadata untouched when absent";
  EXPECT_EQ(renamed.json["number"], kPhone);
  auto retagged = patch("/v1/contacts/" + id, acme_, {{"metadata", {{"vip", "yes"}}}});
  ASSERT_EQ(retagged.status, 200) << retagged.body;
  EXPECT_EQ(retagged.json["metadata"], (json{{"vip", "yes"}})) << "metadata is replaced";
  EXPECT_EQ(retagged.json["name"], "Ada King");
  expect_error(patch("/v1/contacts/" + id, acme_, {{"number", "+14155550199"}}), 422,
               "immutable_field", "number", "number change");
  expect_error(patch("/v1/contacts/" + id, acme_, {{"id", "ct_x"}}), 422, "immutable_field", "id",
               "id change");
  json many = json::object();
  for (int i = 0; i < 51; ++i) many[std::string("k").append(std::to_string(i))] = "v";
  expect_error(patch("/v1/contacts/" + id, acme_, {{"metadata", many}}), 422, "invalid_metadata",
               "metadata", "too many metadata keys");
  expect_error(patch("/v1/contacts/" + id, acme_, {{"name", std::string(257, 'a')}}), 422,
               "invalid_name", "name", "long name");
  expect_error(patch("/v1/contacts/" + id, other_, {{"name", "Mallory"}}), 404, "not_found", "id",
               "other's update");
  EXPECT_EQ(gw_->get("/v1/contacts/" + id, acme_).json["name"], "Ada King");

  // Delete.
  expect_error(gw_->request("DELETE", "/v1/contacts/" + id, other_), 404, "not_found", "id",
               "other's delete");
  auto deleted = gw_->request("DELETE", "/v1/contacts/" + id, acme_);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.json["id"], id);
  EXPECT_EQ(deleted.json["deleted"], true);
  expect_error(gw_->get("/v1/contacts/" + id, acme_), 404, "not_found", "id", "read deleted");
  expect_error(gw_->request("DELETE", "/v1/contacts/" + id, acme_), 404, "not_found", "id",
               "delete twice");
  EXPECT_EQ(gw_->get("/v1/contacts/" + theirs.json["id"].get<std::string>(), other_).status, 200)
      << "the other account's contact for the number is untouched";
}

TEST_P(ContactsTest, ListSearchesByNamePrefixOrNumberPrefixWithACursor) {
  const std::vector<std::pair<std::string, std::string>> people = {{"+14155550111", "bob"},
                                                                   {"+14155550112", "Alice"},
                                                                   {"+14155550113", "ALBERT"},
                                                                   {"+12125550114", "carol"},
                                                                   {"+447911123456", "alfred"}};
  for (const auto& [number, name] : people) {
    ASSERT_EQ(gw_->post_json("/v1/contacts", acme_, {{"number", number}, {"name", name}}).status,
              201);
  }
  ASSERT_EQ(
      gw_->post_json("/v1/contacts", other_, {{"number", "+14155550119"}, {"name", "Alan"}}).status,
      201);

  // Every page, following next_cursor: alphabetical, case-insensitive.
  std::vector<std::string> names;
  std::string path = "/v1/contacts?limit=2";
  for (int pages = 0; pages < 10; ++pages) {
    auto r = gw_->get(path, acme_);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_LE(r.json["data"].size(), 2u);
    for (const auto& c : r.json["data"]) names.push_back(c["name"]);
    if (r.json["next_cursor"].is_null()) break;
    path = "/v1/contacts?limit=2&cursor=" +
           sb::url_encode(r.json["next_cursor"].get<std::string>());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"ALBERT", "alfred", "Alice", "bob", "carol"}));

  const auto search = [&](const std::string& q) {
    auto r = gw_->get("/v1/contacts?q=" + sb::url_encode(q), acme_);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    for (const auto& c : r.json["data"]) out.push_back(c["name"]);
    return out;
  };
  EXPECT_EQ(search("al"), (std::vector<std::string>{"ALBERT", "alfred", "Alice"}));
  EXPECT_EQ(search("ALI"), (std::vector<std::string>{"Alice"}));
  EXPECT_EQ(search("lic"), std::vector<std::string>{});
  EXPECT_EQ(search("+1415"), (std::vector<std::string>{"ALBERT", "Alice", "bob"}));
  EXPECT_EQ(search("1212"), (std::vector<std::string>{"carol"})) << "the + is optional";
  EXPECT_EQ(search("+44 7911"), (std::vector<std::string>{"alfred"}));
  EXPECT_EQ(search("Alan"), std::vector<std::string>{}) << "the other account's";

  expect_error(gw_->get("/v1/contacts?limit=0", acme_), 400, "invalid_parameter", "limit",
               "limit 0");
  expect_error(gw_->get("/v1/contacts?cursor=garbage", acme_), 400, "invalid_parameter", "cursor",
               "bad cursor");
  auto theirs = gw_->get("/v1/contacts", other_);
  ASSERT_EQ(theirs.json["data"].size(), 1u);
  EXPECT_EQ(theirs.json["data"][0]["name"], "Alan");
}

TEST_P(ContactsTest, SendToAContactId) {
  auto c = gw_->post_json("/v1/contacts", acme_, {{"number", kPhone}, {"name", "Ada"}});
  ASSERT_EQ(c.status, 201) << c.body;
  const std::string id = c.json["id"];
  auto sent = gw_->post_json("/v1/messages", acme_, {{"contact_id", id}, {"body", "hello Ada"}});
  ASSERT_EQ(sent.status, 202) << sent.body;
  EXPECT_EQ(sent.json["to"], kPhone);
  EXPECT_EQ(sent.json["from"], kOurs);
  auto conv = only_conversation();
  EXPECT_EQ(sent.json["conversation_id"], conv["id"]);
  EXPECT_EQ(conv["contact"]["id"], id);
  EXPECT_EQ(conv["contact"]["name"], "Ada");

  expect_error(
      gw_->post_json("/v1/messages", acme_, {{"contact_id", id}, {"to", kPhone}, {"body", "x"}}),
      422, "invalid_contact", "contact_id", "both to and contact_id");
  expect_error(gw_->post_json("/v1/messages", acme_, {{"contact_id", "ct_123"}, {"body", "x"}}),
               422, "invalid_contact", "contact_id", "malformed contact_id");
  expect_error(gw_->post_json("/v1/messages", acme_, {{"contact_id", 5}, {"body", "x"}}), 400,
               "invalid_type", "contact_id", "contact_id not a string");
  expect_error(gw_->post_json("/v1/messages", other_, {{"contact_id", id}, {"body", "x"}}), 404,
               "not_found", "contact_id", "another account's contact");
  expect_error(gw_->post_json("/v1/messages", acme_, {{"body", "x"}}), 400, "missing_field", "to",
               "neither to nor contact_id");
}

TEST_P(ContactsTest, ReplyThreadsIntoTheConversationAndReadClearsUnread) {
  ASSERT_EQ(inbound(kPhone, "is my order ready?").status, 200);
  ASSERT_EQ(inbound(kPhone, "hello?").status, 200);
  json conv;
  ASSERT_TRUE(wait_until(
      [&] {
        conv = only_conversation();
        return conv.value("inbound_count", 0) == 2;
      },
      10s))
      << conv;
  const std::string id = conv["id"];
  EXPECT_EQ(conv["unread_count"], 2);
  EXPECT_EQ(conv["contact"]["name"], "Unknown");

  auto reply = gw_->post_json("/v1/conversations/" + id + "/messages", acme_,
                              {{"body", "Yes, it is!"}, {"metadata", {{"agent", "7"}}}});
  ASSERT_EQ(reply.status, 202) << reply.body;
  EXPECT_EQ(reply.json["conversation_id"], id);
  EXPECT_EQ(reply.json["from"], kOurs);
  EXPECT_EQ(reply.json["to"], kPhone);
  EXPECT_EQ(reply.json["direction"], "outbound");
  EXPECT_EQ(reply.json["metadata"]["agent"], "7");
  EXPECT_EQ(gw_->wait_for_status(reply.json["id"], acme_, "delivered")["status"], "delivered");
  auto thread = gw_->get("/v1/conversations/" + id + "/messages", acme_);
  ASSERT_EQ(thread.json["data"].size(), 3u) << thread.body;
  EXPECT_EQ(thread.json["data"][2]["id"], reply.json["id"]);

  conv = gw_->get("/v1/conversations/" + id, acme_).json;
  EXPECT_EQ(conv["outbound_count"], 1);
  EXPECT_EQ(conv["unread_count"], 2) << "a reply does not mark the thread read";
  EXPECT_EQ(conv["last_message_id"], reply.json["id"]);

  // Reply validation and isolation.
  expect_error(gw_->post_json("/v1/conversations/" + id + "/messages", acme_,
                              {{"body", "x"}, {"to", "+14155550199"}}),
               400, "unknown_field", "to", "reply with to");
  expect_error(gw_->post_json("/v1/conversations/" + id + "/messages", acme_, json::object()), 422,
               "missing_content", "body", "empty reply");
  expect_error(gw_->post_json("/v1/conversations/" + id + "/messages", acme_,
                              {{"body", "x"}, {"status_callback", "not a url"}}),
               422, "invalid_url", "status_callback", "bad callback");
  expect_error(gw_->post_json("/v1/conversations/" + id + "/messages", other_, {{"body", "x"}}),
               404, "not_found", "id", "other's reply");
  expect_error(gw_->post_json("/v1/conversations/conv_nope/messages", acme_, {{"body", "x"}}), 404,
               "not_found", "id", "unknown conversation");

  // Read.
  expect_error(gw_->request("POST", "/v1/conversations/" + id + "/read", other_), 404, "not_found",
               "id", "other's read");
  auto read = gw_->request("POST", "/v1/conversations/" + id + "/read", acme_);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json["id"], id);
  EXPECT_EQ(read.json["unread_count"], 0);
  EXPECT_EQ(read.json["inbound_count"], 2);
  EXPECT_EQ(gw_->get("/v1/conversations?unread=true", acme_).json["data"].size(), 0u);

  // Naming the contact shows in the thread; deleting it removes the thread, and the number
  // texting again comes back as "Unknown" in a new thread with the same ids.
  const std::string contact = conv["contact"]["id"];
  ASSERT_EQ(patch("/v1/contacts/" + contact, acme_, {{"name", "Ada"}}).status, 200);
  EXPECT_EQ(gw_->get("/v1/conversations/" + id, acme_).json["contact"]["name"], "Ada");
  ASSERT_EQ(gw_->request("DELETE", "/v1/contacts/" + contact, acme_).status, 200);
  EXPECT_EQ(gw_->get("/v1/conversations/" + id, acme_).status, 404);
  EXPECT_EQ(gw_->get("/v1/messages/" + reply.json["id"].get<std::string>(), acme_).status, 200)
      << "messages stay";
  ASSERT_EQ(inbound(kPhone, "me again").status, 200);
  json back;
  ASSERT_TRUE(wait_until(
      [&] {
        back = gw_->get("/v1/conversations/" + id, acme_).json;
        return back.value("inbound_count", 0) == 1;
      },
      10s))
      << back;
  EXPECT_EQ(back["contact"]["id"], contact);
  EXPECT_EQ(back["contact"]["name"], "Unknown");
  EXPECT_EQ(back["unread_count"], 1);
}

TEST_P(ContactsTest, ConversationCountsStayExactUnderConcurrentInboundAndReplies) {
  ASSERT_EQ(inbound(kPhone, "first").status, 200);
  json conv;
  ASSERT_TRUE(wait_until(
      [&] {
        conv = only_conversation();
        return conv.value("inbound_count", 0) == 1;
      },
      10s))
      << conv;
  const std::string id = conv["id"];

  constexpr int kEach = 24;
  std::vector<std::future<int>> futures;
  for (int i = 0; i < 2 * kEach; ++i) {
    futures.push_back(std::async(std::launch::async, [&, i] {
      if (i % 2 == 0) return inbound(kPhone, "in " + std::to_string(i)).status;
      return gw_
          ->post_json("/v1/conversations/" + id + "/messages", acme_,
                      {{"body", "out " + std::to_string(i)}})
          .status;
    }));
  }
  int inbound_ok = 0, replies_ok = 0;
  for (int i = 0; i < 2 * kEach; ++i) {
    const int status = futures[static_cast<size_t>(i)].get();
    if (i % 2 == 0) {
      EXPECT_EQ(status, 200);
      inbound_ok += status == 200;
    } else {
      EXPECT_EQ(status, 202);
      replies_ok += status == 202;
    }
  }
  ASSERT_EQ(inbound_ok, kEach);
  ASSERT_EQ(replies_ok, kEach);
  ASSERT_TRUE(wait_until(
      [&] {
        conv = gw_->get("/v1/conversations/" + id, acme_).json;
        return conv.value("inbound_count", 0) >= 1 + kEach;
      },
      10s))
      << conv;
  EXPECT_EQ(conv["inbound_count"], 1 + kEach);
  EXPECT_EQ(conv["outbound_count"], kEach);
  EXPECT_EQ(conv["unread_count"], 1 + kEach);
  EXPECT_EQ(conv["message_count"], 1 + 2 * kEach);
  auto thread = gw_->get("/v1/conversations/" + id + "/messages?limit=1000", acme_);
  EXPECT_EQ(thread.json["data"].size(), static_cast<size_t>(1 + 2 * kEach));
  EXPECT_EQ(gw_->get("/v1/conversations", acme_).json["data"].size(), 1u)
      << "one thread, however the traffic interleaved";
  auto read = gw_->request("POST", "/v1/conversations/" + id + "/read", acme_);
  EXPECT_EQ(read.json["unread_count"], 0);
  EXPECT_EQ(read.json["inbound_count"], 1 + kEach);
}

INSTANTIATE_TEST_SUITE_P(Backends, ContactsTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::test
