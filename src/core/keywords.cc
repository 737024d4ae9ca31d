// Keyword normalization and matching, and auto-reply rule matching.
#include "core/keywords.h"

#include <array>

// <regex> trips GCC 12's middle-end warnings in optimized sanitizer builds (see store.cc);
// the library code is not ours to fix.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wnull-dereference"
#pragma GCC diagnostic ignored "-Wrestrict"
#include <regex>
#pragma GCC diagnostic pop

#include "core/utf8.h"

namespace sb {
namespace {

// Multi-byte trailing marks dropped like ASCII punctuation, and spaces trimmed like ASCII ones.
constexpr std::array<std::string_view, 7> kTrailingMarks = {
    "\xE2\x80\xA6",  // … horizontal ellipsis
    "\xEF\xBC\x81",  // ！ fullwidth exclamation mark
    "\xEF\xBC\x9F",  // ？ fullwidth question mark
    "\xE3\x80\x82",  // 。 ideographic full stop
    "\xC2\xA1",      // ¡
    "\xC2\xBF",      // ¿
    "\xC2\xA0",      // no-break space
};

bool ascii_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool ascii_punct(unsigned char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
         (c >= '{' && c <= '~');
}

std::string_view trim_spaces(std::string_view s) {
  for (;;) {
    if (!s.empty() && ascii_space(static_cast<unsigned char>(s.front()))) {
      s.remove_prefix(1);
    } else if (s.starts_with("\xC2\xA0")) {
      s.remove_prefix(2);
    } else {
      break;
    }
  }
  for (;;) {
    if (!s.empty() && ascii_space(static_cast<unsigned char>(s.back()))) {
      s.remove_suffix(1);
    } else if (s.ends_with("\xC2\xA0")) {
      s.remove_suffix(2);
    } else {
      break;
    }
  }
  return s;
}

}  // namespace

std::string_view to_string(KeywordKind k) {
  switch (k) {
    case KeywordKind::kOptOut: return "opt_out";
    case KeywordKind::kOptIn: return "opt_in";
    case KeywordKind::kHelp: return "help";
  }
  return "opt_out";
}

const std::vector<std::string>& KeywordLanguage::words(KeywordKind k) const {
  return k == KeywordKind::kOptOut ? opt_out : k == KeywordKind::kOptIn ? opt_in : help;
}

const std::string& KeywordLanguage::reply(KeywordKind k) const {
  return k == KeywordKind::kOptOut ? opt_out_reply
                                   : k == KeywordKind::kOptIn ? opt_in_reply : help_reply;
}

ComplianceProfile ComplianceProfile::defaults() {
  ComplianceProfile p;
  KeywordLanguage en;
  en.language = "en";
  en.opt_out = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"};
  en.opt_in = {"START", "YES", "UNSTOP"};
  en.help = {"HELP", "INFO"};
  en.opt_out_reply =
      "You have been unsubscribed and will receive no more messages from this number. Reply "
      "START to resubscribe.";
  en.opt_in_reply = "You have been resubscribed. Reply STOP to unsubscribe, HELP for help.";
  en.help_reply = "Reply STOP to unsubscribe or START to resubscribe. Msg&data rates may apply.";
  p.languages.push_back(std::move(en));
  return p;
}

std::string fold_case(std::string_view s) {
  std::string out(s);
  for (size_t i = 0; i < out.size(); ++i) {
    auto c = static_cast<unsigned char>(out[i]);
    if (c >= 'A' && c <= 'Z') {
      out[i] = static_cast<char>(c + 32);
    } else if (c == 0xC3 && i + 1 < out.size()) {
      // U+00C0..U+00DE (except U+00D7 ×) are capitals whose small letter is 0x20 higher.
      auto n = static_cast<unsigned char>(out[i + 1]);
      if (n >= 0x80 && n <= 0x9E && n != 0x97) out[i + 1] = static_cast<char>(n + 0x20);
      ++i;
    }
  }
  return out;
}

std::string normalize_keyword(std::string_view body) {
  std::string_view s = trim_spaces(body);
  for (bool changed = true; changed && !s.empty();) {
    changed = false;
    if (ascii_punct(static_cast<unsigned char>(s.back()))) {
      s.remove_suffix(1);
      changed = true;
    } else {
      for (auto mark : kTrailingMarks) {
        if (s.ends_with(mark)) {
          s.remove_suffix(mark.size());
          changed = true;
          break;
        }
      }
    }
    if (changed) s = trim_spaces(s);
  }
  return fold_case(s);
}

std::optional<KeywordMatch> match_keyword(std::string_view body, const ComplianceProfile& p) {
  if (!p.enabled || p.languages.empty()) return std::nullopt;
  // Longer bodies cannot be a keyword; skip the work.
  if (body.size() > 200) return std::nullopt;
  const std::string word = normalize_keyword(body);
  if (word.empty()) return std::nullopt;
  for (KeywordKind kind : {KeywordKind::kOptOut, KeywordKind::kOptIn, KeywordKind::kHelp}) {
    for (const auto& lang : p.languages) {
      for (const auto& k : lang.words(kind)) {
        if (normalize_keyword(k) != word) continue;
        KeywordMatch m;
        m.kind = kind;
        m.keyword = k;
        m.language = lang.language;
        m.reply = lang.reply(kind).empty() ? p.languages.front().reply(kind) : lang.reply(kind);
        return m;
      }
    }
  }
  return std::nullopt;
}

std::string_view to_string(MatchType t) {
  switch (t) {
    case MatchType::kExact: return "exact";
    case MatchType::kPrefix: return "prefix";
    case MatchType::kContains: return "contains";
    case MatchType::kRegex: return "regex";
  }
  return "exact";
}

std::optional<MatchType> parse_match_type(std::string_view s) {
  if (s == "exact") return MatchType::kExact;
  if (s == "prefix") return MatchType::kPrefix;
  if (s == "contains") return MatchType::kContains;
  if (s == "regex") return MatchType::kRegex;
  return std::nullopt;
}

Result<void> validate_pattern(MatchType type, std::string_view pattern) {
  if (pattern.empty()) return Error::make("invalid_pattern", "pattern must not be empty", "pattern");
  if (pattern.size() > kMaxPatternBytes) {
    return Error::make("invalid_pattern",
                       "pattern is longer than " + std::to_string(kMaxPatternBytes) + " bytes",
                       "pattern");
  }
  if (!utf8::is_valid(pattern)) {
    return Error::make("invalid_pattern", "pattern is not valid UTF-8", "pattern");
  }
  if (type == MatchType::kRegex) {
    try {
      std::regex re(pattern.begin(), pattern.end(),
                    std::regex::ECMAScript | std::regex::icase | std::regex::nosubs);
    } catch (const std::regex_error& e) {
      return Error::make("invalid_regex",
                         std::string("pattern is not a valid ECMAScript regular expression: ") +
                             e.what(),
                         "pattern");
    }
  }
  return Ok();
}

bool rule_matches(MatchType type, std::string_view pattern, std::string_view body) {
  if (type == MatchType::kRegex) {
    std::string_view input = body.substr(0, std::min(body.size(), kMaxRegexInput));
    try {
      std::regex re(pattern.begin(), pattern.end(),
                    std::regex::ECMAScript | std::regex::icase | std::regex::nosubs);
      return std::regex_search(input.begin(), input.end(), re);
    } catch (const std::regex_error&) {
      return false;  // error_complexity / error_stack: treated as no match
    }
  }
  const std::string text = fold_case(trim_spaces(body));
  const std::string pat = fold_case(pattern);
  switch (type) {
    case MatchType::kExact: return text == pat;
    case MatchType::kPrefix: return text.starts_with(pat);
    case MatchType::kContains: return text.find(pat) != std::string::npos;
    case MatchType::kRegex: break;
  }
  return false;
}

}  // namespace sb
