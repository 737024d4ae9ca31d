// Compliance keywords (opt-out, opt-in, help) and auto-reply rule matching: pure functions over
// an inbound body, no storage, no sending.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sb {

enum class KeywordKind { kOptOut, kOptIn, kHelp };
std::string_view to_string(KeywordKind k);

// One language's keyword lists and confirmation replies. An empty reply sends nothing.
struct KeywordLanguage {
  std::string language = "en";
  std::vector<std::string> opt_out;
  std::vector<std::string> opt_in;
  std::vector<std::string> help;
  std::string opt_out_reply;
  std::string opt_in_reply;
  std::string help_reply;
  const std::vector<std::string>& words(KeywordKind k) const;
  const std::string& reply(KeywordKind k) const;
};

// The compliance settings in force for one account or one of its numbers.
struct ComplianceProfile {
  bool enabled = true;             // false: no keyword handling (opt-out checks still apply)
  std::string opt_out_scope = "account";  // account | number: what a STOP keyword opts out of
  // languages[0] is the default language; later entries add keywords with their own replies.
  std::vector<KeywordLanguage> languages;
  // The English defaults (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPTOUT, REVOKE /
  // START, YES, UNSTOP / HELP, INFO) with their replies.
  static ComplianceProfile defaults();
};

struct KeywordMatch {
  KeywordKind kind = KeywordKind::kOptOut;
  std::string keyword;    // the configured keyword that matched
  std::string language;   // of the list it is in
  std::string reply;      // that language's reply, else the default language's ("" : none)
};

// The body as keyword matching sees it: surrounding whitespace trimmed, trailing punctuation
// (ASCII and common Unicode marks such as "…", "！", "。") dropped, case folded (ASCII and
// Latin-1 letters, so "ARRÊT" and "arrêt" fold alike).
std::string normalize_keyword(std::string_view body);
// Case folding alone (ASCII and the Latin-1 letters U+00C0-U+00DE).
std::string fold_case(std::string_view s);

// The whole body is one keyword: opt-out lists first, then opt-in, then help, each in language
// order. "stop please" is not a keyword.
std::optional<KeywordMatch> match_keyword(std::string_view body, const ComplianceProfile& p);

// --- auto-reply rules ---

enum class MatchType { kExact, kPrefix, kContains, kRegex };
std::string_view to_string(MatchType t);
std::optional<MatchType> parse_match_type(std::string_view s);

// Regex rules see at most this many bytes of a body (std::regex recursion grows with input).
constexpr size_t kMaxRegexInput = 1000;
constexpr size_t kMaxPatternBytes = 256;

// Checks a rule's pattern at creation: non-empty, at most kMaxPatternBytes, valid UTF-8, and for
// regex a valid ECMAScript expression. Errors: invalid_pattern / invalid_regex (field "pattern").
Result<void> validate_pattern(MatchType type, std::string_view pattern);

// Case-insensitive match of a rule against an inbound body. exact: the trimmed body equals the
// pattern; prefix / contains: as named, on the trimmed body; regex: ECMAScript search on the
// first kMaxRegexInput bytes. A regex that fails at match time (complexity) does not match.
bool rule_matches(MatchType type, std::string_view pattern, std::string_view body);

}  // namespace sb
