// Content sniffing with libmagic: a media item's type comes from its bytes, never from the
// Content-Type its server claimed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sb::providers {

// The MIME type libmagic reads in `bytes` ("image/png", "text/plain", ...;
// "application/octet-stream" when it cannot tell). Thread-safe.
std::string sniff_content_type(std::string_view bytes);

// Whether a sniffed type is one the gateway re-hosts: an exact type, or a "major/*" pattern, of
// `allowed` (e.g. "image/*", "text/vcard").
bool content_type_allowed(const std::string& type, const std::vector<std::string>& allowed);

// The default allowed types: images, video, audio, vCards, PDF and plain text (what MMS carries).
const std::vector<std::string>& default_allowed_media_types();

}  // namespace sb::providers
