// The request id every HTTP log line carries and every response echoes (X-Request-Id).
#pragma once

#include <string>
#include <string_view>

namespace sb::http {

// `incoming` (a client's X-Request-Id) when it is sane: 1 to 128 printable ASCII characters.
// Otherwise a new id: 16 random hex characters.
std::string request_id_for(std::string_view incoming);

}  // namespace sb::http
