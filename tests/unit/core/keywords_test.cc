// Compliance keyword and auto-reply rule matching: odd case, spacing and punctuation.
#include "core/keywords.h"

#include <gtest/gtest.h>

namespace sb {
namespace {

ComplianceProfile with_french() {
  ComplianceProfile p = ComplianceProfile::defaults();
  KeywordLanguage fr;
  fr.language = "fr";
  fr.opt_out = {"ARRET", "ARRÊT"};
  fr.opt_out_reply = "Vous êtes désinscrit.";
  p.languages.push_back(fr);
  return p;
}

TEST(KeywordsTest, OptOutKeywordsMatchWithOddCaseSpacingAndPunctuation) {
  const auto p = ComplianceProfile::defaults();
  for (const char* body : {"STOP", "stop", " stop ", "Stop.", "STOP!!", "\tStOp \n", "stop ?",
                           "UNSUBSCRIBE", "end", "Quit!", "optout", "revoke.", "stopall",
                           "cancel\xE2\x80\xA6", "STOP\xEF\xBC\x81", "\xC2\xA0stop\xC2\xA0"}) {
    auto m = match_keyword(body, p);
    ASSERT_TRUE(m.has_value()) << body;
    EXPECT_EQ(m->kind, KeywordKind::kOptOut) << body;
    EXPECT_EQ(m->language, "en");
    EXPECT_FALSE(m->reply.empty());
  }
}

TEST(KeywordsTest, OptInAndHelpKeywords) {
  const auto p = ComplianceProfile::defaults();
  for (const char* body : {"START", "yes", " Unstop. "}) {
    auto m = match_keyword(body, p);
    ASSERT_TRUE(m) << body;
    EXPECT_EQ(m->kind, KeywordKind::kOptIn) << body;
  }
  for (const char* body : {"HELP", "help?", "Info"}) {
    auto m = match_keyword(body, p);
    ASSERT_TRUE(m) << body;
    EXPECT_EQ(m->kind, KeywordKind::kHelp) << body;
  }
}

TEST(KeywordsTest, MoreThanTheKeywordIsNotAKeyword) {
  const auto p = ComplianceProfile::defaults();
  for (const char* body : {"stop please", "please stop", "STOP ALL", "s top", "stopp", "", "   ",
                           "!!!", "help me", "st.op", "yes!! I want it"}) {
    EXPECT_FALSE(match_keyword(body, p).has_value()) << body;
  }
}

TEST(KeywordsTest, LanguageVariantsCarryTheirOwnReply) {
  const auto p = with_french();
  for (const char* body : {"arret", "ARRÊT", "arrêt!", " Arrêt. "}) {
    auto m = match_keyword(body, p);
    ASSERT_TRUE(m) << body;
    EXPECT_EQ(m->kind, KeywordKind::kOptOut);
    EXPECT_EQ(m->language, "fr");
    EXPECT_EQ(m->reply, "Vous êtes désinscrit.");
  }
  // A language without its own reply for a kind falls back to the default language's.
  KeywordLanguage de;
  de.language = "de";
  de.help = {"HILFE"};
  auto q = p;
  q.languages.push_back(de);
  auto m = match_keyword("hilfe", q);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, KeywordKind::kHelp);
  EXPECT_EQ(m->reply, q.languages.front().help_reply);
}

TEST(KeywordsTest, DisabledProfileMatchesNothing) {
  auto p = ComplianceProfile::defaults();
  p.enabled = false;
  EXPECT_FALSE(match_keyword("STOP", p));
}

TEST(KeywordsTest, NormalizeKeywordFoldsLatin1) {
  EXPECT_EQ(normalize_keyword("  ARRÊT!! "), "arrêt");
  EXPECT_EQ(normalize_keyword("ÉÀÇ"), "éàç");
  EXPECT_EQ(fold_case("×"), "×");  // not a letter
}

TEST(AutoReplyRuleTest, MatchTypesAreCaseInsensitive) {
  EXPECT_TRUE(rule_matches(MatchType::kExact, "hello", "  HeLLo "));
  EXPECT_FALSE(rule_matches(MatchType::kExact, "hello", "hello there"));
  EXPECT_TRUE(rule_matches(MatchType::kPrefix, "hours", "Hours today?"));
  EXPECT_FALSE(rule_matches(MatchType::kPrefix, "hours", "what hours"));
  EXPECT_TRUE(rule_matches(MatchType::kContains, "hello", "Well HELLO there"));
  EXPECT_FALSE(rule_matches(MatchType::kContains, "hello", "help"));
  EXPECT_TRUE(rule_matches(MatchType::kRegex, "^order\\s+#?\\d+$", "ORDER #123"));
  EXPECT_FALSE(rule_matches(MatchType::kRegex, "^order\\s+#?\\d+$", "order abc"));
  EXPECT_TRUE(rule_matches(MatchType::kRegex, ".*", ""));
}

TEST(AutoReplyRuleTest, PatternsAreValidatedAtCreation) {
  EXPECT_TRUE(validate_pattern(MatchType::kRegex, "^a(b|c)+$").ok());
  auto bad = validate_pattern(MatchType::kRegex, "a(b");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "invalid_regex");
  EXPECT_EQ(bad.error().field, "pattern");
  EXPECT_EQ(validate_pattern(MatchType::kContains, "").error().code, "invalid_pattern");
  EXPECT_EQ(validate_pattern(MatchType::kExact, std::string(300, 'a')).error().code,
            "invalid_pattern");
  EXPECT_EQ(validate_pattern(MatchType::kExact, "\xFF").error().code, "invalid_pattern");
  EXPECT_EQ(parse_match_type("regex"), MatchType::kRegex);
  EXPECT_FALSE(parse_match_type("glob"));
}

TEST(AutoReplyRuleTest, RegexInputIsBounded) {
  // Only the first kMaxRegexInput bytes are searched, so a long body cannot blow the stack.
  const std::string body = std::string(50'000, 'a') + "needle";
  EXPECT_FALSE(rule_matches(MatchType::kRegex, "needle", body));
  EXPECT_TRUE(rule_matches(MatchType::kRegex, "(a|b)*", body));
  EXPECT_TRUE(rule_matches(MatchType::kContains, "needle", body));
}

}  // namespace
}  // namespace sb
