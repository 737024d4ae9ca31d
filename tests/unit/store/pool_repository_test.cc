// PoolRepository: sender pools and sticky senders; every test runs on SQLite and PostgreSQL
// (store_test_fixture.h).
#include "store_test_fixture.h"

namespace sb::store {
namespace {

class PoolRepositoryTest : public StoreContractTest {
 protected:
  SenderPool pool(const std::string& id, const std::string& account, const std::string& name,
                  std::vector<std::string> numbers) {
    SenderPool p;
    p.id = id;
    p.account = account;
    p.name = name;
    p.numbers = std::move(numbers);
    p.created_at = p.updated_at = kT0;
    return p;
  }
  // Stores an outbound message of `account` sent through `pool_id` from `from` to `to`.
  void sent_through(const std::string& account, const std::string& pool_id,
                    const std::string& from, const std::string& to, TimeMs at, bool sticky) {
    Message m = outbound(account, at);
    m.id = "msg_" + std::to_string(at);
    m.from = from;
    m.to = to;
    m.pool = pool_id;
    m.pool_sticky = sticky;
    insert({{m, {event(Status::kQueued, at)}}});
  }
};

TEST_P(PoolRepositoryTest, NamesAreUniquePerAccountAndFoundByIdOrName) {
  auto& pools = store_->pools();
  ASSERT_TRUE(unwrap(pools.insert_pool(pool("pool_1", kAcctA, "reminders", {"+1555", "+1556"}))));
  EXPECT_FALSE(unwrap(pools.insert_pool(pool("pool_2", kAcctA, "reminders", {"+1557"}))));
  ASSERT_TRUE(unwrap(pools.insert_pool(pool("pool_3", kAcctB, "reminders", {"+1558"}))));
  ASSERT_TRUE(unwrap(pools.insert_pool(pool("pool_4", kAcctA, "alerts", {"+1559"}))));

  auto by_name = unwrap(another_instance().pools().find_pool(kAcctA, "reminders"));
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->id, "pool_1");
  EXPECT_EQ(by_name->numbers, (std::vector<std::string>{"+1555", "+1556"}));
  EXPECT_TRUE(by_name->sticky && by_name->geomatch && by_name->fallback);
  EXPECT_TRUE(unwrap(pools.find_pool(kAcctA, "pool_1")));
  EXPECT_FALSE(unwrap(pools.find_pool(kAcctA, "pool_3")));  // another account's
  EXPECT_FALSE(unwrap(pools.find_pool(kAcctB, "alerts")));

  const auto listed = unwrap(pools.list_pools(kAcctA));
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].name, "alerts");  // by name
  EXPECT_EQ(listed[1].numbers.size(), 2u);
}

TEST_P(PoolRepositoryTest, UpdatesKeepNamesUniqueAndForgetStickySendersRemoved) {
  auto& pools = store_->pools();
  ASSERT_TRUE(unwrap(pools.insert_pool(pool("pool_1", kAcctA, "reminders", {"+1555", "+1556"}))));
  ASSERT_TRUE(unwrap(pools.insert_pool(pool("pool_2", kAcctA, "alerts", {"+1557"}))));
  sent_through(kAcctA, "pool_1", "+1555", "+1999", kT0 + 1, true);
  sent_through(kAcctA, "pool_1", "+1556", "+1998", kT0 + 2, true);
  EXPECT_EQ(unwrap(pools.sticky_sender("pool_1", "+1999")), std::optional<std::string>("+1555"));

  SenderPool p = pool("pool_1", kAcctA, "alerts", {"+1556"});
  EXPECT_EQ(unwrap(pools.update_pool(p)), std::optional<bool>(false));  // name taken
  p.name = "renamed";
  p.geomatch = false;
  p.updated_at = kT0 + 10;
  EXPECT_EQ(unwrap(pools.update_pool(p)), std::optional<bool>(true));
  auto found = unwrap(pools.find_pool(kAcctA, "renamed"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->numbers, std::vector<std::string>{"+1556"});
  EXPECT_FALSE(found->geomatch);
  EXPECT_EQ(found->updated_at, kT0 + 10);
  // +1555 left the pool: its recipient has no sticky sender any more; +1556's keeps it.
  EXPECT_FALSE(unwrap(pools.sticky_sender("pool_1", "+1999")));
  EXPECT_EQ(unwrap(pools.sticky_sender("pool_1", "+1998")), std::optional<std::string>("+1556"));

  p.account = kAcctB;  // not B's pool
  EXPECT_EQ(unwrap(pools.update_pool(p)), std::nullopt);
}

TEST_P(PoolRepositoryTest, StickySendersAreRecordedWithTheMessageAndTheLatestWins) {
  auto& pools = store_->pools();
  ASSERT_TRUE(unwrap(pools.insert_pool(pool("pool_1", kAcctA, "reminders", {"+1555", "+1556"}))));
  sent_through(kAcctA, "pool_1", "+1555", "+1999", kT0 + 1, true);
  EXPECT_EQ(unwrap(another_instance().pools().sticky_sender("pool_1", "+1999")),
            std::optional<std::string>("+1555"));
  sent_through(kAcctA, "pool_1", "+1556", "+1999", kT0 + 2, true);
  EXPECT_EQ(unwrap(pools.sticky_sender("pool_1", "+1999")), std::optional<std::string>("+1556"));
  // A pool that keeps no sticky senders records none; the message still names its pool.
  sent_through(kAcctA, "pool_1", "+1555", "+1997", kT0 + 3, false);
  EXPECT_FALSE(unwrap(pools.sticky_sender("pool_1", "+1997")));
  auto m = unwrap(store_->messages().get(kAcctA, "msg_" + std::to_string(kT0 + 3)));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->pool, "pool_1");
  // Two messages to one recipient in one batch: the later one's sender is kept.
  Message a = outbound(kAcctA, kT0 + 4);
  a.id = "msg_a";
  a.to = "+1996";
  a.from = "+1555";
  a.pool = "pool_1";
  a.pool_sticky = true;
  Message b = a;
  b.id = "msg_b";
  b.from = "+1556";
  insert({{a, {}}, {b, {}}});
  EXPECT_EQ(unwrap(pools.sticky_sender("pool_1", "+1996")), std::optional<std::string>("+1556"));

  // A failover (a transition with a new `from`) moves the message and the recipient's sticky
  // sender with it, in one transaction; a recipient the pool keeps no sender for gets none.
  const auto move = [&](const std::string& id, const std::string& from) {
    Transition t;
    t.message_id = id;
    t.to = Status::kSending;
    t.at = kT0 + 5;
    t.from = from;
    t.connector = "tw";
    t.event_type = "rerouted";
    ASSERT_TRUE(store_->status().apply({t}).ok());
  };
  move("msg_b", "+1555");
  EXPECT_EQ(unwrap(another_instance().pools().sticky_sender("pool_1", "+1996")),
            std::optional<std::string>("+1555"));
  EXPECT_EQ(unwrap(store_->messages().get(kAcctA, "msg_b"))->from, "+1555");
  move("msg_" + std::to_string(kT0 + 3), "+1556");
  EXPECT_FALSE(unwrap(pools.sticky_sender("pool_1", "+1997")));

  EXPECT_TRUE(unwrap(pools.delete_pool(kAcctA, "pool_1")));
  EXPECT_FALSE(unwrap(pools.delete_pool(kAcctA, "pool_1")));
  EXPECT_FALSE(unwrap(pools.sticky_sender("pool_1", "+1996")));
  EXPECT_FALSE(unwrap(pools.find_pool(kAcctA, "reminders")));
  // Messages keep the pool's id.
  EXPECT_EQ(unwrap(store_->messages().get(kAcctA, "msg_b"))->pool, "pool_1");
}

INSTANTIATE_TEST_SUITE_P(Backends, PoolRepositoryTest,
                         testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

}  // namespace
}  // namespace sb::store
