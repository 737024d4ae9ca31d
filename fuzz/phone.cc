// Phone numbers, short codes and sender IDs (core/phone.h): parse_phone / normalize_phone (every
// number a request or a webhook names), parse_address and lookup (POST /v1/lookup). Properties:
// a parsed number is E.164-shaped and starts with its country code; normalize_phone agrees with
// parse_phone; an E.164 result parses to itself from any region; short codes are digits and
// sender IDs at most 11 characters (not bytes), never recipients; a lookup always answers and its JSON can
// be written. Input: byte 0 picks the default region, the rest is the address.
#include "core/phone.h"

#include <nlohmann/json.hpp>

#include "fuzz_support.h"

using namespace sb;

namespace {

bool e164_shaped(const std::string& s) {
  if (s.size() < 3 || s.size() > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9') return false;
  for (size_t i = 2; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

constexpr std::string_view kRegions[] = {"US", "CA", "GB", "FR", "DE", "IN", "BR", "AU",
                                         "JP", "CN", "MX", "NZ", "ZZ", "001", "", "us"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view region = kRegions[data[0] % std::size(kRegions)];
  const std::string_view input = fuzz::as_text(data + 1, size - 1);

  auto full = parse_phone(input, region, "to");
  auto fast = normalize_phone(input, region, "to");
  FUZZ_CHECK(full.ok() == fast.ok());
  if (full) {
    FUZZ_CHECK(e164_shaped(full->e164));
    FUZZ_CHECK(full->e164 == fast->e164);
    FUZZ_CHECK(full->country_code > 0);
    FUZZ_CHECK(full->e164.rfind("+" + std::to_string(full->country_code), 0) == 0);
    FUZZ_CHECK(full->extension.empty());
    for (std::string_view other : {"US", "FR"}) {
      auto again = normalize_phone(full->e164, other, "to");
      FUZZ_CHECK(again && again->e164 == full->e164);
    }
  } else {
    FUZZ_CHECK(full.error().code == "invalid_phone_number");
  }

  for (AddressRole role : {AddressRole::kSender, AddressRole::kRecipient}) {
    auto a = parse_address(input, region, role, "from");
    if (!a) continue;
    switch (a->kind) {
      case AddressKind::kPhoneNumber:
        FUZZ_CHECK(e164_shaped(a->value));
        break;
      case AddressKind::kShortCode:
        FUZZ_CHECK(!a->value.empty());
        for (char c : a->value) FUZZ_CHECK(c >= '0' && c <= '9');
        break;
      case AddressKind::kAlphanumeric:
        FUZZ_CHECK(role == AddressRole::kSender);
        // At most 11 characters (GSM-7 letters such as Greek capitals take two bytes each).
        FUZZ_CHECK(fuzz::valid_utf8(a->value));
        FUZZ_CHECK(!a->value.empty() && utf8::decode(a->value).size() <= 11);
        break;
    }
  }

  // POST /v1/lookup answers only valid UTF-8 input (the API refuses the rest).
  if (fuzz::valid_utf8(input)) {
    const LookupResult l = lookup(input, region);
    if (l.valid && l.address.kind == AddressKind::kPhoneNumber) {
      FUZZ_CHECK(e164_shaped(l.address.value));
    }
    if (l.valid_as_recipient) FUZZ_CHECK(l.valid);
    const std::string text = to_json(l).dump();
    FUZZ_CHECK(!text.empty());
  }
  return 0;
}
