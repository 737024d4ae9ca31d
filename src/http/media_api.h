// The media API (docs/media.md): re-hosted inbound media served by the gateway, with an API key
// (/v1/media/{id}) or an expiring signed URL (/media/{id}?expires=&sig=).
#pragma once

#include <string>

#include "engine/services.h"
#include "engine/media.h"
#include "http/router.h"

namespace sb::http {

struct MediaApiOptions {
  std::string public_url;
  int64_t default_ttl_s = 3'600;
  int64_t max_ttl_s = 7 * 86'400;
};

// GET /v1/media/{id} (the account's media; another account's id is 404), POST
// /v1/media/{id}/url?ttl=<seconds> (a signed public URL) and GET /media/{id} (no key; 403
// media_url_invalid unless the signature and expiry check out). A pending item answers 409
// media_pending, a failed one 409 media_failed.
// A re-hosted media item's content (200 with ETag, 304 on If-None-Match, or the error of a
// pending or failed item), for /v1/media and the Twilio API's media content URL.
Response serve_media(const Request& req, const MediaRecord& m, const engine::MediaFiles& files);

void register_media_api(Router& router, engine::Services& services, const engine::MediaFiles& files,
                        const engine::MediaSigner& signer, MediaApiOptions options);

}  // namespace sb::http
