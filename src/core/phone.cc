// libphonenumber adapter plus the short-code and alphanumeric rules libphonenumber does not cover.
#include "core/phone.h"

#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_map>
#include <variant>

#include "core/segments.h"
#include "core/utf8.h"

namespace sb {
namespace {

using i18n::phonenumbers::PhoneNumberUtil;

// Why an input is not a usable address: a stable reason for machines, a detail for people.
struct Problem {
  std::string reason;
  std::string detail;
};

// Generous: long enough for a tel: URI with parameters, short enough to bound parsing cost.
constexpr size_t kMaxInputBytes = 128;
// ITU-T E.164: a number has at most 15 digits, country code included. libphonenumber's metadata
// is looser for some countries (Germany's fixed lines take national numbers of up to 15 digits).
constexpr size_t kMaxE164Digits = 15;
// GSM 03.40 TP-OA allows 11 alphanumeric characters (packed into 10 octets of septets).
constexpr int kMaxAlphanumericLength = 11;

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool starts_with_tel(std::string_view s) {
  return s.size() >= 4 && upper(s.substr(0, 4)) == "TEL:";
}

// The digits of an input made only of digits, spaces and hyphens (a dialled short code), or
// nullopt for anything else (a "+", letters, parentheses...).
std::optional<std::string> plain_digits(std::string_view s) {
  std::string digits;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c != ' ' && c != '-') {
      return std::nullopt;
    }
  }
  if (digits.empty()) return std::nullopt;
  return digits;
}

NumberType convert(PhoneNumberUtil::PhoneNumberType t) {
  switch (t) {
    case PhoneNumberUtil::FIXED_LINE:
      return NumberType::kFixedLine;
    case PhoneNumberUtil::MOBILE:
      return NumberType::kMobile;
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
      return NumberType::kFixedLineOrMobile;
    case PhoneNumberUtil::TOLL_FREE:
      return NumberType::kTollFree;
    case PhoneNumberUtil::PREMIUM_RATE:
      return NumberType::kPremiumRate;
    case PhoneNumberUtil::SHARED_COST:
      return NumberType::kSharedCost;
    case PhoneNumberUtil::VOIP:
      return NumberType::kVoip;
    case PhoneNumberUtil::PERSONAL_NUMBER:
      return NumberType::kPersonalNumber;
    case PhoneNumberUtil::PAGER:
      return NumberType::kPager;
    case PhoneNumberUtil::UAN:
      return NumberType::kUan;
    case PhoneNumberUtil::VOICEMAIL:
      return NumberType::kVoicemail;
    default:
      return NumberType::kUnknown;
  }
}

// Parses a phone number; extensions are kept when `allow_extension`, else a problem. Without
// `details` only e164, region and country_code are filled (the formats and the type cost as much
// as the parse itself).
std::optional<Problem> parse_number(std::string_view input, const std::string& region,
                                    bool allow_extension, PhoneNumber& out, bool details = true) {
  if (input.empty()) return Problem{"empty", "no digits given"};
  if (input.size() > kMaxInputBytes) return Problem{"too_long", "input is too long"};
  auto* util = PhoneNumberUtil::GetInstance();
  i18n::phonenumbers::PhoneNumber parsed;
  switch (util->Parse(std::string(input), region, &parsed)) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return Problem{"invalid_country_code",
                     "unknown country calling code, or no + and no known default region"};
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return Problem{"too_short", "too few digits"};
    case PhoneNumberUtil::TOO_LONG_NSN:
      return Problem{"too_long", "too many digits"};
    default:
      return Problem{"not_a_number", "could not be read as a phone number"};
  }
  if (parsed.has_extension() && !allow_extension) {
    return Problem{"extension_not_allowed",
                   "a number with an extension cannot send or receive SMS"};
  }
  switch (util->IsPossibleNumberWithReason(parsed)) {
    case PhoneNumberUtil::IS_POSSIBLE:
      break;
    case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
      return Problem{"too_short", "a local number needs its area code"};
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
      return Problem{"invalid_country_code", "unknown country calling code"};
    case PhoneNumberUtil::TOO_SHORT:
      return Problem{"too_short", "too few digits"};
    case PhoneNumberUtil::TOO_LONG:
      return Problem{"too_long", "too many digits"};
    default:
      return Problem{"invalid_length", "wrong number of digits for its country"};
  }
  // libphonenumber does not always read its own E.164 back as the same number: Mexican mobiles
  // written nationally ("011 44 7700 9001" in MX) format as +52 1 ..., which it reads as
  // +52 ... (the old mobile 1 dropped). The number is taken as its E.164 reads back, so one
  // number has one E.164 however it was written (opt-outs, contacts and threads match on it).
  {
    std::string e164;
    util->Format(parsed, PhoneNumberUtil::E164, &e164);
    i18n::phonenumbers::PhoneNumber reread;
    if (util->Parse(e164, "ZZ", &reread) == PhoneNumberUtil::NO_PARSING_ERROR &&
        (reread.country_code() != parsed.country_code() ||
         reread.national_number() != parsed.national_number())) {
      if (parsed.has_extension()) reread.set_extension(parsed.extension());
      parsed = reread;
    }
  }
  // Parse accepts e.g. "12345" as +1 12345; only validation knows whether the range exists.
  // IsValidNumber is GetRegionCodeForNumber then IsValidNumberForRegion; the region lookup (for
  // +1, a regex match per NANP region) is the costly half, so it is done once, here.
  out = PhoneNumber{};
  util->GetRegionCodeForNumber(parsed, &out.region);
  if (!util->IsValidNumberForRegion(parsed, out.region)) {
    return Problem{"invalid_number", "no such number range exists"};
  }
  util->Format(parsed, PhoneNumberUtil::E164, &out.e164);
  if (out.e164.size() - 1 > kMaxE164Digits) {
    out = PhoneNumber{};
    return Problem{"too_long", "more digits than E.164 allows (15, country code included)"};
  }
  out.country_code = parsed.country_code();
  if (!details) return std::nullopt;
  util->Format(parsed, PhoneNumberUtil::NATIONAL, &out.national);
  util->Format(parsed, PhoneNumberUtil::INTERNATIONAL, &out.international);
  // The formatted forms carry " ext. N"; the extension is reported on its own.
  if (parsed.has_extension()) {
    out.extension = parsed.extension();
    i18n::phonenumbers::PhoneNumber bare = parsed;
    bare.clear_extension();
    util->Format(bare, PhoneNumberUtil::NATIONAL, &out.national);
    util->Format(bare, PhoneNumberUtil::INTERNATIONAL, &out.international);
  }
  out.type = convert(util->GetNumberType(parsed));
  return std::nullopt;
}

std::optional<Problem> check_alphanumeric(std::string_view id) {
  if (!utf8::is_valid(id)) return Problem{"invalid_alphanumeric", "not valid UTF-8"};
  int length = 0;
  bool letter = false;
  for (size_t i = 0; i < id.size();) {
    const char32_t cp = utf8::next_unchecked(id, i);
    // Basic-table characters only: escape pairs would eat two of the 11 septets, and line breaks
    // make no sense in a sender name.
    if (gsm7_cost(cp) != 1 || cp == U'\n' || cp == U'\r') {
      return Problem{"invalid_alphanumeric",
                     "a sender ID may only use letters, digits, space and GSM-7 punctuation"};
    }
    letter = letter || (cp < 0x80 && is_ascii_letter(static_cast<char>(cp)));
    ++length;
  }
  if (length > kMaxAlphanumericLength) {
    return Problem{"invalid_alphanumeric", "a sender ID has at most 11 characters"};
  }
  if (!letter) return Problem{"invalid_alphanumeric", "a sender ID needs at least one letter"};
  return std::nullopt;
}

enum class Intent { kAddress, kLookup };

// The shared classifier behind parse_address and lookup.
std::optional<Problem> classify(std::string_view raw, const std::string& region, Intent intent,
                                Address& out) {
  const std::string_view input = trim(raw);
  if (input.empty()) return Problem{"empty", "no address given"};
  if (const auto digits = plain_digits(input); digits && is_short_code(*digits, region)) {
    out = Address{AddressKind::kShortCode, *digits, region, {}};
    return std::nullopt;
  }
  if (is_ascii_letter(input.front()) && !starts_with_tel(input)) {
    if (auto problem = check_alphanumeric(input)) return problem;
    out = Address{AddressKind::kAlphanumeric, std::string(input), "", {}};
    return std::nullopt;
  }
  PhoneNumber phone;
  if (auto problem = parse_number(input, region, intent == Intent::kLookup, phone)) return problem;
  out = Address{AddressKind::kPhoneNumber, phone.e164, phone.region, std::move(phone)};
  return std::nullopt;
}

Error make_error(std::string_view field, const Problem& p) {
  return Error::make("invalid_phone_number",
                     std::string(field) + " is not a valid address (" + p.reason + "): " + p.detail,
                     std::string(field));
}

}  // namespace

std::string_view to_string(NumberType t) {
  switch (t) {
    case NumberType::kFixedLine:
      return "fixed_line";
    case NumberType::kMobile:
      return "mobile";
    case NumberType::kFixedLineOrMobile:
      return "fixed_line_or_mobile";
    case NumberType::kTollFree:
      return "toll_free";
    case NumberType::kPremiumRate:
      return "premium_rate";
    case NumberType::kSharedCost:
      return "shared_cost";
    case NumberType::kVoip:
      return "voip";
    case NumberType::kPersonalNumber:
      return "personal_number";
    case NumberType::kPager:
      return "pager";
    case NumberType::kUan:
      return "uan";
    case NumberType::kVoicemail:
      return "voicemail";
    case NumberType::kUnknown:
      break;
  }
  return "unknown";
}

std::string_view to_string(AddressKind k) {
  switch (k) {
    case AddressKind::kPhoneNumber:
      return "phone_number";
    case AddressKind::kShortCode:
      return "short_code";
    case AddressKind::kAlphanumeric:
      return "alphanumeric";
  }
  return "phone_number";
}

std::string_view to_string(AddressRole r) {
  return r == AddressRole::kSender ? "sender" : "recipient";
}

namespace {

// libphonenumber spends ~50-90 us per parse+validate (regex matching over region metadata), the
// largest cost on the send path. Results depend only on (input, region), so they are cached:
// 16 shards of at most 4096 entries each, a shard cleared when full (bounded, no LRU bookkeeping).
template <typename Parsed>
class ParseCache {
 public:
  std::optional<std::variant<Parsed, Problem>> find(const std::string& key) {
    Shard& s = shard(key);
    std::lock_guard lk(s.mu);
    auto it = s.map.find(key);
    if (it == s.map.end()) return std::nullopt;
    return it->second;
  }
  void put(const std::string& key, std::variant<Parsed, Problem> v) {
    Shard& s = shard(key);
    std::lock_guard lk(s.mu);
    if (s.map.size() >= kShardCapacity) s.map.clear();
    s.map.emplace(key, std::move(v));
  }

 private:
  static constexpr size_t kShardCapacity = 4096;
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, std::variant<Parsed, Problem>> map;
  };
  Shard& shard(const std::string& key) { return shards_[std::hash<std::string>{}(key) % 16]; }
  std::array<Shard, 16> shards_;
};

ParseCache<PhoneNumber>& parse_cache() {
  static ParseCache<PhoneNumber> cache;
  return cache;
}

// The cache key of `input` read in `default_region` by one reader (`tag`).
std::string cache_key(char tag, std::string_view input, std::string_view default_region) {
  std::string key;
  key.reserve(default_region.size() + 2 + input.size());
  key.push_back(tag);
  key.append(default_region).push_back('\x1f');
  key.append(input);
  return key;
}

Result<PhoneNumber> parse_cached(std::string_view input, std::string_view default_region,
                                 std::string_view field, bool details) {
  const std::string key = cache_key(details ? 'D' : 'E', input, default_region);
  auto cached = parse_cache().find(key);
  if (!cached) {
    PhoneNumber out;
    if (auto problem = parse_number(trim(input), upper(default_region), false, out, details)) {
      cached = *problem;
    } else {
      cached = std::move(out);
    }
    if (input.size() <= 64) parse_cache().put(key, *cached);
  }
  if (const auto* problem = std::get_if<Problem>(&*cached)) {
    return Error::make("invalid_phone_number",
                       std::string(field) + " is not a valid phone number (" + problem->reason +
                           "): " + problem->detail,
                       std::string(field));
  }
  return std::get<PhoneNumber>(std::move(*cached));
}

}  // namespace

Result<PhoneNumber> parse_phone(std::string_view input, std::string_view default_region,
                                std::string_view field) {
  return parse_cached(input, default_region, field, /*details=*/true);
}

Result<PhoneNumber> normalize_phone(std::string_view input, std::string_view default_region,
                                    std::string_view field) {
  return parse_cached(input, default_region, field, /*details=*/false);
}

bool is_supported_region(std::string_view region) {
  static const std::set<std::string> kRegions = [] {
    std::set<std::string> regions;
    PhoneNumberUtil::GetInstance()->GetSupportedRegions(&regions);
    return regions;
  }();
  return kRegions.count(std::string(region)) > 0;
}

bool is_short_code(std::string_view d, std::string_view region) {
  const size_t n = d.size();
  if (n == 0 || d.front() == '0') return false;
  const char first = d.front();
  if (region == "US" || region == "CA") return (n == 5 || n == 6) && first != '1';
  if (region == "GB") return n == 5 && first >= '6' && first <= '8';
  if (region == "IE") return n == 5 && first == '5';
  if (region == "FR") return n == 5 && first >= '3' && first <= '8';
  if (region == "DE") return n == 4 || n == 5;
  if (region == "AU") return n == 8 && d.substr(0, 2) == "19";
  return false;
}

Result<Address> parse_address(std::string_view input, std::string_view default_region,
                              AddressRole role, std::string_view field) {
  // Cached as parse_phone is: every inbound message reads its sender, and the senders repeat.
  static ParseCache<Address> cache;
  const std::string key = cache_key('A', input, default_region);
  auto cached = cache.find(key);
  if (!cached) {
    Address parsed;
    if (auto problem = classify(input, upper(default_region), Intent::kAddress, parsed)) {
      cached = *problem;
    } else {
      cached = std::move(parsed);
    }
    if (input.size() <= 64) cache.put(key, *cached);
  }
  if (const auto* problem = std::get_if<Problem>(&*cached)) return make_error(field, *problem);
  Address out = std::get<Address>(std::move(*cached));
  if (out.kind == AddressKind::kAlphanumeric && role == AddressRole::kRecipient) {
    return make_error(field, Problem{"alphanumeric_not_allowed",
                                     "an alphanumeric sender ID cannot receive messages"});
  }
  return out;
}

LookupResult lookup(std::string_view input, std::string_view default_region) {
  LookupResult r;
  r.input = std::string(input);
  r.default_region = upper(default_region);
  if (auto problem = classify(input, r.default_region, Intent::kLookup, r.address)) {
    r.reason = problem->reason;
    r.message = problem->detail;
    r.address = Address{};
    return r;
  }
  r.valid = true;
  switch (r.address.kind) {
    case AddressKind::kShortCode:
      r.valid_as_sender = r.valid_as_recipient = true;
      break;
    case AddressKind::kAlphanumeric:
      r.valid_as_sender = true;
      break;
    case AddressKind::kPhoneNumber:
      r.valid_as_sender = r.valid_as_recipient = r.address.phone.extension.empty();
      break;
  }
  return r;
}

nlohmann::json to_json(const LookupResult& r) {
  using nlohmann::json;
  const auto str_or_null = [](const std::string& s) { return s.empty() ? json() : json(s); };
  json j{{"input", r.input},
         {"region", str_or_null(r.default_region)},
         {"valid", r.valid},
         {"reason", str_or_null(r.reason)},
         {"message", str_or_null(r.message)},
         {"kind", nullptr},
         {"value", nullptr},
         {"e164", nullptr},
         {"number_region", nullptr},
         {"country_code", nullptr},
         {"type", nullptr},
         {"national", nullptr},
         {"international", nullptr},
         {"extension", nullptr},
         {"valid_as", {{"sender", r.valid_as_sender}, {"recipient", r.valid_as_recipient}}}};
  if (!r.valid) return j;
  const Address& a = r.address;
  j["kind"] = to_string(a.kind);
  j["value"] = a.value;
  j["number_region"] = str_or_null(a.region);
  if (a.kind == AddressKind::kPhoneNumber) {
    const PhoneNumber& p = a.phone;
    j["e164"] = p.e164;
    j["country_code"] = p.country_code;
    j["type"] = to_string(p.type);
    j["national"] = p.national;
    j["international"] = p.international;
    j["extension"] = str_or_null(p.extension);
  }
  return j;
}

}  // namespace sb
