// Phone numbers, short codes and alphanumeric sender IDs across regions.
#include "core/phone.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sb {
namespace {

struct Valid {
  const char* region;  // default region
  const char* input;
  const char* e164;
  NumberType type;
  const char* national;
  const char* international;
  const char* number_region;
};

// E.164, validity, type and region agree with libphonenumber-js 1.13.16 ("max" metadata) on
// every row; formats are those of the C++ libphonenumber 8.12 we link (libphonenumber-js puts
// spaces where C++ uses hyphens in some international formats, e.g. "+1 415 555 0123").
// The numbers are libphonenumber example numbers or fictional ranges (555-01xx in NANP).
// 1-800-FLOWERS: libphonenumber-js does not map vanity letters; the C++ library does.
// +44 7911 ... is a Guernsey range inside +44, so both libraries report GG.
const std::vector<Valid> kValid = {
    {"US", "(415) 555-0123", "+14155550123", NumberType::kFixedLineOrMobile, "(415) 555-0123",
     "+1 415-555-0123", "US"},
    {"US", "415.555.0123", "+14155550123", NumberType::kFixedLineOrMobile, "(415) 555-0123",
     "+1 415-555-0123", "US"},
    {"US", "+1 415 555 0123", "+14155550123", NumberType::kFixedLineOrMobile, "(415) 555-0123",
     "+1 415-555-0123", "US"},
    {"US", "tel:+1-415-555-0123", "+14155550123", NumberType::kFixedLineOrMobile, "(415) 555-0123",
     "+1 415-555-0123", "US"},
    {"US", "TEL:+1-415-555-0123", "+14155550123", NumberType::kFixedLineOrMobile, "(415) 555-0123",
     "+1 415-555-0123", "US"},
    {"US", "tel:415-555-0123;phone-context=+1", "+14155550123", NumberType::kFixedLineOrMobile,
     "(415) 555-0123", "+1 415-555-0123", "US"},
    {"US", "\uFF11 (\uFF14\uFF11\uFF15) \uFF15\uFF15\uFF15-\uFF10\uFF11\uFF12\uFF13",
     "+14155550123", NumberType::kFixedLineOrMobile, "(415) 555-0123", "+1 415-555-0123", "US"},
    {"us", "  415 555 0123 ", "+14155550123", NumberType::kFixedLineOrMobile, "(415) 555-0123",
     "+1 415-555-0123", "US"},
    {"US", "1-800-FLOWERS", "+18003569377", NumberType::kTollFree, "(800) 356-9377",
     "+1 800-356-9377", "US"},
    {"US", "011 44 20 7946 0958", "+442079460958", NumberType::kFixedLine, "020 7946 0958",
     "+44 20 7946 0958", "GB"},
    {"CA", "(604) 555-0123", "+16045550123", NumberType::kFixedLineOrMobile, "(604) 555-0123",
     "+1 604-555-0123", "CA"},
    {"CA", "+1 604 555 0123", "+16045550123", NumberType::kFixedLineOrMobile, "(604) 555-0123",
     "+1 604-555-0123", "CA"},
    {"GB", "020 7946 0958", "+442079460958", NumberType::kFixedLine, "020 7946 0958",
     "+44 20 7946 0958", "GB"},
    {"GB", "07911 123456", "+447911123456", NumberType::kMobile, "07911 123456", "+44 7911 123456",
     "GG"},
    {"GB", "00 1 415 555 0123", "+14155550123", NumberType::kFixedLineOrMobile, "(415) 555-0123",
     "+1 415-555-0123", "US"},
    {"GB", "\u0660\u0667\u0669\u0661\u0661\u0661\u0662\u0663\u0664\u0665\u0666", "+447911123456",
     NumberType::kMobile, "07911 123456", "+44 7911 123456", "GG"},  // Arabic-Indic digits
    {"FR", "06 12 34 56 78", "+33612345678", NumberType::kMobile, "06 12 34 56 78",
     "+33 6 12 34 56 78", "FR"},
    {"FR", "01 23 45 67 89", "+33123456789", NumberType::kFixedLine, "01 23 45 67 89",
     "+33 1 23 45 67 89", "FR"},
    {"FR", "+33 6 12 34 56 78", "+33612345678", NumberType::kMobile, "06 12 34 56 78",
     "+33 6 12 34 56 78", "FR"},
    {"FR", "00 44 20 7946 0958", "+442079460958", NumberType::kFixedLine, "020 7946 0958",
     "+44 20 7946 0958", "GB"},
    {"DE", "030 901820", "+4930901820", NumberType::kFixedLine, "030 901820", "+49 30 901820",
     "DE"},
    {"DE", "0151 23456789", "+4915123456789", NumberType::kMobile, "01512 3456789",
     "+49 1512 3456789", "DE"},
    {"IN", "081234 56789", "+918123456789", NumberType::kMobile, "081234 56789", "+91 81234 56789",
     "IN"},
    {"BR", "(11) 91234-5678", "+5511912345678", NumberType::kMobile, "(11) 91234-5678",
     "+55 11 91234-5678", "BR"},
    {"JP", "090-1234-5678", "+819012345678", NumberType::kMobile, "090-1234-5678",
     "+81 90-1234-5678", "JP"},
    {"JP", "03-1234-5678", "+81312345678", NumberType::kFixedLine, "03-1234-5678",
     "+81 3-1234-5678", "JP"},
    {"AU", "0412 345 678", "+61412345678", NumberType::kMobile, "0412 345 678", "+61 412 345 678",
     "AU"},
    {"AU", "(02) 1234 5678", "+61212345678", NumberType::kFixedLine, "(02) 1234 5678",
     "+61 2 1234 5678", "AU"},
    {"MX", "55 1234 5678", "+525512345678", NumberType::kFixedLineOrMobile, "55 1234 5678",
     "+52 55 1234 5678", "MX"},
    {"ES", "612 34 56 78", "+34612345678", NumberType::kMobile, "612 34 56 78", "+34 612 34 56 78",
     "ES"},
    {"IT", "02 1234 5678", "+390212345678", NumberType::kFixedLine, "02 1234 5678",
     "+39 02 1234 5678", "IT"},
    {"IT", "312 345 6789", "+393123456789", NumberType::kMobile, "312 345 6789", "+39 312 345 6789",
     "IT"},
    {"ZA", "071 123 4567", "+27711234567", NumberType::kMobile, "071 123 4567", "+27 71 123 4567",
     "ZA"},
    {"NG", "0803 123 4567", "+2348031234567", NumberType::kMobile, "0803 123 4567",
     "+234 803 123 4567", "NG"},
};

TEST(Phone, ValidTable) {
  for (const Valid& v : kValid) {
    SCOPED_TRACE(std::string(v.region) + " " + v.input);
    const auto r = parse_phone(v.input, v.region, "to");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->e164, v.e164);
    EXPECT_EQ(r->type, v.type);
    EXPECT_EQ(r->national, v.national);
    EXPECT_EQ(r->international, v.international);
    EXPECT_EQ(r->region, v.number_region);
    EXPECT_TRUE(r->extension.empty());
  }
}

struct Invalid {
  const char* region;
  const char* input;
  const char* reason;
};

// Reasons follow libphonenumber's own verdicts (Parse error, IsPossibleNumberWithReason,
// IsValidNumber); libphonenumber-js agrees these are all invalid.
const std::vector<Invalid> kInvalid = {
    {"US", "", "empty"},
    {"US", "   ", "empty"},
    {"US", "12345", "too_short"},     // libphonenumber parses it as +1 12345
    {"US", "555-0123", "too_short"},  // local-only: no area code
    {"US", "+1 415 555 01234", "too_long"},
    {"US", "00 44 20 7946 0958", "too_long"},  // 00 is not the US international prefix
    {"US", "+999 415 555 0123", "invalid_country_code"},
    {"ZZ", "415 555 0123", "invalid_country_code"},  // no + and an unknown default region
    {"US", "+1 (415) 555-0123 ext. 42", "extension_not_allowed"},
    {"US", "415-555-0123 x42", "extension_not_allowed"},
    {"US", "tel:+1-415-555-0123;ext=77", "extension_not_allowed"},
    {"US", "+1 200 555 0123", "invalid_number"},  // 200 is not an assigned area code
    {"GB", "07911 12345", "invalid_number"},
    {"FR", "06 12 34 56", "too_short"},
    {"DE", "+49 1", "too_short"},
    // libphonenumber calls it a valid German number, but +49 and 14 digits is 16 digits: no
    // E.164 number (found by fuzz/phone.cc; input in fuzz/regressions/phone).
    {"DE", "5501yte0input0", "too_long"},
    {"DE", "+49 5501 98304678 80", "too_long"},
    {"US", "#$%", "not_a_number"},
};

// Found by fuzz/phone.cc (input in fuzz/regressions/phone): libphonenumber formatted a Mexican
// mobile written nationally as +52 1 ..., then read that E.164 back as +52 ... (no 1): the same
// number had two E.164 forms. Every spelling now gives the one its E.164 reads back as.
TEST(Phone, E164IsAFixedPoint) {
  const auto national = parse_phone("011 44 7700900 1", "MX", "to");
  ASSERT_TRUE(national.ok()) << national.error().message;
  EXPECT_EQ(national->e164, "+524477009001");
  for (const char* region : {"MX", "US", "FR"}) {
    const auto again = parse_phone(national->e164, region, "to");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->e164, national->e164);
  }
  EXPECT_EQ(parse_phone("+52 1 447 700 9001", "US", "to")->e164, "+524477009001");
}

TEST(Phone, InvalidTable) {
  for (const Invalid& v : kInvalid) {
    SCOPED_TRACE(std::string(v.region) + " " + v.input);
    const auto r = parse_phone(v.input, v.region, "to");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "invalid_phone_number");
    EXPECT_EQ(r.error().field, "to");
    EXPECT_NE(r.error().message.find(std::string("(") + v.reason + ")"), std::string::npos)
        << r.error().message;
    EXPECT_EQ(lookup(v.input, v.region).reason,
              std::string(v.reason) == "extension_not_allowed" ? "" : v.reason);
  }
}

TEST(Address, ShortCodes) {
  struct Row {
    const char* region;
    const char* input;
    bool short_code;
  };
  const Row rows[] = {
      {"US", "55555", true},  {"US", "555-555", true},  {"US", "12345", false},
      {"US", "1234", false},  {"US", "5555555", false}, {"CA", "24242", true},
      {"GB", "60123", true},  {"GB", "50123", false},   {"IE", "50123", true},
      {"FR", "36123", true},  {"DE", "8888", true},     {"AU", "19123456", true},
      {"ES", "55555", false}, {"US", "+55555", false},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(std::string(r.region) + " " + r.input);
    const auto a = parse_address(r.input, r.region, AddressRole::kRecipient, "to");
    if (r.short_code) {
      ASSERT_TRUE(a.ok()) << a.error().message;
      EXPECT_EQ(a->kind, AddressKind::kShortCode);
      EXPECT_EQ(a->region, r.region);
      EXPECT_EQ(a->value.find_first_not_of("0123456789"), std::string::npos);
    } else {
      EXPECT_TRUE(!a.ok() || a->kind != AddressKind::kShortCode);
    }
  }
  // A short code is a sender too, and never becomes fake E.164.
  const auto s = parse_address("555-555", "US", AddressRole::kSender, "from");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->value, "555555");
}

TEST(Address, AlphanumericSenders) {
  for (const char* id : {"ACME", "Acme Bank", "ACME24", "A", "ABCDEFGHIJK", "Dr.Who&Co",
                         "AΞΞΞΞΞΞΞΞΞΞ"}) {  // 11 characters, 21 bytes
    SCOPED_TRACE(id);
    const auto a = parse_address(id, "GB", AddressRole::kSender, "from");
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_EQ(a->kind, AddressKind::kAlphanumeric);
    EXPECT_EQ(a->value, id);
    const auto to = parse_address(id, "GB", AddressRole::kRecipient, "to");
    ASSERT_FALSE(to.ok());
    EXPECT_NE(to.error().message.find("alphanumeric_not_allowed"), std::string::npos);
  }
  for (const char* id : {"ABCDEFGHIJKL", "ACME{}", "ACMÉç", "Hi\nthere",
                         "AΞΞΞΞΞΞΞΞΞΞΞ"}) {
    SCOPED_TRACE(id);
    const auto a = parse_address(id, "GB", AddressRole::kSender, "from");
    ASSERT_FALSE(a.ok());
    EXPECT_NE(a.error().message.find("invalid_alphanumeric"), std::string::npos);
  }
}

TEST(Address, PhoneNumbersInBothRoles) {
  for (AddressRole role : {AddressRole::kSender, AddressRole::kRecipient}) {
    const auto a = parse_address("+44 20 7946 0958", "US", role, "x");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->kind, AddressKind::kPhoneNumber);
    EXPECT_EQ(a->value, "+442079460958");
    EXPECT_EQ(a->region, "GB");
    EXPECT_EQ(a->phone.type, NumberType::kFixedLine);
  }
  EXPECT_FALSE(parse_address("+1 415 555 0123 x9", "US", AddressRole::kRecipient, "to").ok());
}

TEST(Lookup, KeepsExtensionSeparately) {
  const LookupResult r = lookup("+1 (415) 555-0123 ext. 42", "us");
  ASSERT_TRUE(r.valid);
  EXPECT_EQ(r.default_region, "US");
  EXPECT_EQ(r.address.phone.e164, "+14155550123");
  EXPECT_EQ(r.address.phone.extension, "42");
  EXPECT_EQ(r.address.phone.national, "(415) 555-0123");
  EXPECT_FALSE(r.valid_as_recipient);
  EXPECT_FALSE(r.valid_as_sender);
}

TEST(Lookup, Json) {
  const nlohmann::json ok = to_json(lookup("07911 123456", "GB"));
  EXPECT_EQ(ok["valid"], true);
  EXPECT_EQ(ok["kind"], "phone_number");
  EXPECT_EQ(ok["e164"], "+447911123456");
  EXPECT_EQ(ok["type"], "mobile");
  EXPECT_EQ(ok["country_code"], 44);
  EXPECT_EQ(ok["national"], "07911 123456");
  EXPECT_EQ(ok["international"], "+44 7911 123456");
  EXPECT_TRUE(ok["extension"].is_null());
  EXPECT_TRUE(ok["reason"].is_null());
  EXPECT_EQ(ok["valid_as"]["recipient"], true);

  const nlohmann::json bad = to_json(lookup("12345", "US"));
  EXPECT_EQ(bad["valid"], false);
  EXPECT_EQ(bad["reason"], "too_short");
  EXPECT_TRUE(bad["e164"].is_null());

  const nlohmann::json alpha = to_json(lookup("ACME", "GB"));
  EXPECT_EQ(alpha["kind"], "alphanumeric");
  EXPECT_EQ(alpha["valid_as"]["sender"], true);
  EXPECT_EQ(alpha["valid_as"]["recipient"], false);

  const nlohmann::json sc = to_json(lookup("55555", "US"));
  EXPECT_EQ(sc["kind"], "short_code");
  EXPECT_EQ(sc["value"], "55555");
  EXPECT_TRUE(sc["e164"].is_null());
}

TEST(Phone, SupportedRegions) {
  EXPECT_TRUE(is_supported_region("US"));
  EXPECT_TRUE(is_supported_region("FR"));
  EXPECT_FALSE(is_supported_region("ZZ"));
  EXPECT_FALSE(is_supported_region("us"));
}

}  // namespace
}  // namespace sb
