// /v1/media and /media: serving re-hosted media and minting signed URLs for it.
#include "http/media_api.h"

#include <spdlog/spdlog.h>

#include <cctype>

#include "http/api_util.h"

namespace sb::http {
namespace {

// Kinds a browser may render in place; everything else (text, vCards, PDFs, unknown) downloads,
// so a media item can never act as a page of our origin.
bool inline_type(const std::string& t) {
  return t.rfind("image/", 0) == 0 || t.rfind("video/", 0) == 0 || t.rfind("audio/", 0) == 0;
}

}  // namespace

Response serve_media(const Request& req, const MediaRecord& m, const engine::MediaFiles& files) {
  if (m.state == "pending") {
    return Response::error(
        Error::make("media_pending", "the media is still being fetched from the provider"));
  }
  if (m.state != "ready") {
    return Response::error(Error::make(
        "media_failed", std::string("the media could not be fetched: ").append(m.last_error)));
  }
  const std::string etag = std::string("\"").append(m.sha256).append("\"");
  Response r;
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Cache-Control", "private, max-age=3600");
  if (req.header("if-none-match") == etag) {
    r.status = 304;
    r.content_type = m.content_type;
    return r;
  }
  auto bytes = files.read(m.sha256);
  if (!bytes) {
    spdlog::error("media {}: stored file {} unreadable: {}", m.id, m.sha256,
                  bytes.error().message);
    return Response::error(Error::make("media_unavailable", "the media file is missing"));
  }
  r.status = 200;
  r.content_type = m.content_type;
  r.body = std::move(*bytes);
  r.headers.emplace_back("Content-Disposition",
                         std::string(inline_type(m.content_type) ? "inline" : "attachment")
                             .append("; filename=\"")
                             .append(m.id)
                             .append("\""));
  return r;
}

namespace {

std::optional<int64_t> int_param(const Request& req, std::string_view name) {
  auto v = req.query_param(name);
  if (!v || v->empty() || v->size() > 18) return std::nullopt;
  for (char c : *v) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return std::stoll(*v);
}

}  // namespace

void register_media_api(Router& router, engine::Services& s, const engine::MediaFiles& files,
                        const engine::MediaSigner& signer, MediaApiOptions o) {
  router.add("GET", "/v1/media/{id}",
             authed(s.gateway, kScopeMessagesRead, [&s, &files](Request& req, const std::string& account,
                                            Reply reply) {
               auto m = s.accounts.media(account, req.params["id"]);
               if (!m) return reply(Response::error(m.error()));
               reply(serve_media(req, *m, files));
             }));

  router.add("POST", "/v1/media/{id}/url",
             authed(s.gateway, kScopeMessagesRead, [&s, &signer, o](Request& req, const std::string& account,
                                                Reply reply) {
               const std::string& id = req.params["id"];
               int64_t ttl = o.default_ttl_s;
               if (req.query_param("ttl")) {
                 auto v = int_param(req, "ttl");
                 if (!v || *v < 1 || *v > o.max_ttl_s) {
                   return reply(Response::error(Error::make(
                       "invalid_parameter",
                       std::string("ttl must be 1 to ").append(std::to_string(o.max_ttl_s))
                           .append(" seconds"),
                       "ttl")));
                 }
                 ttl = *v;
               }
               if (auto m = s.accounts.media(account, id); !m) {
                 return reply(Response::error(m.error()));
               }
               const int64_t expires = s.gateway.clock().now_ms() / 1000 + ttl;
               reply(Response::json(
                   200, {{"id", id},
                         {"url", engine::signed_media_url(o.public_url, signer, id, expires)},
                         {"expires_at", format_rfc3339(expires * 1000)}}));
             }));

  router.add("GET", "/media/{id}", [&s, &files, &signer](Request& req, Reply reply) {
    const std::string& id = req.params["id"];
    const auto expires = int_param(req, "expires");
    const auto sig = req.query_param("sig");
    const int64_t now_s = s.gateway.clock().now_ms() / 1000;
    if (!expires || !sig || !signer.verify(id, *expires, *sig, now_s)) {
      return reply(Response::error(Error::make(
          "media_url_invalid", "the media URL's signature is invalid or it has expired")));
    }
    auto m = s.accounts.media_by_id(id);
    if (!m) return reply(Response::error(m.error()));
    reply(serve_media(req, *m, files));
  });
}

}  // namespace sb::http
