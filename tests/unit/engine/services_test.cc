// The engine services every surface calls, against a real SQLite store: tenant isolation, the
// error codes surfaces map, paging, and the rules that moved out of the HTTP handlers.
#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/ids.h"
#include "engine/retention.h"
#include "engine/services.h"
#include "sqlite_test_store.h"

namespace sb::engine {
namespace {

constexpr TimeMs kT0 = 1'700'000'000'000;

class ServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<NumberRecord> numbers = {{"+12025550100", "acme", "sim"},
                                         {"+12025550199", "other", "sim"}};
    ASSERT_TRUE(store_->accounts().sync_numbers(numbers, kT0).ok());
    outbox_ = std::make_unique<Outbox>(*store_, [] {});
    gateway_ = std::make_unique<Gateway>(*store_, *outbox_, clock_, GatewayOptions{});
    gateway_->set_numbers(store_->accounts().all_numbers().value());
    messages_ = std::make_unique<MessageService>(*store_, *gateway_, clock_);
    compliance_ = std::make_unique<ComplianceService>(*store_, *gateway_, clock_);
    contacts_ = std::make_unique<ContactService>(*store_, clock_, "US");
  }

  // An outbound message of `account` in `status`, inserted directly.
  std::string insert(const std::string& account, Status status) {
    store::NewMessage nm;
    Message& m = nm.message;
    m.id = new_id("msg_", clock_.now_ms());
    m.account = account;
    m.direction = Direction::kOutbound;
    m.from = account == "acme" ? "+12025550100" : "+12025550199";
    m.to = "+14155550123";
    m.body = "hello";
    m.status = status;
    m.segments = 1;
    m.created_at = m.updated_at = clock_.now_ms();
    m.next_attempt_at = clock_.now_ms() + 3'600'000;
    nm.events.push_back(MessageEvent{});
    nm.events.back().status = status;
    nm.events.back().at = clock_.now_ms();
    std::vector<store::NewMessage> batch{nm};
    auto r = store_->messages().insert(batch);
    EXPECT_TRUE(r.ok());
    clock_.advance(1);
    return m.id;
  }

  ManualClock clock_{kT0};
  SqliteTestStore store_{"services", clock_, {"acme", "other"}, kT0};
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<MessageService> messages_;
  std::unique_ptr<ComplianceService> compliance_;
  std::unique_ptr<ContactService> contacts_;
};

TEST_F(ServicesTest, AnotherAccountsMessageIsNotFoundForEveryOperation) {
  const std::string id = insert("acme", Status::kQueued);
  EXPECT_TRUE(messages_->get("acme", id).ok());
  for (const Error& r : {messages_->get("other", id).error(), messages_->cancel("other", id).error(),
                        messages_->redact("other", id).error(),
                        messages_->deliveries("other", id).error()}) {
    EXPECT_EQ(r.code, "not_found");
    EXPECT_EQ(r.field, "id");
  }
  // Untouched by those attempts.
  EXPECT_EQ(messages_->get("acme", id)->message.status, Status::kQueued);
  EXPECT_EQ(messages_->get("acme", "not-an-id").error().code, "not_found");
}

TEST_F(ServicesTest, CancelIsIdempotentAndRefusesWhatCannotBeCanceled) {
  const std::string id = insert("acme", Status::kQueued);
  auto first = messages_->cancel("acme", id);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->status, Status::kCanceled);
  auto again = messages_->cancel("acme", id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, Status::kCanceled);
  const std::string sent = insert("acme", Status::kSent);
  EXPECT_EQ(messages_->cancel("acme", sent).error().code, "not_cancelable");
}

TEST_F(ServicesTest, RedactingAMessageBeingSentAsksToRetryLater) {
  const std::string id = insert("acme", Status::kSending);
  auto r = messages_->redact("acme", id);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "message_in_flight");
  EXPECT_EQ(r.error().retry_after_s, 2);
  const std::string queued = insert("acme", Status::kQueued);
  auto done = messages_->redact("acme", queued);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->message.body, "");
  EXPECT_EQ(done->message.status, Status::kCanceled);  // erased before it was sent
}

TEST_F(ServicesTest, ListPagesByTheLimitAndSaysWhetherMoreFollow) {
  for (int i = 0; i < 3; ++i) insert("acme", Status::kQueued);
  insert("other", Status::kQueued);
  MessageFilter f;
  f.account = "acme";
  f.limit = 2;
  auto page = messages_->list(f);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 2u);
  EXPECT_TRUE(page->more);
  f.before_id = page->items.back().id;
  auto rest = messages_->list(f);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->items.size(), 1u);
  EXPECT_FALSE(rest->more);
}

TEST_F(ServicesTest, OptOutsNameTheFieldAndStayWithinTheAccount) {
  auto foreign = compliance_->add_opt_out("acme", {"+14155550123", "number", "+12025550199"});
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, "number_not_owned");
  EXPECT_EQ(foreign.error().field, "our_number");
  EXPECT_EQ(compliance_->add_opt_out("acme", {"+14155550123", "everyone", {}}).error().code,
            "invalid_scope");
  auto added = compliance_->add_opt_out("acme", {"(415) 555-0123", {}, {}});
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_TRUE(added->created);
  EXPECT_EQ(added->opt_out.number, "+14155550123");
  EXPECT_EQ(compliance_->remove_opt_outs("other", "+14155550123", {}).error().code, "not_found");
  EXPECT_TRUE(compliance_->remove_opt_outs("acme", "+14155550123", {}).ok());
}

TEST_F(ServicesTest, AutoReplyRulesAreValidatedBeforeTheyAreStored) {
  AutoReplyChanges c;
  c.pattern = "(unclosed";
  c.match = "regex";
  c.body = "hi";
  EXPECT_EQ(compliance_->create_auto_reply("acme", c).error().code, "invalid_regex");
  c.pattern = "hours";
  c.match = "sometimes";
  EXPECT_EQ(compliance_->create_auto_reply("acme", c).error().code, "invalid_match");
  c.match = "contains";
  c.body.reset();
  EXPECT_EQ(compliance_->create_auto_reply("acme", c).error().code, "missing_content");
  c.body = "We open at 9.";
  c.number = std::optional<std::string>{"+12025550199"};  // other's number
  EXPECT_EQ(compliance_->create_auto_reply("acme", c).error().code, "number_not_owned");
  c.number.reset();
  auto rule = compliance_->create_auto_reply("acme", c);
  ASSERT_TRUE(rule.ok()) << rule.error().message;
  EXPECT_EQ(compliance_->get_auto_reply("other", rule->id).error().code, "not_found");
  AutoReplyChanges off;
  off.enabled = false;
  auto updated = compliance_->update_auto_reply("acme", rule->id, off);
  ASSERT_TRUE(updated.ok());
  EXPECT_FALSE(updated->enabled);
  EXPECT_EQ(updated->reply_body, "We open at 9.");
}

TEST_F(ServicesTest, ContactsAreUniquePerNumberAndNamesBounded) {
  auto c = contacts_->create("acme", "415-555-0123", {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->name, "Unknown");
  EXPECT_EQ(contacts_->create("acme", "+14155550123", {}).error().code, "contact_exists");
  EXPECT_TRUE(contacts_->create("other", "+14155550123", {}).ok());  // another address book
  EXPECT_EQ(contacts_->update("acme", c->id, {std::string(257, 'x'), {}}).error().code,
            "invalid_name");
  EXPECT_EQ(contacts_->get("other", c->id).error().code, "not_found");
  EXPECT_TRUE(contacts_->remove("acme", c->id).ok());
  EXPECT_EQ(contacts_->remove("acme", c->id).error().code, "not_found");
}

}  // namespace
}  // namespace sb::engine

namespace sb::engine {
namespace {

// Retention redacts the content of messages older than its limit that are final or at the
// carrier, in every account, in passes that continue where the last stopped; it leaves
// younger messages, waiting ones, and (for a later pass) one being handed to its provider.
TEST_F(ServicesTest, RetentionRedactsOldFinalMessagesOnly) {
  const std::string old_delivered = insert("acme", Status::kDelivered);
  const std::string old_other = insert("other", Status::kFailed);
  const std::string old_queued = insert("acme", Status::kQueued);
  const std::string old_sending = insert("acme", Status::kSending);
  clock_.advance(2 * 86'400'000LL);
  const std::string young = insert("acme", Status::kDelivered);
  clock_.advance(86'400'000LL);  // the old ones are 3 days old, `young` 1 day

  Retention retention(*store_, *messages_, clock_, {2 * 86'400'000LL, 60'000, 1});
  // Batches of one: a pass looks at one message and the next goes on from it.
  EXPECT_EQ(retention.run_once(), 1);
  EXPECT_EQ(retention.run_once(), 1);
  EXPECT_EQ(retention.run_once(), 0) << "queued and sending are not candidates; young is young";
  const auto redacted = [&](const std::string& account, const std::string& id) {
    auto v = messages_->get(account, id);
    EXPECT_TRUE(v.ok());
    return v->message.redaction.has_value() && v->message.body.empty();
  };
  EXPECT_TRUE(redacted("acme", old_delivered));
  EXPECT_TRUE(redacted("other", old_other));
  EXPECT_FALSE(redacted("acme", old_queued)) << "a waiting message keeps its body";
  EXPECT_FALSE(redacted("acme", old_sending));
  EXPECT_FALSE(redacted("acme", young));
  // Status history stays, with the redaction in it.
  auto events = messages_->get("acme", old_delivered)->events;
  EXPECT_EQ(events.front().status, Status::kDelivered);
  EXPECT_EQ(events.back().type, "redacted");

  // Off: nothing.
  Retention off(*store_, *messages_, clock_, {0, 60'000, 500});
  clock_.advance(30 * 86'400'000LL);
  EXPECT_EQ(off.run_once(), 0);
  EXPECT_FALSE(redacted("acme", young));
}

}  // namespace
}  // namespace sb::engine
