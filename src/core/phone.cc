// libphonenumber adapter.
#include "core/phone.h"

#include <phonenumbers/phonenumberutil.h>

namespace sb {

using i18n::phonenumbers::PhoneNumberUtil;

Result<PhoneNumber> parse_phone(std::string_view input, std::string_view default_region,
                                std::string_view field) {
  const auto fail = [&](std::string_view reason, std::string_view detail) {
    return Error::make("invalid_phone_number",
                       std::string(field) + " is not a valid phone number (" + std::string(reason) +
                           "): " + std::string(detail),
                       std::string(field));
  };
  std::string text(input);
  if (text.rfind("tel:", 0) == 0) text = text.substr(4);
  if (text.empty()) return fail("empty", "no digits given");
  if (text.size() > 64) return fail("too_long", "more than 64 characters");

  auto* util = PhoneNumberUtil::GetInstance();
  i18n::phonenumbers::PhoneNumber parsed;
  const auto err = util->Parse(text, std::string(default_region), &parsed);
  switch (err) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return fail("invalid_country_code", "unknown country calling code");
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return fail("too_short", "too few digits");
    case PhoneNumberUtil::TOO_LONG_NSN:
      return fail("too_long", "too many digits");
    default:
      return fail("not_a_number", "could not be read as a phone number");
  }
  if (parsed.has_extension()) return fail("extension_not_allowed", "extensions cannot receive SMS");
  switch (util->IsPossibleNumberWithReason(parsed)) {
    case PhoneNumberUtil::IS_POSSIBLE:
    case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
      return fail("invalid_country_code", "unknown country calling code");
    case PhoneNumberUtil::TOO_SHORT:
      return fail("too_short", "too few digits");
    case PhoneNumberUtil::TOO_LONG:
      return fail("too_long", "too many digits");
    default:
      return fail("invalid_length", "wrong number of digits for its country");
  }
  if (!util->IsValidNumber(parsed)) return fail("invalid_number", "no such number range exists");
  PhoneNumber out;
  util->Format(parsed, PhoneNumberUtil::E164, &out.e164);
  util->GetRegionCodeForNumber(parsed, &out.region);
  return out;
}

bool is_supported_region(std::string_view region) {
  std::set<std::string> regions;
  PhoneNumberUtil::GetInstance()->GetSupportedRegions(&regions);
  return regions.count(std::string(region)) > 0;
}

}  // namespace sb
