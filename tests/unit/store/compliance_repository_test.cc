// ComplianceRepository: opt-outs with their audit events, and auto-reply rules (migration v4);
// every test runs on SQLite and PostgreSQL (store_test_fixture.h).
#include "store_test_fixture.h"

namespace sb::store {
namespace {

class ComplianceRepositoryTest : public StoreContractTest {};

OptOut opt_out(const std::string& account, const std::string& number, TimeMs at,
               const std::string& our_number = "") {
  OptOut o;
  o.account = account;
  o.number = number;
  o.scope = our_number.empty() ? "account" : "number";
  o.our_number = our_number;
  o.source = "api";
  o.created_at = at;
  return o;
}

TEST_P(ComplianceRepositoryTest, OptOutIsRecordedOnceWithAnEvent) {
  auto first = store_->compliance().add_opt_out(opt_out(kAcctA, "+15550001111", kT0), "msg_x");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->created);
  EXPECT_TRUE(first->opt_out.id.rfind("opt_", 0) == 0);
  auto again = store_->compliance().add_opt_out(opt_out(kAcctA, "+15550001111", kT0 + 5), "");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->opt_out.id, first->opt_out.id);
  EXPECT_EQ(again->opt_out.created_at, kT0);  // the first record stands
  // Another account and a number-scoped one are separate rows.
  ASSERT_TRUE(store_->compliance().add_opt_out(opt_out(kAcctB, "+15550001111", kT0), "")->created);
  ASSERT_TRUE(store_->compliance()
                  .add_opt_out(opt_out(kAcctA, "+15550001111", kT0, "+15550000001"), "")
                  ->created);

  auto found =
      unwrap(store_->compliance().find_opt_outs({"+15550001111", "+15550009999", "+15550001111"}));
  EXPECT_EQ(found.size(), 3u);
  EXPECT_TRUE(unwrap(store_->compliance().find_opt_outs({})).empty());

  auto events = unwrap(store_->compliance().list_opt_out_events(kAcctA, "+15550001111"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action, "opt_out");
  EXPECT_EQ(events[0].source, "api");
  EXPECT_EQ(events[0].message_id, "msg_x");
  EXPECT_EQ(events[0].scope, "account");
  EXPECT_EQ(events[1].our_number, "+15550000001");
}

TEST_P(ComplianceRepositoryTest, OptOutsAreListedPerAccountWithACursor) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->compliance()
                    .add_opt_out(opt_out(kAcctA, "+1555000100" + std::to_string(i), kT0 + i), "")
                    .ok());
  }
  ASSERT_TRUE(store_->compliance().add_opt_out(opt_out(kAcctB, "+15550002000", kT0), "").ok());
  OptOutFilter f;
  f.account = kAcctA;
  f.limit = 3;
  auto page1 = unwrap(store_->compliance().list_opt_outs(f));
  ASSERT_EQ(page1.size(), 3u);
  EXPECT_EQ(page1[0].number, "+15550001000");
  f.after_id = page1.back().id;
  auto page2 = unwrap(store_->compliance().list_opt_outs(f));
  ASSERT_EQ(page2.size(), 2u);
  EXPECT_EQ(page2[1].number, "+15550001004");
  f.after_id.reset();
  f.number = "+15550001002";
  ASSERT_EQ(unwrap(store_->compliance().list_opt_outs(f)).size(), 1u);
  OptOutFilter b;
  b.account = kAcctB;
  ASSERT_EQ(unwrap(store_->compliance().list_opt_outs(b)).size(), 1u);
}

TEST_P(ComplianceRepositoryTest, OptInRemovesAccountAndThisNumbersOptOutsWithEvents) {
  const std::string n = "+15550003000";
  ASSERT_TRUE(store_->compliance().add_opt_out(opt_out(kAcctA, n, kT0), "").ok());
  ASSERT_TRUE(store_->compliance().add_opt_out(opt_out(kAcctA, n, kT0, "+15550000001"), "").ok());
  ASSERT_TRUE(store_->compliance().add_opt_out(opt_out(kAcctA, n, kT0, "+15550000002"), "").ok());
  ASSERT_TRUE(store_->compliance().add_opt_out(opt_out(kAcctB, n, kT0), "").ok());
  auto removed = store_->compliance().remove_opt_outs(kAcctA, n, std::string("+15550000001"),
                                                      "keyword", "msg_in", kT0 + 10);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->size(), 2u);
  auto left = unwrap(store_->compliance().find_opt_outs({n}));
  ASSERT_EQ(left.size(), 2u);  // acct_a's +15550000002 one and acct_b's
  auto events = unwrap(store_->compliance().list_opt_out_events(kAcctA, n));
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[3].action, "opt_in");
  EXPECT_EQ(events[3].source, "keyword");
  EXPECT_EQ(events[3].message_id, "msg_in");
  EXPECT_EQ(events[3].at, kT0 + 10);
  // nullopt: every one of the account's; other accounts untouched.
  auto all = store_->compliance().remove_opt_outs(kAcctA, n, std::nullopt, "api", "", kT0 + 11);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
  ASSERT_EQ(unwrap(store_->compliance().find_opt_outs({n})).size(), 1u);
  EXPECT_EQ(unwrap(store_->compliance().find_opt_outs({n}))[0].account, kAcctB);
}

TEST_P(ComplianceRepositoryTest, OptOutIsRemovedByIdOnlyInItsAccount) {
  auto a = store_->compliance().add_opt_out(opt_out(kAcctA, "+15550004000", kT0), "");
  ASSERT_TRUE(a.ok());
  auto wrong = store_->compliance().remove_opt_out(kAcctB, a->opt_out.id, "api", kT0 + 1);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(*wrong);
  auto right = store_->compliance().remove_opt_out(kAcctA, a->opt_out.id, "api", kT0 + 1);
  ASSERT_TRUE(right.ok());
  EXPECT_TRUE(*right);
  EXPECT_TRUE(unwrap(store_->compliance().find_opt_outs({"+15550004000"})).empty());
  EXPECT_FALSE(*store_->compliance().remove_opt_out(kAcctA, a->opt_out.id, "api", kT0 + 2));
}

TEST_P(ComplianceRepositoryTest, AutoReplyRulesRoundTripPerAccountByPriority) {
  AutoReply r;
  r.id = new_id("ar_", kT0);
  r.account = kAcctA;
  r.match_type = "contains";
  r.pattern = "hello";
  r.reply_body = "Hello!";
  r.media_urls = {"https://example.com/a.png"};
  r.priority = 10;
  r.created_at = r.updated_at = kT0;
  ASSERT_TRUE(store_->compliance().insert_auto_reply(r).ok());
  AutoReply fallback = r;
  fallback.id = new_id("ar_", kT0 + 1);
  fallback.match_type = "regex";
  fallback.pattern = ".*";
  fallback.reply_body = "Say hello!";
  fallback.media_urls.clear();
  fallback.priority = 0;
  fallback.our_number = "+15550000001";
  fallback.enabled = false;
  ASSERT_TRUE(store_->compliance().insert_auto_reply(fallback).ok());

  auto list = unwrap(store_->compliance().list_auto_replies(kAcctA));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, r.id);
  EXPECT_EQ(list[0].media_urls, r.media_urls);
  EXPECT_EQ(list[1].our_number, "+15550000001");
  EXPECT_FALSE(list[1].enabled);
  EXPECT_TRUE(unwrap(store_->compliance().list_auto_replies(kAcctB)).empty());
  EXPECT_FALSE(unwrap(store_->compliance().get_auto_reply(kAcctB, r.id)).has_value());

  fallback.priority = 20;
  fallback.enabled = true;
  fallback.updated_at = kT0 + 9;
  ASSERT_TRUE(*store_->compliance().update_auto_reply(fallback));
  auto got = unwrap(store_->compliance().get_auto_reply(kAcctA, fallback.id));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->priority, 20);
  EXPECT_TRUE(got->enabled);
  EXPECT_EQ(got->updated_at, kT0 + 9);
  EXPECT_EQ(got->created_at, kT0);
  EXPECT_EQ(unwrap(store_->compliance().list_auto_replies(kAcctA))[0].id, fallback.id);

  AutoReply stranger = fallback;
  stranger.account = kAcctB;
  EXPECT_FALSE(*store_->compliance().update_auto_reply(stranger));
  EXPECT_FALSE(*store_->compliance().delete_auto_reply(kAcctB, r.id));
  EXPECT_TRUE(*store_->compliance().delete_auto_reply(kAcctA, r.id));
  EXPECT_EQ(unwrap(store_->compliance().list_auto_replies(kAcctA)).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, ComplianceRepositoryTest,
                         testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

}  // namespace
}  // namespace sb::store
