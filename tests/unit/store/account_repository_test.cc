// AccountRepository: accounts, API keys, numbers, signing and gateway secrets; every test runs on
// SQLite and PostgreSQL (store_test_fixture.h).
#include "store_test_fixture.h"

namespace sb::store {
namespace {

class AccountRepositoryTest : public StoreContractTest {};

TEST_P(AccountRepositoryTest, EnsureAccountIsIdempotent) {
  EXPECT_FALSE(unwrap(store_->accounts().account_exists("acct_new")));
  ASSERT_TRUE(store_->accounts().ensure_account("acct_new", kT0).ok());
  ASSERT_TRUE(store_->accounts().ensure_account("acct_new", kT0 + 1).ok());
  EXPECT_TRUE(unwrap(store_->accounts().account_exists("acct_new")));
  EXPECT_TRUE(unwrap(store_->accounts().account_exists(kAcctA)));
  EXPECT_FALSE(unwrap(store_->accounts().account_exists("acct_other")));
  EXPECT_FALSE(unwrap(store_->accounts().account_exists("")));
}

ApiKey api_key(const std::string& id, const std::string& account, const std::string& hash,
               const std::string& prefix, TimeMs created) {
  ApiKey k;
  k.id = id;
  k.account = account;
  k.key_hash = hash;
  k.prefix = prefix;
  k.created_at = created;
  return k;
}

TEST_P(AccountRepositoryTest, ApiKeysInsertFindAndCount) {
  ApiKey k1 = api_key("key_1", kAcctA, std::string(64, 'a'), "sb_live_aaaa", kT0);
  k1.name = "reminders";
  k1.scopes = kScopeMessagesSend | kScopeCompliance;
  k1.expires_at = kT0 + 86'400'000;
  k1.rate_limit = 20;
  const ApiKey k2 = api_key("key_2", kAcctA, std::string(64, 'b'), "sb_live_bbbb", kT0 + 5);
  const ApiKey k3 = api_key("key_3", kAcctB, std::string(64, 'c'), "sb_live_cccc", kT0 + 9);
  for (const auto& k : {k1, k2, k3}) ASSERT_TRUE(store_->accounts().insert_api_key(k).ok()) << k.id;

  auto found = unwrap(store_->accounts().find_api_key(k2.key_hash));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "key_2");
  EXPECT_EQ(found->account, kAcctA);
  EXPECT_EQ(found->key_hash, k2.key_hash);
  EXPECT_EQ(found->prefix, "sb_live_bbbb");
  EXPECT_EQ(found->created_at, kT0 + 5);
  EXPECT_EQ(found->scopes, ScopeSet{kScopeAdmin});
  EXPECT_EQ(found->expires_at, 0);
  auto found1 = unwrap(store_->accounts().find_api_key(k1.key_hash));
  ASSERT_TRUE(found1.has_value());
  EXPECT_EQ(found1->name, "reminders");
  EXPECT_EQ(found1->scopes, k1.scopes);
  EXPECT_EQ(found1->expires_at, k1.expires_at);
  EXPECT_EQ(found1->rate_limit, 20);
  auto found3 = unwrap(store_->accounts().find_api_key(k3.key_hash));
  ASSERT_TRUE(found3.has_value());
  EXPECT_EQ(found3->account, kAcctB);

  EXPECT_FALSE(unwrap(store_->accounts().find_api_key(std::string(64, 'd'))).has_value());
  EXPECT_FALSE(unwrap(store_->accounts().find_api_key("")).has_value());
  EXPECT_EQ(unwrap(store_->accounts().count_api_keys(kAcctA)), 2);
  EXPECT_EQ(unwrap(store_->accounts().count_api_keys(kAcctB)), 1);
  EXPECT_EQ(unwrap(store_->accounts().count_api_keys("acct_none")), 0);

  // A key hash identifies one key: a second key with the same hash is refused.
  EXPECT_FALSE(store_->accounts()
                   .insert_api_key(api_key("key_4", kAcctB, k1.key_hash, "sb_x", kT0))
                   .ok());
  EXPECT_EQ(unwrap(store_->accounts().find_api_key(k1.key_hash))->id, "key_1");
  EXPECT_EQ(unwrap(store_->accounts().count_api_keys(kAcctB)), 1);
}

TEST_P(AccountRepositoryTest, ApiKeysListRevokeAndTouchWithinTheirAccount) {
  for (const auto& k : {api_key("key_1", kAcctA, std::string(64, 'a'), "p1", kT0),
                        api_key("key_2", kAcctA, std::string(64, 'b'), "p2", kT0 + 5),
                        api_key("key_3", kAcctB, std::string(64, 'c'), "p3", kT0 + 9)}) {
    ASSERT_TRUE(store_->accounts().insert_api_key(k).ok());
  }
  auto listed = unwrap(store_->accounts().list_api_keys(kAcctA));
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, "key_2");  // newest first
  EXPECT_EQ(listed[1].id, "key_1");

  // Another account's key is not revoked.
  EXPECT_FALSE(unwrap(store_->accounts().revoke_api_key(kAcctB, "key_1", kT0 + 20)).has_value());
  auto revoked = unwrap(store_->accounts().revoke_api_key(kAcctA, "key_1", kT0 + 20));
  ASSERT_TRUE(revoked.has_value());
  EXPECT_EQ(revoked->revoked_at, kT0 + 20);
  // Revoking again keeps the first time; a revoked key is still found (and listed).
  EXPECT_EQ(unwrap(store_->accounts().revoke_api_key(kAcctA, "key_1", kT0 + 30))->revoked_at,
            kT0 + 20);
  EXPECT_EQ(unwrap(store_->accounts().find_api_key(std::string(64, 'a')))->revoked_at, kT0 + 20);
  EXPECT_EQ(unwrap(store_->accounts().count_api_keys(kAcctA)), 1);
  EXPECT_EQ(unwrap(store_->accounts().list_api_keys(kAcctA)).size(), 2u);

  ASSERT_TRUE(store_->accounts().touch_api_key("key_2", kT0 + 40).ok());
  EXPECT_EQ(unwrap(store_->accounts().find_api_key(std::string(64, 'b')))->last_used_at, kT0 + 40);
}

TEST_P(AccountRepositoryTest, SyncNumbersKeepsConfigOrderAndReplaces) {
  const std::vector<NumberRecord> first = {
      {"+15550000300", kAcctA, "twilio", true, true, "long_code"},
      {"+15550000100", kAcctA, "telnyx", true, false, "toll_free"},
      {"12345", kAcctB, "sim", true, false, "short_code"},
      {"+15550000200", kAcctA, "sim", false, true, "long_code"},
  };
  ASSERT_TRUE(store_->accounts().sync_numbers(first, kT0).ok());
  auto a = unwrap(store_->accounts().list_numbers(kAcctA));
  ASSERT_EQ(a.size(), 3u);
  // Config order, not number order.
  EXPECT_EQ(a[0].number, "+15550000300");
  EXPECT_EQ(a[1].number, "+15550000100");
  EXPECT_EQ(a[2].number, "+15550000200");
  EXPECT_EQ(a[0].connector, "twilio");
  EXPECT_TRUE(a[0].sms);
  EXPECT_TRUE(a[0].mms);
  EXPECT_EQ(a[1].type, "toll_free");
  EXPECT_FALSE(a[1].mms);
  EXPECT_FALSE(a[2].sms);
  EXPECT_TRUE(a[2].mms);
  EXPECT_EQ(a[2].account, kAcctA);
  auto b = unwrap(store_->accounts().list_numbers(kAcctB));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].number, "12345");
  EXPECT_EQ(b[0].type, "short_code");
  EXPECT_TRUE(unwrap(store_->accounts().list_numbers("acct_none")).empty());

  // Sync again: removed numbers disappear, moved numbers change account, new order applies.
  const std::vector<NumberRecord> second = {
      {"+15550000200", kAcctA, "twilio", true, false, "long_code"},
      {"+15550000100", kAcctB, "telnyx", true, true, "toll_free"},
  };
  ASSERT_TRUE(store_->accounts().sync_numbers(second, kT0 + 1).ok());
  a = unwrap(store_->accounts().list_numbers(kAcctA));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].number, "+15550000200");
  EXPECT_EQ(a[0].connector, "twilio");
  EXPECT_TRUE(a[0].sms);
  EXPECT_FALSE(a[0].mms);
  b = unwrap(store_->accounts().list_numbers(kAcctB));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].number, "+15550000100");
  EXPECT_TRUE(b[0].mms);

  ASSERT_TRUE(store_->accounts().sync_numbers({}, kT0 + 2).ok());
  EXPECT_TRUE(unwrap(store_->accounts().all_numbers()).empty());
  EXPECT_TRUE(unwrap(store_->accounts().list_numbers(kAcctA)).empty());
  EXPECT_TRUE(unwrap(store_->accounts().list_numbers(kAcctB)).empty());
}

TEST_P(AccountRepositoryTest, NumbersCarryThroughputAndDefaults) {
  NumberRecord limited{"+15550000300", kAcctA, "twilio", true, true, "long_code"};
  limited.throughput = 2.5;
  NumberRecord unlimited{"+15550000100", kAcctB, "sim", true, false, "short_code"};
  unlimited.throughput = 0;
  const NumberRecord by_type{"+15550000200", kAcctA, "sim", true, true, "toll_free"};
  ASSERT_TRUE(store_->accounts().sync_numbers({limited, unlimited, by_type}, kT0).ok());
  const auto all = unwrap(store_->accounts().all_numbers());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].number, "+15550000300");  // account A in config order, then B
  EXPECT_EQ(all[1].number, "+15550000200");
  EXPECT_EQ(all[2].number, "+15550000100");
  EXPECT_DOUBLE_EQ(all[0].throughput, 2.5);
  EXPECT_DOUBLE_EQ(all[1].throughput, -1);
  EXPECT_DOUBLE_EQ(all[2].throughput, 0);
  for (const auto& n : all) {
    EXPECT_EQ(n.source, "config");
    EXPECT_EQ(n.status, "active");
    EXPECT_FALSE(n.forward_url.has_value());
    EXPECT_EQ(n.forward_method, "POST");
    EXPECT_FALSE(n.status_callback.has_value());
  }
}

TEST_P(AccountRepositoryTest, NumberSettingsChangeOnlyForTheOwningAccountAndSurviveSyncs) {
  const std::vector<NumberRecord> numbers = {
      {kOurs, kAcctA, "tw", true, true, "long_code"},
      {"+15550000009", kAcctB, "tw", true, false, "long_code"}};
  ASSERT_TRUE(store_->accounts().sync_numbers(numbers, kT0).ok());

  auto foreign = store_->accounts().update_number_settings(
      kAcctB, kOurs, forward_to("https://b.example/"), kT0 + 1);
  ASSERT_TRUE(foreign.ok()) << foreign.error().message;
  EXPECT_FALSE(foreign->has_value()) << "another account's number is not found";
  EXPECT_FALSE(unwrap(store_->accounts().list_numbers(kAcctA))[0].forward_url.has_value());
  auto unknown = store_->accounts().update_number_settings(
      kAcctA, "+15559999999", forward_to("https://a.example/"), kT0 + 1);
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());

  auto r = store_->accounts().update_number_settings(
      kAcctA, kOurs, forward_to("https://a.example/in", "GET"), kT0 + 2);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->forward_url, "https://a.example/in");
  EXPECT_EQ((*r)->forward_method, "GET");
  EXPECT_FALSE((*r)->status_callback.has_value());

  EXPECT_EQ((*r)->conversations, "all");

  // Only the fields set change.
  NumberSettingsUpdate cb;
  cb.set_status_callback = true;
  cb.status_callback = "https://a.example/status";
  cb.conversations = "inbound";
  r = store_->accounts().update_number_settings(kAcctA, kOurs, cb, kT0 + 3);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->forward_url, "https://a.example/in");
  EXPECT_EQ((*r)->forward_method, "GET");
  EXPECT_EQ((*r)->status_callback, "https://a.example/status");
  EXPECT_EQ((*r)->conversations, "inbound");

  // A config sync keeps API settings; the other account's number is untouched.
  ASSERT_TRUE(store_->accounts().sync_numbers(numbers, kT0 + 4).ok());
  auto a = unwrap(store_->accounts().list_numbers(kAcctA));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].forward_url, "https://a.example/in");
  EXPECT_EQ(a[0].status_callback, "https://a.example/status");
  EXPECT_EQ(a[0].conversations, "inbound");
  EXPECT_FALSE(unwrap(store_->accounts().list_numbers(kAcctB))[0].forward_url.has_value());

  // Clearing: forwarding off (method back to the default), status_callback unchanged.
  NumberSettingsUpdate off;
  off.set_forwarding = true;
  r = store_->accounts().update_number_settings(kAcctA, kOurs, off, kT0 + 5);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_FALSE((*r)->forward_url.has_value());
  EXPECT_EQ((*r)->forward_method, "POST");
  EXPECT_EQ((*r)->status_callback, "https://a.example/status");
  EXPECT_EQ((*r)->conversations, "inbound");

  // Twilio's format and a friendly name; turning forwarding off forgets the format.
  NumberSettingsUpdate twilio = forward_to("https://a.example/sms");
  twilio.forward_format = "twilio";
  twilio.set_friendly_name = true;
  twilio.friendly_name = "Front desk";
  r = store_->accounts().update_number_settings(kAcctA, kOurs, twilio, kT0 + 6);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->forward_format, "twilio");
  EXPECT_EQ((*r)->friendly_name, "Front desk");
  ASSERT_TRUE(store_->accounts().sync_numbers(numbers, kT0 + 7).ok());
  EXPECT_EQ(unwrap(store_->accounts().list_numbers(kAcctA))[0].friendly_name, "Front desk");
  r = store_->accounts().update_number_settings(kAcctA, kOurs, off, kT0 + 8);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->forward_format, "switchboard");
  EXPECT_EQ((*r)->friendly_name, "Front desk");  // not part of that change
}

TEST_P(AccountRepositoryTest, ImportNumbersAddsOnlyAbsentNumbers) {
  NumberRecord config_a{"+15550000100", kAcctA, "twilio", true, true, "long_code"};
  config_a.throughput = 2;
  const NumberRecord config_b{"+15550000200", kAcctB, "twilio", true, false, "long_code"};
  ASSERT_TRUE(store_->accounts().sync_numbers({config_a, config_b}, kT0).ok());

  const std::vector<NumberRecord> batch = {
      {"+15550000100", kAcctA, "tw2", false, false, "toll_free"},  // config number of A
      {"+15550000200", kAcctA, "tw2", true, true, "long_code"},    // config number of B
      {"+18005550300", kAcctA, "tw2", true, false, "toll_free"},   // new
      {"+15550000400", kAcctA, "tw2", true, true, "long_code"},    // new
      {"+18005550300", kAcctA, "tw2", true, true, "long_code"},    // repeated in the batch
  };
  auto r = store_->accounts().import_numbers(batch, kT0 + 1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 5u);
  EXPECT_FALSE((*r)[0].added);
  EXPECT_EQ((*r)[0].reason, "already a config number of account " + kAcctA);
  EXPECT_FALSE((*r)[1].added);
  EXPECT_EQ((*r)[1].reason, "already a config number of account " + kAcctB);
  EXPECT_TRUE((*r)[2].added);
  EXPECT_TRUE((*r)[3].added);
  EXPECT_FALSE((*r)[4].added);
  EXPECT_EQ((*r)[4].reason, "already imported into account " + kAcctA);
  for (size_t i = 0; i < r->size(); ++i) EXPECT_EQ((*r)[i].number, batch[i].number);

  // Config numbers are untouched; imported ones follow them, by number, with type defaults.
  const auto a = unwrap(store_->accounts().list_numbers(kAcctA));
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].number, "+15550000100");
  EXPECT_EQ(a[0].connector, "twilio");
  EXPECT_EQ(a[0].source, "config");
  EXPECT_DOUBLE_EQ(a[0].throughput, 2);
  EXPECT_TRUE(a[0].mms);
  EXPECT_EQ(a[1].number, "+15550000400");
  EXPECT_EQ(a[2].number, "+18005550300");
  EXPECT_EQ(a[2].source, "import");
  EXPECT_EQ(a[2].connector, "tw2");
  EXPECT_EQ(a[2].type, "toll_free");
  EXPECT_TRUE(a[2].sms);
  EXPECT_FALSE(a[2].mms);
  EXPECT_DOUBLE_EQ(a[2].throughput, -1);
  EXPECT_EQ(a[2].status, "active");
  const auto b = unwrap(store_->accounts().list_numbers(kAcctB));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].connector, "twilio");
  EXPECT_FALSE(b[0].mms);

  // Importing again adds nothing; a config sync keeps imported numbers.
  auto again = store_->accounts().import_numbers({batch[2]}, kT0 + 2);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE((*again)[0].added);
  EXPECT_EQ((*again)[0].reason, "already imported into account " + kAcctA);
  ASSERT_TRUE(store_->accounts().sync_numbers({config_a}, kT0 + 3).ok());
  EXPECT_EQ(unwrap(store_->accounts().list_numbers(kAcctA)).size(), 3u);
  EXPECT_TRUE(unwrap(store_->accounts().list_numbers(kAcctB)).empty());
  EXPECT_EQ(unwrap(store_->accounts().all_numbers()).size(), 3u);
}

TEST_P(AccountRepositoryTest, ImportNumbersIntoUnknownAccountFailsWhole) {
  const std::vector<NumberRecord> batch = {
      {"+15550000500", kAcctA, "tw", true, false, "long_code"},
      {"+15550000600", "acct_missing", "tw", true, false, "long_code"},
  };
  EXPECT_FALSE(store_->accounts().import_numbers(batch, kT0).ok());
  EXPECT_TRUE(unwrap(store_->accounts().all_numbers()).empty());  // all or nothing
}

TEST_P(AccountRepositoryTest, SigningSecretIsCreatedOnFirstUseOncePerAccountAndRotates) {
  auto a = store_->accounts().signing_secret(kAcctA, kT0);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->account, kAcctA);
  ASSERT_EQ(a->secret.size(), 6u + 64u) << "sbsig_ and 256 bits in hex";
  EXPECT_EQ(a->secret.rfind("sbsig_", 0), 0u);
  EXPECT_EQ(a->created_at, kT0);
  // Stable across calls and instances; per account.
  auto again = another_instance().accounts().signing_secret(kAcctA, kT0 + 5);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->secret, a->secret);
  EXPECT_EQ(again->created_at, kT0);
  auto b = store_->accounts().signing_secret(kAcctB, kT0);
  ASSERT_TRUE(b.ok());
  EXPECT_NE(b->secret, a->secret);

  auto rotated = store_->accounts().rotate_signing_secret(kAcctA, kT0 + 10);
  ASSERT_TRUE(rotated.ok());
  EXPECT_NE(rotated->secret, a->secret);
  EXPECT_EQ(rotated->created_at, kT0 + 10);
  EXPECT_EQ(store_->accounts().signing_secret(kAcctA, kT0 + 11)->secret, rotated->secret);
  EXPECT_EQ(store_->accounts().signing_secret(kAcctB, kT0 + 11)->secret, b->secret);
  // Rotating before any use creates one.
  ASSERT_TRUE(store_->accounts().ensure_account("acct_c", kT0).ok());
  auto fresh = store_->accounts().rotate_signing_secret("acct_c", kT0 + 12);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(store_->accounts().signing_secret("acct_c", kT0 + 13)->secret, fresh->secret);
}

TEST_P(AccountRepositoryTest, SmppCredentialsOnePerAccountRotateInPlaceAndCursorsPersist) {
  EXPECT_FALSE(unwrap(store_->accounts().smpp_credential_of(kAcctA)).has_value());
  SmppCredential c{"acme", kAcctA, "$argon2id$first", kT0, 0};
  auto made = unwrap(store_->accounts().set_smpp_credential(c));
  EXPECT_EQ(made.system_id, "acme");
  EXPECT_EQ(made.rotated_at, 0);
  // A rotation keeps the system_id and replaces the hash.
  c.system_id = "ignored";
  c.password_hash = "$argon2id$second";
  c.created_at = kT0 + 10;
  auto rotated = unwrap(store_->accounts().set_smpp_credential(c));
  EXPECT_EQ(rotated.system_id, "acme");
  EXPECT_EQ(rotated.password_hash, "$argon2id$second");
  EXPECT_EQ(rotated.created_at, kT0);
  EXPECT_EQ(rotated.rotated_at, kT0 + 10);
  auto found = unwrap(another_instance().accounts().find_smpp_credential("acme"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->account, kAcctA);
  EXPECT_FALSE(unwrap(store_->accounts().find_smpp_credential("ignored")).has_value());

  EXPECT_EQ(unwrap(store_->accounts().smpp_cursor("acme")), "");
  ASSERT_TRUE(store_->accounts().save_smpp_cursor("acme", "0001", kT0).ok());
  ASSERT_TRUE(store_->accounts().save_smpp_cursor("acme", "0002", kT0 + 1).ok());
  EXPECT_EQ(unwrap(another_instance().accounts().smpp_cursor("acme")), "0002");
}

TEST_P(AccountRepositoryTest, EnsureSecretKeepsTheFirstValue) {
  auto a = store_->accounts().ensure_secret("media_url_key", "first", kT0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, "first");
  auto b = store_->accounts().ensure_secret("media_url_key", "second", kT0 + 1);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, "first");
  EXPECT_EQ(*store_->accounts().ensure_secret("other", "x", kT0), "x");
}

TEST_P(AccountRepositoryTest, TwilioCredentialsFirstWriterWinsRotationKeepsThePreviousToken) {
  const TwilioCredentials cand{kAcctA, "AC" + std::string(32, 'a'), "token-1", std::nullopt, kT0, 0};
  EXPECT_FALSE(unwrap(store_->accounts().twilio_credentials_of(kAcctA)));
  auto a = unwrap(store_->accounts().ensure_twilio_credentials(cand));
  EXPECT_EQ(a.account_sid, cand.account_sid);
  EXPECT_EQ(unwrap(another_instance().accounts().twilio_credentials_of(kAcctA))->auth_token,
            "token-1");
  EXPECT_EQ(a.auth_token, "token-1");
  EXPECT_FALSE(a.previous_token);
  // Another instance racing to create them gets the stored ones.
  TwilioCredentials late = cand;
  late.account_sid = "AC" + std::string(32, 'b');
  late.auth_token = "token-x";
  auto b = unwrap(another_instance().accounts().ensure_twilio_credentials(late));
  EXPECT_EQ(b.account_sid, cand.account_sid);
  EXPECT_EQ(b.auth_token, "token-1");

  auto rotated = unwrap(store_->accounts().rotate_twilio_token(kAcctA, "token-2", kT0 + 5));
  ASSERT_TRUE(rotated);
  EXPECT_EQ(rotated->auth_token, "token-2");
  EXPECT_EQ(rotated->previous_token, "token-1");
  EXPECT_EQ(rotated->rotated_at, kT0 + 5);
  auto found = unwrap(store_->accounts().find_twilio_credentials(cand.account_sid));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->account, kAcctA);
  EXPECT_EQ(found->previous_token, "token-1");
  auto dropped = unwrap(store_->accounts().drop_previous_twilio_token(kAcctA));
  ASSERT_TRUE(dropped);
  EXPECT_FALSE(dropped->previous_token);
  EXPECT_EQ(dropped->auth_token, "token-2");

  EXPECT_FALSE(unwrap(store_->accounts().find_twilio_credentials("AC" + std::string(32, 'c'))));
  EXPECT_FALSE(unwrap(store_->accounts().rotate_twilio_token(kAcctB, "t", kT0)));  // none yet
  // An account SID is one account's.
  TwilioCredentials clash{kAcctB, cand.account_sid, "token-b", std::nullopt, kT0, 0};
  EXPECT_FALSE(store_->accounts().ensure_twilio_credentials(clash).ok());
}

TEST_P(AccountRepositoryTest, TwilioApiKeysAreListedFoundWithTheirAccountSidAndDeleted) {
  const TwilioCredentials creds{kAcctA, "AC" + std::string(32, 'a'), "t", std::nullopt, kT0, 0};
  ASSERT_TRUE(store_->accounts().ensure_twilio_credentials(creds).ok());
  const TwilioApiKey key{"SK" + std::string(32, '1'), kAcctA, "", "ci", "hash-1", kT0};
  ASSERT_TRUE(store_->accounts().add_twilio_api_key(key).ok());
  ASSERT_TRUE(store_->accounts()
                  .add_twilio_api_key({"SK" + std::string(32, '2'), kAcctA, "", "", "hash-2", kT0 + 1})
                  .ok());
  EXPECT_FALSE(store_->accounts().add_twilio_api_key(key).ok());  // one SID, one key

  auto found = unwrap(another_instance().accounts().find_twilio_api_key(key.sid));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->account, kAcctA);
  EXPECT_EQ(found->account_sid, creds.account_sid);
  EXPECT_EQ(found->secret_hash, "hash-1");
  EXPECT_EQ(found->friendly_name, "ci");
  auto listed = unwrap(store_->accounts().list_twilio_api_keys(kAcctA));
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].sid, key.sid);
  EXPECT_TRUE(unwrap(store_->accounts().list_twilio_api_keys(kAcctB)).empty());

  EXPECT_FALSE(unwrap(store_->accounts().delete_twilio_api_key(kAcctB, key.sid)));  // not theirs
  EXPECT_TRUE(unwrap(store_->accounts().delete_twilio_api_key(kAcctA, key.sid)));
  EXPECT_FALSE(unwrap(store_->accounts().find_twilio_api_key(key.sid)));
  EXPECT_FALSE(unwrap(store_->accounts().delete_twilio_api_key(kAcctA, key.sid)));
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountRepositoryTest,
                         testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

}  // namespace
}  // namespace sb::store
