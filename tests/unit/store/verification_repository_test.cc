// VerificationRepository: rate-limited starts, the newest pending code, compare-and-set checks;
// every test runs on SQLite and PostgreSQL (store_test_fixture.h).
#include "store_test_fixture.h"

namespace sb::store {
namespace {

class VerificationRepositoryTest : public StoreContractTest {};

Verification verification(const std::string& account, const std::string& to, TimeMs created,
                          TimeMs ttl_ms = 600'000) {
  Verification v;
  v.id = new_id("vrf_", created);
  v.account = account;
  v.to = to;
  v.message_id = new_id("msg_", created);
  v.salt = "salt";
  v.code_hash = "hash-" + v.id;
  v.created_at = v.updated_at = created;
  v.expires_at = created + ttl_ms;
  return v;
}

TEST_P(VerificationRepositoryTest, VerificationStartsAreLimitedPerRecipientAndWindow) {
  const std::string to = "+15550001111";
  constexpr TimeMs kHour = 3'600'000;
  for (int i = 0; i < 3; ++i) {
    auto r = store_->verifications().start(verification(kAcctA, to, kT0 + i * 1000), 3, kHour);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->created);
  }
  auto limited = store_->verifications().start(verification(kAcctA, to, kT0 + 5000), 3, kHour);
  ASSERT_TRUE(limited.ok());
  EXPECT_FALSE(limited->created);
  EXPECT_EQ(limited->retry_at, kT0 + kHour) << "when the oldest leaves the window";
  // Another recipient and another account have their own limits.
  EXPECT_TRUE(
      store_->verifications().start(verification(kAcctA, "+15550002222", kT0), 3, kHour)->created);
  EXPECT_TRUE(
      store_->verifications().start(verification(kAcctB, to, kT0 + 5000), 3, kHour)->created);
  // An hour after the first, one more fits.
  EXPECT_TRUE(
      store_->verifications().start(verification(kAcctA, to, kT0 + kHour), 3, kHour)->created);
}

TEST_P(VerificationRepositoryTest, OnlyTheNewestUnexpiredPendingVerificationIsFound) {
  const std::string to = "+15550001111";
  Verification first = verification(kAcctA, to, kT0);
  ASSERT_TRUE(store_->verifications().start(first, 5, 3'600'000)->created);
  auto found = unwrap(store_->verifications().find_pending(kAcctA, to, kT0 + 1));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, first.id);
  EXPECT_EQ(found->salt, "salt");
  EXPECT_EQ(found->code_hash, first.code_hash);
  EXPECT_EQ(found->checks, 0);
  EXPECT_EQ(found->expires_at, first.expires_at);
  EXPECT_FALSE(unwrap(store_->verifications().find_pending(kAcctB, to, kT0 + 1)))
      << "tenant isolation";
  EXPECT_FALSE(unwrap(store_->verifications().find_pending(kAcctA, to, first.expires_at)))
      << "expired";

  Verification second = verification(kAcctA, to, kT0 + 10);
  ASSERT_TRUE(store_->verifications().start(second, 5, 3'600'000)->created);
  found = unwrap(store_->verifications().find_pending(kAcctA, to, kT0 + 11));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, second.id);
  // The first was superseded: approving the second leaves nothing pending.
  auto ok = store_->verifications().record_check(second.id, 0, "approved", kT0 + 12);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(*ok);
  EXPECT_FALSE(unwrap(store_->verifications().find_pending(kAcctA, to, kT0 + 13)));
}

TEST_P(VerificationRepositoryTest, VerificationChecksAreCompareAndSet) {
  Verification v = verification(kAcctA, "+15550001111", kT0);
  ASSERT_TRUE(store_->verifications().start(v, 5, 3'600'000)->created);
  EXPECT_TRUE(*store_->verifications().record_check(v.id, 0, "pending", kT0 + 1));
  EXPECT_FALSE(*store_->verifications().record_check(v.id, 0, "approved", kT0 + 2))
      << "a stale check count loses";
  auto found = unwrap(store_->verifications().find_pending(kAcctA, v.to, kT0 + 3));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->checks, 1);
  EXPECT_TRUE(*store_->verifications().record_check(v.id, 1, "failed", kT0 + 4));
  EXPECT_FALSE(unwrap(store_->verifications().find_pending(kAcctA, v.to, kT0 + 5)));
  EXPECT_FALSE(*store_->verifications().record_check(v.id, 2, "approved", kT0 + 6))
      << "only pending verifications change";
}

INSTANTIATE_TEST_SUITE_P(Backends, VerificationRepositoryTest,
                         testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

}  // namespace
}  // namespace sb::store
