// API keys against a real SQLite store with a manual clock: creation rules, lookup by id, prefix
// or the secret itself, revocation, and the Gateway's authentication of keys (scopes, expiry,
// the cache's lifetime across a revocation by another process, last use, the per-key rate).
#include "engine/api_keys.h"

#include <gtest/gtest.h>

#include "engine/gateway.h"
#include "sqlite_test_store.h"

namespace sb::engine {
namespace {

constexpr TimeMs kT0 = 1'700'000'000'000;

class ApiKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    outbox_ = std::make_unique<Outbox>(*store_, [] {});
    gateway_ = std::make_unique<Gateway>(*store_, *outbox_, clock_, GatewayOptions{});
    keys_.set_on_revoked([this] { gateway_->forget_authentications(); });
  }

  ApiKeys::Created make(ScopeSet scopes, TimeMs expires_at = 0, int rate = 0) {
    auto c = keys_.create("acme", {"test", scopes, expires_at, rate});
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return *c;
  }

  ManualClock clock_{kT0};
  SqliteTestStore store_{"api-keys", clock_, {"acme", "other"}, kT0};
  ApiKeys keys_{*store_, clock_};
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(ApiKeysTest, CreationChecksItsInputAndStoresOnlyAHash) {
  auto c = make(kScopeMessagesSend);
  EXPECT_EQ(c.secret.size(), 52u);  // sbk_ + 48 hex digits
  EXPECT_EQ(c.key.prefix, c.secret.substr(0, 12));
  EXPECT_NE(c.key.key_hash, c.secret);
  EXPECT_EQ(c.key.key_hash.size(), 64u);
  EXPECT_EQ(keys_.create("acme", {std::string(65, 'x'), kScopeAdmin, 0, 0}).error().field, "name");
  EXPECT_EQ(keys_.create("acme", {"a\nb", kScopeAdmin, 0, 0}).error().field, "name");
  EXPECT_EQ(keys_.create("acme", {"", kScopeAdmin, kT0, 0}).error().code, "invalid_expiry");
  EXPECT_EQ(keys_.create("acme", {"", kScopeAdmin, 0, -1}).error().field, "rate_limit");
  EXPECT_EQ(keys_.create("acme", {"", kScopeNone, 0, 0}).error().code, "invalid_scope");
  EXPECT_EQ(keys_.create("nobody", {"", kScopeAdmin, 0, 0}).error().code, "not_found");
}

TEST_F(ApiKeysTest, FoundByIdPrefixOrSecretWithinTheAccountOnly) {
  auto c = make(kScopeAdmin);
  EXPECT_EQ(keys_.get("acme", c.key.id)->id, c.key.id);
  EXPECT_EQ(keys_.get("acme", c.key.prefix)->id, c.key.id);
  EXPECT_EQ(keys_.get("acme", c.secret)->id, c.key.id);
  EXPECT_EQ(keys_.get("acme", c.secret.substr(0, 12) + "ffff").error().code, "not_found");
  EXPECT_EQ(keys_.get("other", c.key.id).error().code, "not_found");
  EXPECT_EQ(keys_.get("other", c.key.prefix).error().code, "not_found");
  EXPECT_EQ(keys_.get("acme", "sbk_").error().code, "not_found");
}

TEST_F(ApiKeysTest, AuthenticationCarriesScopesAndEndsAtRevocationOrExpiry) {
  auto c = make(kScopeMessagesRead | kScopeCompliance, kT0 + 10'000);
  auto who = gateway_->authenticate(c.secret);
  ASSERT_TRUE(who.ok() && who->has_value());
  EXPECT_EQ((*who)->account, "acme");
  EXPECT_EQ((*who)->key_id, c.key.id);
  EXPECT_EQ((*who)->scopes, ScopeSet{kScopeMessagesRead | kScopeCompliance});
  EXPECT_FALSE(gateway_->authenticate(c.secret + "0")->has_value());
  EXPECT_FALSE(gateway_->authenticate("")->has_value());

  clock_.advance(10'000);  // the expiry: refused even though the answer was cached
  EXPECT_FALSE(gateway_->authenticate(c.secret)->has_value());

  auto d = make(kScopeAdmin);
  ASSERT_TRUE(gateway_->authenticate(d.secret)->has_value());
  // Revoked by another process (the CLI): this instance's cached answer lapses within
  // kAuthCacheMs.
  ASSERT_TRUE(store_->accounts().revoke_api_key("acme", d.key.id, clock_.now_ms()).ok());
  EXPECT_TRUE(gateway_->authenticate(d.secret)->has_value());
  clock_.advance(Gateway::kAuthCacheMs);
  EXPECT_FALSE(gateway_->authenticate(d.secret)->has_value());

  // Revoked here: at once.
  auto e = make(kScopeAdmin);
  ASSERT_TRUE(gateway_->authenticate(e.secret)->has_value());
  ASSERT_TRUE(keys_.revoke("acme", e.key.prefix).ok());
  EXPECT_FALSE(gateway_->authenticate(e.secret)->has_value());
  auto again = keys_.revoke("acme", e.key.id);  // idempotent, first time kept
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(api_key_state(*again, clock_.now_ms()), "revoked");
}

TEST_F(ApiKeysTest, LastUseIsRecordedAtMostOnceAMinute) {
  auto c = make(kScopeAdmin);
  ASSERT_TRUE(gateway_->authenticate(c.secret)->has_value());
  EXPECT_EQ(keys_.get("acme", c.key.id)->last_used_at, kT0);
  clock_.advance(30'000);
  ASSERT_TRUE(gateway_->authenticate(c.secret)->has_value());
  EXPECT_EQ(keys_.get("acme", c.key.id)->last_used_at, kT0);
  clock_.advance(30'000);
  ASSERT_TRUE(gateway_->authenticate(c.secret)->has_value());
  EXPECT_EQ(keys_.get("acme", c.key.id)->last_used_at, kT0 + 60'000);
}

TEST_F(ApiKeysTest, ARateLimitedKeyGetsASecondsWorthThenWaits) {
  auto c = make(kScopeAdmin, 0, 4);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(gateway_->authenticate(c.secret).ok()) << i;
  auto over = gateway_->authenticate(c.secret);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, "rate_limited");
  EXPECT_EQ(over.error().retry_after_s.value_or(0), 1);
  clock_.advance(250);  // a quarter second refills one request
  EXPECT_TRUE(gateway_->authenticate(c.secret).ok());
  EXPECT_FALSE(gateway_->authenticate(c.secret).ok());
  clock_.advance(10'000);  // never more than a second's worth
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(gateway_->authenticate(c.secret).ok()) << i;
  EXPECT_FALSE(gateway_->authenticate(c.secret).ok());
  auto unlimited = make(kScopeAdmin);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(gateway_->authenticate(unlimited.secret).ok());
}

}  // namespace
}  // namespace sb::engine
