// UserRepository: console users and sessions; every test runs on SQLite and PostgreSQL
// (store_test_fixture.h).
#include "store_test_fixture.h"

namespace sb::store {
namespace {

class UserRepositoryTest : public StoreContractTest {
 protected:
  ConsoleUser user(const std::string& id, const std::string& email) {
    return {id, kAcctA, email, "agent", "$argon2id$fake", false, kT0, 0};
  }
};

TEST_P(UserRepositoryTest, EmailsAreUniqueAndListsNeverMixAccounts) {
  ASSERT_TRUE(unwrap(store_->users().add_user(user("usr_1", "a@x.example"))));
  EXPECT_FALSE(unwrap(store_->users().add_user(user("usr_2", "a@x.example"))));  // taken
  ConsoleUser b = user("usr_3", "b@x.example");
  b.account = kAcctB;
  b.role = "admin";
  ASSERT_TRUE(unwrap(store_->users().add_user(b)));
  EXPECT_EQ(unwrap(store_->users().list_users(kAcctA)).size(), 1u);
  EXPECT_EQ(unwrap(store_->users().list_users("")).size(), 2u);
  auto found = unwrap(another_instance().users().find_user_by_email("b@x.example"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->account, kAcctB);
  EXPECT_EQ(found->role, "admin");
  EXPECT_FALSE(unwrap(store_->users().find_user_by_email("c@x.example")));
}

TEST_P(UserRepositoryTest, SessionsEndWithDisablingAPasswordResetOrTheirLimits) {
  ASSERT_TRUE(unwrap(store_->users().add_user(user("usr_1", "a@x.example"))));
  const ConsoleSession s{"hash-1", "usr_1", kT0, kT0, kT0 + 1000};
  ASSERT_TRUE(store_->users().add_session(s).ok());
  auto found = unwrap(store_->users().find_session("hash-1"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->first.expires_at, kT0 + 1000);
  EXPECT_EQ(found->second.email, "a@x.example");
  ASSERT_TRUE(store_->users().touch_session("hash-1", kT0 + 10).ok());
  EXPECT_EQ(unwrap(store_->users().find_session("hash-1"))->first.last_seen_at, kT0 + 10);

  EXPECT_TRUE(unwrap(store_->users().set_user_disabled("a@x.example", true)));
  EXPECT_FALSE(unwrap(store_->users().find_session("hash-1")));
  EXPECT_TRUE(unwrap(store_->users().find_user_by_email("a@x.example"))->disabled);
  EXPECT_TRUE(unwrap(store_->users().set_user_disabled("a@x.example", false)));

  ASSERT_TRUE(store_->users().add_session({"hash-2", "usr_1", kT0, kT0, kT0 + 1000}).ok());
  EXPECT_TRUE(unwrap(store_->users().set_user_password("a@x.example", "$argon2id$new")));
  EXPECT_FALSE(unwrap(store_->users().find_session("hash-2")));
  EXPECT_FALSE(unwrap(store_->users().set_user_password("nobody@x.example", "h")));

  ASSERT_TRUE(store_->users().add_session({"hash-3", "usr_1", kT0, kT0, kT0 + 1000}).ok());
  ASSERT_TRUE(store_->users().add_session({"hash-4", "usr_1", kT0, kT0 + 500, kT0 + 5000}).ok());
  // At kT0 + 2000: hash-3 is past its absolute limit; idle limit: seen before kT0 + 100.
  EXPECT_EQ(unwrap(store_->users().prune_sessions(kT0 + 2000, kT0 + 100)), 1);
  EXPECT_TRUE(unwrap(store_->users().find_session("hash-4")));
  ASSERT_TRUE(store_->users().delete_session("hash-4").ok());
  EXPECT_FALSE(unwrap(store_->users().find_session("hash-4")));
}

INSTANTIATE_TEST_SUITE_P(Backends, UserRepositoryTest,
                         testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

}  // namespace
}  // namespace sb::store
