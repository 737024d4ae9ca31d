// Phone numbers: parsing user input to E.164 with libphonenumber, validity checked, not assumed.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace sb {

struct PhoneNumber {
  std::string e164;    // "+14155550123"
  std::string region;  // ISO 3166 region, e.g. "US"
};

// Parses `input` (national formats in `default_region`, "+"-international, tel: URIs) to a valid
// E.164 number. Errors carry code "invalid_phone_number" and a message naming the reason
// (too_short, too_long, invalid_country_code, not_a_number, invalid_number) for `field`.
Result<PhoneNumber> parse_phone(std::string_view input, std::string_view default_region,
                                std::string_view field);

// True when libphonenumber knows `region` (e.g. "US", "FR").
bool is_supported_region(std::string_view region);

}  // namespace sb
