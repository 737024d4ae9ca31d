// The live event stream's tailer against a real SQLite store: ids, what each change becomes,
// tenant scoping, replay after an id, and a slow subscriber cut off with the id to resume after.
#include "engine/event_stream.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/clock.h"
#include "core/ids.h"
#include "sqlite_test_store.h"

namespace sb::engine {
namespace {

using nlohmann::json;

// Frames kept in memory; `capacity` frames at most (then offer says no).
class MemorySink : public EventSink {
 public:
  explicit MemorySink(size_t capacity = 100'000) : capacity_(capacity) {}
  bool offer(std::shared_ptr<const std::string> frame) override {
    std::lock_guard lk(mu_);
    if (frames_.size() >= capacity_) return false;
    frames_.push_back(json::parse(*frame));
    return true;
  }
  void end(int code, std::string reason) override {
    std::lock_guard lk(mu_);
    code_ = code;
    reason_ = std::move(reason);
  }
  std::vector<json> frames() {
    std::lock_guard lk(mu_);
    return frames_;
  }
  int code() {
    std::lock_guard lk(mu_);
    return code_;
  }
  std::string reason() {
    std::lock_guard lk(mu_);
    return reason_;
  }

 private:
  std::mutex mu_;
  size_t capacity_;
  std::vector<json> frames_;
  int code_ = 0;
  std::string reason_;
};

bool unwrap_ok(const Result<bool>& r) { return r.ok() && *r; }

bool eventually(const std::function<bool()>& cond) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

TEST(EventCursor, IsFortyEightHexDigitsThatSortAsTheyIncrease) {
  const EventCursor c{0xa2f1, 7, 3};
  EXPECT_EQ(format_cursor(c), "000000000000a2f100000000000000070000000000000003");
  EXPECT_EQ(parse_cursor(format_cursor(c)), c);
  EXPECT_LT(format_cursor({9, 7}), format_cursor({10, 7}));
  EXPECT_LT(format_cursor({10, 7}), format_cursor({10, 8}));
  EXPECT_LT(format_cursor({10, 8, 1}), format_cursor({10, 8, 2}));
  // An id from before batch events: the batch position is 0.
  EXPECT_EQ(parse_cursor("000000000000a2f10000000000000007"), (EventCursor{0xa2f1, 7, 0}));
  EXPECT_FALSE(parse_cursor("000000000000A2F10000000000000007"));  // lower case only
  EXPECT_FALSE(parse_cursor("a2f1"));
  EXPECT_FALSE(parse_cursor("ffffffffffffffff0000000000000000"));  // beyond int64
  EXPECT_FALSE(parse_cursor("00000000000000000000000000000-07"));
  EXPECT_FALSE(parse_cursor("000000000000a2f1000000000000000700000000000000"));  // 46 digits
}

class EventStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stream_ = std::make_unique<EventStream>(*store_, clock_, EventStreamOptions{});
    store_->set_commit_listener([this] { stream_->wake(); });
    stream_->start();
  }
  void TearDown() override { stream_->stop(); }

  std::string send(const std::string& account, Status status = Status::kQueued) {
    store::NewMessage nm;
    Message& m = nm.message;
    m.id = new_id("msg_", clock_.now_ms());
    m.account = account;
    m.from = "+12025550100";
    m.to = "+14155550123";
    m.body = "hello";
    m.status = status;
    m.segments = 1;
    m.created_at = m.updated_at = m.next_attempt_at = clock_.now_ms();
    for (Status s : {Status::kAccepted, status}) {
      MessageEvent e;
      e.status = s;
      e.at = clock_.now_ms();
      nm.events.push_back(e);
    }
    std::vector<store::NewMessage> batch{nm};
    EXPECT_TRUE(store_->messages().insert(batch).ok());
    return m.id;
  }
  void apply(const std::string& id, Status to) {
    store::Transition t;
    t.message_id = id;
    t.to = to;
    t.at = clock_.now_ms();
    ASSERT_TRUE(store_->status().apply({t}).ok());
  }

  const Clock& clock_ = SystemClock::instance();
  SqliteTestStore store_{"events", clock_, {"acme", "other"}, 1'700'000'000'000};
  std::unique_ptr<EventStream> stream_;
};

TEST_F(EventStreamTest, ChangesBecomeEventsOfTheirAccountOnly) {
  auto acme = std::make_shared<MemorySink>();
  auto other = std::make_shared<MemorySink>();
  stream_->subscribe("acme", std::nullopt, acme);
  stream_->subscribe("other", std::nullopt, other);
  ASSERT_TRUE(eventually([&] { return stream_->ready(); }));
  const std::string id = send("acme");
  apply(id, Status::kSending);
  apply(id, Status::kSent);
  apply(id, Status::kSent);  // a repeat: recorded, not applied, not streamed
  ASSERT_TRUE(eventually([&] { return acme->frames().size() >= 5; }));
  const auto f = acme->frames();
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0]["type"], "message.created");
  EXPECT_EQ(f[0]["data"]["id"], id);
  EXPECT_EQ(f[1]["type"], "conversation.updated");
  EXPECT_EQ(f[2]["type"], "message.status");
  EXPECT_EQ(f[2]["data"]["status"], "queued");
  EXPECT_EQ(f[3]["data"]["status"], "sending");
  EXPECT_EQ(f[4]["data"]["status"], "sent");
  for (size_t i = 1; i < f.size(); ++i) {
    EXPECT_GT(f[i]["id"].get<std::string>(), f[i - 1]["id"].get<std::string>());
  }
  EXPECT_TRUE(other->frames().empty());

  // Replay: everything after the first event, from the store.
  auto later = std::make_shared<MemorySink>();
  stream_->subscribe("acme", parse_cursor(f[0]["id"].get<std::string>()), later);
  ASSERT_TRUE(eventually([&] { return later->frames().size() >= 4; }));
  const auto replayed = later->frames();
  ASSERT_EQ(replayed.size(), 4u);
  for (size_t i = 0; i < replayed.size(); ++i) EXPECT_EQ(replayed[i]["type"], f[i + 1]["type"]);
  EXPECT_EQ(replayed.back()["data"]["status"], "sent");
}

TEST_F(EventStreamTest, OptOutsOptInsAndRedactionsAreEventsToo) {
  auto acme = std::make_shared<MemorySink>();
  auto other = std::make_shared<MemorySink>();
  stream_->subscribe("acme", std::nullopt, acme);
  stream_->subscribe("other", std::nullopt, other);
  ASSERT_TRUE(eventually([&] { return stream_->ready(); }));
  OptOut o;
  o.id = "opt_1";
  o.account = "acme";
  o.number = "+14155550123";
  o.source = "keyword";
  o.created_at = clock_.now_ms();
  auto added = store_->compliance().add_opt_out(o, "");
  ASSERT_TRUE(added.ok() && added->created);
  ASSERT_TRUE(
      unwrap_ok(store_->compliance().remove_opt_out("acme", added->opt_out.id, "api",
                                                    clock_.now_ms())));
  // The opt-out log and the message log are read in the same pass, each in its own order: let
  // the opt-out events out first so the order below is the test's, not the tailer's timing.
  ASSERT_TRUE(eventually([&] { return acme->frames().size() >= 2; }));
  const std::string id = send("acme", Status::kScheduled);  // not yet with a provider: erasable
  ASSERT_TRUE(store_->messages().redact("acme", id, clock_.now_ms()).ok());
  ASSERT_TRUE(eventually([&] { return acme->frames().size() >= 7; }));
  const auto f = acme->frames();
  ASSERT_EQ(f[0]["type"], "opt_out.created");
  EXPECT_EQ(f[0]["data"]["number"], "+14155550123");
  EXPECT_EQ(f[0]["data"]["scope"], "account");
  EXPECT_EQ(f[0]["data"]["source"], "keyword");
  EXPECT_EQ(f[1]["type"], "opt_out.deleted");
  EXPECT_EQ(f[1]["data"]["source"], "api");
  // created, conversation, scheduled, then the redaction cancels and erases it.
  std::vector<std::string> types;
  for (size_t i = 2; i < f.size(); ++i) types.push_back(f[i]["type"]);
  EXPECT_EQ(types.back(), "message.redacted") << f.back().dump();
  EXPECT_EQ(f.back()["data"]["message_id"], id);
  for (size_t i = 1; i < f.size(); ++i) {
    EXPECT_GT(f[i]["id"].get<std::string>(), f[i - 1]["id"].get<std::string>());
  }
  EXPECT_TRUE(other->frames().empty());
}

TEST_F(EventStreamTest, ASlowSubscriberIsEndedWithWhereToResume) {
  auto slow = std::make_shared<MemorySink>(3);
  stream_->subscribe("acme", std::nullopt, slow);
  ASSERT_TRUE(eventually([&] { return stream_->ready(); }));
  for (int i = 0; i < 5; ++i) send("acme");
  ASSERT_TRUE(eventually([&] { return slow->code() != 0; }));
  EXPECT_EQ(slow->code(), kCloseTooSlow);
  const auto f = slow->frames();
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(slow->reason(), "too slow: resume with after=" + f.back()["id"].get<std::string>());
  // Another subscriber is not held up by it.
  auto fine = std::make_shared<MemorySink>();
  stream_->subscribe("acme", parse_cursor(f.back()["id"].get<std::string>()), fine);
  ASSERT_TRUE(eventually([&] { return fine->frames().size() >= 5 * 3 - 3; }));
}

}  // namespace
}  // namespace sb::engine
