// The API-key scope vocabulary: parsing, the stored text form, what a set allows, a key's state.
#include "core/api_key.h"

#include <gtest/gtest.h>

namespace sb {
namespace {

TEST(ApiKeyScopes, ParseNamesRoundTripAndRefuseUnknownOrEmptyLists) {
  auto s = parse_scopes({"messages:read", "compliance", "messages:read"}, "scopes");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, ScopeSet{kScopeMessagesRead | kScopeCompliance});
  EXPECT_EQ(scope_list(*s), (std::vector<std::string>{"messages:read", "compliance"}));
  EXPECT_EQ(scopes_to_text(*s), "messages:read compliance");
  EXPECT_EQ(scopes_from_text(scopes_to_text(*s)), *s);
  EXPECT_EQ(scopes_from_text("admin bogus"), ScopeSet{kScopeAdmin});
  for (auto name : scope_names()) {
    auto one = parse_scopes({std::string(name)}, "scopes");
    ASSERT_TRUE(one.ok()) << name;
    EXPECT_EQ(scope_list(*one), std::vector<std::string>{std::string(name)});
  }
  auto bad = parse_scopes({"messages:send", "Admin"}, "scopes");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "invalid_scope");
  EXPECT_EQ(bad.error().field, "scopes");
  EXPECT_NE(bad.error().message.find("'Admin'"), std::string::npos);
  EXPECT_FALSE(parse_scopes({}, "scopes").ok());
}

TEST(ApiKeyScopes, AdminAllowsEverythingOthersOnlyWhatTheyHold) {
  const ScopeSet agent = kScopeMessagesSend | kScopeMessagesRead | kScopeConversations;
  EXPECT_TRUE(scopes_allow(agent, kScopeNone));
  EXPECT_TRUE(scopes_allow(agent, kScopeConversations | kScopeMessagesSend));
  EXPECT_FALSE(scopes_allow(kScopeConversations, kScopeConversations | kScopeMessagesSend));
  EXPECT_EQ(missing_scope(kScopeConversations, kScopeConversations | kScopeMessagesSend),
            "messages:send");
  EXPECT_FALSE(scopes_allow(agent, kScopeAdmin));
  EXPECT_TRUE(scopes_allow(kScopeAdmin, kScopeNumbers | kScopeCompliance));
  EXPECT_EQ(missing_scope(kScopeAdmin, kScopeNumbers), "");
}

TEST(ApiKeyScopes, AKeysStateAndJsonNeverShowTheHash) {
  ApiKey k;
  k.id = "key_1";
  k.key_hash = "ab12";
  k.prefix = "sbk_00112233";
  k.created_at = 1'000;
  k.expires_at = 5'000;
  EXPECT_EQ(api_key_state(k, 4'999), "active");
  EXPECT_EQ(api_key_state(k, 5'000), "expired");
  k.revoked_at = 2'000;
  EXPECT_EQ(api_key_state(k, 3'000), "revoked");
  const auto j = api_key_json(k, 3'000);
  EXPECT_EQ(j.dump().find("ab12"), std::string::npos);
  EXPECT_EQ(j["state"], "revoked");
  EXPECT_TRUE(j["last_used_at"].is_null());
  EXPECT_EQ(j["scopes"], nlohmann::json({"admin"}));
}

}  // namespace
}  // namespace sb
