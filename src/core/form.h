// Percent-encoding and application/x-www-form-urlencoded bodies and query strings: what providers
// are sent, what their webhooks and the Twilio-compatible API receive, and request targets.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb {

// Fields in wire order; a repeated key is repeated.
using FormFields = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 percent-encoding of everything but unreserved characters (space is %20).
std::string url_encode(std::string_view s);
// Percent-decodes; '+' is a space when `plus_is_space` (form and query components, not paths).
// A malformed escape is kept literally.
std::string url_decode(std::string_view s, bool plus_is_space);
// application/x-www-form-urlencoded, fields in the given order.
std::string form_encode(const FormFields& fields);
// Parses application/x-www-form-urlencoded or a query string ('+' and %20 are spaces); malformed
// escapes are kept literally, empty parts skipped.
FormFields form_decode(std::string_view body);

}  // namespace sb
