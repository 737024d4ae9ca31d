// The console's files as the build embedded them (scripts/embed_console.py).
#include "http/console_assets.h"

#include <cstddef>
#include <string_view>

namespace sb::http {
namespace {

struct ConsoleFile {
  const char* name;
  const char* content_type;
  const char* data;
  size_t size;
  const char* etag;
};

#include "console_files.inc"

// Scripts, styles, images and WebSocket/fetch connections from this origin only; media the
// gateway re-hosted is same-origin, so images from other hosts are not loaded at all.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

const ConsoleFile* find_file(std::string_view name) {
  for (const auto& f : kConsoleFiles) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

Response serve(const Request& req, const ConsoleFile& f) {
  Response r;
  r.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  // Revalidated on every load (a new binary may carry new files); unchanged ones cost a 304.
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("ETag", f.etag);
  if (req.header("if-none-match") == f.etag) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.status = 200;
  r.content_type = f.content_type;
  r.body.assign(f.data, f.size);
  return r;
}

}  // namespace

void register_console(Router& router) {
  router.add(
      "GET", "/",
      [](Request& req, Reply reply) { reply(serve(req, *find_file("index.html"))); },
      Run::kInline);
  router.add(
      "GET", "/console/{file}",
      [](Request& req, Reply reply) {
        const auto* f = find_file(req.params.at("file"));
        if (f == nullptr || std::string_view(f->name) == "index.html") {
          return reply(Response::error(
              Error::make("not_found", "no such console file: " + req.params.at("file"))));
        }
        reply(serve(req, *f));
      },
      Run::kInline);
}

}  // namespace sb::http
