// Addresses: phone numbers to E.164 with libphonenumber (validity checked, not assumed), short
// codes and alphanumeric sender IDs.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sb {

// libphonenumber's number types, named for the API ("mobile", "fixed_line", ...).
enum class NumberType {
  kFixedLine,
  kMobile,
  kFixedLineOrMobile,  // regions such as US/CA where the two share ranges
  kTollFree,
  kPremiumRate,
  kSharedCost,
  kVoip,
  kPersonalNumber,
  kPager,
  kUan,
  kVoicemail,
  kUnknown,
};
std::string_view to_string(NumberType t);

struct PhoneNumber {
  std::string e164;           // "+14155550123"; contacts are matched on this, exactly
  std::string region;         // ISO 3166 region of the number, e.g. "US"; "001" for non-geographic
  int country_code = 0;       // 1
  std::string national;       // "(415) 555-0123"
  std::string international;  // "+1 415-555-0123"
  NumberType type = NumberType::kUnknown;
  std::string extension;  // "42" for "... ext. 42"; empty when none
};

// Parses `input` to a valid E.164 number: national formats of `default_region` ("(415) 555-0123",
// "415.555.0123"), "+" and the region's international prefix ("011" from US, "00" from most of
// the world), tel: URIs (RFC 3966, with ;ext= and ;phone-context=), full-width and other Unicode
// decimal digits, vanity letters ("1-800-FLOWERS"). Errors carry code "invalid_phone_number",
// `field`, and a message naming the reason: empty, not_a_number, too_short, too_long,
// invalid_length, invalid_country_code, invalid_number, extension_not_allowed. An extension is
// an error here because this is the SMS-destination parser; use lookup() to inspect one.
Result<PhoneNumber> parse_phone(std::string_view input, std::string_view default_region,
                                std::string_view field);

// parse_phone for hot paths (sending): the same validation and errors, but only e164, region
// and country_code are filled. Results of both are cached per (input, region).
Result<PhoneNumber> normalize_phone(std::string_view input, std::string_view default_region,
                                    std::string_view field);

// True when libphonenumber knows `region` (e.g. "US", "FR"); case-sensitive, upper case.
bool is_supported_region(std::string_view region);

enum class AddressKind {
  kPhoneNumber,   // E.164
  kShortCode,     // e.g. "55555" in US; kept as dialled, never turned into fake E.164
  kAlphanumeric,  // sender ID such as "ACME"; a sender only
};
std::string_view to_string(AddressKind k);

enum class AddressRole { kSender, kRecipient };
std::string_view to_string(AddressRole r);

struct Address {
  AddressKind kind = AddressKind::kPhoneNumber;
  // E.164 for numbers, the digits for short codes, the ID as given (trimmed) for alphanumerics.
  std::string value;
  // The number's region for phone numbers, the region a short code belongs to (short codes only
  // exist within one country), empty for alphanumeric IDs.
  std::string region;
  PhoneNumber phone;  // filled only for kPhoneNumber
};

// Short-code lengths per region (docs/text-and-numbers.md has the sources). Regions not listed
// have no short codes here, so their short numbers fail as too_short phone numbers.
bool is_short_code(std::string_view digits, std::string_view region);

// Classifies and validates an address for `role`:
//  - only digits (spaces/hyphens allowed), no "+", matching the short-code rule of
//    `default_region` -> kShortCode;
//  - starting with a letter (and not "tel:") -> kAlphanumeric: at most 11 characters, each in
//    the GSM-7 basic table (letters, digits, space and GSM punctuation), at least one letter;
//    valid only when `role` is kSender;
//  - anything else -> a phone number, as parse_phone (so extensions are rejected).
// Errors: code "invalid_phone_number" with `field`, message naming the reason (those of
// parse_phone plus alphanumeric_not_allowed, invalid_alphanumeric).
Result<Address> parse_address(std::string_view input, std::string_view default_region,
                              AddressRole role, std::string_view field);

// Everything POST /v1/lookup answers. A lookup never fails: invalid input is a result.
struct LookupResult {
  std::string input;           // as given
  std::string default_region;  // the region used for national formats (upper-cased)
  bool valid = false;          // a well-formed, existing address (see valid_as_* for SMS use)
  std::string reason;          // machine-readable reason when !valid (see parse_phone)
  std::string message;         // human explanation when !valid
  Address address;             // meaningful when valid
  bool valid_as_sender = false;
  bool valid_as_recipient = false;  // false for alphanumeric IDs and numbers with an extension
};

// Looks `input` up like parse_address, but keeps extensions (reported, and then the number is
// not a valid recipient) and reports both roles.
LookupResult lookup(std::string_view input, std::string_view default_region);

// {"input","region","valid","reason","message","kind","value","e164","number_region",
//  "country_code","type","national","international","extension","valid_as":{"sender","recipient"}}
// Fields that do not apply are null.
nlohmann::json to_json(const LookupResult& result);

}  // namespace sb
